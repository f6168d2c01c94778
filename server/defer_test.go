package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
	"github.com/commercegateway/gateway/server"
)

// deferQuery is a product grid whose variants come later.
const deferQuery = `query Grid { products(first: 3) { nodes { id name ... @defer(label: "variants") { variants { sku } } } } }`

// deferPart is one part of a multipart/mixed answer (2022-08-24 @defer
// format), or an answer in one result.
type deferPart struct {
	Data        json.RawMessage `json:"data"`
	Errors      []gqlError      `json:"errors"`
	HasNext     *bool           `json:"hasNext"`
	Extensions  map[string]any  `json:"extensions"`
	Incremental []struct {
		Data       json.RawMessage `json:"data"`
		Path       []any           `json:"path"`
		Label      string          `json:"label"`
		Errors     []gqlError      `json:"errors"`
		Extensions map[string]any  `json:"extensions"`
		HasNext    *bool           `json:"hasNext"`
	} `json:"incremental"`
	at time.Duration // since the request was sent
}

// postDefer posts query with accept; it answers the response and, for a
// multipart/mixed answer, each part as read by mime/multipart (the wire
// format checked: boundary, each part's Content-Type, the closing
// boundary), else the one result as a single part.
func postDefer(t *testing.T, g *gateway, accept, query string, header map[string]string) (*http.Response, []deferPart) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+storefrontKey)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	start := time.Now()
	resp, err := raw.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", resp.Header.Get("Content-Type"), err)
	}
	if mt != "multipart/mixed" {
		b, _ := io.ReadAll(resp.Body)
		var p deferPart
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("status %d %s: not JSON: %v\n%s", resp.StatusCode, mt, err, b)
		}
		return resp, []deferPart{p}
	}
	if params["boundary"] == "" || params["deferspec"] != "20220824" {
		t.Errorf("Content-Type %q: want a boundary and deferSpec=20220824", resp.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(resp.Body, params["boundary"])
	var parts []deferPart
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break // the closing boundary
		}
		if err != nil {
			t.Fatalf("part %d: %v (after %d parts)", len(parts), err, len(parts))
		}
		if ct := p.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("part %d: Content-Type %q, want application/json; charset=utf-8", len(parts), ct)
		}
		b, _ := io.ReadAll(p)
		var dp deferPart
		if err := json.Unmarshal(b, &dp); err != nil {
			t.Fatalf("part %d is not JSON: %v\n%s", len(parts), err, b)
		}
		dp.at = time.Since(start)
		parts = append(parts, dp)
	}
	return resp, parts
}

type gridProduct struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Variants *[]any `json:"variants"`
}

type gridData struct {
	Products struct {
		Nodes []gridProduct `json:"nodes"`
	} `json:"products"`
}

