package sandboxkit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
)

// fake is the smallest sandbox built on the harness: every API request is
// recorded, may wait, fail (answering the injected status) or be dropped
// after acting; acting counts in acted.
type fake struct {
	*sandboxkit.Harness
	controls *sandboxkit.Controls
	acted    atomic.Int64
}

func newFake(t *testing.T) (*fake, *httptest.Server) {
	t.Helper()
	f := &fake{Harness: sandboxkit.New(func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) })}
	f.controls = sandboxkit.NewControls(f.Harness, sandboxkit.Route{
		Method: http.MethodGet, Path: "/things/{id}", Help: "one thing",
		Handle: func(c *sandboxkit.Control) (any, error) {
			if c.Param("id") == "404" {
				return nil, sandboxkit.Errorf(http.StatusNotFound, "no thing %s", c.Param("id"))
			}
			return map[string]string{"id": c.Param("id")}, nil
		},
	})
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if sandboxkit.IsControlPath(r.URL.Path) {
		f.controls.ServeHTTP(w, r)
		return
	}
	sandboxkit.Serve(f.Harness, w, r, 1<<20, func(call *sandboxkit.Call, _ []byte, _ error) (sandboxkit.Outcome, func(http.ResponseWriter)) {
		if !call.Wait(r.Context()) {
			return sandboxkit.Outcome{}, nil
		}
		status, errMsg := http.StatusOK, ""
		if st, failed := call.Fail(); failed {
			status, errMsg = st, "injected"
		} else {
			f.acted.Add(1)
			call.Drop()
		}
		return sandboxkit.Outcome{Status: status, RequestID: "req-1", Error: errMsg}, func(w http.ResponseWriter) { w.WriteHeader(status) }
	})
}

