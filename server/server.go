package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/server/playground"
	"github.com/commercegateway/gateway/store"
)

// MaxBodyBytes bounds request bodies; larger ones answer 413.
const MaxBodyBytes = 2 << 20

// Server is the gateway: its HTTP routes, the backends behind them, and the
// background work that keeps reference data fresh.
type Server struct {
	cfg  Config
	log  *slog.Logger
	echo *echo.Echo
	keys *keyring

	catalog *tradegecko.Catalog // nil when TradeGecko is disabled
	client  *tradegecko.Client  // nil when TradeGecko is disabled
	service *commerce.Service
	hooks   *webhooks
	oauth   *oauthFlow // nil without an OAuth application (client id + secret)

	// publicURL is where backends reach this gateway (webhooks): the
	// configured one, or in sandbox mode the gateway's own address.
	publicURL string
	sandboxTG *sandbox.Sandbox

	// Sandboxes, in sandbox mode: each runs on its own loopback port so the
	// gateway reaches it over real HTTP, exactly as it would a backend.
	sandboxes []*sandboxServer

	bg     sync.WaitGroup
	cancel context.CancelFunc
}

type sandboxServer struct {
	name string
	url  string
	srv  *http.Server
}

// Option adjusts a Server for tests.
type Option func(*options)

type options struct {
	tradegeckoHTTP *http.Client
	sandboxOpts    sandbox.Options
	observers      []func(context.Context, commerce.Event)
	idempotency    store.Idempotency
	deliveries     store.Deliveries
	tokens         store.Tokens     // OAuth tokens (WithTokenStore)
	oauthNow       func() time.Time // WithOAuthClock
}

// WithEventObserver hands every verified, new backend event to f (after
// the gateway's own processing).
func WithEventObserver(f func(context.Context, commerce.Event)) Option {
	return func(o *options) { o.observers = append(o.observers, f) }
}

// WithStores sets the durable stores (default: in memory).
func WithStores(idem store.Idempotency, deliveries store.Deliveries) Option {
	return func(o *options) { o.idempotency, o.deliveries = idem, deliveries }
}

// WithTradeGeckoHTTPClient sets the HTTP client the TradeGecko adapter uses.
func WithTradeGeckoHTTPClient(hc *http.Client) Option {
	return func(o *options) { o.tradegeckoHTTP = hc }
}

// WithSandboxOptions sets the TradeGecko sandbox's options in sandbox mode.
func WithSandboxOptions(so sandbox.Options) Option {
	return func(o *options) { o.sandboxOpts = so }
}

