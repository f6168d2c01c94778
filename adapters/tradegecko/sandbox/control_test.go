package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

func TestControlRoutes(t *testing.T) {
	sb, srv := start(t, sandbox.Options{ControlRoutes: true, RateLimit: 2})
	control := func(t *testing.T, method, path, body string) result {
		t.Helper()
		r := call(t, srv, method, path, "", []byte(body))
		want := "application/json; charset=utf-8"
		if p, _, _ := strings.Cut(path, "?"); method == "GET" && strings.TrimSuffix(p, "/") == "/_sandbox/requests" {
			want = "application/x-ndjson; charset=utf-8" // the request log is JSON lines
		}
		if ct := r.header.Get("Content-Type"); ct != want {
			t.Errorf("%s %s Content-Type = %q", method, path, ct)
		}
		return r
	}

	t.Run("help", func(t *testing.T) {
		if r := control(t, "GET", "/_sandbox", ""); r.status != 200 {
			t.Errorf("GET /_sandbox = %d", r.status)
		}
	})

	t.Run("stock", func(t *testing.T) {
		r := control(t, "POST", "/_sandbox/stock", `{"variant_id":3,"location_id":1,"stock_on_hand":"12"}`)
		if r.status != 200 {
			t.Fatalf("POST /_sandbox/stock = %d %s", r.status, r.body)
		}
		v := decodeObject(t, r.body)["variant"].(map[string]any)
		if v["stock_on_hand"] != "12" || v["available_stock"] != "9" {
			t.Errorf("variant = %v", v)
		}
		r = control(t, "POST", "/_sandbox/stock", `{"variant_id":3,"location_id":1,"stock_on_hand":7.5}`)
		if got, _ := sb.StockOnHand(3, 1); r.status != 200 || got != "7.5" {
			t.Errorf("numeric stock_on_hand: %d, stock %q", r.status, got)
		}
	})

	t.Run("bad bodies", func(t *testing.T) {
		tests := []struct {
			path, body string
			status     int
		}{
			{"/_sandbox/stock", ``, 400},
			{"/_sandbox/stock", `not json`, 400},
			{"/_sandbox/stock", `{"variant_id":3}`, 400},
			{"/_sandbox/stock", `{"variant_id":3,"location_id":1,"stock_on_hand":"lots"}`, 400},
			{"/_sandbox/stock", `{"variant_id":3,"location_id":1,"stock_on_hand":true}`, 400},
			{"/_sandbox/stock", `{"variant_id":3,"location_id":1,"stock_on_hand":"1","extra":1}`, 400},
			{"/_sandbox/stock", `{"variant_id":999999,"location_id":1,"stock_on_hand":"1"}`, 404},
			{"/_sandbox/stock", `{"variant_id":3,"location_id":99,"stock_on_hand":"1"}`, 404},
			{"/_sandbox/fail", `{"count":1}`, 400},
			{"/_sandbox/fail", `{"count":1,"status":200}`, 400},
			{"/_sandbox/fail", `{"count":-1,"status":500}`, 400},
			{"/_sandbox/outage", `{}`, 400},
			{"/_sandbox/outage", `{"status":429}`, 400},
			{"/_sandbox/outage", `{"status":503,"for":"ever"}`, 400},
			{"/_sandbox/latency", `{"ms":-5}`, 400},
			{"/_sandbox/latency", `{"seconds":1}`, 400},
			{"/_sandbox/drop", `{}`, 400},
			{"/_sandbox/include", `{"ignore_index":"yes"}`, 400},
			{"/_sandbox/include", `{}`, 400},
			{"/_sandbox/nope", `{}`, 404},
		}
		for _, tt := range tests {
			r := control(t, "POST", tt.path, tt.body)
			if r.status != tt.status {
				t.Errorf("POST %s %s = %d, want %d", tt.path, tt.body, r.status, tt.status)
				continue
			}
			var body struct{ Type, Message string }
			if err := json.Unmarshal(r.body, &body); err != nil || body.Message == "" {
				t.Errorf("POST %s %s body = %s", tt.path, tt.body, r.body)
			}
		}
	})

	t.Run("fail, drop, latency, include, reset", func(t *testing.T) {
		control(t, "POST", "/_sandbox/rate-limit/reset", "")
		if r := control(t, "POST", "/_sandbox/fail", `{"count":1,"status":503}`); r.status != 200 {
			t.Fatalf("fail = %d %s", r.status, r.body)
		}
		if r := get(t, srv, "/locations"); r.status != 503 {
			t.Errorf("after /_sandbox/fail: %d, want 503", r.status)
		}
		// One API request of the two allowed so far; control routes are
		// never limited.
		for range 5 {
			if r := control(t, "GET", "/_sandbox/requests", ""); r.status != 200 {
				t.Fatalf("control route limited: %d", r.status)
			}
		}
		getOK(t, srv, "/locations")
		if r := get(t, srv, "/locations"); r.status != 429 {
			t.Fatalf("third API request = %d, want 429", r.status)
		}
		control(t, "POST", "/_sandbox/rate-limit/reset", "")
		getOK(t, srv, "/locations")

		control(t, "POST", "/_sandbox/include", `{"ignore_index":true}`)
		r := getOK(t, srv, "/products?limit=1&include=variants")
		if _, ok := decodeObject(t, r.body)["variants"]; ok {
			t.Errorf("index include honoured after ignore_index true")
		}
		control(t, "POST", "/_sandbox/include", `{"ignore_index":false}`)

		control(t, "POST", "/_sandbox/latency", `{"ms":60}`)
		began := time.Now()
		control(t, "POST", "/_sandbox/rate-limit/reset", "")
		if time.Since(began) > 50*time.Millisecond {
			t.Errorf("control routes are delayed")
		}
		getOK(t, srv, "/locations/1")
		if d := time.Since(began); d < 60*time.Millisecond {
			t.Errorf("latency not applied: %v", d)
		}
		control(t, "POST", "/_sandbox/latency", `{"ms":0}`)

		control(t, "POST", "/_sandbox/drop", `{"count":1}`)
		tr := &http.Transport{DisableKeepAlives: true}
		defer tr.CloseIdleConnections()
		req, _ := http.NewRequest("GET", srv.URL+"/locations/1", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := (&http.Client{Transport: tr}).Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("dropped request answered %d", resp.StatusCode)
		}
	})

	t.Run("requests", func(t *testing.T) {
		control(t, "POST", "/_sandbox/rate-limit/reset", "")
		control(t, "DELETE", "/_sandbox/requests", "")
		call(t, srv, "GET", "/locations?ids=1", "-", nil)
		r := control(t, "GET", "/_sandbox/requests/?full=1", "")
		// One JSON line a request.
		var req struct {
			Seq                       int
			Method, Path, Query, Body string
			At                        string
			RequestID                 string `json:"request_id"`
			Header                    map[string][]string
			Status                    int
			Dropped                   bool
		}
		if n := bytes.Count(r.body, []byte("\n")); n != 1 {
			t.Fatalf("GET /_sandbox/requests: %d lines, want 1: %s", n, r.body)
		}
		if err := json.Unmarshal(r.body, &req); err != nil {
			t.Fatalf("GET /_sandbox/requests: %v %s", err, r.body)
		}
		if req.Path != "/locations" || req.Query != "ids=1" || req.Status != 200 || req.At == "" || req.RequestID == "" {
			t.Errorf("request = %+v", req)
		}
		if _, ok := req.Header["Authorization"]; ok {
			t.Errorf("Authorization recorded")
		}
		if one := control(t, "GET", fmt.Sprintf("/_sandbox/requests/%d", req.Seq), ""); one.status != 200 || !bytes.Contains(one.body, []byte(`"path":"/locations"`)) {
			t.Errorf("GET /_sandbox/requests/%d = %d %s", req.Seq, one.status, one.body)
		}
		if r := sb.Requests(); len(r) != 1 || r[0].Query["ids"][0] != "1" || r[0].RequestID != req.RequestID {
			t.Errorf("Requests() = %+v", r)
		}
		if sb.RequestCount() != 1 {
			t.Errorf("control routes were recorded: %d", sb.RequestCount())
		}
	})
}

