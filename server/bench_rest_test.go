package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/server"
)

// BenchmarkRESTProductsPage is a REST list page (GET /v1/products?first=50)
// over loopback HTTP from parallel clients: rest-hit through a gateway with
// the response cache on, answered from it, beside echo-same-bytes, a bare
// echo handler answering the same bytes, both uncompressed. The parent
// prints the ratios measured in this run.
func BenchmarkRESTProductsPage(b *testing.B) {
	g := newGateway(b, gatewayOptions{sandbox: sandbox.Options{RateLimit: 1 << 30}, rateLimit: 1 << 30,
		cache:  server.CacheConfig{ResponseBytes: server.DefaultResponseCacheBytes},
		limits: server.LimitsConfig{ClientRateLimit: 1 << 30}}) // raised for the bench, as the issue allows
	get := func(client *http.Client, url string) ([]byte, error) {
		req, _ := http.NewRequest(http.MethodGet, url+"/v1/products?first=50", nil)
		// A storefront key: an admin's list carries cost prices, never shared.
		req.Header.Set("Authorization", "Bearer "+storefrontKey)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = &httpError{resp.StatusCode}
		}
		return body, err
	}
	page, err := get(http.DefaultClient, g.url)
	if err != nil || !bytes.Contains(page, []byte(`"data":[{`)) {
		b.Fatalf("GET /v1/products: %v %.200s", err, page)
	}
	e := echo.New()
	e.GET("/v1/products", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, page) })
	floor := httptest.NewServer(e)
	b.Cleanup(floor.Close)

	results := map[string]loadResult{}
	run := func(name, url string) {
		b.Run(name, func(b *testing.B) {
			g.sb.ResetRequests()
			var mu sync.Mutex
			var lat []time.Duration
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				// Identity bytes both ways (the gateway would otherwise send
				// its stored gzip, a tenth of what echo writes).
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					if _, err := get(client, url); err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			if len(lat) == 0 {
				return
			}
			slices.Sort(lat)
			r := loadResult{perSec: float64(len(lat)) / elapsed.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
			b.ReportMetric(float64(r.p50.Nanoseconds()), "p50-ns")
			b.ReportMetric(r.perSec, "req/s")
			if url == g.url {
				b.ReportMetric(float64(g.sb.RequestCount())/float64(len(lat)), "upstream/op")
			}
			results[name] = r
		})
	}
	run("rest-hit", g.url)
	run("echo-same-bytes", floor.URL)
	if h, f := results["rest-hit"], results["echo-same-bytes"]; h.perSec > 0 && f.perSec > 0 {
		fmt.Printf("BenchmarkRESTProductsPage: rest-hit %.0f req/s (p50 %v); echo with the same %d bytes %.0f req/s (p50 %v); throughput %.2f, p50 latency %.1fx\n",
			h.perSec, h.p50.Round(time.Microsecond), len(page), f.perSec, f.p50.Round(time.Microsecond), h.perSec/f.perSec, float64(h.p50)/float64(f.p50))
	}
}
