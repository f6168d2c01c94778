package sandboxkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Prefix is where the control routes live.
const Prefix = "/_sandbox"

// IsControlPath reports whether p is a control route's path.
func IsControlPath(p string) bool {
	return p == Prefix || strings.HasPrefix(p, Prefix+"/")
}

// maxControlBody bounds a control request's body.
const maxControlBody = 1 << 20

// Route is a control route a sandbox adds to the shared ones.
type Route struct {
	Method string
	// Path is below Prefix, e.g. "/stock", "/products/{id}": a {name}
	// segment matches any one non-empty segment (Control.Param).
	Path string
	// Help follows the route in GET /_sandbox: a body example, what it
	// answers.
	Help string
	// Handle answers the route. A nil value answers {"ok":true}; a Response
	// is written as it is; any other value as JSON with 200. An error
	// answers {"message":…} with its Error.Status, or 400.
	Handle func(c *Control) (any, error)
}

// Response is a control answer a handler renders itself (another status,
// the backend's own JSON).
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// Error is a control error: {"message":…} with Status.
type Error struct {
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with status and the formatted message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// Control is one control request as a handler sees it.
type Control struct {
	Request *http.Request
	Body    []byte
	params  map[string]string
}

// Param is a {name} segment of the route's path.
func (c *Control) Param(name string) string { return c.params[name] }

// Decode decodes the body strictly into v: one JSON object (or value) of
// known fields only. Its errors are 400 *Error.
func (c *Control) Decode(v any) error {
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return Errorf(http.StatusBadRequest, "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(http.StatusBadRequest, "invalid JSON body: %v", err)
	}
	if dec.More() {
		return Errorf(http.StatusBadRequest, "invalid JSON body: more than one value")
	}
	return nil
}

// Controls serves the control routes: the shared ones (see the package
// documentation) and a sandbox's own.
type Controls struct {
	h      *Harness
	routes []Route
}

// NewControls returns the control routes of h: the shared ones, then
// routes.
func NewControls(h *Harness, routes ...Route) *Controls {
	c := &Controls{h: h}
	c.routes = append(c.shared(), routes...)
	return c
}

// Routes is the help list GET /_sandbox answers: "METHOD /_sandbox/path  help".
func (c *Controls) Routes() []string {
	out := make([]string, 0, len(c.routes))
	for _, r := range c.routes {
		s := r.Method + " " + Prefix + r.Path
		if r.Help != "" {
			s += "  " + r.Help
		}
		out = append(out, s)
	}
	return out
}

// ServeHTTP answers a control request (its path under Prefix).
func (c *Controls) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody))
	if err != nil {
		writeError(w, Errorf(http.StatusBadRequest, "reading the body: %v", err))
		return
	}
	p := strings.TrimPrefix(r.URL.Path, Prefix)
	if p != "/" {
		p = strings.TrimSuffix(p, "/")
	}
	if p == "/" {
		p = ""
	}
	var allow []string
	for _, rt := range c.routes {
		params, ok := matchRoute(rt.Path, p)
		if !ok {
			continue
		}
		if rt.Method != r.Method {
			allow = append(allow, rt.Method)
			continue
		}
		v, err := rt.Handle(&Control{Request: r, Body: body, params: params})
		if err != nil {
			writeError(w, err)
			return
		}
		writeValue(w, v)
		return
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, Errorf(http.StatusMethodNotAllowed, "%s %s takes %s; GET %s lists the control routes", r.Method, r.URL.Path, strings.Join(allow, " or "), Prefix))
		return
	}
	writeError(w, Errorf(http.StatusNotFound, "no sandbox control route %s %s; GET %s lists them", r.Method, r.URL.Path, Prefix))
}

func matchRoute(pattern, p string) (map[string]string, bool) {
	ps, segs := strings.Split(pattern, "/"), strings.Split(p, "/")
	if len(ps) != len(segs) {
		return nil, false
	}
	return MatchSegments(ps, segs)
}

// MatchSegments matches path segments against a pattern's, segment by
// segment: a literal matches itself, a {name} segment any non-empty
// segment, answered in params. The lengths must be equal. (The control
// routes match with it, and so may a sandbox's own router.)
func MatchSegments(pattern, segs []string) (params map[string]string, ok bool) {
	for i, s := range pattern {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[s[1:len(s)-1]] = segs[i]
			continue
		}
		if s != segs[i] {
			return nil, false
		}
	}
	return params, true
}

const jsonType = "application/json; charset=utf-8"

func writeValue(w http.ResponseWriter, v any) {
	switch v := v.(type) {
	case nil:
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	case Response:
		w.Header().Set("Content-Type", v.ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(v.Body)))
		w.WriteHeader(v.Status)
		_, _ = w.Write(v.Body)
	default:
		writeJSON(w, http.StatusOK, v)
	}
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*Error)
	if !ok {
		e = &Error{Status: http.StatusBadRequest, Message: err.Error()}
	}
	writeJSON(w, e.Status, map[string]string{"message": e.Message})
}

// writeJSON writes v the way every control answer is written: compact,
// HTML characters kept as they are, a newline after it (for curl).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"message":"the sandbox cannot render its answer"}` + "\n")
	}
	writeValue(w, Response{Status: status, ContentType: jsonType, Body: b.Bytes()})
}

// faultInput is the body of POST /_sandbox/fail, /drop and /latency.
type faultInput struct {
	Count  *int   `json:"count"`
	Status *int   `json:"status"`
	MS     *int64 `json:"ms"`
	Method string `json:"method"`
	Path   string `json:"path"`
}