// Another app spends the budget: the next API answer says so, and spending
// stops at the limit.
func TestSpendRateLimit(t *testing.T) {
	sb, srv := start(t, sandbox.Options{ControlRoutes: true, RateLimit: 10})
	if n := sb.SpendRateLimit(7); n != 7 {
		t.Fatalf("spent %d, want 7", n)
	}
	r := getOK(t, srv, "/locations")
	if got := r.header.Get("X-Rate-Limit-Remaining"); got != "2" {
		t.Errorf("X-Rate-Limit-Remaining after another app spent 7 and we 1 = %q, want 2", got)
	}
	if r := call(t, srv, "POST", "/_sandbox/rate-limit/spend", "", []byte(`{"count":5}`)); r.status != 200 || string(r.body) != `{"spent":2}`+"\n" {
		t.Errorf("spend 5 with 2 left = %d %s, want {\"spent\":2}", r.status, r.body)
	}
	if r := get(t, srv, "/locations"); r.status != http.StatusTooManyRequests {
		t.Errorf("with the budget spent: %d, want 429", r.status)
	}
	if r := call(t, srv, "POST", "/_sandbox/rate-limit/spend", "", []byte(`{}`)); r.status != http.StatusBadRequest {
		t.Errorf("spend without a count: %d %s", r.status, r.body)
	}
}

// An outage fails every API request, whatever its route or token, without
// spending the rate limit, until it is ended; requests are still recorded.
func TestOutage(t *testing.T) {
	sb, srv := start(t, sandbox.Options{ControlRoutes: true, RateLimit: 3})
	if r := call(t, srv, "POST", "/_sandbox/outage", "", []byte(`{"status":503}`)); r.status != 200 {
		t.Fatalf("POST /_sandbox/outage = %d %s", r.status, r.body)
	}
	for _, path := range []string{"/locations", "/products/1", "/no-such-route", "/variants", "/locations", "/orders"} {
		r := get(t, srv, path)
		var body struct{ Type, Message string }
		if err := json.Unmarshal(r.body, &body); r.status != 503 || err != nil || body.Type != "Service Unavailable" {
			t.Errorf("GET %s during the outage = %d %s, want 503 with the documented body", path, r.status, r.body)
		}
	}
	if r := call(t, srv, "GET", "/locations", "-", nil); r.status != 503 {
		t.Errorf("without a token during the outage: %d, want 503", r.status)
	}
	if n := sb.RequestCount(); n != 7 {
		t.Errorf("RequestCount = %d, want the 7 failed requests", n)
	}
	if r := call(t, srv, "DELETE", "/_sandbox/outage", "", nil); r.status != 200 {
		t.Fatalf("DELETE /_sandbox/outage = %d %s", r.status, r.body)
	}
	for range 3 { // the outage spent none of the 3 allowed
		getOK(t, srv, "/locations")
	}

	sb.SetOutage(500)
	if r := get(t, srv, "/locations"); r.status != 500 {
		t.Errorf("SetOutage(500): %d", r.status)
	}
	sb.SetOutage(0)
	if r := get(t, srv, "/locations"); r.status != http.StatusTooManyRequests {
		t.Errorf("after SetOutage(0) with the budget spent: %d, want 429", r.status)
	}
}
