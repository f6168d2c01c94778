package tradegecko

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/ratelimit"
)

func TestNew(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", "https://api.tradegecko.com/"},
		{"https://api.tradegecko.com", "https://api.tradegecko.com/"},
		{"https://api.tradegecko.com/", "https://api.tradegecko.com/"},
		{"http://localhost:8081/sandbox", "http://localhost:8081/sandbox/"},
	}
	for _, tt := range tests {
		c, err := New(tt.in)
		if err != nil {
			t.Errorf("New(%q) = %v", tt.in, err)
			continue
		}
		if got := c.BaseURL(); got != tt.want {
			t.Errorf("New(%q).BaseURL() = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{"api.tradegecko.com", "ftp://api.tradegecko.com", "http://", "https://a b/", ":/nope"} {
		if c, err := New(in); err == nil {
			t.Errorf("New(%q) = %v, nil, want an error", in, c.BaseURL())
		}
	}
}

func TestNewRequest(t *testing.T) {
	c, err := New("https://api.example.com/v1", WithUserAgent("test-agent/1"))
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"order": map[string]any{"company_id": 101, "issued_at": "21-02-2018"}}
	req, err := c.NewRequest(context.Background(), http.MethodPost, "/orders", url.Values{"ids": {"1,2"}}, body)
	if err != nil {
		t.Fatalf("NewRequest = %v", err)
	}
	if got, want := req.URL.String(), "https://api.example.com/v1/orders?ids=1,2"; got != want {
		t.Errorf("NewRequest URL = %q, want %q", got, want)
	}
	for h, want := range map[string]string{"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "test-agent/1", "Authorization": ""} {
		if got := req.Header.Get(h); got != want {
			t.Errorf("NewRequest header %s = %q, want %q", h, got, want)
		}
	}
	const wantBody = `{"order":{"company_id":101,"issued_at":"21-02-2018"}}`
	for i := range 2 { // GetBody gives the same bytes every time (retries)
		rc, err := req.GetBody()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		if string(b) != wantBody {
			t.Errorf("NewRequest body (read %d) = %s, want %s", i, b, wantBody)
		}
	}
	if req.ContentLength != int64(len(wantBody)) {
		t.Errorf("NewRequest ContentLength = %d, want %d", req.ContentLength, len(wantBody))
	}

	get, err := c.NewRequest(context.Background(), http.MethodGet, "products/1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := get.URL.String(), "https://api.example.com/v1/products/1"; got != want {
		t.Errorf("NewRequest URL = %q, want %q", got, want)
	}
	if ct := get.Header.Get("Content-Type"); ct != "" {
		t.Errorf("a GET without body has Content-Type %q", ct)
	}
	if _, err := c.NewRequest(context.Background(), http.MethodPost, "orders", nil, map[string]any{"bad": make(chan int)}); err == nil {
		t.Errorf("NewRequest with an unencodable body = nil error")
	}
}

func TestDoAuthenticatesAndIdentifies(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/accounts/current", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testQuery(t, r, nil)
		writeTestdata(t, w, "account.json")
	})
	acct, resp, err := client.Accounts.Current(context.Background())
	if err != nil {
		t.Fatalf("Accounts.Current = %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("Accounts.Current status = %d", resp.StatusCode)
	}
	if acct.Name != "Bob's Burgers" || acct.DefaultCurrencyID != 1 {
		t.Errorf("Accounts.Current = %+v", acct)
	}
}

func TestDoUserAgentAndTokenSource(t *testing.T) {
	var calls atomic.Int64
	ts := tokenSourceFunc(func() (*oauth2.Token, error) {
		n := calls.Add(1)
		return &oauth2.Token{AccessToken: fmt.Sprintf("oauth-%d", n)}, nil
	})
	client, mux, _ := setup(t, WithTokenSource(ts), WithUserAgent("storefront-test"))
	var (
		mu   sync.Mutex
		seen []string
	)
	mux.HandleFunc("/currencies/1", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		testHeader(t, r, "User-Agent", "storefront-test")
		writeTestdata(t, w, "currency.json")
	})
	for range 2 {
		if _, _, err := client.Currencies.Get(context.Background(), 1); err != nil {
			t.Fatalf("Currencies.Get = %v", err)
		}
	}
	// The token source is asked on every request, so refreshed tokens are used.
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{"Bearer oauth-1", "Bearer oauth-2"}, seen); diff != "" {
		t.Errorf("Authorization headers (-want +got):\n%s", diff)
	}
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }

