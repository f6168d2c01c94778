package playground

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func do(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var refRE = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

// pageRefs returns the src/href URLs of the page, HTML-unescaped.
func pageRefs(t *testing.T, page string) []string {
	t.Helper()
	var refs []string
	for _, m := range refRE.FindAllStringSubmatch(page, -1) {
		refs = append(refs, strings.ReplaceAll(m[1], "&amp;", "&"))
	}
	if len(refs) == 0 {
		t.Fatal("page references no assets")
	}
	return refs
}

func TestRoutes(t *testing.T) {
	h := Handler(Options{})
	tests := []struct {
		name        string
		method      string
		target      string
		wantStatus  int
		wantType    string
		wantEmpty   bool
		wantAllowed string
	}{
		{name: "page", method: http.MethodGet, target: "/playground", wantStatus: 200, wantType: "text/html; charset=utf-8"},
		{name: "page trailing slash", method: http.MethodGet, target: "/playground/", wantStatus: 200, wantType: "text/html; charset=utf-8"},
		{name: "page HEAD", method: http.MethodHead, target: "/playground", wantStatus: 200, wantType: "text/html; charset=utf-8", wantEmpty: true},
		{name: "page POST", method: http.MethodPost, target: "/playground", wantStatus: 405, wantAllowed: "GET, HEAD"},
		{name: "page PUT", method: http.MethodPut, target: "/playground/", wantStatus: 405, wantAllowed: "GET, HEAD"},
		{name: "asset", method: http.MethodGet, target: "/playground/assets/playground.js", wantStatus: 200, wantType: "text/javascript; charset=utf-8"},
		{name: "asset HEAD", method: http.MethodHead, target: "/playground/assets/playground.css", wantStatus: 200, wantType: "text/css; charset=utf-8", wantEmpty: true},
		{name: "license", method: http.MethodGet, target: "/playground/assets/LICENSE.graphiql", wantStatus: 200, wantType: "text/plain; charset=utf-8"},
		{name: "asset POST", method: http.MethodPost, target: "/playground/assets/playground.js", wantStatus: 405, wantAllowed: "GET, HEAD"},
		{name: "unknown asset", method: http.MethodGet, target: "/playground/assets/nope.js", wantStatus: 404},
		{name: "README not served", method: http.MethodGet, target: "/playground/assets/README.md", wantStatus: 404},
		{name: "source map not vendored", method: http.MethodGet, target: "/playground/assets/index.umd.js.map", wantStatus: 404},
		{name: "asset dir traversal", method: http.MethodGet, target: "/playground/assets/../playground.go", wantStatus: 404},
		{name: "assets dir", method: http.MethodGet, target: "/playground/assets/", wantStatus: 404},
		{name: "other path under base", method: http.MethodGet, target: "/playground/other", wantStatus: 404},
		{name: "prefix lookalike", method: http.MethodGet, target: "/playgroundx", wantStatus: 404},
		{name: "outside base", method: http.MethodGet, target: "/graphql", wantStatus: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, tc.method, tc.target, nil)
			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tc.wantStatus)
			}
			if tc.wantType != "" {
				if got := rec.Header().Get("Content-Type"); got != tc.wantType {
					t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
				}
			}
			if tc.wantEmpty && rec.Body.Len() != 0 {
				t.Errorf("HEAD body has %d bytes", rec.Body.Len())
			}
			if !tc.wantEmpty && tc.wantStatus == 200 && rec.Body.Len() == 0 {
				t.Error("empty body")
			}
			if got := rec.Header().Get("Allow"); got != tc.wantAllowed {
				t.Errorf("Allow = %q, want %q", got, tc.wantAllowed)
			}
			if tc.wantStatus == 200 && rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("missing X-Content-Type-Options: nosniff")
			}
		})
	}
}

