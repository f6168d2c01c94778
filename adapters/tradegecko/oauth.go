package tradegecko

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/store"
)

// ConnectPath is the gateway route where an admin (re)connects TradeGecko.
const ConnectPath = "/oauth/tradegecko/connect"

// Defaults of a TokenSource.
const (
	// DefaultRefreshMargin: a stored access token is refreshed when it has
	// less than this left.
	DefaultRefreshMargin = 2 * time.Minute
	// DefaultRefreshLockTTL bounds how long a refresher holds the
	// cross-replica lock; it outlasts one token request
	// (DefaultRefreshTimeout) plus storing the result.
	DefaultRefreshLockTTL = 20 * time.Second
	// DefaultRefreshTimeout bounds one request to the token endpoint.
	DefaultRefreshTimeout = 15 * time.Second
	// DefaultRefreshWait bounds how long a caller waits for another
	// replica's refresh; it outlasts the lock, so a holder that died
	// leaves a lock this caller can take.
	DefaultRefreshWait = 25 * time.Second
	// DefaultRefreshPoll is how often a waiting caller reads the store.
	DefaultRefreshPoll = 100 * time.Millisecond
)

// ErrNotConnected is in the chain of the error Token returns while no
// token is stored: an admin has not completed the connect flow yet.
var ErrNotConnected = errors.New("tradegecko: not connected")

// ErrReconnect is in the chain of the error Token returns when the token
// endpoint refuses the stored refresh token: only a new connect flow helps.
var ErrReconnect = errors.New("tradegecko: the refresh token was refused")