func TestDoTokenSourceFailure(t *testing.T) {
	boom := errors.New("refresh token revoked")
	client, _, _ := setup(t, WithTokenSource(tokenSourceFunc(func() (*oauth2.Token, error) { return nil, boom })))
	_, _, err := client.Accounts.Current(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || !errors.Is(err, boom) {
		t.Fatalf("Accounts.Current with a failing token source = %v, want an *AuthError wrapping %v", err, boom)
	}
	// The mux fails the test if a request was sent anyway.
}

func TestQueryEncoding(t *testing.T) {
	client, mux, _ := setup(t)
	since := time.Date(2020, 1, 8, 8, 0, 0, 250e6, time.FixedZone("SGT", 8*3600))
	tests := []struct {
		name    string
		call    func() error
		path    string
		rawWant string
	}{
		{
			name: "products, every filter",
			call: func() error {
				_, _, err := client.Products.List(context.Background(), &ProductListOptions{
					ListOptions: ListOptions{Page: 2, Limit: 50},
					Filter: Filter{
						IDs:          []int64{1, 2},
						Status:       []string{"active", "disabled"},
						UpdatedAtMin: since,
						Order:        "created_at desc",
					},
					Brand:   []string{"ABC"},
					Tags:    []string{"candy", "summer"},
					Include: []string{IncludeVariants, IncludeImages},
				})
				return err
			},
			path:    "/products",
			rawWant: "brand=ABC&ids=1,2&include=variants,images&limit=50&order=created_at+desc&page=2&status[]=active&status[]=disabled&tags[]=candy&tags[]=summer&updated_at_min=2020-01-08T00%3A00%3A00.250Z",
		},
		{
			name: "products, several brands and one status",
			call: func() error {
				_, _, err := client.Products.List(context.Background(), &ProductListOptions{
					Filter: Filter{Status: []string{"active"}, CreatedAtMin: time.Date(2015, 11, 4, 0, 0, 0, 0, time.UTC)},
					Brand:  []string{"ABC", "XYZ"}, ProductType: []string{"Candy"},
				})
				return err
			},
			path:    "/products",
			rawWant: "brand[]=ABC&brand[]=XYZ&created_at_min=2015-11-04T00%3A00%3A00.000Z&product_type=Candy&status=active",
		},
		{
			name: "products, nil options",
			call: func() error {
				_, _, err := client.Products.List(context.Background(), nil)
				return err
			},
			path:    "/products",
			rawWant: "",
		},
		{
			name: "variants by product and sku",
			call: func() error {
				_, _, err := client.Variants.List(context.Background(), &VariantListOptions{
					ProductIDs: []int64{1, 2}, SKU: "DEMO-GOBS-PEA & co",
					Filter: Filter{UpdatedAtMax: time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)},
				})
				return err
			},
			path:    "/variants",
			rawWant: "product_id=1,2&sku=DEMO-GOBS-PEA+%26+co&updated_at_max=2020-01-08T00%3A00%3A00.000Z",
		},
		{
			name: "images by variant",
			call: func() error {
				_, _, err := client.Images.List(context.Background(), &ImageListOptions{
					ListOptions: ListOptions{Limit: 250}, ProductIDs: []int64{1}, VariantIDs: []int64{1, 2},
				})
				return err
			},
			path:    "/images",
			rawWant: "limit=250&product_id=1&variant_ids=1,2",
		},
		{
			name: "currencies",
			call: func() error {
				_, _, err := client.Currencies.List(context.Background(), &CurrencyListOptions{Filter: Filter{Status: []string{"archived"}}})
				return err
			},
			path:    "/currencies",
			rawWant: "status=archived",
		},
		{
			name: "locations",
			call: func() error {
				_, _, err := client.Locations.List(context.Background(), &LocationListOptions{Filter: Filter{IDs: []int64{2}}, ListOptions: ListOptions{Page: 1}})
				return err
			},
			path:    "/locations",
			rawWant: "ids=2&page=1",
		},
	}
	var (
		mu  sync.Mutex
		got = map[string]string{}
	)
	record := func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		mu.Lock()
		got[r.URL.Path] = r.URL.RawQuery
		mu.Unlock()
		writeJSON(w, http.StatusOK, `{}`)
	}
	for _, p := range []string{"/products", "/variants", "/images", "/currencies", "/locations"} {
		mux.HandleFunc(p, record)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); err != nil {
				t.Fatalf("call = %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if got[tt.path] != tt.rawWant {
				t.Errorf("GET %s query = %q, want %q", tt.path, got[tt.path], tt.rawWant)
			}
		})
	}
}

func TestEncodeQueryEscapesEverythingElse(t *testing.T) {
	tests := []struct {
		in   url.Values
		want string
	}{
		{url.Values{"ids": {"1,2,3"}}, "ids=1,2,3"},
		{url.Values{"ids[]": {"1", "2"}}, "ids[]=1&ids[]=2"},
		{url.Values{"order": {"created_at desc"}}, "order=created_at+desc"},
		{url.Values{"sku": {"a&b=c#d%2C"}}, "sku=a%26b%3Dc%23d%252C"},
		{url.Values{"tags": {"x[0]"}}, "tags=x%5B0%5D"},
	}
	for _, tt := range tests {
		if got := encodeQuery(tt.in); got != tt.want {
			t.Errorf("encodeQuery(%v) = %q, want %q", tt.in, got, tt.want)
		}
		// Whatever is left unescaped still decodes to the same values.
		back, err := url.ParseQuery(encodeQuery(tt.in))
		if err != nil || !cmp.Equal(back, tt.in) {
			t.Errorf("url.ParseQuery(encodeQuery(%v)) = %v, %v", tt.in, back, err)
		}
	}
}

func TestResponseMetadata(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		pagination(w, `{"total_records":3103,"total_pages":32,"first_page":true,"last_page":false,"out_of_bounds":false,"offset":0}`)
		w.Header().Set("X-Rate-Limit-Limit", "300")
		w.Header().Set("X-Rate-Limit-Remaining", "291")
		w.Header().Set("X-Rate-Limit-Reset", "1509339000")
		w.Header().Set("X-Request-ID", "req-123")
		writeTestdata(t, w, "products.json")
	})
	page, resp, err := client.Products.List(context.Background(), nil)
	if err != nil {
		t.Fatalf("Products.List = %v", err)
	}
	if len(page.Products) != 2 || page.Variants != nil || page.Images != nil {
		t.Errorf("Products.List = %d products, variants %v, images %v; want 2 products and no sideloads", len(page.Products), page.Variants, page.Images)
	}
	wantPg := &Pagination{TotalRecords: 3103, TotalPages: 32, FirstPage: true}
	if diff := cmp.Diff(wantPg, resp.Pagination); diff != "" {
		t.Errorf("Response.Pagination (-want +got):\n%s", diff)
	}
	wantRate := Rate{Limit: 300, Remaining: 291, Reset: time.Date(2017, 10, 30, 4, 50, 0, 0, time.UTC), known: true}
	if diff := cmp.Diff(wantRate, resp.Rate, cmp.AllowUnexported(Rate{})); diff != "" {
		t.Errorf("Response.Rate (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRate, client.Rate(), cmp.AllowUnexported(Rate{})); diff != "" {
		t.Errorf("Client.Rate() (-want +got):\n%s", diff)
	}
	if resp.RequestID != "req-123" {
		t.Errorf("Response.RequestID = %q, want req-123", resp.RequestID)
	}
}