func (in faultInput) target() (Target, error) {
	t := Target{Method: in.Method, Path: in.Path}
	if strings.ContainsFunc(t.Method, func(r rune) bool { return r < 'A' || r > 'z' || (r > 'Z' && r < 'a') }) {
		return t, Errorf(http.StatusBadRequest, "method must be an HTTP method such as POST, got %q", t.Method)
	}
	if !validPath(t.Path) {
		return t, Errorf(http.StatusBadRequest, "path must start with / (a prefix such as /orders, or a pattern such as /orders/*), got %q", t.Path)
	}
	return t, nil
}

// faultJSON is a pending fault as GET /_sandbox/faults lists it.
type faultJSON struct {
	Kind   string `json:"kind"`
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	Count  int    `json:"count,omitempty"`
	Status int    `json:"status,omitempty"`
	MS     int64  `json:"ms,omitempty"`
}

func (c *Controls) shared() []Route {
	h := c.h
	decodeFault := func(ctl *Control, v *faultInput) (Target, error) {
		if err := ctl.Decode(v); err != nil {
			return Target{}, err
		}
		return v.target()
	}
	const aim = `, optionally aimed with "method" and "path", e.g. {"count":1,"status":503,"method":"POST","path":"/orders"}`
	return []Route{
		{Method: http.MethodGet, Path: "", Help: "this list", Handle: func(*Control) (any, error) {
			return map[string][]string{"routes": c.Routes()}, nil
		}},
		{Method: http.MethodGet, Path: "/requests",
			Help: "the request log, one JSON line a request; ?method=POST&path=/orders&status=5xx&after=SEQ&last=N, &full=1 for header and body",
			Handle: func(ctl *Control) (any, error) {
				f, err := parseLogFilter(ctl.Request.URL.Query())
				if err != nil {
					return nil, err
				}
				return Response{Status: http.StatusOK, ContentType: "application/x-ndjson; charset=utf-8", Body: h.requestLog(f)}, nil
			}},
		{Method: http.MethodGet, Path: "/requests/{seq}", Help: "one recorded request in full", Handle: func(ctl *Control) (any, error) {
			seq, err := strconv.Atoi(ctl.Param("seq"))
			if err != nil {
				return nil, Errorf(http.StatusNotFound, "no recorded request %q: requests are numbered by their seq", ctl.Param("seq"))
			}
			r, err := h.request(seq)
			if err != nil {
				return nil, err
			}
			return line(&r, true), nil
		}},
		{Method: http.MethodDelete, Path: "/requests", Help: "forget them", Handle: func(*Control) (any, error) {
			h.ResetRequests()
			return nil, nil
		}},
		{Method: http.MethodPost, Path: "/fail", Help: `{"count":2,"status":503}: the next 2 API requests answer 503` + aim,
			Handle: func(ctl *Control) (any, error) {
				var in faultInput
				t, err := decodeFault(ctl, &in)
				if err != nil {
					return nil, err
				}
				if in.Count == nil || *in.Count < 0 || in.Status == nil || *in.Status < 400 || *in.Status > 599 || in.MS != nil {
					return nil, Errorf(http.StatusBadRequest, `count (>= 0) and status (400-599) are required`+aim)
				}
				h.FailNextMatching(t, *in.Count, *in.Status)
				return nil, nil
			}},
		{Method: http.MethodPost, Path: "/drop", Help: `{"count":1}: the next API request is done, its answer never sent` + aim,
			Handle: func(ctl *Control) (any, error) {
				var in faultInput
				t, err := decodeFault(ctl, &in)
				if err != nil {
					return nil, err
				}
				if in.Count == nil || *in.Count < 0 || in.Status != nil || in.MS != nil {
					return nil, Errorf(http.StatusBadRequest, `count (>= 0) is required, e.g. {"count":1}, optionally aimed with "method" and "path"`)
				}
				h.DropNextResponsesMatching(t, *in.Count)
				return nil, nil
			}},
		{Method: http.MethodPost, Path: "/latency", Help: `{"ms":200}: every API request waits 200 ms; {"ms":0} removes it; optionally aimed with "method" and "path"`,
			Handle: func(ctl *Control) (any, error) {
				var in faultInput
				t, err := decodeFault(ctl, &in)
				if err != nil {
					return nil, err
				}
				if in.MS == nil || *in.MS < 0 || *in.MS > int64(time.Hour/time.Millisecond) || in.Count != nil || in.Status != nil {
					return nil, Errorf(http.StatusBadRequest, `ms (0 to 3600000) is required, e.g. {"ms":200}, optionally aimed with "method" and "path"`)
				}
				h.SetLatencyMatching(t, time.Duration(*in.MS)*time.Millisecond)
				return nil, nil
			}},
		{Method: http.MethodGet, Path: "/faults", Help: "the pending failures, drops and delays", Handle: func(*Control) (any, error) {
			fs := h.Faults()
			out := make([]faultJSON, len(fs))
			for i, f := range fs {
				out[i] = faultJSON{Kind: f.Kind, Method: f.Target.Method, Path: f.Target.Path, Count: f.Count,
					Status: f.Status, MS: f.Latency.Milliseconds()}
			}
			return map[string][]faultJSON{"faults": out}, nil
		}},
		{Method: http.MethodDelete, Path: "/faults", Help: "cancel them all", Handle: func(*Control) (any, error) {
			h.ClearFaults()
			return nil, nil
		}},
	}
}
