package simpleconsign_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/commercegateway/gateway/commerce"
)

// TestLearn: how the adapter learns the outcome of a transaction whose
// answer was lost. A sale is resent (SimpleConsign refuses a second sale
// for one order number, so its refusal as a duplicate proves the first
// landed); a return is never resent.
func TestLearn(t *testing.T) {
	ctx := context.Background()
	t.Run("sale that landed", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
		sale := e.prepare(t, commerce.ConsignmentSale, "L-1", "", item(t, "AD4J56", "12.99", 1, false))
		e.sb.DropNextResponses(1)
		if err := e.svc.Record(ctx, sale); !errors.Is(err, commerce.ErrOutcomeUnknown) {
			t.Fatalf("Record(dropped) = %v, want an unknown outcome", err)
		}
		if lost := e.svc.Learn(ctx, sale); lost.Outcome != commerce.OutcomeRecorded || lost.Err != nil {
			t.Errorf("Learn = %+v, want RECORDED (refused as a duplicate)", lost)
		}
		if got := len(e.sb.Transactions(sandbox.DefaultKey, "L-1")); got != 1 {
			t.Errorf("sandbox holds %d sales, want 1", got)
		}
	})
	t.Run("sale that never landed", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
		sale := e.prepare(t, commerce.ConsignmentSale, "L-2", "", item(t, "AD4J56", "12.99", 1, false))
		if lost := e.svc.Learn(ctx, sale); lost.Outcome != commerce.OutcomeRecorded || lost.Err != nil {
			t.Errorf("Learn = %+v, want RECORDED (recorded by the resend)", lost)
		}
		if got := len(e.sb.Transactions(sandbox.DefaultKey, "L-2")); got != 1 {
			t.Errorf("sandbox holds %d sales, want 1", got)
		}
	})
	t.Run("sale refused", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
		lost := e.svc.Learn(ctx, e.prepare(t, commerce.ConsignmentSale, "L-3", "", item(t, "NOPE", "1", 1, false)))
		if r := rejection(t, lost.Err); lost.Outcome != commerce.OutcomeNotRecorded || r.Code != "UNKNOWN_SKU" {
			t.Errorf("Learn = %+v, want NOT_RECORDED with UNKNOWN_SKU", lost)
		}
	})
	t.Run("no answer twice", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
		sale := e.prepare(t, commerce.ConsignmentSale, "L-4", "", item(t, "AD4J56", "12.99", 1, false))
		e.sb.DropNextResponses(1)
		lost := e.svc.Learn(ctx, sale)
		ce := commerce.ErrorOf(lost.Err)
		if lost.Outcome != commerce.OutcomeUnknown || ce.Code != commerce.CodeOutcomeUnknown || ce.Backend != "simpleconsign" ||
			!errors.Is(lost.Err, commerce.ErrOutcomeUnknown) || ce.Message != "SimpleConsign did not answer twice" {
			t.Errorf("Learn = %+v (%v), want UNKNOWN: did not answer twice", lost, ce)
		}
	})
	t.Run("resend not made", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
		sale := e.prepare(t, commerce.ConsignmentSale, "L-5", "", item(t, "AD4J56", "12.99", 1, false))
		done, cancel := context.WithCancel(ctx)
		cancel()
		lost := e.svc.Learn(done, sale)
		ce := commerce.ErrorOf(lost.Err)
		if lost.Outcome != commerce.OutcomeUnknown || ce.Code != commerce.CodeOutcomeUnknown ||
			!strings.HasPrefix(ce.Message, "SimpleConsign did not answer, and the resend that would tell could not be made (") {
			t.Errorf("Learn = %+v (%v), want UNKNOWN: the resend could not be made", lost, ce)
		}
		if n := e.sb.RequestCount(); n != 0 {
			t.Errorf("%d requests reached the sandbox", n)
		}
	})
	t.Run("return", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
		lost := e.svc.Learn(ctx, e.prepare(t, commerce.ConsignmentReturn, "L-6", "", item(t, "AD4J56", "12.99", 1, false)))
		if lost.Outcome != commerce.OutcomeUnknown || !errors.Is(lost.Err, commerce.ErrOutcomeUnknown) {
			t.Errorf("Learn(return) = %+v, want UNKNOWN", lost)
		}
		if n := e.sb.RequestCount(); n != 0 {
			t.Errorf("Learn(return) sent %d requests, want none: a resent return is recorded twice", n)
		}
	})
}
