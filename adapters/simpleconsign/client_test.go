package simpleconsign

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
	"github.com/google/go-cmp/cmp"
)

func TestNew(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "https://user.traxia.com/app/api/transaction"},
		{"https://user.traxia.com", "https://user.traxia.com/app/api/transaction"},
		{"https://user.traxia.com/", "https://user.traxia.com/app/api/transaction"},
		{"http://localhost:8083/simpleconsign", "http://localhost:8083/simpleconsign/app/api/transaction"},
	}
	for _, tt := range tests {
		c, err := New(tt.in)
		if err != nil {
			t.Errorf("New(%q) = %v", tt.in, err)
			continue
		}
		if got := c.Endpoint(); got != tt.want {
			t.Errorf("New(%q).Endpoint() = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{"user.traxia.com", "ftp://user.traxia.com", "http://", "https://a b/", "https://x/?key=1"} {
		if c, err := New(in); err == nil {
			t.Errorf("New(%q) = %v, nil, want an error", in, c.Endpoint())
		}
	}
}

// TestTransactRequest checks the request: method, path, the two required
// headers, and the version-2 body with the key and integer cents.
func TestTransactRequest(t *testing.T) {
	c, mux, _ := setup(t, WithUserAgent("test-agent/1"))
	var got map[string]any
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		for h, want := range map[string]string{
			"Accept": "application/json", "Content-Type": "application/json", "User-Agent": "test-agent/1",
		} {
			if v := r.Header.Get(h); v != want {
				t.Errorf("header %s = %q, want %q", h, v, want)
			}
		}
		if r.URL.RawQuery != "" {
			t.Errorf("query = %q, want none (the key travels in the body)", r.URL.RawQuery)
		}
		var b strings.Builder
		buf := make([]byte, 512)
		for {
			n, err := r.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		got = decodeJSON(t, []byte(b.String()))
		_, _ = w.Write([]byte(`{"success": true}`))
	})
	resp, err := c.Transact(context.Background(), &Transaction{
		OrderNumber: "SO-42", Type: Sale,
		NonTaxableSaleTotal: 4242, TaxableSaleTotal: 1000, Tax: 80,
		Items: []Item{{SKU: "GFFY72", Price: 4242, Quantity: 1}, {SKU: "AD4J56", Price: 500, Quantity: 2}},
	})
	if err != nil {
		t.Fatalf("Transact = %v", err)
	}
	if !resp.Success || resp.StatusCode != http.StatusOK {
		t.Errorf("Transact response = %+v, want success with 200", resp)
	}
	want := map[string]any{
		"key": testKey, "orderNumber": "SO-42", "type": "SALE",
		"nonTaxableSaleTotal": json.Number("4242"), "taxableSaleTotal": json.Number("1000"), "tax": json.Number("80"),
		"items": []any{
			map[string]any{"sku": "GFFY72", "price": json.Number("4242"), "quantity": json.Number("1")},
			map[string]any{"sku": "AD4J56", "price": json.Number("500"), "quantity": json.Number("2")},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request body mismatch (-want +got):\n%s", diff)
	}
}

// TestTransactSpecExamples: the spec's two request examples are what the
// client sends for the same transactions (the key aside).
func TestTransactSpecExamples(t *testing.T) {
	tests := []struct {
		file string
		tx   Transaction
	}{
		{"spec_sale_request.json", Transaction{OrderNumber: "1234", Type: Sale, NonTaxableSaleTotal: 7998,
			Items: []Item{{SKU: "GFFY72", Price: 5400, Quantity: 1}, {SKU: "AD4J56", Price: 1299, Quantity: 2}}}},
		{"spec_return_request.json", Transaction{OrderNumber: "1234", Type: Return, NonTaxableSaleTotal: 2598,
			Items: []Item{{SKU: "AD4J56", Price: 1299, Quantity: 2}}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			c, mux, _ := setup(t, WithAPIKey("Your API key here"))
			n := answer(mux, http.StatusOK, string(readTestdata(t, "spec_success.json")))
			if _, err := c.Transact(context.Background(), &tt.tx); err != nil {
				t.Fatalf("Transact = %v", err)
			}
			want := decodeJSON(t, readTestdata(t, tt.file))
			if diff := cmp.Diff(want, n.last(t)); diff != "" {
				t.Errorf("body differs from the spec's example (-spec +sent):\n%s", diff)
			}
		})
	}
}

// TestTransactMessages: every documented message, answered HTTP 200 with
// "success": false as the spec shows, is a failure with its code; Record
// maps it to a rejection or a commerce error.
func TestTransactMessages(t *testing.T) {
	tests := []struct {
		msg        string
		code       Code
		rejection  bool
		commerce   commerce.Code // when not a rejection
		field      []string
		sentinel   error
		retryAfter bool
	}{
		{"invalid API key", CodeInvalidAPIKey, false, commerce.CodeUpstreamError, nil, ErrInvalidAPIKey, false},
		{"too many API requests in the last ten minutes", CodeRateLimited, false, commerce.CodeRateLimited, nil, ErrRateLimited, true},
		{"this location's price plan is not authorized for API access", CodePlanNotAuthorized, false, commerce.CodeUpstreamError, nil, ErrPlanNotAuthorized, false},
		{"could not find item with SKU", CodeUnknownSKU, true, "", []string{"items"}, ErrRefused, false},
		{"taxableSaleTotal and nonTaxableSaleTotal is $0.00", CodeZeroTotal, true, "", []string{"items"}, ErrRefused, false},
		{"transaction item is missing a SKU", CodeMissingSKU, true, "", []string{"items"}, ErrRefused, false},
		{"total of items price does not match transaction sub total", CodeTotalMismatch, true, "", []string{"items"}, ErrRefused, false},
		{"taxableSaleTotal is greater than zero, but no tax was collected", CodeTaxableWithoutTax, true, "", []string{"tax"}, ErrRefused, false},
		{"taxableSaleTotal is zero, but tax was collected", CodeTaxWithoutTaxable, true, "", []string{"tax"}, ErrRefused, false},
		{"transaction type must be either 'SALE' or 'RETURN'", CodeInvalidType, true, "", nil, ErrRefused, false},
		{"a unique order/invoice number (orderNumber) from the remote service must be provided", CodeMissingOrderNumber, true, "", []string{"orderNumber"}, ErrRefused, false},
		{"the type of transaction (SALE or RETURN) must be provided for an orderNumber", CodeMissingType, true, "", nil, ErrRefused, false},
		{"an online SALE transaction already exists for the provided orderNumber", CodeDuplicateSale, true, "", []string{"orderNumber"}, ErrRefused, false},
		{"could not find original online SALE transaction for the provided orderNumber to be returned", CodeSaleNotFound, true, "", []string{"orderNumber"}, ErrRefused, false},
		{"return quantity exceeds the quantity sold for SKU (sandbox)", CodeReturnExceedsSale, true, "", []string{"items"}, ErrRefused, false},
		{"error message here", CodeRejected, true, "", nil, ErrRefused, false},
		{"", CodeRejected, true, "", nil, ErrRefused, false},
	}
	// The table covers the spec's list, word for word.
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.msg] = true
	}
	for _, m := range specMessages(t) {
		if !covered[m] {
			t.Errorf("the spec's message %q is not in the table", m)
		}
	}
	for _, tt := range tests {
		t.Run(string(tt.code)+"/"+tt.msg, func(t *testing.T) {
			c, mux, _ := setup(t)
			body, _ := json.Marshal(map[string]any{"success": false, "error": tt.msg})
			n := answer(mux, http.StatusOK, string(body))
			svc := NewService(c, usd)
			_, err := c.Transact(context.Background(), &Transaction{OrderNumber: "1", Type: Sale})
			if err == nil {
				t.Fatal("Transact = nil, want an error for success false with HTTP 200")
			}
			if !errors.Is(err, tt.sentinel) {
				t.Errorf("Transact = %v, want errors.Is %v", err, tt.sentinel)
			}
			if errors.Is(err, commerce.ErrOutcomeUnknown) {
				t.Errorf("Transact = %v: an answered refusal is not an unknown outcome", err)
			}
			var er *ErrorResponse
			if tt.code != CodeRateLimited {
				if !errors.As(err, &er) {
					t.Fatalf("Transact = %T %v, want *ErrorResponse", err, err)
				}
				if er.Code != tt.code || er.StatusCode != http.StatusOK {
					t.Errorf("ErrorResponse = %+v, want code %s with status 200", er, tt.code)
				}
				if tt.msg != "" && er.Message != tt.msg {
					t.Errorf("ErrorResponse.Message = %q, want %q", er.Message, tt.msg)
				}
			}

			err = svc.Record(context.Background(), saleTx(t))
			if tt.rejection {
				var rej *commerce.Rejection
				if !errors.As(err, &rej) {
					t.Fatalf("Record = %T %v, want *commerce.Rejection", err, err)
				}
				want := &commerce.Rejection{Backend: "simpleconsign", Code: string(tt.code), Message: tt.msg, Field: tt.field}
				if tt.msg == "" {
					want.Message = er.Message
				}
				if diff := cmp.Diff(want, rej); diff != "" {
					t.Errorf("Record rejection mismatch (-want +got):\n%s", diff)
				}
			} else {
				ce := commerce.ErrorOf(err)
				if ce.Code != tt.commerce || ce.Backend != "simpleconsign" {
					t.Errorf("Record = %v (code %s, backend %q), want %s from simpleconsign", err, ce.Code, ce.Backend, tt.commerce)
				}
				if tt.retryAfter != (ce.RetryAfter > 0) {
					t.Errorf("Record RetryAfter = %v, want set: %v", ce.RetryAfter, tt.retryAfter)
				}
				if tt.code != CodeRateLimited && !strings.Contains(ce.Message, tt.msg) {
					t.Errorf("Record message %q, want it to carry %q", ce.Message, tt.msg)
				}
			}
			want := 2
			if tt.code == CodeRateLimited {
				want = 1 // Record is refused locally: the budget is known spent
			}
			if got := n.count(); got != want {
				t.Errorf("requests = %d, want %d (no retries)", got, want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		msg  string
		want Code
	}{
		{"Could not find item with SKU", CodeUnknownSKU},
		{"could not find item with SKU: GFFY72", CodeUnknownSKU},
		{"could not find item with SKU 'AD4J56'", CodeUnknownSKU},
		{"Error: INVALID API KEY.", CodeInvalidAPIKey},
		{"  too   many API requests in the last ten minutes  ", CodeRateLimited},
		{"Too many API requests in the last 10 minutes", CodeRateLimited},
		{"this location’s price plan is not authorized for API access", CodePlanNotAuthorized},
		{"taxableSaleTotal and nonTaxableSaleTotal is $0", CodeZeroTotal},
		{"TAXABLESALETOTAL AND NONTAXABLESALETOTAL IS $0.00", CodeZeroTotal},
		{"taxableSaleTotal is greater than zero but no tax was collected", CodeTaxableWithoutTax},
		{"taxableSaleTotal is zero, but tax was collected.", CodeTaxWithoutTaxable},
		{"nonTaxableSaleTotal is zero, but tax was collected", CodeRejected}, // not the documented word
		{`transaction type must be either "SALE" or "RETURN"`, CodeInvalidType},
		{"transaction type must be either ‘SALE’ or ‘RETURN’ (got sale)", CodeInvalidType},
		{"A unique order/invoice number (orderNumber) from the remote service must be provided.", CodeMissingOrderNumber},
		{"The type of transaction (SALE or RETURN) must be provided for an orderNumber", CodeMissingType},
		{"An online SALE transaction already exists for the provided orderNumber 1234", CodeDuplicateSale},
		{"could not find original online SALE transaction for the provided orderNumber to be returned: 1234", CodeSaleNotFound},
		{"transaction\titem is\nmissing a SKU", CodeMissingSKU},
		{"Total of items price does not match transaction sub-total", CodeTotalMismatch},
		{"total of items price does not match transaction sub total (7998 != 8000)", CodeTotalMismatch},
		{"something else went wrong", CodeRejected},
		{"", CodeRejected},
		{"invalid API keys", CodeRejected}, // whole words only
	}
	for _, tt := range tests {
		if got := Classify(tt.msg); got != tt.want {
			t.Errorf("Classify(%q) = %s, want %s", tt.msg, got, tt.want)
		}
	}
}

// TestTransactStatuses covers answers other than a 200 with a body the
// spec shows.
func TestTransactStatuses(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		header  map[string]string
		wantErr bool
		code    Code // of an *ErrorResponse
		unknown bool // errors.Is(err, commerce.ErrOutcomeUnknown)
		cc      commerce.Code
		retry   time.Duration
	}{
		{name: "success", status: 200, body: `{"success": true}`},
		{name: "success as string", status: 200, body: `{"success": "true"}`},
		{name: "success as 1", status: 200, body: `{"Success": 1}`},
		{name: "success with BOM", status: 200, body: "\ufeff{\"success\":true}\n"},
		{name: "201 success", status: 201, body: `{"success": true}`},
		{name: "failure without success key", status: 200, body: `{"error": "could not find item with SKU"}`, wantErr: true, code: CodeUnknownSKU},
		{name: "failure as string false", status: 200, body: `{"success": "false", "message": "could not find item with SKU"}`, wantErr: true, code: CodeUnknownSKU},
		{name: "503 empty", status: 503, body: ``, wantErr: true, code: CodeAtCapacity, cc: commerce.CodeUpstreamUnavailable},
		{name: "503 html", status: 503, body: `<html>busy</html>`, wantErr: true, code: CodeAtCapacity, cc: commerce.CodeUpstreamUnavailable},
		{name: "503 json", status: 503, body: `{"success": false, "error": "at capacity"}`, wantErr: true, code: CodeAtCapacity, cc: commerce.CodeUpstreamUnavailable},
		{name: "500 empty", status: 500, body: ``, wantErr: true, code: CodeServerError, unknown: true, cc: commerce.CodeOutcomeUnknown},
		{name: "504 from a proxy", status: 504, body: `<html>gateway timeout</html>`, wantErr: true, code: CodeServerError, unknown: true, cc: commerce.CodeOutcomeUnknown},
		{name: "500 saying success false", status: 500, body: `{"success": false, "error": "NullPointerException"}`, wantErr: true, code: CodeServerError, cc: commerce.CodeUpstreamError},
		{name: "400 with a documented message", status: 400, body: `{"success": false, "error": "invalid API key"}`, wantErr: true, code: CodeInvalidAPIKey, cc: commerce.CodeUpstreamError},
		{name: "404 html", status: 404, body: `<html>Not Found</html>`, wantErr: true, code: CodeHTTPError, cc: commerce.CodeUpstreamError},
		{name: "415", status: 415, body: ``, wantErr: true, code: CodeHTTPError, cc: commerce.CodeUpstreamError},
		{name: "429 with Retry-After", status: 429, body: ``, header: map[string]string{"Retry-After": "120"}, wantErr: true, cc: commerce.CodeRateLimited, retry: 120 * time.Second},
		{name: "200 not JSON", status: 200, body: `OK`, wantErr: true, unknown: true, cc: commerce.CodeOutcomeUnknown},
		{name: "200 empty", status: 200, body: ``, wantErr: true, unknown: true, cc: commerce.CodeOutcomeUnknown},
		{name: "200 without success", status: 200, body: `{"ok": true}`, wantErr: true, unknown: true, cc: commerce.CodeOutcomeUnknown},
		{name: "200 truncated", status: 200, body: `{"success": tr`, wantErr: true, unknown: true, cc: commerce.CodeOutcomeUnknown},
		{name: "200 success true twice the object", status: 200, body: `{"success": true}{"success": false}`, wantErr: true, unknown: true, cc: commerce.CodeOutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			resp, err := c.Transact(context.Background(), &Transaction{OrderNumber: "1", Type: Sale})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Transact = %v, want error: %v", err, tt.wantErr)
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Errorf("Transact response = %v, want the HTTP answer (%d)", resp, tt.status)
			}
			if err == nil {
				return
			}
			if tt.code != "" {
				var er *ErrorResponse
				if !errors.As(err, &er) || er.Code != tt.code {
					t.Errorf("Transact = %T %v, want *ErrorResponse with code %s", err, err, tt.code)
				}
			}
			if got := errors.Is(err, commerce.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = %v, want %v", err, got, tt.unknown)
			}
			if tt.cc == "" {
				return
			}
			cerr := toCommerceError(err)
			ce := commerce.ErrorOf(cerr)
			if ce.Code != tt.cc {
				t.Errorf("toCommerceError(%v) code = %s, want %s", err, ce.Code, tt.cc)
			}
			if got := errors.Is(cerr, commerce.ErrOutcomeUnknown); got != tt.unknown {
				t.Errorf("errors.Is(toCommerceError(…), ErrOutcomeUnknown) = %v, want %v", got, tt.unknown)
			}
			if tt.retry != 0 && ce.RetryAfter != tt.retry {
				t.Errorf("RetryAfter = %v, want %v", ce.RetryAfter, tt.retry)
			}
		})
	}
}

