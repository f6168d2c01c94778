package tradegecko

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
)

// End-to-end tests against the in-repo sandbox, which writes JSON the way
// the spec shows it (it never imports this package).

type sandboxEnv struct {
	sb     *sandbox.Sandbox
	client *Client
	cat    *Catalog
}

func setupSandbox(t *testing.T, sopts sandbox.Options, opts ...Option) *sandboxEnv {
	t.Helper()
	sb := sandbox.New(sopts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	all := append([]Option{WithAccessToken(sandbox.DefaultAccessToken), WithRetries(2, zeroBackoff)}, opts...)
	client, err := New(srv.URL, all...)
	if err != nil {
		t.Fatal(err)
	}
	return &sandboxEnv{sb: sb, client: client, cat: NewCatalog(client, nil)}
}

// loaded refreshes reference data and forgets the requests it took, so
// tests count only what their query causes.
func (env *sandboxEnv) loaded(t *testing.T) *sandboxEnv {
	t.Helper()
	if err := env.cat.Refresh(context.Background()); err != nil {
		t.Fatalf("Refresh = %v", err)
	}
	env.sb.ResetRequests()
	return env
}

func (env *sandboxEnv) requests() []string {
	var out []string
	for _, r := range env.sb.Requests() {
		out = append(out, r.Method+" "+r.Path+"?"+r.Query.Encode())
	}
	return out
}

func TestSandboxReferenceData(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{})
	if err := env.cat.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := env.sb.RequestCount(); n != 3 {
		t.Errorf("Refresh sent %d requests, want 3: %v", n, env.requests())
	}
	acct, _ := env.cat.Account(context.Background())
	if acct.Currency != sgd || acct.Name != "Bob's Burgers" || acct.DefaultOrderPriceListID != "wholesale" || acct.PrimaryLocationID != 1 {
		t.Errorf("Account = %+v", acct)
	}
	cs, _ := env.cat.Currencies(context.Background())
	var codes []string
	for _, c := range cs {
		if c.IsBase != (c.Code == sgd) {
			t.Errorf("currency %s: IsBase = %v", c.Code, c.IsBase)
		}
		codes = append(codes, c.Code.Code())
	}
	slices.Sort(codes)
	if !slices.Equal(codes, []string{"NZD", "SGD", "USD"}) {
		t.Errorf("Currencies = %v, want NZD SGD USD", codes)
	}
	ls, _ := env.cat.Locations(context.Background())
	if len(ls) != 3 {
		t.Errorf("Locations = %+v, want 3", ls)
	}
}

// The same page of 50 products with variants and images, from a sandbox
// that honours include= and from one that ignores it on the index: same
// result, 1 request versus 1 + the batched lookups.
func TestSandboxListProductsIncludeHonouredOrIgnored(t *testing.T) {
	q := commerce.ProductQuery{Window: commerce.Window{Offset: 0, Limit: 50}, Sideloads: commerce.ProductSideloads{Variants: true, Images: true}}
	var pages [2]commerce.Page[commerce.Product]
	for i, ignore := range []bool{false, true} {
		env := setupSandbox(t, sandbox.Options{IgnoreIndexInclude: ignore}).loaded(t)
		page, err := env.cat.ListProducts(context.Background(), q)
		if err != nil {
			t.Fatalf("ignore include %v: ListProducts = %v", ignore, err)
		}
		pages[i] = page
		if page.Total != env.sb.ProductCount() || len(page.Items) != 50 {
			t.Errorf("ignore include %v: ListProducts = %d items of %d, want 50 of %d", ignore, len(page.Items), page.Total, env.sb.ProductCount())
		}
		var vids, iids []int64
		for _, p := range page.Items {
			if !p.VariantsLoaded || !p.ImagesLoaded {
				t.Errorf("product %d: sideloads not loaded", p.ID)
			}
			if !slices.Equal(variantIDs(p.Variants), p.VariantIDs) {
				t.Errorf("ignore include %v: product %d variants %v, want its variant_ids %v", ignore, p.ID, variantIDs(p.Variants), p.VariantIDs)
			}
			var ims []int64
			for _, im := range p.Images {
				ims = append(ims, im.ID)
			}
			if !slices.Equal(ims, p.ImageIDs) {
				t.Errorf("ignore include %v: product %d images %v, want its image_ids %v", ignore, p.ID, ims, p.ImageIDs)
			}
			vids = append(vids, p.VariantIDs...)
			iids = append(iids, p.ImageIDs...)
		}
		want := 1
		if ignore {
			want += len(ChunkIDs(vids)) + len(ChunkIDs(iids))
		}
		if got := env.sb.RequestCount(); got != want {
			t.Errorf("ignore include %v: ListProducts sent %d requests, want %d: %v", ignore, got, want, env.requests())
		}
		if want > 4 {
			t.Errorf("ignore include %v: %d requests for 50 products", ignore, want)
		}
	}
	if diff := cmp.Diff(pages[0], pages[1], cmpOpts); diff != "" {
		t.Errorf("a server ignoring include= gives another result (-honoured +ignored):\n%s", diff)
	}
}

