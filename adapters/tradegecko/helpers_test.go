package tradegecko

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cenkalti/backoff/v5"
	"github.com/google/go-cmp/cmp"
)

const (
	// baseURLPath is where the test server mounts the API, so tests also
	// check that the client appends the documented paths to the base URL.
	baseURLPath = "/api-v1"
	testToken   = "test-token"
)

// zeroBackoff retries at once, so retry tests run fast.
func zeroBackoff() backoff.BackOff { return &backoff.ZeroBackOff{} }

// setup starts an httptest server with a mux mounted at baseURLPath and a
// client pointed at it. Any request the test did not register a handler
// for fails the test. Extra options are applied after the defaults
// (test token, two retries without backoff).
func setup(t *testing.T, opts ...Option) (client *Client, mux *http.ServeMux, serverURL string) {
	t.Helper()
	mux = http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request: %s %s", r.Method, r.URL)
		http.Error(w, "unexpected request", http.StatusTeapot)
	})
	api := http.NewServeMux()
	// Every request, whatever its handler checks besides, carries a bearer
	// token and asks for JSON.
	api.Handle(baseURLPath+"/", http.StripPrefix(baseURLPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth := r.Header.Get("Authorization"); !strings.HasPrefix(auth, "Bearer ") || len(auth) == len("Bearer ") {
			t.Errorf("%s %s: Authorization = %q, want a bearer token", r.Method, r.URL.Path, auth)
		}
		if got := r.Header.Get("Accept"); got != "application/json" {
			t.Errorf("%s %s: Accept = %q, want application/json", r.Method, r.URL.Path, got)
		}
		mux.ServeHTTP(w, r)
	})))
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL: %s %s", r.Method, r.URL)
		http.Error(w, "outside the base URL", http.StatusTeapot)
	})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)

	all := append([]Option{WithAccessToken(testToken), WithRetries(2, zeroBackoff)}, opts...)
	c, err := New(srv.URL+baseURLPath, all...)
	if err != nil {
		t.Fatalf("New(%q) = %v", srv.URL+baseURLPath, err)
	}
	return c, mux, srv.URL
}

// testRequest checks what every API request must carry: the method, the
// bearer token, the JSON Accept header and the User-Agent.
func testRequest(t *testing.T, r *http.Request, method string) {
	t.Helper()
	if r.Method != method {
		t.Errorf("request method = %s, want %s", r.Method, method)
	}
	testHeader(t, r, "Authorization", "Bearer "+testToken)
	testHeader(t, r, "Accept", "application/json")
	testHeader(t, r, "User-Agent", defaultUserAgent)
}

func testHeader(t *testing.T, r *http.Request, header, want string) {
	t.Helper()
	if got := r.Header.Get(header); got != want {
		t.Errorf("request header %s = %q, want %q", header, got, want)
	}
}

// testQuery compares the decoded query with want.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	if want == nil {
		want = url.Values{}
	}
	if diff := cmp.Diff(want, r.URL.Query()); diff != "" {
		t.Errorf("request query %q mismatch (-want +got):\n%s", r.URL.RawQuery, diff)
	}
}

// testRawQuery compares the query exactly as sent, to pin its encoding
// (ids=1,2 rather than ids=1%2C2).
func testRawQuery(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.URL.RawQuery != want {
		t.Errorf("request raw query = %q, want %q", r.URL.RawQuery, want)
	}
}

// readTestdata returns a file of testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return b
}

var (
	elision       = regexp.MustCompile(`(?m)^[ \t]*(\.\.\.|//[^\n]*)[ \t]*\n`)
	trailingComma = regexp.MustCompile(`,(\s*[}\]])`)
)

// specJSON returns a testdata file that holds one of the spec's examples
// verbatim, made valid JSON: some examples elide fields with "..." or
// "// more fields" lines, which are dropped along with the commas they
// leave dangling. Files without elisions come back unchanged.
func specJSON(t testing.TB, name string) []byte {
	t.Helper()
	b := elision.ReplaceAll(readTestdata(t, name), nil)
	return trailingComma.ReplaceAll(b, []byte("$1"))
}

// writeJSON answers with status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeTestdata answers 200 with a testdata file (elisions removed).
func writeTestdata(t testing.TB, w http.ResponseWriter, name string) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(specJSON(t, name))
}

// pagination writes an X-Pagination header.
func pagination(w http.ResponseWriter, json string) { w.Header().Set("X-Pagination", json) }

// counter counts requests to a handler; safe for concurrent handlers.
type counter struct{ n atomic.Int64 }

func (c *counter) inc() int { return int(c.n.Add(1)) }
func (c *counter) get() int { return int(c.n.Load()) }

// parseIDList parses "1,2,3".
func parseIDList(t *testing.T, s string) []int64 {
	t.Helper()
	var out []int64
	for part := range strings.SplitSeq(s, ",") {
		var id Int
		if err := id.UnmarshalJSON([]byte(part)); err != nil || part == "" {
			t.Fatalf("bad id %q in %q", part, s)
		}
		out = append(out, int64(id))
	}
	return out
}
