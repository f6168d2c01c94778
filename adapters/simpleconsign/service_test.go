package simpleconsign

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var usd = money.MustCurrency("USD")

// dollars parses a USD amount.
func dollars(t testing.TB, amount string) money.Money {
	t.Helper()
	m, err := money.Parse(amount, "USD")
	if err != nil {
		t.Fatalf("money.Parse(%q) = %v", amount, err)
	}
	return m
}

func cents(n int64) money.Money { return money.FromMinorUnits(n, usd) }

var moneyEqual = cmp.Comparer(func(a, b money.Money) bool { return a.Equal(b) })

// ignoreMessage compares user errors by field and code.
var ignoreMessage = cmpopts.IgnoreFields(commerce.UserError{}, "Message")

// saleTx and returnTx are prepared transactions for Record tests.
func saleTx(t testing.TB) commerce.ConsignmentTransaction {
	t.Helper()
	return prepare(t, commerce.ConsignmentInput{OrderNumber: "1234", Items: []commerce.ConsignmentItem{
		{SKU: "GFFY72", UnitPrice: dollars(t, "54.00"), Quantity: 1},
		{SKU: "AD4J56", UnitPrice: dollars(t, "12.99"), Quantity: 2},
	}}, commerce.ConsignmentSale)
}

func returnTx(t testing.TB) commerce.ConsignmentTransaction {
	t.Helper()
	return prepare(t, commerce.ConsignmentInput{OrderNumber: "1234", Items: []commerce.ConsignmentItem{
		{SKU: "AD4J56", UnitPrice: dollars(t, "12.99"), Quantity: 2},
	}}, commerce.ConsignmentReturn)
}

func prepare(t testing.TB, in commerce.ConsignmentInput, kind commerce.ConsignmentKind) commerce.ConsignmentTransaction {
	t.Helper()
	svc := NewService(nil, usd)
	tx, errs := svc.Prepare(in, kind)
	if len(errs) > 0 {
		t.Fatalf("Prepare(%+v) = %+v", in, errs)
	}
	return tx
}

