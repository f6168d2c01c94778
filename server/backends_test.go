package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	tgsandbox "github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// End to end through /graphql: the gateway, the TradeGlobal and
// SimpleConsign adapters, and their sandboxes over real HTTP.

const placeIntl = `mutation($in: InternationalOrderInput!) {
  placeInternationalOrder(input: $in) {
    internationalOrder {
      id merchantOrderId serviceCode status placedAt
      quote {
        quoteId totalCost { amount currencyCode }
        customs { total { amount } fees { type amount { amount } } }
        import { total { amount } fees { type classification amount { amount } } }
        service { total { amount } }
        shipping { total { amount } fees { type amount { amount } } discounts { type amount { amount } } }
      }
      products { sku quantity unitPrice { amount currencyCode } weight weightUom }
      shipTo { firstName country }
    }
    userErrors { field code message }
  }
}`

type intlPayload struct {
	PlaceInternationalOrder struct {
		InternationalOrder *struct {
			ID, MerchantOrderID, ServiceCode, Status string
			Quote                                    *struct {
				QuoteID   string
				TotalCost struct{ Amount, CurrencyCode string }
				Customs   struct {
					Total struct{ Amount string }
				}
				Import struct {
					Total struct{ Amount string }
					Fees  []struct {
						Type, Classification string
						Amount               struct{ Amount string }
					}
				}
				Service  struct{ Total struct{ Amount string } }
				Shipping struct {
					Total     struct{ Amount string }
					Discounts []struct {
						Type   string
						Amount struct{ Amount string }
					}
				}
			}
			Products []struct {
				SKU       string
				Quantity  int
				UnitPrice struct{ Amount, CurrencyCode string }
				Weight    string
			}
		}
		UserErrors []userError
	}
}

type userError struct {
	Field   []string
	Code    string
	Message string
}

// specOrder is the TGC spec's example request, as GraphQL input.
func specOrder() map[string]any {
	return map[string]any{
		"merchantOrderId": "TG0000015",
		"serviceCode":     "GMDDP",
		"shipTo": map[string]any{
			"firstName": "Bryan", "lastName": "Testcase", "address1": "123 Main Street", "city": "Toronto",
			"stateProvince": "ON", "postal": "M5S 2A2", "country": "CA", "phone": "555555555", "email": "test@tgc.com",
		},
		"products": []any{map[string]any{
			"sku": "TGSAND_TestSKU123", "quantity": 1, "unitPrice": "26.99",
			"description": "Test SKU", "harmonizedTariffCode": "620441", "countryOfOrigin": "CN",
			"length": "3", "width": "6", "height": "9", "sizeUom": "IN", "weight": "0.75", "weightUom": "LBS",
			"commercialInvoiceDescription": "A Test Description",
		}},
	}
}

func TestInternationalOrderSpecExample(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})

	// A storefront key may place one: it is the checkout.
	r := g.query(storefrontKey, placeIntl, map[string]any{"in": specOrder()})
	p := mustData[intlPayload](t, r).PlaceInternationalOrder
	if len(p.UserErrors) > 0 || p.InternationalOrder == nil {
		t.Fatalf("userErrors %+v", p.UserErrors)
	}
	o := p.InternationalOrder
	if o.Status != "PLACED" || o.MerchantOrderID != "TG0000015" || o.Quote == nil {
		t.Fatalf("order = %+v", o)
	}
	q := o.Quote
	// The spec's example response, carried as given.
	for _, c := range []struct{ name, got, want string }{
		{"totalCost", q.TotalCost.Amount, "53.39"},
		{"currency", q.TotalCost.CurrencyCode, "USD"},
		{"customs", q.Customs.Total.Amount, "0.00"},
		{"import", q.Import.Total.Amount, "9.00"},
		{"service", q.Service.Total.Amount, "5.00"},
		{"shipping", q.Shipping.Total.Amount, "0.00"},
		{"unitPrice", o.Products[0].UnitPrice.Amount, "26.99"},
		{"weight", o.Products[0].Weight, "0.75"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if q.QuoteID == "" || len(q.Import.Fees) != 3 || q.Import.Fees[0].Type != "Duty" || q.Import.Fees[0].Amount.Amount != "4.86" {
		t.Errorf("quote = %+v", q)
	}
	if len(q.Shipping.Discounts) != 1 || q.Shipping.Discounts[0].Amount.Amount != "-12.40" {
		t.Errorf("shipping discounts = %+v", q.Shipping.Discounts)
	}

	// What reached TradeGlobal: the decimals exactly as given.
	reqs := g.tgc.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to TradeGlobal, want 1", len(reqs))
	}
	body := string(reqs[0].Body)
	for _, want := range []string{`"UnitPrice":26.99`, `"Weight":0.75`, `"PassingFreightCost":false`, `"MerchantCode":"TGCSANDBOX"`, `"Quantity":1`} {
		if !strings.Contains(body, want) {
			t.Errorf("request body lacks %s:\n%s", want, body)
		}
	}

	// Placing it again answers the order placed and sends nothing.
	if n := g.tgcRequests(func() {
		again := mustData[intlPayload](t, g.query(storefrontKey, placeIntl, map[string]any{"in": specOrder()})).PlaceInternationalOrder
		if again.InternationalOrder == nil || again.InternationalOrder.Quote == nil || again.InternationalOrder.Quote.QuoteID != q.QuoteID {
			t.Errorf("placing again = %+v", again)
		}
	}); n != 0 {
		t.Errorf("placing again sent %d requests", n)
	}
	// The same id with another input is refused, also without a request.
	other := specOrder()
	other["serviceCode"] = "EXPDDP"
	if n := g.tgcRequests(func() {
		ue := mustData[intlPayload](t, g.query(storefrontKey, placeIntl, map[string]any{"in": other})).PlaceInternationalOrder.UserErrors
		if len(ue) != 1 || ue[0].Code != "IDEMPOTENCY_KEY_REUSED" {
			t.Errorf("another input under the same id: %+v", ue)
		}
	}); n != 0 {
		t.Errorf("a reused id sent %d requests", n)
	}

	// The record: admin only.
	const read = `{ internationalOrder(merchantOrderId: "TG0000015") { merchantOrderId quote { totalCost { amount } } }
	  internationalOrders(first: 10) { totalCount nodes { merchantOrderId } } }`
	if r := g.query(storefrontKey, read, nil); r.code(0) != "FORBIDDEN" {
		t.Errorf("storefront reads the international orders: %+v", r.Errors)
	}
	got := mustData[struct {
		InternationalOrder struct {
			MerchantOrderID string
			Quote           struct{ TotalCost struct{ Amount string } }
		}
		InternationalOrders struct {
			TotalCount int
			Nodes      []struct{ MerchantOrderID string }
		}
	}](t, g.query(adminKey, read, nil))
	if got.InternationalOrder.Quote.TotalCost.Amount != "53.39" || got.InternationalOrders.TotalCount != 1 ||
		got.InternationalOrders.Nodes[0].MerchantOrderID != "TG0000015" {
		t.Errorf("read back %+v", got)
	}
}

