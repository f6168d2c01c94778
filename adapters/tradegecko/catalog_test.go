package tradegecko

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

func TestPlanWindow(t *testing.T) {
	tests := []struct {
		w    commerce.Window
		want pagePlan
	}{
		{commerce.Window{Offset: 0, Limit: 50}, pagePlan{limit: 50, page: 1, skip: 0, pages: 1}},
		{commerce.Window{Offset: 0, Limit: 250}, pagePlan{limit: 250, page: 1, skip: 0, pages: 1}},
		{commerce.Window{Offset: 0, Limit: 1}, pagePlan{limit: 1, page: 1, skip: 0, pages: 1}},
		{commerce.Window{Offset: 100, Limit: 100}, pagePlan{limit: 100, page: 2, skip: 0, pages: 1}},
		{commerce.Window{Offset: 20, Limit: 20}, pagePlan{limit: 20, page: 2, skip: 0, pages: 1}},
		{commerce.Window{Offset: 50, Limit: 100}, pagePlan{limit: 150, page: 1, skip: 50, pages: 1}},
		{commerce.Window{Offset: 25, Limit: 20}, pagePlan{limit: 23, page: 2, skip: 2, pages: 1}},
		{commerce.Window{Offset: 999, Limit: 1}, pagePlan{limit: 1, page: 1000, skip: 0, pages: 1}},
		{commerce.Window{Offset: 1000, Limit: 240}, pagePlan{limit: 248, page: 5, skip: 8, pages: 1}},
		// No page size ≤ 250 holds these windows in one page: two pages of
		// the window's size do.
		{commerce.Window{Offset: 1, Limit: 250}, pagePlan{limit: 250, page: 1, skip: 1, pages: 2}},
		{commerce.Window{Offset: 130, Limit: 200}, pagePlan{limit: 200, page: 1, skip: 130, pages: 2}},
		{commerce.Window{Offset: 1001, Limit: 250}, pagePlan{limit: 250, page: 5, skip: 1, pages: 2}},
	}
	for _, tt := range tests {
		if got := planWindow(tt.w); got != tt.want {
			t.Errorf("planWindow(%+v) = %+v, want %+v", tt.w, got, tt.want)
		}
	}
}

// Every valid window is covered by its plan, with one request whenever one
// page size can do it.
func TestPlanWindowCovers(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		w := commerce.Window{Offset: r.IntN(5000), Limit: 1 + r.IntN(commerce.MaxPageLimit)}
		if r.IntN(4) == 0 {
			w.Offset = r.IntN(300)
		}
		p := planWindow(w)
		first := (p.page - 1) * p.limit
		if p.limit < 1 || p.limit > MaxLimit || p.page < 1 || p.pages < 1 || p.pages > 2 {
			t.Fatalf("planWindow(%+v) = %+v: out of range", w, p)
		}
		if first+p.skip != w.Offset || w.Offset+w.Limit > first+p.pages*p.limit {
			t.Fatalf("planWindow(%+v) = %+v does not cover the window", w, p)
		}
		onePage := false
		for l := w.Limit; l <= MaxLimit; l++ {
			if w.Offset/l == (w.Offset+w.Limit-1)/l {
				onePage = true
				break
			}
		}
		if onePage != (p.pages == 1) {
			t.Fatalf("planWindow(%+v) = %+v: %d pages, but one page would do: %v", w, p, p.pages, onePage)
		}
	}
}

func TestPlanWindowInvalid(t *testing.T) {
	// The commerce layer validates windows; the catalog must still not panic.
	for _, w := range []commerce.Window{{Offset: 0, Limit: 0}, {Offset: 5, Limit: -1}, {Offset: -3, Limit: 10}, {Offset: 0, Limit: 1000}} {
		p := planWindow(w)
		if p.limit < 1 || p.limit > MaxLimit || p.page < 1 || p.skip < 0 {
			t.Errorf("planWindow(%+v) = %+v, want a valid plan", w, p)
		}
	}
}

// catalogEnv is a catalog over the test mux, with the spec's reference data.
type catalogEnv struct {
	cat     *Catalog
	client  *Client
	mux     *http.ServeMux
	log     *logBuffer
	account counter // reference requests, counted apart from query requests
	now     time.Time
}

func setupCatalog(t *testing.T, opts ...Option) *catalogEnv {
	t.Helper()
	env := &catalogEnv{now: time.Unix(1509339000, 0)}
	client, mux, _ := setup(t, append([]Option{WithClock(func() time.Time { return env.now })}, opts...)...)
	log, buf := newTestLogger()
	env.cat, env.client, env.mux, env.log = NewCatalog(client, log), client, mux, buf
	mux.HandleFunc("/accounts/current", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		env.account.inc()
		writeTestdata(t, w, "account.json")
	})
	for _, name := range []string{"currencies", "locations"} {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			testRequest(t, r, http.MethodGet)
			testQuery(t, r, url.Values{"page": {"1"}, "limit": {"250"}})
			pagination(w, pageHeader(2, 250, 1))
			writeTestdata(t, w, name+".json")
		})
	}
	return env
}

