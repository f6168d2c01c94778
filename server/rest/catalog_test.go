package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server/rest"
)

// productPage is a page of products as a client reads it.
type productPage struct {
	Data     []rest.Product `json:"data"`
	PageInfo rest.PageInfo  `json:"pageInfo"`
	Total    int            `json:"totalCount"`
}

var linkNext = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

func TestListProducts(t *testing.T) {
	e := newEnv(t, envOptions{})

	// First page, then follow Link rel="next".
	r := e.get("/v1/products?first=2", storefront)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /v1/products?first=2 = %d %s", r.status, r.body)
	}
	var p1 productPage
	r.json(t, &p1)
	if len(p1.Data) != 2 || !p1.PageInfo.HasNextPage || p1.PageInfo.HasPreviousPage || p1.Total <= 2 ||
		p1.PageInfo.EndCursor == nil || p1.PageInfo.StartCursor == nil {
		t.Fatalf("first page = %+v", p1.PageInfo)
	}
	m := linkNext.FindStringSubmatch(r.header.Get("Link"))
	if m == nil {
		t.Fatalf("Link = %q, want <…>; rel=\"next\"", r.header.Get("Link"))
	}
	next, err := url.Parse(m[1])
	if err != nil || next.Path != "/v1/products" || next.Query().Get("first") != "2" || next.Query().Get("after") != *p1.PageInfo.EndCursor {
		t.Fatalf("Link target = %q (%v), want /v1/products with first=2 and after=%s", m[1], err, *p1.PageInfo.EndCursor)
	}
	r = e.get(m[1], storefront)
	var p2 productPage
	r.json(t, &p2)
	if r.status != http.StatusOK || len(p2.Data) != 2 || !p2.PageInfo.HasPreviousPage || p2.Total != p1.Total {
		t.Fatalf("second page = %d %+v", r.status, p2.PageInfo)
	}
	if p2.Data[0].ID == p1.Data[0].ID || p2.Data[0].ID == p1.Data[1].ID {
		t.Errorf("the second page repeats the first: %s", p2.Data[0].ID)
	}
	// Newest first, variants embedded with their inventory.
	for _, p := range append(p1.Data, p2.Data...) {
		if !strings.HasPrefix(p.ID, "gid://tradegecko/Product/") || p.Variants == nil {
			t.Errorf("product %+v", p)
		}
		for _, v := range p.Variants {
			if v.ProductID != p.ID || v.Inventory.OnHand == "" {
				t.Errorf("variant %s of %s: productId %s, inventory %+v", v.ID, p.ID, v.ProductID, v.Inventory)
			}
		}
	}
	// The last page has no Link.
	last := e.get(fmt.Sprintf("/v1/products?first=100&after=%s", lastCursor(t, e, p1.Total)), storefront)
	var pl productPage
	last.json(t, &pl)
	if last.status != http.StatusOK || pl.PageInfo.HasNextPage || last.header.Get("Link") != "" {
		t.Errorf("last page: %d hasNextPage %v Link %q", last.status, pl.PageInfo.HasNextPage, last.header.Get("Link"))
	}
}

// lastCursor returns a cursor after which fewer than 100 products remain.
func lastCursor(t *testing.T, e *env, total int) string {
	t.Helper()
	after := ""
	for seen := 0; seen+100 < total; seen += 100 {
		q := "/v1/products?first=100"
		if after != "" {
			q += "&after=" + after
		}
		var p productPage
		e.get(q, storefront).json(t, &p)
		after = *p.PageInfo.EndCursor
	}
	return after
}