// send makes one request on a fresh connection (so that a drop is seen and
// never retried) and answers its status, 0 when the connection closed.
func send(t *testing.T, srv *httptest.Server, method, path, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestTargetMatches(t *testing.T) {
	tests := []struct {
		target       sandboxkit.Target
		method, path string
		want         bool
	}{
		{sandboxkit.Target{}, "GET", "/anything", true},
		{sandboxkit.Target{Method: "POST"}, "POST", "/orders", true},
		{sandboxkit.Target{Method: "post"}, "POST", "/orders", true},
		{sandboxkit.Target{Method: "POST"}, "GET", "/orders", false},
		{sandboxkit.Target{Path: "/orders"}, "GET", "/orders", true},
		{sandboxkit.Target{Path: "/orders"}, "GET", "/orders.json", true},
		{sandboxkit.Target{Path: "/orders"}, "GET", "/orders/12/actions/pack", true},
		{sandboxkit.Target{Path: "/orders"}, "GET", "/order_line_items", false},
		{sandboxkit.Target{Path: "/orders"}, "GET", "/ordersX", false},
		{sandboxkit.Target{Path: "/orders/"}, "GET", "/orders/12", true},
		{sandboxkit.Target{Path: "/orders/*"}, "GET", "/orders/12", true},
		{sandboxkit.Target{Path: "/orders/*"}, "GET", "/orders", false},
		{sandboxkit.Target{Path: "/orders/*/actions/*"}, "PUT", "/orders/3/actions/finalize.json", true},
		{sandboxkit.Target{Method: "POST", Path: "/orders"}, "POST", "/products", false},
	}
	for _, tt := range tests {
		if got := tt.target.Matches(tt.method, tt.path); got != tt.want {
			t.Errorf("%+v.Matches(%q, %q) = %v, want %v", tt.target, tt.method, tt.path, got, tt.want)
		}
	}
}

// step is one request of a fault scenario and the status it must get (0:
// the connection closed without an answer).
type step struct {
	method, path string
	status       int
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		set   func(h *sandboxkit.Harness)
		steps []step
		acted int64 // requests that did their work
	}{
		{"fail next 2, every request",
			func(h *sandboxkit.Harness) { h.FailNext(2, 503) },
			[]step{{"GET", "/products", 503}, {"POST", "/orders", 503}, {"GET", "/products", 200}}, 1},
		{"a failure aimed at POST /orders is not used up by polls",
			func(h *sandboxkit.Harness) {
				h.FailNextMatching(sandboxkit.Target{Method: "POST", Path: "/orders"}, 1, 502)
			},
			[]step{{"GET", "/products", 200}, {"GET", "/orders", 200}, {"POST", "/orders.json", 502}, {"POST", "/orders", 200}}, 3},
		{"the newest matching fault applies first",
			func(h *sandboxkit.Harness) {
				h.FailNext(1, 500)
				h.FailNextMatching(sandboxkit.Target{Path: "/orders"}, 1, 429)
			},
			[]step{{"POST", "/orders", 429}, {"POST", "/orders", 500}, {"POST", "/orders", 200}}, 1},
		{"setting a target again replaces its fault; 0 cancels",
			func(h *sandboxkit.Harness) {
				h.FailNext(5, 500)
				h.FailNext(1, 503)
				h.FailNextMatching(sandboxkit.Target{Path: "/x"}, 3, 500)
				h.FailNextMatching(sandboxkit.Target{Path: "/x"}, 0, 500)
			},
			[]step{{"GET", "/x", 503}, {"GET", "/x", 200}}, 1},
		{"a status outside 400-599 means 500",
			func(h *sandboxkit.Harness) { h.FailNext(1, 200) },
			[]step{{"GET", "/", 500}}, 0},
		{"drop after acting",
			func(h *sandboxkit.Harness) { h.DropNextResponses(1) },
			[]step{{"POST", "/orders", 0}, {"POST", "/orders", 200}}, 2},
		{"a drop aimed at a path",
			func(h *sandboxkit.Harness) { h.DropNextResponsesMatching(sandboxkit.Target{Path: "/orders/*"}, 2) },
			[]step{{"POST", "/orders", 200}, {"POST", "/orders/1", 0}, {"GET", "/orders/2", 0}, {"GET", "/orders/3", 200}}, 4},
		{"a failure answers before a drop is taken",
			func(h *sandboxkit.Harness) { h.DropNextResponses(1); h.FailNext(1, 503) },
			[]step{{"GET", "/", 503}, {"GET", "/", 0}, {"GET", "/", 200}}, 2},
		{"ClearFaults cancels everything",
			func(h *sandboxkit.Harness) {
				h.FailNext(3, 503)
				h.DropNextResponsesMatching(sandboxkit.Target{Method: "GET"}, 1)
				h.ClearFaults()
			},
			[]step{{"GET", "/", 200}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			tt.set(f.Harness)
			for i, s := range tt.steps {
				if got, _ := send(t, srv, s.method, s.path, ""); got != s.status {
					t.Errorf("request %d %s %s = %d, want %d", i+1, s.method, s.path, got, s.status)
				}
			}
			if got := f.acted.Load(); got != tt.acted {
				t.Errorf("%d requests did their work, want %d", got, tt.acted)
			}
			if fs := f.Faults(); len(fs) != 0 {
				t.Errorf("faults left over: %+v", fs)
			}
			reqs := f.Requests()
			if len(reqs) != len(tt.steps) {
				t.Fatalf("%d requests recorded, want %d", len(reqs), len(tt.steps))
			}
			for i, s := range tt.steps {
				r := reqs[i]
				wantStatus := s.status
				if s.status == 0 {
					wantStatus = 200 // what it would have answered
				}
				if r.Seq != i+1 || r.Method != s.method || r.Path != s.path || r.Status != wantStatus || r.Dropped != (s.status == 0) {
					t.Errorf("request %d recorded as %+v", i+1, r)
				}
			}
		})
	}
}

