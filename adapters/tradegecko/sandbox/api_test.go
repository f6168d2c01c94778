package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/google/uuid"
)

func TestAuth(t *testing.T) {
	_, srv := start(t, sandbox.Options{AccessTokens: []string{"tok-a", "tok-b"}})
	tests := []struct {
		name   string
		auth   string
		status int
	}{
		{"no header", "", 401},
		{"wrong token", "Bearer nope", 401},
		{"default token not configured", "Bearer " + token, 401},
		{"basic scheme", "Basic dG9rLWE6", 401},
		{"bare token", "tok-a", 401},
		{"first token", "Bearer tok-a", 200},
		{"second token", "Bearer tok-b", 200},
		{"lower-case scheme", "bearer tok-a", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, http.MethodGet, "/products?limit=1", tt.auth, nil)
			if r.status != tt.status {
				t.Fatalf("GET /products with %q = %d, want %d", tt.auth, r.status, tt.status)
			}
			if _, err := uuid.Parse(r.header.Get("X-Request-Id")); err != nil {
				t.Errorf("X-Request-Id = %q, want a UUID", r.header.Get("X-Request-Id"))
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.status == 401 {
				body := decodeObject(t, r.body)
				if body["type"] != "Unauthorized" || body["message"] == "" {
					t.Errorf("401 body = %s", r.body)
				}
				if r.header.Get("X-Rate-Limit-Limit") != "" {
					t.Errorf("401 carries rate-limit headers")
				}
			}
		})
	}
}

func TestDefaultToken(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	getOK(t, srv, "/accounts/current")
}

func TestPagination(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	total := sb.ProductCount()
	if total < 498 {
		t.Fatalf("ProductCount() = %d, want the default catalog", total)
	}
	pages := func(limit int) int { return (total + limit - 1) / limit }
	lastPage := pages(50)
	tests := []struct {
		query string
		items int
		want  paginationHeader
	}{
		{"", 50, paginationHeader{total, pages(50), true, false, false, 0}},
		{"?page=1", 50, paginationHeader{total, pages(50), true, false, false, 0}},
		{"?page=0", 50, paginationHeader{total, pages(50), true, false, false, 0}},
		{"?page=2", 50, paginationHeader{total, pages(50), false, false, false, 50}},
		{"?limit=250", 250, paginationHeader{total, pages(250), true, false, false, 0}},
		{"?limit=250&page=2", total - 250, paginationHeader{total, 2, false, true, false, 250}},
		{fmt.Sprintf("?page=%d", lastPage), total - 50*(lastPage-1), paginationHeader{total, lastPage, false, true, false, 50 * (lastPage - 1)}},
		{fmt.Sprintf("?page=%d", lastPage+1), 0, paginationHeader{total, lastPage, false, false, true, 50 * lastPage}},
		{"?limit=7&page=3", 7, paginationHeader{total, pages(7), false, false, false, 14}},
		{"?limit=0", 0, paginationHeader{total, 0, true, true, false, 0}},
		{"?limit=0&page=3", 0, paginationHeader{total, 0, false, true, false, 0}},
		{"?limit=", 50, paginationHeader{total, pages(50), true, false, false, 0}},
		// An empty collection: page 1 is the first and last page, in bounds.
		{"?ids=999999", 0, paginationHeader{0, 0, true, true, false, 0}},
		{"?ids=999999&page=2", 0, paginationHeader{0, 0, false, false, true, 50}},
		{"?ids=1,2&limit=1&page=2", 1, paginationHeader{2, 2, false, true, false, 1}},
	}
	for _, tt := range tests {
		t.Run("products"+tt.query, func(t *testing.T) {
			r := getOK(t, srv, "/products"+tt.query)
			items := list(t, r.body, "products")
			if len(items) != tt.items {
				t.Errorf("GET /products%s: %d items, want %d", tt.query, len(items), tt.items)
			}
			if got := pagination(t, r); got != tt.want {
				t.Errorf("GET /products%s X-Pagination = %+v, want %+v", tt.query, got, tt.want)
			}
			if _, ok := decodeObject(t, r.body)["meta"]; ok {
				t.Errorf("body has a meta key")
			}
		})
	}

	bad := []string{"?limit=251", "?limit=1000", "?limit=-1", "?limit=abc", "?limit=1.5", "?page=-1", "?page=abc", "?page=1.0"}
	for _, q := range bad {
		t.Run("bad"+q, func(t *testing.T) {
			r := get(t, srv, "/products"+q)
			if r.status != http.StatusBadRequest {
				t.Fatalf("GET /products%s = %d, want 400", q, r.status)
			}
			body := decodeObject(t, r.body)
			if body["type"] != "Bad Request" || body["message"] == "" {
				t.Errorf("400 body = %s", r.body)
			}
		})
	}

	// Walking every page visits every product once.
	seen := map[int64]bool{}
	for page := 1; ; page++ {
		r := getOK(t, srv, fmt.Sprintf("/products?limit=250&page=%d", page))
		for _, id := range ids(list(t, r.body, "products")) {
			if seen[id] {
				t.Fatalf("product %d on two pages", id)
			}
			seen[id] = true
		}
		if pagination(t, r).LastPage {
			break
		}
	}
	if len(seen) != total {
		t.Errorf("walked %d products, want %d", len(seen), total)
	}
}

