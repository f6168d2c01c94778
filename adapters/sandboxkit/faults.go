package sandboxkit

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// Target says which API requests a fault applies to. The zero Target is
// every request.
type Target struct {
	// Method, when set, is the only method the fault applies to (compared
	// case-insensitively), e.g. "POST".
	Method string
	// Path, when set, is a path prefix that ends at a segment boundary
	// ("/orders" matches /orders, /orders.json and /orders/12, not
	// /order_line_items), or, when it holds a '*', a path.Match pattern
	// ("/orders/*/actions/*").
	Path string
}

// Matches reports whether a request with method and path is one t aims at.
func (t Target) Matches(method, p string) bool {
	if t.Method != "" && !strings.EqualFold(t.Method, method) {
		return false
	}
	return matchPath(t.Path, p)
}

func (t Target) key() Target { return Target{Method: strings.ToUpper(t.Method), Path: t.Path} }

func matchPath(pattern, p string) bool {
	if pattern == "" {
		return true
	}
	if strings.Contains(pattern, "*") {
		ok, _ := path.Match(pattern, p)
		return ok
	}
	rest, ok := strings.CutPrefix(p, pattern)
	return ok && (rest == "" || strings.HasSuffix(pattern, "/") || rest[0] == '/' || rest[0] == '.')
}

// validPath reports whether p can be a Target's Path: empty, or starting
// with "/" and, as a pattern, well formed.
func validPath(p string) bool {
	if p == "" {
		return true
	}
	if !strings.HasPrefix(p, "/") {
		return false
	}
	_, err := path.Match(p, "")
	return err == nil
}

// Fault kinds, as Fault.Kind and GET /_sandbox/faults name them.
const (
	KindFail    = "fail"
	KindDrop    = "drop"
	KindLatency = "latency"
)

// Fault is a pending fault, as Faults returns it.
type Fault struct {
	Kind    string // KindFail, KindDrop or KindLatency
	Target  Target
	Count   int           // fail, drop: how many requests it still applies to
	Status  int           // fail: the status answered
	Latency time.Duration // latency: the delay
}

// Harness holds a sandbox's faults and request log. A sandbox embeds
// *Harness (its Go control API is then the sandbox's); the pipeline half
// (Serve, Begin, Call) and the control routes (NewControls) are reached through
// package functions so that they stay off the sandbox's method set. All
// methods are safe for concurrent use.
type Harness struct {
	now func() time.Time

	mu     sync.Mutex
	faults []*Fault // oldest first; the newest that matches applies
	log    []*Request
	seq    int
}

// New returns a harness with no faults and an empty log; now is the clock
// of Request.At (nil: time.Now).
func New(now func() time.Time) *Harness {
	if now == nil {
		now = time.Now
	}
	return &Harness{now: now}
}

// FailNext makes the next n API requests answer status (where and with
// what body the sandbox's package doc says), doing nothing. A status
// outside 400-599 means 500; n <= 0 cancels the pending failures that aim
// at every request.
func (h *Harness) FailNext(n, status int) { h.FailNextMatching(Target{}, n, status) }

// FailNextMatching is FailNext for the requests t matches only; it
// replaces a failure already set for t, and n <= 0 cancels it.
func (h *Harness) FailNextMatching(t Target, n, status int) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	h.set(&Fault{Kind: KindFail, Target: t, Count: n, Status: status}, n > 0)
}

// DropNextResponses makes the next n API requests do their work and then
// never answer: the connection is closed without a byte. n <= 0 cancels
// the pending drops that aim at every request.
func (h *Harness) DropNextResponses(n int) { h.DropNextResponsesMatching(Target{}, n) }

// DropNextResponsesMatching is DropNextResponses for the requests t
// matches only; it replaces a drop already set for t, and n <= 0 cancels
// it.
func (h *Harness) DropNextResponsesMatching(t Target, n int) {
	h.set(&Fault{Kind: KindDrop, Target: t, Count: n}, n > 0)
}

// SetLatency delays every API request by d before it is handled; a request
// whose context ends during the delay is abandoned without effect (and
// recorded with status 0). d <= 0 removes the delay.
func (h *Harness) SetLatency(d time.Duration) { h.SetLatencyMatching(Target{}, d) }

// SetLatencyMatching is SetLatency for the requests t matches only; it
// replaces a delay already set for t, and d <= 0 removes it.
func (h *Harness) SetLatencyMatching(t Target, d time.Duration) {
	h.set(&Fault{Kind: KindLatency, Target: t, Latency: d}, d > 0)
}

// ClearFaults cancels every pending failure, drop and delay.
func (h *Harness) ClearFaults() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = nil
}

// Faults returns the pending faults, oldest first.
func (h *Harness) Faults() []Fault {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Fault, len(h.faults))
	for i, f := range h.faults {
		out[i] = *f
	}
	return out
}

