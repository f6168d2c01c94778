package rest_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/changes"
)

// Every keyed operation, by the key it needs: without a key it is 401;
// with a storefront key it is 403 unless storefront keys may do it (the
// catalog, checkout); either way a refused request reaches no backend. The
// table must name every operation the document has.
func TestAccessMatrix(t *testing.T) {
	hub := changes.NewHub(changes.HubOptions{})
	t.Cleanup(hub.Close)
	e := newEnv(t, envOptions{changes: hub})
	guest := e.order(t, e.do(http.MethodPost, "/v1/orders", storefront, guestBody()), http.StatusCreated)
	id := esc(guest.ID)
	pending := esc("gid://simpleconsign/ConsignmentTransaction/SO-1/RETURN/1")
	calls := []struct {
		operationID, method, path string
		body                      any
		storefront                bool // storefront keys may
		stream                    bool // an event stream: it ends at the test's deadline
	}{
		{"listProducts", "GET", "/v1/products", nil, true, false},
		{"getProduct", "GET", "/v1/products/1", nil, true, false},
		{"listVariants", "GET", "/v1/variants", nil, true, false},
		{"getVariant", "GET", "/v1/variants/2", nil, true, false},
		{"listLocations", "GET", "/v1/locations", nil, true, false},
		{"listCurrencies", "GET", "/v1/currencies", nil, true, false},
		{"getNodes", "GET", "/v1/nodes?ids=gid://tradegecko/Product/1,gid://tradegecko/Location/1", nil, true, false},
		{"getNode", "GET", "/v1/nodes/" + esc("gid://tradegecko/Variant/2"), nil, true, false},
		{"createOrder", "POST", "/v1/orders", guestBody(), true, false},
		{"placeInternationalOrder", "POST", "/v1/international-orders", intlBody("WEB-ACCESS", 1), true, false},
		{"listOrders", "GET", "/v1/orders", nil, false, false},
		{"getOrder", "GET", "/v1/orders/" + id, nil, false, false},
		{"confirmOrder", "POST", "/v1/orders/" + id + "/actions/confirm", nil, false, false},
		{"invoiceOrder", "POST", "/v1/orders/" + id + "/actions/invoice", nil, false, false},
		{"payOrder", "POST", "/v1/orders/" + id + "/actions/pay", nil, false, false},
		{"packOrder", "POST", "/v1/orders/" + id + "/actions/pack", nil, false, false},
		{"fulfilOrder", "POST", "/v1/orders/" + id + "/actions/fulfil", nil, false, false},
		{"voidOrder", "POST", "/v1/orders/" + id + "/actions/void", nil, false, false},
		{"createReturn", "POST", "/v1/returns", map[string]any{"orderId": guest.ID, "lineItems": []map[string]any{{"orderLineItemId": "1", "quantity": "1"}}}, false, false},
		{"listInternationalOrders", "GET", "/v1/international-orders", nil, false, false},
		{"getInternationalOrder", "GET", "/v1/international-orders/WEB-ACCESS", nil, false, false},
		{"recordConsignmentSale", "POST", "/v1/consignment/sales", saleBody("SO-ACCESS", "1"), false, false},
		{"recordConsignmentReturn", "POST", "/v1/consignment/returns", saleBody("SO-ACCESS", "1"), false, false},
		{"listConsignmentTransactions", "GET", "/v1/consignment/transactions/SO-ACCESS", nil, false, false},
		{"listPendingWrites", "GET", "/v1/pending-writes", nil, false, false},
		{"resolvePendingWrite", "POST", "/v1/pending-writes/" + pending + "/resolve", map[string]any{"recorded": true}, false, false},
		{"streamVariantEvents", "GET", "/v1/variants/events?ids=2", nil, true, true},
		{"streamOrderEvents", "GET", "/v1/orders/events", nil, false, true},
	}

	// Every documented operation is in the table.
	var doc openAPIDoc
	e.get("/v1/openapi.json", anonymous).json(t, &doc)
	inTable := map[string]bool{}
	for _, c := range calls {
		inTable[c.operationID] = true
	}
	for path, item := range doc.Paths {
		for method, op := range item {
			if !inTable[op.OperationID] {
				t.Errorf("%s %s (%s) is not in the access table", strings.ToUpper(method), path, op.OperationID)
			}
		}
	}

	for _, c := range calls {
		t.Run(c.operationID, func(t *testing.T) {
			e.sb.ResetRequests()
			r := e.do(c.method, c.path, anonymous, c.body)
			if p := r.problem(t); r.status != http.StatusUnauthorized || p.Code != "UNAUTHENTICATED" || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s without a key = %d %+v, want 401 UNAUTHENTICATED with WWW-Authenticate", c.method, c.path, r.status, p)
			}
			r = e.do(c.method, c.path, "someone-else", c.body) // a key the gateway does not know
			if r.status != http.StatusUnauthorized {
				t.Errorf("%s %s with an unknown key = %d, want 401", c.method, c.path, r.status)
			}
			if n := e.sb.RequestCount(); n != 0 {
				t.Errorf("%s %s without a key cost %d upstream requests", c.method, c.path, n)
			}
			var deadline []string
			if c.stream {
				deadline = []string{"X-Test-Deadline-Ms", "300"}
			}
			r = e.do(c.method, c.path, storefront, c.body, deadline...)
			switch {
			case c.storefront && (r.status < 200 || r.status > 299):
				t.Errorf("%s %s as storefront = %d %s, want it allowed and answered", c.method, c.path, r.status, clipBody(r.body))
			case !c.storefront:
				if p := r.problem(t); r.status != http.StatusForbidden || p.Code != "FORBIDDEN" || !forbiddenDetail.MatchString(p.Detail) {
					t.Errorf("%s %s as storefront = %d %+v, want 403 FORBIDDEN", c.method, c.path, r.status, p)
				}
				if n := e.sb.RequestCount(); n != 0 {
					t.Errorf("%s %s refused to a storefront key cost %d upstream requests", c.method, c.path, n)
				}
			}
		})
	}
}

var forbiddenDetail = regexp.MustCompile(`needs the admin role; this key has the storefront role$`)
