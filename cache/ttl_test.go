package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
)

// Stock goes stale sooner than descriptions: past the stock TTL (30 s
// here) and within the catalog's (10 m), a product is still fresh and
// costs nothing while its variants are served stale and refreshed.
func TestStockExpiresBeforeDescriptions(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	page, err := c.ListProducts(ctx, storefront)
	if err != nil {
		t.Fatal(err)
	}
	p := page.Items[0]
	e.clock.add(time.Minute)

	pctx, pstale := commerce.WithStaleTracking(ctx)
	if n := e.count(func() { _, err = c.ProductsByID(pctx, []int64{p.ID}, commerce.ProductSideloads{}) }); n != 0 || err != nil || pstale() {
		t.Errorf("a product a minute old: %d requests, %v, stale %v; want fresh and free", n, err, pstale())
	}
	vctx, vstale := commerce.WithStaleTracking(ctx)
	vs, err := c.VariantsByID(vctx, p.VariantIDs)
	if err != nil || len(vs) != len(p.VariantIDs) || !vstale() {
		t.Errorf("its variants a minute old: %d of %d, %v, stale %v; want them served stale", len(vs), len(p.VariantIDs), err, vstale())
	}
	// Past the catalog's freshness, the product is stale too.
	e.clock.add(10 * time.Minute)
	lctx, lstale := commerce.WithStaleTracking(ctx)
	if _, err := c.ProductsByID(lctx, []int64{p.ID}, commerce.ProductSideloads{}); err != nil || !lstale() {
		t.Errorf("a product eleven minutes old: %v, stale %v; want it stale", err, lstale())
	}
}
