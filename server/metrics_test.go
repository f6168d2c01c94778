package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/server"
)

// metric returns the value of the sample of name whose labels include
// labels, from a Prometheus text exposition.
func metric(body, name string, labels ...string) (float64, bool) {
	for line := range strings.SplitSeq(body, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(line, labels[i]+`="`+labels[i+1]+`"`) {
				match = false
			}
		}
		if !match {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		return v, err == nil
	}
	return 0, false
}

// /metrics counts what the gateway did: upstream requests by backend,
// endpoint and status; 429s and the pause they cause; the limiter's waits
// and the budget left; cache hits, misses and stale serves.
func TestMetrics(t *testing.T) {
	const ttl = time.Second
	g := newGateway(t, gatewayOptions{cache: server.CacheConfig{CatalogTTL: ttl, StockTTL: ttl}, requestTimeout: 2 * time.Second})
	// A 429 is sent once more after its reset; a second one is RATE_LIMITED.
	g.sb.FailNext(2, http.StatusTooManyRequests)
	if r := g.query(storefrontKey, `{ variant(id: "gid://tradegecko/Variant/999") { sku } }`, nil); r.code(0) != "RATE_LIMITED" {
		t.Errorf("two 429s: %+v", r.Errors)
	}
	// The pause after the 429 lasts until its reset, the next second.
	time.Sleep(time.Second)
	mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil)) // cold
	mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil)) // warm
	time.Sleep(ttl + 100*time.Millisecond)
	g.sb.SetOutage(http.StatusServiceUnavailable) // past its freshness, and no upstream to refresh it
	if r := g.query(storefrontKey, storefrontQuery, nil); r.Extensions["stale"] != true {
		t.Errorf("expected a stale answer: %v", r.Extensions)
	}
	g.sb.SetOutage(0)

	resp, body := get(t, g.url+"/metrics", map[string]string{"Authorization": "Bearer " + adminKey})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	for _, c := range []struct {
		name   string
		labels []string
		min    float64
	}{
		{"gateway_upstream_requests_total", []string{"backend", "tradegecko", "endpoint", "GET /products", "status", "200"}, 1},
		{"gateway_upstream_requests_total", []string{"backend", "tradegecko", "endpoint", "GET /variants", "status", "429"}, 2},
		{"gateway_upstream_throttled_total", []string{"backend", "tradegecko"}, 2},
		{"gateway_ratelimit_pauses_total", []string{"budget", "tradegecko"}, 1},
		{"gateway_ratelimit_wait_seconds_count", []string{"budget", "tradegecko", "priority", "read", "admitted", "true"}, 1},
		{"gateway_cache_lookups_total", []string{"kind", "products", "result", "hit"}, 50},
		{"gateway_cache_lookups_total", []string{"kind", "products_page", "result", "miss"}, 1},
		{"gateway_cache_lookups_total", []string{"kind", "variants", "result", "stale"}, 1},
		{"gateway_upstream_request_seconds_count", []string{"backend", "tradegecko"}, 1},
	} {
		v, ok := metric(body, c.name, c.labels...)
		if !ok || v < c.min {
			t.Errorf("%s%v = %v (found %v), want at least %v", c.name, c.labels, v, ok, c.min)
		}
	}
	if v, ok := metric(body, "gateway_ratelimit_budget_remaining", "budget", "tradegecko"); !ok || v >= 300 || v < 0 {
		t.Errorf("gateway_ratelimit_budget_remaining = %v (found %v), want what is left of 300 after the queries", v, ok)
	}
	// Ids never become label values.
	if strings.Contains(body, `endpoint="GET /variants/999"`) || strings.Contains(body, "999\"") {
		t.Error("an id leaked into a label")
	}
}
