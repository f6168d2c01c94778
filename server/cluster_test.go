package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	scsandbox "github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// Two replicas on a real Redis Cluster (REDIS_ADDRS with three masters, so
// the gateway runs go-redis's cluster client): the catalog cache, the
// idempotency records, the webhook dedup ids and events stream (consumer
// groups) and both upstream budgets work there as on one node — no
// CROSSSLOT, no commands the cluster client cannot route.
func TestReplicasOnACluster(t *testing.T) {
	t.Parallel()
	cs := redistest.Cluster(t, 3)
	rdb := cs.Client(t)
	ctx := context.Background()

	t.Run("records", func(t *testing.T) {
		const consignmentLimit = 6
		up := newSharedSandbox(t, sandbox.Options{})
		evs := newEvents()
		gws := replicas(t, 2, gatewayOptions{upstream: up, redisAddrs: cs.Addrs, backends: true, webhooks: true,
			consignment: scsandbox.Options{RateLimit: consignmentLimit}, requestTimeout: 5 * time.Second,
			opts: []server.Option{server.WithEventObserver(evs.observe)}})
		a, b := gws[0], gws[1]

		// A storefront page: cold on a, then warm on both.
		cold := a.upstream(func() { mustData[productsPage](t, a.query(storefrontKey, storefrontQuery, nil)) })
		if cold == 0 || cold > 2 {
			t.Errorf("a cold storefront query cost %d requests, want 1..2: %v", cold, paths(up.sb))
		}
		for i, g := range gws {
			if n := g.upstream(func() { mustData[productsPage](t, g.query(storefrontKey, storefrontQuery, nil)) }); n != 0 {
				t.Errorf("a warm storefront query on replica %d cost %d requests: %v", i, n, paths(up.sb))
			}
		}

		// One idempotency key, six concurrent requests over both replicas:
		// one order.
		up.sb.ResetRequests()
		oneOrderPerKey(t, gws, 6, "cluster-order-1")

		// One signed delivery, handed to both replicas: accepted by both,
		// queued on the stream, processed once.
		body := []byte(`{"object_id":7654321,"event":"fulfillments.create","timestamp":1546272000,"resource_url":"https://api.tradegecko.com/fulfillments/7654321.json"}`)
		sig := server.Sign(sandbox.DefaultClientSecret, body)
		for i, g := range gws {
			if got := g.deliver(body, sig, "cluster-delivery-1"); got != http.StatusOK {
				t.Fatalf("delivery to replica %d: status %d", i, got)
			}
		}
		evs.wait(t, func(e commerce.Event) bool { return e.DeliveryID == "cluster-delivery-1" })
		time.Sleep(500 * time.Millisecond) // room for a second processing, were there one
		evs.mu.Lock()
		n := 0
		for _, e := range evs.list {
			if e.DeliveryID == "cluster-delivery-1" {
				n++
			}
		}
		evs.mu.Unlock()
		if n != 1 {
			t.Errorf("a delivery handed to two replicas was processed %d times, want once", n)
		}

		// A stock change upstream: the sandbox's webhook reaches the
		// replicas, and b's cached stock is fresh within a second.
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
		for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			if onHand, _, _ := b.stock(sku); onHand == want {
				break
			}
			if time.Since(start) > time.Second {
				t.Fatalf("a second after the stock changed, replica b still shows %s (want %s); deliveries: %+v", before, want, up.sb.Deliveries())
			}
		}

		// SimpleConsign's budget is one for both replicas: a burst of
		// twelve sales records fewer than the budget and never meets the
		// upstream's own limit.
		recorded, limited := saleBurst(t, gws, up.sc, 12, "WEB-C")
		if recorded < consignmentLimit/2 || recorded >= consignmentLimit || limited != 12-recorded {
			t.Errorf("2 replicas recorded %d sales, %d RATE_LIMITED; want fewer than the budget of %d in all", recorded, limited, consignmentLimit)
		}

		// /metrics reads each budget's room from the cluster: SimpleConsign's
		// is spent (the margin of one remains unused).
		_, metricsBody := get(t, b.url+"/metrics", adminAuth())
		if v, ok := metric(metricsBody, "gateway_ratelimit_budget_remaining", "budget", "simpleconsign"); !ok || v != 0 {
			t.Errorf("gateway_ratelimit_budget_remaining{budget=simpleconsign} = %v (reported %v), want 0", v, ok)
		}
		if _, ok := metric(metricsBody, "gateway_ratelimit_budget_remaining", "budget", "tradegecko"); !ok {
			t.Error("no gateway_ratelimit_budget_remaining{budget=tradegecko}")
		}

		// What the replicas shared is on the cluster, each under its
		// hash tag.
		for _, key := range []string{"{rl:tradegecko}:log", "{rl:simpleconsign}:log", "{events:tradegecko}:stream",
			"{delivery:cluster-delivery-1}"} {
			if n, err := rdb.Exists(ctx, key).Result(); err != nil || n != 1 {
				t.Errorf("EXISTS %s on the cluster = %d, %v", key, n, err)
			}
		}
	})

	// TradeGecko's budget, scaled down to 20 requests per 2 s, held by two
	// replicas under 20 clients reading what no cache holds.
	t.Run("budget", func(t *testing.T) {
		const (
			limit  = 20
			window = 2 * time.Second
			run    = 2 * window
		)
		up := newSharedSandbox(t, sandbox.Options{RateLimit: limit, RateWindow: window})
		gws := replicas(t, 2, gatewayOptions{upstream: up, redisAddrs: cs.Addrs, rateLimit: limit, rateWindow: window,
			requestTimeout: 2 * window})
		time.Sleep(window + 300*time.Millisecond) // the start-up requests leave the window
		up.sb.ResetRequests()
		burst, cancel := context.WithTimeout(ctx, run)
		defer cancel()
		ok, limited := readStorm(t, burst, gws, 20)()
		refused := 0
		for _, q := range up.sb.Requests() {
			if q.Status == http.StatusTooManyRequests {
				refused++
			}
		}
		t.Logf("%d reads answered, %d RATE_LIMITED by the gateway, %d refused upstream (429)", ok, limited, refused)
		if refused != 0 {
			t.Errorf("the upstream answered 429 %d times: the replicas overran the budget", refused)
		}
		// Reads may take 20 - 1 (margin) - 2 (reserve) = 17 per window.
		if n, want := ok, int64(17*int(run/window)/2); n < want {
			t.Errorf("only %d reads answered in %s, want at least %d: the limiter starves them", n, run, want)
		}
	})
}
