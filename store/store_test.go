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

// kit is one implementation of every store.
type kit struct {
	idem   store.Idempotency
	dels   store.Deliveries
	tokens func() store.Tokens // a fresh view of the same tokens (another replica)
	ledger store.Ledger
	wait   func(time.Duration) // lets time pass for expiries (miniredis's clock moves only when told)
}

func kits(t *testing.T) map[string]func(t *testing.T) kit {
	redisKit := func(rdb func(t *testing.T) (redis.UniversalClient, func(time.Duration))) func(t *testing.T) kit {
		return func(t *testing.T) kit {
			c, wait := rdb(t)
			return kit{
				idem:   store.NewRedisIdempotency(c),
				dels:   store.NewRedisDeliveries(c),
				tokens: func() store.Tokens { return store.NewRedisTokens(c, "tradegecko") },
				ledger: store.NewRedisLedger(c),
				wait:   wait,
			}
		}
	}
	return map[string]func(t *testing.T) kit{
		"memory": func(t *testing.T) kit {
			tok := store.NewMemoryTokens(nil)
			return kit{store.NewMemoryIdempotency(nil), store.NewMemoryDeliveries(nil), func() store.Tokens { return tok }, store.NewMemoryLedger(), time.Sleep}
		},
		"miniredis": redisKit(func(t *testing.T) (redis.UniversalClient, func(time.Duration)) {
			s, m := redistest.Mini(t)
			return s.Client(t), m.FastForward
		}),
		"redis-server": redisKit(func(t *testing.T) (redis.UniversalClient, func(time.Duration)) {
			return redistest.Real(t).Client(t), time.Sleep
		}),
		"redis-cluster": redisKit(func(t *testing.T) (redis.UniversalClient, func(time.Duration)) {
			return redistest.Cluster(t, 3).Client(t), time.Sleep
		}),
	}
}

func TestIdempotency(t *testing.T) {
	for name, mk := range kits(t) {
		t.Run(name, func(t *testing.T) {
			k := mk(t)
			ctx := context.Background()
			rec, claimed, err := k.idem.Claim(ctx, "a", "fp1", time.Minute, time.Hour)
			if err != nil || !claimed || rec.State != 0 {
				t.Fatalf("first claim = %+v %v %v", rec, claimed, err)
			}
			rec, claimed, _ = k.idem.Claim(ctx, "a", "fp1", time.Minute, time.Hour)
			if claimed || rec.State != store.Pending || rec.Fingerprint != "fp1" {
				t.Fatalf("claim while pending = %+v %v", rec, claimed)
			}
			// A waiter sees the result when it completes.
			got := make(chan store.Record, 1)
			go func() {
				r, _ := k.idem.Wait(ctx, "a")
				got <- r
			}()
			time.Sleep(30 * time.Millisecond)
			if err := k.idem.Complete(ctx, "a", []byte(`{"id":7}`)); err != nil {
				t.Fatal(err)
			}
			select {
			case r := <-got:
				if r.State != store.Done || string(r.Result) != `{"id":7}` {
					t.Errorf("Wait = %+v", r)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Wait did not return after Complete")
			}
			rec, claimed, _ = k.idem.Claim(ctx, "a", "fp2", time.Minute, time.Hour)
			if claimed || rec.State != store.Done || rec.Fingerprint != "fp1" || string(rec.Result) != `{"id":7}` {
				t.Errorf("claim after done = %+v %v", rec, claimed)
			}
			if err := k.idem.Complete(ctx, "a", nil); !errors.Is(err, store.ErrNotClaimed) {
				t.Errorf("completing twice: %v", err)
			}
			// Release lets a fresh claim through.
			k.idem.Claim(ctx, "b", "fp", time.Minute, time.Hour)
			if err := k.idem.Release(ctx, "b"); err != nil {
				t.Fatal(err)
			}
			if _, claimed, _ := k.idem.Claim(ctx, "b", "fp", time.Minute, time.Hour); !claimed {
				t.Error("no claim after release")
			}
			// An expired lease is taken over, with the previous record.
			k.idem.Claim(ctx, "c", "fp", 50*time.Millisecond, time.Hour)
			time.Sleep(80 * time.Millisecond)
			prev, claimed, _ := k.idem.Claim(ctx, "c", "fp", time.Minute, time.Hour)
			if !claimed || prev.State != store.Pending {
				t.Errorf("takeover after the lease = %+v %v", prev, claimed)
			}
			// ... but not with another fingerprint.
			k.idem.Claim(ctx, "d", "fp", 50*time.Millisecond, time.Hour)
			time.Sleep(80 * time.Millisecond)
			if _, claimed, _ := k.idem.Claim(ctx, "d", "other", time.Minute, time.Hour); claimed {
				t.Error("another input took over an abandoned claim")
			}
			// Records expire after their TTL.
			k.idem.Claim(ctx, "e", "fp", time.Minute, 50*time.Millisecond)
			time.Sleep(1100 * time.Millisecond)
			if _, claimed, _ := k.idem.Claim(ctx, "e", "fp2", time.Minute, time.Hour); !claimed && name != "miniredis" { // miniredis expires keys only when told to
				t.Error("record outlived its TTL")
			}
		})
	}
}

// Many concurrent claims: exactly one wins.
func TestIdempotencyConcurrentClaims(t *testing.T) {
	for name, mk := range kits(t) {
		t.Run(name, func(t *testing.T) {
			k := mk(t)
			var wins atomic.Int32
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, claimed, err := k.idem.Claim(context.Background(), "race", "fp", time.Minute, time.Hour); err == nil && claimed {
						wins.Add(1)
					}
				}()
			}
			wg.Wait()
			if wins.Load() != 1 {
				t.Errorf("%d claims won, want 1", wins.Load())
			}
		})
	}
}

