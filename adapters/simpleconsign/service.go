package simpleconsign

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// Limits Prepare enforces before anything is sent.
const (
	// MaxOrderNumberLength is the longest order number, in characters. The
	// service documents none; 100 holds every storefront's order numbers
	// and keeps global ids short.
	MaxOrderNumberLength = 100
	// MaxSKULength is the longest SKU, in characters (SimpleConsign SKUs
	// are short codes like "GFFY72").
	MaxSKULength = 100
	// MaxItems is the most input lines one transaction takes.
	MaxItems = 1000
	// MaxAmount is the largest number of cents (of one price, subtotal,
	// tax or the total) and of units (one consolidated quantity) sent:
	// 2^53-1, the largest integer every JSON reader (JavaScript's too)
	// holds exactly. Larger values are INVALID, never rounded.
	MaxAmount = 1<<53 - 1
)

const maxQuantity = min(MaxAmount, math.MaxInt)

// Service is the gateway's SimpleConsign backend: it implements
// commerce.Consignment over a Client.
type Service struct {
	client   *Client
	currency money.Currency
}

var _ commerce.Consignment = (*Service)(nil)

// NewService returns the consignment backend for client c, whose location
// keeps its books in currency (USD when zero). Amounts are sent in that
// currency's minor units (cents).
func NewService(c *Client, currency money.Currency) *Service {
	if currency.IsZero() {
		currency = money.MustCurrency("USD")
	}
	return &Service{client: c, currency: currency}
}

// Currency is the currency of the location's amounts.
func (s *Service) Currency() money.Currency { return s.currency }

