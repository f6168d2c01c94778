package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/server"
)

// postBatch posts body (a batch) with key and accept; it answers the
// status, the headers and each result of the JSON array answered (nil
// when the answer is not an array: then single is the one result).
func postBatch(t *testing.T, g *gateway, key, accept, body string) (resp *http.Response, results []gqlResponse, single gqlResponse) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if b := bytes.TrimSpace(raw); len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(b, &results); err != nil {
			t.Fatalf("status %d: the batch's answer is not an array of results: %v\n%s", resp.StatusCode, err, raw)
		}
		return resp, results, gqlResponse{}
	}
	if err := json.Unmarshal(raw, &single); err != nil {
		t.Fatalf("status %d: not JSON: %v\n%s", resp.StatusCode, err, raw)
	}
	single.status = resp.StatusCode
	return resp, nil, single
}

func batchOf(ops ...map[string]any) string {
	b, _ := json.Marshal(ops)
	return string(b)
}

// TestBatch: a JSON array of operations answers an array of their results
// in order, each with its own data, errors and extensions.
func TestBatch(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	body := batchOf(
		map[string]any{"query": `query A($n: Int) { products(first: $n) { nodes { id } } }`, "variables": map[string]any{"n": 2}, "operationName": "A"},
		map[string]any{"query": `{ products(first: 1) { nodes { nope } } }`},
		map[string]any{"query": `query One { variant(id: "gid://tradegecko/Variant/999999") { sku } } query Two { currencies { code } }`, "operationName": "Two"},
		map[string]any{"query": deferQuery},
	)
	for _, accept := range []string{"", "application/graphql-response+json,application/json;q=0.9", "multipart/mixed;deferSpec=20220824,application/json;q=0.9"} {
		t.Run("Accept "+accept, func(t *testing.T) {
			resp, results, single := postBatch(t, g, storefrontKey, accept, body)
			if resp.StatusCode != http.StatusOK || len(results) != 4 {
				t.Fatalf("status %d, %d results (%+v); want 200 and 4", resp.StatusCode, len(results), single.Errors)
			}
			wantType := "application/json"
			if strings.HasPrefix(accept, "application/graphql-response+json") {
				wantType = "application/graphql-response+json"
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
				t.Errorf("Content-Type %q, want %s", ct, wantType)
			}
			var a struct {
				Products struct{ Nodes []struct{ ID string } }
			}
			if err := json.Unmarshal(results[0].Data, &a); err != nil || len(results[0].Errors) > 0 || len(a.Products.Nodes) != 2 {
				t.Errorf("results[0]: %s %+v; want 2 products (its variables applied)", results[0].Data, results[0].Errors)
			}
			if results[1].code(0) != "GRAPHQL_VALIDATION_FAILED" || results[1].Data != nil && string(results[1].Data) != "null" {
				t.Errorf("results[1]: %s %+v; want its own validation error", results[1].Data, results[1].Errors)
			}
			if len(results[2].Errors) > 0 || !strings.Contains(string(results[2].Data), `"currencies"`) {
				t.Errorf("results[2]: %s %+v; want the operation it names (Two)", results[2].Data, results[2].Errors)
			}
			var grid gridData
			_ = json.Unmarshal(results[3].Data, &grid)
			var hasNext struct {
				HasNext *bool `json:"hasNext"`
			}
			raw, _ := json.Marshal(results[3])
			_ = json.Unmarshal(raw, &hasNext)
			if len(grid.Products.Nodes) != 3 || grid.Products.Nodes[0].Variants == nil || hasNext.HasNext != nil {
				t.Errorf("results[3] (@defer): %s; want the deferred variants inline, never hasNext", results[3].Data)
			}
		})
	}
}

