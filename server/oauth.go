package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/store"
)

// The TradeGecko OAuth2 connect flow (authorization code with refresh
// token), enabled by TRADEGECKO_CLIENT_ID and TRADEGECKO_CLIENT_SECRET:
//
//	GET /oauth/tradegecko/connect   admin key → 302 to TradeGecko's /oauth/authorize
//	GET /oauth/tradegecko/callback  ?code=…&state=… → exchange, store the pair, "connected"
//
// The callback needs no key: its state authenticates it. A state is
//
//	v1.<nonce>.<expiry, unix seconds>.<base64url HMAC-SHA256 of "v1.<nonce>.<expiry>">
//
// keyed with HMAC-SHA256(client secret, "commerce-gateway/oauth-state/v1").
// The key comes from the client secret, not from a random per-process key,
// because every replica knows the secret and nothing else is shared: the
// callback may reach another replica than the connect did, or one restarted
// since, and must still verify. The derivation keeps the state key apart
// from the secret's other use (signing webhooks). A state expires after 10
// minutes and works once: its nonce goes into the delivery-id store (shared
// by replicas, like webhook delivery ids) until then. A bad, expired or
// reused state is 400 and changes nothing.
//
// Tokens live in a store.Tokens (WithTokenStore). Outside sandbox mode and
// without TRADEGECKO_ACCESS_TOKEN, the TradeGecko client takes its tokens
// from there (tradegecko.TokenSource), and /readyz is unready until an
// admin has connected. In sandbox mode the client keeps the sandbox's
// privileged token; the routes still work against the sandbox.
const (
	callbackPath    = "/oauth/tradegecko/callback"
	stateTTL        = 10 * time.Minute
	stateVersion    = "v1"
	stateKeyLabel   = "commerce-gateway/oauth-state/v1"
	usedStatePrefix = "oauth-state:"
	connectTimeout  = 30 * time.Second
)

type oauthFlow struct {
	redirectURL string // TRADEGECKO_REDIRECT_URL; else the public URL's callback
	states      *stateSigner
	used        store.Deliveries
	tokens      store.Tokens
	source      *tradegecko.TokenSource
	authURL     func(redirectURL, state string) string
	// client: the TradeGecko client authenticates with source (else with
	// a privileged token, and the flow only stores tokens).
	client  bool
	loading atomic.Bool
}

// WithTokenStore sets where TradeGecko OAuth tokens are kept (default in
// memory). Every replica must share it.
func WithTokenStore(tokens store.Tokens) Option {
	return func(o *options) { o.tokens = tokens }
}

// WithOAuthClock sets the clock of the connect flow: state expiry and
// token expiry (default time.Now).
func WithOAuthClock(now func() time.Time) Option {
	return func(o *options) { o.oauthNow = now }
}

// newOAuthFlow returns the connect flow for tg, or nil without an OAuth
// application (client id and secret).
func newOAuthFlow(tg TradeGeckoConfig, o options) *oauthFlow {
	if tg.ClientID == "" || tg.ClientSecret == "" {
		return nil
	}
	now := o.oauthNow
	if now == nil {
		now = time.Now
	}
	tokens := o.tokens
	if tokens == nil {
		tokens = store.NewMemoryTokens(nil)
	}
	used := o.deliveries
	if used == nil {
		used = store.NewMemoryDeliveries(nil)
	}
	cfg := tradegecko.OAuthConfig(tg.BaseURL, tg.ClientID, tg.ClientSecret, "")
	hc := o.tradegeckoHTTP
	if hc == nil {
		hc = &http.Client{Timeout: tradegecko.DefaultRefreshTimeout}
	}
	return &oauthFlow{
		redirectURL: tg.RedirectURL,
		states:      newStateSigner(tg.ClientSecret, now),
		used:        used,
		tokens:      tokens,
		source:      tradegecko.NewTokenSource(cfg, tokens, tradegecko.WithTokenClock(now), tradegecko.WithTokenHTTPClient(hc)),
		authURL: func(redirectURL, state string) string {
			c := *cfg
			c.RedirectURL = redirectURL
			return c.AuthCodeURL(state)
		},
		client: tg.AccessToken == "",
	}
}

func (s *Server) oauthRoutes(e *echo.Echo) {
	e.GET(tradegecko.ConnectPath, s.oauthConnect, s.authenticate, s.requireAdmin)
	e.GET(callbackPath, s.oauthCallback) // authenticated by its state
}

// requireAdmin refuses anonymous callers with 401 and other roles with 403.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch commerce.PrincipalFrom(c.Request().Context()).Role {
		case commerce.RoleAdmin:
			return next(c)
		case commerce.RoleNone:
			return errUnauthenticated
		default:
			return &commerce.Error{Code: commerce.CodeForbidden, Message: "this route needs an admin key"}
		}
	}
}

var errOAuthOff = &commerce.Error{Code: commerce.CodeBackendDisabled, Backend: tradegecko.Backend,
	Message: "the TradeGecko OAuth application is not configured: set TRADEGECKO_CLIENT_ID and TRADEGECKO_CLIENT_SECRET"}

// oauthRedirectURL is where TradeGecko sends the browser back.
func (s *Server) oauthRedirectURL() string {
	if s.oauth.redirectURL != "" {
		return s.oauth.redirectURL
	}
	if s.publicURL != "" {
		return s.publicURL + callbackPath
	}
	return ""
}

