// Package sandboxmode is SANDBOX=1: it starts the three backends' sandboxes
// (adapters/*/sandbox) in-process, each on its own loopback port so the
// gateway reaches them over real HTTP exactly as it would the real APIs,
// and points the gateway's configuration at them. The composition root
// takes it as an option (server.WithSandboxes); cmd/gateway passes it only
// when built with the sandbox tag (make run), so the production binary
// links no sandbox at all, and refuses SANDBOX=1.
//
// It must never be imported by the production path (package server, its
// edge, or cmd/gateway's untagged files): cmd/gateway's tests check that
// the untagged binary links no sandbox.
package sandboxmode

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	scsandbox "github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	tgsandbox "github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	tgcsandbox "github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/server"
)

// Options adjusts the sandboxes (for tests that steer them).
type Options struct {
	// TradeGecko is the TradeGecko sandbox's options. Its control routes
	// are always on; empty fields take the sandbox app's defaults (access
	// token, client id and secret) and the gateway's configured budget.
	TradeGecko tgsandbox.Options
}

// Sandboxes are the running sandboxes of one gateway (server.Sandboxes).
type Sandboxes struct {
	opts Options

	mu      sync.Mutex
	tg      *tgsandbox.Sandbox
	tgc     *tgcsandbox.Sandbox
	sc      *scsandbox.Sandbox
	running []*running
}

type running struct {
	name backend.Name
	url  string
	srv  *http.Server
}

// New returns the sandboxes, not started yet (server.New starts them).
func New(opts Options) *Sandboxes { return &Sandboxes{opts: opts} }

var _ server.Sandboxes = (*Sandboxes)(nil)

// Start starts each backend's sandbox with its control routes and returns
// cfg pointed at them, with the sandboxes' credentials. TradeGecko's side
// shares the sandbox app's client secret, so webhooks are delivered and
// verified in sandbox mode too; with an OAuth application configured, the
// connect flow runs against the sandbox's application.
func (s *Sandboxes) Start(cfg server.Config, log *slog.Logger) (server.Config, error) {
	tg := &cfg.TradeGecko
	oauthApp := tg.ClientID != "" && tg.ClientSecret != ""
	so := s.opts.TradeGecko
	so.ControlRoutes = true
	if len(so.AccessTokens) == 0 {
		so.AccessTokens = []string{tgsandbox.DefaultAccessToken}
	}
	if so.RateLimit == 0 { // the budget the gateway is configured with (zero: the sandbox's, the real API's)
		so.RateLimit, so.RateWindow = tg.RateLimit, tg.RateWindow
	}
	so.ClientSecret = cmp.Or(so.ClientSecret, tgsandbox.DefaultClientSecret)
	s.tg = tgsandbox.New(so)
	url, err := s.serve(backend.TradeGecko, s.tg, log)
	if err != nil {
		return cfg, err
	}
	tg.BaseURL, tg.AccessToken, tg.ClientSecret = url, so.AccessTokens[0], so.ClientSecret
	if oauthApp {
		tg.ClientID = cmp.Or(so.ClientID, tgsandbox.DefaultClientID)
	}

	sc := &cfg.SimpleConsign
	s.sc = scsandbox.New(scsandbox.Options{ControlRoutes: true, RateLimit: sc.RateLimit, RateWindow: sc.RateWindow})
	if url, err = s.serve(backend.SimpleConsign, s.sc, log); err != nil {
		return cfg, err
	}
	sc.BaseURL, sc.APIKey = url, scsandbox.DefaultKey

	tgc := &cfg.TradeGlobal
	s.tgc = tgcsandbox.New(tgcsandbox.Options{ControlRoutes: true, Authorization: tgc.Authorization})
	if url, err = s.serve(backend.TradeGlobal, s.tgc, log); err != nil {
		return cfg, err
	}
	tgc.BaseURL, tgc.MerchantCode = url, tgcsandbox.DefaultMerchantCode
	return cfg, nil
}

func (s *Sandboxes) serve(name backend.Name, h http.Handler, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("start the %s sandbox: %w", name, err)
	}
	r := &running{name: name, url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = r.srv.Serve(ln) }()
	s.mu.Lock()
	s.running = append(s.running, r)
	s.mu.Unlock()
	log.Info("sandbox started", "backend", name, "url", r.url)
	return r.url, nil
}

// URL returns the base URL of the named sandbox ("tradegecko",
// "tradeglobal", "simpleconsign"), or "" before Start.
func (s *Sandboxes) URL(name backend.Name) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.running {
		if r.name == name {
			return r.url
		}
	}
	return ""
}

// Close stops every sandbox.
func (s *Sandboxes) Close() {
	s.mu.Lock()
	running := s.running
	s.running = nil
	s.mu.Unlock()
	for _, r := range running {
		_ = r.srv.Close()
	}
	if s.tg != nil {
		s.tg.Close()
	}
}

// TradeGecko is the TradeGecko sandbox once started, else nil.
func (s *Sandboxes) TradeGecko() *tgsandbox.Sandbox { return s.tg }

// TradeGlobal is the TradeGlobal sandbox once started, else nil.
func (s *Sandboxes) TradeGlobal() *tgcsandbox.Sandbox { return s.tgc }

// SimpleConsign is the SimpleConsign sandbox once started, else nil.
func (s *Sandboxes) SimpleConsign() *scsandbox.Sandbox { return s.sc }
