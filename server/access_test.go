package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server"
)

func TestAuthentication(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	const q = `{ products(first: 1) { totalCount } }`
	tests := []struct {
		name   string
		header [2]string
		status int
		code   string
	}{
		{"no key", [2]string{}, http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"unknown key", [2]string{"Authorization", "Bearer not-a-known-key-at-all"}, http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"wrong scheme", [2]string{"Authorization", "Basic " + adminKey}, http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"key prefix", [2]string{"Authorization", "Bearer " + adminKey[:len(adminKey)-1]}, http.StatusUnauthorized, "UNAUTHENTICATED"},
		{"bearer admin", [2]string{"Authorization", "Bearer " + adminKey}, http.StatusOK, ""},
		{"bearer storefront", [2]string{"Authorization", "bearer " + storefrontKey}, http.StatusOK, ""},
		{"X-API-Key", [2]string{"X-API-Key", storefrontKey}, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", strings.NewReader(`{"query":"`+q+`"}`))
			req.Header.Set("Content-Type", "application/json")
			if tc.header[0] != "" {
				req.Header.Set(tc.header[0], tc.header[1])
			}
			var resp gqlResponse
			n := g.upstream(func() { resp = g.do(req) })
			if resp.status != tc.status || resp.code(0) != tc.code {
				t.Fatalf("status %d, code %q (%+v); want %d %q", resp.status, resp.code(0), resp.Errors, tc.status, tc.code)
			}
			if tc.status != http.StatusOK && n != 0 {
				t.Errorf("a refused request reached the upstream %d times", n)
			}
		})
	}
}

// A storefront key reads the catalog but not cost data: buyPrice is
// FORBIDDEN at its path while the rest of the answer stands, and the buy
// price list is left out of prices.
func TestStorefrontRole(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	const q = `{ variant(id: "gid://tradegecko/Variant/2") { sku retailPrice { amount } buyPrice { amount } prices { priceListId price { amount currencyCode } } } }`

	resp := g.query(storefrontKey, q, nil)
	if resp.status != http.StatusOK || len(resp.Errors) != 1 || resp.code(0) != "FORBIDDEN" {
		t.Fatalf("storefront: status %d errors %+v, want one FORBIDDEN", resp.status, resp.Errors)
	}
	if path := resp.Errors[0].Path; len(path) != 2 || path[0] != "variant" || path[1] != "buyPrice" {
		t.Errorf("FORBIDDEN path = %v, want [variant buyPrice]", path)
	}
	type variant struct {
		Variant struct {
			SKU         string     `json:"sku"`
			RetailPrice *moneyJSON `json:"retailPrice"`
			BuyPrice    *moneyJSON `json:"buyPrice"`
			Prices      []struct {
				PriceListID string    `json:"priceListId"`
				Price       moneyJSON `json:"price"`
			} `json:"prices"`
		} `json:"variant"`
	}
	resp.Errors = nil
	v := mustData[variant](t, resp).Variant
	if v.SKU != "DEMO-GOBS-SNO" || v.RetailPrice == nil || v.RetailPrice.Amount != "24.00" || v.BuyPrice != nil {
		t.Errorf("storefront variant = %+v, want the sku and retail price and a null buyPrice", v)
	}
	for _, p := range v.Prices {
		if p.PriceListID == commerce.BuyPriceList {
			t.Errorf("storefront prices include the buy list: %+v", v.Prices)
		}
	}
	if len(v.Prices) != 2 {
		t.Errorf("storefront prices = %+v, want retail and wholesale", v.Prices)
	}

	admin := mustData[variant](t, g.query(adminKey, q, nil)).Variant
	if admin.BuyPrice == nil || admin.BuyPrice.Amount != "4.50" || len(admin.Prices) != 3 {
		t.Errorf("admin variant = %+v, want buyPrice 4.50 and three price lists", admin)
	}
}

func TestOpenGateway(t *testing.T) {
	g := newGateway(t, gatewayOptions{open: true})
	resp := g.query("", `{ variant(id: "gid://tradegecko/Variant/2") { buyPrice { amount } } }`, nil)
	if v := mustData[map[string]map[string]moneyJSON](t, resp); v["variant"]["buyPrice"].Amount != "4.50" {
		t.Errorf("open gateway: buyPrice = %+v, want 4.50 (open means admin)", v)
	}
}

func TestLiveModeRefusesToRunOpen(t *testing.T) {
	cfg := server.Config{TradeGecko: server.TradeGeckoConfig{AccessToken: "x"}}
	if _, err := server.New(cfg, nil); err == nil || !strings.Contains(err.Error(), "GATEWAY_API_KEYS") {
		t.Errorf("server.New in live mode without keys: err = %v, want a refusal naming GATEWAY_API_KEYS", err)
	}
}