// TestDroppedConnectionIsOutcomeUnknown: the request arrived, the
// connection closed without an answer: outcome unknown, and not retried.
func TestDroppedConnectionIsOutcomeUnknown(t *testing.T) {
	c, mux, _ := setup(t)
	n := &counter{}
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		n.add(r)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close()
	})
	_, err := c.Transact(context.Background(), &Transaction{OrderNumber: "R-1", Type: Return})
	var ne *NetworkError
	if !errors.As(err, &ne) || !ne.Sent {
		t.Fatalf("Transact = %T %v, want *NetworkError with Sent", err, err)
	}
	if !errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = false, want true", err)
	}
	err = NewService(c, usd).Record(context.Background(), returnTx(t))
	if !errors.Is(err, commerce.ErrOutcomeUnknown) || commerce.CodeOf(err) != commerce.CodeOutcomeUnknown {
		t.Errorf("Record = %v (code %s), want OUTCOME_UNKNOWN satisfying ErrOutcomeUnknown", err, commerce.CodeOf(err))
	}
	if got := n.count(); got != 2 {
		t.Errorf("requests = %d, want 2: one per call, never retried", got)
	}
}

// TestTimeoutIsOutcomeUnknown: sent, and no answer within the timeout.
func TestTimeoutIsOutcomeUnknown(t *testing.T) {
	c, mux, _ := setup(t, WithTimeout(50*time.Millisecond))
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	_, err := c.Transact(context.Background(), &Transaction{OrderNumber: "R-1", Type: Return})
	var ne *NetworkError
	if !errors.As(err, &ne) || !ne.Sent || !errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Fatalf("Transact = %T %v, want a sent *NetworkError with an unknown outcome", err, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Transact = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if got := commerce.CodeOf(toCommerceError(err)); got != commerce.CodeOutcomeUnknown {
		t.Errorf("toCommerceError code = %s, want OUTCOME_UNKNOWN", got)
	}
}

// TestConnectionRefusedIsNotSent: nothing reached the service.
func TestConnectionRefusedIsNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New("http://"+addr, WithAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Transact(context.Background(), &Transaction{OrderNumber: "R-1", Type: Return})
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Sent {
		t.Fatalf("Transact = %T %v, want an unsent *NetworkError", err, err)
	}
	if errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Errorf("errors.Is(%v, ErrOutcomeUnknown) = true, want false: nothing was sent", err)
	}
	rerr := NewService(c, usd).Record(context.Background(), returnTx(t))
	ce := commerce.ErrorOf(rerr)
	if ce.Code != commerce.CodeUpstreamUnavailable || errors.Is(rerr, commerce.ErrOutcomeUnknown) {
		t.Errorf("Record = %v (code %s), want UPSTREAM_UNAVAILABLE", rerr, ce.Code)
	}
}

