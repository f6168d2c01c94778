package tradeglobal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/ratelimit"
)

// specRequestBody is what PlaceOrder sends for the spec's example: its keys
// in its order, amounts as bare numbers with exactly their digits, and
// PassingFreightCost false. (The spec writes "Name": null; an absent name is
// left out instead, which the service reads the same.)
const specRequestBody = `{"MerchantCode":"TGCSANDBOX","MerchantOrderID":"TG0000015","ServiceCode":"GMDDP","PassingFreightCost":false,` +
	`"Cart":{"Products":[{"SKU":"TGSAND_TestSKU123","Quantity":1,"UnitPrice":26.99,"Description":"Test SKU",` +
	`"HarmonizedTariffCode":"620441","CountryOfOrigin":"CN","Length":3,"Width":6,"Height":9,"SizeUOM":"IN","Weight":0.75,` +
	`"WeightUOM":"LBS","CommercialInvoiceDescription":"A Test Description"}],"ShipToAddress":{"FirstName":"Bryan",` +
	`"LastName":"Testcase","Address1":"123 Main Street","City":"Toronto","StateProvince":"ON","Postal":"M5S 2A2",` +
	`"Country":"CA","Phone":"555555555","Email":"test@tgc.com"}}}`

func TestPlaceOrderRequest(t *testing.T) {
	c, mux := setup(t, WithAuthorization(testAuth), WithUserAgent("gateway-test/1"))
	mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		for h, want := range map[string]string{
			"Content-Type": "application/json", "Accept": "application/json",
			"Authorization": testAuth, "User-Agent": "gateway-test/1",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
		body, _ := io.ReadAll(r.Body)
		if string(body) != specRequestBody {
			t.Errorf("body =\n%s\nwant\n%s", body, specRequestBody)
		}
		if !bytes.Contains(body, []byte(`"UnitPrice":26.99`)) {
			t.Errorf("body lacks \"UnitPrice\":26.99: %s", body)
		}
		// The same document as the spec's example, but for the null Name.
		var got, want map[string]any
		_ = json.Unmarshal(body, &got)
		_ = json.Unmarshal(readFile(t, "spec_request.json"), &want)
		delete(want["Cart"].(map[string]any)["Products"].([]any)[0].(map[string]any), "Name")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("body differs from the spec's example (-want +got):\n%s", diff)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(readFile(t, "spec_response.json"))
	})
	if _, _, err := c.PlaceOrder(context.Background(), specRequest()); err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
}

// Decimals leave with exactly their digits, however large or small, and
// strings are not HTML-escaped.
func TestPlaceOrderRequestExactNumbers(t *testing.T) {
	c, mux := setup(t)
	var body []byte
	mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		_, _ = w.Write(readFile(t, "spec_response.json"))
	})
	req := specRequest()
	req.MerchantCode = "" // the client's
	p := &req.Cart.Products[0]
	p.UnitPrice = MustDecimal("1234567890123456.78")
	p.Weight = dec("0.0001")
	p.Length = dec("12.40")
	p.Name = "Tee <M> & co"
	p.Width = nil
	h := NewDecimal(decimal.New(650, -2)) // 6.50, as a commerce input may carry it
	p.Height = &h
	req.Cart.ShipToAddress.Address2 = "Apt 5"
	if _, _, err := c.PlaceOrder(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{`"MerchantCode":"TGCSANDBOX"`, `"UnitPrice":1234567890123456.78,`, `"Weight":0.0001,`,
		`"Length":12.40,`, `"Height":6.50,`, `"Name":"Tee <M> & co"`, `"Address2":"Apt 5"`, `"SizeUOM":"IN"`} {
		if !bytes.Contains(body, []byte(frag)) {
			t.Errorf("body lacks %s: %s", frag, body)
		}
	}
	if bytes.Contains(body, []byte(`"Width"`)) {
		t.Errorf("an absent Width was sent: %s", body)
	}
}