func (g *gateway) tgcRequests(fn func()) int {
	g.tgc.ResetRequests()
	fn()
	return g.tgc.RequestCount()
}

func (g *gateway) scRequests(fn func()) int {
	g.sc.ResetRequests()
	fn()
	return g.sc.RequestCount()
}

func TestInternationalOrderRefusals(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})

	t.Run("FAILED becomes a user error", func(t *testing.T) {
		// A SKU TradeGlobal has never seen, without its customs data: the
		// gateway cannot know, so TradeGlobal decides.
		in := specOrder()
		in["merchantOrderId"] = "WEB-NEW-1"
		in["products"] = []any{map[string]any{"sku": "NEVER-SEEN-1", "quantity": 2, "unitPrice": "10.00"}}
		var p intlPayload
		if n := g.tgcRequests(func() { p = mustData[intlPayload](t, g.query(adminKey, placeIntl, map[string]any{"in": in})) }); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
		ue := p.PlaceInternationalOrder.UserErrors
		if p.PlaceInternationalOrder.InternationalOrder != nil || len(ue) == 0 || ue[0].Code != "REJECTED" || ue[0].Message == "" {
			t.Fatalf("payload = %+v", p.PlaceInternationalOrder)
		}
		// Nothing was recorded, and the id may be used again once fixed.
		if r := g.query(adminKey, `{ internationalOrder(merchantOrderId: "WEB-NEW-1") { status } }`, nil); string(r.Data) != `{"internationalOrder":null}` {
			t.Errorf("a refused order was recorded: %s %+v", r.Data, r.Errors)
		}
		in["products"] = specOrder()["products"]
		if p := mustData[intlPayload](t, g.query(adminKey, placeIntl, map[string]any{"in": in})).PlaceInternationalOrder; p.InternationalOrder == nil {
			t.Errorf("the corrected order: %+v", p.UserErrors)
		}
	})

	t.Run("bad input is refused before any request", func(t *testing.T) {
		cases := []struct {
			name  string
			edit  func(in map[string]any)
			field string
			code  string
		}{
			{"sub-cent price", func(in map[string]any) { product(in)["unitPrice"] = "26.999" }, "unitPrice", "SUB_UNIT_AMOUNT"},
			{"zero price", func(in map[string]any) { product(in)["unitPrice"] = "0" }, "unitPrice", "INVALID"},
			{"zero quantity", func(in map[string]any) { product(in)["quantity"] = 0 }, "quantity", "INVALID"},
			{"three-letter country", func(in map[string]any) { in["shipTo"].(map[string]any)["country"] = "CAN" }, "country", "INVALID"},
			{"no order id", func(in map[string]any) { delete(in, "merchantOrderId") }, "merchantOrderId", "REQUIRED"},
			{"long order id", func(in map[string]any) { in["merchantOrderId"] = strings.Repeat("X", 51) }, "merchantOrderId", "TOO_LONG"},
			{"no products", func(in map[string]any) { delete(in, "products") }, "products", "REQUIRED"},
			{"empty products", func(in map[string]any) { in["products"] = []any{} }, "products", "REQUIRED"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := specOrder()
				in["merchantOrderId"] = "BAD-" + strings.ReplaceAll(c.name, " ", "-")
				c.edit(in)
				var ue []userError
				if n := g.tgcRequests(func() {
					ue = mustData[intlPayload](t, g.query(adminKey, placeIntl, map[string]any{"in": in})).PlaceInternationalOrder.UserErrors
				}); n != 0 {
					t.Errorf("%d requests sent", n)
				}
				if len(ue) == 0 || ue[0].Code != c.code || !strings.Contains(strings.Join(ue[0].Field, "."), c.field) {
					t.Errorf("userErrors = %+v, want %s on %s", ue, c.code, c.field)
				}
			})
		}
		// A unit the schema does not know never reaches a resolver.
		in := specOrder()
		product(in)["sizeUom"] = "FT"
		if n := g.tgcRequests(func() {
			if r := g.query(adminKey, placeIntl, map[string]any{"in": in}); len(r.Errors) == 0 {
				t.Errorf("sizeUom FT accepted: %s", r.Data)
			}
		}); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})

	t.Run("a lost answer is found out by the resend", func(t *testing.T) {
		in := specOrder()
		in["merchantOrderId"] = "WEB-LOST-1"
		g.tgc.DropNextResponses(1)
		r := g.query(adminKey, placeIntl, map[string]any{"in": in})
		if r.code(0) != "UPSTREAM_UNAVAILABLE" {
			t.Fatalf("first attempt: %+v", r.Errors)
		}
		if _, ok := g.tgc.Order("WEB-LOST-1"); !ok {
			t.Fatal("the sandbox did not keep the order whose answer it dropped")
		}
		// The retry resends with the same MerchantOrderID; TradeGlobal
		// refuses it as existing, which proves the first attempt landed.
		p := mustData[intlPayload](t, g.query(adminKey, placeIntl, map[string]any{"in": in})).PlaceInternationalOrder
		if p.InternationalOrder == nil || p.InternationalOrder.Status != "PLACED_QUOTE_UNKNOWN" || p.InternationalOrder.Quote != nil {
			t.Fatalf("retry = %+v", p)
		}
		if n := g.tgc.OrderCount(); n != 2 { // TG0000015 and this one
			t.Errorf("the sandbox has %d orders, want 2", n)
		}
	})
}

