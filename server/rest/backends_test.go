package rest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/server/rest"
)

func intlBody(id string, qty int) map[string]any {
	return map[string]any{
		"merchantOrderId": id,
		"serviceCode":     "GMDDP",
		"shipTo": map[string]any{"firstName": "Ada", "lastName": "Lovelace", "address1": "1 Main St", "city": "Toronto",
			"stateProvince": "ON", "postal": "M5V 2T6", "country": "CA", "email": "ada@example.com"},
		"products": []map[string]any{{"sku": "DEMO-GOBS-SNO", "quantity": qty, "unitPrice": 26.99, "weight": "0.25", "weightUom": "KG"}},
	}
}

func TestInternationalOrders(t *testing.T) {
	e := newEnv(t, envOptions{})

	// Checkout: a storefront key places it; 201 with the quote.
	r := e.do(http.MethodPost, "/v1/international-orders", storefront, intlBody("WEB-1001", 2))
	var o rest.InternationalOrder
	r.json(t, &o)
	q := o.Quote.Value()
	if r.status != http.StatusCreated || o.ID != "gid://tradeglobal/InternationalOrder/WEB-1001" || o.Status != "PLACED" || q == nil ||
		q.TotalCost != (rest.Money{Amount: "53.39", CurrencyCode: "USD"}) || len(o.Products) != 1 ||
		o.Products[0].UnitPrice != (rest.Money{Amount: "26.99", CurrencyCode: "USD"}) || *o.Products[0].Weight != "0.25" ||
		*o.Products[0].WeightUom != "KG" || o.Products[0].SizeUom != nil || o.ShipTo.City != "Toronto" {
		t.Fatalf("POST /v1/international-orders = %d %s", r.status, clipBody(r.body))
	}
	if loc := r.header.Get("Location"); loc != "/v1/international-orders/WEB-1001" {
		t.Errorf("Location = %q", loc)
	}
	// Its merchantOrderId is its key: placing it again sends nothing.
	again := e.do(http.MethodPost, "/v1/international-orders", storefront, intlBody("WEB-1001", 2))
	if again.status != http.StatusCreated || e.intl.sent("WEB-1001") != 1 {
		t.Errorf("placing it again = %d, sent %d times", again.status, e.intl.sent("WEB-1001"))
	}
	reused := e.do(http.MethodPost, "/v1/international-orders", storefront, intlBody("WEB-1001", 3))
	if p := reused.problem(t); reused.status != http.StatusUnprocessableEntity || p.Errors[0].Code != "IDEMPOTENCY_KEY_REUSED" ||
		!slices.Equal(p.Errors[0].Field, []string{"merchantOrderId"}) {
		t.Errorf("another body for the same id = %d %+v", reused.status, p)
	}

	// Reading needs an admin key.
	for _, path := range []string{"/v1/international-orders/WEB-1001", "/v1/international-orders/" + esc(o.ID)} {
		var got rest.InternationalOrder
		r := e.get(path, admin)
		r.json(t, &got)
		if r.status != http.StatusOK || got.ID != o.ID || got.Quote.Value() == nil {
			t.Errorf("GET %s = %d %s", path, r.status, clipBody(r.body))
		}
		if r := e.get(path, storefront); r.status != http.StatusForbidden {
			t.Errorf("GET %s as storefront = %d, want 403", path, r.status)
		}
	}
	e.do(http.MethodPost, "/v1/international-orders", storefront, intlBody("WEB-1002", 1))
	var page struct {
		Data     []rest.InternationalOrder `json:"data"`
		PageInfo rest.PageInfo             `json:"pageInfo"`
		Total    int                       `json:"totalCount"`
	}
	r = e.get("/v1/international-orders?first=1", admin)
	r.json(t, &page)
	if r.status != http.StatusOK || page.Total != 2 || len(page.Data) != 1 || !page.PageInfo.HasNextPage || !linkNext.MatchString(r.header.Get("Link")) {
		t.Errorf("GET /v1/international-orders?first=1 = %d %s (Link %q)", r.status, clipBody(r.body), r.header.Get("Link"))
	}
	if r := e.get("/v1/international-orders", storefront); r.status != http.StatusForbidden {
		t.Errorf("list as storefront = %d", r.status)
	}

	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		field  string
		code   string
	}{
		{"unknown order", "GET", "/v1/international-orders/NOPE", nil, 404, "", "NOT_FOUND"},
		{"another type's global id", "GET", "/v1/international-orders/" + esc("gid://tradegecko/Order/1"), nil, 400, "merchantOrderId", "BAD_USER_INPUT"},
		{"missing merchantOrderId", "POST", "/v1/international-orders", map[string]any{"products": []any{map[string]any{"sku": "X", "quantity": 1}}}, 422, "merchantOrderId", "USER_ERROR"},
		{"zero quantity", "POST", "/v1/international-orders", intlBody("WEB-2", 0), 422, "products.0.quantity", "USER_ERROR"},
		{"quantity not an integer", "POST", "/v1/international-orders", map[string]any{"merchantOrderId": "W", "products": []any{map[string]any{"quantity": 1.5}}}, 400, "products.0.quantity", "BAD_USER_INPUT"},
		{"unit price not a decimal", "POST", "/v1/international-orders", map[string]any{"merchantOrderId": "W", "products": []any{map[string]any{"quantity": 1, "unitPrice": "cheap"}}}, 400, "products.0.unitPrice", "BAD_USER_INPUT"},
		{"unknown unit", "POST", "/v1/international-orders", map[string]any{"merchantOrderId": "W", "products": []any{map[string]any{"quantity": 1, "weightUom": "STONE"}}}, 400, "products.0.weightUom", "BAD_USER_INPUT"},
		{"refused by TradeGlobal", "POST", "/v1/international-orders", intlBody("REJECT-1", 1), 422, "", "USER_ERROR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, admin, tc.body)
			if r.status != tc.status {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, r.status, clipBody(r.body), tc.status)
			}
			p := r.problem(t)
			if p.Code != tc.code || (tc.field != "" && !slices.ContainsFunc(p.Errors, func(fe fieldError) bool { return strings.Join(fe.Field, ".") == tc.field })) {
				t.Errorf("problem %+v, want %s at %q", p, tc.code, tc.field)
			}
		})
	}
	if r := e.do(http.MethodPost, "/v1/international-orders", anonymous, intlBody("WEB-3", 1)); r.status != http.StatusUnauthorized {
		t.Errorf("without a key = %d, want 401", r.status)
	}
}

