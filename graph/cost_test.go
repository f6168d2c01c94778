package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/commercegateway/gateway/paging"
)

var gatewaySchema = NewExecutableSchema(Config{}).Schema()

// load parses and validates query against the gateway's schema, and
// coerces vars (given as JSON, decoded with UseNumber as gqlgen does) the
// way gqlgen does before extensions run.
func load(t testing.TB, query, vars string) (*ast.QueryDocument, *ast.OperationDefinition, map[string]any) {
	t.Helper()
	doc, errs := gqlparser.LoadQueryWithRules(gatewaySchema, query, nil)
	if errs != nil {
		t.Fatalf("LoadQuery(%.80s): %v", query, errs)
	}
	raw := map[string]any{}
	if vars != "" {
		dec := json.NewDecoder(strings.NewReader(vars))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
	}
	op := doc.Operations[0]
	coerced, err := validator.VariableValues(gatewaySchema, op, raw)
	if err != nil {
		t.Fatalf("VariableValues: %v", err)
	}
	return doc, op, coerced
}

// fanOut is `{ ...F0 } fragment F0 on Query { ...F1 ...F1 } …
// fragment F<n-1> on Query { __typename }`: 2^(n-1) spreads of
// __typename once expanded.
func fanOut(n int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := range n - 1 {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n-1)
	return b.String()
}

func nested(depth int) string {
	// variant { product { variants { product … } } }: depth levels.
	var b strings.Builder
	b.WriteString(`{ variant(id: "gid://tradegecko/Variant/1") {`)
	open := 1
	for i := 1; i < depth-1; i++ {
		if i%2 == 1 {
			b.WriteString(" product {")
		} else {
			b.WriteString(" variants {")
		}
		open++
	}
	b.WriteString(" id")
	b.WriteString(strings.Repeat(" }", open))
	b.WriteString(" }")
	return b.String()
}

func cursor(offset int) string { return cursors.Encode("products", offset) }