func product(in map[string]any) map[string]any { return in["products"].([]any)[0].(map[string]any) }

const (
	recordSale = `mutation($in: ConsignmentTransactionInput!) {
  recordConsignmentSale(input: $in) { transaction { ...tx } userErrors { field code message } }
}
fragment tx on ConsignmentTransaction {
  id orderNumber type outcome recordedAt
  items { sku quantity taxable unitPrice { amount currencyCode } }
  nonTaxableTotal { amount } taxableTotal { amount } tax { amount } total { amount }
}`
	recordReturn = `mutation($in: ConsignmentTransactionInput!) {
  recordConsignmentReturn(input: $in) { transaction { id orderNumber type outcome items { sku quantity } total { amount } } userErrors { field code message } }
}`
)

type consignmentTx struct {
	ID, OrderNumber, Type, Outcome string
	Items                          []struct {
		SKU       string
		Quantity  int
		Taxable   bool
		UnitPrice struct{ Amount, CurrencyCode string }
	}
	NonTaxableTotal, TaxableTotal, Tax, Total struct{ Amount string }
}

type consignmentPayload struct {
	Transaction *consignmentTx
	UserErrors  []userError
}

func (g *gateway) sale(key string, in map[string]any) (consignmentPayload, gqlResponse) {
	g.t.Helper()
	r := g.query(key, recordSale, map[string]any{"in": in})
	var d struct{ RecordConsignmentSale consignmentPayload }
	if r.Data != nil {
		_ = json.Unmarshal(r.Data, &d)
	}
	return d.RecordConsignmentSale, r
}

// saleBurst records n one-item sales, round robin over gws, with order
// numbers prefix0..; it counts those recorded and those RATE_LIMITED (any
// other answer fails the test), and fails the test if SimpleConsign itself
// ever refused one: the gateway's budget must come first.
func saleBurst(t *testing.T, gws []*gateway, sc *sandbox.Sandbox, n int, prefix string) (recorded, limited int) {
	t.Helper()
	for i := range n {
		p, r := gws[i%len(gws)].sale(adminKey, map[string]any{"orderNumber": fmt.Sprintf("%s%d", prefix, i),
			"items": []any{map[string]any{"sku": "JK3305", "unitPrice": "10.00", "quantity": 1}}})
		switch {
		case p.Transaction != nil:
			recorded++
		case r.code(0) == "RATE_LIMITED":
			limited++
			if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra <= 0 || ra > 610 {
				t.Errorf("sale %d: retryAfter %v, want 1..610 s (the window and its slack)", i, r.Errors[0].Extensions["retryAfter"])
			}
		default:
			t.Fatalf("sale %d: %+v %+v", i, r.Errors, p.UserErrors)
		}
	}
	for _, req := range sc.Requests() {
		if req.Status != http.StatusOK || req.Error != "" {
			t.Errorf("SimpleConsign answered %d %q: the gateway overran its limit", req.Status, req.Error)
		}
	}
	return recorded, limited
}

func (g *gateway) ret(in map[string]any) (consignmentPayload, gqlResponse) {
	g.t.Helper()
	r := g.query(adminKey, recordReturn, map[string]any{"in": in})
	var d struct{ RecordConsignmentReturn consignmentPayload }
	if r.Data != nil {
		_ = json.Unmarshal(r.Data, &d)
	}
	return d.RecordConsignmentReturn, r
}

// sentItems decodes the items of a request SimpleConsign received.
func sentItems(t *testing.T, body []byte) (items []struct {
	SKU      string `json:"sku"`
	Price    int64  `json:"price"`
	Quantity int64  `json:"quantity"`
}, totals map[string]any) {
	t.Helper()
	var b map[string]json.RawMessage
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatalf("request body: %v\n%s", err, body)
	}
	if err := json.Unmarshal(b["items"], &items); err != nil {
		t.Fatalf("items: %v", err)
	}
	totals = map[string]any{}
	for _, k := range []string{"nonTaxableSaleTotal", "taxableSaleTotal", "tax", "type", "orderNumber"} {
		var v any
		_ = json.Unmarshal(b[k], &v)
		totals[k] = v
	}
	return items, totals
}

