package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/server"
)

const orderFields = `id orderNumber status paymentStatus invoiceStatus packedStatus fulfillmentStatus returnStatus
	total { amount currencyCode } currencyCode
	company { id name companyType } shippingAddress { id address1 label } billingAddress { id address1 }
	lineItems { id quantity price { amount currencyCode } discount variant { sku } }
	fulfillments { status tracking { trackingNumber } lineItems { quantity orderLineItem { id } } }
	returns { id status lineItems { quantity } }`

type orderJSON struct {
	ID                string     `json:"id"`
	OrderNumber       string     `json:"orderNumber"`
	Status            string     `json:"status"`
	PaymentStatus     string     `json:"paymentStatus"`
	InvoiceStatus     string     `json:"invoiceStatus"`
	PackedStatus      string     `json:"packedStatus"`
	FulfillmentStatus string     `json:"fulfillmentStatus"`
	ReturnStatus      string     `json:"returnStatus"`
	Total             *moneyJSON `json:"total"`
	CurrencyCode      string     `json:"currencyCode"`
	Company           *struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		CompanyType string `json:"companyType"`
	} `json:"company"`
	ShippingAddress *struct {
		ID       string `json:"id"`
		Address1 string `json:"address1"`
		Label    string `json:"label"`
	} `json:"shippingAddress"`
	BillingAddress *struct {
		ID       string `json:"id"`
		Address1 string `json:"address1"`
	} `json:"billingAddress"`
	LineItems []struct {
		ID       string    `json:"id"`
		Quantity string    `json:"quantity"`
		Price    moneyJSON `json:"price"`
		Discount *string   `json:"discount"`
		Variant  *struct {
			SKU string `json:"sku"`
		} `json:"variant"`
	} `json:"lineItems"`
	Fulfillments []struct {
		Status   string `json:"status"`
		Tracking struct {
			TrackingNumber *string `json:"trackingNumber"`
		} `json:"tracking"`
		LineItems []struct {
			Quantity string `json:"quantity"`
		} `json:"lineItems"`
	} `json:"fulfillments"`
	Returns []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"returns"`
}

type userErrorJSON struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

type orderPayload struct {
	Order      *orderJSON      `json:"order"`
	UserErrors []userErrorJSON `json:"userErrors"`
}

// mutate runs a mutation whose single field answers an OrderPayload.
func (g *gateway) orderMutation(key, mutation, field string, vars map[string]any) orderPayload {
	g.t.Helper()
	resp := g.query(key, mutation, vars)
	data := mustData[map[string]orderPayload](g.t, resp)
	return data[field]
}

const createOrderMutation = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { ` + orderFields + ` } userErrors { field message code } } }`

func (g *gateway) createOrder(key string, input map[string]any) orderPayload {
	g.t.Helper()
	return g.orderMutation(key, createOrderMutation, "createOrder", map[string]any{"input": input})
}

func (g *gateway) act(key, mutation, id string) orderPayload {
	g.t.Helper()
	name, args, _ := strings.Cut(mutation, ",")
	if args != "" {
		args = "," + args
	}
	q := fmt.Sprintf(`mutation($id: ID!) { %s(id: $id%s) { order { `+orderFields+` } userErrors { field message code } } }`, name, args)
	return g.orderMutation(key, q, name, map[string]any{"id": id})
}

// stock reads a variant's stock through the gateway.
func (g *gateway) stock(sku string) (onHand, committed, available string) {
	g.t.Helper()
	v := mustData[struct {
		Variants struct {
			Nodes []struct {
				Inventory struct {
					OnHand    string `json:"onHand"`
					Committed string `json:"committed"`
					Available string `json:"available"`
				} `json:"inventory"`
			} `json:"nodes"`
		} `json:"variants"`
	}](g.t, g.query(adminKey, `query($s: String) { variants(first: 1, filter: {sku: $s}) { nodes { inventory { onHand committed available } } } }`, map[string]any{"s": sku}))
	inv := v.Variants.Nodes[0].Inventory
	return inv.OnHand, inv.Committed, inv.Available
}

func noUserErrors(t *testing.T, what string, p orderPayload) *orderJSON {
	t.Helper()
	if len(p.UserErrors) > 0 || p.Order == nil {
		t.Fatalf("%s: userErrors %+v, order %v", what, p.UserErrors, p.Order)
	}
	return p.Order
}

