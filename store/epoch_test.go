package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/store"
)

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// epochRedis is a Redis and a way to empty it, as FLUSHALL or a failover
// that lost data would.
type epochRedis struct {
	rdb   redis.UniversalClient
	flush func(t *testing.T)
}

func epochRedises(t *testing.T) map[string]func(t *testing.T) epochRedis {
	one := func(c *redis.Client) epochRedis {
		return epochRedis{rdb: c, flush: func(t *testing.T) {
			if err := c.FlushAll(context.Background()).Err(); err != nil {
				t.Fatal(err)
			}
		}}
	}
	return map[string]func(t *testing.T) epochRedis{
		"miniredis":    func(t *testing.T) epochRedis { s, _ := redistest.Mini(t); return one(s.Client(t)) },
		"redis-server": func(t *testing.T) epochRedis { return one(redistest.Real(t).Client(t)) },
		"redis-cluster": func(t *testing.T) epochRedis {
			c := redistest.Cluster(t, 3).Client(t)
			return epochRedis{rdb: c, flush: func(t *testing.T) {
				if err := c.ForEachMaster(context.Background(), func(ctx context.Context, n *redis.Client) error {
					return n.FlushAll(ctx).Err()
				}); err != nil {
					t.Fatal(err)
				}
			}}
		},
	}
}

func newGuard(t *testing.T, rdb redis.UniversalClient) (*store.EpochGuard, *syncBuffer) {
	t.Helper()
	var logs syncBuffer
	g := store.NewEpochGuard(rdb, slog.New(slog.NewTextHandler(&logs, nil)))
	if err := g.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return g, &logs
}

func check(t *testing.T, g *store.EpochGuard) {
	t.Helper()
	if err := g.Check(context.Background()); err != nil {
		t.Fatalf("Check: %v", err)
	}
}

func TestEpoch(t *testing.T) {
	ctx := context.Background()
	for name, open := range epochRedises(t) {
		t.Run(name, func(t *testing.T) {
			t.Run("a fresh Redis is not lost", func(t *testing.T) {
				r := open(t)
				a, logs := newGuard(t, r.rdb)
				check(t, a)
				if l, lost := a.Lost(); lost {
					t.Fatalf("fresh Redis reported lost: %s", l.Detail)
				}
				if a.Current().ID == "" || !strings.Contains(logs.String(), "created a new gateway epoch") {
					t.Errorf("epoch %+v, logs %q", a.Current(), logs)
				}
				// A second replica adopts the same epoch.
				b, _ := newGuard(t, r.rdb)
				if b.Current().ID != a.Current().ID {
					t.Errorf("second replica's epoch %s, want %s", b.Current().ID, a.Current().ID)
				}
				if ttl, err := r.rdb.TTL(ctx, store.EpochKey).Result(); err != nil || ttl != -1 {
					t.Errorf("epoch TTL = %v, %v; want none", ttl, err)
				}
			})

			t.Run("an existing Redis without an epoch is adopted, and says so", func(t *testing.T) {
				r := open(t)
				if err := r.rdb.HSet(ctx, "{ledger:consignment-orders}:docs", "A-1", "{}").Err(); err != nil {
					t.Fatal(err)
				}
				a, logs := newGuard(t, r.rdb)
				check(t, a)
				if _, lost := a.Lost(); lost || !strings.Contains(logs.String(), "adopting them as they are") {
					t.Errorf("lost = %v; logs %q", lost, logs)
				}
			})

			t.Run("flushed: both replicas see the loss until an admin acknowledges it", func(t *testing.T) {
				r := open(t)
				a, logsA := newGuard(t, r.rdb)
				b, _ := newGuard(t, r.rdb)
				seen := a.Current()
				r.flush(t)
				check(t, a)
				check(t, b)
				for i, g := range []*store.EpochGuard{a, b} {
					l, lost := g.Lost()
					if !lost || l.Found != nil || l.Seen.ID != seen.ID || !strings.Contains(l.Detail, "is gone") {
						t.Errorf("replica %d: Lost() = %+v, %v; want the loss of %s with nothing found", i, l, lost, seen.ID)
					}
				}
				if !strings.Contains(logsA.String(), "level=ERROR") || !strings.Contains(logsA.String(), seen.ID) {
					t.Errorf("no ERROR line naming the lost epoch: %q", logsA)
				}
				// A replica starting now creates a new epoch; it is not lost,
				// and the others stay lost, now naming what they found.
				c, _ := newGuard(t, r.rdb)
				check(t, a)
				if _, lost := c.Lost(); lost {
					t.Error("a replica that started on the empty Redis reports a loss")
				}
				if l, lost := a.Lost(); !lost || l.Found == nil || l.Found.ID != c.Current().ID || !strings.Contains(l.Detail, "replaced by") {
					t.Errorf("after a new epoch: Lost() = %+v, %v", l, lost)
				}
				// Checking again changes nothing.
				check(t, a)
				if _, lost := a.Lost(); !lost {
					t.Fatal("the loss cleared itself")
				}
				// The admin acknowledges on b; b clears at once, a on its
				// next check, and all three share the epoch.
				e, cleared, err := b.Acknowledge(ctx)
				if err != nil || cleared == nil || e.ID != c.Current().ID || e.Ack == "" {
					t.Fatalf("Acknowledge = %+v, %v, %v; want c's epoch acknowledged", e, cleared, err)
				}
				check(t, a)
				check(t, c)
				for i, g := range []*store.EpochGuard{a, b, c} {
					if l, lost := g.Lost(); lost || g.Current().ID != e.ID {
						t.Errorf("replica %d after acknowledgement: lost %v (%s), epoch %s, want %s", i, lost, l.Detail, g.Current().ID, e.ID)
					}
				}
				// A later flush is a new loss.
				r.flush(t)
				check(t, c)
				if _, lost := c.Lost(); !lost {
					t.Error("a second flush went unnoticed")
				}
			})

			t.Run("acknowledged with no epoch left creates one", func(t *testing.T) {
				r := open(t)
				a, _ := newGuard(t, r.rdb)
				b, _ := newGuard(t, r.rdb)
				old := a.Current()
				r.flush(t)
				check(t, a)
				check(t, b)
				e, _, err := a.Acknowledge(ctx)
				if err != nil || e.ID == "" || e.ID == old.ID {
					t.Fatalf("Acknowledge = %+v, %v; want a new epoch", e, err)
				}
				check(t, b)
				if _, lost := b.Lost(); lost || b.Current().ID != e.ID {
					t.Errorf("b did not adopt the acknowledged epoch: %s", b.Current().ID)
				}
			})

			t.Run("an old snapshot's acknowledgement is not this loss's", func(t *testing.T) {
				r := open(t)
				a, _ := newGuard(t, r.rdb)
				old, _ := json.Marshal(store.Epoch{ID: "snapshot", Created: time.Now().Add(-48 * time.Hour),
					Ack: "old", Acknowledged: time.Now().Add(-47 * time.Hour)})
				if err := r.rdb.Set(ctx, store.EpochKey, old, 0).Err(); err != nil {
					t.Fatal(err)
				}
				check(t, a)
				if l, lost := a.Lost(); !lost || l.Found == nil || l.Found.ID != "snapshot" {
					t.Errorf("a restored snapshot: Lost() = %+v, %v; want lost", l, lost)
				}
			})
		})
	}
}