func TestConsignmentSale(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})
	sale := map[string]any{
		"orderNumber": "WEB-1001",
		"items": []any{
			map[string]any{"sku": "GFFY72", "unitPrice": "54.00", "quantity": 1},
			map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 1, "taxable": true},
			map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 1, "taxable": true},
		},
		"tax": "2.08",
	}

	if p, r := g.sale(storefrontKey, sale); r.code(0) != "FORBIDDEN" || p.Transaction != nil {
		t.Fatalf("storefront key recorded a sale: %+v", r.Errors)
	}

	p, r := g.sale(adminKey, sale)
	if len(r.Errors) > 0 || len(p.UserErrors) > 0 || p.Transaction == nil {
		t.Fatalf("errors %+v, userErrors %+v", r.Errors, p.UserErrors)
	}
	tx := p.Transaction
	if tx.Type != "SALE" || tx.Outcome != "RECORDED" || len(tx.Items) != 2 ||
		tx.NonTaxableTotal.Amount != "54.00" || tx.TaxableTotal.Amount != "25.98" || tx.Tax.Amount != "2.08" || tx.Total.Amount != "82.06" {
		t.Errorf("transaction = %+v", tx)
	}

	// One SKU on two lines reaches SimpleConsign as one line, in cents.
	reqs := g.sc.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to SimpleConsign, want 1", len(reqs))
	}
	items, totals := sentItems(t, reqs[0].Body)
	if len(items) != 2 || items[1].SKU != "AD4J56" || items[1].Quantity != 2 || items[1].Price != 1299 || items[0].Price != 5400 {
		t.Errorf("items sent = %+v", items)
	}
	if totals["nonTaxableSaleTotal"] != 5400.0 || totals["taxableSaleTotal"] != 2598.0 || totals["tax"] != 208.0 ||
		totals["type"] != "SALE" || totals["orderNumber"] != "WEB-1001" {
		t.Errorf("totals sent = %v", totals)
	}
	if got := g.sc.Transactions(sandbox.DefaultKey, "WEB-1001"); len(got) != 1 {
		t.Fatalf("SimpleConsign has %d transactions", len(got))
	}

	// Retrying is safe: the same content answers the sale recorded.
	if n := g.scRequests(func() {
		again, r := g.sale(adminKey, sale)
		if len(r.Errors) > 0 || again.Transaction == nil || again.Transaction.ID != tx.ID {
			t.Errorf("retry: %+v %+v", again, r.Errors)
		}
	}); n != 0 {
		t.Errorf("the retry sent %d requests", n)
	}
	if got := g.sc.Transactions(sandbox.DefaultKey, "WEB-1001"); len(got) != 1 {
		t.Errorf("after the retry SimpleConsign has %d transactions", len(got))
	}
	// Other content under the same order number is a duplicate sale.
	other := map[string]any{"orderNumber": "WEB-1001", "items": []any{map[string]any{"sku": "JK3305", "unitPrice": "5.00", "quantity": 1}}}
	if p, _ := g.sale(adminKey, other); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "DUPLICATE_SALE" {
		t.Errorf("another sale under WEB-1001: %+v", p)
	}

	t.Run("bad money is refused before any request", func(t *testing.T) {
		for _, c := range []struct {
			name  string
			items []any
			tax   any
			code  string
		}{
			{"sub-cent price", []any{map[string]any{"sku": "JK3305", "unitPrice": "12.345", "quantity": 1}}, nil, "SUB_UNIT_AMOUNT"},
			{"sub-cent tax", []any{map[string]any{"sku": "JK3305", "unitPrice": "12.34", "quantity": 1, "taxable": true}}, "0.001", "SUB_UNIT_AMOUNT"},
			{"one SKU at two prices", []any{
				map[string]any{"sku": "JK3305", "unitPrice": "12.34", "quantity": 1},
				map[string]any{"sku": "JK3305", "unitPrice": "12.35", "quantity": 1},
			}, nil, "SKU_PRICE_CONFLICT"},
			{"no SKU", []any{map[string]any{"unitPrice": "1.00", "quantity": 1}}, nil, "REQUIRED"},
		} {
			t.Run(c.name, func(t *testing.T) {
				in := map[string]any{"orderNumber": "WEB-BAD", "items": c.items}
				if c.tax != nil {
					in["tax"] = c.tax
				}
				if n := g.scRequests(func() {
					p, r := g.sale(adminKey, in)
					if len(r.Errors) > 0 || len(p.UserErrors) == 0 || p.UserErrors[0].Code != c.code {
						t.Errorf("errors %+v, userErrors %+v; want %s", r.Errors, p.UserErrors, c.code)
					}
				}); n != 0 {
					t.Errorf("%d requests sent", n)
				}
			})
		}
	})

	t.Run("an unknown SKU is SimpleConsign's to refuse", func(t *testing.T) {
		p, r := g.sale(adminKey, map[string]any{"orderNumber": "WEB-1002", "items": []any{map[string]any{"sku": "NOPE99", "unitPrice": "1.00", "quantity": 1}}})
		if len(r.Errors) > 0 || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "UNKNOWN_SKU" {
			t.Errorf("errors %+v, userErrors %+v", r.Errors, p.UserErrors)
		}
	})
}

