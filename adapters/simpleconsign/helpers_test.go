package simpleconsign

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// baseURLPath is where the test server mounts the API, so tests also
	// check that the client appends the documented path to the base URL.
	baseURLPath = "/traxia"
	testKey     = "test-key-0123456789"
)

// setup starts an httptest server whose mux serves the API under
// baseURLPath and a client with testKey pointed at it. A request anywhere
// else fails the test. Extra options come after the defaults.
func setup(t *testing.T, opts ...Option) (*Client, *http.ServeMux, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request: %s %s", r.Method, r.URL)
		http.Error(w, "unexpected request", http.StatusTeapot)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+baseURLPath, append([]Option{WithAPIKey(testKey)}, opts...)...)
	if err != nil {
		t.Fatalf("New(%q) = %v", srv.URL+baseURLPath, err)
	}
	return c, mux, srv
}

// route is the path the client must post to.
const route = "POST " + baseURLPath + "/app/api/transaction"

// answer registers a handler that answers every transaction with status
// and body, and counts the requests.
func answer(mux *http.ServeMux, status int, body string) *counter {
	n := &counter{}
	mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
		n.add(r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	})
	return n
}

// counter records the bodies of the requests a handler received.
type counter struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (c *counter) add(r *http.Request) {
	var b bytes.Buffer
	_, _ = b.ReadFrom(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodies = append(c.bodies, b.Bytes())
}

func (c *counter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.bodies)
}

func (c *counter) last(t *testing.T) map[string]any {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bodies) == 0 {
		t.Fatal("no request arrived")
	}
	return decodeJSON(t, c.bodies[len(c.bodies)-1])
}

// decodeJSON decodes b with numbers kept as json.Number.
func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// specMessages is the spec's list of error messages (testdata).
func specMessages(t *testing.T) []string {
	t.Helper()
	var out []string
	for line := range strings.SplitSeq(string(readTestdata(t, "spec_error_messages.txt")), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