func TestPageHeaders(t *testing.T) {
	tests := []struct {
		name        string
		opts        Options
		wantConnect string
	}{
		{name: "relative endpoint", opts: Options{}, wantConnect: "connect-src 'self';"},
		{name: "same-origin path", opts: Options{Endpoint: "/api/graphql"}, wantConnect: "connect-src 'self';"},
		{name: "absolute endpoint", opts: Options{Endpoint: "https://api.example.com:8443/graphql"}, wantConnect: "connect-src 'self' https://api.example.com:8443;"},
		{name: "non-http endpoint ignored", opts: Options{Endpoint: "javascript:alert(1)"}, wantConnect: "connect-src 'self';"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, Handler(tc.opts), http.MethodGet, "/playground", nil)
			hd := rec.Header()
			csp := hd.Get("Content-Security-Policy")
			for _, want := range []string{
				"default-src 'none'",
				"script-src 'self';",
				"style-src 'self';",
				"img-src 'self' data:",
				"font-src 'self' data:",
				tc.wantConnect,
				"frame-ancestors 'none'",
				"form-action 'none'",
				"base-uri 'none'",
			} {
				if !strings.Contains(csp, want) {
					t.Errorf("CSP %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-") {
				t.Errorf("CSP allows unsafe sources: %q", csp)
			}
			for k, want := range map[string]string{
				"Cache-Control":          "no-cache",
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "no-referrer",
				"X-Frame-Options":        "DENY",
			} {
				if got := hd.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			etag := hd.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if rec := do(t, Handler(tc.opts), http.MethodGet, "/playground", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
				t.Errorf("conditional GET status = %d, want 304", rec.Code)
			}
		})
	}
}

func TestPageEscaping(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		want      []string
		forbidden []string
	}{
		{
			name: "defaults",
			opts: Options{},
			want: []string{
				`data-endpoint="/graphql"`,
				"<title>Commerce Gateway — GraphQL playground</title>",
				`src="/playground/assets/playground.js?v=`,
			},
		},
		{
			name: "hostile endpoint and title",
			opts: Options{
				Endpoint: `/graphql?a="><script>alert(1)</script>&b='x'`,
				Title:    `<b>Evil</b> & "co"`,
			},
			want: []string{
				`data-endpoint="/graphql?a=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;b=&#39;x&#39;"`,
				"<title>&lt;b&gt;Evil&lt;/b&gt; &amp; &#34;co&#34;</title>",
			},
			forbidden: []string{"<script>alert", "<b>Evil"},
		},
		{
			name: "custom base path",
			opts: Options{BasePath: "ide/", Endpoint: "/v2/graphql"},
			want: []string{
				`data-endpoint="/v2/graphql"`,
				`href="/ide/assets/graphiql.min.css?v=`,
				`src="/ide/assets/graphiql.min.js?v=`,
			},
			forbidden: []string{"/playground/"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := normalizeBase(tc.opts.BasePath)
			rec := do(t, Handler(tc.opts), http.MethodGet, base+"/", nil)
			if rec.Code != 200 {
				t.Fatalf("status = %d", rec.Code)
			}
			page := rec.Body.String()
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q\n%s", w, page)
				}
			}
			for _, f := range tc.forbidden {
				if strings.Contains(page, f) {
					t.Errorf("page contains %q", f)
				}
			}
		})
	}
}

// TestPageAssets fetches every asset the page references and compares it with
// the embedded bytes; it also checks that every embedded script and
// stylesheet is referenced (nothing vendored unused).
func TestPageAssets(t *testing.T) {
	for _, base := range []string{"", "/ide", "/tools/graphql"} {
		t.Run("base="+base, func(t *testing.T) {
			h := Handler(Options{BasePath: base})
			wantBase := base
			if wantBase == "" {
				wantBase = DefaultBasePath
			}
			page := do(t, h, http.MethodGet, wantBase, nil).Body.String()
			seen := map[string]bool{}
			for _, ref := range pageRefs(t, page) {
				if ref == "data:," { // empty favicon, avoids a /favicon.ico request
					continue
				}
				name, hash, ok := strings.Cut(strings.TrimPrefix(ref, wantBase+"/assets/"), "?v=")
				if !ok || !strings.HasPrefix(ref, wantBase+"/assets/") {
					t.Errorf("reference %q is not a versioned local asset", ref)
					continue
				}
				seen[name] = true
				want, err := assetFS.ReadFile("assets/" + name)
				if err != nil {
					t.Errorf("reference %q: %v", ref, err)
					continue
				}
				if hash != shortHash(want) {
					t.Errorf("reference %q: version %q, want content hash %q", ref, hash, shortHash(want))
				}
				rec := do(t, h, http.MethodGet, ref, nil)
				if rec.Code != 200 {
					t.Errorf("GET %s: status %d", ref, rec.Code)
					continue
				}
				wantType := "text/css; charset=utf-8"
				if strings.HasSuffix(name, ".js") {
					wantType = "text/javascript; charset=utf-8"
				}
				if got := rec.Header().Get("Content-Type"); got != wantType {
					t.Errorf("GET %s: Content-Type %q, want %q", ref, got, wantType)
				}
				if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
					t.Errorf("GET %s: Cache-Control %q", ref, got)
				}
				if !bytes.Equal(rec.Body.Bytes(), want) {
					t.Errorf("GET %s: body differs from embedded file", ref)
				}
				if got := rec.Header().Get("Content-Length"); got == "" {
					t.Errorf("GET %s: no Content-Length", ref)
				}
			}
			for name := range assets {
				if (strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css")) && !seen[name] {
					t.Errorf("embedded asset %s is not referenced by the page", name)
				}
			}
		})
	}
}

