package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
	"github.com/commercegateway/gateway/server/rest"
)

// Several gateway instances sharing one Redis and one TradeGecko account,
// as replicas behind a load balancer run: with an in-process miniredis and
// with a real redis-server.

type sharedRedis struct {
	name string
	url  func(t *testing.T) string
}

func sharedRedises() []sharedRedis {
	return []sharedRedis{
		{"miniredis", func(t *testing.T) string { s, _ := redistest.Mini(t); return "redis://" + s.Addr }},
		{"redis-server", func(t *testing.T) string { return "redis://" + redistest.Real(t).Addr }},
	}
}

// replicas starts n gateways on o (o.upstream and o.redisURL shared).
func replicas(t *testing.T, n int, o gatewayOptions) []*gateway {
	t.Helper()
	gws := make([]*gateway, n)
	for i := range gws {
		gws[i] = newGateway(t, o)
	}
	return gws
}

// postQuery is query for use from any goroutine, ended by ctx.
func (g *gateway) postQuery(ctx context.Context, key, query string, vars map[string]any) (gqlResponse, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return gqlResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return gqlResponse{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResponse{}, err
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return gqlResponse{}, fmt.Errorf("status %d, not JSON: %s", resp.StatusCode, raw)
	}
	out.status = resp.StatusCode
	return out, nil
}

