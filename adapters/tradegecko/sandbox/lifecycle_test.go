package sandbox_test

import (
	"fmt"
	"slices"
	"testing"
)

// stock reads a variant's totals and its figures at location 1.
type stock struct{ onHand, committed, available, locCommitted string }

func variantStock(t *testing.T, v map[string]any) stock {
	t.Helper()
	st := stock{onHand: v["stock_on_hand"].(string), committed: v["committed_stock"].(string), available: v["available_stock"].(string)}
	for _, l := range v["locations"].([]any) {
		if l := l.(map[string]any); num(l["location_id"]) == 1 {
			st.locCommitted = fmt.Sprint(l["committed"])
		}
	}
	return st
}

func TestOrderLifecycle(t *testing.T) {
	_, srv := start(t, small)
	// Snozzberry: 10 on hand at location 1, nothing committed. Golden Egg
	// Large: 12 at location 1, 8 at location 2.
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[`+
		`{"variant_id":2,"quantity":3},{"variant_id":4,"quantity":"1.5"},{"line_type":"shipping","label":"Courier","quantity":1,"price":"5"}]}}`)
	id := num(o["id"])
	statuses := func(o map[string]any) string {
		return fmt.Sprintf("%v %v %v %v %v %v %v", o["status"], o["invoice_status"], o["payment_status"], o["packed_status"], o["fulfillment_status"], o["return_status"], o["returning_status"])
	}
	if got := statuses(o); got != "active uninvoiced unpaid unpacked unshipped unreturned unreturning" {
		t.Errorf("new order: %s", got)
	}
	if got := variantStock(t, getVariant(t, srv, 2)); got != (stock{"10", "3", "7", "3"}) {
		t.Errorf("variant 2 after create = %+v, want 3 committed", got)
	}
	if got := variantStock(t, getVariant(t, srv, 4)); got != (stock{"20", "1.5", "18.5", "1.5"}) {
		t.Errorf("variant 4 after create = %+v", got)
	}
	if p := getMember(t, srv, "/products/1", "product"); p["quantity"] != "14" { // 7 + Peach's 7
		t.Errorf("product 1 quantity = %v, want 14", p["quantity"])
	}

	refused := func(t *testing.T, action, want string) {
		t.Helper()
		r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/%s", id, action), "")
		mustStatus(t, r, 422, action)
		if e := errorsBody(t, r); !slices.Equal(e["base"], []string{want}) {
			t.Errorf("%s errors = %v, want base %q", action, e, want)
		}
	}
	counts := func(t *testing.T, invoices, payments, fulfillments int) {
		t.Helper()
		for path, want := range map[string]int{
			fmt.Sprintf("/invoices?order_id=%d", id):     invoices,
			fmt.Sprintf("/payments?order_id=%d", id):     payments,
			fmt.Sprintf("/fulfillments?order_id=%d", id): fulfillments,
		} {
			if got := pagination(t, getOK(t, srv, path+"&limit=0")).TotalRecords; got != want {
				t.Errorf("GET %s = %d records, want %d", path, got, want)
			}
		}
	}

	// invoice: one invoice for every line, the order finalized.
	o = act(t, srv, id, "invoice", `{"invoice":{"due_at":"2024-06-30","invoiced_at":"2024-06-01","notes":"Net 30"}}`)
	if got := statuses(o); got != "finalized invoiced unpaid unpacked unshipped unreturned unreturning" {
		t.Errorf("after invoice: %s", got)
	}
	inv := getMember(t, srv, fmt.Sprintf("/invoices/%d", numList(o["invoice_ids"])[0]), "invoice")
	checkFields(t, inv, map[string]any{"cached_total": "86.0", "payment_status": "unpaid", "invoice_number": "INV0001",
		"due_at": "2024-06-30", "invoiced_at": "2024-06-01", "notes": "Net 30", "order_id": id, "order_number": o["order_number"]}) // 36 + 45 + 5
	if n := len(inv["invoice_line_item_ids"].([]any)); n != 3 {
		t.Errorf("invoice lines = %d, want 3", n)
	}
	if o["total"] != "86.0" || fmt.Sprint(o["invoice_numbers"]) != fmt.Sprintf("map[%v:INV0001]", inv["id"]) {
		t.Errorf("order total %v invoice_numbers %v", o["total"], o["invoice_numbers"])
	}
	refused(t, "invoice", "Order has already been invoiced")
	counts(t, 1, 0, 0)

	// pay: pays the existing invoice, no second invoice.
	o = act(t, srv, id, "pay", specRequest(t, "pay_action", nil))
	if got := statuses(o); got != "finalized invoiced paid unpacked unshipped unreturned unreturning" {
		t.Errorf("after pay: %s", got)
	}
	pay := getMember(t, srv, fmt.Sprintf("/payments/%d", numList(o["payment_ids"])[0]), "payment")
	checkFields(t, pay, map[string]any{"amount": "86.0", "payment_method_name": "Credit Card", "payment_method_id": 2, "paid_at": "2015-11-12T08:06:01.561Z", "invoice_id": inv["id"]})
	if inv := getMember(t, srv, fmt.Sprintf("/invoices/%v", inv["id"]), "invoice"); inv["payment_status"] != "paid" {
		t.Errorf("invoice payment_status = %v", inv["payment_status"])
	}
	refused(t, "pay", "Order has already been paid")
	counts(t, 1, 1, 0)

	// pack: one packed fulfillment of the product lines; stock unmoved.
	o = act(t, srv, id, "pack", `{"fulfillment":{"tracking_number":"PK-1","notes":"fragile"}}`)
	if got := statuses(o); got != "finalized invoiced paid packed unshipped unreturned unreturning" {
		t.Errorf("after pack: %s", got)
	}
	fid := numList(o["fulfillment_ids"])[0]
	f := getMember(t, srv, fmt.Sprintf("/fulfillments/%d", fid), "fulfillment")
	checkFields(t, f, map[string]any{"status": "packed", "tracking_number": "PK-1", "notes": "fragile", "shipped_at": nil, "stock_location_id": 1, "order_number": o["order_number"]})
	fls := list(t, getOK(t, srv, fmt.Sprintf("/fulfillment_line_items?fulfillment_id=%d", fid)).body, "fulfillment_line_items")
	if len(fls) != 2 || fls[0]["quantity"] != "3.0" || fls[0]["variant_sku"] != "DEMO-GOBS-SNO" || fls[1]["quantity"] != "1.5" {
		t.Errorf("fulfillment lines = %v", fls)
	}
	if got := variantStock(t, getVariant(t, srv, 2)); got != (stock{"10", "3", "7", "3"}) {
		t.Errorf("variant 2 after pack = %+v", got)
	}
	refused(t, "pack", "Order has already been packed")
	counts(t, 1, 1, 1)

	// fulfil: the packed fulfillment ships; stock withdrawn.
	o = act(t, srv, id, "fulfil", specRequest(t, "fulfil_action", nil))
	if got := statuses(o); got != "fulfilled invoiced paid packed shipped unreturned unreturning" {
		t.Errorf("after fulfil: %s", got)
	}
	f = getMember(t, srv, fmt.Sprintf("/fulfillments/%d", fid), "fulfillment")
	checkFields(t, f, map[string]any{"status": "fulfilled", "tracking_number": "00J6E0001234", "tracking_company": "Track Package", "service": "TPackage"})
	if f["shipped_at"] == nil || o["tracking_number"] != "00J6E0001234" {
		t.Errorf("shipped_at %v, order tracking_number %v", f["shipped_at"], o["tracking_number"])
	}
	if got := variantStock(t, getVariant(t, srv, 2)); got != (stock{"7", "0", "7", "0"}) {
		t.Errorf("variant 2 after fulfil = %+v, want 7 on hand, nothing committed", got)
	}
	if got := variantStock(t, getVariant(t, srv, 4)); got != (stock{"18.5", "0", "18.5", "0"}) {
		t.Errorf("variant 4 after fulfil = %+v", got)
	}
	if p := getMember(t, srv, "/products/1", "product"); p["quantity"] != "14" {
		t.Errorf("product 1 quantity = %v, want 14", p["quantity"])
	}
	refused(t, "fulfil", "Order has already been fulfilled")
	refused(t, "void", "Cannot void a fulfilled order")
	refused(t, "pay", "Order has already been paid")
	counts(t, 1, 1, 1)
	if got := getOrder(t, srv, id); !sameJSON(got, o) {
		t.Errorf("GET differs from the last action's answer")
	}
	if r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/ship", id), ""); r.status != 404 {
		t.Errorf("unknown action = %d, want the HTML 404", r.status)
	}
}

func TestPayInvoicesAndPaysTheRest(t *testing.T) {
	_, srv := start(t, small)
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":1}]}}`)
	id := num(o["id"])
	o = act(t, srv, id, "pay", "")
	if o["status"] != "finalized" || o["invoice_status"] != "invoiced" || o["payment_status"] != "paid" {
		t.Errorf("after pay: %v %v %v", o["status"], o["invoice_status"], o["payment_status"])
	}
	pay := getMember(t, srv, fmt.Sprintf("/payments/%d", numList(o["payment_ids"])[0]), "payment")
	if pay["payment_method_name"] != "Cash" || pay["amount"] != "12.0" {
		t.Errorf("payment = %v, want the default method (Cash), 12.0", pay)
	}

	// An appended line is invoiced and paid by the next pay: a second
	// invoice, a second payment.
	mustStatus(t, send(t, srv, "PUT", fmt.Sprintf("/orders/%d", id), `{"order":{"order_line_items":[{"variant_id":3,"quantity":2}]}}`), 204, "PUT")
	o = getOrder(t, srv, id)
	if o["invoice_status"] != "partial" || o["payment_status"] != "partial" {
		t.Errorf("after appending: invoice %v payment %v", o["invoice_status"], o["payment_status"])
	}
	o = act(t, srv, id, "pay", `{"payment":{"payment_method_name":"Stripe"}}`)
	if len(numList(o["invoice_ids"])) != 2 || len(numList(o["payment_ids"])) != 2 || o["payment_status"] != "paid" {
		t.Errorf("after second pay: invoices %v payments %v %v", o["invoice_ids"], o["payment_ids"], o["payment_status"])
	}
	methods := list(t, getOK(t, srv, "/payment_methods?name=Stripe").body, "payment_methods")
	if len(methods) != 1 || methods[0]["is_default"] != false {
		t.Errorf("payment method Stripe = %v", methods)
	}
	r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/pay", id), `{"payment":{"paid_at":"yesterday"}}`)
	mustStatus(t, r, 422, "pay with a bad paid_at")
	if e := errorsBody(t, r); !slices.Equal(e["payment.paid_at"], []string{"is invalid"}) {
		t.Errorf("errors = %v", e)
	}
}

