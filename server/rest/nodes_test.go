package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/server/rest"
)

// nodeFixture is an env with one object of every node type: an order
// (packed, so it has a fulfillment, and with a return), an international
// order and a consignment sale whose order number holds a comma.
type nodeFixture struct {
	*env
	order                    rest.Order
	fulfillmentID, returnID  string
	intlID, consignmentID    string
	consignmentOrderNumber   string
	catalogIDs, adminOnlyIDs []string
	everyID                  []string
	restPathOf               map[string]string // id -> the path of its own endpoint, where it has one
	unknownIDs               []string
}

func newNodeFixture(t *testing.T) *nodeFixture {
	t.Helper()
	e := newEnv(t, envOptions{})
	f := &nodeFixture{env: e, consignmentOrderNumber: "SO-7,8"}
	f.order = e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("2")), http.StatusCreated)
	packed := e.order(t, e.do(http.MethodPost, "/v1/orders/"+esc(f.order.ID)+"/actions/fulfil", admin, nil), http.StatusOK)
	f.fulfillmentID = packed.FulfillmentIDs[0]
	var ret rest.Return
	r := e.do(http.MethodPost, "/v1/returns", admin, map[string]any{"orderId": f.order.ID,
		"lineItems": []map[string]any{{"orderLineItemId": f.order.LineItems[0].ID, "quantity": "1"}}})
	r.json(t, &ret)
	if r.status != http.StatusCreated {
		t.Fatalf("POST /v1/returns = %d %s", r.status, clipBody(r.body))
	}
	f.returnID = ret.ID
	if r := e.do(http.MethodPost, "/v1/international-orders", storefront, intlBody("WEB-N1", 1)); r.status != http.StatusCreated {
		t.Fatalf("POST /v1/international-orders = %d %s", r.status, clipBody(r.body))
	}
	f.intlID = "gid://tradeglobal/InternationalOrder/WEB-N1"
	if r := e.do(http.MethodPost, "/v1/consignment/sales", admin, saleBody(f.consignmentOrderNumber, "1")); r.status != http.StatusCreated {
		t.Fatalf("POST /v1/consignment/sales = %d %s", r.status, clipBody(r.body))
	}
	f.consignmentID = "gid://simpleconsign/ConsignmentTransaction/" + f.consignmentOrderNumber + "/SALE/1"
	f.catalogIDs = []string{"gid://tradegecko/Product/1", "gid://tradegecko/Variant/3", "gid://tradegecko/Image/1",
		"gid://tradegecko/Location/1", "gid://tradegecko/Currency/1"}
	f.adminOnlyIDs = []string{f.order.ID, f.order.LineItems[0].ID, "gid://tradegecko/Company/1", "gid://tradegecko/Address/1",
		f.fulfillmentID, f.returnID, f.intlID, f.consignmentID}
	f.everyID = append(slices.Clone(f.catalogIDs), f.adminOnlyIDs...)
	f.restPathOf = map[string]string{
		"gid://tradegecko/Product/1": "/v1/products/1",
		"gid://tradegecko/Variant/3": "/v1/variants/3",
		f.order.ID:                   "/v1/orders/" + esc(f.order.ID),
		f.intlID:                     "/v1/international-orders/WEB-N1",
	}
	f.unknownIDs = []string{"gid://tradegecko/Product/999999", "gid://tradegecko/Variant/999999", "gid://tradegecko/Image/999999",
		"gid://tradegecko/Location/999999", "gid://tradegecko/Currency/999999", "gid://tradegecko/Order/999999",
		"gid://tradegecko/OrderLineItem/999999", "gid://tradegecko/Company/999999", "gid://tradegecko/Address/999999",
		"gid://tradegecko/Fulfillment/999999", "gid://tradegecko/Return/999999", "gid://tradeglobal/InternationalOrder/NOPE",
		"gid://simpleconsign/ConsignmentTransaction/NOPE/SALE/1", "gid://simpleconsign/ConsignmentTransaction/" + f.consignmentOrderNumber + "/RETURN/1"}
	return f
}

// typename is the GraphQL type name in a global id.
func typename(id string) string {
	rest := strings.TrimPrefix(id, "gid://")
	_, rest, _ = strings.Cut(rest, "/")
	typ, _, _ := strings.Cut(rest, "/")
	return typ
}