func TestCollectionsAllPaginate(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	tests := []struct {
		path, key string
		total     int
	}{
		{"/products", "products", sb.ProductCount()},
		{"/variants", "variants", sb.VariantCount()},
		{"/images", "images", sb.ImageCount()},
		{"/locations", "locations", 3},
		{"/currencies", "currencies", 3},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			r := getOK(t, srv, tt.path+"?limit=0")
			if got := pagination(t, r).TotalRecords; got != tt.total {
				t.Errorf("GET %s?limit=0 total_records = %d, want %d", tt.path, got, tt.total)
			}
			if n := len(list(t, r.body, tt.key)); n != 0 {
				t.Errorf("GET %s?limit=0 answered %d records", tt.path, n)
			}
		})
	}
}

func TestIDsFilter(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	tests := []struct {
		path string
		want []int64
	}{
		{"/products?ids[]=1&ids[]=2", []int64{2, 1}},
		{"/products?ids%5B%5D=1&ids%5B%5D=2", []int64{2, 1}},
		{"/products?ids=1,2", []int64{2, 1}},
		{"/products?ids=1", []int64{1}},
		{"/products?ids=1&ids=2", []int64{2, 1}},
		{"/products?ids=", nil},
		{"/variants?ids=2,3,4", []int64{4, 2, 3}}, // newest first: 4, then 2 (.796), then 3 (.772)
		{"/variants?ids[]=1", nil},                // archived: not listed by default
		{"/variants?ids[]=1&status=archived", []int64{1}},
		{"/images?ids=1,2,3", []int64{3, 2, 1}},
		{"/locations?ids=1,3", []int64{3, 1}},
		{"/currencies?ids[]=2", []int64{2}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r := getOK(t, srv, tt.path)
			key := strings.TrimPrefix(strings.SplitN(tt.path, "?", 2)[0], "/")
			if got := ids(list(t, r.body, key)); !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("GET %s ids = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
	for _, path := range []string{"/products?ids=a", "/products?ids[]=1&ids[]=x", "/variants?product_id=one", "/images?variant_id=1.5"} {
		if r := get(t, srv, path); r.status != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", path, r.status)
		}
	}
}

func TestProductFilters(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	all := func(t *testing.T, path string) []map[string]any {
		t.Helper()
		return list(t, getOK(t, srv, path+"&limit=250").body, "products")
	}
	tests := []struct {
		path  string
		check func(p map[string]any) bool
	}{
		{"/products?brand=Wonka", func(p map[string]any) bool { return p["brand"] == "Wonka" }},
		{"/products?brand[]=Wonka&brand[]=Sunny+Side", func(p map[string]any) bool { return p["brand"] == "Wonka" || p["brand"] == "Sunny Side" }},
		{"/products?brand=Harbour+%26+Co", func(p map[string]any) bool { return p["brand"] == "Harbour & Co" }},
		{"/products?product_type=Chocolate", func(p map[string]any) bool { return p["product_type"] == "Chocolate" }},
		{"/products?tags=summer", func(p map[string]any) bool { return hasTag(p, "summer") }},
		{"/products?tags=vegan,gift", func(p map[string]any) bool { return hasTag(p, "vegan") || hasTag(p, "gift") }},
		{"/products?tags[]=vegan&tags[]=gift", func(p map[string]any) bool { return hasTag(p, "vegan") || hasTag(p, "gift") }},
		{"/products?status=archived", func(p map[string]any) bool { return p["status"] == "archived" }},
		{"/products?status=disabled", func(p map[string]any) bool { return p["status"] == "disabled" }},
		{"/products?status[]=active&status[]=archived", func(p map[string]any) bool { return p["status"] != "disabled" }},
		{"/products?order=id", func(p map[string]any) bool { return p["status"] != "archived" }},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			items := all(t, tt.path)
			if len(items) == 0 {
				t.Fatalf("GET %s matched nothing", tt.path)
			}
			for _, p := range items {
				if !tt.check(p) {
					t.Fatalf("GET %s answered %v", tt.path, p)
				}
			}
		})
	}
	r := getOK(t, srv, "/products?status=archived&limit=0")
	if got, want := pagination(t, r).TotalRecords, sb.ProductCount("archived"); got != want || want == 0 {
		t.Errorf("archived products = %d, want %d (> 0)", got, want)
	}
	r = getOK(t, srv, "/products?tags=summer&limit=250")
	if !slices.Contains(ids(list(t, r.body, "products")), 1) {
		t.Errorf("tags=summer misses the Gobstopper")
	}
}

func hasTag(p map[string]any, tag string) bool {
	tags, _ := p["tags"].(string)
	return slices.Contains(strings.Split(tags, ","), tag)
}