func TestResponseMetadataMissingOrMalformed(t *testing.T) {
	client, mux, _ := setup(t)
	var n counter
	mux.HandleFunc("/locations", func(w http.ResponseWriter, r *http.Request) {
		switch n.inc() {
		case 1:
			w.Header().Set("X-Rate-Limit-Limit", "300")
			w.Header().Set("X-Rate-Limit-Remaining", "250")
			w.Header().Set("X-Rate-Limit-Reset", "1509339000")
		default:
			pagination(w, `not json`)
			w.Header().Set("X-Rate-Limit-Limit", "300")
			w.Header().Set("X-Rate-Limit-Remaining", "lots") // incomplete: ignored
		}
		writeTestdata(t, w, "locations.json")
	})
	if _, _, err := client.Locations.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	_, resp, err := client.Locations.List(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Pagination != nil {
		t.Errorf("Response.Pagination from a malformed header = %+v, want nil", resp.Pagination)
	}
	if resp.Rate != (Rate{}) {
		t.Errorf("Response.Rate from incomplete headers = %+v, want zero", resp.Rate)
	}
	if got := client.Rate(); got.Remaining != 250 {
		t.Errorf("Client.Rate() after a response without rate headers = %+v, want the previous quota kept (250)", got)
	}
}

func TestErrorResponses(t *testing.T) {
	const html404 = "<!DOCTYPE html>\n<html><head><title>The page you were looking for doesn't exist (404)</title></head><body><h1>The page you were looking for doesn't exist.</h1></body></html>\n"
	const html414 = "<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n<center><h1>414 Request-URI Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
	tests := []struct {
		name     string
		status   int
		body     string
		want     *ErrorResponse // Method, Path, RequestID filled in below
		sentinel error
		attempts int
	}{
		{
			name: "400", status: 400, body: `{"type":"Bad Request","message":"limit must be at most 250"}`,
			want:     &ErrorResponse{StatusCode: 400, Type: "Bad Request", Message: "limit must be at most 250"},
			sentinel: ErrBadRequest, attempts: 1,
		},
		{
			name: "401", status: 401, body: `{"type":"Unauthorized","message":"Your API access token is invalid"}`,
			want:     &ErrorResponse{StatusCode: 401, Type: "Unauthorized", Message: "Your API access token is invalid"},
			sentinel: ErrUnauthorized, attempts: 1,
		},
		{
			name: "401 oauth style", status: 401, body: `{"error":"invalid_token"}`,
			want:     &ErrorResponse{StatusCode: 401, Type: "Unauthorized", Message: "invalid_token"},
			sentinel: ErrUnauthorized, attempts: 1,
		},
		{
			name: "402", status: 402, body: `{"type":"Payment Required","message":"Your subscription has lapsed"}`,
			want:     &ErrorResponse{StatusCode: 402, Type: "Payment Required", Message: "Your subscription has lapsed"},
			sentinel: ErrPaymentRequired, attempts: 1,
		},
		{
			name: "403", status: 403, body: `{"type":"Forbidden","message":"The resource requested is not available with your permissions"}`,
			want:     &ErrorResponse{StatusCode: 403, Type: "Forbidden", Message: "The resource requested is not available with your permissions"},
			sentinel: ErrForbidden, attempts: 1,
		},
		{
			name: "404", status: 404, body: `{"type":"Not Found","message":"Couldn't find Product with 'id'=999"}`,
			want:     &ErrorResponse{StatusCode: 404, Type: "Not Found", Message: "Couldn't find Product with 'id'=999"},
			sentinel: ErrNotFound, attempts: 1,
		},
		{
			name: "404 unknown route (HTML)", status: 404, body: html404,
			want:     &ErrorResponse{StatusCode: 404, Type: "Not Found", UnknownRoute: true},
			sentinel: ErrUnknownRoute, attempts: 1,
		},
		{
			name: "414 (HTML)", status: 414, body: html414,
			want:     &ErrorResponse{StatusCode: 414, Type: "Request URI Too Long"},
			sentinel: ErrURITooLong, attempts: 1,
		},
		{
			name: "422", status: 422, body: `{"errors":{"name":["can't be blank"],"sku":["has already been taken","is too short"]}}`,
			want: &ErrorResponse{StatusCode: 422, Type: "Unprocessable Entity", Errors: map[string][]string{
				"name": {"can't be blank"}, "sku": {"has already been taken", "is too short"},
			}},
			sentinel: ErrUnprocessable, attempts: 1,
		},
		{
			name: "422 single messages", status: 422, body: `{"errors":{"base":"Order is already fulfilled"}}`,
			want:     &ErrorResponse{StatusCode: 422, Type: "Unprocessable Entity", Errors: map[string][]string{"base": {"Order is already fulfilled"}}},
			sentinel: ErrUnprocessable, attempts: 1,
		},
		{
			name: "422 list", status: 422, body: `{"errors":["Quantity must be positive"]}`,
			want:     &ErrorResponse{StatusCode: 422, Type: "Unprocessable Entity", Errors: map[string][]string{"base": {"Quantity must be positive"}}},
			sentinel: ErrUnprocessable, attempts: 1,
		},
		{
			name: "500", status: 500, body: `{"type":"Internal Server Error","message":"We had a problem with our server. Try again later"}`,
			want:     &ErrorResponse{StatusCode: 500, Type: "Internal Server Error", Message: "We had a problem with our server. Try again later"},
			sentinel: ErrServer, attempts: 3,
		},
		{
			name: "503 empty body", status: 503, body: ``,
			want:     &ErrorResponse{StatusCode: 503, Type: "Service Unavailable"},
			sentinel: ErrServer, attempts: 3,
		},
		{
			name: "418 unknown status", status: 418, body: `{"message":"short and stout"}`,
			want:     &ErrorResponse{StatusCode: 418, Type: "I'm a teapot", Message: "short and stout"},
			sentinel: nil, attempts: 1,
		},
	}
	sentinels := []error{ErrBadRequest, ErrUnauthorized, ErrPaymentRequired, ErrForbidden, ErrNotFound, ErrURITooLong, ErrUnprocessable, ErrServer}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux, _ := setup(t)
			var n counter
			path := fmt.Sprintf("/products/%d", i+1)
			mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, http.MethodGet)
				n.inc()
				w.Header().Set("X-Request-ID", "req-"+tt.name)
				if strings.HasPrefix(tt.body, "<") {
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, resp, err := client.Products.Get(context.Background(), int64(i+1))
			er, ok := err.(*ErrorResponse)
			if !ok {
				t.Fatalf("Products.Get = %T %v, want an *ErrorResponse", err, err)
			}
			want := *tt.want
			want.Method, want.Path, want.RequestID = http.MethodGet, baseURLPath+path, "req-"+tt.name
			if diff := cmp.Diff(&want, er); diff != "" {
				t.Errorf("Products.Get error (-want +got):\n%s", diff)
			}
			for _, s := range sentinels {
				if got, want := errors.Is(err, s), s == tt.sentinel; got != want {
					t.Errorf("errors.Is(%v, %v) = %v, want %v", err, s, got, want)
				}
			}
			if resp == nil || resp.StatusCode != tt.status || resp.RequestID != "req-"+tt.name {
				t.Errorf("Products.Get response = %+v, want status %d and the request id", resp, tt.status)
			}
			if got := n.get(); got != tt.attempts {
				t.Errorf("Products.Get sent %d requests, want %d", got, tt.attempts)
			}
			if msg := err.Error(); !strings.Contains(msg, "req-"+tt.name) || strings.Contains(msg, "<") || strings.Contains(msg, testToken) {
				t.Errorf("Products.Get error message %q: want the request id, no HTML and no token", msg)
			}
		})
	}
}