// DESIGN invariant 3: 50 products with their variants cost at most 2
// requests cold (3 where include= is ignored), not counting reference data.
func TestSandboxFewUpstreamCalls(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		env := setupSandbox(t, sandbox.Options{IgnoreIndexInclude: ignore}).loaded(t)
		page, err := env.cat.ListProducts(context.Background(), commerce.ProductQuery{
			Window: commerce.Window{Limit: 50}, Sideloads: commerce.ProductSideloads{Variants: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		limit := 2
		if ignore {
			limit = 3
		}
		if n := env.sb.RequestCount(); n > limit {
			t.Errorf("ignore include %v: 50 products with variants took %d requests, want ≤ %d: %v", ignore, n, limit, env.requests())
		}
		if len(page.Items) != 50 {
			t.Errorf("got %d products", len(page.Items))
		}
	}
}

func TestSandboxProductsByID(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}).loaded(t)
	ctx := context.Background()
	got, err := env.cat.ProductsByID(ctx, []int64{2}, commerce.ProductSideloads{Variants: true, Images: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"GET /products/2?include=variants%2Cimages"}, env.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(got) != 1 || got[0].Name != "Golden Egg" {
		t.Fatalf("ProductsByID([2]) = %+v", got)
	}
	egg := got[0]
	if !slices.Equal(variantIDs(egg.Variants), []int64{4, 5, 6, 7}) || len(egg.Images) != 2 {
		t.Fatalf("Golden Egg: variants %v, %d images", variantIDs(egg.Variants), len(egg.Images))
	}
	type row struct {
		sku, retail, buy, display string
		tracked, canSell          bool
	}
	var rows []row
	for _, v := range egg.Variants {
		r := row{sku: v.SKU, retail: v.RetailPrice.String(), buy: v.BuyPrice.FormatAmount(), tracked: v.Inventory.Tracked, canSell: v.Inventory.CanSell}
		if d := v.Inventory.DisplayQuantity; d != nil {
			r.display = d.String()
		}
		rows = append(rows, r)
	}
	want := []row{
		{"DEMO-EGG-L", "45.00 SGD", "15.00", "5", true, true},  // max_online 5 caps 20
		{"DEMO-EGG-XL", "65.00 SGD", "21.50", "0", true, true}, // keep_selling at -2
		{"DEMO-EGG-M", "30.00 SGD", "3.9321", "", false, true}, // manage_stock false; four decimals
		{"DEMO-EGG-S", "18.00 SGD", "6.00", "2.5", true, true}, // fractional stock
	}
	if diff := cmp.Diff(want, rows, cmp.AllowUnexported(row{})); diff != "" {
		t.Errorf("Golden Egg variants (-want +got):\n%s", diff)
	}

	// Several ids: one ids= request; unknown ids are absent.
	env.sb.ResetRequests()
	got, err = env.cat.ProductsByID(ctx, []int64{1, 2, 999999}, commerce.ProductSideloads{Variants: true})
	if err != nil {
		t.Fatal(err)
	}
	if env.sb.RequestCount() != 1 || !slices.Equal(productIDs(got), []int64{2, 1}) {
		t.Errorf("ProductsByID([1 2 999999]) = %v in %d requests, want [2 1] in 1: %v", productIDs(got), env.sb.RequestCount(), env.requests())
	}
	if gob := got[1]; !slices.Equal(variantIDs(gob.Variants), []int64{2, 3}) || gob.Variants[0].RetailPrice.FormatAmount() != "24.00" {
		t.Errorf("Gobstopper variants = %v", variantIDs(gob.Variants))
	}

	// One unknown id: the 404 is an empty result.
	env.sb.ResetRequests()
	got, err = env.cat.ProductsByID(ctx, []int64{999999}, commerce.ProductSideloads{Variants: true})
	if err != nil || len(got) != 0 || env.sb.RequestCount() != 1 {
		t.Errorf("ProductsByID([999999]) = %v, %v in %d requests; want nothing, no error, 1 request", got, err, env.sb.RequestCount())
	}
}

func TestSandboxProductsByIDIgnoringIndexInclude(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}).loaded(t)
	env.sb.SetIgnoreIndexInclude(true)
	ctx := context.Background()
	// Single resources still honour include=.
	got, err := env.cat.ProductsByID(ctx, []int64{2}, commerce.ProductSideloads{Variants: true})
	if err != nil || env.sb.RequestCount() != 1 || len(got) != 1 || len(got[0].Variants) != 4 {
		t.Errorf("ProductsByID([2]) = %v, %v in %d requests", got, err, env.sb.RequestCount())
	}
	env.sb.ResetRequests()
	got, err = env.cat.ProductsByID(ctx, []int64{1, 2}, commerce.ProductSideloads{Variants: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"GET /products?ids=1%2C2&include=variants&limit=250", "GET /variants?ids=4%2C5%2C6%2C7%2C2%2C3&limit=250"}
	if diff := cmp.Diff(want, env.requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if len(got) != 2 || !slices.Equal(variantIDs(got[0].Variants), []int64{4, 5, 6, 7}) || !slices.Equal(variantIDs(got[1].Variants), []int64{2, 3}) {
		t.Errorf("ProductsByID([1 2]) = %+v", got)
	}
}

func TestSandboxListWindows(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}).loaded(t)
	ctx := context.Background()
	var all []int64
	for p, err := range env.client.Products.All(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, int64(p.ID))
	}
	if len(all) != env.sb.ProductCount() || env.sb.RequestCount() != 2 {
		t.Fatalf("Products.All = %d products in %d requests, want %d in 2", len(all), env.sb.RequestCount(), env.sb.ProductCount())
	}
	tests := []struct {
		w        commerce.Window
		requests int
	}{
		{commerce.Window{Offset: 0, Limit: 50}, 1},
		{commerce.Window{Offset: 50, Limit: 100}, 1},
		{commerce.Window{Offset: 100, Limit: 100}, 1},
		{commerce.Window{Offset: 130, Limit: 200}, 2},
		{commerce.Window{Offset: 450, Limit: 100}, 1},
		{commerce.Window{Offset: 10000, Limit: 10}, 1},
	}
	for _, tt := range tests {
		env.sb.ResetRequests()
		page, err := env.cat.ListProducts(ctx, commerce.ProductQuery{Window: tt.w})
		if err != nil {
			t.Fatal(err)
		}
		want := all[min(tt.w.Offset, len(all)):min(tt.w.Offset+tt.w.Limit, len(all))]
		if diff := cmp.Diff(want, productIDs(page.Items), cmp.Comparer(func(a, b []int64) bool { return slices.Equal(a, b) })); diff != "" {
			t.Errorf("ListProducts(%+v) ids (-want +got):\n%s", tt.w, diff)
		}
		if page.Total != len(all) || env.sb.RequestCount() != tt.requests {
			t.Errorf("ListProducts(%+v): total %d in %d requests, want %d in %d: %v", tt.w, page.Total, env.sb.RequestCount(), len(all), tt.requests, env.requests())
		}
	}
	n, _, err := env.client.Products.Count(ctx, nil)
	if err != nil || n != len(all) {
		t.Errorf("Products.Count = %d, %v, want %d", n, err, len(all))
	}
}