// TestCanceledBeforeSending: a context done before the request is written
// sends nothing.
func TestCanceledBeforeSending(t *testing.T) {
	c, mux, _ := setup(t)
	n := answer(mux, 200, `{"success":true}`)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Transact(ctx, &Transaction{OrderNumber: "1", Type: Sale})
	if err == nil || errors.Is(err, commerce.ErrOutcomeUnknown) || !errors.Is(err, context.Canceled) {
		t.Errorf("Transact(canceled) = %v, want context.Canceled, not an unknown outcome", err)
	}
	if n.count() != 0 {
		t.Errorf("requests = %d, want 0", n.count())
	}
}

// TestRateLimitEstimate: the service names no reset time; the client
// estimates from its own log of requests, refuses locally until then, and
// recovers.
func TestRateLimitEstimate(t *testing.T) {
	clk := newClock()
	c, mux, _ := setup(t, WithClock(clk.now), WithRateLimit(3, 10*time.Minute))
	var limited atomic.Bool
	n := &counter{}
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		n.add(r)
		if limited.Load() {
			_, _ = w.Write([]byte(`{"success": false, "error": "too many API requests in the last ten minutes"}`))
			return
		}
		_, _ = w.Write([]byte(`{"success": true}`))
	})
	tx := &Transaction{OrderNumber: "1", Type: Sale}
	ctx := context.Background()

	// Three requests, a minute apart, fill the budget: the fourth is
	// refused locally until the first leaves the window.
	for i := range 3 {
		if _, err := c.Transact(ctx, tx); err != nil {
			t.Fatalf("Transact %d = %v", i, err)
		}
		clk.advance(time.Minute)
	}
	_, err := c.Transact(ctx, tx)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !rl.Local {
		t.Fatalf("Transact over the budget = %T %v, want a local *RateLimitError", err, err)
	}
	if want := 7 * time.Minute; rl.RetryAfter != want {
		t.Errorf("local RetryAfter = %v, want %v (the first request leaves the window 10m after it)", rl.RetryAfter, want)
	}
	if n.count() != 3 {
		t.Errorf("requests = %d, want 3: a local refusal sends nothing", n.count())
	}
	clk.advance(7 * time.Minute)
	if _, err := c.Transact(ctx, tx); err != nil {
		t.Fatalf("Transact after the first request left the window = %v", err)
	}

	// The service refuses although the client's log does not explain it
	// (another client shares the key): the estimate is the whole window.
	clk.advance(time.Hour)
	limited.Store(true)
	_, err = c.Transact(ctx, tx)
	if !errors.As(err, &rl) || rl.Local || rl.RetryAfter != 10*time.Minute {
		t.Fatalf("Transact refused by the service = %v, want a *RateLimitError with RetryAfter 10m", err)
	}
	ce := commerce.ErrorOf(toCommerceError(err))
	if ce.Code != commerce.CodeRateLimited || ce.RetryAfter != 10*time.Minute {
		t.Errorf("toCommerceError = %s retry %v, want RATE_LIMITED retry 10m", ce.Code, ce.RetryAfter)
	}
	clk.advance(9 * time.Minute)
	if _, err := c.Transact(ctx, tx); !errors.As(err, &rl) || !rl.Local || rl.RetryAfter != time.Minute {
		t.Errorf("Transact within the estimate = %v, want a local refusal with 1m to go", err)
	}
	limited.Store(false)
	clk.advance(time.Minute)
	if _, err := c.Transact(ctx, tx); err != nil {
		t.Errorf("Transact after the estimate = %v, want success", err)
	}
}