type nodeList struct {
	Data []map[string]any `json:"data"`
}

func nodesPath(ids ...string) string {
	return "/v1/nodes?ids=" + url.QueryEscape(strings.Join(ids, ","))
}

// GET /v1/nodes answers every type GraphQL's nodes does, in the order
// asked, null for what does not exist; each object is the representation
// its own endpoint answers plus __typename.
func TestNodes(t *testing.T) {
	f := newNodeFixture(t)
	ids := append(slices.Clone(f.everyID), "gid://tradegecko/Product/999999", f.everyID[0])
	r := f.get(nodesPath(ids...), admin)
	var got nodeList
	r.json(t, &got)
	if r.status != http.StatusOK || len(got.Data) != len(ids) {
		t.Fatalf("GET /v1/nodes = %d, %d entries for %d ids: %s", r.status, len(got.Data), len(ids), clipBody(r.body))
	}
	for i, id := range ids {
		n := got.Data[i]
		if id == "gid://tradegecko/Product/999999" {
			if n != nil {
				t.Errorf("data[%d] (%s, unknown) = %v, want null", i, id, n)
			}
			continue
		}
		if n == nil || n["id"] != id || n[rest.TypenameField] != typename(id) {
			t.Errorf("data[%d] = %.200v, want %s with __typename %s", i, n, id, typename(id))
		}
	}
	if got.Data[0]["variants"] == nil || len(got.Data[0]["variants"].([]any)) != 2 {
		t.Errorf("a product node lacks its variants: %.300v", got.Data[0])
	}

	// Each is what its own endpoint answers, plus __typename.
	for id, path := range f.restPathOf {
		var own, node map[string]any
		f.get(path, admin).json(t, &own)
		nr := f.get("/v1/nodes/"+esc(id), admin)
		nr.json(t, &node)
		if nr.status != http.StatusOK || node[rest.TypenameField] != typename(id) {
			t.Errorf("GET /v1/nodes/%s = %d %s", esc(id), nr.status, clipBody(nr.body))
			continue
		}
		delete(node, rest.TypenameField)
		if a, b := mustJSON(own), mustJSON(node); a != b {
			t.Errorf("GET /v1/nodes/%s differs from GET %s:\n%s\n%s", esc(id), path, b, a)
		}
	}
	// An order line alone says its order; a fulfillment and a return too.
	var line, ful map[string]any
	f.get("/v1/nodes/"+esc(f.order.LineItems[0].ID), admin).json(t, &line)
	f.get("/v1/nodes/"+esc(f.fulfillmentID), admin).json(t, &ful)
	if line["orderId"] != f.order.ID || ful["orderId"] != f.order.ID || ful["status"] != "FULFILLED" {
		t.Errorf("order line %v, fulfillment %v: want orderId %s", line, ful, f.order.ID)
	}
	// The transaction whose order number holds a comma, in a comma-separated list.
	var tx nodeList
	f.get(nodesPath(f.consignmentID, f.intlID), admin).json(t, &tx)
	if len(tx.Data) != 2 || tx.Data[0] == nil || tx.Data[0]["orderNumber"] != f.consignmentOrderNumber || tx.Data[0]["type"] != "SALE" {
		t.Errorf("GET /v1/nodes?ids=%s,… = %v", f.consignmentID, tx.Data)
	}
	// Repeated, as well as comma-separated.
	var rep nodeList
	f.get("/v1/nodes?ids="+url.QueryEscape(f.everyID[0])+"&ids="+url.QueryEscape(f.everyID[1]), admin).json(t, &rep)
	if len(rep.Data) != 2 || rep.Data[1]["id"] != f.everyID[1] {
		t.Errorf("repeated ids = %v", rep.Data)
	}
}

// Ids that name nothing: null in a list, 404 alone.
func TestNodesUnknown(t *testing.T) {
	f := newNodeFixture(t)
	var got nodeList
	r := f.get(nodesPath(f.unknownIDs...), admin)
	r.json(t, &got)
	if r.status != http.StatusOK || len(got.Data) != len(f.unknownIDs) || slices.ContainsFunc(got.Data, func(n map[string]any) bool { return n != nil }) {
		t.Errorf("GET /v1/nodes for unknown ids = %d %s, want all null", r.status, clipBody(r.body))
	}
	for _, id := range f.unknownIDs {
		r := f.get("/v1/nodes/"+esc(id), admin)
		if r.status != http.StatusNotFound || r.problem(t).Code != "NOT_FOUND" {
			t.Errorf("GET /v1/nodes/%s = %d %s, want 404", esc(id), r.status, clipBody(r.body))
		}
	}
}

