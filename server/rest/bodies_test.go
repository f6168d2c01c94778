package rest_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// actionableOrder creates an order an action may act on: a draft for void, an
// active order for the others.
func (e *env) actionableOrder(t *testing.T, action string) string {
	t.Helper()
	body := orderBody("1")
	if action == "void" {
		body["status"] = "DRAFT"
	}
	return e.order(t, e.do(http.MethodPost, "/v1/orders", admin, body), http.StatusCreated).ID
}

// An action's body is optional: none, or an empty object, is fine. One
// that is not JSON, not an object, or has fields the action does not take
// is a 400 that acts on nothing — void included, whose body used to be
// ignored.
func TestActionBodies(t *testing.T) {
	e := newEnv(t, envOptions{})
	actions := []struct {
		name  string
		check func(o map[string]any) bool // the action took effect
	}{
		{"invoice", func(o map[string]any) bool { return o["invoiceStatus"] == "INVOICED" }},
		{"pay", func(o map[string]any) bool { return o["paymentStatus"] == "PAID" }},
		{"pack", func(o map[string]any) bool { return o["packedStatus"] == "PACKED" }},
		{"fulfil", func(o map[string]any) bool { return o["fulfillmentStatus"] == "SHIPPED" }},
		{"void", func(o map[string]any) bool { return o["status"] == "VOID" }},
	}
	accepted := []struct {
		name    string
		body    any
		headers []string
	}{
		{"no body", nil, nil},
		{"an empty body, as JSON", "", nil},
		{"an empty object", "{}", nil},
		{"an empty object with spaces", " { } \n", nil},
	}
	refused := []struct {
		name, body string
		field      string // "" for the body itself
		detail     string
	}{
		{"not JSON", `{"x":`, "", "not valid JSON"},
		{"JSON followed by more", `{} {}`, "", ""},
		{"a list", `[]`, "", "expected object"},
		{"null", `null`, "", "expected object"},
		{"a string", `"now"`, "", "expected object"},
		{"a number", `1`, "", "expected object"},
		{"an unknown field", `{"reason":"changed my mind"}`, "reason", "unknown field"},
	}
	for _, a := range actions {
		t.Run(a.name, func(t *testing.T) {
			for _, b := range accepted {
				id := e.actionableOrder(t, a.name)
				r := e.do(http.MethodPost, "/v1/orders/"+esc(id)+"/actions/"+a.name, admin, b.body, b.headers...)
				var o map[string]any
				r.json(t, &o)
				if r.status != http.StatusOK || !a.check(o) {
					t.Errorf("%s with %s = %d %s", a.name, b.name, r.status, clipBody(r.body))
				}
			}
			id := e.actionableOrder(t, a.name)
			path := "/v1/orders/" + esc(id) + "/actions/" + a.name
			before := e.get("/v1/orders/"+esc(id), admin)
			for _, b := range refused {
				e.sb.ResetRequests()
				r := e.do(http.MethodPost, path, admin, b.body)
				if r.status != http.StatusBadRequest {
					t.Errorf("%s with %s (%s) = %d %s, want 400", a.name, b.name, b.body, r.status, clipBody(r.body))
					continue
				}
				p := r.problem(t)
				if p.Code != "BAD_USER_INPUT" || !strings.Contains(p.Detail, b.detail) ||
					(b.field != "" && !slices.ContainsFunc(p.Errors, func(fe fieldError) bool { return strings.Join(fe.Field, ".") == b.field })) {
					t.Errorf("%s with %s: problem %+v, want BAD_USER_INPUT saying %q at %q", a.name, b.name, p, b.detail, b.field)
				}
				if n := e.sb.RequestCount(); n != 0 {
					t.Errorf("%s with %s reached the backend (%d requests)", a.name, b.name, n)
				}
			}
			if after := e.get("/v1/orders/"+esc(id), admin); string(after.body) != string(before.body) {
				t.Errorf("refused %s requests changed the order:\n%s\n%s", a.name, clipBody(before.body), clipBody(after.body))
			}
		})
	}
}

