package rest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/server/rest"
)

// orderBody is a CreateOrderInput by an admin: an existing company with
// its addresses by id (global and bare), two lines.
func orderBody(qty string) map[string]any {
	return map[string]any{
		"companyId":         "gid://tradegecko/Company/1",
		"shippingAddressId": "1",
		"billingAddressId":  "gid://tradegecko/Address/2",
		"status":            "ACTIVE",
		"issuedAt":          "2026-11-23",
		"lineItems": []map[string]any{
			{"variantId": "gid://tradegecko/Variant/3", "quantity": qty, "price": "22.5", "discount": 10}, // 2 × 22.5 × 0.9 = 40.50
			{"variantId": "2", "quantity": 1}, // Bill's Boots buys wholesale: 12.00
		},
	}
}

func guestBody() map[string]any {
	return map[string]any{
		"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
		"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}},
	}
}

func countRequests(sb *sandbox.Sandbox, method, pathSuffix string) int {
	n := 0
	for _, r := range sb.Requests() {
		if r.Method == method && strings.HasSuffix(strings.TrimSuffix(r.Path, ".json"), pathSuffix) {
			n++
		}
	}
	return n
}

func (e *env) order(t *testing.T, r response, want int) rest.Order {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d: %s", r.status, want, clipBody(r.body))
	}
	var o rest.Order
	r.json(t, &o)
	return o
}

