package server_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	scsandbox "github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	tgcsandbox "github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server"
)

// Keys the tests configure.
const (
	adminKey      = "admin-key-0123456789abcdef"
	storefrontKey = "storefront-key-0123456789abcdef"
)

// gateway is a gateway under test, pointed at a TradeGecko sandbox over
// real HTTP exactly as it would be pointed at the real API.
type gateway struct {
	t   testing.TB
	sb  *sandbox.Sandbox
	srv *server.Server
	url string
	// The TradeGlobal and SimpleConsign sandboxes (gatewayOptions.backends).
	tgc *tgcsandbox.Sandbox
	sc  *scsandbox.Sandbox
	// upstreamURL is the TradeGecko sandbox's address (its /_sandbox
	// control routes).
	upstreamURL string
}

type gatewayOptions struct {
	sandbox sandbox.Options
	keys    []server.APIKey // nil: admin + storefront keys
	open    bool            // no keys at all (GATEWAY_INSECURE)
	cors    []string        // GATEWAY_CORS_ORIGINS
	// webhooks: the gateway shares the sandbox app's secret and subscribes
	// at start, so the sandbox delivers to it.
	webhooks bool
	// oauth: no access token; the sandbox's OAuth application and the
	// connect flow's callback on this gateway. The gateway starts
	// unconnected (and unready).
	oauth bool
	logs  io.Writer // also write the gateway's logs here
	// backends: TradeGlobal and SimpleConsign sandboxes too, each over
	// real HTTP; consignment configures the SimpleConsign one (and the
	// gateway's budget for it).
	backends    bool
	consignment scsandbox.Options
	// redisURL: a shared Redis (REDIS_URL); empty: the embedded one.
	redisURL string
	// redisAddrs: a shared Redis Cluster (REDIS_ADDRS, several addresses).
	redisAddrs []string
	// epochCheck: REDIS_EPOCH_CHECK_INTERVAL (default the gateway's).
	epochCheck time.Duration
	// upstream: an already running TradeGecko sandbox to share (replicas);
	// nil: a new one from sandbox.
	upstream *sharedSandbox
	// TradeGecko's budget (default 300 per 300 s) and the cache's
	// freshness (default the gateway's).
	rateLimit  int
	rateWindow time.Duration
	cache      server.CacheConfig
	// pollInterval: TRADEGECKO_POLL_INTERVAL (default 0: no polling, so
	// request counts are what queries cause).
	pollInterval time.Duration
	// requestTimeout bounds each client request (default 10 s).
	requestTimeout time.Duration
	// limits: the hostile-clients limits (zero fields: the defaults).
	limits server.LimitsConfig
	// apq: automatic persisted queries (zero fields: the defaults).
	apq server.APQConfig
	// live: the live-update limits (zero fields: the defaults).
	live server.LiveConfig
	opts []server.Option
}

// sharedSandbox is one TradeGecko sandbox several gateways talk to, and,
// once a gateway with backends has used it, one TradeGlobal and one
// SimpleConsign sandbox too.
type sharedSandbox struct {
	sb  *sandbox.Sandbox
	srv *httptest.Server

	tgc           *tgcsandbox.Sandbox
	sc            *scsandbox.Sandbox
	tgcURL, scURL string
}

// backends starts the TradeGlobal and SimpleConsign sandboxes once.
func (up *sharedSandbox) backends(t testing.TB, sc scsandbox.Options) {
	if up.tgc != nil {
		return
	}
	up.tgc, up.sc = tgcsandbox.New(tgcsandbox.Options{}), scsandbox.New(sc)
	tgcUp, scUp := httptest.NewServer(up.tgc), httptest.NewServer(up.sc)
	t.Cleanup(tgcUp.Close)
	t.Cleanup(scUp.Close)
	up.tgcURL, up.scURL = tgcUp.URL, scUp.URL
}

func newSharedSandbox(t testing.TB, o sandbox.Options) *sharedSandbox {
	t.Helper()
	sb := sandbox.New(o)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	t.Cleanup(sb.Close)
	return &sharedSandbox{sb: sb, srv: srv}
}

