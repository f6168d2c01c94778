package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
	"github.com/google/uuid"
)

const (
	// maxURILength is nginx's large_client_header_buffers limit: a longer
	// request URI is refused with 414 before it reaches the app.
	maxURILength = 8192
	// maxBodyBytes bounds what a request body may cost the sandbox.
	maxBodyBytes = 10 << 20
)

// resources registers every resource's routes. A new resource (orders,
// companies, webhooks, …) adds its file and one line here.
var resources = []func(*router){
	registerAccounts,
	registerCurrencies,
	registerLocations,
	registerProducts,
	registerVariants,
	registerImages,
	registerCompanies,
	registerOrders,
	registerOrderLines,
	registerInvoices,
	registerPayments,
	registerPaymentMethods,
	registerFulfillments,
	registerReturns,
	registerWebhooks,
}

// call is one API request as a handler sees it. Handlers run with the
// sandbox lock held and may read and change c.s.db freely.
type call struct {
	s      *Sandbox
	r      *http.Request
	query  url.Values
	params map[string]string
	body   []byte
	at     time.Time // the sandbox clock when the handler started
}

// param is a path parameter, e.g. "id" for /products/{id}.
func (c *call) param(name string) string { return c.params[name] }

// now is the sandbox clock at millisecond precision, as records keep it.
func (c *call) now() time.Time { return c.at.UTC().Truncate(time.Millisecond) }

// handlerFunc answers a call. An error is rendered by errorResponse (use
// the *apiError constructors for 4xx).
type handlerFunc func(c *call) (*response, error)

type route struct {
	method  string
	segs    []string // literal segments and {name} parameters
	handler handlerFunc
}

// router is a small method+path dispatcher. Paths are matched segment by
// segment after normalization (see splitPath); the first registered match
// wins, so literal routes (/accounts/current) go before parameterized ones.
type router struct {
	routes []route
}

func newRouter() *router {
	rt := &router{}
	for _, register := range resources {
		register(rt)
	}
	return rt
}

func (rt *router) handle(method, pattern string, h handlerFunc) {
	rt.routes = append(rt.routes, route{method: method, segs: splitPath(pattern), handler: h})
}

func (rt *router) get(pattern string, h handlerFunc)  { rt.handle(http.MethodGet, pattern, h) }
func (rt *router) post(pattern string, h handlerFunc) { rt.handle(http.MethodPost, pattern, h) }
func (rt *router) put(pattern string, h handlerFunc)  { rt.handle(http.MethodPut, pattern, h) }
func (rt *router) del(pattern string, h handlerFunc)  { rt.handle(http.MethodDelete, pattern, h) }

// lookup finds the handler for method and normalized path segments. HEAD is
// served by GET routes.
func (rt *router) lookup(method string, segs []string) (handlerFunc, map[string]string) {
	if method == http.MethodHead {
		method = http.MethodGet
	}
	for _, r := range rt.routes {
		if r.method != method || len(r.segs) != len(segs) {
			continue
		}
		params, ok := sandboxkit.MatchSegments(r.segs, segs)
		if ok {
			return r.handler, params
		}
	}
	return nil, nil
}

// splitPath normalizes a path the way the API's routes accept it: one
// optional trailing slash (/products/) and an optional .json suffix
// (/products/1.json, /products.json).
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil
	}
	segs := strings.Split(p, "/")
	last := segs[len(segs)-1]
	if len(last) > len(".json") && strings.HasSuffix(last, ".json") {
		segs[len(segs)-1] = strings.TrimSuffix(last, ".json")
	}
	return segs
}

// ServeHTTP serves the API (and, with Options.ControlRoutes, /_sandbox/…).
//
// An API request goes through, in order: the 414 check, the latency delay,
// SetOutage, routing (unknown route or method: HTML 404), authentication (401), the
// rate limit (429), FailNext, the handler, and DropNextResponses. Every
// API request is recorded.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.ControlRoutes && sandboxkit.IsControlPath(r.URL.Path) {
		s.mu.Lock()
		s.lastBase = s.requestBase(r)
		s.mu.Unlock()
		s.controls.ServeHTTP(w, r)
		return
	}
	if isOAuthPath(r.URL.Path) {
		s.serveOAuth(w, r)
		return
	}
	sandboxkit.Serve(s.Harness, w, r, maxBodyBytes, func(trip *sandboxkit.Call, body []byte, _ error) (sandboxkit.Outcome, func(http.ResponseWriter)) {
		resp := s.serveAPI(trip, r, body)
		if resp == nil {
			return sandboxkit.Outcome{}, nil // the client went away during the latency delay
		}
		resp.header.Set("X-Request-Id", uuid.NewString())
		o := sandboxkit.Outcome{Status: resp.status, RequestID: resp.header.Get("X-Request-Id"), Error: errorMessage(resp)}
		return o, func(w http.ResponseWriter) { writeResponse(w, resp) }
	})
}