// OAuthConfig is the OAuth2 application for the API at baseURL
// (DefaultBaseURL if empty): <base>/oauth/authorize and <base>/oauth/token,
// client credentials sent in the body as the spec shows.
func OAuthConfig(baseURL, clientID, clientSecret, redirectURL string) *oauth2.Config {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	base := strings.TrimSuffix(baseURL, "/")
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RedirectURL:  redirectURL,
		Endpoint: oauth2.Endpoint{
			AuthURL:   base + "/oauth/authorize",
			TokenURL:  base + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// TokenSource is an oauth2.TokenSource over a store.Tokens shared by every
// replica (the authorization-code flow with refresh tokens). It is safe for
// concurrent use.
//
// Access tokens last 7200 s, and every refresh issues a new refresh token
// and kills the old one. Two refreshers racing with the same refresh token
// would leave one of them with a dead pair, so TokenSource refreshes one
// caller at a time — in process (singleflight) and across replicas
// (store.Tokens.Lock; a caller that finds it taken reads the store until
// the other replica's pair appears, up to a bound) — re-reads the store
// once it holds the lock, and stores the new pair before it hands out the
// new access token. It refreshes ahead of expiry (the refresh margin) and
// after the API answered 401 (Client.Do calls Invalidate, then retries the
// request once); no other status causes a refresh.
type TokenSource struct {
	config         *oauth2.Config
	store          store.Tokens
	http           *http.Client
	now            func() time.Time
	margin         time.Duration
	lockTTL        time.Duration
	refreshTimeout time.Duration
	wait           time.Duration
	poll           time.Duration

	flight singleflight.Group

	mu    sync.Mutex
	cur   *store.Token // the pair last read or stored
	stale string       // an access token the API refused (Invalidate)
	// unsaved is a refreshed pair that could not be stored: its refresh
	// token is the only live one, so storing it is retried before anything
	// else. It is never handed out before it is stored.
	unsaved *store.Token
}

var _ oauth2.TokenSource = (*TokenSource)(nil)

// TokenSourceOption configures a TokenSource.
type TokenSourceOption func(*TokenSource)

// WithTokenClock sets the clock that decides whether a token is fresh and
// when a new one expires (default time.Now).
func WithTokenClock(now func() time.Time) TokenSourceOption {
	return func(ts *TokenSource) { ts.now = now }
}

// WithTokenHTTPClient sets the HTTP client for the token endpoint.
func WithTokenHTTPClient(hc *http.Client) TokenSourceOption {
	return func(ts *TokenSource) { ts.http = hc }
}

// WithRefreshMargin sets how long before expiry a token is refreshed
// (default DefaultRefreshMargin).
func WithRefreshMargin(d time.Duration) TokenSourceOption {
	return func(ts *TokenSource) { ts.margin = d }
}

// WithRefreshWait sets how long a caller waits for another replica's
// refresh, and how often it reads the store meanwhile (defaults
// DefaultRefreshWait, DefaultRefreshPoll).
func WithRefreshWait(max, poll time.Duration) TokenSourceOption {
	return func(ts *TokenSource) { ts.wait, ts.poll = max, poll }
}

// NewTokenSource returns a TokenSource refreshing through config and
// keeping the pair in tokens.
func NewTokenSource(config *oauth2.Config, tokens store.Tokens, opts ...TokenSourceOption) *TokenSource {
	ts := &TokenSource{
		config:         config,
		store:          tokens,
		http:           &http.Client{Timeout: DefaultRefreshTimeout},
		now:            time.Now,
		margin:         DefaultRefreshMargin,
		lockTTL:        DefaultRefreshLockTTL,
		refreshTimeout: DefaultRefreshTimeout,
		wait:           DefaultRefreshWait,
		poll:           DefaultRefreshPoll,
	}
	for _, o := range opts {
		o(ts)
	}
	return ts
}

// Token returns an access token valid for more than the refresh margin,
// refreshing it first when needed. While no token is stored it fails with
// ErrNotConnected; when the token endpoint refuses the refresh token, with
// ErrReconnect (both inside a *commerce.Error that tells an admin to open
// ConnectPath).
func (ts *TokenSource) Token() (*oauth2.Token, error) {
	if tok, ok := ts.cached(); ok {
		return tok, nil
	}
	v, err, _ := ts.flight.Do("token", func() (any, error) { return ts.obtain() })
	if err != nil {
		return nil, err
	}
	tok := *v.(*oauth2.Token) // each caller gets its own copy
	return &tok, nil
}

// Invalidate tells the source that the API refused accessToken (a 401):
// the next Token refreshes, unless the store already holds another token.
func (ts *TokenSource) Invalidate(accessToken string) {
	if accessToken == "" {
		return
	}
	ts.mu.Lock()
	ts.stale = accessToken
	ts.mu.Unlock()
}

// Exchange trades an authorization code (from the connect flow's
// callback) for a token pair and stores it. redirectURL must be the one
// the authorization request named.
func (ts *TokenSource) Exchange(ctx context.Context, code, redirectURL string) error {
	cfg := *ts.config
	cfg.RedirectURL = redirectURL
	tok, err := cfg.Exchange(context.WithValue(ctx, oauth2.HTTPClient, ts.http), code)
	if err != nil {
		return fmt.Errorf("tradegecko: exchange the authorization code: %w", tokenEndpointError(err))
	}
	if tok.RefreshToken == "" {
		return errors.New("tradegecko: exchange the authorization code: the token endpoint sent no refresh token")
	}
	st := ts.fromOAuth(tok, "")
	// A replica refreshing the previous pair right now would overwrite
	// this one when it finishes: wait for it (briefly) first. The new
	// grant wins either way.
	if unlock, err := ts.lock(ctx); err == nil {
		defer unlock()
	}
	if err := ts.store.Put(ctx, st); err != nil {
		return fmt.Errorf("tradegecko: store the new token: %w", err)
	}
	ts.remember(st, true)
	return nil
}

func (ts *TokenSource) cached() (*oauth2.Token, bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.usableLocked(ts.cur) {
		return toOAuth(ts.cur), true
	}
	return nil, false
}

func (ts *TokenSource) usableLocked(t *store.Token) bool {
	return t != nil && t.AccessToken != "" && t.AccessToken != ts.stale &&
		(t.Expiry.IsZero() || t.Expiry.Sub(ts.now()) > ts.margin)
}

// remember notes the pair the store holds and reports whether it can be
// handed out.
func (ts *TokenSource) remember(t store.Token, saved bool) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.cur = &t
	if saved {
		ts.unsaved = nil
	}
	return ts.usableLocked(&t)
}

// obtain runs for one caller at a time in this process.
func (ts *TokenSource) obtain() (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ts.wait+ts.lockTTL)
	defer cancel()
	t, fresh, err := ts.load(ctx)
	if err != nil || fresh {
		return t, err
	}
	deadline := time.Now().Add(ts.wait)
	for {
		unlock, err := ts.store.Lock(ctx, ts.lockTTL)
		if err == nil {
			defer unlock()
			return ts.refresh(ctx)
		}
		if !errors.Is(err, store.ErrLocked) {
			return nil, fmt.Errorf("tradegecko: take the token refresh lock: %w", err)
		}
		// Another replica is refreshing: wait for the pair it stores.
		if !time.Now().Before(deadline) {
			return nil, fmt.Errorf("tradegecko: gave up after %s waiting for another replica to refresh the access token", ts.wait)
		}
		if err := sleep(ctx, ts.poll); err != nil {
			return nil, err
		}
		if t, fresh, err := ts.load(ctx); err != nil || fresh {
			return t, err
		}
	}
}