func TestOrderLifecycle(t *testing.T) {
	e := newEnv(t, envOptions{})

	// Create, with an idempotency key.
	r := e.do(http.MethodPost, "/v1/orders", admin, orderBody("2"), "Idempotency-Key", "rest-life-1")
	o := e.order(t, r, http.StatusCreated)
	if loc := r.header.Get("Location"); loc != "/v1/orders/"+url.PathEscape(o.ID) {
		t.Errorf("Location = %q", loc)
	}
	total := o.Total.Value()
	if o.Status != "ACTIVE" || total == nil || *total != (rest.Money{Amount: "52.50", CurrencyCode: "SGD"}) ||
		o.IssuedAt.Time().Format(time.DateOnly) != "2026-11-23" || o.CurrencyCode != "SGD" {
		t.Fatalf("order = %+v (total %+v)", o, total)
	}
	c, ship, bill := o.Company.Value(), o.ShippingAddress.Value(), o.BillingAddress.Value()
	if c == nil || c.Name != "Bill's Boots" || ship == nil || ship.ID != "gid://tradegecko/Address/1" || bill == nil ||
		bill.ID != "gid://tradegecko/Address/2" || *o.CompanyID != "gid://tradegecko/Company/1" {
		t.Errorf("company %+v, shipping %+v, billing %+v", c, ship, bill)
	}
	if l := o.LineItems; len(l) != 2 || l[0].Price != (rest.Money{Amount: "22.50", CurrencyCode: "SGD"}) || l[0].Quantity != "2" ||
		l[0].Discount == nil || *l[0].Discount != "10" || *l[0].VariantID != "gid://tradegecko/Variant/3" || l[1].Price.Amount != "12.00" {
		t.Fatalf("lines = %+v", l)
	}

	// Read it back, by its Location.
	got := e.order(t, e.get(r.header.Get("Location"), admin), http.StatusOK)
	if got.ID != o.ID || len(got.LineItems) != 2 {
		t.Errorf("GET %s = %+v", r.header.Get("Location"), got)
	}

	// Replay: the same order, one write upstream.
	again := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("2"), "Idempotency-Key", "rest-life-1"), http.StatusCreated)
	if again.ID != o.ID {
		t.Errorf("replay created order %s, want %s", again.ID, o.ID)
	}
	if n := countRequests(e.sb, "POST", "/orders"); n != 1 {
		t.Errorf("POST /orders reached the sandbox %d times, want 1", n)
	}
	// The same key with another body: 422, at the header.
	reused := e.do(http.MethodPost, "/v1/orders", admin, orderBody("3"), "Idempotency-Key", "rest-life-1")
	if reused.status != http.StatusUnprocessableEntity {
		t.Fatalf("reused key = %d %s", reused.status, reused.body)
	}
	if p := reused.problem(t); p.Code != "USER_ERROR" || len(p.Errors) != 1 || p.Errors[0].Code != "IDEMPOTENCY_KEY_REUSED" ||
		!slices.Equal(p.Errors[0].Field, []string{"Idempotency-Key"}) || p.Errors[0].In != "header" {
		t.Errorf("reused key problem = %+v", p)
	}

	// The actions, each safe to retry.
	steps := []struct {
		action string
		body   any
		check  func(rest.Order) bool
	}{
		{"invoice", map[string]any{"dueAt": "2026-12-23", "notes": "thanks"}, func(o rest.Order) bool { return o.InvoiceStatus == "INVOICED" && o.PaymentStatus == "UNPAID" }},
		{"pay", map[string]any{"paymentMethodName": "Credit Card", "paidAt": "2026-11-24T10:00:00Z"}, func(o rest.Order) bool { return o.PaymentStatus == "PAID" }},
		{"pack", map[string]any{"trackingNumber": "00J6E0001234", "trackingCompany": "Track Package"}, func(o rest.Order) bool {
			return o.PackedStatus == "PACKED" && len(o.FulfillmentIDs) == 1
		}},
		{"fulfil", nil, func(o rest.Order) bool { return o.Status == "FULFILLED" && o.FulfillmentStatus == "SHIPPED" }},
	}
	for _, st := range steps {
		path := "/v1/orders/" + esc(o.ID) + "/actions/" + st.action
		o = e.order(t, e.do(http.MethodPost, path, admin, st.body), http.StatusOK)
		if !st.check(o) || len(o.LineItems) != 2 || o.Company.Value() == nil {
			t.Fatalf("after %s: %+v", st.action, o)
		}
		twice := e.order(t, e.do(http.MethodPost, path, admin, st.body), http.StatusOK)
		if a, b := mustJSON(twice), mustJSON(o); a != b {
			t.Errorf("%s twice changed the order:\n%s\n%s", st.action, b, a)
		}
		if n := countRequests(e.sb, "POST", "/actions/"+st.action); n != 1 {
			t.Errorf("POST …/actions/%s reached the sandbox %d times, want 1", st.action, n)
		}
	}
	// Voiding a fulfilled order: what its state forbids, a user error.
	void := e.do(http.MethodPost, "/v1/orders/"+esc(o.ID)+"/actions/void", admin, nil)
	if p := void.problem(t); void.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Code != "NOT_ALLOWED" {
		t.Errorf("void a fulfilled order = %d %+v", void.status, p)
	}

	// A return of one Peach, once per key.
	retBody := map[string]any{"orderId": o.ID, "notes": "too sweet", "tracking": map[string]any{"trackingNumber": "RET-1"},
		"lineItems": []map[string]any{{"orderLineItemId": o.LineItems[0].ID, "quantity": "1"}}}
	rr := e.do(http.MethodPost, "/v1/returns", admin, retBody, "Idempotency-Key", "rest-ret-1")
	var ret rest.Return
	rr.json(t, &ret)
	if rr.status != http.StatusCreated || ret.Status != "RETURNING" || ret.OrderID != o.ID || len(ret.LineItems) != 1 ||
		ret.LineItems[0].Quantity != "1" || ret.LineItems[0].OrderLineItemID != o.LineItems[0].ID || ret.Notes != "too sweet" {
		t.Fatalf("POST /v1/returns = %d %s", rr.status, rr.body)
	}
	var ret2 rest.Return
	rr2 := e.do(http.MethodPost, "/v1/returns", admin, retBody, "Idempotency-Key", "rest-ret-1")
	rr2.json(t, &ret2)
	if rr2.status != http.StatusCreated || ret2.ID != ret.ID || countRequests(e.sb, "POST", "/fulfillment_returns") != 1 {
		t.Errorf("return replay = %d %s", rr2.status, rr2.body)
	}
	// More than was shipped: the backend refuses.
	over := e.do(http.MethodPost, "/v1/returns", admin, map[string]any{"orderId": o.ID,
		"lineItems": []map[string]any{{"orderLineItemId": o.LineItems[1].ID, "quantity": "5"}}})
	if p := over.problem(t); over.status != http.StatusUnprocessableEntity || p.Errors[0].Code != "REJECTED" {
		t.Errorf("returning more than shipped = %d %+v", over.status, p)
	}
	after := e.order(t, e.get("/v1/orders/"+esc(o.ID), admin), http.StatusOK)
	if after.ReturnStatus != "PARTIAL" || len(after.ReturnIDs) != 1 || after.ReturnIDs[0] != ret.ID {
		t.Errorf("order after the return: %s %v", after.ReturnStatus, after.ReturnIDs)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestListOrders(t *testing.T) {
	e := newEnv(t, envOptions{})
	var ids []string
	for i := range 3 {
		body := orderBody("1")
		if i == 2 {
			body["status"] = "DRAFT"
		}
		ids = append(ids, e.order(t, e.do(http.MethodPost, "/v1/orders", admin, body), http.StatusCreated).ID)
	}
	type page struct {
		Data     []rest.Order  `json:"data"`
		PageInfo rest.PageInfo `json:"pageInfo"`
		Total    int           `json:"totalCount"`
	}
	// Newest first, in pages of 2, following Link.
	e.sb.ResetRequests()
	r := e.get("/v1/orders?first=2", admin)
	var p page
	r.json(t, &p)
	if r.status != http.StatusOK || p.Total != 3 || len(p.Data) != 2 || p.Data[0].ID != ids[2] || !p.PageInfo.HasNextPage {
		t.Fatalf("GET /v1/orders?first=2 = %d %s", r.status, clipBody(r.body))
	}
	if n := e.sb.RequestCount(); n != 1 {
		t.Errorf("a page of orders with lines, company and addresses cost %d requests, want 1", n)
	}
	for _, o := range p.Data {
		if len(o.LineItems) != 2 || o.Company.Value() == nil || o.ShippingAddress.Value() == nil {
			t.Errorf("listed order %s lacks its children: %+v", o.ID, o)
		}
	}
	m := linkNext.FindStringSubmatch(r.header.Get("Link"))
	if m == nil {
		t.Fatalf("Link = %q", r.header.Get("Link"))
	}
	var p2 page
	e.get(m[1], admin).json(t, &p2)
	if len(p2.Data) != 1 || p2.Data[0].ID != ids[0] || p2.PageInfo.HasNextPage {
		t.Errorf("second page = %+v", p2)
	}

	// A draft can be voided (and voiding again changes nothing).
	for range 2 {
		v := e.order(t, e.do(http.MethodPost, "/v1/orders/"+esc(ids[2])+"/actions/void", admin, nil), http.StatusOK)
		if v.Status != "VOID" || v.ID != ids[2] {
			t.Errorf("void a draft = %+v", v)
		}
	}

	tests := []struct {
		query string
		want  []string
	}{
		{"status=VOID", []string{ids[2]}},
		{"status=ACTIVE&status=VOID", []string{ids[2], ids[1], ids[0]}},
		{"ids=" + url.QueryEscape(ids[0]), []string{ids[0]}},
		{"companyId=1&status=VOID", []string{ids[2]}},
		{"status=DRAFT", nil},
		{"companyId=2", nil},
		{"orderNumber=NOPE", nil},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			var p page
			r := e.get("/v1/orders?"+tc.query, admin)
			r.json(t, &p)
			var got []string
			for _, o := range p.Data {
				got = append(got, o.ID)
			}
			if r.status != http.StatusOK || !slices.Equal(got, tc.want) {
				t.Errorf("GET /v1/orders?%s = %d %v, want %v", tc.query, r.status, got, tc.want)
			}
		})
	}
}