func TestPlaceOrderNoAuthorizationByDefault(t *testing.T) {
	c, mux := setup(t)
	mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Header["Authorization"]; ok {
			t.Errorf("Authorization sent without WithAuthorization: %q", r.Header.Get("Authorization"))
		}
		_, _ = w.Write(readFile(t, "spec_response.json"))
	})
	if _, _, err := c.PlaceOrder(context.Background(), specRequest()); err != nil {
		t.Fatal(err)
	}
}

// The spec's example response, decoded exactly.
func TestPlaceOrderDecodesSpecResponse(t *testing.T) {
	c, mux := setup(t)
	answer(t, mux, 200, string(readFile(t, "spec_response.json")))
	got, resp, err := c.PlaceOrder(context.Background(), specRequest())
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	if resp == nil || resp.StatusCode != 200 {
		t.Fatalf("Response = %+v", resp)
	}
	fee := func(amount, class, typ string) Fee {
		return Fee{Amount: MustDecimal(amount), Classification: class, Type: typ}
	}
	want := &OrderResponse{
		Status:          "SUCCESS",
		TimeStamp:       Timestamp{time.Date(2019, 2, 26, 14, 30, 45, 705512200, time.FixedZone("", -5*3600))},
		MerchantCode:    "TGCSANDBOX",
		MerchantOrderID: "TG0000015",
		ServiceCode:     "GMDDP",
		Quote: &Quote{
			QuoteID: "5e6732c2-cc55-4035-95df-a307b48be7aa",
			CustomsField: QuoteField{Discount: []Discount{}, Total: MustDecimal("0"),
				Fee: []Fee{fee("0", "Custom", "Brokerage"), fee("0", "Custom", "Disbursement")}},
			ImportField: QuoteField{Discount: []Discount{}, Total: MustDecimal("9"),
				Fee: []Fee{fee("4.86", "Import", "Duty"), fee("1.59", "Import", "VAT"), fee("2.55", "Import", "PST")}},
			ServiceField: QuoteField{Discount: []Discount{}, Total: MustDecimal("5"),
				Fee: []Fee{fee("5", "Service", "TransactionFee")}},
			ShippingField: QuoteField{Total: MustDecimal("0"),
				Discount: []Discount{{DiscountAmount: MustDecimal("-12.4"), Classification: "Shipping", Type: "Fixed"}},
				Fee:      []Fee{fee("12.4", "Shipping", "Freight"), fee("0", "Shipping", "FuelSurcharge"), fee("0", "Shipping", "Insurance")}},
			TotalCost: MustDecimal("53.39"),
		},
		Cart: &ResponseCart{
			CartTotal: dec("26.99"),
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
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("decoded response (-want +got):\n%s", diff)
	}
	if !got.Succeeded() || got.Failed() {
		t.Errorf("Succeeded, Failed = %v, %v", got.Succeeded(), got.Failed())
	}
}

// Tolerated variations: amounts in strings, a discount under "Amount", an
// unparsable cart echo, a SUCCESS with a 2xx other than 200, lowercase
// status.
func TestPlaceOrderTolerantDecoding(t *testing.T) {
	c, mux := setup(t)
	answer(t, mux, 201, `{"Status":"success","Quote":{"QuoteID":"q","ImportField":{"Fee":[{"Amount":"4.86","Type":"Duty"}],`+
		`"Discount":[{"Amount":-1.5,"Type":"Promo"}],"Total":"3.36"},"TotalCost":30.35},`+
		`"Cart":{"CartTotal":26.99,"Products":[{"SKU":"X","Quantity":"one"}]},"TimeStamp":"2019-02-26T14:30:45.7055122"}`)
	got, _, err := c.PlaceOrder(context.Background(), specRequest())
	if err != nil {
		t.Fatalf("PlaceOrder: %v", err)
	}
	if got.Cart != nil {
		t.Errorf("Cart = %+v, want nil (it did not decode)", got.Cart)
	}
	q := got.Quote
	if q == nil || q.ImportField.Fee[0].Amount.String() != "4.86" || q.ImportField.Discount[0].DiscountAmount.String() != "-1.5" ||
		q.ImportField.Total.String() != "3.36" || q.TotalCost.String() != "30.35" {
		t.Errorf("Quote = %+v", q)
	}
}

// The answer's Status decides whatever the HTTP status: SUCCESS with a 4xx
// or 5xx is a placed order, its quote decoded.
func TestPlaceOrderSuccessWithHTTPError(t *testing.T) {
	for _, status := range []int{400, 404, 409, 500, 503} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, mux := setup(t)
			calls := answer(t, mux, status, string(readFile(t, "spec_response.json")), "X-Request-Id", "req-5")
			got, resp, err := c.PlaceOrder(context.Background(), specRequest())
			if err != nil {
				t.Fatalf("PlaceOrder with SUCCESS and HTTP %d = %v, want success", status, err)
			}
			if !got.Succeeded() || got.Quote == nil || got.Quote.TotalCost.String() != "53.39" || got.MerchantOrderID != "TG0000015" {
				t.Errorf("answer = %+v", got)
			}
			if resp == nil || resp.StatusCode != status || resp.RequestID != "req-5" {
				t.Errorf("Response = %+v", resp)
			}
			if calls.Load() != 1 {
				t.Errorf("%d requests, want 1", calls.Load())
			}
			// Through the service too: the quote, not an error.
			q, err := NewService(c, usd).PlaceOrder(context.Background(), specInput())
			if err != nil || q.TotalCost.FormatAmount() != "53.39" {
				t.Errorf("Service.PlaceOrder = %+v, %v; want the quote", q, err)
			}
		})
	}
}

