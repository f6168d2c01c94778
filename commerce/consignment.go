package commerce

import (
	"context"
	"time"

	"github.com/commercegateway/gateway/money"
)

// Consignment is what the gateway needs from the consignment backend
// (SimpleConsign): recording online sales and returns.
type Consignment interface {
	// Prepare turns items into the transaction the backend takes, or
	// explains why it cannot: lines with one SKU consolidated (one SKU at
	// two prices is SKU_PRICE_CONFLICT), amounts in the backend's minor
	// units exactly (SUB_UNIT_AMOUNT otherwise), taxable and non-taxable
	// subtotals computed from the items' flags. Field paths are relative to
	// the input (["items","1","unitPrice"]).
	Prepare(in ConsignmentInput, kind ConsignmentKind) (ConsignmentTransaction, []UserError)
	// Record sends a prepared transaction. It answers nil when recorded; a
	// *Rejection carrying a stable Code (UNKNOWN_SKU, DUPLICATE_SALE,
	// SALE_NOT_FOUND, …) when the backend refused it; an *Error for what the
	// caller cannot fix (credentials, rate limit, capacity); and
	// ErrOutcomeUnknown when the request was sent but no answer came.
	Record(ctx context.Context, tx ConsignmentTransaction) error
	// Learn finds out whether tx, sent before without an answer (by this
	// call or an earlier one), was recorded (see LostWrite). It may resend
	// tx where the backend refuses a duplicate; it must not where a resend
	// could record it twice (the outcome is then OutcomeUnknown).
	Learn(ctx context.Context, tx ConsignmentTransaction) LostWrite
	// Currency is the currency of the backend's amounts.
	Currency() money.Currency
}

// ConsignmentKind is a sale or a return.
type ConsignmentKind string

// Consignment transaction kinds.
const (
	ConsignmentSale   ConsignmentKind = "SALE"
	ConsignmentReturn ConsignmentKind = "RETURN"
)

// ConsignmentInput is a sale or return as a client sends it.
type ConsignmentInput struct {
	OrderNumber string
	Items       []ConsignmentItem
	Tax         money.Money
}

// ConsignmentItem is a line: a SKU, a unit price, a quantity, and whether
// it is taxable.
type ConsignmentItem struct {
	SKU       string
	UnitPrice money.Money
	Quantity  int
	Taxable   bool
}

// ConsignmentTransaction is what is sent to, and recorded by, the backend.
type ConsignmentTransaction struct {
	OrderNumber     string
	Kind            ConsignmentKind
	Items           []ConsignmentItem // consolidated: one line per SKU
	NonTaxableTotal money.Money
	TaxableTotal    money.Money
	Tax             money.Money
}

// Total is the transaction's total: both subtotals and the tax.
func (t ConsignmentTransaction) Total() money.Money {
	sum, _ := money.Sum(t.Tax.Currency(), t.NonTaxableTotal, t.TaxableTotal, t.Tax)
	return sum
}

// WriteOutcome is whether the gateway knows a write reached its backend.
type WriteOutcome string

// Write outcomes.
const (
	OutcomeRecorded WriteOutcome = "RECORDED"
	// OutcomeUnknown: sent, no answer, and the backend cannot be asked;
	// listed by pendingWrites until a person resolves it.
	OutcomeUnknown WriteOutcome = "UNKNOWN"
	// OutcomeNotRecorded: resolved by a person as never having arrived.
	OutcomeNotRecorded WriteOutcome = "NOT_RECORDED"
)

// RecordedTransaction is a consignment transaction in the gateway's ledger.
type RecordedTransaction struct {
	ID          string // "<orderNumber>/<SALE|RETURN>/<n>"
	Transaction ConsignmentTransaction
	Outcome     WriteOutcome
	RecordedAt  time.Time
}
