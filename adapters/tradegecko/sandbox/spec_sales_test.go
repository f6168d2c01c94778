package sandbox_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"testing"
)

// kind is a JSON value's type.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// sameShape checks that got has exactly the keys of the spec's example and,
// where both are non-null, the same JSON types (but for the keys in loose).
func sameShape(t *testing.T, what string, want, got map[string]any, loose ...string) {
	t.Helper()
	var missing, extra []string
	for k := range want {
		if _, ok := got[k]; !ok {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s: missing %v, extra %v", what, missing, extra)
	}
	for k, w := range want {
		g := got[k]
		if w == nil || g == nil || slices.Contains(loose, k) {
			continue
		}
		if kind(w) != kind(g) {
			t.Errorf("%s: %s is %s (%v), the spec's is %s (%v)", what, k, kind(g), g, kind(w), w)
		}
	}
}

func TestSalesSpecShapes(t *testing.T) {
	_, srv := start(t, small)
	empty := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"tags":["sales"]}}`)
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":1,"discount":"11"},{"variant_id":3,"quantity":2,"line_type":"product"}]}}`)
	id := num(o["id"])
	act(t, srv, id, "pack", "")
	act(t, srv, id, "pay", "")
	o = act(t, srv, id, "fulfil", "")
	lines := numList(o["order_line_item_ids"])
	r := send(t, srv, "POST", "/fulfillment_returns", specRequest(t, "fulfillment_return", map[string]map[int64]int64{
		"order_id": {1: id}, "order_line_item_id": {1: lines[0], 2: lines[1]},
	}))
	mustStatus(t, r, 201, "the spec's fulfillment_return body")
	subscribe(t, srv, "https://mywebsite.com/webhooks", "product.create")

	first := func(file, key string) map[string]any {
		return loadSpec(t, file)[key].([]any)[0].(map[string]any)
	}
	// The spec's zero total is a bare 0: so is ours; a non-zero total is a
	// string (the documented type).
	sameShape(t, "empty order", first("orders.json", "orders"), empty)
	sameShape(t, "order", first("orders.json", "orders"), getOrder(t, srv, id), "total", "cached_total")
	if kind(o["total"]) != "string" || kind(empty["total"]) != "number" {
		t.Errorf("totals: %v (%s), %v (%s)", o["total"], kind(o["total"]), empty["total"], kind(empty["total"]))
	}
	for _, tt := range []struct {
		file, listKey, path, key string
	}{
		{"order_line_items.json", "order_line_items", fmt.Sprintf("/order_line_items/%d", lines[0]), "order_line_item"},
		{"companies.json", "companies", "/companies/1", "company"},
		{"addresses.json", "addresses", "/addresses/1", "address"},
		{"fulfillments.json", "fulfillments", fmt.Sprintf("/fulfillments/%d", numList(o["fulfillment_ids"])[0]), "fulfillment"},
		{"fulfillment_line_items.json", "fulfillment_line_items", "/fulfillment_line_items/1", "fulfillment_line_item"},
		{"fulfillment_returns.json", "fulfillment_returns", "/fulfillment_returns/1", "fulfillment_return"},
		{"fulfillment_return_line_items.json", "fulfillment_return_line_items", "/fulfillment_return_line_items/1", "fulfillment_return_line_item"},
		{"invoices.json", "invoices", fmt.Sprintf("/invoices/%d", numList(o["invoice_ids"])[0]), "invoice"},
		{"webhooks.json", "webhooks", "/webhooks/1", "webhook"},
		{"payment_methods.json", "payment_methods", "/payment_methods/1", "payment_method"},
	} {
		t.Run(tt.key, func(t *testing.T) {
			sameShape(t, tt.path, first(tt.file, tt.listKey), getMember(t, srv, tt.path, tt.key))
		})
	}

	// The seeded payment methods are the spec's, field for field.
	want := loadSpec(t, "payment_methods.json")["payment_methods"].([]any)
	got := list(t, getOK(t, srv, "/payment_methods?order=id+asc").body, "payment_methods")
	for i, w := range want {
		sameFields(t, "payment method", w.(map[string]any), got[i], "created_at", "updated_at")
	}
	// The invoice's line items are objects, as in the spec.
	inv := getMember(t, srv, fmt.Sprintf("/invoices/%d", numList(o["invoice_ids"])[0]), "invoice")
	sameShape(t, "invoice line", loadSpec(t, "invoices.json")["invoices"].([]any)[0].(map[string]any)["invoice_line_item_ids"].([]any)[0].(map[string]any),
		inv["invoice_line_item_ids"].([]any)[0].(map[string]any))
}
