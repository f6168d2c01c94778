package sandbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
)

func do(t *testing.T, method, url, contentType string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestRouting(t *testing.T) {
	spec := func(t *testing.T) []byte { return readFile(t, "spec_request.json") }
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string
		body        func(t *testing.T) []byte
		wantStatus  int
		wantBody    string // a fragment
	}{
		{"GET is not allowed", http.MethodGet, sandbox.OrderPath, "", nil, 405,
			`{"Message":"The requested resource does not support http method 'GET'."}`},
		{"PUT is not allowed", http.MethodPut, sandbox.OrderPath, "application/json", spec, 405, `http method 'PUT'`},
		{"unknown path", http.MethodPost, "/TGCInternalServices/MerchantServices/api/TGCOrders", "application/json", spec, 404,
			`"Message":"No HTTP resource was found that matches the request URI`},
		{"root", http.MethodGet, "/", "", nil, 404, `No HTTP resource`},
		{"path case and trailing slash", http.MethodPost, strings.ToLower(sandbox.OrderPath) + "/", "application/json", spec, 200, `"Status":"SUCCESS"`},
		{"text/json", http.MethodPost, sandbox.OrderPath, "text/json; charset=utf-8", spec, 200, `"Status":"SUCCESS"`},
		{"wrong media type", http.MethodPost, sandbox.OrderPath, "text/plain", spec, 415,
			`{"Message":"The request entity's media type 'text/plain' is not supported for this resource."}`},
		{"no media type", http.MethodPost, sandbox.OrderPath, "", spec, 415, `media type '' is not supported`},
		{"not JSON", http.MethodPost, sandbox.OrderPath, "application/json", func(*testing.T) []byte { return []byte("MerchantCode=TGCSANDBOX") }, 400,
			`{"Message":"The request is invalid: the body is not JSON."}`},
		{"empty body", http.MethodPost, sandbox.OrderPath, "application/json", func(*testing.T) []byte { return nil }, 400, `not JSON`},
		{"JSON but not an object", http.MethodPost, sandbox.OrderPath, "application/json", func(*testing.T) []byte { return []byte(`[1]`) }, 200,
			`"Status":"FAILED","ErrorMessage":"Order is required."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, srv := newServer(t, sandbox.Options{})
			var body []byte
			if tt.body != nil {
				body = tt.body(t)
			}
			resp, got := do(t, tt.method, srv.URL+tt.path, tt.contentType, body)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(got), tt.wantBody) {
				t.Errorf("%s %s = %d %s; want %d with %s", tt.method, tt.path, resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if tt.wantStatus == 405 && resp.Header.Get("Allow") != "POST" {
				t.Errorf("Allow = %q, want POST", resp.Header.Get("Allow"))
			}
			if tt.wantStatus != 200 && sb.OrderCount() != 0 {
				t.Error("an order was placed")
			}
			if sb.RequestCount() != 1 {
				t.Errorf("RequestCount() = %d, want 1", sb.RequestCount())
			}
		})
	}
}

func TestAuthorization(t *testing.T) {
	const auth = "Basic VEdDU0FOREJPWDpzZWNyZXQ="
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"missing", nil, 401},
		{"wrong", []string{"Authorization", "Basic d3Jvbmc="}, 401},
		{"bearer with the same secret", []string{"Authorization", "Bearer VEdDU0FOREJPWDpzZWNyZXQ="}, 401},
		{"exact", []string{"Authorization", auth}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, srv := newServer(t, sandbox.Options{Authorization: auth})
			resp, body := do(t, http.MethodPost, srv.URL+sandbox.OrderPath, "application/json", readFile(t, "spec_request.json"), tt.header...)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if tt.want == 401 {
				if string(body) != `{"Message":"Authorization has been denied for this request."}` {
					t.Errorf("401 body = %s", body)
				}
				if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="TGC"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
				if sb.OrderCount() != 0 {
					t.Error("an unauthorized order was placed")
				}
			}
			for _, r := range sb.Requests() {
				if r.Header.Get("Authorization") != "" {
					t.Error("a recorded request keeps its Authorization header")
				}
			}
		})
	}
	t.Run("no header needed by default", func(t *testing.T) {
		_, srv := newServer(t, sandbox.Options{})
		if status, body := post(t, srv, readFile(t, "spec_request.json")); status != 200 {
			t.Errorf("status = %d: %s", status, body)
		}
	})
}

func TestFailNext(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{})
	spec := readFile(t, "spec_request.json")
	sb.FailNext(2, http.StatusServiceUnavailable)
	for i := range 2 {
		resp, body := do(t, http.MethodPost, srv.URL+sandbox.OrderPath, "application/json", spec)
		if resp.StatusCode != 503 || !strings.Contains(string(body), "HTTP Error 503. The service is unavailable.") {
			t.Errorf("request %d: %d %s, want the 503 page", i, resp.StatusCode, body)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("503 Content-Type = %q", resp.Header.Get("Content-Type"))
		}
	}
	if sb.OrderCount() != 0 {
		t.Fatal("a failed request placed an order")
	}
	sb.FailNext(1, 500)
	if resp, body := do(t, http.MethodPost, srv.URL+sandbox.OrderPath, "application/json", spec); resp.StatusCode != 500 || string(body) != `{"Message":"An error has occurred."}` {
		t.Errorf("500: %d %s", resp.StatusCode, body)
	}
	sb.FailNext(1, 429)
	if resp, body := do(t, http.MethodPost, srv.URL+sandbox.OrderPath, "application/json", spec); resp.StatusCode != 429 || string(body) != `{"Message":"Too Many Requests"}` {
		t.Errorf("429: %d %s", resp.StatusCode, body)
	}
	if status, body := post(t, srv, spec); status != 200 || decodeObject(t, body)["Status"] != "SUCCESS" {
		t.Errorf("after the failures: %d %s", status, body)
	}
	if sb.OrderCount() != 1 {
		t.Errorf("OrderCount() = %d, want 1", sb.OrderCount())
	}
	var statuses []int
	for _, r := range sb.Requests() {
		statuses = append(statuses, r.Status)
	}
	if diff := cmp.Diff([]int{503, 503, 500, 429, 200}, statuses); diff != "" {
		t.Errorf("recorded statuses (-want +got):\n%s", diff)
	}
}

// A dropped answer: the order is placed, the client hears nothing, and a
// resend learns that it landed.
func TestDropNextResponses(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{})
	spec := readFile(t, "spec_request.json")
	sb.DropNextResponses(1)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+sandbox.OrderPath, bytes.NewReader(spec))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a dropped answer came through: %d", resp.StatusCode)
	}
	o, ok := sb.Order("TG0000015")
	if !ok || o.TotalCost != "53.39" {
		t.Fatalf("Order after a dropped answer = %+v, %v; want it placed", o, ok)
	}
	reqs := sb.Requests()
	if len(reqs) != 1 || !reqs[0].Dropped || reqs[0].Status != 200 {
		t.Errorf("Requests() = %+v, want one dropped 200", reqs)
	}
	_, body := post(t, srv, spec)
	if got := decodeObject(t, body); got["ErrorMessage"] != "Order with MerchantOrderID 'TG0000015' already exists." {
		t.Errorf("resend: %s", body)
	}
}

// A request whose client gives up during the latency does nothing.
func TestSetLatency(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{})
	spec := readFile(t, "spec_request.json")
	sb.SetLatency(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+sandbox.OrderPath, bytes.NewReader(spec))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the request did not time out")
	}
	time.Sleep(400 * time.Millisecond) // past the latency: the handler has given up
	if sb.OrderCount() != 0 {
		t.Error("an abandoned request placed its order")
	}
	if r := sb.Requests(); len(r) != 1 || r[0].Status != 0 {
		t.Errorf("Requests() = %+v, want one with status 0", r)
	}

	sb.SetLatency(20 * time.Millisecond)
	start := time.Now()
	if status, _ := post(t, srv, spec); status != 200 {
		t.Errorf("status = %d", status)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("answered in %v, want at least the latency", d)
	}
	sb.SetLatency(0)
}

func TestRequests(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{})
	spec := readFile(t, "spec_request.json")
	post(t, srv, spec, "User-Agent", "test-agent", "Authorization", "Basic c2VjcmV0")
	got := sb.Requests()
	want := []sandbox.Request{{Seq: 1, Method: "POST", Path: sandbox.OrderPath, Body: spec, Status: 200, At: specTime}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(sandbox.Request{}, "Header", "Duration")); diff != "" {
		t.Errorf("Requests() (-want +got):\n%s", diff)
	}
	if ua := got[0].Header.Get("User-Agent"); ua != "test-agent" {
		t.Errorf("recorded User-Agent = %q", ua)
	}
	if got[0].Header.Get("Authorization") != "" {
		t.Error("the recorded request keeps Authorization")
	}
	got[0].Body[0] = 'X' // a copy
	if sb.Requests()[0].Body[0] == 'X' {
		t.Error("Requests() shares its bodies")
	}
	if sb.RequestCount() != 1 {
		t.Errorf("RequestCount() = %d", sb.RequestCount())
	}
	sb.ResetRequests()
	if sb.RequestCount() != 0 || len(sb.Requests()) != 0 {
		t.Error("ResetRequests() kept requests")
	}
	if len(sb.Orders()) != 1 {
		t.Errorf("Orders() = %d orders, want 1", len(sb.Orders()))
	}
	if _, ok := sb.Order("nope"); ok {
		t.Error("Order(nope) found something")
	}
}

func TestControlRoutes(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{ControlRoutes: true})
	ctl := func(method, path, body string) (int, []byte) {
		resp, b := do(t, method, srv.URL+path, "application/json", []byte(body))
		return resp.StatusCode, b
	}
	if status, body := ctl("GET", "/_sandbox", ""); status != 200 || !strings.Contains(string(body), "/_sandbox/orders") {
		t.Errorf("GET /_sandbox = %d %s", status, body)
	}
	if status, _ := ctl("POST", "/_sandbox/fail", `{"count":1,"status":502}`); status != 200 {
		t.Errorf("POST /_sandbox/fail = %d", status)
	}
	if status, _ := post(t, srv, readFile(t, "spec_request.json")); status != 502 {
		t.Errorf("after /_sandbox/fail: %d, want 502", status)
	}
	if status, body := post(t, srv, readFile(t, "spec_request.json")); status != 200 {
		t.Errorf("order: %d %s", status, body)
	}
	status, body := ctl("GET", "/_sandbox/orders/TG0000015", "")
	var o struct {
		MerchantOrderID string      `json:"merchantOrderId"`
		TotalCost       json.Number `json:"totalCost"`
	}
	if status != 200 || json.Unmarshal(body, &o) != nil || o.MerchantOrderID != "TG0000015" || o.TotalCost != "53.39" {
		t.Errorf("GET /_sandbox/orders/TG0000015 = %d %s", status, body)
	}
	if status, _ := ctl("GET", "/_sandbox/orders/nope", ""); status != 404 {
		t.Errorf("unknown order: %d", status)
	}
	if status, body := ctl("GET", "/_sandbox/requests", ""); status != 200 || !strings.Contains(string(body), `"status":502,`) ||
		!strings.Contains(string(body), `"error":"Bad Gateway","failed":true}`+"\n") {
		t.Errorf("GET /_sandbox/requests = %d %s", status, body)
	}
	if status, _ := ctl("DELETE", "/_sandbox/requests", ""); status != 200 || sb.RequestCount() != 0 {
		t.Errorf("DELETE /_sandbox/requests = %d, count %d", status, sb.RequestCount())
	}
	if status, body := ctl("GET", "/_sandbox/skus", ""); status != 200 || !strings.Contains(string(body), "TGSAND_TestSKU123") {
		t.Errorf("GET /_sandbox/skus = %d %s", status, body)
	}
	if status, _ := ctl("POST", "/_sandbox/latency", `{"ms":"x"}`); status != 400 {
		t.Errorf("bad latency body: %d", status)
	}
	if status, _ := ctl("POST", "/_sandbox/drop", `{"count":1}`); status != 200 {
		t.Errorf("drop: %d", status)
	}
	if status, _ := ctl("GET", "/_sandbox/nope", ""); status != 404 {
		t.Errorf("unknown control route: %d", status)
	}
	if sb.RequestCount() != 0 {
		t.Error("control routes were recorded")
	}

	// Without ControlRoutes, /_sandbox is an ordinary unknown API route.
	_, plain := newServer(t, sandbox.Options{})
	resp, _ := do(t, "GET", plain.URL+"/_sandbox", "", nil)
	if resp.StatusCode != 404 {
		t.Errorf("GET /_sandbox without ControlRoutes = %d", resp.StatusCode)
	}
}
