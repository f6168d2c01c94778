package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/server"
)

// readyzBreakers fetches /readyz and returns its status and its "breakers".
func readyzBreakers(t *testing.T, g *gateway) (int, map[string]map[string]string) {
	t.Helper()
	resp, body := get(t, g.url+"/readyz", nil)
	var doc struct {
		Status   string                       `json:"status"`
		Breakers map[string]map[string]string `json:"breakers"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("/readyz: %v\n%s", err, body)
	}
	return resp.StatusCode, doc.Breakers
}

// farVariant is beyond any variant the sandbox seeds: no query warms it.
const farVariant = 10_000_000

// coldRead asks for a variant no earlier query asked for, so the cache
// cannot answer it (admin key: the storefront limits are not what this
// measures).
func coldRead(g *gateway, n int) gqlResponse {
	return g.query(adminKey, fmt.Sprintf(`{ variant(id: "gid://tradegecko/Variant/%d") { sku } }`, 1000+n), nil)
}

// During a TradeGecko outage, cold reads fail fast once the read breaker
// opens: 30 of them cost the upstream a handful of requests (not 3 each,
// with the adapter's retries) and answer UPSTREAM_UNAVAILABLE with
// retryAfter. The write breaker stays closed, so an order still goes out
// while reads are refused; /readyz shows the breakers and stays 200;
// /metrics shows them too; once TradeGecko is back, reads recover by
// themselves within the open interval and a probe.
func TestBreakerDuringAnOutage(t *testing.T) {
	t.Parallel()
	const openFor = 3 * time.Second
	g := newGateway(t, gatewayOptions{opts: []server.Option{server.WithBreakerOptions(circuit.WithOpenFor(openFor))}})
	if status, b := readyzBreakers(t, g); status != http.StatusOK || b["tradegecko"]["read"] != "closed" || b["tradegecko"]["write"] != "closed" {
		t.Fatalf("/readyz before the outage: %d, breakers %v", status, b)
	}

	g.sb.SetOutage(http.StatusServiceUnavailable)
	var answers []gqlResponse
	sent := g.upstream(func() {
		for i := range 30 {
			answers = append(answers, coldRead(g, i))
		}
	})
	if sent > 5 {
		t.Errorf("30 cold reads during the outage cost %d upstream requests, want at most 5", sent)
	}
	t.Logf("30 cold reads during the outage cost %d upstream requests", sent)
	for i, r := range answers {
		if r.code(0) != "UPSTREAM_UNAVAILABLE" {
			t.Fatalf("cold read %d: %+v, want UPSTREAM_UNAVAILABLE", i, r.Errors)
		}
		if i >= 2 { // the breaker opened during the second
			if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra < 1 || ra > openFor.Seconds() {
				t.Errorf("cold read %d: retryAfter %v, want 1 to %v: %+v", i, r.Errors[0].Extensions["retryAfter"], openFor.Seconds(), r.Errors[0])
			}
		}
	}

	// /readyz: ready, saying which breaker is open.
	if status, b := readyzBreakers(t, g); status != http.StatusOK || b["tradegecko"]["read"] != "open" || b["tradegecko"]["write"] != "closed" {
		t.Errorf("/readyz with the read breaker open: %d, breakers %v; want 200, read open, write closed", status, b)
	}
	// /metrics: the states, and the fast failures.
	resp, body := get(t, g.url+"/metrics", map[string]string{"Authorization": "Bearer " + adminKey})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	for _, m := range []struct {
		name   string
		labels []string
		min    float64
		max    float64
	}{
		{"gateway_upstream_breaker_state", []string{"backend", "tradegecko", "kind", "read"}, 2, 2},
		{"gateway_upstream_breaker_state", []string{"backend", "tradegecko", "kind", "write"}, 0, 0},
		{"gateway_upstream_breaker_refused_total", []string{"backend", "tradegecko", "kind", "read"}, 28, 30},
		{"gateway_upstream_breaker_refused_total", []string{"backend", "tradegecko", "kind", "write"}, 0, 0},
	} {
		if v, ok := metric(body, m.name, m.labels...); !ok || v < m.min || v > m.max {
			t.Errorf("%s%v = %v (found %v), want %v to %v", m.name, m.labels, v, ok, m.min, m.max)
		}
	}

	// TradeGecko is back; reads are still refused for a while, but the
	// write breaker never opened: an order goes out at once.
	g.sb.SetOutage(0)
	back := time.Now()
	var order orderPayload
	if n := g.upstream(func() {
		order = g.createOrder(adminKey, map[string]any{
			"idempotencyKey": "breaker-1",
			"companyId":      "gid://tradegecko/Company/2", "shippingAddressId": "gid://tradegecko/Address/3",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/7", "quantity": "1"}},
		})
	}); n == 0 {
		t.Errorf("createOrder sent nothing")
	}
	noUserErrors(t, "createOrder with the read breaker open", order)

	// Reads recover by themselves: after the open interval one probe goes
	// through, succeeds, and closes the breaker.
	var recovered time.Duration
	for i := 100; ; i++ {
		r := coldRead(g, i)
		if len(r.Errors) == 0 {
			recovered = time.Since(back)
			break
		}
		if r.code(0) != "UPSTREAM_UNAVAILABLE" {
			t.Fatalf("a cold read after the outage: %+v", r.Errors)
		}
		if time.Since(back) > openFor+5*time.Second {
			t.Fatalf("reads have not recovered %v after TradeGecko came back: %+v", time.Since(back), r.Errors)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("reads recovered %v after TradeGecko came back (open interval %v)", recovered, openFor)
	if status, b := readyzBreakers(t, g); status != http.StatusOK || b["tradegecko"]["read"] != "closed" {
		t.Errorf("/readyz after recovery: %d, breakers %v", status, b)
	}
}

// With the read breaker open, what the cache holds is still served,
// marked stale, and costs the upstream nothing (its background refresh is
// refused too); what it does not hold fails fast.
func TestBreakerOpenServesStale(t *testing.T) {
	t.Parallel()
	const ttl = time.Second
	g := newGateway(t, gatewayOptions{cache: server.CacheConfig{CatalogTTL: ttl, StockTTL: ttl},
		opts: []server.Option{server.WithBreakerOptions(circuit.WithOpenFor(time.Minute))}})
	want := mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil))
	time.Sleep(ttl + 100*time.Millisecond)

	g.sb.SetOutage(http.StatusServiceUnavailable)
	for i := 0; ; i++ {
		if _, b := readyzBreakers(t, g); b["tradegecko"]["read"] == "open" {
			break
		}
		if i == 10 {
			t.Fatal("ten failing cold reads did not open the read breaker")
		}
		if r := coldRead(g, farVariant+i); r.code(0) != "UPSTREAM_UNAVAILABLE" {
			t.Fatalf("a cold read during the outage: %+v %s (upstream requests %d)", r.Errors, r.Data, g.sb.RequestCount())
		}
	}
	n := g.upstream(func() {
		for i := range 2 { // the second after the refused background refresh
			r := g.query(storefrontKey, storefrontQuery, nil)
			got := mustData[productsPage](t, r)
			if len(got.Products.Nodes) != len(want.Products.Nodes) || r.Extensions["stale"] != true {
				t.Errorf("query %d with the breaker open: %d products (want %d), extensions %v", i, len(got.Products.Nodes), len(want.Products.Nodes), r.Extensions)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if r := coldRead(g, farVariant+99); r.code(0) != "UPSTREAM_UNAVAILABLE" {
			t.Errorf("a cold read with the breaker open: %+v", r.Errors)
		}
	})
	if n != 0 {
		t.Errorf("with the breaker open, the gateway sent %d upstream requests", n)
	}
}
