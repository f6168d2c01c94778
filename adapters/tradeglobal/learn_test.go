package tradeglobal_test

import (
	"context"
	"errors"
	"testing"

	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
	"github.com/commercegateway/gateway/commerce"
)

// TestLearn: TGC cannot be asked about an order, but refuses a second one
// with the same MerchantOrderID, so Learn resends it and reads the answer.
func TestLearn(t *testing.T) {
	ctx := context.Background()
	t.Run("landed", func(t *testing.T) {
		s, sb := newService(t, sandbox.Options{})
		sb.DropNextResponses(1)
		if _, err := s.PlaceOrder(ctx, specInput()); !errors.Is(err, commerce.ErrOutcomeUnknown) {
			t.Fatalf("PlaceOrder(dropped) = %v, want an unknown outcome", err)
		}
		if q, lost := s.Learn(ctx, specInput()); lost.Outcome != commerce.OutcomeRecorded || lost.Err != nil || q != nil {
			t.Errorf("Learn = %v, %+v; want RECORDED without a quote", q, lost)
		}
		if sb.OrderCount() != 1 {
			t.Errorf("OrderCount() = %d, want 1", sb.OrderCount())
		}
	})
	t.Run("never landed", func(t *testing.T) {
		s, sb := newService(t, sandbox.Options{})
		q, lost := s.Learn(ctx, specInput())
		if lost.Outcome != commerce.OutcomeRecorded || lost.Err != nil || q == nil || q.TotalCost.FormatAmount() != "53.39" {
			t.Errorf("Learn = %v, %+v; want RECORDED with the quote", q, lost)
		}
		if sb.OrderCount() != 1 {
			t.Errorf("OrderCount() = %d, want 1", sb.OrderCount())
		}
	})
	t.Run("refused", func(t *testing.T) {
		s, _ := newService(t, sandbox.Options{})
		in := specInput()
		in.Products[0].SKU, in.Products[0].Description = "NEVER-SEEN-1", ""
		q, lost := s.Learn(ctx, in)
		var rej *commerce.Rejection
		if lost.Outcome != commerce.OutcomeNotRecorded || !errors.As(lost.Err, &rej) || q != nil {
			t.Errorf("Learn = %v, %+v; want NOT_RECORDED with a *commerce.Rejection", q, lost)
		}
	})
	t.Run("no answer again", func(t *testing.T) {
		s, sb := newService(t, sandbox.Options{})
		sb.DropNextResponses(1)
		if q, lost := s.Learn(ctx, specInput()); lost.Outcome != commerce.OutcomeUnknown || !errors.Is(lost.Err, commerce.ErrOutcomeUnknown) || q != nil {
			t.Errorf("Learn = %v, %+v; want UNKNOWN", q, lost)
		}
	})
}
