// Package ratelimit keeps every replica of the gateway within an upstream's
// request budget: at most Limit requests in any sliding Window, counted in
// Redis so that all replicas share one count.
//
// # Algorithm
//
// A sliding-window log: a sorted set of the send times of the requests made
// in the last Window, kept in Redis and timed by Redis's clock (TIME), never
// a replica's. A request is admitted, atomically by one Lua script, when
// the set holds fewer than its cap; otherwise the script answers how long
// until the oldest entry leaves the window. A log was chosen over a token
// bucket or GCRA because the upstream's rule is itself a sliding window:
// with a log "at most N in any window" holds exactly, not approximately,
// and the wait answered is exact. Its cost — one small set member per
// request, at most Limit of them — is nothing at these budgets (hundreds of
// requests per minutes).
//
//   - Safety margins for network jitter: a few requests (Margin) are kept
//     below the upstream's limit, and a slot is reused only Slack after its
//     request left the window (a request admitted early may arrive late,
//     and the one that takes its slot early, so the upstream's own window
//     would otherwise see both).
//   - Reads may not take the last ReadReserve of the budget: their cap is
//     lower, so writes (orders, actions, returns) always find room, and
//     while both wait, a write's next try comes sooner. Callers queue
//     (wait) up to their deadline rather than being rejected.
//   - The upstream's own view wins: Observe takes its X-Rate-Limit-Remaining
//     (another app on the same account spends budget too) and pads the log
//     with placeholder entries up to the upstream's used count, which leave
//     when the upstream says its quota resets; a 429, or a remaining of 0,
//     pauses every replica until that reset (a second of Redis's clock
//     when it is unknown or past).
//
// Every key a script touches shares one hash tag ({rl:<name>}), so the
// scripts run on Redis Cluster too. The package must never let a request
// through without a slot, and never time anything by a replica's clock.
package ratelimit

