package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/store"
)

// On a Redis Cluster, two replicas (each with its own cluster client)
// share every record, and records of different keys and collections land
// on different masters. (The "redis-cluster" kit in store_test.go runs the
// conformance checks on one client.)
func TestClusterReplicas(t *testing.T) {
	cs := redistest.Cluster(t, 3)
	a, b := cs.Client(t), cs.Client(t)
	ctx := context.Background()

	t.Run("idempotency", func(t *testing.T) {
		ia, ib := store.NewRedisIdempotency(a), store.NewRedisIdempotency(b)
		if _, claimed, err := ia.Claim(ctx, "order-1", "fp", time.Minute, time.Hour); err != nil || !claimed {
			t.Fatalf("claim on a = %v, %v", claimed, err)
		}
		rec, claimed, err := ib.Claim(ctx, "order-1", "fp", time.Minute, time.Hour)
		if err != nil || claimed || rec.State != store.Pending {
			t.Fatalf("claim on b while a holds it = %+v, %v, %v", rec, claimed, err)
		}
		got := make(chan store.Record, 1)
		go func() {
			r, _ := ib.Wait(ctx, "order-1")
			got <- r
		}()
		time.Sleep(30 * time.Millisecond)
		if err := ia.Complete(ctx, "order-1", []byte(`{"id":1}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-got:
			if r.State != store.Done || string(r.Result) != `{"id":1}` {
				t.Errorf("Wait on b = %+v, want a's result", r)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Wait on b did not return after Complete on a")
		}
		// Twenty concurrent claims over both replicas: one wins.
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				idem := []store.Idempotency{ia, ib}[i%2]
				if _, claimed, err := idem.Claim(ctx, "order-2", "fp", time.Minute, time.Hour); err == nil && claimed {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d of 20 claims over two replicas won, want 1", wins.Load())
		}
		// Records of many keys spread over the masters.
		for i := range 30 {
			if _, _, err := ia.Claim(ctx, fmt.Sprint("spread-", i), "fp", time.Minute, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		if n := mastersHolding(t, cs); n != 3 {
			t.Errorf("records on %d of 3 masters", n)
		}
	})

	t.Run("deliveries", func(t *testing.T) {
		da, db := store.NewRedisDeliveries(a), store.NewRedisDeliveries(b)
		if first, err := da.FirstSeen(ctx, "d-1", time.Minute); err != nil || !first {
			t.Fatalf("FirstSeen on a = %v, %v", first, err)
		}
		if again, err := db.FirstSeen(ctx, "d-1", time.Minute); err != nil || again {
			t.Fatalf("FirstSeen on b after a = %v, %v; want a duplicate", again, err)
		}
		if err := db.Keep(ctx, "d-1", time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := da.Forget(ctx, "d-1"); err != nil {
			t.Fatal(err)
		}
		if first, _ := db.FirstSeen(ctx, "d-1", time.Minute); !first {
			t.Error("a delivery forgotten on a is not new on b")
		}
	})

	t.Run("tokens", func(t *testing.T) {
		ta, tb := store.NewRedisTokens(a, "tradegecko"), store.NewRedisTokens(b, "tradegecko")
		exp := time.Now().Add(time.Hour).Truncate(time.Microsecond)
		if err := ta.Put(ctx, store.Token{AccessToken: "at", RefreshToken: "rt", Expiry: exp}); err != nil {
			t.Fatal(err)
		}
		if got, err := tb.Get(ctx); err != nil || got.RefreshToken != "rt" || !got.Expiry.Equal(exp) {
			t.Errorf("Get on b = %+v, %v", got, err)
		}
		unlock, err := ta.Lock(ctx, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.Lock(ctx, time.Minute); !errors.Is(err, store.ErrLocked) {
			t.Errorf("Lock on b while a holds it: %v, want ErrLocked", err)
		}
		unlock() // the compare-and-delete script
		unlockB, err := tb.Lock(ctx, time.Minute)
		if err != nil {
			t.Fatalf("Lock on b after a unlocked: %v", err)
		}
		unlockB()
	})

	t.Run("ledger", func(t *testing.T) {
		la, lb := store.NewRedisLedger(a), store.NewRedisLedger(b)
		// Read-modify-writes from both replicas (WATCH/MULTI on one
		// collection's slot) lose nothing.
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				l := []store.Ledger{la, lb}[i%2]
				if err := l.Update(ctx, "sales", "counter", func(old []byte) ([]byte, error) {
					var n int
					if old != nil {
						_ = json.Unmarshal(old, &n)
					}
					return json.Marshal(n + 1)
				}); err != nil {
					t.Errorf("update %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if got, err := lb.Get(ctx, "sales", "counter"); err != nil || string(got) != "20" {
			t.Errorf("counter = %s, %v; want 20", got, err)
		}
		// Collections on different slots, each listed whole.
		for _, coll := range []string{"tgc", "simpleconsign", "pending", "x", "y"} {
			for i := range 3 {
				if err := la.Update(ctx, coll, fmt.Sprint(i), func([]byte) ([]byte, error) { return json.Marshal(i) }); err != nil {
					t.Fatalf("%s: %v", coll, err)
				}
			}
			docs, total, err := lb.List(ctx, coll, 0, 10)
			if err != nil || total != 3 || len(docs) != 3 || string(docs[0]) != "2" {
				t.Errorf("List(%s) on b = %q, %d, %v", coll, docs, total, err)
			}
		}
	})
}

// mastersHolding counts the masters holding at least one key.
func mastersHolding(t *testing.T, cs *redistest.ClusterServer) int {
	t.Helper()
	n := 0
	for _, addr := range cs.Addrs {
		c := redis.NewClient(&redis.Options{Addr: addr})
		size, err := c.DBSize(context.Background()).Result()
		_ = c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if size > 0 {
			n++
		}
	}
	return n
}