// New builds the gateway from cfg. In sandbox mode it starts the sandboxes
// on loopback ports first. Call Start to begin background work, then serve
// Handler (or call Run).
func New(cfg Config, log *slog.Logger, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{cfg: cfg, log: log, keys: newKeyring(cfg.APIKeys), publicURL: strings.TrimSuffix(cfg.PublicURL, "/")}
	if s.keys.open {
		log.Warn("GATEWAY_API_KEYS is empty: the gateway is open to anyone who can reach it (allowed in sandbox mode or with GATEWAY_INSECURE=1)")
	}

	tg := cfg.TradeGecko
	oauthApp := tg.ClientID != "" && tg.ClientSecret != ""
	if cfg.Sandbox {
		so := o.sandboxOpts
		so.ControlRoutes = true
		if len(so.AccessTokens) == 0 {
			so.AccessTokens = []string{"sandbox-token"}
		}
		if so.RateLimit == 0 {
			so.RateLimit, so.RateWindow = tg.RateLimit, tg.RateWindow
		}
		if so.ClientSecret == "" {
			so.ClientSecret = sandbox.DefaultClientSecret
		}
		s.sandboxTG = sandbox.New(so)
		sb, err := s.startSandbox("tradegecko", s.sandboxTG)
		if err != nil {
			return nil, err
		}
		// Both sides share the sandbox app's secret, so webhooks are
		// delivered and verified in sandbox mode too.
		tg.BaseURL, tg.AccessToken, tg.ClientSecret = sb.url, so.AccessTokens[0], so.ClientSecret
		if oauthApp { // the connect flow runs against the sandbox's application
			tg.ClientID = cmp.Or(so.ClientID, sandbox.DefaultClientID)
		}
	}
	if oauthApp {
		s.oauth = newOAuthFlow(tg, o)
	}

	if tg.Configured() {
		copts := []tradegecko.Option{tradegecko.WithAccessToken(tg.AccessToken), tradegecko.WithTimeout(tg.Timeout)}
		if tg.AccessToken == "" { // tokens from the connect flow
			copts[0] = tradegecko.WithTokenSource(s.oauth.source)
		}
		if o.tradegeckoHTTP != nil {
			copts = append(copts, tradegecko.WithHTTPClient(o.tradegeckoHTTP))
		}
		client, err := tradegecko.New(tg.BaseURL, copts...)
		if err != nil {
			s.closeSandboxes()
			return nil, err
		}
		s.client = client
		s.catalog = tradegecko.NewCatalog(client, log)
	} else {
		log.Error("TradeGecko is DISABLED: set TRADEGECKO_ACCESS_TOKEN (or TRADEGECKO_CLIENT_ID and TRADEGECKO_CLIENT_SECRET); catalog and order fields answer BACKEND_DISABLED")
	}
	sc := commerce.ServiceConfig{Idempotency: o.idempotency}
	if s.catalog != nil {
		sc.Catalog, sc.Orders = s.catalog, tradegecko.NewSales(s.catalog)
	}
	s.service = commerce.NewService(sc)

	if o.deliveries == nil {
		o.deliveries = store.NewMemoryDeliveries(nil)
	}
	s.hooks = newWebhooks(tg.ClientSecret, o.deliveries, log)
	for _, f := range o.observers {
		s.hooks.observe(f)
	}
	if tg.ClientSecret == "" {
		log.Warn("TRADEGECKO_CLIENT_SECRET is empty: /webhooks/tradegecko answers 503, and nothing announces stock changes")
	}
	s.echo = s.routes()
	return s, nil
}

// Service returns the commerce operations the server exposes.
func (s *Server) Service() *commerce.Service { return s.service }

// SandboxURL returns the base URL of the named sandbox ("tradegecko"), or
// "" outside sandbox mode.
func (s *Server) SandboxURL(name string) string {
	for _, sb := range s.sandboxes {
		if sb.name == name {
			return sb.url
		}
	}
	return ""
}

// Handler is the gateway's HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Ready reports whether the gateway can serve: TradeGecko connected (when
// its tokens come from the connect flow) and reference data loaded.
//
// A gateway whose TradeGecko app is not connected yet is ready, with a
// note: it must take traffic, or the admin could not reach the connect
// route through a load balancer.
func (s *Server) Ready() (bool, string) {
	if connected, readable, why := s.oauthReady(); !connected {
		return readable, why
	}
	if s.catalog != nil && !s.catalog.Loaded() {
		return false, "TradeGecko reference data (account, currencies, locations) is not loaded yet"
	}
	return true, ""
}

// Start loads reference data (waiting at most a few seconds; a failure is
// retried by the background refresh and by the first query) and starts the
// background refresh.
func (s *Server) Start(ctx context.Context) {
	ctx, s.cancel = context.WithCancel(ctx)
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.hooks.run(ctx)
	}()
	if s.catalog == nil {
		return
	}
	if s.publicURL != "" && len(s.hooks.secret) > 0 {
		// Subscribe now (briefly), so a ready gateway hears about changes;
		// keep trying in the background if the API is not reachable.
		subCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := s.subscribeOnce(subCtx)
		cancel()
		if err != nil {
			s.bg.Add(1)
			go func() {
				defer s.bg.Done()
				s.subscribe(ctx)
			}()
		}
	}
	loadCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	if err := s.catalog.Refresh(loadCtx); err != nil {
		s.log.Warn("TradeGecko reference data did not load at start-up; /readyz stays unready until it does", "err", err)
	}
	cancel()
	interval := s.cfg.TradeGecko.RefreshInterval
	if interval > 0 {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			s.catalog.RunRefresh(ctx, interval)
		}()
	}
}

// Close stops background work and the sandboxes.
func (s *Server) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.bg.Wait()
	s.closeSandboxes()
}

