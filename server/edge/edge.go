// Package edge is the gateway's HTTP edge: the routes, and everything a
// request meets before a door (graph, server/rest) or the composition root
// handles it — request ids, the access log, panics, CORS, the body limit,
// API keys and roles, each client's request rate, the request deadline,
// the shape of a GraphQL body and the split of a batch (graphql.go) —
// and what every answer meets on its way out: compression (compress.go),
// ETag, 304 and Cache-Control (httpcache.go) —
// plus the thin HTTP handlers of health, metrics, the Redis epoch's
// acknowledgement, TradeGecko's webhooks and its OAuth connect flow, and
// the one error handler that writes every failure raised outside a door:
// in the GraphQL error shape on /graphql (graph.WriteError), as
// problem+json elsewhere (rest.WriteError).
//
// It gets what it serves through Deps from the composition root (package
// server). It must never build a backend, open Redis, or know which
// backends exist beyond the routes it mounts; and it never writes an error
// body itself.
package edge

import (
	"cmp"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/respcache"
	"github.com/commercegateway/gateway/server/playground"
	"github.com/commercegateway/gateway/server/rest"
)

// Routes the composition root refers to.
const (
	// MaxBodyBytes bounds request bodies; larger ones answer 413.
	MaxBodyBytes = 2 << 20
	// WebhookPath receives TradeGecko's webhook deliveries.
	WebhookPath = "/webhooks/tradegecko"
	// OAuthCallbackPath is where TradeGecko sends the admin's browser back
	// (the connect route is tradegecko.ConnectPath).
	OAuthCallbackPath = "/oauth/tradegecko/callback"
	// EpochAcknowledgePath is the admin route that acknowledges a loss of
	// the Redis data.
	EpochAcknowledgePath = "/v1/admin/redis-epoch/acknowledge"
)

// MetricsPath is where Prometheus scrapes (admin keys).
const MetricsPath = "/metrics"

const (
	// maxWebhookBody bounds a webhook delivery (TradeGecko's are small).
	maxWebhookBody = 64 << 10
	// connectTimeout bounds the OAuth callback's exchange and first load.
	connectTimeout = 30 * time.Second
)

// Deps is what the edge serves, from the composition root.
type Deps struct {
	Log *slog.Logger
	// Keys are the API keys; none: everything is open (sandbox mode, or
	// GATEWAY_INSECURE).
	Keys        []Key
	CORSOrigins []string
	// RequestTimeout bounds each keyed request, upstream waits included.
	RequestTimeout time.Duration
	// TrustedProxies may name the client in X-Forwarded-For (clients.go).
	TrustedProxies []netip.Prefix
	// Clients bounds each storefront client's request rate (nil: no
	// bound), ClientRateLimit per ClientRateWindow, and ClientRefused
	// counts its refusals.
	Clients          ClientLimiter
	ClientRateLimit  int
	ClientRateWindow time.Duration
	ClientRefused    func(limit string)

	// Service is what both doors serve; GraphQL configures the GraphQL
	// door (its Service and Log are these).
	Service *commerce.Service
	GraphQL graph.Options
	// Changes is the change bus the live updates follow (GraphQL
	// subscriptions, graph/subscriptions.go; REST event streams); nil:
	// none are served (the REST streams answer 503).
	Changes *changes.Hub
	// MaxConnectionsPerClient bounds each client's live connections, of
	// every kind together (live.go); 0 is DefaultMaxConnectionsPerClient.
	MaxConnectionsPerClient int

	// Metrics is /metrics (admin keys).
	Metrics http.Handler
	// Ready reports whether the gateway can serve (/readyz's status, and
	// its reason or note); ReadyDetails adds information-only members to
	// its body.
	Ready        func() (ok bool, why string)
	ReadyDetails func() map[string]any
	// AcknowledgeEpoch accepts the Redis data as it is now, for the admin
	// key keyID; it answers the route's body.
	AcknowledgeEpoch func(ctx context.Context, keyID string) (any, error)
	// Webhooks accepts TradeGecko's deliveries; OAuth is its connect flow.
	Webhooks Webhooks
	OAuth    OAuth
	// Responses, when set, keeps whole answers (respcache.go), and
	// SharedResponses, when set too, shares them through Redis.
	Responses       *respcache.Cache
	SharedResponses *respcache.Shared
}

