package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

const token = sandbox.DefaultAccessToken

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// start serves a new sandbox; the server closes with the test.
func start(t *testing.T, opts sandbox.Options) (*sandbox.Sandbox, *httptest.Server) {
	t.Helper()
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close) // runs first: stops the webhook worker
	return sb, srv
}

type result struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request with the default token (authHeader "" sends none,
// "-" keeps the default).
func call(t *testing.T, srv *httptest.Server, method, path, authHeader string, body []byte) result {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	switch authHeader {
	case "-":
		req.Header.Set("Authorization", "Bearer "+token)
	case "":
	default:
		req.Header.Set("Authorization", authHeader)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

func get(t *testing.T, srv *httptest.Server, path string) result {
	t.Helper()
	return call(t, srv, http.MethodGet, path, "-", nil)
}

// getOK gets path and fails unless it answers 200.
func getOK(t *testing.T, srv *httptest.Server, path string) result {
	t.Helper()
	r := get(t, srv, path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s = %d %s, want 200", path, r.status, r.body)
	}
	return r
}

// decode parses JSON keeping numbers as json.Number, so "10" and 10 stay
// distinguishable.
func decode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", truncate(b), err)
	}
	return v
}

func decodeObject(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m, ok := decode(t, b).(map[string]any)
	if !ok {
		t.Fatalf("body %s is not an object", truncate(b))
	}
	return m
}

// list returns body[key] as a list of objects.
func list(t *testing.T, b []byte, key string) []map[string]any {
	t.Helper()
	raw, ok := decodeObject(t, b)[key]
	if !ok {
		t.Fatalf("body has no %q: %s", key, truncate(b))
	}
	items, ok := raw.([]any)
	if !ok {
		t.Fatalf("%q is not a list: %s", key, truncate(b))
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = it.(map[string]any)
	}
	return out
}

// ids lists the "id" of each object.
func ids(items []map[string]any) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		n, _ := it["id"].(json.Number).Int64()
		out[i] = n
	}
	return out
}

func num(v any) int64 {
	n, _ := v.(json.Number).Int64()
	return n
}

type paginationHeader struct {
	TotalRecords int  `json:"total_records"`
	TotalPages   int  `json:"total_pages"`
	FirstPage    bool `json:"first_page"`
	LastPage     bool `json:"last_page"`
	OutOfBounds  bool `json:"out_of_bounds"`
	Offset       int  `json:"offset"`
}

func pagination(t *testing.T, r result) paginationHeader {
	t.Helper()
	raw := r.header.Get("X-Pagination")
	if raw == "" {
		t.Fatalf("no X-Pagination header")
	}
	var p paginationHeader
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("X-Pagination %s: %v", raw, err)
	}
	return p
}

func truncate(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "…"
	}
	return string(b)
}

// send makes a request with a JSON body (none when "") and the default
// token; headers are name, value pairs.
func send(t *testing.T, srv *httptest.Server, method, path, body string, headers ...string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}
}

// member returns body[key] as an object.
func member(t *testing.T, b []byte, key string) map[string]any {
	t.Helper()
	m, ok := decodeObject(t, b)[key].(map[string]any)
	if !ok {
		t.Fatalf("body has no object %q: %s", key, truncate(b))
	}
	return m
}

// mustStatus fails unless r answered want.
func mustStatus(t *testing.T, r result, want int, what string) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s = %d %s, want %d", what, r.status, truncate(r.body), want)
	}
}

// createOrder posts an order body and returns the order answered with 201.
func createOrder(t *testing.T, srv *httptest.Server, body string, headers ...string) map[string]any {
	t.Helper()
	r := send(t, srv, http.MethodPost, "/orders", body, headers...)
	mustStatus(t, r, http.StatusCreated, "POST /orders "+body)
	return member(t, r.body, "order")
}

// act runs an order action and returns the order answered.
func act(t *testing.T, srv *httptest.Server, id int64, action, body string) map[string]any {
	t.Helper()
	r := send(t, srv, http.MethodPost, fmt.Sprintf("/orders/%d/actions/%s", id, action), body)
	mustStatus(t, r, http.StatusCreated, "POST /orders/{id}/actions/"+action)
	return member(t, r.body, "order")
}

func getMember(t *testing.T, srv *httptest.Server, path, key string) map[string]any {
	t.Helper()
	return member(t, getOK(t, srv, path).body, key)
}

func getOrder(t *testing.T, srv *httptest.Server, id int64) map[string]any {
	t.Helper()
	return getMember(t, srv, fmt.Sprintf("/orders/%d", id), "order")
}

func getVariant(t *testing.T, srv *httptest.Server, id int64) map[string]any {
	t.Helper()
	return getMember(t, srv, fmt.Sprintf("/variants/%d", id), "variant")
}

// errorsBody decodes a 422 body {"errors":{…}}.
func errorsBody(t *testing.T, r result) map[string][]string {
	t.Helper()
	var body struct {
		Errors map[string][]string `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Errors == nil {
		t.Fatalf("422 body = %s", r.body)
	}
	return body.Errors
}

// numList reads a list of integers.
func numList(v any) []int64 {
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, num(x))
	}
	return out
}

// specRequest loads a request body of order_requests.json (specDir),
// replacing the vendor's ids by seeded ones: remap[key][old] = new.
func specRequest(t *testing.T, name string, remap map[string]map[int64]int64) string {
	t.Helper()
	all := loadSpec(t, "order_requests.json")
	body, ok := all[name]
	if !ok {
		t.Fatalf("no spec request %q", name)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if n, ok := x.(json.Number); ok {
					if m, ok := remap[k]; ok {
						id, _ := n.Int64()
						if to, ok := m[id]; ok {
							v[k] = to
							continue
						}
					}
				}
				v[k] = walk(x)
			}
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		}
		return v
	}
	b, err := json.Marshal(walk(body))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