// A storefront key checks out as a guest, and may do nothing else with
// orders; no key may do anything.
func TestOrderAccess(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.do(http.MethodPost, "/v1/orders", storefront, guestBody(), "Idempotency-Key", "guest-1")
	guest := e.order(t, r, http.StatusCreated)
	if guest.Status != "ACTIVE" || guest.CompanyID == nil {
		t.Errorf("guest order = %+v", guest)
	}
	var raw map[string]any
	r.json(t, &raw)
	for _, k := range []string{"lineItems", "company", "shippingAddress", "billingAddress"} {
		if _, ok := raw[k]; ok {
			t.Errorf("a storefront key's checkout answer shows %s, which it may not read", k)
		}
	}
	// Guest checkout cannot use ids, prices, discounts or a status.
	bad := e.do(http.MethodPost, "/v1/orders", storefront, map[string]any{
		"companyId": "1", "shippingAddressId": "1", "status": "DRAFT",
		"lineItems": []map[string]any{{"variantId": "2", "quantity": 1, "price": "0.01", "discount": "100"}}})
	p := bad.problem(t)
	fields := map[string]string{}
	for _, fe := range p.Errors {
		fields[strings.Join(fe.Field, ".")] = fe.Code
	}
	for _, f := range []string{"companyId", "shippingAddressId", "status", "lineItems.0.price", "lineItems.0.discount"} {
		if fields[f] != "NOT_ALLOWED" {
			t.Errorf("guest checkout with %s: %d %v, want NOT_ALLOWED there", f, bad.status, fields)
		}
	}

	id := esc(guest.ID)
	calls := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/v1/orders", nil},
		{http.MethodGet, "/v1/orders/" + id, nil},
		{http.MethodPost, "/v1/orders/" + id + "/actions/invoice", nil},
		{http.MethodPost, "/v1/orders/" + id + "/actions/pay", nil},
		{http.MethodPost, "/v1/orders/" + id + "/actions/pack", nil},
		{http.MethodPost, "/v1/orders/" + id + "/actions/fulfil", nil},
		{http.MethodPost, "/v1/orders/" + id + "/actions/void", nil},
		{http.MethodPost, "/v1/returns", map[string]any{"orderId": guest.ID, "lineItems": []map[string]any{{"orderLineItemId": "1", "quantity": "1"}}}},
	}
	for _, c := range calls {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			if r := e.do(c.method, c.path, storefront, c.body); r.status != http.StatusForbidden || r.problem(t).Code != "FORBIDDEN" {
				t.Errorf("as storefront: %d %s, want 403 FORBIDDEN", r.status, r.body)
			}
			if r := e.do(c.method, c.path, anonymous, c.body); r.status != http.StatusUnauthorized || r.problem(t).Code != "UNAUTHENTICATED" {
				t.Errorf("without a key: %d %s, want 401 UNAUTHENTICATED", r.status, r.body)
			}
		})
	}
	if r := e.do(http.MethodPost, "/v1/orders", anonymous, guestBody()); r.status != http.StatusUnauthorized {
		t.Errorf("checkout without a key = %d, want 401", r.status)
	}
}