func TestSandboxListVariantsAndVariantsByID(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}).loaded(t)
	ctx := context.Background()
	page, err := env.cat.ListVariants(ctx, commerce.VariantQuery{Filter: commerce.VariantFilter{ProductID: 1}, Window: commerce.Window{Limit: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || !slices.Equal(variantIDs(page.Items), []int64{2, 3}) {
		t.Errorf("ListVariants(product 1) = %v of %d, want [2 3] (newest first: Snozzberry was created after Peach) of 2", variantIDs(page.Items), page.Total)
	}
	page, err = env.cat.ListVariants(ctx, commerce.VariantQuery{Filter: commerce.VariantFilter{SKU: "DEMO-EGG-M"}, Window: commerce.Window{Limit: 10}})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != 6 || page.Items[0].Inventory.Tracked {
		t.Errorf("ListVariants(sku DEMO-EGG-M) = %+v, %v", page.Items, err)
	}
	page, err = env.cat.ListVariants(ctx, commerce.VariantQuery{Filter: commerce.VariantFilter{ProductID: 1, Status: commerce.VariantArchived}, Window: commerce.Window{Limit: 10}})
	if err != nil || !slices.Equal(variantIDs(page.Items), []int64{1}) || page.Items[0].Inventory.CanSell {
		t.Errorf("ListVariants(archived of product 1) = %v, %v; want the unsellable Lime", variantIDs(page.Items), err)
	}
	total, err := env.cat.ListVariants(ctx, commerce.VariantQuery{Window: commerce.Window{Limit: 1}})
	if err != nil || total.Total != env.sb.VariantCount() {
		t.Errorf("ListVariants total = %d, %v, want %d", total.Total, err, env.sb.VariantCount())
	}

	env.sb.ResetRequests()
	vs, err := env.cat.VariantsByID(ctx, []int64{7, 2, 3, 4, 5, 6, 2})
	if err != nil {
		t.Fatal(err)
	}
	got := variantIDs(vs)
	slices.Sort(got)
	if !slices.Equal(got, []int64{2, 3, 4, 5, 6, 7}) || env.sb.RequestCount() != 1 {
		t.Errorf("VariantsByID = %v in %d requests, want 2..7 in 1", got, env.sb.RequestCount())
	}
}

func TestSandboxImagesByID(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}).loaded(t)
	ims, err := env.cat.ImagesByID(context.Background(), []int64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(ims) != 3 || env.sb.RequestCount() != 1 {
		t.Fatalf("ImagesByID([1 2 3]) = %d images in %d requests", len(ims), env.sb.RequestCount())
	}
	for _, im := range ims {
		if im.ID == 1 && (im.URL != "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/2229/shw005a_4.jpg" || !slices.Equal(im.VariantIDs, []int64{1, 2})) {
			t.Errorf("image 1 = %+v", im)
		}
	}
}

// The sandbox's image 4 was uploaded by an integration (uploader_id
// "Shopify"); a batch holding it reads whole.
func TestSandboxIntegrationUploader(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}).loaded(t)
	ims, _, err := env.client.Images.List(context.Background(), &ImageListOptions{Filter: Filter{IDs: []int64{3, 4}}})
	if err != nil {
		t.Fatalf("Images.List(ids=3,4) = %v", err)
	}
	uploaders := map[int64]IDOrName{}
	for _, im := range ims {
		uploaders[int64(im.ID)] = im.UploaderID
	}
	if want := (map[int64]IDOrName{3: {ID: 1}, 4: {Name: "Shopify"}}); !maps.Equal(uploaders, want) {
		t.Errorf("Images.List(ids=3,4) uploaders = %v, want %v", uploaders, want)
	}
	got, err := env.cat.ImagesByID(context.Background(), []int64{1, 2, 3, 4})
	if err != nil || len(got) != 4 {
		t.Fatalf("ImagesByID([1 2 3 4]) = %d images, %v; want 4", len(got), err)
	}
	page, err := env.cat.ProductsByID(context.Background(), []int64{2}, commerce.ProductSideloads{Images: true})
	if err != nil || len(page) != 1 || len(page[0].Images) != 2 {
		t.Fatalf("ProductsByID([2]) with images = %+v, %v; want the Golden Egg with 2 images", page, err)
	}
}

