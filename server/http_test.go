package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/server"
	"github.com/commercegateway/gateway/server/sandboxmode"
)

func get(t *testing.T, u string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHTTPSurface(t *testing.T) {
	g := newGateway(t, gatewayOptions{cors: []string{"https://shop.example.com"}})
	auth := map[string]string{"Authorization": "Bearer " + storefrontKey}

	t.Run("GET /graphql runs queries", func(t *testing.T) {
		q := url.QueryEscape(`query($n: Int) { products(first: $n) { totalCount } }`)
		resp, body := get(t, g.url+"/graphql?query="+q+"&variables="+url.QueryEscape(`{"n":2}`), auth)
		if resp.StatusCode != 200 || !strings.Contains(body, `"totalCount"`) {
			t.Errorf("status %d body %s", resp.StatusCode, body)
		}
		resp, body = get(t, g.url+"/graphql?query="+q+"&variables=%7Bnope", auth)
		if resp.StatusCode != 400 {
			t.Errorf("malformed variables: status %d body %s, want 400", resp.StatusCode, body)
		}
	})
	t.Run("graphql-response+json on request", func(t *testing.T) {
		q := url.QueryEscape(`{ locations { id } }`)
		h := map[string]string{"Authorization": auth["Authorization"], "Accept": "application/graphql-response+json"}
		resp, _ := get(t, g.url+"/graphql?query="+q, h)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/graphql-response+json") {
			t.Errorf("Content-Type = %q", ct)
		}
		resp, _ = get(t, g.url+"/graphql?query="+q, auth)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("default Content-Type = %q", ct)
		}
	})
	t.Run("root redirects to the playground", func(t *testing.T) {
		resp, _ := get(t, g.url+"/", nil)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/playground" {
			t.Errorf("GET / = %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("a browser opening /graphql lands on the playground", func(t *testing.T) {
		html := map[string]string{"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
		resp, _ := get(t, g.url+"/graphql", html) // no key: the redirect comes first
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/playground" {
			t.Errorf("GET /graphql as a browser = %d Location %q, want 302 to /playground", resp.StatusCode, resp.Header.Get("Location"))
		}
		// A GET naming an operation is GraphQL even from a browser, and
		// still needs its key.
		resp, body := get(t, g.url+"/graphql?query="+url.QueryEscape("{ __typename }"), html)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /graphql?query= as a browser without a key = %d %s, want 401", resp.StatusCode, body)
		}
		// A client asking for JSON is not redirected.
		resp, _ = get(t, g.url+"/graphql", map[string]string{"Accept": "application/json"})
		if resp.StatusCode == http.StatusFound {
			t.Errorf("GET /graphql asking for JSON was redirected")
		}
	})
	t.Run("playground needs no key and loads nothing from elsewhere", func(t *testing.T) {
		resp, body := get(t, g.url+"/playground", nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `data-endpoint="/graphql"`) || resp.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("GET /playground = %d, CSP %q\n%s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), body)
		}
		if strings.Contains(body, "https://") || strings.Contains(body, "http://") {
			t.Errorf("the playground page references another origin:\n%s", body)
		}
		i := strings.Index(body, "/playground/assets/")
		if i < 0 {
			t.Fatalf("no assets referenced:\n%s", body)
		}
		asset := body[i : strings.IndexAny(body[i:], `"' `)+i]
		if resp, _ := get(t, g.url+strings.ReplaceAll(asset, "&amp;", "&"), nil); resp.StatusCode != 200 {
			t.Errorf("GET %s = %d", asset, resp.StatusCode)
		}
	})
	t.Run("health", func(t *testing.T) {
		for _, p := range []string{"/healthz", "/readyz"} {
			if resp, body := get(t, g.url+p, nil); resp.StatusCode != 200 {
				t.Errorf("GET %s = %d %s", p, resp.StatusCode, body)
			}
		}
	})
	t.Run("unknown route is a problem", func(t *testing.T) {
		resp, body := get(t, g.url+"/nope", nil)
		var p map[string]any
		_ = json.Unmarshal([]byte(body), &p)
		if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || p["code"] != "NOT_FOUND" {
			t.Errorf("GET /nope = %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	})
	t.Run("request ids", func(t *testing.T) {
		resp, _ := get(t, g.url+"/healthz", map[string]string{"X-Request-ID": "abc-123"})
		if got := resp.Header.Get("X-Request-ID"); got != "abc-123" {
			t.Errorf("plain request id echoed as %q", got)
		}
		resp, _ = get(t, g.url+"/healthz", map[string]string{"X-Request-ID": "evil\" injected=1"})
		if got := resp.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, "evil") {
			t.Errorf("hostile request id echoed as %q", got)
		}
	})
	t.Run("CORS", func(t *testing.T) {
		for _, tc := range []struct {
			origin string
			allow  bool
		}{{"https://shop.example.com", true}, {"https://evil.example.com", false}} {
			req, _ := http.NewRequest(http.MethodOptions, g.url+"/graphql", nil)
			req.Header.Set("Origin", tc.origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Access-Control-Allow-Origin")
			if (got == tc.origin) != tc.allow {
				t.Errorf("preflight from %s: Access-Control-Allow-Origin %q, want allowed=%v", tc.origin, got, tc.allow)
			}
		}
	})
}

// SANDBOX=1: the gateway starts the sandbox on a loopback port and talks to
// it over HTTP, with no credentials configured.
func TestSandboxMode(t *testing.T) {
	cfg, err := server.LoadConfig(env(map[string]string{"SANDBOX": "1", "GATEWAY_ADDR": "127.0.0.1:0", "TRADEGECKO_REFRESH_INTERVAL": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, testLogger(t), server.WithSandboxes(sandboxmode.New(sandboxmode.Options{})))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, func(addr string) { addrc <- addr }) }()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway did not start")
	}
	sandboxURL := srv.SandboxURL("tradegecko")
	if !strings.HasPrefix(sandboxURL, "http://127.0.0.1:") {
		t.Fatalf("SandboxURL = %q", sandboxURL)
	}

	g := &gateway{t: t, url: "http://" + addr}
	resp := g.query("", storefrontQuery, nil)
	page := mustData[productsPage](t, resp)
	if len(page.Products.Nodes) != 50 || page.Products.Nodes[0].Variants[0].RetailPrice.CurrencyCode != "SGD" {
		t.Errorf("sandbox mode answer: %d products", len(page.Products.Nodes))
	}
	// The sandbox's control routes are on in sandbox mode.
	r, body := get(t, sandboxURL+"/_sandbox/requests", nil)
	if r.StatusCode != 200 || !strings.Contains(body, "/products") {
		t.Errorf("GET /_sandbox/requests = %d %s", r.StatusCode, body[:min(len(body), 200)])
	}

	// TradeGlobal and SimpleConsign run as sandboxes too, with their
	// control routes.
	for _, name := range []backend.Name{backend.TradeGlobal, backend.SimpleConsign} {
		u := srv.SandboxURL(name)
		if r, body := get(t, u+"/_sandbox/requests", nil); r.StatusCode != 200 {
			t.Errorf("%s sandbox at %q: GET /_sandbox/requests = %d %s", name, u, r.StatusCode, body)
		}
	}
	intl := mustData[intlPayload](t, g.query("", placeIntl, map[string]any{"in": specOrder()})).PlaceInternationalOrder
	if intl.InternationalOrder == nil || intl.InternationalOrder.Quote.TotalCost.Amount != "53.39" {
		t.Errorf("placeInternationalOrder in sandbox mode: %+v", intl)
	}
	if p, r := g.sale("", map[string]any{"orderNumber": "1234", "items": []any{
		map[string]any{"sku": "GFFY72", "unitPrice": "54.00", "quantity": 1},
		map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 2},
	}}); p.Transaction == nil || p.Transaction.Total.Amount != "79.98" {
		t.Errorf("recordConsignmentSale in sandbox mode: %+v %+v", p, r.Errors)
	}

	// Graceful shutdown: Run returns once ctx ends, and the port closes.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("the gateway still answers after shutdown")
	}
}

