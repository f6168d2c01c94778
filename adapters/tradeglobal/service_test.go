package tradeglobal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

var usd = money.MustCurrency("USD")

// chargeView and quoteView render a quote's money as text ("-12.40 USD") so
// that a test states every amount exactly.
type chargeView struct{ Type, Classification, Amount string }

type groupView struct {
	Fees, Discounts []chargeView
	Total           string
}

type quoteView struct {
	QuoteID, TotalCost                 string
	Customs, Import, Service, Shipping groupView
}

func viewQuote(q commerce.Quote) quoteView {
	g := func(g commerce.QuoteGroup) groupView {
		v := groupView{Total: g.Total.String()}
		for _, c := range g.Fees {
			v.Fees = append(v.Fees, chargeView{c.Type, c.Classification, c.Amount.String()})
		}
		for _, c := range g.Discounts {
			v.Discounts = append(v.Discounts, chargeView{c.Type, c.Classification, c.Amount.String()})
		}
		return v
	}
	return quoteView{QuoteID: q.QuoteID, TotalCost: q.TotalCost.String(),
		Customs: g(q.Customs), Import: g(q.Import), Service: g(q.Service), Shipping: g(q.Shipping)}
}

// specQuote is the spec's example quote in USD, as given: TotalCost 53.39
// although the group totals add up to 14.
var specQuote = quoteView{
	QuoteID:   "5e6732c2-cc55-4035-95df-a307b48be7aa",
	TotalCost: "53.39 USD",
	Customs: groupView{Total: "0.00 USD", Fees: []chargeView{
		{"Brokerage", "Custom", "0.00 USD"}, {"Disbursement", "Custom", "0.00 USD"}}},
	Import: groupView{Total: "9.00 USD", Fees: []chargeView{
		{"Duty", "Import", "4.86 USD"}, {"VAT", "Import", "1.59 USD"}, {"PST", "Import", "2.55 USD"}}},
	Service: groupView{Total: "5.00 USD", Fees: []chargeView{{"TransactionFee", "Service", "5.00 USD"}}},
	Shipping: groupView{Total: "0.00 USD",
		Fees: []chargeView{
			{"Freight", "Shipping", "12.40 USD"}, {"FuelSurcharge", "Shipping", "0.00 USD"}, {"Insurance", "Shipping", "0.00 USD"}},
		Discounts: []chargeView{{"Fixed", "Shipping", "-12.40 USD"}}},
}

func TestServicePlaceOrderQuote(t *testing.T) {
	c, mux := setup(t)
	answer(t, mux, 200, string(readFile(t, "spec_response.json")))
	s := NewService(c, usd)
	q, err := s.PlaceOrder(context.Background(), specInput())
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	if diff := cmp.Diff(specQuote, viewQuote(q)); diff != "" {
		t.Errorf("quote (-want +got):\n%s", diff)
	}
	// Exact amounts, not just their rendering.
	for _, tt := range []struct {
		m    money.Money
		want string
	}{{q.TotalCost, "53.39"}, {q.Shipping.Discounts[0].Amount, "-12.40"}, {q.Import.Fees[0].Amount, "4.86"}, {q.Import.Total, "9.00"}} {
		if tt.m.FormatAmount() != tt.want || tt.m.Currency() != usd || !tt.m.Amount().Equal(d(tt.want)) {
			t.Errorf("amount = %s, want %s USD", tt.m, tt.want)
		}
	}
	if s.Currency() != usd {
		t.Errorf("Currency() = %v", s.Currency())
	}
}

// The quote is carried in the configured currency; the zero currency is USD.
func TestServiceCurrency(t *testing.T) {
	c, mux := setup(t)
	answer(t, mux, 200, string(readFile(t, "spec_response.json")))
	q, err := NewService(c, money.MustCurrency("CAD")).PlaceOrder(context.Background(), specInput())
	if err != nil || q.TotalCost.String() != "53.39 CAD" {
		t.Errorf("TotalCost = %v, %v; want 53.39 CAD", q.TotalCost, err)
	}
	if got := NewService(c, money.Currency{}).Currency(); got != usd {
		t.Errorf("NewService(zero currency).Currency() = %v, want USD", got)
	}
}

