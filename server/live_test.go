package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// awaitEvent waits for s's next event.
func awaitEvent(t *testing.T, s *changes.Subscription, within time.Duration) changes.Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatalf("subscription ended: %v", s.Err())
		}
		return e
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
	}
	return changes.Event{}
}

// Two gateways on one redis-server: the sandbox's stock webhook lands on
// a, and a subscriber on b hears of it within a second. With 200
// subscribers to that variant on b, the change costs one upstream request
// (the refresh), and their reads after it are warm.
func TestLiveAcrossReplicas(t *testing.T) {
	t.Parallel()
	up := newSharedSandbox(t, sandbox.Options{})
	url := "redis://" + redistest.Real(t).Addr
	newGateway(t, gatewayOptions{upstream: up, redisURL: url, webhooks: true}) // a: the sandbox delivers to it
	b := newGateway(t, gatewayOptions{upstream: up, redisURL: url})
	const sku = "DEMO-GOBS-PEA"
	id, ok := up.sb.VariantIDBySKU(sku)
	if !ok {
		t.Fatalf("no variant %s", sku)
	}
	before, _, _ := b.stock(sku) // warm
	subs := make([]*changes.Subscription, 200)
	for i := range subs {
		s, err := b.srv.Changes().Subscribe(changes.KindVariant, []int64{id})
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = s
	}
	want := "7"
	if before == want {
		want = "8"
	}
	up.sb.ResetRequests()
	start := time.Now()
	if err := up.sb.SetStock(id, 1, want); err != nil {
		t.Fatal(err)
	}
	for i, s := range subs {
		e := awaitEvent(t, s, 2*time.Second)
		if e.ID != id || e.Kind != changes.KindVariant {
			t.Fatalf("subscriber %d got %+v", i, e)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the webhook on a reached b's subscribers after %v, want within 1 s", d)
	}
	var wg sync.WaitGroup
	for range 20 { // the subscribers read the new state
		wg.Go(func() {
			if onHand, _, _ := b.stock(sku); onHand != want {
				t.Errorf("after the event b shows %s, want %s", onHand, want)
			}
		})
	}
	wg.Wait()
	if n := up.sb.RequestCount(); n != 1 {
		t.Errorf("one change with 200 subscribers cost %d upstream requests, want 1: %v", n, paths(up.sb))
	}
	t.Logf("webhook to 200 subscribers on the other replica: %v", time.Since(start))
}

// A storm of 1,000 stock webhooks for 1,000 subscribed variants costs at
// most 4 lookups of 250; every subscriber hears of its variant.
func TestLiveStorm(t *testing.T) {
	t.Parallel()
	// A window of 500 ms, not 100: a storm is told apart from a trickle by
	// webhooks arriving within a window, and a loaded test machine (-race,
	// every package at once) stalls the sender's goroutines for longer
	// than 100 ms, each stall one more lookup (10, with 4 cores busy).
	g := newGateway(t, gatewayOptions{webhooks: true, redisURL: "redis://" + redistest.Real(t).Addr,
		opts: []server.Option{server.WithCoalesceWindow(500 * time.Millisecond)}})
	const n = 1000
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	sub, err := g.srv.Changes().Subscribe(changes.KindVariant, ids)
	if err != nil {
		t.Fatal(err)
	}
	_ = sub
	// The queue (100 by default) would drop this subscriber: one per id.
	subs := make(map[int64]*changes.Subscription, n)
	for _, id := range ids {
		subs[id], _ = g.srv.Changes().Subscribe(changes.KindVariant, []int64{id})
	}
	sub.Close()
	post := func(body []byte, sig, delivery string) int {
		req, _ := http.NewRequest(http.MethodPost, g.url+"/webhooks/tradegecko", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Gecko-Signature", sig)
		req.Header.Set("X-Gecko-Delivery", delivery)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Open the client's connections first (unsigned: refused, no effect),
	// so the storm arrives as one.
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() { post([]byte(`{}`), "bad", "") })
	}
	wg.Wait()
	g.sb.ResetRequests()
	stormStart := time.Now()
	sem := make(chan struct{}, 64)
	for _, id := range ids {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			body := fmt.Appendf(nil, `{"object_id":%d,"event":"variant.stock_level_update","timestamp":%d,"resource_url":"x"}`, id, time.Now().Unix())
			if code := post(body, server.Sign(sandbox.DefaultClientSecret, body), "storm-"+strconv.FormatInt(id, 10)); code != http.StatusOK {
				t.Errorf("webhook %d: status %d", id, code)
			}
		})
	}
	wg.Wait()
	t.Logf("1,000 webhooks accepted in %v", time.Since(stormStart))
	for _, id := range ids {
		if e := awaitEvent(t, subs[id], 5*time.Second); e.ID != id {
			t.Fatalf("subscriber of %d got %+v", id, e)
		}
	}
	t.Logf("and delivered after %v", time.Since(stormStart))
	lookups := 0
	for _, p := range paths(g.sb) {
		if strings.Contains(p, "/variants") {
			lookups++
		}
	}
	if lookups > 4 || lookups != g.sb.RequestCount() {
		t.Errorf("1,000 stock webhooks cost %d variant lookups (%d requests), want at most 4: %v", lookups, g.sb.RequestCount(), paths(g.sb))
	}
}

