package simpleconsign_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/simpleconsign"
	"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The client against the sandbox: the sandbox answers as the spec shows,
// so this tests the client's reading of the spec end to end.

var usd = money.MustCurrency("USD")

func usdAmount(t *testing.T, s string) money.Money {
	t.Helper()
	m, err := money.Parse(s, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type env struct {
	sb  *sandbox.Sandbox
	svc *simpleconsign.Service
	c   *simpleconsign.Client
}

func newEnv(t *testing.T, opts sandbox.Options, key string, copts ...simpleconsign.Option) env {
	t.Helper()
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, err := simpleconsign.New(srv.URL, append([]simpleconsign.Option{simpleconsign.WithAPIKey(key)}, copts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return env{sb: sb, svc: simpleconsign.NewService(c, usd), c: c}
}

func (e env) prepare(t *testing.T, kind commerce.ConsignmentKind, order string, tax string, items ...commerce.ConsignmentItem) commerce.ConsignmentTransaction {
	t.Helper()
	in := commerce.ConsignmentInput{OrderNumber: order, Items: items}
	if tax != "" {
		in.Tax = usdAmount(t, tax)
	}
	tx, errs := e.svc.Prepare(in, kind)
	if len(errs) > 0 {
		t.Fatalf("Prepare = %+v", errs)
	}
	return tx
}

func item(t *testing.T, sku, price string, qty int, taxable bool) commerce.ConsignmentItem {
	return commerce.ConsignmentItem{SKU: sku, UnitPrice: usdAmount(t, price), Quantity: qty, Taxable: taxable}
}

func rejection(t *testing.T, err error) *commerce.Rejection {
	t.Helper()
	var r *commerce.Rejection
	if !errors.As(err, &r) {
		t.Fatalf("err = %T %v, want *commerce.Rejection", err, err)
	}
	return r
}

func TestSaleAndReturnAgainstSandbox(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
	ctx := context.Background()
	// Two lines of AD4J56 are consolidated into one; a taxable line puts
	// its amount in the taxable subtotal.
	sale := e.prepare(t, commerce.ConsignmentSale, "WEB-1001", "4.32",
		item(t, "AD4J56", "12.99", 1, false), item(t, "GFFY72", "54.00", 1, true), item(t, "AD4J56", "12.99", 1, false))
	if err := e.svc.Record(ctx, sale); err != nil {
		t.Fatalf("Record(sale) = %v", err)
	}
	want := []sandbox.Transaction{{Location: sandbox.DefaultLocation, Key: sandbox.DefaultKey, OrderNumber: "WEB-1001", Type: "SALE", Version: 2,
		NonTaxableSaleTotal: 2598, TaxableSaleTotal: 5400, Tax: 432,
		Items: []sandbox.Item{{SKU: "AD4J56", Price: 1299, Quantity: 2}, {SKU: "GFFY72", Price: 5400, Quantity: 1}}}}
	if diff := cmp.Diff(want, e.sb.Transactions(sandbox.DefaultKey, "WEB-1001"), cmpopts.IgnoreFields(sandbox.Transaction{}, "At")); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
	var body map[string]any
	if err := json.Unmarshal(e.sb.Requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if items := body["items"].([]any); len(items) != 2 {
		t.Errorf("sent %d items, want 2 (consolidated)", len(items))
	}

	ret := e.prepare(t, commerce.ConsignmentReturn, "WEB-1001", "", item(t, "AD4J56", "12.99", 1, false))
	if err := e.svc.Record(ctx, ret); err != nil {
		t.Fatalf("Record(return) = %v", err)
	}
	if err := e.svc.Record(ctx, ret); err != nil {
		t.Fatalf("Record(second return) = %v", err)
	}
	r := rejection(t, e.svc.Record(ctx, ret))
	if r.Code != "RETURN_EXCEEDS_SALE" || r.Backend != "simpleconsign" {
		t.Errorf("third return = %+v, want RETURN_EXCEEDS_SALE", r)
	}
	if got := e.sb.Stock(sandbox.DefaultKey, "AD4J56"); got != 10 {
		t.Errorf("stock of AD4J56 = %d, want 10", got)
	}
}

func TestRefusalsAgainstSandbox(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(e env)
		tx    func(t *testing.T, e env) commerce.ConsignmentTransaction
		code  string
		field []string
	}{
		{"duplicate sale", func(e env) {
			_ = e.svc.Record(ctx, e.prepare(t, commerce.ConsignmentSale, "D-1", "", item(t, "GFFY72", "54", 1, false)))
		}, func(t *testing.T, e env) commerce.ConsignmentTransaction {
			return e.prepare(t, commerce.ConsignmentSale, "D-1", "", item(t, "AD4J56", "12.99", 1, false))
		}, "DUPLICATE_SALE", []string{"orderNumber"}},
		{"return without sale", nil, func(t *testing.T, e env) commerce.ConsignmentTransaction {
			return e.prepare(t, commerce.ConsignmentReturn, "NONE", "", item(t, "GFFY72", "54", 1, false))
		}, "SALE_NOT_FOUND", []string{"orderNumber"}},
		{"unknown SKU", nil, func(t *testing.T, e env) commerce.ConsignmentTransaction {
			return e.prepare(t, commerce.ConsignmentSale, "U-1", "", item(t, "NOPE", "1", 1, false))
		}, "UNKNOWN_SKU", []string{"items"}},
		{"sold out", nil, func(t *testing.T, e env) commerce.ConsignmentTransaction {
			return e.prepare(t, commerce.ConsignmentSale, "U-2", "", item(t, "DR0042", "1", 1, false))
		}, "UNKNOWN_SKU", []string{"items"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
			if tt.setup != nil {
				tt.setup(e)
			}
			r := rejection(t, e.svc.Record(ctx, tt.tx(t, e)))
			if r.Code != tt.code || !cmp.Equal(r.Field, tt.field) || r.Message == "" {
				t.Errorf("Record = %+v, want code %s at %v", r, tt.code, tt.field)
			}
		})
	}
}

// TestSandboxMessagesClassified: every message the sandbox can send is
// classified as the client documents.
func TestSandboxMessagesClassified(t *testing.T) {
	want := map[string]simpleconsign.Code{
		sandbox.MsgInvalidKey:         simpleconsign.CodeInvalidAPIKey,
		sandbox.MsgRateLimited:        simpleconsign.CodeRateLimited,
		sandbox.MsgPlanNotAuthorized:  simpleconsign.CodePlanNotAuthorized,
		sandbox.MsgUnknownSKU:         simpleconsign.CodeUnknownSKU,
		sandbox.MsgZeroTotal:          simpleconsign.CodeZeroTotal,
		sandbox.MsgMissingSKU:         simpleconsign.CodeMissingSKU,
		sandbox.MsgTotalMismatch:      simpleconsign.CodeTotalMismatch,
		sandbox.MsgTaxableWithoutTax:  simpleconsign.CodeTaxableWithoutTax,
		sandbox.MsgTaxWithoutTaxable:  simpleconsign.CodeTaxWithoutTaxable,
		sandbox.MsgInvalidType:        simpleconsign.CodeInvalidType,
		sandbox.MsgMissingOrderNumber: simpleconsign.CodeMissingOrderNumber,
		sandbox.MsgMissingType:        simpleconsign.CodeMissingType,
		sandbox.MsgDuplicateSale:      simpleconsign.CodeDuplicateSale,
		sandbox.MsgSaleNotFound:       simpleconsign.CodeSaleNotFound,
		sandbox.MsgReturnExceedsSale:  simpleconsign.CodeReturnExceedsSale,
		sandbox.MsgUnconsolidated:     simpleconsign.CodeRejected,
		sandbox.MsgBadQuantity:        simpleconsign.CodeRejected,
		sandbox.MsgBadAmount:          simpleconsign.CodeRejected,
	}
	for msg, code := range want {
		if got := simpleconsign.Classify(msg); got != code {
			t.Errorf("Classify(%q) = %s, want %s", msg, got, code)
		}
	}
}

// TestLostAnswers: a dropped answer is an unknown outcome; the sandbox did
// record it; a resent SALE is refused as a duplicate, which is how the
// gateway learns it landed. A RETURN would be recorded twice, which is why
// it is never resent.
func TestLostAnswers(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
	ctx := context.Background()
	sale := e.prepare(t, commerce.ConsignmentSale, "LOST-1", "", item(t, "AD4J56", "12.99", 4, false))
	e.sb.DropNextResponses(1)
	err := e.svc.Record(ctx, sale)
	if !errors.Is(err, commerce.ErrOutcomeUnknown) || commerce.CodeOf(err) != commerce.CodeOutcomeUnknown {
		t.Fatalf("Record(dropped sale) = %v, want OUTCOME_UNKNOWN", err)
	}
	if got := len(e.sb.Transactions(sandbox.DefaultKey, "LOST-1")); got != 1 {
		t.Fatalf("sandbox recorded the sale %d times, want 1", got)
	}
	if r := rejection(t, e.svc.Record(ctx, sale)); r.Code != "DUPLICATE_SALE" {
		t.Errorf("resent sale = %+v, want DUPLICATE_SALE", r)
	}
	ret := e.prepare(t, commerce.ConsignmentReturn, "LOST-1", "", item(t, "AD4J56", "12.99", 1, false))
	e.sb.DropNextResponses(1)
	if err := e.svc.Record(ctx, ret); !errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Fatalf("Record(dropped return) = %v, want an unknown outcome", err)
	}
	if err := e.svc.Record(ctx, ret); err != nil {
		t.Fatalf("a resent return = %v", err)
	}
	if got := len(e.sb.Transactions(sandbox.DefaultKey, "LOST-1")); got != 3 {
		t.Errorf("ledger holds %d transactions, want 3: the resent return was recorded twice", got)
	}
	if got := e.sb.RequestCount(); got != 4 {
		t.Errorf("requests = %d, want 4: the client never retries", got)
	}
}

func TestTimeoutAgainstSandbox(t *testing.T) {
	e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey, simpleconsign.WithTimeout(50*time.Millisecond))
	e.sb.SetLatency(2 * time.Second)
	err := e.svc.Record(context.Background(), e.prepare(t, commerce.ConsignmentReturn, "T-1", "", item(t, "GFFY72", "54", 1, false)))
	if !errors.Is(err, commerce.ErrOutcomeUnknown) {
		t.Errorf("Record with no answer in time = %v, want an unknown outcome", err)
	}
}

func TestServiceFailuresAgainstSandbox(t *testing.T) {
	ctx := context.Background()
	t.Run("at capacity", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, sandbox.DefaultKey)
		e.sb.FailNext(1, 503)
		sale := e.prepare(t, commerce.ConsignmentSale, "C-1", "", item(t, "GFFY72", "54", 1, false))
		err := e.svc.Record(ctx, sale)
		if commerce.CodeOf(err) != commerce.CodeUpstreamUnavailable || errors.Is(err, commerce.ErrOutcomeUnknown) {
			t.Errorf("Record during 503 = %v, want UPSTREAM_UNAVAILABLE", err)
		}
		if err := e.svc.Record(ctx, sale); err != nil {
			t.Errorf("Record after capacity returned = %v", err)
		}
	})
	t.Run("invalid key", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{}, "wrong-key")
		err := e.svc.Record(ctx, e.prepare(t, commerce.ConsignmentSale, "K-1", "", item(t, "GFFY72", "54", 1, false)))
		ce := commerce.ErrorOf(err)
		if ce.Code != commerce.CodeUpstreamError || ce.Backend != "simpleconsign" {
			t.Errorf("Record with a wrong key = %v, want UPSTREAM_ERROR", err)
		}
	})
	t.Run("plan not authorized", func(t *testing.T) {
		e := newEnv(t, sandbox.Options{Unauthorized: []string{"basic"}}, "basic")
		err := e.svc.Record(ctx, e.prepare(t, commerce.ConsignmentSale, "K-1", "", item(t, "GFFY72", "54", 1, false)))
		if commerce.CodeOf(err) != commerce.CodeUpstreamError || !errors.Is(err, simpleconsign.ErrPlanNotAuthorized) {
			t.Errorf("Record with an unauthorized plan = %v, want UPSTREAM_ERROR", err)
		}
	})
	t.Run("rate limited", func(t *testing.T) {
		clk := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		now := func() time.Time { return clk }
		e := newEnv(t, sandbox.Options{RateLimit: 2, Now: now}, sandbox.DefaultKey, simpleconsign.WithClock(now))
		for i, order := range []string{"L-1", "L-2", "L-3"} {
			err := e.svc.Record(ctx, e.prepare(t, commerce.ConsignmentSale, order, "", item(t, "JK3305", "1", 1, false)))
			if i < 2 && err != nil {
				t.Fatalf("Record %d = %v", i, err)
			}
			if i == 2 {
				ce := commerce.ErrorOf(err)
				if ce.Code != commerce.CodeRateLimited || ce.RetryAfter != 10*time.Minute {
					t.Errorf("Record over the limit = %v (retry %v), want RATE_LIMITED in 10m", err, ce.RetryAfter)
				}
			}
		}
		// Refused locally now, without spending a request.
		n := e.sb.RequestCount()
		err := e.svc.Record(ctx, e.prepare(t, commerce.ConsignmentSale, "L-4", "", item(t, "JK3305", "1", 1, false)))
		if commerce.CodeOf(err) != commerce.CodeRateLimited || e.sb.RequestCount() != n {
			t.Errorf("Record while blocked = %v (requests %d → %d), want a local RATE_LIMITED", err, n, e.sb.RequestCount())
		}
	})
}