func TestVariantAndImageFilters(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	tests := []struct {
		path string
		key  string
		want []int64
	}{
		{"/variants?product_id=1,2&order=id+asc", "variants", []int64{2, 3, 4, 5, 6, 7}},
		{"/variants?product_id[]=1&product_id[]=2&order=id+asc", "variants", []int64{2, 3, 4, 5, 6, 7}},
		{"/variants?product_id=1&status=archived", "variants", []int64{1}},
		{"/variants?product_id=1&status=active,archived&order=id", "variants", []int64{1, 2, 3}},
		{"/variants?sku=DEMO-EGG-S", "variants", []int64{7}},
		{"/variants?sku=demo-egg-s", "variants", nil},
		{"/images?product_id=1", "images", []int64{2, 1}},
		{"/images?product_id=2", "images", []int64{4, 3}},
		{"/images?variant_id=4", "images", []int64{4, 3}},
		{"/images?variant_ids=5", "images", []int64{3}},
		{"/images?variant_ids=5,1&order=id", "images", []int64{1, 2, 3}},
		{"/images?uploader_id=Shopify", "images", []int64{4}},
		{"/images?product_id=2&uploader_id=1", "images", []int64{3}},
		{"/images?uploader_id=1,Shopify&product_id=1,2&order=id", "images", []int64{1, 2, 3, 4}},
		{"/images?uploader_id=shopify", "images", nil},
		{"/locations?status=archived", "locations", nil},
		{"/currencies?status=active&order=id+asc", "currencies", []int64{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got := ids(list(t, getOK(t, srv, tt.path).body, tt.key))
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("GET %s ids = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
	r := getOK(t, srv, "/variants?status=archived&limit=0")
	if got, want := pagination(t, r).TotalRecords, sb.VariantCount("archived"); got != want {
		t.Errorf("archived variants = %d, want %d", got, want)
	}
}

// Image 4 came from an integration: its uploader_id is the integration's
// name, a string, where the other images carry a user's id, a number.
func TestIntegrationUploader(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	for _, path := range []string{"/images/4", "/images?ids=3,4", "/products/2?include=images"} {
		t.Run(path, func(t *testing.T) {
			body := decodeObject(t, getOK(t, srv, path).body)
			var images []any
			if one, ok := body["image"]; ok {
				images = []any{one}
			} else {
				images, _ = body["images"].([]any)
			}
			got := map[int64]any{}
			for _, im := range images {
				m := im.(map[string]any)
				got[num(m["id"])] = m["uploader_id"]
			}
			if u, ok := got[4]; !ok || u != "Shopify" {
				t.Errorf("GET %s: image 4 uploader_id = %#v, want \"Shopify\"", path, u)
			}
			if u, ok := got[3]; ok && num(u) != 1 {
				t.Errorf("GET %s: image 3 uploader_id = %#v, want 1", path, u)
			}
		})
	}
}

func TestTimeFilters(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	tests := []struct {
		query string
		want  []int64 // with ids=1,2,3
	}{
		{"created_at_max=2015-11-02T01:22:24.700Z", []int64{1}},
		{"created_at_max=2015-11-02T01:22:24.817Z", []int64{2, 1}}, // inclusive
		{"created_at_min=2015-11-02T01:22:24.817Z", []int64{3, 2}},
		{"created_at_min=2015-11-02T01:22:24.700Z&created_at_max=2015-11-02T01:22:24.900Z", []int64{2}},
		{"created_at_min=2015-11-02", []int64{3, 2, 1}},
		{"created_at_max=2015-11-02", nil},
		{"created_at_min=2015-11-02T01:22:25Z", []int64{3}},
		{"created_at_max=2015-11-02T14:22:24.700%2B13:00", []int64{1}},
		{"created_at_max=2015-11-02T14:22:24.700+13:00", []int64{1}}, // "+" arrived as a space
		{"updated_at_max=2015-11-02T01:22:24.700Z", []int64{1}},
		{"updated_at_min=2030-01-01", nil},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := ids(list(t, getOK(t, srv, "/products?ids=1,2,3&"+tt.query).body, "products"))
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("GET /products?ids=1,2,3&%s = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
	for _, q := range []string{"created_at_min=yesterday", "updated_at_max=2015-13-45", "created_at_max=1446427344"} {
		if r := get(t, srv, "/products?"+q); r.status != http.StatusBadRequest {
			t.Errorf("GET /products?%s = %d, want 400", q, r.status)
		}
	}
}

func TestOrder(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	productIDs := func(t *testing.T, query string) []int64 {
		t.Helper()
		return ids(list(t, getOK(t, srv, "/products?"+query).body, "products"))
	}
	def := productIDs(t, "limit=5")
	if !slices.IsSortedFunc(def, func(a, b int64) int { return int(b - a) }) || def[0] < 400 {
		t.Errorf("default order = %v, want newest (highest id) first", def)
	}
	for _, q := range []string{"order=created_at+asc", "order=created_at%20asc", "order=created_at%2Basc", "order=id+asc", "order=ID+ASC"} {
		if got := productIDs(t, "limit=3&"+q); !slices.Equal(got, []int64{1, 2, 3}) {
			t.Errorf("GET /products?%s = %v, want [1 2 3]", q, got)
		}
	}
	if got := productIDs(t, "limit=3&order=created_at+desc"); !slices.Equal(got, def[:3]) {
		t.Errorf("created_at desc = %v, want %v", got, def[:3])
	}

	names := func(items []map[string]any, key string) []string {
		var out []string
		for _, it := range items {
			out = append(out, it[key].(string))
		}
		return out
	}
	byName := names(list(t, getOK(t, srv, "/products?limit=250&order=name+asc").body, "products"), "name")
	if !slices.IsSorted(byName) {
		t.Errorf("order=name asc not sorted: %v", byName[:10])
	}
	bySKU := names(list(t, getOK(t, srv, "/variants?limit=250&order=sku+desc").body, "variants"), "sku")
	if !slices.IsSortedFunc(bySKU, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("order=sku desc not sorted: %v", bySKU[:10])
	}
	byUpdated := list(t, getOK(t, srv, "/variants?limit=250&order=updated_at+asc").body, "variants")
	for i := 1; i < len(byUpdated); i++ {
		if byUpdated[i-1]["updated_at"].(string) > byUpdated[i]["updated_at"].(string) {
			t.Fatalf("order=updated_at asc not sorted at %d", i)
		}
	}

	for _, path := range []string{"/products?order=bogus", "/products?order=sku", "/products?order=name+sideways", "/variants?order=price", "/products?order=name+asc+id"} {
		if r := get(t, srv, path); r.status != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", path, r.status)
		}
	}
}

func TestInclude(t *testing.T) {
	_, srv := start(t, sandbox.Options{})

	r := getOK(t, srv, "/products/1?include=variants")
	if !strings.HasPrefix(string(r.body), `{"variants":[`) {
		t.Errorf("sideload not first: %s", truncate(r.body))
	}
	if got := ids(list(t, r.body, "variants")); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("product 1 variants = %v, want [2 3]", got)
	}
	if p := decodeObject(t, r.body)["product"].(map[string]any); num(p["id"]) != 1 {
		t.Errorf("product = %v", p)
	}

	r = getOK(t, srv, "/products/2?include=images,variants,bogus")
	body := decodeObject(t, r.body)
	if _, ok := body["bogus"]; ok {
		t.Errorf("unknown include answered")
	}
	if got := ids(list(t, r.body, "images")); !slices.Equal(got, []int64{3, 4}) {
		t.Errorf("product 2 images = %v", got)
	}
	if got := ids(list(t, r.body, "variants")); !slices.Equal(got, []int64{4, 5, 6, 7}) {
		t.Errorf("product 2 variants = %v", got)
	}

	r = getOK(t, srv, "/products/1")
	if _, ok := decodeObject(t, r.body)["variants"]; ok {
		t.Errorf("variants sideloaded without include")
	}

	// Index: every live variant of the products on the page, nothing else.
	r = getOK(t, srv, "/products?limit=50&include=variants")
	products := list(t, r.body, "products")
	var want []int64
	for _, p := range products {
		for _, id := range p["variant_ids"].([]any) {
			want = append(want, num(id))
		}
	}
	got := ids(list(t, r.body, "variants"))
	slices.Sort(want)
	slices.Sort(got)
	if len(got) == 0 || !slices.Equal(got, want) {
		t.Errorf("index sideload has %d variants, want the page's %d", len(got), len(want))
	}
	for _, v := range list(t, r.body, "variants") {
		if v["status"] != "active" {
			t.Errorf("sideloaded variant %v is %v", v["id"], v["status"])
		}
	}
}

func TestIgnoreIndexInclude(t *testing.T) {
	sb, srv := start(t, sandbox.Options{IgnoreIndexInclude: true})
	check := func(t *testing.T, wantIndex bool) {
		t.Helper()
		r := getOK(t, srv, "/products?limit=5&include=variants,images")
		body := decodeObject(t, r.body)
		for _, key := range []string{"variants", "images"} {
			if _, ok := body[key]; ok != wantIndex {
				t.Errorf("index %s present = %v, want %v", key, ok, wantIndex)
			}
		}
		r = getOK(t, srv, "/products/1?include=variants")
		if _, ok := decodeObject(t, r.body)["variants"]; !ok {
			t.Errorf("single resource ignored include=")
		}
	}
	check(t, false)
	sb.SetIgnoreIndexInclude(false)
	check(t, true)
	sb.SetIgnoreIndexInclude(true)
	check(t, false)
}

func TestNotFound(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	jsonTests := []struct{ path, message string }{
		{"/products/999", "Couldn't find Product with 'id'=999"},
		{"/products/999.json", "Couldn't find Product with 'id'=999"},
		{"/variants/abc", "Couldn't find Variant with 'id'=abc"},
		{"/images/0", "Couldn't find Image with 'id'=0"},
		{"/locations/4", "Couldn't find Location with 'id'=4"},
		{"/currencies/9", "Couldn't find Currency with 'id'=9"},
		{"/accounts/2", "Couldn't find Account with 'id'=2"},
	}
	for _, tt := range jsonTests {
		t.Run(tt.path, func(t *testing.T) {
			r := get(t, srv, tt.path)
			if r.status != http.StatusNotFound {
				t.Fatalf("GET %s = %d, want 404", tt.path, r.status)
			}
			var body struct{ Type, Message string }
			if err := json.Unmarshal(r.body, &body); err != nil || body.Type != "Not Found" || body.Message != tt.message {
				t.Errorf("GET %s body = %s, want message %q", tt.path, r.body, tt.message)
			}
			if r.header.Get("X-Rate-Limit-Remaining") == "" || r.header.Get("X-Request-Id") == "" {
				t.Errorf("404 lacks rate or request-id headers: %v", r.header)
			}
		})
	}

	htmlTests := []struct{ method, path string }{
		{"GET", "/nope"},
		{"GET", "/"},
		{"GET", "/products/1/variants"},
		{"GET", "/purchase_orders"},
		{"POST", "/products"},
		{"DELETE", "/products/1"},
		{"GET", "/_sandbox/requests"}, // control routes are off by default
	}
	for _, tt := range htmlTests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			for _, auth := range []string{"-", ""} {
				r := call(t, srv, tt.method, tt.path, auth, nil)
				if r.status != http.StatusNotFound {
					t.Fatalf("%s %s = %d, want 404", tt.method, tt.path, r.status)
				}
				if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type = %q, want HTML", ct)
				}
				if !strings.Contains(string(r.body), "The page you were looking for doesn't exist.") {
					t.Errorf("body = %s", truncate(r.body))
				}
				if r.header.Get("X-Request-Id") == "" {
					t.Errorf("HTML 404 lacks X-Request-Id")
				}
			}
		})
	}

	for _, path := range []string{"/products/", "/products.json", "/products/1/", "/products/1.json", "/accounts/current.json", "/currencies/"} {
		if r := get(t, srv, path); r.status != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, r.status)
		}
	}
	if r := call(t, srv, http.MethodHead, "/products/1", "-", nil); r.status != http.StatusOK || len(r.body) != 0 {
		t.Errorf("HEAD /products/1 = %d with %d bytes", r.status, len(r.body))
	}
}