func TestListProductsFilters(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name  string
		query string
		want  func([]rest.Product) bool
	}{
		{"ids repeated, global and bare", "ids=" + url.QueryEscape("gid://tradegecko/Product/1") + "&ids=2", func(ps []rest.Product) bool {
			return len(ps) == 2 && ps[0].ID == "gid://tradegecko/Product/2" && ps[1].ID == "gid://tradegecko/Product/1"
		}},
		{"ids comma-separated", "ids=1,2", func(ps []rest.Product) bool { return len(ps) == 2 }},
		{"tags", "tags=chocolate&ids=1,2", func(ps []rest.Product) bool { return len(ps) == 1 && ps[0].Name == "Golden Egg" }},
		{"productType", "productType=Candy&ids=1,2", func(ps []rest.Product) bool { return len(ps) == 1 && ps[0].Name == "Everlasting Gobstopper" }},
		{"status", "status=ARCHIVED&first=100", func(ps []rest.Product) bool {
			return len(ps) > 0 && !slices.ContainsFunc(ps, func(p rest.Product) bool { return p.Status != "ARCHIVED" })
		}},
		{"updatedAfter in the future", "updatedAfter=2099-01-01T00:00:00Z", func(ps []rest.Product) bool { return len(ps) == 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get("/v1/products?"+tc.query, storefront)
			var p productPage
			r.json(t, &p)
			if r.status != http.StatusOK || !tc.want(p.Data) {
				t.Errorf("GET /v1/products?%s = %d, %d products: %s", tc.query, r.status, len(p.Data), clipBody(r.body))
			}
		})
	}
}

// Malformed parameters are a 400 problem naming the parameter, before any
// upstream request.
func TestListBadParameters(t *testing.T) {
	e := newEnv(t, envOptions{})
	var variantsCursor string
	{
		var p struct {
			PageInfo rest.PageInfo `json:"pageInfo"`
		}
		e.get("/v1/variants?first=1", storefront).json(t, &p)
		variantsCursor = *p.PageInfo.EndCursor
	}
	manyIDs := make([]string, 251)
	for i := range manyIDs {
		manyIDs[i] = fmt.Sprint(i + 1)
	}
	tests := []struct {
		name, path string
		param      string
	}{
		{"first too large", "/v1/products?first=1000", "first"},
		{"first zero", "/v1/products?first=0", "first"},
		{"first not a number", "/v1/products?first=ten", "first"},
		{"bad cursor", "/v1/products?after=bm90LWEtY3Vyc29y", "after"},
		{"cursor not base64", "/v1/products?after=%25%25", "after"},
		{"cursor of another list", "/v1/products?after=" + variantsCursor, "after"},
		{"unknown status", "/v1/products?status=GONE", "status"},
		{"malformed id", "/v1/products?ids=gid://tradegecko/Variant/1", "ids"},
		{"too many ids", "/v1/products?ids=" + strings.Join(manyIDs, ","), "ids"},
		{"bad updatedAfter", "/v1/products?updatedAfter=yesterday", "updatedAfter"},
		{"variants: bad productId", "/v1/variants?productId=abc", "productId"},
		{"variants: first too large", "/v1/variants?first=101", "first"},
		{"orders: unknown status", "/v1/orders?status=ACTIVE&status=LOST", "status"},
		{"orders: bad companyId", "/v1/orders?companyId=gid://tradegecko/Order/1", "companyId"},
		{"orders: bad cursor", "/v1/orders?after=" + variantsCursor, "after"},
		{"international orders: first too large", "/v1/international-orders?first=1000", "first"},
		{"variants: too many ids", "/v1/variants?ids=" + strings.Join(manyIDs, ","), "ids"},
		{"variants: too many repeated ids", "/v1/variants?ids=" + strings.Join(manyIDs, "&ids="), "ids"},
		{"orders: too many ids", "/v1/orders?ids=" + strings.Join(manyIDs, ","), "ids"},
		{"too many tags", "/v1/products?tags=" + strings.Join(manyIDs[:51], ","), "tags"},
		{"too many repeated tags", "/v1/products?tags=" + strings.Join(manyIDs[:51], "&tags="), "tags"},
		{"a tag too long", "/v1/products?tags=candy," + strings.Repeat("t", 256), "tags"},
		{"a tag with a control character", "/v1/products?tags=%07", "tags"},
		{"brand too long", "/v1/products?brand=" + strings.Repeat("b", 256), "brand"},
		{"productType not UTF-8", "/v1/products?productType=%FF", "productType"},
		{"variants: sku too long", "/v1/variants?sku=" + strings.Repeat("s", 256), "sku"},
		{"orders: orderNumber with a control character", "/v1/orders?orderNumber=SO%0A1", "orderNumber"},
		{"nodes: too many ids", "/v1/nodes?ids=" + strings.Repeat("gid://tradegecko/Product/1,", 101), "ids"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.sb.ResetRequests()
			r := e.get(tc.path, admin)
			if r.status != http.StatusBadRequest {
				t.Fatalf("GET %s = %d %s, want 400", tc.path, r.status, r.body)
			}
			p := r.problem(t)
			if p.Code != "BAD_USER_INPUT" || len(p.Errors) == 0 || p.Errors[0].In != "query" || len(p.Errors[0].Field) == 0 || p.Errors[0].Field[0] != tc.param {
				t.Errorf("problem = %+v, want BAD_USER_INPUT at query parameter %s", p, tc.param)
			}
			// Named as the query parameter, not as GraphQL's filter field.
			if !strings.Contains(p.Detail, "query parameter "+tc.param) || strings.Contains(p.Detail, "filter.") {
				t.Errorf("detail %q, want it to name query parameter %s", p.Detail, tc.param)
			}
			if n := e.sb.RequestCount(); n != 0 {
				t.Errorf("a malformed request cost %d upstream requests", n)
			}
		})
	}
}

