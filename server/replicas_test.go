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

	scsandbox "github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
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

// oneOrderPerKey sends n concurrent createOrder requests with one
// idempotency key, round robin over gws, and checks that the upstream got
// one order and every request answered it. The upstream's request log
// should be reset before.
func oneOrderPerKey(t *testing.T, gws []*gateway, n int, key string) {
	t.Helper()
	input := map[string]any{"idempotencyKey": key, "companyId": "gid://tradegecko/Company/1",
		"shippingAddressId": "gid://tradegecko/Address/1",
		"lineItems":         []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			resp, err := gws[i%len(gws)].postQuery(context.Background(), adminKey,
				`mutation($in: CreateOrderInput!) { createOrder(input: $in) { order { id } userErrors { code } } }`, map[string]any{"in": input})
			var d struct {
				CreateOrder struct{ Order *struct{ ID string } }
			}
			if err == nil {
				err = json.Unmarshal(resp.Data, &d)
			}
			if err != nil || len(resp.Errors) > 0 || d.CreateOrder.Order == nil {
				t.Errorf("request %d: %v %+v %s", i, err, resp.Errors, resp.Data)
				return
			}
			ids[i] = d.CreateOrder.Order.ID
		})
	}
	wg.Wait()
	if posts := countRequests(gws[0].sb, http.MethodPost, "/orders"); posts != 1 {
		t.Errorf("one idempotency key on %d replicas sent %d orders, want 1", len(gws), posts)
	}
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("request %d answered order %q, request 0 %q", i, id, ids[0])
		}
	}
}

// readStorm starts clients that send uncached reads (orders are never
// cached: every query is a miss), spread over gws, until ctx ends. Its
// result waits for them and counts the reads answered and those
// RATE_LIMITED; any other answer fails the test.
func readStorm(t *testing.T, ctx context.Context, gws []*gateway, clients int) func() (ok, limited int64) {
	var okN, limitedN atomic.Int64
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			g := gws[i%len(gws)]
			for ctx.Err() == nil {
				resp, err := g.postQuery(ctx, adminKey, `{ orders(first: 1) { totalCount } }`, nil)
				switch {
				case ctx.Err() != nil:
				case err != nil:
					t.Errorf("read: %v", err)
					return
				case len(resp.Errors) == 0:
					okN.Add(1)
				case resp.code(0) == "RATE_LIMITED":
					limitedN.Add(1)
				default:
					t.Errorf("read: %+v", resp.Errors)
					return
				}
			}
		})
	}
	return func() (int64, int64) {
		wg.Wait()
		return okN.Load(), limitedN.Load()
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
			storm := readStorm(t, ctx, gws, 50)

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
			ok, limited := storm()

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
				ok, limited, reads, writesSent, refused)
			if refused != 0 {
				t.Errorf("the upstream answered 429 %d times: the replicas overran the budget", refused)
			}
			// Reads alone (not the lookups of the writes, also GETs).
			if budget, n := limit*int(run/window), int(ok); n*10 < budget*8 {
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
			url := r.url(t)
			gws := replicas(t, 3, gatewayOptions{upstream: up, redisURL: url})

			// 50 identical cold queries at once, across the replicas, with
			// an upstream slow enough that they all overlap.
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
			if cold == 0 || cold > one {
				t.Errorf("50 identical cold queries on 3 replicas cost %d requests; one costs %d: %v", cold, one, paths(up.sb))
			}
			for i, g := range gws {
				if n := g.upstream(func() { mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil)) }); n != 0 {
					t.Errorf("a warm query on replica %d cost %d requests: %v", i, n, paths(up.sb))
				}
			}

			// The walk, on a cache of its own (another database of the same
			// Redis) so nothing above helps it, a page per replica in turn.
			walkers := replicas(t, 3, gatewayOptions{upstream: up, redisURL: url + "/1"})
			total, pages := 0, 0
			walk := walkers[0].upstream(func() {
				after := ""
				for {
					vars := map[string]any{}
					if after != "" {
						vars["after"] = after
					}
					page := mustData[productsPage](t, walkers[pages%3].query(adminKey,
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
			if want := (total+249)/250 + 1; walk == 0 || walk > want {
				t.Errorf("walking %d products in %d pages cost %d requests, want 1..%d: %v", total, pages, walk, want, paths(up.sb))
			}
			t.Logf("one cold query: %d requests; 50 at once on 3 replicas: %d; the walk of %d products: %d", one, cold, total, walk)
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

// On a healthy sandbox, cached data past its freshness is fetched again,
// not served stale: no extensions.stale in GraphQL, no Warning in REST.
// Stale means the upstream failed or the budget is spent
// (TestStaleWhenTheUpstreamFails).
func TestNotStaleWhenTheUpstreamIsHealthy(t *testing.T) {
	t.Parallel()
	const ttl = time.Second
	g := newGateway(t, gatewayOptions{cache: server.CacheConfig{CatalogTTL: ttl, StockTTL: ttl}})
	restProducts := func() (*http.Response, string) {
		return get(t, g.url+"/v1/products?first=50", map[string]string{"Authorization": "Bearer " + storefrontKey})
	}
	mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil))
	restProducts()
	for i := range 2 {
		time.Sleep(ttl + 100*time.Millisecond) // past every freshness
		for _, door := range []string{"GraphQL", "REST"} {
			t.Run(fmt.Sprintf("%s after %d TTLs", door, i+1), func(t *testing.T) {
				if door == "GraphQL" {
					r := g.query(storefrontKey, storefrontQuery, nil)
					mustData[productsPage](t, r)
					if r.Extensions["stale"] != nil {
						t.Errorf("extensions = %v, want no stale", r.Extensions)
					}
					return
				}
				resp, body := restProducts()
				if resp.StatusCode != http.StatusOK || resp.Header.Get("Warning") != "" {
					t.Errorf("GET /v1/products = %d, Warning %q, want 200 and none: %.200s", resp.StatusCode, resp.Header.Get("Warning"), body)
				}
			})
		}
	}
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
			// Token requests pass through the shared budget and its
			// metrics like every other upstream request.
			counted := 0.0
			for _, g := range gws {
				_, body := get(t, g.url+"/metrics", map[string]string{"Authorization": "Bearer " + adminKey})
				v, _ := metric(body, "gateway_upstream_requests_total", "backend", "tradegecko", "endpoint", "POST /oauth/token")
				counted += v
			}
			if want := float64(up.sb.TokenRequests()); counted != want {
				t.Errorf("the replicas' metrics count %v token requests; the sandbox saw %v", counted, want)
			}
		})
	}
}

