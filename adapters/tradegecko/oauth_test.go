package tradegecko

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/store"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: epoch} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeTokens is a store.Tokens whose lock another replica may hold.
type fakeTokens struct {
	mu     sync.Mutex
	tok    *store.Token
	puts   []store.Token
	putErr error
	// lockedElsewhere: the lock is held by another replica.
	lockedElsewhere bool
	lockedHere      bool
	// onLock runs when a caller takes the lock (another replica's work
	// that finished just before).
	onLock func(*fakeTokens)
}

func (f *fakeTokens) Get(context.Context) (store.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tok == nil {
		return store.Token{}, store.ErrNoToken
	}
	return *f.tok, nil
}

func (f *fakeTokens) Put(_ context.Context, t store.Token) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.putErr != nil {
		return f.putErr
	}
	f.tok = &t
	f.puts = append(f.puts, t)
	return nil
}

func (f *fakeTokens) put(t store.Token) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tok = &t
}

func (f *fakeTokens) setLockedElsewhere(v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lockedElsewhere = v
}

func (f *fakeTokens) Lock(context.Context, time.Duration) (func(), error) {
	f.mu.Lock()
	if f.lockedElsewhere || f.lockedHere {
		f.mu.Unlock()
		return nil, store.ErrLocked
	}
	f.lockedHere = true
	onLock := f.onLock
	f.mu.Unlock()
	if onLock != nil {
		onLock(f)
	}
	return func() {
		f.mu.Lock()
		f.lockedHere = false
		f.mu.Unlock()
	}, nil
}

func (f *fakeTokens) stored() (store.Token, []store.Token) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var t store.Token
	if f.tok != nil {
		t = *f.tok
	}
	return t, append([]store.Token(nil), f.puts...)
}

// fakeTokenEndpoint is /oauth/token as an http.RoundTripper: it rotates
// refresh tokens as TradeGecko does (each works once) and counts calls.
type fakeTokenEndpoint struct {
	t       testing.TB
	mu      sync.Mutex
	calls   int
	n       int    // tokens issued so far
	refresh string // the one live refresh token
	refuse  bool   // answer invalid_grant to everything
	delay   time.Duration
}

func (f *fakeTokenEndpoint) client() *http.Client { return &http.Client{Transport: f} }

func (f *fakeTokenEndpoint) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeTokenEndpoint) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.URL.Path != "/oauth/token" || r.Method != http.MethodPost {
		f.t.Errorf("token endpoint: %s %s", r.Method, r.URL)
	}
	// Client credentials in the body, as the spec shows.
	if form.Get("client_id") != "app-id" || form.Get("client_secret") != "app-secret" {
		return tokenAnswer(http.StatusUnauthorized, `{"error":"invalid_client"}`), nil
	}
	switch {
	case f.refuse:
		return tokenAnswer(http.StatusBadRequest, `{"error":"invalid_grant"}`), nil
	case form.Get("grant_type") == "refresh_token" && form.Get("refresh_token") == f.refresh && f.refresh != "":
	case form.Get("grant_type") == "authorization_code" && form.Get("code") == "the-code" &&
		form.Get("redirect_uri") == "https://gw.example/cb":
	default:
		return tokenAnswer(http.StatusBadRequest, `{"error":"invalid_grant"}`), nil
	}
	f.n++
	f.refresh = fmt.Sprintf("refresh-%d", f.n)
	return tokenAnswer(http.StatusOK, fmt.Sprintf(`{"access_token":"access-%d","expires_in":7200,"refresh_token":%q,"scope":"public","token_type":"bearer"}`, f.n, f.refresh)), nil
}

func tokenAnswer(status int, body string) *http.Response {
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
}

// tokenRig is a TokenSource over fakes; the store starts with pair 1
// expiring in `left`.
type tokenRig struct {
	clock    *fakeClock
	tokens   *fakeTokens
	endpoint *fakeTokenEndpoint
	ts       *TokenSource
}

func newTokenRig(t testing.TB, left time.Duration, opts ...TokenSourceOption) *tokenRig {
	r := &tokenRig{clock: newFakeClock(), tokens: &fakeTokens{}, endpoint: &fakeTokenEndpoint{t: t, n: 1, refresh: "refresh-1"}}
	if left != 0 {
		r.tokens.tok = &store.Token{AccessToken: "access-1", RefreshToken: "refresh-1", Expiry: epoch.Add(left)}
	}
	all := append([]TokenSourceOption{WithTokenClock(r.clock.Now), WithTokenHTTPClient(r.endpoint.client()),
		WithRefreshWait(2*time.Second, 10*time.Millisecond)}, opts...)
	r.ts = NewTokenSource(OAuthConfig("https://api.example", "app-id", "app-secret", ""), r.tokens, all...)
	return r
}

