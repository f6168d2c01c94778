package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/server"
	"github.com/commercegateway/gateway/server/edge"
)

// cachingClient sends GETs and sees the bytes as sent.
type cachingClient struct {
	t   *testing.T
	g   *gateway
	raw *http.Client
}

func newCachingClient(t *testing.T, g *gateway) *cachingClient {
	return &cachingClient{t: t, g: g, raw: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
}

// get sends method path with key and the headers given (name, value, …),
// and returns the answer with its body decoded (Content-Encoding undone).
func (c *cachingClient) get(method, path, key string, header ...string) (resp *http.Response, sent, plain []byte) {
	c.t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		q, _ := url.ParseQuery(strings.TrimPrefix(path, "/graphql?"))
		body, path = strings.NewReader(`{"query":`+strconv.Quote(q.Get("query"))+`}`), "/graphql"
	}
	req, _ := http.NewRequest(method, c.g.url+path, body)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, err := c.raw.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	sent, _ = io.ReadAll(resp.Body)
	plain, err = decode(resp.Header.Get("Content-Encoding"), sent)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, sent, plain
}

func gqlGET(query string) string { return "/graphql?query=" + url.QueryEscape(query) }

// maxAge is the max-age of a Cache-Control "public, max-age=N", or -1.
func maxAge(cc string) int {
	rest, ok := strings.CutPrefix(cc, "public, max-age=")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		return -1
	}
	return n
}

const wantVary = "Authorization, X-API-Key, Accept, Accept-Encoding"

// varies reports whether Vary names every header of wantVary.
func varies(h http.Header) bool {
	have := strings.ToLower(strings.Join(h.Values("Vary"), ","))
	for n := range strings.SplitSeq(wantVary, ", ") {
		if !strings.Contains(have, strings.ToLower(n)) {
			return false
		}
	}
	return true
}

