package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// The limits of the response cache, through real HTTP against the
// sandbox: what it must never share, never keep, keep too long, or keep
// past its Redis budget.

// staleAnswer reports whether a GraphQL answer says extensions.stale.
func staleAnswer(t *testing.T, body []byte) bool {
	t.Helper()
	var r struct {
		Extensions map[string]any `json:"extensions"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, body)
	}
	return r.Extensions["stale"] == true
}

// A storefront key and an admin key asking the same document never share
// an answer: the role is part of the key. Two documents: one asking
// buyPrice (admin only: the storefront gets null and FORBIDDEN, an answer
// that is not kept), and one asking prices (complete for both: the admin's
// includes the buy list, the storefront's does not, so both are kept,
// side by side). After each key has asked each twice, each still gets its
// own bytes, and no storefront answer carries the admin's cost price.
func TestResponseCacheRolesNeverShare(t *testing.T) {
	g := newGateway(t, gatewayOptions{cache: server.CacheConfig{ResponseBytes: 8 << 20}})
	const variant = `"gid://tradegecko/Variant/4"`
	docs := map[string]string{
		"buyPrice": `{ variant(id: ` + variant + `) { id sku buyPrice { amount currencyCode } retailPrice { amount } } }`,
		"prices":   `{ variant(id: ` + variant + `) { id sku prices { priceListId price { amount currencyCode } } } }`,
	}
	// The admin's cost price, as the admin sees it.
	admin := mustData[struct {
		Variant struct {
			BuyPrice *moneyJSON `json:"buyPrice"`
		} `json:"variant"`
	}](t, g.query(adminKey, docs["buyPrice"], nil))
	if admin.Variant.BuyPrice == nil || admin.Variant.BuyPrice.Amount == "" {
		t.Fatalf("variant 4 has no cost price for the admin: pick another variant")
	}
	cost := admin.Variant.BuyPrice.Amount
	costJSON := `"amount":"` + cost + `"`

	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var adminBodies, storeBodies [][]byte
			var adminHits, storeHits []bool
			for range 2 {
				// Interleaved, the admin first: its answer is in the cache
				// (when it may be kept) when the storefront asks.
				h := hits(t, g)
				_, a := rawPost(t, g, adminKey, doc, nil)
				adminHits = append(adminHits, hits(t, g) > h)
				h = hits(t, g)
				_, s := rawPost(t, g, storefrontKey, doc, nil)
				storeHits = append(storeHits, hits(t, g) > h)
				adminBodies, storeBodies = append(adminBodies, a), append(storeBodies, s)
			}
			if !strings.Contains(string(adminBodies[0]), costJSON) || strings.Contains(string(adminBodies[0]), `"errors"`) {
				t.Fatalf("the admin's answer has no cost price %s: %s", cost, adminBodies[0])
			}
			for i := range 2 {
				if !bytes.Equal(adminBodies[i], adminBodies[0]) {
					t.Errorf("the admin's answer %d differs from its first:\n%s\n%s", i+1, adminBodies[i], adminBodies[0])
				}
				if !bytes.Equal(storeBodies[i], storeBodies[0]) {
					t.Errorf("the storefront's answer %d differs from its first:\n%s\n%s", i+1, storeBodies[i], storeBodies[0])
				}
				if strings.Contains(string(storeBodies[i]), costJSON) || bytes.Equal(storeBodies[i], adminBodies[0]) ||
					strings.Contains(string(storeBodies[i]), `"buy"`) {
					t.Errorf("the storefront's answer %d carries the admin's cost price %s: %s", i+1, cost, storeBodies[i])
				}
			}
			switch name {
			case "buyPrice":
				// The storefront is refused (null and FORBIDDEN, an answer
				// with errors: never kept, so never a hit). The admin's
				// answer read cost data (Service.BuyPrice marks it
				// private), so it is not kept either.
				var r gqlResponse
				_ = json.Unmarshal(storeBodies[0], &r)
				if r.code(0) != "FORBIDDEN" || !strings.Contains(string(r.Data), `"buyPrice":null`) {
					t.Errorf("the storefront's buyPrice answer: %s; want null and FORBIDDEN", storeBodies[0])
				}
				if slices.Contains(storeHits, true) || slices.Contains(adminHits, true) {
					t.Errorf("hits: admin %v, storefront %v; want none (neither answer may be kept)", adminHits, storeHits)
				}
			case "prices":
				// Both complete, both kept: each key's second ask is a hit
				// on its own entry, the storefront's first is not a hit on
				// the admin's.
				if !strings.Contains(string(storeBodies[0]), `"retail"`) || strings.Contains(string(storeBodies[0]), `"errors"`) {
					t.Errorf("the storefront's prices answer: %s; want the retail list and no errors", storeBodies[0])
				}
				if !slices.Equal(adminHits, []bool{false, true}) || !slices.Equal(storeHits, []bool{false, true}) {
					t.Errorf("hits: admin %v, storefront %v; want each key's second ask a hit on its own entry", adminHits, storeHits)
				}
			}
		})
	}
}

// An answer with errors is never kept, and neither is one served stale
// (extensions.stale: cached data past its freshness, served because the
// upstream is down). The sandbox's outage (SetOutage) makes every API
// request fail; the read breaker is kept closed (WithFailures) so the
// gateway tries the upstream again as soon as it is back.
func TestResponseCacheKeepsNoErrorsNorStale(t *testing.T) {
	const stockTTL = 2 * time.Second
	g := newGateway(t, gatewayOptions{
		cache: server.CacheConfig{ResponseBytes: 8 << 20, CatalogTTL: time.Hour, StockTTL: stockTTL},
		opts:  []server.Option{server.WithBreakerOptions(circuit.WithFailures(1 << 20))}})
	stores := func() int { return responseCacheStat(t, g, "gateway_response_cache_stores_total", "stored") }
	// quiet waits until nothing has reached the sandbox for a while: the
	// background refreshes the stale answers started are over (they
	// failed), so what reaches it next is what the next query causes.
	quiet := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for n := -1; ; {
			time.Sleep(300 * time.Millisecond)
			m := g.sb.RequestCount()
			if m == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the sandbox is still being asked 10 s into the outage (%d requests)", m)
			}
			n = m
		}
	}

	t.Run("errors", func(t *testing.T) {
		// Variant 3 is warm in the catalog's cache, 6 is not: during the
		// outage the answer has errors (and maybe some data).
		rawPost(t, g, storefrontKey, `{ variant(id: "gid://tradegecko/Variant/3") { id } }`, nil)
		const doc = `{ a: variant(id: "gid://tradegecko/Variant/3") { id sku } b: variant(id: "gid://tradegecko/Variant/6") { id sku } }`
		g.sb.SetOutage(http.StatusServiceUnavailable)
		defer g.sb.SetOutage(0)
		before, h := stores(), hits(t, g)
		for i := range 2 {
			_, body := rawPost(t, g, storefrontKey, doc, nil)
			if !strings.Contains(string(body), `"errors"`) {
				t.Fatalf("answer %d during the outage has no errors: %s", i+1, body)
			}
		}
		if n := stores() - before; n != 0 || hits(t, g) != h {
			t.Errorf("during the outage: %d answers kept, %d hits; want none", n, hits(t, g)-h)
		}
		quiet()
		g.sb.SetOutage(0)
		g.sb.ResetRequests()
		h = hits(t, g)
		_, body := rawPost(t, g, storefrontKey, doc, nil)
		if n := g.sb.RequestCount(); n == 0 || hits(t, g) != h || strings.Contains(string(body), `"errors"`) ||
			!strings.Contains(string(body), `"gid://tradegecko/Variant/6"`) {
			t.Errorf("after the outage: %d upstream requests, hit %v, %s; want a miss that asks the upstream and answers in full",
				n, hits(t, g) != h, body)
		}
	})

	t.Run("stale", func(t *testing.T) {
		// The variant's stock goes past its freshness while the product
		// page stays fresh: the answer served during the outage has a
		// freshness of an hour by its fresh parts, and is stale by the
		// variant. Only the stale mark keeps it out of the cache.
		const doc = `{ variant(id: "gid://tradegecko/Variant/5") { id inventory { onHand } } products(first: 1) { nodes { id } } }`
		_, fresh := rawPost(t, g, storefrontKey, doc, nil)
		if staleAnswer(t, fresh) || strings.Contains(string(fresh), `"errors"`) {
			t.Fatalf("the first answer: %s", fresh)
		}
		time.Sleep(stockTTL + 200*time.Millisecond)
		g.sb.SetOutage(http.StatusServiceUnavailable)
		defer g.sb.SetOutage(0)
		before, h := stores(), hits(t, g)
		for i := range 2 {
			_, body := rawPost(t, g, storefrontKey, doc, nil)
			if !staleAnswer(t, body) || strings.Contains(string(body), `"errors"`) {
				t.Fatalf("answer %d during the outage: %s; want the kept data, marked stale", i+1, body)
			}
			quiet()
		}
		if n := stores() - before; n != 0 || hits(t, g) != h {
			t.Errorf("during the outage: %d answers kept, %d hits; want none (they were stale)", n, hits(t, g)-h)
		}
		// Changed upstream meanwhile (no webhook: the gateway learns it
		// only by asking).
		if err := g.sb.SetStock(5, 1, "4242"); err != nil {
			t.Fatal(err)
		}
		g.sb.SetOutage(0)
		g.sb.ResetRequests()
		h = hits(t, g)
		_, body := rawPost(t, g, storefrontKey, doc, nil)
		if n := g.sb.RequestCount(); n == 0 || hits(t, g) != h || staleAnswer(t, body) || !strings.Contains(string(body), `"4242"`) {
			t.Errorf("after the outage: %d upstream requests, hit %v, %s; want a miss that asks the upstream, not stale, onHand 4242",
				n, hits(t, g) != h, body)
		}
	})
}

// A product removed from a list upstream leaves the cached answers of
// that list once the gateway polls. The sandbox cannot delete or archive
// a product (no DELETE /products, "archived" is not a writable status, no
// product.destroy is ever emitted), so removal here is what a merchant
// can do: disable it, which takes it out of the ACTIVE list. Nothing
// announces it (no webhook), so the incremental poll (updated_at_min
// lists the disabled product, updated just now) is what must drop the
// list: the catalog TTL is an hour, so expiry cannot be what does it.
// (An archived product, what the real API's delete leaves, is not listed
// by updated_at_min without status=archived, so the poll would not see
// one; product.destroy or the catalog TTL would have to. The sandbox can
// produce neither, so that path is not tested here.)
func TestResponseCacheListForgetsARemovedProduct(t *testing.T) {
	g := newGateway(t, gatewayOptions{pollInterval: 300 * time.Millisecond,
		cache: server.CacheConfig{ResponseBytes: 8 << 20, CatalogTTL: time.Hour, StockTTL: time.Hour}})
	const list = `{ products(first: 5, filter: {status: ACTIVE}) { nodes { id name status } } }`
	type page struct {
		Products struct {
			Nodes []struct{ ID, Name, Status string } `json:"nodes"`
		} `json:"products"`
	}
	ids := func(resp *http.Response, body []byte) []string {
		t.Helper()
		r := gqlResponse{status: resp.StatusCode}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		p := mustData[page](t, r)
		var out []string
		for _, n := range p.Products.Nodes {
			out = append(out, n.ID)
		}
		return out
	}
	resp, first := rawPost(t, g, storefrontKey, list, nil)
	// The same list again: a hit, free upstream, until something changes.
	var second []byte
	h := hits(t, g)
	if n := g.upstream(func() { _, second = rawPost(t, g, storefrontKey, list, nil) }); n != 0 || hits(t, g) != h+1 || !bytes.Equal(first, second) {
		t.Fatalf("the list's second ask: %d upstream requests, hit %v; want a hit", n, hits(t, g) == h+1)
	}
	before := ids(resp, first)
	if len(before) < 2 {
		t.Fatalf("the ACTIVE list: %s", first)
	}
	gone := before[0]
	id, err := strconv.ParseInt(gone[strings.LastIndexByte(gone, '/')+1:], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.sb.UpdateProduct(id, map[string]any{"status": "disabled"}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for {
		resp, body := rawPost(t, g, storefrontKey, list, nil)
		got := ids(resp, body)
		if !slices.Contains(got, gone) {
			t.Logf("the list lost %s %v after it was disabled", gone, time.Since(began).Round(time.Millisecond))
			break
		}
		if time.Since(began) > 5*time.Second {
			t.Fatalf("the ACTIVE list still holds %s 5 s after it was disabled upstream (polling every 300 ms): %s", gone, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	polls, _ := pollRequests(g.sb)
	if len(polls) == 0 {
		t.Errorf("no updated_at_min request reached the sandbox: what dropped the list?")
	}
}

// 10,000 distinct documents from one storefront key, each asked twice on
// one of two replicas (its second miss there makes it worth the Redis
// tier), with an L1 small enough to evict them between the two asks:
// each replica keeps at most SharedResponseBytes in Redis, by its own
// count (gateway_response_cache_shared_bytes) and by what Redis holds.
func TestResponseCacheSharedTierWithinItsCap(t *testing.T) {
	t.Parallel()
	const (
		docs     = 10_000
		capBytes = 64 << 10
		replicas = 2
		workers  = 32
	)
	up := newSharedSandbox(t, sandbox.Options{})
	rs := redistest.Real(t)
	url := "redis://" + rs.Addr
	o := gatewayOptions{upstream: up, redisURL: url,
		cache: server.CacheConfig{ResponseBytes: 1 << 20, SharedResponseBytes: capBytes},
		// One key sends 20,000 requests in seconds: the client rate
		// limit would refuse most of them.
		limits: server.LimitsConfig{ClientRateLimit: 1 << 30, ClientRateWindow: time.Minute}}
	gs := []*gateway{newGateway(t, o), newGateway(t, o)}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true}, Timeout: 30 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	// Reference data (held in process by the adapter, no catalog round
	// trip to Redis), so 20,000 executions stay cheap; distinct by alias.
	doc := func(i int) string { return fmt.Sprintf(`{ c%d: currencies { code } }`, i) }
	var failed atomic.Int64
	var firstFailure atomic.Value
	ask := func(i int) {
		body, _ := json.Marshal(map[string]any{"query": doc(i)})
		req, _ := http.NewRequest(http.MethodPost, gs[i%replicas].url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+storefrontKey)
		resp, err := client.Do(req)
		if err != nil {
			failed.Add(1)
			firstFailure.CompareAndSwap(nil, err.Error())
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`{"data":{"c`+strconv.Itoa(i)+`":[{"code":`)) {
			failed.Add(1)
			firstFailure.CompareAndSwap(nil, fmt.Sprintf("%d %s", resp.StatusCode, b))
		}
	}
	began := time.Now()
	for pass := range 2 {
		next := make(chan int)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range next {
					ask(i)
				}
			})
		}
		for i := range docs {
			next <- i
		}
		close(next)
		wg.Wait()
		t.Logf("pass %d done after %v", pass+1, time.Since(began).Round(time.Millisecond))
	}
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d of %d requests failed; the first: %v", n, 2*docs, firstFailure.Load())
	}

	var stored, refused int
	for i, g := range gs {
		b := sharedBytes(t, g)
		st := responseCacheStat(t, g, "gateway_response_cache_shared_stores_total", "stored")
		rf := responseCacheStat(t, g, "gateway_response_cache_shared_stores_total", "refused")
		t.Logf("replica %d: %d bytes in Redis by its count, %d stored, %d refused", i, b, st, rf)
		if b > capBytes {
			t.Errorf("replica %d keeps %d bytes in Redis by its own count; its cap is %d", i, b, capBytes)
		}
		stored, refused = stored+st, refused+rf
	}
	if stored == 0 || refused == 0 {
		t.Errorf("%d answers stored in Redis, %d refused: the test did not reach the cap", stored, refused)
	}

	// What Redis holds. STRLEN is exactly what a replica counts against
	// its budget (the metadata line and the body), so their sum must be
	// within the cap times the replicas. MEMORY USAGE adds what Redis
	// spends per key beyond the value: the 74-byte key
	// ("respcache:" and 64 hex digits), the dict entry and the object
	// headers, and the allocator's rounding up of each; 256 bytes a key is
	// a generous bound on that (about 150 in practice).
	rdb := rs.Client(t)
	ctx := context.Background()
	var keys, strlen, usage int64
	iter := rdb.Scan(ctx, 0, "respcache:*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		n, err := rdb.StrLen(ctx, k).Result()
		if err == redis.Nil {
			continue // expired meanwhile
		}
		if err != nil {
			t.Fatal(err)
		}
		u, err := rdb.MemoryUsage(ctx, k).Result()
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
		keys, strlen, usage = keys+1, strlen+n, usage+u
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	const perKey = 256
	t.Logf("Redis holds %d answers: %d bytes of values, %d bytes by MEMORY USAGE (%d a key beyond the value)",
		keys, strlen, usage, (usage-strlen)/max(keys, 1))
	if keys == 0 || int(keys) > stored {
		t.Errorf("Redis holds %d answers; the replicas stored %d", keys, stored)
	}
	if strlen > replicas*capBytes {
		t.Errorf("Redis holds %d bytes of answers; the cap is %d a replica, %d for %d", strlen, capBytes, replicas*capBytes, replicas)
	}
	if usage > replicas*capBytes+keys*perKey {
		t.Errorf("Redis spends %d bytes on %d answers; want at most %d (the cap times the replicas) + %d a key",
			usage, keys, replicas*capBytes, perKey)
	}
}

var sharedBytesRe = regexp.MustCompile(`(?m)^gateway_response_cache_shared_bytes (\S+)`)

// sharedBytes is the gateway_response_cache_shared_bytes gauge.
func sharedBytes(t *testing.T, g *gateway) int {
	t.Helper()
	m := sharedBytesRe.FindStringSubmatch(metricsText(t, g))
	if m == nil {
		t.Fatal("no gateway_response_cache_shared_bytes in the metrics")
	}
	f, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return int(f)
}