// What must be shared lives in Redis, and three replicas behave as one:
// an idempotency key sent to all of them at once makes one order; a
// webhook delivery handed to each is processed once; a sale recorded on
// one is a safe retry on another and in the ledger read on a third; a
// return whose outcome was lost on one is not resent from another, is
// listed and resolved on a third; an international order placed on one is
// read and replayed on the others.
func TestReplicasShareRecords(t *testing.T) {
	t.Parallel()
	for _, r := range sharedRedises() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			up := newSharedSandbox(t, sandbox.Options{})
			evs := newEvents()
			gws := replicas(t, 3, gatewayOptions{upstream: up, redisURL: r.url(t), backends: true, webhooks: true,
				opts: []server.Option{server.WithEventObserver(evs.observe)}})
			a, b, c := gws[0], gws[1], gws[2]

			// One idempotency key, nine concurrent requests over three replicas.
			up.sb.ResetRequests()
			oneOrderPerKey(t, gws, 9, "replicas-order-1")

			// One webhook delivery, handed to every replica.
			body := []byte(`{"object_id":1234567,"event":"fulfillments.create","timestamp":1546272000,"resource_url":"https://api.tradegecko.com/fulfillments/1234567.json"}`)
			sig := server.Sign(sandbox.DefaultClientSecret, body)
			for _, g := range gws {
				if got := g.deliver(body, sig, "replicas-delivery-1"); got != http.StatusOK {
					t.Fatalf("delivery: status %d", got)
				}
			}
			evs.wait(t, func(e commerce.Event) bool { return e.DeliveryID == "replicas-delivery-1" })
			time.Sleep(500 * time.Millisecond) // room for a second processing, were there one
			evs.mu.Lock()
			n := 0
			for _, e := range evs.list {
				if e.DeliveryID == "replicas-delivery-1" {
					n++
				}
			}
			evs.mu.Unlock()
			if n != 1 {
				t.Errorf("a delivery handed to three replicas was processed %d times, want once", n)
			}

			// A sale on a, retried on b, read on c.
			sale := map[string]any{"orderNumber": "WEB-R1", "items": []any{
				map[string]any{"sku": "AD4J56", "unitPrice": "12.99", "quantity": 2},
				map[string]any{"sku": "GFFY72", "unitPrice": "54.00", "quantity": 1},
			}}
			first, resp := a.sale(adminKey, sale)
			if first.Transaction == nil {
				t.Fatalf("sale on a: %+v %+v", resp.Errors, first.UserErrors)
			}
			if sent := a.scRequests(func() {
				again, resp := b.sale(adminKey, sale)
				if again.Transaction == nil || again.Transaction.ID != first.Transaction.ID {
					t.Errorf("the sale retried on b: %+v %+v", resp.Errors, again)
				}
			}); sent != 0 {
				t.Errorf("the sale retried on b sent %d requests", sent)
			}
			ledger := mustData[struct{ ConsignmentTransactions []consignmentTx }](t,
				c.query(adminKey, `{ consignmentTransactions(orderNumber: "WEB-R1") { id type outcome } }`, nil)).ConsignmentTransactions
			if len(ledger) != 1 || ledger[0].ID != first.Transaction.ID || ledger[0].Outcome != "RECORDED" {
				t.Errorf("the ledger read on c: %+v", ledger)
			}

			// A return whose answer is lost on a: not resent from b; listed
			// and resolved on c; then answered as recorded on a.
			lost := map[string]any{"orderNumber": "WEB-R1", "idempotencyKey": "replicas-return-1",
				"items": []any{map[string]any{"sku": "GFFY72", "unitPrice": "54.00", "quantity": 1}}}
			a.sc.DropNextResponses(1)
			_, resp = a.ret(lost)
			pendingID, _ := func() (string, bool) {
				if resp.code(0) != "OUTCOME_UNKNOWN" {
					return "", false
				}
				id, ok := resp.Errors[0].Extensions["pendingWriteId"].(string)
				return id, ok
			}()
			if pendingID == "" {
				t.Fatalf("a dropped return on a: %+v", resp.Errors)
			}
			if sent := a.scRequests(func() {
				if _, again := b.ret(lost); again.code(0) != "OUTCOME_UNKNOWN" {
					t.Errorf("the unknown return retried on b: %+v", again.Errors)
				}
			}); sent != 0 {
				t.Errorf("the unknown return was resent from b (%d requests)", sent)
			}
			const pending = `{ pendingWrites { id } }`
			if pw := mustData[struct{ PendingWrites []struct{ ID string } }](t, c.query(adminKey, pending, nil)).PendingWrites; len(pw) != 1 || pw[0].ID != pendingID {
				t.Fatalf("pendingWrites on c = %+v, want %s", pw, pendingID)
			}
			res := mustData[struct {
				ResolvePendingWrite struct{ PendingWrite *struct{ ID string } }
			}](t, c.query(adminKey, `mutation($id: ID!) { resolvePendingWrite(id: $id, recorded: true) { pendingWrite { id } userErrors { code } } }`,
				map[string]any{"id": pendingID}))
			if res.ResolvePendingWrite.PendingWrite == nil {
				t.Fatalf("resolvePendingWrite on c: %+v", res)
			}
			if pw := mustData[struct{ PendingWrites []struct{ ID string } }](t, a.query(adminKey, pending, nil)).PendingWrites; len(pw) != 0 {
				t.Errorf("still pending on a: %+v", pw)
			}
			if p, resp := a.ret(lost); len(resp.Errors) > 0 || p.Transaction == nil || p.Transaction.Outcome != "RECORDED" {
				t.Errorf("the resolved return on a: %+v %+v", resp.Errors, p)
			}

			// An international order placed on a, read on b, replayed on c.
			placed := mustData[intlPayload](t, a.query(adminKey, placeIntl, map[string]any{"in": specOrder()})).PlaceInternationalOrder
			if placed.InternationalOrder == nil || placed.InternationalOrder.Quote == nil {
				t.Fatalf("placed on a: %+v", placed)
			}
			read := mustData[struct {
				InternationalOrder *struct{ Quote struct{ QuoteID string } }
			}](t, b.query(adminKey, `{ internationalOrder(merchantOrderId: "TG0000015") { quote { quoteId } } }`, nil))
			if read.InternationalOrder == nil || read.InternationalOrder.Quote.QuoteID != placed.InternationalOrder.Quote.QuoteID {
				t.Errorf("read on b: %+v", read)
			}
			if sent := a.tgcRequests(func() {
				again := mustData[intlPayload](t, c.query(adminKey, placeIntl, map[string]any{"in": specOrder()})).PlaceInternationalOrder
				if again.InternationalOrder == nil || again.InternationalOrder.Quote == nil || again.InternationalOrder.Quote.QuoteID != placed.InternationalOrder.Quote.QuoteID {
					t.Errorf("replayed on c: %+v", again)
				}
			}); sent != 0 {
				t.Errorf("placing again on c sent %d requests", sent)
			}
		})
	}
}