// Malformed ids, ids of types the gateway does not have, and too many ids
// are a 400 naming the parameter, before anything reaches a backend.
func TestNodesBadInput(t *testing.T) {
	e := newEnv(t, envOptions{})
	many := make([]string, rest.MaxNodes+1)
	for i := range many {
		many[i] = fmt.Sprintf("gid://tradegecko/Product/%d", i+1)
	}
	tests := []struct {
		name, path string
		in, field  string
	}{
		{"no ids", "/v1/nodes", "query", "ids"},
		{"empty ids", "/v1/nodes?ids=", "query", "ids"},
		{"a bare id", nodesPath("1"), "query", "ids.0"},
		{"a bare id after a global one", "/v1/nodes?ids=gid://tradegecko/Product/1&ids=2", "query", "ids.1"},
		{"a comma inside a TradeGecko id", nodesPath("gid://tradegecko/Product/1", "gid://tradegecko/Product/2,3"), "query", "ids.1"},
		{"an unknown type", nodesPath("gid://tradegecko/Widget/1"), "query", "ids.0"},
		{"a type of another backend", nodesPath("gid://tradeglobal/Product/1"), "query", "ids.0"},
		{"a non-integer TradeGecko key", nodesPath("gid://tradegecko/Product/abc"), "query", "ids.0"},
		{"a malformed consignment id", nodesPath("gid://simpleconsign/ConsignmentTransaction/SO-1"), "query", "ids.0"},
		{"too many ids", nodesPath(many...), "query", "ids"},
		{"one: a bare id", "/v1/nodes/1", "path", "id"},
		{"one: an unknown type", "/v1/nodes/" + esc("gid://tradegecko/Widget/1"), "path", "id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.sb.ResetRequests()
			r := e.get(tc.path, admin)
			if r.status != http.StatusBadRequest {
				t.Fatalf("GET %s = %d %s, want 400", clipBody([]byte(tc.path)), r.status, clipBody(r.body))
			}
			p := r.problem(t)
			if p.Code != "BAD_USER_INPUT" || !slices.ContainsFunc(p.Errors, func(fe fieldError) bool {
				return fe.In == tc.in && strings.Join(fe.Field, ".") == tc.field
			}) {
				t.Errorf("problem %+v, want BAD_USER_INPUT at %s parameter %s", p, tc.in, tc.field)
			}
			if n := e.sb.RequestCount(); n != 0 {
				t.Errorf("%d upstream requests", n)
			}
		})
	}
	// Exactly the limit is fine.
	if r := e.get(nodesPath(many[:rest.MaxNodes]...), storefront); r.status != http.StatusOK {
		t.Errorf("%d ids = %d %s", rest.MaxNodes, r.status, clipBody(r.body))
	}
}

// A storefront key may fetch the catalog types only; any other type is
// 403 for the whole request, as GraphQL fails the field. No key: 401.
func TestNodesAccess(t *testing.T) {
	f := newNodeFixture(t)
	var got nodeList
	r := f.get(nodesPath(f.catalogIDs...), storefront)
	r.json(t, &got)
	if r.status != http.StatusOK || len(got.Data) != len(f.catalogIDs) || slices.ContainsFunc(got.Data, isNull) {
		t.Fatalf("catalog nodes as storefront = %d %s", r.status, clipBody(r.body))
	}
	// Without cost data, as the variant's own endpoint.
	if v := got.Data[1]; v["buyPrice"] != nil || strings.Contains(mustJSON(v["prices"]), `"buy"`) {
		t.Errorf("a storefront key sees cost data on a variant node: %v", v)
	}
	for _, id := range f.adminOnlyIDs {
		t.Run(typename(id), func(t *testing.T) {
			for _, path := range []string{nodesPath(id), nodesPath(f.catalogIDs[0], id), "/v1/nodes/" + esc(id)} {
				f.sb.ResetRequests()
				if r := f.get(path, storefront); r.status != http.StatusForbidden || r.problem(t).Code != "FORBIDDEN" {
					t.Errorf("GET %s as storefront = %d %s, want 403", path, r.status, clipBody(r.body))
				}
				// Refused before any batch: nothing was spent on it.
				if n := f.sb.RequestCount(); n != 0 {
					t.Errorf("GET %s as storefront cost %d upstream requests before its 403", path, n)
				}
			}
			// And GraphQL says the same.
			body, _ := json.Marshal(map[string]any{"query": `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`,
				"variables": map[string]any{"ids": []string{id}}})
			if codes := gqlErrorCodes(t, f.do(http.MethodPost, "/graphql", storefront, body)); !slices.Equal(codes, []string{"FORBIDDEN"}) {
				t.Errorf("GraphQL nodes([%s]) as storefront: codes %v, want FORBIDDEN", id, codes)
			}
		})
	}
	for _, path := range []string{nodesPath(f.catalogIDs...), "/v1/nodes/" + esc(f.catalogIDs[0])} {
		if r := f.get(path, anonymous); r.status != http.StatusUnauthorized || r.problem(t).Code != "UNAUTHENTICATED" {
			t.Errorf("GET %s without a key = %d", path, r.status)
		}
	}
}

