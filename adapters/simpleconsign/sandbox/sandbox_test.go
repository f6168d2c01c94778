package sandbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const key = sandbox.DefaultKey

var ignoreAt = cmpopts.IgnoreFields(sandbox.Transaction{}, "At")

// TestSpecExamples: the spec's sale and return, verbatim (with the
// sandbox's key), succeed with the spec's success answer and move stock.
func TestSpecExamples(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	withKey := func(s string) string { return strings.Replace(s, "Your API key here", key, 1) }
	var success map[string]any
	if err := json.Unmarshal([]byte(readTestdata(t, "spec_success.json")), &success); err != nil {
		t.Fatal(err)
	}
	want := result{Status: 200, Body: success}

	if diff := cmp.Diff(want, post(t, srv, withKey(readTestdata(t, "spec_sale_request.json")))); diff != "" {
		t.Fatalf("spec sale (-want +got):\n%s", diff)
	}
	if got := [2]int64{sb.Stock(key, "GFFY72"), sb.Stock(key, "AD4J56")}; got != [2]int64{4, 8} {
		t.Errorf("stock after the sale GFFY72, AD4J56 = %v, want [4 8]", got)
	}
	if diff := cmp.Diff(want, post(t, srv, withKey(readTestdata(t, "spec_return_request.json")))); diff != "" {
		t.Fatalf("spec return (-want +got):\n%s", diff)
	}
	if got := sb.Stock(key, "AD4J56"); got != 10 {
		t.Errorf("stock of AD4J56 after the return = %d, want 10", got)
	}
	wantLedger := []sandbox.Transaction{
		{Location: "Main Street", Key: key, OrderNumber: "1234", Type: "SALE", Version: 2, NonTaxableSaleTotal: 7998,
			Items: []sandbox.Item{{SKU: "GFFY72", Price: 5400, Quantity: 1}, {SKU: "AD4J56", Price: 1299, Quantity: 2}}},
		{Location: "Main Street", Key: key, OrderNumber: "1234", Type: "RETURN", Version: 2, NonTaxableSaleTotal: 2598,
			Items: []sandbox.Item{{SKU: "AD4J56", Price: 1299, Quantity: 2}}},
	}
	if diff := cmp.Diff(wantLedger, sb.Transactions(key, "1234"), ignoreAt); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
}