func TestOAuthConfig(t *testing.T) {
	tests := []struct{ base, auth, token string }{
		{"", "https://api.tradegecko.com/oauth/authorize", "https://api.tradegecko.com/oauth/token"},
		{"https://api.example/", "https://api.example/oauth/authorize", "https://api.example/oauth/token"},
		{"http://127.0.0.1:9/v1", "http://127.0.0.1:9/v1/oauth/authorize", "http://127.0.0.1:9/v1/oauth/token"},
	}
	for _, tc := range tests {
		cfg := OAuthConfig(tc.base, "id", "secret", "https://gw.example/cb")
		if cfg.Endpoint.AuthURL != tc.auth || cfg.Endpoint.TokenURL != tc.token || cfg.Endpoint.AuthStyle != oauth2.AuthStyleInParams {
			t.Errorf("OAuthConfig(%q).Endpoint = %+v, want %s, %s, in params", tc.base, cfg.Endpoint, tc.auth, tc.token)
		}
		u, _ := url.Parse(cfg.AuthCodeURL("st"))
		want := url.Values{"client_id": {"id"}, "redirect_uri": {"https://gw.example/cb"}, "response_type": {"code"}, "state": {"st"}}
		if diff := cmp.Diff(want, u.Query()); diff != "" {
			t.Errorf("AuthCodeURL query (-want +got):\n%s", diff)
		}
	}
}

func TestTokenSource(t *testing.T) {
	tests := []struct {
		name      string
		left      time.Duration // 0: nothing stored
		opts      []TokenSourceOption
		setup     func(*tokenRig)
		want      string // access token returned; "" for an error
		wantErr   error
		refreshes int
		stored    string // access token in the store afterwards
	}{
		{name: "fresh token is used as stored", left: time.Hour, want: "access-1", stored: "access-1"},
		{name: "token inside the margin is refreshed first", left: 90 * time.Second, want: "access-2", refreshes: 1, stored: "access-2"},
		{name: "expired token is refreshed", left: -time.Hour, want: "access-2", refreshes: 1, stored: "access-2"},
		{name: "margin is configurable", left: 90 * time.Second, opts: []TokenSourceOption{WithRefreshMargin(time.Minute)},
			want: "access-1", stored: "access-1"},
		{name: "nothing stored: not connected", wantErr: ErrNotConnected},
		{name: "refresh token refused: reconnect", left: -time.Minute, setup: func(r *tokenRig) {
			r.endpoint.refuse = true
		}, wantErr: ErrReconnect, refreshes: 1, stored: "access-1"},
		{name: "another replica refreshed before we took the lock", left: -time.Minute, setup: func(r *tokenRig) {
			r.tokens.onLock = func(f *fakeTokens) {
				f.put(store.Token{AccessToken: "access-B", RefreshToken: "refresh-B", Expiry: epoch.Add(2 * time.Hour)})
			}
		}, want: "access-B", stored: "access-B"},
		{name: "invalidated token is refreshed though not expired", left: time.Hour, setup: func(r *tokenRig) {
			r.ts.Invalidate("access-1")
		}, want: "access-2", refreshes: 1, stored: "access-2"},
		{name: "invalidating a token the store no longer holds refreshes nothing", left: time.Hour, setup: func(r *tokenRig) {
			r.ts.Invalidate("access-0")
		}, want: "access-1", stored: "access-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newTokenRig(t, tc.left, tc.opts...)
			if tc.setup != nil {
				tc.setup(r)
			}
			tok, err := r.ts.Token()
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Token() = %v, want %v", err, tc.wantErr)
				}
				var ce *commerce.Error
				if !errors.As(err, &ce) || !strings.Contains(ce.Message, "/oauth/tradegecko/connect") {
					t.Errorf("Token() error %v: want a commerce.Error sending an admin to /oauth/tradegecko/connect", err)
				}
			case err != nil:
				t.Fatalf("Token() = %v", err)
			case tok.AccessToken != tc.want || tok.RefreshToken != "":
				t.Errorf("Token() = %q (refresh %q), want %q and no refresh token", tok.AccessToken, tok.RefreshToken, tc.want)
			}
			if n := r.endpoint.count(); n != tc.refreshes {
				t.Errorf("token endpoint calls = %d, want %d", n, tc.refreshes)
			}
			if got, _ := r.tokens.stored(); got.AccessToken != tc.stored {
				t.Errorf("stored access token = %q, want %q", got.AccessToken, tc.stored)
			}
		})
	}
}

