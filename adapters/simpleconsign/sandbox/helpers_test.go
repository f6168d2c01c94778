package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
)

// start serves a new sandbox on a real server (drops need one).
func start(t *testing.T, opts sandbox.Options) (*sandbox.Sandbox, *httptest.Server) {
	t.Helper()
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv
}

// result is a decoded answer.
type result struct {
	Status int
	Body   map[string]any
}

// post sends body to the transaction route with the two JSON headers.
func post(t *testing.T, srv *httptest.Server, body string) result {
	t.Helper()
	return send(t, srv, http.MethodPost, "/app/api/transaction", body,
		map[string]string{"Accept": "application/json", "Content-Type": "application/json"})
}

func send(t *testing.T, srv *httptest.Server, method, path, body string, headers map[string]string) result {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s %s: answer %q is not a JSON object: %v", method, path, raw, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("%s %s: Content-Type = %q", method, path, ct)
	}
	return result{Status: resp.StatusCode, Body: m}
}

// ok is the success answer; fail the failure answer with msg.
var okAnswer = result{Status: 200, Body: map[string]any{"success": true}}

func fail(msg string) result {
	return result{Status: 200, Body: map[string]any{"success": false, "error": msg}}
}

// readTestdata reads one of the spec's examples from the adapter's testdata, the
// one copy the client's tests and the sandbox's share.
func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// tx builds a body; items are sku, price, quantity triples.
func tx(key, orderNumber, typ string, nonTaxable, taxable, tax int64, items ...any) string {
	m := map[string]any{"key": key, "orderNumber": orderNumber, "type": typ,
		"nonTaxableSaleTotal": nonTaxable, "taxableSaleTotal": taxable, "tax": tax}
	var list []map[string]any
	for i := 0; i+2 < len(items); i += 3 {
		list = append(list, map[string]any{"sku": items[i], "price": items[i+1], "quantity": items[i+2]})
	}
	m["items"] = list
	b, _ := json.Marshal(m)
	return string(b)
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