func saleBody(orderNumber string, price any) map[string]any {
	return map[string]any{"orderNumber": orderNumber, "tax": "1.50",
		"items": []map[string]any{{"sku": "CONS-1", "unitPrice": price, "quantity": 2, "taxable": true}, {"sku": "CONS-2", "unitPrice": "5", "quantity": 1}}}
}

func TestConsignment(t *testing.T) {
	e := newEnv(t, envOptions{})

	r := e.do(http.MethodPost, "/v1/consignment/sales", admin, saleBody("SO-1001", "42.42"))
	var sale rest.ConsignmentTransaction
	r.json(t, &sale)
	if r.status != http.StatusCreated || sale.ID != "gid://simpleconsign/ConsignmentTransaction/SO-1001/SALE/1" || sale.Type != "SALE" ||
		sale.Outcome != "RECORDED" || sale.TaxableTotal.Amount != "84.84" || sale.NonTaxableTotal.Amount != "5.00" ||
		sale.Total != (rest.Money{Amount: "91.34", CurrencyCode: "USD"}) || len(sale.Items) != 2 {
		t.Fatalf("POST /v1/consignment/sales = %d %s", r.status, clipBody(r.body))
	}
	if loc := r.header.Get("Location"); loc != "/v1/consignment/transactions/SO-1001" {
		t.Errorf("Location = %q", loc)
	}
	// Keyed by order number and content.
	again := e.do(http.MethodPost, "/v1/consignment/sales", admin, saleBody("SO-1001", "42.42"))
	if again.status != http.StatusCreated || e.consign.count() != 1 {
		t.Errorf("the same sale again = %d, recorded %d", again.status, e.consign.count())
	}
	dup := e.do(http.MethodPost, "/v1/consignment/sales", admin, saleBody("SO-1001", "40.00"))
	if p := dup.problem(t); dup.status != http.StatusUnprocessableEntity || p.Errors[0].Code != "DUPLICATE_SALE" {
		t.Errorf("another sale for the order = %d %+v", dup.status, p)
	}

	// A return whose answer is lost: 502 OUTCOME_UNKNOWN naming the pending write.
	e.consign.loseNextAnswer()
	retBody := map[string]any{"orderNumber": "SO-1001", "items": []map[string]any{{"sku": "CONS-1", "unitPrice": "42.42", "quantity": 1, "taxable": true}}}
	lost := e.do(http.MethodPost, "/v1/consignment/returns", admin, retBody, "Idempotency-Key", "ret-lost-1")
	p := lost.problem(t)
	pendingID := "gid://simpleconsign/ConsignmentTransaction/SO-1001/RETURN/1"
	if lost.status != http.StatusBadGateway || p.Code != "OUTCOME_UNKNOWN" || p.PendingWriteID != pendingID || p.Backend != "simpleconsign" {
		t.Fatalf("a lost return = %d %+v", lost.status, p)
	}
	var pending struct {
		Data []rest.PendingWrite `json:"data"`
	}
	e.get("/v1/pending-writes", admin).json(t, &pending)
	if len(pending.Data) != 1 || pending.Data[0].ID != pendingID || pending.Data[0].Transaction.Outcome != "UNKNOWN" ||
		pending.Data[0].Operation != "recordConsignmentReturn" {
		t.Fatalf("GET /v1/pending-writes = %+v", pending)
	}
	// The ledger shows it too.
	var txs struct {
		Data []rest.ConsignmentTransaction `json:"data"`
	}
	r = e.get("/v1/consignment/transactions/SO-1001", admin)
	r.json(t, &txs)
	if r.status != http.StatusOK || len(txs.Data) != 2 || txs.Data[1].Outcome != "UNKNOWN" {
		t.Errorf("GET /v1/consignment/transactions/SO-1001 = %d %s", r.status, clipBody(r.body))
	}
	// A person checked SimpleConsign: resolve it, by global or bare id.
	res := e.do(http.MethodPost, "/v1/pending-writes/"+esc(pendingID)+"/resolve", admin, map[string]any{"recorded": true})
	var pw rest.PendingWrite
	res.json(t, &pw)
	if res.status != http.StatusOK || pw.ID != pendingID || pw.Transaction.Outcome != "RECORDED" {
		t.Errorf("resolve = %d %s", res.status, clipBody(res.body))
	}
	twice := e.do(http.MethodPost, "/v1/pending-writes/"+url.PathEscape("SO-1001/RETURN/1")+"/resolve", admin, map[string]any{"recorded": false})
	if p := twice.problem(t); twice.status != http.StatusUnprocessableEntity || p.Errors[0].Code != "INVALID" || p.Errors[0].In != "path" {
		t.Errorf("resolving it twice = %d %+v", twice.status, p)
	}
	e.get("/v1/pending-writes", admin).json(t, &pending)
	if len(pending.Data) != 0 {
		t.Errorf("pending writes after resolving: %+v", pending.Data)
	}

	// A return, once per key.
	ok := e.do(http.MethodPost, "/v1/consignment/returns", admin, retBody, "Idempotency-Key", "ret-2")
	okAgain := e.do(http.MethodPost, "/v1/consignment/returns", admin, retBody, "Idempotency-Key", "ret-2")
	var r1, r2 rest.ConsignmentTransaction
	ok.json(t, &r1)
	okAgain.json(t, &r2)
	if ok.status != http.StatusCreated || okAgain.status != http.StatusCreated || r1.ID != r2.ID || r1.ID != "gid://simpleconsign/ConsignmentTransaction/SO-1001/RETURN/2" {
		t.Errorf("a return twice with one key: %d %s / %d %s", ok.status, r1.ID, okAgain.status, r2.ID)
	}
	// More than was sold.
	over := e.do(http.MethodPost, "/v1/consignment/returns", admin, map[string]any{"orderNumber": "SO-1001",
		"items": []map[string]any{{"sku": "CONS-1", "unitPrice": "42.42", "quantity": 1, "taxable": true}}})
	if p := over.problem(t); over.status != http.StatusUnprocessableEntity || p.Errors[0].Code != "RETURN_EXCEEDS_SALE" ||
		strings.Join(p.Errors[0].Field, ".") != "items.0.quantity" {
		t.Errorf("returning more than sold = %d %+v", over.status, p)
	}

	tests := []struct {
		name, method, path string
		body               any
		status             int
		code               string
		field              string
	}{
		{"sub-cent price", "POST", "/v1/consignment/sales", saleBody("SO-2", "1.234"), 422, "SUB_UNIT_AMOUNT", "items.0.unitPrice"},
		{"price not a decimal", "POST", "/v1/consignment/sales", saleBody("SO-2", "1.2.3"), 400, "INVALID", "items.0.unitPrice"},
		{"price a boolean", "POST", "/v1/consignment/sales", saleBody("SO-2", false), 400, "INVALID", "items.0.unitPrice"},
		{"no order number", "POST", "/v1/consignment/sales", map[string]any{"items": []any{map[string]any{"unitPrice": "1", "quantity": 1}}}, 422, "REQUIRED", "orderNumber"},
		{"items missing", "POST", "/v1/consignment/returns", map[string]any{"orderNumber": "SO-1"}, 400, "REQUIRED", "items"},
		{"unknown pending write", "POST", "/v1/pending-writes/" + esc("gid://simpleconsign/ConsignmentTransaction/SO-9/RETURN/1") + "/resolve", map[string]any{"recorded": true}, 404, "", ""},
		{"malformed pending write id", "POST", "/v1/pending-writes/" + esc("gid://tradegecko/Order/1") + "/resolve", map[string]any{"recorded": true}, 400, "INVALID", "id"},
		{"recorded missing", "POST", "/v1/pending-writes/" + esc(pendingID) + "/resolve", map[string]any{}, 400, "REQUIRED", "recorded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, admin, tc.body)
			if r.status != tc.status {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, r.status, clipBody(r.body), tc.status)
			}
			p := r.problem(t)
			if tc.field != "" && !slices.ContainsFunc(p.Errors, func(fe fieldError) bool {
				return strings.Join(fe.Field, ".") == tc.field && fe.Code == tc.code
			}) {
				t.Errorf("problem %+v, want %s at %s", p, tc.code, tc.field)
			}
		})
	}

	// Everything consignment is admin only.
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/consignment/sales", saleBody("SO-3", "1")},
		{"POST", "/v1/consignment/returns", retBody},
		{"GET", "/v1/consignment/transactions/SO-1001", nil},
		{"GET", "/v1/pending-writes", nil},
		{"POST", "/v1/pending-writes/" + esc(pendingID) + "/resolve", map[string]any{"recorded": true}},
	} {
		if r := e.do(c.method, c.path, storefront, c.body); r.status != http.StatusForbidden || r.problem(t).Code != "FORBIDDEN" {
			t.Errorf("%s %s as storefront = %d, want 403", c.method, c.path, r.status)
		}
		if r := e.do(c.method, c.path, anonymous, c.body); r.status != http.StatusUnauthorized {
			t.Errorf("%s %s without a key = %d, want 401", c.method, c.path, r.status)
		}
	}
}

