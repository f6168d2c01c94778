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

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/cache"
	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/clientrate"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/docstore"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/respcache"
	"github.com/commercegateway/gateway/server/edge"
	"github.com/commercegateway/gateway/server/rest"
	"github.com/commercegateway/gateway/store"
)

// Server is the gateway: the backends, the stores and the background work
// that keeps reference data fresh, behind its HTTP edge (server/edge).
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler // the edge

	catalog *tradegecko.Catalog // nil when TradeGecko is disabled
	client  *tradegecko.Client  // nil when TradeGecko is disabled
	cached  *cache.Catalog      // the catalog behind its cache; nil when TradeGecko is disabled
	sales   commerce.Orders     // TradeGecko's orders, uncached; nil when TradeGecko is disabled
	changes *changes.Hub        // the change bus (live.go)
	service *commerce.Service
	hooks   *webhooks
	oauth   *oauthFlow // nil without an OAuth application (client id + secret)
	rdb     redis.UniversalClient
	epoch   *store.EpochGuard   // the Redis data's epoch (epoch.go)
	clients *clientrate.Limiter // each storefront client's request rate (server/edge/clients.go)
	metrics *metrics
	closers []func()
	// breakerOpts adjust every backend's breakers (WithBreakerOptions).
	breakerOpts []circuit.Option
	trusted     *graph.TrustedDocuments // GATEWAY_TRUSTED_DOCUMENTS; nil: any operation
	apq         *docstore.Store         // automatic persisted queries; nil: off (GATEWAY_APQ=0)
	streams     *graph.Streams          // the live connections (live.go)
	responses   *respcache.Cache        // whole answers (responses.go); nil: off
	// sharedResponses is the response cache's Redis tier; nil: off.
	sharedResponses *respcache.Shared

	// publicURL is where backends reach this gateway (webhooks): the
	// configured one, or in sandbox mode the gateway's own address.
	publicURL string
	// sandboxes are the in-process backends of sandbox mode
	// (WithSandboxes); nil otherwise.
	sandboxes Sandboxes

	bg     sync.WaitGroup
	cancel context.CancelFunc
}

// Option adjusts a Server for tests.
type Option func(*options)

type options struct {
	tradegeckoHTTP *http.Client
	sandboxes      Sandboxes
	observers      []func(context.Context, commerce.Event)
	idempotency    store.Idempotency
	deliveries     store.Deliveries
	tokens         store.Tokens     // OAuth tokens (WithTokenStore)
	oauthNow       func() time.Time // WithOAuthClock
	breakerOpts    []circuit.Option // WithBreakerOptions
	coalesce       time.Duration    // WithCoalesceWindow; 0: coalesceWindow
}