// Prepare checks in and turns it into the transaction SimpleConsign takes,
// or explains every problem with user errors whose fields are paths in in
// ("orderNumber", "items.<i>.sku", "items.<i>.unitPrice",
// "items.<i>.quantity", "items.<i>.taxable", "tax", "items"):
//
//   - orderNumber: required (REQUIRED), surrounding spaces trimmed, at most
//     MaxOrderNumberLength characters (TOO_LONG), printable ASCII without
//     spaces (INVALID): the service takes alphanumeric order numbers, and
//     the order number becomes part of the transaction's global id
//     (gid://simpleconsign/ConsignmentTransaction/<orderNumber>/SALE/1),
//     whose key admits nothing else.
//   - items: at least one (REQUIRED), at most MaxItems (TOO_LONG). Each: a
//     SKU (trimmed; REQUIRED, TOO_LONG past MaxSKULength, INVALID with
//     control characters); a quantity above zero (INVALID); a unit price of
//     zero or more (a free item may ride along with priced ones) in the
//     service's currency (CURRENCY_MISMATCH; REQUIRED when unset) and in
//     whole cents (SUB_UNIT_AMOUNT for 12.345 USD: never rounded).
//   - lines with one SKU (compared exactly, after trimming) become one
//     line with the summed quantity, as the service requires; the same SKU
//     at two prices, or taxable on one line and not on another, is
//     SKU_PRICE_CONFLICT (one line carries one price, and its amount lands
//     in one subtotal).
//   - tax: zero or more, same currency and whole cents; an unset tax is 0.
//   - the subtotals are computed from the taxable flags, price × quantity,
//     exactly; then the service's own rules are applied first: both
//     subtotals zero is ZERO_TOTAL, tax without taxable items
//     TAX_WITHOUT_TAXABLE, taxable items without tax TAXABLE_WITHOUT_TAX.
//   - any amount or quantity beyond MaxAmount is INVALID.
func (s *Service) Prepare(in commerce.ConsignmentInput, kind commerce.ConsignmentKind) (commerce.ConsignmentTransaction, []commerce.UserError) {
	var errs userErrors
	if kind != commerce.ConsignmentSale && kind != commerce.ConsignmentReturn {
		errs.add("INVALID", fmt.Sprintf("the transaction kind must be SALE or RETURN, not %q", string(kind)))
	}
	orderNumber := strings.TrimSpace(in.OrderNumber)
	if checkText(&errs, orderNumber, MaxOrderNumberLength, "the order number", "orderNumber") &&
		strings.ContainsFunc(orderNumber, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		errs.add("INVALID", "the order number may hold printable ASCII characters only, without spaces: "+
			"it becomes part of the transaction's global id", "orderNumber")
	}

	switch {
	case len(in.Items) == 0:
		errs.add("REQUIRED", "at least one item is required", "items")
	case len(in.Items) > MaxItems:
		errs.add("TOO_LONG", fmt.Sprintf("a transaction takes at most %d items, not %d", MaxItems, len(in.Items)), "items")
		in.Items = nil
	}

	type line struct {
		sku     string
		price   int64
		qty     int64
		taxable bool
		first   int // the input index of its first line
	}
	var lines []*line
	bySKU := make(map[string]*line)
	for i, it := range in.Items {
		idx := strconv.Itoa(i)
		sku := strings.TrimSpace(it.SKU)
		ok := checkText(&errs, sku, MaxSKULength, "the SKU", "items", idx, "sku")
		qty := int64(it.Quantity)
		switch {
		case it.Quantity <= 0:
			errs.add("INVALID", fmt.Sprintf("the quantity must be greater than zero, not %d", it.Quantity), "items", idx, "quantity")
			ok = false
		case qty > maxQuantity:
			errs.add("INVALID", fmt.Sprintf("the quantity %d is too large", it.Quantity), "items", idx, "quantity")
			ok = false
		}
		price, priceOK := s.cents(&errs, it.UnitPrice, false, "the unit price", "items", idx, "unitPrice")
		if !ok || !priceOK {
			continue
		}
		prev, found := bySKU[sku]
		switch {
		case !found:
			l := &line{sku: sku, price: price, qty: qty, taxable: it.Taxable, first: i}
			lines = append(lines, l)
			bySKU[sku] = l
		case prev.price != price:
			errs.add("SKU_PRICE_CONFLICT", fmt.Sprintf("SKU %q is priced %s on item %d and %s here: one SKU is sent as one line at one price",
				sku, s.format(prev.price), prev.first, s.format(price)), "items", idx, "unitPrice")
		case prev.taxable != it.Taxable:
			errs.add("SKU_PRICE_CONFLICT", fmt.Sprintf("SKU %q is %s on item %d but %s here: one SKU is sent as one line, in one subtotal",
				sku, taxability(prev.taxable), prev.first, taxability(it.Taxable)), "items", idx, "taxable")
		case prev.qty > maxQuantity-qty:
			errs.add("INVALID", fmt.Sprintf("the quantity of SKU %q over all its items is too large", sku), "items", idx, "quantity")
		default:
			prev.qty += qty
		}
	}
	tax, _ := s.cents(&errs, in.Tax, true, "the tax", "tax")
	if len(errs) > 0 {
		return commerce.ConsignmentTransaction{}, errs
	}

	var taxable, nonTaxable int64
	for _, l := range lines {
		amount, ok := mulAmount(l.price, l.qty)
		if !ok {
			errs.add("INVALID", fmt.Sprintf("%s × %d of SKU %q is too large", s.format(l.price), l.qty, l.sku),
				"items", strconv.Itoa(l.first), "quantity")
			continue
		}
		sub := &nonTaxable
		if l.taxable {
			sub = &taxable
		}
		if *sub, ok = addAmount(*sub, amount); !ok {
			errs.add("INVALID", "the items' total is too large", "items")
			return commerce.ConsignmentTransaction{}, errs
		}
	}
	if len(errs) > 0 {
		return commerce.ConsignmentTransaction{}, errs
	}
	subtotal, ok := addAmount(taxable, nonTaxable)
	if !ok {
		errs.add("INVALID", "the items' total is too large", "items")
		return commerce.ConsignmentTransaction{}, errs
	}
	if _, ok := addAmount(subtotal, tax); !ok {
		errs.add("INVALID", "the total with tax is too large", "tax")
		return commerce.ConsignmentTransaction{}, errs
	}
	if subtotal == 0 {
		errs.add(string(CodeZeroTotal), "the items total "+s.format(0)+": SimpleConsign refuses a transaction whose taxable and non-taxable totals are both zero", "items")
	}
	if tax > 0 && taxable == 0 {
		errs.add(string(CodeTaxWithoutTaxable), "tax of "+s.format(tax)+" was given but no item is taxable: SimpleConsign refuses tax without a taxable total", "tax")
	}
	if taxable > 0 && tax == 0 {
		errs.add(string(CodeTaxableWithoutTax), "taxable items total "+s.format(taxable)+" but no tax was given: SimpleConsign refuses a taxable total without tax", "tax")
	}
	if len(errs) > 0 {
		return commerce.ConsignmentTransaction{}, errs
	}

	tx := commerce.ConsignmentTransaction{
		OrderNumber:     orderNumber,
		Kind:            kind,
		Items:           make([]commerce.ConsignmentItem, len(lines)),
		NonTaxableTotal: money.FromMinorUnits(nonTaxable, s.currency),
		TaxableTotal:    money.FromMinorUnits(taxable, s.currency),
		Tax:             money.FromMinorUnits(tax, s.currency),
	}
	for i, l := range lines {
		tx.Items[i] = commerce.ConsignmentItem{
			SKU:       l.sku,
			UnitPrice: money.FromMinorUnits(l.price, s.currency),
			Quantity:  int(l.qty),
			Taxable:   l.taxable,
		}
	}
	return tx, nil
}