// oauthConnect is GET /oauth/tradegecko/connect.
func (s *Server) oauthConnect(c echo.Context) error {
	if s.oauth == nil {
		return errOAuthOff
	}
	redirect := s.oauthRedirectURL()
	if redirect == "" {
		return &commerce.Error{Code: commerce.CodeBackendDisabled, Backend: tradegecko.Backend,
			Message: "no OAuth redirect URL: set TRADEGECKO_REDIRECT_URL or GATEWAY_PUBLIC_URL"}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, s.oauth.authURL(redirect, s.oauth.states.sign()))
}

// oauthCallback is GET /oauth/tradegecko/callback.
func (s *Server) oauthCallback(c echo.Context) error {
	f := s.oauth
	if f == nil {
		return errOAuthOff
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), connectTimeout)
	defer cancel()
	q := c.QueryParams()
	nonce, err := f.states.verify(q.Get("state"))
	if err != nil {
		return commerce.BadInput("%v: start again at %s", err, tradegecko.ConnectPath)
	}
	first, err := f.used.FirstSeen(ctx, usedStatePrefix+nonce, stateTTL)
	if err != nil {
		return &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Message: "the gateway cannot record the state as used; try again", Err: err}
	}
	if !first {
		return commerce.BadInput("the state was already used: start again at %s", tradegecko.ConnectPath)
	}
	if e := q.Get("error"); e != "" {
		return commerce.BadInput("TradeGecko did not authorize the gateway (%s): start again at %s", oauthErrorCode(e), tradegecko.ConnectPath)
	}
	code := q.Get("code")
	if code == "" {
		return commerce.BadInput("the callback has no code: start again at %s", tradegecko.ConnectPath)
	}
	if err := f.source.Exchange(ctx, code, s.oauthRedirectURL()); err != nil {
		return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: tradegecko.Backend,
			Message: "TradeGecko did not exchange the authorization code: start again at " + tradegecko.ConnectPath, Err: err}
	}
	s.log.Info("TradeGecko connected: OAuth tokens stored")
	if f.client && s.catalog != nil {
		// Load reference data now, so this replica is ready at once, and
		// subscribe to webhooks if start-up could not (it had no token).
		if err := s.catalog.Refresh(ctx); err != nil {
			s.log.Warn("TradeGecko is connected, but reference data did not load yet", "err", err)
		}
		if s.publicURL != "" && len(s.hooks.secret) > 0 {
			_ = s.subscribeOnce(ctx) // logs its outcome
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if wantsJSON(c.Request()) {
		return c.JSON(http.StatusOK, map[string]string{"status": "connected", "backend": string(tradegecko.Backend)})
	}
	return c.HTML(http.StatusOK, connectedPage)
}

const connectedPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TradeGecko connected</title></head>
<body><h1>TradeGecko is connected</h1><p>The gateway stored its tokens and refreshes them from now on. You can close this page.</p></body></html>
`

func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}

// oauthErrorCode keeps an RFC 6749 error code (access_denied, …) and
// nothing else of what the query says.
func oauthErrorCode(s string) string {
	if len(s) > 64 {
		return "error"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c == '_') {
			return "error"
		}
	}
	return s
}

// oauthReady reports whether TradeGecko is connected, when the client
// depends on the connect flow. Once it is, and reference data is not
// loaded, it starts loading it (one load at a time).
func (s *Server) oauthReady() (connected, readable bool, note string) {
	if s.oauth == nil || !s.oauth.client {
		return true, true, ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.oauth.tokens.Get(ctx); err != nil {
		if errors.Is(err, store.ErrNoToken) {
			return false, true, "TradeGecko is not connected: an admin should open " + tradegecko.ConnectPath
		}
		return false, false, "the TradeGecko token store cannot be read"
	}
	if s.catalog != nil && !s.catalog.Loaded() && s.oauth.loading.CompareAndSwap(false, true) {
		go func() {
			defer s.oauth.loading.Store(false)
			_, _ = s.catalog.Account(context.Background()) // bounded by the catalog's own load timeout
		}()
	}
	return true, true, ""
}

// stateSigner makes and checks the connect flow's state parameter.
type stateSigner struct {
	key []byte
	now func() time.Time
}

func newStateSigner(secret string, now func() time.Time) *stateSigner {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stateKeyLabel))
	return &stateSigner{key: m.Sum(nil), now: now}
}

func (s *stateSigner) mac(payload string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sign returns a new state, valid for stateTTL.
func (s *stateSigner) sign() string {
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce) // never fails (crypto/rand)
	payload := stateVersion + "." + base64.RawURLEncoding.EncodeToString(nonce) + "." +
		strconv.FormatInt(s.now().Add(stateTTL).Unix(), 10)
	return payload + "." + s.mac(payload)
}

var (
	errStateMissing = errors.New("the state parameter is missing")
	errStateInvalid = errors.New("the state parameter is not one this gateway issued")
	errStateExpired = errors.New("the state parameter has expired")
)

// verify checks a state's signature and expiry and returns its nonce.
func (s *stateSigner) verify(state string) (nonce string, err error) {
	if state == "" {
		return "", errStateMissing
	}
	if len(state) > 256 {
		return "", errStateInvalid
	}
	i := strings.LastIndexByte(state, '.')
	if i < 0 {
		return "", errStateInvalid
	}
	payload, sig := state[:i], state[i+1:]
	if !hmac.Equal([]byte(sig), []byte(s.mac(payload))) {
		return "", errStateInvalid
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 3 || parts[0] != stateVersion || parts[1] == "" {
		return "", errStateInvalid
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil {
		return "", errStateInvalid
	}
	if !s.now().Before(time.Unix(exp, 0)) {
		return "", errStateExpired
	}
	return parts[1], nil
}