// WithCoalesceWindow sets the change bus's coalescing window (live.go);
// a negative d turns coalescing off, so every change is its own event (a
// test of a slow consumer needs a flood of them).
func WithCoalesceWindow(d time.Duration) Option {
	return func(o *options) { o.coalesce = d }
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

// Sandboxes are the in-process backends of sandbox mode (SANDBOX=1):
// package server/sandboxmode implements them. The composition root never
// imports it, so a binary that does not pass WithSandboxes links no
// sandbox, and refuses sandbox mode.
type Sandboxes interface {
	// Start starts the sandboxes and returns cfg pointed at them, with
	// their credentials.
	Start(cfg Config, log *slog.Logger) (Config, error)
	// URL is the base URL of the named sandbox ("tradegecko"), or "".
	URL(name backend.Name) string
	// Close stops them.
	Close()
}

// WithSandboxes runs the backends in-process in sandbox mode (cfg.Sandbox);
// outside it, they are not started.
func WithSandboxes(sb Sandboxes) Option {
	return func(o *options) { o.sandboxes = sb }
}

// ErrNoSandboxes is New's error in sandbox mode without WithSandboxes.
var ErrNoSandboxes = errors.New("SANDBOX=1, but this gateway was built without the sandboxes " +
	"(they are linked only with -tags sandbox): run `make run` (go run -tags sandbox ./cmd/gateway), or unset SANDBOX")

// New builds the gateway from cfg: the sandboxes in sandbox mode
// (WithSandboxes), Redis (configured, or embedded), the durable stores on
// it, each configured backend behind its shared rate limit, the catalog
// cache, and the HTTP edge over them (server/edge).
// Call Start to begin background work, then serve Handler (or call Run).
func New(cfg Config, log *slog.Logger, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Limits = cfg.Limits.withDefaults(cfg.Sandbox)
	cfg.APQ = cfg.APQ.withDefaults()
	cfg.Live = cfg.Live.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s := &Server{cfg: cfg, log: log, publicURL: strings.TrimSuffix(cfg.PublicURL, "/"), metrics: newMetrics(),
		breakerOpts: o.breakerOpts}
	if len(cfg.APIKeys) == 0 {
		log.Warn("GATEWAY_API_KEYS is empty: the gateway is open to anyone who can reach it (allowed in sandbox mode or with GATEWAY_INSECURE=1)")
	}
	if path := cfg.Limits.TrustedDocuments; path != "" {
		td, err := graph.LoadTrustedDocuments(path)
		if err != nil {
			return nil, fmt.Errorf("GATEWAY_TRUSTED_DOCUMENTS: %w", err)
		}
		s.trusted = td
		log.Info("trusted documents: storefront keys may run only these", "path", path, "documents", td.Len(), "algorithm", td.Algorithm())
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	if cfg.Sandbox {
		if o.sandboxes == nil {
			return nil, ErrNoSandboxes
		}
		s.sandboxes = o.sandboxes
		var err error
		if cfg, err = s.sandboxes.Start(cfg, log); err != nil {
			return nil, err
		}
		s.cfg = cfg
	}

	rdb, closeRedis, err := openRedis(cfg.Redis, log)
	if err != nil {
		return nil, err
	}
	s.rdb, s.closers = rdb, append(s.closers, closeRedis)
	if !cfg.Redis.Embedded() {
		if err := checkRedis(context.Background(), rdb, log); err != nil {
			return nil, err
		}
	}
	if err := s.startEpoch(); err != nil {
		return nil, err
	}
	if s.clients, err = clientrate.New(s.rdb, clientrate.Config{Limit: cfg.Limits.ClientRateLimit, Window: cfg.Limits.ClientRateWindow}); err != nil {
		return nil, err
	}
	if !cfg.APQ.Off {
		if s.apq, err = docstore.New(rdb, docstore.Config{TTL: cfg.APQ.TTL, MaxDocuments: cfg.APQ.MaxDocuments, MaxBytes: cfg.APQ.MaxBytes}); err != nil {
			return nil, fmt.Errorf("automatic persisted queries: %w", err)
		}
	}
	if o.idempotency == nil {
		o.idempotency = store.NewRedisIdempotency(rdb)
	}
	if o.deliveries == nil {
		o.deliveries = store.NewRedisDeliveries(rdb)
	}
	if o.tokens == nil {
		o.tokens = store.NewRedisTokens(rdb, backend.TradeGecko)
	}
	s.changes = s.newHub(cmp.Or(o.coalesce, coalesceWindow))
	sc := commerce.ServiceConfig{Idempotency: o.idempotency, Ledger: store.NewRedisLedger(rdb), RecordsLost: s.recordsLost,
		OrderChanged: s.orderChanged}

	tg, err := s.setupTradeGecko(cfg, &o, &sc)
	if err != nil {
		return nil, err
	}
	if err := s.setupSimpleConsign(cfg, &sc); err != nil {
		return nil, err
	}
	if err := s.setupTradeGlobal(cfg, &sc); err != nil {
		return nil, err
	}
	s.service = commerce.NewService(sc)

	s.hooks = newWebhooks(tg.ClientSecret, o.deliveries, newEventStream(rdb, backend.TradeGecko, log), log)
	if s.cached != nil {
		s.hooks.observe(s.cached.Invalidate)
	}
	if s.catalog != nil {
		s.hooks.observe(s.referenceChanged)
	}
	s.hooks.observe(s.webhookChanged) // after the cache dropped what changed
	for _, f := range o.observers {
		s.hooks.observe(func(ctx context.Context, ev commerce.Event) error { f(ctx, ev); return nil })
	}
	s.setupLive()
	s.setupResponses()
	if tg.ClientSecret == "" {
		log.Warn("TRADEGECKO_CLIENT_SECRET is empty: /webhooks/tradegecko answers 503, and nothing announces stock changes")
	}
	s.handler = s.buildEdge()
	ok = true
	return s, nil
}

// Service returns the commerce operations the server exposes.
func (s *Server) Service() *commerce.Service { return s.service }

// SandboxURL returns the base URL of the named sandbox ("tradegecko"), or
// "" outside sandbox mode.
func (s *Server) SandboxURL(name backend.Name) string {
	if s.sandboxes == nil {
		return ""
	}
	return s.sandboxes.URL(name)
}

// Handler is the gateway's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Ready reports whether the gateway can serve: TradeGecko connected (when
// its tokens come from the connect flow) and reference data loaded.
//
// A gateway whose TradeGecko app is not connected yet is ready, with a
// note: it must take traffic, or the admin could not reach the connect
// route through a load balancer.
func (s *Server) Ready() (bool, string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return false, "Redis does not answer"
	}
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
	s.bg.Add(2)
	go func() {
		defer s.bg.Done()
		s.hooks.run(ctx)
	}()
	go func() {
		defer s.bg.Done()
		s.changes.Run(ctx)
	}()
	s.runEpoch(ctx)
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
	if poll := s.cfg.TradeGecko.PollInterval; poll > 0 && s.cached != nil {
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			s.cached.RunPolling(ctx, poll)
		}()
	}
}