func TestPrepare(t *testing.T) {
	d := func(s string) money.Money { return dollars(t, s) }
	eur := func(s string) money.Money { m, _ := money.Parse(s, "EUR"); return m }
	item := func(sku, price string, qty int, taxable bool) commerce.ConsignmentItem {
		return commerce.ConsignmentItem{SKU: sku, UnitPrice: d(price), Quantity: qty, Taxable: taxable}
	}
	ue := func(code string, field ...string) commerce.UserError {
		return commerce.UserError{Field: field, Code: code}
	}
	long := strings.Repeat("x", MaxOrderNumberLength)
	many := make([]commerce.ConsignmentItem, MaxItems+1)
	for i := range many {
		many[i] = item("A", "1.00", 1, false)
	}
	tests := []struct {
		name string
		in   commerce.ConsignmentInput
		kind commerce.ConsignmentKind
		want commerce.ConsignmentTransaction
		wire *Transaction
		errs []commerce.UserError
	}{
		{
			name: "the spec's sale",
			in:   commerce.ConsignmentInput{OrderNumber: "1234", Items: []commerce.ConsignmentItem{item("GFFY72", "54.00", 1, false), item("AD4J56", "12.99", 2, false)}},
			want: commerce.ConsignmentTransaction{OrderNumber: "1234", Kind: "SALE",
				Items:           []commerce.ConsignmentItem{item("GFFY72", "54", 1, false), item("AD4J56", "12.99", 2, false)},
				NonTaxableTotal: cents(7998), TaxableTotal: cents(0), Tax: cents(0)},
			wire: &Transaction{OrderNumber: "1234", Type: Sale, NonTaxableSaleTotal: 7998,
				Items: []Item{{"GFFY72", 5400, 1}, {"AD4J56", 1299, 2}}},
		},
		{
			name: "the spec's return",
			kind: commerce.ConsignmentReturn,
			in:   commerce.ConsignmentInput{OrderNumber: "1234", Items: []commerce.ConsignmentItem{item("AD4J56", "12.99", 2, false)}},
			want: commerce.ConsignmentTransaction{OrderNumber: "1234", Kind: "RETURN",
				Items:           []commerce.ConsignmentItem{item("AD4J56", "12.99", 2, false)},
				NonTaxableTotal: cents(2598), TaxableTotal: cents(0), Tax: cents(0)},
			wire: &Transaction{OrderNumber: "1234", Type: Return, NonTaxableSaleTotal: 2598, Items: []Item{{"AD4J56", 1299, 2}}},
		},
		{
			name: "one SKU on two lines becomes one line with the summed quantity",
			in: commerce.ConsignmentInput{OrderNumber: "SO-1", Items: []commerce.ConsignmentItem{
				item("ABC", "10.00", 1, false), item("GFFY72", "54.00", 1, false), item(" ABC ", "10", 2, false)}},
			want: commerce.ConsignmentTransaction{OrderNumber: "SO-1", Kind: "SALE",
				Items:           []commerce.ConsignmentItem{item("ABC", "10", 3, false), item("GFFY72", "54", 1, false)},
				NonTaxableTotal: cents(8400), TaxableTotal: cents(0), Tax: cents(0)},
			wire: &Transaction{OrderNumber: "SO-1", Type: Sale, NonTaxableSaleTotal: 8400,
				Items: []Item{{"ABC", 1000, 3}, {"GFFY72", 5400, 1}}},
		},
		{
			name: "exact cents: 42.42 is 4242",
			in:   commerce.ConsignmentInput{OrderNumber: "SO-2", Items: []commerce.ConsignmentItem{item("A", "42.42", 1, false), item("B", "0.10", 3, false)}},
			want: commerce.ConsignmentTransaction{OrderNumber: "SO-2", Kind: "SALE",
				Items:           []commerce.ConsignmentItem{item("A", "42.42", 1, false), item("B", "0.1", 3, false)},
				NonTaxableTotal: cents(4272), TaxableTotal: cents(0), Tax: cents(0)},
			wire: &Transaction{OrderNumber: "SO-2", Type: Sale, NonTaxableSaleTotal: 4272, Items: []Item{{"A", 4242, 1}, {"B", 10, 3}}},
		},
		{
			name: "subtotals from the taxable flags",
			in: commerce.ConsignmentInput{OrderNumber: "SO-3", Tax: d("1.60"), Items: []commerce.ConsignmentItem{
				item("T", "10.00", 2, true), item("N", "5.50", 1, false), item("T2", "0.05", 1, true)}},
			want: commerce.ConsignmentTransaction{OrderNumber: "SO-3", Kind: "SALE",
				Items:           []commerce.ConsignmentItem{item("T", "10", 2, true), item("N", "5.5", 1, false), item("T2", "0.05", 1, true)},
				NonTaxableTotal: cents(550), TaxableTotal: cents(2005), Tax: cents(160)},
			wire: &Transaction{OrderNumber: "SO-3", Type: Sale, NonTaxableSaleTotal: 550, TaxableSaleTotal: 2005, Tax: 160,
				Items: []Item{{"T", 1000, 2}, {"N", 550, 1}, {"T2", 5, 1}}},
		},
		{
			name: "a free item rides along; spaces around the order number go",
			in:   commerce.ConsignmentInput{OrderNumber: "  SO-4 ", Items: []commerce.ConsignmentItem{item("A", "5.00", 1, false), item("FREE", "0", 1, false)}},
			want: commerce.ConsignmentTransaction{OrderNumber: "SO-4", Kind: "SALE",
				Items:           []commerce.ConsignmentItem{item("A", "5", 1, false), item("FREE", "0", 1, false)},
				NonTaxableTotal: cents(500), TaxableTotal: cents(0), Tax: cents(0)},
			wire: &Transaction{OrderNumber: "SO-4", Type: Sale, NonTaxableSaleTotal: 500, Items: []Item{{"A", 500, 1}, {"FREE", 0, 1}}},
		},
		{
			name: "order number of the longest length",
			in:   commerce.ConsignmentInput{OrderNumber: long, Items: []commerce.ConsignmentItem{item("A", "1", 1, false)}},
			want: commerce.ConsignmentTransaction{OrderNumber: long, Kind: "SALE",
				Items:           []commerce.ConsignmentItem{item("A", "1", 1, false)},
				NonTaxableTotal: cents(100), TaxableTotal: cents(0), Tax: cents(0)},
		},
		{
			name: "the same SKU at two prices",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{item("A", "12.99", 1, false), item("B", "1", 1, false), item("A", "13.00", 1, false)}},
			errs: []commerce.UserError{ue("SKU_PRICE_CONFLICT", "items", "2", "unitPrice")},
		},
		{
			name: "the same SKU taxable on one line only",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Tax: d("1"), Items: []commerce.ConsignmentItem{item("A", "12.99", 1, true), item("A", "12.99", 1, false)}},
			errs: []commerce.UserError{ue("SKU_PRICE_CONFLICT", "items", "1", "taxable")},
		},
		{
			name: "sub-cent unit price",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{item("A", "12.345", 1, false)}},
			errs: []commerce.UserError{ue("SUB_UNIT_AMOUNT", "items", "0", "unitPrice")},
		},
		{
			name: "sub-cent tax",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Tax: d("0.005"), Items: []commerce.ConsignmentItem{item("A", "12.34", 1, true)}},
			errs: []commerce.UserError{ue("SUB_UNIT_AMOUNT", "tax")},
		},
		{
			name: "tax without taxable items",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Tax: d("1.00"), Items: []commerce.ConsignmentItem{item("A", "10", 1, false)}},
			errs: []commerce.UserError{ue("TAX_WITHOUT_TAXABLE", "tax")},
		},
		{
			name: "taxable items without tax",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{item("A", "10", 1, true)}},
			errs: []commerce.UserError{ue("TAXABLE_WITHOUT_TAX", "tax")},
		},
		{
			name: "taxable items at price zero need no tax",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{item("A", "10", 1, false), item("B", "0", 1, true)}},
			want: commerce.ConsignmentTransaction{OrderNumber: "1", Kind: "SALE",
				Items:           []commerce.ConsignmentItem{item("A", "10", 1, false), item("B", "0", 1, true)},
				NonTaxableTotal: cents(1000), TaxableTotal: cents(0), Tax: cents(0)},
		},
		{
			name: "zero total",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{item("A", "0.00", 2, false), item("B", "0", 1, true)}},
			errs: []commerce.UserError{ue("ZERO_TOTAL", "items")},
		},
		{
			name: "zero total with tax",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Tax: d("1"), Items: []commerce.ConsignmentItem{item("A", "0", 1, false)}},
			errs: []commerce.UserError{ue("ZERO_TOTAL", "items"), ue("TAX_WITHOUT_TAXABLE", "tax")},
		},
		{
			name: "currency mismatch",
			in: commerce.ConsignmentInput{OrderNumber: "1", Tax: eur("1"), Items: []commerce.ConsignmentItem{
				{SKU: "A", UnitPrice: eur("10"), Quantity: 1, Taxable: true}}},
			errs: []commerce.UserError{ue("CURRENCY_MISMATCH", "items", "0", "unitPrice"), ue("CURRENCY_MISMATCH", "tax")},
		},
		{
			name: "order number with a space or beyond ASCII",
			in:   commerce.ConsignmentInput{OrderNumber: "SO 1", Items: []commerce.ConsignmentItem{item("A", "1", 1, false)}},
			errs: []commerce.UserError{ue("INVALID", "orderNumber")},
		},
		{
			name: "order number beyond ASCII",
			in:   commerce.ConsignmentInput{OrderNumber: "Nº1", Items: []commerce.ConsignmentItem{item("A", "1", 1, false)}},
			errs: []commerce.UserError{ue("INVALID", "orderNumber")},
		},
		{
			name: "required fields",
			in:   commerce.ConsignmentInput{OrderNumber: "   ", Items: []commerce.ConsignmentItem{{SKU: " ", Quantity: 1}}},
			errs: []commerce.UserError{ue("REQUIRED", "orderNumber"), ue("REQUIRED", "items", "0", "sku"), ue("REQUIRED", "items", "0", "unitPrice")},
		},
		{
			name: "no items",
			in:   commerce.ConsignmentInput{OrderNumber: "1"},
			errs: []commerce.UserError{ue("REQUIRED", "items")},
		},
		{
			name: "too many items",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: many},
			errs: []commerce.UserError{ue("TOO_LONG", "items")},
		},
		{
			name: "too long and control characters",
			in: commerce.ConsignmentInput{OrderNumber: long + "y", Items: []commerce.ConsignmentItem{
				item(strings.Repeat("S", MaxSKULength+1), "1", 1, false), item("A\x00B", "1", 1, false)}},
			errs: []commerce.UserError{ue("TOO_LONG", "orderNumber"), ue("TOO_LONG", "items", "0", "sku"), ue("INVALID", "items", "1", "sku")},
		},
		{
			name: "quantities and prices out of bounds",
			in: commerce.ConsignmentInput{OrderNumber: "1", Tax: d("-1"), Items: []commerce.ConsignmentItem{
				item("A", "1", 0, false), item("B", "1", -2, false), item("C", "-0.01", 1, false)}},
			errs: []commerce.UserError{ue("INVALID", "items", "0", "quantity"), ue("INVALID", "items", "1", "quantity"),
				ue("INVALID", "items", "2", "unitPrice"), ue("INVALID", "tax")},
		},
		{
			name: "cents beyond 2^53-1",
			in: commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{
				item("A", "90071992547409.92", 1, false), item("B", "1e30", 1, false)}},
			errs: []commerce.UserError{ue("INVALID", "items", "0", "unitPrice"), ue("INVALID", "items", "1", "unitPrice")},
		},
		{
			name: "price × quantity beyond 2^53-1",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{item("A", "90071992547409.91", 2, false)}},
			errs: []commerce.UserError{ue("INVALID", "items", "0", "quantity")},
		},
		{
			name: "subtotal beyond 2^53-1",
			in: commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{
				item("A", "90071992547409.91", 1, false), item("B", "0.01", 1, false)}},
			errs: []commerce.UserError{ue("INVALID", "items")},
		},
		{
			name: "unknown kind",
			kind: "EXCHANGE",
			in:   commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{item("A", "1", 1, false)}},
			errs: []commerce.UserError{ue("INVALID")},
		},
	}
	svc := NewService(nil, usd)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kind := tt.kind
			if kind == "" {
				kind = commerce.ConsignmentSale
			}
			got, errs := svc.Prepare(tt.in, kind)
			if diff := cmp.Diff(tt.errs, errs, ignoreMessage, cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("Prepare user errors mismatch (-want +got):\n%s", diff)
			}
			for _, e := range errs {
				if e.Message == "" {
					t.Errorf("user error %+v has no message", e)
				}
			}
			if tt.errs != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got, moneyEqual); diff != "" {
				t.Errorf("Prepare mismatch (-want +got):\n%s", diff)
			}
			wire, err := svc.toTransaction(got)
			if err != nil {
				t.Fatalf("toTransaction(Prepare(…)) = %v", err)
			}
			if tt.wire != nil {
				if diff := cmp.Diff(tt.wire, wire); diff != "" {
					t.Errorf("wire transaction mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestPrepareMessages(t *testing.T) {
	svc := NewService(nil, usd)
	_, errs := svc.Prepare(commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{
		{SKU: "A", UnitPrice: dollars(t, "12.345"), Quantity: 1}}}, commerce.ConsignmentSale)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "12.345 USD") {
		t.Errorf("Prepare(12.345 USD) = %+v, want one error naming the amount", errs)
	}
}