// Bodies that cannot be decoded are a 400 naming the field; input the
// Service refuses is a 422 with its user errors. Neither reaches the
// backend, but for the backend's own refusal.
func TestCreateOrderBadInput(t *testing.T) {
	e := newEnv(t, envOptions{})
	line := func(kv ...any) map[string]any {
		l := map[string]any{"variantId": "2", "quantity": 1}
		for i := 0; i+1 < len(kv); i += 2 {
			l[kv[i].(string)] = kv[i+1]
		}
		return l
	}
	body := func(kv ...any) map[string]any {
		b := map[string]any{"companyId": "1", "shippingAddressId": "1", "lineItems": []any{line()}}
		for i := 0; i+1 < len(kv); i += 2 {
			b[kv[i].(string)] = kv[i+1]
		}
		return b
	}
	manyLines := make([]any, 1001)
	for i := range manyLines {
		manyLines[i] = line()
	}
	tests := []struct {
		name     string
		body     any
		status   int
		field    string // joined with "."; "" for none
		code     string // the field error's code
		upstream bool   // the backend is asked
	}{
		{"not JSON", `{"lineItems": [`, 400, "", "INVALID", false},
		{"not an object", `[]`, 400, "", "INVALID", false},
		{"lineItems not a list", body("lineItems", "x"), 400, "lineItems", "INVALID", false},
		{"quantity a boolean", body("lineItems", []any{line("quantity", true)}), 400, "lineItems.0.quantity", "INVALID", false},
		{"quantity not a decimal", body("lineItems", []any{line("quantity", "1,5")}), 400, "lineItems.0.quantity", "INVALID", false},
		{"quantity missing", body("lineItems", []any{map[string]any{"variantId": "2"}}), 400, "lineItems.0.quantity", "REQUIRED", false},
		{"lineItems missing", map[string]any{"companyId": "1", "shippingAddressId": "1"}, 400, "lineItems", "REQUIRED", false},
		{"unknown field", body("idempotencyKey", "k"), 400, "idempotencyKey", "INVALID", false},
		{"malformed variant id", body("lineItems", []any{line("variantId", "gid://tradegecko/Product/2")}), 400, "lineItems.0.variantId", "INVALID", false},
		{"malformed company id", body("companyId", "Bill's Boots"), 400, "companyId", "INVALID", false},
		{"companyId a number", body("companyId", 1), 400, "companyId", "INVALID", false},
		{"not a currency code", body("currencyCode", "dollars"), 400, "currencyCode", "INVALID", false},
		{"not a date", body("issuedAt", "tomorrow"), 400, "issuedAt", "INVALID", false},
		{"not a status", body("status", "VOID"), 400, "status", "INVALID", false},
		{"no lines", body("lineItems", []any{}), 422, "lineItems", "REQUIRED", false},
		{"too many lines", body("lineItems", manyLines), 422, "lineItems", "INVALID", false},
		{"zero quantity", body("lineItems", []any{line("quantity", "0")}), 422, "lineItems.0.quantity", "INVALID", false},
		{"price with five decimals", body("lineItems", []any{line("price", "1.00001")}), 422, "lineItems.0.price", "SUB_UNIT_AMOUNT", false},
		{"no customer", map[string]any{"lineItems": []any{line()}}, 422, "company", "REQUIRED", false},
		{"unknown currency", body("currencyCode", "JPY"), 422, "currencyCode", "INVALID", false},
		{"unknown variant", body("lineItems", []any{line("variantId", "999999")}), 422, "lineItems.0.variantId", "REJECTED", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.sb.ResetRequests()
			r := e.do(http.MethodPost, "/v1/orders", admin, tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, clipBody(r.body))
			}
			p := r.problem(t)
			wantCode := map[int]string{400: "BAD_USER_INPUT", 422: "USER_ERROR"}[tc.status]
			if p.Code != wantCode || len(p.Errors) == 0 {
				t.Fatalf("problem %+v, want %s with errors", p, wantCode)
			}
			found := slices.ContainsFunc(p.Errors, func(fe fieldError) bool {
				return strings.Join(fe.Field, ".") == tc.field && fe.Code == tc.code && fe.In == ""
			})
			if !found {
				t.Errorf("errors %+v, want %s at %q", p.Errors, tc.code, tc.field)
			}
			if n := e.sb.RequestCount(); (n > 0) != tc.upstream {
				t.Errorf("%d upstream requests", n)
			}
		})
	}

	t.Run("not JSON says so", func(t *testing.T) {
		r := e.do(http.MethodPost, "/v1/orders", admin, `{"lineItems": [`)
		if p := r.problem(t); !strings.Contains(p.Detail, "not valid JSON") {
			t.Errorf("detail = %q", p.Detail)
		}
	})
	t.Run("not JSON at all", func(t *testing.T) {
		r := e.do(http.MethodPost, "/v1/orders", admin, "lineItems=1", "Content-Type", "application/x-www-form-urlencoded")
		if r.status != http.StatusUnsupportedMediaType || r.problem(t).Code != "BAD_USER_INPUT" {
			t.Errorf("a form body = %d %s", r.status, r.body)
		}
	})
	t.Run("over 2 MB", func(t *testing.T) {
		big := `{"notes":"` + strings.Repeat("x", 2<<20) + `","lineItems":[]}`
		r := e.do(http.MethodPost, "/v1/orders", admin, big)
		if r.status != http.StatusRequestEntityTooLarge || r.problem(t).Code != "BAD_USER_INPUT" {
			t.Errorf("a body over 2 MB = %d %s", r.status, clipBody(r.body))
		}
		// huma's own limit says what the edge's does (rest.TooLarge).
		if got, want := r.problem(t).Detail, rest.TooLargeMessage(2<<20); got != want {
			t.Errorf("a body over 2 MB: detail %q, want %q", got, want)
		}
	})
	t.Run("idempotency key too long", func(t *testing.T) {
		r := e.do(http.MethodPost, "/v1/orders", admin, body(), "Idempotency-Key", strings.Repeat("k", 256))
		p := r.problem(t)
		if r.status != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Code != "TOO_LONG" || p.Errors[0].In != "header" {
			t.Errorf("a 256-character key = %d %+v", r.status, p)
		}
	})
}

