package tradeglobal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/circuit"
)

// DefaultBaseURL is the production API root.
const DefaultBaseURL = "https://services.tradeglobal.com"

// Backend names TGC in commerce errors.
const Backend = backend.TradeGlobal

// MaxMerchantCode is the documented length of MerchantCode.
const MaxMerchantCode = 20

// DefaultTimeout bounds each request unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

const (
	defaultUserAgent = "commerce-gateway (+https://github.com/commercegateway/gateway)"
	maxBodyBytes     = 4 << 20 // an answer echoes one cart: a few KB
	maxErrorBytes    = 64 << 10
)

// Client talks to the TGC Order API. It is safe for concurrent use.
type Client struct {
	http          *http.Client
	baseURL       *url.URL
	merchantCode  string
	authorization string
	userAgent     string
	timeout       time.Duration
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (transport, proxies). Its Timeout
// should be zero: WithTimeout bounds each request.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithTimeout bounds each request (default DefaultTimeout); the caller's
// context deadline, if earlier, wins. A timeout after the request was sent
// leaves the outcome unknown (see the package documentation).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithMerchantCode sets the MerchantCode sent in every order whose own
// MerchantCode is empty (TRADEGLOBAL_MERCHANT_CODE).
func WithMerchantCode(code string) Option { return func(c *Client) { c.merchantCode = code } }

// WithAuthorization sets a whole Authorization header value ("Basic …"),
// sent verbatim with every request (TRADEGLOBAL_AUTHORIZATION). Empty sends
// no Authorization header.
func WithAuthorization(value string) Option { return func(c *Client) { c.authorization = value } }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client for the API at baseURL (DefaultBaseURL if empty); the
// documented path is appended to it. It fails on a base URL that is not an
// absolute http(s) URL, a merchant code longer than 20 characters, and an
// Authorization value that cannot be a header (a line break); the value
// itself is never part of an error.
func New(baseURL string, opts ...Option) (*Client, error) {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tradeglobal: base URL %q must be an absolute http(s) URL", baseURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := &Client{http: &http.Client{}, baseURL: u, userAgent: defaultUserAgent, timeout: DefaultTimeout}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if n := textLength(c.merchantCode); n > MaxMerchantCode {
		return nil, fmt.Errorf("tradeglobal: the merchant code is %d characters long; TGC allows %d", n, MaxMerchantCode)
	}
	if strings.ContainsAny(c.authorization, "\r\n\x00") {
		return nil, errors.New("tradeglobal: the Authorization value contains a line break or NUL; it cannot be sent as a header")
	}
	return c, nil
}

// BaseURL returns the API root the client talks to.
func (c *Client) BaseURL() string { return c.baseURL.String() }

// MerchantCode returns the merchant code set with WithMerchantCode.
func (c *Client) MerchantCode() string { return c.merchantCode }

// redact replaces the credentials (the Authorization value, its token
// without the scheme, the merchant code) in a server's message.
func (c *Client) redact(msg string) string {
	secrets := []string{c.authorization, c.merchantCode}
	if _, token, ok := strings.Cut(c.authorization, " "); ok {
		secrets = append(secrets, strings.TrimSpace(token))
	}
	for _, sec := range secrets {
		if len(sec) >= 4 {
			msg = strings.ReplaceAll(msg, sec, "[redacted]")
		}
	}
	return msg
}

// Response wraps the HTTP response with what its headers say. Its body has
// been read and closed.
type Response struct {
	*http.Response
	// RequestID is the server's request id header (X-Request-Id and a few
	// common others), when it sent one.
	RequestID string
}

// PlaceOrder sends an order (POST …/api/TGCOrder) and returns TGC's answer.
//
// The answer's Status decides, whatever the HTTP status: SUCCESS returns the
// response; FAILED returns a *RefusedError with TGC's ErrorMessage (also
// when it comes with a 4xx or 5xx status). Other HTTP errors are an
// *ErrorResponse, no answer a *NetworkError, an unreadable one a
// *DecodeError. The *Response is returned whenever an answer came.
//
// PlaceOrder never resends: whether to resend after a *NetworkError is the
// caller's decision (see the package documentation).
func (c *Client) PlaceOrder(ctx context.Context, order *OrderRequest) (*OrderResponse, *Response, error) {
	if order == nil {
		return nil, nil, errors.New("tradeglobal: PlaceOrder: nil order")
	}
	merchant := order.MerchantCode
	if merchant == "" {
		merchant = c.merchantCode
	}
	body, err := encodeOrder(merchant, order)
	if err != nil {
		return nil, nil, fmt.Errorf("tradeglobal: encode order %q: %w", order.MerchantOrderID, err)
	}
	out, resp, err := c.do(ctx, http.MethodPost, OrderPath, body)
	if err != nil {
		var re *RefusedError
		if errors.As(err, &re) {
			re.MerchantOrderID = order.MerchantOrderID
		}
	}
	return out, resp, err
}

// NewRequest builds a request for path (relative to the base URL) with body
// as its JSON entity.
func (c *Client) NewRequest(ctx context.Context, method, path string, body []byte) (*http.Request, error) {
	rel, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil {
		return nil, fmt.Errorf("tradeglobal: bad path %q: %w", path, err)
	}
	u := c.baseURL.ResolveReference(rel)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if c.authorization != "" {
		req.Header.Set("Authorization", c.authorization)
	}
	return req, nil
}

// do sends one request and reads its answer as an OrderResponse (see
// PlaceOrder for the errors).
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*OrderResponse, *Response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := c.NewRequest(ctx, method, path, body)
	if err != nil {
		return nil, nil, err
	}
	hr, err := c.http.Do(req)
	if err != nil {
		// A circuit breaker in front of the client (circuit.Guard) refused
		// it: nothing was sent, so this is no *NetworkError.
		var open *circuit.OpenError
		if errors.As(err, &open) {
			return nil, nil, fmt.Errorf("tradeglobal: %s %s: %w", method, req.URL.Path, open)
		}
		return nil, nil, &NetworkError{Method: method, Path: req.URL.Path, Err: err}
	}
	defer hr.Body.Close()
	resp := &Response{Response: hr, RequestID: requestID(hr.Header)}
	limit := int64(maxBodyBytes)
	if hr.StatusCode >= 300 {
		limit = maxErrorBytes
	}
	raw, err := io.ReadAll(io.LimitReader(hr.Body, limit))
	if err != nil {
		// The answer was cut short: what TGC said is unknown.
		return nil, resp, &NetworkError{Method: method, Path: req.URL.Path, Err: fmt.Errorf("reading the answer (HTTP %d): %w", hr.StatusCode, err)}
	}
	ok := hr.StatusCode >= 200 && hr.StatusCode < 300
	out, derr := decodeOrderResponse(raw)
	switch {
	case derr == nil && out.Succeeded():
		return out, resp, nil
	case derr == nil && out.Failed():
		return out, resp, &RefusedError{Message: out.ErrorMessage, StatusCode: hr.StatusCode, RequestID: resp.RequestID, Response: out}
	case !ok:
		return nil, resp, newErrorResponse(hr, raw)
	case derr != nil:
		return nil, resp, &DecodeError{StatusCode: hr.StatusCode, RequestID: resp.RequestID, Err: derr}
	default:
		return nil, resp, &DecodeError{StatusCode: hr.StatusCode, RequestID: resp.RequestID,
			Err: fmt.Errorf("unexpected Status %q (want SUCCESS or FAILED)", truncateText(out.Status, 40))}
	}
}