func TestConsignmentReturns(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})
	sale := map[string]any{"orderNumber": "WEB-2001", "items": []any{
		map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 3},
		map[string]any{"sku": "GFFY72", "unitPrice": "54.00", "quantity": 1},
	}}
	if p, r := g.sale(adminKey, sale); p.Transaction == nil {
		t.Fatalf("sale: %+v %+v", r.Errors, p.UserErrors)
	}
	stock := g.sc.Stock(sandbox.DefaultKey, "AD4J56")

	// A return after the sale.
	p, r := g.ret(map[string]any{"orderNumber": "WEB-2001", "idempotencyKey": "ret-1",
		"items": []any{map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 1}}})
	if len(r.Errors) > 0 || p.Transaction == nil || p.Transaction.Type != "RETURN" || p.Transaction.Total.Amount != "12.99" {
		t.Fatalf("return: %+v %+v", r.Errors, p)
	}
	if got := g.sc.Stock(sandbox.DefaultKey, "AD4J56"); got != stock+1 {
		t.Errorf("stock after the return = %d, want %d", got, stock+1)
	}
	// The same idempotency key again answers the same return, sends nothing.
	if n := g.scRequests(func() {
		again, _ := g.ret(map[string]any{"orderNumber": "WEB-2001", "idempotencyKey": "ret-1",
			"items": []any{map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 1}}})
		if again.Transaction == nil || again.Transaction.ID != p.Transaction.ID {
			t.Errorf("retried return = %+v", again)
		}
	}); n != 0 {
		t.Errorf("the retried return sent %d requests", n)
	}

	// More than was sold.
	if p, _ := g.ret(map[string]any{"orderNumber": "WEB-2001", "idempotencyKey": "ret-2",
		"items": []any{map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 3}}}); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "RETURN_EXCEEDS_SALE" {
		t.Errorf("returning 3 of 2 left: %+v", p)
	}

	// A return with no sale.
	if p, r := g.ret(map[string]any{"orderNumber": "WEB-NOSALE", "idempotencyKey": "ret-3",
		"items": []any{map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 1}}}); len(p.UserErrors) != 1 || p.UserErrors[0].Code != "SALE_NOT_FOUND" {
		t.Errorf("a return with no sale: %+v %+v", r.Errors, p)
	}

	// A return whose answer is lost: OUTCOME_UNKNOWN, pending, never resent.
	lost := map[string]any{"orderNumber": "WEB-2001", "idempotencyKey": "ret-lost",
		"items": []any{map[string]any{"sku": "GFFY72", "unitPrice": "54.00", "quantity": 1}}}
	g.sc.DropNextResponses(1)
	p, r = g.ret(lost)
	if r.code(0) != "OUTCOME_UNKNOWN" || p.Transaction != nil {
		t.Fatalf("a dropped return: %+v %+v", r.Errors, p)
	}
	pendingID, _ := r.Errors[0].Extensions["pendingWriteId"].(string)
	if pendingID == "" {
		t.Fatalf("OUTCOME_UNKNOWN without pendingWriteId: %+v", r.Errors[0])
	}
	if n := g.scRequests(func() {
		_, again := g.ret(lost)
		if again.code(0) != "OUTCOME_UNKNOWN" {
			t.Errorf("the retry of an unknown return: %+v", again.Errors)
		}
	}); n != 0 {
		t.Errorf("an unknown return was sent again (%d requests)", n)
	}
	if got := g.sc.Transactions(sandbox.DefaultKey, "WEB-2001"); len(got) != 3 { // the sale, ret-1, ret-lost
		t.Errorf("SimpleConsign has %d transactions for WEB-2001, want 3", len(got))
	}

	const pending = `{ pendingWrites { id backend operation transaction { orderNumber outcome } } }`
	pw := mustData[struct {
		PendingWrites []struct {
			ID, Backend, Operation string
			Transaction            struct{ OrderNumber, Outcome string }
		}
	}](t, g.query(adminKey, pending, nil)).PendingWrites
	if len(pw) != 1 || pw[0].ID != pendingID || pw[0].Backend != "simpleconsign" || pw[0].Transaction.Outcome != "UNKNOWN" {
		t.Fatalf("pendingWrites = %+v", pw)
	}
	if r := g.query(storefrontKey, pending, nil); r.code(0) != "FORBIDDEN" {
		t.Errorf("storefront reads pendingWrites: %+v", r.Errors)
	}

	// A person checked SimpleConsign: it was recorded.
	const resolve = `mutation($id: ID!) { resolvePendingWrite(id: $id, recorded: true) { pendingWrite { id transaction { outcome } } userErrors { code } } }`
	res := mustData[struct {
		ResolvePendingWrite struct {
			PendingWrite *struct {
				ID          string
				Transaction struct{ Outcome string }
			}
			UserErrors []userError
		}
	}](t, g.query(adminKey, resolve, map[string]any{"id": pendingID})).ResolvePendingWrite
	if res.PendingWrite == nil || res.PendingWrite.Transaction.Outcome != "RECORDED" {
		t.Fatalf("resolvePendingWrite = %+v", res)
	}
	if pw := mustData[struct{ PendingWrites []struct{ ID string } }](t, g.query(adminKey, pending, nil)).PendingWrites; len(pw) != 0 {
		t.Errorf("still pending: %+v", pw)
	}
	// The retry now answers the recorded return, still without a request.
	if n := g.scRequests(func() {
		p, r := g.ret(lost)
		if len(r.Errors) > 0 || p.Transaction == nil || p.Transaction.Outcome != "RECORDED" {
			t.Errorf("after resolving: %+v %+v", r.Errors, p)
		}
	}); n != 0 {
		t.Errorf("%d requests after resolving", n)
	}

	// The ledger.
	txs := mustData[struct{ ConsignmentTransactions []consignmentTx }](t,
		g.query(adminKey, `{ consignmentTransactions(orderNumber: "WEB-2001") { id type outcome total { amount } } }`, nil)).ConsignmentTransactions
	var kinds []string
	for _, tx := range txs {
		kinds = append(kinds, tx.Type+":"+tx.Outcome+":"+tx.Total.Amount)
	}
	if got := strings.Join(kinds, " "); !regexp.MustCompile(`^SALE:RECORDED:92.97 RETURN:RECORDED:12.99 RETURN:RECORDED:54.00$`).MatchString(got) {
		t.Errorf("ledger = %s", got)
	}
}

