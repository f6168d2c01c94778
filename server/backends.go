package server

import (
	"cmp"
	"context"
	"net/http"
	"time"

	"github.com/commercegateway/gateway/adapters/simpleconsign"
	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/adapters/tradeglobal"
	"github.com/commercegateway/gateway/cache"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
	"github.com/commercegateway/gateway/ratelimit"
)

// Each backend's requests pass, in this order, through: its circuit
// breakers (circuit.Guard: while a backend's reads, or writes, keep
// failing, they are refused at once, before they take a slot of the
// budget), its shared rate limit (ratelimit.Transport: every replica's
// requests count against one budget in Redis, and the upstream's own
// budget headers are honoured), the metrics transport (counting what is
// actually sent), the breakers' outcome transport (circuit.Outcomes: what
// the backend answered, and only that, counts), and the network.

// upstreamClient builds the HTTP client of a backend: base (a test's, or a
// clone of the default transport) behind the breakers, the limiter and the
// metrics.
func (s *Server) upstreamClient(backend string, base *http.Client, l *ratelimit.Limiter, budget func(*http.Response) (int, time.Time, bool)) (*http.Client, error) {
	var rt http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	if base != nil && base.Transport != nil {
		rt = base.Transport
	}
	br, err := s.newBreaker(backend)
	if err != nil {
		return nil, err
	}
	rt = br.Outcomes(rt)
	rt = &countingTransport{base: rt, backend: backend, m: s.metrics}
	if l != nil {
		l.SetObserver(s.metrics)
		s.metrics.budgets[backend] = l
		rt = &ratelimit.Transport{Base: rt, Limiter: l, Budget: budget, Priority: priority}
	}
	return &http.Client{Transport: br.Guard(rt)}, nil
}

// priority classes an upstream request: a write, or a read made for one
// (commerce.WithWrite: a mutation's lookups and its answer), goes before
// plain reads and may use their reserve.
func priority(r *http.Request) ratelimit.Priority {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || commerce.IsWrite(r.Context()) {
		return ratelimit.Write
	}
	return ratelimit.Read
}

// setupTradeGecko builds the client, the catalog behind its cache, and the
// sales side. It returns the TradeGecko configuration it used.
func (s *Server) setupTradeGecko(cfg Config, o *options, sc *commerce.ServiceConfig) (TradeGeckoConfig, error) {
	tg := cfg.TradeGecko.withDefaults()
	oauthApp := tg.ClientID != "" && tg.ClientSecret != ""
	if !tg.Configured() {
		s.log.Error("TradeGecko is DISABLED: set TRADEGECKO_ACCESS_TOKEN (or TRADEGECKO_CLIENT_ID and TRADEGECKO_CLIENT_SECRET); catalog and order fields answer BACKEND_DISABLED")
		return tg, nil
	}
	limiter, err := ratelimit.New(s.rdb, ratelimit.Config{Name: string(tradegecko.Backend), Limit: tg.RateLimit,
		Window: tg.RateWindow, ReadReserve: tg.ReadReserve, ClientShare: cfg.Limits.ClientUpstreamShare})
	if err != nil {
		return tg, err
	}
	hc, err := s.upstreamClient(string(tradegecko.Backend), o.tradegeckoHTTP, limiter, tradegecko.BudgetHeaders)
	if err != nil {
		return tg, err
	}
	if oauthApp {
		// Token requests go through the same budget (as writes) and metrics.
		oo := *o
		oo.tradegeckoHTTP = &http.Client{Transport: hc.Transport, Timeout: tradegecko.DefaultRefreshTimeout}
		s.oauth = newOAuthFlow(tg, oo)
	}
	copts := []tradegecko.Option{
		tradegecko.WithAccessToken(tg.AccessToken),
		tradegecko.WithTimeout(tg.Timeout),
		tradegecko.WithHTTPClient(hc),
		tradegecko.WithSharedBudget(),
	}
	if tg.AccessToken == "" { // tokens from the connect flow
		copts[0] = tradegecko.WithTokenSource(s.oauth.source)
	}
	client, err := tradegecko.New(tg.BaseURL, copts...)
	if err != nil {
		return tg, err
	}
	s.client = client
	s.catalog = tradegecko.NewCatalog(client, s.log)
	s.cached = cache.New(s.catalog, s.rdb, cache.Options{
		CatalogTTL: cfg.Cache.CatalogTTL, StockTTL: cfg.Cache.StockTTL, MaxListPages: cfg.Cache.MaxListPages, Log: s.log, Observer: s.metrics,
		Updated: func(ctx context.Context, ids []int64) { s.variantsChanged(ctx, ids, "poll", true) },
		Dropped: s.catalogDropped})
	s.sales = tradegecko.NewSales(s.catalog)
	sc.Catalog, sc.Orders = s.cached, s.sales
	sc.VariantsChanged = func(ctx context.Context, ids []int64) {
		if err := s.cached.ForgetVariants(context.WithoutCancel(ctx), ids); err != nil {
			s.log.Warn("cache: could not drop variants an order changed", "err", err)
		}
		s.variantsChanged(ctx, ids, "write order", false)
	}
	return tg, nil
}