// Close stops background work, the cache, Redis and the sandboxes.
func (s *Server) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	s.bg.Wait()
	if s.changes != nil {
		s.changes.Close()
	}
	if s.cached != nil {
		s.cached.Close()
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
	if s.sandboxes != nil {
		s.sandboxes.Close()
		s.sandboxes = nil
	}
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
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       rest.BodyReadTimeout,
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
	// Live connections first: every subscription completes (a REST event
	// stream gets an error event), then each connection closes (Shutdown
	// neither waits for a hijacked WebSocket nor ends a stream).
	if err := s.closeLive(sctx); err != nil {
		s.log.Warn("shutdown: live connections did not all end in time", "err", err)
	}
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// referenceChanged reloads reference data when TradeGecko announces a
// change to it.
func (s *Server) referenceChanged(ctx context.Context, ev commerce.Event) error {
	switch ev.Name {
	case "location.create", "location.update", "account.update":
		err := s.catalog.Refresh(ctx)
		s.publish(ctx, changes.Change{Kind: changes.KindReference, Cause: "webhook " + ev.Name, Fresh: true})
		return err
	}
	return nil
}

// buildEdge builds the HTTP edge over what New wired.
func (s *Server) buildEdge() http.Handler {
	keys := make([]edge.Key, len(s.cfg.APIKeys))
	for i, k := range s.cfg.APIKeys {
		keys[i] = edge.Key{Key: k.Key, Role: k.Role}
	}
	d := edge.Deps{
		Log:              s.log,
		Keys:             keys,
		CORSOrigins:      s.cfg.CORSOrigins,
		RequestTimeout:   s.cfg.RequestTimeout,
		TrustedProxies:   s.cfg.Limits.TrustedProxies,
		ClientRateLimit:  s.cfg.Limits.ClientRateLimit,
		ClientRateWindow: s.cfg.Limits.ClientRateWindow,
		ClientRefused:    s.metrics.clientRefused,
		Service:          s.service,
		GraphQL: graph.Options{Introspection: graph.IntrospectionPolicy(s.cfg.Limits.Introspection), TrustedDocuments: s.trusted,
			MaxUpstreamPerOperation: s.cfg.Limits.MaxUpstreamPerOperation,
			Live:                    graph.Live{Streams: s.streams, MaxSubscriptionsPerConnection: s.cfg.Live.MaxSubscriptionsPerConnection}},
		Changes:                 s.changes,
		MaxConnectionsPerClient: s.cfg.Live.MaxConnectionsPerClient,
		Metrics:                 s.metrics.handler(),
		Ready:                   s.Ready,
		ReadyDetails:            s.readyDetails,
		AcknowledgeEpoch:        s.acknowledgeEpoch,
		Webhooks:                s.hooks,
		OAuth:                   oauthDoor{s},
		Responses:               s.responses,
		SharedResponses:         s.sharedResponses,
	}
	if s.clients != nil {
		d.Clients = s.clients
	}
	if s.apq != nil {
		d.GraphQL.PersistedQueries = s.apq
	}
	return edge.New(d)
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
	address := s.publicURL + edge.WebhookPath
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

// readyDetails are /readyz's information-only members.
func (s *Server) readyDetails() map[string]any {
	// Body only: a replica whose Redis lost its data still serves reads.
	d := map[string]any{"redis": s.epochStatus()}
	// Information only: an upstream outage must not take replicas out of
	// service (they still serve what the cache holds).
	if b := s.breakerStates(); len(b) > 0 {
		d["breakers"] = b
	}
	return d
}