func TestErrorResponseDetailAndError(t *testing.T) {
	tests := []struct {
		e          *ErrorResponse
		detail     string
		errMessage string
	}{
		{
			e:          &ErrorResponse{Method: "POST", Path: "/orders", StatusCode: 422, Type: "Unprocessable Entity", RequestID: "r1", Errors: map[string][]string{"sku": {"has already been taken"}, "name": {"can't be blank"}}},
			detail:     "name can't be blank; sku has already been taken",
			errMessage: "tradegecko: POST /orders: 422 Unprocessable Entity: name can't be blank; sku has already been taken (request id r1)",
		},
		{
			e:          &ErrorResponse{Method: "GET", Path: "/products/9", StatusCode: 404, Type: "Not Found", Message: "Couldn't find Product with 'id'=9"},
			detail:     "Couldn't find Product with 'id'=9",
			errMessage: "tradegecko: GET /products/9: 404 Not Found: Couldn't find Product with 'id'=9",
		},
		{
			e: &ErrorResponse{Method: "POST", Path: "/orders/7/actions/pack", StatusCode: 422,
				Errors: map[string][]string{"base": {"Order has no items to pack"}, "notes": {"is too long"}}},
			detail:     "Order has no items to pack; notes is too long",
			errMessage: "tradegecko: POST /orders/7/actions/pack: 422: Order has no items to pack; notes is too long",
		},
		{
			e:          &ErrorResponse{Method: "GET", Path: "/x", StatusCode: 414},
			detail:     "",
			errMessage: "tradegecko: GET /x: 414",
		},
	}
	for _, tt := range tests {
		if got := tt.e.Detail(); got != tt.detail {
			t.Errorf("Detail() = %q, want %q", got, tt.detail)
		}
		if got := tt.e.Error(); got != tt.errMessage {
			t.Errorf("Error() = %q, want %q", got, tt.errMessage)
		}
	}
}

// countingReader is an endless body that counts what was read from it.
type countingReader struct{ n int64 }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestCheckResponseBoundsTheBody(t *testing.T) {
	body := &countingReader{}
	r := &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(body)}
	err := CheckResponse(r)
	if !errors.Is(err, ErrServer) {
		t.Fatalf("CheckResponse(500) = %v, want ErrServer", err)
	}
	if body.n > maxErrorBytes+32<<10 {
		t.Errorf("CheckResponse read %d bytes of an endless body, want about %d", body.n, maxErrorBytes)
	}
	if CheckResponse(&http.Response{StatusCode: 204, Body: http.NoBody}) != nil {
		t.Errorf("CheckResponse(204) != nil")
	}
}

