package cache_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/cache"
	"github.com/commercegateway/gateway/commerce"
)

// heldCatalog answers VariantsByID, then holds the answer until released:
// a fetch that read the stock before a change and stores it after.
type heldCatalog struct {
	commerce.Catalog
	read    chan struct{}
	release chan struct{}
}

func (h *heldCatalog) VariantsByID(ctx context.Context, ids []int64) ([]commerce.Variant, error) {
	vs, err := h.Catalog.VariantsByID(ctx, ids)
	if h.read != nil {
		close(h.read)
		<-h.release
		h.read = nil
	}
	return vs, err
}

// A stock change announced while a fetch of the old stock is in flight:
// the fetch answers its caller, but does not put the old stock back into
// the cache, so the next read shows the new stock.
func TestInvalidationBeatsAFetchInFlight(t *testing.T) {
	e, _, url := setup(t, sandbox.Options{})
	held := &heldCatalog{Catalog: adapter(t, url), read: make(chan struct{}), release: make(chan struct{})}
	c := cache.New(held, e.rdb, cache.Options{Prefix: "race", Now: e.clock.now})
	t.Cleanup(c.Close)
	ctx := context.Background()

	var wg sync.WaitGroup
	var old []commerce.Variant
	wg.Go(func() { old, _ = c.VariantsByID(ctx, []int64{4}) })
	<-held.read // the old stock is read
	e.clock.add(time.Millisecond)
	if err := e.sb.SetStock(4, 1, "3"); err != nil {
		t.Fatal(err)
	}
	if err := c.Invalidate(ctx, commerce.Event{Name: "variant.stock_level_update", ObjectID: 4}); err != nil {
		t.Fatal(err)
	}
	close(held.release)
	wg.Wait()
	e.clock.add(time.Millisecond)
	now, err := c.VariantsByID(ctx, []int64{4})
	if err != nil || len(old) != 1 || len(now) != 1 {
		t.Fatalf("reads: %v %v %v", old, now, err)
	}
	if now[0].Inventory.OnHand.Equal(old[0].Inventory.OnHand) || now[0].Inventory.OnHand.String() != "11" {
		t.Errorf("after the change: on hand %s (the fetch in flight read %s); want 11 (3 + 8 at location 2)", now[0].Inventory.OnHand, old[0].Inventory.OnHand)
	}
	// And it is cached again from then on.
	if n := e.count(func() { _, _ = c.VariantsByID(ctx, []int64{4}) }); n != 0 {
		t.Errorf("the new stock is not cached: %d requests", n)
	}
}

// The same, seen from another replica that waited for the first one's
// fill: the entry the fill did not store (it was invalidated meanwhile)
// is fetched again, not dropped from the waiter's answer.
func TestWaiterOnAnInvalidatedFill(t *testing.T) {
	e, _, url := setup(t, sandbox.Options{})
	held := &heldCatalog{Catalog: adapter(t, url), read: make(chan struct{}), release: make(chan struct{})}
	a := cache.New(held, e.rdb, cache.Options{Prefix: "race2", Now: e.clock.now})
	b := cache.New(adapter(t, url), e.rdb, cache.Options{Prefix: "race2", Now: e.clock.now})
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	ctx := context.Background()

	var wg sync.WaitGroup
	wg.Go(func() { _, _ = a.VariantsByID(ctx, []int64{4}) })
	<-held.read // a holds the fill, its answer read
	var got []commerce.Variant
	var err error
	wg.Go(func() { got, err = b.VariantsByID(ctx, []int64{4}) })
	time.Sleep(100 * time.Millisecond) // b waits for a's fill
	e.clock.add(time.Millisecond)
	if err := e.sb.SetStock(4, 1, "3"); err != nil {
		t.Fatal(err)
	}
	if err := a.Invalidate(ctx, commerce.Event{Name: "variant.stock_level_update", ObjectID: 4}); err != nil {
		t.Fatal(err)
	}
	close(held.release)
	wg.Wait()
	if err != nil || len(got) != 1 || got[0].Inventory.OnHand.String() != "11" {
		t.Fatalf("the waiting replica got %+v, %v; want variant 4 with its new stock (11)", got, err)
	}
}