func TestSandboxRateLimit(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	env := setupSandbox(t, sandbox.Options{RateLimit: 5, RateWindow: time.Minute, Now: now}, WithClock(now))
	env.loaded(t) // 3 requests of 5
	ctx := context.Background()
	for range 2 {
		if _, err := env.cat.ListProducts(ctx, commerce.ProductQuery{Window: commerce.Window{Limit: 5}}); err != nil {
			t.Fatal(err)
		}
	}
	if r := env.client.Rate(); r.Remaining != 0 || r.Limit != 5 {
		t.Fatalf("Client.Rate() = %+v, want the quota spent", r)
	}
	// Spent: refused locally, with the time to wait.
	_, err := env.cat.ListProducts(ctx, commerce.ProductQuery{Window: commerce.Window{Limit: 5}})
	var ce *commerce.Error
	var rl *RateLimitError
	if !errors.As(err, &ce) || ce.Code != commerce.CodeRateLimited || ce.RetryAfter != time.Minute || !errors.As(err, &rl) || !rl.Local {
		t.Fatalf("ListProducts with the quota spent = %v, want RATE_LIMITED after 1m, refused locally", err)
	}
	if env.sb.RequestCount() != 2 {
		t.Errorf("the sandbox got %d requests, want 2 (the refused one never left)", env.sb.RequestCount())
	}
	// After the window, requests flow again.
	clock.Add(60)
	if _, err := env.cat.ListProducts(ctx, commerce.ProductQuery{Window: commerce.Window{Limit: 5}}); err != nil {
		t.Errorf("ListProducts after the reset = %v", err)
	}
}