// The input becomes the documented request: the client's merchant code, an
// empty state and postal code as a single space, decimals exact.
func TestServiceRequestMapping(t *testing.T) {
	c, mux := setup(t)
	var body string
	mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		_, _ = w.Write(readFile(t, "spec_response.json"))
	})
	s := NewService(c, usd)
	if _, err := s.PlaceOrder(context.Background(), specInput()); err != nil {
		t.Fatal(err)
	}
	if body != specRequestBody {
		t.Errorf("body =\n%s\nwant\n%s", body, specRequestBody)
	}
	in := specInput()
	in.ShipTo.StateProvince, in.ShipTo.Postal, in.ShipTo.Country = "", "", "HK"
	in.Products[0].Name = "Tee"
	if _, err := s.PlaceOrder(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"StateProvince":" "`, `"Postal":" "`, `"Name":"Tee"`, `"UnitPrice":26.99,`, `"Weight":0.75,`} {
		if !strings.Contains(body, frag) {
			t.Errorf("body lacks %s: %s", frag, body)
		}
	}
}

func TestServiceErrors(t *testing.T) {
	secretToken := "VEdDU0FOREJPWDpzM2NyM3Q=" // the credential part of testAuth
	tests := []struct {
		name    string
		handler func(t *testing.T, mux *http.ServeMux)
		check   func(t *testing.T, err error)
	}{
		{"duplicate → ErrAlreadyPlaced", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 200, `{"Status":"FAILED","ErrorMessage":"Order with MerchantOrderID 'TG0000015' already exists."}`)
		}, func(t *testing.T, err error) {
			var rej *commerce.Rejection
			if !errors.Is(err, commerce.ErrAlreadyPlaced) || errors.As(err, &rej) {
				t.Errorf("err = %v, want commerce.ErrAlreadyPlaced and no Rejection", err)
			}
		}},
		{"FAILED → Rejection", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 200, `{"Status":"FAILED","ErrorMessage":"SKU 'X' does not exist: Products[0].HarmonizedTariffCode is required for a new SKU."}`,
				"X-Request-Id", "r-1")
		}, func(t *testing.T, err error) {
			var rej *commerce.Rejection
			if !errors.As(err, &rej) {
				t.Fatalf("err = %v (%T), want *commerce.Rejection", err, err)
			}
			want := &commerce.Rejection{Backend: "tradeglobal", RequestID: "r-1",
				Message: "SKU 'X' does not exist: Products[0].HarmonizedTariffCode is required for a new SKU.",
				Field:   []string{"products", "0", "harmonizedTariffCode"}}
			if diff := cmp.Diff(want, rej); diff != "" {
				t.Errorf("Rejection (-want +got):\n%s", diff)
			}
			if errors.Is(err, commerce.ErrOutcomeUnknown) || errors.Is(err, commerce.ErrAlreadyPlaced) {
				t.Error("a refusal reads as unknown or already placed")
			}
		}},
		{"FAILED without a field → Rejection", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 200, `{"Status":"FAILED","ErrorMessage":"Shipping to this destination is not available."}`)
		}, func(t *testing.T, err error) {
			var rej *commerce.Rejection
			if !errors.As(err, &rej) || rej.Field != nil || rej.Message != "Shipping to this destination is not available." {
				t.Errorf("err = %#v", err)
			}
		}},
		{"FAILED without a message", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 200, `{"Status":"FAILED"}`)
		}, func(t *testing.T, err error) {
			var rej *commerce.Rejection
			if !errors.As(err, &rej) || rej.Message == "" {
				t.Errorf("err = %#v, want a Rejection with a message", err)
			}
		}},
		{"merchant code refused → UPSTREAM_ERROR", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 200, `{"Status":"FAILED","ErrorMessage":"Invalid MerchantCode 'TGCSANDBOX'."}`)
		}, func(t *testing.T, err error) {
			wantCode(t, err, commerce.CodeUpstreamError)
			if strings.Contains(err.Error(), testMerchant) {
				t.Errorf("the error echoes the merchant code: %v", err)
			}
		}},
		{"401 → UPSTREAM_ERROR", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 401, `{"Message":"Authorization has been denied for this request: `+testAuth+`"}`, "X-Request-Id", "r-2")
		}, func(t *testing.T, err error) {
			e := wantCode(t, err, commerce.CodeUpstreamError)
			if e != nil && e.RequestID != "r-2" {
				t.Errorf("RequestID = %q", e.RequestID)
			}
			if strings.Contains(err.Error(), secretToken) || (e != nil && strings.Contains(e.Message, secretToken)) {
				t.Errorf("the error echoes the Authorization value: %v", err)
			}
			if !errors.Is(err, ErrUnauthorized) || errors.Is(err, commerce.ErrOutcomeUnknown) {
				t.Errorf("err = %v, want ErrUnauthorized and a known outcome", err)
			}
		}},
		{"403 FAILED → UPSTREAM_ERROR", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 403, `{"Status":"FAILED","ErrorMessage":"Access denied"}`)
		}, func(t *testing.T, err error) { wantCode(t, err, commerce.CodeUpstreamError) }},
		{"404 → UPSTREAM_ERROR", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 404, `<html>Not Found</html>`, "Content-Type", "text/html")
		}, func(t *testing.T, err error) { wantCode(t, err, commerce.CodeUpstreamError) }},
		{"400 → UPSTREAM_ERROR, nothing placed", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 400, `{"Message":"The request is invalid."}`)
		}, func(t *testing.T, err error) {
			wantCode(t, err, commerce.CodeUpstreamError)
			if errors.Is(err, commerce.ErrOutcomeUnknown) {
				t.Error("a 400 reads as an unknown outcome")
			}
		}},
		{"429 → RATE_LIMITED", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 429, `{"Message":"Too Many Requests"}`, "Retry-After", "12")
		}, func(t *testing.T, err error) {
			if e := wantCode(t, err, commerce.CodeRateLimited); e != nil && e.RetryAfter != 12*time.Second {
				t.Errorf("RetryAfter = %v", e.RetryAfter)
			}
		}},
		{"503 → UPSTREAM_UNAVAILABLE, outcome unknown", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 503, `<html>Service Unavailable</html>`, "Content-Type", "text/html")
		}, func(t *testing.T, err error) {
			wantCode(t, err, commerce.CodeUpstreamUnavailable)
			var er *ErrorResponse
			if !errors.Is(err, commerce.ErrOutcomeUnknown) || !errors.As(err, &er) || er.StatusCode != 503 {
				t.Errorf("err = %v, want ErrOutcomeUnknown and the *ErrorResponse", err)
			}
		}},
		{"500 → UPSTREAM_UNAVAILABLE", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 500, `{"Message":"An error has occurred."}`)
		}, func(t *testing.T, err error) {
			wantCode(t, err, commerce.CodeUpstreamUnavailable)
			if !errors.Is(err, commerce.ErrOutcomeUnknown) {
				t.Error("a 500 does not read as an unknown outcome")
			}
		}},
		{"no answer → outcome unknown", hangUp, func(t *testing.T, err error) {
			wantCode(t, err, commerce.CodeUpstreamUnavailable)
			var ne *NetworkError
			if !errors.Is(err, commerce.ErrOutcomeUnknown) || !errors.As(err, &ne) {
				t.Errorf("err = %v, want ErrOutcomeUnknown wrapping a *NetworkError", err)
			}
		}},
		{"unreadable answer → outcome unknown", func(t *testing.T, mux *http.ServeMux) {
			answer(t, mux, 200, `<html>OK</html>`)
		}, func(t *testing.T, err error) {
			wantCode(t, err, commerce.CodeUpstreamError)
			var de *DecodeError
			if !errors.Is(err, commerce.ErrOutcomeUnknown) || !errors.As(err, &de) {
				t.Errorf("err = %v, want ErrOutcomeUnknown wrapping a *DecodeError", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux := setup(t, WithAuthorization(testAuth))
			tt.handler(t, mux)
			q, err := NewService(c, usd).PlaceOrder(context.Background(), specInput())
			if err == nil {
				t.Fatalf("PlaceOrder = %+v, want an error", q)
			}
			tt.check(t, err)
		})
	}
}

func wantCode(t *testing.T, err error, code commerce.Code) *commerce.Error {
	t.Helper()
	var e *commerce.Error
	if !errors.As(err, &e) {
		t.Errorf("err = %v (%T), want *commerce.Error %s", err, err, code)
		return nil
	}
	if e.Code != code || e.Backend != "tradeglobal" || e.Message == "" {
		t.Errorf("commerce.Error = %+v, want code %s from tradeglobal with a message", e, code)
	}
	return e
}

// A timeout after sending: the caller learns the outcome is unknown, and
// nothing was resent.
func TestServiceTimeout(t *testing.T) {
	c, mux := setup(t, WithTimeout(30*time.Millisecond))
	var calls atomic.Int32
	mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	_, err := NewService(c, usd).PlaceOrder(context.Background(), specInput())
	if !errors.Is(err, commerce.ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrOutcomeUnknown wrapping the deadline", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests, want 1", calls.Load())
	}
}

func TestFieldOfMessage(t *testing.T) {
	req := specRequest()
	tests := []struct {
		msg  string
		want []string
	}{
		{"Products[0].UnitPrice must be greater than zero.", []string{"products", "0", "unitPrice"}},
		{"SKU 'X' does not exist: Products[0].SizeUOM is required for a new SKU.", []string{"products", "0", "sizeUom"}},
		{"Products[3].SKU is required.", nil}, // no such line
		{"ShipToAddress.Country 'CAN' is not a valid 2-character country code.", []string{"shipTo", "country"}},
		{"ShipToAddress is required.", nil},
		{"Invalid ServiceCode 'X'.", []string{"serviceCode"}},
		{"Something else.", nil},
	}
	for _, tt := range tests {
		if got := fieldOfMessage(tt.msg, req); !cmp.Equal(got, tt.want) {
			t.Errorf("fieldOfMessage(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
}

// Behind a circuit breaker that TGC's 503s opened, an order is refused
// without being sent: UPSTREAM_UNAVAILABLE with the breaker's retryAfter,
// and known not to have been placed (no unknown outcome).
func TestServiceBreakerOpen(t *testing.T) {
	br, err := circuit.New(string(Backend), circuit.WithFailures(1), circuit.WithOpenFor(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	c, mux := setup(t, WithHTTPClient(&http.Client{Transport: br.Guard(br.Outcomes(nil))}))
	calls := answer(t, mux, 503, `<html>Service Unavailable</html>`, "Content-Type", "text/html")
	svc := NewService(c, usd)
	if _, err := svc.PlaceOrder(context.Background(), specInput()); !errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Fatalf("the 503: %v, want an unknown outcome", err)
	}
	_, err = svc.PlaceOrder(context.Background(), specInput())
	e := wantCode(t, err, commerce.CodeUpstreamUnavailable)
	if e != nil && e.RetryAfterSeconds() < 59 {
		t.Errorf("retry after %ds, want about 60", e.RetryAfterSeconds())
	}
	var ne *NetworkError
	if errors.Is(err, commerce.ErrOutcomeUnknown) || errors.As(err, &ne) {
		t.Errorf("err = %v: an order the breaker refused reads as maybe placed", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("TGC got %d requests, want 1 (the breaker refused the second)", n)
	}
}