// Record sends a transaction made by Prepare. It answers nil when
// SimpleConsign recorded it; a *commerce.Rejection (Backend
// "simpleconsign", Code UNKNOWN_SKU, DUPLICATE_SALE, …, or REJECTED with
// the service's message) when it refused it; a *commerce.Error with
// UPSTREAM_ERROR (credentials, price plan, an unexpected answer),
// RATE_LIMITED (RetryAfter set) or UPSTREAM_UNAVAILABLE (at capacity,
// unreachable: nothing recorded); and, when the request was sent but no
// answer came, a *commerce.Error with OUTCOME_UNKNOWN that satisfies
// errors.Is(err, commerce.ErrOutcomeUnknown). It never retries.
func (s *Service) Record(ctx context.Context, tx commerce.ConsignmentTransaction) error {
	wire, err := s.toTransaction(tx)
	if err != nil {
		return &commerce.Error{Code: commerce.CodeInternal, Backend: Backend,
			Message: "the consignment transaction was not prepared; nothing was sent", Err: err}
	}
	_, err = s.client.Transact(ctx, wire)
	return toCommerceError(err)
}

// Learn finds out whether tx, sent before without an answer, was recorded
// (commerce.Consignment). SimpleConsign cannot be asked what it recorded:
//
//   - a SALE is resent, because the service refuses a second SALE for one
//     order number: recorded now, or refused as CodeDuplicateSale (the
//     earlier attempt landed: the caller checks that the content is the
//     one it sent) are both OutcomeRecorded; another refusal is
//     OutcomeNotRecorded with its *commerce.Rejection (had the earlier
//     attempt landed, the service would have said DUPLICATE_SALE); no
//     definitive answer (none came again, or the resend could not be made:
//     a deadline, the rate limit, capacity) is OutcomeUnknown, with an
//     OUTCOME_UNKNOWN *commerce.Error saying why (RetryAfter set when the
//     budget is what held it back);
//   - a RETURN is never resent (an order takes several returns: a resend
//     could record it twice): OutcomeUnknown, without a request.
func (s *Service) Learn(ctx context.Context, tx commerce.ConsignmentTransaction) commerce.LostWrite {
	if tx.Kind != commerce.ConsignmentSale {
		return commerce.LostWrite{Outcome: commerce.OutcomeUnknown, Err: &commerce.Error{Code: commerce.CodeOutcomeUnknown, Backend: Backend,
			Message: "SimpleConsign cannot be asked whether it recorded a return", Err: commerce.ErrOutcomeUnknown}}
	}
	wire, err := s.toTransaction(tx)
	if err != nil {
		return commerce.LostWrite{Outcome: commerce.OutcomeUnknown, Err: &commerce.Error{Code: commerce.CodeInternal, Backend: Backend,
			Message: "the consignment transaction was not prepared; nothing was sent", Err: err}}
	}
	_, err = s.client.Transact(ctx, wire)
	var er *ErrorResponse
	if err == nil || errors.As(err, &er) && er.Code == CodeDuplicateSale {
		return commerce.LostWrite{Outcome: commerce.OutcomeRecorded}
	}
	cerr := toCommerceError(err)
	var rej *commerce.Rejection
	if errors.As(cerr, &rej) {
		return commerce.LostWrite{Outcome: commerce.OutcomeNotRecorded, Err: cerr}
	}
	why := "SimpleConsign did not answer twice"
	if !errors.Is(cerr, commerce.ErrOutcomeUnknown) {
		why = "SimpleConsign did not answer, and the resend that would tell could not be made (" + string(commerce.CodeOf(cerr)) + ")"
	}
	return commerce.LostWrite{Outcome: commerce.OutcomeUnknown, Err: &commerce.Error{Code: commerce.CodeOutcomeUnknown, Backend: Backend,
		Message: why, RetryAfter: commerce.ErrorOf(cerr).RetryAfter, Err: cerr}}
}

