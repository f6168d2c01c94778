package sandbox_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

func TestReturns(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := small
	opts.Now = clock.Now
	opts.ControlRoutes = true
	sb, srv := start(t, opts)

	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":3},{"variant_id":4,"quantity":2},{"line_type":"shipping","quantity":1,"price":"5"}]}}`)
	id := num(o["id"])
	lines := numList(o["order_line_item_ids"])
	ret := func(items string, extra ...string) result {
		body := fmt.Sprintf(`{"fulfillment_return":{"order_id":%d%s,"fulfillment_return_line_items":[%s]}}`, id, join(extra), items)
		return send(t, srv, "POST", "/fulfillment_returns", body)
	}
	// Nothing shipped yet: nothing can be returned.
	r := ret(fmt.Sprintf(`{"order_line_item_id":%d,"quantity":1}`, lines[0]))
	mustStatus(t, r, 422, "return before shipping")
	if e := errorsBody(t, r); !slices.Equal(e["fulfillment_return_line_items.quantity"], []string{"cannot be more than the quantity fulfilled"}) {
		t.Errorf("errors = %v", e)
	}

	act(t, srv, id, "fulfil", "")
	fid := numList(getOrder(t, srv, id)["fulfillment_ids"])[0]
	if got := variantStock(t, getVariant(t, srv, 2)); got.onHand != "7" {
		t.Fatalf("variant 2 after fulfil = %+v", got)
	}

	for _, tt := range []struct {
		name, body string
		want       map[string][]string
	}{
		{"more than shipped", fmt.Sprintf(`{"order_line_item_id":%d,"quantity":4}`, lines[0]),
			map[string][]string{"fulfillment_return_line_items.quantity": {"cannot be more than the quantity fulfilled"}}},
		{"more than shipped over two items", fmt.Sprintf(`{"order_line_item_id":%d,"quantity":2},{"order_line_item_id":%d,"quantity":"1.5"}`, lines[0], lines[0]),
			map[string][]string{"fulfillment_return_line_items.quantity": {"cannot be more than the quantity fulfilled"}}},
		{"zero", fmt.Sprintf(`{"order_line_item_id":%d,"quantity":0}`, lines[0]),
			map[string][]string{"fulfillment_return_line_items.quantity": {"must be greater than 0"}}},
		{"another order's line", `{"order_line_item_id":9999,"quantity":1}`,
			map[string][]string{"fulfillment_return_line_items.order_line_item": {"must exist"}}},
		{"the shipping line", fmt.Sprintf(`{"order_line_item_id":%d,"quantity":1}`, lines[2]),
			map[string][]string{"fulfillment_return_line_items.order_line_item": {"cannot be returned"}}},
		{"no lines", ``, map[string][]string{"fulfillment_return_line_items": {"can't be blank"}}},
	} {
		r := ret(tt.body)
		mustStatus(t, r, 422, tt.name)
		if e := errorsBody(t, r); !sameJSON(e, tt.want) {
			t.Errorf("%s: errors = %v, want %v", tt.name, e, tt.want)
		}
	}
	for _, tt := range []struct {
		body string
		want map[string][]string
	}{
		{`{"fulfillment_return":{"fulfillment_return_line_items":[]}}`, map[string][]string{"order_id": {"can't be blank"}, "fulfillment_return_line_items": {"can't be blank"}}},
		{`{"fulfillment_return":{"order_id":999,"location_id":99,"fulfillment_return_line_items":[{"order_line_item_id":1,"quantity":1}]}}`,
			map[string][]string{"order": {"must exist"}, "location": {"must exist"}, "fulfillment_return_line_items.order_line_item": {"must exist"}}},
	} {
		r := send(t, srv, "POST", "/fulfillment_returns", tt.body)
		mustStatus(t, r, 422, tt.body)
		if e := errorsBody(t, r); !sameJSON(e, tt.want) {
			t.Errorf("%s: errors = %v, want %v", tt.body, e, tt.want)
		}
	}

	// A partial return, to location 2: the guide's shape.
	clock.Advance(time.Minute)
	r = ret(fmt.Sprintf(`{"order_line_item_id":%d,"quantity":2}`, lines[0]), `"location_id":2`, `"notes":"wrong flavour"`, `"tracking_number":"RT-1"`)
	mustStatus(t, r, 201, "POST /fulfillment_returns")
	fr := member(t, r.body, "fulfillment_return")
	checkFields(t, fr, map[string]any{"status": "returning", "credit_note_number": "CN0001", "order_id": id, "location_id": 2,
		"order_number": o["order_number"], "company_id": 1, "received_at": nil, "notes": "wrong flavour", "tracking_number": "RT-1", "exchange_rate": "1.0"})
	rid := num(fr["id"])
	o = getOrder(t, srv, id)
	if o["return_status"] != "partial" || o["returning_status"] != "partial" || !slices.Equal(numList(o["fulfillment_return_ids"]), []int64{rid}) {
		t.Errorf("order after return: %v %v %v", o["return_status"], o["returning_status"], o["fulfillment_return_ids"])
	}
	rls := list(t, getOK(t, srv, fmt.Sprintf("/fulfillment_return_line_items?fulfillment_return_id=%d", rid)).body, "fulfillment_return_line_items")
	if len(rls) != 1 || rls[0]["quantity"] != "2.0" || num(rls[0]["order_line_item_id"]) != lines[0] {
		t.Errorf("return lines = %v", rls)
	}
	if l := getMember(t, srv, fmt.Sprintf("/order_line_items/%d", lines[0]), "order_line_item"); !slices.Equal(numList(l["fulfillment_return_line_item_ids"]), []int64{num(rls[0]["id"])}) {
		t.Errorf("order line fulfillment_return_line_item_ids = %v", l["fulfillment_return_line_item_ids"])
	}
	// Earlier returns count: 1 more of 3 is fine, 2 more is not.
	r = ret(fmt.Sprintf(`{"order_line_item_id":%d,"quantity":2}`, lines[0]))
	mustStatus(t, r, 422, "return over an earlier return")

	// The fulfillment can no longer be deleted.
	r = send(t, srv, "DELETE", fmt.Sprintf("/fulfillments/%d", fid), "")
	mustStatus(t, r, 422, "DELETE a fulfillment with returns")
	if e := errorsBody(t, r); !slices.Equal(e["base"], []string{"You cannot delete a fulfillment if there are any associated fulfillment returns"}) {
		t.Errorf("errors = %v", e)
	}

	// Receiving restocks at the return's location.
	if got, _ := sb.StockOnHand(2, 2); got != "0" {
		t.Fatalf("variant 2 at location 2 = %s", got)
	}
	clock.Advance(time.Minute)
	if err := sb.ReceiveReturn(rid); err != nil {
		t.Fatal(err)
	}
	fr = getMember(t, srv, fmt.Sprintf("/fulfillment_returns/%d", rid), "fulfillment_return")
	if fr["status"] != "received" || fr["received_at"] != "2024-05-01T12:02:00.000Z" {
		t.Errorf("received return = %v %v", fr["status"], fr["received_at"])
	}
	if got := variantStock(t, getVariant(t, srv, 2)); got.onHand != "9" || got.available != "9" {
		t.Errorf("variant 2 after receiving = %+v, want 7 + 2", got)
	}
	if got, _ := sb.StockOnHand(2, 2); got != "2" {
		t.Errorf("variant 2 at location 2 = %s, want 2", got)
	}
	if o := getOrder(t, srv, id); o["return_status"] != "partial" || o["returning_status"] != "unreturning" {
		t.Errorf("order after receiving: %v %v", o["return_status"], o["returning_status"])
	}
	if err := sb.ReceiveReturn(rid); !errors.Is(err, sandbox.ErrConflict) {
		t.Errorf("receiving twice = %v, want ErrConflict", err)
	}
	if err := sb.ReceiveReturn(999); !errors.Is(err, sandbox.ErrUnknown) {
		t.Errorf("receiving an unknown return = %v, want ErrUnknown", err)
	}

	// Return the rest (over HTTP: the spec's body shape), receive it through
	// the control route.
	r = ret(fmt.Sprintf(`{"order_line_item_id":%d,"quantity":1},{"order_line_item_id":%d,"quantity":2}`, lines[0], lines[1]))
	mustStatus(t, r, 201, "second return")
	second := member(t, r.body, "fulfillment_return")
	if second["credit_note_number"] != "CN0002" || num(second["location_id"]) != 1 {
		t.Errorf("second return = %v", second)
	}
	if o := getOrder(t, srv, id); o["return_status"] != "returned" || o["returning_status"] != "partial" { // 3 of 5 still on their way
		t.Errorf("order after returning everything: %v %v", o["return_status"], o["returning_status"])
	}
	cr := call(t, srv, "POST", fmt.Sprintf("/_sandbox/returns/%d/receive", num(second["id"])), "", nil)
	if cr.status != 200 || member(t, cr.body, "fulfillment_return")["status"] != "received" {
		t.Errorf("control receive = %d %s", cr.status, cr.body)
	}
	if cr := call(t, srv, "POST", fmt.Sprintf("/_sandbox/returns/%d/receive", num(second["id"])), "", nil); cr.status != 409 {
		t.Errorf("control receive twice = %d, want 409", cr.status)
	}
	if cr := call(t, srv, "POST", "/_sandbox/returns/999/receive", "", nil); cr.status != 404 {
		t.Errorf("control receive unknown = %d, want 404", cr.status)
	}
	if got := variantStock(t, getVariant(t, srv, 4)); got.onHand != "20" {
		t.Errorf("variant 4 after both returns = %+v, want back to 20", got)
	}
	items := list(t, getOK(t, srv, fmt.Sprintf("/fulfillment_returns?order_id=%d", id)).body, "fulfillment_returns")
	if got := ids(items); !slices.Equal(got, []int64{num(second["id"]), rid}) {
		t.Errorf("GET /fulfillment_returns?order_id = %v", got)
	}
}

