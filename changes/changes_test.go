package changes

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHubDeliversToWatchers(t *testing.T) {
	var refreshed [][]int64
	h := NewHub(HubOptions{Queue: 2, Refresh: func(_ context.Context, k Kind, ids []int64) error {
		refreshed = append(refreshed, ids)
		return nil
	}})
	one, _ := h.Subscribe(KindVariant, []int64{1})
	all, _ := h.Subscribe(KindVariant, nil)
	orders, _ := h.Subscribe(KindOrder, nil)
	if err := h.Publish(context.Background(), Change{Kind: KindVariant, ID: 1}, Change{Kind: KindVariant, ID: 2}); err != nil {
		t.Fatal(err)
	}
	if len(refreshed) != 1 || len(refreshed[0]) != 2 {
		t.Errorf("refreshed %v, want one call for [1 2]", refreshed)
	}
	if e := <-one.C; e.ID != 1 || len(one.C) != 0 {
		t.Errorf("one got %+v (+%d), want variant 1 only", e, len(one.C))
	}
	if len(all.C) != 2 || len(orders.C) != 0 {
		t.Errorf("all has %d, orders %d; want 2 and 0", len(all.C), len(orders.C))
	}
	// all's queue (2) is full: one more ends it.
	_ = h.Publish(context.Background(), Change{Kind: KindVariant, ID: 3})
	for range all.C {
	}
	if !errors.Is(all.Err(), ErrSlowConsumer) {
		t.Errorf("all.Err() = %v, want ErrSlowConsumer", all.Err())
	}
	h.Close()
	if _, ok := <-orders.C; ok || !errors.Is(orders.Err(), ErrClosed) {
		t.Errorf("after Close: orders open or Err %v", orders.Err())
	}
	if _, err := h.Subscribe(KindOrder, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Subscribe after Close: %v", err)
	}
}

func TestSubscribeFromReplays(t *testing.T) {
	now := time.Unix(1000, 0)
	h := NewHub(HubOptions{History: time.Minute, Now: func() time.Time { return now }})
	ctx := context.Background()
	_ = h.Publish(ctx, Change{Kind: KindVariant, ID: 1}, Change{Kind: KindVariant, ID: 2}, Change{Kind: KindVariant, ID: 1})
	s, err := h.SubscribeFrom(KindVariant, []int64{1}, "1")
	if err != nil {
		t.Fatal(err)
	}
	_ = h.Publish(ctx, Change{Kind: KindVariant, ID: 1})
	var seqs []string
	for range 2 {
		seqs = append(seqs, (<-s.C).Seq)
	}
	if strings.Join(seqs, ",") != "3,4" {
		t.Errorf("replayed then live %v, want 3,4", seqs)
	}
	now = now.Add(2 * time.Minute)
	_ = h.Publish(ctx, Change{Kind: KindVariant, ID: 5})
	if _, err := h.SubscribeFrom(KindVariant, nil, "2"); !errors.Is(err, ErrHistoryGone) {
		t.Errorf("SubscribeFrom a trimmed id: %v, want ErrHistoryGone", err)
	}
	if _, err := h.SubscribeFrom(KindVariant, nil, "x"); err == nil {
		t.Error("SubscribeFrom(\"x\") accepted")
	}
}
