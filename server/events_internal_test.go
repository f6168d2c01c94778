package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
)

// An event accepted by one replica that dies before processing it (read
// from the stream, never acknowledged) is taken over and processed by
// another replica; once processed, nobody processes it again.
func TestEventSurvivesACrash(t *testing.T) {
	for _, r := range []struct {
		name string
		rdb  func(t *testing.T) redis.UniversalClient
	}{
		{"miniredis", func(t *testing.T) redis.UniversalClient { s, _ := redistest.Mini(t); return s.Client(t) }},
		{"redis-server", func(t *testing.T) redis.UniversalClient { return redistest.Real(t).Client(t) }},
	} {
		t.Run(r.name, func(t *testing.T) {
			rdb := r.rdb(t)
			log := slog.New(slog.DiscardHandler)
			stream := func() *eventStream {
				s := newEventStream(rdb, "test", log)
				s.reclaimAfter = 300 * time.Millisecond
				return s
			}
			run := func(s *eventStream, handle func(context.Context, commerce.Event) error) (stop func()) {
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				wg.Go(func() { s.run(ctx, handle) })
				return func() { cancel(); wg.Wait() }
			}

			// Replica a reads the event and dies before acknowledging it.
			a := stream()
			gotByA := make(chan commerce.Event, 1)
			gone := make(chan struct{})
			stopA := run(a, func(_ context.Context, ev commerce.Event) error {
				gotByA <- ev
				<-gone // the process is gone: it never acknowledges
				return errors.New("crashed")
			})
			t.Cleanup(func() { close(gone); stopA() })
			ev := commerce.Event{Name: "variant.stock_level_update", ObjectID: 42, DeliveryID: "d-crash", At: time.Unix(1700000000, 0)}
			if err := a.publish(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			select {
			case <-gotByA:
			case <-time.After(5 * time.Second):
				t.Fatal("replica a never read the event")
			}

			// Replica b takes it over once it has been idle long enough.
			b := stream()
			var mu sync.Mutex
			var gotByB []commerce.Event
			stopB := run(b, func(_ context.Context, ev commerce.Event) error {
				mu.Lock()
				gotByB = append(gotByB, ev)
				mu.Unlock()
				return nil
			})
			defer stopB()
			deadline := time.Now().Add(5 * time.Second)
			for {
				mu.Lock()
				n := len(gotByB)
				mu.Unlock()
				if n > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the event a replica died holding was never processed by another")
				}
				time.Sleep(20 * time.Millisecond)
			}
			mu.Lock()
			if gotByB[0].DeliveryID != "d-crash" || gotByB[0].ObjectID != 42 || gotByB[0].Name != ev.Name {
				t.Errorf("b processed %+v, want %+v", gotByB[0], ev)
			}
			mu.Unlock()

			// Processed and acknowledged: a third replica, given time to
			// reclaim, finds nothing left.
			c := stream()
			var gotByC sync.Map
			stopC := run(c, func(_ context.Context, ev commerce.Event) error { gotByC.Store(ev.DeliveryID, true); return nil })
			time.Sleep(3 * c.reclaimAfter)
			stopC()
			if _, again := gotByC.Load("d-crash"); again {
				t.Error("an acknowledged event was processed again")
			}
			mu.Lock()
			defer mu.Unlock()
			if len(gotByB) != 1 {
				t.Errorf("b processed the event %d times, want once", len(gotByB))
			}
			if n, err := rdb.XPending(context.Background(), b.stream, b.group).Result(); err != nil || n.Count != 0 {
				t.Errorf("pending after processing: %+v, %v", n, err)
			}
		})
	}
}
