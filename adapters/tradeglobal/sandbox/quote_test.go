package sandbox_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
)

// quoteView flattens a quote to "Group.Type" → amount text, plus the group
// totals and TotalCost, so a test states every figure.
func quoteView(t *testing.T, body []byte) map[string]string {
	t.Helper()
	ans := decodeObject(t, body)
	if ans["Status"] != "SUCCESS" {
		t.Fatalf("Status = %v (%v)", ans["Status"], ans["ErrorMessage"])
	}
	q := ans["Quote"].(map[string]any)
	out := map[string]string{"TotalCost": q["TotalCost"].(json.Number).String(),
		"CartTotal": ans["Cart"].(map[string]any)["CartTotal"].(json.Number).String()}
	for _, g := range []string{"CustomsField", "ImportField", "ServiceField", "ShippingField"} {
		f := q[g].(map[string]any)
		out[g+".Total"] = f["Total"].(json.Number).String()
		for _, fee := range f["Fee"].([]any) {
			fee := fee.(map[string]any)
			out[fmt.Sprintf("%s.%s", g, fee["Type"])] = fee["Amount"].(json.Number).String()
		}
		for _, d := range f["Discount"].([]any) {
			d := d.(map[string]any)
			out[fmt.Sprintf("%s.Discount.%s", g, d["Type"])] = d["DiscountAmount"].(json.Number).String()
		}
	}
	return out
}

// The documented formula, worked by hand in the package documentation's
// terms.
func TestQuoteFormula(t *testing.T) {
	line := func(sku, qty, price string) map[string]any {
		return map[string]any{"SKU": sku, "Quantity": json.Number(qty), "UnitPrice": json.Number(price)}
	}
	tests := []struct {
		name    string
		service string
		country string
		lines   []any
		want    map[string]string
	}{
		{
			// cart 45; duty 12% = 5.40; VAT 20% of 50.40 = 10.08; actual
			// 3 × 180 g = 1.19 lb, dimensional 3 × 1500 cm³ = 1.98 lb → 2 lb;
			// freight 14 + 2 × 5.50 = 25; fuel 8.5% = 2.125 → 2.13;
			// insurance 1% of 45 = 0.45; brokerage 7.50.
			name: "express, duties paid, to GB", service: "EXPDDP", country: "GB",
			lines: []any{line("TGSAND_TEE-M", "3", "15")},
			want: map[string]string{
				"CartTotal": "45", "TotalCost": "100.56",
				"CustomsField.Brokerage": "7.5", "CustomsField.Disbursement": "0", "CustomsField.Total": "7.5",
				"ImportField.Duty": "5.4", "ImportField.VAT": "10.08", "ImportField.PST": "0", "ImportField.Total": "15.48",
				"ServiceField.TransactionFee": "5", "ServiceField.Total": "5",
				"ShippingField.Freight": "25", "ShippingField.FuelSurcharge": "2.13", "ShippingField.Insurance": "0.45",
				"ShippingField.Total": "27.58",
			},
		},
		{
			// DDU: no import charges in the quote. 0.2 kg = 0.44 lb → 1 lb.
			name: "global mail, duties unpaid, to JP", service: "GMDDU", country: "JP",
			lines: []any{line("TGSAND_WATCH-1", "1", "199.99")},
			want: map[string]string{
				"CartTotal": "199.99", "TotalCost": "214.39",
				"CustomsField.Brokerage": "0", "CustomsField.Disbursement": "0", "CustomsField.Total": "0",
				"ImportField.Duty": "0", "ImportField.VAT": "0", "ImportField.PST": "0", "ImportField.Total": "0",
				"ServiceField.TransactionFee": "5", "ServiceField.Total": "5",
				"ShippingField.Freight": "9.4", "ShippingField.FuelSurcharge": "0", "ShippingField.Insurance": "0",
				"ShippingField.Total": "9.4",
			},
		},
		{
			// cart 107.96; duty 12% = 12.9552 → 12.96; VAT 19% of 120.92 =
			// 22.9748 → 22.97; dimensional 4 × 162 in³ / 139 = 4.66 → 5 lb;
			// freight 6.40 + 15 = 21.40; the fixed discount 12.40 leaves 9.
			name: "global mail, duties paid, heavier, to DE", service: "GMDDP", country: "DE",
			lines: []any{line("TGSAND_TestSKU123", "4", "26.99")},
			want: map[string]string{
				"CartTotal": "107.96", "TotalCost": "170.29",
				"CustomsField.Brokerage": "0", "CustomsField.Disbursement": "0", "CustomsField.Total": "0",
				"ImportField.Duty": "12.96", "ImportField.VAT": "22.97", "ImportField.PST": "0", "ImportField.Total": "35.93",
				"ServiceField.TransactionFee": "5", "ServiceField.Total": "5",
				"ShippingField.Freight": "21.4", "ShippingField.FuelSurcharge": "0", "ShippingField.Insurance": "0",
				"ShippingField.Discount.Fixed": "-12.4", "ShippingField.Total": "9",
			},
		},
		{
			// A country not in the table: duty 10%, VAT 15%. The discount is
			// capped at the shipping fees (9.40).
			name: "default rates, discount capped", service: "GMDDP", country: "BR",
			lines: []any{line("TGSAND_MUG-01", "1", "9.99")},
			want: map[string]string{
				"CartTotal": "9.99", "TotalCost": "27.04",
				"CustomsField.Brokerage": "0", "CustomsField.Disbursement": "0", "CustomsField.Total": "0",
				"ImportField.Duty": "1", "ImportField.VAT": "1.65", "ImportField.PST": "0", "ImportField.Total": "2.65",
				"ServiceField.TransactionFee": "5", "ServiceField.Total": "5",
				"ShippingField.Freight": "9.4", "ShippingField.FuelSurcharge": "0", "ShippingField.Insurance": "0",
				"ShippingField.Discount.Fixed": "-9.4", "ShippingField.Total": "0",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := newServer(t, sandbox.Options{})
			m := specRequest(t)
			m["ServiceCode"] = tt.service
			address(m)["Country"] = tt.country
			cart(m)["Products"] = tt.lines
			_, body := post(t, srv, encode(t, m))
			if diff := cmp.Diff(tt.want, quoteView(t, body)); diff != "" {
				t.Errorf("quote (-want +got):\n%s", diff)
			}
		})
	}
}

// The same order gets the same QuoteID; another order another one.
func TestQuoteIDDeterministic(t *testing.T) {
	ids := map[string]string{}
	for _, run := range []string{"a", "b"} {
		sb, srv := newServer(t, sandbox.Options{})
		for _, id := range []string{"MO-1", "MO-2"} {
			m := specRequest(t)
			m["MerchantOrderID"] = id
			post(t, srv, encode(t, m))
			o, ok := sb.Order(id)
			if !ok {
				t.Fatalf("order %s not placed", id)
			}
			if prev, seen := ids[id]; seen && prev != o.QuoteID {
				t.Errorf("run %s: QuoteID(%s) = %s, was %s", run, id, o.QuoteID, prev)
			}
			ids[id] = o.QuoteID
		}
	}
	if ids["MO-1"] == ids["MO-2"] {
		t.Errorf("two orders share QuoteID %s", ids["MO-1"])
	}
}
