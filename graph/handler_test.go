package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
