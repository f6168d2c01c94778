// Package playground serves the GraphQL IDE (GraphiQL) from files embedded in
// the binary.
//
// The page and every script, stylesheet and font it uses are compiled into
// the binary (see assets/README.md for the vendored GraphiQL and React builds
// and how to refresh them); the page must never load anything from a CDN or
// the network other than the configured GraphQL endpoint. It carries no
// inline scripts or styles, so it is served under a strict
// Content-Security-Policy.
//
// Clients authenticate with "Authorization: Bearer <key>". The page has an
// "API key" bar; the key is kept in the browser's sessionStorage and sent
// only as that header of GraphQL requests. A key can be handed to the page
// once through the URL fragment (/playground#key=...), which browsers never
// send to servers.
package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// Defaults applied to zero-valued Options fields.
const (
	DefaultEndpoint = "/graphql"
	DefaultTitle    = "Commerce Gateway — GraphQL playground"
	DefaultBasePath = "/playground"
)

// Options configures Handler.
type Options struct {
	Endpoint string // GraphQL endpoint the page talks to, e.g. "/graphql"
	Title    string // page title, default "Commerce Gateway — GraphQL playground"
	BasePath string // where the handler is mounted, default "/playground"
}

//go:embed assets/*.js assets/*.css assets/LICENSE.*
var assetFS embed.FS

// asset is one embedded file served under BasePath + "/assets/".
type asset struct {
	name        string
	contentType string
	data        []byte
	hash        string // hex SHA-256 prefix, used for cache busting and as ETag
}

// assets maps file names (without directory) to their embedded content.
var assets = loadAssets()

func loadAssets() map[string]*asset {
	entries, err := fs.ReadDir(assetFS, "assets")
	if err != nil {
		panic("playground: reading embedded assets: " + err.Error())
	}
	m := make(map[string]*asset, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := assetFS.ReadFile("assets/" + e.Name())
		if err != nil {
			panic("playground: reading embedded asset: " + err.Error())
		}
		m[e.Name()] = &asset{
			name:        e.Name(),
			contentType: contentType(e.Name()),
			data:        data,
			hash:        shortHash(data),
		}
	}
	return m
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default: // LICENSE.* files
		return "text/plain; charset=utf-8"
	}
}

func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Files the page loads, in order.
var (
	pageStyles  = []string{"graphiql.min.css", "playground.css"}
	pageScripts = []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "playground.js"}
)

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{{.Title}}</title>
{{range .Styles}}<link rel="stylesheet" href="{{.}}">
{{end -}}
</head>
<body>
<header class="pg-bar">
<span class="pg-title">{{.Title}}</span>
<form id="pg-key-form" class="pg-key" autocomplete="off">
<label for="pg-key">API key</label>
<input id="pg-key" type="password" placeholder="Paste a key and press Enter" autocomplete="off" spellcheck="false">
<button type="submit">Use key</button>
<button type="button" id="pg-key-clear">Forget</button>
<span id="pg-key-status" class="pg-status" aria-live="polite"></span>
</form>
</header>
<main id="graphiql" data-endpoint="{{.Endpoint}}">Loading…</main>
{{range .Scripts}}<script src="{{.}}"></script>
{{end -}}
</body>
</html>
`))

type pageData struct {
	Title    string
	Endpoint string
	Styles   []string
	Scripts  []string
}

type handler struct {
	base     string // normalized BasePath without trailing slash ("" for "/")
	page     []byte
	pageETag string
	csp      string
}

// Handler serves the page at BasePath (and BasePath + "/") and the assets at
// BasePath + "/assets/<file>". It expects the full request path (do not wrap
// it in http.StripPrefix). Only GET and HEAD are allowed.
func Handler(opts Options) http.Handler {
	if opts.Endpoint == "" {
		opts.Endpoint = DefaultEndpoint
	}
	if opts.Title == "" {
		opts.Title = DefaultTitle
	}
	h := &handler{base: normalizeBase(opts.BasePath)}

	data := pageData{Title: opts.Title, Endpoint: opts.Endpoint}
	for _, name := range pageStyles {
		data.Styles = append(data.Styles, h.assetURL(name))
	}
	for _, name := range pageScripts {
		data.Scripts = append(data.Scripts, h.assetURL(name))
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		panic("playground: rendering page: " + err.Error())
	}
	h.page = buf.Bytes()
	h.pageETag = `"` + shortHash(h.page) + `"`
	h.csp = contentSecurityPolicy(opts.Endpoint)
	return h
}

func normalizeBase(p string) string {
	if p == "" {
		p = DefaultBasePath
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return strings.TrimRight(p, "/")
}

func (h *handler) assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("playground: page references missing asset " + name)
	}
	return h.base + "/assets/" + name + "?v=" + a.hash
}

// contentSecurityPolicy allows scripts and styles only from the page's own
// origin. No 'unsafe-inline' is needed: GraphiQL, CodeMirror and React set
// styles through the CSSOM, which CSP does not restrict. (The only <style>
// element GraphiQL injects is react-remove-scroll's body scroll lock for
// dialogs; the page never scrolls, so refusing it is harmless.) Fonts and
// icons are data: URIs inside graphiql.min.css. connect-src is 'self', plus
// the endpoint's origin if it is an absolute URL on another host.
func contentSecurityPolicy(endpoint string) string {
	connect := "'self'"
	if origin := endpointOrigin(endpoint); origin != "" {
		connect += " " + origin
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'none'",
		"object-src 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// endpointOrigin returns "scheme://host" for an absolute http(s) endpoint URL,
// or "" for a relative one (or one that is unsafe to put in a header).
func endpointOrigin(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	for _, c := range u.Host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return ""
		}
	}
	return u.Scheme + "://" + u.Host
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == h.base || p == h.base+"/":
		if !allowMethod(w, r) {
			return
		}
		h.servePage(w, r)
	case strings.HasPrefix(p, h.base+"/assets/"):
		a, ok := assets[strings.TrimPrefix(p, h.base+"/assets/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !allowMethod(w, r) {
			return
		}
		serveAsset(w, r, a)
	default:
		http.NotFound(w, r)
	}
}

func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Security-Policy", h.csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("ETag", h.pageETag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	// Only the URL the page references (carrying the current content hash)
	// may be cached forever; a stale ?v= (e.g. a page from before a deploy)
	// still gets today's bytes, but must not pin them under the old URL.
	if r.URL.Query().Get("v") == a.hash {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("ETag", `"`+a.hash+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
}