func (env *catalogEnv) refresh(t *testing.T) {
	t.Helper()
	if err := env.cat.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh = %v", err)
	}
}

// combine merges the top-level keys of several spec payloads into one
// response body, as a server that honours include= sends them.
func combine(t *testing.T, files ...string) string {
	t.Helper()
	out := map[string]json.RawMessage{}
	for _, f := range files {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(specJSON(t, f), &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func variantIDs(vs []commerce.Variant) []int64 {
	var out []int64
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func productIDs(ps []commerce.Product) []int64 {
	var out []int64
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestRefresh(t *testing.T) {
	env := setupCatalog(t)
	if env.cat.Loaded() {
		t.Fatalf("Loaded() before Refresh")
	}
	env.refresh(t)
	if !env.cat.Loaded() {
		t.Fatalf("Loaded() = false after Refresh")
	}
	ctx := context.Background()
	acct, err := env.cat.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantAcct := commerce.Account{ID: 1, Name: "Bob's Burgers", Country: "NZ", TimeZone: "Pacific/Auckland", Currency: sgd, DefaultOrderPriceListID: "wholesale", PrimaryLocationID: 1}
	if diff := cmp.Diff(wantAcct, acct, cmpOpts); diff != "" {
		t.Errorf("Account (-want +got):\n%s", diff)
	}
	cs, err := env.cat.Currencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantCs := []commerce.Currency{
		{ID: 2, Code: money.MustCurrency("NZD"), Name: "New Zealand Dollars", Symbol: "$", Rate: dec("1.1"), Precision: 2},
		{ID: 1, Code: sgd, Name: "Singaporean Dollars", Symbol: "$", Rate: dec("1.0"), Precision: 2, IsBase: true},
	}
	if diff := cmp.Diff(wantCs, cs, cmpOpts); diff != "" {
		t.Errorf("Currencies (-want +got):\n%s", diff)
	}
	ls, err := env.cat.Locations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{2, 1}, []int64{ls[0].ID, ls[1].ID}); diff != "" || ls[1].Label != "Primary Location" {
		t.Errorf("Locations = %+v", ls)
	}
	// Reference data is served from memory afterwards.
	for range 3 {
		if _, err := env.cat.Account(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if env.account.get() != 1 {
		t.Errorf("the account was fetched %d times, want 1", env.account.get())
	}
}

func TestRefreshMissingDefaultCurrency(t *testing.T) {
	client, mux, _ := setup(t)
	cat := NewCatalog(client, nil)
	mux.HandleFunc("/accounts/current", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"account":{"id":1,"name":"Bob's Burgers","default_currency_id":9}}`)
	})
	mux.HandleFunc("/currencies", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "currencies.json") })
	mux.HandleFunc("/locations", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "locations.json") })
	err := cat.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "default currency 9") {
		t.Fatalf("Refresh with default_currency_id 9 absent = %v, want an error naming it", err)
	}
	if cat.Loaded() {
		t.Errorf("Loaded() after a failed first Refresh")
	}
	if _, err := cat.ListProducts(context.Background(), commerce.ProductQuery{Window: commerce.Window{Limit: 10}}); err == nil {
		t.Errorf("ListProducts without reference data = nil error")
	}
}

func TestRefreshSkipsInvalidCurrencies(t *testing.T) {
	client, mux, _ := setup(t)
	log, buf := newTestLogger()
	cat := NewCatalog(client, log)
	mux.HandleFunc("/accounts/current", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "account.json") })
	mux.HandleFunc("/currencies", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"currencies":[{"id":1,"iso":"SGD","rate":"1.0"},{"id":5,"iso":"S$","rate":"0.7"}]}`)
	})
	mux.HandleFunc("/locations", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, `{"locations":[]}`) })
	if err := cat.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	cs, _ := cat.Currencies(context.Background())
	if len(cs) != 1 || cs[0].Code != sgd {
		t.Errorf("Currencies = %+v, want only SGD", cs)
	}
	if !strings.Contains(buf.String(), "invalid ISO code") || !strings.Contains(buf.String(), "iso=S$") {
		t.Errorf("no warning about the invalid currency:\n%s", buf.String())
	}
}

func TestRefreshFailureKeepsPreviousData(t *testing.T) {
	client, mux, _ := setup(t, WithRetries(0, nil))
	cat := NewCatalog(client, nil)
	var n counter
	mux.HandleFunc("/accounts/current", func(w http.ResponseWriter, r *http.Request) {
		if n.inc() > 1 {
			writeJSON(w, http.StatusServiceUnavailable, `{"type":"Service Unavailable","message":"down"}`)
			return
		}
		writeTestdata(t, w, "account.json")
	})
	mux.HandleFunc("/currencies", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "currencies.json") })
	mux.HandleFunc("/locations", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "locations.json") })
	if err := cat.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	err := cat.Refresh(context.Background())
	if !errors.Is(err, ErrServer) || !strings.Contains(err.Error(), "load account") {
		t.Fatalf("Refresh with the account down = %v, want a wrapped 503", err)
	}
	acct, err := cat.Account(context.Background())
	if err != nil || acct.Name != "Bob's Burgers" || acct.Currency != sgd {
		t.Errorf("Account after a failed refresh = %+v, %v; want the previous data", acct, err)
	}
}