func isNull(n map[string]any) bool { return n == nil }

// gqlErrorCodes returns the extensions.code of a GraphQL answer's errors.
func gqlErrorCodes(t *testing.T, r response) []string {
	t.Helper()
	var out struct {
		Errors []struct {
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	r.json(t, &out)
	var codes []string
	for _, e := range out.Errors {
		codes = append(codes, e.Extensions.Code)
	}
	return codes
}

// GET /v1/nodes costs no more upstream requests than GraphQL's nodes for
// the same ids and fields: one batch per TradeGecko type asked for (a
// product's variants and an order's lines, company and addresses are
// sideloaded), and none for reference data (locations, currencies) or the
// gateway's own ledgers.
func TestNodesCost(t *testing.T) {
	f := newNodeFixture(t)
	const selection = `__typename id
	... on Product { variants { id sku inventory { onHand } } }
	... on Order { lineItems { id } company { id } shippingAddress { id } billingAddress { id } }
	... on Variant { sku } ... on Image { url } ... on Location { label } ... on Currency { code }
	... on OrderLineItem { quantity } ... on Company { name } ... on Address { city }
	... on Fulfillment { fulfillmentStatus: status } ... on Return { returnStatus: status }
	... on InternationalOrder { merchantOrderId }
	... on ConsignmentTransaction { orderNumber }`
	products := []string{"gid://tradegecko/Product/1", "gid://tradegecko/Product/2", "gid://tradegecko/Product/3"}
	tests := []struct {
		name  string
		ids   []string
		limit int // TradeGecko requests at most
	}{
		{"three products", products, 1},
		{"products and variants", append(slices.Clone(products), "gid://tradegecko/Variant/2", "gid://tradegecko/Variant/5"), 2},
		{"reference data and ledgers", []string{"gid://tradegecko/Location/1", "gid://tradegecko/Currency/1", f.intlID, f.consignmentID}, 0},
		// One for each of Product Variant Image Order OrderLineItem Company
		// Address Fulfillment Return, and what the adapter needs besides:
		// an order line's order (its currency), a fulfillment's and a
		// return's lines.
		{"one of every type", f.everyID, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.sb.ResetRequests()
			var gql json.RawMessage
			f.graphql(admin, `query($ids: [ID!]!) { nodes(ids: $ids) { `+selection+` } }`, map[string]any{"ids": tc.ids}, &gql)
			viaGraphQL := f.sb.RequestCount()

			f.sb.ResetRequests()
			r := f.get(nodesPath(tc.ids...), admin)
			viaREST := f.sb.RequestCount()
			var got nodeList
			r.json(t, &got)
			if r.status != http.StatusOK || len(got.Data) != len(tc.ids) || slices.ContainsFunc(got.Data, isNull) {
				t.Fatalf("GET /v1/nodes = %d %s", r.status, clipBody(r.body))
			}
			if viaREST > viaGraphQL || viaREST > tc.limit {
				t.Errorf("%d nodes cost %d upstream requests by REST, %d by GraphQL (at most %d)", len(tc.ids), viaREST, viaGraphQL, tc.limit)
			}
			t.Logf("REST %d requests, GraphQL %d", viaREST, viaGraphQL)
		})
	}
}
