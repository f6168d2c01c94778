package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Shares are work-conserving: a lone client spends past its share; once
// another reader waits, the client past its share is refused at once (not
// queued), while exempt callers and writes are never refused for a share.
func TestClientShares(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			l, err := New(b.rdb(t), Config{Name: "share", Limit: 12, Window: 2 * time.Second, Margin: 2, ClientShare: 0.3})
			if err != nil {
				t.Fatal(err)
			}
			_, readCap := l.Caps()
			if readCap != 10 || l.ShareCap() != 3 {
				t.Fatalf("read cap %d, share %d; want 10 and 3", readCap, l.ShareCap())
			}
			bg := context.Background()
			a, other := WithClient(bg, "a"), WithClient(bg, "b")
			// Alone, a may take the whole read cap.
			for i := range readCap {
				if err := l.Wait(a, Read); err != nil {
					t.Fatalf("lone client's read %d: %v", i+1, err)
				}
			}
			// b finds the budget full and waits (registering itself).
			short, cancel := context.WithTimeout(other, 30*time.Millisecond)
			defer cancel()
			if err := l.Wait(short, Read); err == nil {
				t.Fatal("b was admitted past the read cap")
			}
			// Now a, past its share, is refused at once for it.
			start := time.Now()
			var e *Refusal
			if err := l.Wait(a, Read); !errors.As(err, &e) || !e.Share || e.RetryAfter <= 0 {
				t.Fatalf("a past its share while b waits: %v, want a share refusal", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("the share refusal took %s: it must not queue", d)
			}
			// Exempt callers and writes are not refused for a share (they
			// wait for room like anyone).
			for _, tc := range []struct {
				name string
				ctx  context.Context
				p    Priority
			}{{"background read", bg, Read}, {"a's write", a, Write}} {
				ctx, cancel := context.WithTimeout(tc.ctx, 30*time.Millisecond)
				err := l.Wait(ctx, tc.p)
				cancel()
				if errors.As(err, &e) && e.Share {
					t.Errorf("%s refused for a share: %v", tc.name, err)
				}
			}
		})
	}
}

// With shares off, nobody is refused for one and nothing is counted per
// client.
func TestNoSharesByDefault(t *testing.T) {
	s := backends()[0]
	rdb := s.rdb(t)
	l, _ := New(rdb, Config{Name: "noshare", Limit: 10, Window: time.Second})
	if l.ShareCap() != 0 {
		t.Fatalf("share cap %d", l.ShareCap())
	}
	for range 5 {
		if err := l.Wait(WithClient(context.Background(), "a"), Read); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := rdb.Keys(context.Background(), "*:c:*").Result()
	if len(keys) != 0 {
		t.Errorf("per-client logs kept with shares off: %v", keys)
	}
	if _, err := New(rdb, Config{Name: "x", Limit: 10, Window: time.Second, ClientShare: 1.5}); err == nil {
		t.Error("a share above 1 accepted")
	}
}

// Two clients both past their share do not hold each other off: the
// budget is spent by whoever asks (nobody past a share counts as waiting).
func TestHeavyClientsDoNotBlockEachOther(t *testing.T) {
	s := backends()[1]
	l, _ := New(s.rdb(t), Config{Name: "heavy", Limit: 12, Window: 2 * time.Second, Margin: 2, ClientShare: 0.1})
	a, b := WithClient(context.Background(), "a"), WithClient(context.Background(), "b")
	for range 2 {
		for _, ctx := range []context.Context{a, b} {
			if err := l.Wait(ctx, Read); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Both are past their share of 1; b waits while a keeps asking.
	short, cancel := context.WithTimeout(b, 20*time.Millisecond)
	defer cancel()
	_ = l.Wait(short, Read)
	if err := l.Wait(a, Read); err != nil {
		t.Errorf("a past its share was refused while only b, also past its share, waited: %v", err)
	}
}
