package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// lockedBuffer collects a gateway's logs from any goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// readyzRedis returns /readyz's status and the "redis" member of its body.
func readyzRedis(t *testing.T, g *gateway) (int, map[string]any) {
	t.Helper()
	resp, body := get(t, g.url+"/readyz", nil)
	var b struct {
		Redis map[string]any `json:"redis"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("/readyz body %s: %v", body, err)
	}
	return resp.StatusCode, b.Redis
}

// awaitEpoch waits until g's /readyz says the epoch is want.
func awaitEpoch(t *testing.T, g *gateway, want string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, r := readyzRedis(t, g)
		if r["epoch"] == want {
			if status != http.StatusOK {
				t.Errorf("/readyz status %d with epoch %s; want 200 (the body says it, the status does not)", status, want)
			}
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz redis = %v after 5 s, want epoch %q", r, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func epochLostMetric(t *testing.T, g *gateway) float64 {
	t.Helper()
	_, body := get(t, g.url+"/metrics", map[string]string{"Authorization": "Bearer " + adminKey})
	v, ok := metric(body, "gateway_redis_epoch_lost")
	if !ok {
		t.Fatalf("/metrics has no gateway_redis_epoch_lost:\n%.2000s", body)
	}
	return v
}

func acknowledge(t *testing.T, g *gateway, key string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.url+server.EpochAcknowledgePath, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A Redis that comes back empty (FLUSHALL here) under two running
// replicas: both say so (an ERROR log line, the metric, /readyz's body,
// its status unchanged), both refuse every write whose exactly-once rests
// on the lost records, before any backend sees it, while reads go on; a
// storefront key cannot acknowledge; an admin's acknowledgement on one
// replica resumes writes on both.
func TestRedisEpochLost(t *testing.T) {
	rs := redistest.Real(t)
	up := newSharedSandbox(t, sandbox.Options{})
	var logsA, logsB lockedBuffer
	o := gatewayOptions{upstream: up, redisURL: "redis://" + rs.Addr, backends: true, epochCheck: 50 * time.Millisecond}
	oa, ob := o, o
	oa.logs, ob.logs = &logsA, &logsB
	a, b := newGateway(t, oa), newGateway(t, ob)

	// A fresh Redis on first start is not a loss.
	for _, g := range []*gateway{a, b} {
		if r := awaitEpoch(t, g, "ok"); r["id"] == "" {
			t.Errorf("/readyz redis = %v, want the epoch's id", r)
		}
		if v := epochLostMetric(t, g); v != 0 {
			t.Errorf("gateway_redis_epoch_lost = %v on a fresh Redis, want 0", v)
		}
	}
	if p := newOrderFromStorefront(t, a, "before-flush"); p.Order == nil {
		t.Fatalf("checkout before the flush: %+v", p)
	}

	if err := rs.Client(t).FlushAll(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	for i, g := range []*gateway{a, b} {
		r := awaitEpoch(t, g, "lost")
		if d, _ := r["detail"].(string); !strings.Contains(d, "Redis lost its data") {
			t.Errorf("replica %d: /readyz redis detail = %q", i, d)
		}
		if v := epochLostMetric(t, g); v != 1 {
			t.Errorf("replica %d: gateway_redis_epoch_lost = %v, want 1", i, v)
		}
	}
	for i, logs := range []*lockedBuffer{&logsA, &logsB} {
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "Redis lost its data") {
			t.Errorf("replica %d logged no ERROR naming the loss:\n%s", i, logs)
		}
	}

	ret := map[string]any{"orderNumber": "WEB-EPOCH-1", "idempotencyKey": "ret-epoch-1",
		"items": []any{map[string]any{"sku": "JK3305", "unitPrice": "10.00", "quantity": 1}}}
	sale := map[string]any{"orderNumber": "WEB-EPOCH-1", "items": ret["items"]}
	intl := specOrder()
	intl["merchantOrderId"] = "WEB-EPOCH-INTL"
	guest := map[string]any{"idempotencyKey": "after-flush",
		"company":         map[string]any{"name": "Guest Shopper", "email": "guest@example.com"},
		"shippingAddress": map[string]any{"address1": "1 Guest Lane", "city": "Auckland", "country": "New Zealand"},
		"lineItems":       []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}
	const createOrder = `mutation($input: CreateOrderInput!) { createOrder(input: $input) { order { id } userErrors { code } } }`
	writes := []struct {
		name, key, query string
		vars             map[string]any
	}{
		{"createOrder (guest)", storefrontKey, createOrder, map[string]any{"input": guest}},
		{"createOrder (admin)", adminKey, createOrder, map[string]any{"input": map[string]any{"idempotencyKey": "admin-after-flush",
			"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
			"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}}},
		{"createReturn", adminKey, `mutation($in: CreateReturnInput!) { createReturn(input: $in) { return { id } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"idempotencyKey": "ret-after-flush", "orderId": "gid://tradegecko/Order/1",
				"lineItems": []map[string]any{{"orderLineItemId": "gid://tradegecko/OrderLineItem/1", "quantity": "1"}}}}},
		{"recordConsignmentSale", adminKey, recordSale, map[string]any{"in": sale}},
		{"recordConsignmentReturn", adminKey, recordReturn, map[string]any{"in": ret}},
		{"placeInternationalOrder", adminKey, placeIntl, map[string]any{"in": intl}},
		{"resolvePendingWrite", adminKey, `mutation { resolvePendingWrite(id: "gid://simpleconsign/ConsignmentTransaction/WEB-1/RETURN/1", recorded: true) { userErrors { code } } }`, nil},
	}
	for _, w := range writes {
		t.Run("refused/"+w.name, func(t *testing.T) {
			for i, g := range []*gateway{a, b} {
				var r gqlResponse
				var sc, tgc int
				n := g.upstream(func() {
					sc = g.scRequests(func() { tgc = g.tgcRequests(func() { r = g.query(w.key, w.query, w.vars) }) })
				}) + sc + tgc
				if r.code(0) != "UPSTREAM_UNAVAILABLE" || !strings.Contains(r.Errors[0].Message, "Redis lost its data") ||
					!strings.Contains(r.Errors[0].Message, server.EpochAcknowledgePath) {
					t.Errorf("replica %d: %+v %s; want UPSTREAM_UNAVAILABLE explaining the loss and the acknowledgement", i, r.Errors, r.Data)
				}
				if n != 0 {
					t.Errorf("replica %d: %d requests reached a backend", i, n)
				}
			}
		})
	}
	// Reads go on.
	if r := b.query(storefrontKey, `{ products(first: 2) { nodes { id } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("a read while the epoch is lost: %+v", r.Errors)
	}

	// Only an admin may acknowledge.
	if status, body := acknowledge(t, a, storefrontKey); status != http.StatusForbidden {
		t.Errorf("acknowledge with a storefront key = %d %s, want 403", status, body)
	}
	if status, body := acknowledge(t, a, ""); status != http.StatusUnauthorized {
		t.Errorf("acknowledge without a key = %d %s, want 401", status, body)
	}
	awaitEpoch(t, a, "lost")
	status, body := acknowledge(t, a, adminKey)
	if status != http.StatusOK || !strings.Contains(body, `"acknowledged":true`) || !strings.Contains(body, "Redis lost its data") {
		t.Fatalf("acknowledge with the admin key = %d %s", status, body)
	}
	for _, g := range []*gateway{a, b} {
		awaitEpoch(t, g, "ok")
		if v := epochLostMetric(t, g); v != 0 {
			t.Errorf("gateway_redis_epoch_lost = %v after the acknowledgement, want 0", v)
		}
	}
	if p := newOrderFromStorefront(t, b, "after-ack"); p.Order == nil || len(p.UserErrors) > 0 {
		t.Errorf("checkout after the acknowledgement: %+v", p)
	}
	if r := a.query(adminKey, recordSale, map[string]any{"in": sale}); len(r.Errors) > 0 {
		t.Errorf("a consignment sale after the acknowledgement: %+v", r.Errors)
	}
}

// make run's embedded Redis: a new epoch at start, nothing lost.
func TestRedisEpochEmbedded(t *testing.T) {
	g := newGateway(t, gatewayOptions{epochCheck: 20 * time.Millisecond})
	time.Sleep(100 * time.Millisecond) // a few checks
	if status, r := readyzRedis(t, g); status != http.StatusOK || r["epoch"] != "ok" {
		t.Fatalf("/readyz = %d, redis %v; want ready, epoch ok", status, r)
	}
	if p := newOrderFromStorefront(t, g, "embedded-1"); p.Order == nil {
		t.Errorf("checkout on the embedded Redis: %+v", p)
	}
}