func TestMeasureDepthAndComplexity(t *testing.T) {
	tests := []struct {
		name       string
		query      string
		vars       string
		depth      int
		complexity int // -1: over the limit, the walk stopped
	}{
		{"one field", `{ products { totalCount } }`, "", 2, 20 * 2},
		{"connection by first", `{ products(first: 50) { nodes { id } } }`, "", 3, 50 * 3},
		{"first from a variable", `query($n: Int) { products(first: $n) { nodes { id } } }`, `{"n": 7}`, 3, 7 * 3},
		{"first over the maximum", `{ products(first: 500) { nodes { id } } }`, "", 3, 100 * 3},
		{"typical list sizes", `{ product(id: "gid://tradegecko/Product/1") { variants { prices { priceListId } } } }`, "", 4, 1 + 5*(1+3*(1+1))},
		{"nodes by ids", `{ nodes(ids: ["gid://tradegecko/Product/1", "gid://tradegecko/Product/2"]) { id } }`, "", 2, 2 * 2},
		{"fragments count as written", `{ ...Q } fragment Q on Query { products(first: 2) { ...P ...P } } fragment P on ProductConnection { totalCount }`, "", 2, 2 * (2 + 1)},
		{"inline fragments on an interface", `{ node(id: "gid://tradegecko/Product/1") { ... on Product { images { id } } ... on Variant { sku } } }`, "", 3, 1 + 3*2 + 1},
		{"introspection is exempt from depth", `{ __schema { types { fields { type { ofType { ofType { name } } } } } } }`, "", 1, 0},
		{"depth 13", nested(13), "", 13, -2},
		{"fan-out 2^28", fanOut(29), "", 0, -1},
		{"fan-out 2^40", fanOut(41), "", 0, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, op, vars := load(t, tc.query, tc.vars)
			got := Measure(gatewaySchema, doc, op, vars, DepthLimit, ComplexityLimit)
			switch tc.complexity {
			case -1:
				if !got.Stopped || got.Complexity <= ComplexityLimit {
					t.Errorf("Measure = %+v, want stopped past %d", got, ComplexityLimit)
				}
				return
			case -2:
			default:
				if got.Complexity != tc.complexity {
					t.Errorf("complexity = %d, want %d", got.Complexity, tc.complexity)
				}
			}
			if got.Depth != tc.depth {
				t.Errorf("depth = %d, want %d", got.Depth, tc.depth)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 150 {
		fmt.Fprintf(&aliases, ` a%d: products(first: 1, filter: {brand: "B-%d"}) { totalCount }`, i, i)
	}
	aliases.WriteString(" }")
	var sameAliases strings.Builder
	sameAliases.WriteString("{")
	for i := range 150 {
		fmt.Fprintf(&sameAliases, ` a%d: products(first: 1, filter: {brand: "B"}) { totalCount }`, i)
	}
	sameAliases.WriteString(" }")

	tests := []struct {
		name  string
		query string
		vars  string
		want  int
	}{
		{"a list", `{ products(first: 50) { totalCount } }`, "", 1},
		{"the README's catalog query", readmeCatalogQuery, "", 2},
		{"variants and images of a list", `{ products(first: 50) { nodes { variants { id } images { id } } } }`, "", 3},
		{"edges count as nodes", `{ products(first: 50) { edges { node { variants { id } } } } }`, "", 2},
		{"150 aliases, distinct filters", aliases.String(), "", 150},
		{"150 aliases, identical arguments", sameAliases.String(), "", 1},
		{"a window across blocks", `{ products(first: 100, after: "` + cursor(199) + `") { totalCount } }`, "", 2},
		{"a window inside a block", `{ products(first: 100, after: "` + cursor(9) + `") { totalCount } }`, "", 1},
		{"first from a variable", `query($n: Int) { products(first: $n) { nodes { variants { id } } } }`, `{"n": 100}`, 1 + 2},
		{"variants with their products", `{ variants(first: 100) { nodes { product { name } } } }`, "", 2},
		{"lookups by id", `{ product(id: "gid://tradegecko/Product/1") { name } variant(id: "gid://tradegecko/Variant/1") { sku } }`, "", 2},
		{"a lookup with sideloads", `{ product(id: "gid://tradegecko/Product/1") { variants { images { id } } } }`, "", 3},
		{"nodes batched by type", `{ nodes(ids: ["gid://tradegecko/Product/1", "gid://tradegecko/Product/2", "gid://tradegecko/Variant/3"]) { id } }`, "", 2},
		{"nodes from a variable", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Product { variants { id } } } }`, `{"ids": ["gid://tradegecko/Product/1", "gid://tradegecko/Product/2"]}`, 1 + 1},
		{"nodes of reference data", `{ nodes(ids: ["gid://tradegecko/Location/1", "gid://tradegecko/Currency/2"]) { id } locations { id } }`, "", 0},
		{"a fragment on an interface", `{ variants(first: 100) { nodes { product { ...N } } } }
			fragment N on Node { ... on Product { images { id } } ... on Variant { images { id } prices { priceListId } } }`, "", 1 + 1 + 2},
		{"a fragment spread twice at the root", `{ ...Q ...Q } fragment Q on Query { products { totalCount } }`, "", 1},
		{"the same fragment under two lists", `{ a: products(first: 10) { nodes { ...P } } b: products(first: 100) { nodes { ...P } } }
			fragment P on Product { variants { id } }`, "", 1 + 1 + 1 + 2},
		{"orders with their lines and variants", `{ orders(first: 50) { nodes { company { name } lineItems { variant { sku } } } } }`, "", 1 + 1 + 2 + 2},
		{"an unknown id plans nothing", `{ node(id: "nope") { id } }`, "", 0},
		{"introspection", `{ __schema { types { name } } __type(name: "Product") { name } __typename }`, "", 0},
		{"a mutation", `mutation { createOrder(input: {lineItems: [{variantId: "gid://tradegecko/Variant/1", quantity: 1}]}) { order { id lineItems { variant { sku } } } } }`, "", 4 + 1 + 1},
		{"two mutations", `mutation { a: voidOrder(id: "gid://tradegecko/Order/1") { order { id } } b: voidOrder(id: "gid://tradegecko/Order/1") { order { id } } }`, "", 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, op, vars := load(t, tc.query, tc.vars)
			if got := Plan(gatewaySchema, doc, op, vars); got != tc.want {
				t.Errorf("Plan = %d, want %d", got, tc.want)
			}
			if got := Measure(gatewaySchema, doc, op, vars, DepthLimit, ComplexityLimit); got.Upstream != tc.want && !got.Stopped {
				t.Errorf("Measure.Upstream = %d, want %d", got.Upstream, tc.want)
			}
		})
	}
}

const readmeCatalogQuery = `{
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

// graphql-js's getIntrospectionQuery with every option on (descriptions,
// specifiedByUrl, directiveIsRepeatable, schemaDescription,
// inputValueDeprecation), written to the same depth.
const fullIntrospectionQuery = `query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

func TestIntrospectionWithinLimits(t *testing.T) {
	doc, op, vars := load(t, fullIntrospectionQuery, "")
	got := Measure(gatewaySchema, doc, op, vars, DepthLimit, ComplexityLimit)
	if got.Stopped || got.Depth > DepthLimit || got.Complexity > ComplexityLimit || got.Upstream != 0 {
		t.Errorf("Measure(introspection) = %+v, want within depth %d and complexity %d, no upstream", got, DepthLimit, ComplexityLimit)
	}
}

// The complexity is gqlgen's, number for number: compare with gqlgen's
// own calculation (under the per-field functions the handler used to
// configure) on random documents small enough for it.
func TestComplexityMatchesGqlgen(t *testing.T) {
	es := legacyComplexitySchema()
	fixed := []string{
		readmeCatalogQuery,
		fullIntrospectionQuery,
		`{ a: products(first: 100) { nodes { variants { stockLevels { location { id label } onHand } prices { price { amount } } } } } }`,
		`{ orders(first: 30) { nodes { lineItems { variant { sku } } fulfillments { lineItems { quantity } } returns { lineItems { quantity } } company { addresses { city } } } } }`,
		`query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Product { images { url } } } }`,
	}
	check := func(t *testing.T, q string) {
		t.Helper()
		vars := ""
		if strings.Contains(q, "$ids") {
			vars = `{"ids": ["gid://tradegecko/Product/1", "gid://tradegecko/Product/2", "gid://tradegecko/Product/3"]}`
		}
		doc, op, vars2 := load(t, q, vars)
		want := complexity.Calculate(context.Background(), es, op, vars2)
		got := Measure(gatewaySchema, doc, op, vars2, 0, 0).Complexity
		if got != want {
			t.Errorf("complexity of %.120q = %d, gqlgen says %d", q, got, want)
		}
	}
	for _, q := range fixed {
		check(t, q)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		check(t, randomDocument(r))
	}
}

// randomDocument is a query over products with a small random DAG of
// fragments on Query, ProductConnection, Product and Variant.
func randomDocument(r *rand.Rand) string {
	var b strings.Builder
	types := []string{"Query", "ProductConnection", "Product", "Variant"}
	type field struct{ tmpl, child string } // tmpl's last %s is the child's selection
	fields := map[string][]field{
		"Query":             {{"products(first: %d) { %s }", "ProductConnection"}, {"product(id: \"gid://tradegecko/Product/1\") { %s }", "Product"}, {"__typename", ""}},
		"ProductConnection": {{"totalCount", ""}, {"nodes { %s }", "Product"}, {"edges { node { %s } }", "Product"}},
		"Product":           {{"id", ""}, {"name", ""}, {"variants { %s }", "Variant"}, {"images { id }", ""}},
		"Variant":           {{"sku", ""}, {"prices { priceListId }", ""}, {"stockLevels { onHand }", ""}, {"product { %s }", "Product"}},
	}
	nfrag := 1 + r.IntN(6)
	fragType := make([]string, nfrag)
	for i := range fragType {
		fragType[i] = types[r.IntN(len(types))]
	}
	alias := 0 // every field its own alias: no conflicts to validate away
	var sel func(typ string, depth, minFrag int) string
	sel = func(typ string, depth, minFrag int) string {
		var parts []string
		for range 1 + r.IntN(3) {
			if r.IntN(3) == 0 {
				// A spread of a later fragment of this type, if any.
				for j := minFrag; j < nfrag; j++ {
					if fragType[j] == typ {
						parts = append(parts, fmt.Sprintf("...F%d", j))
						break
					}
				}
				continue
			}
			f := fields[typ][r.IntN(len(fields[typ]))]
			alias++
			f.tmpl = "x" + strconv.Itoa(alias) + ": " + f.tmpl
			switch {
			case f.child == "":
				parts = append(parts, f.tmpl)
			case depth > 3:
				parts = append(parts, "__typename")
			case strings.Contains(f.tmpl, "%d"):
				parts = append(parts, fmt.Sprintf(f.tmpl, 1+r.IntN(120), sel(f.child, depth+1, minFrag)))
			default:
				parts = append(parts, fmt.Sprintf(f.tmpl, sel(f.child, depth+1, minFrag)))
			}
		}
		parts = append(parts, "__typename")
		return strings.Join(parts, " ")
	}
	fmt.Fprintf(&b, "{ %s }\n", sel("Query", 0, 0))
	for i, typ := range fragType {
		fmt.Fprintf(&b, "fragment F%d on %s { %s }\n", i, typ, sel(typ, 0, i+1))
	}
	// Drop fragments nobody spreads (validation refuses unused ones).
	doc := b.String()
	for i := range nfrag {
		if !strings.Contains(doc, fmt.Sprintf("...F%d ", i)) && !strings.Contains(doc, fmt.Sprintf("...F%d}", i)) {
			start := strings.Index(doc, fmt.Sprintf("fragment F%d on", i))
			end := start + strings.Index(doc[start:], "\n") + 1
			doc = doc[:start] + doc[end:]
			return randomDocumentRetry(r, doc)
		}
	}
	return doc
}

// randomDocumentRetry drops fragments that became unused after another was
// dropped, until every fragment left is spread somewhere.
func randomDocumentRetry(r *rand.Rand, doc string) string {
	for changed := true; changed; {
		changed = false
		for i := range 6 {
			def := fmt.Sprintf("fragment F%d on", i)
			start := strings.Index(doc, def)
			if start < 0 {
				continue
			}
			end := start + strings.Index(doc[start:], "\n") + 1
			rest := doc[:start] + doc[end:]
			if !strings.Contains(rest, fmt.Sprintf("...F%d ", i)) {
				doc, changed = rest, true
			}
		}
	}
	return doc
}

// legacyComplexitySchema is the executable schema with the per-field
// complexity functions graph/handler.go configured before cost.go.
func legacyComplexitySchema() graphql.ExecutableSchema {
	var cfg Config
	connection := func(child int, first *int) int {
		n := paging.DefaultFirst
		if first != nil && *first > 0 {
			n = min(*first, paging.MaxFirst)
		}
		return saturatingMul(n, child+1)
	}
	cfg.Complexity.Query.Products = func(child int, first *int, _ *string, _ *ProductFilter) int { return connection(child, first) }
	cfg.Complexity.Query.Variants = func(child int, first *int, _ *string, _ *VariantFilter) int { return connection(child, first) }
	cfg.Complexity.Query.Orders = func(child int, first *int, _ *string, _ *OrderFilter) int { return connection(child, first) }
	cfg.Complexity.Query.Nodes = func(child int, ids []string) int { return saturatingMul(max(len(ids), 1), child+1) }
	list := func(n int) func(int) int { return func(child int) int { return saturatingMul(n, child+1) } }
	cfg.Complexity.Product.Variants = list(5)
	cfg.Complexity.Product.Images = list(3)
	cfg.Complexity.Variant.Images = list(3)
	cfg.Complexity.Variant.Prices = list(3)
	cfg.Complexity.Variant.StockLevels = list(3)
	cfg.Complexity.Order.LineItems = list(10)
	cfg.Complexity.Order.Fulfillments = list(2)
	cfg.Complexity.Order.Returns = list(2)
	cfg.Complexity.Fulfillment.LineItems = list(10)
	cfg.Complexity.Return.LineItems = list(10)
	cfg.Complexity.Company.Addresses = list(3)
	return NewExecutableSchema(cfg)
}

// A hostile document is measured in microseconds, not minutes.
func TestMeasureHostileIsFast(t *testing.T) {
	for _, q := range []string{fanOut(41), wideAliases(1200)} {
		doc, op, vars := load(t, q, "")
		start := time.Now()
		Measure(gatewaySchema, doc, op, vars, DepthLimit, ComplexityLimit)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("Measure(%.40q…) took %v", q, d)
		}
	}
}

func wideAliases(n int) string {
	var b bytes.Buffer
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, ` a%d: products(first: 1, filter: {brand: "B-%d"}) { totalCount }`, i, i)
	}
	b.WriteString(" }")
	return b.String()
}

// FuzzMeasure checks that any valid document is measured without panic,
// quickly, with its plan within what its complexity allows to be asked.
func FuzzMeasure(f *testing.F) {
	for _, q := range []string{readmeCatalogQuery, fanOut(12), `{ nodes(ids: ["gid://tradegecko/Product/1"]) { ... on Product { variants { product { id } } } } }`} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		doc, errs := gqlparser.LoadQueryWithRules(gatewaySchema, q, nil)
		if errs != nil || len(doc.Operations) == 0 {
			return
		}
		for _, op := range doc.Operations {
			start := time.Now()
			c := Measure(gatewaySchema, doc, op, nil, DepthLimit, ComplexityLimit)
			if d := time.Since(start); d > time.Second {
				t.Fatalf("Measure took %v", d)
			}
			if c.Complexity < 0 || c.Upstream < 0 || c.Depth < 0 {
				t.Fatalf("Measure = %+v", c)
			}
		}
	})
}

// BenchmarkCostCheck measures the cost check on 15,000-token hostile
// documents (the parser's limit): a fragment fan-out and a wide alias
// document. The target is under 5 ms each.
func BenchmarkCostCheck(b *testing.B) {
	docs := []struct{ name, query string }{
		{"fan-out", fanOutTokens(ParserTokenLimit)},
		{"aliases", wideAliasTokens(ParserTokenLimit)},
	}
	for _, d := range docs {
		b.Run(d.name, func(b *testing.B) {
			doc, op, vars := load(b, d.query, "")
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				Measure(gatewaySchema, doc, op, vars, DepthLimit, ComplexityLimit)
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/check")
		})
	}
}

// fanOutTokens is the largest fan-out the parser accepts within tokens.
func fanOutTokens(tokens int) string { return largest(tokens, fanOut) }

// wideAliasTokens is the widest alias document the parser accepts within
// tokens.
func wideAliasTokens(tokens int) string { return largest(tokens, wideAliases) }

// largest is doc(n) for the largest n whose document parses within tokens.
func largest(tokens int, doc func(int) string) string {
	fits := func(n int) bool {
		_, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: doc(n)}, tokens)
		return err == nil
	}
	lo, hi := 2, 2
	for fits(hi) {
		lo, hi = hi, hi*2
	}
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return doc(lo)
}
