package cache_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/cache"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
)

// boundRedises are the Redis servers the bound is checked on; the cluster
// matters most: the script that evicts deletes keys it was not given
// (they share its hash tag).
func boundRedises() map[string]func(t *testing.T) redis.UniversalClient {
	return map[string]func(t *testing.T) redis.UniversalClient{
		"miniredis":     func(t *testing.T) redis.UniversalClient { s, _ := redistest.Mini(t); return s.Client(t) },
		"redis-server":  func(t *testing.T) redis.UniversalClient { return redistest.Real(t).Client(t) },
		"redis-cluster": func(t *testing.T) redis.UniversalClient { return redistest.Cluster(t, 3).Client(t) },
	}
}

// keysMatching counts the keys starting with prefix (over every master of
// a cluster), and all keys.
func keysMatching(t *testing.T, rdb redis.UniversalClient, prefix string) (matching, all int) {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	scan := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, "*", 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			all++
			if strings.HasPrefix(iter.Val(), prefix) {
				matching++
			}
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, scan)
	} else {
		err = scan(ctx, rdb.(*redis.Client))
	}
	if err != nil {
		t.Fatal(err)
	}
	return matching, all
}

func brandQuery(n int) commerce.ProductQuery {
	return commerce.ProductQuery{Filter: commerce.ProductFilter{Brand: fmt.Sprintf("B-%d", n)}, Window: commerce.Window{Limit: 1}}
}

// A storefront key asking for 500 distinct filters (what anyone holding
// it can do) leaves at most the cap of list pages in Redis, and the total
// footprint stops growing once the cap is reached; a page in use all along
// survives, the oldest are gone (and come back with one request), and what
// is served stays right.
func TestListPagesBounded(t *testing.T) {
	const limit = 50
	ctx := context.Background()
	for name, open := range boundRedises() {
		t.Run(name, func(t *testing.T) {
			rdb := open(t)
			sb := sandbox.New(sandbox.Options{RateLimit: 1 << 30}) // 500 cold pages
			srv := httptest.NewServer(sb)
			t.Cleanup(srv.Close)
			t.Cleanup(sb.Close)
			e := &env{sb: sb, rdb: rdb, clock: newClock()}
			c := cache.New(adapter(t, srv.URL), rdb, cache.Options{MaxListPages: limit, Now: e.clock.now})
			t.Cleanup(c.Close)

			hot, err := c.ListProducts(ctx, storefront)
			if err != nil || len(hot.Items) == 0 {
				t.Fatalf("storefront page: %v, %v", hot, err)
			}
			query := func(from, to int) {
				for i := from; i < to; i++ {
					e.clock.add(time.Millisecond) // last use is by this clock
					if _, err := c.ListProducts(ctx, brandQuery(i)); err != nil {
						t.Fatalf("filter %d: %v", i, err)
					}
					if i%10 == 0 { // the storefront's own page stays in use
						if n := e.count(func() { _, err = c.ListProducts(ctx, storefront) }); err != nil || n != 0 {
							t.Fatalf("the page in use cost %d requests (%v) after %d filters", n, err, i)
						}
					}
				}
			}
			query(0, limit)
			_, before := keysMatching(t, rdb, "")
			query(limit, 500)
			pages, after := keysMatching(t, rdb, "{cache:pages}:pp:")
			if pages > limit {
				t.Errorf("%d list pages in Redis after 500 filters, want at most %d", pages, limit)
			}
			if after > before+2 { // +2: a fill lock or marker may linger
				t.Errorf("Redis held %d keys at the cap and %d after 450 more filters: the footprint grows", before, after)
			}
			if n, err := rdb.ZCard(ctx, "{cache:pages}:lru").Result(); err != nil || n > limit {
				t.Errorf("page index holds %d entries (%v), want at most %d", n, err, limit)
			}
			var again commerce.Page[commerce.Product]
			if n := e.count(func() { again, err = c.ListProducts(ctx, storefront) }); err != nil || n != 0 || again.Total != hot.Total || again.Items[0].ID != hot.Items[0].ID {
				t.Errorf("the page in use: %d requests (%v), total %d (was %d)", n, err, again.Total, hot.Total)
			}
			// The oldest filter was evicted: one request brings it back,
			// and the answer is the same as the first time.
			if n := e.count(func() { _, err = c.ListProducts(ctx, brandQuery(0)) }); err != nil || n != 1 {
				t.Errorf("the least recently used filter cost %d requests (%v), want 1 (evicted)", n, err)
			}
			if n := e.count(func() { _, err = c.ListProducts(ctx, brandQuery(499)) }); err != nil || n != 0 {
				t.Errorf("the most recent filter cost %d requests (%v), want 0 (kept)", n, err)
			}
		})
	}
}

// With a cap of two pages, eviction does not break invalidation: a
// product.create retires the pages, the next answer has the new product,
// and the pages of the retired version count against the cap too.
func TestListPagesBoundedInvalidation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, sandbox.Options{})
	srv := httptest.NewServer(e.sb)
	t.Cleanup(srv.Close)
	c := cache.New(adapter(t, srv.URL), e.rdb, cache.Options{MaxListPages: 2, Now: e.clock.now})
	t.Cleanup(c.Close)
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
	for i := range 5 {
		e.clock.add(time.Millisecond)
		if _, err := c.ListProducts(ctx, brandQuery(i)); err != nil {
			t.Fatal(err)
		}
	}
	now, err := c.ListProducts(ctx, storefront)
	if err != nil || now.Total != before.Total+1 || now.Items[0].ID != pid {
		t.Errorf("after product.create and evictions: total %d (was %d), first %d (want %d), %v", now.Total, before.Total, now.Items[0].ID, pid, err)
	}
	if pages, _ := keysMatching(t, e.rdb, "{cache:pages}:pp:"); pages > 2 {
		t.Errorf("%d pages kept, want at most 2", pages)
	}
}