// TestDeferMultipart: a client that accepts multipart/mixed gets the grid
// first, then each product's variants in a part of their own at its path
// and label, the last part saying hasNext false before the closing
// boundary; never gzipped.
func TestDeferMultipart(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	for _, accept := range []string{
		"multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9",                       // Apollo Client 4
		"application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed", // urql
	} {
		t.Run(accept, func(t *testing.T) {
			resp, parts := postDefer(t, g, accept, deferQuery, map[string]string{"Accept-Encoding": "gzip"})
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" {
				t.Fatalf("status %d, Content-Encoding %q; want 200, none", resp.StatusCode, resp.Header.Get("Content-Encoding"))
			}
			if len(parts) < 2 {
				t.Fatalf("%d parts, want the first and at least one more: %+v", len(parts), parts)
			}
			first := parts[0]
			if first.HasNext == nil || !*first.HasNext || len(first.Errors) > 0 {
				t.Fatalf("first part: hasNext %v, errors %+v; want true, none", first.HasNext, first.Errors)
			}
			var grid gridData
			if err := json.Unmarshal(first.Data, &grid); err != nil || len(grid.Products.Nodes) != 3 {
				t.Fatalf("first part's data: %v %s", err, first.Data)
			}
			for _, n := range grid.Products.Nodes {
				if n.Variants != nil || n.ID == "" {
					t.Errorf("first part: product %+v; want its id and no variants yet", n)
				}
			}
			seen := map[float64]bool{}
			for i, p := range parts[1:] {
				if p.HasNext == nil || *p.HasNext != (i < len(parts)-2) {
					t.Errorf("part %d: hasNext %v; want true except on the last", i+1, p.HasNext)
				}
				for _, inc := range p.Incremental {
					if inc.Label != "variants" || len(inc.Path) != 3 || inc.Path[0] != "products" || inc.Path[1] != "nodes" || inc.HasNext != nil {
						t.Errorf("part %d: incremental label %q path %v hasNext %v", i+1, inc.Label, inc.Path, inc.HasNext)
						continue
					}
					var v struct {
						Variants []struct {
							SKU string `json:"sku"`
						} `json:"variants"`
					}
					if err := json.Unmarshal(inc.Data, &v); err != nil || len(v.Variants) == 0 || v.Variants[0].SKU == "" {
						t.Errorf("part %d at %v: data %s (%v); want variants with skus", i+1, inc.Path, inc.Data, err)
					}
					seen[inc.Path[2].(float64)] = true
				}
			}
			if len(seen) != 3 {
				t.Errorf("variants arrived for products %v, want all 3", seen)
			}
		})
	}
	t.Run("each part is flushed as soon as it is resolved", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{})
		const slow = 500 * time.Millisecond
		// The variant first; its product, loaded on its own, after the delay.
		g.sb.SetLatencyMatching(sandboxkit.Target{Method: http.MethodGet, Path: "/products"}, slow)
		_, parts := postDefer(t, g, "multipart/mixed",
			`{ variant(id: "gid://tradegecko/Variant/2") { sku ... @defer(label: "product") { product { name } } } }`, nil)
		first, last := parts[0].at, parts[len(parts)-1].at
		if len(parts) != 2 || last < slow || last-first < slow*3/4 {
			t.Fatalf("%d parts, the first after %v, the last after %v; want the first before the product's %v delay",
				len(parts), first, last, slow)
		}
		if inc := parts[1].Incremental; len(inc) != 1 || inc[0].Label != "product" || !strings.Contains(string(inc[0].Data), `"name"`) {
			t.Errorf("the second part: %+v; want the product at its label", parts[1])
		}
	})
}

