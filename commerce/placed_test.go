package commerce

import (
	"context"
	"testing"
)

// lineOrders answers line items by id and counts the calls.
type lineOrders struct {
	Orders // nil: any other method panics
	calls  int
}

func (o *lineOrders) OrderLineItemsByID(_ context.Context, ids []int64) ([]OrderLineItem, error) {
	o.calls++
	out := make([]OrderLineItem, len(ids))
	for i, id := range ids {
		out[i] = OrderLineItem{ID: id}
	}
	return out, nil
}

// What CreateOrder answered a caller is readable by that caller only: the
// guest that placed it reads its lines, another storefront key (another
// KeyID) does not, and an admin does; an order listing no fulfillments or
// returns answers empty lists without asking the backend.
func TestPlacedOrderReads(t *testing.T) {
	backend := &lineOrders{}
	svc := NewService(ServiceConfig{Orders: backend})
	guest := WithPrincipal(context.Background(), Principal{Role: RoleStorefront, KeyID: "k1"})
	other := WithPrincipal(context.Background(), Principal{Role: RoleStorefront, KeyID: "k2"})
	admin := WithPrincipal(context.Background(), Principal{Role: RoleAdmin, KeyID: "k3"})
	res := OrderResult{Order: &Order{ID: 9, LineItemIDs: []int64{4, 5}}, placedBy: "k1"}

	tests := []struct {
		name     string
		ctx      context.Context
		res      OrderResult
		wantCode Code
	}{
		{"the guest that placed it", guest, res, ""},
		{"another storefront key", other, res, CodeForbidden},
		{"a result not from CreateOrder", guest, OrderResult{Order: res.Order}, CodeForbidden},
		{"an admin", admin, res, ""},
		{"anonymous", context.Background(), res, CodeUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines, err := svc.PlacedOrderLines(tc.ctx, tc.res)
			if CodeOf(err) != tc.wantCode {
				t.Fatalf("PlacedOrderLines = %v, %v; want code %q", lines, err, tc.wantCode)
			}
			if tc.wantCode == "" && len(lines) != 2 {
				t.Errorf("PlacedOrderLines = %v, want lines 4 and 5", lines)
			}
		})
	}
	backend.calls = 0
	fs, ferr := svc.PlacedOrderFulfillments(guest, res)
	rs, rerr := svc.PlacedOrderReturns(guest, res)
	if ferr != nil || rerr != nil || fs == nil || len(fs) != 0 || rs == nil || len(rs) != 0 || backend.calls != 0 {
		t.Errorf("fulfillments %v %v, returns %v %v, %d backend calls; want empty lists and none", fs, ferr, rs, rerr, backend.calls)
	}
}