// set replaces the fault of f's kind and target with f (keep) or removes
// it.
func (h *Harness) set(f *Fault, keep bool) {
	f.Target = f.Target.key()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.faults = slices.DeleteFunc(h.faults, func(g *Fault) bool { return g.Kind == f.Kind && g.Target == f.Target })
	if keep {
		h.faults = append(h.faults, f)
	}
}

// take returns the newest fault of kind that matches the request and, for
// counted kinds, uses one of its count up. Called with mu held.
func (h *Harness) take(kind string, rec *Request) (Fault, bool) {
	for i := len(h.faults) - 1; i >= 0; i-- {
		f := h.faults[i]
		if f.Kind != kind || !f.Target.Matches(rec.Method, rec.Path) {
			continue
		}
		got := *f
		if kind != KindLatency {
			f.Count--
			if f.Count <= 0 {
				h.faults = slices.Delete(h.faults, i, i+1)
			}
		}
		return got, true
	}
	return Fault{}, false
}

// Call is one API request on its way through a sandbox, from Begin to
// Finish. Its methods are safe to call from the request's goroutine.
type Call struct {
	h       *Harness
	rec     *Request
	began   time.Time
	dropped bool
}

// Begin records an API request (body is what the sandbox read of it) and
// returns the Call the sandbox asks about faults. The record keeps the
// header without Authorization.
func Begin(h *Harness, r *http.Request, body []byte) *Call {
	hdr := r.Header.Clone()
	hdr.Del("Authorization")
	var q url.Values
	if r.URL.RawQuery != "" {
		q, _ = url.ParseQuery(r.URL.RawQuery) // keep what parses; the sandbox refuses the rest
	}
	rec := &Request{Method: r.Method, Path: r.URL.Path, Query: q, Header: hdr, Body: body, At: h.now()}
	h.mu.Lock()
	h.seq++
	rec.Seq = h.seq
	h.log = append(h.log, rec)
	h.mu.Unlock()
	return &Call{h: h, rec: rec, began: time.Now()}
}

// Wait sleeps the delay of the newest latency fault that matches the
// request, if any. It reports false when ctx ended first: the sandbox then
// abandons the request (recorded with status 0) and writes nothing.
func (c *Call) Wait(ctx context.Context) bool {
	c.h.mu.Lock()
	f, ok := c.h.take(KindLatency, c.rec)
	c.h.mu.Unlock()
	if !ok {
		return true
	}
	t := time.NewTimer(f.Latency)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		c.h.mu.Lock()
		c.rec.Duration = time.Since(c.began)
		c.h.mu.Unlock()
		return false
	}
}

// Fail uses up one count of the newest failure that matches the request
// and returns its status; ok is false when none matches. The sandbox
// answers status the backend's way and does nothing else.
func (c *Call) Fail() (status int, ok bool) {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	f, ok := c.h.take(KindFail, c.rec)
	if ok {
		c.rec.Failed = true
	}
	return f.Status, ok
}

// Drop uses up one count of the newest drop that matches the request and
// reports whether there was one: the sandbox goes on and does the work,
// and Finish then says to close the connection instead of answering.
func (c *Call) Drop() bool {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	_, c.dropped = c.h.take(KindDrop, c.rec)
	return c.dropped
}

// Outcome is what the sandbox answered (or would have, when dropped).
type Outcome struct {
	Status    int
	RequestID string // the answer's request id header, if the backend sends one
	Error     string // the error message of the answer's body, if any
}

// Finish records the answer and how long the request took, and reports
// whether the sandbox must drop it (Drop was true): close the connection
// with DropConnection instead of writing.
func (c *Call) Finish(o Outcome) (drop bool) {
	c.h.mu.Lock()
	defer c.h.mu.Unlock()
	c.rec.Status, c.rec.RequestID, c.rec.Error = o.Status, o.RequestID, o.Error
	c.rec.Dropped = c.dropped
	c.rec.Duration = time.Since(c.began)
	return c.dropped
}

// Serve runs one API request through the harness around answer: it reads
// the body (at most limit bytes; readErr is the read's error), records the
// request (Begin), calls answer, records its outcome (Finish) and then
// writes the answer with write, or closes the connection instead when a
// drop was taken. answer returns a nil write when the client went away
// during the latency delay: nothing is written.
func Serve(h *Harness, w http.ResponseWriter, r *http.Request, limit int64,
	answer func(c *Call, body []byte, readErr error) (o Outcome, write func(http.ResponseWriter))) {
	body, readErr := io.ReadAll(io.LimitReader(r.Body, limit))
	c := Begin(h, r, body)
	o, write := answer(c, body, readErr)
	if write == nil {
		return
	}
	if c.Finish(o) {
		DropConnection(w)
		return
	}
	write(w)
}

// DropConnection closes the client's connection without writing a byte.
// Where the connection cannot be hijacked (HTTP/2, a ResponseRecorder) it
// aborts the handler the way net/http documents, which also sends nothing
// (and panics with http.ErrAbortHandler: a drop needs a real server).
func DropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
