// Package clientrate bounds how many requests one client (an API key and
// the client's address) may make in a window, with one count shared by
// every replica — without a Redis round trip on every request.
//
// # Algorithm: leases of a fixed window's permits
//
// Each client's count lives in Redis, in a fixed window numbered by Redis's
// clock (TIME), so replicas agree on where a window starts whatever their
// own clocks say. A replica never asks Redis for one request: it leases a
// block of permits (Lease, about Limit/20) with one script call that adds
// the block to the client's count and answers how many of it fit under
// Limit and how long the window has left. It spends the permits locally and
// leases again only when they run out, so a client costs one round trip
// per block per replica, and a request that finds permits in hand costs a
// map lookup and a mutex.
//
// Bounds. Permits are granted only while the window's count is below
// Limit, so within one fixed window a client is never admitted more than
// Limit times across all replicas: there is no over-admission inside a
// window. As with any fixed window, a client can spend Limit at the end of
// one window and Limit at the start of the next: at most 2 × Limit in any
// span of one window's length. The price of leasing is under-admission: a
// replica holds at most Lease − 1 unspent permits of a client, so with R
// replicas a client may be refused up to (R − 1) × (Lease − 1) requests
// early in a window. A replica whose local lease outlives the window (its
// clock runs slow) spends what was granted for that window only: a lease
// expires by the replica's monotonic clock at the end Redis named.
//
// When Redis cannot be reached the request is admitted (the limit protects
// the gateway, and failing closed would let a Redis outage refuse every
// client); the error is reported to the caller to log.
//
// The package must never admit more than Limit per client per window across
// replicas, nor keep unbounded state: entries of clients whose lease has
// expired are swept as new clients arrive.
package clientrate

import (
	"context"
	_ "embed"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config is a per-client limit.
type Config struct {
	Limit  int           // requests per window
	Window time.Duration // e.g. 60s
	// Lease is how many permits a replica takes at once; default
	// max(1, Limit/20).
	Lease int
	// Prefix names the counters in Redis; default "clientrate".
	Prefix string
}

// Limiter admits a client's requests. It is safe for concurrent use, and
// any number of replicas may share the Redis.
type Limiter struct {
	rdb redis.UniversalClient
	cfg Config
	now func() time.Time // monotonic; injected by tests

	mu      sync.Mutex
	leases  map[string]*lease
	sweepAt int // sweep when the map has grown past this
}

type lease struct {
	mu      sync.Mutex
	permits int       // left in hand
	expires time.Time // the window's end as Redis said, by our clock
	refused bool      // the window is spent: refuse until expires
}

// New returns a limiter over rdb.
func New(rdb redis.UniversalClient, cfg Config) (*Limiter, error) {
	if cfg.Limit <= 0 || cfg.Window < time.Millisecond {
		return nil, fmt.Errorf("clientrate: limit and window must be positive, got %d per %s", cfg.Limit, cfg.Window)
	}
	if cfg.Lease <= 0 {
		cfg.Lease = max(1, cfg.Limit/20)
	}
	cfg.Lease = min(cfg.Lease, cfg.Limit)
	if cfg.Prefix == "" {
		cfg.Prefix = "clientrate"
	}
	return &Limiter{rdb: rdb, cfg: cfg, now: time.Now, leases: map[string]*lease{}, sweepAt: 1024}, nil
}

//go:embed lease.lua
var leaseSrc string

var leaseScript = redis.NewScript(leaseSrc)

// Allow reports whether client may make one more request now; when not,
// retryAfter is when its window ends. err is a Redis failure (the request
// is then admitted).
func (l *Limiter) Allow(ctx context.Context, client string) (ok bool, retryAfter time.Duration, err error) {
	return l.AllowN(ctx, client, 1)
}

// AllowN reports whether client may make n more requests now (a batch of
// n operations), all or none: when they do not all fit in the window, none
// is admitted (the permits leased meanwhile stay in hand for its next
// requests) and retryAfter is when the window ends. err is a Redis failure
// (the requests are then admitted).
func (l *Limiter) AllowN(ctx context.Context, client string, n int) (ok bool, retryAfter time.Duration, err error) {
	n = max(n, 1)
	le := l.lease(client)
	le.mu.Lock()
	defer le.mu.Unlock()
	now := l.now()
	if now.Before(le.expires) {
		if le.permits >= n {
			le.permits -= n
			return true, 0, nil
		}
		if le.refused {
			return false, le.expires.Sub(now), nil
		}
	} else {
		le.permits = 0 // the window ended: what was left in hand was its own
	}
	// Too few permits in hand, or the window ended: lease the next block
	// (at least what is missing).
	want := max(l.cfg.Lease, n-le.permits)
	key := l.cfg.Prefix + ":{" + client + "}"
	res, err := leaseScript.Run(ctx, l.rdb, []string{key}, l.cfg.Window.Milliseconds(), l.cfg.Limit, want).Int64Slice()
	if err != nil {
		return true, 0, fmt.Errorf("clientrate: lease for a client: %w", err)
	}
	granted, left := int(res[0]), time.Duration(res[1])*time.Millisecond
	le.expires, le.permits, le.refused = l.now().Add(left), le.permits+granted, granted < want
	if le.permits < n {
		return false, left, nil
	}
	le.permits -= n
	return true, 0, nil
}

// lease returns client's entry, sweeping expired ones now and then so the
// map holds only clients of the current window.
func (l *Limiter) lease(client string) *lease {
	l.mu.Lock()
	defer l.mu.Unlock()
	if le, ok := l.leases[client]; ok {
		return le
	}
	if len(l.leases) >= l.sweepAt {
		now := l.now()
		for c, le := range l.leases {
			if le.mu.TryLock() {
				if !now.Before(le.expires) {
					delete(l.leases, c)
				}
				le.mu.Unlock()
			}
		}
		l.sweepAt = max(1024, 2*len(l.leases))
	}
	le := &lease{}
	l.leases[client] = le
	return le
}
