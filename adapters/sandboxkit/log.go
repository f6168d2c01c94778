package sandboxkit

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Request is an API request as a sandbox received it, with what it
// answered; control routes are never recorded.
type Request struct {
	// Seq numbers the requests 1, 2, … in arrival order over the
	// sandbox's life (ResetRequests does not restart it).
	Seq    int
	Method string
	Path   string      // the URL path as received, e.g. "/products/1.json"
	Query  url.Values  // nil when the URL has none
	Header http.Header // without Authorization
	Body   []byte      // the raw body, as read
	// Status is the status answered (or that would have been, when
	// Dropped); 0 while in flight or when the client went away during the
	// latency delay.
	Status    int
	RequestID string // the request id the answer carried, if the backend sends one
	Error     string // the error message of the answer, if any
	At        time.Time
	Duration  time.Duration // from arrival to the answer (latency included)
	Failed    bool          // a failure (FailNext) answered it
	// Dropped reports that the answer was dropped (DropNextResponses): the
	// work was done, the connection closed without an answer.
	Dropped bool
}

func (r *Request) clone() Request {
	c := *r
	if r.Query != nil {
		c.Query = make(url.Values, len(r.Query))
		for k, vs := range r.Query {
			c.Query[k] = slices.Clone(vs)
		}
	}
	c.Header = r.Header.Clone()
	c.Body = slices.Clone(r.Body)
	return c
}

// Requests returns copies of the API requests received since the last
// ResetRequests, in arrival order.
func (h *Harness) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Request, len(h.log))
	for i, r := range h.log {
		out[i] = r.clone()
	}
	return out
}

// RequestCount is the number of API requests received since the last
// ResetRequests, whatever their outcome (control routes excluded).
func (h *Harness) RequestCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.log)
}

// ResetRequests forgets the recorded requests and zeroes RequestCount.
func (h *Harness) ResetRequests() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = nil
}

// requestLine is a recorded request as one line of GET /_sandbox/requests:
// the compact fields always, header and body with full=1.
type requestLine struct {
	Seq       int         `json:"seq"`
	At        string      `json:"at"`
	Method    string      `json:"method"`
	Path      string      `json:"path"`
	Query     string      `json:"query,omitempty"`
	Status    int         `json:"status"`
	MS        float64     `json:"ms"`
	RequestID string      `json:"request_id,omitempty"`
	Error     string      `json:"error,omitempty"`
	Failed    bool        `json:"failed,omitempty"`
	Dropped   bool        `json:"dropped,omitempty"`
	Header    http.Header `json:"header,omitempty"`
	Body      *string     `json:"body,omitempty"`
}

func line(r *Request, full bool) requestLine {
	q := r.Query.Encode()
	if u, err := url.QueryUnescape(q); err == nil {
		q = u // for reading: ids=1,2 rather than ids=1%2C2
	}
	l := requestLine{
		Seq: r.Seq, At: r.At.UTC().Format("2006-01-02T15:04:05.000Z07:00"), Method: r.Method, Path: r.Path,
		Query: q, Status: r.Status, MS: math.Round(float64(r.Duration)/float64(time.Microsecond)) / 1000,
		RequestID: r.RequestID, Error: r.Error, Failed: r.Failed, Dropped: r.Dropped,
	}
	if full {
		body := string(r.Body)
		l.Header, l.Body = r.Header, &body
		if l.Header == nil {
			l.Header = http.Header{}
		}
	}
	return l
}

// logFilter selects lines of the request log (GET /_sandbox/requests).
type logFilter struct {
	target  Target
	status  int // exact; 0: any
	class   int // 4 for "4xx"; 0: any
	after   int // seq
	last    int // the last n; 0: all
	full    bool
	hasLast bool
}

func parseLogFilter(q url.Values) (logFilter, error) {
	f := logFilter{target: Target{Method: q.Get("method"), Path: q.Get("path")}, full: q.Get("full") == "1" || q.Get("full") == "true"}
	if !validPath(f.target.Path) {
		return f, Errorf(http.StatusBadRequest, "path must start with / (a prefix such as /orders, or a pattern such as /orders/*), got %q", f.target.Path)
	}
	if s := q.Get("status"); s != "" {
		if len(s) == 3 && s[1:] == "xx" && s[0] >= '1' && s[0] <= '5' {
			f.class = int(s[0] - '0')
		} else if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 599 {
			f.status = n
		} else {
			return f, Errorf(http.StatusBadRequest, "status must be a status such as 503 or a class such as 5xx, got %q", s)
		}
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"after", &f.after}, {"last", &f.last}} {
		if s := q.Get(p.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return f, Errorf(http.StatusBadRequest, "%s must be a whole number of 0 or more, got %q", p.name, s)
			}
			*p.dst = n
		}
	}
	f.hasLast = q.Has("last")
	return f, nil
}

func (f logFilter) keep(r *Request) bool {
	switch {
	case r.Seq <= f.after, !f.target.Matches(r.Method, r.Path):
		return false
	case f.status != 0 && r.Status != f.status, f.class != 0 && r.Status/100 != f.class:
		return false
	}
	return true
}

// requestLog renders the log lines f selects, one JSON object a line.
func (h *Harness) requestLog(f logFilter) []byte {
	h.mu.Lock()
	var lines []requestLine
	for _, r := range h.log {
		if f.keep(r) {
			lines = append(lines, line(r, f.full))
		}
	}
	h.mu.Unlock()
	if f.hasLast && len(lines) > f.last {
		lines = lines[len(lines)-f.last:]
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, l := range lines {
		_ = enc.Encode(l) // one line each, newline included
	}
	return b.Bytes()
}

// request returns the recorded request seq.
func (h *Harness) request(seq int) (Request, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range h.log {
		if r.Seq == seq {
			return r.clone(), nil
		}
	}
	return Request{}, Errorf(http.StatusNotFound, "no recorded request %d (forgotten, or not yet made)", seq)
}
