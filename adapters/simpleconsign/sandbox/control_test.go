package sandbox_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/google/go-cmp/cmp"
)

// TestControlRoutes drives the sandbox over HTTP, as a person would with
// curl.
func TestControlRoutes(t *testing.T) {
	sb, srv := start(t, sandbox.Options{ControlRoutes: true})
	// Control answers are the shared harness's (adapters/sandboxkit), not
	// the API's: JSON with charset=utf-8, {"ok":true}, errors {"message":…}.
	ctl := func(method, path, body string) result {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatalf("%s %s: not a JSON object: %v", method, path, err)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s: Content-Type = %q", method, path, ct)
		}
		if resp.StatusCode >= 400 && m["message"] == nil {
			t.Errorf("%s %s = %d %v: no message", method, path, resp.StatusCode, m)
		}
		return result{Status: resp.StatusCode, Body: m}
	}
	okCtl := result{Status: 200, Body: map[string]any{"ok": true}}

	if got := ctl("POST", "/_sandbox/stock", `{"key":"sandbox-key","sku":"NEW1","quantity":2}`); !cmp.Equal(okCtl, got) {
		t.Errorf("POST stock = %v", got)
	}
	want := result{Status: 200, Body: map[string]any{"key": "sandbox-key", "sku": "NEW1", "quantity": float64(2)}}
	if diff := cmp.Diff(want, ctl("GET", "/_sandbox/stock?key=sandbox-key&sku=NEW1", "")); diff != "" {
		t.Errorf("GET stock (-want +got):\n%s", diff)
	}
	if got := ctl("GET", "/_sandbox/stock?key=nope&sku=NEW1", ""); got.Status != 404 {
		t.Errorf("GET stock of an unknown key = %v, want 404", got)
	}
	if got := ctl("POST", "/_sandbox/stock", `{"key":"nope","sku":"NEW1","quantity":2}`); got.Status != 404 {
		t.Errorf("POST stock for an unknown key = %v, want 404", got)
	}
	if got := ctl("POST", "/_sandbox/stock", `{"key":"sandbox-key","sku":"NEW1","quantity":-2}`); got.Status != 400 {
		t.Errorf("POST negative stock = %v, want 400", got)
	}
	if got := ctl("POST", "/_sandbox/fail", `{"count":1,"status":503}`); !cmp.Equal(okCtl, got) {
		t.Errorf("POST fail = %v", got)
	}
	body := tx(key, "CTL-1", "SALE", 500, 0, 0, "NEW1", 500, 1)
	if got := post(t, srv, body); got.Status != 503 {
		t.Errorf("after POST /_sandbox/fail: %v, want 503", got)
	}
	if got := post(t, srv, body); got.Body["success"] != true {
		t.Errorf("sale = %v", got)
	}
	if got := sb.Transactions(key, "CTL-1"); len(got) != 1 {
		t.Errorf("ledger = %+v", got)
	}
	if got := ctl("POST", "/_sandbox/latency", `{"ms":1}`); !cmp.Equal(okCtl, got) {
		t.Errorf("POST latency = %v", got)
	}
	if got := ctl("POST", "/_sandbox/drop", `{"count":0}`); !cmp.Equal(okCtl, got) {
		t.Errorf("POST drop = %v", got)
	}
	if got := ctl("POST", "/_sandbox/rate-limit/reset", ``); !cmp.Equal(okCtl, got) {
		t.Errorf("POST rate-limit/reset = %v", got)
	}
	if got := ctl("POST", "/_sandbox/fail", `{"count":"x"}`); got.Status != 400 {
		t.Errorf("POST fail with a bad body = %v, want 400", got)
	}
	if got := ctl("GET", "/_sandbox/nothing", ""); got.Status != 404 {
		t.Errorf("unknown control route = %v, want 404", got)
	}
	if got := ctl("DELETE", "/_sandbox/requests", ""); !cmp.Equal(okCtl, got) || sb.RequestCount() != 0 {
		t.Errorf("DELETE requests = %v, count %d", got, sb.RequestCount())
	}
	if sb.RequestCount() != 0 {
		t.Error("control routes are recorded")
	}
}

// TestControlRoutesLists: the JSON lists.
func TestControlRoutesLists(t *testing.T) {
	_, srv := start(t, sandbox.Options{ControlRoutes: true})
	post(t, srv, tx(key, "L-1", "SALE", 5400, 0, 0, "GFFY72", 5400, 1))
	get := func(path string) []map[string]any {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v []map[string]any
		dec := json.NewDecoder(resp.Body) // a JSON list, or JSON lines (the request log)
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/x-ndjson") {
			for dec.More() {
				var m map[string]any
				if err := dec.Decode(&m); err != nil {
					t.Fatalf("GET %s: %v", path, err)
				}
				v = append(v, m)
			}
		} else if err := dec.Decode(&v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return v
	}
	txs := get("/_sandbox/transactions?key=sandbox-key&orderNumber=L-1")
	if len(txs) != 1 || txs[0]["type"] != "SALE" || txs[0]["nonTaxableSaleTotal"] != float64(5400) || txs[0]["location"] != "Main Street" {
		t.Errorf("transactions = %v", txs)
	}
	post(t, srv, tx("nope", "L-2", "SALE", 5400, 0, 0, "GFFY72", 5400, 1))
	reqs := get("/_sandbox/requests?full=1")
	if len(reqs) != 2 || !strings.Contains(reqs[0]["body"].(string), `"L-1"`) || reqs[0]["status"] != float64(200) {
		t.Errorf("requests = %v", reqs)
	}
	if len(reqs) == 2 && reqs[1]["error"] != sandbox.MsgInvalidKey {
		t.Errorf("the refused sale's log line = %v, want its error", reqs[1])
	}
	if compact := get("/_sandbox/requests"); len(compact) != 2 || compact[0]["body"] != nil || compact[0]["path"] != sandbox.Path {
		t.Errorf("compact log = %v", compact)
	}
	resp, err := srv.Client().Get(srv.URL + "/_sandbox")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var help map[string][]string
	if err := json.NewDecoder(resp.Body).Decode(&help); err != nil || len(help["routes"]) == 0 {
		t.Errorf("GET /_sandbox = %v, %v", help, err)
	}
}

// TestControlRoutesOff: without ControlRoutes, /_sandbox is an API 404.
func TestControlRoutesOff(t *testing.T) {
	sb, srv := start(t, sandbox.Options{})
	got := send(t, srv, "GET", "/_sandbox/requests", "", nil)
	if got.Status != 404 || got.Body["error"] != sandbox.MsgNotFound || sb.RequestCount() != 1 {
		t.Errorf("GET /_sandbox/requests = %v, want the API's 404", got)
	}
}