func TestAssetCaching(t *testing.T) {
	h := Handler(Options{})
	a := assets["playground.js"]
	tests := []struct {
		name      string
		target    string
		hdr       map[string]string
		wantCode  int
		wantCache string
	}{
		{name: "current version", target: "/playground/assets/playground.js?v=" + a.hash, wantCode: 200, wantCache: "public, max-age=31536000, immutable"},
		{name: "stale version", target: "/playground/assets/playground.js?v=0000", wantCode: 200, wantCache: "no-cache"},
		{name: "no version", target: "/playground/assets/playground.js", wantCode: 200, wantCache: "no-cache"},
		{name: "revalidation", target: "/playground/assets/playground.js?v=" + a.hash, hdr: map[string]string{"If-None-Match": `"` + a.hash + `"`}, wantCode: 304, wantCache: "public, max-age=31536000, immutable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tc.target, tc.hdr)
			if rec.Code != tc.wantCode {
				t.Fatalf("status = %d, want %d", rec.Code, tc.wantCode)
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, tc.wantCache)
			}
		})
	}
}

var urlRE = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)

// TestNoNetworkReferences checks that the page and our own assets reference
// no absolute URLs (everything is served from the binary).
func TestNoNetworkReferences(t *testing.T) {
	page := do(t, Handler(Options{}), http.MethodGet, "/playground", nil).Body.String()
	sources := map[string]string{"page": page}
	for _, name := range []string{"playground.js", "playground.css"} {
		sources[name] = string(assets[name].data)
	}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			for _, bad := range []string{"http://", "https://"} {
				if strings.Contains(src, bad) {
					t.Errorf("%s contains %q", name, bad)
				}
			}
			if m := urlRE.FindAllString(src, -1); len(m) > 0 {
				t.Errorf("%s references network URLs: %q", name, m)
			}
			if strings.Contains(src, "<style") || strings.Contains(src, " style=") {
				t.Errorf("%s uses inline styles", name)
			}
		})
	}
	if strings.Count(page, "<script") != len(pageScripts) || strings.Contains(page, "<script>") {
		t.Error("page has inline scripts")
	}
}

var cdnRE = regexp.MustCompile(`(?i)unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare|esm\.sh|skypack\.dev|jspm\.io|googleapis\.com|gstatic\.com|fonts\.`)

// TestVendoredFilesDoNotLoadFromCDN greps the vendored bundles for CDN hosts
// and for runtime loaders that could pull code or fonts from the network.
// graphiql.min.js mentions "jsdelivr, unpkg" only inside an error message for
// React < 16 (no host names), and its only https:// strings are links in
// comments or error texts; CSS fonts are inlined as data: URIs.
func TestVendoredFilesDoNotLoadFromCDN(t *testing.T) {
	tests := []struct {
		name string
	}{
		{"graphiql.min.js"}, {"graphiql.min.css"}, {"react.production.min.js"}, {"react-dom.production.min.js"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := string(assets[tc.name].data)
			if m := cdnRE.FindAllString(src, -1); len(m) > 0 {
				t.Errorf("%s names CDN hosts: %q", tc.name, m)
			}
			if strings.Contains(src, "@import") {
				t.Errorf("%s uses @import", tc.name)
			}
			for _, m := range regexp.MustCompile(`url\(\s*['"]?([^'")]*)`).FindAllStringSubmatch(src, -1) {
				if u := m[1]; !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "#") && u != "" && !strings.Contains(u, "+") {
					t.Errorf("%s loads url(%.60s)", tc.name, u)
				}
			}
			if strings.HasSuffix(tc.name, ".js") {
				for _, loader := range []string{"importScripts(", "new Worker(", "monaco", "require.config"} {
					if strings.Contains(src, loader) {
						t.Errorf("%s contains runtime loader %q", tc.name, loader)
					}
				}
			}
		})
	}
}

// TestEmbeddedAssets checks the embed set: scripts, styles and licences,
// nothing else (no source maps, no README).
func TestEmbeddedAssets(t *testing.T) {
	want := []string{
		"LICENSE.graphiql", "LICENSE.react", "LICENSE.react-dom",
		"graphiql.min.css", "graphiql.min.js", "playground.css", "playground.js",
		"react-dom.production.min.js", "react.production.min.js",
	}
	if len(assets) != len(want) {
		t.Errorf("embedded %d assets, want %d", len(assets), len(want))
	}
	for _, name := range want {
		a, ok := assets[name]
		if !ok {
			t.Errorf("missing asset %s", name)
			continue
		}
		if len(a.data) == 0 {
			t.Errorf("asset %s is empty", name)
		}
	}
	f, err := assetFS.Open("assets/graphiql.min.js")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head, _ := io.ReadAll(io.LimitReader(f, 512))
	if !bytes.Contains(head, []byte("GraphiQL")) || !bytes.Contains(head, []byte("e.React,e.ReactDOM")) {
		t.Error("graphiql.min.js does not look like the UMD build expecting React/ReactDOM globals")
	}
}