func TestDoBoundsErrorBodies(t *testing.T) {
	client, mux, _ := setup(t, WithRetries(0, nil))
	mux.HandleFunc("/products/1", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"type":"Bad Request","message":"`+strings.Repeat("a", 1<<20)+`"}`)
	})
	_, _, err := client.Products.Get(context.Background(), 1)
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 400 {
		t.Fatalf("Products.Get = %v, want a 400 *ErrorResponse", err)
	}
	if len(err.Error()) > 1000 {
		t.Errorf("the error of a 1 MiB body is %d bytes long, want it bounded", len(err.Error()))
	}
}

func TestRateLimitError(t *testing.T) {
	now := time.Unix(1509338940, 0) // 60s before the reset below
	client, mux, _ := setup(t, WithClock(func() time.Time { return now }))
	var n counter
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		n.inc()
		w.Header().Set("X-Rate-Limit-Limit", "300")
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		w.Header().Set("X-Rate-Limit-Reset", "1509339000")
		w.Header().Set("X-Request-ID", "req-429")
		writeJSON(w, http.StatusTooManyRequests, `{"type":"Too Many Requests","message":"Too many requests. You are allowed 300 requests per 300 seconds"}`)
	})
	_, resp, err := client.Products.List(context.Background(), nil)
	rl, ok := err.(*RateLimitError)
	if !ok {
		t.Fatalf("Products.List = %T %v, want a *RateLimitError", err, err)
	}
	want := &RateLimitError{
		Refusal: ratelimit.Refusal{Name: "tradegecko", RetryAfter: 60 * time.Second},
		Method:  "GET", Path: baseURLPath + "/products", RequestID: "req-429",
		Rate:    Rate{Limit: 300, Remaining: 0, Reset: time.Unix(1509339000, 0), known: true},
		Message: "Too many requests. You are allowed 300 requests per 300 seconds",
	}
	if diff := cmp.Diff(want, rl, cmp.AllowUnexported(Rate{})); diff != "" {
		t.Errorf("Products.List error (-want +got):\n%s", diff)
	}
	if got := rl.RetryAfter; got != 60*time.Second {
		t.Errorf("RetryAfter (reset-60s) = %v, want 60s", got)
	}
	if refused := (*ratelimit.Refusal)(nil); !errors.As(err, &refused) || refused.RetryAfter != 60*time.Second {
		t.Errorf("errors.As(%v, *ratelimit.Refusal) = %v, want the refusal with RetryAfter 60s", err, refused)
	}
	if resp == nil || resp.StatusCode != 429 {
		t.Errorf("Products.List response = %v, want the 429", resp)
	}
	if n.get() != 1 {
		t.Errorf("a 429 was retried: %d requests", n.get())
	}
	if !strings.Contains(rl.Error(), "429") || !strings.Contains(rl.Error(), "2017-10-30T04:50:00Z") {
		t.Errorf("RateLimitError.Error() = %q, want the status and the reset time", rl.Error())
	}

	// The 429 said the quota is spent: the next call is refused locally.
	_, resp, err = client.Products.List(context.Background(), nil)
	if !errors.As(err, &rl) || !rl.Local || resp != nil {
		t.Fatalf("Products.List after a 429 = %v, %v, want a local *RateLimitError", resp, err)
	}
	if n.get() != 1 {
		t.Errorf("the refused call reached the server")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Unix(1000, 0)
	tests := []struct {
		reset time.Time
		want  time.Duration
	}{
		{time.Time{}, time.Second},
		{now.Add(-time.Minute), time.Second},
		{now.Add(300 * time.Millisecond), time.Second},
		{now.Add(90 * time.Second), 90 * time.Second},
	}
	for _, tt := range tests {
		if got := refusal(tt.reset, now).RetryAfter; got != tt.want {
			t.Errorf("RetryAfter with reset %v = %v, want %v", tt.reset.Sub(now), got, tt.want)
		}
	}
}

func TestLocalRateLimitRefusal(t *testing.T) {
	var now atomic.Int64
	now.Store(1509338000)
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	client, mux, _ := setup(t, WithClock(clock))
	var n counter
	mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		remaining := "0"
		if n.inc() > 1 {
			remaining = "299"
		}
		w.Header().Set("X-Rate-Limit-Limit", "300")
		w.Header().Set("X-Rate-Limit-Remaining", remaining)
		w.Header().Set("X-Rate-Limit-Reset", "1509339000")
		writeTestdata(t, w, "variants.json")
	})
	vs, _, err := client.Variants.List(context.Background(), nil)
	if err != nil || len(vs) != 2 {
		t.Fatalf("Variants.List = %d variants, %v; want the 2 of the spec", len(vs), err)
	}
	// The quota is spent until 1509339000: refused without a request.
	for range 3 {
		_, resp, err := client.Variants.List(context.Background(), nil)
		rl, ok := err.(*RateLimitError)
		if !ok || !rl.Local || resp != nil {
			t.Fatalf("Variants.List with a spent quota = %v, %T %v, want a local *RateLimitError", resp, err, err)
		}
		if !rl.Rate.Reset.Equal(time.Unix(1509339000, 0)) || rl.RetryAfter != 1000*time.Second {
			t.Errorf("local refusal: reset %v, RetryAfter %v; want 1509339000 and 1000s", rl.Rate.Reset, rl.RetryAfter)
		}
		if !strings.Contains(rl.Error(), "refused locally") {
			t.Errorf("RateLimitError.Error() = %q, want it to say it was refused locally", rl.Error())
		}
	}
	if n.get() != 1 {
		t.Fatalf("the server got %d requests while the quota was spent, want 1", n.get())
	}
	// At the reset time requests flow again.
	now.Store(1509339000)
	if _, _, err := client.Variants.List(context.Background(), nil); err != nil {
		t.Fatalf("Variants.List after the reset = %v", err)
	}
	if _, _, err := client.Variants.List(context.Background(), nil); err != nil {
		t.Fatalf("Variants.List with quota left = %v", err)
	}
	if n.get() != 3 {
		t.Errorf("the server got %d requests, want 3", n.get())
	}
}

func TestRetryGetOn503(t *testing.T) {
	client, mux, _ := setup(t)
	var n counter
	mux.HandleFunc("/products/2", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"include": {"variants"}})
		if n.inc() <= 2 {
			writeJSON(w, http.StatusServiceUnavailable, `{"type":"Service Unavailable","message":"The server was unable to finish the request in time"}`)
			return
		}
		writeTestdata(t, w, "product.json")
	})
	page, resp, err := client.Products.Get(context.Background(), 2, IncludeVariants)
	if err != nil {
		t.Fatalf("Products.Get = %v", err)
	}
	if page.Product == nil || page.Product.Name != "Golden Egg" || resp.StatusCode != 200 {
		t.Errorf("Products.Get = %+v, %v", page.Product, resp.Status)
	}
	if n.get() != 3 {
		t.Errorf("Products.Get sent %d requests, want 3 (two 503s, then 200)", n.get())
	}
}

func TestRetriesAreBounded(t *testing.T) {
	for _, retries := range []uint{0, 1, 4} {
		t.Run(fmt.Sprint(retries), func(t *testing.T) {
			client, mux, _ := setup(t, WithRetries(retries, zeroBackoff))
			var n counter
			mux.HandleFunc("/images", func(w http.ResponseWriter, r *http.Request) {
				n.inc()
				writeJSON(w, http.StatusBadGateway, `{"type":"Bad Gateway","message":"upstream"}`)
			})
			_, _, err := client.Images.List(context.Background(), nil)
			if !errors.Is(err, ErrServer) {
				t.Errorf("Images.List = %v, want ErrServer", err)
			}
			if got, want := n.get(), int(retries)+1; got != want {
				t.Errorf("WithRetries(%d): %d requests, want %d", retries, got, want)
			}
		})
	}
}

// Behind a circuit breaker, retries stop as soon as it opens: its refusal
// is never retried, and answers UPSTREAM_UNAVAILABLE with its retryAfter
// (not RATE_LIMITED, as the shared budget's refusal does).
func TestBreakerStopsRetries(t *testing.T) {
	br, err := circuit.New("tradegecko", circuit.WithFailures(2), circuit.WithOpenFor(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	client, mux, _ := setup(t, WithRetries(4, zeroBackoff),
		WithHTTPClient(&http.Client{Transport: br.Guard(br.Outcomes(nil))}))
	var n counter
	mux.HandleFunc("/images", func(w http.ResponseWriter, r *http.Request) {
		n.inc()
		writeJSON(w, http.StatusServiceUnavailable, `{"type":"Service Unavailable","message":"down"}`)
	})
	for i := range 3 {
		_, _, err := client.Images.List(context.Background(), nil)
		var open *circuit.OpenError
		if !errors.As(err, &open) {
			t.Fatalf("Images.List %d = %v, want the breaker's refusal", i, err)
		}
		ce := toCommerceError(err)
		if e := commerce.ErrorOf(ce); e.Code != commerce.CodeUpstreamUnavailable || e.RetryAfterSeconds() < 59 {
			t.Errorf("toCommerceError = %s, retry after %ds; want UPSTREAM_UNAVAILABLE, about 60", e.Code, e.RetryAfterSeconds())
		}
	}
	if got := n.get(); got != 2 {
		t.Errorf("three lists with 4 retries each sent %d requests, want 2 (then the breaker opened)", got)
	}
	if got := br.Refused(circuit.Read); got != 3 {
		t.Errorf("the breaker refused %d attempts, want 3 (one per list: its refusal is not retried)", got)
	}
}

// noKeepAlive makes every request use a fresh connection, so Go's
// transport never retries a request on its own after a dropped connection
// (it does so for idempotent requests on reused connections).
func noKeepAlive() Option {
	return WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}})
}

// drop closes the connection without an answer.
func drop(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

func TestRetryGetAfterDroppedConnection(t *testing.T) {
	client, mux, _ := setup(t, noKeepAlive())
	var n counter
	mux.HandleFunc("/locations/1", func(w http.ResponseWriter, r *http.Request) {
		if n.inc() == 1 {
			drop(t, w)
			return
		}
		writeTestdata(t, w, "location.json")
	})
	loc, _, err := client.Locations.Get(context.Background(), 1)
	if err != nil {
		t.Fatalf("Locations.Get = %v", err)
	}
	if loc.Label != "Secondary Location" {
		t.Errorf("Locations.Get = %+v", loc)
	}
	if n.get() != 2 {
		t.Errorf("Locations.Get sent %d requests, want 2", n.get())
	}
}

func TestPostWithoutIdempotencyKeyIsNotRetried(t *testing.T) {
	for _, mode := range []string{"503", "dropped connection"} {
		t.Run(mode, func(t *testing.T) {
			client, mux, _ := setup(t, noKeepAlive())
			var n counter
			mux.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, http.MethodPost)
				n.inc()
				if mode == "503" {
					writeJSON(w, http.StatusServiceUnavailable, `{"type":"Service Unavailable","message":"try later"}`)
				} else {
					drop(t, w)
				}
			})
			req, err := client.NewRequest(context.Background(), http.MethodPost, "orders", nil, map[string]any{"order": map[string]any{"company_id": 1}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.Do(req, nil)
			switch mode {
			case "503":
				if _, ok := err.(*ErrorResponse); !ok || !errors.Is(err, ErrServer) {
					t.Errorf("Do(POST) = %T %v, want a 503 *ErrorResponse", err, err)
				}
			default:
				if _, ok := err.(*NetworkError); !ok {
					t.Errorf("Do(POST) = %T %v, want a *NetworkError", err, err)
				}
			}
			if n.get() != 1 {
				t.Errorf("a POST without Idempotency-Key was sent %d times, want 1", n.get())
			}
		})
	}
}

func TestPostWithIdempotencyKeyIsRetried(t *testing.T) {
	client, mux, _ := setup(t, noKeepAlive())
	var (
		n      counter
		mu     sync.Mutex
		bodies []string
		keys   []string
	)
	mux.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodPost)
		testHeader(t, r, "Content-Type", "application/json")
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		switch n.inc() {
		case 1:
			writeJSON(w, http.StatusInternalServerError, `{"type":"Internal Server Error","message":"oops"}`)
		case 2:
			drop(t, w)
		default:
			writeJSON(w, http.StatusCreated, `{"order":{"id":1,"order_number":"SO0001"}}`)
		}
	})
	order := map[string]any{"order": map[string]any{"company_id": 101, "issued_at": "21-02-2018"}}
	req, err := client.NewRequest(context.Background(), http.MethodPost, "orders", nil, order)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Idempotency-Key", "ecf83ef1-0f85-4860-bbc3-70a4bd74be41")
	var out struct {
		Order struct {
			ID          Int  `json:"id"`
			OrderNumber Text `json:"order_number"`
		} `json:"order"`
	}
	resp, err := client.Do(req, &out)
	if err != nil {
		t.Fatalf("Do(POST with Idempotency-Key) = %v", err)
	}
	if resp.StatusCode != http.StatusCreated || out.Order.ID != 1 || out.Order.OrderNumber != "SO0001" {
		t.Errorf("Do = %d %+v", resp.StatusCode, out)
	}
	if n.get() != 3 {
		t.Errorf("sent %d times, want 3", n.get())
	}
	mu.Lock()
	defer mu.Unlock()
	wantBody := `{"order":{"company_id":101,"issued_at":"21-02-2018"}}`
	for i := range bodies {
		if bodies[i] != wantBody || keys[i] != "ecf83ef1-0f85-4860-bbc3-70a4bd74be41" {
			t.Errorf("attempt %d: body %s, key %q; want the same body and key on every attempt", i+1, bodies[i], keys[i])
		}
	}
}

func TestPutAndDeleteAreRetried(t *testing.T) {
	for _, method := range []string{http.MethodPut, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			client, mux, _ := setup(t)
			var n counter
			mux.HandleFunc("/products/1", func(w http.ResponseWriter, r *http.Request) {
				testRequest(t, r, method)
				if n.inc() == 1 {
					writeJSON(w, http.StatusGatewayTimeout, `{}`)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			})
			req, _ := client.NewRequest(context.Background(), method, "products/1", nil, map[string]any{"product": map[string]any{"opt2": "Size"}})
			var v map[string]any
			resp, err := client.Do(req, &v)
			if err != nil || resp.StatusCode != http.StatusNoContent {
				t.Fatalf("Do(%s) = %v, %v; want 204", method, resp, err)
			}
			if n.get() != 2 {
				t.Errorf("Do(%s) sent %d requests, want 2", method, n.get())
			}
		})
	}
}

func TestNoRetryAfterContextCancel(t *testing.T) {
	client, mux, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n counter
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		n.inc()
		cancel() // the caller gives up while the request is in flight
		<-r.Context().Done()
	})
	_, _, err := client.Products.List(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Products.List with a cancelled context = %v, want context.Canceled", err)
	}
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Method != http.MethodGet {
		t.Errorf("Products.List with a cancelled context = %T %v, want a *NetworkError", err, err)
	}
	if n.get() != 1 {
		t.Errorf("sent %d requests after the context was cancelled, want 1", n.get())
	}

	// A 5xx that arrives after the caller gave up is not retried either.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	var m counter
	mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		m.inc()
		cancel2()
		writeJSON(w, http.StatusServiceUnavailable, `{}`)
	})
	_, _, err = client.Variants.List(ctx2, nil)
	if err == nil || m.get() != 1 {
		t.Errorf("Variants.List = %v after %d requests, want an error after 1", err, m.get())
	}

	// Nor is anything sent with a context that is already done.
	_, _, err = client.Images.List(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Images.List with a done context = %v, want context.Canceled", err)
	}
}

func TestContextCancelDuringBackoff(t *testing.T) {
	slow := func() backoff.BackOff { return backoff.NewConstantBackOff(time.Hour) }
	client, mux, _ := setup(t, WithRetries(5, slow))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n counter
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		n.inc()
		writeJSON(w, http.StatusServiceUnavailable, `{}`)
		time.AfterFunc(20*time.Millisecond, cancel)
	})
	start := time.Now()
	_, _, err := client.Products.List(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Products.List = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Products.List took %v: the backoff sleep ignored the context", d)
	}
	if n.get() != 1 {
		t.Errorf("sent %d requests, want 1", n.get())
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	client, mux, _ := setup(t, WithTimeout(50*time.Millisecond), WithRetries(1, zeroBackoff))
	var n counter
	mux.HandleFunc("/currencies", func(w http.ResponseWriter, r *http.Request) {
		n.inc()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	_, _, err := client.Currencies.List(context.Background(), nil)
	ne, ok := err.(*NetworkError)
	if !ok {
		t.Fatalf("Currencies.List = %T %v, want a *NetworkError", err, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(ne.Error(), "attempt took longer than 50ms") {
		t.Errorf("Currencies.List = %v, want a deadline error that names the attempt timeout", err)
	}
	if n.get() != 2 {
		t.Errorf("sent %d requests, want 2 (each attempt times out, one retry)", n.get())
	}
}

func TestPerAttemptTimeoutRecovers(t *testing.T) {
	// Long enough for the healthy second attempt on a loaded machine.
	client, mux, _ := setup(t, WithTimeout(300*time.Millisecond))
	var n counter
	mux.HandleFunc("/currencies", func(w http.ResponseWriter, r *http.Request) {
		if n.inc() == 1 {
			<-r.Context().Done()
			return
		}
		writeTestdata(t, w, "currencies.json")
	})
	cs, _, err := client.Currencies.List(context.Background(), nil)
	if err != nil || len(cs) != 2 {
		t.Fatalf("Currencies.List = %d, %v; want the spec's 2 currencies after one timeout", len(cs), err)
	}
}

func TestDecodeErrors(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", "req-bad")
		writeJSON(w, http.StatusOK, `{"products": [{"id": {"oops": 1}}]}`)
	})
	mux.HandleFunc("/products/1", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", "req-empty")
		writeJSON(w, http.StatusOK, `{"products": []}`)
	})
	mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `<html>maintenance</html>`)
	})
	var de *DecodeError
	_, _, err := client.Products.List(context.Background(), nil)
	if !errors.As(err, &de) || de.RequestID != "req-bad" {
		t.Errorf("Products.List with a bad body = %v, want a *DecodeError with the request id", err)
	}
	_, _, err = client.Products.Get(context.Background(), 1)
	if !errors.As(err, &de) || de.RequestID != "req-empty" || !strings.Contains(err.Error(), `"product"`) {
		t.Errorf("Products.Get without a product key = %v, want a *DecodeError naming the key", err)
	}
	_, _, err = client.Variants.List(context.Background(), nil)
	if !errors.As(err, &de) {
		t.Errorf("Variants.List with an HTML 200 = %v, want a *DecodeError", err)
	}
}

func TestNoContent(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/accounts/1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodPut)
		b, _ := io.ReadAll(r.Body)
		if string(b) != `{"account":{"country":"US"}}` {
			t.Errorf("PUT body = %s", b)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	req, err := client.NewRequest(context.Background(), http.MethodPut, "accounts/1", nil, map[string]any{"account": map[string]string{"country": "US"}})
	if err != nil {
		t.Fatal(err)
	}
	var v json.RawMessage
	resp, err := client.Do(req, &v)
	if err != nil || resp.StatusCode != http.StatusNoContent || v != nil {
		t.Errorf("Do(PUT) = %v, %v, body %s; want 204 and nothing decoded", resp, err, v)
	}
}

// Updates may answer 200 with an empty body (DESIGN: "Updates may answer
// 200 or 204"); that is not an undecodable response.
func TestEmptyOKBody(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/products/1", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodPut)
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("/products/2", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"product":`) // truncated: still an error
	})
	req, _ := client.NewRequest(context.Background(), http.MethodPut, "products/1", nil, map[string]any{"product": map[string]string{"opt2": "Size"}})
	var v map[string]any
	if resp, err := client.Do(req, &v); err != nil || resp.StatusCode != http.StatusOK || v != nil {
		t.Errorf("Do(PUT) answered 200 with no body = %v, %v, %v; want success and nothing decoded", resp, err, v)
	}
	req, _ = client.NewRequest(context.Background(), http.MethodPut, "products/2", nil, map[string]any{"product": map[string]string{"opt2": "Size"}})
	var de *DecodeError
	if _, err := client.Do(req, &v); !errors.As(err, &de) {
		t.Errorf("Do(PUT) answered a truncated body = %v, want a *DecodeError", err)
	}
}

