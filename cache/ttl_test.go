package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
)

// Stock expires sooner than descriptions: past the stock TTL (30 s here)
// and within the catalog's (10 m), a product is still fresh and costs
// nothing while its variants are fetched again; past the catalog's, the
// product is fetched again too. With the upstream healthy, neither is
// stale.
func TestStockExpiresBeforeDescriptions(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	page, err := c.ListProducts(ctx, storefront)
	if err != nil {
		t.Fatal(err)
	}
	p := page.Items[0]
	e.clock.add(time.Minute)

	pctx, pstale := commerce.WithReadRecord(ctx)
	if n := e.count(func() { _, err = c.ProductsByID(pctx, []int64{p.ID}, commerce.ProductSideloads{}) }); n != 0 || err != nil || pstale().Stale {
		t.Errorf("a product a minute old: %d requests, %v, stale %v; want fresh and free", n, err, pstale().Stale)
	}
	vctx, vstale := commerce.WithReadRecord(ctx)
	var vs []commerce.Variant
	if n := e.count(func() { vs, err = c.VariantsByID(vctx, p.VariantIDs) }); err != nil || len(vs) != len(p.VariantIDs) || vstale().Stale || n != 1 {
		t.Errorf("its variants a minute old: %d of %d, %d requests, %v, stale %v; want them fetched again in one request, not stale", len(vs), len(p.VariantIDs), n, err, vstale().Stale)
	}
	e.clock.add(10 * time.Minute)
	lctx, lstale := commerce.WithReadRecord(ctx)
	if n := e.count(func() { _, err = c.ProductsByID(lctx, []int64{p.ID}, commerce.ProductSideloads{}) }); err != nil || lstale().Stale || n != 1 {
		t.Errorf("a product eleven minutes old: %d requests, %v, stale %v; want it fetched again, not stale", n, err, lstale().Stale)
	}
}

// A renamed product's name travels on its variants too (product_name),
// though the rename does not move their updated_at: a poll that finds the
// product refreshes the variants the cache holds, in one request.
func TestPollRefreshesTheVariantsOfARenamedProduct(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	ps, err := c.ProductsByID(ctx, []int64{2}, commerce.ProductSideloads{Variants: true})
	if err != nil || len(ps) != 1 || len(ps[0].Variants) < 2 {
		t.Fatalf("product 2: %+v, %v; want it with several variants", ps, err)
	}
	if err := e.sb.UpdateProduct(2, map[string]any{"name": "Giant Golden Egg"}); err != nil {
		t.Fatal(err)
	}
	var n int
	if n = e.count(func() { err = c.Poll(ctx, time.Minute) }); err != nil || n != 3 {
		t.Errorf("the poll cost %d requests (%v), want 3: products, variants, and the renamed product's variants", n, err)
	}
	var vs []commerce.Variant
	if n := e.count(func() { vs, err = c.VariantsByID(ctx, ps[0].VariantIDs) }); err != nil || n != 0 || len(vs) != len(ps[0].VariantIDs) {
		t.Fatalf("the variants after the poll: %d of %d, %d requests, %v", len(vs), len(ps[0].VariantIDs), n, err)
	}
	for _, v := range vs {
		if v.ProductName != "Giant Golden Egg" {
			t.Errorf("variant %d after the poll: product name %q, want the new one", v.ID, v.ProductName)
		}
	}
}

// An edit that leaves the name alone costs a poll nothing beyond its two
// lists: the variants carry only the product's name.
func TestPollOtherProductEditsCostNothingMore(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	if _, err := c.ProductsByID(ctx, []int64{2}, commerce.ProductSideloads{Variants: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.UpdateProduct(2, map[string]any{"description": "Now even more golden"}); err != nil {
		t.Fatal(err)
	}
	var err error
	if n := e.count(func() { err = c.Poll(ctx, time.Minute) }); err != nil || n != 2 {
		t.Errorf("the poll cost %d requests (%v), want 2", n, err)
	}
	ps, err := c.ProductsByID(ctx, []int64{2}, commerce.ProductSideloads{})
	if err != nil || len(ps) != 1 || ps[0].Description != "Now even more golden" {
		t.Errorf("after the poll: %+v, %v", ps, err)
	}
}

// Each read records the least remaining freshness of what it served
// (commerce.ReadRecord.MinFresh): the stock TTL bounds a page with
// variants, the catalog TTL one without; what was fetched for the read
// counts its whole TTL; nothing read, nothing recorded.
func TestReadsRecordTheirRemainingFreshness(t *testing.T) {
	e, c, _ := setup(t, sandbox.Options{})
	ctx := context.Background()
	cold, coldRec := commerce.WithReadRecord(ctx)
	page, err := c.ListProducts(cold, storefront)
	if err != nil {
		t.Fatal(err)
	}
	// Entries are stamped when their fetch began (a few µs back).
	near := func(r commerce.ReadRecord, want time.Duration) bool {
		return r.Fresh && r.MinFresh <= want && r.MinFresh > want-time.Second
	}
	if r := coldRec(); !near(r, 30*time.Second) || r.Stale || r.Private {
		t.Errorf("cold page: record %+v, want fresh for the stock TTL (30s)", r)
	}
	e.clock.add(10 * time.Second)
	p := page.Items[0]
	for _, tc := range []struct {
		name string
		read func(context.Context) error
		want time.Duration
	}{
		{"products with variants", func(ctx context.Context) error { _, err := c.ListProducts(ctx, storefront); return err }, 20 * time.Second},
		{"a product alone", func(ctx context.Context) error {
			_, err := c.ProductsByID(ctx, []int64{p.ID}, commerce.ProductSideloads{})
			return err
		}, 10*time.Minute - 10*time.Second},
		{"its variants", func(ctx context.Context) error { _, err := c.VariantsByID(ctx, p.VariantIDs); return err }, 20 * time.Second},
		{"locations (reference data)", func(ctx context.Context) error { _, err := c.Locations(ctx); return err }, 10 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rctx, rec := commerce.WithReadRecord(ctx)
			if err := tc.read(rctx); err != nil {
				t.Fatal(err)
			}
			if r := rec(); !near(r, tc.want) || r.Stale {
				t.Errorf("record %+v, want fresh for %v more", r, tc.want)
			}
		})
	}
	if _, rec := commerce.WithReadRecord(ctx); rec().Fresh {
		t.Errorf("nothing read, yet the record says %+v", rec())
	}
}