// TestHTTPCaching: REST GETs and GraphQL GET queries answer a strong ETag,
// one per encoding, and a 304 with no body to If-None-Match naming it; a
// 304 from the warm cache costs the upstream nothing.
func TestHTTPCaching(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	c := newCachingClient(t, g)
	for _, door := range []struct{ name, path string }{
		{"REST", "/v1/products?first=50"},
		{"GraphQL GET", gqlGET("{ products(first: 50) { nodes { id name variants { sku } } } }")},
	} {
		t.Run(door.name, func(t *testing.T) {
			resp, _, plain := c.get(http.MethodGet, door.path, storefrontKey) // warms the cache
			identity := resp.Header.Get("ETag")
			if resp.StatusCode != 200 || identity != edge.ETag(plain, "") {
				t.Fatalf("status %d, ETag %q, want 200 and ETag(body) %q", resp.StatusCode, identity, edge.ETag(plain, ""))
			}
			tags := map[string]string{"identity": identity}
			for _, enc := range []string{"gzip", "zstd"} {
				resp, _, p := c.get(http.MethodGet, door.path, storefrontKey, "Accept-Encoding", enc)
				tag := resp.Header.Get("ETag")
				if resp.Header.Get("Content-Encoding") != enc || tag != edge.ETag(p, enc) || !bytes.Equal(p, plain) {
					t.Errorf("%s: Content-Encoding %q, ETag %q, want %s and %q for the same answer", enc, resp.Header.Get("Content-Encoding"), tag, enc, edge.ETag(p, enc))
				}
				for other, o := range tags {
					if o == tag {
						t.Errorf("%s and %s answers share the ETag %q", enc, other, tag)
					}
				}
				tags[enc] = tag
			}
			weak := "W/" + identity
			for _, tc := range []struct {
				name, ifNoneMatch, encoding string
				want                        int
			}{
				{"its tag", identity, "", 304},
				{"its gzip tag, gzip asked", tags["gzip"], "gzip", 304},
				{"its zstd tag, zstd asked", tags["zstd"], "zstd", 304},
				{"in a list, weak", `"nope", ` + weak, "", 304},
				{"*", "*", "", 304},
				{"the gzip tag, identity sent", tags["gzip"], "", 200},
				{"another tag", `"nope"`, "", 200},
				{"garbage", `nope, ` + identity, "", 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					h := []string{"If-None-Match", tc.ifNoneMatch}
					if tc.encoding != "" {
						h = append(h, "Accept-Encoding", tc.encoding)
					}
					var resp *http.Response
					var sent []byte
					n := g.upstream(func() { resp, sent, _ = c.get(http.MethodGet, door.path, storefrontKey, h...) })
					if resp.StatusCode != tc.want {
						t.Fatalf("If-None-Match: %s → %d, want %d", tc.ifNoneMatch, resp.StatusCode, tc.want)
					}
					if n != 0 {
						t.Errorf("a warm answer cost %d upstream requests, want 0", n)
					}
					if tc.want != 304 {
						return
					}
					wantTag := tags[cmpOr(tc.encoding, "identity")]
					if len(sent) != 0 || resp.Header.Get("ETag") != wantTag || maxAge(resp.Header.Get("Cache-Control")) <= 0 ||
						!varies(resp.Header) || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Type") != "" {
						t.Errorf("304: %d bytes, headers %v; want no body, ETag %s, Cache-Control, Vary, no body headers", len(sent), resp.Header, wantTag)
					}
				})
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestCacheControl: what an answer says about who may keep it, by the
// key's role and what it read.
func TestCacheControl(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	c := newCachingClient(t, g)
	const (
		catalog = "{ products(first: 5) { nodes { id name variants { sku } } } }"
		orders  = "{ orders(first: 2) { nodes { id } } }"
	)
	for _, tc := range []struct {
		name, method, path, key string
		want                    string // "public": public, max-age=1..maxAge
		maxAge                  int
		etag                    bool
	}{
		{"storefront catalog, REST", "GET", "/v1/products?first=5", storefrontKey, "public", 30, true},
		{"storefront catalog, GraphQL", "GET", gqlGET(catalog), storefrontKey, "public", 30, true},
		{"storefront locations, REST", "GET", "/v1/locations", storefrontKey, "public", 600, true},
		{"admin catalog, REST", "GET", "/v1/products?first=5", adminKey, "private, no-cache", 0, true},
		{"admin catalog, GraphQL", "GET", gqlGET(catalog), adminKey, "private, no-cache", 0, true},
		{"admin orders, REST", "GET", "/v1/orders?first=2", adminKey, "private, no-cache", 0, true},
		{"admin orders, GraphQL", "GET", gqlGET(orders), adminKey, "private, no-cache", 0, true},
		{"storefront orders (refused), REST", "GET", "/v1/orders?first=2", storefrontKey, "no-store", 0, false},
		{"storefront orders (refused), GraphQL", "GET", gqlGET(orders), storefrontKey, "no-store", 0, false},
		{"an invalid query", "GET", gqlGET("{ nope }"), storefrontKey, "no-store", 0, false},
		{"nothing read", "GET", gqlGET("{ __typename }"), storefrontKey, "public, no-cache", 0, true},
		{"POST", "POST", gqlGET(catalog), storefrontKey, "no-store", 0, false},
		{"a mutation over GET", "GET", gqlGET(`mutation { createOrder(input: {}) { order { id } } }`), storefrontKey, "no-store", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _, body := c.get(tc.method, tc.path, tc.key)
			cc := resp.Header.Get("Cache-Control")
			switch {
			case tc.want == "public":
				if n := maxAge(cc); n < 1 || n > tc.maxAge {
					t.Errorf("Cache-Control %q, want public, max-age=1..%d", cc, tc.maxAge)
				}
			case cc != tc.want:
				t.Errorf("Cache-Control %q, want %q (status %d, %.200s)", cc, tc.want, resp.StatusCode, body)
			}
			if got := resp.Header.Get("ETag") != ""; got != tc.etag {
				t.Errorf("ETag %q, want one: %v", resp.Header.Get("ETag"), tc.etag)
			}
			if !varies(resp.Header) {
				t.Errorf("Vary %q, want %s", resp.Header.Values("Vary"), wantVary)
			}
		})
	}
}

// TestCacheControlFreshness: public max-age is at most the remaining
// freshness of the least fresh thing read, counts down, and becomes
// no-cache once the data is stale; a changed answer gets a new ETag.
func TestCacheControlFreshness(t *testing.T) {
	g := newGateway(t, gatewayOptions{cache: server.CacheConfig{CatalogTTL: 20 * time.Second, StockTTL: 3 * time.Second}})
	c := newCachingClient(t, g)
	products := gqlGET("{ products(first: 3) { nodes { id name } } }")
	withStock := gqlGET(`{ variant(id: "gid://tradegecko/Variant/2") { sku inventory { onHand } } }`)
	age := func(path string) (int, string) {
		t.Helper()
		resp, _, body := c.get(http.MethodGet, path, storefrontKey)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return maxAge(resp.Header.Get("Cache-Control")), resp.Header.Get("ETag")
	}
	if n, _ := age(products); n < 1 || n > 20 {
		t.Errorf("products: max-age %d, want 1..20 (the catalog TTL)", n)
	}
	first, tag := age(withStock)
	if first < 1 || first > 3 {
		t.Errorf("a variant: max-age %d, want 1..3 (the stock TTL)", first)
	}
	time.Sleep(1100 * time.Millisecond)
	if n, again := age(withStock); n >= first || again != tag {
		t.Errorf("a second later: max-age %d (was %d), ETag %q (was %q); want less, same ETag", n, first, again, tag)
	}

	// A change, once the stock TTL has passed, is a new answer.
	if err := g.sb.SetStock(2, 1, "7"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3100 * time.Millisecond)
	resp, _, _ := c.get(http.MethodGet, withStock, storefrontKey, "If-None-Match", tag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == tag || resp.Header.Get("ETag") == "" {
		t.Errorf("after a change: %d, ETag %q (was %q), want 200 and a new ETag", resp.StatusCode, resp.Header.Get("ETag"), tag)
	}

	// Stale: the upstream is down past the stock TTL, the cache serves
	// what it kept, and no shared cache may keep that.
	time.Sleep(3100 * time.Millisecond)
	g.sb.SetOutage(http.StatusServiceUnavailable)
	defer g.sb.SetOutage(0)
	resp, _, body := c.get(http.MethodGet, withStock, storefrontKey)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, no-cache" || !strings.Contains(string(body), `"stale":true`) {
		t.Errorf("stale: %d, Cache-Control %q, %.200s; want 200, public, no-cache, extensions.stale", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
}

// TestHTTPCachingInABrowser: Chromium's own HTTP cache, driven by
// playwright-core (clients/httpcache.test.js), keeps a storefront catalog
// answer for its max-age, revalidates an admin one with If-None-Match (a
// 304, headers only), and never keeps an error. Without Chromium it skips,
// except under CI=true, where .ci/run installs it.
func TestHTTPCachingInABrowser(t *testing.T) {
	browser := nodeChromium(t)
	g := newGateway(t, gatewayOptions{})
	runClients(t, "httpcache.test.js", 5, "GATEWAY_URL="+g.url+"/graphql", "KEY="+storefrontKey, "ADMIN_KEY="+adminKey, browser)
}
