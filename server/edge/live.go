package edge

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/ratelimit"
	"github.com/commercegateway/gateway/server/rest"
)

// Live connections: at /graphql (graph/subscriptions.go serves them) a
// WebSocket upgrade, or a GraphQL-over-SSE request (Accept:
// text/event-stream); the REST event streams (rest.IsEventStream).
//
//   - A WebSocket names its key in the upgrade's headers or in its
//     connection_init payload (browsers cannot set headers on a
//     WebSocket): the upgrade is never refused for its key; a missing or
//     unknown one closes the connection with 4401 at connection_init.
//   - Each client (key + address, as for the request rate) has at most
//     MaxConnectionsPerClient live connections on this replica, of every
//     kind together (not
//     across replicas: a connection lives on one replica, and a client
//     that spreads them over replicas costs each one its share): over it a
//     WebSocket closes with 4429, an SSE request or an event stream
//     answers 429.
//   - Each operation a WebSocket subscribes to counts against the client's
//     request rate (Live.Admit).
//   - No request deadline: a live connection lasts until its client, or
//     shutdown, ends it.

// DefaultMaxConnectionsPerClient bounds each client's live connections
// (GATEWAY_MAX_CONNECTIONS_PER_CLIENT).
const DefaultMaxConnectionsPerClient = 20

// liveRequest reports whether r opens a live connection. Nothing else
// escapes the request deadline: a POST to /v1 that accepts
// text/event-stream is an ordinary request.
func liveRequest(r *http.Request) bool {
	if rest.IsEventStream(r.URL.Path) {
		return true
	}
	return isGraphQLPath(r.URL.Path) && (upgrade(r) || graph.EventStreamRequest(r))
}

// liveConn is one WebSocket's state between its upgrade and its
// connection_init.
type liveConn struct {
	headerKey string // the key the upgrade's headers presented, if any
	addr      string // the client's address
	release   func() // its slot among the client's connections, once held
}

type liveConnKey struct{}

// liveConnections counts each client's live connections on this replica.
type liveConnections struct {
	mu  sync.Mutex
	n   map[string]int
	max int
}

// acquire takes a slot for client, or refuses with RATE_LIMITED.
func (l *liveConnections) acquire(client string) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[client] >= l.max {
		return nil, &commerce.Error{Code: commerce.CodeRateLimited, RetryAfter: time.Second,
			Message: fmt.Sprintf("too many live connections from this client: at most %d (GATEWAY_MAX_CONNECTIONS_PER_CLIENT)", l.max)}
	}
	l.n[client]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			if l.n[client]--; l.n[client] <= 0 {
				delete(l.n, client)
			}
			l.mu.Unlock()
		})
	}, nil
}

// liveStream admits a live connection (it runs after authenticate and
// limitClients): a WebSocket goes on to its connection_init; an SSE
// request or a REST event stream takes a connection slot for its client,
// for as long as it is open.
func (h *handler) liveStream(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch {
		case upgrade(r) && isGraphQLPath(r.URL.Path):
			lc := &liveConn{headerKey: presentedKey(r), addr: clientAddr(r, h.d.TrustedProxies)}
			defer func() {
				if lc.release != nil {
					lc.release()
				}
			}()
			c.SetRequest(r.WithContext(context.WithValue(r.Context(), liveConnKey{}, lc)))
			return next(c)
		case liveRequest(r):
			p := commerce.PrincipalFrom(r.Context())
			if p.Role == commerce.RoleNone {
				return errUnauthenticated
			}
			release, err := h.live.acquire(p.KeyID + "|" + clientAddr(r, h.d.TrustedProxies))
			if err != nil {
				return err
			}
			defer release()
			// The server's write timeout is for answers, not streams
			// (a hijacked WebSocket has none).
			_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Time{})
		}
		return next(c)
	}
}

// authenticateLive is graph.Live.Authenticate: the key of the
// connection_init payload, else of the upgrade's headers.
func (h *handler) authenticateLive(ctx context.Context, authorization string) (context.Context, error) {
	lc, _ := ctx.Value(liveConnKey{}).(*liveConn)
	if lc == nil {
		return nil, errUnauthenticated
	}
	key := lc.headerKey
	if authorization != "" {
		scheme, rest, ok := strings.Cut(authorization, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, &commerce.Error{Code: commerce.CodeUnauthenticated,
				Message: `connection_init's Authorization must be "Bearer <key>"`}
		}
		key = strings.TrimSpace(rest)
	}
	if key == "" && !h.keys.open {
		return nil, &commerce.Error{Code: commerce.CodeUnauthenticated,
			Message: `a valid API key is required: send connection_init {"Authorization": "Bearer <key>"}`}
	}
	p, ok := h.keys.principal(key)
	if !ok {
		return nil, &commerce.Error{Code: commerce.CodeUnauthenticated, Message: "that API key is not known"}
	}
	client := p.KeyID + "|" + lc.addr
	release, err := h.live.acquire(client)
	if err != nil {
		return nil, err
	}
	lc.release = release
	ctx = commerce.WithPrincipal(ctx, p)
	if p.Role == commerce.RoleStorefront {
		ctx = ratelimit.WithClient(ctx, client)
		ctx = context.WithValue(ctx, liveClientKey{}, client)
	}
	return ctx, nil
}

type liveClientKey struct{}

// admitLive is graph.Live.Admit: each operation a storefront client's
// WebSocket subscribes to counts against its request rate.
func (h *handler) admitLive(ctx context.Context) error {
	client, _ := ctx.Value(liveClientKey{}).(string)
	if client == "" || h.d.Clients == nil {
		return nil
	}
	ok, retry, err := h.d.Clients.AllowN(ctx, client, 1)
	if err != nil {
		h.d.Log.Warn("client rate: Redis did not answer; the operation is admitted", "err", err)
	}
	if !ok {
		if h.d.ClientRefused != nil {
			h.d.ClientRefused("rate")
		}
		return &commerce.Error{Code: commerce.CodeRateLimited, RetryAfter: max(retry, time.Second),
			Message: "too many requests from this client: at most " + h.clientRateText() + "; try again later"}
	}
	return nil
}

// liveOptions completes the GraphQL door's live-update options with the
// edge's authentication and limits.
func (h *handler) liveOptions(l graph.Live) graph.Live {
	l.Authenticate, l.Admit = h.authenticateLive, h.admitLive
	if l.Origins == nil {
		l.Origins = h.d.CORSOrigins
	}
	return l
}