// Webhooks accepts TradeGecko webhook deliveries (server/webhooks.go).
type Webhooks interface {
	// Enabled is nil when deliveries can be accepted, else the refusal
	// (checked before the body is read).
	Enabled() error
	// Accept verifies the body's signature, drops a delivery seen before
	// (duplicate), and queues the event.
	Accept(ctx context.Context, body []byte, signature, deliveryID string) (duplicate bool, err error)
}

// OAuth is TradeGecko's connect flow (server/oauth.go).
type OAuth interface {
	// AuthorizeURL is where an admin's browser goes to authorize the
	// gateway (with a fresh state).
	AuthorizeURL() (string, error)
	// Callback completes the flow with the callback's query.
	Callback(ctx context.Context, query url.Values) error
}

// handler is the edge of one gateway.
type handler struct {
	d       Deps
	keys    *keyring
	live    *liveConnections
	flights flights // the response cache's misses being filled
	// operations tells the response cache mutations from queries.
	operations operationKinds
}

// New returns the gateway's HTTP handler.
func New(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	h := &handler{d: d, keys: newKeyring(d.Keys),
		live: &liveConnections{n: map[string]int{}, max: cmp.Or(d.MaxConnectionsPerClient, DefaultMaxConnectionsPerClient)}}
	return h.routes()
}

func (h *handler) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = h.handleError
	e.Use(requestID)
	e.Use(h.accessLog)
	e.Use(h.recoverPanics)
	if len(h.d.CORSOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  h.d.CORSOrigins,
			AllowMethods:  []string{http.MethodGet, http.MethodPost, http.MethodOptions},
			AllowHeaders:  []string{"Authorization", "X-API-Key", "Content-Type", "Accept", "Idempotency-Key", "X-Request-ID"},
			ExposeHeaders: []string{"X-Request-ID", "Retry-After", "Link", "Location"},
			MaxAge:        600,
		}))
	}
	e.Use(bodyLimit(MaxBodyBytes))
	e.Use(conditional) // compares the ETag as sent, so outside the encodings
	e.Use(compress())

	// No key needed.
	e.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/playground") })
	pg := echo.WrapHandler(playground.Handler(playground.Options{Endpoint: "/graphql"}))
	e.GET("/playground", pg)
	e.GET("/playground/*", pg)
	e.HEAD("/playground", pg)
	e.HEAD("/playground/*", pg)
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.POST(WebhookPath, h.receiveWebhook)                                         // authenticated by its signature
	e.GET(tradegecko.ConnectPath, h.oauthConnect, h.authenticate, h.requireAdmin) // admin key
	e.GET(OAuthCallbackPath, h.oauthCallback)                                     // authenticated by its state

	// Keyed.
	gopts := h.d.GraphQL
	gopts.Service, gopts.Log = h.d.Service, h.d.Log
	gopts.Live.Changes = h.d.Changes
	gopts.Live = h.liveOptions(gopts.Live)
	gql := graph.NewHandler(gopts)
	api := e.Group("", h.authenticate, h.limitClients, h.requestDeadline)
	api.POST("/graphql", h.graphqlHandler(gql), h.liveStream, h.requireKey, h.responseCache, h.httpCache)
	api.GET("/graphql", h.graphqlHandler(gql), browserToPlayground, h.liveStream, h.requireKey, h.responseCache, h.httpCache)
	api.GET(MetricsPath, echo.WrapHandler(h.d.Metrics), h.requireAdmin)
	api.POST(EpochAcknowledgePath, h.acknowledgeEpoch, h.requireAdmin)
	// REST: every /v1 operation needs a key (401 at once without one); the
	// OpenAPI document and the docs page do not.
	v1 := e.Group("", h.authenticate, h.limitClients, h.requestDeadline, h.requireKeyUnder("/v1/"), h.liveStream, h.responseCache, h.httpCache)
	rest.Register(e, v1, h.d.Service, rest.Options{Log: h.d.Log, MaxBodyBytes: MaxBodyBytes,
		Changes: h.d.Changes, EventReadTimeout: h.d.RequestTimeout})
	return e
}

