package commerce

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

var usd = money.MustCurrency("USD")

// fakeIntl answers PlaceOrder from a script and remembers what was sent.
type fakeIntl struct {
	mu     sync.Mutex
	script []error // consumed in order; nil = success
	sent   int
}

func (f *fakeIntl) Validate(InternationalOrderInput) []UserError { return nil }
func (f *fakeIntl) Currency() money.Currency                     { return usd }
func (f *fakeIntl) PlaceOrder(context.Context, InternationalOrderInput) (Quote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent++
	var err error
	if len(f.script) > 0 {
		err, f.script = f.script[0], f.script[1:]
	}
	if err != nil {
		return Quote{}, err
	}
	return Quote{QuoteID: "q-1", TotalCost: money.New(decimal.RequireFromString("53.39"), usd)}, nil
}

func admin() context.Context {
	return WithPrincipal(context.Background(), Principal{Role: RoleAdmin, KeyID: "admin"})
}

func intlInput(id string, qty int) InternationalOrderInput {
	return InternationalOrderInput{MerchantOrderID: id, ServiceCode: "GMDDP",
		Products: []InternationalProduct{{SKU: "A", Quantity: qty, UnitPrice: decimal.RequireFromString("26.99")}}}
}

func TestPlaceInternationalOrderOnce(t *testing.T) {
	f := &fakeIntl{}
	s := NewService(ServiceConfig{International: f})
	ctx := admin()

	res, err := s.PlaceInternationalOrder(ctx, intlInput("TG1", 1))
	if err != nil || res.Order == nil || res.Order.Status != InternationalPlaced || res.Order.Quote.TotalCost.FormatAmount() != "53.39" {
		t.Fatalf("first = %+v, %v", res, err)
	}
	again, err := s.PlaceInternationalOrder(ctx, intlInput("TG1", 1))
	if err != nil || again.Order == nil || f.sent != 1 {
		t.Errorf("same id again: %+v %v; sent %d times, want 1", again, err, f.sent)
	}
	other, _ := s.PlaceInternationalOrder(ctx, intlInput("TG1", 2))
	if len(other.UserErrors) != 1 || other.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" || f.sent != 1 {
		t.Errorf("same id, other input: %+v, sent %d", other, f.sent)
	}
	page, err := s.InternationalOrders(ctx, Window{Limit: 10})
	if err != nil || page.Total != 1 || page.Items[0].MerchantOrderID != "TG1" {
		t.Errorf("ledger = %+v, %v", page, err)
	}
}

// An attempt whose answer is lost, then a resend refused as existing: the
// first landed, without its quote.
func TestPlaceInternationalOrderAfterLostAnswer(t *testing.T) {
	f := &fakeIntl{script: []error{ErrOutcomeUnknown, ErrAlreadyPlaced}}
	s := NewService(ServiceConfig{International: f})
	ctx := admin()
	_, err := s.PlaceInternationalOrder(ctx, intlInput("TG2", 1))
	if CodeOf(err) != CodeUpstreamUnavailable {
		t.Fatalf("lost answer: %v, want UPSTREAM_UNAVAILABLE", err)
	}
	if o, _ := s.InternationalOrder(ctx, "TG2"); o != nil {
		t.Fatalf("an order of unknown outcome is in the ledger: %+v", o)
	}
	res, err := s.PlaceInternationalOrder(ctx, intlInput("TG2", 1))
	if err != nil || res.Order == nil || res.Order.Status != InternationalPlacedNoQuote || res.Order.Quote != nil || f.sent != 2 {
		t.Fatalf("resend = %+v, %v (sent %d)", res, err, f.sent)
	}
	// An id TradeGlobal already has, that the gateway never sent: refused.
	f.script = []error{ErrAlreadyPlaced}
	res, _ = s.PlaceInternationalOrder(ctx, intlInput("TG3", 1))
	if len(res.UserErrors) != 1 || res.UserErrors[0].Code != "REJECTED" {
		t.Errorf("foreign duplicate = %+v", res)
	}
	// A refusal is a user error, and the next attempt is sent afresh.
	f.script = []error{&Rejection{Backend: "tradeglobal", Message: "Description is required for SKU A"}}
	res, _ = s.PlaceInternationalOrder(ctx, intlInput("TG4", 1))
	if len(res.UserErrors) != 1 || res.UserErrors[0].Message != "Description is required for SKU A" {
		t.Errorf("refusal = %+v", res)
	}
}

// fakeConsign prepares trivially and answers Record from a script.
type fakeConsign struct {
	mu       sync.Mutex
	script   []error
	recorded []ConsignmentTransaction
}

func (f *fakeConsign) Currency() money.Currency { return usd }
func (f *fakeConsign) Prepare(in ConsignmentInput, kind ConsignmentKind) (ConsignmentTransaction, []UserError) {
	tx := ConsignmentTransaction{OrderNumber: in.OrderNumber, Kind: kind, Items: in.Items, Tax: in.Tax,
		NonTaxableTotal: money.New(decimal.Zero, usd), TaxableTotal: money.New(decimal.Zero, usd)}
	for _, it := range in.Items {
		tx.NonTaxableTotal, _ = tx.NonTaxableTotal.Add(it.UnitPrice.Mul(decimal.NewFromInt(int64(it.Quantity))))
	}
	return tx, nil
}
func (f *fakeConsign) Record(_ context.Context, tx ConsignmentTransaction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	if len(f.script) > 0 {
		err, f.script = f.script[0], f.script[1:]
	}
	if err == nil || errors.Is(err, ErrOutcomeUnknown) {
		f.recorded = append(f.recorded, tx)
	}
	return err
}