func TestFulfilWithoutPacking(t *testing.T) {
	_, srv := start(t, small)
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"finalized","order_line_items":[{"variant_id":7,"quantity":"2.5"},{"variant_id":6,"quantity":1}]}}`)
	id := num(o["id"])
	// Small (7): 2.5 on hand; Medium (6) has manage_stock false: never
	// committed nor withdrawn.
	if got := variantStock(t, getVariant(t, srv, 7)); got != (stock{"2.5", "2.5", "0", "2.5"}) {
		t.Errorf("variant 7 = %+v", got)
	}
	o = act(t, srv, id, "fulfil", "")
	fs := numList(o["fulfillment_ids"])
	if o["status"] != "fulfilled" || len(fs) != 1 {
		t.Fatalf("after fulfil: %v, fulfillments %v", o["status"], fs)
	}
	if f := getMember(t, srv, fmt.Sprintf("/fulfillments/%d", fs[0]), "fulfillment"); f["status"] != "fulfilled" {
		t.Errorf("fulfillment = %v", f["status"])
	}
	if got := variantStock(t, getVariant(t, srv, 7)); got != (stock{"0", "0", "0", "0"}) {
		t.Errorf("variant 7 after fulfil = %+v", got)
	}
	if got := variantStock(t, getVariant(t, srv, 6)); got.onHand != "12" || got.committed != "0" {
		t.Errorf("untracked variant 6 = %+v", got)
	}
	if p := getMember(t, srv, "/products/2", "product"); p["quantity"] != "30" { // 32.5 − 2.5
		t.Errorf("product 2 quantity = %v, want 30", p["quantity"])
	}
}

func TestVoid(t *testing.T) {
	_, srv := start(t, small)
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":3,"quantity":4}]}}`)
	id := num(o["id"])
	if got := variantStock(t, getVariant(t, srv, 3)); got != (stock{"10", "7", "3", "7"}) {
		t.Fatalf("variant 3 = %+v", got)
	}
	act(t, srv, id, "pack", "")
	o = act(t, srv, id, "void", "")
	if o["status"] != "void" {
		t.Errorf("status = %v", o["status"])
	}
	if got := variantStock(t, getVariant(t, srv, 3)); got != (stock{"10", "3", "7", "3"}) {
		t.Errorf("variant 3 after void = %+v, want the seeded 3 committed", got)
	}
	f := getMember(t, srv, fmt.Sprintf("/fulfillments/%d", numList(o["fulfillment_ids"])[0]), "fulfillment")
	if f["status"] != "void" {
		t.Errorf("packed fulfillment = %v, want void", f["status"])
	}
	for action, want := range map[string]string{
		"void": "Order has already been voided", "invoice": "Cannot invoice a void order", "pay": "Cannot pay a void order",
		"pack": "Cannot pack a void order", "fulfil": "Cannot fulfil a void order",
	} {
		r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/%s", id, action), "")
		mustStatus(t, r, 422, action+" on a void order")
		if e := errorsBody(t, r); !slices.Equal(e["base"], []string{want}) {
			t.Errorf("%s: %v, want %q", action, e, want)
		}
	}
	if r := send(t, srv, "PUT", fmt.Sprintf("/orders/%d", id), `{"order":{"notes":"x"}}`); r.status != 422 {
		t.Errorf("PUT a void order = %d, want 422", r.status)
	}
}