func TestReferenceLoadedOnceOnDemand(t *testing.T) {
	env := setupCatalog(t)
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		writeTestdata(t, w, "products.json")
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{Window: commerce.Window{Limit: 10}})
			if err != nil || len(page.Items) != 2 {
				t.Errorf("ListProducts = %d items, %v", len(page.Items), err)
			}
		})
	}
	wg.Wait()
	if env.account.get() != 1 {
		t.Errorf("reference data loaded %d times, want once", env.account.get())
	}
}

func TestReferenceLoadFailureIsACommerceError(t *testing.T) {
	client, mux, _ := setup(t)
	cat := NewCatalog(client, nil)
	mux.HandleFunc("/accounts/current", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", "req-401")
		writeJSON(w, http.StatusUnauthorized, `{"type":"Unauthorized","message":"Your API access token is invalid"}`)
	})
	_, err := cat.Currencies(context.Background())
	var ce *commerce.Error
	if !errors.As(err, &ce) || ce.Code != commerce.CodeUpstreamError || ce.Backend != Backend || ce.RequestID != "req-401" {
		t.Fatalf("Currencies with a revoked token = %v, want UPSTREAM_ERROR from tradegecko with the request id", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("the error names the access token: %v", err)
	}
}

func TestRunRefresh(t *testing.T) {
	env := setupCatalog(t)
	env.cat.RunRefresh(context.Background(), 0) // returns at once
	if env.account.get() != 0 {
		t.Fatalf("RunRefresh(0) refreshed")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		env.cat.RunRefresh(ctx, 5*time.Millisecond)
		close(done)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for env.account.get() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if env.account.get() < 2 || !env.cat.Loaded() {
		t.Errorf("RunRefresh refreshed %d times, want at least 2", env.account.get())
	}
}

func TestListProductsIncludeHonoured(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var n counter
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"page": {"1"}, "limit": {"50"}, "include": {"variants,images"}})
		n.inc()
		pagination(w, pageHeader(2, 50, 1))
		writeJSON(w, http.StatusOK, combine(t, "products.json", "variants.json", "images.json"))
	})
	page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{
		Window: commerce.Window{Offset: 0, Limit: 50}, Sideloads: commerce.ProductSideloads{Variants: true, Images: true},
	})
	if err != nil {
		t.Fatalf("ListProducts = %v", err)
	}
	if n.get() != 1 {
		t.Errorf("ListProducts sent %d requests, want 1", n.get())
	}
	checkSpecProductPage(t, page)
}

// checkSpecProductPage checks the page built from the spec's products,
// variants and images: sideloads attached to their products, in the order
// the product lists their ids.
func checkSpecProductPage(t *testing.T, page commerce.Page[commerce.Product]) {
	t.Helper()
	if page.Total != 2 || len(page.Items) != 2 {
		t.Fatalf("ListProducts = %d items of %d, want 2 of 2", len(page.Items), page.Total)
	}
	egg, gob := page.Items[0], page.Items[1]
	if egg.ID != 2 || gob.ID != 1 {
		t.Fatalf("ListProducts ids = %v, want [2 1] (the server's order)", productIDs(page.Items))
	}
	for _, p := range page.Items {
		if !p.VariantsLoaded || !p.ImagesLoaded {
			t.Errorf("product %d: VariantsLoaded %v ImagesLoaded %v, want both", p.ID, p.VariantsLoaded, p.ImagesLoaded)
		}
	}
	// The spec's variants are 3 then 2, both of product 1, whose
	// variant_ids are [2, 3].
	if diff := cmp.Diff([]int64{2, 3}, variantIDs(gob.Variants)); diff != "" {
		t.Errorf("Gobstopper variants (-want +got):\n%s", diff)
	}
	if len(egg.Variants) != 0 {
		t.Errorf("Golden Egg variants = %v, want none (the spec's variants belong to product 1)", variantIDs(egg.Variants))
	}
	if p := gob.Variants[0].RetailPrice; p == nil || p.String() != "24.00 SGD" {
		t.Errorf("Snozzberry retail price = %v, want 24.00 SGD", p)
	}
	// Both spec images belong to product 1, whose image_ids are [1].
	var ims []int64
	for _, im := range gob.Images {
		ims = append(ims, im.ID)
	}
	if diff := cmp.Diff([]int64{1, 2}, ims); diff != "" {
		t.Errorf("Gobstopper images (-want +got):\n%s", diff)
	}
}