func TestConcurrentRequests(t *testing.T) {
	client, mux, _ := setup(t)
	var n counter
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		k := n.inc()
		w.Header().Set("X-Rate-Limit-Limit", "300")
		w.Header().Set("X-Rate-Limit-Remaining", fmt.Sprint(300-k))
		w.Header().Set("X-Rate-Limit-Reset", "4102444800")
		writeTestdata(t, w, "products.json")
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, _, err := client.Products.List(context.Background(), nil); err != nil {
				t.Errorf("Products.List = %v", err)
			}
			_ = client.Rate()
		})
	}
	wg.Wait()
	if r := client.Rate(); r.Limit != 300 || r.Remaining < 280 {
		t.Errorf("Client.Rate() = %+v", r)
	}
}

// A caller whose deadline outlasts the reset queues for it rather than
// being refused: a spent quota is waited out, and a 429 (which did
// nothing) is sent once more after the reset, whatever the method. A
// caller without the time, or without a deadline, is refused at once.
func TestQuotaQueuesUntilTheReset(t *testing.T) {
	// A frozen clock at a whole second: every reset is a second away, and
	// the waits are real ones.
	var clock atomic.Int64
	clock.Store(1509338000_000)
	now := func() time.Time { return time.UnixMilli(clock.Load()) }
	client, mux, _ := setup(t, WithClock(now))
	var n counter
	reset := func() string { return strconv.FormatInt(now().Add(time.Second).Unix(), 10) }
	mux.HandleFunc("/orders", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Rate-Limit-Limit", "300")
		w.Header().Set("X-Rate-Limit-Reset", reset())
		if n.inc() == 1 {
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			writeJSON(w, http.StatusTooManyRequests, `{"type":"Too Many Requests","message":"Too many requests"}`)
			return
		}
		w.Header().Set("X-Rate-Limit-Remaining", "0")
		writeJSON(w, http.StatusCreated, `{"order":{"id":1,"order_number":"SO0001"}}`)
	})
	// A POST without an idempotency key answered 429: sent again after the
	// reset (a real second of waiting), not refused.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if _, _, err := client.Orders.Create(ctx, &NewOrder{CompanyID: 1}, ""); err != nil {
		t.Fatalf("Orders.Create after a 429 with time to wait = %v", err)
	}
	if n.get() != 2 || time.Since(start) < 500*time.Millisecond {
		t.Errorf("after a 429: %d requests in %v, want 2, the second after the reset", n.get(), time.Since(start))
	}
	// The last answer spent the quota: a caller with time waits for it.
	if _, _, err := client.Orders.Create(ctx, &NewOrder{CompanyID: 1}, ""); err != nil || n.get() != 3 {
		t.Fatalf("Orders.Create with the quota spent and time to wait = %v (%d requests)", err, n.get())
	}
	// One without the time, or without a deadline, is refused locally.
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	for name, ctx := range map[string]context.Context{"short deadline": short, "no deadline": context.Background()} {
		_, _, err := client.Orders.Create(ctx, &NewOrder{CompanyID: 1}, "")
		var rl *RateLimitError
		if !errors.As(err, &rl) || !rl.Local {
			t.Errorf("%s: Orders.Create with the quota spent = %v, want a local *RateLimitError", name, err)
		}
	}
	if n.get() != 3 {
		t.Errorf("refused calls reached the server: %d requests", n.get())
	}
}