func TestPlaceOrderRefused(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantStatus int
		wantMsg    string
		exists     bool
	}{
		{"FAILED with 200", 200, `{"Status":"FAILED","ErrorMessage":"Products[0].UnitPrice must be greater than zero.","Quote":null,"Cart":null}`,
			200, "Products[0].UnitPrice must be greater than zero.", false},
		{"duplicate", 200, `{"Status":"FAILED","ErrorMessage":"Order with MerchantOrderID 'TG0000015' already exists."}`,
			200, "Order with MerchantOrderID 'TG0000015' already exists.", true},
		{"FAILED with 400", 400, `{"Status":"FAILED","ErrorMessage":"Invalid ServiceCode 'X'."}`, 400, "Invalid ServiceCode 'X'.", false},
		{"FAILED with 500", 500, `{"Status":"FAILED","ErrorMessage":"Unable to rate the shipment."}`, 500, "Unable to rate the shipment.", false},
		{"lowercase failed", 200, `{"Status":"failed","ErrorMessage":"no"}`, 200, "no", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux := setup(t)
			answer(t, mux, tt.status, tt.body, "X-Request-Id", "req-7")
			out, resp, err := c.PlaceOrder(context.Background(), specRequest())
			var re *RefusedError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v (%T), want *RefusedError", err, err)
			}
			if re.Message != tt.wantMsg || re.StatusCode != tt.wantStatus || re.RequestID != "req-7" || re.MerchantOrderID != "TG0000015" {
				t.Errorf("RefusedError = %+v", re)
			}
			if re.AlreadyExists() != tt.exists || errors.Is(err, ErrAlreadyExists) != tt.exists {
				t.Errorf("AlreadyExists = %v, errors.Is(ErrAlreadyExists) = %v; want %v", re.AlreadyExists(), errors.Is(err, ErrAlreadyExists), tt.exists)
			}
			if out == nil || resp == nil || re.Response != out {
				t.Errorf("PlaceOrder = %v, %v; want the decoded answer and the response with the error", out, resp)
			}
		})
	}
}

func TestPlaceOrderHTTPErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		header   []string
		sentinel error
		wantMsg  string
		retry    time.Duration
	}{
		{"401 Web API", 401, `{"Message":"Authorization has been denied for this request."}`, nil, ErrUnauthorized,
			"Authorization has been denied for this request.", 0},
		{"403 text", 403, `Forbidden`, []string{"Content-Type", "text/plain"}, ErrForbidden, "Forbidden", 0},
		{"404 HTML", 404, `<html><body>Not Found</body></html>`, []string{"Content-Type", "text/html"}, ErrNotFound, "", 0},
		{"500 Web API", 500, `{"Message":"An error has occurred."}`, nil, ErrServer, "An error has occurred.", 0},
		{"503 HTML", 503, `<HTML><BODY>HTTP Error 503. The service is unavailable.</BODY></HTML>`,
			[]string{"Content-Type", "text/html", "Retry-After", "7"}, ErrServer, "", 7 * time.Second},
		{"415", 415, `{"Message":"The request entity's media type 'text/plain' is not supported for this resource."}`, nil, nil,
			"The request entity's media type 'text/plain' is not supported for this resource.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux := setup(t, WithAuthorization(testAuth))
			calls := answer(t, mux, tt.status, tt.body, append([]string{"X-Request-Id", "req-9"}, tt.header...)...)
			_, resp, err := c.PlaceOrder(context.Background(), specRequest())
			var er *ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("err = %v (%T), want *ErrorResponse", err, err)
			}
			want := &ErrorResponse{Method: "POST", Path: baseURLPath + orderRoute, StatusCode: tt.status, Message: tt.wantMsg,
				RequestID: "req-9", RetryAfter: tt.retry}
			if diff := cmp.Diff(want, er); diff != "" {
				t.Errorf("ErrorResponse (-want +got):\n%s", diff)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.sentinel)
			}
			if resp == nil || resp.StatusCode != tt.status || resp.RequestID != "req-9" {
				t.Errorf("Response = %+v", resp)
			}
			if strings.Contains(err.Error(), "VEdDU0FOREJPWDpzM2NyM3Q") {
				t.Errorf("the error echoes the Authorization value: %v", err)
			}
			if calls.Load() != 1 {
				t.Errorf("%d requests, want 1 (no retries)", calls.Load())
			}
		})
	}
}

// A 429 is found as the one refusal type, with its Retry-After; a 503's
// Retry-After is no refusal of the budget.
func TestRateLimitAnswerIsARefusal(t *testing.T) {
	for _, tt := range []struct {
		status  int
		refusal bool
	}{{429, true}, {503, false}} {
		c, mux := setup(t, WithAuthorization(testAuth))
		answer(t, mux, tt.status, `{"Message":"slow down"}`, "Retry-After", "12")
		_, _, err := c.PlaceOrder(context.Background(), specRequest())
		var r *ratelimit.Refusal
		if got := errors.As(err, &r); got != tt.refusal || (got && r.RetryAfter != 12*time.Second) {
			t.Errorf("HTTP %d: errors.As(%v, *ratelimit.Refusal) = %v (%+v), want %v with RetryAfter 12s", tt.status, err, got, r, tt.refusal)
		}
	}
}

func TestPlaceOrderDecodeErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"HTML", `<html>ok</html>`, "invalid character"},
		{"empty", ``, "EOF"},
		{"unknown status", `{"Status":"PENDING"}`, `unexpected Status "PENDING"`},
		{"no status", `{"Quote":null}`, `unexpected Status ""`},
		{"trailing data", `{"Status":"SUCCESS"} x`, "data after the JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux := setup(t)
			answer(t, mux, 200, tt.body)
			_, _, err := c.PlaceOrder(context.Background(), specRequest())
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v (%T), want a *DecodeError mentioning %q", err, err, tt.want)
			}
		})
	}
}