func TestGetProduct(t *testing.T) {
	e := newEnv(t, envOptions{})
	byGID := e.get("/v1/products/"+esc("gid://tradegecko/Product/1"), storefront)
	byBare := e.get("/v1/products/1", storefront)
	if byGID.status != http.StatusOK || string(byGID.body) != string(byBare.body) {
		t.Fatalf("by global id %d, by bare id %d: bodies differ\n%s\n%s", byGID.status, byBare.status, byGID.body, byBare.body)
	}
	var p rest.Product
	byGID.json(t, &p)
	if p.Name != "Everlasting Gobstopper" || len(p.Variants) != 2 || p.Variants[0].SKU != "DEMO-GOBS-SNO" {
		t.Fatalf("product 1 = %+v", p)
	}
	sno := p.Variants[0]
	if rp := sno.RetailPrice.Value(); rp == nil || *rp != (rest.Money{Amount: "24.00", CurrencyCode: "SGD"}) {
		t.Errorf("retailPrice = %+v, want 24.00 SGD", rp)
	}
	// Cost data is admin only.
	if sno.BuyPrice.Value() != nil || slices.ContainsFunc(sno.Prices, func(vp rest.VariantPrice) bool { return vp.PriceListID == "buy" }) {
		t.Errorf("a storefront key sees cost data: buyPrice %+v, prices %+v", sno.BuyPrice.Value(), sno.Prices)
	}
	var pa rest.Product
	e.get("/v1/products/1", admin).json(t, &pa)
	if bp := pa.Variants[0].BuyPrice.Value(); bp == nil || bp.Amount != "4.50" ||
		!slices.ContainsFunc(pa.Variants[0].Prices, func(vp rest.VariantPrice) bool { return vp.PriceListID == "buy" }) {
		t.Errorf("an admin key does not see cost data: %+v", pa.Variants[0])
	}

	tests := []struct {
		name, path string
		status     int
		code       string
	}{
		{"unknown id", "/v1/products/999999", http.StatusNotFound, "NOT_FOUND"},
		{"unknown global id", "/v1/products/" + esc("gid://tradegecko/Product/999999"), http.StatusNotFound, "NOT_FOUND"},
		{"malformed id", "/v1/products/abc", http.StatusBadRequest, "BAD_USER_INPUT"},
		{"another type's id", "/v1/products/" + esc("gid://tradegecko/Variant/2"), http.StatusBadRequest, "BAD_USER_INPUT"},
		{"another backend's id", "/v1/products/" + esc("gid://tradeglobal/Product/1"), http.StatusBadRequest, "BAD_USER_INPUT"},
		{"leading zero", "/v1/products/01", http.StatusBadRequest, "BAD_USER_INPUT"},
		{"variant: unknown id", "/v1/variants/999999", http.StatusNotFound, "NOT_FOUND"},
		{"variant: malformed id", "/v1/variants/" + esc("gid://tradegecko/Variant/x"), http.StatusBadRequest, "BAD_USER_INPUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get(tc.path, storefront)
			if r.status != tc.status {
				t.Fatalf("GET %s = %d %s, want %d", tc.path, r.status, r.body, tc.status)
			}
			if p := r.problem(t); p.Code != tc.code {
				t.Errorf("code = %s, want %s", p.Code, tc.code)
			}
		})
	}
}