// Three replicas, 50 clients reading what no cache holds, and an account
// that allows 30 requests per 3 s (TradeGecko's 300 per 300 s, scaled
// down): the upstream never answers 429, reads use at least 80% of the
// budget, and writes sent during the storm go through while reads wait.
func TestReplicasKeepTheBudget(t *testing.T) {
	t.Parallel()
	const (
		limit  = 30
		window = 3 * time.Second
		run    = 3 * window
	)
	for _, r := range sharedRedises() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			up := newSharedSandbox(t, sandbox.Options{RateLimit: limit, RateWindow: window})
			gws := replicas(t, 3, gatewayOptions{upstream: up, redisURL: r.url(t), rateLimit: limit, rateWindow: window,
				requestTimeout: 2 * window})
			// The replicas' start-up requests (reference data) leave the
			// window first, so the storm starts on a full budget.
			time.Sleep(window + 300*time.Millisecond)
			up.sb.ResetRequests()

			ctx, cancel := context.WithTimeout(context.Background(), run)
			defer cancel()
			start := time.Now()
			var ok, limited atomic.Int64
			var wg sync.WaitGroup
			for i := range 50 {
				wg.Go(func() {
					g := gws[i%len(gws)]
					for ctx.Err() == nil {
						// Orders are never cached: every query is a miss.
						resp, err := g.postQuery(ctx, adminKey, `{ orders(first: 1) { totalCount } }`, nil)
						switch {
						case ctx.Err() != nil:
						case err != nil:
							t.Errorf("read: %v", err)
							return
						case len(resp.Errors) == 0:
							ok.Add(1)
						case resp.code(0) == "RATE_LIMITED":
							limited.Add(1)
						default:
							t.Errorf("read: %+v", resp.Errors)
							return
						}
					}
				})
			}

			// Writes while the reads wait: each an order, on another replica,
			// answered as a checkout asks (the order's id and number).
			const checkout = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id orderNumber } userErrors { code } } }`
			time.Sleep(window / 2)
			type write struct {
				took time.Duration
				err  error
			}
			writes := make([]write, 3)
			var wwg sync.WaitGroup
			for i := range writes {
				wwg.Go(func() {
					begin := time.Now()
					resp, err := gws[i].postQuery(context.Background(), adminKey, checkout, map[string]any{"input": map[string]any{
						"companyId": "gid://tradegecko/Company/1", "idempotencyKey": fmt.Sprintf("storm-%d", i),
						"shippingAddressId": "gid://tradegecko/Address/1", "billingAddressId": "gid://tradegecko/Address/2",
						"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}})
					if err == nil && (len(resp.Errors) > 0 || !bytes.Contains(resp.Data, []byte(`"userErrors":[]`))) {
						err = fmt.Errorf("%s %+v", resp.Data, resp.Errors)
					}
					writes[i] = write{time.Since(begin), err}
				})
			}
			wwg.Wait()
			wg.Wait()

			var refused, reads, writesSent int
			for _, q := range up.sb.Requests() {
				if q.At.Before(start) || !q.At.Before(start.Add(run)) {
					continue
				}
				switch {
				case q.Status == http.StatusTooManyRequests:
					refused++
				case q.Method == http.MethodGet && q.Status == http.StatusOK:
					reads++
				case q.Method != http.MethodGet:
					writesSent++
				}
			}
			t.Logf("%d reads answered, %d refused by the limiter (RATE_LIMITED), upstream: %d reads, %d writes, %d refused (429)",
				ok.Load(), limited.Load(), reads, writesSent, refused)
			if refused != 0 {
				t.Errorf("the upstream answered 429 %d times: the replicas overran the budget", refused)
			}
			// Reads alone (not the lookups of the writes, also GETs).
			if budget, n := limit*int(run/window), int(ok.Load()); n*10 < budget*8 {
				t.Errorf("reads used %d of %d requests (%d%%), want at least 80%%", n, budget, n*100/budget)
			}
			var took []time.Duration
			for i, w := range writes {
				if w.err != nil {
					t.Errorf("write %d during the storm: %v", i, w.err)
				}
				took = append(took, w.took)
			}
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			t.Logf("writes took %v", took)
			// Reads wait up to a whole window for a slot; writes use the
			// reserve they may not take.
			if slowest := took[len(took)-1]; slowest > window/3 {
				t.Errorf("writes took %v during the storm; they should not wait behind the reads", took)
			}
		})
	}
}

// What queries cost against a cache three replicas share: 50 identical
// cold queries at once cost what one costs, a warm query costs nothing on
// any replica, and a walk through the whole catalog, 100 at a time,
// costs ceil(N/250) + 1.
func TestReplicasShareTheCache(t *testing.T) {
	t.Parallel()
	// What one cold storefront query costs, on a gateway of its own.
	solo := newGateway(t, gatewayOptions{})
	one := solo.upstream(func() { mustData[productsPage](t, solo.query(storefrontKey, storefrontQuery, nil)) })
	if one == 0 {
		t.Fatal("a cold query cost nothing: it did not reach the sandbox")
	}
	for _, r := range sharedRedises() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			up := newSharedSandbox(t, sandbox.Options{})
			gws := replicas(t, 3, gatewayOptions{upstream: up, redisURL: r.url(t)})

			// The walk, on a cold cache, a page per replica in turn.
			total, pages := 0, 0
			walk := gws[0].upstream(func() {
				after := ""
				for {
					vars := map[string]any{}
					if after != "" {
						vars["after"] = after
					}
					page := mustData[productsPage](t, gws[pages%3].query(adminKey,
						`query($after: String) { products(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id name variants { id sku } } } }`, vars)).Products
					pages++
					total += len(page.Nodes)
					if !page.PageInfo.HasNextPage {
						break
					}
					after = page.PageInfo.EndCursor
				}
			})
			if n := up.sb.ProductCount(); total != n {
				t.Fatalf("the walk saw %d products of %d", total, n)
			}
			if want := (total+249)/250 + 1; walk > want {
				t.Errorf("walking %d products in %d pages cost %d requests, want at most %d: %v", total, pages, walk, want, paths(up.sb))
			}

			// 50 identical cold queries at once, across the replicas. (The
			// storefront query asks for stock, which the walk did not load.)
			up.sb.SetLatency(100 * time.Millisecond)
			cold := gws[0].upstream(func() {
				var wg sync.WaitGroup
				for i := range 50 {
					wg.Go(func() {
						if err := gws[i%3].queryErr(storefrontKey, storefrontQuery); err != nil {
							t.Errorf("query %d: %v", i, err)
						}
					})
				}
				wg.Wait()
			})
			up.sb.SetLatency(0)
			if cold > one {
				t.Errorf("50 identical cold queries on 3 replicas cost %d requests; one costs %d: %v", cold, one, paths(up.sb))
			}
			for i, g := range gws {
				if n := g.upstream(func() { mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil)) }); n != 0 {
					t.Errorf("a warm query on replica %d cost %d requests: %v", i, n, paths(up.sb))
				}
			}
		})
	}
}

// A signed variant.stock_level_update reaches one replica; within a second
// every replica's queries show the new stock, though it was cached.
func TestStockChangeVisibleWithinASecond(t *testing.T) {
	t.Parallel()
	up := newSharedSandbox(t, sandbox.Options{})
	s, _ := redistest.Mini(t)
	url := "redis://" + s.Addr
	newGateway(t, gatewayOptions{upstream: up, redisURL: url, webhooks: true}) // a, which the sandbox delivers to
	b := newGateway(t, gatewayOptions{upstream: up, redisURL: url})
	const sku = "DEMO-GOBS-PEA"
	id, ok := up.sb.VariantIDBySKU(sku)
	if !ok {
		t.Fatalf("no variant %s", sku)
	}
	before, _, _ := b.stock(sku)
	if n := b.upstream(func() { b.stock(sku) }); n != 0 {
		t.Fatalf("the stock query is not cached: %d requests", n)
	}
	want := "7"
	if before == want {
		want = "8"
	}
	if err := up.sb.SetStock(id, 1, want); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		onHand, _, _ := b.stock(sku)
		if onHand == want {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("a second after the stock changed, replica b still shows %s (want %s); deliveries: %+v", onHand, want, up.sb.Deliveries())
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("new stock visible after %v", time.Since(start))
}

// With TradeGecko answering 500, or down, cached data past its freshness
// is still served, marked stale: extensions.stale in GraphQL, a Warning
// header in REST.
func TestStaleWhenTheUpstreamFails(t *testing.T) {
	t.Parallel()
	const ttl = time.Second
	for _, down := range []string{"answers 500", "is down"} {
		t.Run(down, func(t *testing.T) {
			up := newSharedSandbox(t, sandbox.Options{})
			g := newGateway(t, gatewayOptions{upstream: up, cache: server.CacheConfig{CatalogTTL: ttl, StockTTL: ttl}})
			t0 := time.Now()
			fresh := g.query(storefrontKey, storefrontQuery, nil)
			took := time.Since(t0)
			want := mustData[productsPage](t, fresh)
			// (On a loaded machine the cold query itself may outlast the
			// TTL; only then may its own entries have aged.)
			if fresh.Extensions["stale"] != nil && took < ttl {
				t.Fatalf("a fresh answer is marked stale: %v", fresh.Extensions)
			}
			time.Sleep(ttl + 100*time.Millisecond)
			if down == "answers 500" {
				up.sb.FailNext(1000, http.StatusInternalServerError)
			} else {
				up.srv.Close()
			}
			for i := range 2 { // the second after a failed background refresh
				r := g.query(storefrontKey, storefrontQuery, nil)
				got := mustData[productsPage](t, r)
				if len(got.Products.Nodes) != len(want.Products.Nodes) || got.Products.Nodes[0].ID != want.Products.Nodes[0].ID {
					t.Errorf("query %d: %d products, want the %d cached", i, len(got.Products.Nodes), len(want.Products.Nodes))
				}
				if r.Extensions["stale"] != true {
					t.Errorf("query %d: extensions = %v, want stale: true", i, r.Extensions)
				}
				time.Sleep(50 * time.Millisecond)
			}
			resp, body := get(t, g.url+"/v1/products?first=50", map[string]string{"Authorization": "Bearer " + storefrontKey})
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Warning") != rest.StaleWarning {
				t.Errorf("REST: %d, Warning %q: %.200s", resp.StatusCode, resp.Header.Get("Warning"), body)
			}
		})
	}
}

// Three replicas × 50 goroutines on an access token TradeGecko no longer
// accepts cause exactly one token refresh: the replicas share the token
// and one refresher in Redis.
func TestReplicasRefreshTheTokenOnce(t *testing.T) {
	t.Parallel()
	for _, r := range sharedRedises() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			up := newSharedSandbox(t, sandbox.Options{RateLimit: 100000})
			url := r.url(t)
			gws := replicas(t, 3, gatewayOptions{upstream: up, redisURL: url, oauth: true, rateLimit: 100000})
			(&oauthGateway{gateway: gws[0]}).connect(t)
			// Every replica works on the stored token.
			for i, g := range gws {
				if err := g.queryErr(adminKey, `{ orders(first: 1) { totalCount } }`); err != nil {
					t.Fatalf("replica %d after connecting: %v", i, err)
				}
			}
			up.sb.ExpireAccessTokens()
			before := up.sb.TokenRequests()
			var wg sync.WaitGroup
			for i := range 150 {
				wg.Go(func() {
					// Distinct, uncached reads: each one meets the 401.
					q := fmt.Sprintf(`{ orders(first: %d) { totalCount } }`, 1+i%50)
					if err := gws[i%3].queryErr(adminKey, q); err != nil {
						t.Errorf("query %d on an expired token: %v", i, err)
					}
				})
			}
			wg.Wait()
			if n := up.sb.TokenRequests() - before; n != 1 {
				t.Errorf("150 queries on 3 replicas with an expired token caused %d token refreshes, want 1", n)
			}
		})
	}
}