// The whole life of an order through /graphql: created each documented
// way; invoiced, paid, packed, fulfilled; partly returned. Statuses, exact
// money and stock are right at each step.
func TestOrderLifecycle(t *testing.T) {
	g := newGateway(t, gatewayOptions{webhooks: true}) // the receipt of a return reaches the cache by webhook

	// 1. Existing company with addresses by id.
	p := g.createOrder(adminKey, map[string]any{
		"idempotencyKey":    "life-1",
		"companyId":         "gid://tradegecko/Company/1",
		"shippingAddressId": "gid://tradegecko/Address/1",
		"billingAddressId":  "gid://tradegecko/Address/2",
		"status":            "ACTIVE",
		"issuedAt":          "2026-11-23",
		"lineItems": []map[string]any{
			{"variantId": "gid://tradegecko/Variant/3", "quantity": "2", "price": "22.5", "discount": 10}, // 2 × 22.5 × 0.9 = 40.50
			{"variantId": "gid://tradegecko/Variant/2", "quantity": 1},                                    // Bill's Boots buys wholesale: 12.00
		},
	})
	o := noUserErrors(t, "create with ids", p)
	if o.Status != "ACTIVE" || o.Total == nil || *o.Total != (moneyJSON{"52.50", "SGD"}) || o.Company.Name != "Bill's Boots" ||
		o.ShippingAddress.ID != "gid://tradegecko/Address/1" || o.BillingAddress.ID != "gid://tradegecko/Address/2" || !strings.HasPrefix(o.OrderNumber, "WEB-") {
		t.Fatalf("order = %+v", o)
	}
	if l := o.LineItems; len(l) != 2 || l[0].Price != (moneyJSON{"22.50", "SGD"}) || l[1].Price != (moneyJSON{"12.00", "SGD"}) || l[0].Variant.SKU != "DEMO-GOBS-PEA" {
		t.Fatalf("lines = %+v", l)
	}
	// Active orders commit stock: Peach had 10 on hand, 3 committed.
	if onHand, committed, avail := g.stock("DEMO-GOBS-PEA"); onHand != "10" || committed != "5" || avail != "5" {
		t.Errorf("after the order: on hand %s, committed %s, available %s; want 10, 5, 5", onHand, committed, avail)
	}

	steps := []struct {
		mutation string
		check    func(o *orderJSON) bool
	}{
		{`invoiceOrder`, func(o *orderJSON) bool { return o.InvoiceStatus == "INVOICED" && o.PaymentStatus == "UNPAID" }},
		{`payOrder, input: {paymentMethodName: "Credit Card"}`, func(o *orderJSON) bool { return o.PaymentStatus == "PAID" }},
		{`packOrder, tracking: {trackingNumber: "00J6E0001234", trackingCompany: "Track Package"}`, func(o *orderJSON) bool {
			return o.PackedStatus == "PACKED" && len(o.Fulfillments) == 1 && o.Fulfillments[0].Status == "PACKED"
		}},
		{`fulfilOrder`, func(o *orderJSON) bool {
			return o.Status == "FULFILLED" && o.FulfillmentStatus == "SHIPPED" && len(o.Fulfillments) == 1 && o.Fulfillments[0].Status == "FULFILLED"
		}},
	}
	for _, st := range steps {
		o = noUserErrors(t, st.mutation, g.act(adminKey, st.mutation, o.ID))
		if !st.check(o) {
			t.Fatalf("after %s: %+v", st.mutation, o)
		}
		// Safe to retry: the same action again changes nothing.
		again := noUserErrors(t, st.mutation+" again", g.act(adminKey, st.mutation, o.ID))
		if a, b := mustJSON(again), mustJSON(o); a != b {
			t.Errorf("%s twice changed the order:\n%s\n%s", st.mutation, b, a)
		}
	}
	if tn := o.Fulfillments[0].Tracking.TrackingNumber; tn == nil || *tn != "00J6E0001234" {
		t.Errorf("tracking number = %v", tn)
	}
	// Fulfilled: stock withdrawn.
	if onHand, committed, _ := g.stock("DEMO-GOBS-PEA"); onHand != "8" || committed != "3" {
		t.Errorf("after fulfilment: on hand %s, committed %s; want 8, 3", onHand, committed)
	}
	// One payment, one invoice, one fulfillment at the sandbox.
	for path, want := range map[string]int{"/actions/pay": 1, "/actions/invoice": 1, "/actions/pack": 1, "/actions/fulfil": 1} {
		if n := countRequests(g.sb, "POST", path); n != want {
			t.Errorf("POST …%s reached the sandbox %d times, want %d", path, n, want)
		}
	}

	// Voiding a fulfilled order is what its state forbids, as a user error.
	v := g.act(adminKey, "voidOrder", o.ID)
	if v.Order != nil || len(v.UserErrors) != 1 || v.UserErrors[0].Code != "NOT_ALLOWED" || !strings.Contains(v.UserErrors[0].Message, "is FULFILLED") {
		t.Errorf("voidOrder on a fulfilled order = %+v", v)
	}

	// Return one Peach; the sandbox receives it and restocks.
	ret := g.query(adminKey, `mutation($in: CreateReturnInput!) { createReturn(input: $in) { return { id status lineItems { quantity orderLineItem { id } } order { returnStatus } } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"idempotencyKey": "ret-1", "orderId": o.ID, "notes": "too sweet",
			"lineItems": []map[string]any{{"orderLineItemId": o.LineItems[0].ID, "quantity": "1"}}}})
	rp := mustData[map[string]struct {
		Return *struct {
			ID        string `json:"id"`
			Status    string `json:"status"`
			LineItems []struct {
				Quantity string `json:"quantity"`
			} `json:"lineItems"`
			Order struct {
				ReturnStatus string `json:"returnStatus"`
			} `json:"order"`
		} `json:"return"`
		UserErrors []userErrorJSON `json:"userErrors"`
	}](t, ret)["createReturn"]
	if rp.Return == nil || rp.Return.Status != "RETURNING" || len(rp.Return.LineItems) != 1 || rp.Return.LineItems[0].Quantity != "1" || rp.Return.Order.ReturnStatus != "PARTIAL" {
		t.Fatalf("createReturn = %+v", rp)
	}
	var rid int64
	fmt.Sscanf(rp.Return.ID, "gid://tradegecko/Return/%d", &rid)
	if err := g.sb.ReceiveReturn(rid); err != nil {
		t.Fatal(err)
	}
	// The restock reaches the gateway as variant.stock_level_update.
	var onHand string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if onHand, _, _ = g.stock("DEMO-GOBS-PEA"); onHand == "9" {
			break
		}
	}
	if onHand != "9" {
		t.Errorf("after the return was received: on hand %s, want 9", onHand)
	}
	// More than was fulfilled is refused by the backend.
	over := g.query(adminKey, `mutation($in: CreateReturnInput!) { createReturn(input: $in) { return { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"orderId": o.ID, "lineItems": []map[string]any{{"orderLineItemId": o.LineItems[1].ID, "quantity": "5"}}}})
	if s := string(over.Data); !strings.Contains(s, `"code":"REJECTED"`) || !strings.Contains(s, `"return":null`) {
		t.Errorf("returning more than fulfilled: %s", s)
	}

	// 2. Existing company, new embedded address.
	o2 := noUserErrors(t, "existing company, new address", g.createOrder(adminKey, map[string]any{
		"companyId":       "gid://tradegecko/Company/1",
		"shippingAddress": map[string]any{"label": "Pop-up", "address1": "123 Cross St", "city": "Springfield", "country": "United States of America"},
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/4", "quantity": "1"}},
	}))
	if o2.Status != "DRAFT" || o2.ShippingAddress == nil || o2.ShippingAddress.Address1 != "123 Cross St" || o2.ShippingAddress.ID == "gid://tradegecko/Address/1" {
		t.Errorf("order with a new address = %+v", o2)
	}
	// 3. New company with its shipping address; fractional quantity.
	o3 := noUserErrors(t, "new company", g.createOrder(adminKey, map[string]any{
		"company":         map[string]any{"name": "TG Company", "companyType": "CONSUMER", "email": "tg@example.com"},
		"shippingAddress": map[string]any{"label": "Office", "address1": "123 TG Street"},
		"currencyCode":    "NZD",
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/6", "quantity": "32.5", "price": "1.1"}},
	}))
	if o3.Company == nil || o3.Company.Name != "TG Company" || o3.Company.CompanyType != "CONSUMER" || o3.CurrencyCode != "NZD" ||
		o3.Total == nil || *o3.Total != (moneyJSON{"35.75", "NZD"}) || o3.LineItems[0].Quantity != "32.5" {
		t.Errorf("order for a new company = %+v (total %+v)", o3, o3.Total)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func countRequests(sb *sandbox.Sandbox, method, pathSuffix string) int {
	n := 0
	for _, r := range sb.Requests() {
		if r.Method == method && strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}

// createOrder happens once per idempotency key: a retry (even after the
// sandbox applied the create and dropped its answer) returns the same
// order, concurrent requests cause one create, and the same key with
// another input is a user error.
func TestCreateOrderExactlyOnce(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	input := func(key, qty string) map[string]any {
		return map[string]any{
			"idempotencyKey": key,
			"companyId":      "gid://tradegecko/Company/2", "shippingAddressId": "gid://tradegecko/Address/3",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/7", "quantity": qty}},
		}
	}
	ordersNumbered := func(number string) int {
		return mustData[struct {
			Orders struct {
				TotalCount int `json:"totalCount"`
			} `json:"orders"`
		}](t, g.query(adminKey, `query($n: String) { orders(filter: {orderNumber: $n}) { totalCount } }`, map[string]any{"n": number})).Orders.TotalCount
	}

	t.Run("the answer is lost", func(t *testing.T) {
		g.sb.ResetRequests()
		g.sb.DropNextResponses(1) // the sandbox creates the order, then drops the connection
		first := noUserErrors(t, "first", g.createOrder(adminKey, input("lost-1", "1")))
		again := noUserErrors(t, "retry", g.createOrder(adminKey, input("lost-1", "1")))
		if first.ID != again.ID || first.OrderNumber != again.OrderNumber {
			t.Errorf("retry returned %s, first %s", again.ID, first.ID)
		}
		if n := ordersNumbered(first.OrderNumber); n != 1 {
			t.Errorf("the sandbox holds %d orders numbered %s, want 1", n, first.OrderNumber)
		}
		if n := countRequests(g.sb, "POST", "/orders"); n < 2 {
			t.Errorf("POST /orders reached the sandbox %d times; the drop should have caused a resend", n)
		}
	})

	t.Run("same key, other input", func(t *testing.T) {
		noUserErrors(t, "first", g.createOrder(adminKey, input("reuse-1", "1")))
		p := g.createOrder(adminKey, input("reuse-1", "2"))
		if p.Order != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" || strings.Join(p.UserErrors[0].Field, ".") != "input.idempotencyKey" {
			t.Errorf("reused key = %+v", p)
		}
		// Keys are scoped to the API key: the same key from another client is another order.
		other := newOrderFromStorefront(t, g, "reuse-1")
		if other.Order == nil {
			t.Errorf("the same idempotency key under another API key: %+v", other.UserErrors)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		g.sb.ResetRequests()
		g.sb.SetLatency(150 * time.Millisecond)
		defer g.sb.SetLatency(0)
		var wg sync.WaitGroup
		ids := make([]string, 8)
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := g.createOrder(adminKey, input("together-1", "1"))
				if p.Order != nil {
					ids[i] = p.Order.ID
				}
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id == "" || id != ids[0] {
				t.Fatalf("concurrent creates answered %v", ids)
			}
		}
		if n := countRequests(g.sb, "POST", "/orders"); n != 1 {
			t.Errorf("8 concurrent creates with one key sent %d POST /orders, want 1", n)
		}
	})
}

func newOrderFromStorefront(t *testing.T, g *gateway, key string) orderPayload {
	t.Helper()
	return g.orderMutation(storefrontKey, `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id status } userErrors { field message code } } }`, "createOrder",
		map[string]any{"input": map[string]any{
			"idempotencyKey":  key,
			"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
			"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
			"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}},
		}})
}

// A storefront key can check out as a guest, and nothing else about orders.
func TestStorefrontCheckout(t *testing.T) {
	// Its own upstream plan limit: the guest checkout below selects every
	// order field (orderFields), which plans 12 upstream requests on a cold
	// cache (the write and its possible lookups, then each nested lookup),
	// over the storefront default of 10.
	g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{MaxUpstreamPerOperation: 15}})
	p := newOrderFromStorefront(t, g, "guest-1")
	if p.Order == nil || p.Order.Status != "ACTIVE" {
		t.Fatalf("guest checkout = %+v", p)
	}
	// Prices came from the account's default order price list (wholesale 12.00).
	o := noUserErrors(t, "read back", g.orderMutation(adminKey, `mutation($i: ID!) { invoiceOrder(id: $i) { order { `+orderFields+` } userErrors { code message field } } }`, "invoiceOrder", map[string]any{"i": p.Order.ID}))
	if o.LineItems[0].Price != (moneyJSON{"12.00", "SGD"}) || o.Company.CompanyType != "CONSUMER" {
		t.Errorf("guest order = %+v", o)
	}

	forbidden := []struct{ name, query string }{
		{"voidOrder", `mutation { voidOrder(id: "` + p.Order.ID + `") { order { id } } }`},
		{"orders", `{ orders(first: 5) { totalCount } }`},
		{"node on an Order", `{ node(id: "` + p.Order.ID + `") { id } }`},
		{"order", `{ order(id: "` + p.Order.ID + `") { id } }`},
	}
	for _, tc := range forbidden {
		t.Run(tc.name, func(t *testing.T) {
			resp := g.query(storefrontKey, tc.query, nil)
			if resp.code(0) != "FORBIDDEN" {
				t.Errorf("%s with a storefront key: %+v, want FORBIDDEN", tc.name, resp.Errors)
			}
		})
	}

	// Guest checkout cannot use ids, prices, discounts or a status.
	resp := g.query(storefrontKey, createOrderMutation, map[string]any{"input": map[string]any{
		"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1", "status": "DRAFT",
		"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1, "price": "0.01", "discount": "100"}},
	}})
	got := mustData[map[string]orderPayload](t, resp)["createOrder"]
	fields := map[string]string{}
	for _, e := range got.UserErrors {
		fields[strings.Join(e.Field, ".")] = e.Code
	}
	for _, f := range []string{"input.companyId", "input.shippingAddressId", "input.status", "input.lineItems.0.price", "input.lineItems.0.discount"} {
		if fields[f] != "NOT_ALLOWED" {
			t.Errorf("guest checkout with %s: userErrors %v, want NOT_ALLOWED there", f, fields)
		}
	}
}

// Input the gateway can check is refused before anything is sent.
func TestCreateOrderValidation(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	tests := []struct {
		name  string
		input map[string]any
		field string
		code  string
	}{
		{"no customer", map[string]any{"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}, "input.company", "REQUIRED"},
		{"no lines", map[string]any{"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1", "lineItems": []any{}}, "input.lineItems", "REQUIRED"},
		{"zero quantity", map[string]any{"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": "0"}}}, "input.lineItems.0.quantity", "INVALID"},
		{"price with five decimals", map[string]any{"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": "1", "price": "1.00001"}}}, "input.lineItems.0.price", "SUB_UNIT_AMOUNT"},
		{"new company without address", map[string]any{"company": map[string]any{"name": "X"},
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}, "input.shippingAddress", "REQUIRED"},
		{"unknown currency", map[string]any{"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1", "currencyCode": "JPY",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}, "input.currencyCode", "INVALID"},
		{"discount over 100", map[string]any{"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1, "discount": "150"}}}, "input.lineItems.0.discount", "INVALID"},
		{"bad email", map[string]any{"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1", "email": "not an email",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}, "input.email", "INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p orderPayload
			n := g.upstream(func() { p = g.createOrder(adminKey, tc.input) })
			found := false
			for _, e := range p.UserErrors {
				found = found || (strings.Join(e.Field, ".") == tc.field && e.Code == tc.code)
			}
			if !found || p.Order != nil {
				t.Errorf("userErrors = %+v, want %s at %s", p.UserErrors, tc.code, tc.field)
			}
			if n != 0 {
				t.Errorf("invalid input reached the sandbox %d times", n)
			}
		})
	}
	// A variant the backend does not know: its own refusal, as REJECTED.
	p := g.createOrder(adminKey, map[string]any{"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
		"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/999999", "quantity": 1}}})
	if p.Order != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "REJECTED" {
		t.Errorf("unknown variant = %+v, want REJECTED", p)
	}
	// Malformed ids are argument errors.
	resp := g.query(adminKey, createOrderMutation, map[string]any{"input": map[string]any{"companyId": "gid://tradegecko/Product/1",
		"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}})
	if resp.code(0) != "BAD_USER_INPUT" || !strings.Contains(resp.Errors[0].Message, "input.companyId") {
		t.Errorf("malformed companyId: %+v", resp.Errors)
	}
}

// An order of more than 250 lines is created in parts, and the result is
// one order with every line.
func TestCreateLargeOrder(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	// Variants of the generated catalog.
	vs := mustData[struct {
		Variants struct {
			Nodes []struct {
				ID string `json:"id"`
			} `json:"nodes"`
		} `json:"variants"`
	}](t, g.query(adminKey, `{ a: variants(first: 100) { nodes { id } } }`, nil))
	_ = vs
	var lines []map[string]any
	page := ""
	for len(lines) < 600 {
		vars := map[string]any{}
		if page != "" {
			vars["after"] = page
		}
		data := mustData[struct {
			Variants struct {
				PageInfo struct {
					EndCursor string `json:"endCursor"`
				} `json:"pageInfo"`
				Nodes []struct {
					ID        string `json:"id"`
					Inventory struct {
						CanSell bool `json:"canSell"`
					} `json:"inventory"`
				} `json:"nodes"`
			} `json:"variants"`
		}](t, g.query(adminKey, `query($after: String) { variants(first: 100, after: $after) { pageInfo { endCursor } nodes { id inventory { canSell } } } }`, vars))
		for _, n := range data.Variants.Nodes {
			lines = append(lines, map[string]any{"variantId": n.ID, "quantity": "1", "price": "1.25"})
		}
		page = data.Variants.PageInfo.EndCursor
	}
	lines = lines[:600]
	g.sb.ResetRequests()
	p := g.createOrder(adminKey, map[string]any{"idempotencyKey": "big-1", "companyId": "gid://tradegecko/Company/1",
		"shippingAddressId": "gid://tradegecko/Address/1", "status": "ACTIVE", "lineItems": lines})
	o := noUserErrors(t, "600 lines", p)
	if len(o.LineItems) != 600 || o.Status != "ACTIVE" || o.Total == nil || *o.Total != (moneyJSON{"750.00", "SGD"}) {
		t.Errorf("600-line order: %d lines, status %s, total %+v", len(o.LineItems), o.Status, o.Total)
	}
	if posts, puts := countRequests(g.sb, "POST", "/orders"), countRequests(g.sb, "PUT", "/orders/"+strings.TrimPrefix(o.ID, "gid://tradegecko/Order/")); posts != 1 || puts != 3 {
		t.Errorf("multi-part create: %d POST, %d PUT; want 1 POST (250 lines) and 3 PUT (250, 100, status)", posts, puts)
	}
	// Retrying the same key returns the same order, sends nothing new.
	again := noUserErrors(t, "retry", g.createOrder(adminKey, map[string]any{"idempotencyKey": "big-1", "companyId": "gid://tradegecko/Company/1",
		"shippingAddressId": "gid://tradegecko/Address/1", "status": "ACTIVE", "lineItems": lines}))
	if again.ID != o.ID {
		t.Errorf("retry returned %s, want %s", again.ID, o.ID)
	}
}

// Twenty orders with their lines (and each line's variant), company and
// both addresses: 2 requests where the index honours include=, 5 where it
// does not.
func TestOrderListCost(t *testing.T) {
	for _, tc := range []struct {
		ignore bool
		max    int
	}{{false, 2}, {true, 5}} {
		t.Run(fmt.Sprintf("ignoreInclude=%v", tc.ignore), func(t *testing.T) {
			g := newGateway(t, gatewayOptions{sandbox: sandbox.Options{IgnoreIndexInclude: tc.ignore}})
			for i := range 22 {
				noUserErrors(t, "seed", g.createOrder(adminKey, map[string]any{
					"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1", "billingAddressId": "gid://tradegecko/Address/2",
					"lineItems": []map[string]any{
						{"variantId": fmt.Sprintf("gid://tradegecko/Variant/%d", 10+i), "quantity": 1, "price": "3"},
						{"variantId": "gid://tradegecko/Variant/2", "quantity": 2},
					}}))
			}
			var resp gqlResponse
			n := g.upstream(func() {
				resp = g.query(adminKey, `{ orders(first: 20) { totalCount nodes { orderNumber lineItems { quantity variant { sku name } } company { name } shippingAddress { address1 } billingAddress { address1 } } } }`, nil)
			})
			data := mustData[struct {
				Orders struct {
					TotalCount int `json:"totalCount"`
					Nodes      []struct {
						LineItems []struct {
							Variant *struct {
								SKU string `json:"sku"`
							} `json:"variant"`
						} `json:"lineItems"`
						Company         *struct{ Name string } `json:"company"`
						ShippingAddress *struct{ Address1 string }
						BillingAddress  *struct{ Address1 string }
					} `json:"nodes"`
				} `json:"orders"`
			}](t, resp)
			if n > tc.max {
				t.Errorf("20 orders with lines, variants, company and addresses cost %d requests, want at most %d: %v", n, tc.max, paths(g.sb))
			}
			if data.Orders.TotalCount != 22 || len(data.Orders.Nodes) != 20 {
				t.Fatalf("orders: total %d, %d nodes", data.Orders.TotalCount, len(data.Orders.Nodes))
			}
			for _, o := range data.Orders.Nodes {
				if len(o.LineItems) != 2 || o.LineItems[1].Variant == nil || o.LineItems[1].Variant.SKU != "DEMO-GOBS-SNO" || o.Company == nil || o.ShippingAddress == nil || o.BillingAddress == nil {
					t.Fatalf("order = %+v", o)
				}
			}
		})
	}
}

// A mutation's full payload is read back in one request with its
// sideloads, not a lookup per kind: creating a guest order and answering
// its lines (with variants), company, addresses, fulfilments and returns
// costs the write, one GET /orders/{id}?include=…, the variants and the
// two child lists.
func TestCreateOrderPayloadCost(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	var p orderPayload
	n := g.upstream(func() {
		p = g.createOrder(adminKey, map[string]any{
			"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
			"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
			"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 2}},
		})
	})
	noUserErrors(t, "createOrder", p)
	o := p.Order
	if o == nil || o.Company == nil || o.Company.Name != "Guest Shopper" || o.ShippingAddress == nil || o.ShippingAddress.Address1 != "1 Guest Lane" ||
		len(o.LineItems) != 1 || o.LineItems[0].Variant == nil || o.LineItems[0].Price.Amount == "" {
		t.Fatalf("order = %+v", o)
	}
	if n > 5 {
		t.Errorf("createOrder with its full payload cost %d requests, want at most 5: %v", n, paths(g.sb))
	}
	for _, p := range paths(g.sb) {
		for _, lookup := range []string{"/order_line_items", "/companies", "/addresses"} {
			if strings.HasPrefix(p, "GET "+lookup) {
				t.Errorf("%s: a lookup the read-back should have covered (%v)", p, paths(g.sb))
			}
		}
	}
}

// A write through the gateway drops what it changed from the cache, with
// no webhook needed: stock read (and cached) before an active order, and
// before its fulfilment, shows their effect in the very next query.
func TestOrderInvalidatesStock(t *testing.T) {
	g := newGateway(t, gatewayOptions{}) // no webhooks: only the mutation can tell the cache
	const sku = "DEMO-GOBS-SNO"          // Variant 2
	read := func() [3]string {
		onHand, committed, available := g.stock(sku)
		return [3]string{onHand, committed, available}
	}
	before := read()
	if n := g.upstream(func() { read() }); n != 0 {
		t.Fatalf("the second read cost %d requests: not cached", n)
	}
	o := noUserErrors(t, "createOrder", g.createOrder(adminKey, map[string]any{"companyId": "gid://tradegecko/Company/1",
		"shippingAddressId": "gid://tradegecko/Address/1", "status": "ACTIVE",
		"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 2}}}))
	ordered := read()
	if ordered[1] == before[1] || ordered[2] == before[2] {
		t.Errorf("stock (on hand, committed, available) after an order of 2 = %v, before %v: the cache kept the old stock", ordered, before)
	}
	read() // cached again
	noUserErrors(t, "fulfilOrder", g.act(adminKey, "fulfilOrder", o.ID))
	if fulfilled := read(); fulfilled[0] == ordered[0] {
		t.Errorf("stock after fulfilling = %v, before %v: the cache kept the old stock", fulfilled, ordered)
	}
}
