package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
	"github.com/shopspring/decimal"
)

// DefaultAccessToken is the bearer token a sandbox accepts when
// Options.AccessTokens is empty.
const DefaultAccessToken = "sandbox-token"

// Defaults applied by New to zero-valued Options fields.
const (
	DefaultRateLimit        = 300
	DefaultRateWindow       = 300 * time.Second
	DefaultProducts         = 520
	DefaultSeed             = 1
	DefaultClientID         = "sandbox-client-id"
	DefaultClientSecret     = "sandbox-client-secret"
	DefaultAccessTokenTTL   = 7200 * time.Second
	DefaultWebhookRetryBase = time.Second
	DefaultWebhookMaxAge    = 72 * time.Hour
	// WebhookTimeout bounds one delivery attempt, as the spec's 10-second
	// window does.
	WebhookTimeout = 10 * time.Second
	// IdempotencyKeyTTL is how long an Idempotency-Key is remembered.
	IdempotencyKeyTTL = 24 * time.Hour
)

// Options configures a Sandbox. The zero value is usable: every field has a
// default.
type Options struct {
	AccessTokens       []string         // accepted bearer tokens; default []string{DefaultAccessToken}
	RateLimit          int              // requests allowed per RateWindow; default 300
	RateWindow         time.Duration    // default 300 * time.Second
	Products           int              // number of seeded products incl. the spec's two; default 520; values below 2 mean 2
	Seed               uint64           // seed for the deterministic generator; default 1
	IgnoreIndexInclude bool             // index (list) endpoints ignore include=; single-resource endpoints still honour it
	ControlRoutes      bool             // serve the /_sandbox/... control routes (make run turns this on)
	Now                func() time.Time // clock for rate limiting, request times, records, token and idempotency-key expiry; default time.Now

	// OAuth2 application (see the package documentation).
	ClientID       string        // default DefaultClientID
	ClientSecret   string        // default DefaultClientSecret
	AppSecret      string        // signs webhooks; default ClientSecret
	AccessTokenTTL time.Duration // lifetime of access tokens issued by /oauth/token; default 7200 s

	// Webhook deliveries.
	BaseURL          string        // root of resource_url in webhook bodies; default the URL the causing request reached
	WebhookClient    *http.Client  // default a client with a 10 s timeout
	WebhookRetryBase time.Duration // first retry delay, doubling after each failure (capped at one hour); default 1 s
	WebhookMaxAge    time.Duration // a delivery still failing this long after its event is dropped; default 72 h
}

// Request is an API request as the sandbox received it, with what it
// answered (Requests). Control routes and /oauth/… are never recorded.
type Request = sandboxkit.Request

// Sandbox is an in-process fake of the TradeGecko API. It is an
// http.Handler; all methods are safe for concurrent use.
type Sandbox struct {
	// Harness holds the faults and the request log: FailNext,
	// FailNextMatching, DropNextResponses, SetLatency, Requests,
	// RequestCount, ResetRequests and the rest of the shared Go control API
	// (adapters/sandboxkit).
	*sandboxkit.Harness

	opts     Options
	tokens   map[string]bool
	now      func() time.Time
	router   *router
	controls *sandboxkit.Controls

	// mu guards everything below. API handlers run with mu held.
	mu                 sync.Mutex
	db                 *store
	limiter            *rateLimiter
	ignoreIndexInclude bool
	outage             int // SetOutage's status; 0: none
	oauth              *oauthState
	idempotency        map[idempotencyKey]time.Time
	lastBase           string // base URL of the most recent request, for events caused by Go calls

	hooks *hookQueue // webhook deliveries; its own lock, taken after mu
}