func TestSandboxUpstream429(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}).loaded(t)
	env.sb.FailNext(1, http.StatusTooManyRequests)
	_, _, err := env.client.Products.List(context.Background(), nil)
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Local || rl.Rate.Reset.IsZero() || rl.RequestID == "" {
		t.Fatalf("Products.List on an injected 429 = %v, want a *RateLimitError with the reset and request id", err)
	}
	if env.sb.RequestCount() != 1 {
		t.Errorf("a 429 was retried: %d requests", env.sb.RequestCount())
	}
}

func TestSandboxRetries(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}, noKeepAlive()).loaded(t)
	ctx := context.Background()
	env.sb.FailNext(2, http.StatusServiceUnavailable)
	page, _, err := env.client.Products.Get(ctx, 1)
	if err != nil || page.Product.Name != "Everlasting Gobstopper" {
		t.Fatalf("Products.Get after two 503s = %v", err)
	}
	if env.sb.RequestCount() != 3 {
		t.Errorf("Products.Get sent %d requests, want 3", env.sb.RequestCount())
	}

	env.sb.ResetRequests()
	env.sb.DropNextResponses(1)
	v, _, err := env.client.Variants.Get(ctx, 3)
	if err != nil || v.SKU != "DEMO-GOBS-PEA" {
		t.Fatalf("Variants.Get after a dropped response = %v, %v", v, err)
	}
	reqs := env.sb.Requests()
	if len(reqs) != 2 || !reqs[0].Dropped || reqs[1].Dropped {
		t.Errorf("requests = %+v, want a dropped one and its retry", reqs)
	}

	env.sb.ResetRequests()
	env.sb.FailNext(3, http.StatusInternalServerError)
	_, err = env.cat.VariantsByID(ctx, []int64{2})
	if commerce.CodeOf(err) != commerce.CodeUpstreamUnavailable || env.sb.RequestCount() != 3 {
		t.Errorf("VariantsByID on three 500s = %v after %d requests, want UPSTREAM_UNAVAILABLE after 3", err, env.sb.RequestCount())
	}
}

func TestSandboxErrors(t *testing.T) {
	env := setupSandbox(t, sandbox.Options{}, WithRetries(0, nil))
	ctx := context.Background()

	req, _ := env.client.NewRequest(ctx, http.MethodGet, "no/such/route", nil, nil)
	_, err := env.client.Do(req, nil)
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != 404 || er.Type != "Not Found" || er.RequestID == "" || !errors.Is(err, ErrUnknownRoute) || errors.Is(err, ErrNotFound) {
		t.Errorf("unknown route = %v, want the HTML 404 as *ErrorResponse with the request id", err)
	}

	_, _, err = env.client.Products.Get(ctx, 999999)
	if !errors.As(err, &er) || er.Message != "Couldn't find Product with 'id'=999999" {
		t.Errorf("Products.Get(999999) = %v", err)
	}

	_, _, err = env.client.Products.List(ctx, &ProductListOptions{ListOptions: ListOptions{Limit: 251}})
	if !errors.Is(err, ErrBadRequest) {
		t.Errorf("limit=251 = %v, want ErrBadRequest", err)
	}

	// A URL far longer than ChunkIDs allows answers 414.
	_, _, err = env.client.Products.List(ctx, &ProductListOptions{Filter: Filter{IDs: seq(1_000_000_000, 1_000_000_999)}})
	if !errors.Is(err, ErrURITooLong) {
		t.Errorf("1000 ids in one URL = %v, want ErrURITooLong", err)
	}

	env.sb.FailNext(1, http.StatusUnprocessableEntity)
	_, _, err = env.client.Products.List(ctx, nil)
	if !errors.As(err, &er) || er.StatusCode != 422 || len(er.Errors["base"]) == 0 || er.Detail() == "" {
		t.Errorf("injected 422 = %v, want field errors", err)
	}

	bad, err := New(env.client.BaseURL(), WithAccessToken("wrong-token"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = bad.Accounts.Current(ctx)
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("a wrong token = %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-token") {
		t.Errorf("the error names the token: %v", err)
	}
	if commerce.CodeOf(toCommerceError(err)) != commerce.CodeUpstreamError {
		t.Errorf("a wrong token maps to %s, want UPSTREAM_ERROR", commerce.CodeOf(toCommerceError(err)))
	}
}
