package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
)

// specTime is the TimeStamp of the spec's example response.
var specTime = time.Date(2019, 2, 26, 14, 30, 45, 705512200, time.FixedZone("EST", -5*3600))

func newServer(t *testing.T, opts sandbox.Options) (*sandbox.Sandbox, *httptest.Server) {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return specTime }
	}
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv
}

// readFile reads one of the spec's examples from the adapter's testdata, the
// one copy the client's tests and the sandbox's share.
func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post sends body to the order endpoint as JSON and returns the status and
// body of the answer.
func post(t *testing.T, srv *httptest.Server, body []byte, header ...string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+sandbox.OrderPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", sandbox.OrderPath, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// decode reads JSON with numbers as json.Number, as a client must.
func decode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m, ok := decode(t, b).(map[string]any)
	if !ok {
		t.Fatalf("not an object: %s", b)
	}
	return m
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// specRequest is the spec's example request as a mutable map.
func specRequest(t *testing.T) map[string]any {
	t.Helper()
	return decodeObject(t, readFile(t, "spec_request.json"))
}

func cart(m map[string]any) map[string]any { return m["Cart"].(map[string]any) }

func product(m map[string]any, i int) map[string]any {
	return cart(m)["Products"].([]any)[i].(map[string]any)
}

func address(m map[string]any) map[string]any { return cart(m)["ShipToAddress"].(map[string]any) }

// newSKU is a product line for a SKU the sandbox has not seen, with all its
// customs data.
func newSKU(sku string) map[string]any {
	return map[string]any{
		"SKU": sku, "Quantity": json.Number("2"), "UnitPrice": json.Number("10.5"), "Name": "Scarf",
		"Description": "Wool scarf", "HarmonizedTariffCode": "611710", "CountryOfOrigin": "IT",
		"Length": json.Number("20"), "Width": json.Number("10"), "Height": json.Number("2"), "SizeUOM": "CM",
		"Weight": json.Number("0.3"), "WeightUOM": "KG", "CommercialInvoiceDescription": "Knitted wool scarf",
	}
}