// A backend that is not configured answers 503 BACKEND_DISABLED.
func TestBackendDisabled(t *testing.T) {
	e := newEnv(t, envOptions{noBackends: true, noTradeGecko: true})
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/products", nil},
		{"GET", "/v1/orders/1", nil},
		{"POST", "/v1/orders", guestBody()},
		{"POST", "/v1/international-orders", intlBody("W-1", 1)},
		{"GET", "/v1/international-orders", nil},
		{"POST", "/v1/consignment/sales", saleBody("SO-1", "1")},
		{"GET", "/v1/consignment/transactions/SO-1", nil},
	} {
		r := e.do(c.method, c.path, admin, c.body)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s %s = %d %s, want 503", c.method, c.path, r.status, r.body)
			continue
		}
		if p := r.problem(t); p.Code != "BACKEND_DISABLED" || p.Backend == "" {
			t.Errorf("%s %s: %+v", c.method, c.path, p)
		}
	}
}

// An order number with nothing recorded is an empty list, as GraphQL's
// consignmentTransactions answers []: the ledger of any order number
// exists, empty until a sale is recorded. One the Service cannot take is a
// 400 naming the path parameter.
func TestConsignmentTransactionsNone(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, n := range []string{"NEVER-SOLD", url.PathEscape("SO 1/2")} {
		r := e.get("/v1/consignment/transactions/"+n, admin)
		if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != `{"data":[]}` {
			t.Errorf("GET /v1/consignment/transactions/%s = %d %s, want 200 {\"data\":[]}", n, r.status, r.body)
		}
	}
	var gql struct {
		ConsignmentTransactions []any `json:"consignmentTransactions"`
	}
	e.graphql(admin, `{ consignmentTransactions(orderNumber: "NEVER-SOLD") { id } }`, nil, &gql)
	if gql.ConsignmentTransactions == nil || len(gql.ConsignmentTransactions) != 0 {
		t.Errorf("GraphQL consignmentTransactions = %v, want []", gql.ConsignmentTransactions)
	}
	for _, n := range []string{strings.Repeat("9", 256), "SO%0A1"} {
		r := e.get("/v1/consignment/transactions/"+n, admin)
		if r.status != http.StatusBadRequest {
			t.Errorf("GET /v1/consignment/transactions/%s = %d %s, want 400", clipBody([]byte(n)), r.status, clipBody(r.body))
			continue
		}
		if p := r.problem(t); p.Code != "BAD_USER_INPUT" || len(p.Errors) != 1 || p.Errors[0].In != "path" || p.Errors[0].Field[0] != "orderNumber" {
			t.Errorf("problem %+v, want BAD_USER_INPUT at path parameter orderNumber", p)
		}
	}
}