func TestListProductsIncludeIgnored(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var products, variants, images counter
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "limit": {"50"}, "include": {"variants,images"}})
		products.inc()
		pagination(w, pageHeader(2, 50, 1))
		writeTestdata(t, w, "products.json") // no sideload keys
	})
	env.mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		// The products' variant_ids in page order: [4 5 6 7] then [2 3].
		testRawQuery(t, r, "ids=4,5,6,7,2,3&limit=250")
		variants.inc()
		writeTestdata(t, w, "variants.json")
	})
	env.mux.HandleFunc("/images", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testRawQuery(t, r, "ids=1,2&limit=250")
		images.inc()
		writeTestdata(t, w, "images.json")
	})
	page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{
		Window: commerce.Window{Offset: 0, Limit: 50}, Sideloads: commerce.ProductSideloads{Variants: true, Images: true},
	})
	if err != nil {
		t.Fatalf("ListProducts = %v", err)
	}
	if products.get() != 1 || variants.get() != 1 || images.get() != 1 {
		t.Errorf("requests: %d products, %d variants, %d images; want 1 each", products.get(), variants.get(), images.get())
	}
	checkSpecProductPage(t, page)
}

func TestListProductsIncludePartlyHonoured(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, combine(t, "products.json", "variants.json")) // images left out
	})
	var images counter
	env.mux.HandleFunc("/images", func(w http.ResponseWriter, r *http.Request) {
		images.inc()
		writeTestdata(t, w, "images.json")
	})
	page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{
		Window: commerce.Window{Limit: 50}, Sideloads: commerce.ProductSideloads{Variants: true, Images: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if images.get() != 1 {
		t.Errorf("images fetched %d times, want 1", images.get())
	}
	checkSpecProductPage(t, page)
}

func TestListProductsWithoutSideloads(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"page": {"1"}, "limit": {"20"}})
		writeTestdata(t, w, "products.json")
	})
	page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{Window: commerce.Window{Limit: 20}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range page.Items {
		if p.VariantsLoaded || p.ImagesLoaded || p.Variants != nil {
			t.Errorf("product %d has sideloads nobody asked for", p.ID)
		}
	}
	if page.Total != 2 {
		t.Errorf("Total without X-Pagination from a short page = %d, want 2", page.Total)
	}
}

// A full page of 250 products with two variants each, on a server that
// ignores include=: 500 variant ids make two ids= requests of 250.
func TestListProductsIncludeIgnoredBatchesVariants(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var products, variants counter
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		products.inc()
		testQuery(t, r, url.Values{"page": {"1"}, "limit": {"250"}, "include": {"variants"}})
		pagination(w, pageHeader(1000, 250, 1))
		var b strings.Builder
		b.WriteString(`{"products":[`)
		for p := 1; p <= 250; p++ {
			if p > 1 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"status":"active","variant_ids":[%d,%d]}`, p, p*10+2, p*10+1)
		}
		b.WriteString(`]}`)
		writeJSON(w, http.StatusOK, b.String())
	})
	var mu sync.Mutex
	var asked []int64
	env.mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		variants.inc()
		if r.URL.Query().Get("limit") != "250" {
			t.Errorf("variants by ids: limit = %q, want 250", r.URL.Query().Get("limit"))
		}
		ids := parseIDList(t, r.URL.Query().Get("ids"))
		if len(ids) > MaxLimit {
			t.Errorf("variants by ids: %d ids in one request", len(ids))
		}
		mu.Lock()
		asked = append(asked, ids...)
		mu.Unlock()
		var b strings.Builder
		b.WriteString(`{"variants":[`)
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"product_id":%d,"status":"active","retail_price":"%d.5"}`, id, id/10, id)
		}
		b.WriteString(`]}`)
		writeJSON(w, http.StatusOK, b.String())
	})
	page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{
		Window: commerce.Window{Limit: 250}, Sideloads: commerce.ProductSideloads{Variants: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if products.get() != 1 || variants.get() != 2 {
		t.Errorf("requests: %d products, %d variants; want 1 and 2", products.get(), variants.get())
	}
	if len(asked) != 500 {
		t.Errorf("asked for %d variant ids, want 500", len(asked))
	}
	if page.Total != 1000 || len(page.Items) != 250 {
		t.Fatalf("ListProducts = %d items of %d, want 250 of 1000", len(page.Items), page.Total)
	}
	for _, p := range page.Items {
		if want := []int64{p.ID*10 + 2, p.ID*10 + 1}; !slices.Equal(variantIDs(p.Variants), want) {
			t.Errorf("product %d variants = %v, want %v", p.ID, variantIDs(p.Variants), want)
		}
	}
}

// windowServer serves /products as a collection of total products with ids
// 1..total, honouring limit and page, with or without X-Pagination.
func windowServer(t *testing.T, mux *http.ServeMux, total int, header bool) *[]string {
	var (
		mu    sync.Mutex
		asked []string
	)
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		page, _ := strconv.Atoi(q.Get("page"))
		mu.Lock()
		asked = append(asked, fmt.Sprintf("limit=%d page=%d", limit, page))
		mu.Unlock()
		from := (page-1)*limit + 1
		to := min(page*limit, total)
		if header {
			pagination(w, pageHeader(total, limit, page))
		}
		var ids []int64
		if from <= to {
			ids = seq(int64(from), int64(to))
		}
		writeJSON(w, http.StatusOK, productsJSON(ids))
	})
	return &asked
}

