package simpleconsign

import (
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
	"github.com/shopspring/decimal"
)

// FuzzDecodeResult: decoding any answer never panics; a decoded success
// carries no message, and the message of a failure always classifies.
func FuzzDecodeResult(f *testing.F) {
	for _, s := range []string{
		`{"success": true}`, `{"success": false, "error": "could not find item with SKU"}`,
		`{"success":"false","message":"x"}`, `{"error":{"code":1}}`, `{"success":1}`, `null`, `[]`, ``,
		"\ufeff{\"success\":true}", `{"success": true}{}`, `{"success": tru`, `{"SUCCESS":false,"ERROR":"invalid API key"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := decodeResult(body)
		if err != nil {
			return
		}
		if res.success && res.message != "" {
			t.Errorf("decodeResult(%q) = success with message %q", body, res.message)
		}
		if !res.success {
			_ = Classify(res.message)
		}
	})
}

// FuzzClassify: classifying never panics, and text after a documented
// message (a SKU, an order number) does not change its code unless that
// text holds a documented message itself.
func FuzzClassify(f *testing.F) {
	f.Add("could not find item with SKU", "GFFY72")
	f.Add("taxableSaleTotal is zero, but tax was collected", "")
	f.Add("", "x")
	f.Fuzz(func(t *testing.T, msg, suffix string) {
		_ = Classify(msg)
		if Classify(suffix) != CodeRejected {
			return
		}
		for _, m := range messages {
			if got := Classify(m.phrase + " " + suffix); got != m.code {
				t.Errorf("Classify(%q) = %s, want %s", m.phrase+" "+suffix, got, m.code)
			}
		}
	})
}

// FuzzPrepare: Prepare never panics; when it succeeds, the subtotals are
// the items' sum, the total is subtotals plus tax, the cents round-trip
// exactly, and every unit of every SKU is still there.
func FuzzPrepare(f *testing.F) {
	f.Add("1234", "GFFY72", "54.00", 1, false, "AD4J56", "12.99", 2, false, "0")
	f.Add("SO-1", "A", "10", 1, true, "A", "10.00", 2, true, "1.60")
	f.Add("x", "A", "12.345", 1, false, "B", "1", 1, false, "0")
	f.Add("x", "A", "90071992547409.91", 1, false, "B", "0.01", 1, true, "0.01")
	f.Add("", "", "-1", 0, false, "B", "1e30", -5, true, "-0.5")
	f.Fuzz(func(t *testing.T, order, sku1, price1 string, qty1 int, tax1 bool, sku2, price2 string, qty2 int, tax2 bool, taxS string) {
		usd := money.MustCurrency("USD")
		parse := func(s string) money.Money {
			m, err := money.Parse(s, "USD")
			if err != nil {
				return money.Money{}
			}
			return m
		}
		in := commerce.ConsignmentInput{OrderNumber: order, Tax: parse(taxS), Items: []commerce.ConsignmentItem{
			{SKU: sku1, UnitPrice: parse(price1), Quantity: qty1, Taxable: tax1},
			{SKU: sku2, UnitPrice: parse(price2), Quantity: qty2, Taxable: tax2},
		}}
		svc := NewService(nil, usd)
		tx, errs := svc.Prepare(in, commerce.ConsignmentSale)
		if len(errs) > 0 {
			for _, e := range errs {
				if e.Code == "" || e.Message == "" {
					t.Errorf("user error without code or message: %+v", e)
				}
			}
			return
		}
		// Subtotals are the items' sums, by taxable flag.
		taxable, nonTaxable := money.FromMinorUnits(0, usd), money.FromMinorUnits(0, usd)
		units := map[string]int{}
		for _, it := range tx.Items {
			line := it.UnitPrice.Mul(decimal.NewFromInt(int64(it.Quantity)))
			var err error
			if it.Taxable {
				taxable, err = taxable.Add(line)
			} else {
				nonTaxable, err = nonTaxable.Add(line)
			}
			if err != nil {
				t.Fatal(err)
			}
			units[it.SKU] += it.Quantity
		}
		if !taxable.Equal(tx.TaxableTotal) || !nonTaxable.Equal(tx.NonTaxableTotal) {
			t.Errorf("subtotals %s + %s, want the items' %s + %s", tx.TaxableTotal, tx.NonTaxableTotal, taxable, nonTaxable)
		}
		sum, err := money.Sum(usd, tx.NonTaxableTotal, tx.TaxableTotal, tx.Tax)
		if err != nil || !sum.Equal(tx.Total()) {
			t.Errorf("Total() = %s, want subtotals + tax = %s (%v)", tx.Total(), sum, err)
		}
		// Every unit is there, consolidated.
		inUnits := map[string]int{}
		for _, it := range in.Items {
			inUnits[strings.TrimSpace(it.SKU)] += it.Quantity
		}
		if len(inUnits) != len(units) {
			t.Errorf("SKUs %v, want %v", units, inUnits)
		}
		for k, v := range inUnits {
			if units[k] != v {
				t.Errorf("SKU %q: %d units, want %d", k, units[k], v)
			}
		}
		// The cents round-trip exactly.
		wire, err := svc.toTransaction(tx)
		if err != nil {
			t.Fatalf("toTransaction(Prepare(…)) = %v", err)
		}
		back := map[string]money.Money{
			"nonTaxable": money.FromMinorUnits(wire.NonTaxableSaleTotal, usd),
			"taxable":    money.FromMinorUnits(wire.TaxableSaleTotal, usd),
			"tax":        money.FromMinorUnits(wire.Tax, usd),
		}
		for name, want := range map[string]money.Money{"nonTaxable": tx.NonTaxableTotal, "taxable": tx.TaxableTotal, "tax": tx.Tax} {
			if !back[name].Equal(want) {
				t.Errorf("%s: %s → cents → %s", name, want, back[name])
			}
		}
		for i, it := range in.Items {
			c, err := it.UnitPrice.MinorUnits()
			if err != nil || !money.FromMinorUnits(c, usd).Equal(it.UnitPrice) {
				t.Errorf("item %d: %s does not round-trip through cents (%v)", i, it.UnitPrice, err)
			}
		}
		if wire.NonTaxableSaleTotal+wire.TaxableSaleTotal == 0 {
			t.Error("a prepared transaction totals zero")
		}
	})
}
