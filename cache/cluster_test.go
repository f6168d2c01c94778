package cache_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
)

// The cache on a real Redis Cluster: its entries, namespace versions, fill
// locks and tombstones are single-key commands (pipelined across the
// masters), and its one script, the fill lock's unlock, touches one key.
func TestCluster(t *testing.T) {
	cs := redistest.Cluster(t, 3)
	rdb := cs.Client(t)
	ctx := context.Background()
	// fresh is an empty cluster and a new TradeGecko sandbox.
	fresh := func(t *testing.T) (*env, string) {
		t.Helper()
		if err := rdb.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			return c.FlushAll(ctx).Err()
		}); err != nil {
			t.Fatal(err)
		}
		sb := sandbox.New(sandbox.Options{})
		srv := httptest.NewServer(sb)
		t.Cleanup(srv.Close)
		t.Cleanup(sb.Close)
		return &env{sb: sb, rdb: rdb, clock: newClock()}, srv.URL
	}

	t.Run("cold then warm", func(t *testing.T) {
		e, url := fresh(t)
		c := e.replica(t, url)
		var cold, warm commerce.Page[commerce.Product]
		var err error
		if n := e.count(func() { cold, err = c.ListProducts(ctx, storefront) }); err != nil || n != 1 {
			t.Fatalf("cold storefront page: %d requests, %v; want 1", n, err)
		}
		if n := e.count(func() { warm, err = c.ListProducts(ctx, storefront) }); err != nil || n != 0 {
			t.Errorf("warm storefront page: %d requests, %v; want 0", n, err)
		}
		if len(warm.Items) != 50 || warm.Total != cold.Total || len(warm.Items[0].Variants) == 0 ||
			len(warm.Items[0].Variants) != len(cold.Items[0].Variants) || warm.Items[0].Variants[0].SKU != cold.Items[0].Variants[0].SKU {
			t.Fatalf("warm answer differs from cold: %d items (total %d, cold %d)", len(warm.Items), warm.Total, cold.Total)
		}
		// Another replica (its own adapter) is
		// warm too, and the page's entities serve lookups by id.
		other := e.replica(t, url)
		if n := e.count(func() { _, err = other.ListProducts(ctx, storefront) }); err != nil || n != 0 {
			t.Errorf("warm page on another replica: %d requests, %v", n, err)
		}
		if n := e.count(func() { _, err = other.VariantsByID(ctx, cold.Items[3].VariantIDs) }); err != nil || n != 0 {
			t.Errorf("variants that came with a page cost %d requests by id (%v)", n, err)
		}
		// The entries are spread over the masters.
		for _, addr := range cs.Addrs {
			node := redis.NewClient(&redis.Options{Addr: addr})
			size, err := node.DBSize(ctx).Result()
			_ = node.Close()
			if err != nil || size == 0 {
				t.Errorf("master %s holds %d keys (%v)", addr, size, err)
			}
		}
	})

	t.Run("cold misses coalesce across replicas", func(t *testing.T) {
		e, url := fresh(t)
		a, b := e.replica(t, url), e.replica(t, url)
		e.sb.SetLatency(100 * time.Millisecond)
		n := e.count(func() {
			var wg sync.WaitGroup
			for i := range 50 {
				wg.Go(func() {
					c := a
					if i%2 == 1 {
						c = b
					}
					if pg, err := c.ListProducts(ctx, storefront); err != nil || len(pg.Items) != 50 {
						t.Errorf("query %d: %d items, %v", i, len(pg.Items), err)
					}
				})
			}
			wg.Wait()
		})
		if n != 1 {
			t.Errorf("50 cold identical queries on 2 replicas cost %d requests, want 1", n)
		}
	})

	t.Run("invalidate", func(t *testing.T) {
		e, url := fresh(t)
		c := e.replica(t, url)
		vs, err := c.VariantsByID(ctx, []int64{4})
		if err != nil || len(vs) != 1 {
			t.Fatalf("VariantsByID: %v, %v", vs, err)
		}
		if err := e.sb.SetStock(4, 1, "1"); err != nil {
			t.Fatal(err)
		}
		if err := c.Invalidate(ctx, commerce.Event{Name: "variant.stock_level_update", ObjectID: 4}); err != nil {
			t.Fatal(err)
		}
		after, _ := c.VariantsByID(ctx, []int64{4})
		if len(after) != 1 || after[0].Inventory.OnHand.String() != "9" {
			t.Errorf("stock after the webhook: before %s, after %v; want 9 (1 + 8 at location 2)", vs[0].Inventory.OnHand, after)
		}
		// product.create retires list pages (a namespace bump).
		before, err := c.ListProducts(ctx, storefront)
		if err != nil {
			t.Fatal(err)
		}
		pid, _, err := e.sb.AddProduct(sandbox.NewProduct{Name: "Brand New", Variants: []sandbox.NewVariant{{SKU: "NEW-1", Name: "Only", RetailPrice: "9.0"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Invalidate(ctx, commerce.Event{Name: "product.create", ObjectID: pid}); err != nil {
			t.Fatal(err)
		}
		now, err := c.ListProducts(ctx, storefront)
		if err != nil || now.Total != before.Total+1 || now.Items[0].ID != pid {
			t.Errorf("after product.create: total %d (was %d), %v", now.Total, before.Total, err)
		}
	})

	t.Run("poll", func(t *testing.T) {
		e, url := fresh(t)
		c, other := e.replica(t, url), e.replica(t, url)
		if _, err := c.VariantsByID(ctx, []int64{5}); err != nil {
			t.Fatal(err)
		}
		if err := e.sb.SetStock(5, 1, "7"); err != nil {
			t.Fatal(err)
		}
		var err error
		if n := e.count(func() { err = c.Poll(ctx, time.Minute) }); err != nil || n != 2 {
			t.Errorf("a poll cost %d requests (%v), want 2 (products and variants updated since)", n, err)
		}
		vs, err := other.VariantsByID(ctx, []int64{5})
		if err != nil || len(vs) != 1 || vs[0].Inventory.OnHand.String() != "7" {
			t.Errorf("after polling, variant 5 on the other replica = %v, %v; want on hand 7", vs, err)
		}
		// The other replica, polling in the same interval, does nothing.
		if n := e.count(func() { err = other.Poll(ctx, time.Minute) }); err != nil || n != 0 {
			t.Errorf("a second poll within the interval cost %d requests (%v)", n, err)
		}
	})
}