func sale(order string, qty int) ConsignmentInput {
	return ConsignmentInput{OrderNumber: order, Tax: money.New(decimal.Zero, usd),
		Items: []ConsignmentItem{{SKU: "GFFY72", UnitPrice: money.New(decimal.RequireFromString("54"), usd), Quantity: qty}}}
}

func TestConsignmentSaleOnce(t *testing.T) {
	f := &fakeConsign{}
	s := NewService(ServiceConfig{Consignment: f})
	ctx := admin()
	res, err := s.RecordConsignmentSale(ctx, sale("1234", 2))
	if err != nil || res.Transaction == nil || res.Transaction.ID != "1234/SALE/1" || res.Transaction.Outcome != OutcomeRecorded {
		t.Fatalf("sale = %+v, %v", res, err)
	}
	again, err := s.RecordConsignmentSale(ctx, sale("1234", 2))
	if err != nil || again.Transaction == nil || len(f.recorded) != 1 {
		t.Errorf("retry: %+v %v, recorded %d", again, err, len(f.recorded))
	}
	other, _ := s.RecordConsignmentSale(ctx, sale("1234", 3))
	if len(other.UserErrors) != 1 || other.UserErrors[0].Code != "DUPLICATE_SALE" || len(f.recorded) != 1 {
		t.Errorf("other content: %+v", other)
	}
	// A sale whose answer was lost is resent; the duplicate refusal proves it landed.
	f.script = []error{ErrOutcomeUnknown, &Rejection{Backend: "simpleconsign", Code: "DUPLICATE_SALE", Message: "an online SALE transaction already exists for the provided orderNumber"}}
	res, err = s.RecordConsignmentSale(ctx, sale("5678", 1))
	if err != nil || res.Transaction == nil || res.Transaction.Outcome != OutcomeRecorded {
		t.Errorf("sale after a lost answer = %+v, %v", res, err)
	}
}

func TestConsignmentReturns(t *testing.T) {
	f := &fakeConsign{}
	s := NewService(ServiceConfig{Consignment: f})
	ctx := admin()
	if _, err := s.RecordConsignmentSale(ctx, sale("R1", 3)); err != nil {
		t.Fatal(err)
	}
	ret := func(key string, qty int) (ConsignmentResult, error) {
		return s.RecordConsignmentReturn(ctx, key, sale("R1", qty))
	}
	if res, err := ret("k1", 2); err != nil || res.Transaction == nil || res.Transaction.ID != "R1/RETURN/1" {
		t.Fatalf("return = %+v, %v", res, err)
	}
	// The same key is a replay, not a second return.
	if res, err := ret("k1", 2); err != nil || res.Transaction.ID != "R1/RETURN/1" || len(f.recorded) != 2 {
		t.Errorf("replayed return = %+v, %v; recorded %d", res, err, len(f.recorded))
	}
	// 3 sold, 2 returned: 2 more is too many.
	if res, _ := ret("k2", 2); len(res.UserErrors) != 1 || res.UserErrors[0].Code != "RETURN_EXCEEDS_SALE" {
		t.Errorf("over-return = %+v", res)
	}
	// A lost answer: OUTCOME_UNKNOWN, listed as pending, never resent.
	f.script = []error{ErrOutcomeUnknown}
	_, err := ret("k3", 1)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeOutcomeUnknown || e.PendingWriteID != "R1/RETURN/2" {
		t.Fatalf("lost return = %v", err)
	}
	if _, err := ret("k3", 1); CodeOf(err) != CodeOutcomeUnknown || len(f.recorded) != 3 {
		t.Errorf("retrying a return of unknown outcome: %v, recorded %d (want it not resent)", err, len(f.recorded))
	}
	pending, _ := s.PendingWrites(ctx)
	if len(pending) != 1 || pending[0].ID != "R1/RETURN/2" {
		t.Fatalf("pending = %+v", pending)
	}
	// It counts against what may be returned until resolved.
	if res, _ := ret("k4", 1); len(res.UserErrors) != 1 {
		t.Errorf("return while one is unknown = %+v, want RETURN_EXCEEDS_SALE", res)
	}
	if _, errs, err := s.ResolvePendingWrite(ctx, "R1/RETURN/2", false); err != nil || errs != nil {
		t.Fatalf("resolve: %v %v", errs, err)
	}
	if pending, _ := s.PendingWrites(ctx); len(pending) != 0 {
		t.Errorf("still pending after resolve: %+v", pending)
	}
	if res, err := ret("k5", 1); err != nil || res.Transaction == nil {
		t.Errorf("return after resolving the unknown one as not recorded = %+v, %v", res, err)
	}
	txs, _ := s.ConsignmentTransactions(ctx, "R1")
	outcomes := map[string]WriteOutcome{}
	for _, tx := range txs {
		outcomes[tx.ID] = tx.Outcome
	}
	want := map[string]WriteOutcome{"R1/SALE/1": OutcomeRecorded, "R1/RETURN/1": OutcomeRecorded, "R1/RETURN/2": OutcomeNotRecorded, "R1/RETURN/3": OutcomeRecorded}
	for id, o := range want {
		if outcomes[id] != o {
			t.Errorf("ledger %s = %s, want %s (all: %v)", id, outcomes[id], o, outcomes)
		}
	}
	// Admin only.
	store := WithPrincipal(context.Background(), Principal{Role: RoleStorefront})
	if _, err := s.ConsignmentTransactions(store, "R1"); CodeOf(err) != CodeForbidden {
		t.Errorf("storefront reading the ledger: %v", err)
	}
}