// New returns a sandbox seeded with the deterministic demo catalog described
// in the package documentation.
func New(opts Options) *Sandbox {
	if len(opts.AccessTokens) == 0 {
		opts.AccessTokens = []string{DefaultAccessToken}
	} else {
		opts.AccessTokens = slices.Clone(opts.AccessTokens)
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = DefaultRateWindow
	}
	if opts.Products <= 0 {
		opts.Products = DefaultProducts
	}
	if opts.Products < 2 {
		opts.Products = 2
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.AppSecret == "" {
		opts.AppSecret = opts.ClientSecret
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = DefaultAccessTokenTTL
	}
	if opts.WebhookRetryBase <= 0 {
		opts.WebhookRetryBase = DefaultWebhookRetryBase
	}
	if opts.WebhookMaxAge <= 0 {
		opts.WebhookMaxAge = DefaultWebhookMaxAge
	}
	opts.BaseURL = strings.TrimSuffix(opts.BaseURL, "/")
	s := &Sandbox{
		Harness:            sandboxkit.New(opts.Now),
		opts:               opts,
		tokens:             make(map[string]bool, len(opts.AccessTokens)),
		now:                opts.Now,
		router:             newRouter(),
		db:                 seed(opts.Products, opts.Seed),
		limiter:            newRateLimiter(opts.RateLimit, opts.RateWindow),
		ignoreIndexInclude: opts.IgnoreIndexInclude,
		oauth:              newOAuthState(),
		idempotency:        map[idempotencyKey]time.Time{},
	}
	s.hooks = newHookQueue(s)
	s.controls = sandboxkit.NewControls(s.Harness, s.controlRoutes()...)
	for _, t := range opts.AccessTokens {
		s.tokens[t] = true
	}
	return s
}

// Close stops the webhook delivery worker (started by the first delivery)
// and waits for it to exit; pending deliveries are abandoned. The sandbox
// keeps serving requests, but events no longer reach webhooks. Close is
// idempotent. Tests that register webhooks must call it (t.Cleanup) so no
// goroutine outlives them.
func (s *Sandbox) Close() { s.hooks.close() }

// SetStock sets a variant's stock_on_hand at a location to stockOnHand (a
// decimal string such as "12" or "2.5"). Committed stock is kept, so
// available and the product's quantity follow; the variant's updated_at moves
// to the sandbox clock's now (and always forward), and a
// variant.stock_level_update event goes to the webhooks subscribed to it. It
// fails for an unknown variant or location or a malformed decimal.
func (s *Sandbox) SetStock(variantID, locationID int64, stockOnHand string) error {
	d, err := parseDecimal(stockOnHand)
	if err != nil {
		return fmt.Errorf("sandbox: set stock: %w", err)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.db.variants[variantID]
	if v == nil {
		return fmt.Errorf("sandbox: set stock: %w: variant %d", ErrUnknown, variantID)
	}
	if s.db.locations[locationID] == nil {
		return fmt.Errorf("sandbox: set stock: %w: location %d", ErrUnknown, locationID)
	}
	s.db.stockChanged(v)
	v.setStock(locationID, d)
	v.touch(now)
	s.flushEvents("")
	return nil
}

// ErrUnknown is wrapped by control API errors about ids that do not exist.
var ErrUnknown = errors.New("unknown record")

// SetOutage makes every API request answer status (the documented error
// body, no rate-limit headers, no work done, nothing counted against the
// rate limit) until SetOutage(0): the service is down, whatever is asked,
// until told otherwise. It applies after the latency delay, before routing
// and authentication; requests are still recorded. A status outside
// 500-599 means 503; status <= 0 ends the outage.
func (s *Sandbox) SetOutage(status int) {
	if status > 0 && (status < 500 || status > 599) {
		status = http.StatusServiceUnavailable
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outage = max(status, 0)
}

// SetIgnoreIndexInclude switches whether index endpoints ignore include=.
func (s *Sandbox) SetIgnoreIndexInclude(ignore bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignoreIndexInclude = ignore
}

// ResetRateLimit forgets every request counted against the rate limit.
func (s *Sandbox) ResetRateLimit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiter.reset()
}

// SpendRateLimit counts n requests against the rate limit now, as another
// app on the same account would spend it (at most what is left; it
// answers how many were spent). The gateway learns of them only from the
// X-Rate-Limit-* headers of its own next answer, as with the real API.
func (s *Sandbox) SpendRateLimit(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	spent := 0
	for ; spent < n; spent++ {
		if _, ok := s.limiter.peek(now); !ok {
			break
		}
		s.limiter.take(now)
	}
	return spent
}

// ProductCount is the number of products with one of the given statuses
// ("active", "disabled", "archived"); with none given, the non-archived
// products, i.e. what GET /products counts by default.
func (s *Sandbox) ProductCount(status ...string) int {
	if len(status) == 0 {
		status = productDefaultStatuses
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.db.productList {
		if slices.Contains(status, p.status) {
			n++
		}
	}
	return n
}

// VariantCount is the number of variants with one of the given statuses
// ("active", "archived"); with none given, the active ones, i.e. what
// GET /variants counts by default.
func (s *Sandbox) VariantCount(status ...string) int {
	if len(status) == 0 {
		status = variantDefaultStatuses
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.db.variantList {
		if slices.Contains(status, v.status) {
			n++
		}
	}
	return n
}

// ImageCount is the number of images.
func (s *Sandbox) ImageCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.db.imageList)
}

// VariantIDBySKU returns the id of the variant with the given SKU.
func (s *Sandbox) VariantIDBySKU(sku string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.db.variantList {
		if v.sku == sku {
			return v.id, true
		}
	}
	return 0, false
}

// StockOnHand returns a variant's stock_on_hand at a location as the API
// renders it ("10", "2.5"); "0" where the variant has no stock record there.
func (s *Sandbox) StockOnHand(variantID, locationID int64) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.db.variants[variantID]
	if v == nil {
		return "", fmt.Errorf("sandbox: stock on hand: %w: variant %d", ErrUnknown, variantID)
	}
	if s.db.locations[locationID] == nil {
		return "", fmt.Errorf("sandbox: stock on hand: %w: location %d", ErrUnknown, locationID)
	}
	if l := v.level(locationID); l != nil {
		return plainDecimal(l.onHand), nil
	}
	return "0", nil
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// parseDecimal parses a plain decimal string ("12", "-2", "2.5").
func parseDecimal(s string) (decimal.Decimal, error) {
	if !isPlainDecimal(s) {
		return decimal.Decimal{}, fmt.Errorf("malformed decimal %q", s)
	}
	return decimal.NewFromString(s)
}

func isPlainDecimal(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
