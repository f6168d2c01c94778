package cache_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/cache"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
)

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func newClock() *clock               { c := &clock{}; c.ns.Store(time.Now().UnixNano()); return c }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

type env struct {
	sb    *sandbox.Sandbox
	rdb   redis.UniversalClient
	clock *clock
}

func newEnv(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	s, _ := redistest.Mini(t)
	return &env{sb: sb, rdb: s.Client(t), clock: newClock()}
}

// replica is one gateway's catalog: its own adapter, the shared Redis.
func (e *env) replica(t *testing.T, url string) *cache.Catalog {
	t.Helper()
	c := cache.New(adapter(t, url), e.rdb, cache.Options{CatalogTTL: 10 * time.Minute, StockTTL: 30 * time.Second, Now: e.clock.now})
	t.Cleanup(c.Close)
	return c
}

// adapter is a replica's TradeGecko catalog on the sandbox at url, its
// reference data loaded.
func adapter(t *testing.T, url string) *tradegecko.Catalog {
	t.Helper()
	client, err := tradegecko.New(url, tradegecko.WithAccessToken(sandbox.DefaultAccessToken))
	if err != nil {
		t.Fatal(err)
	}
	cat := tradegecko.NewCatalog(client, nil)
	if err := cat.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cat
}

func (e *env) count(fn func()) int {
	e.sb.ResetRequests()
	fn()
	return e.sb.RequestCount()
}

func setup(t *testing.T, opts sandbox.Options) (*env, *cache.Catalog, string) {
	e := newEnv(t, opts)
	srv := httptest.NewServer(e.sb)
	t.Cleanup(srv.Close)
	return e, e.replica(t, srv.URL), srv.URL
}

var storefront = commerce.ProductQuery{Window: commerce.Window{Limit: 50}, Sideloads: commerce.ProductSideloads{Variants: true}}

func TestWarmQueriesCostNothing(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	var cold, warm commerce.Page[commerce.Product]
	n := e.count(func() { cold, _ = c.ListProducts(ctx, storefront) })
	if n != 1 {
		t.Errorf("cold storefront page cost %d requests, want 1", n)
	}
	n = e.count(func() { warm, _ = c.ListProducts(ctx, storefront) })
	if n != 0 {
		t.Errorf("warm storefront page cost %d requests, want 0", n)
	}
	if len(warm.Items) != 50 || warm.Total != cold.Total || len(warm.Items[0].Variants) != len(cold.Items[0].Variants) || warm.Items[0].Variants[0].SKU != cold.Items[0].Variants[0].SKU {
		t.Fatalf("warm answer differs from cold")
	}
	// Entities from the page serve lookups by id.
	if n := e.count(func() { _, _ = c.VariantsByID(ctx, cold.Items[3].VariantIDs) }); n != 0 {
		t.Errorf("variants that came with a page cost %d requests by id", n)
	}
}

func TestCatalogWalkCost(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	total := e.sb.ProductCount()
	seen := map[int64]bool{}
	n := e.count(func() {
		for off := 0; off < total; off += 100 {
			pg, err := c.ListProducts(ctx, commerce.ProductQuery{Window: commerce.Window{Offset: off, Limit: 100}, Sideloads: commerce.ProductSideloads{Variants: true}})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pg.Items {
				seen[p.ID] = true
			}
		}
	})
	if want := (total+249)/250 + 1; n > want {
		t.Errorf("walking %d products cost %d requests, want at most %d", total, n, want)
	}
	if len(seen) != total {
		t.Errorf("walk saw %d products, want %d", len(seen), total)
	}
}

// Fifty identical cold queries, on two replicas, cost what one costs.
func TestColdMissesCoalesce(t *testing.T) {
	e, a, url := setup(t, sandbox.Options{})
	b := e.replica(t, url)
	e.sb.SetLatency(100 * time.Millisecond)
	ctx := context.Background()
	n := e.count(func() {
		var wg sync.WaitGroup
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := a
				if i%2 == 1 {
					c = b
				}
				if pg, err := c.ListProducts(ctx, storefront); err != nil || len(pg.Items) != 50 {
					t.Errorf("query %d: %d items, %v", i, len(pg.Items), err)
				}
			}()
		}
		wg.Wait()
	})
	if n != 1 {
		t.Errorf("50 cold identical queries on 2 replicas cost %d requests, want 1", n)
	}
}