func TestListProductsWindows(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		header    bool
		w         commerce.Window
		requests  []string
		ids       []int64
		wantTotal int
	}{
		{"first page", 1000, true, commerce.Window{Offset: 0, Limit: 50}, []string{"limit=50 page=1"}, seq(1, 50), 1000},
		{"an aligned window", 1000, true, commerce.Window{Offset: 100, Limit: 100}, []string{"limit=100 page=2"}, seq(101, 200), 1000},
		{"a window inside a larger page", 1000, true, commerce.Window{Offset: 50, Limit: 100}, []string{"limit=150 page=1"}, seq(51, 150), 1000},
		{"a window over two pages", 1000, true, commerce.Window{Offset: 130, Limit: 200}, []string{"limit=200 page=1", "limit=200 page=2"}, seq(131, 330), 1000},
		{"two pages planned, the first is the last", 100, true, commerce.Window{Offset: 1, Limit: 250}, []string{"limit=250 page=1"}, seq(2, 100), 100},
		{"two pages planned, the second is short", 300, true, commerce.Window{Offset: 130, Limit: 200}, []string{"limit=200 page=1", "limit=200 page=2"}, seq(131, 300), 300},
		{"past the end", 120, true, commerce.Window{Offset: 200, Limit: 50}, []string{"limit=50 page=5"}, nil, 120},
		{"no header, short page", 20, false, commerce.Window{Offset: 0, Limit: 50}, []string{"limit=50 page=1"}, seq(1, 20), 20},
		{"no header, full page", 1000, false, commerce.Window{Offset: 50, Limit: 50}, []string{"limit=50 page=2"}, seq(51, 100), 101},
		{"no header, two pages", 1000, false, commerce.Window{Offset: 1, Limit: 250}, []string{"limit=250 page=1", "limit=250 page=2"}, seq(2, 251), 501},
		{"no header, two pages, the second short", 300, false, commerce.Window{Offset: 1, Limit: 250}, []string{"limit=250 page=1", "limit=250 page=2"}, seq(2, 251), 300},
		{"no header, two pages, the second empty", 250, false, commerce.Window{Offset: 1, Limit: 250}, []string{"limit=250 page=1", "limit=250 page=2"}, seq(2, 250), 250},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := setupCatalog(t)
			env.refresh(t)
			asked := windowServer(t, env.mux, tt.total, tt.header)
			page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{Window: tt.w})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.requests, *asked); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.ids, productIDs(page.Items)); diff != "" {
				t.Errorf("ListProducts(%+v) ids (-want +got):\n%s", tt.w, diff)
			}
			if page.Total != tt.wantTotal {
				t.Errorf("ListProducts(%+v).Total = %d, want %d", tt.w, page.Total, tt.wantTotal)
			}
		})
	}
}

func TestListProductsFilters(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	since := time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testRawQuery(t, r, "brand=Wonka&ids=1,2&limit=20&page=1&product_type=Candy&status=active&tags[]=candy&tags[]=summer&updated_at_min=2020-01-08T00%3A00%3A00.000Z")
		writeTestdata(t, w, "products.json")
	})
	_, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{
		Filter: commerce.ProductFilter{IDs: []int64{1, 2}, Status: commerce.ProductActive, Brand: "Wonka", ProductType: "Candy", Tags: []string{"candy", "summer"}, UpdatedAfter: since},
		Window: commerce.Window{Limit: 20},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestListProductsErrors(t *testing.T) {
	tests := []struct {
		status     int
		code       commerce.Code
		retryAfter time.Duration
	}{
		{401, commerce.CodeUpstreamError, 0},
		{402, commerce.CodeUpstreamError, 0},
		{403, commerce.CodeUpstreamError, 0},
		{429, commerce.CodeRateLimited, 42 * time.Second},
		{500, commerce.CodeUpstreamUnavailable, 0},
		{503, commerce.CodeUpstreamUnavailable, 0},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			env := setupCatalog(t)
			env.refresh(t)
			env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", "req-x")
				w.Header().Set("X-Rate-Limit-Limit", "300")
				w.Header().Set("X-Rate-Limit-Remaining", "0")
				w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(env.now.Unix()+42, 10))
				writeJSON(w, tt.status, `{"type":"`+http.StatusText(tt.status)+`","message":"no"}`)
			})
			_, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{Window: commerce.Window{Limit: 5}})
			var ce *commerce.Error
			if !errors.As(err, &ce) {
				t.Fatalf("ListProducts = %v, want a *commerce.Error", err)
			}
			if ce.Code != tt.code || ce.Backend != Backend || ce.RequestID != "req-x" || ce.RetryAfter != tt.retryAfter {
				t.Errorf("ListProducts on %d = %s %q %q %v, want %s tradegecko req-x %v", tt.status, ce.Code, ce.Backend, ce.RequestID, ce.RetryAfter, tt.code, tt.retryAfter)
			}
		})
	}
}