func TestVariants(t *testing.T) {
	e := newEnv(t, envOptions{})
	type page struct {
		Data  []rest.Variant `json:"data"`
		Total int            `json:"totalCount"`
	}
	tests := []struct {
		name, query string
		want        func(page) bool
	}{
		{"by sku", "sku=DEMO-GOBS-SNO", func(p page) bool { return p.Total == 1 && p.Data[0].ID == "gid://tradegecko/Variant/2" }},
		{"by product", "productId=" + url.QueryEscape("gid://tradegecko/Product/1"), func(p page) bool { return p.Total == 2 }},
		{"by bare product id", "productId=2", func(p page) bool { return p.Total == 4 }},
		{"by ids", "ids=2&ids=3", func(p page) bool { return len(p.Data) == 2 }},
		{"archived", "status=ARCHIVED&productId=1", func(p page) bool { return p.Total == 1 && p.Data[0].SKU == "DEMO-GOBS-LIM" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get("/v1/variants?"+tc.query, storefront)
			var p page
			r.json(t, &p)
			if r.status != http.StatusOK || !tc.want(p) {
				t.Errorf("GET /v1/variants?%s = %d %s", tc.query, r.status, clipBody(r.body))
			}
		})
	}

	// Paged, with Link rel="next".
	r0 := e.get("/v1/variants?first=3&productId=2", storefront)
	var p0 page
	r0.json(t, &p0)
	m := linkNext.FindStringSubmatch(r0.header.Get("Link"))
	if r0.status != http.StatusOK || len(p0.Data) != 3 || m == nil {
		t.Fatalf("GET /v1/variants?first=3&productId=2 = %d, %d variants, Link %q", r0.status, len(p0.Data), r0.header.Get("Link"))
	}
	var p1 page
	e.get(m[1], storefront).json(t, &p1)
	if len(p1.Data) != 1 || p1.Data[0].ID == p0.Data[2].ID || !strings.Contains(m[1], "productId=2") {
		t.Errorf("next page %s = %+v", m[1], p1.Data)
	}

	// The storefront rules of inventory, as the Sales Channel guide says.
	var large rest.Variant
	r := e.get("/v1/variants/"+esc("gid://tradegecko/Variant/4"), storefront)
	r.json(t, &large)
	if r.status != http.StatusOK || large.Inventory.DisplayQuantity == nil || *large.Inventory.DisplayQuantity != "5" ||
		large.Inventory.MaxOnline == nil || *large.Inventory.MaxOnline != "5" || large.Inventory.OnHand != "20" || len(large.StockLevels) != 2 {
		t.Errorf("variant 4 = %d %+v", r.status, large)
	}
	var medium rest.Variant
	e.get("/v1/variants/6", storefront).json(t, &medium)
	if medium.Inventory.Tracked || medium.Inventory.DisplayQuantity != nil || !medium.Inventory.CanSell {
		t.Errorf("untracked variant 6 inventory = %+v", medium.Inventory)
	}
}