import (
	"context"
	_ "embed"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// Priority orders callers: writes before reads.
type Priority int

// Priorities.
const (
	Read Priority = iota
	Write
)

func (p Priority) String() string {
	if p == Write {
		return "write"
	}
	return "read"
}

// Config is a budget.
type Config struct {
	Name        string        // the upstream account, e.g. "tradegecko"
	Limit       int           // requests per window, e.g. 300
	Window      time.Duration // e.g. 300s
	Margin      int           // kept unused for jitter; default max(1, Limit/50)
	Slack       time.Duration // added to the window before a slot is reused; default max(200ms, Window/100)
	ReadReserve float64       // share reads may not take, in [0, 1); zero leaves reads all but the margin
	// ClientShare is the share of the read cap one client may spend while
	// another reader waits (share.go), in (0, 1]; zero keeps no shares.
	ClientShare float64
}

// Limiter admits requests within the budget. It is safe for concurrent use
// by any number of replicas sharing the Redis.
type Limiter struct {
	rdb      redis.UniversalClient
	cfg      Config
	writeCap int
	readCap  int
	logKey   string
	pauseKey string
	replica  string
	shareCap int    // reads one client may have while another waits; 0: no shares
	waitKey  string // the readers waiting for room (share.go)
	seq      atomic.Uint64
	observer Observer
}

// Observer receives what the limiter does, for metrics.
type Observer interface {
	Waited(name string, p Priority, d time.Duration, admitted bool)
	Paused(name string, until time.Time)
}

// New returns a limiter over rdb.
func New(rdb redis.UniversalClient, cfg Config) (*Limiter, error) {
	if cfg.Limit <= 0 || cfg.Window <= 0 {
		return nil, fmt.Errorf("ratelimit: limit and window must be positive, got %d per %s", cfg.Limit, cfg.Window)
	}
	if cfg.Margin == 0 {
		cfg.Margin = max(1, cfg.Limit/50)
	}
	if cfg.ReadReserve < 0 || cfg.ReadReserve >= 1 {
		return nil, fmt.Errorf("ratelimit: the read reserve must be in [0, 1), got %v", cfg.ReadReserve)
	}
	if cfg.Slack == 0 {
		cfg.Slack = max(200*time.Millisecond, cfg.Window/100)
	}
	if cfg.Margin >= cfg.Limit {
		cfg.Margin = cfg.Limit - 1
	}
	l := &Limiter{
		rdb:      rdb,
		cfg:      cfg,
		writeCap: cfg.Limit - cfg.Margin,
		logKey:   "{rl:" + cfg.Name + "}:log",
		pauseKey: "{rl:" + cfg.Name + "}:pause",
		replica:  uuid.NewString()[:8],
	}
	l.readCap = max(1, l.writeCap-int(float64(cfg.Limit)*cfg.ReadReserve))
	if cfg.ClientShare < 0 || cfg.ClientShare > 1 {
		return nil, fmt.Errorf("ratelimit: a client's share must be in [0, 1], got %v", cfg.ClientShare)
	}
	if cfg.ClientShare > 0 {
		l.shareCap = max(1, int(float64(l.readCap)*cfg.ClientShare))
		l.waitKey = "{rl:" + cfg.Name + "}:waiting"
	}
	return l, nil
}

// SetObserver sets where the limiter reports waits and pauses.
func (l *Limiter) SetObserver(o Observer) { l.observer = o }

// Caps returns how many requests writes and reads may have in a window.
func (l *Limiter) Caps() (write, read int) { return l.writeCap, l.readCap }

// Refusal is a request refused because a request budget is spent, and
// the one spelling of "retry after" in the gateway: whoever refused — this
// limiter (Wait), an adapter's own record of the vendor's quota, or the
// vendor itself (a 429) — the error is, wraps or embeds a *Refusal, so
//
//	var r *ratelimit.Refusal
//	if errors.As(err, &r) { … r.RetryAfter … }
//
// finds it. Nothing was sent, or the vendor refused it: a refused write did
// not happen. (circuit.OpenError is deliberately not one: an open breaker
// is an unavailable backend, not a spent budget.)
type Refusal struct {
	Name string // the budget (Config.Name), e.g. "tradegecko"
	// RetryAfter is how long the caller should wait before a retry: when a
	// slot may free up, or when the vendor says its quota resets.
	RetryAfter time.Duration
	// Share: refused because the caller's client spent its share of the
	// budget while another client waits (share.go).
	Share bool
}

func (e *Refusal) Error() string {
	if e.Share {
		return fmt.Sprintf("ratelimit: this client's share of the %s budget is spent while others wait; a slot frees in %s",
			e.Name, e.RetryAfter.Round(time.Millisecond))
	}
	return fmt.Sprintf("ratelimit: %s budget spent; a slot frees in %s", e.Name, e.RetryAfter.Round(time.Millisecond))
}

//go:embed acquire.lua
var acquireSrc string

var acquire = redis.NewScript(acquireSrc)

//go:embed observe.lua
var observeSrc string

var observe = redis.NewScript(observeSrc)

// waiterGrace is how long a waiting reader stays registered past its next
// try (share.go).
const waiterGrace = 500 * time.Millisecond

// sendMargin is the least time a caller must have left after its wait for
// the slot to be worth taking.
const sendMargin = 50 * time.Millisecond

// Wait blocks until the request may be sent, or fails with a *Refusal when no
// slot frees before ctx's deadline (at once, if the wait would outlast it).
func (l *Limiter) Wait(ctx context.Context, p Priority) error {
	capacity := l.readCap
	if p == Write {
		capacity = l.writeCap
	}
	// Keys 3 and 4 stand for the log itself where there is no share to
	// keep or no waiting to record (acquire.lua).
	keys := []string{l.logKey, l.pauseKey, l.logKey, l.logKey}
	client, share := "", 0
	if p == Read && l.shareCap > 0 {
		keys[3] = l.waitKey
		if client = ClientFrom(ctx); client != "" {
			keys[2], share = l.logKey+":c:"+client, l.shareCap
		}
	}
	start := time.Now()
	for {
		member := l.replica + ":" + strconv.FormatUint(l.seq.Add(1), 36)
		res, err := acquire.Run(ctx, l.rdb, keys,
			(l.cfg.Window + l.cfg.Slack).Microseconds(), capacity, member, client, share, waiterGrace.Microseconds()).Int64Slice()
		if err != nil {
			if ctx.Err() != nil {
				return &Refusal{Name: l.cfg.Name, RetryAfter: time.Second}
			}
			return fmt.Errorf("ratelimit: %s: %w", l.cfg.Name, err)
		}
		if res[0] == 1 {
			l.report(p, time.Since(start), true)
			return nil
		}
		wait := time.Duration(res[1]) * time.Microsecond
		if res[0] == -1 {
			l.report(p, time.Since(start), false)
			if so, ok := l.observer.(ShareObserver); ok {
				so.ShareRefused(l.cfg.Name)
			}
			return &Refusal{Name: l.cfg.Name, RetryAfter: wait, Share: true}
		}
		// Reads give way: they try again a little later than writes.
		jitter := time.Duration(rand.Int64N(int64(5*time.Millisecond) + 1))
		if p == Read {
			jitter += 10 * time.Millisecond
		}
		wait += jitter
		// A slot taken just before the deadline would be spent on a
		// request that cannot finish: give up unless some time is left.
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+sendMargin {
			l.report(p, time.Since(start), false)
			return &Refusal{Name: l.cfg.Name, RetryAfter: wait}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			l.report(p, time.Since(start), false)
			return &Refusal{Name: l.cfg.Name, RetryAfter: wait}
		case <-t.C:
		}
	}
}

func (l *Limiter) report(p Priority, d time.Duration, ok bool) {
	if l.observer != nil {
		l.observer.Waited(l.cfg.Name, p, d, ok)
	}
}

// Observe reconciles with what the upstream says about the budget:
// remaining (-1 when unknown) and when it resets; throttled is true for a
// 429. The log is padded to the upstream's used count, and a spent budget
// pauses every replica until reset.
func (l *Limiter) Observe(ctx context.Context, remaining int, reset time.Time, throttled bool) error {
	if remaining < 0 && !throttled {
		return nil
	}
	used := 0
	if remaining >= 0 {
		used = max(0, l.cfg.Limit-remaining)
	}
	// A spent budget pauses every replica until the upstream's reset, or
	// for a second of Redis's clock when that reset is unknown or past.
	pauseUntil, least := int64(0), int64(0)
	if throttled || remaining == 0 {
		if !reset.IsZero() {
			pauseUntil = reset.UnixMicro()
		}
		least = time.Second.Microseconds()
		if l.observer != nil {
			l.observer.Paused(l.cfg.Name, reset)
		}
	}
	pad := l.replica + ":pad:" + strconv.FormatUint(l.seq.Add(1), 36)
	resetUS := int64(0)
	if !reset.IsZero() {
		resetUS = reset.UnixMicro()
	}
	return observe.Run(ctx, l.rdb, []string{l.logKey, l.pauseKey},
		(l.cfg.Window + l.cfg.Slack).Microseconds(), used, pauseUntil, pad, resetUS, least).Err()
}

// Remaining reports how many requests the window has room for now (for
// metrics).
func (l *Limiter) Remaining(ctx context.Context) (int, error) {
	t, err := l.rdb.Time(ctx).Result()
	if err != nil {
		return 0, err
	}
	n, err := l.rdb.ZCount(ctx, l.logKey, strconv.FormatInt(t.Add(-l.cfg.Window).UnixMicro(), 10), "+inf").Result()
	if err != nil {
		return 0, err
	}
	return max(0, l.writeCap-int(n)), nil
}
