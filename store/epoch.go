package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// The epoch of the Redis data. Every record in this package lives in one
// Redis; when that Redis comes back empty (FLUSHALL, a restart without
// persistence, a failover to a replica that had not caught up) the
// idempotency records, ledgers and pending writes are gone, and nothing
// else would say so: a retry of a write that landed would run it again,
// and a sale recorded before would read as new.
//
// So the gateway keeps one key, EpochKey, naming the data it writes to: a
// random id and when it was made, created (SET NX) by the first replica
// that starts against a Redis without one. It has no TTL, so no policy but
// allkeys-* can evict it (and those are refused for this Redis anyway, see
// the checks at start-up). A replica that adopted epoch E and later finds
// none, or another, knows that the records it relied on may be gone:
// EpochGuard then reports the loss (an ERROR log line, Lost for metrics
// and /readyz) and Lost tells the write paths to refuse writes whose
// exactly-once rests on those records, until an admin acknowledges it
// (Acknowledge), which every replica adopts on its next check.

// EpochKey holds the epoch: one key, so it works on Redis Cluster.
const EpochKey = "{gateway:epoch}"

// Epoch names the generation of the data in Redis.
type Epoch struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	// Ack is set by an admin's acknowledgement of a loss (a new random
	// value each time), with its time: replicas that saw the loss adopt
	// the epoch when Ack changes.
	Ack          string    `json:"ack,omitempty"`
	Acknowledged time.Time `json:"acknowledged,omitzero"`
}

// EpochLoss describes a lost epoch: what the replica had adopted, what it
// found instead (nil: no epoch at all), and since when.
type EpochLoss struct {
	Seen   Epoch
	Found  *Epoch
	Since  time.Time
	Detail string // one sentence for logs, /readyz and refused writes
}

// EpochGuard watches the epoch for one replica. Lost is an atomic load,
// cheap enough for every write; Redis is asked only by Start, Check (on a
// timer, see Run) and Acknowledge.
type EpochGuard struct {
	rdb redis.UniversalClient
	log *slog.Logger
	now func() time.Time

	mu   sync.Mutex // serializes Start, Check and Acknowledge
	seen Epoch      // the epoch this replica adopted
	lost atomic.Pointer[EpochLoss]
}

// NewEpochGuard returns a guard of the epoch in rdb; log defaults to
// discarding.
func NewEpochGuard(rdb redis.UniversalClient, log *slog.Logger) *EpochGuard {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &EpochGuard{rdb: rdb, log: log, now: time.Now}
}

// Lost reports the loss this replica saw and nobody acknowledged yet.
func (g *EpochGuard) Lost() (EpochLoss, bool) {
	if l := g.lost.Load(); l != nil {
		return *l, true
	}
	return EpochLoss{}, false
}

// Current is the epoch this replica adopted (zero before Start).
func (g *EpochGuard) Current() Epoch {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.seen
}

// Start adopts the epoch in Redis, creating it when there is none. A
// Redis without an epoch but with keys is adopted as it is (a gateway from
// before epochs, or a first start against a Redis something else uses),
// and the log says so.
func (g *EpochGuard) Start(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	cur, _, err := g.read(ctx)
	if err != nil {
		return fmt.Errorf("read the Redis epoch: %w", err)
	}
	if cur == nil {
		keys, err := g.keyCount(ctx)
		if err != nil {
			return fmt.Errorf("count the keys in Redis: %w", err)
		}
		e := newEpoch(g.now())
		b, _ := json.Marshal(e)
		ok, err := g.rdb.SetNX(ctx, EpochKey, b, 0).Result()
		if err != nil {
			return fmt.Errorf("create the Redis epoch: %w", err)
		}
		if !ok { // another replica created it first
			if cur, _, err = g.read(ctx); err != nil || cur == nil {
				return fmt.Errorf("read the Redis epoch: %w", cmpErr(err, errors.New("it vanished as it was created")))
			}
		} else {
			cur = &e
			if keys > 0 {
				g.log.Warn("redis: no gateway epoch yet, but Redis holds keys: adopting them as they are (an upgrade from a gateway without epochs, or a Redis shared with something else)",
					"epoch", e.ID, "keys", keys)
			} else {
				g.log.Info("redis: empty; created a new gateway epoch", "epoch", e.ID)
			}
		}
	}
	g.seen = *cur
	return nil
}

// Check compares the epoch in Redis with the one this replica adopted.
// Finding none, or another, is a loss: logged at ERROR once, and held
// (Lost) until an admin acknowledges it on any replica. An error means
// Redis could not be asked; the state is left as it was.
func (g *EpochGuard) Check(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	cur, _, err := g.read(ctx)
	if err != nil {
		return fmt.Errorf("read the Redis epoch: %w", err)
	}
	if l := g.lost.Load(); l != nil {
		if ackedSince(cur, l.Seen) {
			g.seen = *cur
			g.lost.Store(nil)
			g.log.Warn("redis: an admin acknowledged the loss of the Redis data; writes resume under the new epoch",
				"epoch", cur.ID, "acknowledged", cur.Acknowledged)
			return nil
		}
		if !sameEpoch(l.Found, cur) { // still lost, but something else is there now
			nl := g.loss(cur)
			nl.Since = l.Since
			g.lost.Store(&nl)
		}
		return nil
	}
	switch {
	case cur != nil && cur.ID == g.seen.ID:
		g.seen = *cur // an acknowledgement without a loss changes nothing
	case ackedSince(cur, g.seen):
		// Lost and acknowledged elsewhere before this replica looked.
		g.log.Error("redis: the Redis data was lost (the epoch changed) and an admin already acknowledged it; adopting the new epoch",
			"seen", g.seen.ID, "found", cur.ID, "acknowledged", cur.Acknowledged)
		g.seen = *cur
	default:
		l := g.loss(cur)
		g.lost.Store(&l)
		g.log.Error("redis: "+l.Detail+"; writes whose exactly-once rests on those records are refused until an admin acknowledges the loss",
			"seen", g.seen.ID, "seen_created", g.seen.Created, "found", foundID(cur))
	}
	return nil
}

