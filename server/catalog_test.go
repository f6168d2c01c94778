package server_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// The query from the foundation issue: what a storefront's product grid asks.
const storefrontQuery = `{ products(first: 50) { totalCount pageInfo { hasNextPage endCursor } nodes { id name variants { id sku retailPrice { amount currencyCode } inventory { available displayQuantity canSell } } } } }`

type moneyJSON struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

type productsPage struct {
	Products struct {
		TotalCount int `json:"totalCount"`
		PageInfo   struct {
			HasNextPage bool   `json:"hasNextPage"`
			EndCursor   string `json:"endCursor"`
		} `json:"pageInfo"`
		Nodes []struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Variants []struct {
				ID          string     `json:"id"`
				SKU         string     `json:"sku"`
				RetailPrice *moneyJSON `json:"retailPrice"`
				Inventory   struct {
					Available       *string `json:"available"`
					DisplayQuantity *string `json:"displayQuantity"`
					CanSell         bool    `json:"canSell"`
				} `json:"inventory"`
			} `json:"variants"`
		} `json:"nodes"`
	} `json:"products"`
}

// A storefront's product grid costs one request where the server honours
// include=, and at most three where it does not (products, then their
// variants by ids in batches of 250) — and the answer is the same.
func TestStorefrontQueryCost(t *testing.T) {
	answers := map[bool]json.RawMessage{}
	for _, tc := range []struct {
		name          string
		ignoreInclude bool
		maxRequests   int
	}{
		{"include honoured", false, 2},
		{"include ignored", true, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGateway(t, gatewayOptions{sandbox: sandbox.Options{IgnoreIndexInclude: tc.ignoreInclude}})
			var resp gqlResponse
			n := g.upstream(func() { resp = g.query(adminKey, storefrontQuery, nil) })
			page := mustData[productsPage](t, resp)
			if n > tc.maxRequests {
				t.Errorf("the query cost %d upstream requests, want at most %d: %v", n, tc.maxRequests, paths(g.sb))
			}
			p := page.Products
			if len(p.Nodes) != 50 || p.TotalCount != g.sb.ProductCount() || !p.PageInfo.HasNextPage || p.PageInfo.EndCursor == "" {
				t.Fatalf("got %d nodes, totalCount %d (sandbox has %d), pageInfo %+v", len(p.Nodes), p.TotalCount, g.sb.ProductCount(), p.PageInfo)
			}
			variants := 0
			for _, prod := range p.Nodes {
				for _, v := range prod.Variants {
					variants++
					if v.RetailPrice == nil || v.RetailPrice.CurrencyCode != "SGD" {
						t.Errorf("variant %s retailPrice = %+v, want an SGD price", v.ID, v.RetailPrice)
					}
				}
			}
			if variants <= 50 {
				t.Errorf("only %d variants for 50 products; the sideload looks incomplete", variants)
			}
			answers[tc.ignoreInclude] = resp.Data
		})
	}
	if len(answers) == 2 && string(answers[false]) != string(answers[true]) {
		t.Errorf("the answer depends on whether the server honours include=:\n%s", cmp.Diff(string(answers[false]), string(answers[true])))
	}
}