// errorMessage is the message of an error answer, for the request log.
func errorMessage(resp *response) string {
	if resp.status < 400 {
		return ""
	}
	var body struct {
		Message string          `json:"message"`
		Errors  json.RawMessage `json:"errors"`
	}
	if resp.contentType != contentTypeJSON || json.Unmarshal(resp.body, &body) != nil {
		return http.StatusText(resp.status)
	}
	if body.Message == "" {
		return string(body.Errors) // 422 {"errors":{…}}
	}
	return body.Message
}

// serveAPI builds the answer to an API request. It returns nil when the
// request's context ended during the latency delay.
func (s *Sandbox) serveAPI(trip *sandboxkit.Call, r *http.Request, body []byte) *response {
	if len(requestURI(r)) > maxURILength {
		return errorResponse(statusError(http.StatusRequestURITooLong))
	}
	if !trip.Wait(r.Context()) {
		return nil
	}

	s.mu.Lock()
	outage := s.outage
	s.mu.Unlock()
	if outage > 0 {
		return errorResponse(statusError(outage))
	}

	h, params := s.router.lookup(r.Method, splitPath(r.URL.Path))
	if h == nil {
		return htmlResponse(http.StatusNotFound, routeNotFoundPage)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	base := s.requestBase(r)
	s.lastBase = base
	token, err := s.authenticate(r, now)
	if err != nil {
		return errorResponse(err)
	}
	if st, ok := s.limiter.peek(now); !ok {
		resp := errorResponse(s.tooManyRequests())
		st.apply(resp.header)
		return resp
	}
	if status, failed := trip.Fail(); failed {
		var st rateState
		var err *apiError
		if status == http.StatusTooManyRequests {
			st = rateState{limit: s.limiter.limit, remaining: 0, reset: ceilUnix(now)}
			err = s.tooManyRequests()
		} else {
			st = s.limiter.take(now)
			err = statusError(status)
		}
		resp := errorResponse(err)
		st.apply(resp.header)
		return resp
	}
	st := s.limiter.take(now)

	var resp *response
	idem, keyed := s.idempotencyKey(r, token)
	if keyed && s.seenIdempotencyKey(idem, now) {
		resp = errorResponse(badRequest("Duplicate Idempotency Key header detected"))
	} else {
		resp = s.run(h, &call{s: s, r: r, params: params, body: body, at: now})
		if resp.status < 300 {
			if keyed {
				s.idempotency[idem] = now
			}
			s.flushEvents(base)
		} else {
			s.db.events = nil
		}
	}
	st.apply(resp.header)
	trip.Drop()
	return resp
}

func (s *Sandbox) run(h handlerFunc, c *call) *response {
	q, err := url.ParseQuery(c.r.URL.RawQuery)
	if err != nil {
		return errorResponse(badRequest("invalid query string: %v", err))
	}
	c.query = q
	resp, err := h(c)
	if err != nil {
		return errorResponse(err)
	}
	return resp
}

func (s *Sandbox) tooManyRequests() *apiError {
	secs := strconv.FormatFloat(s.limiter.window.Seconds(), 'f', -1, 64)
	return &apiError{
		status:  http.StatusTooManyRequests,
		message: "Too many requests. You are allowed " + strconv.Itoa(s.limiter.limit) + " requests per " + secs + " seconds",
	}
}

// authenticate checks the bearer token: one of Options.AccessTokens (never
// expire) or an access token /oauth/token issued and that has not expired.
// It answers the token. Called with mu held.
func (s *Sandbox) authenticate(r *http.Request, now time.Time) (string, error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", &apiError{status: http.StatusUnauthorized, message: "The access token is missing"}
	}
	scheme, token, ok := strings.Cut(auth, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", &apiError{status: http.StatusUnauthorized, message: "The access token is invalid"}
	}
	if s.tokens[token] {
		return token, nil
	}
	switch expires, issued := s.oauth.accessTokens[token]; {
	case !issued:
		return "", &apiError{status: http.StatusUnauthorized, message: "The access token is invalid"}
	case !now.Before(expires):
		return "", &apiError{status: http.StatusUnauthorized, message: "The access token expired"}
	}
	return token, nil
}

// requestBase is the sandbox's root URL as the request reached it, or
// Options.BaseURL.
func (s *Sandbox) requestBase(r *http.Request) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

func requestURI(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

func writeResponse(w http.ResponseWriter, resp *response) {
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	if resp.status == http.StatusNoContent {
		w.WriteHeader(resp.status)
		return
	}
	h.Set("Content-Type", resp.contentType)
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}