// SimpleConsign's ten-minute limit is kept by the gateway's own budget:
// sales go through while it lasts, then answer RATE_LIMITED with
// retryAfter, and SimpleConsign never has to refuse one.
func TestConsignmentBudget(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true, consignment: sandbox.Options{RateLimit: 5}, requestTimeout: 2 * time.Second})
	recorded, limited := saleBurst(t, []*gateway{g}, g.sc, 8, "WEB-B")
	if recorded < 3 || recorded > 5 || limited != 8-recorded {
		t.Errorf("%d sales recorded, %d RATE_LIMITED; want 3..5 of a budget of 5 recorded, the rest limited", recorded, limited)
	}
	if n := len(g.sc.Requests()); n != recorded {
		t.Errorf("SimpleConsign received %d requests for %d recorded sales", n, recorded)
	}
}

// A sale whose answer is dropped, and whose immediate resend cannot be sent
// before the request's deadline (the budget has no slot left in time): the
// sale may have landed, so the answer is OUTCOME_UNKNOWN, the sale pending.
// The client's retry resends it, SimpleConsign refuses it as a duplicate,
// and that proves it landed: the retry answers the sale, recorded once.
func TestConsignmentSaleLostAnswerRetried(t *testing.T) {
	const window = 2 * time.Second
	g := newGateway(t, gatewayOptions{backends: true, requestTimeout: time.Second,
		consignment: sandbox.Options{RateLimit: 2, RateWindow: window}}) // the gateway keeps 1 of 2 for itself
	in := map[string]any{"orderNumber": "WEB-LOST-S", "items": []any{map[string]any{"sku": "JK3305", "unitPrice": "10.00", "quantity": 1}}}

	g.sc.DropNextResponses(1)
	p, r := g.sale(adminKey, in)
	if r.code(0) != "OUTCOME_UNKNOWN" || p.Transaction != nil {
		t.Fatalf("a sale whose answer was dropped: %+v %+v; want OUTCOME_UNKNOWN", r.Errors, p)
	}
	pendingID, _ := r.Errors[0].Extensions["pendingWriteId"].(string)
	if pendingID == "" || strings.Contains(r.Errors[0].Message, "nothing was sent;") {
		t.Errorf("OUTCOME_UNKNOWN error = %+v", r.Errors[0])
	}
	// The resend waits for the budget: the answer says when a retry can make it.
	if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra < 1 || ra > 3 {
		t.Errorf("OUTCOME_UNKNOWN for want of budget: retryAfter %v, want 1..3 s", r.Errors[0].Extensions["retryAfter"])
	}
	reqs := g.sc.Requests()
	if len(reqs) != 1 || !reqs[0].Dropped {
		t.Fatalf("SimpleConsign received %d requests, want the dropped one only", len(reqs))
	}
	if got := g.sc.Transactions(sandbox.DefaultKey, "WEB-LOST-S"); len(got) != 1 {
		t.Fatalf("SimpleConsign has %d transactions, want the one whose answer it dropped", len(got))
	}
	const pending = `{ pendingWrites { id operation transaction { orderNumber type outcome } } }`
	type pendingWrites struct {
		PendingWrites []struct {
			ID, Operation string
			Transaction   struct{ OrderNumber, Type, Outcome string }
		}
	}
	pw := mustData[pendingWrites](t, g.query(adminKey, pending, nil)).PendingWrites
	if len(pw) != 1 || pw[0].ID != pendingID || pw[0].Operation != "recordConsignmentSale" || pw[0].Transaction.Outcome != "UNKNOWN" {
		t.Fatalf("pendingWrites = %+v, want the sale, UNKNOWN", pw)
	}

	// Once the budget has room again, the client retries.
	time.Sleep(time.Until(reqs[0].At.Add(window + 500*time.Millisecond)))
	p, r = g.sale(adminKey, in)
	if len(r.Errors) > 0 || p.Transaction == nil || p.Transaction.Outcome != "RECORDED" || p.Transaction.ID == "" {
		t.Fatalf("the retry: %+v %+v; want the sale, RECORDED", r.Errors, p)
	}
	if got := g.sc.Transactions(sandbox.DefaultKey, "WEB-LOST-S"); len(got) != 1 {
		t.Errorf("SimpleConsign has %d transactions, want 1", len(got))
	}
	if reqs := g.sc.Requests(); len(reqs) != 2 || reqs[1].Error != sandbox.MsgDuplicateSale {
		t.Errorf("the retry's request: %+v, want one resend refused as a duplicate", reqs)
	}
	if pw := mustData[pendingWrites](t, g.query(adminKey, pending, nil)).PendingWrites; len(pw) != 0 {
		t.Errorf("still pending: %+v", pw)
	}
	txs := mustData[struct{ ConsignmentTransactions []consignmentTx }](t,
		g.query(adminKey, `{ consignmentTransactions(orderNumber: "WEB-LOST-S") { id type outcome } }`, nil)).ConsignmentTransactions
	if len(txs) != 1 || txs[0].Type != "SALE" || txs[0].Outcome != "RECORDED" || txs[0].ID != p.Transaction.ID {
		t.Errorf("ledger = %+v", txs)
	}
}

