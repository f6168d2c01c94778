package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
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

// responseCacheStat reads one of the response cache's counters.
func responseCacheStat(t *testing.T, g *gateway, name, label string) int {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\{[a-z]+="` + label + `"\} (\d+)`)
	m := re.FindStringSubmatch(metricsText(t, g))
	if m == nil {
		t.Fatalf("no %s{%s} in the metrics", name, label)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func hits(t *testing.T, g *gateway) int {
	return responseCacheStat(t, g, "gateway_response_cache_lookups_total", "hit")
}

// rawPost posts a GraphQL query and returns the answer's bytes and headers.
func rawPost(t *testing.T, g *gateway, key, query string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	for k, vs := range header {
		req.Header[k] = vs
	}
	return doRaw(t, req)
}

func doRaw(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	tr := &http.Transport{DisableCompression: true} // see the bytes as sent
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// The response cache, through real HTTP against the sandbox: a repeated
// query is a hit that costs nothing upstream and answers the same bytes;
// GET hits carry the ETag of their encoding (gzip made once) and answer
// 304 to it; a stock webhook drops exactly the answers made of that
// variant; mutations and answers with errors are never kept.
func TestResponseCache(t *testing.T) {
	g := newGateway(t, gatewayOptions{webhooks: true, sandbox: sandbox.Options{ControlRoutes: true},
		cache: server.CacheConfig{ResponseBytes: 8 << 20}, opts: []server.Option{server.WithCoalesceWindow(-1)}})
	const grid = `{ products(first: 20) { nodes { id name variants { id sku inventory { onHand } } } } }`

	t.Run("a repeated query is a hit, free upstream, byte for byte", func(t *testing.T) {
		var first, second []byte
		cold := g.upstream(func() { _, first = rawPost(t, g, storefrontKey, grid, nil) })
		h := hits(t, g)
		warm := g.upstream(func() { _, second = rawPost(t, g, storefrontKey, grid, nil) })
		if cold == 0 || warm != 0 || !bytes.Equal(first, second) || hits(t, g) != h+1 {
			t.Errorf("cold %d, warm %d upstream requests, same bytes %v, hits %d→%d; want a hit, free, identical",
				cold, warm, bytes.Equal(first, second), h, hits(t, g))
		}
		if strings.Contains(string(first), `"errors"`) {
			t.Fatalf("the grid answered errors: %s", first)
		}
	})

	t.Run("GET: the encoding's ETag, and 304", func(t *testing.T) {
		u := g.url + "/graphql?query=" + url.QueryEscape(grid)
		get := func(h http.Header) (*http.Response, []byte) {
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+storefrontKey)
			req.Header.Set("Accept-Encoding", "gzip")
			for k, vs := range h {
				req.Header[k] = vs
			}
			return doRaw(t, req)
		}
		miss, missBody := get(nil)
		h := hits(t, g)
		hit, hitBody := get(nil)
		if hits(t, g) != h+1 {
			t.Fatalf("the second GET was not a hit")
		}
		for _, r := range []*http.Response{miss, hit} {
			if r.Header.Get("Content-Encoding") != "gzip" || !strings.HasSuffix(r.Header.Get("ETag"), `-gzip"`) ||
				!strings.HasPrefix(r.Header.Get("Cache-Control"), "public, max-age=") {
				t.Errorf("headers %v; want gzip, a -gzip ETag, public max-age", r.Header)
			}
		}
		if miss.Header.Get("ETag") != hit.Header.Get("ETag") {
			t.Errorf("ETag %s on the miss, %s on the hit", miss.Header.Get("ETag"), hit.Header.Get("ETag"))
		}
		a, b := gunzip(t, missBody), gunzip(t, hitBody)
		if !bytes.Equal(a, b) {
			t.Errorf("the hit's bytes differ from the miss's:\n%s\n%s", a, b)
		}
		if r, _ := get(http.Header{"If-None-Match": {hit.Header.Get("ETag")}}); r.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match the hit's ETag: %d, want 304", r.StatusCode)
		}
	})

	t.Run("a stock webhook drops the answers made of that variant, and only those", func(t *testing.T) {
		one := func(id int) string {
			return fmt.Sprintf(`{ variant(id: "gid://tradegecko/Variant/%d") { id inventory { onHand } } }`, id)
		}
		_, before3 := rawPost(t, g, storefrontKey, one(3), nil)
		rawPost(t, g, storefrontKey, one(4), nil)
		setStock(t, g, 3, "77")
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, now3 := rawPost(t, g, storefrontKey, one(3), nil)
			if !bytes.Equal(now3, before3) {
				if strings.Contains(string(now3), `"errors"`) {
					t.Errorf("after the change: %s", now3)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("variant 3's answer never changed after its stock webhook: %s", now3)
			}
			time.Sleep(20 * time.Millisecond)
		}
		h := hits(t, g)
		if n := g.upstream(func() { rawPost(t, g, storefrontKey, one(4), nil) }); n != 0 || hits(t, g) != h+1 {
			t.Errorf("variant 4's answer: %d upstream requests, hit %v; want it kept", n, hits(t, g) == h+1)
		}
	})

	t.Run("REST: a GET is kept, with its headers, until its variant changes", func(t *testing.T) {
		get := func() (*http.Response, []byte) {
			req, _ := http.NewRequest(http.MethodGet, g.url+"/v1/variants/5", nil)
			req.Header.Set("X-API-Key", storefrontKey)
			return doRaw(t, req)
		}
		miss, missBody := get()
		h := hits(t, g)
		var hit *http.Response
		var hitBody []byte
		if n := g.upstream(func() { hit, hitBody = get() }); n != 0 || hits(t, g) != h+1 {
			t.Fatalf("the second GET: %d upstream requests, hit %v", n, hits(t, g) == h+1)
		}
		if miss.StatusCode != http.StatusOK || !bytes.Equal(missBody, hitBody) ||
			hit.Header.Get("ETag") != miss.Header.Get("ETag") || maxAge(hit.Header.Get("Cache-Control")) > maxAge(miss.Header.Get("Cache-Control")) ||
			maxAge(hit.Header.Get("Cache-Control")) < maxAge(miss.Header.Get("Cache-Control"))-1 || maxAge(hit.Header.Get("Cache-Control")) < 1 ||
			hit.Header.Get("Content-Type") != miss.Header.Get("Content-Type") {
			t.Errorf("miss %d %v\nhit %d %v", miss.StatusCode, miss.Header, hit.StatusCode, hit.Header)
		}
		setStock(t, g, 5, "55")
		deadline := time.Now().Add(5 * time.Second)
		for _, body := get(); bytes.Equal(body, missBody); _, body = get() {
			if time.Now().After(deadline) {
				t.Fatal("GET /v1/variants/5 never changed after its stock webhook")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})

	t.Run("never kept: mutations, errors, batches", func(t *testing.T) {
		stored := responseCacheStat(t, g, "gateway_response_cache_stores_total", "stored")
		for range 2 {
			rawPost(t, g, storefrontKey, `{ variant(id: "gid://tradegecko/Order/3") { id } }`, nil)
			newOrderFromStorefront(t, g, "respcache-"+strconv.FormatInt(time.Now().UnixNano(), 10))
			req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", strings.NewReader(`[{"query":"{ products(first: 1) { nodes { id } } }"}]`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+storefrontKey)
			if resp, body := doRaw(t, req); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"products"`) {
				t.Fatalf("batch: %d %s", resp.StatusCode, body)
			}
		}
		if n := responseCacheStat(t, g, "gateway_response_cache_stores_total", "stored"); n != stored {
			t.Errorf("%d answers stored; want none", n-stored)
		}
	})
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Two gateways on one redis-server, each with its response cache: the
// stock webhook lands on a, and b's kept answer for that variant is
// dropped within a second (it then answers the new stock), while its
// answer for another variant stays kept.
func TestResponseCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	up := newSharedSandbox(t, sandbox.Options{})
	url := "redis://" + redistest.Real(t).Addr
	on := server.CacheConfig{ResponseBytes: 8 << 20}
	newGateway(t, gatewayOptions{upstream: up, redisURL: url, webhooks: true, cache: on}) // a: the sandbox delivers to it
	b := newGateway(t, gatewayOptions{upstream: up, redisURL: url, cache: on})
	const sku, other = "DEMO-GOBS-PEA", "DEMO-EGG-L"
	id, ok := up.sb.VariantIDBySKU(sku)
	if !ok {
		t.Fatalf("no variant %s", sku)
	}
	before, _, _ := b.stock(sku)
	b.stock(other)
	h := hits(t, b)
	if again, _, _ := b.stock(sku); again != before || hits(t, b) != h+1 {
		t.Fatalf("b's second read was not a hit")
	}
	want := "7"
	if before == want {
		want = "8"
	}
	start := time.Now()
	if err := up.sb.SetStock(id, 1, want); err != nil {
		t.Fatal(err)
	}
	for {
		if onHand, _, _ := b.stock(sku); onHand == want {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("b still answers the old stock a second after the webhook reached a")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("b answered the new stock %v after the change", time.Since(start))
	h = hits(t, b)
	if n := b.upstream(func() { b.stock(other) }); n != 0 || hits(t, b) != h+1 {
		t.Errorf("the other variant's answer: %d upstream requests, hit %v; want it kept", n, hits(t, b) == h+1)
	}
}

// Fifty concurrent misses of one answer run it once; the others wait for
// it and are served the kept bytes.
func TestResponseCacheSingleFlight(t *testing.T) {
	g := newGateway(t, gatewayOptions{cache: server.CacheConfig{ResponseBytes: 8 << 20}})
	const grid = `{ products(first: 50) { nodes { id name variants { id sku } } } }`
	var wg sync.WaitGroup
	bodies := make([][]byte, 50)
	for i := range bodies {
		wg.Go(func() { _, bodies[i] = rawPost(t, g, storefrontKey, grid, nil) })
	}
	wg.Wait()
	for i, b := range bodies {
		if !bytes.Equal(b, bodies[0]) || !strings.Contains(string(b), `"products"`) {
			t.Fatalf("answer %d differs: %.200s", i, b)
		}
	}
	if n := responseCacheStat(t, g, "gateway_response_cache_stores_total", "stored"); n != 1 {
		t.Errorf("%d executions kept; want the one", n)
	}
	if h := hits(t, g); h != len(bodies)-1 {
		t.Errorf("%d hits; want %d", h, len(bodies)-1)
	}
}

// The Redis tier on two replicas sharing a redis-server: an answer a made
// after a change (its second miss there) is b's first answer, free
// upstream and byte for byte; after the next change b does not use it
// (made before a change b heard of) and answers the new stock.
func TestResponseCacheSharedTier(t *testing.T) {
	t.Parallel()
	up := newSharedSandbox(t, sandbox.Options{})
	url := "redis://" + redistest.Real(t).Addr
	on := server.CacheConfig{ResponseBytes: 8 << 20, SharedResponseBytes: 1 << 20}
	a := newGateway(t, gatewayOptions{upstream: up, redisURL: url, webhooks: true, cache: on})
	b := newGateway(t, gatewayOptions{upstream: up, redisURL: url, cache: on})
	const sku = "DEMO-GOBS-PEA"
	id, ok := up.sb.VariantIDBySKU(sku)
	if !ok {
		t.Fatalf("no variant %s", sku)
	}
	query := fmt.Sprintf(`{ variants(first: 1, filter: {sku: %q}) { nodes { id sku inventory { onHand } } } }`, sku)
	// change sets the variant's stock and waits until both replicas
	// heard of it (their listeners run before their subscribers).
	change := func(onHand string) {
		t.Helper()
		subs := []*changes.Subscription{}
		for _, g := range []*gateway{a, b} {
			s, err := g.srv.Changes().Subscribe(changes.KindVariant, []int64{id})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			subs = append(subs, s)
		}
		if err := up.sb.SetStock(id, 1, onHand); err != nil {
			t.Fatal(err)
		}
		for _, s := range subs {
			awaitEvent(t, s, 5*time.Second)
		}
	}
	rawPost(t, a, storefrontKey, query, nil) // a's first miss: not worth Redis yet
	change("31")
	// (The variant is warm in the catalog's cache: the bus refreshed it
	// for the subscribers.)
	_, made := rawPost(t, a, storefrontKey, query, nil)
	if !strings.Contains(string(made), `"31"`) {
		t.Fatalf("a's answer after the change: %s", made)
	}
	if n := responseCacheStat(t, a, "gateway_response_cache_shared_stores_total", "stored"); n != 1 {
		t.Fatalf("a stored %d answers in Redis, want its second miss's", n)
	}
	var served []byte
	if n := b.upstream(func() { _, served = rawPost(t, b, storefrontKey, query, nil) }); n != 0 || !bytes.Equal(served, made) {
		t.Errorf("b's first answer: %d upstream requests, %s; want a's bytes, free", n, served)
	}
	if n := responseCacheStat(t, b, "gateway_response_cache_shared_lookups_total", "hit"); n != 1 {
		t.Errorf("b's Redis tier hits: %d, want 1", n)
	}
	change("32")
	_, after := rawPost(t, b, storefrontKey, query, nil)
	if !strings.Contains(string(after), `"32"`) {
		t.Errorf("after the second change b answers %s; want onHand 32", after)
	}
	if n := responseCacheStat(t, b, "gateway_response_cache_shared_lookups_total", "stale"); n != 1 {
		t.Errorf("b's stale Redis tier lookups: %d, want 1 (a's answer, made before the change)", n)
	}
}
