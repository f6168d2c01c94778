package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server/rest"
)

const storefrontKey = "storefront-key-0123456789abcdef"

// refuseAll is a client limiter over its rate.
type refuseAll struct{ retry time.Duration }

func (r refuseAll) AllowN(context.Context, string, int) (bool, time.Duration, error) {
	return false, r.retry, nil
}

func newEdge(t *testing.T, clients ClientLimiter) http.Handler {
	t.Helper()
	return New(Deps{
		Keys:             []Key{{Key: storefrontKey, Role: commerce.RoleStorefront}},
		RequestTimeout:   5 * time.Second,
		Clients:          clients,
		ClientRateLimit:  60,
		ClientRateWindow: time.Minute,
		Service:          commerce.NewService(commerce.ServiceConfig{}),
	})
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func serve(h http.Handler, r *http.Request) answer {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return answer{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// gqlError is the one error of a GraphQL answer refused before it ran.
func (a answer) gqlError(t *testing.T) (string, map[string]any) {
	t.Helper()
	var body struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(a.body, &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("not one GraphQL error (%v): %s", err, a.body)
	}
	return body.Errors[0].Message, body.Errors[0].Extensions
}

func (a answer) problem(t *testing.T) rest.Problem {
	t.Helper()
	var p rest.Problem
	if err := json.Unmarshal(a.body, &p); err != nil || a.header.Get("Content-Type") != rest.ProblemContentType {
		t.Fatalf("not a problem (%v, %s): %s", err, a.header.Get("Content-Type"), a.body)
	}
	return p
}

// A client over its request rate is refused before anything runs, with
// RATE_LIMITED and the delay, at both doors: in extensions (as an
// execution error carries it) and in the problem, and as Retry-After.
func TestClientRateRefusalAtBothDoors(t *testing.T) {
	h := newEdge(t, refuseAll{retry: 7 * time.Second})
	gql := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ locations { id } }"}`))
	gql.Header.Set("Content-Type", "application/json")
	gql.Header.Set("Authorization", "Bearer "+storefrontKey)
	a := serve(h, gql)
	msg, ext := a.gqlError(t)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "7" ||
		ext["code"] != "RATE_LIMITED" || ext["retryAfter"] != float64(7) || !strings.Contains(msg, "60 per 1m0s") {
		t.Errorf("POST /graphql over the client rate = %d (Retry-After %q) %q %v", a.status, a.header.Get("Retry-After"), msg, ext)
	}

	v1 := httptest.NewRequest(http.MethodGet, "/v1/locations", nil)
	v1.Header.Set("Authorization", "Bearer "+storefrontKey)
	a = serve(h, v1)
	p := a.problem(t)
	if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "7" || p.Code != "RATE_LIMITED" ||
		p.RetryAfter != 7 || p.Detail != msg {
		t.Errorf("GET /v1/locations over the client rate = %d (Retry-After %q) %+v, want the GraphQL door's %q", a.status, a.header.Get("Retry-After"), p, msg)
	}
}

// Whatever the edge refuses on /graphql carries every extension the
// presenter gives the same error during execution: backend, the backend's
// requestId, pendingWriteId and retryAfter as well as code (the edge's
// own GraphQL error body used to keep code and retryAfter only).
func TestPreExecutionGraphQLErrorKeepsItsExtensions(t *testing.T) {
	h := &handler{d: Deps{Log: slog.New(slog.DiscardHandler)}}
	ce := &commerce.Error{Code: commerce.CodeOutcomeUnknown, Backend: "simpleconsign", RequestID: "req-7",
		PendingWriteID: "SO-1/RETURN/1", RetryAfter: 3 * time.Second, Message: "the outcome is unknown"}
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodPost, "/graphql", nil), rec)
	h.handleError(ce, c)
	a := answer{rec.Code, rec.Header(), rec.Body.Bytes()}
	msg, ext := a.gqlError(t)
	want := map[string]any{"code": "OUTCOME_UNKNOWN", "backend": "simpleconsign", "requestId": "req-7",
		"pendingWriteId": "gid://simpleconsign/ConsignmentTransaction/SO-1/RETURN/1", "retryAfter": float64(3)}
	if a.status != http.StatusBadGateway || msg != ce.Message || len(ext) != len(want) {
		t.Fatalf("handleError on /graphql = %d %q %v, want 502 %q %v", a.status, msg, ext, ce.Message, want)
	}
	for k, v := range want {
		if ext[k] != v {
			t.Errorf("extensions[%s] = %v, want %v", k, ext[k], v)
		}
	}
}

// A body over the limit is refused with the same message at both doors,
// whether its Content-Length says so or reading it does (chunked).
func TestBodyTooLargeSaysTheSameAtBothDoors(t *testing.T) {
	h := newEdge(t, nil)
	want := rest.TooLargeMessage(MaxBodyBytes)
	huge := append([]byte(`{"query":"{ locations { id } }","variables":{"x":"`), bytes.Repeat([]byte("a"), MaxBodyBytes)...)
	huge = append(huge, `"}}`...)
	for _, chunked := range []bool{false, true} {
		for _, path := range []string{"/graphql", "/v1/orders"} {
			var body io.Reader = bytes.NewReader(huge)
			if chunked {
				body = io.MultiReader(body) // no length known
			}
			r := httptest.NewRequest(http.MethodPost, path, body)
			if chunked {
				r.ContentLength = -1
			}
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+storefrontKey)
			a := serve(h, r)
			var got string
			if path == "/graphql" {
				got, _ = a.gqlError(t)
			} else {
				got = a.problem(t).Detail
			}
			if a.status != http.StatusRequestEntityTooLarge || got != want {
				t.Errorf("POST %s (chunked %v) with %d bytes = %d %q, want 413 %q", path, chunked, len(huge), a.status, got, want)
			}
		}
	}
}
