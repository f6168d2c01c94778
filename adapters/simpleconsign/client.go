package simpleconsign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/ratelimit"
)

// Backend names SimpleConsign in commerce errors and global ids.
const Backend = backend.SimpleConsign

// DefaultBaseURL is the production service root; TransactionPath is
// appended to it.
const DefaultBaseURL = "https://user.traxia.com"

// TransactionPath is the one endpoint, relative to the base URL.
const TransactionPath = "app/api/transaction"

// The service's documented budget: 100 requests per 10 minutes per location
// key.
const (
	DefaultRateLimit  = 100
	DefaultRateWindow = 10 * time.Minute
)

// DefaultTimeout bounds each request unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

const (
	defaultUserAgent = "commerce-gateway (+https://github.com/commercegateway/gateway)"
	// maxResponseBytes bounds what an answer may cost: the documented
	// answers are a few dozen bytes.
	maxResponseBytes = 64 << 10
	// maxMessageBytes bounds the service's error text kept in errors.
	maxMessageBytes = 1000
)

// TransactionType is SALE or RETURN.
type TransactionType string

// Transaction types.
const (
	Sale   TransactionType = "SALE"
	Return TransactionType = "RETURN"
)

// Transaction is a version-2 online transaction as the service takes it:
// amounts in integer cents, one item per SKU. The client adds the API key.
type Transaction struct {
	OrderNumber         string          `json:"orderNumber"`
	Type                TransactionType `json:"type"`
	NonTaxableSaleTotal int64           `json:"nonTaxableSaleTotal"`
	TaxableSaleTotal    int64           `json:"taxableSaleTotal"`
	Tax                 int64           `json:"tax"`
	Items               []Item          `json:"items"`
}

// Item is one consolidated line: a SimpleConsign SKU, the price in cents
// each unit was sold for, and the number of units.
type Item struct {
	SKU      string `json:"sku"`
	Price    int64  `json:"price"`
	Quantity int64  `json:"quantity"`
}

// wireTransaction is the request body: the key first, then the transaction,
// with type and orderNumber always present (version 2).
type wireTransaction struct {
	Key                 string          `json:"key"`
	OrderNumber         string          `json:"orderNumber"`
	Type                TransactionType `json:"type"`
	NonTaxableSaleTotal int64           `json:"nonTaxableSaleTotal"`
	TaxableSaleTotal    int64           `json:"taxableSaleTotal"`
	Tax                 int64           `json:"tax"`
	Items               []Item          `json:"items"`
}

// Response is the service's answer to a transaction that it recorded: the
// HTTP response (its body already read and closed) and what the body said.
type Response struct {
	*http.Response
	// Success is the body's "success"; always true when Transact returns
	// no error.
	Success bool
}

// Client talks to the SimpleConsign (Traxia) Online Transactions API. It
// is safe for concurrent use.
type Client struct {
	http      *http.Client
	endpoint  string
	key       string
	userAgent string
	timeout   time.Duration
	now       func() time.Time
	limit     int
	window    time.Duration
	shared    bool // a budget in front of the client keeps the count (WithSharedBudget)

	mu           sync.Mutex
	sent         []time.Time // when requests were written, oldest first, within the window
	blockedUntil time.Time   // refuse locally until then (after a rate-limit answer)
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (transport, proxies). Its Timeout
// should be zero: WithTimeout bounds each request.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithTimeout bounds each request, from dialing to the last byte of the
// answer (default DefaultTimeout; 0 means no bound but the caller's context).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithAPIKey sets the location's API key, sent in every request body. It
// never appears in errors.
func WithAPIKey(key string) Option { return func(c *Client) { c.key = key } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithClock sets the clock of the request log behind the rate-limit
// estimates (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithRateLimit sets the budget the client assumes for its key (default
// 100 requests per 10 minutes). While its own log holds limit requests in
// the last window it refuses locally; limit <= 0 turns that off (the
// estimate of a rate-limit answer's RetryAfter is then the whole window).
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *Client) {
		c.limit = limit
		if window > 0 {
			c.window = window
		}
	}
}

// WithSharedBudget says a limiter in front of the client (a RoundTripper
// such as ratelimit.Transport, in WithHTTPClient) keeps the location key's
// budget for every process that shares it. The client then keeps no log of
// its own and never refuses for what its log holds (which sees one
// process's requests only, and would spend the budget a second time): the
// shared limiter alone counts. A rate-limit answer still stops the client
// until its estimated wait has passed, which is then the whole window;
// WithRateLimit's window and limit still name the budget in messages.
func WithSharedBudget() Option { return func(c *Client) { c.shared = true } }