func TestListProductsNetworkError(t *testing.T) {
	env := setupCatalog(t, noKeepAlive())
	env.refresh(t)
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) { drop(t, w) })
	_, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{Window: commerce.Window{Limit: 5}})
	var ne *NetworkError
	if commerce.CodeOf(err) != commerce.CodeUpstreamUnavailable || !errors.As(err, &ne) {
		t.Errorf("ListProducts with dropped connections = %v, want UPSTREAM_UNAVAILABLE wrapping a *NetworkError", err)
	}
}

func TestProductsByIDSingle(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var n counter
	env.mux.HandleFunc("/products/153172", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"include": {"variants"}})
		n.inc()
		writeTestdata(t, w, "product_include_variants.json")
	})
	got, err := env.cat.ProductsByID(context.Background(), []int64{153172}, commerce.ProductSideloads{Variants: true})
	if err != nil {
		t.Fatal(err)
	}
	if n.get() != 1 {
		t.Errorf("ProductsByID(one id) sent %d requests, want 1", n.get())
	}
	if len(got) != 1 || got[0].ID != 153172 || !got[0].VariantsLoaded || !slices.Equal(variantIDs(got[0].Variants), []int64{558277}) {
		t.Errorf("ProductsByID([153172]) = %+v", got)
	}
	if got[0].Description != "Wiggly and squiggly. Watch out for the tail falling off!<br>" {
		t.Errorf("description = %q", got[0].Description)
	}
}

func TestProductsByIDSingleWithoutSideloads(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/products/2", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, nil)
		writeTestdata(t, w, "product.json")
	})
	// Duplicates make one id: still the single-resource request.
	got, err := env.cat.ProductsByID(context.Background(), []int64{2, 2}, commerce.ProductSideloads{})
	if err != nil || len(got) != 1 || got[0].Name != "Golden Egg" || got[0].VariantsLoaded {
		t.Errorf("ProductsByID([2 2]) = %+v, %v", got, err)
	}
}

func TestProductsByIDSingleIncludeIgnored(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/products/1", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"include": {"variants"}})
		writeJSON(w, http.StatusOK, `{"product":{"id":1,"status":"active","variant_ids":[2,3]}}`)
	})
	var n counter
	env.mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		testRawQuery(t, r, "ids=2,3&limit=250")
		n.inc()
		writeTestdata(t, w, "variants.json")
	})
	got, err := env.cat.ProductsByID(context.Background(), []int64{1}, commerce.ProductSideloads{Variants: true})
	if err != nil {
		t.Fatal(err)
	}
	if n.get() != 1 || len(got) != 1 || !slices.Equal(variantIDs(got[0].Variants), []int64{2, 3}) {
		t.Errorf("ProductsByID([1]) = %v after %d variant requests, want variants [2 3] after 1", got, n.get())
	}
}

func TestProductsByIDNotFound(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var n counter
	env.mux.HandleFunc("/products/999", func(w http.ResponseWriter, r *http.Request) {
		n.inc()
		writeJSON(w, http.StatusNotFound, `{"type":"Not Found","message":"Couldn't find Product with 'id'=999"}`)
	})
	got, err := env.cat.ProductsByID(context.Background(), []int64{999}, commerce.ProductSideloads{Variants: true})
	if err != nil || len(got) != 0 {
		t.Errorf("ProductsByID([999]) = %v, %v; want nothing and no error", got, err)
	}
	if n.get() != 1 {
		t.Errorf("a 404 was retried: %d requests", n.get())
	}
}

func TestProductsByIDNone(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	got, err := env.cat.ProductsByID(context.Background(), nil, commerce.ProductSideloads{Variants: true})
	if err != nil || len(got) != 0 {
		t.Errorf("ProductsByID(nil) = %v, %v", got, err)
	}
	// The mux fails the test on any request.
}

func TestProductsByIDMany(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var (
		n     counter
		mu    sync.Mutex
		asked [][]int64
	)
	env.mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		n.inc()
		q := r.URL.Query()
		if q.Get("limit") != "250" || q.Get("include") != "variants" || q.Has("page") {
			t.Errorf("products by ids: query %q, want limit=250 and include=variants", r.URL.RawQuery)
		}
		ids := parseIDList(t, q.Get("ids"))
		mu.Lock()
		asked = append(asked, ids)
		mu.Unlock()
		var ps, vs []string
		for _, id := range ids {
			if id%100 == 0 {
				continue // unknown ids are simply absent
			}
			ps = append(ps, fmt.Sprintf(`{"id":%d,"status":"active","variant_ids":[%d]}`, id, id*10))
			vs = append(vs, fmt.Sprintf(`{"id":%d,"product_id":%d,"status":"active"}`, id*10, id))
		}
		writeJSON(w, http.StatusOK, `{"variants":[`+strings.Join(vs, ",")+`],"products":[`+strings.Join(ps, ",")+`]}`)
	})
	ids := seq(1, 300)
	got, err := env.cat.ProductsByID(context.Background(), ids, commerce.ProductSideloads{Variants: true})
	if err != nil {
		t.Fatal(err)
	}
	if n.get() != 2 {
		t.Errorf("ProductsByID(300 ids) sent %d requests, want 2", n.get())
	}
	slices.SortFunc(asked, func(a, b []int64) int { return int(a[0] - b[0]) })
	if len(asked) != 2 || !slices.Equal(asked[0], seq(1, 250)) || !slices.Equal(asked[1], seq(251, 300)) {
		t.Errorf("ids asked = %d chunks, want 1..250 and 251..300", len(asked))
	}
	if len(got) != 297 {
		t.Errorf("ProductsByID(1..300) = %d products, want 297 (100, 200, 300 do not exist)", len(got))
	}
	for _, p := range got {
		if !slices.Equal(variantIDs(p.Variants), []int64{p.ID * 10}) {
			t.Errorf("product %d variants = %v", p.ID, variantIDs(p.Variants))
		}
	}
}

