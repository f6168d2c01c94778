package clientrate

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
)

// backends are the Redis kinds the limiter must work on.
func backends(t *testing.T) map[string]func(t *testing.T) redis.UniversalClient {
	return map[string]func(t *testing.T) redis.UniversalClient{
		"redis-server": func(t *testing.T) redis.UniversalClient { return redistest.Real(t).Client(t) },
		"cluster":      func(t *testing.T) redis.UniversalClient { return redistest.Cluster(t, 3).Client(t) },
	}
}

// Replicas sharing one Redis never admit more than Limit of one client's
// requests in a window, and leasing costs at most (replicas-1)*(lease-1)
// refusals early.
func TestSharedLimitAcrossReplicas(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			rdb := open(t)
			const limit, lease, replicas = 40, 5, 3
			// A long window: the whole test runs inside one (or at most
			// straddles two, which the assertion allows for).
			var ls []*Limiter
			for range replicas {
				l, err := New(rdb, Config{Limit: limit, Window: time.Hour, Lease: lease, Prefix: "t" + name})
				if err != nil {
					t.Fatal(err)
				}
				ls = append(ls, l)
			}
			var admitted atomic.Int64
			var wg sync.WaitGroup
			for i := range 200 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, retry, err := ls[i%replicas].Allow(context.Background(), "key1|203.0.113.5")
					if err != nil {
						t.Error(err)
					}
					if ok {
						admitted.Add(1)
					} else if retry <= 0 || retry > time.Hour {
						t.Errorf("retryAfter = %s, want within the window", retry)
					}
				}()
			}
			wg.Wait()
			if n := admitted.Load(); n > limit || n < limit-(replicas-1)*(lease-1) {
				t.Errorf("admitted %d of 200, want at most %d and at least %d", n, limit, limit-(replicas-1)*(lease-1))
			}
			// Another client has its own count.
			if ok, _, _ := ls[0].Allow(context.Background(), "key1|203.0.113.6"); !ok {
				t.Error("another client was refused")
			}
		})
	}
}

// A spent window opens again when Redis's window ends.
func TestWindowEnds(t *testing.T) {
	rdb := redistest.Real(t).Client(t)
	l, err := New(rdb, Config{Limit: 3, Window: 400 * time.Millisecond, Lease: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var refusedAfter time.Duration
	for i := 0; ; i++ {
		ok, retry, err := l.Allow(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			refusedAfter = retry
			break
		}
		if i > 6 {
			t.Fatal("never refused")
		}
	}
	if refusedAfter <= 0 || refusedAfter > 400*time.Millisecond {
		t.Fatalf("retryAfter = %s", refusedAfter)
	}
	time.Sleep(refusedAfter + 20*time.Millisecond)
	if ok, _, _ := l.Allow(ctx, "c"); !ok {
		t.Error("refused after the window ended")
	}
}

// A request with permits in hand costs no round trip: 1,000 requests of
// one client with a lease of 100 cost 10 script calls.
func TestLeasesSaveRoundTrips(t *testing.T) {
	srv := redistest.Real(t)
	rdb := srv.Client(t)
	var calls atomic.Int64
	rdb.AddHook(countHook{&calls})
	l, _ := New(rdb, Config{Limit: 100_000, Window: time.Hour, Lease: 100})
	for range 1000 {
		if ok, _, err := l.Allow(context.Background(), "c"); !ok || err != nil {
			t.Fatal(ok, err)
		}
	}
	if n := calls.Load(); n > 13 { // the first EVALSHA misses and is sent again as EVAL
		t.Errorf("1,000 requests cost %d Redis calls, want about 10", n)
	}
}

// The map of clients does not grow without bound: expired clients go.
func TestSweepsExpiredClients(t *testing.T) {
	rdb := redistest.Real(t).Client(t)
	l, _ := New(rdb, Config{Limit: 10, Window: 50 * time.Millisecond, Lease: 1})
	for i := range 3000 {
		_, _, _ = l.Allow(context.Background(), fmt.Sprint("client-", i))
		if i == 1500 {
			time.Sleep(60 * time.Millisecond)
		}
	}
	if n := len(l.leases); n > 2500 {
		t.Errorf("%d clients kept, want the expired ones swept", n)
	}
}

// Redis down: admitted, and the error said.
func TestRedisDownAdmits(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	l, _ := New(rdb, Config{Limit: 1, Window: time.Minute})
	ok, _, err := l.Allow(context.Background(), "c")
	if !ok || err == nil {
		t.Errorf("Allow = %v, %v; want admitted with the error", ok, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{{Limit: 0, Window: time.Second}, {Limit: 1}} {
		if _, err := New(nil, c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func BenchmarkAllow(b *testing.B) {
	rdb := redistest.Real(b).Client(b)
	l, _ := New(rdb, Config{Limit: 1 << 30, Window: time.Hour})
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _, _ = l.Allow(ctx, "bench-client")
		}
	})
}

// A batch of n requests is admitted whole or not at all, and never buys
// more than n single requests would.
func TestAllowNAllOrNothing(t *testing.T) {
	for name, newClient := range backends(t) {
		t.Run(name, func(t *testing.T) {
			l, err := New(newClient(t), Config{Limit: 10, Window: time.Hour, Lease: 2})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			for i, c := range []struct {
				n  int
				ok bool
			}{{4, true}, {4, true}, {4, false}, {3, false}, {1, true}, {1, true}, {1, false}, {0, false}} {
				ok, retry, err := l.AllowN(ctx, "c", c.n)
				if err != nil || ok != c.ok || !ok && retry <= 0 {
					t.Errorf("call %d: AllowN(%d) = %v, %v, %v; want %v with a retryAfter when refused", i, c.n, ok, retry, err, c.ok)
				}
			}
			if ok, _, _ := l.AllowN(ctx, "other", 10); !ok {
				t.Error("another client's batch of the whole limit was refused")
			}
			if ok, _, _ := l.AllowN(ctx, "third", 11); ok {
				t.Error("a batch over the whole limit was admitted")
			}
		})
	}
}