// Paging through the whole catalog, 100 at a time, returns every product
// exactly once at no more than two upstream requests a page with their
// variants. Where the server ignores include=, the variants of a page come
// in batches of 250, so a page costs 1 + ceil(variants/250).
func TestCatalogWalk(t *testing.T) {
	for _, ignoreInclude := range []bool{false, true} {
		t.Run(fmt.Sprintf("ignoreInclude=%v", ignoreInclude), func(t *testing.T) {
			g := newGateway(t, gatewayOptions{sandbox: sandbox.Options{IgnoreIndexInclude: ignoreInclude}})
			seen := map[string]bool{}
			after, pages, total := "", 0, 0
			for {
				q := `query($after: String) { products(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { id name variants { id sku } } } }`
				vars := map[string]any{}
				if after != "" {
					vars["after"] = after
				}
				var resp gqlResponse
				n := g.upstream(func() { resp = g.query(adminKey, q, vars) })
				page := mustData[productsPage](t, resp)
				pages++
				limit := 2
				if ignoreInclude {
					variants := 0
					for _, p := range page.Products.Nodes {
						variants += len(p.Variants)
					}
					limit = 1 + (variants+249)/250
				}
				if n > limit {
					t.Errorf("page %d cost %d upstream requests, want at most %d: %v", pages, n, limit, paths(g.sb))
				}
				total = page.Products.TotalCount
				for _, p := range page.Products.Nodes {
					if seen[p.ID] {
						t.Errorf("product %s returned twice", p.ID)
					}
					seen[p.ID] = true
				}
				if !page.Products.PageInfo.HasNextPage {
					break
				}
				after = page.Products.PageInfo.EndCursor
				if pages > 20 {
					t.Fatal("more than 20 pages: hasNextPage never turned false")
				}
			}
			if want := g.sb.ProductCount(); len(seen) != want || total != want {
				t.Errorf("walked %d distinct products, totalCount %d; the sandbox has %d", len(seen), total, want)
			}
			if want := (total + 99) / 100; pages != want {
				t.Errorf("walked %d pages, want %d", pages, want)
			}
		})
	}
}

// 100 variants with their products: the list, then one batched lookup.
func TestVariantsWithProductsCost(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	var resp gqlResponse
	n := g.upstream(func() {
		resp = g.query(adminKey, `{ variants(first: 100) { nodes { id sku product { id name variants { id } } } } }`, nil)
	})
	data := mustData[struct {
		Variants struct {
			Nodes []struct {
				ID      string `json:"id"`
				Product struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Variants []struct {
						ID string `json:"id"`
					} `json:"variants"`
				} `json:"product"`
			} `json:"nodes"`
		} `json:"variants"`
	}](t, resp)
	if n > 2 {
		t.Errorf("100 variants with their products cost %d upstream requests, want at most 2: %v", n, paths(g.sb))
	}
	if len(data.Variants.Nodes) != 100 {
		t.Fatalf("got %d variants, want 100", len(data.Variants.Nodes))
	}
	for _, v := range data.Variants.Nodes {
		found := false
		for _, pv := range v.Product.Variants {
			found = found || pv.ID == v.ID
		}
		if v.Product.Name == "" || !found {
			t.Errorf("variant %s: product %+v does not list it", v.ID, v.Product)
		}
	}
}

type variantFacts struct {
	SKU         string     `json:"sku"`
	RetailPrice *moneyJSON `json:"retailPrice"`
	BuyPrice    *moneyJSON `json:"buyPrice"`
	Inventory   struct {
		Tracked         bool    `json:"tracked"`
		Available       *string `json:"available"`
		DisplayQuantity *string `json:"displayQuantity"`
		MaxOnline       *string `json:"maxOnline"`
		CanSell         bool    `json:"canSell"`
		KeepSelling     bool    `json:"keepSelling"`
	} `json:"inventory"`
}