func TestDraftOrdersAndEmptyOrders(t *testing.T) {
	_, srv := start(t, small)
	d := num(createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":2,"quantity":1}]}}`)["id"])
	for _, action := range []string{"invoice", "pay", "pack", "fulfil"} {
		r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/%s", d, action), "")
		mustStatus(t, r, 422, action+" on a draft")
		if e := errorsBody(t, r); !slices.Equal(e["base"], []string{"Cannot " + action + " a draft order"}) {
			t.Errorf("%s: %v", action, e)
		}
	}
	if o := act(t, srv, d, "void", ""); o["status"] != "void" {
		t.Errorf("voiding a draft: %v", o["status"])
	}

	// An active order of a shipping fee only: invoiced and paid, never packed.
	fee := num(createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"line_type":"fee","quantity":1,"price":"3"}]}}`)["id"])
	for action, want := range map[string]string{"pack": "Order has no items to pack", "fulfil": "Order has no items to fulfil"} {
		r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/%s", fee, action), "")
		mustStatus(t, r, 422, action)
		if e := errorsBody(t, r); !slices.Equal(e["base"], []string{want}) {
			t.Errorf("%s: %v", action, e)
		}
	}
	if o := act(t, srv, fee, "pay", ""); o["payment_status"] != "paid" || o["packed_status"] != "unpacked" {
		t.Errorf("fee order after pay: %v %v", o["payment_status"], o["packed_status"])
	}
	empty := num(createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active"}}`)["id"])
	r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/invoice", empty), "")
	if e := errorsBody(t, r); r.status != 422 || !slices.Equal(e["base"], []string{"Order has no line items to invoice"}) {
		t.Errorf("invoice an empty order: %d %v", r.status, e)
	}
	for _, body := range []string{`{"invoice":{"due_at":"someday"}}`, `not json`} {
		r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/invoice", d), body)
		if r.status != 422 && r.status != 400 {
			t.Errorf("invoice with %s = %d", body, r.status)
		}
	}
}