// Acknowledge accepts the data in Redis as it is now: the epoch there (a
// new one when there is none) is marked acknowledged, and every replica
// adopts it on its next Check (this one at once). It reports the loss it
// cleared on this replica, if there was one.
func (g *EpochGuard) Acknowledge(ctx context.Context) (Epoch, *EpochLoss, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for range 10 {
		cur, raw, err := g.read(ctx)
		if err != nil {
			return Epoch{}, nil, fmt.Errorf("read the Redis epoch: %w", err)
		}
		e := newEpoch(g.now())
		if cur != nil {
			e = *cur
		}
		e.Ack, e.Acknowledged = randomID(), g.now().UTC()
		b, _ := json.Marshal(e)
		n, err := casScript.Run(ctx, g.rdb, []string{EpochKey}, raw, b).Int()
		if err != nil {
			return Epoch{}, nil, fmt.Errorf("write the Redis epoch: %w", err)
		}
		if n == 0 {
			continue // changed in between: look again
		}
		prev := g.lost.Swap(nil)
		g.seen = e
		g.log.Warn("redis: an admin acknowledged the state of the Redis data; writes proceed under this epoch",
			"epoch", e.ID, "cleared_loss", prev != nil)
		return e, prev, nil
	}
	return Epoch{}, nil, errors.New("the Redis epoch kept changing; try again")
}

// Run checks every interval until ctx ends. A failed check (Redis not
// answering) is logged at most once a minute and changes nothing.
func (g *EpochGuard) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var warned time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, max(interval, 2*time.Second))
		err := g.Check(cctx)
		cancel()
		if err != nil && ctx.Err() == nil && time.Since(warned) > time.Minute {
			warned = time.Now()
			g.log.Warn("redis: could not check the epoch", "err", err)
		}
	}
}

// casScript: KEYS[1] the epoch; ARGV[1] the value expected ("" for none),
// ARGV[2] the new value. Returns 1 when written, 0 when the value changed.
var casScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if (v or '') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`)

// read returns the epoch in Redis (nil when there is none, or when the key
// holds something unreadable: either way the data is not what was seen)
// and the raw value.
func (g *EpochGuard) read(ctx context.Context) (*Epoch, string, error) {
	raw, err := g.rdb.Get(ctx, EpochKey).Result()
	if errors.Is(err, redis.Nil) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	var e Epoch
	if json.Unmarshal([]byte(raw), &e) != nil || e.ID == "" {
		return nil, raw, nil
	}
	return &e, raw, nil
}

// keyCount counts the keys in Redis (on a cluster, over its masters).
func (g *EpochGuard) keyCount(ctx context.Context) (int64, error) {
	if cc, ok := g.rdb.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		var total int64
		err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			n, err := c.DBSize(ctx).Result()
			mu.Lock()
			total += n
			mu.Unlock()
			return err
		})
		return total, err
	}
	return g.rdb.DBSize(ctx).Result()
}

func (g *EpochGuard) loss(cur *Epoch) EpochLoss {
	l := EpochLoss{Seen: g.seen, Found: cur, Since: g.now().UTC()}
	if cur == nil {
		l.Detail = fmt.Sprintf("Redis lost its data: the gateway epoch %s (created %s) is gone, so Redis was flushed or came back empty "+
			"(a restart without persistence, a failover to a replica that had not caught up), and the idempotency records, ledgers and pending writes with it",
			g.seen.ID, g.seen.Created.UTC().Format(time.RFC3339))
	} else {
		l.Detail = fmt.Sprintf("Redis lost its data: the gateway epoch %s (created %s) was replaced by %s (created %s), so Redis came back empty "+
			"and another replica started on it; the idempotency records, ledgers and pending writes are gone",
			g.seen.ID, g.seen.Created.UTC().Format(time.RFC3339), cur.ID, cur.Created.UTC().Format(time.RFC3339))
	}
	return l
}

func newEpoch(now time.Time) Epoch { return Epoch{ID: randomID(), Created: now.UTC()} }

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ackedSince reports whether cur was acknowledged after seen was made or
// last acknowledged: an acknowledgement of the loss of seen. (An older
// acknowledgement, on a snapshot a failover brought back, is not.)
func ackedSince(cur *Epoch, seen Epoch) bool {
	if cur == nil || cur.Ack == "" || cur.Ack == seen.Ack {
		return false
	}
	ref := seen.Created
	if seen.Acknowledged.After(ref) {
		ref = seen.Acknowledged
	}
	return cur.Acknowledged.After(ref)
}

func sameEpoch(a, b *Epoch) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID && a.Ack == b.Ack
}

func foundID(e *Epoch) string {
	if e == nil {
		return "none"
	}
	return e.ID
}

func cmpErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}