func (h *handler) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (h *handler) readyz(c echo.Context) error {
	ok, why := h.d.Ready()
	status, body := http.StatusOK, map[string]any{"status": "ready"}
	switch {
	case !ok:
		status, body["status"], body["reason"] = http.StatusServiceUnavailable, "unready", why
	case why != "":
		body["note"] = why
	}
	if h.d.ReadyDetails != nil {
		for k, v := range h.d.ReadyDetails() {
			body[k] = v
		}
	}
	return c.JSON(status, body)
}

// requestDeadline bounds each keyed request, upstream waits included;
// never a live connection (live.go), which lasts as long as its client
// (an event stream bounds each read it makes itself).
func (h *handler) requestDeadline(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if liveRequest(c.Request()) {
			return next(c)
		}
		ctx, cancel := context.WithTimeout(c.Request().Context(), h.d.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// acknowledgeEpoch is POST EpochAcknowledgePath (admin only).
func (h *handler) acknowledgeEpoch(c echo.Context) error {
	keyID, _ := c.Get(ctxKeyID).(string)
	body, err := h.d.AcknowledgeEpoch(c.Request().Context(), keyID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, body)
}

// receiveWebhook is POST WebhookPath: the body (at most 64 KB) goes to
// Webhooks.Accept with TradeGecko's signature and delivery id headers; the
// answer comes at once (TradeGecko allows 10 s).
func (h *handler) receiveWebhook(c echo.Context) error {
	if err := h.d.Webhooks.Enabled(); err != nil {
		return err
	}
	r := c.Request()
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil {
		return &commerce.Error{Code: commerce.CodeBadUserInput, Message: "could not read the webhook body", Err: err}
	}
	if len(body) > maxWebhookBody {
		return rest.TooLarge(maxWebhookBody)
	}
	duplicate, err := h.d.Webhooks.Accept(r.Context(), body, r.Header.Get("X-Gecko-Signature"), r.Header.Get("X-Gecko-Delivery"))
	if err != nil {
		return err
	}
	status := "accepted"
	if duplicate {
		status = "duplicate"
	}
	return c.JSON(http.StatusOK, map[string]string{"status": status})
}

// oauthConnect is GET tradegecko.ConnectPath (admin key): a redirect to
// TradeGecko's authorization page.
func (h *handler) oauthConnect(c echo.Context) error {
	u, err := h.d.OAuth.AuthorizeURL()
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, u)
}

// oauthCallback is GET OAuthCallbackPath: authenticated by its state
// (checked by OAuth.Callback); it answers a page, or JSON when asked.
func (h *handler) oauthCallback(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), connectTimeout)
	defer cancel()
	if err := h.d.OAuth.Callback(ctx, c.QueryParams()); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if wantsJSON(c.Request()) {
		return c.JSON(http.StatusOK, map[string]string{"status": "connected", "backend": string(tradegecko.Backend)})
	}
	return c.HTML(http.StatusOK, connectedPage)
}

const connectedPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TradeGecko connected</title></head>
<body><h1>TradeGecko is connected</h1><p>The gateway stored its tokens and refreshes them from now on. You can close this page.</p></body></html>
`

func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "json") && !strings.Contains(accept, "text/html")
}
