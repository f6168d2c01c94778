package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/commercegateway/gateway/commerce"
)

// Resolver errors reach the presenter wrapped in a *gqlerror.Error with a
// path, just as argument-coercion errors do; each must keep its own code.
func TestPresentError(t *testing.T) {
	onPath := func(err error) error {
		return &gqlerror.Error{Err: err, Message: err.Error(), Path: ast.Path{ast.PathName("products")}}
	}
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"commerce error", onPath(&commerce.Error{Code: commerce.CodeNotFound, Message: "no such product"}), "NOT_FOUND"},
		{"rate limited", onPath(&commerce.Error{Code: commerce.CodeRateLimited, RetryAfter: 1500 * time.Millisecond}), "RATE_LIMITED"},
		{"deadline", onPath(fmt.Errorf("list products: %w", context.DeadlineExceeded)), "UPSTREAM_UNAVAILABLE"},
		{"cancelled", onPath(context.Canceled), "UPSTREAM_UNAVAILABLE"},
		{"argument", &gqlerror.Error{Message: "cannot parse cursor", Path: ast.Path{ast.PathName("products")}}, "BAD_USER_INPUT"},
		{"validation", &gqlerror.Error{Message: "bad", Extensions: map[string]any{"code": "GRAPHQL_VALIDATION_FAILED"}}, "GRAPHQL_VALIDATION_FAILED"},
		{"unexpected", errors.New("boom"), "INTERNAL"},
	}
	present := presentError(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := present(context.Background(), tt.err)
			if got.Extensions["code"] != tt.code {
				t.Errorf("presentError(%v) code = %v, want %s", tt.err, got.Extensions["code"], tt.code)
			}
			if tt.code == "RATE_LIMITED" && got.Extensions["retryAfter"] != 2 {
				t.Errorf("retryAfter = %v, want 2 (rounded up)", got.Extensions["retryAfter"])
			}
			if tt.code == "INTERNAL" && got.Message != "internal error" {
				t.Errorf("an unexpected error shows %q", got.Message)
			}
		})
	}
}

// An error the HTTP edge raises before an operation runs (WriteError) is
// presented exactly as the same error raised by a resolver: message, code,
// backend, the backend's request id, pendingWriteId and retryAfter.
func TestWriteErrorIsPresentedAsAnExecutionError(t *testing.T) {
	ce := &commerce.Error{Code: commerce.CodeOutcomeUnknown, Backend: "simpleconsign", RequestID: "req-7",
		PendingWriteID: "SO-1/RETURN/1", RetryAfter: 3 * time.Second, Message: "the outcome is unknown"}
	executed := presentError(slog.New(slog.DiscardHandler))(context.Background(),
		&gqlerror.Error{Err: ce, Message: ce.Error(), Path: ast.Path{ast.PathName("recordConsignmentReturn")}})

	rec := httptest.NewRecorder()
	WriteError(rec, http.StatusBadGateway, ce)
	var body struct {
		Data   *json.RawMessage `json:"data"`
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("WriteError body %s: %v", rec.Body, err)
	}
	want, _ := json.Marshal(executed.Extensions)
	got, _ := json.Marshal(body.Errors[0].Extensions)
	if string(got) != string(want) || body.Errors[0].Message != executed.Message {
		t.Errorf("WriteError = %q %s, want as the presenter: %q %s", body.Errors[0].Message, got, executed.Message, want)
	}
	for _, k := range []string{"code", "backend", "requestId", "pendingWriteId", "retryAfter"} {
		if _, ok := body.Errors[0].Extensions[k]; !ok {
			t.Errorf("WriteError extensions %s lack %s", got, k)
		}
	}
	if rec.Code != http.StatusBadGateway || rec.Header().Get("Retry-After") != "3" || body.Data != nil {
		t.Errorf("WriteError: status %d, Retry-After %q, data %v; want 502, 3, none", rec.Code, rec.Header().Get("Retry-After"), body.Data)
	}
}