// load reads the store; fresh reports that the token there can be used.
func (ts *TokenSource) load(ctx context.Context) (tok *oauth2.Token, fresh bool, err error) {
	t, err := ts.store.Get(ctx)
	if errors.Is(err, store.ErrNoToken) {
		return nil, false, &commerce.Error{Code: commerce.CodeBackendDisabled, Backend: Backend, Err: ErrNotConnected,
			Message: "TradeGecko is not connected: an admin should open " + ConnectPath}
	}
	if err != nil {
		return nil, false, fmt.Errorf("tradegecko: read the stored token: %w", err)
	}
	if ts.remember(t, false) {
		return toOAuth(&t), true, nil
	}
	return nil, false, nil
}

// refresh runs with the cross-replica lock held.
func (ts *TokenSource) refresh(ctx context.Context) (*oauth2.Token, error) {
	if tok, err, done := ts.storeUnsaved(ctx); done {
		return tok, err
	}
	// Another replica may have refreshed between our read and the lock.
	tok, fresh, err := ts.load(ctx)
	if err != nil || fresh {
		return tok, err
	}
	ts.mu.Lock()
	old := *ts.cur
	ts.mu.Unlock()
	if old.RefreshToken == "" {
		return nil, reconnectError(errors.New("the stored token has no refresh token"))
	}
	rctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, ts.http), ts.refreshTimeout)
	defer cancel()
	nt, err := ts.config.TokenSource(rctx, &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		// A refresher whose lock lapsed may have rotated the pair under us.
		if tok, fresh, lerr := ts.load(ctx); lerr == nil && fresh {
			return tok, nil
		}
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "invalid_grant" {
			return nil, reconnectError(tokenEndpointError(err))
		}
		return nil, fmt.Errorf("tradegecko: refresh the access token: %w", tokenEndpointError(err))
	}
	st := ts.fromOAuth(nt, old.RefreshToken)
	// The old refresh token is dead now: the new pair is stored before
	// anyone uses it.
	if err := ts.store.Put(ctx, st); err != nil {
		ts.mu.Lock()
		ts.unsaved = &st
		ts.mu.Unlock()
		return nil, fmt.Errorf("tradegecko: store the refreshed token: %w", err)
	}
	ts.remember(st, true)
	return toOAuth(&st), nil
}

// storeUnsaved retries storing a refreshed pair an earlier Put failed on;
// done reports that it decided the outcome.
func (ts *TokenSource) storeUnsaved(ctx context.Context) (tok *oauth2.Token, err error, done bool) {
	ts.mu.Lock()
	pending := ts.unsaved
	ts.mu.Unlock()
	if pending == nil {
		return nil, nil, false
	}
	if err := ts.store.Put(ctx, *pending); err != nil {
		return nil, fmt.Errorf("tradegecko: store the refreshed token: %w", err), true
	}
	if ts.remember(*pending, true) {
		return toOAuth(pending), nil, true
	}
	return nil, nil, false
}

func (ts *TokenSource) lock(ctx context.Context) (func(), error) {
	deadline := time.Now().Add(ts.wait)
	for {
		unlock, err := ts.store.Lock(ctx, ts.lockTTL)
		if !errors.Is(err, store.ErrLocked) || !time.Now().Before(deadline) {
			return unlock, err
		}
		if err := sleep(ctx, ts.poll); err != nil {
			return nil, err
		}
	}
}

// fromOAuth converts a token endpoint answer, with its expiry by our
// clock; oldRefresh is kept if the answer names no refresh token.
func (ts *TokenSource) fromOAuth(t *oauth2.Token, oldRefresh string) store.Token {
	st := store.Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken}
	if st.RefreshToken == "" {
		st.RefreshToken = oldRefresh
	}
	switch {
	case t.ExpiresIn > 0:
		st.Expiry = ts.now().Add(time.Duration(t.ExpiresIn) * time.Second)
	case !t.Expiry.IsZero():
		st.Expiry = ts.now().Add(time.Until(t.Expiry))
	}
	return st
}

// toOAuth is what callers get: the access token, never the refresh token.
func toOAuth(t *store.Token) *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer", Expiry: t.Expiry}
}

// tokenEndpointError keeps what the token endpoint said (status, error
// code) and drops its body.
func tokenEndpointError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	status := "no status"
	if re.Response != nil {
		status = re.Response.Status
	}
	if re.ErrorCode != "" {
		return fmt.Errorf("the token endpoint answered %s (%s)", status, re.ErrorCode)
	}
	return fmt.Errorf("the token endpoint answered %s", status)
}

func reconnectError(cause error) error {
	return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend,
		Message: "TradeGecko refused the gateway's refresh token: an admin should reconnect at " + ConnectPath,
		Err:     fmt.Errorf("%w: %w", ErrReconnect, cause)}
}