// With the budget spent, a read the cache holds (even past its freshness)
// is served at once, marked stale; a read it does not hold fails with
// RATE_LIMITED and retryAfter (REST: 429 with Retry-After) — at once, since
// the wait for a slot would outlast its deadline; the upstream never sees a
// request over the budget.
func TestBudgetSpent(t *testing.T) {
	t.Parallel()
	const ttl = time.Second
	g := newGateway(t, gatewayOptions{rateLimit: 10, rateWindow: time.Minute, requestTimeout: 5 * time.Second,
		cache: server.CacheConfig{CatalogTTL: ttl, StockTTL: ttl}})
	want := mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil))

	// Spend what is left of the budget on reads nothing holds.
	var limited gqlResponse
	for i := range 20 {
		r := g.query(storefrontKey, fmt.Sprintf(`{ variant(id: "gid://tradegecko/Variant/%d") { sku } }`, 100+i), nil)
		if r.code(0) == "RATE_LIMITED" {
			limited = r
			break
		}
		if len(r.Errors) > 0 {
			t.Fatalf("read %d: %+v", i, r.Errors)
		}
	}
	if limited.code(0) != "RATE_LIMITED" {
		t.Fatal("20 uncached reads on a budget of 10 were never refused")
	}
	if ra, _ := limited.Errors[0].Extensions["retryAfter"].(float64); ra <= 0 {
		t.Errorf("RATE_LIMITED without a positive retryAfter: %v", limited.Errors[0].Extensions)
	}
	resp, body := get(t, g.url+"/v1/variants/gid%3A%2F%2Ftradegecko%2FVariant%2F99", map[string]string{"Authorization": "Bearer " + storefrontKey})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("REST with the budget spent: %d, Retry-After %q: %.200s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}

	// What the cache holds is still served, past its freshness, marked stale.
	time.Sleep(ttl + 100*time.Millisecond)
	r := g.query(storefrontKey, storefrontQuery, nil)
	got := mustData[productsPage](t, r)
	if len(got.Products.Nodes) != len(want.Products.Nodes) || r.Extensions["stale"] != true {
		t.Errorf("the cached query with the budget spent: %d products (want %d), extensions %v", len(got.Products.Nodes), len(want.Products.Nodes), r.Extensions)
	}
	for _, req := range g.sb.Requests() {
		if req.Status == http.StatusTooManyRequests {
			t.Errorf("the upstream refused %s %s: the gateway overran the budget", req.Method, req.Path)
		}
	}
}

