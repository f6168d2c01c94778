package tradegecko

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/oauth2"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/ratelimit"
)

// DefaultBaseURL is the production API root.
const DefaultBaseURL = "https://api.tradegecko.com"

// MaxLimit is the largest page the API serves; a larger limit answers 400.
const MaxLimit = 250

// The API's documented budget: 300 requests per 300 seconds per account.
const (
	DefaultRateLimit  = 300
	DefaultRateWindow = 300 * time.Second
)

// DefaultTimeout bounds each attempt of a request unless WithTimeout says
// otherwise.
const DefaultTimeout = 30 * time.Second

const (
	defaultUserAgent = "commerce-gateway (+https://github.com/commercegateway/gateway)"
	maxBodyBytes     = 64 << 20 // a page of 250 variants with sideloads is a few MB at most
	maxErrorBytes    = 64 << 10
)

// Client talks to the TradeGecko (QuickBooks Commerce) API. It is safe for
// concurrent use. Each API area is a service: c.Products.List(ctx, opts).
type Client struct {
	http      *http.Client
	baseURL   *url.URL
	tokens    oauth2.TokenSource
	userAgent string
	timeout   time.Duration
	retries   uint
	backoff   func() backoff.BackOff
	now       func() time.Time

	rateMu sync.Mutex
	rate   Rate
	shared bool // a budget in front of the client keeps the quota (WithSharedBudget)

	common service // reused by the services below, as go-github does

	Accounts   *AccountsService
	Currencies *CurrenciesService
	Locations  *LocationsService
	Products   *ProductsService
	Variants   *VariantsService
	Images     *ImagesService

	Companies    *CompaniesService
	Addresses    *AddressesService
	Orders       *OrdersService
	Fulfillments *FulfillmentsService
	Webhooks     *WebhooksService
}

type service struct{ client *Client }

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (transport, proxies, the rate limiter's
// RoundTripper). Its Timeout should be zero: WithTimeout bounds each attempt.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithAccessToken authenticates with a privileged (non-expiring) token.
func WithAccessToken(token string) Option {
	return func(c *Client) { c.tokens = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}) }
}

// WithTokenSource authenticates with tokens from ts (the OAuth2 flow).
func WithTokenSource(ts oauth2.TokenSource) Option { return func(c *Client) { c.tokens = ts } }

// WithTimeout bounds each attempt of each request (default
// DefaultTimeout). The caller's context deadline, if earlier, wins.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithRetries sets how many times a failed idempotent request is retried
// after network errors and 5xx answers (default 2), and the backoff between
// attempts (default exponential from 200ms, with jitter).
func WithRetries(n uint, b func() backoff.BackOff) Option {
	return func(c *Client) {
		c.retries = n
		if b != nil {
			c.backoff = b
		}
	}
}

