package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
)

type backend struct {
	name string
	rdb  func(t *testing.T) redis.UniversalClient
}

func backends() []backend {
	return []backend{
		{"miniredis", func(t *testing.T) redis.UniversalClient { s, _ := redistest.Mini(t); return s.Client(t) }},
		{"redis-server", func(t *testing.T) redis.UniversalClient { return redistest.Real(t).Client(t) }},
		{"redis-cluster", func(t *testing.T) redis.UniversalClient { return redistest.Cluster(t, 3).Client(t) }},
	}
}

func TestWaitAdmitsUpToTheCap(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			l, err := New(b.rdb(t), Config{Name: "t1", Limit: 12, Window: 2 * time.Second, Margin: 2, ReadReserve: 0.25})
			if err != nil {
				t.Fatal(err)
			}
			w, r := l.Caps()
			if w != 10 || r != 7 {
				t.Fatalf("caps = %d/%d, want 10 writes, 7 reads", w, r)
			}
			ctx := context.Background()
			for i := range r {
				if err := l.Wait(ctx, Read); err != nil {
					t.Fatalf("read %d: %v", i, err)
				}
			}
			// Reads stop at their cap; writes use the reserve.
			short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			var e *Refusal
			if err := l.Wait(short, Read); !errors.As(err, &e) || e.RetryAfter <= 0 || e.RetryAfter > 2400*time.Millisecond {
				t.Fatalf("read past the cap: %v", err)
			}
			for i := range w - r {
				if err := l.Wait(ctx, Write); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
			}
			if err := l.Wait(short, Write); !errors.As(err, &e) {
				t.Fatalf("write past the cap: %v", err)
			}
			// A caller with time to wait gets a slot when the window slides.
			start := time.Now()
			long, cancel2 := context.WithTimeout(ctx, 5*time.Second)
			defer cancel2()
			if err := l.Wait(long, Write); err != nil {
				t.Fatalf("waiting write: %v", err)
			}
			if d := time.Since(start); d < time.Second {
				t.Errorf("a slot freed after %s, before the window slid", d)
			}
		})
	}
}

// upstream enforces a sliding window of limit per window, like TradeGecko,
// and answers 429 past it.
type upstream struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	log     []time.Time
	served  atomic.Int64
	refused atomic.Int64
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	now := time.Now()
	for len(u.log) > 0 && now.Sub(u.log[0]) >= u.window {
		u.log = u.log[1:]
	}
	ok := len(u.log) < u.limit
	if ok {
		u.log = append(u.log, now)
	}
	remaining := u.limit - len(u.log)
	u.mu.Unlock()
	w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(now.Add(u.window).Unix(), 10))
	if !ok {
		u.refused.Add(1)
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	u.served.Add(1)
	w.WriteHeader(http.StatusOK)
}

func budget(resp *http.Response) (int, time.Time, bool) {
	rem, err := strconv.Atoi(resp.Header.Get("X-Rate-Limit-Remaining"))
	if err != nil {
		return 0, time.Time{}, false
	}
	reset, _ := strconv.ParseInt(resp.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	return rem, time.Unix(reset, 0), true
}

// Three replicas and 30 concurrent clients never get a 429 from an
// upstream that allows 30 requests per 2 s, and reads alone use at least
// 80% of their share of the budget.
func TestReplicasShareTheBudget(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			rdb := b.rdb(t)
			up := &upstream{limit: 30, window: 2 * time.Second}
			srv := httptest.NewServer(up)
			defer srv.Close()
			var clients []*http.Client
			for range 3 {
				l, err := New(rdb, Config{Name: "shared", Limit: 30, Window: 2 * time.Second, Margin: 1, ReadReserve: 0.1})
				if err != nil {
					t.Fatal(err)
				}
				clients = append(clients, &http.Client{Transport: &Transport{Limiter: l, Budget: budget}})
			}
			const run = 5 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), run)
			defer cancel()
			var wg sync.WaitGroup
			for i := range 30 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c := clients[i%3]
					for ctx.Err() == nil {
						rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
						req, _ := http.NewRequestWithContext(rctx, http.MethodGet, srv.URL, nil)
						if resp, err := c.Do(req); err == nil {
							resp.Body.Close()
						}
						rcancel()
					}
				}()
			}
			wg.Wait()
			t.Logf("served %d, refused %d", up.served.Load(), up.refused.Load())
			if n := up.refused.Load(); n != 0 {
				t.Errorf("the upstream refused %d requests (429); the budget was overrun", n)
			}
			// Reads may use 30 - 1 (margin) - 3 (reserve) = 26 per 2 s.
			if served, want := up.served.Load(), int64(26*run/(2*time.Second)*8/10); served < want {
				t.Errorf("only %d reads in %s; reads should use at least 80%% of their 26 per 2 s (%d)", served, run, want)
			}
		})
	}
}