// Run serves on cfg.Addr until ctx ends, then drains in-flight requests for
// up to ShutdownTimeout. ready, when not nil, receives the listening address.
func (s *Server) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	if s.cfg.Sandbox && s.publicURL == "" {
		// The sandbox delivers webhooks to the gateway itself.
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		s.publicURL = "http://127.0.0.1:" + port
	}
	s.Start(ctx)
	defer s.Close()
	hs := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      s.cfg.RequestTimeout + 15*time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) startSandbox(name string, h http.Handler) (*sandboxServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start the %s sandbox: %w", name, err)
	}
	sb := &sandboxServer{name: name, url: "http://" + ln.Addr().String(),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = sb.srv.Serve(ln) }()
	s.sandboxes = append(s.sandboxes, sb)
	s.log.Info("sandbox started", "backend", name, "url", sb.url)
	return sb, nil
}

func (s *Server) closeSandboxes() {
	for _, sb := range s.sandboxes {
		_ = sb.srv.Close()
	}
	s.sandboxes = nil
	if s.sandboxTG != nil {
		s.sandboxTG.Close()
	}
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(requestID)
	e.Use(s.accessLog)
	e.Use(s.recoverPanics)
	if len(s.cfg.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  s.cfg.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodOptions},
			AllowHeaders:  []string{"Authorization", "X-API-Key", "Content-Type", "Accept", "Idempotency-Key", "X-Request-ID"},
			ExposeHeaders: []string{"X-Request-ID", "Retry-After", "Link"},
			MaxAge:        600,
		}))
	}
	e.Use(middleware.BodyLimit(fmt.Sprintf("%dB", MaxBodyBytes)))

	// No key needed.
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/playground") })
	pg := echo.WrapHandler(playground.Handler(playground.Options{Endpoint: "/graphql"}))
	e.GET("/playground", pg)
	e.GET("/playground/*", pg)
	e.HEAD("/playground", pg)
	e.HEAD("/playground/*", pg)
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.POST("/webhooks/tradegecko", s.hooks.receive) // authenticated by its signature
	s.oauthRoutes(e)                                // connect: admin key; callback: its signed state

	// Keyed.
	gql := graph.NewHandler(graph.Options{Service: s.service, Log: s.log})
	api := e.Group("", s.authenticate, s.requestDeadline)
	api.POST("/graphql", graphqlHandler(gql), s.requireKey)
	api.GET("/graphql", graphqlHandler(gql), s.requireKey)
	return e
}

// subscribe makes sure TradeGecko delivers the events the gateway needs to
// its webhook route, retrying for a while if the API is not reachable.
func (s *Server) subscribe(ctx context.Context) {
	for attempt := 1; attempt <= 10; attempt++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Duration(attempt) * 5 * time.Second):
		}
		if s.subscribeOnce(ctx) == nil {
			return
		}
	}
	s.log.Error("gave up subscribing to TradeGecko webhooks; restart the gateway once TradeGecko is reachable")
}

func (s *Server) subscribeOnce(ctx context.Context) error {
	address := s.publicURL + "/webhooks/tradegecko"
	n, err := ensureSubscriptions(ctx, tgSubscriber{s.client}, address)
	if err != nil {
		s.log.Warn("could not subscribe to TradeGecko webhooks", "address", address, "err", err)
		return err
	}
	s.log.Info("TradeGecko webhooks subscribed", "address", address, "created", n)
	return nil
}

type tgSubscriber struct{ c *tradegecko.Client }

func (t tgSubscriber) existing(ctx context.Context) (map[string]bool, error) {
	return t.c.Webhooks.Subscriptions(ctx)
}

func (t tgSubscriber) subscribe(ctx context.Context, event, address string) error {
	_, _, err := t.c.Webhooks.Create(ctx, event, address)
	return err
}

// SandboxTradeGecko returns the in-process TradeGecko sandbox in sandbox
// mode (nil otherwise), for tests that steer it.
func (s *Server) SandboxTradeGecko() *sandbox.Sandbox { return s.sandboxTG }

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	ok, why := s.Ready()
	if !ok {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unready", "reason": why})
	}
	if why != "" {
		return c.JSON(http.StatusOK, map[string]string{"status": "ready", "note": why})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// requestDeadline bounds each keyed request, upstream waits included.
func (s *Server) requestDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}