// WithSharedBudget says a limiter in front of the client (a RoundTripper
// such as ratelimit.Transport, in WithHTTPClient) keeps the account's
// quota for every process that shares it, following the X-Rate-Limit-*
// headers itself. The client then skips its own gate on the quota its
// last answer reported, which sees one process's answers only and would
// hold back requests the shared budget has room for.
func WithSharedBudget() Option { return func(c *Client) { c.shared = true } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithClock sets the clock used to decide whether the known quota is spent.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// New returns a client for the API at baseURL (DefaultBaseURL if empty).
func New(baseURL string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tradegecko: base URL %q must be an absolute http(s) URL", baseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := &Client{
		http:      &http.Client{},
		baseURL:   u,
		userAgent: defaultUserAgent,
		timeout:   DefaultTimeout,
		retries:   2,
		backoff: func() backoff.BackOff {
			b := backoff.NewExponentialBackOff()
			b.InitialInterval = 200 * time.Millisecond
			b.MaxInterval = 2 * time.Second
			return b
		},
		now: time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	c.common.client = c
	c.Accounts = (*AccountsService)(&c.common)
	c.Currencies = (*CurrenciesService)(&c.common)
	c.Locations = (*LocationsService)(&c.common)
	c.Products = (*ProductsService)(&c.common)
	c.Variants = (*VariantsService)(&c.common)
	c.Images = (*ImagesService)(&c.common)
	c.Companies = (*CompaniesService)(&c.common)
	c.Addresses = (*AddressesService)(&c.common)
	c.Orders = (*OrdersService)(&c.common)
	c.Fulfillments = (*FulfillmentsService)(&c.common)
	c.Webhooks = (*WebhooksService)(&c.common)
	return c, nil
}

// BaseURL returns the API root the client talks to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// Rate returns the quota the API reported last.
func (c *Client) Rate() Rate {
	c.rateMu.Lock()
	defer c.rateMu.Unlock()
	return c.rate
}

// Response wraps the HTTP response with what its headers say.
type Response struct {
	*http.Response
	// Pagination is the decoded X-Pagination header; nil when absent.
	Pagination *Pagination
	Rate       Rate
	RequestID  string
}

// Pagination is the X-Pagination header of collection responses.
type Pagination struct {
	TotalRecords int  `json:"total_records"`
	TotalPages   int  `json:"total_pages"`
	FirstPage    bool `json:"first_page"`
	LastPage     bool `json:"last_page"`
	OutOfBounds  bool `json:"out_of_bounds"`
	Offset       int  `json:"offset"`
}

// Rate is the quota from the X-Rate-Limit-* headers.
type Rate struct {
	Limit     int
	Remaining int
	Reset     time.Time
	known     bool
}

func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r, RequestID: r.Header.Get("X-Request-ID")}
	if p := r.Header.Get("X-Pagination"); p != "" {
		var pg Pagination
		if json.Unmarshal([]byte(p), &pg) == nil {
			resp.Pagination = &pg
		}
	}
	resp.Rate = parseRate(r.Header)
	return resp
}

func parseRate(h http.Header) Rate {
	var r Rate
	limit, err1 := strconv.Atoi(h.Get("X-Rate-Limit-Limit"))
	remaining, err2 := strconv.Atoi(h.Get("X-Rate-Limit-Remaining"))
	reset, err3 := strconv.ParseInt(h.Get("X-Rate-Limit-Reset"), 10, 64)
	if err1 == nil && err2 == nil && err3 == nil {
		r = Rate{Limit: limit, Remaining: remaining, Reset: time.Unix(reset, 0), known: true}
	}
	return r
}

// NewRequest builds a request for path (relative to the base URL, e.g.
// "products/1") with the query and, when body is not nil, its JSON.
func (c *Client) NewRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	rel, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil {
		return nil, fmt.Errorf("tradegecko: bad path %q: %w", path, err)
	}
	u := c.baseURL.ResolveReference(rel)
	if len(query) > 0 {
		u.RawQuery = encodeQuery(query)
	}
	var buf []byte
	if body != nil {
		if buf, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("tradegecko: encode %s %s: %w", method, path, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(buf))
	if err != nil {
		return nil, err
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	req.ContentLength = int64(len(buf))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// encodeQuery is url.Values.Encode without escaping the commas and brackets
// the API's documented forms use (ids=1,2, ids[]=1), so URLs stay short and
// readable; every other byte is escaped as usual.
func encodeQuery(v url.Values) string {
	s := v.Encode()
	return strings.NewReplacer("%2C", ",", "%5B%5D", "[]").Replace(s)
}

// Do sends req, retrying idempotent requests after network errors and 5xx
// answers, and decodes a 2xx JSON body into v (when v is not nil). Non-2xx
// answers become *ErrorResponse or *RateLimitError. The *Response is
// returned even with an error, when there was one.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	if err := c.awaitQuota(req); err != nil {
		return nil, err
	}
	retryable := isIdempotent(req)
	reauthorized, throttled := false, false
	attempt := func() (*Response, error) {
		resp, err := c.once(req, v)
		if !reauthorized && c.reauthorize(resp, err) {
			// The API refused the token before doing anything, so sending
			// the request again is safe, whatever its method: once.
			reauthorized = true
			resp, err = c.once(req, v)
		}
		var rl *RateLimitError
		if !throttled && errors.As(err, &rl) && !rl.Local && rl.Rate.known {
			// A 429 did nothing either: queue for the reset and send it
			// once more, whatever its method, if the deadline allows.
			throttled = true
			// Behind a shared budget the transport has paused every
			// replica until the reset and waits it out itself (by Redis's
			// clock), or refuses when the deadline is too near.
			if c.shared || c.awaitReset(req, rl.Rate.Reset) == nil {
				first, firstErr := resp, err
				resp, err = c.once(req, v)
				var again *RateLimitError
				if errors.As(err, &again) && again.Local {
					// A budget in front refused the resend: the upstream's
					// own answer (with its request id) is the result.
					resp, err = first, firstErr
				}
			}
		}
		// Once the caller's context is done, the attempt's own error (a
		// *NetworkError wrapping the context's error, or the answer that
		// came anyway) is the result: not a bare context error.
		if err != nil && (!retryable || !isTransient(err) || req.Context().Err() != nil) {
			return resp, backoff.Permanent(err)
		}
		return resp, err
	}
	tries := uint(1)
	if retryable {
		tries += c.retries
	}
	resp, err := backoff.Retry(req.Context(), attempt,
		backoff.WithBackOff(c.backoff()), backoff.WithMaxTries(tries), backoff.WithMaxElapsedTime(0))
	// backoff.Retry hands back the *PermanentError wrapper itself when the
	// last allowed attempt fails (always so for a request that is not
	// retried): callers get the typed error, as documented.
	var perm *backoff.PermanentError
	if errors.As(err, &perm) {
		err = perm.Err
	}
	return resp, err
}