func TestProductsByIDError(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/products/5", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, `{"type":"Forbidden","message":"no"}`)
	})
	_, err := env.cat.ProductsByID(context.Background(), []int64{5}, commerce.ProductSideloads{})
	if commerce.CodeOf(err) != commerce.CodeUpstreamError || !errors.Is(err, ErrForbidden) {
		t.Errorf("ProductsByID on 403 = %v, want UPSTREAM_ERROR wrapping ErrForbidden", err)
	}
}

func TestListVariants(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testRawQuery(t, r, "ids=2,3&limit=101&page=1&product_id=1&sku=DEMO-GOBS-PEA&status=active")
		pagination(w, `{"total_records":170,"total_pages":2,"first_page":true,"last_page":false,"out_of_bounds":false,"offset":0}`)
		writeTestdata(t, w, "variants.json")
	})
	page, err := env.cat.ListVariants(context.Background(), commerce.VariantQuery{
		Filter: commerce.VariantFilter{IDs: []int64{2, 3}, SKU: "DEMO-GOBS-PEA", ProductID: 1, Status: commerce.VariantActive},
		Window: commerce.Window{Offset: 1, Limit: 100},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The window skips the first record of the page.
	if page.Total != 170 || !slices.Equal(variantIDs(page.Items), []int64{2}) {
		t.Errorf("ListVariants = %v of %d, want [2] of 170", variantIDs(page.Items), page.Total)
	}
	if p := page.Items[0].RetailPrice; p == nil || p.FormatAmount() != "24.00" || p.Currency() != sgd {
		t.Errorf("retail price = %v, want 24.00 SGD", p)
	}
}

func TestListVariantsTwoPages(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var asked []string
	var mu sync.Mutex
	env.mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RawQuery)
		mu.Unlock()
		writeJSON(w, http.StatusOK, `{"variants":[`+strings.Repeat(`{"id":1,"status":"active"},`, 199)+`{"id":1,"status":"active"}]}`)
	})
	page, err := env.cat.ListVariants(context.Background(), commerce.VariantQuery{Filter: commerce.VariantFilter{Status: commerce.VariantArchived}, Window: commerce.Window{Offset: 130, Limit: 200}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"limit=200&page=1&status=archived", "limit=200&page=2&status=archived"}, asked); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(page.Items) != 200 || page.Total != 401 {
		t.Errorf("ListVariants = %d items of %d, want 200 of 401 (no X-Pagination, two full pages: at least one more)", len(page.Items), page.Total)
	}
}

func TestVariantsByID(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	var n counter
	env.mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		n.inc()
		ids := parseIDList(t, r.URL.Query().Get("ids"))
		if len(ids) == 2 {
			testRawQuery(t, r, "ids=3,2&limit=250")
			writeTestdata(t, w, "variants.json")
			return
		}
		writeJSON(w, http.StatusOK, `{"variants":[]}`)
	})
	got, err := env.cat.VariantsByID(context.Background(), []int64{3, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if n.get() != 1 || !slices.Equal(variantIDs(got), []int64{3, 2}) {
		t.Errorf("VariantsByID([3 2 3]) = %v in %d requests, want [3 2] in 1", variantIDs(got), n.get())
	}
	n.n.Store(0)
	if _, err := env.cat.VariantsByID(context.Background(), seq(1, 600)); err != nil {
		t.Fatal(err)
	}
	if n.get() != 3 {
		t.Errorf("VariantsByID(600 ids) sent %d requests, want 3", n.get())
	}
}

func TestImagesByID(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/images", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testRawQuery(t, r, "ids=1,2&limit=250")
		writeTestdata(t, w, "images.json")
	})
	got, err := env.cat.ImagesByID(context.Background(), []int64{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != 2 || got[0].URL != "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/2231/1xUh3yT8SN6SjK6l1WXw_photo_large.png" {
		t.Errorf("ImagesByID([1 2]) = %+v", got)
	}
}

// recordingHandler keeps the records logged through it.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *recordingHandler) all() []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.records)
}

