package tradeglobal

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
)

const (
	// baseURLPath is where the test server mounts the API, so tests also
	// check that the client appends the documented path to the base URL.
	baseURLPath  = "/tgc"
	testMerchant = "TGCSANDBOX"
	testAuth     = "Basic VEdDU0FOREJPWDpzM2NyM3Q="
	orderRoute   = "/" + OrderPath
)

// setup starts an httptest server with a mux mounted at baseURLPath and a
// client pointed at it (merchant code TGCSANDBOX; extra options after).
// Any request the test did not register a handler for fails the test.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request: %s %s", r.Method, r.URL)
		http.Error(w, "unexpected request", http.StatusTeapot)
	})
	api := http.NewServeMux()
	api.Handle(baseURLPath+"/", http.StripPrefix(baseURLPath, mux))
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL: %s %s", r.Method, r.URL)
		http.Error(w, "outside the base URL", http.StatusTeapot)
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+baseURLPath, append([]Option{WithMerchantCode(testMerchant)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, mux
}

// answer registers a handler for the order route that checks the method
// and answers status with body and the extra headers.
func answer(t *testing.T, mux *http.ServeMux, status int, body string, header ...string) *atomic.Int32 {
	t.Helper()
	calls := new(atomic.Int32)
	mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
	return calls
}

// hangUp registers a handler that closes the connection without answering.
func hangUp(t *testing.T, mux *http.ServeMux) {
	mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		_ = conn.Close()
	})
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func dp(s string) *decimal.Decimal { v := d(s); return &v }

func dec(s string) *Decimal { v := MustDecimal(s); return &v }

// specInput is the spec's example request as the gateway's input.
func specInput() commerce.InternationalOrderInput {
	return commerce.InternationalOrderInput{
		MerchantOrderID: "TG0000015",
		ServiceCode:     "GMDDP",
		ShipTo: commerce.ShipTo{
			FirstName: "Bryan", LastName: "Testcase", Address1: "123 Main Street", City: "Toronto",
			StateProvince: "ON", Postal: "M5S 2A2", Country: "CA", Phone: "555555555", Email: "test@tgc.com",
		},
		Products: []commerce.InternationalProduct{{
			SKU: "TGSAND_TestSKU123", Quantity: 1, UnitPrice: d("26.99"),
			Description: "Test SKU", HarmonizedTariffCode: "620441", CountryOfOrigin: "CN",
			Length: dp("3"), Width: dp("6"), Height: dp("9"), SizeUOM: "IN",
			Weight: dp("0.75"), WeightUOM: "LBS", CommercialInvoiceDescription: "A Test Description",
		}},
	}
}

// specRequest is the spec's example request as an OrderRequest.
func specRequest() *OrderRequest {
	return &OrderRequest{
		MerchantCode:    "TGCSANDBOX",
		MerchantOrderID: "TG0000015",
		ServiceCode:     "GMDDP",
		Cart: Cart{
			Products: []Product{{
				SKU: "TGSAND_TestSKU123", Quantity: 1, UnitPrice: MustDecimal("26.99"),
				Description: "Test SKU", HarmonizedTariffCode: "620441", CountryOfOrigin: "CN",
				Length: dec("3"), Width: dec("6"), Height: dec("9"), SizeUOM: "IN",
				Weight: dec("0.75"), WeightUOM: "LBS", CommercialInvoiceDescription: "A Test Description",
			}},
			ShipToAddress: Address{
				FirstName: "Bryan", LastName: "Testcase", Address1: "123 Main Street", City: "Toronto",
				StateProvince: "ON", Postal: "M5S 2A2", Country: "CA", Phone: "555555555", Email: "test@tgc.com",
			},
		},
	}
}

// cmpOpts compares Decimals by value and text, Timestamps by instant and offset.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b Decimal) bool { return a.Value().Equal(b.Value()) && a.String() == b.String() }),
	cmp.Comparer(func(a, b Timestamp) bool { return a.Equal(b.Time) && a.Format("-07:00") == b.Format("-07:00") }),
}