func (c *Client) once(req *http.Request, v any) (*Response, error) {
	ctx := req.Context()
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	r := req.Clone(ctx)
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		r.Body = body
	}
	if c.tokens != nil {
		tok, err := c.tokens.Token()
		if err != nil {
			return nil, &AuthError{Err: err}
		}
		r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	}
	hr, err := c.http.Do(r)
	if err != nil {
		// A circuit breaker in front of the client (circuit.Guard) refused
		// it, nothing sent: not retried, since retrying is what it stops.
		var open *circuit.OpenError
		if errors.As(err, &open) {
			return nil, fmt.Errorf("tradegecko: %s %s: %w", req.Method, req.URL.Path, open)
		}
		// A shared budget in front of the client (a RoundTripper, see
		// ratelimit.Transport) refused it before sending: not retried.
		var budget *ratelimit.Refusal
		if errors.As(err, &budget) {
			rl := &RateLimitError{Method: req.Method, Path: req.URL.Path, Local: true,
				Refusal: ratelimit.Refusal{Name: string(Backend), RetryAfter: max(budget.RetryAfter, time.Second), Share: budget.Share},
				Rate:    Rate{Reset: c.now().Add(budget.RetryAfter)}, Message: "the shared request budget is spent"}
			if budget.Share {
				rl.Message = "this client's share of the request budget is spent while others wait"
			}
			return nil, rl
		}
		if ctx.Err() != nil && req.Context().Err() == nil {
			err = fmt.Errorf("%w (attempt took longer than %s)", err, c.timeout)
		}
		return nil, &NetworkError{Method: req.Method, Path: req.URL.Path, Err: err}
	}
	defer hr.Body.Close()
	resp := newResponse(hr)
	c.noteRate(resp.Rate)
	if err := checkResponse(hr, c.now()); err != nil {
		return resp, err
	}
	if v == nil || hr.StatusCode == http.StatusNoContent {
		_, _ = io.Copy(io.Discard, io.LimitReader(hr.Body, maxBodyBytes))
		return resp, nil
	}
	dec := json.NewDecoder(io.LimitReader(hr.Body, maxBodyBytes))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if err == io.EOF {
			// An empty body: updates may answer 200 with nothing, like 204.
			return resp, nil
		}
		if ctx.Err() != nil {
			return resp, &NetworkError{Method: req.Method, Path: req.URL.Path, Err: err}
		}
		return resp, &DecodeError{Method: req.Method, Path: req.URL.Path, RequestID: resp.RequestID, Err: err}
	}
	return resp, nil
}