// attrs is a record's attributes as text.
func attrs(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// A response the client cannot read answers clients only "cannot read";
// the log says what could not be read (field, type, request path and
// upstream request id), once, and quotes nothing of the body.
func TestDecodeFailureIsLogged(t *testing.T) {
	const secret = "secret-5555"
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{
			name: "a field of an unreadable type",
			body: `{"images": [{"id": 1, "name": "` + secret + `"}, {"id": 2, "name": "` + secret + `", "uploader_id": {"integration": "` + secret + `"}}]}`,
			want: map[string]string{"field": "Image.images.uploader_id", "want": "tradegecko.IDOrName", "got": "object"},
		},
		{
			name: "an id that is not one",
			body: `{"images": [{"id": "` + secret + `"}]}`,
			want: map[string]string{"field": "Image.images.id", "want": "tradegecko.Int", "got": "string (not an integer)"},
		},
		{
			name: "not JSON",
			body: `<html>` + secret + `</html>`,
			want: map[string]string{"cause": "not JSON", "offset": "1"},
		},
		{
			name: "truncated",
			body: `{"images": [{"id": 1, "name": "` + secret,
			want: map[string]string{"cause": "truncated JSON"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux, _ := setup(t)
			var h recordingHandler
			cat := NewCatalog(client, slog.New(&h))
			cat.ref.Store(&reference{account: commerce.Account{Currency: sgd}})
			mux.HandleFunc("/images", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-ID", "req-77")
				writeJSON(w, http.StatusOK, tt.body)
			})
			_, err := cat.ImagesByID(context.Background(), []int64{1, 2})
			var ce *commerce.Error
			if !errors.As(err, &ce) || ce.Code != commerce.CodeUpstreamError || ce.Message != "TradeGecko sent a response the gateway cannot read" || ce.RequestID != "req-77" {
				t.Fatalf("ImagesByID = %v, want UPSTREAM_ERROR \"TradeGecko sent a response the gateway cannot read\" with request id req-77", err)
			}
			recs := h.all()
			if len(recs) != 1 {
				t.Fatalf("ImagesByID logged %d records, want 1: %v", len(recs), recs)
			}
			got := attrs(recs[0])
			want := map[string]string{"method": "GET", "path": baseURLPath + "/images", "upstream_request_id": "req-77"}
			maps.Copy(want, tt.want)
			if recs[0].Level != slog.LevelError || !cmp.Equal(got, want) {
				t.Errorf("logged %s %q %v, want ERROR with %v", recs[0].Level, recs[0].Message, got, want)
			}
			for k, v := range got {
				if strings.Contains(v, secret) || strings.Contains(v, "ids=") {
					t.Errorf("log attribute %s = %q quotes the body or the query", k, v)
				}
			}
		})
	}
}

func TestOrderByIDs(t *testing.T) {
	id := func(v int64) int64 { return v }
	tests := []struct {
		records, ids, want []int64
	}{
		{nil, []int64{1, 2}, nil},
		{[]int64{3}, []int64{1}, []int64{3}},
		{[]int64{3, 2}, []int64{2, 3}, []int64{2, 3}},
		{[]int64{9, 3, 2, 8}, []int64{2, 3}, []int64{2, 3, 9, 8}},
		{[]int64{2, 2, 1}, []int64{1, 2}, []int64{1, 2, 2}},
	}
	for _, tt := range tests {
		if got := orderByIDs(slices.Clone(tt.records), tt.ids, id); !slices.Equal(got, tt.want) {
			t.Errorf("orderByIDs(%v, %v) = %v, want %v", tt.records, tt.ids, got, tt.want)
		}
	}
}

// Prices are in the account's base currency, whichever it is.
func TestCatalogPricesInBaseCurrency(t *testing.T) {
	client, mux, _ := setup(t)
	cat := NewCatalog(client, nil)
	mux.HandleFunc("/accounts/current", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"account":{"id":1,"default_currency_id":2}}`)
	})
	mux.HandleFunc("/currencies", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "currencies.json") })
	mux.HandleFunc("/locations", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "locations.json") })
	mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) { writeTestdata(t, w, "variants.json") })
	page, err := cat.ListVariants(context.Background(), commerce.VariantQuery{Window: commerce.Window{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if got := page.Items[1].RetailPrice.String(); got != "24.00 NZD" {
		t.Errorf("Snozzberry retail price = %s, want 24.00 NZD (the account's default currency 2)", got)
	}
	cs, _ := cat.Currencies(context.Background())
	if !cs[0].IsBase || cs[0].Code.Code() != "NZD" || cs[1].IsBase {
		t.Errorf("Currencies = %+v, want NZD as the base", cs)
	}
}

func TestCatalogLogsUnknownStatusOnce(t *testing.T) {
	env := setupCatalog(t)
	env.refresh(t)
	env.mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"variants":[{"id":1,"status":"on_hold"},{"id":2,"status":"on_hold"},{"id":3,"status":"active"}]}`)
	})
	for range 3 {
		page, err := env.cat.ListVariants(context.Background(), commerce.VariantQuery{Window: commerce.Window{Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		if page.Items[0].Status != commerce.VariantOther || page.Items[2].Status != commerce.VariantActive {
			t.Fatalf("statuses = %s, %s; want OTHER, ACTIVE", page.Items[0].Status, page.Items[2].Status)
		}
	}
	if n := strings.Count(env.log.String(), "value=on_hold"); n != 1 {
		t.Errorf("the undocumented status was logged %d times, want once:\n%s", n, env.log.String())
	}
}