func TestOrderActionsBadInput(t *testing.T) {
	e := newEnv(t, envOptions{})
	o := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("1")), http.StatusCreated)
	id := esc(o.ID)
	tests := []struct {
		name, path string
		body       any
		status     int
		code       string
		field      string
	}{
		{"unknown order", "/v1/orders/999999/actions/pay", nil, 404, "NOT_FOUND", ""},
		{"malformed id", "/v1/orders/SO0001/actions/pay", nil, 400, "BAD_USER_INPUT", "id"},
		{"another type's id", "/v1/orders/" + esc("gid://tradegecko/Product/1") + "/actions/void", nil, 400, "BAD_USER_INPUT", "id"},
		{"bad dueAt", "/v1/orders/" + id + "/actions/invoice", map[string]any{"dueAt": "soon"}, 400, "BAD_USER_INPUT", "dueAt"},
		{"bad paidAt", "/v1/orders/" + id + "/actions/pay", map[string]any{"paidAt": "noon"}, 400, "BAD_USER_INPUT", "paidAt"},
		{"unknown field", "/v1/orders/" + id + "/actions/pack", map[string]any{"tracking": "x"}, 400, "BAD_USER_INPUT", "tracking"},
		{"tracking number too long", "/v1/orders/" + id + "/actions/pack", map[string]any{"trackingNumber": strings.Repeat("9", 300)}, 422, "USER_ERROR", "trackingNumber"},
		{"notes not a string", "/v1/orders/" + id + "/actions/invoice", map[string]any{"notes": 5}, 400, "BAD_USER_INPUT", "notes"},
		{"return: malformed order id", "/v1/returns", map[string]any{"orderId": "x", "lineItems": []any{map[string]any{"orderLineItemId": "1", "quantity": "1"}}}, 400, "BAD_USER_INPUT", "orderId"},
		{"return: malformed line id", "/v1/returns", map[string]any{"orderId": o.ID, "lineItems": []any{map[string]any{"orderLineItemId": o.ID, "quantity": "1"}}}, 400, "BAD_USER_INPUT", "lineItems.0.orderLineItemId"},
		{"return: zero quantity", "/v1/returns", map[string]any{"orderId": o.ID, "lineItems": []any{map[string]any{"orderLineItemId": o.LineItems[0].ID, "quantity": 0}}}, 422, "USER_ERROR", "lineItems.0.quantity"},
		{"return: no lines", "/v1/returns", map[string]any{"orderId": o.ID, "lineItems": []any{}}, 422, "USER_ERROR", "lineItems"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(http.MethodPost, tc.path, admin, tc.body)
			if r.status != tc.status {
				t.Fatalf("POST %s = %d %s, want %d", tc.path, r.status, clipBody(r.body), tc.status)
			}
			p := r.problem(t)
			if p.Code != tc.code {
				t.Errorf("code %s, want %s", p.Code, tc.code)
			}
			if tc.field != "" && !slices.ContainsFunc(p.Errors, func(fe fieldError) bool { return strings.Join(fe.Field, ".") == tc.field }) {
				t.Errorf("errors %+v, want one at %s", p.Errors, tc.field)
			}
		})
	}
	if r := e.get("/v1/orders/999999", admin); r.status != http.StatusNotFound || r.problem(t).Code != "NOT_FOUND" {
		t.Errorf("GET an unknown order = %d", r.status)
	}
}