// A refreshed pair is stored with its rotated refresh token and an expiry
// by the injected clock, and the next Token serves it without a request.
func TestTokenSourceStoresTheRotatedPair(t *testing.T) {
	r := newTokenRig(t, -time.Minute)
	r.clock.Advance(time.Hour)
	if _, err := r.ts.Token(); err != nil {
		t.Fatal(err)
	}
	_, puts := r.tokens.stored()
	want := []store.Token{{AccessToken: "access-2", RefreshToken: "refresh-2", Expiry: epoch.Add(time.Hour + 7200*time.Second)}}
	if diff := cmp.Diff(want, puts); diff != "" {
		t.Errorf("Put calls (-want +got):\n%s", diff)
	}
	r.clock.Advance(7200*time.Second - DefaultRefreshMargin - time.Second)
	if tok, err := r.ts.Token(); err != nil || tok.AccessToken != "access-2" {
		t.Errorf("Token() = %v, %v; want access-2 still", tok, err)
	}
	r.clock.Advance(2 * time.Second) // now inside the margin
	if tok, err := r.ts.Token(); err != nil || tok.AccessToken != "access-3" {
		t.Errorf("Token() = %v, %v; want access-3", tok, err)
	}
	if n := r.endpoint.count(); n != 2 {
		t.Errorf("token endpoint calls = %d, want 2", n)
	}
}

// The new access token is never handed out before its pair is stored; a
// failed Put is retried with the pair already fetched (its refresh token
// is the only live one), not by refreshing again.
func TestTokenSourceStoresBeforeUse(t *testing.T) {
	r := newTokenRig(t, -time.Minute)
	r.tokens.putErr = errors.New("redis: connection refused")
	if tok, err := r.ts.Token(); err == nil {
		t.Fatalf("Token() with a failing store = %q, want an error", tok.AccessToken)
	}
	r.tokens.putErr = nil
	tok, err := r.ts.Token()
	if err != nil || tok.AccessToken != "access-2" {
		t.Fatalf("Token() after the store recovered = %v, %v; want access-2", tok, err)
	}
	if got, _ := r.tokens.stored(); got.RefreshToken != "refresh-2" {
		t.Errorf("stored refresh token = %q, want refresh-2", got.RefreshToken)
	}
	if n := r.endpoint.count(); n != 1 {
		t.Errorf("token endpoint calls = %d, want 1", n)
	}
}

// Another replica holds the refresh lock: the caller waits, reading the
// store, and picks up the pair the other replica stores, without calling
// the token endpoint; if none comes, it gives up after the bound.
func TestTokenSourceWaitsForAnotherReplica(t *testing.T) {
	t.Run("picks up the other replica's token", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newTokenRig(t, -time.Minute, WithRefreshWait(10*time.Second, 100*time.Millisecond))
			r.tokens.setLockedElsewhere(true)
			go func() { // replica B
				time.Sleep(time.Second)
				r.tokens.put(store.Token{AccessToken: "access-B", RefreshToken: "refresh-B", Expiry: epoch.Add(2 * time.Hour)})
				r.tokens.setLockedElsewhere(false)
			}()
			start := time.Now()
			tok, err := r.ts.Token()
			if err != nil || tok.AccessToken != "access-B" {
				t.Fatalf("Token() = %v, %v; want access-B", tok, err)
			}
			if waited := time.Since(start); waited < time.Second || waited > 2*time.Second {
				t.Errorf("waited %s, want about 1s", waited)
			}
			if n := r.endpoint.count(); n != 0 {
				t.Errorf("token endpoint calls = %d, want 0", n)
			}
		})
	})
	t.Run("gives up after the bound", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newTokenRig(t, -time.Minute, WithRefreshWait(10*time.Second, 100*time.Millisecond))
			r.tokens.setLockedElsewhere(true)
			start := time.Now()
			_, err := r.ts.Token()
			if err == nil || !strings.Contains(err.Error(), "another replica") {
				t.Fatalf("Token() = %v, want an error about waiting for another replica", err)
			}
			if waited := time.Since(start); waited < 10*time.Second || waited > 11*time.Second {
				t.Errorf("gave up after %s, want 10s", waited)
			}
			if n := r.endpoint.count(); n != 0 {
				t.Errorf("token endpoint calls = %d, want 0", n)
			}
		})
	})
}

