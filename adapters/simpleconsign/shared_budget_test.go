package simpleconsign

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/ratelimit"
)

// Behind the shared budget (ratelimit.Transport) a client with
// WithSharedBudget keeps no count of its own: it sends exactly what the
// shared budget admits, however small the per-process budget it was given,
// and the shared budget's refusal is a local *RateLimitError that
// errors.As finds as a *ratelimit.Refusal. Without WithSharedBudget the
// client's own log refuses first, spending the budget a second time.
func TestSharedBudgetCountsOnce(t *testing.T) {
	for _, tt := range []struct {
		name   string
		shared bool
		want   int64
	}{
		{"shared budget", true, 5},    // the limiter's write cap: 6 less a margin of 1
		{"own log as well", false, 3}, // the client's own log (3 per minute) refuses first
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := redistest.Mini(t)
			l, err := ratelimit.New(s.Client(t), ratelimit.Config{Name: string(Backend), Limit: 6, Window: time.Minute, Margin: 1})
			if err != nil {
				t.Fatal(err)
			}
			opts := []Option{WithRateLimit(3, time.Minute),
				WithHTTPClient(&http.Client{Transport: &ratelimit.Transport{Limiter: l}})}
			if tt.shared {
				opts = append(opts, WithSharedBudget())
			}
			c, mux, _ := setup(t, opts...)
			var sent atomic.Int64
			mux.HandleFunc("POST "+baseURLPath+"/"+TransactionPath, func(w http.ResponseWriter, r *http.Request) {
				sent.Add(1)
				_, _ = w.Write([]byte(`{"success": true}`))
			})
			tx := &Transaction{OrderNumber: "1", Type: Sale}
			var refused error
			for range 10 {
				// A short deadline: a request that would wait for a slot is
				// refused at once instead.
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, err := c.Transact(ctx, tx)
				cancel()
				if err != nil {
					refused = err
					break
				}
			}
			if got := sent.Load(); got != tt.want {
				t.Errorf("the service got %d requests, want %d", got, tt.want)
			}
			var rl *RateLimitError
			if !errors.As(refused, &rl) || !rl.Local || rl.RetryAfter <= 0 {
				t.Fatalf("Transact past the budget = %v, want a local *RateLimitError with a RetryAfter", refused)
			}
			var r *ratelimit.Refusal
			if !errors.As(refused, &r) || r.RetryAfter != rl.RetryAfter {
				t.Errorf("errors.As(%v, *ratelimit.Refusal) = %v, want the same refusal", refused, r)
			}
			if ce := commerce.ErrorOf(toCommerceError(refused)); ce.Code != commerce.CodeRateLimited || ce.RetryAfterSeconds() < 1 {
				t.Errorf("toCommerceError = %s, retry after %ds; want RATE_LIMITED with a wait", ce.Code, ce.RetryAfterSeconds())
			}
		})
	}
}