func TestURITooLong(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	long := "/products?ids=" + strings.Repeat("1,", 4200)
	for _, auth := range []string{"-", ""} {
		r := call(t, srv, http.MethodGet, long, auth, nil)
		if r.status != http.StatusRequestURITooLong {
			t.Fatalf("GET (%d bytes) = %d, want 414", len(long), r.status)
		}
		if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" || !strings.Contains(string(r.body), "414 Request-URI Too Large") {
			t.Errorf("414 = %q %s", ct, r.body)
		}
	}
	// Just below the limit is served.
	ok := "/products?ids=1&pad=" + strings.Repeat("x", 8192-len("/products?ids=1&pad="))
	if r := get(t, srv, ok); r.status != http.StatusOK {
		t.Errorf("GET (%d bytes) = %d, want 200", len(ok), r.status)
	}
	if n := sb.RequestCount(); n != 3 {
		t.Errorf("RequestCount() = %d, want 3", n)
	}
}

func TestRateLimit(t *testing.T) {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 250_000_000, time.UTC)
	clock := newFakeClock(t0)
	sb, srv := start(t, sandbox.Options{RateLimit: 3, RateWindow: 10 * time.Second, Now: clock.Now})
	headers := func(r result) (limit, remaining, reset string) {
		return r.header.Get("X-Rate-Limit-Limit"), r.header.Get("X-Rate-Limit-Remaining"), r.header.Get("X-Rate-Limit-Reset")
	}
	// t0 + 10 s, rounded up to a whole second.
	reset0 := fmt.Sprint(t0.Add(10*time.Second).Unix() + 1)

	for i, wantRemaining := range []string{"2", "1"} {
		r := getOK(t, srv, "/locations")
		if l, rem, res := headers(r); l != "3" || rem != wantRemaining || res != reset0 {
			t.Errorf("request %d: headers %s/%s/%s, want 3/%s/%s", i+1, l, rem, res, wantRemaining, reset0)
		}
	}
	clock.Advance(4 * time.Second)    // third request at t0+4s
	r := get(t, srv, "/products/999") // errors count too
	if l, rem, res := headers(r); l != "3" || rem != "0" || res != reset0 {
		t.Errorf("third request: headers %s/%s/%s", l, rem, res)
	}

	tooMany := func(t *testing.T, wantReset string) {
		t.Helper()
		r := get(t, srv, "/locations")
		if r.status != http.StatusTooManyRequests {
			t.Fatalf("GET over the limit = %d, want 429", r.status)
		}
		var body struct{ Type, Message string }
		_ = json.Unmarshal(r.body, &body)
		if body.Type != "Too Many Requests" || body.Message != "Too many requests. You are allowed 3 requests per 10 seconds" {
			t.Errorf("429 body = %s", r.body)
		}
		if l, rem, res := headers(r); l != "3" || rem != "0" || res != wantReset {
			t.Errorf("429 headers %s/%s/%s, want 3/0/%s", l, rem, res, wantReset)
		}
	}
	tooMany(t, reset0)
	clock.Advance(5 * time.Second) // t0+9s: still full
	tooMany(t, reset0)

	// Unauthenticated requests neither count nor carry the headers.
	if r := call(t, srv, http.MethodGet, "/locations", "", nil); r.status != 401 || r.header.Get("X-Rate-Limit-Remaining") != "" {
		t.Errorf("401 = %d with headers %v", r.status, r.header)
	}

	// At t0+10s the first two requests leave the window; the third (t0+4s)
	// stays until t0+14s.
	clock.Advance(time.Second)
	reset4 := fmt.Sprint(t0.Add(14*time.Second).Unix() + 1)
	r = getOK(t, srv, "/locations")
	if _, rem, res := headers(r); rem != "1" || res != reset4 {
		t.Errorf("after the window slid: remaining %s reset %s, want 1 %s", rem, res, reset4)
	}
	getOK(t, srv, "/locations")
	tooMany(t, reset4)

	sb.ResetRateLimit()
	r = getOK(t, srv, "/locations")
	if _, rem, _ := headers(r); rem != "2" {
		t.Errorf("after ResetRateLimit remaining = %s, want 2", rem)
	}
}

