package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// A Redis that stalls while a createOrder claims its idempotency key: the
// claim's reply is lost, go-redis sends the claim again, and the first
// attempt runs when Redis resumes. The retry must find the claim to be its
// own: the order is placed once Redis answers (not CONFLICT at the
// request's deadline), and the key is free for a retry at once.
func TestCreateOrderWhileRedisStalls(t *testing.T) {
	if testing.Short() {
		t.Skip("stalls Redis for seconds")
	}
	rs := redistest.Real(t)
	const timeout = 12 * time.Second
	g := newGateway(t, gatewayOptions{redisURL: "redis://" + rs.Addr, requestTimeout: timeout})
	warm := newOrderFromStorefront(t, g, "warm-1") // loads the scripts and fills the pool
	if warm.Order == nil {
		t.Fatalf("order before the stall: %+v", warm.UserErrors)
	}
	g.sb.ResetRequests()

	const mutation = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } userErrors { code message } } }`
	input := map[string]any{
		"idempotencyKey":  "stalled-1",
		"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
		"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}},
	}
	type answer struct {
		resp gqlResponse
		err  error
		took time.Duration
	}
	got := make(chan answer, 1)
	resume := rs.Stall(t)
	began := time.Now()
	go func() {
		resp, err := g.postQuery(context.Background(), storefrontKey, mutation, map[string]any{"input": input})
		got <- answer{resp, err, time.Since(began)}
	}()
	// Past go-redis's read timeout (5 s by default), so the claim is sent again.
	time.Sleep(6 * time.Second)
	resume()
	a := <-got
	var d struct {
		CreateOrder struct {
			Order      *struct{ ID string }
			UserErrors []userErrorJSON
		}
	}
	if a.err == nil {
		a.err = json.Unmarshal(a.resp.Data, &d)
	}
	if a.err != nil || len(a.resp.Errors) > 0 || d.CreateOrder.Order == nil {
		t.Fatalf("createOrder across a 6 s Redis stall (after %v): %v %+v %s", a.took.Round(time.Millisecond), a.err, a.resp.Errors, a.resp.Data)
	}
	if a.took > timeout-2*time.Second {
		t.Errorf("createOrder across a 6 s stall took %v: it waited on its own claim", a.took)
	}
	if n := countRequests(g.sb, http.MethodPost, "/orders"); n != 1 {
		t.Errorf("POST /orders reached the sandbox %d times, want 1", n)
	}
	// The key is not blocked: a retry answers the same order at once.
	start := time.Now()
	again := newOrderFromStorefront(t, g, "stalled-1")
	if again.Order == nil || again.Order.ID != d.CreateOrder.Order.ID || time.Since(start) > 2*time.Second {
		t.Errorf("retry after the stall = %+v in %v, want order %s at once", again, time.Since(start), d.CreateOrder.Order.ID)
	}
}

// A TradeGecko write that times out may have landed: the answer is
// UPSTREAM_UNAVAILABLE telling the client to retry with the same key
// (never RATE_LIMITED, as when the lookup of the order ran on the expired
// deadline and the budget refused it), and that retry answers one order.
func TestCreateOrderTimesOut(t *testing.T) {
	g := newGateway(t, gatewayOptions{requestTimeout: time.Second})
	g.sb.SetLatency(1500 * time.Millisecond)
	const mutation = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } userErrors { code message } } }`
	input := map[string]any{"input": map[string]any{
		"idempotencyKey":  "slow-1",
		"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
		"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}},
	}}
	resp := g.query(storefrontKey, mutation, input)
	if resp.code(0) != "UPSTREAM_UNAVAILABLE" || len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0].Message, "same idempotency key") {
		t.Fatalf("createOrder timing out = %+v, want one UPSTREAM_UNAVAILABLE saying to retry with the same idempotency key", resp.Errors)
	}
	g.sb.SetLatency(0)
	again := newOrderFromStorefront(t, g, "slow-1")
	if again.Order == nil {
		t.Fatalf("retry with the same key = %+v", again.UserErrors)
	}
	if n := countRequests(g.sb, http.MethodPost, "/orders"); n < 2 {
		t.Errorf("POST /orders reached the sandbox %d times, want the timed-out one and the retry's", n)
	}
}

