package sandbox_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
)

// The spec's example request yields the spec's example response, field by
// field and number by number.
func TestSpecExample(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{})
	status, body := post(t, srv, readFile(t, "spec_request.json"))
	if status != 200 {
		t.Fatalf("status = %d, want 200; body %s", status, body)
	}
	want := decode(t, readFile(t, "spec_response.json"))
	if diff := cmp.Diff(want, decode(t, body)); diff != "" {
		t.Errorf("answer differs from the spec's example response (-want +got):\n%s", diff)
	}
	// Amounts are bare numbers written like the example's.
	for _, frag := range []string{`"Amount":0,`, `"Amount":4.86,`, `"Total":9}`, `"DiscountAmount":-12.4,`,
		`"Amount":12.4,`, `"TotalCost":53.39}`, `"CartTotal":26.99,`, `"Length":3,`, `"Weight":0.75,`,
		`"TimeStamp":"2019-02-26T14:30:45.7055122-05:00"`, `"MiddleName":null`, `"Discount":[]`} {
		if !strings.Contains(string(body), frag) {
			t.Errorf("answer lacks %s: %s", frag, body)
		}
	}
	o, ok := sb.Order("TG0000015")
	if !ok {
		t.Fatal("Order(TG0000015) not found after SUCCESS")
	}
	got := sandbox.Order{MerchantCode: o.MerchantCode, MerchantOrderID: o.MerchantOrderID, ServiceCode: o.ServiceCode,
		QuoteID: o.QuoteID, CartTotal: o.CartTotal, TotalCost: o.TotalCost, ChargeableWeight: o.ChargeableWeight, PlacedAt: o.PlacedAt}
	wantOrder := sandbox.Order{MerchantCode: "TGCSANDBOX", MerchantOrderID: "TG0000015", ServiceCode: "GMDDP",
		QuoteID: "5e6732c2-cc55-4035-95df-a307b48be7aa", CartTotal: "26.99", TotalCost: "53.39", ChargeableWeight: "2", PlacedAt: specTime}
	if diff := cmp.Diff(wantOrder, got); diff != "" {
		t.Errorf("Order (-want +got):\n%s", diff)
	}
	if string(o.Response) != string(body) {
		t.Errorf("Order.Response = %s, want the answer sent %s", o.Response, body)
	}
}

// The same request with a blank Name and MerchantStyle keys, different key
// case and extra keys: .NET binds keys case-insensitively and ignores
// unknown ones.
func TestSpecExampleKeyCase(t *testing.T) {
	_, srv := newServer(t, sandbox.Options{})
	body := strings.NewReplacer(`"MerchantOrderID"`, `"merchantOrderId"`, `"UnitPrice"`, `"unitprice"`).
		Replace(string(readFile(t, "spec_request.json")))
	body = strings.Replace(body, `"PassingFreightCost" : false,`, `"PassingFreightCost" : false, "Unknown": [1,2],`, 1)
	status, got := post(t, srv, []byte(body))
	if status != 200 {
		t.Fatalf("status = %d", status)
	}
	m := decodeObject(t, got)
	if m["Status"] != "SUCCESS" {
		t.Fatalf("Status = %v, want SUCCESS: %s", m["Status"], got)
	}
	q := m["Quote"].(map[string]any)
	if q["TotalCost"].(interface{ String() string }).String() != "53.39" {
		t.Errorf("TotalCost = %v, want 53.39", q["TotalCost"])
	}
}