// While a request with a key is still running, another with the same key
// waits for it up to its deadline, then is 409; afterwards it replays.
func TestCreateOrderConflict(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.sb.SetLatency(500 * time.Millisecond)
	var (
		wg    sync.WaitGroup
		first response
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		first = e.do(http.MethodPost, "/v1/orders", admin, orderBody("1"), "Idempotency-Key", "slow-1")
	}()
	// Once the first reaches the backend, it holds the key.
	for deadline := time.Now().Add(10 * time.Second); countRequests(e.sb, "POST", "/orders") == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first request never reached the sandbox")
		}
	}
	second := e.do(http.MethodPost, "/v1/orders", admin, orderBody("1"), "Idempotency-Key", "slow-1", "X-Test-Deadline-Ms", "200")
	wg.Wait()
	e.sb.SetLatency(0)
	if second.status != http.StatusConflict || second.problem(t).Code != "CONFLICT" {
		t.Errorf("the same key while the first runs = %d %s, want 409 CONFLICT", second.status, second.body)
	}
	o := e.order(t, first, http.StatusCreated)
	replay := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("1"), "Idempotency-Key", "slow-1"), http.StatusCreated)
	if replay.ID != o.ID || countRequests(e.sb, "POST", "/orders") != 1 {
		t.Errorf("after the first finished: replay %s, first %s, %d creates upstream", replay.ID, o.ID, countRequests(e.sb, "POST", "/orders"))
	}
}

// An order that does not exist: GET and every action are 404 naming it, as
// GraphQL's NOT_FOUND; a return for it is what GraphQL answers too, the
// backend's refusal (422 REJECTED).
func TestUnknownOrder(t *testing.T) {
	e := newEnv(t, envOptions{})
	const unknown = "gid://tradegecko/Order/999999"
	paths := []string{"/v1/orders/999999", "/v1/orders/" + esc(unknown)}
	for _, a := range []string{"invoice", "pay", "pack", "fulfil", "void"} {
		paths = append(paths, "/v1/orders/"+esc(unknown)+"/actions/"+a, "/v1/orders/999999/actions/"+a)
	}
	for _, path := range paths {
		method := http.MethodPost
		if !strings.Contains(path, "/actions/") {
			method = http.MethodGet
		}
		t.Run(method+" "+path, func(t *testing.T) {
			r := e.do(method, path, admin, nil)
			if r.status != http.StatusNotFound {
				t.Fatalf("%s %s = %d %s, want 404", method, path, r.status, clipBody(r.body))
			}
			if p := r.problem(t); p.Code != "NOT_FOUND" || !strings.Contains(p.Detail, unknown) {
				t.Errorf("problem %+v, want NOT_FOUND naming %s", p, unknown)
			}
		})
	}
	for _, m := range []string{"invoiceOrder", "payOrder", "packOrder", "fulfilOrder", "voidOrder"} {
		body, _ := json.Marshal(map[string]any{"query": `mutation($id: ID!) { ` + m + `(id: $id) { order { id } } }`, "variables": map[string]any{"id": unknown}})
		if codes := gqlErrorCodes(t, e.do(http.MethodPost, "/graphql", admin, body)); !slices.Equal(codes, []string{"NOT_FOUND"}) {
			t.Errorf("GraphQL %s on an unknown order: codes %v, want NOT_FOUND", m, codes)
		}
	}

	// A return for it.
	ret := map[string]any{"orderId": unknown, "lineItems": []map[string]any{{"orderLineItemId": "gid://tradegecko/OrderLineItem/1", "quantity": "1"}}}
	r := e.do(http.MethodPost, "/v1/returns", admin, ret)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a return for an unknown order = %d %s", r.status, clipBody(r.body))
	}
	p := r.problem(t)
	var gql struct {
		CreateReturn struct {
			Return     *struct{ ID string } `json:"return"`
			UserErrors []fieldError         `json:"userErrors"`
		} `json:"createReturn"`
	}
	e.graphql(admin, `mutation($in: CreateReturnInput!) { createReturn(input: $in) { return { id } userErrors { field message code } } }`,
		map[string]any{"in": ret}, &gql)
	ue := gql.CreateReturn.UserErrors
	if gql.CreateReturn.Return != nil || len(ue) != 1 || len(p.Errors) != 1 || p.Errors[0].Code != ue[0].Code ||
		p.Errors[0].Message != ue[0].Message || !slices.Equal(p.Errors[0].Field, ue[0].Field) || p.Errors[0].Code != "REJECTED" ||
		!strings.Contains(p.Errors[0].Message, "order must exist") {
		t.Errorf("a return for an unknown order: REST %+v, GraphQL %+v; want the same REJECTED user error", p.Errors, ue)
	}
}