func TestDeliveries(t *testing.T) {
	for name, mk := range kits(t) {
		t.Run(name, func(t *testing.T) {
			k := mk(t)
			ctx := context.Background()
			first, _ := k.dels.FirstSeen(ctx, "d1", time.Hour)
			again, _ := k.dels.FirstSeen(ctx, "d1", time.Hour)
			if !first || again {
				t.Fatalf("FirstSeen = %v then %v", first, again)
			}
			_ = k.dels.Forget(ctx, "d1")
			if first, _ := k.dels.FirstSeen(ctx, "d1", time.Hour); !first {
				t.Error("forgotten delivery not new again")
			}
			// A brief claim: another attempt finds it claimed; kept, it is
			// known; lapsed (its holder died) or forgotten, it is new again.
			for id, want := range map[string]store.DeliveryState{"c1": store.DeliveryNew, "c2": store.DeliveryNew, "c3": store.DeliveryNew} {
				if got, err := k.dels.Claim(ctx, id, 50*time.Millisecond); err != nil || got != want {
					t.Fatalf("Claim(%s) = %v, %v; want %v", id, got, err, want)
				}
			}
			if got, _ := k.dels.Claim(ctx, "c1", time.Hour); got != store.DeliveryClaimed {
				t.Errorf("Claim of a claimed id = %v, want DeliveryClaimed", got)
			}
			if err := k.dels.Keep(ctx, "c2", time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, _ := k.dels.Claim(ctx, "c2", time.Hour); got != store.DeliveryKept {
				t.Errorf("Claim of a kept id = %v, want DeliveryKept", got)
			}
			_ = k.dels.Forget(ctx, "c3")
			if got, _ := k.dels.Claim(ctx, "c3", time.Hour); got != store.DeliveryNew {
				t.Errorf("Claim of a forgotten id = %v, want DeliveryNew", got)
			}
			k.wait(150 * time.Millisecond)
			if got, _ := k.dels.Claim(ctx, "c1", time.Hour); got != store.DeliveryNew {
				t.Errorf("Claim after the claim lapsed = %v, want DeliveryNew", got)
			}
			if got, _ := k.dels.Claim(ctx, "c2", time.Hour); got != store.DeliveryKept {
				t.Errorf("a kept delivery lapsed with its claim: %v", got)
			}
			// Keep works even when the claim has lapsed already.
			if got, _ := k.dels.Claim(ctx, "c4", 50*time.Millisecond); got != store.DeliveryNew {
				t.Fatal("c4 not new")
			}
			k.wait(150 * time.Millisecond)
			if err := k.dels.Keep(ctx, "c4", time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, _ := k.dels.Claim(ctx, "c4", time.Hour); got != store.DeliveryKept {
				t.Errorf("Keep after the claim lapsed: %v, want DeliveryKept", got)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	for name, mk := range kits(t) {
		t.Run(name, func(t *testing.T) {
			k := mk(t)
			ctx := context.Background()
			a, b := k.tokens(), k.tokens()
			if _, err := a.Get(ctx); !errors.Is(err, store.ErrNoToken) {
				t.Fatalf("empty Get: %v", err)
			}
			exp := time.Now().Add(2 * time.Hour).Truncate(time.Microsecond)
			if err := a.Put(ctx, store.Token{AccessToken: "at", RefreshToken: "rt", Expiry: exp}); err != nil {
				t.Fatal(err)
			}
			if got, err := b.Get(ctx); err != nil || got.AccessToken != "at" || got.RefreshToken != "rt" || !got.Expiry.Equal(exp) {
				t.Errorf("Get = %+v, %v", got, err)
			}
			unlock, err := a.Lock(ctx, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.Lock(ctx, time.Minute); !errors.Is(err, store.ErrLocked) {
				t.Errorf("second lock: %v", err)
			}
			unlock()
			if unlock2, err := b.Lock(ctx, time.Minute); err != nil {
				t.Errorf("lock after unlock: %v", err)
			} else {
				unlock2()
			}
		})
	}
}

func TestLedger(t *testing.T) {
	for name, mk := range kits(t) {
		t.Run(name, func(t *testing.T) {
			k := mk(t)
			ctx := context.Background()
			put := func(id string, v int) {
				t.Helper()
				if err := k.ledger.Update(ctx, "c", id, func([]byte) ([]byte, error) { return json.Marshal(v) }); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 5 {
				put(fmt.Sprint("id", i), i)
			}
			put("id1", 100) // an update keeps its place
			docs, total, err := k.ledger.List(ctx, "c", 1, 3)
			if err != nil || total != 5 || len(docs) != 3 || string(docs[0]) != "3" || string(docs[1]) != "2" || string(docs[2]) != "100" {
				t.Errorf("List = %q, %d, %v", docs, total, err)
			}
			if _, err := k.ledger.Get(ctx, "c", "nope"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get missing: %v", err)
			}
			// Concurrent read-modify-writes do not lose updates.
			var wg sync.WaitGroup
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = k.ledger.Update(ctx, "c", "counter", func(old []byte) ([]byte, error) {
						var n int
						if old != nil {
							_ = json.Unmarshal(old, &n)
						}
						return json.Marshal(n + 1)
					})
				}()
			}
			wg.Wait()
			if b, _ := k.ledger.Get(ctx, "c", "counter"); string(b) != "20" {
				t.Errorf("counter = %s, want 20", b)
			}
			// An aborted update stores nothing.
			errBoom := errors.New("boom")
			if err := k.ledger.Update(ctx, "c", "x", func([]byte) ([]byte, error) { return nil, errBoom }); !errors.Is(err, errBoom) {
				t.Errorf("aborted update: %v", err)
			}
			if _, err := k.ledger.Get(ctx, "c", "x"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("aborted update stored something: %v", err)
			}
		})
	}
}