// New returns a client for the service at baseURL (DefaultBaseURL if
// empty); requests go to baseURL + "/app/api/transaction".
func New(baseURL string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("simpleconsign: base URL %q must be an absolute http(s) URL without query", baseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	c := &Client{
		http:      &http.Client{},
		endpoint:  u.ResolveReference(&url.URL{Path: TransactionPath}).String(),
		userAgent: defaultUserAgent,
		timeout:   DefaultTimeout,
		now:       time.Now,
		limit:     DefaultRateLimit,
		window:    DefaultRateWindow,
	}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Endpoint returns the URL transactions are posted to.
func (c *Client) Endpoint() string { return c.endpoint }

// Transact posts one transaction (version 2: type and orderNumber are
// always sent) and answers whether the service recorded it. It never
// retries: a transaction resent after a lost answer could be recorded
// twice (a RETURN; a SALE is refused as a duplicate).
//
// The error, when there is one, is:
//   - *ErrorResponse: the service answered and did not record the
//     transaction ("success": false, a 503 at capacity, another HTTP
//     error), with the documented message classified as a Code; except a
//     5xx other than 503 without such a body, whose OutcomeUnknown is set;
//   - *RateLimitError: "too many API requests in the last ten minutes" (or
//     a 429), or a local refusal while the budget is known to be spent;
//   - *NetworkError: no answer. Sent tells whether the request was written:
//     if not (DNS, dial, connection refused) nothing happened; if so, the
//     outcome is unknown (errors.Is(err, commerce.ErrOutcomeUnknown));
//   - *DecodeError: a 2xx answer that does not say whether the transaction
//     was recorded: the outcome is unknown too;
//   - ErrNoAPIKey, or an encoding error: nothing was sent.
//
// The *Response is returned whenever an HTTP answer arrived.
func (c *Client) Transact(ctx context.Context, tx *Transaction) (*Response, error) {
	if tx == nil {
		return nil, errors.New("simpleconsign: transact: nil transaction")
	}
	if c.key == "" {
		return nil, ErrNoAPIKey
	}
	if err := c.checkBudget(); err != nil {
		return nil, err
	}
	items := tx.Items
	if items == nil {
		items = []Item{}
	}
	body, err := json.Marshal(wireTransaction{
		Key: c.key, OrderNumber: tx.OrderNumber, Type: tx.Type,
		NonTaxableSaleTotal: tx.NonTaxableSaleTotal, TaxableSaleTotal: tx.TaxableSaleTotal, Tax: tx.Tax,
		Items: items,
	})
	if err != nil {
		return nil, fmt.Errorf("simpleconsign: encode transaction: %w", err)
	}
	return c.post(ctx, body)
}

// post sends body and interprets the answer.
func (c *Client) post(ctx context.Context, body []byte) (*Response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		// The request is in the transport's hands, complete: from here on
		// the service may act on it whatever happens to the answer.
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil && !wrote.Swap(true) {
				c.noteSent()
			}
		},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("simpleconsign: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent)

	hr, err := c.http.Do(req)
	if err != nil {
		// A circuit breaker in front of the client (circuit.Guard) refused
		// it: nothing was sent.
		var open *circuit.OpenError
		if !wrote.Load() && errors.As(err, &open) {
			return nil, fmt.Errorf("simpleconsign: POST %s: %w", req.URL.Path, open)
		}
		// A shared budget in front of the client (a RoundTripper) refused
		// it: nothing was sent.
		var budget *ratelimit.Refusal
		if !wrote.Load() && errors.As(err, &budget) {
			return nil, &RateLimitError{Refusal: ratelimit.Refusal{Name: string(Backend), RetryAfter: budget.RetryAfter, Share: budget.Share},
				Message: "the shared request budget is spent", Local: true, Limit: max(c.limit, 0), Window: c.window}
		}
		return nil, c.networkError(ctx, wrote.Load(), err)
	}
	defer hr.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(hr.Body, maxResponseBytes+1))
	resp := &Response{Response: hr}
	if readErr == nil && len(raw) > maxResponseBytes {
		readErr = fmt.Errorf("the answer is longer than %d bytes", maxResponseBytes)
	}
	return resp, c.interpret(resp, raw, readErr)
}

func (c *Client) networkError(ctx context.Context, sent bool, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in NetworkError.Error already
	}
	if errors.Is(err, context.DeadlineExceeded) && c.timeout > 0 && ctx.Err() != nil {
		err = fmt.Errorf("%w (no answer within %s)", err, c.timeout)
	}
	return &NetworkError{Endpoint: c.endpoint, Sent: sent, Err: err}
}