func TestRateLimitDefaults(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	r := getOK(t, srv, "/locations")
	if l, rem := r.header.Get("X-Rate-Limit-Limit"), r.header.Get("X-Rate-Limit-Remaining"); l != "300" || rem != "299" {
		t.Errorf("headers %s/%s, want 300/299", l, rem)
	}
}

func TestFailNext(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	sb, srv := start(t, sandbox.Options{Now: clock.Now})
	tests := []struct {
		status   int
		wantType string
	}{
		{500, "Internal Server Error"},
		{503, "Service Unavailable"},
		{402, "Payment Required"},
		{404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			sb.FailNext(2, tt.status)
			for i := range 2 {
				r := get(t, srv, "/products/1")
				if r.status != tt.status {
					t.Fatalf("request %d = %d, want %d", i+1, r.status, tt.status)
				}
				var body struct{ Type, Message string }
				if err := json.Unmarshal(r.body, &body); err != nil || body.Type != tt.wantType || body.Message == "" {
					t.Errorf("body = %s", r.body)
				}
				if r.header.Get("X-Request-Id") == "" || r.header.Get("X-Rate-Limit-Limit") == "" {
					t.Errorf("headers = %v", r.header)
				}
			}
			getOK(t, srv, "/products/1")
		})
	}

	t.Run("422", func(t *testing.T) {
		sb.FailNext(1, 422)
		r := get(t, srv, "/products/1")
		var body struct{ Errors map[string][]string }
		if r.status != 422 || json.Unmarshal(r.body, &body) != nil || len(body.Errors) == 0 {
			t.Errorf("422 = %d %s", r.status, r.body)
		}
	})

	t.Run("429", func(t *testing.T) {
		sb.ResetRateLimit()
		sb.FailNext(1, 429)
		r := get(t, srv, "/products/1")
		if r.status != 429 {
			t.Fatalf("status = %d, want 429", r.status)
		}
		if !strings.Contains(string(r.body), "Too many requests. You are allowed 300 requests per 300 seconds") {
			t.Errorf("body = %s", r.body)
		}
		if rem, res := r.header.Get("X-Rate-Limit-Remaining"), r.header.Get("X-Rate-Limit-Reset"); rem != "0" || res != fmt.Sprint(clock.Now().Unix()) {
			t.Errorf("headers remaining %s reset %s", rem, res)
		}
		// It consumed no budget.
		if r := getOK(t, srv, "/products/1"); r.header.Get("X-Rate-Limit-Remaining") != "299" {
			t.Errorf("remaining after injected 429 = %s, want 299", r.header.Get("X-Rate-Limit-Remaining"))
		}
	})

	t.Run("cancel", func(t *testing.T) {
		sb.FailNext(3, 500)
		sb.FailNext(0, 500)
		getOK(t, srv, "/products/1")
	})

	t.Run("unknown routes do not consume failures", func(t *testing.T) {
		sb.FailNext(1, 503)
		if r := get(t, srv, "/nope"); r.status != 404 {
			t.Fatalf("GET /nope = %d", r.status)
		}
		if r := get(t, srv, "/products/1"); r.status != 503 {
			t.Fatalf("GET /products/1 = %d, want the pending 503", r.status)
		}
	})
}