func TestLatency(t *testing.T) {
	f, srv := newFake(t)
	f.SetLatencyMatching(sandboxkit.Target{Method: "POST"}, 80*time.Millisecond)
	began := time.Now()
	send(t, srv, "GET", "/products", "")
	if d := time.Since(began); d >= 80*time.Millisecond {
		t.Errorf("GET waited %v: the latency aims at POST only", d)
	}
	began = time.Now()
	send(t, srv, "POST", "/orders", "")
	if d := time.Since(began); d < 80*time.Millisecond {
		t.Errorf("POST answered in %v, want at least the latency", d)
	}
	if r := f.Requests()[1]; r.Duration < 80*time.Millisecond {
		t.Errorf("recorded Duration %v, want the latency included", r.Duration)
	}

	// A request whose client gives up during the delay does nothing and
	// is recorded with status 0.
	f.SetLatency(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
	if resp, err := srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("answered during an hour's latency")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		reqs := f.Requests()
		if last := reqs[len(reqs)-1]; last.Path == "/slow" && last.Duration > 0 {
			if last.Status != 0 || f.acted.Load() != 2 {
				t.Errorf("abandoned request: %+v, acted %d", last, f.acted.Load())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the abandoned request was never settled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.SetLatency(0)
	if fs := f.Faults(); len(fs) != 1 || fs[0].Target.Method != "POST" {
		t.Errorf("SetLatency(0) left %+v, want only the POST latency", fs)
	}
}

// lines decodes a JSON-lines answer.
func lines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func TestRequestLog(t *testing.T) {
	f, srv := newFake(t)
	f.FailNextMatching(sandboxkit.Target{Method: "POST", Path: "/orders"}, 1, 503)
	big := strings.Repeat("x", 9000)
	send(t, srv, "GET", "/products?ids=1,2&limit=250", "")
	send(t, srv, "POST", "/orders", `{"order":"`+big+`"}`)
	send(t, srv, "POST", "/orders", `{"order":2}`)
	send(t, srv, "GET", "/variants", "")

	resp, err := http.Get(srv.URL + "/_sandbox/requests")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if n := bytes.Count(raw, []byte("\n")); n != 4 {
		t.Fatalf("%d lines, want 4:\n%s", n, raw)
	}
	for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		if len(l) > 300 {
			t.Errorf("a %d-byte line: the log must stay compact: %s", len(l), l)
		}
	}
	all := lines(t, raw)
	first, failed := all[0], all[1]
	if first["seq"] != 1.0 || first["method"] != "GET" || first["path"] != "/products" || first["query"] != "ids=1,2&limit=250" ||
		first["status"] != 200.0 || first["request_id"] != "req-1" || first["at"] != "2026-01-02T03:04:05.000Z" {
		t.Errorf("first line = %v", first)
	}
	if _, ok := first["ms"].(float64); !ok {
		t.Errorf("no ms on %v", first)
	}
	if failed["status"] != 503.0 || failed["failed"] != true || failed["error"] != "injected" {
		t.Errorf("failed line = %v", failed)
	}
	for _, k := range []string{"header", "body", "dropped"} {
		if _, ok := first[k]; ok {
			t.Errorf("compact line has %q: %v", k, first)
		}
	}

	tests := []struct {
		query string
		seqs  []float64
	}{
		{"?method=POST", []float64{2, 3}},
		{"?path=/orders&status=503", []float64{2}},
		{"?status=2xx", []float64{1, 3, 4}},
		{"?after=2", []float64{3, 4}},
		{"?last=2", []float64{3, 4}},
		{"?last=0", nil},
		{"?method=get&path=/variants", []float64{4}},
	}
	for _, tt := range tests {
		status, b := send(t, srv, "GET", "/_sandbox/requests"+tt.query, "")
		var seqs []float64
		for _, l := range lines(t, b) {
			seqs = append(seqs, l["seq"].(float64))
		}
		if status != 200 || len(seqs) != len(tt.seqs) || (len(seqs) > 0 && seqs[0] != tt.seqs[0]) {
			t.Errorf("GET /_sandbox/requests%s = %d seqs %v, want %v", tt.query, status, seqs, tt.seqs)
		}
	}
	for _, q := range []string{"?status=abc", "?last=-1", "?path=orders"} {
		if status, b := send(t, srv, "GET", "/_sandbox/requests"+q, ""); status != 400 || !strings.Contains(string(b), `"message"`) {
			t.Errorf("GET /_sandbox/requests%s = %d %s, want 400", q, status, b)
		}
	}

	_, b := send(t, srv, "GET", "/_sandbox/requests?full=1&method=POST&last=1", "")
	if l := lines(t, b); len(l) != 1 || l[0]["body"] != `{"order":2}` || l[0]["header"] == nil {
		t.Errorf("full line = %s", b)
	}
	status, b := send(t, srv, "GET", "/_sandbox/requests/2", "")
	var one struct {
		Seq  int
		Body string
	}
	if err := json.Unmarshal(b, &one); status != 200 || err != nil || one.Seq != 2 || !strings.Contains(one.Body, big) {
		t.Errorf("GET /_sandbox/requests/2 = %d %.200s", status, b)
	}
	for _, p := range []string{"/_sandbox/requests/99", "/_sandbox/requests/x"} {
		if status, _ := send(t, srv, "GET", p, ""); status != 404 {
			t.Errorf("GET %s = %d, want 404", p, status)
		}
	}
	if status, _ := send(t, srv, "DELETE", "/_sandbox/requests", ""); status != 200 || f.RequestCount() != 0 {
		t.Errorf("DELETE /_sandbox/requests = %d, %d left", status, f.RequestCount())
	}
	send(t, srv, "GET", "/again", "")
	if r := f.Requests(); len(r) != 1 || r[0].Seq != 5 {
		t.Errorf("after a reset, seq goes on: %+v", r)
	}
}

func TestControlRoutes(t *testing.T) {
	f, srv := newFake(t)
	tests := []struct {
		method, path, body string
		status             int
		want               string // a substring of the answer
	}{
		{"GET", "/_sandbox", "", 200, `"GET /_sandbox/things/{id}  one thing"`},
		{"GET", "/_sandbox/", "", 200, `"POST /_sandbox/fail  {\"count\":2`},
		{"GET", "/_sandbox/things/7", "", 200, `{"id":"7"}`},
		{"GET", "/_sandbox/things/404", "", 404, `{"message":"no thing 404"}`},
		{"POST", "/_sandbox/fail", `{"count":1,"status":503,"method":"POST","path":"/orders"}`, 200, `{"ok":true}`},
		{"POST", "/_sandbox/fail/", `{"count":2,"status":500}`, 200, `{"ok":true}`},
		{"POST", "/_sandbox/drop", `{"count":1,"path":"/orders/*"}`, 200, `{"ok":true}`},
		{"POST", "/_sandbox/latency", `{"ms":5,"method":"GET"}`, 200, `{"ok":true}`},
		{"GET", "/_sandbox/faults", "", 200, `{"faults":[{"kind":"fail","method":"POST","path":"/orders","count":1,"status":503},{"kind":"fail","count":2,"status":500},{"kind":"drop","path":"/orders/*","count":1},{"kind":"latency","method":"GET","ms":5}]}`},
		{"POST", "/_sandbox/fail", `{"count":1}`, 400, `count (>= 0) and status (400-599) are required`},
		{"POST", "/_sandbox/fail", `{"count":1,"status":200}`, 400, `"message"`},
		{"POST", "/_sandbox/fail", `{"count":-1,"status":500}`, 400, `"message"`},
		{"POST", "/_sandbox/fail", `{"count":1,"status":503,"path":"orders"}`, 400, `path must start with /`},
		{"POST", "/_sandbox/fail", `{"count":1,"status":503,"method":"PO ST"}`, 400, `method must be an HTTP method`},
		{"POST", "/_sandbox/fail", `{"count":1,"status":503,"path":"/orders/["}`, 400, `path must start with /`},
		{"POST", "/_sandbox/fail", `{"count":"x"}`, 400, `invalid JSON body`},
		{"POST", "/_sandbox/fail", ``, 400, `a JSON body is required`},
		{"POST", "/_sandbox/fail", `{"count":1,"status":503}{}`, 400, `more than one value`},
		{"POST", "/_sandbox/latency", `{"ms":-5}`, 400, `ms (0 to 3600000) is required`},
		{"POST", "/_sandbox/latency", `{"seconds":1}`, 400, `unknown field`},
		{"POST", "/_sandbox/drop", `{}`, 400, `count (>= 0) is required`},
		{"GET", "/_sandbox/nope", "", 404, `no sandbox control route GET /_sandbox/nope; GET /_sandbox lists them`},
		{"GET", "/_sandbox/fail", "", 405, `GET /_sandbox/fail takes POST`},
		{"PUT", "/_sandbox/requests", "", 405, `takes GET or DELETE`},
		{"DELETE", "/_sandbox/faults", "", 200, `{"ok":true}`},
		{"GET", "/_sandbox/faults", "", 200, `{"faults":[]}`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s %s %s = %d %s, want %d with %s", tt.method, tt.path, tt.body, resp.StatusCode, b, tt.status, tt.want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
			t.Errorf("%s %s Content-Type = %q", tt.method, tt.path, ct)
		}
		if resp.StatusCode == 405 && resp.Header.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tt.method, tt.path)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Errorf("%s %s: not JSON: %s", tt.method, tt.path, b)
		}
	}
	if n := f.RequestCount(); n != 0 {
		t.Errorf("control requests were recorded: %d", n)
	}
}