func newGateway(t testing.TB, o gatewayOptions) *gateway {
	t.Helper()
	up := o.upstream
	if up == nil {
		up = newSharedSandbox(t, o.sandbox)
	}
	sb, upstream := up.sb, up.srv
	front := httptest.NewUnstartedServer(nil)
	t.Cleanup(front.Close)

	keys := o.keys
	if keys == nil && !o.open {
		keys = []server.APIKey{{Key: adminKey, Role: commerce.RoleAdmin}, {Key: storefrontKey, Role: commerce.RoleStorefront}}
	}
	cfg := server.Config{
		APIKeys:     keys,
		Insecure:    o.open,
		CORSOrigins: o.cors,
		TradeGecko: server.TradeGeckoConfig{
			BaseURL:      upstream.URL,
			AccessToken:  "sandbox-token",
			RateLimit:    cmp.Or(o.rateLimit, 300),
			RateWindow:   cmp.Or(o.rateWindow, 300*time.Second),
			ReadReserve:  0.1, // as LoadConfig's default
			Timeout:      5 * time.Second,
			PollInterval: o.pollInterval,
			// RefreshInterval 0: reference data loads once, at Start, so
			// request counts below are what queries cause.
		},
		Redis:           server.RedisConfig{URL: o.redisURL, Addrs: o.redisAddrs, EpochCheckInterval: o.epochCheck},
		Cache:           responseCacheOn(o.cache, o.redisURL != "" || len(o.redisAddrs) > 0),
		Limits:          o.limits,
		APQ:             o.apq,
		Live:            o.live,
		RequestTimeout:  cmp.Or(o.requestTimeout, 10*time.Second),
		ShutdownTimeout: time.Second,
	}
	if o.backends {
		up.backends(t, o.consignment)
		cfg.TradeGlobal = server.TradeGlobalConfig{BaseURL: up.tgcURL, MerchantCode: tgcsandbox.DefaultMerchantCode,
			Currency: "USD", Timeout: 2 * time.Second}
		cfg.SimpleConsign = server.SimpleConsignConfig{BaseURL: up.scURL, APIKey: scsandbox.DefaultKey,
			Currency: "USD", RateLimit: cmp.Or(o.consignment.RateLimit, scsandbox.DefaultRateLimit),
			RateWindow: cmp.Or(o.consignment.RateWindow, scsandbox.DefaultRateWindow), Timeout: 2 * time.Second}
	}
	if o.webhooks {
		cfg.PublicURL = "http://" + front.Listener.Addr().String()
		cfg.TradeGecko.ClientSecret = sandbox.DefaultClientSecret
	}
	if o.oauth {
		cfg.TradeGecko.AccessToken = ""
		cfg.TradeGecko.ClientID, cfg.TradeGecko.ClientSecret = sandbox.DefaultClientID, sandbox.DefaultClientSecret
		cfg.TradeGecko.RedirectURL = "http://" + front.Listener.Addr().String() + "/oauth/tradegecko/callback"
	}
	log := testLogger(t)
	if o.logs != nil {
		log = slog.New(slog.NewTextHandler(o.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := server.New(cfg, log, o.opts...)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv.Start(ctx)
	t.Cleanup(func() { cancel(); srv.Close() })
	if ok, why := srv.Ready(); !ok && !o.oauth {
		t.Fatalf("gateway not ready after Start: %s", why)
	}
	front.Config.Handler = srv.Handler()
	front.Start()
	sb.ResetRequests()
	return &gateway{t: t, sb: sb, srv: srv, url: front.URL, tgc: up.tgc, sc: up.sc, upstreamURL: upstream.URL}
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// responseCacheOn turns the response cache on, as RESPONSE_CACHE_SIZE's
// default does, unless the test sets its size (-1: off); and its Redis
// tier too with a shared Redis, as RESPONSE_CACHE_SHARED_SIZE's does,
// unless the test sets it (-1: off).
func responseCacheOn(c server.CacheConfig, sharedRedis bool) server.CacheConfig {
	switch {
	case c.ResponseBytes == 0:
		c.ResponseBytes = 8 << 20
	case c.ResponseBytes < 0:
		c.ResponseBytes = 0
	}
	switch {
	case c.SharedResponseBytes == 0 && sharedRedis && c.ResponseBytes > 0:
		c.SharedResponseBytes = 2 << 20
	case c.SharedResponseBytes < 0:
		c.SharedResponseBytes = 0
	}
	return c
}

// gqlResponse is a GraphQL response.
type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
	status     int
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (r gqlResponse) code(i int) string {
	if i >= len(r.Errors) {
		return ""
	}
	c, _ := r.Errors[i].Extensions["code"].(string)
	return c
}

// query posts a GraphQL query with the given key ("" sends none).
func (g *gateway) query(key, query string, vars map[string]any) gqlResponse {
	g.t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		g.t.Fatal(err)
	}
	return g.post(key, "application/json", body)
}

func (g *gateway) post(key, contentType string, body []byte) gqlResponse {
	g.t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return g.do(req)
}

func (g *gateway) do(req *http.Request) gqlResponse {
	g.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		g.t.Fatalf("%s %s: status %d, body is not JSON: %v\n%s", req.Method, req.URL, resp.StatusCode, err, raw)
	}
	out.status = resp.StatusCode
	return out
}

// mustData fails unless the response has no errors, and decodes its data.
func mustData[T any](t testing.TB, r gqlResponse) T {
	t.Helper()
	if len(r.Errors) > 0 || r.status != http.StatusOK {
		t.Fatalf("status %d, errors %+v", r.status, r.Errors)
	}
	var v T
	if err := json.Unmarshal(r.Data, &v); err != nil {
		t.Fatalf("decode data: %v\n%s", err, r.Data)
	}
	return v
}

// upstream counts the sandbox requests fn causes.
func (g *gateway) upstream(fn func()) int {
	g.sb.ResetRequests()
	fn()
	return g.sb.RequestCount()
}