func TestDropNextResponses(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	send := func(path string) (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}

	sb.DropNextResponses(2)
	for i := range 2 {
		if resp, err := send("/products/1"); err == nil {
			t.Fatalf("request %d answered %d, want a connection error", i+1, resp.StatusCode)
		}
	}
	resp, err := send("/products/1")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the drops: %v %v", resp, err)
	}

	reqs := sb.Requests()
	if len(reqs) != 3 || sb.RequestCount() != 3 {
		t.Fatalf("recorded %d requests (count %d), want 3", len(reqs), sb.RequestCount())
	}
	for i, r := range reqs {
		if r.Status != 200 || r.Dropped != (i < 2) {
			t.Errorf("request %d: status %d dropped %v", i+1, r.Status, r.Dropped)
		}
	}
}

func TestLatency(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	sb.SetLatency(80 * time.Millisecond)
	start := time.Now()
	getOK(t, srv, "/locations/1")
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Errorf("answered after %v, want >= 80ms", d)
	}

	// A client that gives up is abandoned: recorded with status 0.
	sb.ResetRequests()
	sb.SetLatency(5 * time.Second)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/locations/1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	began := time.Now()
	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("answered %d despite the client timeout", resp.StatusCode)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		reqs := sb.Requests()
		if len(reqs) == 1 && reqs[0].Status == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("requests = %+v", reqs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if time.Since(began) > 4*time.Second {
		t.Errorf("the abandoned request held the handler for the whole delay")
	}

	sb.SetLatency(0)
	start = time.Now()
	getOK(t, srv, "/locations/1")
	if d := time.Since(start); d > time.Second {
		t.Errorf("SetLatency(0) still delays: %v", d)
	}
}

