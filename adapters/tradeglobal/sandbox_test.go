package tradeglobal_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/adapters/tradeglobal"
	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// The client against the sandbox: the spec's contract on both sides.

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func dp(s string) *decimal.Decimal { v := d(s); return &v }

func specInput() commerce.InternationalOrderInput {
	return commerce.InternationalOrderInput{
		MerchantOrderID: "TG0000015",
		ServiceCode:     "GMDDP",
		ShipTo: commerce.ShipTo{
			FirstName: "Bryan", LastName: "Testcase", Address1: "123 Main Street", City: "Toronto",
			StateProvince: "ON", Postal: "M5S 2A2", Country: "CA", Phone: "555555555", Email: "test@tgc.com",
		},
		Products: []commerce.InternationalProduct{{
			SKU: "TGSAND_TestSKU123", Quantity: 1, UnitPrice: d("26.99"),
			Description: "Test SKU", HarmonizedTariffCode: "620441", CountryOfOrigin: "CN",
			Length: dp("3"), Width: dp("6"), Height: dp("9"), SizeUOM: "IN",
			Weight: dp("0.75"), WeightUOM: "LBS", CommercialInvoiceDescription: "A Test Description",
		}},
	}
}

func newService(t *testing.T, sbOpts sandbox.Options, opts ...tradeglobal.Option) (*tradeglobal.Service, *sandbox.Sandbox) {
	t.Helper()
	sb := sandbox.New(sbOpts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, err := tradeglobal.New(srv.URL, append([]tradeglobal.Option{tradeglobal.WithMerchantCode(sandbox.DefaultMerchantCode)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return tradeglobal.NewService(c, money.MustCurrency("USD")), sb
}

func TestSandboxSpecExample(t *testing.T) {
	s, sb := newService(t, sandbox.Options{})
	q, err := s.PlaceOrder(context.Background(), specInput())
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	got := map[string]string{
		"QuoteID": q.QuoteID, "TotalCost": q.TotalCost.String(), "Import.Total": q.Import.Total.String(),
		"Duty": q.Import.Fees[0].Amount.String(), "VAT": q.Import.Fees[1].Amount.String(), "PST": q.Import.Fees[2].Amount.String(),
		"Freight": q.Shipping.Fees[0].Amount.String(), "Discount": q.Shipping.Discounts[0].Amount.String(),
		"Shipping.Total": q.Shipping.Total.String(), "Service.Total": q.Service.Total.String(),
	}
	want := map[string]string{
		"QuoteID": "5e6732c2-cc55-4035-95df-a307b48be7aa", "TotalCost": "53.39 USD", "Import.Total": "9.00 USD",
		"Duty": "4.86 USD", "VAT": "1.59 USD", "PST": "2.55 USD", "Freight": "12.40 USD", "Discount": "-12.40 USD",
		"Shipping.Total": "0.00 USD", "Service.Total": "5.00 USD",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("quote (-want +got):\n%s", diff)
	}
	reqs := sb.Requests()
	if len(reqs) != 1 || !bytes.Contains(reqs[0].Body, []byte(`"UnitPrice":26.99`)) || !bytes.Contains(reqs[0].Body, []byte(`"PassingFreightCost":false`)) {
		t.Errorf("the sandbox received %+v", reqs)
	}
}

// A lost answer: the order landed; the client says the outcome is unknown;
// the resend with the same MerchantOrderID proves it landed, and nothing is
// doubled.
func TestSandboxLostAnswer(t *testing.T) {
	s, sb := newService(t, sandbox.Options{})
	sb.DropNextResponses(1)
	_, err := s.PlaceOrder(context.Background(), specInput())
	if !errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want commerce.ErrOutcomeUnknown", err)
	}
	var ne *tradeglobal.NetworkError
	if !errors.As(err, &ne) {
		t.Errorf("err = %v, want it to wrap a *NetworkError", err)
	}
	if sb.OrderCount() != 1 {
		t.Fatalf("OrderCount() = %d, want 1: the dropped order was placed", sb.OrderCount())
	}
	_, err = s.PlaceOrder(context.Background(), specInput())
	if !errors.Is(err, commerce.ErrAlreadyPlaced) {
		t.Errorf("resend: err = %v, want commerce.ErrAlreadyPlaced", err)
	}
	if sb.OrderCount() != 1 || sb.RequestCount() != 2 {
		t.Errorf("OrderCount, RequestCount = %d, %d; want 1, 2", sb.OrderCount(), sb.RequestCount())
	}
}

// A timeout before the sandbox did anything: the outcome is unknown to the
// client; the resend lands and answers the quote.
func TestSandboxTimeoutNeverLanded(t *testing.T) {
	s, sb := newService(t, sandbox.Options{}, tradeglobal.WithTimeout(30*time.Millisecond))
	sb.SetLatency(300 * time.Millisecond)
	_, err := s.PlaceOrder(context.Background(), specInput())
	if !errors.Is(err, commerce.ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want commerce.ErrOutcomeUnknown after the deadline", err)
	}
	sb.SetLatency(0)
	time.Sleep(350 * time.Millisecond) // the abandoned request has given up
	if sb.OrderCount() != 0 {
		t.Fatal("the abandoned request placed its order")
	}
	q, err := s.PlaceOrder(context.Background(), specInput())
	if err != nil || q.TotalCost.String() != "53.39 USD" {
		t.Errorf("resend = %v, %v; want the quote", q.TotalCost, err)
	}
}

// A SKU TGC has not seen, without its customs data: the client passes it
// on, and TGC's refusal becomes a rejection naming the field.
func TestSandboxNewSKU(t *testing.T) {
	s, sb := newService(t, sandbox.Options{})
	in := specInput()
	in.Products[0] = commerce.InternationalProduct{SKU: "SCARF-1", Quantity: 1, UnitPrice: d("19.5")}
	if errs := s.Validate(in); len(errs) != 0 {
		t.Fatalf("Validate = %v, want none: the client cannot know which SKUs TGC has", errs)
	}
	_, err := s.PlaceOrder(context.Background(), in)
	var rej *commerce.Rejection
	if !errors.As(err, &rej) {
		t.Fatalf("err = %v (%T), want *commerce.Rejection", err, err)
	}
	want := &commerce.Rejection{Backend: "tradeglobal", Field: []string{"products", "0", "description"},
		Message: "SKU 'SCARF-1' does not exist: Products[0].Description is required for a new SKU."}
	if diff := cmp.Diff(want, rej); diff != "" {
		t.Errorf("Rejection (-want +got):\n%s", diff)
	}

	// With the data, it lands and is remembered.
	in.Products[0] = commerce.InternationalProduct{SKU: "SCARF-1", Quantity: 1, UnitPrice: d("19.5"),
		Description: "Wool scarf", HarmonizedTariffCode: "611710", CountryOfOrigin: "IT",
		Length: dp("20"), Width: dp("10"), Height: dp("2"), SizeUOM: "CM", Weight: dp("0.3"), WeightUOM: "KG",
		CommercialInvoiceDescription: "Knitted wool scarf"}
	if _, err := s.PlaceOrder(context.Background(), in); err != nil {
		t.Fatalf("with customs data: %v", err)
	}
	in.MerchantOrderID = "TG0000016"
	in.Products[0] = commerce.InternationalProduct{SKU: "SCARF-1", Quantity: 2, UnitPrice: d("19.5")}
	if _, err := s.PlaceOrder(context.Background(), in); err != nil {
		t.Errorf("a remembered SKU without customs data: %v", err)
	}
	if sb.OrderCount() != 2 {
		t.Errorf("OrderCount() = %d, want 2", sb.OrderCount())
	}
}

// No state or postal code: the client sends a single space, which TGC
// accepts.
func TestSandboxNoStateOrPostal(t *testing.T) {
	s, sb := newService(t, sandbox.Options{})
	in := specInput()
	in.ShipTo.StateProvince, in.ShipTo.Postal, in.ShipTo.Country = "", "", "HK"
	if errs := s.Validate(in); len(errs) != 0 {
		t.Fatalf("Validate = %v", errs)
	}
	if _, err := s.PlaceOrder(context.Background(), in); err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	o, _ := sb.Order("TG0000015")
	if !bytes.Contains(o.Request, []byte(`"StateProvince":" ","Postal":" "`)) {
		t.Errorf("request = %s", o.Request)
	}
}

// The Authorization value travels verbatim; a wrong one is the gateway's
// problem, not the caller's, and is never echoed.
func TestSandboxAuthorization(t *testing.T) {
	const auth = "Basic VEdDU0FOREJPWDpzM2NyM3Q="
	s, _ := newService(t, sandbox.Options{Authorization: auth}, tradeglobal.WithAuthorization(auth))
	if _, err := s.PlaceOrder(context.Background(), specInput()); err != nil {
		t.Fatalf("with the right header: %v", err)
	}
	s, sb := newService(t, sandbox.Options{Authorization: auth}, tradeglobal.WithAuthorization("Basic d3Jvbmc6d3Jvbmc="))
	_, err := s.PlaceOrder(context.Background(), specInput())
	var e *commerce.Error
	if !errors.As(err, &e) || e.Code != commerce.CodeUpstreamError {
		t.Fatalf("err = %v, want UPSTREAM_ERROR", err)
	}
	if strings.Contains(err.Error(), "d3Jvbmc6d3Jvbmc") || errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Errorf("err = %v: echoes the credential or reads as unknown", err)
	}
	if sb.OrderCount() != 0 {
		t.Error("an unauthorized order was placed")
	}
}

func TestSandboxFailures(t *testing.T) {
	tests := []struct {
		status  int
		code    commerce.Code
		unknown bool
	}{
		{http.StatusServiceUnavailable, commerce.CodeUpstreamUnavailable, true},
		{http.StatusInternalServerError, commerce.CodeUpstreamUnavailable, true},
		{http.StatusTooManyRequests, commerce.CodeRateLimited, false},
		{http.StatusForbidden, commerce.CodeUpstreamError, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			s, sb := newService(t, sandbox.Options{})
			sb.FailNext(1, tt.status)
			_, err := s.PlaceOrder(context.Background(), specInput())
			if commerce.CodeOf(err) != tt.code || errors.Is(err, commerce.ErrOutcomeUnknown) != tt.unknown {
				t.Errorf("err = %v (code %s), want %s, unknown %v", err, commerce.CodeOf(err), tt.code, tt.unknown)
			}
			// PlaceOrder never resends; the caller's resend succeeds.
			if sb.RequestCount() != 1 || sb.OrderCount() != 0 {
				t.Errorf("RequestCount, OrderCount = %d, %d; want 1, 0", sb.RequestCount(), sb.OrderCount())
			}
			if _, err := s.PlaceOrder(context.Background(), specInput()); err != nil {
				t.Errorf("resend: %v", err)
			}
		})
	}
}

// An unknown merchant code is the gateway's configuration, not a user error.
func TestSandboxUnknownMerchant(t *testing.T) {
	sb := sandbox.New(sandbox.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, _ := tradeglobal.New(srv.URL, tradeglobal.WithMerchantCode("NOTMINE"))
	_, err := tradeglobal.NewService(c, money.Currency{}).PlaceOrder(context.Background(), specInput())
	var rej *commerce.Rejection
	if commerce.CodeOf(err) != commerce.CodeUpstreamError || errors.As(err, &rej) || strings.Contains(err.Error(), "NOTMINE") {
		t.Errorf("err = %v, want UPSTREAM_ERROR without the merchant code", err)
	}
}

// The whole path: commerce's placeInternationalOrder over this adapter and
// the sandbox. A lost answer is reported, the retry learns from TGC's
// duplicate refusal that the order landed, and TGC holds one order.
func TestCommerceLostAnswer(t *testing.T) {
	s, sb := newService(t, sandbox.Options{})
	svc := commerce.NewService(commerce.ServiceConfig{International: s})
	ctx := commerce.WithPrincipal(context.Background(), commerce.Principal{Role: commerce.RoleAdmin, KeyID: "k1"})

	sb.DropNextResponses(1)
	if _, err := svc.PlaceInternationalOrder(ctx, specInput()); commerce.CodeOf(err) != commerce.CodeUpstreamUnavailable {
		t.Fatalf("first attempt: err = %v, want UPSTREAM_UNAVAILABLE", err)
	}
	res, err := svc.PlaceInternationalOrder(ctx, specInput())
	if err != nil || res.Order == nil {
		t.Fatalf("retry = %+v, %v", res, err)
	}
	if res.Order.Status != commerce.InternationalPlacedNoQuote || res.Order.Quote != nil {
		t.Errorf("retry: order %+v, want %s without a quote", res.Order, commerce.InternationalPlacedNoQuote)
	}
	if sb.OrderCount() != 1 {
		t.Errorf("OrderCount() = %d, want 1", sb.OrderCount())
	}

	// An answered order carries its quote.
	in := specInput()
	in.MerchantOrderID = "TG0000016"
	res, err = svc.PlaceInternationalOrder(ctx, in)
	if err != nil || res.Order == nil || res.Order.Status != commerce.InternationalPlaced || res.Order.Quote == nil ||
		res.Order.Quote.TotalCost.String() != "53.39 USD" {
		t.Errorf("second order = %+v, %v", res, err)
	}
}