// TradeGecko's 422 about a line item's attribute (the sandbox answers
// {"errors":{"order_line_items.variant":["must exist"]}}, naming no line)
// is a REJECTED user error whose field is that input's path at both doors:
// REST errors[].field, and GraphQL userErrors.field under "input".
func TestLineItemRejectionNamesTheInputPath(t *testing.T) {
	e := newEnv(t, envOptions{})
	const unknown = "gid://tradegecko/Variant/999999"
	for _, tc := range []struct {
		name  string
		lines []map[string]any
		want  []string
	}{
		{"the only line", []map[string]any{{"variantId": unknown, "quantity": 1}}, []string{"lineItems", "0", "variantId"}},
		{"the second of two", []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}, {"variantId": unknown, "quantity": 1}}, []string{"lineItems", "1", "variantId"}},
		{"the first of three", []map[string]any{{"variantId": unknown, "quantity": 1}, {"variantId": "gid://tradegecko/Variant/2", "quantity": 1}, {"variantId": "gid://tradegecko/Variant/3", "quantity": 2}}, []string{"lineItems", "0", "variantId"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := orderBody("1")
			in["lineItems"] = tc.lines
			in["shippingAddressId"] = "gid://tradegecko/Address/1" // GraphQL takes global ids only
			r := e.do(http.MethodPost, "/v1/orders", admin, in)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("POST /v1/orders with an unknown variant = %d %s, want 422", r.status, clipBody(r.body))
			}
			p := r.problem(t)
			var gql struct {
				CreateOrder struct {
					Order      *struct{ ID string } `json:"order"`
					UserErrors []fieldError         `json:"userErrors"`
				} `json:"createOrder"`
			}
			e.graphql(admin, `mutation($in: CreateOrderInput!) { createOrder(input: $in) { order { id } userErrors { field message code } } }`,
				map[string]any{"in": in}, &gql)
			ue := gql.CreateOrder.UserErrors
			if len(p.Errors) != 1 || p.Errors[0].Code != "REJECTED" || !slices.Equal(p.Errors[0].Field, tc.want) {
				t.Errorf("REST errors = %+v, want one REJECTED with field %q", p.Errors, tc.want)
			}
			// GraphQL's path starts at the argument (graph/orders.go).
			if want := append([]string{"input"}, tc.want...); gql.CreateOrder.Order != nil || len(ue) != 1 || ue[0].Code != "REJECTED" || !slices.Equal(ue[0].Field, want) {
				t.Errorf("GraphQL userErrors = %+v, want one REJECTED with field %q", ue, want)
			}
		})
	}
}

// Writes with an Idempotency-Key: another body under the same key is 422
// IDEMPOTENCY_KEY_REUSED at the header, and writes nothing.
func TestIdempotencyKeyReused(t *testing.T) {
	e := newEnv(t, envOptions{})
	o := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("2")), http.StatusCreated)
	e.order(t, e.do(http.MethodPost, "/v1/orders/"+esc(o.ID)+"/actions/fulfil", admin, nil), http.StatusOK)
	if r := e.do(http.MethodPost, "/v1/consignment/sales", admin, saleBody("SO-R1", "42.42")); r.status != http.StatusCreated {
		t.Fatalf("sale = %d %s", r.status, clipBody(r.body))
	}
	retLine := func(qty string) map[string]any {
		return map[string]any{"orderId": o.ID, "lineItems": []map[string]any{{"orderLineItemId": o.LineItems[0].ID, "quantity": qty}}}
	}
	consignRet := func(qty int) map[string]any {
		return map[string]any{"orderNumber": "SO-R1", "items": []map[string]any{{"sku": "CONS-1", "unitPrice": "42.42", "quantity": qty, "taxable": true}}}
	}
	tests := []struct {
		name, path    string
		first, second any
		writes        func() int
	}{
		{"return", "/v1/returns", retLine("1"), retLine("2"), func() int { return countRequests(e.sb, "POST", "/fulfillment_returns") }},
		{"consignment return", "/v1/consignment/returns", consignRet(1), consignRet(2), e.consign.count},
		{"order", "/v1/orders", orderBody("1"), orderBody("3"), func() int { return countRequests(e.sb, "POST", "/orders") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := "reuse-" + tc.name
			if r := e.do(http.MethodPost, tc.path, admin, tc.first, "Idempotency-Key", key); r.status != http.StatusCreated {
				t.Fatalf("first = %d %s", r.status, clipBody(r.body))
			}
			writes := tc.writes()
			r := e.do(http.MethodPost, tc.path, admin, tc.second, "Idempotency-Key", key)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("the same key with another body = %d %s, want 422", r.status, clipBody(r.body))
			}
			p := r.problem(t)
			if p.Code != "USER_ERROR" || len(p.Errors) != 1 || p.Errors[0].Code != "IDEMPOTENCY_KEY_REUSED" ||
				!slices.Equal(p.Errors[0].Field, []string{"Idempotency-Key"}) || p.Errors[0].In != "header" {
				t.Errorf("problem %+v, want IDEMPOTENCY_KEY_REUSED at the Idempotency-Key header", p)
			}
			if n := tc.writes(); n != writes {
				t.Errorf("the refused write reached the backend: %d writes, want %d", n, writes)
			}
			// The first body under the key still replays.
			if r := e.do(http.MethodPost, tc.path, admin, tc.first, "Idempotency-Key", key); r.status != http.StatusCreated || tc.writes() != writes {
				t.Errorf("replay = %d, %d writes (want %d)", r.status, tc.writes(), writes)
			}
		})
	}
}

