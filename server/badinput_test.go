package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// Bad input gets a clear error naming the problem and never reaches the
// upstream.
func TestBadInputNeverReachesUpstream(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	variantsCursor := mustData[struct {
		Variants struct {
			PageInfo struct {
				EndCursor string `json:"endCursor"`
			} `json:"pageInfo"`
		} `json:"variants"`
	}](t, g.query(adminKey, `{ variants(first: 1) { pageInfo { endCursor } } }`, nil)).Variants.PageInfo.EndCursor

	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("gid://tradegecko/Product/%d", i+1)
	}
	tooManyIDs := make([]string, 251)
	for i := range tooManyIDs {
		tooManyIDs[i] = fmt.Sprintf("gid://tradegecko/Product/%d", i+1)
	}
	var manyTokens strings.Builder
	manyTokens.WriteString("{ ")
	for i := range 6000 { // 3 tokens each: past the 15,000-token limit
		fmt.Fprintf(&manyTokens, "a%d: __typename ", i)
	}
	manyTokens.WriteString("}")
	deep := "{ products(first: 1) { nodes { variants { product { variants { product { variants { product { variants { product { variants { product { id } } } } } } } } } } } } }"

	tests := []struct {
		name  string
		query string
		vars  map[string]any
		code  string
		says  string // the message names the problem
	}{
		{"garbage cursor", `{ products(first: 5, after: "not-a-cursor") { totalCount } }`, nil, "BAD_USER_INPUT", "cursor"},
		{"cursor of another connection", `query($a: String) { products(first: 5, after: $a) { totalCount } }`, map[string]any{"a": variantsCursor}, "BAD_USER_INPUT", "products connection"},
		{"first 1000", `{ products(first: 1000) { totalCount } }`, nil, "BAD_USER_INPUT", "first must be between 1 and 100"},
		{"first 0", `{ variants(first: 0) { totalCount } }`, nil, "BAD_USER_INPUT", "first must be between 1 and 100"},
		{"first negative", `{ products(first: -3) { totalCount } }`, nil, "BAD_USER_INPUT", "got -3"},
		{"first wrong type", `query($f: Int) { products(first: $f) { totalCount } }`, map[string]any{"f": "ten"}, "", "Int"},
		{"id not a gid", `{ product(id: "153172") { id } }`, nil, "BAD_USER_INPUT", "gid://"},
		{"id of another type", `{ product(id: "gid://tradegecko/Variant/2") { id } }`, nil, "BAD_USER_INPUT", "not a Product id"},
		{"id not numeric", `{ variant(id: "gid://tradegecko/Variant/abc") { id } }`, nil, "BAD_USER_INPUT", "positive integer"},
		{"id of an unknown backend", `{ node(id: "gid://shopify/Product/1") { id } }`, nil, "BAD_USER_INPUT", "unknown backend"},
		{"node of an unknown type", `{ node(id: "gid://tradegecko/Widget/1") { id } }`, nil, "BAD_USER_INPUT", "no Widget type"},
		{"nodes over 100", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": many}, "BAD_USER_INPUT", "at most 100"},
		{"nodes with one bad id", `{ nodes(ids: ["gid://tradegecko/Product/1", "gid://tradegecko/Product/0"]) { id } }`, nil, "BAD_USER_INPUT", "ids[1]"},
		{"filter ids over 250", `query($ids: [ID!]) { products(filter: {ids: $ids}) { totalCount } }`, map[string]any{"ids": tooManyIDs}, "BAD_USER_INPUT", "at most 250"},
		{"filter with control characters", `{ variants(filter: {sku: "a\u0000b"}) { totalCount } }`, nil, "BAD_USER_INPUT", "control character"},
		{"filter brand too long", `query($b: String) { products(filter: {brand: $b}) { totalCount } }`, map[string]any{"b": strings.Repeat("x", 300)}, "BAD_USER_INPUT", "longer than"},
		{"bad DateTime", `{ products(filter: {updatedAfter: "yesterday"}) { totalCount } }`, nil, "", "DateTime"},
		{"unknown enum", `{ products(filter: {status: DELETED}) { totalCount } }`, nil, "GRAPHQL_VALIDATION_FAILED", "DELETED"},
		{"filter status OTHER", `{ products(filter: {status: OTHER}) { totalCount } }`, nil, "BAD_USER_INPUT", "cannot be used as a filter"},
		{"unknown field", `{ products { nope } }`, nil, "GRAPHQL_VALIDATION_FAILED", "nope"},
		{"syntax error", `{ products(first: 1) { `, nil, "GRAPHQL_PARSE_FAILED", ""},
		{"too deep", deep, nil, "COMPLEXITY_LIMIT_EXCEEDED", "levels deep"},
		{"too many tokens", manyTokens.String(), nil, "GRAPHQL_PARSE_FAILED", "token limit"},
		{"too complex", `{ a: products(first: 100) { nodes { variants { stockLevels { location { id label } onHand } prices { price { amount } } } } } b: products(first: 100) { nodes { variants { stockLevels { location { id label } onHand } prices { price { amount } } } } } c: products(first: 100) { nodes { variants { stockLevels { location { id } } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED", "complexity is at least"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqlResponse
			n := g.upstream(func() { resp = g.query(adminKey, tc.query, tc.vars) })
			if n != 0 {
				t.Errorf("bad input reached the upstream %d times: %v", n, paths(g.sb))
			}
			if len(resp.Errors) == 0 {
				t.Fatalf("no error; data %s", resp.Data)
			}
			if tc.code != "" && resp.code(0) != tc.code {
				t.Errorf("code = %q, want %q (%+v)", resp.code(0), tc.code, resp.Errors[0])
			}
			if !strings.Contains(resp.Errors[0].Message, tc.says) {
				t.Errorf("message %q does not say %q", resp.Errors[0].Message, tc.says)
			}
		})
	}
}

func TestMalformedRequests(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	huge := append([]byte(`{"query":"{ products { totalCount } }","variables":{"x":"`), bytes.Repeat([]byte("a"), 2<<20)...)
	huge = append(huge, `"}}`...)
	tests := []struct {
		name        string
		contentType string
		body        []byte
		status      int
		says        string
	}{
		{"malformed JSON", "application/json", []byte(`{"query": "{ products { totalCount } }"`), http.StatusBadRequest, "not valid JSON"},
		{"not an object", "application/json", []byte(`["query"]`), http.StatusBadRequest, "JSON object"},
		{"query not a string", "application/json", []byte(`{"query": 5}`), http.StatusBadRequest, `"query" must be a string`},
		{"variables not an object", "application/json", []byte(`{"query": "{ locations { id } }", "variables": [1]}`), http.StatusBadRequest, `"variables" must be an object`},
		{"no query", "application/json", []byte(`{}`), http.StatusBadRequest, `no "query"`},
		{"wrong content type", "text/plain", []byte(`{"query": "{ locations { id } }"}`), http.StatusBadRequest, "Content-Type: application/json"},
		{"over 2 MB", "application/json", huge, http.StatusRequestEntityTooLarge, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var resp gqlResponse
			n := g.upstream(func() { resp = g.post(adminKey, tc.contentType, tc.body) })
			if resp.status != tc.status || len(resp.Errors) == 0 || !strings.Contains(resp.Errors[0].Message, tc.says) {
				t.Errorf("status %d errors %+v; want %d saying %q", resp.status, resp.Errors, tc.status, tc.says)
			}
			if n != 0 {
				t.Errorf("reached the upstream %d times", n)
			}
		})
	}
}

// Upstream failures become the documented GraphQL error codes, with the
// backend and its request id.
func TestUpstreamFailures(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	const q = `{ products(first: 3) { totalCount } }`
	tests := []struct {
		name   string
		status int
		times  int
		code   string
	}{
		{"500 after retries", 500, 3, "UPSTREAM_UNAVAILABLE"},
		{"401", 401, 1, "UPSTREAM_ERROR"},
		{"402", 402, 1, "UPSTREAM_ERROR"},
		// Last: the client then waits out the reset. One 429 is sent once
		// more after its reset; the second stands.
		{"429 twice", 429, 2, "RATE_LIMITED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g.sb.FailNext(tc.times, tc.status)
			resp := g.query(adminKey, q, nil)
			if resp.code(0) != tc.code {
				t.Fatalf("code = %q (%+v), want %q", resp.code(0), resp.Errors, tc.code)
			}
			ext := resp.Errors[0].Extensions
			if ext["backend"] != "tradegecko" || ext["requestId"] == nil {
				t.Errorf("extensions = %v, want backend and requestId", ext)
			}
			if tc.code == "RATE_LIMITED" && ext["retryAfter"] == nil {
				t.Errorf("RATE_LIMITED without retryAfter: %v", ext)
			}
		})
	}

	// A transient 503 is retried: the client sees the answer.
	g = newGateway(t, gatewayOptions{})
	g.sb.FailNext(1, 503)
	var resp gqlResponse
	n := g.upstream(func() { resp = g.query(adminKey, q, nil) })
	mustData[map[string]any](t, resp)
	if n != 2 {
		t.Errorf("one 503 then success took %d requests, want 2", n)
	}
}

// One failing field does not blank the others.
func TestPartialData(t *testing.T) {
	g := newGateway(t, gatewayOptions{sandbox: sandbox.Options{}})
	g.sb.FailNext(3, 500)
	resp := g.query(adminKey, `{ locations { label } products(first: 1) { totalCount } }`, nil)
	if len(resp.Errors) != 1 || resp.code(0) != "UPSTREAM_UNAVAILABLE" {
		t.Fatalf("errors = %+v, want one UPSTREAM_UNAVAILABLE", resp.Errors)
	}
	resp.Errors = nil
	data := mustData[map[string]any](t, resp)
	if data["products"] != nil {
		t.Errorf("products = %v, want null", data["products"])
	}
	if locs, _ := data["locations"].([]any); len(locs) != 3 {
		t.Errorf("locations = %v, want 3 despite the failing products field", data["locations"])
	}
}
