package changes

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
)

// counts is an Observer for tests.
type counts struct {
	mu                                       sync.Mutex
	published, coalesced, delivered, dropped int
	subs                                     int
}

func (c *counts) Published(_ Kind, n int)  { c.mu.Lock(); c.published += n; c.mu.Unlock() }
func (c *counts) Coalesced(_ Kind, n int)  { c.mu.Lock(); c.coalesced += n; c.mu.Unlock() }
func (c *counts) Delivered(_ Kind, n int)  { c.mu.Lock(); c.delivered += n; c.mu.Unlock() }
func (c *counts) Dropped(Kind)             { c.mu.Lock(); c.dropped++; c.mu.Unlock() }
func (c *counts) Subscribed(_ Kind, n int) { c.mu.Lock(); c.subs += n; c.mu.Unlock() }
func (c *counts) Lag(time.Duration)        {}

// Changes to one variant within the window are one event; a batch
// refreshes its watched variants once, in lookups of at most MaxBatch.
func TestCoalescing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var refreshed [][]int64
		obs := &counts{}
		h := NewHub(HubOptions{Queue: 2000, Coalesce: 100 * time.Millisecond, Observer: obs,
			Refresh: func(_ context.Context, _ Kind, ids []int64) error {
				mu.Lock()
				refreshed = append(refreshed, ids)
				mu.Unlock()
				return nil
			}})
		defer h.Close()
		one, _ := h.Subscribe(KindVariant, []int64{1})
		ctx := context.Background()
		for range 5 {
			_ = h.Publish(ctx, Change{Kind: KindVariant, ID: 1, Cause: "webhook"})
			time.Sleep(10 * time.Millisecond)
		}
		_ = h.Publish(ctx, Change{Kind: KindVariant, ID: 2}) // nobody watches it
		time.Sleep(99 * time.Millisecond)
		synctest.Wait()
		if len(one.C) != 0 {
			t.Fatalf("delivered before the batch was quiet for the window")
		}
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		if n := len(one.C); n != 1 {
			t.Fatalf("5 changes to variant 1 in 50 ms: %d events, want 1", n)
		}
		mu.Lock()
		if len(refreshed) != 1 || len(refreshed[0]) != 1 || refreshed[0][0] != 1 {
			t.Errorf("refreshed %v, want [[1]] (variant 2 is not watched)", refreshed)
		}
		mu.Unlock()
		obs.mu.Lock()
		if obs.coalesced != 4 || obs.published != 2 {
			t.Errorf("coalesced %d, published %d; want 4 and 2", obs.coalesced, obs.published)
		}
		obs.mu.Unlock()
		<-one.C

		// A steady trickle is sent after ten windows all the same.
		mu.Lock()
		refreshed = nil
		mu.Unlock()
		for i := range 60 {
			_ = h.Publish(ctx, Change{Kind: KindVariant, ID: 1})
			time.Sleep(20 * time.Millisecond)
			if i == 51 {
				synctest.Wait()
				if len(one.C) != 1 {
					t.Errorf("a trickle of changes for 1.04 s: not sent yet")
				}
			}
		}
		time.Sleep(time.Second)
		synctest.Wait()
		for len(one.C) > 0 {
			<-one.C
		}

		// A storm of 1,000 watched variants: 4 lookups of 250.
		mu.Lock()
		refreshed = nil
		mu.Unlock()
		ids := make([]int64, 1000)
		for i := range ids {
			ids[i] = int64(1000 + i)
		}
		storm, _ := h.Subscribe(KindVariant, ids)
		for _, id := range ids {
			_ = h.Publish(ctx, Change{Kind: KindVariant, ID: id})
		}
		time.Sleep(time.Second)
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		if len(refreshed) != 4 {
			t.Errorf("1,000 changes cost %d refreshes, want 4", len(refreshed))
		}
		for _, r := range refreshed {
			if len(r) > MaxBatch {
				t.Errorf("a refresh of %d ids, more than %d", len(r), MaxBatch)
			}
		}
		if len(storm.C) != 1000 {
			t.Errorf("storm subscriber got %d events, want 1000", len(storm.C))
		}
		for len(storm.C) > 0 {
			<-storm.C
		}

		// A slow storm (the webhooks queue up: 1,000 changes over 5 s, too
		// slow to fill a lookup within a second) waits to fill them all the
		// same.
		refreshed = nil
		mu.Unlock()
		for _, id := range ids {
			_ = h.Publish(ctx, Change{Kind: KindVariant, ID: id})
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		mu.Lock()
		if len(refreshed) != 4 || len(storm.C) != 1000 {
			t.Errorf("1,000 changes over 5 s cost %d refreshes and delivered %d events, want 4 and 1000", len(refreshed), len(storm.C))
		}
	})
}

func redisHub(t *testing.T, rdb redis.UniversalClient, o HubOptions) *Hub {
	t.Helper()
	o.Redis = rdb
	h := NewHub(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; h.Close() })
	return h
}

func next(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatalf("subscription ended: %v", s.Err())
		}
		return e
	case <-time.After(2 * time.Second):
		t.Fatal("no event within 2 s")
	}
	return Event{}
}