func join(parts []string) string {
	s := ""
	for _, p := range parts {
		s += "," + p
	}
	return s
}

func TestDeleteFulfillment(t *testing.T) {
	_, srv := start(t, small)
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":3}]}}`)
	id := num(o["id"])
	o = act(t, srv, id, "fulfil", "")
	fid := numList(o["fulfillment_ids"])[0]
	if got := variantStock(t, getVariant(t, srv, 2)); got != (stock{"7", "0", "7", "0"}) {
		t.Fatalf("after fulfil: %+v", got)
	}
	for range 2 {
		mustStatus(t, send(t, srv, "DELETE", fmt.Sprintf("/fulfillments/%d", fid), ""), 204, "DELETE /fulfillments/{id}")
	}
	// The stock is back on hand and committed again; the order is
	// finalized, unshipped.
	if got := variantStock(t, getVariant(t, srv, 2)); got != (stock{"10", "3", "7", "3"}) {
		t.Errorf("after deleting the fulfillment: %+v", got)
	}
	o = getOrder(t, srv, id)
	if o["status"] != "finalized" || o["fulfillment_status"] != "unshipped" || len(numList(o["fulfillment_ids"])) != 0 {
		t.Errorf("order = %v %v %v", o["status"], o["fulfillment_status"], o["fulfillment_ids"])
	}
	if f := getMember(t, srv, fmt.Sprintf("/fulfillments/%d", fid), "fulfillment"); f["status"] != "deleted" {
		t.Errorf("fulfillment = %v", f["status"])
	}
	if got := pagination(t, getOK(t, srv, "/fulfillments?limit=0")).TotalRecords; got != 0 {
		t.Errorf("deleted fulfillments listed by default: %d", got)
	}
	if got := pagination(t, getOK(t, srv, "/fulfillments?status=deleted&limit=0")).TotalRecords; got != 1 {
		t.Errorf("status=deleted: %d", got)
	}
	if o := act(t, srv, id, "fulfil", ""); o["status"] != "fulfilled" {
		t.Errorf("fulfil again: %v", o["status"])
	}
	if r := send(t, srv, "DELETE", "/fulfillments/999", ""); r.status != 404 {
		t.Errorf("DELETE unknown = %d", r.status)
	}
}
