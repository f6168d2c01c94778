package rest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var assetRef = regexp.MustCompile(`(?:src|href)="([^"]+)"`)

// The docs page is served without a key from the binary: every script and
// stylesheet from /v1/docs/assets, nothing from elsewhere, under a strict
// CSP.
func TestDocsPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, path := range []string{"/v1/docs", "/v1/docs/"} {
		r := e.get(path, anonymous)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("GET %s = %d %q", path, r.status, r.header.Get("Content-Type"))
		}
		csp := r.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("CSP %q lacks %s", csp, d)
			}
		}
		if strings.Contains(csp, "unsafe") || r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("headers %v", r.header)
		}
		page := string(r.body)
		if strings.Contains(page, "<script>") || strings.Contains(page, "<style") || strings.Contains(page, " style=") {
			t.Errorf("the page has inline script or style")
		}
		refs := assetRef.FindAllStringSubmatch(page, -1)
		if len(refs) < 4 {
			t.Fatalf("the page references %d resources", len(refs))
		}
		for _, m := range refs {
			ref := m[1]
			switch {
			case ref == "data:," || ref == "/v1/openapi.json":
				continue
			case !strings.HasPrefix(ref, "/v1/docs/assets/"):
				t.Errorf("the page loads %s, not from the binary", ref)
				continue
			}
			a := e.get(ref, anonymous)
			wantType := map[bool]string{true: "text/javascript; charset=utf-8", false: "text/css; charset=utf-8"}[strings.Contains(ref, ".js?")]
			if a.status != http.StatusOK || a.header.Get("Content-Type") != wantType || len(a.body) == 0 ||
				a.header.Get("Cache-Control") != "public, max-age=31536000, immutable" || a.header.Get("ETag") == "" {
				t.Errorf("GET %s = %d %q %q", ref, a.status, a.header.Get("Content-Type"), a.header.Get("Cache-Control"))
			}
		}
		if !strings.Contains(page, `data-spec-url="/v1/openapi.json"`) {
			t.Errorf("the page does not point at the document")
		}
	}
	for path, status := range map[string]int{
		"/v1/docs/assets/nope.js":                 http.StatusNotFound,
		"/v1/docs/assets/LICENSE.swagger-ui-dist": http.StatusOK,
		"/v1/docs/assets/NOTICE.swagger-ui-dist":  http.StatusOK,
	} {
		if r := e.get(path, anonymous); r.status != status {
			t.Errorf("GET %s = %d, want %d", path, r.status, status)
		}
	}
	// A stale ?v= gets today's bytes, but not cached forever.
	if r := e.get("/v1/docs/assets/docs.js?v=old", anonymous); r.status != http.StatusOK || r.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("stale asset URL: %d %q", r.status, r.header.Get("Cache-Control"))
	}
}

// The vendored files are what the README says: byte-for-byte copies of
// swagger-ui-dist, with their licenses.
func TestDocsAssetsVendored(t *testing.T) {
	readme, err := os.ReadFile("docsassets/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"swagger-ui-dist", "5.35.0", "sha512-"} {
		if !strings.Contains(string(readme), s) {
			t.Errorf("README.md does not mention %s", s)
		}
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\| `swagger-ui-dist` \\| ([0-9.]+) \\|.*\\| ([0-9]+) \\| `([0-9a-f]{64})` \\|$")
	rows := row.FindAllStringSubmatch(string(readme), -1)
	if len(rows) != 5 {
		t.Fatalf("README.md lists %d vendored files, want 5", len(rows))
	}
	for _, m := range rows {
		b, err := os.ReadFile("docsassets/" + m[1])
		if err != nil {
			t.Errorf("%s: %v", m[1], err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != m[4] {
			t.Errorf("%s: SHA-256 %s, README says %s", m[1], got, m[4])
		}
		if got := len(b); m[3] != strconv.Itoa(got) {
			t.Errorf("%s: %d bytes, README says %s", m[1], got, m[3])
		}
	}
}

// With Chromium on the machine, the page renders every operation headless,
// without a single Content-Security-Policy violation or request elsewhere.
func TestDocsPageRenders(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no Chromium on this machine")
	}
	e := newEnv(t, envOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0", "--virtual-time-budget=15000",
		"--dump-dom", e.srv.URL+"/v1/docs")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("the browser did not run: %v\n%s", err, stderr.String())
	}
	dom := string(out)
	for _, ep := range endpoints {
		if !strings.Contains(dom, `data-path="`+ep.path+`"`) {
			t.Errorf("the rendered page does not show %s %s", strings.ToUpper(ep.method), ep.path)
		}
	}
	if !strings.Contains(dom, "btn authorize") {
		t.Error("the rendered page has no Authorize button")
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") && (strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused")) {
			t.Errorf("browser console: %s", line)
		}
	}
}
