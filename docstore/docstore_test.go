package docstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/docstore"
	"github.com/commercegateway/gateway/internal/redistest"
)

func hashOf(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// lookup is one Document call and what it must answer.
func lookup(t *testing.T, s *docstore.Store, text string, want bool) {
	t.Helper()
	got, ok, err := s.Document(context.Background(), hashOf(text))
	if err != nil {
		t.Fatalf("Document(%q): %v", text, err)
	}
	if ok != want || (ok && got != text) {
		t.Errorf("Document(%q) = %q, %v; want found %v", text, got, ok, want)
	}
}

func register(t *testing.T, s *docstore.Store, text string, want bool) {
	t.Helper()
	stored, err := s.Register(context.Background(), text)
	if err != nil {
		t.Fatalf("Register(%q): %v", text, err)
	}
	if stored != want {
		t.Errorf("Register(%q) = %v, want %v", text, stored, want)
	}
}

// The store's bounds, on Redis's clock (miniredis's, set by the test):
// an entry lives TTL after its last use, a lookup refreshes it, and the
// least recently used go first past the count or byte bound.
func TestStore(t *testing.T) {
	const ttl = time.Hour
	type step struct {
		advance  time.Duration // before the step
		register string        // register this text ("" none)
		stored   bool
		found    []string // then these are found
		missing  []string // and these are not
	}
	tests := []struct {
		name  string
		cfg   docstore.Config
		steps []step
	}{
		{"registered, then found; an unknown hash is not", docstore.Config{TTL: ttl}, []step{
			{missing: []string{"{ a }"}},
			{register: "{ a }", stored: true, found: []string{"{ a }"}, missing: []string{"{ b }"}},
			{register: "{ a }", stored: true, found: []string{"{ a }"}},
		}},
		{"TTL after the last use; a lookup refreshes it", docstore.Config{TTL: ttl}, []step{
			{register: "{ a }", stored: true},
			{register: "{ b }", stored: true},
			{advance: ttl - time.Second, found: []string{"{ a }"}},
			{advance: 2 * time.Second, found: []string{"{ a }"}, missing: []string{"{ b }"}},
			{advance: ttl, missing: []string{"{ a }"}},
		}},
		{"count: the least recently used goes", docstore.Config{TTL: ttl, MaxDocuments: 3}, []step{
			{register: "{ a }", stored: true},
			{advance: time.Millisecond, register: "{ b }", stored: true},
			{advance: time.Millisecond, register: "{ c }", stored: true},
			{advance: time.Millisecond, found: []string{"{ a }"}},
			{advance: time.Millisecond, register: "{ d }", stored: true,
				found: []string{"{ a }", "{ c }", "{ d }"}, missing: []string{"{ b }"}},
		}},
		{"bytes: the least recently used go; a text over the bound alone is not stored", docstore.Config{TTL: ttl, MaxBytes: 12}, []step{
			{register: "{ aaaa }", stored: true}, // 8 bytes
			{advance: time.Millisecond, register: "{ b }", stored: true, found: []string{"{ b }"}, missing: []string{"{ aaaa }"}},
			{advance: time.Millisecond, register: "{ c }", stored: true, found: []string{"{ b }", "{ c }"}},
			{advance: time.Millisecond, register: "{ ddddddddd }", stored: false, found: []string{"{ b }", "{ c }"},
				missing: []string{"{ ddddddddd }"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, m := redistest.Mini(t)
			now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			m.SetTime(now)
			s, err := docstore.New(srv.Client(t), tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tt.steps {
				now = now.Add(st.advance)
				m.SetTime(now)
				if st.register != "" {
					register(t, s, st.register, st.stored)
				}
				for _, d := range st.found {
					lookup(t, s, d, true)
				}
				for _, d := range st.missing {
					lookup(t, s, d, false)
				}
				if t.Failed() {
					t.Fatalf("at step %d", i)
				}
			}
			// The keys expire with the store's last use: nothing outlives
			// its TTL in a noeviction Redis.
			for _, k := range m.Keys() {
				if ttl := m.TTL(k); ttl <= 0 || ttl > time.Hour {
					t.Errorf("key %s has TTL %s, want (0, 1h]", k, ttl)
				}
			}
		})
	}
}

func TestDocumentNotAHash(t *testing.T) {
	srv, _ := redistest.Mini(t)
	s, _ := docstore.New(srv.Client(t), docstore.Config{})
	for _, h := range []string{"", "abc", strings.Repeat("g", 64), strings.Repeat("a", 40)} {
		if _, _, err := s.Document(context.Background(), h); !errors.Is(err, docstore.ErrNotHash) {
			t.Errorf("Document(%q) error = %v, want ErrNotHash", h, err)
		}
	}
}

// Without Redis a call fails with an error, and the next ones answer
// ErrUnavailable at once, until RetryAfter has passed.
func TestRedisDown(t *testing.T) {
	srv, m := redistest.Mini(t)
	s, _ := docstore.New(srv.Client(t), docstore.Config{})
	m.Close()
	began := time.Now()
	if _, err := s.Register(context.Background(), "{ a }"); err == nil {
		t.Error("Register without Redis: no error")
	}
	first := time.Since(began)
	began = time.Now()
	for range 10 {
		if _, _, err := s.Document(context.Background(), hashOf("{ a }")); !errors.Is(err, docstore.ErrUnavailable) {
			t.Fatalf("Document after a failure: %v, want ErrUnavailable", err)
		}
	}
	if d := time.Since(began); d > 100*time.Millisecond {
		t.Errorf("10 calls after a failure took %s (the first %s), want no wait", d, first)
	}
}

// On Redis Cluster: every script's keys share one slot.
func TestCluster(t *testing.T) {
	cs := redistest.Cluster(t, 3)
	var rdb redis.UniversalClient = cs.Client(t)
	s, err := docstore.New(rdb, docstore.Config{MaxDocuments: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"{ a }", "{ b }", "{ c }"} {
		register(t, s, d, true)
	}
	lookup(t, s, "{ c }", true)
	found := 0
	for _, d := range []string{"{ a }", "{ b }", "{ c }"} {
		if _, ok, _ := s.Document(context.Background(), hashOf(d)); ok {
			found++
		}
	}
	if found != 2 {
		t.Errorf("%d documents found of 3 registered with MaxDocuments 2, want 2", found)
	}
}