// Order actions through the gateway reach an order subscriber.
func TestLiveOrderActions(t *testing.T) {
	t.Parallel()
	g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{MaxUpstreamPerOperation: 15}})
	p := newOrderFromStorefront(t, g, "live-1")
	if p.Order == nil {
		t.Fatalf("checkout = %+v", p)
	}
	id, err := strconv.ParseInt(p.Order.ID[strings.LastIndex(p.Order.ID, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := g.srv.Changes().Subscribe(changes.KindOrder, nil)
	one, _ := g.srv.Changes().Subscribe(changes.KindOrder, []int64{id})
	other, _ := g.srv.Changes().Subscribe(changes.KindOrder, []int64{id + 1000})
	for _, action := range []string{"invoiceOrder", "fulfilOrder"} {
		noUserErrors(t, action, g.act(adminKey, action, p.Order.ID))
		for _, s := range []*changes.Subscription{all, one} {
			if e := awaitEvent(t, s, time.Second); e.ID != id || e.Cause != "write "+action {
				t.Errorf("after %s: %+v", action, e)
			}
		}
	}
	select {
	case e := <-other.C:
		t.Errorf("a subscriber of another order got %+v", e)
	case <-time.After(200 * time.Millisecond):
	}
}

// An order's invoice and payment made in TradeGecko itself (not through the
// gateway) reach its subscribers by the sandbox's invoice.create and
// payment.create webhooks, at one request each to learn the order.
func TestLiveOrderWebhooks(t *testing.T) {
	t.Parallel()
	g := newGateway(t, gatewayOptions{webhooks: true, limits: server.LimitsConfig{MaxUpstreamPerOperation: 15}})
	p := newOrderFromStorefront(t, g, "live-webhooks")
	if p.Order == nil {
		t.Fatalf("checkout = %+v", p)
	}
	id, err := strconv.ParseInt(p.Order.ID[strings.LastIndex(p.Order.ID, "/")+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.sb.WaitDeliveries(t.Context()); err != nil {
		t.Fatal(err)
	}
	one, _ := g.srv.Changes().Subscribe(changes.KindOrder, []int64{id})
	g.sb.ResetRequests()
	for _, c := range []struct{ action, cause, lookup string }{
		{"invoice", "webhook invoice.create", "/invoices/"},
		{"pay", "webhook payment.create", "/payments/"},
	} {
		req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/orders/%d/actions/%s", g.upstreamURL, id, c.action), strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer sandbox-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			t.Fatalf("%s in the sandbox: %s", c.action, resp.Status)
		}
		if e := awaitEvent(t, one, 2*time.Second); e.ID != id || e.Cause != c.cause {
			t.Errorf("after %s in TradeGecko: %+v, want order %d by %q", c.action, e, id, c.cause)
		}
		lookups := 0
		for _, r := range g.sb.Requests() {
			if r.Method == http.MethodGet && strings.HasPrefix(r.Path, c.lookup) {
				lookups++
			}
		}
		if lookups != 1 {
			t.Errorf("after %s: %d lookups of GET %s…, want 1", c.action, lookups, c.lookup)
		}
	}
}