// TestRateLimitEstimateFromOwnLog: when the client's own requests explain
// the refusal, it waits until enough of them leave the window.
func TestRateLimitEstimateFromOwnLog(t *testing.T) {
	clk := newClock()
	c, mux, _ := setup(t, WithClock(clk.now), WithRateLimit(2, 10*time.Minute))
	var calls atomic.Int32
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 2 {
			_, _ = w.Write([]byte(`{"success": false, "error": "too many API requests in the last ten minutes"}`))
			return
		}
		_, _ = w.Write([]byte(`{"success": true}`))
	})
	tx := &Transaction{OrderNumber: "1", Type: Sale}
	if _, err := c.Transact(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
	clk.advance(90 * time.Second)
	_, err := c.Transact(context.Background(), tx)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 510*time.Second {
		t.Fatalf("Transact = %v, want RetryAfter 8m30s (the first of 2 requests leaves the window)", err)
	}
}

// TestKeyNeverInErrors: the key stays out of every error, even when the
// service echoes it.
func TestKeyNeverInErrors(t *testing.T) {
	bodies := []struct {
		status int
		body   string
	}{
		{200, `{"success": false, "error": "invalid API key ` + testKey + `"}`},
		{200, `{"success": false, "error": "could not find item with SKU for key ` + testKey + `"}`},
		{200, `{"success": false, "error": "too many API requests for ` + testKey + `"}`},
		{200, `{"success": false, "error": "unexpected ` + testKey + `"}`},
		{503, `{"success": false, "error": "` + testKey + `"}`},
		{500, `{"success": false, "error": "` + testKey + `"}`},
		{200, `not json ` + testKey},
		{200, `{"success": "` + testKey + `"}`},
	}
	for _, b := range bodies {
		c, mux, _ := setup(t)
		answer(mux, b.status, b.body)
		_, err := c.Transact(context.Background(), &Transaction{OrderNumber: "1", Type: Sale})
		if err == nil {
			t.Fatalf("Transact(%s) = nil, want an error", b.body)
		}
		rerr := NewService(c, usd).Record(context.Background(), saleTx(t))
		for _, e := range []error{err, rerr} {
			text := e.Error()
			var rej *commerce.Rejection
			if errors.As(e, &rej) {
				text += rej.Message
			}
			if ce := commerce.ErrorOf(e); ce != nil {
				text += ce.Message
			}
			if strings.Contains(text, testKey) {
				t.Errorf("error for %s carries the key: %s", b.body, text)
			}
		}
	}
}