func TestPlaceOrderNoAnswer(t *testing.T) {
	t.Run("connection closed", func(t *testing.T) {
		c, mux := setup(t)
		hangUp(t, mux)
		_, resp, err := c.PlaceOrder(context.Background(), specRequest())
		var ne *NetworkError
		if !errors.As(err, &ne) || resp != nil {
			t.Fatalf("PlaceOrder = %v, %v (%T); want a *NetworkError and no response", resp, err, err)
		}
		if ne.Method != "POST" || ne.Path != baseURLPath+orderRoute {
			t.Errorf("NetworkError = %+v", ne)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		c, mux := setup(t, WithTimeout(30*time.Millisecond))
		var calls atomic.Int32
		mux.HandleFunc(orderRoute, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			_, _ = io.Copy(io.Discard, r.Body) // the server notices a closed connection only once the body is read
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		_, _, err := c.PlaceOrder(context.Background(), specRequest())
		var ne *NetworkError
		if !errors.As(err, &ne) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v (%T), want a *NetworkError wrapping context.DeadlineExceeded", err, err)
		}
		if calls.Load() != 1 {
			t.Errorf("%d requests, want 1: PlaceOrder never resends", calls.Load())
		}
	})
	t.Run("nil order", func(t *testing.T) {
		c, _ := setup(t)
		if _, _, err := c.PlaceOrder(context.Background(), nil); err == nil {
			t.Error("PlaceOrder(nil) succeeded")
		}
	})
}

func TestRequestIDHeaders(t *testing.T) {
	for _, h := range []string{"X-Request-Id", "Request-Id", "X-Correlation-Id"} {
		t.Run(h, func(t *testing.T) {
			c, mux := setup(t)
			answer(t, mux, 200, string(readFile(t, "spec_response.json")), h, "abc-1")
			_, resp, err := c.PlaceOrder(context.Background(), specRequest())
			if err != nil || resp.RequestID != "abc-1" {
				t.Errorf("RequestID = %q, %v; want abc-1", resp.RequestID, err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		opts    []Option
		wantErr string
		wantURL string
	}{
		{"default", "", nil, "", "https://services.tradeglobal.com/"},
		{"with a path", "http://localhost:9/prefix", nil, "", "http://localhost:9/prefix/"},
		{"relative", "services.tradeglobal.com", nil, "must be an absolute http(s) URL", ""},
		{"ftp", "ftp://x", nil, "must be an absolute http(s) URL", ""},
		{"merchant code too long", "", []Option{WithMerchantCode(strings.Repeat("M", 21))}, "21 characters long; TGC allows 20", ""},
		{"authorization with a newline", "", []Option{WithAuthorization("Basic s3cr3t\r\nX-Evil: 1")}, "line break", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.base, tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New(%q) error = %v, want %q", tt.base, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("the error echoes the Authorization value: %v", err)
				}
				return
			}
			if err != nil || c.BaseURL() != tt.wantURL {
				t.Errorf("New(%q) = %v, %v; want base %s", tt.base, c, err, tt.wantURL)
			}
		})
	}
}

func TestIsAlreadyExistsMessage(t *testing.T) {
	tests := []struct {
		msg, id string
		want    bool
	}{
		{"Order with MerchantOrderID 'TG0000015' already exists.", "TG0000015", true},
		{"MerchantOrderID must be unique", "X", true},
		{"Duplicate MerchantOrderID", "X", true},
		{"Order TG0000015 already exists", "TG0000015", true},
		{"order already exists", "", true},
		{"The merchant order number has already been used.", "", true},
		{"A duplicate order id was submitted", "", true},
		{"Duplicate SKU in cart", "TG1", false},
		{"SKU 'X' already exists with other customs data", "TG1", false},
		{"MerchantOrderID is required.", "", false},
		{"Invalid ServiceCode 'X'.", "X", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := IsAlreadyExistsMessage(tt.msg, tt.id); got != tt.want {
			t.Errorf("IsAlreadyExistsMessage(%q, %q) = %v, want %v", tt.msg, tt.id, got, tt.want)
		}
	}
}