// A storefront key cannot set the order's currency: prices come from the
// price list in its currency, so 12.00 SGD must not go out as 12.00 NZD.
// Refused at both doors before anything is sent upstream.
func TestGuestCheckoutCurrency(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	guest := map[string]any{
		"idempotencyKey":  "guest-nzd-1",
		"currencyCode":    "NZD",
		"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
		"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}},
	}
	notAllowed := func(t *testing.T, door string, errs []userErrorJSON, field string) {
		t.Helper()
		for _, e := range errs {
			if strings.Join(e.Field, ".") == field && e.Code == "NOT_ALLOWED" {
				return
			}
		}
		t.Errorf("%s: guest checkout in NZD answered %+v, want NOT_ALLOWED at %s", door, errs, field)
	}
	t.Run("graphql", func(t *testing.T) {
		var p orderPayload
		n := g.upstream(func() {
			p = g.orderMutation(storefrontKey, `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } userErrors { field message code } } }`,
				"createOrder", map[string]any{"input": guest})
		})
		if n != 0 {
			t.Errorf("%d upstream requests, want none", n)
		}
		if p.Order != nil {
			t.Errorf("an order was placed: %+v", p.Order)
		}
		notAllowed(t, "GraphQL", p.UserErrors, "input.currencyCode")
	})
	t.Run("rest", func(t *testing.T) {
		rest := maps.Clone(guest)
		delete(rest, "idempotencyKey") // REST sends it in the Idempotency-Key header
		body, _ := json.Marshal(rest)
		var status int
		var prob struct {
			Errors []userErrorJSON `json:"errors"`
		}
		n := g.upstream(func() {
			req, _ := http.NewRequest(http.MethodPost, g.url+"/v1/orders", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+storefrontKey)
			req.Header.Set("Idempotency-Key", "guest-nzd-2")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			status = resp.StatusCode
			_ = json.NewDecoder(resp.Body).Decode(&prob)
		})
		if n != 0 {
			t.Errorf("%d upstream requests, want none", n)
		}
		if status != http.StatusUnprocessableEntity {
			t.Errorf("POST /v1/orders in NZD with a storefront key: status %d, want 422", status)
		}
		notAllowed(t, "REST", prob.Errors, "currencyCode")
	})
	// The admin key may still choose the currency.
	admin := map[string]any{"idempotencyKey": "admin-nzd-1", "currencyCode": "NZD",
		"companyId": "gid://tradegecko/Company/2", "shippingAddressId": "gid://tradegecko/Address/3",
		"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/7", "quantity": 1}}}
	if o := noUserErrors(t, "admin order in NZD", g.createOrder(adminKey, admin)); o.CurrencyCode != "NZD" {
		t.Errorf("admin order in NZD has currency %s", o.CurrencyCode)
	}
}

