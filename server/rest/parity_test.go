package rest_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// The GraphQL selection of everything a REST product carries.
const productSelection = `id name description brand productType status tags options images { id } createdAt updatedAt
variants { id sku name description product { id } status options taxable upc weight weightUnit
  retailPrice { amount currencyCode } wholesalePrice { amount currencyCode } buyPrice { amount currencyCode }
  prices { priceListId price { amount currencyCode } }
  inventory { tracked onHand committed incoming available displayQuantity maxOnline canSell keepSelling }
  stockLevels { location { id } onHand committed incoming available binLocation }
  images { id } createdAt updatedAt }`

// asGraphQL rewrites a REST product (decoded as JSON) into the GraphQL
// shape: references by id become objects with an id.
func asGraphQL(p map[string]any) map[string]any {
	ref := func(id any) map[string]any { return map[string]any{"id": id} }
	refs := func(ids any) []any {
		out := []any{}
		for _, id := range ids.([]any) {
			out = append(out, ref(id))
		}
		return out
	}
	p["images"] = refs(p["imageIds"])
	delete(p, "imageIds")
	for _, v := range p["variants"].([]any) {
		v := v.(map[string]any)
		v["product"] = ref(v["productId"])
		delete(v, "productId")
		v["images"] = refs(v["imageIds"])
		delete(v, "imageIds")
		for _, sl := range v["stockLevels"].([]any) {
			sl := sl.(map[string]any)
			sl["location"] = ref(sl["locationId"])
			delete(sl, "locationId")
		}
	}
	return p
}

// The same product read through both doors gives the same values, field by
// field, for every role.
func TestProductMatchesGraphQL(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, role := range []string{admin, storefront} {
		t.Run(role, func(t *testing.T) {
			var gql struct {
				Product map[string]any `json:"product"`
			}
			q := `query($id: ID!) { product(id: $id) { ` + productSelection + ` } }`
			if role == storefront { // buyPrice is FORBIDDEN to a storefront key at that path
				q = `query($id: ID!) { product(id: $id) { ` + withoutBuyPrice(productSelection) + ` } }`
			}
			e.graphql(role, q, map[string]any{"id": "gid://tradegecko/Product/1"}, &gql)

			r := e.get("/v1/products/"+esc("gid://tradegecko/Product/1"), role)
			var rest map[string]any
			r.json(t, &rest)
			rest = asGraphQL(rest)
			if role == storefront {
				for _, v := range rest["variants"].([]any) {
					v := v.(map[string]any)
					if v["buyPrice"] != nil {
						t.Errorf("REST shows a storefront key buyPrice %v", v["buyPrice"])
					}
					delete(v, "buyPrice")
				}
			}
			if len(gql.Product["variants"].([]any)) != 2 {
				t.Fatalf("GraphQL product 1 has %d variants", len(gql.Product["variants"].([]any)))
			}
			compare(t, "product", gql.Product, rest)
		})
	}
}

func withoutBuyPrice(s string) string {
	const f = `buyPrice { amount currencyCode }`
	for i := 0; i+len(f) <= len(s); i++ {
		if s[i:i+len(f)] == f {
			return s[:i] + s[i+len(f):]
		}
	}
	return s
}

// compare reports every field whose values differ, by path.
func compare(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: GraphQL %v, REST %v", path, want, got)
			return
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				t.Errorf("%s.%s: in GraphQL (%v), missing in REST", path, k, w[k])
				continue
			}
			compare(t, path+"."+k, w[k], g[k])
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				t.Errorf("%s.%s: in REST (%v), not in GraphQL", path, k, g[k])
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: GraphQL %v, REST %v", path, want, got)
			return
		}
		for i := range w {
			compare(t, fmt.Sprintf("%s[%d]", path, i), w[i], g[i])
		}
	default:
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: GraphQL %#v, REST %#v", path, want, got)
		}
	}
}

// A REST product page costs no more upstream requests than the GraphQL
// query for the same page and fields (Invariant 3: variants sideloaded),
// also where the server ignores include= on its index.
func TestProductListCost(t *testing.T) {
	for _, tc := range []struct {
		first         int
		ignoreInclude bool
	}{{1, false}, {20, false}, {50, false}, {100, false}, {50, true}} {
		first := tc.first
		t.Run(fmt.Sprintf("first=%d,ignoreInclude=%v", first, tc.ignoreInclude), func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.sb.SetIgnoreIndexInclude(tc.ignoreInclude)
			limit := 2
			if tc.ignoreInclude {
				limit = 3
			}
			var gql json.RawMessage
			e.sb.ResetRequests()
			sel := withoutBuyPrice(productSelection)
			if first > 50 { // within GraphQL's complexity limit: what a storefront's listing shows
				sel = `id name tags variants { id sku retailPrice { amount currencyCode } inventory { displayQuantity canSell } }`
			}
			e.graphql(storefront, fmt.Sprintf(`{ products(first: %d) { totalCount pageInfo { hasNextPage endCursor } nodes { %s } } }`,
				first, sel), nil, &gql)
			viaGraphQL := e.sb.RequestCount()

			e.sb.ResetRequests()
			r := e.get(fmt.Sprintf("/v1/products?first=%d", first), storefront)
			viaREST := e.sb.RequestCount()
			var page productPage
			r.json(t, &page)
			if r.status != 200 || len(page.Data) != first {
				t.Fatalf("GET /v1/products?first=%d = %d, %d products", first, r.status, len(page.Data))
			}
			if viaREST > viaGraphQL || viaREST > limit {
				t.Errorf("a page of %d products cost %d upstream requests by REST, %d by GraphQL", first, viaREST, viaGraphQL)
			}
			t.Logf("first=%d: REST %d requests, GraphQL %d", first, viaREST, viaGraphQL)

			// The next page too.
			e.sb.ResetRequests()
			e.get(fmt.Sprintf("/v1/products?first=%d&after=%s", first, *page.PageInfo.EndCursor), storefront)
			if n := e.sb.RequestCount(); n > viaGraphQL {
				t.Errorf("the next page cost %d requests", n)
			}
		})
	}
}