// TestPrepareOtherCurrency: a location keeping its books in JPY sends yen.
func TestPrepareOtherCurrency(t *testing.T) {
	jpy := money.MustCurrency("JPY")
	svc := NewService(nil, jpy)
	price, _ := money.Parse("2400", "JPY")
	tx, errs := svc.Prepare(commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{
		{SKU: "A", UnitPrice: price, Quantity: 2}}}, commerce.ConsignmentSale)
	if len(errs) > 0 {
		t.Fatalf("Prepare = %+v", errs)
	}
	wire, err := svc.toTransaction(tx)
	if err != nil || wire.NonTaxableSaleTotal != 4800 || wire.Items[0].Price != 2400 {
		t.Errorf("toTransaction = %+v, %v, want 4800 yen", wire, err)
	}
	if svc.Currency() != jpy {
		t.Errorf("Currency() = %v, want JPY", svc.Currency())
	}
	if NewService(nil, money.Currency{}).Currency() != usd {
		t.Error("NewService with no currency: want USD")
	}
}

// TestSubUnitSendsNothing: 12.345 USD is refused and nothing reaches the
// service, whether through Prepare or a hand-made transaction.
func TestSubUnitSendsNothing(t *testing.T) {
	c, mux, _ := setup(t)
	n := answer(mux, http.StatusOK, `{"success": true}`)
	svc := NewService(c, usd)
	in := commerce.ConsignmentInput{OrderNumber: "1", Items: []commerce.ConsignmentItem{
		{SKU: "A", UnitPrice: dollars(t, "12.345"), Quantity: 1}}}
	if _, errs := svc.Prepare(in, commerce.ConsignmentSale); len(errs) != 1 || errs[0].Code != "SUB_UNIT_AMOUNT" {
		t.Fatalf("Prepare = %+v, want SUB_UNIT_AMOUNT", errs)
	}
	handMade := commerce.ConsignmentTransaction{OrderNumber: "1", Kind: commerce.ConsignmentSale,
		Items:           []commerce.ConsignmentItem{{SKU: "A", UnitPrice: dollars(t, "12.345"), Quantity: 1}},
		NonTaxableTotal: dollars(t, "12.345"), TaxableTotal: cents(0), Tax: cents(0)}
	err := svc.Record(context.Background(), handMade)
	if commerce.CodeOf(err) != commerce.CodeInternal || !errors.Is(err, money.ErrSubUnit) {
		t.Errorf("Record(12.345 USD) = %v, want INTERNAL wrapping ErrSubUnit", err)
	}
	if n.count() != 0 {
		t.Errorf("requests = %d, want 0", n.count())
	}
}

