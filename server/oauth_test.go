package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/server"
	"github.com/commercegateway/gateway/server/sandboxmode"
	"github.com/commercegateway/gateway/store"
)

const (
	connectPath  = "/oauth/tradegecko/connect"
	callbackPath = "/oauth/tradegecko/callback"
)

var uncachedSeq atomic.Int64

// oauthClock is the clock the sandbox and the gateway's OAuth flow share.
type oauthClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *oauthClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *oauthClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// syncBuffer collects logs written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// oauthGateway is a gateway whose TradeGecko tokens come from the connect
// flow, against the sandbox's OAuth application. It starts unconnected.
type oauthGateway struct {
	*gateway
	clock  *oauthClock
	tokens *store.MemoryTokens
	logs   *syncBuffer
}

func newOAuthGateway(t *testing.T) *oauthGateway {
	t.Helper()
	// A fake "now" in the past, so the rate-limit reset times the sandbox
	// reports by it never make the client hold back.
	clock := &oauthClock{t: time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)}
	tokens := store.NewMemoryTokens(nil)
	logs := &syncBuffer{}
	g := newGateway(t, gatewayOptions{oauth: true, logs: logs, sandbox: sandbox.Options{Now: clock.Now},
		opts: []server.Option{server.WithTokenStore(tokens), server.WithOAuthClock(clock.Now)}})
	return &oauthGateway{gateway: g, clock: clock, tokens: tokens, logs: logs}
}

func adminAuth() map[string]string { return map[string]string{"Authorization": "Bearer " + adminKey} }

// authorizeURL is the admin's GET /oauth/tradegecko/connect: 302 to the
// sandbox's /oauth/authorize.
func (g *oauthGateway) authorizeURL(t *testing.T) string {
	t.Helper()
	resp, body := get(t, g.url+connectPath, adminAuth())
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s = %d %s, want 302", connectPath, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// approve follows the authorize URL as the admin's browser would (the
// sandbox approves at once) and returns the callback URL it redirects to.
func (g *oauthGateway) approve(t *testing.T, authorizeURL string) string {
	t.Helper()
	resp, body := get(t, authorizeURL, nil)
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, g.url+callbackPath+"?") {
		t.Fatalf("GET %s = %d %s (Location %q), want 302 to the gateway's callback", authorizeURL, resp.StatusCode, body, loc)
	}
	return loc
}