// Concurrent callers on an expired token share one refresh. (In a synctest
// bubble, every caller is waiting before the slow token endpoint answers.)
func TestTokenSourceConcurrentCallersRefreshOnce(t *testing.T) {
	synctest.Test(t, testConcurrentCallersRefreshOnce)
}

func testConcurrentCallersRefreshOnce(t *testing.T) {
	r := newTokenRig(t, -time.Minute)
	r.endpoint.delay = time.Second
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range got {
		wg.Go(func() {
			tok, err := r.ts.Token()
			if err != nil {
				t.Errorf("Token() = %v", err)
				return
			}
			got[i] = tok.AccessToken
		})
	}
	wg.Wait()
	for i, a := range got {
		if a != "access-2" {
			t.Errorf("caller %d got %q, want access-2", i, a)
		}
	}
	if n := r.endpoint.count(); n != 1 {
		t.Errorf("token endpoint calls = %d, want 1", n)
	}
}

func TestTokenSourceExchange(t *testing.T) {
	r := newTokenRig(t, 0)
	r.endpoint.n, r.endpoint.refresh = 0, ""
	if err := r.ts.Exchange(context.Background(), "wrong-code", "https://gw.example/cb"); err == nil {
		t.Fatal("Exchange(wrong code) = nil, want an error")
	} else if strings.Contains(err.Error(), "app-secret") {
		t.Errorf("Exchange error names the client secret: %v", err)
	}
	if _, err := r.tokens.Get(context.Background()); !errors.Is(err, store.ErrNoToken) {
		t.Errorf("after a failed exchange the store holds a token (%v)", err)
	}
	if err := r.ts.Exchange(context.Background(), "the-code", "https://gw.example/cb"); err != nil {
		t.Fatalf("Exchange = %v", err)
	}
	want := store.Token{AccessToken: "access-1", RefreshToken: "refresh-1", Expiry: epoch.Add(7200 * time.Second)}
	if got, _ := r.tokens.stored(); got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	if tok, err := r.ts.Token(); err != nil || tok.AccessToken != "access-1" {
		t.Errorf("Token() = %v, %v; want access-1", tok, err)
	}
}

// The client refreshes on 401 only: one refresh and one retry of that
// request. 402, 404, 429 and 5xx leave the token alone.
func TestClientRefreshesOn401Only(t *testing.T) {
	tests := []struct {
		name      string
		status    int  // answered to requests with access-1
		always    bool // answered whatever the token
		method    string
		hits      int // API requests
		refreshes int
		wantErr   error // nil: success
	}{
		{name: "401 refreshes and retries once", status: 401, method: http.MethodGet, hits: 2, refreshes: 1},
		{name: "401 on a POST without a key is retried too", status: 401, method: http.MethodPost, hits: 2, refreshes: 1},
		{name: "401 again after the refresh is final", status: 401, always: true, method: http.MethodGet, hits: 2, refreshes: 1, wantErr: ErrUnauthorized},
		{name: "402", status: 402, method: http.MethodGet, hits: 1, wantErr: ErrPaymentRequired},
		{name: "404", status: 404, method: http.MethodGet, hits: 1, wantErr: ErrNotFound},
		{name: "429", status: 429, method: http.MethodGet, hits: 1, wantErr: &RateLimitError{}},
		{name: "500, retried as a 5xx", status: 500, method: http.MethodGet, hits: 3, wantErr: ErrServer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rig := newTokenRig(t, time.Hour)
			client, mux, _ := setup(t, WithTokenSource(rig.ts))
			var hits atomic.Int64
			mux.HandleFunc("/currencies/1", func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if body, _ := io.ReadAll(r.Body); r.Method == http.MethodPost && string(body) != `{"currency":{"iso":"NZD"}}` {
					t.Errorf("POST body = %s", body)
				}
				if tc.always || r.Header.Get("Authorization") == "Bearer access-1" {
					switch tc.status {
					case 401:
						writeJSON(w, 401, `{"type":"Unauthorized","message":"The access token expired"}`)
					case 429:
						writeJSON(w, 429, `{"type":"Too Many Requests","message":"Too many requests"}`)
					default:
						writeJSON(w, tc.status, fmt.Sprintf(`{"type":%q,"message":"nope"}`, http.StatusText(tc.status)))
					}
					return
				}
				writeTestdata(t, w, "currency.json")
			})
			var body any
			if tc.method == http.MethodPost {
				body = map[string]any{"currency": map[string]string{"iso": "NZD"}}
			}
			req, err := client.NewRequest(context.Background(), tc.method, "currencies/1", nil, body)
			if err != nil {
				t.Fatal(err)
			}
			_, err = client.Do(req, &struct{}{})
			switch want := tc.wantErr.(type) {
			case nil:
				if err != nil {
					t.Errorf("Do = %v, want success", err)
				}
			case *RateLimitError:
				if !errors.As(err, &want) {
					t.Errorf("Do = %v, want a *RateLimitError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Errorf("Do = %v, want %v", err, want)
				}
			}
			if n := hits.Load(); n != int64(tc.hits) {
				t.Errorf("API requests = %d, want %d", n, tc.hits)
			}
			if n := rig.endpoint.count(); n != tc.refreshes {
				t.Errorf("token endpoint calls = %d, want %d", n, tc.refreshes)
			}
		})
	}
}