// invalidator is a token source that can be told the API refused one of
// its tokens (TokenSource), so its next token is a new one.
type invalidator interface{ Invalidate(accessToken string) }

// reauthorize reports whether a request should be sent once more after
// err: a 401 on a token the source can replace, now invalidated. Only
// 401 means the token is bad; no other status causes a refresh.
func (c *Client) reauthorize(resp *Response, err error) bool {
	inv, ok := c.tokens.(invalidator)
	if !ok || resp == nil || !errors.Is(err, ErrUnauthorized) {
		return false
	}
	var used string
	if resp.Request != nil {
		used = strings.TrimPrefix(resp.Request.Header.Get("Authorization"), "Bearer ")
	}
	inv.Invalidate(used)
	return true
}

// awaitQuota waits while the quota the API last reported is spent, until
// its reset, when the request's deadline leaves time for that; otherwise
// (or with no deadline) it refuses at once, without a network round trip.
func (c *Client) awaitQuota(req *http.Request) error {
	if c.shared {
		return nil
	}
	c.rateMu.Lock()
	rate := c.rate
	c.rateMu.Unlock()
	if !rate.known || rate.Remaining > 0 {
		return nil
	}
	return c.awaitReset(req, rate.Reset)
}

// awaitReset waits until reset, or answers a local *RateLimitError at once
// when the request's deadline would pass first.
func (c *Client) awaitReset(req *http.Request, reset time.Time) error {
	wait := reset.Sub(c.now())
	if wait <= 0 {
		return nil
	}
	refused := func() error {
		c.rateMu.Lock()
		rate := c.rate
		c.rateMu.Unlock()
		return &RateLimitError{Refusal: refusal(rate.Reset, c.now()), Rate: rate, Method: req.Method, Path: req.URL.Path,
			Message: "the API quota is spent until " + reset.UTC().Format(time.RFC3339), Local: true}
	}
	if d, ok := req.Context().Deadline(); !ok || time.Until(d) < wait {
		return refused()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-req.Context().Done():
		return refused()
	}
}

func (c *Client) noteRate(r Rate) {
	if !r.known {
		return
	}
	c.rateMu.Lock()
	c.rate = r
	c.rateMu.Unlock()
}

func isIdempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		return true
	}
	return req.Header.Get("Idempotency-Key") != ""
}

func isTransient(err error) bool {
	var ne *NetworkError
	if errors.As(err, &ne) {
		return true
	}
	var er *ErrorResponse
	if errors.As(err, &er) {
		switch er.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

// get sends a GET for path with the query and decodes the body into v.
func (c *Client) get(ctx context.Context, path string, q url.Values, v any) (*Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req, v)
}

// getOne is get for a single resource wrapped in key ({"product": {…}});
// present reports whether the key was there.
func (c *Client) getOne(ctx context.Context, path string, q url.Values, v any, key string, present func() bool) (*Response, error) {
	resp, err := c.get(ctx, path, q, v)
	if err == nil && !present() {
		err = &DecodeError{Method: http.MethodGet, Path: "/" + path, RequestID: resp.RequestID,
			Err: fmt.Errorf("the response has no %q key", key)}
	}
	return resp, err
}

// send sends a write (POST, PUT, DELETE) with body as JSON and, when key is
// not empty, an Idempotency-Key header, and decodes the answer into v. A
// write with a key is retried after network errors and 5xx answers; the
// API then either applies it once or answers 400 "Duplicate Idempotency
// Key header detected" (see IsDuplicateKey).
func (c *Client) send(ctx context.Context, method, path string, body any, key string, v any) (*Response, error) {
	req, err := c.NewRequest(ctx, method, path, nil, body)
	if err != nil {
		return nil, err
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return c.Do(req, v)
}

// BudgetHeaders reads the X-Rate-Limit-Remaining and -Reset headers of a
// response, for a rate limiter in front of the client (ratelimit.Transport).
func BudgetHeaders(resp *http.Response) (remaining int, reset time.Time, ok bool) {
	r := parseRate(resp.Header)
	return r.Remaining, r.Reset, r.known
}