// TestValidations: every documented message, word for word, with HTTP 200
// and "success": false; and a failure changes nothing.
func TestValidations(t *testing.T) {
	sale := tx(key, "1234", "SALE", 5400, 0, 0, "GFFY72", 5400, 1)
	tests := []struct {
		name   string
		opts   sandbox.Options
		before []string // bodies that must succeed first
		body   string
		want   string
	}{
		{name: "no key", body: `{"orderNumber":"1","type":"SALE","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgInvalidKey},
		{name: "unknown key", body: tx("nope", "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgInvalidKey},
		{name: "key not a string", body: `{"key":7,"orderNumber":"1","type":"SALE","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgInvalidKey},
		{name: "plan not authorized", opts: sandbox.Options{Unauthorized: []string{"basic-plan"}},
			body: tx("basic-plan", "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgPlanNotAuthorized},
		{name: "unknown SKU", body: tx(key, "1", "SALE", 100, 0, 0, "NOPE", 100, 1), want: sandbox.MsgUnknownSKU},
		{name: "sold out", body: tx(key, "1", "SALE", 100, 0, 0, "DR0042", 100, 1), want: sandbox.MsgUnknownSKU},
		{name: "more than in stock", body: tx(key, "1", "SALE", 600, 0, 0, "GFFY72", 100, 6), want: sandbox.MsgUnknownSKU},
		{name: "zero totals", body: tx(key, "1", "SALE", 0, 0, 0, "GFFY72", 0, 1), want: sandbox.MsgZeroTotal},
		{name: "zero totals without items", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":0,"taxableSaleTotal":0,"tax":0}`, want: sandbox.MsgZeroTotal},
		{name: "totals absent", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgZeroTotal},
		{name: "missing SKU", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":100,"items":[{"price":100,"quantity":1}]}`, want: sandbox.MsgMissingSKU},
		{name: "blank SKU", body: tx(key, "1", "SALE", 100, 0, 0, "  ", 100, 1), want: sandbox.MsgMissingSKU},
		{name: "null SKU", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":100,"items":[{"sku":null,"price":100,"quantity":1}]}`, want: sandbox.MsgMissingSKU},
		{name: "totals do not match the items", body: tx(key, "1", "SALE", 5000, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgTotalMismatch},
		{name: "items sum to the split subtotals", body: tx(key, "1", "SALE", 1000, 4400, 300, "GFFY72", 5400, 1), want: ""},
		{name: "items absent but totals given", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":100}`, want: sandbox.MsgTotalMismatch},
		{name: "taxable without tax", body: tx(key, "1", "SALE", 0, 5400, 0, "GFFY72", 5400, 1), want: sandbox.MsgTaxableWithoutTax},
		{name: "tax without taxable", body: tx(key, "1", "SALE", 5400, 0, 300, "GFFY72", 5400, 1), want: sandbox.MsgTaxWithoutTaxable},
		{name: "type lowercase", body: tx(key, "1", "sale", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgInvalidType},
		{name: "type unknown", body: tx(key, "1", "EXCHANGE", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgInvalidType},
		{name: "type not a string", body: `{"key":"sandbox-key","orderNumber":"1","type":1,"nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgInvalidType},
		{name: "type without orderNumber", body: `{"key":"sandbox-key","type":"SALE","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgMissingOrderNumber},
		{name: "empty orderNumber", body: tx(key, "", "SALE", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgMissingOrderNumber},
		{name: "orderNumber a number", body: `{"key":"sandbox-key","orderNumber":1234,"type":"SALE","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgMissingOrderNumber},
		{name: "orderNumber without type", body: `{"key":"sandbox-key","orderNumber":"1","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgMissingType},
		{name: "type null", body: `{"key":"sandbox-key","orderNumber":"1","type":null,"nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgMissingType},
		{name: "type empty", body: tx(key, "1", "", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgMissingType},
		{name: "duplicate sale", before: []string{sale}, body: tx(key, "1234", "SALE", 1299, 0, 0, "AD4J56", 1299, 1), want: sandbox.MsgDuplicateSale},
		{name: "return without a sale", body: tx(key, "1234", "RETURN", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgSaleNotFound},
		{name: "return of another order", before: []string{sale}, body: tx(key, "9999", "RETURN", 5400, 0, 0, "GFFY72", 5400, 1), want: sandbox.MsgSaleNotFound},
		{name: "return more than sold", before: []string{sale}, body: tx(key, "1234", "RETURN", 10800, 0, 0, "GFFY72", 5400, 2), want: sandbox.MsgReturnExceedsSale},
		{name: "return a SKU not sold", before: []string{sale}, body: tx(key, "1234", "RETURN", 1299, 0, 0, "AD4J56", 1299, 1), want: sandbox.MsgReturnExceedsSale},
		{name: "amount in dollars", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":54.00,"items":[{"sku":"GFFY72","price":5400,"quantity":1}]}`, want: sandbox.MsgBadAmount},
		{name: "price as a string", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":"5400","quantity":1}]}`, want: sandbox.MsgBadAmount},
		{name: "price absent", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","quantity":1}]}`, want: sandbox.MsgBadAmount},
		{name: "negative tax", body: tx(key, "1", "SALE", 5400, 0, -1, "GFFY72", 5400, 1), want: sandbox.MsgBadAmount},
		{name: "beyond 2^53", body: tx(key, "1", "SALE", 9007199254740992, 0, 0, "GFFY72", 9007199254740992, 1), want: sandbox.MsgBadAmount},
		{name: "zero quantity", body: tx(key, "1", "SALE", 0, 0, 0, "GFFY72", 5400, 0), want: sandbox.MsgBadQuantity},
		{name: "fractional quantity", body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":5400,"items":[{"sku":"GFFY72","price":5400,"quantity":1.5}]}`, want: sandbox.MsgBadQuantity},
		{name: "unconsolidated", body: tx(key, "1", "SALE", 200, 0, 0, "AD4J56", 100, 1, "AD4J56", 100, 1), want: sandbox.MsgUnconsolidated},
		{name: "SKU as a number", opts: sandbox.Options{SKUs: map[string]int64{"12345": 1}},
			body: `{"key":"sandbox-key","orderNumber":"1","type":"SALE","nonTaxableSaleTotal":100,"items":[{"sku":12345,"price":100,"quantity":1}]}`, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, srv := start(t, tt.opts)
			for _, b := range tt.before {
				if got := post(t, srv, b); got.Body["success"] != true {
					t.Fatalf("setup %s = %v", b, got)
				}
			}
			stock := map[string]int64{}
			for sku := range sandbox.DefaultSKUs() {
				stock[sku] = sb.Stock(key, sku)
			}
			ledger := sb.Transactions(key, "1234")
			want := okAnswer
			if tt.want != "" {
				want = fail(tt.want)
			}
			if diff := cmp.Diff(want, post(t, srv, tt.body)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if tt.want == "" {
				return
			}
			for sku, n := range stock {
				if got := sb.Stock(key, sku); got != n {
					t.Errorf("a refused request changed the stock of %s: %d → %d", sku, n, got)
				}
			}
			if diff := cmp.Diff(ledger, sb.Transactions(key, "1234")); diff != "" {
				t.Errorf("a refused request changed the ledger (-before +after):\n%s", diff)
			}
			if got := sb.Transactions(key, "1"); len(got) != 0 {
				t.Errorf("a refused request was recorded: %+v", got)
			}
		})
	}
}

// TestEveryDocumentedMessage: the constants are the spec's list, word for
// word.
func TestEveryDocumentedMessage(t *testing.T) {
	var spec []string
	for line := range strings.SplitSeq(readTestdata(t, "spec_error_messages.txt"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			spec = append(spec, line)
		}
	}
	ours := []string{sandbox.MsgInvalidKey, sandbox.MsgRateLimited, sandbox.MsgPlanNotAuthorized, sandbox.MsgUnknownSKU,
		sandbox.MsgZeroTotal, sandbox.MsgMissingSKU, sandbox.MsgTotalMismatch, sandbox.MsgTaxableWithoutTax,
		sandbox.MsgTaxWithoutTaxable, sandbox.MsgInvalidType, sandbox.MsgMissingOrderNumber, sandbox.MsgMissingType,
		sandbox.MsgDuplicateSale, sandbox.MsgSaleNotFound}
	if diff := cmp.Diff(spec, ours); diff != "" {
		t.Errorf("messages differ from the spec's (-spec +sandbox):\n%s", diff)
	}
	for _, m := range []string{sandbox.MsgReturnExceedsSale, sandbox.MsgUnconsolidated, sandbox.MsgBadQuantity, sandbox.MsgBadAmount,
		sandbox.MsgMalformedBody, sandbox.MsgBodyTooLarge, sandbox.MsgNotAcceptable, sandbox.MsgUnsupportedType,
		sandbox.MsgNotFound, sandbox.MsgMethodNotAllowed} {
		if !strings.HasSuffix(m, "(sandbox)") {
			t.Errorf("sandbox message %q is not marked (sandbox)", m)
		}
	}
}

// TestDuplicateBeforeStock: a sale resent after its items left the
// inventory is a duplicate, not an unknown SKU.
func TestDuplicateBeforeStock(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	body := tx(key, "ONE-OF-A-KIND", "SALE", 25000, 0, 0, "BK2210", 25000, 1)
	if diff := cmp.Diff(okAnswer, post(t, srv, body)); diff != "" {
		t.Fatalf("first sale (-want +got):\n%s", diff)
	}
	if sb.Stock(key, "BK2210") != 0 {
		t.Fatalf("stock of BK2210 = %d, want 0", sb.Stock(key, "BK2210"))
	}
	if diff := cmp.Diff(fail(sandbox.MsgDuplicateSale), post(t, srv, body)); diff != "" {
		t.Errorf("resent sale (-want +got):\n%s", diff)
	}
	if n := len(sb.Transactions(key, "ONE-OF-A-KIND")); n != 1 {
		t.Errorf("transactions = %d, want 1", n)
	}
}

// TestReturnsAccumulate: several returns against one sale, never more than
// was sold per SKU.
func TestReturnsAccumulate(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	steps := []struct {
		body string
		want result
	}{
		{tx(key, "R1", "SALE", 0, 5196, 400, "AD4J56", 1299, 4), okAnswer},
		{tx(key, "R1", "RETURN", 0, 1299, 100, "AD4J56", 1299, 1), okAnswer},
		{tx(key, "R1", "RETURN", 0, 2598, 200, "AD4J56", 1299, 2), okAnswer},
		{tx(key, "R1", "RETURN", 0, 2598, 200, "AD4J56", 1299, 2), fail(sandbox.MsgReturnExceedsSale)},
		{tx(key, "R1", "RETURN", 0, 1299, 100, "AD4J56", 1299, 1), okAnswer},
		{tx(key, "R1", "RETURN", 0, 1299, 100, "AD4J56", 1299, 1), fail(sandbox.MsgReturnExceedsSale)},
	}
	for i, s := range steps {
		if diff := cmp.Diff(s.want, post(t, srv, s.body)); diff != "" {
			t.Errorf("step %d (-want +got):\n%s", i, diff)
		}
	}
	if got := sb.Stock(key, "AD4J56"); got != 10 {
		t.Errorf("stock of AD4J56 = %d, want 10 (4 sold, 4 returned)", got)
	}
	var types []string
	for _, tr := range sb.Transactions(key, "R1") {
		types = append(types, tr.Type)
	}
	if diff := cmp.Diff([]string{"SALE", "RETURN", "RETURN", "RETURN"}, types); diff != "" {
		t.Errorf("ledger types (-want +got):\n%s", diff)
	}
}

// TestVersion1: without type and orderNumber a request is a sale that
// cannot be returned.
func TestVersion1(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	v1 := `{"key":"sandbox-key","nonTaxableSaleTotal":7998,"taxableSaleTotal":0,"tax":0,
		"items":[{"sku":"GFFY72","price":5400,"quantity":1},{"sku":"AD4J56","price":1299,"quantity":2}]}`
	for i := range 2 {
		if diff := cmp.Diff(okAnswer, post(t, srv, v1)); diff != "" {
			t.Fatalf("version-1 sale %d (-want +got):\n%s", i, diff)
		}
	}
	got := sb.Transactions(key, "")
	if len(got) != 2 || got[0].Version != 1 || got[0].Type != "SALE" || got[0].OrderNumber != "" {
		t.Fatalf("version-1 ledger = %+v, want two version-1 sales without order number", got)
	}
	if sb.Stock(key, "GFFY72") != 3 || sb.Stock(key, "AD4J56") != 6 {
		t.Errorf("stock = %d, %d, want 3, 6", sb.Stock(key, "GFFY72"), sb.Stock(key, "AD4J56"))
	}
	// It cannot be returned: there is no order number to name.
	if diff := cmp.Diff(fail(sandbox.MsgMissingOrderNumber), post(t, srv, tx(key, "", "RETURN", 5400, 0, 0, "GFFY72", 5400, 1))); diff != "" {
		t.Errorf("return with an empty orderNumber (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fail(sandbox.MsgSaleNotFound), post(t, srv, tx(key, "1", "RETURN", 5400, 0, 0, "GFFY72", 5400, 1))); diff != "" {
		t.Errorf("return of a version-1 sale (-want +got):\n%s", diff)
	}
}

// TestRateLimit: a sliding window per key with an injected clock; a
// refused request is not counted; the key recovers; other keys are not
// affected.
func TestRateLimit(t *testing.T) {
	clk := newClock()
	sb, srv := start(t, sandbox.Options{
		Keys:      map[string]string{"a": "Main Street", "b": "Harbour"},
		RateLimit: 3, RateWindow: 10 * time.Minute, Now: clk.now,
	})
	refused := tx("a", "", "", 0, 0, 0) // counts, and fails validation
	for range 3 {
		if got := post(t, srv, refused); got.Body["error"] != sandbox.MsgMissingOrderNumber {
			t.Fatalf("answer = %v, want the order number message", got)
		}
		clk.advance(time.Minute)
	}
	// Invalid keys count against nobody.
	post(t, srv, tx("zzz", "1", "SALE", 100, 0, 0, "GFFY72", 100, 1))
	for range 3 {
		if diff := cmp.Diff(fail(sandbox.MsgRateLimited), post(t, srv, tx("a", "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1))); diff != "" {
			t.Fatalf("over the limit (-want +got):\n%s", diff)
		}
	}
	if sb.Stock("a", "GFFY72") != 5 {
		t.Error("a rate-limited sale changed the stock")
	}
	// Key b has its own budget.
	if diff := cmp.Diff(okAnswer, post(t, srv, tx("b", "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1))); diff != "" {
		t.Errorf("other key (-want +got):\n%s", diff)
	}
	// The first request leaves the window 10 minutes after it (7 from
	// now): one more request is allowed, then none until the second leaves.
	clk.advance(7*time.Minute - time.Second)
	if got := post(t, srv, refused); got.Body["error"] != sandbox.MsgRateLimited {
		t.Errorf("a second early: %v, want rate limited", got)
	}
	clk.advance(time.Second)
	if diff := cmp.Diff(okAnswer, post(t, srv, tx("a", "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1))); diff != "" {
		t.Errorf("after recovery (-want +got):\n%s", diff)
	}
	if got := post(t, srv, refused); got.Body["error"] != sandbox.MsgRateLimited {
		t.Errorf("window full again: %v, want rate limited", got)
	}
	sb.ResetRateLimit()
	if got := post(t, srv, refused); got.Body["error"] != sandbox.MsgMissingOrderNumber {
		t.Errorf("after ResetRateLimit: %v", got)
	}
}

// TestDefaultRateLimit: 100 per 10 minutes.
func TestDefaultRateLimit(t *testing.T) {
	clk := newClock()
	_, srv := start(t, sandbox.Options{Now: clk.now})
	body := tx(key, "", "", 0, 0, 0)
	for i := range 100 {
		if got := post(t, srv, body); got.Body["error"] == sandbox.MsgRateLimited {
			t.Fatalf("request %d rate limited", i)
		}
	}
	if got := post(t, srv, body); got.Body["error"] != sandbox.MsgRateLimited {
		t.Errorf("request 101 = %v, want rate limited", got)
	}
	clk.advance(10 * time.Minute)
	if got := post(t, srv, body); got.Body["error"] == sandbox.MsgRateLimited {
		t.Errorf("request after 10 minutes = %v, want allowed", got)
	}
}

// TestFailNext: injected failures do nothing and count nothing.
func TestFailNext(t *testing.T) {
	sb, srv := start(t, sandbox.Options{RateLimit: 1})
	sb.FailNext(2, http.StatusServiceUnavailable)
	body := tx(key, "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1)
	for range 2 {
		want := result{Status: 503, Body: map[string]any{"success": false, "error": "service unavailable (sandbox)"}}
		if diff := cmp.Diff(want, post(t, srv, body)); diff != "" {
			t.Errorf("injected failure (-want +got):\n%s", diff)
		}
	}
	if len(sb.Transactions(key, "1")) != 0 || sb.Stock(key, "GFFY72") != 5 {
		t.Error("an injected failure had an effect")
	}
	if diff := cmp.Diff(okAnswer, post(t, srv, body)); diff != "" {
		t.Errorf("after the failures, within a budget of 1 (-want +got):\n%s", diff)
	}
	sb.FailNext(1, 200) // not an error status: 500
	if got := post(t, srv, body); got.Status != 500 {
		t.Errorf("FailNext(1, 200) answered %d, want 500", got.Status)
	}
}

// TestDropNextResponses: the transaction is recorded, the answer never
// comes.
func TestDropNextResponses(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	sb.DropNextResponses(1)
	body := tx(key, "DROP-1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+sandbox.Path, strings.NewReader(body))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped request answered %d", resp.StatusCode)
	}
	if got := sb.Transactions(key, "DROP-1"); len(got) != 1 {
		t.Errorf("dropped sale recorded %d times, want 1", len(got))
	}
	reqs := sb.Requests()
	if len(reqs) != 1 || !reqs[0].Dropped || reqs[0].Status != 200 {
		t.Errorf("Requests() = %+v, want one dropped request with status 200", reqs)
	}
	// The next request is answered: a duplicate.
	if diff := cmp.Diff(fail(sandbox.MsgDuplicateSale), post(t, srv, body)); diff != "" {
		t.Errorf("resent sale (-want +got):\n%s", diff)
	}
}

// TestLatency: a client that gives up during the delay leaves no effect.
func TestLatency(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	sb.SetLatency(5 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	body := tx(key, "SLOW", "SALE", 5400, 0, 0, "GFFY72", 5400, 1)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+sandbox.Path, strings.NewReader(body))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("want a timeout")
	}
	// Close waits for the handler: it must have abandoned the request
	// rather than sleep out the delay and record the sale.
	began := time.Now()
	srv.Close()
	if d := time.Since(began); d > 4*time.Second {
		t.Errorf("the handler waited %v: it did not abandon the request", d)
	}
	if got := sb.Transactions(key, "SLOW"); len(got) != 0 {
		t.Errorf("abandoned request recorded: %+v", got)
	}
	if reqs := sb.Requests(); len(reqs) != 1 || reqs[0].Status != 0 {
		t.Errorf("Requests() = %+v, want one request with status 0", reqs)
	}
	sb.SetLatency(20 * time.Millisecond)
	srv2 := httptest.NewServer(sb)
	defer srv2.Close()
	if diff := cmp.Diff(okAnswer, post(t, srv2, body)); diff != "" {
		t.Errorf("with a short latency (-want +got):\n%s", diff)
	}
}

// TestLocations: each location has its own ledger and inventory; keys of
// one location share them.
func TestLocations(t *testing.T) {
	sb, srv := start(t, sandbox.Options{
		Keys: map[string]string{"main-1": "Main Street", "main-2": "Main Street", "harbour": "Harbour"},
		SKUs: map[string]int64{"GFFY72": 1},
	})
	sale := func(k string) string { return tx(k, "1234", "SALE", 5400, 0, 0, "GFFY72", 5400, 1) }
	if diff := cmp.Diff(okAnswer, post(t, srv, sale("main-1"))); diff != "" {
		t.Fatalf("main-1 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(okAnswer, post(t, srv, sale("harbour"))); diff != "" {
		t.Errorf("same order number at another location (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fail(sandbox.MsgDuplicateSale), post(t, srv, sale("main-2"))); diff != "" {
		t.Errorf("same order number with the location's other key (-want +got):\n%s", diff)
	}
	if sb.Stock("main-2", "GFFY72") != 0 || sb.Stock("harbour", "GFFY72") != 0 {
		t.Errorf("stock = %d, %d, want 0, 0", sb.Stock("main-2", "GFFY72"), sb.Stock("harbour", "GFFY72"))
	}
	if err := sb.SetStock("harbour", "GFFY72", 3); err != nil {
		t.Fatal(err)
	}
	if sb.Stock("harbour", "GFFY72") != 3 || sb.Stock("main-1", "GFFY72") != 0 {
		t.Error("SetStock leaked to another location")
	}
	if err := sb.SetStock("nope", "GFFY72", 3); !errors.Is(err, sandbox.ErrUnknownKey) {
		t.Errorf("SetStock(unknown key) = %v, want ErrUnknownKey", err)
	}
	if err := sb.SetStock("harbour", "GFFY72", -1); err == nil {
		t.Error("SetStock(-1) = nil, want an error")
	}
	if got := sb.Transactions("harbour", "1234"); len(got) != 1 || got[0].Location != "Harbour" || got[0].Key != "harbour" {
		t.Errorf("harbour ledger = %+v", got)
	}
	if sb.Transactions("nope", "1234") != nil || sb.Stock("nope", "GFFY72") != 0 {
		t.Error("an unknown key has transactions or stock")
	}
}

// TestHTTP: routes, methods, the two required headers, malformed bodies.
func TestHTTP(t *testing.T) {
	good := map[string]string{"Accept": "application/json", "Content-Type": "application/json"}
	body := tx(key, "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1)
	tests := []struct {
		name    string
		method  string
		path    string
		body    string
		headers map[string]string
		status  int
		msg     string
	}{
		{"unknown path", "POST", "/app/api/transactions", body, good, 404, sandbox.MsgNotFound},
		{"GET", "GET", sandbox.Path, "", good, 405, sandbox.MsgMethodNotAllowed},
		{"no Accept", "POST", sandbox.Path, body, map[string]string{"Content-Type": "application/json"}, 406, sandbox.MsgNotAcceptable},
		{"Accept */*", "POST", sandbox.Path, body, map[string]string{"Accept": "*/*", "Content-Type": "application/json"}, 406, sandbox.MsgNotAcceptable},
		{"no Content-Type", "POST", sandbox.Path, body, map[string]string{"Accept": "application/json"}, 415, sandbox.MsgUnsupportedType},
		{"form Content-Type", "POST", sandbox.Path, body, map[string]string{"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}, 415, sandbox.MsgUnsupportedType},
		{"not JSON", "POST", sandbox.Path, "key=sandbox-key", good, 400, sandbox.MsgMalformedBody},
		{"JSON array", "POST", sandbox.Path, "[]", good, 400, sandbox.MsgMalformedBody},
		{"items an object", "POST", sandbox.Path, `{"key":"sandbox-key","items":{}}`, good, 400, sandbox.MsgMalformedBody},
		{"item not an object", "POST", sandbox.Path, `{"key":"sandbox-key","items":["GFFY72"]}`, good, 400, sandbox.MsgMalformedBody},
		{"trailing data", "POST", sandbox.Path, body + "{}", good, 400, sandbox.MsgMalformedBody},
		{"too large", "POST", sandbox.Path, `{"key":"` + strings.Repeat("k", 1<<20) + `"}`, good, 413, sandbox.MsgBodyTooLarge},
		{"charset and a list of types", "POST", sandbox.Path, body,
			map[string]string{"Accept": "text/html, application/json;q=0.9", "Content-Type": "application/json; charset=utf-8"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, srv := start(t, sandbox.Options{})
			want := result{Status: tt.status, Body: map[string]any{"success": false, "error": tt.msg}}
			if tt.msg == "" {
				want = okAnswer
			}
			if diff := cmp.Diff(want, send(t, srv, tt.method, tt.path, tt.body, tt.headers)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
			if tt.status != 200 && len(sb.Transactions(key, "1")) != 0 {
				t.Error("a refused request was recorded")
			}
			if sb.RequestCount() != 1 {
				t.Errorf("RequestCount() = %d, want 1", sb.RequestCount())
			}
		})
	}
}

// TestRequests: the raw bodies and headers are kept until reset.
func TestRequests(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	body := tx(key, "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1)
	post(t, srv, body)
	post(t, srv, tx(key, "1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1))
	reqs := sb.Requests()
	if len(reqs) != 2 || sb.RequestCount() != 2 {
		t.Fatalf("Requests() = %d, RequestCount() = %d, want 2", len(reqs), sb.RequestCount())
	}
	if string(reqs[0].Body) != body || reqs[0].Method != "POST" || reqs[0].Path != sandbox.Path ||
		reqs[0].Header.Get("Accept") != "application/json" || reqs[0].Status != 200 || reqs[0].Error != "" {
		t.Errorf("Requests()[0] = %+v", reqs[0])
	}
	if reqs[1].Error != sandbox.MsgDuplicateSale {
		t.Errorf("Requests()[1].Error = %q, want the duplicate message", reqs[1].Error)
	}
	reqs[0].Body[0] = 'X' // a copy
	if sb.Requests()[0].Body[0] == 'X' {
		t.Error("Requests() shares its bodies")
	}
	sb.ResetRequests()
	if sb.RequestCount() != 0 {
		t.Errorf("RequestCount() after reset = %d", sb.RequestCount())
	}
}

// TestConcurrentSales: stock is never oversold.
func TestConcurrentSales(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	var wg sync.WaitGroup
	var sold atomic.Int32
	for i := range 20 {
		wg.Go(func() {
			got := post(t, srv, tx(key, "C-"+string(rune('a'+i)), "SALE", 5400, 0, 0, "GFFY72", 5400, 1))
			if got.Body["success"] == true {
				sold.Add(1)
			} else if got.Body["error"] != sandbox.MsgUnknownSKU {
				t.Errorf("answer = %v", got)
			}
		})
	}
	wg.Wait()
	if sold.Load() != 5 || sb.Stock(key, "GFFY72") != 0 {
		t.Errorf("sold %d, stock %d, want 5 and 0", sold.Load(), sb.Stock(key, "GFFY72"))
	}
}

// TestDefaultSKUs is the documented seed.
func TestDefaultSKUs(t *testing.T) {
	want := map[string]int64{"GFFY72": 5, "AD4J56": 10, "BK2210": 1, "CT7781": 3, "DR0042": 0, "JK3305": 20}
	if diff := cmp.Diff(want, sandbox.DefaultSKUs()); diff != "" {
		t.Errorf("DefaultSKUs (-want +got):\n%s", diff)
	}
	sb := sandbox.New(sandbox.Options{})
	for sku, n := range want {
		if got := sb.Stock(sandbox.DefaultKey, sku); got != n {
			t.Errorf("Stock(%q) = %d, want %d", sku, got, n)
		}
	}
}