// What SimpleConsign itself refuses reaches the client with its meaning:
// the caller cannot fix credentials, capacity or the rate limit (GraphQL
// errors); a duplicate sale it can (a user error).
func TestConsignmentUpstreamErrors(t *testing.T) {
	saleOf := func(order string) map[string]any {
		return map[string]any{"orderNumber": order, "items": []any{map[string]any{"sku": "JK3305", "unitPrice": "10.00", "quantity": 1}}}
	}

	t.Run("invalid API key", func(t *testing.T) {
		// The sandbox knows another key only: the gateway's is invalid.
		up := newSharedSandbox(t, tgsandbox.Options{})
		up.backends(t, sandbox.Options{Keys: map[string]string{"another-location-key": "Elsewhere"}})
		g := newGateway(t, gatewayOptions{backends: true, upstream: up})
		p, r := g.sale(adminKey, saleOf("WEB-KEY-1"))
		if r.code(0) != "UPSTREAM_ERROR" || p.Transaction != nil || len(p.UserErrors) > 0 {
			t.Fatalf("errors %+v, payload %+v; want UPSTREAM_ERROR", r.Errors, p)
		}
		if msg := r.Errors[0].Message; !strings.Contains(msg, sandbox.MsgInvalidKey) || r.Errors[0].Extensions["backend"] != "simpleconsign" {
			t.Errorf("error = %+v; want SimpleConsign's message and backend", r.Errors[0])
		}
		whole, _ := json.Marshal(r)
		if bytes.Contains(whole, []byte(sandbox.DefaultKey)) {
			t.Errorf("the response reveals the API key: %s", whole)
		}
		if reqs := g.sc.Requests(); len(reqs) != 1 || reqs[0].Error != sandbox.MsgInvalidKey {
			t.Errorf("SimpleConsign answered %+v", reqs)
		}
	})

	t.Run("at capacity", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{backends: true})
		g.sc.FailNext(1, http.StatusServiceUnavailable)
		p, r := g.sale(adminKey, saleOf("WEB-503-1"))
		if r.code(0) != "UPSTREAM_UNAVAILABLE" || p.Transaction != nil || r.Errors[0].Message == "" {
			t.Fatalf("errors %+v, payload %+v; want UPSTREAM_UNAVAILABLE", r.Errors, p)
		}
		// Nothing was recorded: the retry records it, once.
		if p, r := g.sale(adminKey, saleOf("WEB-503-1")); p.Transaction == nil || p.Transaction.Outcome != "RECORDED" {
			t.Errorf("retry: %+v %+v", r.Errors, p)
		}
		if got := g.sc.Transactions(sandbox.DefaultKey, "WEB-503-1"); len(got) != 1 {
			t.Errorf("SimpleConsign has %d transactions, want 1", len(got))
		}
	})

	t.Run("SimpleConsign's rate limit", func(t *testing.T) {
		// The sandbox allows 2 requests in ten minutes, the gateway's own
		// budget 50: SimpleConsign is the one refusing.
		up := newSharedSandbox(t, tgsandbox.Options{})
		up.backends(t, sandbox.Options{RateLimit: 2})
		g := newGateway(t, gatewayOptions{backends: true, upstream: up, consignment: sandbox.Options{RateLimit: 50}})
		for i := range 2 {
			if p, r := g.sale(adminKey, saleOf(fmt.Sprintf("WEB-RL-%d", i))); p.Transaction == nil {
				t.Fatalf("sale %d: %+v %+v", i, r.Errors, p)
			}
		}
		p, r := g.sale(adminKey, saleOf("WEB-RL-2"))
		if r.code(0) != "RATE_LIMITED" || p.Transaction != nil {
			t.Fatalf("errors %+v, payload %+v; want RATE_LIMITED", r.Errors, p)
		}
		if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra < 1 || ra > 610 {
			t.Errorf("retryAfter = %v, want 1..610 s", r.Errors[0].Extensions["retryAfter"])
		}
		if msg := r.Errors[0].Message; msg == "" || strings.Contains(msg, "100 requests") || strings.Contains(msg, "50 requests") {
			t.Errorf("message = %q: it must not claim a budget SimpleConsign did not state", msg)
		}
		if reqs := g.sc.Requests(); len(reqs) != 3 || reqs[2].Error != sandbox.MsgRateLimited {
			t.Errorf("SimpleConsign's answers: %+v; want the third refused by its own limit", reqs)
		}
	})

	t.Run("a duplicate sale SimpleConsign knows", func(t *testing.T) {
		up := newSharedSandbox(t, tgsandbox.Options{})
		up.backends(t, sandbox.Options{})
		g := newGateway(t, gatewayOptions{backends: true, upstream: up})
		// Recorded at SimpleConsign by someone else (the gateway's ledger
		// knows nothing of it).
		body := fmt.Sprintf(`{"key":%q,"orderNumber":"WEB-DUP-1","type":"SALE","nonTaxableSaleTotal":500,"taxableSaleTotal":0,"tax":0,`+
			`"items":[{"sku":"JK3305","price":500,"quantity":1}]}`, sandbox.DefaultKey)
		req, _ := http.NewRequest(http.MethodPost, up.scURL+sandbox.Path, strings.NewReader(body))
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(raw), `"success":true`) {
			t.Fatalf("recording the sale directly: %s", raw)
		}
		p, r := g.sale(adminKey, saleOf("WEB-DUP-1"))
		if len(r.Errors) > 0 || p.Transaction != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "DUPLICATE_SALE" ||
			strings.Join(p.UserErrors[0].Field, ".") != "input.orderNumber" {
			t.Fatalf("errors %+v, payload %+v; want the user error DUPLICATE_SALE at input.orderNumber", r.Errors, p)
		}
		txs := mustData[struct{ ConsignmentTransactions []consignmentTx }](t,
			g.query(adminKey, `{ consignmentTransactions(orderNumber: "WEB-DUP-1") { id } }`, nil)).ConsignmentTransactions
		if len(txs) != 0 {
			t.Errorf("the gateway's ledger lists %+v for a sale it did not record", txs)
		}
		if got := g.sc.Transactions(sandbox.DefaultKey, "WEB-DUP-1"); len(got) != 1 {
			t.Errorf("SimpleConsign has %d transactions, want 1", len(got))
		}
	})
}

