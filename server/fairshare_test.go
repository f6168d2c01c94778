package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// typename asks the cheapest question there is, as key, from the client
// address xff names ("" sends no X-Forwarded-For).
func (g *gateway) typename(key, xff string) gqlResponse {
	g.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader([]byte(`{"query":"{ __typename }"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return g.do(req)
}

func rateLimited(r gqlResponse) bool {
	return len(r.Errors) == 1 && r.Errors[0].Extensions["code"] == string(commerce.CodeRateLimited) &&
		r.Errors[0].Extensions["retryAfter"] != nil
}

func TestClientRateLimit(t *testing.T) {
	tests := []struct {
		name    string
		proxies []netip.Prefix
		// other is the X-Forwarded-For of a second client; fresh: whether
		// it gets a quota of its own.
		other string
		fresh bool
	}{
		{"a trusted proxy names the client", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "203.0.113.9", true},
		{"an untrusted peer's X-Forwarded-For is ignored", nil, "203.0.113.9", false},
		{"a spoofed hop before a real one is ignored", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "198.51.100.1, 203.0.113.8", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{ClientRateLimit: 5, ClientRateWindow: time.Minute,
				TrustedProxies: tc.proxies}})
			first := "203.0.113.7"
			for i := range 5 {
				if r := g.typename(storefrontKey, first); len(r.Errors) > 0 {
					t.Fatalf("request %d: %+v", i+1, r.Errors)
				}
			}
			r := g.typename(storefrontKey, first)
			if !rateLimited(r) || !strings.Contains(r.Errors[0].Message, "5 per 1m0s") {
				t.Fatalf("the 6th request: %+v, want RATE_LIMITED with retryAfter naming the limit", r.Errors)
			}
			if r := g.typename(storefrontKey, tc.other); rateLimited(r) == tc.fresh {
				t.Errorf("another client (X-Forwarded-For %q): %+v; fresh quota = %v", tc.other, r.Errors, tc.fresh)
			}
			// Admin keys are server-side: not limited.
			for range 10 {
				if r := g.typename(adminKey, first); len(r.Errors) > 0 {
					t.Fatalf("admin: %+v", r.Errors)
				}
			}
			// REST says 429 with Retry-After.
			req, _ := http.NewRequest(http.MethodGet, g.url+"/v1/currencies", nil)
			req.Header.Set("Authorization", "Bearer "+storefrontKey)
			req.Header.Set("X-Forwarded-For", first)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
				t.Errorf("REST: %d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
			}
		})
	}
}

// Two replicas on one redis-server share one client's count.
func TestClientRateLimitAcrossReplicas(t *testing.T) {
	rs := redistest.Real(t)
	up := newSharedSandbox(t, sandbox.Options{})
	limits := server.LimitsConfig{ClientRateLimit: 10, ClientRateWindow: time.Hour}
	a := newGateway(t, gatewayOptions{upstream: up, redisURL: "redis://" + rs.Addr, limits: limits})
	b := newGateway(t, gatewayOptions{upstream: up, redisURL: "redis://" + rs.Addr, limits: limits})
	admitted := 0
	for i := range 30 {
		g := a
		if i%2 == 1 {
			g = b
		}
		if r := g.typename(storefrontKey, ""); len(r.Errors) == 0 {
			admitted++
		} else if !rateLimited(r) {
			t.Fatalf("%+v", r.Errors)
		}
	}
	// Leases of max(1, 10/20) = 1 permit: exact.
	if admitted != 10 {
		t.Errorf("two replicas admitted %d of one client's requests, want 10", admitted)
	}
}

// One client spends past its share while nobody else waits (work
// conservation); once another client waits for the budget, the first is
// refused and the other's cold read goes through.
func TestUpstreamShareWorkConserving(t *testing.T) {
	const other = "storefront-key-other-0123456789"
	g := newGateway(t, gatewayOptions{
		keys: []server.APIKey{{Key: adminKey, Role: commerce.RoleAdmin}, {Key: storefrontKey, Role: commerce.RoleStorefront},
			{Key: other, Role: commerce.RoleStorefront}},
		// 20 per 3 s: reads may hold 17, one client's share is 3.
		rateLimit: 20, rateWindow: 3 * time.Second, requestTimeout: 15 * time.Second,
		limits: server.LimitsConfig{ClientUpstreamShare: 0.2},
	})
	cold := func(key string, n int) gqlResponse {
		return g.query(key, fmt.Sprintf(`{ products(first: 1, filter: {brand: "share-%s-%d"}) { totalCount } }`, key, n), nil)
	}
	// Alone, the first client may spend well past its share of 3.
	for i := range 8 {
		if r := cold(storefrontKey, i); len(r.Errors) > 0 {
			t.Fatalf("lone client's cold read %d: %+v", i+1, r.Errors)
		}
	}
	// It keeps asking, filling the budget; then the other client asks.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var mu sync.Mutex
	shareRefusals := 0
	var admittedAt []time.Time // when the first client's successful reads started
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			began := time.Now()
			r := cold(storefrontKey, i)
			if len(r.Errors) == 0 {
				mu.Lock()
				admittedAt = append(admittedAt, began)
				mu.Unlock()
			}
			if testing.Verbose() && len(r.Errors) > 0 {
				t.Logf("first client: %+v", r.Errors)
			}
			if rateLimited(r) && strings.Contains(r.Errors[0].Message, "share") {
				mu.Lock()
				shareRefusals++
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}
	}()
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	r := cold(other, 1)
	done := time.Now()
	took := done.Sub(start)
	close(stop)
	wg.Wait()
	if len(r.Errors) > 0 {
		t.Fatalf("the waiting client's cold read: %+v", r.Errors)
	}
	// While the other waited, the first (past its share) took no slot
	// that freed: without shares its tight loop takes most of them.
	during := 0
	for _, at := range admittedAt {
		if at.After(start.Add(50*time.Millisecond)) && at.Before(done) {
			during++
		}
	}
	if during > 1 {
		t.Errorf("the client past its share was admitted %d times while the other waited %s", during, took)
	}
	t.Logf("the other client's read took %s; the first was refused %d times for its share", took, shareRefusals)
	// Cached answers are still served to the client past its share.
	if r := cold(storefrontKey, 0); len(r.Errors) > 0 {
		t.Errorf("a cached read of the client past its share: %+v", r.Errors)
	}
}
