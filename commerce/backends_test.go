package commerce

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

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

// Learn resends, as the TradeGlobal adapter does: "already placed" means
// the earlier attempt landed.
func (f *fakeIntl) Learn(ctx context.Context, o InternationalOrderInput) (*Quote, LostWrite) {
	q, err := f.PlaceOrder(ctx, o)
	var r *Rejection
	switch {
	case err == nil:
		return &q, LostWrite{Outcome: OutcomeRecorded}
	case errors.Is(err, ErrAlreadyPlaced):
		return nil, LostWrite{Outcome: OutcomeRecorded}
	case errors.As(err, &r):
		return nil, LostWrite{Outcome: OutcomeNotRecorded, Err: err}
	}
	return nil, LostWrite{Outcome: OutcomeUnknown, Err: err}
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

// Learn resends a sale, as the SimpleConsign adapter does (a refusal as a
// duplicate means the earlier attempt landed), and never a return.
func (f *fakeConsign) Learn(ctx context.Context, tx ConsignmentTransaction) LostWrite {
	if tx.Kind != ConsignmentSale {
		return LostWrite{Outcome: OutcomeUnknown, Err: &Error{Code: CodeOutcomeUnknown, Backend: "simpleconsign", Message: "cannot be asked", Err: ErrOutcomeUnknown}}
	}
	err := f.Record(ctx, tx)
	var r *Rejection
	switch {
	case err == nil, errors.As(err, &r) && r.Code == scDuplicate.Code:
		return LostWrite{Outcome: OutcomeRecorded}
	case errors.As(err, &r):
		return LostWrite{Outcome: OutcomeNotRecorded, Err: err}
	}
	why := "the backend did not answer twice"
	if !errors.Is(err, ErrOutcomeUnknown) {
		why = "the backend did not answer, and the resend could not be made (" + string(CodeOf(err)) + ")"
	}
	return LostWrite{Outcome: OutcomeUnknown, Err: &Error{Code: CodeOutcomeUnknown, Backend: "simpleconsign", Message: why, RetryAfter: ErrorOf(err).RetryAfter, Err: err}}
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

// scUnavailable is what the SimpleConsign adapter answers for a request it
// could not send.
var scUnavailable = &Error{Code: CodeUpstreamUnavailable, Backend: "simpleconsign", Message: "SimpleConsign could not be reached; nothing was sent"}

var scDuplicate = &Rejection{Backend: "simpleconsign", Code: "DUPLICATE_SALE", Field: []string{"orderNumber"},
	Message: "an online SALE transaction already exists for the provided orderNumber"}

// ledgerOutcomes maps each transaction of an order number to its outcome.
func ledgerOutcomes(t *testing.T, s *Service, orderNumber string) map[string]WriteOutcome {
	t.Helper()
	txs, err := s.ConsignmentTransactions(admin(), orderNumber)
	if err != nil {
		t.Fatalf("ConsignmentTransactions(%q) = %v", orderNumber, err)
	}
	out := map[string]WriteOutcome{}
	for _, tx := range txs {
		out[tx.ID] = tx.Outcome
	}
	return out
}

func pendingIDs(t *testing.T, s *Service) []string {
	t.Helper()
	pending, err := s.PendingWrites(admin())
	if err != nil {
		t.Fatalf("PendingWrites = %v", err)
	}
	var ids []string
	for _, p := range pending {
		ids = append(ids, p.ID)
	}
	return ids
}

// A sale whose answer was lost, and whose immediate resend failed without
// a definitive answer (the request's deadline, the rate limit, capacity):
// the first may have landed, so the sale stays UNKNOWN and pending, and the
// client's retry resends it and settles it. Before, it was settled
// NOT_RECORDED ("nothing was sent") and the retry got DUPLICATE_SALE.
func TestConsignmentSaleResendWithoutAnswer(t *testing.T) {
	for _, c := range []struct {
		name   string
		resend error
		sent   int // attempts the fake counts as landed
	}{
		{"unavailable", scUnavailable, 1},
		{"rate limited", &Error{Code: CodeRateLimited, Backend: "simpleconsign", RetryAfter: time.Minute, Message: "the budget is spent; nothing was sent"}, 1},
		{"deadline", context.DeadlineExceeded, 1},
		{"no answer again", &Error{Code: CodeOutcomeUnknown, Backend: "simpleconsign", Message: "no answer", Err: ErrOutcomeUnknown}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeConsign{script: []error{ErrOutcomeUnknown, c.resend}}
			s := NewService(ServiceConfig{Consignment: f})
			ctx := admin()
			res, err := s.RecordConsignmentSale(ctx, sale("S1", 1))
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeOutcomeUnknown || e.PendingWriteID != "S1/SALE/1" || res.Transaction != nil {
				t.Fatalf("sale = %+v, %v; want OUTCOME_UNKNOWN with pendingWriteId S1/SALE/1", res, err)
			}
			if strings.Contains(e.Message, "nothing was sent;") {
				t.Errorf("message %q says nothing was sent", e.Message)
			}
			if got := ledgerOutcomes(t, s, "S1"); len(got) != 1 || got["S1/SALE/1"] != OutcomeUnknown {
				t.Errorf("ledger = %v, want S1/SALE/1 UNKNOWN", got)
			}
			if got := pendingIDs(t, s); len(got) != 1 || got[0] != "S1/SALE/1" {
				t.Errorf("pending = %v, want [S1/SALE/1]", got)
			}

			// The client's retry: SimpleConsign refuses the resend as a
			// duplicate, which proves the first landed.
			f.script = []error{scDuplicate}
			res, err = s.RecordConsignmentSale(ctx, sale("S1", 1))
			if err != nil || res.Transaction == nil || res.Transaction.ID != "S1/SALE/1" || res.Transaction.Outcome != OutcomeRecorded {
				t.Fatalf("retry = %+v, %v; want the sale, RECORDED", res, err)
			}
			if got := pendingIDs(t, s); len(got) != 0 {
				t.Errorf("still pending after the retry settled it: %v", got)
			}
			if got := ledgerOutcomes(t, s, "S1"); len(got) != 1 || got["S1/SALE/1"] != OutcomeRecorded {
				t.Errorf("ledger = %v, want S1/SALE/1 RECORDED", got)
			}
			if len(f.recorded) != c.sent {
				t.Errorf("the backend received %d sales that may have landed, want %d", len(f.recorded), c.sent)
			}
		})
	}
}

// An earlier call's outcome is unknown: a retry whose send fails without an
// answer keeps it UNKNOWN and pending (once), the next settles it.
func TestConsignmentSaleRetryOfUnknownWithoutAnswer(t *testing.T) {
	f := &fakeConsign{script: []error{ErrOutcomeUnknown, ErrOutcomeUnknown}}
	s := NewService(ServiceConfig{Consignment: f})
	ctx := admin()
	if _, err := s.RecordConsignmentSale(ctx, sale("S2", 1)); CodeOf(err) != CodeOutcomeUnknown {
		t.Fatalf("lost twice: %v, want OUTCOME_UNKNOWN", err)
	}
	f.script = []error{scUnavailable}
	_, err := s.RecordConsignmentSale(ctx, sale("S2", 1))
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeOutcomeUnknown || e.PendingWriteID != "S2/SALE/1" {
		t.Fatalf("retry not sent: %v, want OUTCOME_UNKNOWN for S2/SALE/1", err)
	}
	if got := pendingIDs(t, s); len(got) != 1 {
		t.Errorf("pending = %v, want one entry", got)
	}
	f.script = nil // recorded: the first never landed
	res, err := s.RecordConsignmentSale(ctx, sale("S2", 1))
	if err != nil || res.Transaction == nil || res.Transaction.Outcome != OutcomeRecorded {
		t.Fatalf("retry = %+v, %v", res, err)
	}
	if got := pendingIDs(t, s); len(got) != 0 {
		t.Errorf("pending = %v after the sale was recorded", got)
	}
}

// A definitive refusal of the resend other than DUPLICATE_SALE refuses the
// first attempt too: NOT_RECORDED, nothing pending, a user error.
func TestConsignmentSaleResendRefused(t *testing.T) {
	unknownSKU := &Rejection{Backend: "simpleconsign", Code: "UNKNOWN_SKU", Field: []string{"items"}, Message: "could not find item with SKU"}
	f := &fakeConsign{script: []error{ErrOutcomeUnknown, unknownSKU}}
	s := NewService(ServiceConfig{Consignment: f})
	ctx := admin()
	res, err := s.RecordConsignmentSale(ctx, sale("S3", 1))
	if err != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != "UNKNOWN_SKU" {
		t.Fatalf("sale = %+v, %v; want UNKNOWN_SKU", res, err)
	}
	if got := ledgerOutcomes(t, s, "S3"); len(got) != 0 {
		t.Errorf("ledger = %v, want no transaction", got)
	}
	if got := pendingIDs(t, s); len(got) != 0 {
		t.Errorf("pending = %v", got)
	}

	// The same after an earlier call's unknown outcome: its pending entry
	// is resolved.
	f.script = []error{ErrOutcomeUnknown, ErrOutcomeUnknown}
	if _, err := s.RecordConsignmentSale(ctx, sale("S4", 1)); CodeOf(err) != CodeOutcomeUnknown {
		t.Fatalf("lost twice: %v", err)
	}
	f.script = []error{unknownSKU}
	if res, err := s.RecordConsignmentSale(ctx, sale("S4", 1)); err != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != "UNKNOWN_SKU" {
		t.Fatalf("retry = %+v, %v; want UNKNOWN_SKU", res, err)
	}
	if got := pendingIDs(t, s); len(got) != 0 {
		t.Errorf("pending = %v after a definitive refusal", got)
	}
	// Nothing is recorded, so a corrected sale goes through.
	if res, err := s.RecordConsignmentSale(ctx, sale("S4", 2)); err != nil || res.Transaction == nil || res.Transaction.ID != "S4/SALE/1" {
		t.Errorf("corrected sale = %+v, %v", res, err)
	}
}

// An idempotency key names one return, whatever its order number: the same
// key with another order number is IDEMPOTENCY_KEY_REUSED, sends nothing,
// and says so in words fit for both doors.
func TestConsignmentReturnKeyAcrossOrders(t *testing.T) {
	f := &fakeConsign{}
	s := NewService(ServiceConfig{Consignment: f})
	ctx := admin()
	for _, o := range []string{"A/B%25", "C1"} {
		if _, err := s.RecordConsignmentSale(ctx, sale(o, 2)); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := s.RecordConsignmentReturn(ctx, "key-1", sale("A/B%25", 1)); err != nil || res.Transaction == nil {
		t.Fatalf("return = %+v, %v", res, err)
	}
	sent := len(f.recorded)
	res, err := s.RecordConsignmentReturn(ctx, "key-1", sale("C1", 1))
	if err != nil || res.Transaction != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" {
		t.Fatalf("the key again with another order = %+v, %v; want IDEMPOTENCY_KEY_REUSED", res, err)
	}
	if len(f.recorded) != sent {
		t.Errorf("a reused key sent %d requests", len(f.recorded)-sent)
	}
	msg := res.UserErrors[0].Message
	for _, bad := range []string{"return:", "A/B", "consign", "idempotencyKey"} {
		if strings.Contains(msg, bad) {
			t.Errorf("message %q contains %q", msg, bad)
		}
	}
	if txs, _ := s.ConsignmentTransactions(ctx, "C1"); len(txs) != 1 {
		t.Errorf("C1 has %d transactions, want only its sale", len(txs))
	}
	// Same key, same input: the first return, replayed.
	if res, err := s.RecordConsignmentReturn(ctx, "key-1", sale("A/B%25", 1)); err != nil || res.Transaction == nil || res.Transaction.ID != "A/B%25/RETURN/1" {
		t.Errorf("replay = %+v, %v", res, err)
	}
	// Another API key may use the same key for its own return.
	other := WithPrincipal(context.Background(), Principal{Role: RoleAdmin, KeyID: "admin-2"})
	if res, err := s.RecordConsignmentReturn(other, "key-1", sale("C1", 1)); err != nil || res.Transaction == nil {
		t.Errorf("the same key from another API key = %+v, %v", res, err)
	}
}

// After a lost answer, another input under the same merchantOrderId is
// IDEMPOTENCY_KEY_REUSED without a request, and the original's retry is
// still recognised when TradeGlobal refuses it as existing.
func TestPlaceInternationalOrderOtherInputAfterLostAnswer(t *testing.T) {
	f := &fakeIntl{script: []error{ErrOutcomeUnknown}}
	s := NewService(ServiceConfig{International: f})
	ctx := admin()
	if _, err := s.PlaceInternationalOrder(ctx, intlInput("TG5", 1)); CodeOf(err) != CodeUpstreamUnavailable {
		t.Fatalf("lost answer: %v", err)
	}
	res, err := s.PlaceInternationalOrder(ctx, intlInput("TG5", 2))
	if err != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" || f.sent != 1 {
		t.Fatalf("other input = %+v, %v (sent %d); want IDEMPOTENCY_KEY_REUSED and nothing sent", res, err, f.sent)
	}
	f.script = []error{ErrAlreadyPlaced}
	res, err = s.PlaceInternationalOrder(ctx, intlInput("TG5", 1))
	if err != nil || res.Order == nil || res.Order.Status != InternationalPlacedNoQuote {
		t.Fatalf("the original's retry = %+v, %v; want PLACED_QUOTE_UNKNOWN", res, err)
	}
	// Placed: another input is still refused, from the ledger.
	if res, _ := s.PlaceInternationalOrder(ctx, intlInput("TG5", 2)); len(res.UserErrors) != 1 || res.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" || f.sent != 2 {
		t.Errorf("other input once placed = %+v (sent %d)", res, f.sent)
	}
}

