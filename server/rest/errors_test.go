package rest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server/rest"
)

// failingCatalog answers product reads with err.
type failingCatalog struct {
	commerce.Catalog
	err error
}

func (f failingCatalog) ListProducts(context.Context, commerce.ProductQuery) (commerce.Page[commerce.Product], error) {
	return commerce.Page[commerce.Product]{}, f.err
}

func (f failingCatalog) ProductsByID(context.Context, []int64, commerce.ProductSideloads) ([]commerce.Product, error) {
	return nil, f.err
}

// Every commerce failure is a problem with its status and code.
func TestServiceErrors(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		check  func(t *testing.T, r response, p problem)
	}{
		{"rate limited", &commerce.Error{Code: commerce.CodeRateLimited, Backend: "tradegecko", RetryAfter: 29500 * time.Millisecond, Message: "budget spent"},
			429, "RATE_LIMITED", func(t *testing.T, r response, p problem) {
				if r.header.Get("Retry-After") != "30" || p.RetryAfter != 30 {
					t.Errorf("Retry-After %q, retryAfter %d; want 30", r.header.Get("Retry-After"), p.RetryAfter)
				}
			}},
		{"rate limited for a second and a half", &commerce.Error{Code: commerce.CodeRateLimited, Backend: "tradegecko", RetryAfter: 1500 * time.Millisecond},
			429, "RATE_LIMITED", func(t *testing.T, r response, p problem) {
				if r.header.Get("Retry-After") != "2" || p.RetryAfter != 2 {
					t.Errorf("Retry-After %q, retryAfter %d; want 2 (rounded up)", r.header.Get("Retry-After"), p.RetryAfter)
				}
			}},
		{"upstream error", &commerce.Error{Code: commerce.CodeUpstreamError, Backend: "tradegecko", RequestID: "req-1", Message: "TradeGecko refused the gateway's credentials"},
			502, "UPSTREAM_ERROR", func(t *testing.T, r response, p problem) {
				if p.Backend != "tradegecko" || p.Detail != "TradeGecko refused the gateway's credentials" {
					t.Errorf("problem %+v", p)
				}
			}},
		{"upstream unavailable", &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Message: "TradeGecko did not answer"}, 503, "UPSTREAM_UNAVAILABLE", nil},
		{"deadline", context.DeadlineExceeded, 503, "UPSTREAM_UNAVAILABLE", nil},
		{"conflict", &commerce.Error{Code: commerce.CodeConflict, Message: "still running"}, 409, "CONFLICT", nil},
		{"internal", errors.New("secret-token-123 leaked in a message"), 500, "INTERNAL", func(t *testing.T, r response, p problem) {
			if p.Detail != "internal error" {
				t.Errorf("an internal error shows %q", p.Detail)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{catalogOption: func(cfg *commerce.ServiceConfig) {
				cfg.Catalog = failingCatalog{Catalog: cfg.Catalog, err: tc.err}
			}})
			for _, path := range []string{"/v1/products", "/v1/products/1"} {
				r := e.get(path, storefront)
				if r.status != tc.status {
					t.Fatalf("GET %s = %d %s, want %d", path, r.status, r.body, tc.status)
				}
				p := r.problem(t)
				if p.Code != tc.code {
					t.Errorf("code %s, want %s", p.Code, tc.code)
				}
				if tc.check != nil {
					tc.check(t, r, p)
				}
			}
		})
	}
}

// The real adapter's errors reach the client as problems: TradeGecko
// refusing the request (402) is 502 UPSTREAM_ERROR.
func TestUpstreamRefusal(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.sb.FailNext(1, http.StatusPaymentRequired)
	r := e.get("/v1/variants/2", storefront)
	if r.status != http.StatusBadGateway {
		t.Fatalf("GET /v1/variants/2 with TradeGecko answering 402 = %d %s", r.status, r.body)
	}
	if p := r.problem(t); p.Code != "UPSTREAM_ERROR" || p.Backend != "tradegecko" {
		t.Errorf("problem = %+v", p)
	}
}

// WriteProblem and WriteError give the server's error handler the same
// shape.
func TestWriteProblem(t *testing.T) {
	e := echo.New()
	tests := []struct {
		name   string
		write  func(c echo.Context) error
		status int
		code   string
		header string
	}{
		{"user errors", func(c echo.Context) error {
			return rest.WriteProblem(c, 422, rest.CodeUserError, "refused", []commerce.UserError{{Field: []string{"lineItems", "0", "quantity"}, Message: "must be positive", Code: "INVALID"}})
		}, 422, "USER_ERROR", ""},
		{"unauthenticated", func(c echo.Context) error {
			return rest.WriteError(c, &commerce.Error{Code: commerce.CodeUnauthenticated, Message: "a valid API key is required"})
		}, 401, "UNAUTHENTICATED", "WWW-Authenticate"},
		{"rate limited", func(c echo.Context) error {
			return rest.WriteError(c, &commerce.Error{Code: commerce.CodeRateLimited, RetryAfter: 3 * time.Second})
		}, 429, "RATE_LIMITED", "Retry-After"},
		{"no route", func(c echo.Context) error { return rest.WriteError(c, echo.ErrNotFound) }, 404, "NOT_FOUND", ""},
		{"body too large", func(c echo.Context) error { return rest.WriteError(c, echo.ErrStatusRequestEntityTooLarge) }, 413, "BAD_USER_INPUT", ""},
		{"outcome unknown", func(c echo.Context) error {
			return rest.WriteError(c, &commerce.Error{Code: commerce.CodeOutcomeUnknown, Backend: "simpleconsign", PendingWriteID: "SO-1/RETURN/1"})
		}, 502, "OUTCOME_UNKNOWN", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := e.NewContext(httptest.NewRequest(http.MethodGet, "/v1/x", nil), rec)
			if err := tc.write(c); err != nil {
				t.Fatal(err)
			}
			r := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			p := r.problem(t)
			if p.Code != tc.code || p.Type != "about:blank" {
				t.Errorf("problem %+v", p)
			}
			if tc.header != "" && r.header.Get(tc.header) == "" {
				t.Errorf("no %s header", tc.header)
			}
			if tc.code == "USER_ERROR" && (len(p.Errors) != 1 || p.Errors[0].Field[2] != "quantity") {
				t.Errorf("errors %+v", p.Errors)
			}
			if tc.code == "OUTCOME_UNKNOWN" && p.PendingWriteID != "gid://simpleconsign/ConsignmentTransaction/SO-1/RETURN/1" {
				t.Errorf("pendingWriteId %q", p.PendingWriteID)
			}
		})
	}
}

// Routes that do not exist are problems too (through the error handler).
func TestUnknownRoute(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.get("/v1/nothing-here", admin)
	if r.status != http.StatusNotFound || r.problem(t).Code != "NOT_FOUND" {
		t.Errorf("GET /v1/nothing-here = %d %s", r.status, r.body)
	}
}

// Waits are whole seconds, rounded up (a client that waits what it is told
// is never early) and at least 1, at every door.
func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		wait time.Duration
		want int
	}{
		{0, 1}, {-time.Second, 1}, {time.Millisecond, 1}, {500 * time.Millisecond, 1}, {time.Second, 1},
		{time.Second + time.Nanosecond, 2}, {1500 * time.Millisecond, 2}, {2 * time.Second, 2},
		{29500 * time.Millisecond, 30}, {5 * time.Minute, 300},
	}
	for _, tc := range tests {
		if got := (&commerce.Error{Code: commerce.CodeRateLimited, RetryAfter: tc.wait}).RetryAfterSeconds(); got != tc.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tc.wait, got, tc.want)
		}
	}
}