// Past its freshness an entry is fetched again in the caller's path; it is
// served stale (extensions.stale) only when the upstream cannot answer, and
// then refreshed in the background once it can. Entities and list pages
// alike.
func TestPastFreshnessIsStaleOnlyWhenTheUpstreamFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		read func(ctx context.Context, c *cache.Catalog) (int, error)
	}{
		{"variants by id", func(ctx context.Context, c *cache.Catalog) (int, error) {
			vs, err := c.VariantsByID(ctx, []int64{2, 3})
			return len(vs), err
		}},
		{"a list page", func(ctx context.Context, c *cache.Catalog) (int, error) {
			pg, err := c.ListProducts(ctx, storefront)
			return len(pg.Items), err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, c, _ := setup(t, sandbox.Options{})
			ctx := context.Background()
			want, err := tc.read(ctx, c)
			if err != nil || want == 0 {
				t.Fatalf("cold read: %d, %v", want, err)
			}
			read := func() (n, requests int, err error, stale bool) {
				sctx, st := commerce.WithReadRecord(ctx)
				requests = e.count(func() { n, err = tc.read(sctx, c) })
				return n, requests, err, st().Stale
			}

			// Healthy upstream: refreshed, not stale.
			e.clock.add(time.Hour) // past every freshness
			if n, requests, err, stale := read(); n != want || err != nil || stale || requests == 0 {
				t.Errorf("past its freshness, upstream healthy: %d of %d, %d requests, %v, stale %v; want refreshed, not stale", n, want, requests, err, stale)
			}
			if n, requests, err, stale := read(); n != want || err != nil || stale || requests != 0 {
				t.Errorf("just refreshed: %d of %d, %d requests, %v, stale %v; want fresh and free", n, want, requests, err, stale)
			}

			// Upstream failing: what is kept is served, marked stale.
			e.clock.add(time.Hour)
			e.sb.SetOutage(http.StatusInternalServerError)
			for i := range 2 { // the second while the background refresh fails
				if n, _, err, stale := read(); n != want || err != nil || !stale {
					t.Errorf("read %d with the upstream failing: %d of %d, %v, stale %v; want the kept entries, stale", i, n, want, err, stale)
				}
			}

			// The upstream recovers: the next reads are fresh again.
			e.sb.SetOutage(0)
			deadline := time.Now().Add(10 * time.Second)
			for {
				if _, _, err, stale := read(); err == nil && !stale {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("still stale after the upstream recovered")
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestInvalidate(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	vs, _ := c.VariantsByID(ctx, []int64{4})
	if err := e.sb.SetStock(4, 1, "1"); err != nil {
		t.Fatal(err)
	}
	if err := c.Invalidate(ctx, commerce.Event{Name: "variant.stock_level_update", ObjectID: 4}); err != nil {
		t.Fatal(err)
	}
	after, _ := c.VariantsByID(ctx, []int64{4})
	if vs[0].Inventory.OnHand.Equal(after[0].Inventory.OnHand) || after[0].Inventory.OnHand.String() != "9" {
		t.Errorf("stock after the webhook: before %s, after %s; want 9 (1 + 8 at location 2)", vs[0].Inventory.OnHand, after[0].Inventory.OnHand)
	}
	// product.create retires list pages.
	before, _ := c.ListProducts(ctx, storefront)
	pid, _, err := e.sb.AddProduct(sandbox.NewProduct{Name: "Brand New", Variants: []sandbox.NewVariant{{SKU: "NEW-1", Name: "Only", RetailPrice: "9.0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Invalidate(ctx, commerce.Event{Name: "product.create", ObjectID: pid}); err != nil {
		t.Fatal(err)
	}
	now, _ := c.ListProducts(ctx, storefront)
	if now.Total != before.Total+1 || now.Items[0].ID != pid {
		t.Errorf("after product.create: total %d (was %d), first %d (want %d)", now.Total, before.Total, now.Items[0].ID, pid)
	}
}

func TestPoll(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	if _, err := c.VariantsByID(ctx, []int64{5}); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.SetStock(5, 1, "7"); err != nil {
		t.Fatal(err)
	}
	n := e.count(func() {
		if err := c.Poll(ctx, time.Minute); err != nil {
			t.Fatal(err)
		}
	})
	if n != 2 {
		t.Errorf("a poll cost %d requests, want 2 (products and variants updated since)", n)
	}
	vs, _ := c.VariantsByID(ctx, []int64{5})
	if vs[0].Inventory.OnHand.String() != "7" {
		t.Errorf("after polling, on hand %s, want 7", vs[0].Inventory.OnHand)
	}
	// Another replica polling in the same interval does nothing.
	if n := e.count(func() { _ = c.Poll(ctx, time.Minute) }); n != 0 {
		t.Errorf("a second poll within the interval cost %d requests", n)
	}
}

// A change retires every list page; when the upstream then cannot answer,
// the retired pages are still served, marked stale, rather than failing.
func TestRetiredPagesServedWhenTheUpstreamFails(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	before, err := c.ListProducts(ctx, storefront)
	if err != nil {
		t.Fatal(err)
	}
	vbefore, err := c.ListVariants(ctx, commerce.VariantQuery{Window: commerce.Window{Limit: 20}})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // two changes: the page is two versions back
		if err := c.Invalidate(ctx, commerce.Event{Name: "product.create", ObjectID: 999999}); err != nil {
			t.Fatal(err)
		}
	}
	e.sb.FailNext(100, 500)
	sctx, stale := commerce.WithReadRecord(ctx)
	got, err := c.ListProducts(sctx, storefront)
	if err != nil || len(got.Items) != len(before.Items) || got.Total != before.Total || !stale().Stale {
		t.Fatalf("products after a change with the upstream down: %d items (want %d), %v, stale %v", len(got.Items), len(before.Items), err, stale().Stale)
	}
	vctx, vstale := commerce.WithReadRecord(ctx)
	vgot, err := c.ListVariants(vctx, commerce.VariantQuery{Window: commerce.Window{Limit: 20}})
	if err != nil || len(vgot.Items) != len(vbefore.Items) || !vstale().Stale {
		t.Fatalf("variants after a change with the upstream down: %d items (want %d), %v, stale %v", len(vgot.Items), len(vbefore.Items), err, vstale().Stale)
	}
	// A filter never listed before has nothing to fall back on: the
	// upstream's failure stands.
	if _, err := c.ListProducts(ctx, commerce.ProductQuery{Filter: commerce.ProductFilter{Brand: "nobody"}, Window: commerce.Window{Limit: 5}}); err == nil {
		t.Error("an uncached list with the upstream down succeeded")
	}
}

// Nothing announces an edited name or price: a product renamed and a
// variant repriced upstream stay as cached while fresh, and one poll
// (products and variants updated since) brings both in, after which
// lookups by id cost nothing.
func TestPollPicksUpEdits(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	const productID, variantID = 2, 4 // the Golden Egg and its Large (retail 45.0)
	q := commerce.ProductQuery{Filter: commerce.ProductFilter{IDs: []int64{1, productID}}, Window: commerce.Window{Limit: 10},
		Sideloads: commerce.ProductSideloads{Variants: true}}
	price := func(v commerce.Variant) string {
		if v.RetailPrice == nil {
			return "none"
		}
		return v.RetailPrice.Amount().String()
	}
	// seen is what the three reads answer for the product's name and the
	// variant's retail price, and the requests they cost.
	type seen struct {
		listName, listPrice, name, variantPrice, variantProduct string
		requests                                                int
	}
	read := func(t *testing.T, ctx context.Context, withList bool) seen {
		t.Helper()
		var s seen
		s.requests = e.count(func() {
			ps, err := c.ProductsByID(ctx, []int64{productID}, commerce.ProductSideloads{Variants: true})
			if err != nil || len(ps) != 1 {
				t.Fatalf("ProductsByID: %d products, %v", len(ps), err)
			}
			s.name = ps[0].Name
			vs, err := c.VariantsByID(ctx, []int64{variantID})
			if err != nil || len(vs) != 1 {
				t.Fatalf("VariantsByID: %d variants, %v", len(vs), err)
			}
			s.variantPrice, s.variantProduct = price(vs[0]), vs[0].ProductName
			if !withList {
				return
			}
			pg, err := c.ListProducts(ctx, q)
			if err != nil {
				t.Fatalf("ListProducts: %v", err)
			}
			for _, p := range pg.Items {
				if p.ID != productID {
					continue
				}
				s.listName = p.Name
				for _, v := range p.Variants {
					if v.ID == variantID {
						s.listPrice = price(v)
					}
				}
			}
		})
		return s
	}

	if _, err := c.ListProducts(ctx, q); err != nil { // caches the page, the products and their variants
		t.Fatal(err)
	}
	if err := e.sb.UpdateProduct(productID, map[string]any{"name": "Giant Golden Egg"}); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.UpdateVariant(variantID, map[string]any{"retail_price": "49.5"}); err != nil {
		t.Fatal(err)
	}
	e.clock.add(5 * time.Second) // within both TTLs

	sctx, stale := commerce.WithReadRecord(ctx)
	old := read(t, sctx, true)
	want := seen{listName: "Golden Egg", listPrice: "45", name: "Golden Egg", variantPrice: "45", variantProduct: "Golden Egg"}
	if old != want || stale().Stale {
		t.Errorf("before polling: %+v, stale %v; want the cached values, fresh and free: %+v", old, stale().Stale, want)
	}

	var err error
	// Products and variants updated since, and the renamed product's other
	// cached variants (they carry its name).
	if n := e.count(func() { err = c.Poll(ctx, time.Minute) }); err != nil || n > 3 {
		t.Fatalf("a poll cost %d requests (%v), want at most 3", n, err)
	}

	// By id: the new values, at no cost.
	got := read(t, ctx, false)
	want = seen{name: "Giant Golden Egg", variantPrice: "49.5", variantProduct: "Giant Golden Egg"}
	if got != want {
		t.Errorf("by id after polling: %+v, want %+v", got, want)
	}
	// The list: the new values too; the poll retired the page, so at most
	// the page itself is fetched again, never the records by id.
	got = read(t, ctx, true)
	want = seen{listName: "Giant Golden Egg", listPrice: "49.5", name: "Giant Golden Egg", variantPrice: "49.5", variantProduct: "Giant Golden Egg", requests: got.requests}
	if got != want || got.requests > 1 {
		t.Errorf("after polling: %+v, want %+v at a cost of at most 1 request", got, want)
	}
	for _, r := range e.sb.Requests() {
		if r.Path != "/products" || r.Query.Get("ids") != "1,2" {
			t.Errorf("after polling, a read asked %s?%s", r.Path, r.Query.Encode())
		}
	}
}

// TestExpiredRideWithMissing: a lookup holding both expired and missing
// ids refreshes the expired ones in the batch the missing ones need
// anyway: one upstream request, nothing stale.
func TestExpiredRideWithMissing(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	if vs, err := c.VariantsByID(ctx, []int64{2}); err != nil || len(vs) != 1 {
		t.Fatalf("cold read: %d, %v", len(vs), err)
	}
	e.clock.add(time.Hour) // variant 2 is past its freshness; 3 was never read
	sctx, stale := commerce.WithReadRecord(ctx)
	var vs []commerce.Variant
	var err error
	requests := e.count(func() { vs, err = c.VariantsByID(sctx, []int64{2, 3}) })
	if err != nil || len(vs) != 2 || stale().Stale || requests != 1 {
		t.Errorf("expired 2 and missing 3: %d variants, %v, stale %v, %d upstream requests; want both, fresh, in 1 request", len(vs), err, stale().Stale, requests)
	}
	if requests := e.count(func() { vs, err = c.VariantsByID(ctx, []int64{2, 3}) }); err != nil || len(vs) != 2 || requests != 0 {
		t.Errorf("read again: %d variants, %v, %d requests; want both from the cache", len(vs), err, requests)
	}
}