// A privileged token is not refreshed: a 401 is final.
func TestClientWithPrivilegedTokenDoesNotRetry401(t *testing.T) {
	client, mux, _ := setup(t)
	var hits atomic.Int64
	mux.HandleFunc("/currencies/1", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 401, `{"type":"Unauthorized","message":"The access token is invalid"}`)
	})
	if _, _, err := client.Currencies.Get(context.Background(), 1); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("Currencies.Get = %v, want ErrUnauthorized", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("API requests = %d, want 1", n)
	}
}

// Against the sandbox: connect, then expire the token (by the clock, or
// by the API answering 401) under 20 concurrent requests: one call to the
// token endpoint, the old refresh token dead, the new pair stored.
func TestTokenSourceAgainstSandbox(t *testing.T) {
	tests := []struct {
		name   string
		expire func(*fakeClock, *sandbox.Sandbox)
	}{
		{"the clock passes the expiry", func(c *fakeClock, _ *sandbox.Sandbox) { c.Advance(7200*time.Second - time.Minute) }},
		{"the API answers 401", func(_ *fakeClock, sb *sandbox.Sandbox) { sb.ExpireAccessTokens() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			sb := sandbox.New(sandbox.Options{Now: clock.Now})
			srv := httptest.NewServer(sb)
			t.Cleanup(srv.Close)
			t.Cleanup(sb.Close)
			const redirect = "https://gw.example/oauth/tradegecko/callback"
			cfg := OAuthConfig(srv.URL, sandbox.DefaultClientID, sandbox.DefaultClientSecret, "")
			tokens := store.NewMemoryTokens(nil)
			ts := NewTokenSource(cfg, tokens, WithTokenClock(clock.Now))
			client, err := New(srv.URL, WithTokenSource(ts), WithRetries(2, zeroBackoff))
			if err != nil {
				t.Fatal(err)
			}

			code := authorizeAtSandbox(t, cfg, redirect)
			if err := ts.Exchange(context.Background(), code, redirect); err != nil {
				t.Fatalf("Exchange = %v", err)
			}
			first, _ := tokens.Get(context.Background())
			if _, _, err := client.Locations.List(context.Background(), nil); err != nil {
				t.Fatalf("Locations.List with the connected token = %v", err)
			}

			tc.expire(clock, sb)
			before := sb.TokenRequests()
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					if _, _, err := client.Locations.List(context.Background(), nil); err != nil {
						t.Errorf("Locations.List after expiry = %v", err)
					}
				})
			}
			wg.Wait()
			if n := sb.TokenRequests() - before; n != 1 {
				t.Errorf("token requests for 20 concurrent requests = %d, want 1", n)
			}
			now, _ := tokens.Get(context.Background())
			if now.RefreshToken == first.RefreshToken || now.AccessToken == first.AccessToken {
				t.Errorf("the store still holds the first pair")
			}
			// Rotation: the first refresh token is dead at the sandbox.
			if _, err := cfg.TokenSource(context.Background(), &oauth2.Token{RefreshToken: first.RefreshToken}).Token(); err == nil {
				t.Error("the first refresh token still works after the refresh")
			}
		})
	}
}

// authorizeAtSandbox follows the authorization redirect as a browser
// would (the sandbox approves at once) and returns the code.
func authorizeAtSandbox(t testing.TB, cfg *oauth2.Config, redirect string) string {
	t.Helper()
	c := *cfg
	c.RedirectURL = redirect
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(c.AuthCodeURL("st-1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("state") != "st-1" || loc.Query().Get("code") == "" {
		t.Fatalf("authorize = %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}
