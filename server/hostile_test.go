package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/commercegateway/gateway/server"
)

// fanOut is the 1 KB document whose expansion is 2^(n-1) spreads:
// `{ ...F0 } fragment F0 on Query { ...F1 ...F1 } … fragment F<n-1> on
// Query { __typename }`.
func fanOut(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n-1)
	return b.String()
}

// brandAliases is n aliases of a one-product list, each with its own
// filter: n distinct upstream list requests on a cold cache.
func brandAliases(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, ` a%d: products(first: 1, filter: {brand: "B-%d"}) { totalCount }`, i, i)
	}
	b.WriteString(" }")
	return b.String()
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A storefront key's fragment fan-out is refused at once, before any
// upstream request, and leaves nothing burning the CPU.
func TestFragmentFanOutIsRefusedAtOnce(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	for _, spreads := range []int{28, 40} {
		t.Run(fmt.Sprintf("2^%d spreads", spreads), func(t *testing.T) {
			var resp gqlResponse
			var took time.Duration
			n := g.upstream(func() {
				start := time.Now()
				resp = g.query(storefrontKey, fanOut(spreads+1), nil)
				took = time.Since(start)
			})
			if took > time.Second {
				t.Errorf("the refusal took %v", took)
			}
			if n != 0 {
				t.Errorf("the fan-out reached the upstream %d times", n)
			}
			if resp.code(0) != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.Contains(resp.Errors[0].Message, "complexity is at least") ||
				!strings.Contains(resp.Errors[0].Message, "at most 25,000 is allowed") {
				t.Fatalf("errors = %+v, want COMPLEXITY_LIMIT_EXCEEDED saying the complexity and the limit", resp.Errors)
			}
			if resp.Data != nil && string(resp.Data) != "null" {
				t.Errorf("data = %s, want none: nothing ran", resp.Data)
			}
			// Idle afterwards: nothing left expanding the document.
			before := cpuTime(t)
			time.Sleep(300 * time.Millisecond)
			if used := cpuTime(t) - before; used > 100*time.Millisecond {
				t.Errorf("the process used %v of CPU in the 300 ms after the refusal", used)
			}
		})
	}
}

// A refusal for cost answers with the HTTP status of a validation failure.
func TestCostRefusalHasTheStatusOfAValidationFailure(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	for _, ct := range []string{"application/json", "application/graphql-response+json"} {
		t.Run(ct, func(t *testing.T) {
			send := func(query string) gqlResponse {
				req, err := http.NewRequest(http.MethodPost, g.url+"/graphql", strings.NewReader(fmt.Sprintf(`{"query": %q}`, query)))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", ct)
				req.Header.Set("Authorization", "Bearer "+storefrontKey)
				return g.do(req)
			}
			invalid := send(`{ products { nope } }`)
			refused := send(fanOut(29))
			if invalid.code(0) != "GRAPHQL_VALIDATION_FAILED" || refused.code(0) != "COMPLEXITY_LIMIT_EXCEEDED" {
				t.Fatalf("codes %q and %q", invalid.code(0), refused.code(0))
			}
			if refused.status != invalid.status {
				t.Errorf("a cost refusal answers %d, a validation failure %d", refused.status, invalid.status)
			}
		})
	}
}

// One request's aliases cannot spend the shared budget: 150 distinct
// lists plan 150 upstream requests, and are refused before any is sent.
func TestAliasesCannotSpendTheBudget(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	q := brandAliases(150)
	if len(q) < 8000 {
		t.Fatalf("the document is %d bytes; the attack was ~9 KB", len(q))
	}
	var resp gqlResponse
	if n := g.upstream(func() { resp = g.query(storefrontKey, q, nil) }); n != 0 {
		t.Errorf("the aliases reached the upstream %d times: %v", n, paths(g.sb))
	}
	want := "the operation may cost 150 upstream requests on a cold cache; a storefront key may plan at most 10"
	if resp.code(0) != "COMPLEXITY_LIMIT_EXCEEDED" || resp.Errors[0].Message != want {
		t.Fatalf("errors = %+v, want COMPLEXITY_LIMIT_EXCEEDED %q", resp.Errors, want)
	}
}

// What a storefront really asks for passes; admin keys may plan five
// times a storefront's; the limit is the configured one.
func TestUpstreamPlanLimits(t *testing.T) {
	const readme = `{
  products(first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id name
      variants {
        id sku
        retailPrice { amount currencyCode }
        inventory { available displayQuantity canSell }
      }
    }
  }
}`
	tests := []struct {
		name   string
		limits server.LimitsConfig
		key    string
		query  string
		// refused: the message's tail, or "" for an answer.
		refused string
	}{
		{"the README's catalog query", server.LimitsConfig{}, storefrontKey, readme, ""},
		{"ten lists", server.LimitsConfig{}, storefrontKey, brandAliases(10), ""},
		{"eleven lists", server.LimitsConfig{}, storefrontKey, brandAliases(11), "may cost 11 upstream requests on a cold cache; a storefront key may plan at most 10"},
		{"admin: fifty lists", server.LimitsConfig{}, adminKey, brandAliases(50), ""},
		{"admin: fifty-one lists", server.LimitsConfig{}, adminKey, brandAliases(51), "may cost 51 upstream requests on a cold cache; an admin key may plan at most 50"},
		// GATEWAY_MAX_UPSTREAM_PER_OPERATION=1: the README's query plans 2
		// (the list, and its variants where include= is ignored).
		{"a configured limit", server.LimitsConfig{MaxUpstreamPerOperation: 1}, storefrontKey, readme, "may cost 2 upstream requests on a cold cache; a storefront key may plan at most 1"},
		{"a configured limit, admin", server.LimitsConfig{MaxUpstreamPerOperation: 1}, adminKey, readme, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, gatewayOptions{limits: tc.limits})
			var resp gqlResponse
			n := g.upstream(func() { resp = g.query(tc.key, tc.query, nil) })
			if tc.refused == "" {
				mustData[map[string]any](t, resp)
				return
			}
			if n != 0 {
				t.Errorf("a refused operation reached the upstream %d times", n)
			}
			if resp.code(0) != "COMPLEXITY_LIMIT_EXCEEDED" || !strings.HasSuffix(resp.Errors[0].Message, tc.refused) {
				t.Errorf("errors = %+v, want COMPLEXITY_LIMIT_EXCEEDED ending %q", resp.Errors, tc.refused)
			}
		})
	}
}

// The plan is an upper bound of what a cold query really costs.
func TestPlanBoundsColdRequests(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	queries := []struct {
		query string
		plan  int
	}{
		{`{ products(first: 50) { nodes { variants { id } images { id } } } }`, 3},
		{`{ variants(first: 100) { nodes { product { name } images { url } } } }`, 1 + 1 + 2},
		{brandAliases(10), 10},
	}
	for _, q := range queries {
		var resp gqlResponse
		n := g.upstream(func() { resp = g.query(storefrontKey, q.query, nil) })
		mustData[map[string]any](t, resp)
		if n > q.plan {
			t.Errorf("%.60s… planned %d but cost %d cold: %v", q.query, q.plan, n, paths(g.sb))
		}
	}
}