// toTransaction converts a prepared transaction to the wire, checking what
// Prepare guarantees: one line per SKU, whole cents of the service's
// currency, subtotals that are the items' sum.
func (s *Service) toTransaction(tx commerce.ConsignmentTransaction) (*Transaction, error) {
	if tx.Kind != commerce.ConsignmentSale && tx.Kind != commerce.ConsignmentReturn {
		return nil, fmt.Errorf("kind %q is neither SALE nor RETURN", string(tx.Kind))
	}
	if strings.TrimSpace(tx.OrderNumber) == "" {
		return nil, errors.New("no order number")
	}
	if len(tx.Items) == 0 {
		return nil, errors.New("no items")
	}
	conv := func(m money.Money, what string) (int64, error) {
		if m.Currency().IsZero() && m.IsZero() {
			return 0, nil
		}
		if m.Currency() != s.currency {
			return 0, fmt.Errorf("%s %s is not in %s", what, m, s.currency)
		}
		c, err := m.MinorUnits()
		if err != nil {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		if c < 0 || c > MaxAmount {
			return 0, fmt.Errorf("%s %s is out of range", what, m)
		}
		return c, nil
	}
	out := &Transaction{OrderNumber: tx.OrderNumber, Type: TransactionType(tx.Kind), Items: make([]Item, len(tx.Items))}
	var err error
	if out.NonTaxableSaleTotal, err = conv(tx.NonTaxableTotal, "non-taxable total"); err != nil {
		return nil, err
	}
	if out.TaxableSaleTotal, err = conv(tx.TaxableTotal, "taxable total"); err != nil {
		return nil, err
	}
	if out.Tax, err = conv(tx.Tax, "tax"); err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(tx.Items))
	var taxable, nonTaxable int64
	for i, it := range tx.Items {
		if it.SKU == "" || seen[it.SKU] || it.Quantity <= 0 {
			return nil, fmt.Errorf("item %d: empty or repeated SKU, or a quantity below one", i)
		}
		seen[it.SKU] = true
		price, err := conv(it.UnitPrice, "item "+strconv.Itoa(i)+" price")
		if err != nil {
			return nil, err
		}
		amount, ok := mulAmount(price, int64(it.Quantity))
		sub := &nonTaxable
		if it.Taxable {
			sub = &taxable
		}
		if ok {
			*sub, ok = addAmount(*sub, amount)
		}
		if !ok {
			return nil, fmt.Errorf("item %d: amount out of range", i)
		}
		out.Items[i] = Item{SKU: it.SKU, Price: price, Quantity: int64(it.Quantity)}
	}
	if taxable != out.TaxableSaleTotal || nonTaxable != out.NonTaxableSaleTotal {
		return nil, errors.New("the subtotals are not the items' sum")
	}
	return out, nil
}