// TestBatchRefusals: a batch of the wrong shape is refused whole with 400
// naming the problem, before anything runs.
func TestBatchRefusals(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	op := map[string]any{"query": `{ products(first: 1) { nodes { id } } }`}
	eleven := make([]map[string]any, 11)
	for i := range eleven {
		eleven[i] = op
	}
	for _, tc := range []struct {
		name, body, message string
	}{
		{"empty", `[]`, "the batch is empty: send at least one operation"},
		{"eleven operations", batchOf(eleven...), "a batch holds at most 10 operations; this one has 11"},
		{"a number", `[{"query":"{ __typename }"}, 3]`, `batch[1] is not a JSON object`},
		{"a nested batch", `[[{"query":"{ __typename }"}]]`, `batch[0] is not a JSON object`},
		{"null", `[null]`, `batch[0] is not a JSON object`},
		{"a query that is not a string", `[{"query":"{ __typename }"}, {"query": 7}]`, `batch[1]: "query" must be a string`},
		{"no query", `[{"variables":{}}]`, `batch[0]: the request body has no "query"`},
		{"bad variables", `[{"query":"{ __typename }","variables":[1]}]`, `batch[0]: "variables" must be an object or null`},
		{"malformed JSON", `[{"query":"{ __typename }"},`, "the request body is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var single gqlResponse
			n := g.upstream(func() { _, _, single = postBatch(t, g, storefrontKey, "", tc.body) })
			if single.status != http.StatusBadRequest || single.code(0) != "BAD_USER_INPUT" ||
				!strings.Contains(single.Errors[0].Message, tc.message) {
				t.Errorf("status %d, errors %+v; want 400 BAD_USER_INPUT containing %q", single.status, single.Errors, tc.message)
			}
			if n != 0 {
				t.Errorf("a refused batch cost %d upstream requests", n)
			}
		})
	}
}

// brandLists is n one-product lists, each filtered on its own brand
// (from brand first on): n distinct upstream requests on a cold cache.
func brandLists(first, n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, ` a%d: products(first: 1, filter: {brand: "Batch-%d"}) { totalCount }`, i, first+i)
	}
	b.WriteString(" }")
	return b.String()
}