func variantBySKU(t *testing.T, g *gateway, key, sku string) variantFacts {
	t.Helper()
	resp := g.query(key, `query($sku: String) { variants(first: 1, filter: {sku: $sku}) { nodes {
		sku retailPrice { amount currencyCode } buyPrice { amount currencyCode }
		inventory { tracked available displayQuantity maxOnline canSell keepSelling } } } }`, map[string]any{"sku": sku})
	data := mustData[struct {
		Variants struct {
			Nodes []variantFacts `json:"nodes"`
		} `json:"variants"`
	}](t, resp)
	if len(data.Variants.Nodes) != 1 {
		t.Fatalf("variants(sku: %q) returned %d variants, want 1", sku, len(data.Variants.Nodes))
	}
	return data.Variants.Nodes[0]
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

// Money is exact and shown in the account's currency; inventory follows the
// Sales Channel guide.
func TestMoneyAndStorefrontInventory(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	tests := []struct {
		sku   string
		check func(t *testing.T, v variantFacts)
	}{
		{"DEMO-GOBS-SNO", func(t *testing.T, v variantFacts) {
			// The API sends "24.0"; the account's currency is SGD.
			if want := (moneyJSON{"24.00", "SGD"}); v.RetailPrice == nil || *v.RetailPrice != want {
				t.Errorf("retailPrice = %+v, want %+v", v.RetailPrice, want)
			}
			if want := (moneyJSON{"4.50", "SGD"}); v.BuyPrice == nil || *v.BuyPrice != want {
				t.Errorf("buyPrice = %+v, want %+v", v.BuyPrice, want)
			}
		}},
		{"DEMO-EGG-M", func(t *testing.T, v variantFacts) {
			// Untracked (manage_stock false): always sellable, no quantity shown.
			if v.Inventory.Tracked || !v.Inventory.CanSell || v.Inventory.DisplayQuantity != nil {
				t.Errorf("untracked variant inventory = %+v, want tracked false, canSell true, displayQuantity null", v.Inventory)
			}
			// A four-decimal price is never rounded.
			if v.BuyPrice == nil || v.BuyPrice.Amount != "3.9321" {
				t.Errorf("buyPrice = %+v, want 3.9321", v.BuyPrice)
			}
		}},
		{"DEMO-EGG-L", func(t *testing.T, v variantFacts) {
			// 20 available, max_online 5: a storefront shows 5.
			if str(v.Inventory.Available) != "20" || str(v.Inventory.DisplayQuantity) != "5" || str(v.Inventory.MaxOnline) != "5" || !v.Inventory.CanSell {
				t.Errorf("max_online variant inventory: available %s displayQuantity %s maxOnline %s canSell %v, want 20, 5, 5, true",
					str(v.Inventory.Available), str(v.Inventory.DisplayQuantity), str(v.Inventory.MaxOnline), v.Inventory.CanSell)
			}
		}},
		{"DEMO-EGG-XL", func(t *testing.T, v variantFacts) {
			// keep_selling at -2 available: sellable, shows 0.
			if str(v.Inventory.Available) != "-2" || !v.Inventory.KeepSelling || !v.Inventory.CanSell || str(v.Inventory.DisplayQuantity) != "0" {
				t.Errorf("keep_selling variant inventory: %+v (available %s, display %s), want available -2, keepSelling, canSell, display 0",
					v.Inventory, str(v.Inventory.Available), str(v.Inventory.DisplayQuantity))
			}
		}},
		{"DEMO-EGG-S", func(t *testing.T, v variantFacts) {
			if str(v.Inventory.Available) != "2.5" || !v.Inventory.CanSell {
				t.Errorf("fractional stock: available %s canSell %v, want 2.5 true", str(v.Inventory.Available), v.Inventory.CanSell)
			}
			if want := (moneyJSON{"18.00", "SGD"}); v.RetailPrice == nil || *v.RetailPrice != want {
				t.Errorf("retailPrice = %+v, want %+v", v.RetailPrice, want)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.sku, func(t *testing.T) { tc.check(t, variantBySKU(t, g, adminKey, tc.sku)) })
	}

	// Selling the last of a tracked variant without keep_selling stops it.
	id, _ := g.sb.VariantIDBySKU("DEMO-GOBS-PEA")
	if err := g.sb.SetStock(id, 1, "3"); err != nil { // 3 on hand, 3 committed
		t.Fatal(err)
	}
	v := variantBySKU(t, g, adminKey, "DEMO-GOBS-PEA")
	if v.Inventory.CanSell || str(v.Inventory.Available) != "0" || str(v.Inventory.DisplayQuantity) != "0" {
		t.Errorf("sold-out variant: canSell %v available %s display %s, want false 0 0", v.Inventory.CanSell, str(v.Inventory.Available), str(v.Inventory.DisplayQuantity))
	}
}

// Single lookups, nodes and reference data.
func TestLookups(t *testing.T) {
	g := newGateway(t, gatewayOptions{})

	// product(id) with variants: the documented GET /products/{id}?include=variants.
	var resp gqlResponse
	n := g.upstream(func() {
		resp = g.query(adminKey, `{ product(id: "gid://tradegecko/Product/1") { id name tags status options variants { sku name options } images { id url } } }`, nil)
	})
	type lookup struct {
		Product *struct {
			ID       string   `json:"id"`
			Name     string   `json:"name"`
			Tags     []string `json:"tags"`
			Status   string   `json:"status"`
			Options  []string `json:"options"`
			Variants []struct {
				SKU     string   `json:"sku"`
				Options []string `json:"options"`
			} `json:"variants"`
			Images []struct {
				ID  string `json:"id"`
				URL string `json:"url"`
			} `json:"images"`
		} `json:"product"`
	}
	got := mustData[lookup](t, resp)
	if n != 1 {
		t.Errorf("product with variants and images cost %d requests, want 1: %v", n, paths(g.sb))
	}
	if p := got.Product; p == nil || p.Name != "Everlasting Gobstopper" || p.Status != "ACTIVE" ||
		!cmp.Equal(p.Tags, []string{"candy", "summer"}) || len(p.Variants) != 2 || len(p.Images) != 2 || p.Images[0].URL == "" {
		t.Errorf("product 1 = %+v", got.Product)
	}

	// A well-formed id that does not exist is null, without an error.
	resp = g.query(adminKey, `{ product(id: "gid://tradegecko/Product/987654") { id } variant(id: "gid://tradegecko/Variant/987654") { id } }`, nil)
	if got := mustData[map[string]any](t, resp); got["product"] != nil || got["variant"] != nil {
		t.Errorf("unknown ids = %v, want null", got)
	}

	// nodes: batched per type, in the order asked, null for unknown ids.
	n = g.upstream(func() {
		resp = g.query(adminKey, `{ nodes(ids: ["gid://tradegecko/Variant/3", "gid://tradegecko/Product/2", "gid://tradegecko/Variant/2", "gid://tradegecko/Product/987654", "gid://tradegecko/Location/2", "gid://tradegecko/Currency/2"]) {
			__typename id ... on Variant { sku } ... on Product { name } ... on Location { label } ... on Currency { code rate isBase } } }`, nil)
	})
	nodes := mustData[struct {
		Nodes []map[string]any `json:"nodes"`
	}](t, resp)
	want := []map[string]any{
		{"__typename": "Variant", "id": "gid://tradegecko/Variant/3", "sku": "DEMO-GOBS-PEA"},
		{"__typename": "Product", "id": "gid://tradegecko/Product/2", "name": "Golden Egg"},
		{"__typename": "Variant", "id": "gid://tradegecko/Variant/2", "sku": "DEMO-GOBS-SNO"},
		nil,
		{"__typename": "Location", "id": "gid://tradegecko/Location/2", "label": "Secondary Location"},
		{"__typename": "Currency", "id": "gid://tradegecko/Currency/2", "code": "NZD", "rate": "1.1", "isBase": false},
	}
	if diff := cmp.Diff(want, nodes.Nodes); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if n > 2 {
		t.Errorf("nodes cost %d requests, want at most 2 (one per type, less what is cached): %v", n, paths(g.sb))
	}

	// Reference data is loaded at start-up, not per query.
	n = g.upstream(func() {
		resp = g.query(adminKey, `{ locations { id label holdsStock } currencies { code isBase } }`, nil)
	})
	ref := mustData[struct {
		Locations  []map[string]any `json:"locations"`
		Currencies []map[string]any `json:"currencies"`
	}](t, resp)
	if n != 0 || len(ref.Locations) != 3 || len(ref.Currencies) != 3 {
		t.Errorf("reference data: %d requests, %d locations, %d currencies; want 0, 3, 3", n, len(ref.Locations), len(ref.Currencies))
	}
}

func paths(sb *sandbox.Sandbox) []string {
	var out []string
	for _, r := range sb.Requests() {
		out = append(out, r.Method+" "+r.Path+"?"+r.Query.Encode())
	}
	return out
}