// connect runs the whole flow and returns the callback's answer.
func (g *oauthGateway) connect(t *testing.T) {
	t.Helper()
	resp, body := get(t, g.approve(t, g.authorizeURL(t)), map[string]string{"Accept": "application/json"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"connected"`) {
		t.Fatalf("callback = %d %s, want 200 connected", resp.StatusCode, body)
	}
}

func (g *oauthGateway) stored(t *testing.T) (store.Token, bool) {
	t.Helper()
	tok, err := g.tokens.Get(context.Background())
	if errors.Is(err, store.ErrNoToken) {
		return store.Token{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return tok, true
}

// queryErr is query for use from several goroutines.
func (g *gateway) queryErr(key, query string) error {
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode != http.StatusOK || len(out.Errors) > 0 || len(out.Data) == 0 {
		return errors.New("status " + resp.Status + ": " + string(raw))
	}
	return nil
}

// The whole flow through the gateway's routes: connect → the sandbox's
// authorize → the callback → a token stored → queries work on it; an
// expired token is refreshed exactly once (by the API's 401, and ahead of
// expiry by the clock), the old refresh token dies, the store holds the
// new pair; nothing secret is logged or answered.
func TestOAuthConnectFlow(t *testing.T) {
	g := newOAuthGateway(t)
	var seen []string // response bodies, checked for secrets at the end

	// Not connected yet: ready (the connect route must be reachable), with a note.
	resp, body := get(t, g.url+"/readyz", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "TradeGecko is not connected") {
		t.Fatalf("/readyz before connecting = %d %s, want 200 noting it is not connected", resp.StatusCode, body)
	}
	if r := g.query(adminKey, productsQ(), nil); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, connectPath) {
		t.Fatalf("query before connecting: errors %+v, want one sending an admin to %s", r.Errors, connectPath)
	}

	// connect → 302 to the sandbox's authorize endpoint.
	authorize := g.authorizeURL(t)
	au, _ := url.Parse(authorize)
	q := au.Query()
	if au.Path != "/oauth/authorize" || q.Get("client_id") != sandbox.DefaultClientID || q.Get("response_type") != "code" ||
		q.Get("redirect_uri") != g.url+callbackPath || q.Get("state") == "" {
		t.Fatalf("connect redirects to %s", authorize)
	}
	sandboxURL := au.Scheme + "://" + au.Host

	// The sandbox approves and sends the browser back with code and state.
	callback := g.approve(t, authorize)
	cu, _ := url.Parse(callback)
	if cu.Query().Get("state") != q.Get("state") || cu.Query().Get("code") == "" {
		t.Fatalf("the sandbox redirects to %s", callback)
	}
	resp, body = get(t, callback, map[string]string{"Accept": "text/html"})
	seen = append(seen, body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "TradeGecko is connected") {
		t.Fatalf("callback = %d %s %s, want 200 HTML connected", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	first, ok := g.stored(t)
	if !ok || first.AccessToken == "" || first.RefreshToken == "" || !first.Expiry.Equal(g.clock.Now().Add(7200*time.Second)) {
		t.Fatalf("stored after the callback: %v %+v", ok, first.Expiry)
	}
	if n := g.sb.TokenRequests(); n != 1 {
		t.Errorf("token requests after connecting = %d, want 1 (the exchange)", n)
	}
	// The callback URL again: its state is spent.
	resp, body = get(t, callback, nil)
	seen = append(seen, body)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "already used") {
		t.Errorf("callback replayed = %d %s, want 400 already used", resp.StatusCode, body)
	}
	if now, _ := g.stored(t); now != first || g.sb.TokenRequests() != 1 {
		t.Errorf("a replayed callback changed the stored token or reached the token endpoint")
	}
	resp, body = get(t, g.url+"/readyz", nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after connecting = %d %s, want 200", resp.StatusCode, body)
	}

	// Queries work through the OAuth token.
	r := g.query(adminKey, productsQ(), nil)
	mustData[map[string]any](t, r)
	seen = append(seen, string(r.Data))
	if n := g.sb.TokenRequests(); n != 1 {
		t.Errorf("token requests after a query = %d, want 1", n)
	}

	// The API expires the token: the next query gets a 401, refreshes once,
	// and succeeds.
	g.sb.ExpireAccessTokens()
	mustData[map[string]any](t, g.query(storefrontKey, productsQ(), nil))
	if n := g.sb.TokenRequests(); n != 2 {
		t.Errorf("token requests after the 401 = %d, want 2", n)
	}
	second, _ := g.stored(t)
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken {
		t.Errorf("the store still holds the first pair after the refresh")
	}
	// Rotation: the first refresh token is dead at the sandbox.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken},
		"client_id": {sandbox.DefaultClientID}, "client_secret": {sandbox.DefaultClientSecret}}
	hr, err := http.PostForm(sandboxURL+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	if hr.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "invalid_grant") {
		t.Errorf("refreshing with the first refresh token = %d %s, want 400 invalid_grant", hr.StatusCode, raw)
	}
	base := g.sb.TokenRequests()

	// The clock nears the expiry: the gateway refreshes ahead of it, once,
	// without ever sending the old token to be refused.
	g.clock.Advance(7200*time.Second - time.Minute)
	g.sb.ResetRequests()
	mustData[map[string]any](t, g.query(adminKey, productsQ(), nil))
	mustData[map[string]any](t, g.query(adminKey, productsQ(), nil))
	if n := g.sb.TokenRequests() - base; n != 1 {
		t.Errorf("token requests near expiry = %d, want 1", n)
	}
	for _, req := range g.sb.Requests() {
		if req.Status == http.StatusUnauthorized {
			t.Errorf("%s %s answered 401: the token was not refreshed ahead of expiry", req.Method, req.Path)
		}
	}
	third, _ := g.stored(t)
	if third.RefreshToken == second.RefreshToken || !third.Expiry.Equal(g.clock.Now().Add(7200*time.Second)) {
		t.Errorf("the store does not hold the third pair")
	}

	// Secrets never appear in logs or answers.
	logs := g.logs.String()
	if !strings.Contains(logs, "TradeGecko connected") {
		t.Errorf("the logs do not say TradeGecko was connected")
	}
	secrets := map[string]string{"client secret": sandbox.DefaultClientSecret, "code": cu.Query().Get("code")}
	for i, tok := range []store.Token{first, second, third} {
		secrets["access token "+string(rune('1'+i))] = tok.AccessToken
		secrets["refresh token "+string(rune('1'+i))] = tok.RefreshToken
	}
	for name, secret := range secrets {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s", name)
		}
		for _, b := range seen {
			if strings.Contains(b, secret) {
				t.Errorf("a response contains the %s", name)
			}
		}
	}
}

// Many requests on an expired token: one call to the token endpoint.
func TestOAuthConcurrentRefresh(t *testing.T) {
	tests := []struct {
		name   string
		expire func(*oauthGateway)
	}{
		{"the API answers 401", func(g *oauthGateway) { g.sb.ExpireAccessTokens() }},
		{"the clock passes the expiry", func(g *oauthGateway) { g.clock.Advance(7200 * time.Second) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newOAuthGateway(t)
			g.connect(t)
			first, _ := g.stored(t)
			tc.expire(g)
			before := g.sb.TokenRequests()
			var wg sync.WaitGroup
			for range 20 {
				wg.Go(func() {
					if err := g.queryErr(storefrontKey, productsQ()); err != nil {
						t.Errorf("query on an expired token: %v", err)
					}
				})
			}
			wg.Wait()
			if n := g.sb.TokenRequests() - before; n != 1 {
				t.Errorf("token requests for 20 concurrent queries = %d, want 1", n)
			}
			if now, _ := g.stored(t); now.RefreshToken == first.RefreshToken {
				t.Errorf("the store still holds the first refresh token")
			}
		})
	}
}

// Only a 401 from the API causes a refresh (and one retry); 402, 404, 429
// and 5xx do not.
func TestOAuthRefreshesOn401Only(t *testing.T) {
	tests := []struct {
		status    int
		refreshes int
		ok        bool // the query succeeds
	}{
		{http.StatusUnauthorized, 1, true},
		{http.StatusPaymentRequired, 0, false},
		{http.StatusNotFound, 0, false},
		{http.StatusTooManyRequests, 0, true},     // sent once more after its reset, with the same token
		{http.StatusInternalServerError, 0, true}, // retried as a 5xx, with the same token
		{http.StatusServiceUnavailable, 0, true},
	}
	g := newOAuthGateway(t)
	g.connect(t)
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			g.sb.ResetRateLimit()
			before := g.sb.TokenRequests()
			g.sb.ResetRequests()
			g.sb.FailNext(1, tc.status)
			err := g.queryErr(adminKey, productsQ())
			g.sb.FailNext(0, 0)
			if (err == nil) != tc.ok {
				t.Errorf("query after one %d: %v, want success %v", tc.status, err, tc.ok)
			}
			if n := g.sb.TokenRequests() - before; n != tc.refreshes {
				t.Errorf("token requests after one %d = %d, want %d", tc.status, n, tc.refreshes)
			}
			if tc.status == http.StatusUnauthorized {
				if n := g.sb.RequestCount(); n != 2 {
					t.Errorf("API requests after one 401 = %d, want 2 (the request and its retry)", n)
				}
			}
		})
	}
}

func TestOAuthConnectNeedsAnAdminKey(t *testing.T) {
	g := newOAuthGateway(t)
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"no key", nil, http.StatusUnauthorized},
		{"unknown key", map[string]string{"Authorization": "Bearer not-a-known-key-at-all"}, http.StatusUnauthorized},
		{"storefront key", map[string]string{"Authorization": "Bearer " + storefrontKey}, http.StatusForbidden},
		{"storefront X-API-Key", map[string]string{"X-API-Key": storefrontKey}, http.StatusForbidden},
		{"admin key", adminAuth(), http.StatusFound},
		{"admin X-API-Key", map[string]string{"X-API-Key": adminKey}, http.StatusFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, g.url+connectPath, tc.header)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s = %d %s, want %d", connectPath, resp.StatusCode, body, tc.status)
			}
			if tc.status != http.StatusFound && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("Content-Type = %q, want a problem", resp.Header.Get("Content-Type"))
			}
			if tc.status == http.StatusFound && resp.Header.Get("Location") == "" {
				t.Error("302 without a Location")
			}
		})
	}
}

// A bad, expired or reused state, or a denied authorization, is 400 and
// stores nothing.
func TestOAuthCallbackRefusals(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, g *oauthGateway, q url.Values)
		message string
	}{
		{"forged state", func(_ *testing.T, _ *oauthGateway, q url.Values) {
			st := []byte(q.Get("state"))
			st[5] ^= 1 // a character of the nonce
			q.Set("state", string(st))
		}, "not one this gateway issued"},
		{"made-up state", func(_ *testing.T, _ *oauthGateway, q url.Values) {
			q.Set("state", "v1.AAAAAAAAAAAAAAAAAAAAAA.4102444800.c2lnbmF0dXJl")
		}, "not one this gateway issued"},
		{"no state", func(_ *testing.T, _ *oauthGateway, q url.Values) { q.Del("state") }, "missing"},
		{"expired state", func(_ *testing.T, g *oauthGateway, _ url.Values) { g.clock.Advance(10*time.Minute + time.Second) }, "expired"},
		{"reused state", func(t *testing.T, g *oauthGateway, q url.Values) {
			// The first use was a denial: the state is spent.
			denied := url.Values{"state": {q.Get("state")}, "error": {"access_denied"}}
			if resp, body := get(t, g.url+callbackPath+"?"+denied.Encode(), nil); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("denied callback = %d %s", resp.StatusCode, body)
			}
		}, "already used"},
		{"access denied", func(_ *testing.T, _ *oauthGateway, q url.Values) {
			q.Del("code")
			q.Set("error", "access_denied")
			q.Set("error_description", "The resource owner denied the request.")
		}, "access_denied"},
		{"no code", func(_ *testing.T, _ *oauthGateway, q url.Values) { q.Del("code") }, "no code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newOAuthGateway(t)
			callback, _ := url.Parse(g.approve(t, g.authorizeURL(t)))
			q := callback.Query()
			tc.tamper(t, g, q)
			callback.RawQuery = q.Encode()
			resp, body := get(t, callback.String(), nil)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != "application/problem+json" ||
				!strings.Contains(body, tc.message) || !strings.Contains(body, `"BAD_USER_INPUT"`) {
				t.Errorf("callback = %d %s %s, want a 400 problem saying %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.message)
			}
			if _, ok := g.stored(t); ok {
				t.Error("a token was stored")
			}
			if n := g.sb.TokenRequests(); n != 0 {
				t.Errorf("token requests = %d, want 0", n)
			}
		})
	}
}

// With a privileged token, the connect flow has nothing to do: without an
// OAuth application its routes say so.
func TestOAuthRoutesWithoutAnApplication(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	for _, path := range []string{connectPath, callbackPath + "?code=x&state=y"} {
		resp, body := get(t, g.url+path, adminAuth())
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "TRADEGECKO_CLIENT_ID") {
			t.Errorf("GET %s = %d %s, want 503 naming the missing configuration", path, resp.StatusCode, body)
		}
	}
}

// SANDBOX=1 with an OAuth application configured: the client keeps the
// sandbox's privileged token, and the connect flow works against the
// sandbox (its redirect URL from the gateway's own address).
func TestOAuthInSandboxMode(t *testing.T) {
	cfg, err := server.LoadConfig(env(map[string]string{"SANDBOX": "1", "GATEWAY_ADDR": "127.0.0.1:0", "TRADEGECKO_REFRESH_INTERVAL": "0",
		"TRADEGECKO_CLIENT_ID": "my-app", "TRADEGECKO_CLIENT_SECRET": "my-app-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	tokens := store.NewMemoryTokens(nil)
	sandboxes := sandboxmode.New(sandboxmode.Options{})
	srv, err := server.New(cfg, testLogger(t), server.WithTokenStore(tokens), server.WithSandboxes(sandboxes))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, func(addr string) { addrc <- addr }) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the gateway did not start")
	}
	g := &oauthGateway{gateway: &gateway{t: t, url: "http://" + addr, sb: sandboxes.TradeGecko(), srv: srv}, tokens: tokens}

	// The client uses the privileged token: ready and serving before any
	// connect.
	if ok, why := srv.Ready(); !ok {
		t.Fatalf("not ready in sandbox mode: %s", why)
	}
	mustData[map[string]any](t, g.query("", productsQ(), nil))

	authorize := g.authorizeURL(t) // the open sandbox-mode gateway needs no key
	if !strings.HasPrefix(authorize, srv.SandboxURL("tradegecko")+"/oauth/authorize?") {
		t.Fatalf("connect redirects to %s, want the sandbox", authorize)
	}
	resp, body := get(t, g.approve(t, authorize), map[string]string{"Accept": "application/json"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"connected"`) {
		t.Fatalf("callback = %d %s", resp.StatusCode, body)
	}
	if _, ok := g.stored(t); !ok {
		t.Error("no token stored")
	}
	if n := g.sb.TokenRequests(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	mustData[map[string]any](t, g.query("", productsQ(), nil))
}

// productsQ is a catalog query the cache has never seen (a filter of its
// own), so it reaches TradeGecko and exercises the token.
func productsQ() string {
	return fmt.Sprintf(`{ variants(first: 1, filter: {sku: "uncached-%d"}) { totalCount } }`, uncachedSeq.Add(1))
}