// A storefront key ships inside apps: consignment, pending writes and the
// international ledger are FORBIDDEN to it, and nothing reaches a backend.
func TestConsignmentAndInternationalStorefrontForbidden(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})
	ret := map[string]any{"orderNumber": "WEB-1", "idempotencyKey": "sf-1",
		"items": []any{map[string]any{"sku": "JK3305", "unitPrice": "10.00", "quantity": 1}}}
	for _, c := range []struct {
		name, query string
		vars        map[string]any
	}{
		{"recordConsignmentSale", recordSale, map[string]any{"in": ret}},
		{"recordConsignmentReturn", recordReturn, map[string]any{"in": ret}},
		{"resolvePendingWrite", `mutation { resolvePendingWrite(id: "gid://simpleconsign/ConsignmentTransaction/WEB-1/RETURN/1", recorded: true) { userErrors { code } } }`, nil},
		{"consignmentTransactions", `{ consignmentTransactions(orderNumber: "WEB-1") { id } }`, nil},
		{"pendingWrites", `{ pendingWrites { id } }`, nil},
		{"internationalOrders", `{ internationalOrders(first: 5) { totalCount } }`, nil},
		{"internationalOrder", `{ internationalOrder(merchantOrderId: "TG0000015") { merchantOrderId } }`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r gqlResponse
			if n := g.scRequests(func() { r = g.query(storefrontKey, c.query, c.vars) }); n != 0 {
				t.Errorf("%d requests reached SimpleConsign", n)
			}
			if r.code(0) != "FORBIDDEN" {
				t.Errorf("storefront key: %+v %s; want FORBIDDEN", r.Errors, r.Data)
			}
		})
	}
	if n := g.tgc.RequestCount(); n != 0 {
		t.Errorf("%d requests reached TradeGlobal", n)
	}
}

// After a lost answer, another input under the same merchantOrderId is
// refused without a request (the first may have landed with its own input),
// and the original's retry is still recognised as having landed.
func TestInternationalOrderLostAnswerOtherInput(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})
	in := specOrder()
	in["merchantOrderId"] = "WEB-LOST-2"
	g.tgc.DropNextResponses(1)
	if r := g.query(adminKey, placeIntl, map[string]any{"in": in}); r.code(0) != "UPSTREAM_UNAVAILABLE" {
		t.Fatalf("first attempt: %+v", r.Errors)
	}
	other := specOrder()
	other["merchantOrderId"], other["serviceCode"] = "WEB-LOST-2", "EXPDDP"
	if n := g.tgcRequests(func() {
		ue := mustData[intlPayload](t, g.query(adminKey, placeIntl, map[string]any{"in": other})).PlaceInternationalOrder.UserErrors
		if len(ue) != 1 || ue[0].Code != "IDEMPOTENCY_KEY_REUSED" {
			t.Errorf("another input under the id of an outstanding attempt: %+v", ue)
		}
	}); n != 0 {
		t.Errorf("another input was sent (%d requests)", n)
	}
	p := mustData[intlPayload](t, g.query(adminKey, placeIntl, map[string]any{"in": in})).PlaceInternationalOrder
	if p.InternationalOrder == nil || p.InternationalOrder.Status != "PLACED_QUOTE_UNKNOWN" {
		t.Fatalf("the original's retry = %+v", p)
	}
	if o, ok := g.tgc.Order("WEB-LOST-2"); !ok || o.ServiceCode != "GMDDP" {
		t.Errorf("TradeGlobal has %+v, %v; want the original order", o, ok)
	}
}

// The orders the gateway placed page like every connection: newest first,
// a cursor to the next page, and nothing sent to TradeGlobal to read them.
func TestInternationalOrdersPage(t *testing.T) {
	g := newGateway(t, gatewayOptions{backends: true})
	for _, id := range []string{"TG-P1", "TG-P2", "TG-P3"} {
		in := specOrder()
		in["merchantOrderId"] = id
		if p := mustData[intlPayload](t, g.query(adminKey, placeIntl, map[string]any{"in": in})).PlaceInternationalOrder; p.InternationalOrder == nil {
			t.Fatalf("placing %s: %+v", id, p.UserErrors)
		}
	}
	type page struct {
		InternationalOrders struct {
			TotalCount int
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
			Nodes []struct{ MerchantOrderID string }
		}
	}
	const q = `query($after: String) { internationalOrders(first: 2, after: $after) {
	  totalCount pageInfo { hasNextPage endCursor } nodes { merchantOrderId } } }`
	var first, second page
	if n := g.tgcRequests(func() {
		first = mustData[page](t, g.query(adminKey, q, nil))
		second = mustData[page](t, g.query(adminKey, q, map[string]any{"after": first.InternationalOrders.PageInfo.EndCursor}))
	}); n != 0 {
		t.Errorf("reading the record sent %d requests to TradeGlobal", n)
	}
	var ids []string
	for _, p := range []page{first, second} {
		for _, n := range p.InternationalOrders.Nodes {
			ids = append(ids, n.MerchantOrderID)
		}
	}
	f, s := first.InternationalOrders, second.InternationalOrders
	if f.TotalCount != 3 || !f.PageInfo.HasNextPage || s.PageInfo.HasNextPage || strings.Join(ids, ",") != "TG-P3,TG-P2,TG-P1" {
		t.Errorf("pages: %+v then %+v; want TG-P3,TG-P2 then TG-P1 of 3", f, s)
	}
	if r := g.query(adminKey, q, map[string]any{"after": "not-a-cursor"}); r.code(0) != "BAD_USER_INPUT" {
		t.Errorf("a malformed cursor: %+v", r.Errors)
	}
}
