package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

const redirectURI = "https://gateway.example/oauth/tradegecko/callback"

// authorize follows GET /oauth/authorize and returns the code.
func authorize(t *testing.T, srv string, redirect string) string {
	t.Helper()
	u := srv + "/oauth/authorize?" + url.Values{
		"response_type": {"code"}, "client_id": {sandbox.DefaultClientID}, "redirect_uri": {redirect}, "state": {"xyz 1"},
	}.Encode()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /oauth/authorize = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	want, _ := url.Parse(redirect)
	if err != nil || (want.Query().Has("keep") && loc.Query().Get("keep") != "1") || loc.Scheme+loc.Host+loc.Path != want.Scheme+want.Host+want.Path || loc.Query().Get("state") != "xyz 1" || loc.Query().Get("code") == "" {
		t.Fatalf("Location = %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type tokenAnswer struct {
	status int
	body   map[string]any
}

// tokenRequest posts to /oauth/token: JSON when form is nil, else the
// form; basic adds HTTP Basic client credentials.
func tokenRequest(t *testing.T, srv string, params map[string]string, asForm, basic bool) tokenAnswer {
	t.Helper()
	var req *http.Request
	if asForm {
		v := url.Values{}
		for k, x := range params {
			v.Set(k, x)
		}
		req, _ = http.NewRequest("POST", srv+"/oauth/token", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		b, _ := json.Marshal(params)
		req, _ = http.NewRequest("POST", srv+"/oauth/token", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	}
	if basic {
		req.SetBasicAuth(url.QueryEscape(sandbox.DefaultClientID), url.QueryEscape(sandbox.DefaultClientSecret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	_ = dec.Decode(&body)
	return tokenAnswer{status: resp.StatusCode, body: body}
}

func client(extra map[string]string) map[string]string {
	m := map[string]string{"client_id": sandbox.DefaultClientID, "client_secret": sandbox.DefaultClientSecret}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestOAuthAuthorize(t *testing.T) {
	_, srv := start(t, small)
	authorize(t, srv.URL, redirectURI)
	authorize(t, srv.URL, redirectURI+"?keep=1")
	for _, tt := range []struct {
		query string
		error string
	}{
		{"response_type=code&client_id=nope&redirect_uri=" + url.QueryEscape(redirectURI), "invalid_client"},
		{"response_type=code&client_id=" + sandbox.DefaultClientID, "invalid_request"},
		{"response_type=code&client_id=" + sandbox.DefaultClientID + "&redirect_uri=relative", "invalid_redirect_uri"},
	} {
		resp, err := noRedirects.Get(srv.URL + "/oauth/authorize?" + tt.query)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || body["error"] != tt.error {
			t.Errorf("authorize?%s = %d %v, want 400 %s", tt.query, resp.StatusCode, body, tt.error)
		}
	}
	resp, err := noRedirects.Get(srv.URL + "/oauth/authorize?response_type=token&client_id=" + sandbox.DefaultClientID + "&redirect_uri=" + url.QueryEscape(redirectURI))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || !strings.Contains(loc, "error=unsupported_response_type") {
		t.Errorf("response_type=token = %d %s", resp.StatusCode, loc)
	}
}

func TestOAuthTokens(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := small
	opts.Now = clock.Now
	sb, srv := start(t, opts)

	exchange := func(t *testing.T, asForm, basic bool) map[string]any {
		t.Helper()
		params := map[string]string{"grant_type": "authorization_code", "code": authorize(t, srv.URL, redirectURI), "redirect_uri": redirectURI}
		if !basic {
			params = client(params)
		}
		a := tokenRequest(t, srv.URL, params, asForm, basic)
		if a.status != 200 {
			t.Fatalf("code exchange (form %v, basic %v) = %d %v", asForm, basic, a.status, a.body)
		}
		return a.body
	}
	for _, tt := range []struct {
		name          string
		asForm, basic bool
	}{{"JSON", false, false}, {"form", true, false}, {"form with Basic auth", true, true}, {"JSON with Basic auth", false, true}} {
		t.Run(tt.name, func(t *testing.T) {
			tok := exchange(t, tt.asForm, tt.basic)
			if tok["token_type"] != "bearer" || tok["scope"] != "public" || tok["expires_in"] != json.Number("7200") ||
				tok["created_at"] != json.Number(fmt.Sprint(clock.Now().Unix())) || tok["refresh_token"] == "" {
				t.Errorf("token = %v", tok)
			}
			r := call(t, srv, "GET", "/accounts/current", "Bearer "+tok["access_token"].(string), nil)
			if r.status != 200 {
				t.Errorf("API with the issued token = %d", r.status)
			}
		})
	}

	code := authorize(t, srv.URL, redirectURI)
	for _, tt := range []struct {
		name   string
		params map[string]string
		status int
		error  string
	}{
		{"redirect_uri differs", client(map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI + "/x"}), 400, "invalid_grant"},
		{"unknown code", client(map[string]string{"grant_type": "authorization_code", "code": "nope", "redirect_uri": redirectURI}), 400, "invalid_grant"},
		{"bad secret", map[string]string{"client_id": sandbox.DefaultClientID, "client_secret": "wrong", "grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI}, 401, "invalid_client"},
		{"no credentials", map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI}, 401, "invalid_client"},
		{"no grant type", client(nil), 400, "invalid_request"},
		{"password grant", client(map[string]string{"grant_type": "password"}), 400, "unsupported_grant_type"},
		{"unknown refresh token", client(map[string]string{"grant_type": "refresh_token", "refresh_token": "nope"}), 400, "invalid_grant"},
	} {
		a := tokenRequest(t, srv.URL, tt.params, false, false)
		if a.status != tt.status || a.body["error"] != tt.error || a.body["error_description"] == "" {
			t.Errorf("%s = %d %v, want %d %s", tt.name, a.status, a.body, tt.status, tt.error)
		}
	}
	// The code was not used up by the failures; it works once.
	ok := tokenRequest(t, srv.URL, client(map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI}), false, false)
	again := tokenRequest(t, srv.URL, client(map[string]string{"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI}), false, false)
	if ok.status != 200 || again.status != 400 || again.body["error"] != "invalid_grant" {
		t.Errorf("code reuse: %d then %d %v", ok.status, again.status, again.body)
	}
	// Codes expire after 10 minutes.
	late := authorize(t, srv.URL, redirectURI)
	clock.Advance(10 * time.Minute)
	if a := tokenRequest(t, srv.URL, client(map[string]string{"grant_type": "authorization_code", "code": late, "redirect_uri": redirectURI}), true, false); a.status != 400 {
		t.Errorf("expired code = %d", a.status)
	}

	// Refresh: a new pair each time; the old refresh token is dead; access
	// tokens expire after 7200 s.
	first := exchange(t, true, true)
	access1, refresh1 := first["access_token"].(string), first["refresh_token"].(string)
	clock.Advance(7200 * time.Second)
	r := call(t, srv, "GET", "/accounts/current", "Bearer "+access1, nil)
	if r.status != 401 || !strings.Contains(string(r.body), "The access token expired") || !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("expired token = %d %s %q", r.status, r.body, r.header.Get("WWW-Authenticate"))
	}
	getOK(t, srv, "/accounts/current") // the privileged token never expires

	second := tokenRequest(t, srv.URL, map[string]string{"grant_type": "refresh_token", "refresh_token": refresh1}, true, true)
	if second.status != 200 || second.body["refresh_token"] == refresh1 || second.body["access_token"] == access1 {
		t.Fatalf("refresh = %d %v", second.status, second.body)
	}
	reuse := tokenRequest(t, srv.URL, client(map[string]string{"grant_type": "refresh_token", "refresh_token": refresh1, "redirect_uri": redirectURI}), false, false)
	if reuse.status != 400 || reuse.body["error"] != "invalid_grant" {
		t.Errorf("reusing a rotated refresh token = %d %v", reuse.status, reuse.body)
	}
	access2 := second.body["access_token"].(string)
	if r := call(t, srv, "GET", "/accounts/current", "Bearer "+access2, nil); r.status != 200 {
		t.Errorf("refreshed token = %d", r.status)
	}

	// ExpireAccessTokens: every issued token expires at once.
	sb.ExpireAccessTokens()
	if r := call(t, srv, "GET", "/products/1", "Bearer "+access2, nil); r.status != 401 {
		t.Errorf("after ExpireAccessTokens = %d", r.status)
	}
	getOK(t, srv, "/products/1")
	third := tokenRequest(t, srv.URL, client(map[string]string{"grant_type": "refresh_token", "refresh_token": second.body["refresh_token"].(string)}), false, false)
	if r := call(t, srv, "GET", "/products/1", "Bearer "+third.body["access_token"].(string), nil); third.status != 200 || r.status != 200 {
		t.Errorf("refresh after expiry = %d, API %d", third.status, r.status)
	}
	if n := sb.TokenRequests(); n != 18 {
		t.Errorf("TokenRequests() = %d, want 18", n)
	}
	// OAuth endpoints are not API requests: not recorded, not limited.
	for _, req := range sb.Requests() {
		if strings.HasPrefix(req.Path, "/oauth") {
			t.Errorf("recorded %s", req.Path)
		}
	}
}

func TestOAuthOptionsAndControl(t *testing.T) {
	_, srv := start(t, sandbox.Options{Products: 10, ClientID: "my-app", ClientSecret: "s3cret", AccessTokenTTL: time.Minute, RateLimit: 1, ControlRoutes: true})
	resp, err := noRedirects.Get(srv.URL + "/oauth/authorize?response_type=code&client_id=my-app&redirect_uri=" + url.QueryEscape(redirectURI))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, _ := url.Parse(resp.Header.Get("Location"))
	req, _ := http.NewRequest("POST", srv.URL+"/oauth/token", strings.NewReader(url.Values{
		"grant_type": {"authorization_code"}, "code": {code.Query().Get("code")}, "redirect_uri": {redirectURI},
	}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("my-app", "s3cret")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok.ExpiresIn != 60 {
		t.Fatalf("token = %d %+v", resp.StatusCode, tok)
	}
	if r := call(t, srv, "GET", "/locations", "Bearer "+tok.AccessToken, nil); r.status != 200 {
		t.Errorf("API = %d", r.status)
	}
	if r := call(t, srv, "POST", "/_sandbox/oauth/expire", "", nil); r.status != 200 {
		t.Errorf("POST /_sandbox/oauth/expire = %d", r.status)
	}
	call(t, srv, "POST", "/_sandbox/rate-limit/reset", "", nil)
	if r := call(t, srv, "GET", "/locations", "Bearer "+tok.AccessToken, nil); r.status != 401 {
		t.Errorf("after expire = %d", r.status)
	}
}