// A 413 states the limit of the route that refused the body: 64 KB on the
// webhook route, 2 MB elsewhere.
func TestBodyTooLargeNamesItsLimit(t *testing.T) {
	g := newGateway(t, gatewayOptions{webhooks: true})
	tests := []struct {
		name, path string
		size       int
		says       string
	}{
		{"webhook", "/webhooks/tradegecko", 65 << 10, "larger than 65536 bytes (64 KB)"},
		{"REST", "/v1/orders", 3 << 20, "larger than 2097152 bytes (2 MB)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), tc.size)...)
			body = append(body, `"}`...)
			req, _ := http.NewRequest(http.MethodPost, g.url+tc.path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+adminKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var prob struct {
				Detail string `json:"detail"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&prob)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(prob.Detail, tc.says) {
				t.Errorf("POST %s with %d bytes: %d %q, want 413 saying %q", tc.path, len(body), resp.StatusCode, prob.Detail, tc.says)
			}
		})
	}
}

// With no pending writes, GraphQL's pendingWrites is an empty list, as
// REST's is and as the contract says: never null.
func TestNoPendingWritesIsAnEmptyList(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})
	resp := g.query(adminKey, `{ pendingWrites { id } }`, nil)
	if len(resp.Errors) > 0 || string(resp.Data) != `{"pendingWrites":[]}` {
		t.Errorf("pendingWrites with none = %s %+v, want {\"pendingWrites\":[]}", resp.Data, resp.Errors)
	}
	_, body := get(t, g.url+"/v1/pending-writes", map[string]string{"Authorization": "Bearer " + adminKey})
	var rest struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &rest); err != nil || string(rest.Data) != `[]` {
		t.Errorf("GET /v1/pending-writes with none = %s, want data []", body)
	}
}

// A storefront guest reads the order it placed: its id, number, status and
// total, its lines (it sent them; the prices are what it pays), and its
// fulfillments and returns. Its company and addresses stay admin-only:
// those fields are nullable, so their FORBIDDEN lands at their paths and
// never takes the order with it.
func TestGuestReadsTheOrderItPlaced(t *testing.T) {
	// The mutation selects every order field: it plans 12 upstream
	// requests (graph/cost.go's deliberate overestimate of createOrder),
	// over the storefront default of 10, so it sets its own plan limit.
	g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{MaxUpstreamPerOperation: 15}})
	guest := map[string]any{
		"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
		"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 2}},
	}
	for _, key := range []string{"placed-1", "placed-1"} { // the first answer, then its replay
		guest["idempotencyKey"] = key
		resp := g.query(storefrontKey, createOrderMutation, map[string]any{"input": guest})
		var d struct {
			CreateOrder orderPayload `json:"createOrder"`
		}
		if err := json.Unmarshal(resp.Data, &d); err != nil {
			t.Fatalf("createOrder: %v %s", err, resp.Data)
		}
		o := d.CreateOrder.Order
		if o == nil || o.ID == "" || o.OrderNumber == "" || o.Status != "ACTIVE" || o.Total == nil {
			t.Fatalf("the guest's createOrder = %s %+v; want its order with id, number, status and total", resp.Data, resp.Errors)
		}
		if len(o.LineItems) != 1 || o.LineItems[0].Quantity != "2" || o.LineItems[0].Price != (moneyJSON{"12.00", "SGD"}) || o.LineItems[0].Variant == nil {
			t.Errorf("the guest's order lines = %+v, want its one line of 2 at 12.00 SGD", o.LineItems)
		}
		if o.Fulfillments == nil || len(o.Fulfillments) != 0 || o.Returns == nil || len(o.Returns) != 0 {
			t.Errorf("the guest's fulfillments %+v and returns %+v, want empty lists", o.Fulfillments, o.Returns)
		}
		forbidden := map[string]bool{}
		for _, e := range resp.Errors {
			if e.Extensions["code"] != "FORBIDDEN" || len(e.Path) != 3 {
				t.Errorf("unexpected error %+v", e)
				continue
			}
			forbidden[e.Path[2].(string)] = true
		}
		if len(forbidden) != 3 || !forbidden["company"] || !forbidden["shippingAddress"] || !forbidden["billingAddress"] {
			t.Errorf("FORBIDDEN at %v, want company, shippingAddress and billingAddress", forbidden)
		}
	}
	// The grant is the order it placed, not orders: lineItems of another
	// order, through node, stay forbidden.
	if r := g.query(storefrontKey, `{ node(id: "gid://tradegecko/Order/1") { id } }`, nil); r.code(0) != "FORBIDDEN" {
		t.Errorf("a guest reading another order: %+v", r.Errors)
	}
}