// A resend that is not sent (rate limited, unavailable) after a lost answer
// keeps the attempt: the next resend still recognises TradeGlobal's
// "already exists" as the first attempt having landed.
func TestPlaceInternationalOrderKeepsAttempt(t *testing.T) {
	for _, notSent := range []error{
		&Error{Code: CodeRateLimited, Backend: "tradeglobal", RetryAfter: time.Second, Message: "TradeGlobal is limiting requests"},
		&Error{Code: CodeUpstreamError, Backend: "tradeglobal", Message: "TradeGlobal refused the request (HTTP 400 Bad Request)"},
	} {
		t.Run(string(CodeOf(notSent)), func(t *testing.T) {
			f := &fakeIntl{script: []error{ErrOutcomeUnknown, notSent, ErrAlreadyPlaced}}
			s := NewService(ServiceConfig{International: f})
			ctx := admin()
			if _, err := s.PlaceInternationalOrder(ctx, intlInput("TG6", 1)); CodeOf(err) != CodeUpstreamUnavailable {
				t.Fatalf("lost answer: %v", err)
			}
			if _, err := s.PlaceInternationalOrder(ctx, intlInput("TG6", 1)); CodeOf(err) != CodeOf(notSent) {
				t.Fatalf("resend = %v, want %s", err, CodeOf(notSent))
			}
			if res, _ := s.PlaceInternationalOrder(ctx, intlInput("TG6", 2)); len(res.UserErrors) != 1 || res.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" {
				t.Errorf("other input while the first is outstanding = %+v", res)
			}
			res, err := s.PlaceInternationalOrder(ctx, intlInput("TG6", 1))
			if err != nil || res.Order == nil || res.Order.Status != InternationalPlacedNoQuote || f.sent != 3 {
				t.Fatalf("next resend = %+v, %v (sent %d); want PLACED_QUOTE_UNKNOWN", res, err, f.sent)
			}
		})
	}
	// With no attempt outstanding, a failure that sent nothing forgets
	// this one: "already exists" afterwards is an order the gateway did not
	// place.
	f := &fakeIntl{script: []error{&Error{Code: CodeRateLimited, Backend: "tradeglobal", RetryAfter: time.Second}, ErrAlreadyPlaced}}
	s := NewService(ServiceConfig{International: f})
	if _, err := s.PlaceInternationalOrder(admin(), intlInput("TG7", 1)); CodeOf(err) != CodeRateLimited {
		t.Fatalf("first = %v", err)
	}
	if res, _ := s.PlaceInternationalOrder(admin(), intlInput("TG7", 1)); len(res.UserErrors) != 1 || res.UserErrors[0].Code != "REJECTED" {
		t.Errorf("foreign order = %+v, want REJECTED", res)
	}
}