// setupSimpleConsign builds the client behind the shared ten-minute budget.
func (s *Server) setupSimpleConsign(cfg Config, sc *commerce.ServiceConfig) error {
	c := cfg.SimpleConsign.withDefaults()
	if c.APIKey == "" {
		s.log.Error("SimpleConsign is DISABLED: set SIMPLECONSIGN_API_KEY; consignment fields answer BACKEND_DISABLED")
		sc.Disabled.Consignment = "SimpleConsign is not configured (SIMPLECONSIGN_API_KEY)"
		return nil
	}
	cur, err := money.ParseCurrency(c.Currency)
	if err != nil {
		return err
	}
	limit, window := c.RateLimit, c.RateWindow
	limiter, err := ratelimit.New(s.rdb, ratelimit.Config{Name: string(simpleconsign.Backend), Limit: limit, Window: window, Margin: 1,
		ClientShare: cfg.Limits.ClientUpstreamShare})
	if err != nil {
		return err
	}
	hc, err := s.upstreamClient(string(simpleconsign.Backend), nil, limiter, nil)
	if err != nil {
		return err
	}
	client, err := simpleconsign.New(c.BaseURL,
		simpleconsign.WithAPIKey(c.APIKey),
		simpleconsign.WithTimeout(c.Timeout),
		simpleconsign.WithRateLimit(limit, window),
		simpleconsign.WithHTTPClient(hc),
		simpleconsign.WithSharedBudget())
	if err != nil {
		return err
	}
	sc.Consignment = simpleconsign.NewService(client, cur)
	return nil
}

// setupTradeGlobal builds the client. TradeGlobal documents no rate limit, so its requests pass only
// the breakers and the metrics transport; an order is one request either way.
func (s *Server) setupTradeGlobal(cfg Config, sc *commerce.ServiceConfig) error {
	c := cfg.TradeGlobal.withDefaults()
	if c.MerchantCode == "" {
		s.log.Error("TradeGlobal is DISABLED: set TRADEGLOBAL_MERCHANT_CODE; international order fields answer BACKEND_DISABLED")
		sc.Disabled.International = "TradeGlobal is not configured (TRADEGLOBAL_MERCHANT_CODE)"
		return nil
	}
	cur, err := money.ParseCurrency(c.Currency)
	if err != nil {
		return err
	}
	hc, err := s.upstreamClient(string(tradeglobal.Backend), nil, nil, nil)
	if err != nil {
		return err
	}
	opts := []tradeglobal.Option{
		tradeglobal.WithMerchantCode(c.MerchantCode),
		tradeglobal.WithTimeout(c.Timeout),
		tradeglobal.WithHTTPClient(hc),
	}
	if c.Authorization != "" {
		opts = append(opts, tradeglobal.WithAuthorization(c.Authorization))
	}
	client, err := tradeglobal.New(cmp.Or(c.BaseURL, tradeglobal.DefaultBaseURL), opts...)
	if err != nil {
		return err
	}
	sc.International = tradeglobal.NewService(client, cur)
	return nil
}