// Every POST endpoint answers a body that is not JSON, and one with a
// wrongly typed field, with a 400 BAD_USER_INPUT problem (naming the
// field), and writes nothing.
func TestPostBodiesMalformed(t *testing.T) {
	e := newEnv(t, envOptions{})
	o := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("1")), http.StatusCreated)
	id := esc(o.ID)
	pending := esc("gid://simpleconsign/ConsignmentTransaction/SO-1/RETURN/1")
	line := func(kv ...any) map[string]any {
		m := map[string]any{"orderLineItemId": o.LineItems[0].ID, "quantity": "1"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	item := func(kv ...any) map[string]any {
		m := map[string]any{"sku": "CONS-1", "unitPrice": "1", "quantity": 1}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name, path string
		wrong      any    // a body with a wrongly typed field
		field      string // that field, joined with "."; "" for the body itself
	}{
		{"createOrder", "/v1/orders", map[string]any{"companyId": 1, "shippingAddressId": "1", "lineItems": []any{}}, "companyId"},
		{"createOrder: a line", "/v1/orders", map[string]any{"companyId": "1", "lineItems": []any{map[string]any{"variantId": "2", "quantity": []int{1}}}}, "lineItems.0.quantity"},
		{"invoiceOrder", "/v1/orders/" + id + "/actions/invoice", map[string]any{"notes": 5}, "notes"},
		{"invoiceOrder: dueAt", "/v1/orders/" + id + "/actions/invoice", map[string]any{"dueAt": 20261223}, "dueAt"},
		{"payOrder", "/v1/orders/" + id + "/actions/pay", map[string]any{"paymentMethodName": true}, "paymentMethodName"},
		{"payOrder: paidAt", "/v1/orders/" + id + "/actions/pay", map[string]any{"paidAt": 1700000000}, "paidAt"},
		{"packOrder", "/v1/orders/" + id + "/actions/pack", map[string]any{"trackingNumber": 5}, "trackingNumber"},
		{"fulfilOrder", "/v1/orders/" + id + "/actions/fulfil", map[string]any{"trackingUrl": false}, "trackingUrl"},
		{"voidOrder", "/v1/orders/" + id + "/actions/void", []any{"now"}, ""},
		{"confirmOrder", "/v1/orders/" + id + "/actions/confirm", []any{"now"}, ""},
		{"createReturn", "/v1/returns", map[string]any{"orderId": 1, "lineItems": []any{line()}}, "orderId"},
		{"createReturn: a line", "/v1/returns", map[string]any{"orderId": o.ID, "lineItems": []any{line("quantity", true)}}, "lineItems.0.quantity"},
		{"createReturn: lineItems", "/v1/returns", map[string]any{"orderId": o.ID, "lineItems": map[string]any{}}, "lineItems"},
		{"placeInternationalOrder", "/v1/international-orders", map[string]any{"merchantOrderId": 1001}, "merchantOrderId"},
		{"placeInternationalOrder: shipTo", "/v1/international-orders", map[string]any{"merchantOrderId": "W-1", "shipTo": "Toronto"}, "shipTo"},
		{"recordConsignmentSale", "/v1/consignment/sales", map[string]any{"orderNumber": "SO-1", "items": []any{item("quantity", "2")}}, "items.0.quantity"},
		{"recordConsignmentSale: taxable", "/v1/consignment/sales", map[string]any{"orderNumber": "SO-1", "items": []any{item("taxable", "yes")}}, "items.0.taxable"},
		{"recordConsignmentReturn", "/v1/consignment/returns", map[string]any{"orderNumber": 5, "items": []any{item()}}, "orderNumber"},
		{"recordConsignmentReturn: tax", "/v1/consignment/returns", map[string]any{"orderNumber": "SO-1", "items": []any{item()}, "tax": true}, "tax"},
		{"resolvePendingWrite", "/v1/pending-writes/" + pending + "/resolve", map[string]any{"recorded": "yes"}, "recorded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, body := range []any{`{"lineItems": [`, `{"a":1,}`, tc.wrong} {
				e.sb.ResetRequests()
				sent, recorded := e.intl.sent("W-1")+e.intl.sent("1001"), e.consign.count()
				r := e.do(http.MethodPost, tc.path, admin, body, "Idempotency-Key", "malformed-"+tc.name)
				if r.status != http.StatusBadRequest {
					t.Fatalf("POST %s with %v = %d %s, want 400", tc.path, body, r.status, clipBody(r.body))
				}
				p := r.problem(t)
				if p.Code != "BAD_USER_INPUT" || len(p.Errors) == 0 {
					t.Errorf("POST %s with %v: problem %+v, want BAD_USER_INPUT with errors", tc.path, body, p)
				}
				if s, ok := body.(string); ok {
					if !strings.Contains(p.Detail, "not valid JSON") {
						t.Errorf("POST %s with %s: detail %q does not say the body is not JSON", tc.path, s, p.Detail)
					}
				} else if !slices.ContainsFunc(p.Errors, func(fe fieldError) bool {
					return strings.Join(fe.Field, ".") == tc.field && fe.In == "" && fe.Code == "INVALID"
				}) {
					t.Errorf("POST %s: errors %+v, want one at %q", tc.path, p.Errors, tc.field)
				}
				if n := e.sb.RequestCount(); n != 0 {
					t.Errorf("POST %s with a malformed body cost %d upstream requests", tc.path, n)
				}
				if e.intl.sent("W-1")+e.intl.sent("1001") != sent || e.consign.count() != recorded {
					t.Errorf("POST %s with a malformed body wrote to a backend", tc.path)
				}
			}
		})
	}
}
