package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// BenchmarkStorefrontQuery is the storefront grid query end to end: HTTP
// in, GraphQL, the adapter, the sandbox over loopback HTTP, and back.
// Compare with BenchmarkEchoBaseline, which answers the same bytes from
// memory, to see what the gateway itself costs.
func BenchmarkStorefrontQuery(b *testing.B) {
	g := newGateway(b, gatewayOptions{sandbox: sandbox.Options{RateLimit: 1 << 30}})
	body, _ := json.Marshal(map[string]any{"query": storefrontQuery})
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+adminKey)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(g.sb.RequestCount())/float64(b.N), "upstream/op")
}

// BenchmarkEchoBaseline serves the storefront query's answer from memory
// through a bare echo handler over loopback HTTP: the floor for any query.
func BenchmarkEchoBaseline(b *testing.B) {
	g := newGateway(b, gatewayOptions{})
	answer := g.query(adminKey, storefrontQuery, nil).Data
	e := echo.New()
	e.POST("/graphql", func(c echo.Context) error {
		_, _ = io.Copy(io.Discard, c.Request().Body)
		return c.JSONBlob(http.StatusOK, answer)
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	body, _ := json.Marshal(map[string]any{"query": storefrontQuery})
	client := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}