// TestDeferInline: a client that does not accept multipart/mixed gets the
// deferred data in its one result, and never hasNext.
func TestDeferInline(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	for _, accept := range []string{"", "application/json", "application/graphql-response+json"} {
		t.Run("Accept "+accept, func(t *testing.T) {
			resp, parts := postDefer(t, g, accept, deferQuery, nil)
			p := parts[0]
			if resp.StatusCode != http.StatusOK || len(p.Errors) > 0 || p.HasNext != nil || p.Incremental != nil {
				t.Fatalf("status %d, errors %+v, hasNext %v, incremental %v; want 200 and one whole result",
					resp.StatusCode, p.Errors, p.HasNext, p.Incremental)
			}
			var grid gridData
			if err := json.Unmarshal(p.Data, &grid); err != nil || len(grid.Products.Nodes) != 3 {
				t.Fatalf("data: %v %s", err, p.Data)
			}
			for _, n := range grid.Products.Nodes {
				if n.Variants == nil || len(*n.Variants) == 0 {
					t.Errorf("product %s: variants %v, want them inline", n.ID, n.Variants)
				}
			}
		})
	}
	t.Run("GET", func(t *testing.T) {
		r := getGraphQL(t, g, deferQuery)
		if r.HasNext != nil || len(r.Errors) > 0 {
			t.Fatalf("GET: hasNext %v, errors %+v", r.HasNext, r.Errors)
		}
		var grid gridData
		_ = json.Unmarshal(r.Data, &grid)
		if len(grid.Products.Nodes) != 3 || grid.Products.Nodes[0].Variants == nil {
			t.Errorf("GET: data %s; want the variants inline", r.Data)
		}
	})
	t.Run("the multipart answer to the same query is still incremental", func(t *testing.T) {
		// inlining copies the cached document, never edits it
		_, parts := postDefer(t, g, "multipart/mixed", deferQuery, nil)
		if len(parts) < 2 {
			t.Errorf("%d parts after inline answers of the same document, want incremental delivery", len(parts))
		}
	})
	t.Run("a mutation's deferred fragment is answered inline, even over multipart", func(t *testing.T) {
		q := `mutation { createOrder(input: {idempotencyKey: "defer-1", company: {name: "Guest", email: "guest@example.com"},
			shippingAddress: {address1: "1 Guest Lane", city: "Auckland", country: "New Zealand"},
			lineItems: [{variantId: "gid://tradegecko/Variant/2", quantity: 1}]}) { ... @defer { order { id } userErrors { code } } } }`
		resp, parts := postDefer(t, g, "multipart/mixed", q, nil)
		var d struct {
			CreateOrder struct {
				Order *struct{ ID string }
			}
		}
		_ = json.Unmarshal(parts[0].Data, &d)
		if ct := resp.Header.Get("Content-Type"); len(parts) != 1 || parts[0].HasNext != nil || !strings.HasPrefix(ct, "application/json") ||
			d.CreateOrder.Order == nil || d.CreateOrder.Order.ID == "" {
			t.Errorf("%s, %d parts, the first %s %+v hasNext %v; want one whole JSON result", ct, len(parts), parts[0].Data, parts[0].Errors, parts[0].HasNext)
		}
	})
	t.Run("nothing deferred: one JSON result, though multipart is accepted", func(t *testing.T) {
		// GraphiQL's fetcher accepts multipart/mixed in every request.
		for accept, want := range map[string]string{
			"application/graphql-response+json, application/json, multipart/mixed": "application/graphql-response+json",
			"multipart/mixed, application/json":                                    "application/json",
		} {
			resp, parts := postDefer(t, g, accept, `{ products(first: 2) { totalCount } }`, nil)
			if ct := resp.Header.Get("Content-Type"); len(parts) != 1 || parts[0].HasNext != nil || !strings.HasPrefix(ct, want) {
				t.Errorf("Accept %q: %s, %d parts, hasNext %v; want one %s result", accept, ct, len(parts), parts[0].HasNext, want)
			}
		}
	})
	t.Run("@stream stays unknown", func(t *testing.T) {
		_, parts := postDefer(t, g, "application/json", `{ products(first: 2) { nodes @stream { id } } }`, nil)
		if len(parts[0].Errors) == 0 || !strings.Contains(parts[0].Errors[0].Message, "stream") {
			t.Errorf("@stream: errors %+v; want an unknown directive", parts[0].Errors)
		}
	})
}

func getGraphQL(t *testing.T, g *gateway, query string) deferPart {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.url+"/graphql?query="+url.QueryEscape(query), nil)
	req.Header.Set("Authorization", "Bearer "+storefrontKey)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p deferPart
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatalf("GET: status %d: %v", resp.StatusCode, err)
	}
	return p
}