// Two hubs on one Redis are two replicas: a change published on one
// reaches the other's subscribers; only the publisher refreshes, and only
// what someone on either watches; a subscriber that reconnects to the
// other replica with its last id gets what it missed, once.
func TestAcrossReplicas(t *testing.T) {
	for _, tc := range []struct {
		name string
		rdb  func(t *testing.T) redis.UniversalClient
	}{
		{"miniredis", func(t *testing.T) redis.UniversalClient { s, _ := redistest.Mini(t); return s.Client(t) }},
		{"redis-server", func(t *testing.T) redis.UniversalClient { return redistest.Real(t).Client(t) }},
		{"cluster", func(t *testing.T) redis.UniversalClient { return redistest.Cluster(t, 3).Client(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rdb := tc.rdb(t)
			var mu sync.Mutex
			refreshed := map[string][]int64{}
			refresh := func(name string) func(context.Context, Kind, []int64) error {
				return func(_ context.Context, _ Kind, ids []int64) error {
					mu.Lock()
					refreshed[name] = append(refreshed[name], ids...)
					mu.Unlock()
					return nil
				}
			}
			a := redisHub(t, rdb, HubOptions{Refresh: refresh("a"), Coalesce: 20 * time.Millisecond})
			b := redisHub(t, rdb, HubOptions{Refresh: refresh("b"), Coalesce: 20 * time.Millisecond})
			onB, err := b.Subscribe(KindVariant, []int64{7})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			start := time.Now()
			_ = a.Publish(ctx, Change{Kind: KindVariant, ID: 7, Cause: "webhook"}, Change{Kind: KindVariant, ID: 8})
			e := next(t, onB)
			if e.ID != 7 || e.Cause != "webhook" || e.Seq == "" {
				t.Errorf("b got %+v", e)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("the change took %v to cross", d)
			}
			mu.Lock()
			if len(refreshed["a"]) != 1 || refreshed["a"][0] != 7 || len(refreshed["b"]) != 0 {
				t.Errorf("refreshed %v, want a: [7] only (b watches 7; nobody watches 8)", refreshed)
			}
			mu.Unlock()
			last := e.Seq
			onB.Close()

			// Missed while away; resumed on a.
			_ = b.Publish(ctx, Change{Kind: KindVariant, ID: 7, Cause: "poll", Fresh: true})
			_ = b.Publish(ctx, Change{Kind: KindOrder, ID: 1})
			time.Sleep(100 * time.Millisecond)
			again, err := a.SubscribeFrom(KindVariant, []int64{7}, last)
			if err != nil {
				t.Fatal(err)
			}
			_ = a.Publish(ctx, Change{Kind: KindVariant, ID: 7, Cause: "write"})
			if e := next(t, again); e.Cause != "poll" || !e.Fresh {
				t.Errorf("replayed %+v, want the poll's change", e)
			}
			if e := next(t, again); e.Cause != "write" {
				t.Errorf("then %+v, want the write's change", e)
			}
			select {
			case e := <-again.C:
				t.Errorf("a duplicate or stray event: %+v", e)
			case <-time.After(200 * time.Millisecond):
			}
			mu.Lock()
			if n := len(refreshed["b"]); n != 0 {
				t.Errorf("b refreshed %v: the poll's change was fresh", refreshed["b"])
			}
			mu.Unlock()

			if _, err := a.SubscribeFrom(KindVariant, nil, "1-0"); !errors.Is(err, ErrHistoryGone) {
				t.Errorf("SubscribeFrom an id older than the history: %v, want ErrHistoryGone", err)
			}
			if _, err := a.SubscribeFrom(KindVariant, nil, "yesterday"); err == nil {
				t.Error(`SubscribeFrom("yesterday") accepted`)
			}
		})
	}
}

// With Redis stalled, a replica's own changes still reach its own
// subscribers; once Redis is back, changes cross again.
func TestRedisDown(t *testing.T) {
	srv := redistest.Real(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	a := redisHub(t, rdb, HubOptions{})
	b := redisHub(t, srv.Client(t), HubOptions{})
	onA, _ := a.Subscribe(KindVariant, []int64{1})
	onB, _ := b.Subscribe(KindVariant, []int64{1})
	resume := srv.Stall(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := a.Publish(ctx, Change{Kind: KindVariant, ID: 1, Cause: "down"}); err == nil {
		t.Error("Publish with Redis stalled reported no error")
	}
	if e := next(t, onA); e.Cause != "down" {
		t.Errorf("local delivery with Redis down: %+v", e)
	}
	resume()
	// b's reader reconnects; a's stream entry may or may not have been
	// written (the command was buffered); a new change crosses.
	_ = a.Publish(context.Background(), Change{Kind: KindVariant, ID: 1, Cause: "back"})
	for {
		e := next(t, onB)
		if e.Cause == "back" {
			break
		}
	}
}

// A subscriber that never reads is closed as a slow consumer once its
// queue is full; others keep receiving.
func TestSlowConsumer(t *testing.T) {
	s, _ := redistest.Mini(t)
	obs := &counts{}
	h := redisHub(t, s.Client(t), HubOptions{Queue: 3, Observer: obs})
	slow, _ := h.Subscribe(KindVariant, nil)
	fast, _ := h.Subscribe(KindVariant, nil)
	ctx := context.Background()
	for i := range 10 {
		_ = h.Publish(ctx, Change{Kind: KindVariant, ID: int64(i)})
		next(t, fast)
	}
	if !errors.Is(slow.Err(), ErrSlowConsumer) {
		t.Errorf("slow.Err() = %v, want ErrSlowConsumer", slow.Err())
	}
	n := 0
	for range slow.C {
		n++
	}
	if n != 3 {
		t.Errorf("the slow subscriber held %d events, want its queue (3)", n)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.dropped != 1 || obs.subs != 1 {
		t.Errorf("dropped %d, subscriptions %d; want 1 and 1", obs.dropped, obs.subs)
	}
}