// interpret turns an HTTP answer into nil (recorded) or a typed error.
func (c *Client) interpret(resp *Response, raw []byte, readErr error) error {
	status := resp.StatusCode
	if readErr != nil {
		switch {
		case status == http.StatusServiceUnavailable:
			return &ErrorResponse{StatusCode: status, Code: CodeAtCapacity, Message: "at capacity"}
		case status == http.StatusTooManyRequests:
			return c.rateLimited(status, "", resp.Header)
		case status >= 200 && status < 300 || status >= 500:
			// Sent, and the answer broke off: whatever the service did
			// stands, and it cannot be asked.
			return &NetworkError{Endpoint: c.endpoint, Sent: true, Err: fmt.Errorf("reading the answer (HTTP %d): %w", status, readErr)}
		default:
			return &ErrorResponse{StatusCode: status, Code: CodeHTTPError, Message: http.StatusText(status)}
		}
	}
	res, decErr := decodeResult(raw)
	ok2xx := status >= 200 && status < 300
	if decErr == nil && res.success {
		if ok2xx {
			resp.Success = true
			return nil
		}
		decErr = fmt.Errorf(`"success": true with HTTP %d`, status)
	}
	if decErr == nil {
		// "success": false, or an error message: the service refused.
		msg := c.redact(res.message)
		code := Classify(msg)
		switch {
		case code == CodeRateLimited:
			return c.rateLimited(status, msg, resp.Header)
		case code != CodeRejected:
			return &ErrorResponse{StatusCode: status, Code: code, Message: msg}
		case status == http.StatusServiceUnavailable:
			return &ErrorResponse{StatusCode: status, Code: CodeAtCapacity, Message: orText(msg, "at capacity")}
		case status == http.StatusTooManyRequests:
			return c.rateLimited(status, msg, resp.Header)
		case status >= 500:
			return &ErrorResponse{StatusCode: status, Code: CodeServerError, Message: orText(msg, http.StatusText(status))}
		default:
			return &ErrorResponse{StatusCode: status, Code: CodeRejected, Message: orText(msg, "the service reported a failure without a message")}
		}
	}
	switch {
	case ok2xx:
		if r := c.redact(decErr.Error()); r != decErr.Error() {
			decErr = errors.New(r)
		}
		return &DecodeError{StatusCode: status, Err: decErr}
	case status == http.StatusServiceUnavailable:
		return &ErrorResponse{StatusCode: status, Code: CodeAtCapacity, Message: "at capacity"}
	case status == http.StatusTooManyRequests:
		return c.rateLimited(status, "", resp.Header)
	case status >= 500:
		return &ErrorResponse{StatusCode: status, Code: CodeServerError, Message: http.StatusText(status), OutcomeUnknown: true}
	default:
		return &ErrorResponse{StatusCode: status, Code: CodeHTTPError, Message: orText(http.StatusText(status), fmt.Sprintf("HTTP %d", status))}
	}
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// redact removes the API key from text the service sent back (it has no
// reason to echo it, but a message must never carry it) and bounds it.
func (c *Client) redact(s string) string {
	if c.key != "" {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	if len(s) > maxMessageBytes {
		s = strings.ToValidUTF8(s[:maxMessageBytes], "") + "…"
	}
	return s
}

// noteSent logs a written request for the rate-limit estimates (not with
// a shared budget).
func (c *Client) noteSent() {
	if c.shared {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(now)
	c.sent = append(c.sent, now)
}

// prune drops log entries that left the window. Called with mu held.
func (c *Client) prune(now time.Time) {
	cut := now.Add(-c.window)
	i := 0
	for i < len(c.sent) && !c.sent[i].After(cut) {
		i++
	}
	c.sent = c.sent[i:]
}

// checkBudget refuses locally, without sending anything, while a
// rate-limit answer's estimated wait has not passed or while the client's
// own log (none with a shared budget) holds the whole budget of the last
// window.
func (c *Client) checkBudget() error {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Before(c.blockedUntil) {
		return &RateLimitError{Local: true, Refusal: refusal(ceilSecond(c.blockedUntil.Sub(now))),
			Message: "the location's request budget is spent", Limit: max(c.limit, 0), Window: c.window}
	}
	c.prune(now)
	if c.limit > 0 && len(c.sent) >= c.limit {
		return &RateLimitError{Local: true, Refusal: refusal(c.estimate(now)),
			Message: fmt.Sprintf("%d requests in the last %s", len(c.sent), c.window), Limit: c.limit, Window: c.window}
	}
	return nil
}

// rateLimited builds the error for a rate-limit answer and refuses locally
// until the estimated wait has passed. A Retry-After header (not
// documented) wins over the estimate.
func (c *Client) rateLimited(status int, msg string, h http.Header) error {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prune(now)
	wait := c.estimate(now)
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		wait = d
	}
	c.blockedUntil = now.Add(wait)
	return &RateLimitError{Refusal: refusal(wait), StatusCode: status, Message: orText(msg, "too many API requests")}
}

// estimate is how long until the window holds fewer than limit of the
// requests this client sent, rounded up to a second; when the log holds
// fewer than limit (other clients share the key, or the service counts
// differently) nothing better than the whole window is known. Called with
// mu held, after prune.
func (c *Client) estimate(now time.Time) time.Duration {
	n := len(c.sent)
	if c.limit <= 0 || n < c.limit {
		return ceilSecond(c.window)
	}
	// The window drops below limit once sent[n-limit] leaves it.
	return ceilSecond(c.sent[n-c.limit].Add(c.window).Sub(now))
}

func ceilSecond(d time.Duration) time.Duration {
	if d < time.Second {
		return time.Second
	}
	if r := d % time.Second; r != 0 {
		d += time.Second - r
	}
	return d
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && fmt.Sprint(secs) == v && secs >= 0 {
		return ceilSecond(time.Duration(min(secs, 86400)) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return ceilSecond(t.Sub(now)), true
	}
	return 0, false
}
