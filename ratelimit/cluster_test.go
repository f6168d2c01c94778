package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
)

// The limiter on a real Redis Cluster: both scripts touch two keys, which
// share the {rl:<name>} hash tag, so they run (no CROSSSLOT), and
// limiters of the same name on other clients share one budget.
func TestCluster(t *testing.T) {
	cs := redistest.Cluster(t, 3)
	rdb := cs.Client(t)
	ctx := context.Background()

	t.Run("keys share a slot", func(t *testing.T) {
		l, err := New(rdb, Config{Name: "slots", Limit: 10, Window: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		log, pause := rdb.ClusterKeySlot(ctx, l.logKey).Val(), rdb.ClusterKeySlot(ctx, l.pauseKey).Val()
		if log != pause {
			t.Errorf("CLUSTER KEYSLOT %s = %d, %s = %d: the scripts' keys must share a slot", l.logKey, log, l.pauseKey, pause)
		}
	})

	t.Run("Wait admits up to the cap", func(t *testing.T) {
		// Two instances of one budget, each on its own cluster client, as
		// two replicas are.
		a, err := New(rdb, Config{Name: "cluster-wait", Limit: 12, Window: 2 * time.Second, Margin: 2, ReadReserve: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		b, err := New(cs.Client(t), Config{Name: "cluster-wait", Limit: 12, Window: 2 * time.Second, Margin: 2, ReadReserve: 0.25})
		if err != nil {
			t.Fatal(err)
		}
		w, r := a.Caps()
		for i := range r {
			l := a
			if i%2 == 1 {
				l = b
			}
			if err := l.Wait(ctx, Read); err != nil {
				t.Fatalf("read %d: %v", i, err)
			}
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		var e *Error
		if err := b.Wait(short, Read); !errors.As(err, &e) || e.RetryAfter() <= 0 || e.RetryAfter() > 2400*time.Millisecond {
			t.Fatalf("read past the cap: %v, want *Error with a wait of up to 2.4 s", err)
		}
		for i := range w - r {
			if err := b.Wait(ctx, Write); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		if err := a.Wait(short, Write); !errors.As(err, &e) {
			t.Fatalf("write past the cap: %v, want *Error", err)
		}
		if n, err := a.Remaining(ctx); err != nil || n != 0 {
			t.Errorf("Remaining = %d, %v; want 0", n, err)
		}
		// A caller with time to wait gets a slot when the window slides.
		start := time.Now()
		long, cancel2 := context.WithTimeout(ctx, 5*time.Second)
		defer cancel2()
		if err := a.Wait(long, Write); err != nil {
			t.Fatalf("waiting write: %v", err)
		}
		if d := time.Since(start); d < time.Second {
			t.Errorf("a slot freed after %s, before the window slid", d)
		}
	})

	t.Run("Observe pauses another instance", func(t *testing.T) {
		a, _ := New(rdb, Config{Name: "cluster-obs", Limit: 10, Window: 10 * time.Second, Margin: 1})
		b, _ := New(cs.Client(t), Config{Name: "cluster-obs", Limit: 10, Window: 10 * time.Second, Margin: 1})
		// Another app used 7 of the upstream's 10: 9 - 7 = 2 writes left.
		if err := a.Observe(ctx, 3, time.Now().Add(10*time.Second), false); err != nil {
			t.Fatalf("Observe: %v", err)
		}
		for range 2 {
			if err := b.Wait(ctx, Write); err != nil {
				t.Fatal(err)
			}
		}
		short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
		defer cancel()
		if err := b.Wait(short, Write); err == nil {
			t.Fatal("admitted a third write after the upstream said 3 remained")
		}
		// A 429 with a reset 1 s out pauses the other instance too.
		c, _ := New(rdb, Config{Name: "cluster-429", Limit: 100, Window: time.Minute})
		d, _ := New(cs.Client(t), Config{Name: "cluster-429", Limit: 100, Window: time.Minute})
		if err := c.Observe(ctx, -1, time.Now().Add(time.Second), true); err != nil {
			t.Fatalf("Observe a 429: %v", err)
		}
		short2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel2()
		var e *Error
		if err := d.Wait(short2, Read); !errors.As(err, &e) || e.After < 500*time.Millisecond {
			t.Fatalf("after a 429 another instance was admitted or told to wait only %v: %v", e, err)
		}
		start := time.Now()
		if err := d.Wait(ctx, Write); err != nil || time.Since(start) < 500*time.Millisecond {
			t.Errorf("after the pause: %v after %s", err, time.Since(start))
		}
	})

	// Budgets of different names live on different masters, each whole on
	// one.
	t.Run("budgets spread over the masters", func(t *testing.T) {
		masters := map[string]bool{}
		for _, name := range []string{"tradegecko", "simpleconsign", "a", "b", "c", "d", "e", "f"} {
			l, _ := New(rdb, Config{Name: name, Limit: 5, Window: time.Minute})
			if err := l.Wait(ctx, Write); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, addr := range cs.Addrs {
				node := redis.NewClient(&redis.Options{Addr: addr})
				if node.Exists(ctx, l.logKey).Val() == 1 {
					masters[addr] = true
				}
				_ = node.Close()
			}
		}
		if len(masters) < 2 {
			t.Errorf("8 budgets all on %v: the test does not cross masters", masters)
		}
	})
}