// While reads saturate the budget, writes still get through promptly.
func TestWritesAreNotStarved(t *testing.T) {
	s, _ := redistest.Mini(t)
	l, err := New(s.Client(t), Config{Name: "prio", Limit: 20, Window: time.Second, Margin: 1, ReadReserve: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_ = l.Wait(ctx, Read)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond) // reads now hold the read share
	var waits []time.Duration
	for range 3 {
		start := time.Now()
		if err := l.Wait(ctx, Write); err != nil {
			t.Fatalf("write starved: %v", err)
		}
		waits = append(waits, time.Since(start))
	}
	cancel()
	wg.Wait()
	sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
	if waits[len(waits)-1] > 100*time.Millisecond {
		t.Errorf("writes waited %v while reads saturated their share", waits)
	}
}

// A 429 (or a spent budget) pauses every replica until the reset, and the
// upstream's remaining count is honoured.
func TestObserve(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			rdb := be.rdb(t)
			a, _ := New(rdb, Config{Name: "obs", Limit: 10, Window: 10 * time.Second, Margin: 1})
			b, _ := New(rdb, Config{Name: "obs", Limit: 10, Window: 10 * time.Second, Margin: 1})
			ctx := context.Background()
			// Another app used 7 of the upstream's 10: 9 - 7 = 2 writes left for us.
			if err := a.Observe(ctx, 3, time.Now().Add(10*time.Second), false); err != nil {
				t.Fatal(err)
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
			// A 429 with a reset 1 s out pauses the other replica too.
			c, _ := New(rdb, Config{Name: "obs2", Limit: 100, Window: time.Minute})
			d, _ := New(rdb, Config{Name: "obs2", Limit: 100, Window: time.Minute})
			if err := c.Observe(ctx, -1, time.Now().Add(time.Second), true); err != nil {
				t.Fatal(err)
			}
			short2, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel2()
			var e *Refusal
			if err := d.Wait(short2, Read); !errors.As(err, &e) || e.RetryAfter < 500*time.Millisecond {
				t.Fatalf("after a 429 another replica was admitted or told to wait only %v: %v", e, err)
			}
			start := time.Now()
			if err := d.Wait(ctx, Write); err != nil || time.Since(start) < 500*time.Millisecond {
				t.Errorf("after the pause: %v after %s", err, time.Since(start))
			}
		})
	}
}

// The read reserve is what the caller configured, zero included.
func TestCaps(t *testing.T) {
	s, _ := redistest.Mini(t)
	tests := []struct {
		limit, margin int
		reserve       float64
		write, read   int
		wantErr       bool
	}{
		{limit: 300, margin: 6, reserve: 0.1, write: 294, read: 264},
		{limit: 300, margin: 6, reserve: 0, write: 294, read: 294},
		{limit: 30, margin: 1, reserve: 0.5, write: 29, read: 14},
		{limit: 10, margin: 1, reserve: 0.99, write: 9, read: 1},
		{limit: 10, margin: 1, reserve: -0.1, wantErr: true},
		{limit: 10, margin: 1, reserve: 1, wantErr: true},
	}
	for _, tt := range tests {
		l, err := New(s.Client(t), Config{Name: "caps", Limit: tt.limit, Window: time.Minute, Margin: tt.margin, ReadReserve: tt.reserve})
		if tt.wantErr {
			if err == nil {
				t.Errorf("New(limit %d, reserve %v) accepted", tt.limit, tt.reserve)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if w, r := l.Caps(); w != tt.write || r != tt.read {
			t.Errorf("Caps(limit %d, margin %d, reserve %v) = %d/%d, want %d/%d", tt.limit, tt.margin, tt.reserve, w, r, tt.write, tt.read)
		}
	}
}