func TestSetStock(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 123_456_789, time.UTC))
	sb, srv := start(t, sandbox.Options{Now: clock.Now})

	if err := sb.SetStock(3, 1, "12.5"); err != nil {
		t.Fatal(err)
	}
	v := decodeObject(t, getOK(t, srv, "/variants/3").body)["variant"].(map[string]any)
	want := map[string]any{
		"stock_on_hand":   "12.5",
		"committed_stock": "3",
		"available_stock": "9.5",
		"updated_at":      "2024-05-01T12:00:00.123Z",
	}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("variant 3 %s = %v, want %v", k, v[k], w)
		}
	}
	loc := v["locations"].([]any)[0].(map[string]any)
	if loc["stock_on_hand"] != "12.5" || loc["available"] != "9.5" || loc["committed"] != "3" {
		t.Errorf("variant 3 location 1 = %v", loc)
	}
	if lv := v["stock_levels"].(map[string]any)["1"]; lv != "12.5" {
		t.Errorf("stock_levels = %v", v["stock_levels"])
	}
	p := decodeObject(t, getOK(t, srv, "/products/1").body)["product"].(map[string]any)
	if p["quantity"] != "19.5" { // Snozzberry 10 + Peach 9.5
		t.Errorf("product 1 quantity = %v, want 19.5", p["quantity"])
	}
	if got, _ := sb.StockOnHand(3, 1); got != "12.5" {
		t.Errorf("StockOnHand(3, 1) = %q", got)
	}

	// A new location appears in locations; the total follows.
	if err := sb.SetStock(3, 3, "4"); err != nil {
		t.Fatal(err)
	}
	v = decodeObject(t, getOK(t, srv, "/variants/3").body)["variant"].(map[string]any)
	if len(v["locations"].([]any)) != 2 || v["stock_on_hand"] != "16.5" {
		t.Errorf("after stock at location 3: %v %v", v["stock_on_hand"], v["locations"])
	}
	// updated_at moves forward even when the clock does not.
	if v["updated_at"] != "2024-05-01T12:00:00.124Z" {
		t.Errorf("updated_at = %v, want 1ms later", v["updated_at"])
	}

	// Incremental polling finds it.
	got := ids(list(t, getOK(t, srv, "/variants?updated_at_min=2024-05-01T12:00:00Z").body, "variants"))
	if !slices.Equal(got, []int64{3}) {
		t.Errorf("updated_at_min poll = %v, want [3]", got)
	}

	// Going negative works (keep-selling oversell).
	if err := sb.SetStock(5, 1, "-3"); err != nil {
		t.Fatal(err)
	}
	if v := decodeObject(t, getOK(t, srv, "/variants/5").body)["variant"].(map[string]any); v["available_stock"] != "-5" {
		t.Errorf("variant 5 available = %v, want -5", v["available_stock"])
	}

	for _, tt := range []struct {
		variant, location int64
		qty               string
	}{
		{999999, 1, "1"}, {3, 9, "1"}, {3, 1, "abc"}, {3, 1, ""}, {3, 1, "1e3"}, {3, 1, "1."}, {3, 1, "1,5"},
	} {
		if err := sb.SetStock(tt.variant, tt.location, tt.qty); err == nil {
			t.Errorf("SetStock(%d, %d, %q) = nil, want an error", tt.variant, tt.location, tt.qty)
		}
	}
}

func TestStorefrontFacts(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	tests := []struct {
		sku  string
		id   int64
		want map[string]any
	}{
		{"DEMO-EGG-L", 4, map[string]any{"max_online": "5", "stock_on_hand": "20", "available_stock": "20", "keep_selling": false, "manage_stock": true}},
		{"DEMO-EGG-XL", 5, map[string]any{"keep_selling": true, "stock_on_hand": "0", "available_stock": "-2", "max_online": nil}},
		{"DEMO-EGG-M", 6, map[string]any{"manage_stock": false, "buy_price": "3.9321"}},
		{"DEMO-EGG-S", 7, map[string]any{"stock_on_hand": "2.5", "available_stock": "2.5", "incoming_stock": "10"}},
		{"DEMO-GOBS-SNO", 2, map[string]any{"retail_price": "24.0", "stock_on_hand": "10", "committed_stock": "0"}},
		{"DEMO-GOBS-PEA", 3, map[string]any{"retail_price": "22.0", "stock_on_hand": "10", "committed_stock": "3", "available_stock": "7"}},
	}
	for _, tt := range tests {
		t.Run(tt.sku, func(t *testing.T) {
			if id, ok := sb.VariantIDBySKU(tt.sku); !ok || id != tt.id {
				t.Errorf("VariantIDBySKU(%q) = %d, %v, want %d", tt.sku, id, ok, tt.id)
			}
			items := list(t, getOK(t, srv, "/variants?sku="+tt.sku).body, "variants")
			if len(items) != 1 {
				t.Fatalf("GET /variants?sku=%s: %d variants", tt.sku, len(items))
			}
			for k, w := range tt.want {
				if items[0][k] != w {
					t.Errorf("%s %s = %#v, want %#v", tt.sku, k, items[0][k], w)
				}
			}
		})
	}
	egg := decodeObject(t, getOK(t, srv, "/products/2").body)["product"].(map[string]any)
	if egg["quantity"] != "32.5" || egg["tags"] != "candy,chocolate" || egg["name"] != "Golden Egg" {
		t.Errorf("Golden Egg = %v", egg)
	}
	acct := decodeObject(t, getOK(t, srv, "/accounts/1").body)["account"].(map[string]any)
	cur := decodeObject(t, getOK(t, srv, fmt.Sprintf("/currencies/%d", num(acct["default_currency_id"]))).body)["currency"].(map[string]any)
	if cur["iso"] != "SGD" || cur["rate"] != "1.0" {
		t.Errorf("account currency = %v", cur)
	}
	if locs := acct["location_ids"].([]any); len(locs) != 3 {
		t.Errorf("location_ids = %v", locs)
	}
}

