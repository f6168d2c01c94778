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
// share the {rl:<name>} hash tag, so they run (no CROSSSLOT). (Admission
// up to the caps runs on the cluster too: see backends.)
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