func TestNoAPIKey(t *testing.T) {
	_, mux, srv := setup(t)
	n := answer(mux, 200, `{"success":true}`)
	c, err := New(srv.URL + baseURLPath)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Transact(context.Background(), &Transaction{OrderNumber: "1", Type: Sale})
	if !errors.Is(err, ErrNoAPIKey) {
		t.Errorf("Transact without a key = %v, want ErrNoAPIKey", err)
	}
	if got := commerce.CodeOf(toCommerceError(err)); got != commerce.CodeUpstreamError {
		t.Errorf("toCommerceError code = %s, want UPSTREAM_ERROR", got)
	}
	if n.count() != 0 {
		t.Errorf("requests = %d, want 0", n.count())
	}
}

// TestVersion2FieldsAlwaysSent: type and orderNumber are in the body even
// when empty (the service then answers its documented message), and items
// is an array.
func TestVersion2FieldsAlwaysSent(t *testing.T) {
	c, mux, _ := setup(t)
	n := answer(mux, 200, `{"success": false, "error": "a unique order/invoice number (orderNumber) from the remote service must be provided"}`)
	_, err := c.Transact(context.Background(), &Transaction{})
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("Transact = %v, want a refusal", err)
	}
	got := n.last(t)
	for _, k := range []string{"key", "type", "orderNumber", "nonTaxableSaleTotal", "taxableSaleTotal", "tax", "items"} {
		if _, ok := got[k]; !ok {
			t.Errorf("body %v lacks %q", got, k)
		}
	}
	if items, ok := got["items"].([]any); !ok || len(items) != 0 {
		t.Errorf("items = %#v, want []", got["items"])
	}
}