func TestCatalogShape(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	if n := sb.ProductCount("active", "disabled", "archived"); n != sandbox.DefaultProducts {
		t.Errorf("products = %d, want %d", n, sandbox.DefaultProducts)
	}
	for _, status := range []string{"disabled", "archived"} {
		if sb.ProductCount(status) == 0 {
			t.Errorf("no %s products", status)
		}
	}
	var fourDecimals, fractional, numbersInStockLevels, keepSelling, maxOnline, noManage, nullCommitted int
	for page := 1; ; page++ {
		r := getOK(t, srv, fmt.Sprintf("/variants?limit=250&page=%d", page))
		for _, v := range list(t, r.body, "variants") {
			if b, _ := v["buy_price"].(string); len(b) > 0 && len(b)-strings.Index(b, ".") == 5 {
				fourDecimals++
			}
			if s := v["stock_on_hand"].(string); strings.Contains(s, ".") {
				fractional++
			}
			for _, lv := range v["stock_levels"].(map[string]any) {
				if _, ok := lv.(json.Number); ok {
					numbersInStockLevels++
				}
			}
			for _, l := range v["locations"].([]any) {
				if l.(map[string]any)["committed"] == nil {
					nullCommitted++
				}
			}
			if v["keep_selling"] == true {
				keepSelling++
			}
			if v["max_online"] != nil {
				maxOnline++
			}
			if v["manage_stock"] == false {
				noManage++
			}
		}
		if pagination(t, r).LastPage {
			break
		}
	}
	for name, n := range map[string]int{
		"four-decimal buy prices": fourDecimals, "fractional stock": fractional,
		"numeric stock_levels": numbersInStockLevels, "keep_selling": keepSelling,
		"max_online": maxOnline, "manage_stock=false": noManage, "null committed": nullCommitted,
	} {
		if n < 3 {
			t.Errorf("only %d variants with %s", n, name)
		}
	}
}

func TestDeterminism(t *testing.T) {
	_, a := start(t, sandbox.Options{})
	_, b := start(t, sandbox.Options{Seed: 1})
	_, c := start(t, sandbox.Options{Seed: 2})
	paths := []string{
		"/products?limit=250", "/products?limit=250&page=2", "/products?limit=250&page=3&status=archived",
		"/variants?limit=250&page=3", "/images?limit=250", "/products/300?include=variants,images",
		"/locations", "/currencies", "/accounts/current",
	}
	for _, path := range paths {
		ra, rb := getOK(t, a, path), getOK(t, b, path)
		if string(ra.body) != string(rb.body) || ra.header.Get("X-Pagination") != rb.header.Get("X-Pagination") {
			t.Errorf("GET %s differs between two sandboxes with the same seed", path)
		}
	}
	if string(getOK(t, a, "/products?limit=250").body) == string(getOK(t, c, "/products?limit=250").body) {
		t.Errorf("seeds 1 and 2 give the same catalog")
	}
	for _, path := range []string{"/products/1?include=variants", "/products/2?include=variants,images"} {
		if string(getOK(t, a, path).body) != string(getOK(t, c, path).body) {
			t.Errorf("GET %s depends on the seed", path)
		}
	}
}

func TestSmallCatalog(t *testing.T) {
	sb, srv := start(t, sandbox.Options{Products: 10})
	if n := sb.ProductCount("active", "disabled", "archived"); n != 10 {
		t.Errorf("products = %d, want 10", n)
	}
	getOK(t, srv, "/products/10")
	if r := get(t, srv, "/products/11"); r.status != 404 {
		t.Errorf("GET /products/11 = %d", r.status)
	}
}

func TestRequestsRecorded(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	sb, srv := start(t, sandbox.Options{Now: clock.Now})
	get(t, srv, "/products?ids[]=1&ids[]=2&include=variants")
	clock.Advance(time.Second)
	call(t, srv, http.MethodPost, "/products", "-", []byte(`{"product":{"name":"X"}}`))
	call(t, srv, http.MethodGet, "/products/1", "", nil)

	reqs := sb.Requests()
	if len(reqs) != 3 || sb.RequestCount() != 3 {
		t.Fatalf("recorded %d (count %d), want 3", len(reqs), sb.RequestCount())
	}
	first := reqs[0]
	if first.Method != "GET" || first.Path != "/products" || !slices.Equal(first.Query["ids[]"], []string{"1", "2"}) ||
		first.Status != 200 || !first.At.Equal(clock.Now().Add(-time.Second)) {
		t.Errorf("first = %+v", first)
	}
	if first.Header.Get("Authorization") != "" {
		t.Errorf("Authorization was recorded")
	}
	if reqs[1].Status != 404 || string(reqs[1].Body) != `{"product":{"name":"X"}}` {
		t.Errorf("second = %+v", reqs[1])
	}
	if reqs[2].Status != 401 {
		t.Errorf("third status = %d, want 401", reqs[2].Status)
	}
	// Copies: changing them does not change the sandbox.
	reqs[0].Query.Set("ids[]", "9")
	if sb.Requests()[0].Query.Get("ids[]") != "1" {
		t.Errorf("Requests returned shared state")
	}
	sb.ResetRequests()
	if sb.RequestCount() != 0 || len(sb.Requests()) != 0 {
		t.Errorf("ResetRequests kept requests")
	}
}

func TestRequestIDsAreFresh(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	seen := map[string]bool{}
	for range 20 {
		id := get(t, srv, "/locations").header.Get("X-Request-Id")
		if seen[id] {
			t.Fatalf("X-Request-Id %s repeated", id)
		}
		seen[id] = true
	}
}

func TestConcurrentUse(t *testing.T) {
	sb, srv := start(t, sandbox.Options{RateLimit: 10000})
	done := make(chan struct{})
	for w := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 15 {
				switch (w + i) % 5 {
				case 0:
					_ = sb.SetStock(int64(2+i%6), 1, fmt.Sprint(i))
				case 1:
					sb.Requests()
					sb.ProductCount()
				case 2:
					sb.SetIgnoreIndexInclude(i%2 == 0)
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/products?include=variants&limit=20", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := srv.Client().Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	for range 8 {
		<-done
	}
	if n := sb.RequestCount(); n != 8*15 {
		t.Errorf("RequestCount() = %d, want %d", n, 8*15)
	}
}