// cents converts m to whole minor units of the service's currency, or adds
// a user error at field. An unset m (no currency, zero) is 0 when optional.
func (s *Service) cents(errs *userErrors, m money.Money, optional bool, what string, field ...string) (int64, bool) {
	switch {
	case m.Currency().IsZero() && m.IsZero() && optional:
		return 0, true
	case m.Currency().IsZero() && m.IsZero():
		errs.add("REQUIRED", what+" is required", field...)
		return 0, false
	case m.Currency().IsZero():
		errs.add("CURRENCY_MISMATCH", fmt.Sprintf("%s %s has no currency: SimpleConsign amounts are in %s", what, m, s.currency), field...)
		return 0, false
	case m.Currency() != s.currency:
		errs.add("CURRENCY_MISMATCH", fmt.Sprintf("%s is in %s: SimpleConsign amounts are in %s", what, m.Currency(), s.currency), field...)
		return 0, false
	case m.Sign() < 0:
		errs.add("INVALID", fmt.Sprintf("%s must not be negative, not %s", what, m), field...)
		return 0, false
	}
	c, err := m.MinorUnits()
	switch {
	case errors.Is(err, money.ErrSubUnit):
		errs.add("SUB_UNIT_AMOUNT", fmt.Sprintf("%s %s has more decimals than %s's minor unit: SimpleConsign takes whole cents, and the gateway never rounds",
			what, m, s.currency), field...)
		return 0, false
	case err != nil || c > MaxAmount:
		errs.add("INVALID", fmt.Sprintf("%s %s is too large", what, m), field...)
		return 0, false
	}
	return c, true
}

func (s *Service) format(cents int64) string { return money.FromMinorUnits(cents, s.currency).String() }

func taxability(taxable bool) string {
	if taxable {
		return "taxable"
	}
	return "not taxable"
}

// checkText checks a required, bounded, printable text field.
func checkText(errs *userErrors, s string, maxLen int, what string, field ...string) bool {
	switch {
	case s == "":
		errs.add("REQUIRED", what+" is required", field...)
	case !utf8.ValidString(s):
		errs.add("INVALID", what+" is not valid UTF-8", field...)
	case utf8.RuneCountInString(s) > maxLen:
		errs.add("TOO_LONG", fmt.Sprintf("%s is longer than %d characters", what, maxLen), field...)
	case strings.ContainsFunc(s, unicode.IsControl):
		errs.add("INVALID", what+" contains control characters", field...)
	default:
		return true
	}
	return false
}

// mulAmount and addAmount compute with values in [0, MaxAmount] and report
// whether the result stays there.
func mulAmount(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	if a != 0 && b > MaxAmount/a {
		return 0, false
	}
	return a * b, true
}

func addAmount(a, b int64) (int64, bool) {
	if a < 0 || b < 0 || a > MaxAmount-b {
		return 0, false
	}
	return a + b, true
}

type userErrors []commerce.UserError

func (u *userErrors) add(code, msg string, field ...string) {
	var f []string
	if len(field) > 0 {
		f = append([]string(nil), field...)
	}
	*u = append(*u, commerce.UserError{Field: f, Code: code, Message: msg})
}