// Another app on the same account spends budget the replicas cannot see,
// until the upstream's X-Rate-Limit-* headers say so: from the first
// answer on, the replicas keep within what the upstream says is left
// (reads leaving their reserve); and when the upstream answers 429, every
// replica pauses until its reset instead of asking again.
func TestAnotherAppSpendsTheBudget(t *testing.T) {
	t.Parallel()
	const limit, window = 30, 3 * time.Second
	up := newSharedSandbox(t, sandbox.Options{RateLimit: limit, RateWindow: window})
	s, _ := redistest.Mini(t)
	gws := replicas(t, 2, gatewayOptions{upstream: up, redisURL: "redis://" + s.Addr, rateLimit: limit, rateWindow: window,
		requestTimeout: time.Second})
	read := func(g *gateway, n int) gqlResponse {
		return g.query(adminKey, fmt.Sprintf(`{ variant(id: "gid://tradegecko/Variant/%d") { sku } }`, n), nil)
	}
	refused := func() (n int) {
		for _, r := range up.sb.Requests() {
			if r.Status == http.StatusTooManyRequests {
				n++
			}
		}
		return n
	}

	// The other app spends 20 of the 30; the replicas learn it from their
	// first answer and stop short of the rest, never meeting a 429.
	time.Sleep(window) // the replicas' start-up requests leave the window
	up.sb.ResetRequests()
	up.sb.ResetRateLimit()
	if spent := up.sb.SpendRateLimit(20); spent != 20 {
		t.Fatalf("spent %d", spent)
	}
	ok, limited := 0, 0
	for i := range 20 {
		switch r := read(gws[i%2], 100+i); {
		case len(r.Errors) == 0:
			ok++
		case r.code(0) == "RATE_LIMITED":
			limited++
		default:
			t.Fatalf("read %d: %+v", i, r.Errors)
		}
	}
	if n := refused(); n != 0 {
		t.Errorf("the upstream refused %d requests after saying what was left", n)
	}
	if ok < 4 || ok > 10 || limited == 0 {
		t.Errorf("%d reads answered, %d RATE_LIMITED; want 4..10 answered (10 were left, reads keep a reserve) and the rest refused", ok, limited)
	}
	t.Logf("with 10 of 30 left: %d reads answered, %d refused by the gateway", ok, limited)

	// The other app spends everything: the next request meets a 429, and
	// neither replica asks again before the reset.
	time.Sleep(window)
	up.sb.ResetRequests()
	up.sb.ResetRateLimit()
	up.sb.SpendRateLimit(limit)
	if r := read(gws[0], 200); r.code(0) != "RATE_LIMITED" {
		t.Fatalf("a read on a spent account: %+v", r.Errors)
	}
	if n := refused(); n != 1 {
		t.Fatalf("%d requests refused, want the one", n)
	}
	for i, g := range gws {
		if sent := g.upstream(func() {
			if r := read(g, 300+i); r.code(0) != "RATE_LIMITED" {
				t.Errorf("replica %d read during the pause: %+v", i, r.Errors)
			} else if ra, _ := r.Errors[0].Extensions["retryAfter"].(float64); ra <= 0 {
				t.Errorf("replica %d: RATE_LIMITED without retryAfter", i)
			}
		}); sent != 0 {
			t.Errorf("replica %d asked the upstream %d times during the pause", i, sent)
		}
	}
	// After the reset, reads go through again.
	time.Sleep(window + 500*time.Millisecond)
	if r := read(gws[1], 400); len(r.Errors) > 0 {
		t.Errorf("a read after the reset: %+v", r.Errors)
	}
}

// SimpleConsign's ten-minute budget is one for all replicas: each keeps
// its own log of what it sent too, which alone would let every replica
// spend the whole budget; the shared limiter holds the sum within it.
func TestReplicasShareTheConsignmentBudget(t *testing.T) {
	t.Parallel()
	const limit = 6
	up := newSharedSandbox(t, sandbox.Options{})
	s, _ := redistest.Mini(t)
	gws := replicas(t, 3, gatewayOptions{upstream: up, redisURL: "redis://" + s.Addr, backends: true,
		consignment: scsandbox.Options{RateLimit: limit}, requestTimeout: 2 * time.Second})
	recorded, limited := saleBurst(t, gws, up.sc, 12, "WEB-R")
	if recorded < limit/2 || recorded >= limit || limited != 12-recorded {
		t.Errorf("3 replicas recorded %d sales, %d RATE_LIMITED; want fewer than the budget of %d in all", recorded, limited, limit)
	}
}
