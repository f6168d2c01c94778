package commerce

import (
	"context"
	"slices"
	"testing"
)

// refCatalog is a catalog with reference data only.
type refCatalog struct {
	Catalog
	locations []Location
}

func (c *refCatalog) Locations(context.Context) ([]Location, error) { return c.locations, nil }

// Service.Locations is the merchant's active locations, whatever the
// backend lists; LocationsByID finds any of them by id (a stock level may
// name an archived one).
func TestLocationsActive(t *testing.T) {
	cat := &refCatalog{locations: []Location{
		{ID: 1, Label: "Primary Location", Active: true},
		{ID: 2, Label: "Old Warehouse", Active: false}, // status "archived"
		{ID: 3, Label: "Secondary Location", Active: true},
	}}
	svc := NewService(ServiceConfig{Catalog: cat})
	storefront := WithPrincipal(context.Background(), Principal{Role: RoleStorefront})
	ids := func(ls []Location) []int64 {
		var out []int64
		for _, l := range ls {
			out = append(out, l.ID)
		}
		return out
	}
	got, err := svc.Locations(storefront)
	if err != nil || !slices.Equal(ids(got), []int64{1, 3}) {
		t.Errorf("Locations = %v, %v; want the active ones, 1 and 3", ids(got), err)
	}
	byID, err := svc.LocationsByID(storefront, []int64{2, 3, 99})
	if err != nil || !slices.Equal(ids(byID), []int64{2, 3}) {
		t.Errorf("LocationsByID(2, 3, 99) = %v, %v; want 2 and 3", ids(byID), err)
	}
	if cat.locations[1].Active || len(cat.locations) != 3 {
		t.Errorf("Locations changed the backend's records: %+v", cat.locations)
	}
	for _, call := range []func(context.Context) error{
		func(ctx context.Context) error { _, err := svc.Locations(ctx); return err },
		func(ctx context.Context) error { _, err := svc.LocationsByID(ctx, []int64{1}); return err },
	} {
		if got := CodeOf(call(context.Background())); got != CodeUnauthenticated {
			t.Errorf("anonymous: %q, want UNAUTHENTICATED", got)
		}
	}
}