// TestDeferLimits: a deferred operation meets the same limits, deadline
// and access log as any other, and says when its deferred data is stale.
func TestDeferLimits(t *testing.T) {
	var logs lockedBuffer
	g := newGateway(t, gatewayOptions{requestTimeout: 700 * time.Millisecond, logs: &logs})
	const accept = "multipart/mixed;deferSpec=20220824,application/json;q=0.9"

	t.Run("over the upstream plan: refused before it runs", func(t *testing.T) {
		q := "{ ... @defer " + brandLists(0, 11) + " }"
		n := g.upstream(func() {
			resp, parts := postDefer(t, g, accept, q, nil)
			if len(parts) != 1 || len(parts[0].Errors) == 0 || parts[0].Errors[0].Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Errorf("status %d, parts %+v; want one COMPLEXITY_LIMIT_EXCEEDED refusal", resp.StatusCode, parts)
			}
		})
		if n != 0 {
			t.Errorf("a refused operation cost %d upstream requests", n)
		}
	})

	t.Run("a cold deferred grid costs what it costs undeferred: its variants come with the list", func(t *testing.T) {
		q := `{ products(first: 50) { nodes { id ... @defer { variants { sku } } } } }`
		cost := map[string]int{}
		for _, a := range []string{accept, "application/json"} {
			g := newGateway(t, gatewayOptions{})
			var parts []deferPart
			cost[a] = g.upstream(func() { _, parts = postDefer(t, g, a, q, nil) })
			if a == accept && len(parts) < 2 {
				t.Errorf("%d parts, want the variants in later parts", len(parts))
			}
		}
		if cost[accept] != cost["application/json"] {
			t.Errorf("upstream requests: deferred %d, inline %d; want the same", cost[accept], cost["application/json"])
		}
	})

	t.Run("a refusal before it runs has the status and Content-Type a plain POST gets", func(t *testing.T) {
		for _, q := range []string{"{ ... @defer " + brandLists(0, 11) + " }", `{ products(first: 1) { nodes { ... @defer { nope } } } }`, `{ products(`} {
			for _, plain := range []string{"application/json", "application/graphql-response+json"} {
				want, _ := postDefer(t, g, plain, q, nil)
				got, parts := postDefer(t, g, "multipart/mixed;deferSpec=20220824,"+plain+";q=0.9", q, nil)
				if got.StatusCode != want.StatusCode || got.Header.Get("Content-Type") != want.Header.Get("Content-Type") || len(parts[0].Errors) == 0 {
					t.Errorf("%.40s, Accept multipart or %s: status %d %q, want %d %q as without multipart (errors %+v)", q, plain,
						got.StatusCode, got.Header.Get("Content-Type"), want.StatusCode, want.Header.Get("Content-Type"), parts[0].Errors)
				}
			}
		}
	})

	t.Run("the deadline ends a slow deferred fragment with an error, and the stream ends", func(t *testing.T) {
		// A deferred list's own fields come with it (the planner sideloads
		// them), so the slow request is the deferred list itself.
		g.sb.SetLatencyMatching(sandboxkit.Target{Method: http.MethodGet, Path: "/products"}, 2*time.Second)
		defer g.sb.ClearFaults()
		_, parts := postDefer(t, g, accept, `{ __typename ... @defer { products(first: 2) { nodes { id } } } }`, nil)
		last := parts[len(parts)-1]
		if last.HasNext == nil || *last.HasNext {
			t.Fatalf("last part: hasNext %v, want false", last.HasNext)
		}
		var errs []gqlError
		for _, p := range parts {
			errs = append(errs, p.Errors...)
			for _, inc := range p.Incremental {
				errs = append(errs, inc.Errors...)
			}
		}
		if len(errs) == 0 || last.at > 2*time.Second {
			t.Errorf("errors %+v after %v; want the deadline's, before the upstream's 2 s", errs, last.at)
		}
	})

	t.Run("stale deferred data says so", func(t *testing.T) {
		const ttl = time.Second
		g := newGateway(t, gatewayOptions{cache: server.CacheConfig{CatalogTTL: ttl, StockTTL: ttl}})
		q := `{ products(first: 2) { nodes { id ... @defer { variants { sku } } } } }`
		postDefer(t, g, accept, q, nil) // warm
		time.Sleep(ttl + 100*time.Millisecond)
		g.sb.SetOutage(http.StatusServiceUnavailable)
		defer g.sb.SetOutage(0)
		_, parts := postDefer(t, g, accept, q, nil)
		stale := false
		for _, p := range parts {
			stale = stale || p.Extensions["stale"] == true
			for _, inc := range p.Incremental {
				stale = stale || inc.Extensions["stale"] == true
			}
		}
		if !stale {
			t.Errorf("no part says stale: %+v", parts)
		}
	})

	t.Run("the access log has one line with the answer's status and size", func(t *testing.T) {
		before := len(logs.String())
		postDefer(t, g, accept, deferQuery, nil)
		time.Sleep(50 * time.Millisecond)
		line := ""
		for _, l := range strings.Split(logs.String()[before:], "\n") {
			if strings.Contains(l, "msg=request") && strings.Contains(l, "path=/graphql") {
				line = l
			}
		}
		if !strings.Contains(line, "status=200") || strings.Contains(line, "bytes=0 ") {
			t.Errorf("access log line %q; want status 200 and the bytes sent", line)
		}
	})
}

// TestDeferClients: Apollo Client 4 (Defer20220824Handler) and urql each
// consume a @defer query to completion (clients/defer.test.js), urql over
// POST (multipart/mixed) and over its default GET (inline).
func TestDeferClients(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	runClients(t, "defer.test.js", 3, "GATEWAY_URL="+g.url+"/graphql", "KEY="+storefrontKey)
}