// Consignment and the ledgers are admin-only; placing an international
// order is checkout. A refused caller reaches no backend.
func TestBackendOperationsAccess(t *testing.T) {
	fc, fi := &fakeConsign{}, &fakeIntl{}
	s := NewService(ServiceConfig{Consignment: fc, International: fi})
	for _, p := range []struct {
		role Role
		want Code
	}{{RoleNone, CodeUnauthenticated}, {RoleStorefront, CodeForbidden}} {
		ctx := WithPrincipal(context.Background(), Principal{Role: p.role, KeyID: "k"})
		calls := map[string]func() error{
			"RecordConsignmentSale": func() error { _, err := s.RecordConsignmentSale(ctx, sale("X1", 1)); return err },
			"RecordConsignmentReturn": func() error {
				_, err := s.RecordConsignmentReturn(ctx, "k", sale("X1", 1))
				return err
			},
			"ConsignmentTransactions": func() error { _, err := s.ConsignmentTransactions(ctx, "X1"); return err },
			"PendingWrites":           func() error { _, err := s.PendingWrites(ctx); return err },
			"ResolvePendingWrite":     func() error { _, _, err := s.ResolvePendingWrite(ctx, "X1/RETURN/1", true); return err },
			"InternationalOrder":      func() error { _, err := s.InternationalOrder(ctx, "TG1"); return err },
			"InternationalOrders":     func() error { _, err := s.InternationalOrders(ctx, Window{Limit: 10}); return err },
		}
		for name, call := range calls {
			if got := CodeOf(call()); got != p.want {
				t.Errorf("%s as %s = %q, want %q", name, p.role, got, p.want)
			}
		}
	}
	if len(fc.recorded) != 0 || fi.sent != 0 {
		t.Errorf("refused callers reached the backends: %d consignment, %d international", len(fc.recorded), fi.sent)
	}
	store := WithPrincipal(context.Background(), Principal{Role: RoleStorefront, KeyID: "k"})
	if res, err := s.PlaceInternationalOrder(store, intlInput("TG8", 1)); err != nil || res.Order == nil {
		t.Errorf("storefront checkout = %+v, %v", res, err)
	}
}