// TestBatchLimits, as an attacker with the storefront key: each operation
// of a batch meets the limits it would meet alone (the upstream plan,
// introspection, depth and complexity), and a batch of N counts as N
// requests against the client's rate, refused whole when they do not fit.
func TestBatchLimits(t *testing.T) {
	const plan = 3
	t.Run("ten operations each at the plan limit cost what ten requests would", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{MaxUpstreamPerOperation: plan, Introspection: "admin"}})
		ops := make([]map[string]any, 10)
		for i := range ops {
			ops[i] = map[string]any{"query": brandLists(i*plan, plan)}
		}
		var results []gqlResponse
		n := g.upstream(func() { _, results, _ = postBatch(t, g, storefrontKey, "", batchOf(ops...)) })
		if len(results) != 10 {
			t.Fatalf("%d results, want 10", len(results))
		}
		for i, r := range results {
			if len(r.Errors) > 0 {
				t.Errorf("results[%d]: %+v; an operation at the plan limit runs", i, r.Errors)
			}
		}
		if n > 10*plan {
			t.Errorf("the batch cost %d upstream requests, more than its ten plans' %d", n, 10*plan)
		}
	})
	t.Run("an operation over a limit is refused in its place, and the others run", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{MaxUpstreamPerOperation: plan, Introspection: "admin"}})
		body := batchOf(
			map[string]any{"query": brandLists(100, plan+1)},
			map[string]any{"query": `{ __schema { queryType { name } } }`},
			map[string]any{"query": fanOut(29)},
			map[string]any{"query": `{ currencies { code } }`},
		)
		var results []gqlResponse
		n := g.upstream(func() { _, results, _ = postBatch(t, g, storefrontKey, "", body) })
		if len(results) != 4 {
			t.Fatalf("%d results, want 4", len(results))
		}
		for i, want := range []string{"COMPLEXITY_LIMIT_EXCEEDED", "FORBIDDEN", "COMPLEXITY_LIMIT_EXCEEDED", ""} {
			if got := results[i].code(0); got != want {
				t.Errorf("results[%d]: code %q (%+v), want %q", i, got, results[i].Errors, want)
			}
		}
		if n != 0 { // currencies are reference data, loaded at start
			t.Errorf("the refused operations cost %d upstream requests", n)
		}
	})
	t.Run("with trusted documents, each operation must be one", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{
			TrustedDocuments: writeManifest(t, "apollo", trustedLocations, trustedProducts)}})
		body := batchOf(
			map[string]any{"documentId": "sha256:" + sha256Hex(trustedLocations)},
			map[string]any{"query": untrusted},
			map[string]any{"query": trustedProducts, "variables": map[string]any{"first": 1}},
		)
		_, results, single := postBatch(t, g, storefrontKey, "", body)
		if len(results) != 3 {
			t.Fatalf("%d results (%+v), want 3", len(results), single.Errors)
		}
		for i, want := range []string{"", "OPERATION_NOT_TRUSTED", ""} {
			if got := results[i].code(0); got != want || want == "" && (len(results[i].Data) < 3 || string(results[i].Data) == "null") {
				t.Errorf("results[%d]: code %q, data %s; want %q", i, got, results[i].Data, want)
			}
		}
	})
	t.Run("a batch counts as its operations against the client's rate", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{ClientRateLimit: 12, ClientRateWindow: time.Minute}})
		op := map[string]any{"query": `{ currencies { code } }`}
		ten := make([]map[string]any, 10)
		for i := range ten {
			ten[i] = op
		}
		if _, results, single := postBatch(t, g, storefrontKey, "", batchOf(ten...)); len(results) != 10 {
			t.Fatalf("the first batch of 10 (of 12 a minute): %d results, %+v", len(results), single.Errors)
		}
		resp, results, single := postBatch(t, g, storefrontKey, "", batchOf(op, op, op))
		if results != nil || single.status != http.StatusTooManyRequests || single.code(0) != "RATE_LIMITED" ||
			!strings.Contains(single.Errors[0].Message, "a batch of 3 operations counts as 3 requests") || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("a batch of 3 with 2 requests left: status %d, %d results, errors %+v, Retry-After %q; want it refused whole (429 RATE_LIMITED)",
				single.status, len(results), single.Errors, resp.Header.Get("Retry-After"))
		}
		// What the refused batch counted (its HTTP request) is gone; one request is left.
		if r := g.query(storefrontKey, `{ currencies { code } }`, nil); r.status != http.StatusOK || len(r.Errors) > 0 {
			t.Errorf("a single request after the refusal: %d %+v", r.status, r.Errors)
		}
		if r := g.query(storefrontKey, `{ currencies { code } }`, nil); r.code(0) != "RATE_LIMITED" {
			t.Errorf("past the limit: %d %+v, want RATE_LIMITED", r.status, r.Errors)
		}
		// Admin keys are not counted, batched or not.
		if _, results, single := postBatch(t, g, adminKey, "", batchOf(ten...)); len(results) != 10 {
			t.Errorf("an admin batch: %d results, %+v", len(results), single.Errors)
		}
	})
}

// TestBatchClients: Apollo Client's BatchHttpLink sends three queries in
// one request and each gets its own answer (clients/batch.test.js).
func TestBatchClients(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	runClients(t, "batch.test.js", 1, "GATEWAY_URL="+g.url+"/graphql", "KEY="+storefrontKey)
}

// TestBatchAccessLog: a batch is one access line, saying how many
// operations it held.
func TestBatchAccessLog(t *testing.T) {
	var logs lockedBuffer
	g := newGateway(t, gatewayOptions{logs: &logs})
	op := map[string]any{"query": `{ currencies { code } }`}
	if _, results, _ := postBatch(t, g, storefrontKey, "", batchOf(op, op, op)); len(results) != 3 {
		t.Fatalf("%d results, want 3", len(results))
	}
	time.Sleep(50 * time.Millisecond)
	var lines []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "msg=request") && strings.Contains(l, "path=/graphql") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "operations=3") || !strings.Contains(lines[0], "status=200") {
		t.Errorf("access lines %q; want one, with status=200 operations=3", lines)
	}
}