// A return with a key still running holds the key: the same request waits
// up to its deadline, then is 409; afterwards it replays (as orders do).
func TestCreateReturnConflict(t *testing.T) {
	e := newEnv(t, envOptions{})
	o := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("2")), http.StatusCreated)
	e.order(t, e.do(http.MethodPost, "/v1/orders/"+esc(o.ID)+"/actions/fulfil", admin, nil), http.StatusOK)
	body := map[string]any{"orderId": o.ID, "lineItems": []map[string]any{{"orderLineItemId": o.LineItems[0].ID, "quantity": "1"}}}
	e.sb.ResetRequests()
	e.sb.SetLatency(500 * time.Millisecond)
	var (
		wg    sync.WaitGroup
		first response
	)
	wg.Go(func() { first = e.do(http.MethodPost, "/v1/returns", admin, body, "Idempotency-Key", "slow-ret-1") })
	for deadline := time.Now().Add(10 * time.Second); countRequests(e.sb, "POST", "/fulfillment_returns") == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first request never reached the sandbox")
		}
	}
	second := e.do(http.MethodPost, "/v1/returns", admin, body, "Idempotency-Key", "slow-ret-1", "X-Test-Deadline-Ms", "200")
	wg.Wait()
	e.sb.SetLatency(0)
	if second.status != http.StatusConflict || second.problem(t).Code != "CONFLICT" {
		t.Errorf("the same key while the first runs = %d %s, want 409 CONFLICT", second.status, second.body)
	}
	var r1, r2 rest.Return
	if first.status != http.StatusCreated {
		t.Fatalf("first = %d %s", first.status, clipBody(first.body))
	}
	first.json(t, &r1)
	replay := e.do(http.MethodPost, "/v1/returns", admin, body, "Idempotency-Key", "slow-ret-1")
	replay.json(t, &r2)
	if replay.status != http.StatusCreated || r2.ID != r1.ID || countRequests(e.sb, "POST", "/fulfillment_returns") != 1 {
		t.Errorf("after the first finished: %d %s (first %s), %d returns upstream", replay.status, r2.ID, r1.ID, countRequests(e.sb, "POST", "/fulfillment_returns"))
	}
}

// A return of more lines than the Service takes is a 422 at lineItems,
// before anything reaches the backend.
func TestCreateReturnTooManyLines(t *testing.T) {
	e := newEnv(t, envOptions{})
	o := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("1")), http.StatusCreated)
	lines := make([]map[string]any, 1001)
	for i := range lines {
		lines[i] = map[string]any{"orderLineItemId": strconv.Itoa(i + 1), "quantity": "1"}
	}
	e.sb.ResetRequests()
	r := e.do(http.MethodPost, "/v1/returns", admin, map[string]any{"orderId": o.ID, "lineItems": lines})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("a return of 1001 lines = %d %s", r.status, clipBody(r.body))
	}
	if p := r.problem(t); p.Code != "USER_ERROR" || !slices.ContainsFunc(p.Errors, func(fe fieldError) bool {
		return strings.Join(fe.Field, ".") == "lineItems" && fe.Code == "INVALID" && strings.Contains(fe.Message, "1000")
	}) {
		t.Errorf("problem %+v, want INVALID at lineItems (at most 1000)", p)
	}
	if n := e.sb.RequestCount(); n != 0 {
		t.Errorf("%d upstream requests", n)
	}
}
