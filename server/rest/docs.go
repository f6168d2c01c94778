package rest

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// The docs page: Swagger UI (swagger-ui-dist, see docsassets/README.md)
// compiled into the binary, pointed at the OpenAPI document. Nothing is
// loaded from a CDN; the page has no inline script or style, so it is
// served under a strict Content-Security-Policy.

//go:embed docsassets/*.js docsassets/*.css docsassets/LICENSE.* docsassets/NOTICE.* docsassets/*.txt
var docsFS embed.FS

type docsAsset struct {
	contentType string
	data        []byte
	hash        string
}

var docsAssets = loadDocsAssets()

func loadDocsAssets() map[string]*docsAsset {
	entries, err := fs.ReadDir(docsFS, "docsassets")
	if err != nil {
		panic("rest: reading embedded docs assets: " + err.Error())
	}
	m := make(map[string]*docsAsset, len(entries))
	for _, e := range entries {
		data, err := docsFS.ReadFile("docsassets/" + e.Name())
		if err != nil {
			panic("rest: reading embedded docs asset: " + err.Error())
		}
		ct := "text/plain; charset=utf-8" // licenses and notices
		switch path.Ext(e.Name()) {
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		}
		m[e.Name()] = &docsAsset{contentType: ct, data: data, hash: shortHash(data)}
	}
	return m
}

func shortHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

var docsPage = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Commerce Gateway — REST API</title>
{{range .Styles}}<link rel="stylesheet" href="{{.}}">
{{end -}}
</head>
<body>
<header class="docs-bar">
<span class="docs-title">Commerce Gateway — REST API (/v1)</span>
<a href="{{.Spec}}">OpenAPI 3.1 document</a>
<span class="docs-hint">To try requests, press Authorize and paste an API key (it stays in this page's memory).</span>
</header>
<main id="swagger-ui" data-spec-url="{{.Spec}}">Loading…</main>
{{range .Scripts}}<script src="{{.}}"></script>
{{end -}}
</body>
</html>
`))

// docsHandler serves the page at base (and base + "/") and its assets at
// base + "/assets/<file>". Only GET and HEAD are routed to it.
type docsHandler struct {
	base string
	page []byte
	etag string
}

// docsCSP allows scripts, styles and requests to the page's own origin
// only. Swagger UI sets styles through the CSSOM (not restricted by CSP);
// its icons are data: URIs in swagger-ui.css.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'"

func newDocsHandler(base, spec string) *docsHandler {
	h := &docsHandler{base: strings.TrimRight(base, "/")}
	data := struct {
		Spec            string
		Styles, Scripts []string
	}{Spec: spec}
	for _, name := range []string{"swagger-ui.css", "docs.css"} {
		data.Styles = append(data.Styles, h.assetURL(name))
	}
	for _, name := range []string{"swagger-ui-bundle.js", "docs.js"} {
		data.Scripts = append(data.Scripts, h.assetURL(name))
	}
	var buf bytes.Buffer
	if err := docsPage.Execute(&buf, data); err != nil {
		panic("rest: rendering the docs page: " + err.Error())
	}
	h.page = buf.Bytes()
	h.etag = `"` + shortHash(h.page) + `"`
	return h
}

func (h *docsHandler) assetURL(name string) string {
	a, ok := docsAssets[name]
	if !ok {
		panic("rest: the docs page references a missing asset " + name)
	}
	return h.base + "/assets/" + name + "?v=" + a.hash
}

func (h *docsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	switch {
	case p == h.base || p == h.base+"/":
		hd.Set("Content-Type", "text/html; charset=utf-8")
		hd.Set("Cache-Control", "no-cache")
		hd.Set("Content-Security-Policy", docsCSP)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("ETag", h.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.page))
	case strings.HasPrefix(p, h.base+"/assets/"):
		a, ok := docsAssets[strings.TrimPrefix(p, h.base+"/assets/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		hd.Set("Content-Type", a.contentType)
		// Only the URL the page references (with the current hash) is
		// immutable; another ?v= gets today's bytes, uncached.
		if r.URL.Query().Get("v") == a.hash {
			hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			hd.Set("Cache-Control", "no-cache")
		}
		hd.Set("Cross-Origin-Resource-Policy", "same-origin")
		hd.Set("ETag", `"`+a.hash+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.data))
	default:
		http.NotFound(w, r)
	}
}