// TestRateLimitMessages: a local refusal names the budget the client was
// configured with, never a fixed one; the service's own refusal is quoted.
func TestRateLimitMessages(t *testing.T) {
	tests := []struct {
		name          string
		limit         int
		window        time.Duration
		want, notWant string
	}{
		{"configured", 5, time.Minute, "(5 requests per 1 minute)", "100"},
		{"default", DefaultRateLimit, DefaultRateWindow, "(100 requests per 10 minutes)", ""},
		{"odd window", 1, 90 * time.Second, "(1 request per 90 seconds)", "100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			c, mux, _ := setup(t, WithClock(clk.now), WithRateLimit(tt.limit, tt.window))
			answer(mux, http.StatusOK, `{"success": true}`)
			tx := &Transaction{OrderNumber: "1", Type: Sale}
			for range tt.limit {
				if _, err := c.Transact(context.Background(), tx); err != nil {
					t.Fatal(err)
				}
			}
			_, err := c.Transact(context.Background(), tx)
			ce := commerce.ErrorOf(toCommerceError(err))
			if ce.Code != commerce.CodeRateLimited || !strings.Contains(ce.Message, tt.want) || !strings.Contains(ce.Message, "nothing was sent") ||
				(tt.notWant != "" && strings.Contains(ce.Message, tt.notWant)) {
				t.Errorf("local refusal = %s %q; want RATE_LIMITED saying %q and that nothing was sent", ce.Code, ce.Message, tt.want)
			}
		})
	}

	c, mux, _ := setup(t, WithRateLimit(50, time.Hour))
	answer(mux, http.StatusOK, `{"success": false, "error": "too many API requests in the last ten minutes"}`)
	_, err := c.Transact(context.Background(), &Transaction{OrderNumber: "1", Type: Sale})
	ce := commerce.ErrorOf(toCommerceError(err))
	if ce.Code != commerce.CodeRateLimited || !strings.Contains(ce.Message, "too many API requests in the last ten minutes") ||
		strings.Contains(ce.Message, "100") || strings.Contains(ce.Message, "50") || strings.Contains(ce.Message, "nothing was sent") {
		t.Errorf("the service's refusal = %s %q; want RATE_LIMITED quoting it, without a budget", ce.Code, ce.Message)
	}
}