// TestRecordUnprepared: Record refuses what Prepare would not make.
func TestRecordUnprepared(t *testing.T) {
	c, mux, _ := setup(t)
	n := answer(mux, http.StatusOK, `{"success": true}`)
	svc := NewService(c, usd)
	good := saleTx(t)
	mutate := []func(*commerce.ConsignmentTransaction){
		func(tx *commerce.ConsignmentTransaction) { tx.Kind = "EXCHANGE" },
		func(tx *commerce.ConsignmentTransaction) { tx.OrderNumber = "" },
		func(tx *commerce.ConsignmentTransaction) { tx.Items = nil },
		func(tx *commerce.ConsignmentTransaction) { tx.Items = append(tx.Items, tx.Items[0]) },
		func(tx *commerce.ConsignmentTransaction) { tx.NonTaxableTotal = cents(1) },
		func(tx *commerce.ConsignmentTransaction) { m, _ := money.Parse("1", "EUR"); tx.Tax = m },
		func(tx *commerce.ConsignmentTransaction) { tx.Items[0].Quantity = 0 },
	}
	for i, f := range mutate {
		tx := good
		tx.Items = append([]commerce.ConsignmentItem(nil), good.Items...)
		f(&tx)
		if err := svc.Record(context.Background(), tx); commerce.CodeOf(err) != commerce.CodeInternal {
			t.Errorf("Record(mutation %d) = %v, want INTERNAL", i, err)
		}
	}
	if n.count() != 0 {
		t.Errorf("requests = %d, want 0", n.count())
	}
	if err := svc.Record(context.Background(), good); err != nil {
		t.Errorf("Record(prepared) = %v", err)
	}
	if got := n.last(t)["nonTaxableSaleTotal"]; got != json.Number("7998") {
		t.Errorf("sent nonTaxableSaleTotal %v, want 7998", got)
	}
}
