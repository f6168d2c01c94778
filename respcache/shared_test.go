package respcache_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/respcache"
)

func pos(ms uint64) respcache.Position { return respcache.Position{Ms: ms} }

// Whether a replica may use an entry another made: decided by bus
// positions alone, against the changes this replica heard of.
func TestValid(t *testing.T) {
	cases := []struct {
		name  string
		setup func(c *respcache.Cache)
		made  respcache.Position
		want  bool
	}{
		{"not listening to the bus: never", func(c *respcache.Cache) {}, pos(100), false},
		{"made after the origin, nothing changed", func(c *respcache.Cache) { c.Listening(pos(50)) }, pos(100), true},
		{"made before this replica's origin", func(c *respcache.Cache) { c.Listening(pos(50)) }, pos(40), false},
		{"its variant changed after it was made", func(c *respcache.Cache) {
			c.Listening(pos(50))
			c.Heard(pos(120), variant(1))
		}, pos(100), false},
		{"its variant changed before it was made", func(c *respcache.Cache) {
			c.Listening(pos(50))
			c.Heard(pos(90), variant(1))
		}, pos(100), true},
		{"made by a replica that had heard the change itself", func(c *respcache.Cache) {
			c.Listening(pos(50))
			c.Heard(pos(100), variant(1))
		}, pos(100), true},
		{"another variant changed after it was made", func(c *respcache.Cache) {
			c.Listening(pos(50))
			c.Heard(pos(120), variant(9))
		}, pos(100), true},
		{"changed here, not yet heard back from the bus", func(c *respcache.Cache) {
			c.Listening(pos(50))
			c.Invalidate(variant(1))
		}, pos(100), false},
		{"changed here, then heard back", func(c *respcache.Cache) {
			c.Listening(pos(50))
			c.Invalidate(variant(1))
			c.Heard(pos(90), variant(1))
		}, pos(100), true},
		{"an older position heard late does not undo a later one", func(c *respcache.Cache) {
			c.Listening(pos(50))
			c.Heard(pos(120), variant(1))
			c.Heard(pos(80), variant(1))
		}, pos(100), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := respcache.New(respcache.Options{MaxBytes: 1 << 20})
			tc.setup(c)
			if got := c.Valid(entry(10, variant(1), variant(2)), tc.made); got != tc.want {
				t.Errorf("Valid = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		c := respcache.New(respcache.Options{MaxBytes: 1 << 20})
		c.Listening(pos(50))
		e := entry(10)
		e.Expires = time.Now().Add(-time.Millisecond)
		if c.Valid(e, pos(100)) {
			t.Error("an expired entry is valid")
		}
	})
}

// A ticket carries the position heard when the answer began.
func TestTicketPosition(t *testing.T) {
	c := respcache.New(respcache.Options{MaxBytes: 1 << 20})
	c.Listening(pos(50))
	if p := c.Begin().Position(); p != pos(50) {
		t.Errorf("at the origin, position %v", p)
	}
	c.Heard(respcache.Position{Ms: 70, Seq: 3}, variant(1))
	if p := c.Begin().Position(); p != (respcache.Position{Ms: 70, Seq: 3}) {
		t.Errorf("after a change at 70-3, position %v", p)
	}
}

// The Redis tier on a real redis-server: only a second miss is stored, an
// entry comes back whole with its position, and a replica's bytes stay
// under its budget.
func TestShared(t *testing.T) {
	rdb := redistest.Real(t).Client(t)
	ctx := context.Background()
	s := respcache.NewShared(rdb, respcache.SharedOptions{MaxBytes: 3 << 10})
	if s.Missed(key(1)) {
		t.Fatal("a first miss counts as a second")
	}
	if !s.Missed(key(1)) {
		t.Fatal("a second miss is not one")
	}
	e := entry(1<<10, variant(1), commerce.Tag{Kind: commerce.TagProductList})
	e.Header = map[string][]string{"Cache-Control": {"public, max-age=30"}}
	at := respcache.Position{Ms: 1234, Seq: 5}
	if ok, err := s.Put(ctx, key(1), e, at); !ok || err != nil {
		t.Fatalf("Put = %v, %v", ok, err)
	}
	got, gotAt, ok, err := s.Get(ctx, key(1))
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	if gotAt != at || !bytes.Equal(got.Body, e.Body) || got.ETag != e.ETag || len(got.Tags) != 2 ||
		got.Header.Get("Cache-Control") != "public, max-age=30" || got.Expires.UnixMilli() != e.Expires.UnixMilli() {
		t.Errorf("Get = %+v at %v; want the entry as stored at %v", got, gotAt, at)
	}
	if ttl := rdb.PTTL(ctx, "respcache:"+hexKey(key(1))).Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL %v; want the entry's freshness (a minute)", ttl)
	}
	if _, _, ok, _ := s.Get(ctx, key(2)); ok {
		t.Error("an entry never stored was found")
	}
	// The budget: two more fit, the fourth does not.
	s.Put(ctx, key(2), entry(1<<10), at)
	if ok, _ := s.Put(ctx, key(3), entry(1<<10), at); ok {
		t.Errorf("stored %d bytes over a budget of %d", s.Stored()+1<<10, 3<<10)
	}
	if s.Stored() > 3<<10 {
		t.Errorf("%d bytes stored, over the budget", s.Stored())
	}
	// Nearly spent freshness: not worth a round trip.
	short := entry(10)
	short.Expires = time.Now().Add(500 * time.Millisecond)
	if ok, _ := s.Put(ctx, key(4), short, at); ok {
		t.Error("stored an entry with less than a second of freshness")
	}
}

func hexKey(k respcache.Key) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, 64)
	for _, x := range k {
		b = append(b, digits[x>>4], digits[x&15])
	}
	return string(b)
}
