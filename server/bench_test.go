package server_test

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// loadResult is one sub-benchmark's figures, kept for the comparison.
type loadResult struct {
	perSec   float64
	p50, p99 time.Duration
}

// BenchmarkProductsQuery is the storefront grid query (50 products with
// variants, prices and stock) over loopback HTTP, from parallel clients:
//
//   - gateway-hit: through a gateway with the response cache on
//     (RESPONSE_CACHE_SIZE), answered from it;
//   - gateway-warm: through the gateway with the response cache off,
//     answered from the Redis entity cache (a response-cache miss over a
//     warm entity cache);
//   - echo-same-bytes: a bare echo handler answering the same bytes from
//     memory, the floor for any HTTP service on this machine;
//   - gateway-cold: through the gateway with the cache emptied before
//     each query, so it goes to the sandbox.
//
// Each reports throughput (ns/op, with RunParallel), p50 and p99 latency
// and upstream requests per query; the parent logs the warm/echo ratios
// measured in this run (machines are noisy: compare ratios, not times).
func BenchmarkProductsQuery(b *testing.B) {
	rs, m := redistest.Mini(b)
	g := newGateway(b, gatewayOptions{sandbox: sandbox.Options{RateLimit: 1 << 30}, rateLimit: 1 << 30, redisURL: "redis://" + rs.Addr,
		cache: server.CacheConfig{ResponseBytes: -1}}) // off: the execution's cost
	body, _ := json.Marshal(map[string]any{"query": storefrontQuery})
	answer := g.rawQuery(b, g.url, body)
	if !bytes.Contains(answer, []byte(`"products"`)) {
		b.Fatalf("the storefront query failed: %s", answer)
	}
	e := echo.New()
	e.POST("/graphql", func(c echo.Context) error {
		_, _ = io.Copy(io.Discard, c.Request().Body)
		return c.JSONBlob(http.StatusOK, answer)
	})
	floor := httptest.NewServer(e)
	b.Cleanup(floor.Close)
	hitGW := newGateway(b, gatewayOptions{sandbox: sandbox.Options{RateLimit: 1 << 30}, rateLimit: 1 << 30,
		cache: server.CacheConfig{ResponseBytes: server.DefaultResponseCacheBytes}})
	if got := hitGW.rawQuery(b, hitGW.url, body); !bytes.Equal(got, answer) {
		b.Fatalf("the response-cached gateway answers differently:\n%s\n%s", got, answer)
	}

	results := map[string]loadResult{}
	run := func(name, url string, before func()) {
		b.Run(name, func(b *testing.B) {
			g.sb.ResetRequests()
			var mu sync.Mutex
			var lat []time.Duration
			b.ReportAllocs()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
				var mine []time.Duration
				for pb.Next() {
					if before != nil {
						before()
					}
					t0 := time.Now()
					if err := post(client, url, body); err != nil {
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
			b.ReportMetric(float64(r.p99.Nanoseconds()), "p99-ns")
			b.ReportMetric(r.perSec, "req/s")
			if url == g.url {
				b.ReportMetric(float64(g.sb.RequestCount())/float64(len(lat)), "upstream/op")
			}
			results[name] = r
		})
	}
	run("gateway-hit", hitGW.url, nil)
	run("gateway-warm", g.url, nil)
	run("echo-same-bytes", floor.URL, nil)
	run("gateway-cold", g.url, func() { m.FlushAll() })

	if w, f := results["gateway-warm"], results["echo-same-bytes"]; w.perSec > 0 && f.perSec > 0 {
		// Printed, not logged: a parent benchmark's log is shown only with -v.
		fmt.Printf("BenchmarkProductsQuery: gateway-warm %.0f req/s (p50 %v, p99 %v); echo with the same %d bytes %.0f req/s (p50 %v, p99 %v)\n",
			w.perSec, w.p50.Round(time.Microsecond), w.p99.Round(time.Microsecond), len(answer), f.perSec, f.p50.Round(time.Microsecond), f.p99.Round(time.Microsecond))
		fmt.Printf("BenchmarkProductsQuery: gateway-warm / echo-same-bytes: throughput %.3f, p50 latency %.0fx\n", w.perSec/f.perSec, float64(w.p50)/float64(f.p50))
		if h := results["gateway-hit"]; h.perSec > 0 {
			fmt.Printf("BenchmarkProductsQuery: gateway-hit %.0f req/s (p50 %v, p99 %v); gateway-hit / echo-same-bytes: throughput %.2f, p50 latency %.1fx\n",
				h.perSec, h.p50.Round(time.Microsecond), h.p99.Round(time.Microsecond), h.perSec/f.perSec, float64(h.p50)/float64(f.p50))
		}
		if c := results["gateway-cold"]; c.perSec > 0 {
			fmt.Printf("BenchmarkProductsQuery: gateway-warm / gateway-cold: throughput %.1fx\n", w.perSec/c.perSec)
		}
	}
}

func post(client *http.Client, url string, body []byte) error {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &httpError{resp.StatusCode}
	}
	return nil
}

type httpError struct{ status int }

func (e *httpError) Error() string { return http.StatusText(e.status) }

// rawQuery posts body and returns the response body as sent.
func (g *gateway) rawQuery(b testing.TB, url string, body []byte) []byte {
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return raw
}

// BenchmarkClientAccounting is the per-request cost of the fair-share
// accounting (server/edge/clients.go): the same `{ __typename }` over loopback HTTP
// from a storefront key, whose requests are counted against its client's
// rate (leases in a real redis-server) and marked for its upstream share,
// and from an admin key, whose requests skip both. The parent logs the
// ratio measured in this run.
func BenchmarkClientAccounting(b *testing.B) {
	rs := redistest.Real(b)
	g := newGateway(b, gatewayOptions{redisURL: "redis://" + rs.Addr,
		limits: server.LimitsConfig{ClientRateLimit: 1 << 30, ClientRateWindow: time.Hour}})
	body := []byte(`{"query":"{ __typename }"}`)
	perOp := map[string]float64{}
	for _, tc := range []struct{ name, key string }{{"without", adminKey}, {"with", storefrontKey}} {
		b.Run(tc.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+tc.key)
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
			perOp[tc.name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
	}
	if perOp["without"] > 0 {
		b.Logf("fair-share accounting: %.0f ns/request with, %.0f without: %.3f× (this run)",
			perOp["with"], perOp["without"], perOp["with"]/perOp["without"])
	}
}
