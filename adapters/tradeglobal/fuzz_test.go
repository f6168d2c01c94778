package tradeglobal

import (
	"testing"
)

// Decoding whatever a server sends never panics, and an answer read as
// SUCCESS always maps to a quote.
func FuzzDecodeOrderResponse(f *testing.F) {
	f.Add(readFile(f, "spec_response.json"))
	f.Add([]byte(`{"Status":"FAILED","ErrorMessage":"Order with MerchantOrderID 'TG0000015' already exists.","Quote":null,"Cart":null}`))
	f.Add([]byte(`{"Status":"SUCCESS"}`))
	f.Add([]byte(`{"Status":"SUCCESS","Quote":{"TotalCost":"1e30","ImportField":{"Fee":[{"Amount":-0.000000000000000000000000000001}],"Discount":[{"Amount":"2"}]}}}`))
	f.Add([]byte(`{"Status":"SUCCESS","Quote":{"TotalCost":1e999999999}}`))
	f.Add([]byte(`{"Status":"SUCCESS","Cart":{"Products":[{"Quantity":1.5}]},"TimeStamp":12}`))
	f.Add([]byte(`{"Status":"SUCCESS","Quote":{"ShippingField":{"Discount":[null,{}],"Fee":null,"Total":null}}}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"Status":"SUCCESS"} {"Status":"FAILED"}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeOrderResponse(body)
		if err != nil {
			return
		}
		if r == nil {
			t.Fatal("nil response without an error")
		}
		if r.Succeeded() && r.Failed() {
			t.Fatal("both SUCCESS and FAILED")
		}
		if r.Succeeded() {
			q := toQuote(r.Quote, usd)
			_ = viewQuote(q)
		}
	})
}
