package sandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// authCodeTTL is how long an authorization code may be exchanged.
const authCodeTTL = 10 * time.Minute

// oauthState is the OAuth2 server's memory, guarded by Sandbox.mu.
type oauthState struct {
	codes         map[string]*authCode
	accessTokens  map[string]time.Time // token → expiry (sandbox clock)
	refreshTokens map[string]bool      // the refresh tokens still valid
	tokenRequests int
}

type authCode struct {
	redirectURI string
	expires     time.Time
	used        bool
}

func newOAuthState() *oauthState {
	return &oauthState{codes: map[string]*authCode{}, accessTokens: map[string]time.Time{}, refreshTokens: map[string]bool{}}
}

func isOAuthPath(p string) bool {
	segs := splitPath(p)
	return len(segs) == 2 && segs[0] == "oauth" && (segs[1] == "authorize" || segs[1] == "token")
}

// serveOAuth answers /oauth/authorize and /oauth/token: no bearer token,
// no rate limit, not recorded, no injected failures or latency.
func (s *Sandbox) serveOAuth(w http.ResponseWriter, r *http.Request) {
	var resp *response
	switch segs := splitPath(r.URL.Path); {
	case segs[1] == "authorize" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		resp = s.authorize(r)
	case segs[1] == "token" && r.Method == http.MethodPost:
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		resp = s.token(r, body)
	default:
		resp = htmlResponse(http.StatusNotFound, routeNotFoundPage)
	}
	resp.header.Set("X-Request-Id", uuid.NewString())
	writeResponse(w, resp)
}

// oauthError is Doorkeeper's error body.
func oauthError(status int, code, description string) *response {
	resp := jsonResponse(status, object{{"error", code}, {"error_description", description}})
	resp.header.Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		resp.header.Set("WWW-Authenticate", `Basic realm="Doorkeeper", error="`+code+`"`)
	}
	return resp
}

const (
	descInvalidClient = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."
	descInvalidGrant  = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
)

// authorize is GET /oauth/authorize: the user approves at once, and the
// browser is sent back to redirect_uri with code (and state).
func (s *Sandbox) authorize(r *http.Request) *response {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.ClientID {
		return oauthError(http.StatusBadRequest, "invalid_client", descInvalidClient)
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		return oauthError(http.StatusBadRequest, "invalid_request", "Missing required parameter: redirect_uri.")
	}
	target, err := url.Parse(redirect)
	if err != nil || !target.IsAbs() || target.Fragment != "" {
		return oauthError(http.StatusBadRequest, "invalid_redirect_uri", "The requested redirect uri is malformed or doesn't match client redirect URI.")
	}
	params := target.Query()
	if rt := q.Get("response_type"); rt != "code" {
		params.Set("error", "unsupported_response_type")
		params.Set("error_description", "The authorization server does not support this response type.")
	} else {
		code := randomToken()
		s.mu.Lock()
		s.oauth.codes[code] = &authCode{redirectURI: redirect, expires: s.now().Add(authCodeTTL)}
		s.mu.Unlock()
		params.Set("code", code)
	}
	if state := q.Get("state"); state != "" {
		params.Set("state", state)
	}
	target.RawQuery = params.Encode()
	resp := htmlResponse(http.StatusFound, `<html><body>You are being <a href="`+target.String()+`">redirected</a>.</body></html>`)
	resp.header.Set("Location", target.String())
	return resp
}

// token is POST /oauth/token, with a JSON body (as the spec shows) or a
// form (as golang.org/x/oauth2 sends it); client credentials in the body
// or as HTTP Basic auth.
func (s *Sandbox) token(r *http.Request, body []byte) *response {
	params := url.Values{}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			return oauthError(http.StatusBadRequest, "invalid_request", "The request body is not valid JSON.")
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				params.Set(k, v)
			case float64:
				params.Set(k, strconv.FormatFloat(v, 'f', -1, 64))
			}
		}
	} else {
		var err error
		if params, err = url.ParseQuery(string(body)); err != nil {
			return oauthError(http.StatusBadRequest, "invalid_request", "The request body is malformed.")
		}
	}

	id, secret := params.Get("client_id"), params.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		id, secret = unescape(user), unescape(pass)
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.tokenRequests++
	if !constantEqual(id, s.opts.ClientID) || !constantEqual(secret, s.opts.ClientSecret) {
		return oauthError(http.StatusUnauthorized, "invalid_client", descInvalidClient)
	}
	switch grant := params.Get("grant_type"); grant {
	case "authorization_code":
		code := s.oauth.codes[params.Get("code")]
		if code == nil || code.used || !now.Before(code.expires) || params.Get("redirect_uri") != code.redirectURI {
			return oauthError(http.StatusBadRequest, "invalid_grant", descInvalidGrant)
		}
		code.used = true
	case "refresh_token":
		rt := params.Get("refresh_token")
		if !s.oauth.refreshTokens[rt] {
			return oauthError(http.StatusBadRequest, "invalid_grant", descInvalidGrant)
		}
		delete(s.oauth.refreshTokens, rt) // each refresh token works once
	case "":
		return oauthError(http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type.")
	default:
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
	}
	access, refresh := randomToken(), randomToken()
	s.oauth.accessTokens[access] = now.Add(s.opts.AccessTokenTTL)
	s.oauth.refreshTokens[refresh] = true
	resp := jsonResponse(http.StatusOK, object{
		{"access_token", access},
		{"expires_in", int64(s.opts.AccessTokenTTL / time.Second)},
		{"refresh_token", refresh},
		{"scope", "public"},
		{"token_type", "bearer"},
		{"created_at", now.Unix()},
	})
	resp.header.Set("Cache-Control", "no-store")
	resp.header.Set("Pragma", "no-cache")
	return resp
}

// unescape undoes the form-encoding RFC 6749 asks of Basic credentials
// (golang.org/x/oauth2 applies it).
func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func constantEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// TokenRequests is the number of requests to /oauth/token so far, refused
// ones included.
func (s *Sandbox) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauth.tokenRequests
}

// ExpireAccessTokens expires every access token /oauth/token issued so
// far: the API answers them 401 "The access token expired" until the
// client refreshes. Refresh tokens and Options.AccessTokens are untouched.
func (s *Sandbox) ExpireAccessTokens() {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.oauth.accessTokens {
		s.oauth.accessTokens[t] = now
	}
}