// SANDBOX=1 without the sandboxes (a binary built without them) is refused
// at once, naming the fix, and starts nothing.
func TestSandboxModeNeedsTheSandboxes(t *testing.T) {
	cfg, err := server.LoadConfig(env(map[string]string{"SANDBOX": "1", "GATEWAY_ADDR": "127.0.0.1:0"}))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, testLogger(t))
	if !errors.Is(err, server.ErrNoSandboxes) || srv != nil {
		t.Fatalf("server.New(SANDBOX=1) without WithSandboxes = %v, %v; want ErrNoSandboxes", srv, err)
	}
	for _, fix := range []string{"make run", "-tags sandbox"} {
		if !strings.Contains(err.Error(), fix) {
			t.Errorf("the refusal %q does not name %q", err, fix)
		}
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The REST door is mounted with the same keys and errors.
func TestRESTMounted(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	resp, body := get(t, g.url+"/v1/products/1", nil)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Errorf("GET /v1/products/1 without a key = %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body = get(t, g.url+"/v1/products/gid%3A%2F%2Ftradegecko%2FProduct%2F1", map[string]string{"Authorization": "Bearer " + storefrontKey})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"name":"Everlasting Gobstopper"`) || !strings.Contains(body, `"amount":"24.00"`) {
		t.Errorf("GET /v1/products/{gid} = %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, g.url+"/v1/orders", map[string]string{"Authorization": "Bearer " + storefrontKey})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /v1/orders with a storefront key = %d %s", resp.StatusCode, body)
	}
	for _, p := range []string{"/v1", "/v1/", "/v1/openapi.json", "/v1/docs"} {
		if resp, _ := get(t, g.url+p, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d, want 200 without a key", p, resp.StatusCode)
		}
	}
	if resp, body := get(t, g.url+"/metrics", map[string]string{"Authorization": "Bearer " + adminKey}); resp.StatusCode != 200 || !strings.Contains(body, "gateway_upstream_requests_total") {
		t.Errorf("GET /metrics as admin = %d", resp.StatusCode)
	}
	if resp, _ := get(t, g.url+"/metrics", map[string]string{"Authorization": "Bearer " + storefrontKey}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /metrics as storefront = %d, want 403", resp.StatusCode)
	}
}