func TestLocationsAndCurrencies(t *testing.T) {
	e := newEnv(t, envOptions{})
	var locs struct {
		Data []rest.Location `json:"data"`
	}
	r := e.get("/v1/locations", storefront)
	r.json(t, &locs)
	if r.status != http.StatusOK || len(locs.Data) != 3 || r.header.Get("Link") != "" {
		t.Errorf("GET /v1/locations = %d %s", r.status, r.body)
	}
	var curs struct {
		Data []rest.Currency `json:"data"`
	}
	r = e.get("/v1/currencies", storefront)
	r.json(t, &curs)
	i := slices.IndexFunc(curs.Data, func(c rest.Currency) bool { return c.Code == "SGD" })
	if r.status != http.StatusOK || len(curs.Data) != 3 || i < 0 || !curs.Data[i].IsBase || curs.Data[i].Rate != "1" ||
		curs.Data[i].ID != "gid://tradegecko/Currency/1" {
		t.Errorf("GET /v1/currencies = %d %s", r.status, r.body)
	}
}

// Catalog reads need a key; any key will do.
func TestCatalogAccess(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, path := range []string{"/v1/products", "/v1/products/1", "/v1/variants", "/v1/variants/2", "/v1/locations", "/v1/currencies"} {
		t.Run(path, func(t *testing.T) {
			r := e.get(path, anonymous)
			if r.status != http.StatusUnauthorized {
				t.Fatalf("GET %s without a key = %d, want 401", path, r.status)
			}
			if p := r.problem(t); p.Code != "UNAUTHENTICATED" || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("problem %+v, WWW-Authenticate %q", p, r.header.Get("WWW-Authenticate"))
			}
			for _, role := range []string{storefront, admin} {
				if r := e.get(path, role); r.status != http.StatusOK {
					t.Errorf("GET %s as %s = %d %s", path, role, r.status, clipBody(r.body))
				}
			}
		})
	}
}

func clipBody(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// withArchivedLocation decorates the catalog with one more location, as
// TradeGecko lists it with status "archived" (the adapter maps that to
// Active false).
type withArchivedLocation struct {
	commerce.Catalog
}

const archivedLocationID = "gid://tradegecko/Location/77"

func (c withArchivedLocation) Locations(ctx context.Context) ([]commerce.Location, error) {
	locs, err := c.Catalog.Locations(ctx)
	return append(slices.Clone(locs), commerce.Location{ID: 77, Label: "Old Warehouse", Country: "SG", Active: false}), err
}

// The active-locations rule is the Service's: an archived location is
// absent from the list at both doors, and its id still names it at both.
func TestArchivedLocationAtBothDoors(t *testing.T) {
	e := newEnv(t, envOptions{catalogOption: func(cfg *commerce.ServiceConfig) {
		cfg.Catalog = withArchivedLocation{cfg.Catalog}
	}})
	var list struct {
		Data []rest.Location `json:"data"`
	}
	e.get("/v1/locations", storefront).json(t, &list)
	var gql struct {
		Locations []struct {
			ID string `json:"id"`
		} `json:"locations"`
		Node *struct {
			ID    string `json:"id"`
			Label string `json:"label"`
		} `json:"node"`
	}
	e.graphql(storefront, `query($id: ID!) { locations { id } node(id: $id) { id ... on Location { label } } }`, map[string]any{"id": archivedLocationID}, &gql)
	if len(list.Data) != 3 || slices.ContainsFunc(list.Data, func(l rest.Location) bool { return l.ID == archivedLocationID }) {
		t.Errorf("GET /v1/locations = %+v, want the 3 active ones", list.Data)
	}
	if len(gql.Locations) != 3 || slices.ContainsFunc(gql.Locations, func(l struct {
		ID string `json:"id"`
	}) bool {
		return l.ID == archivedLocationID
	}) {
		t.Errorf("GraphQL locations = %+v, want the 3 active ones", gql.Locations)
	}
	var node map[string]any
	r := e.get("/v1/nodes/"+esc(archivedLocationID), storefront)
	r.json(t, &node)
	if r.status != http.StatusOK || node["label"] != "Old Warehouse" || gql.Node == nil || gql.Node.Label != "Old Warehouse" {
		t.Errorf("the archived location by id: REST %d %s, GraphQL %+v; want it at both", r.status, clipBody(r.body), gql.Node)
	}
}