func TestWindowText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Minute:        "10 minutes",
		time.Hour:               "1 hour",
		2 * time.Hour:           "2 hours",
		time.Second:             "1 second",
		90 * time.Second:        "90 seconds",
		1500 * time.Millisecond: "1.5s",
	} {
		if got := windowText(d); got != want {
			t.Errorf("windowText(%v) = %q, want %q", d, got, want)
		}
	}
}

// Behind a circuit breaker that the service's 503s opened, a transaction
// is refused without being sent: UPSTREAM_UNAVAILABLE with the breaker's
// retryAfter, not an unknown outcome.
func TestBreakerOpenIsNotSent(t *testing.T) {
	br, err := circuit.New(string(Backend), circuit.WithFailures(1), circuit.WithOpenFor(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	c, mux, _ := setup(t, WithHTTPClient(&http.Client{Transport: br.Guard(br.Outcomes(nil))}))
	n := answer(mux, 503, ``)
	svc := NewService(c, usd)
	if err := svc.Record(context.Background(), returnTx(t)); commerce.CodeOf(err) != commerce.CodeUpstreamUnavailable {
		t.Fatalf("the 503: %v", err)
	}
	rerr := svc.Record(context.Background(), returnTx(t))
	var open *circuit.OpenError
	ce := commerce.ErrorOf(rerr)
	if !errors.As(rerr, &open) || ce.Code != commerce.CodeUpstreamUnavailable || ce.RetryAfterSeconds() < 59 || errors.Is(rerr, commerce.ErrOutcomeUnknown) {
		t.Errorf("Record = %v (code %s, retry after %ds), want UPSTREAM_UNAVAILABLE with about 60 and no unknown outcome", rerr, ce.Code, ce.RetryAfterSeconds())
	}
	var ne *NetworkError
	if errors.As(rerr, &ne) {
		t.Errorf("Record = %v: a refusal reads as a request without an answer", rerr)
	}
	if got := n.count(); got != 1 {
		t.Errorf("the service got %d requests, want 1", got)
	}
}
