package graph

// Subscriptions (subscriptions.graphqls): live updates fed by the change
// bus (package changes), over WebSocket (graphql-transport-ws) and GraphQL
// over SSE (graphql-sse's distinct connections mode, which gqlgen's SSE
// transport speaks: `event: next` / `event: complete`).
//
// A subscription is an operation like any other: it passes the same
// trusted-document, introspection and cost checks (the handler's
// extensions run in CreateOperationContext, which both transports call),
// and every event runs its selection as a query would, under the caller's
// role, with fresh loaders (subscriptionResponses): a query's loaders
// cache, and a cache must not live as long as a subscription.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
)

// Live-update limits and timings.
const (
	// MaxSubscriptionIDs bounds the ids one subscription watches.
	MaxSubscriptionIDs = 100
	// DefaultMaxSubscriptionsPerConnection bounds the subscriptions open at
	// once on one WebSocket (GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION).
	DefaultMaxSubscriptionsPerConnection = 50
	// KeepAliveInterval is how often an idle stream is pinged: a
	// graphql-ws ping (the client answers pong; two intervals without one
	// close the connection), an SSE comment.
	KeepAliveInterval = 15 * time.Second
	// wsInitTimeout bounds the wait for connection_init.
	wsInitTimeout = 10 * time.Second
	// wsWriteTimeout bounds one WebSocket write: a client that stops
	// reading is disconnected, never buffered for.
	wsWriteTimeout = 10 * time.Second
)

// WebSocket close codes of graphql-transport-ws for a refused connection.
const (
	CloseUnauthorized    = 4401 // no key, or one that is not known
	CloseForbidden       = 4403 // an origin that may not connect
	CloseTooManyRequests = 4429 // the client's connection or rate limit
)

// Transport names, as metrics label them.
const (
	TransportWebSocket = "websocket"
	TransportSSE       = "sse"
)

// Live configures subscriptions. With a nil Changes, none are served.
type Live struct {
	// Changes is the change bus the subscriptions follow.
	Changes *changes.Hub
	// Authenticate names the caller of a WebSocket from its
	// connection_init payload's Authorization ("Bearer <key>"; "" when the
	// payload has none: the upgrade request's headers, whose context ctx
	// is, decide). It returns the context the connection's operations run
	// in; its error is a *commerce.Error: UNAUTHENTICATED closes with 4401,
	// FORBIDDEN 4403, RATE_LIMITED 4429. Nil: the upgrade's context.
	Authenticate func(ctx context.Context, authorization string) (context.Context, error)
	// Admit, when set, is asked before each operation a WebSocket
	// subscribes to (the client's request rate); its error refuses that
	// one operation.
	Admit func(ctx context.Context) error
	// Origins may open a WebSocket (GATEWAY_CORS_ORIGINS: exact origins,
	// or "*"); empty: only the gateway's own origin, or none (not a
	// browser).
	Origins []string
	// MaxSubscriptionsPerConnection: 0 is DefaultMaxSubscriptionsPerConnection.
	MaxSubscriptionsPerConnection int
	// KeepAlive: 0 is KeepAliveInterval.
	KeepAlive time.Duration
	// Streams tracks the open connections and subscriptions; nil: a new one.
	Streams *Streams
}

// addLiveTransports adds WebSocket and SSE to srv; they must come before
// POST and GET, which would take an SSE request for a plain one.
func addLiveTransports(srv *handler.Server, live Live) {
	if live.Changes == nil {
		return
	}
	if live.Streams == nil {
		live.Streams = NewStreams()
	}
	ka := live.KeepAlive
	if ka <= 0 {
		ka = KeepAliveInterval
	}
	max := live.MaxSubscriptionsPerConnection
	if max <= 0 {
		max = DefaultMaxSubscriptionsPerConnection
	}
	srv.AddTransport(tracked{name: TransportWebSocket, streams: live.Streams, origins: live.Origins, Transport: transport.Websocket{
		Implementation:   wsAcceptor{},
		InitFunc:         live.initWebSocket(max),
		InitTimeout:      wsInitTimeout,
		PingPongInterval: ka,
	}})
	srv.AddTransport(tracked{name: TransportSSE, streams: live.Streams, Transport: sseTransport{transport.SSE{KeepAlivePingInterval: ka}}})
	srv.AroundOperations(live.admitOperation)
}

// initWebSocket authenticates a connection at connection_init.
func (l Live) initWebSocket(maxSubs int) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if !originOK(ctx) {
			err := fmt.Errorf("this origin may not open a WebSocket here (GATEWAY_CORS_ORIGINS)")
			return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, "forbidden: "+err.Error()), CloseForbidden), nil, err
		}
		if l.Authenticate != nil {
			actx, err := l.Authenticate(ctx, p.Authorization())
			if err != nil {
				code := CloseUnauthorized
				switch commerce.ErrorOf(err).Code {
				case commerce.CodeForbidden:
					code = CloseForbidden
				case commerce.CodeRateLimited:
					code = CloseTooManyRequests
				}
				return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, closeReason(err)), code), nil, err
			}
			ctx = actx
		}
		return context.WithValue(ctx, connSubsKey{}, &connSubs{max: maxSubs}), nil, nil
	}
}

// closeReason fits an error's message in a close frame (123 bytes).
func closeReason(err error) string {
	msg := commerce.ErrorOf(err).Message
	if len(msg) > 120 {
		msg = msg[:117] + "..."
	}
	return msg
}

// connSubs counts the subscriptions open on one WebSocket.
type connSubs struct {
	mu  sync.Mutex
	n   int
	max int
}

type connSubsKey struct{}

// admitOperation applies a WebSocket's per-operation limits (the client's
// rate, the connection's subscriptions), and serves subscriptions
// (subscriptionResponses).
func (l Live) admitOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	refuse := func(err error) graphql.ResponseHandler {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{presentCommerceError(&gqlerror.Error{}, commerce.ErrorOf(err))}})
	}
	cs, _ := ctx.Value(connSubsKey{}).(*connSubs)
	if cs != nil && l.Admit != nil {
		if err := l.Admit(ctx); err != nil {
			return refuse(err)
		}
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Subscription {
		return next(ctx)
	}
	if cs != nil {
		cs.mu.Lock()
		if cs.n >= cs.max {
			cs.mu.Unlock()
			return refuse(&commerce.Error{Code: commerce.CodeRateLimited,
				Message: fmt.Sprintf("too many subscriptions on this connection: at most %d at once (GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION); complete one first", cs.max)})
		}
		cs.n++
		cs.mu.Unlock()
	}
	streams := streamsFrom(ctx)
	if streams == nil {
		// A plain POST or GET: it would wait for an event until the
		// request's deadline, and then answer nothing.
		return refuse(&commerce.Error{Code: commerce.CodeBadUserInput,
			Message: "a subscription needs a live transport: a WebSocket at /graphql (the graphql-transport-ws protocol of graphql-ws), or a POST with Accept: text/event-stream (GraphQL over SSE)"})
	}
	transportName := TransportSSE
	if cs != nil {
		transportName = TransportWebSocket
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			streams.subscribed(transportName, -1)
			if cs != nil {
				cs.mu.Lock()
				cs.n--
				cs.mu.Unlock()
			}
		})
	}
	respond := next(ctx) // runs the resolver, which subscribes to the hub
	streams.subscribed(transportName, 1)
	context.AfterFunc(ctx, release) // a transport that stops asking
	return func(ctx context.Context) *graphql.Response {
		resp := respond(ctx)
		if resp == nil {
			release()
		}
		return resp
	}
}

// streamEnd records why a subscription's feed ended early (a slow
// consumer, a failed load), for its last event.
type streamEnd struct {
	mu  sync.Mutex
	err error
}

type streamEndKey struct{}

func (e *streamEnd) set(err error) {
	e.mu.Lock()
	e.err = err
	e.mu.Unlock()
}

func (e *streamEnd) get() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// subscriptionResponses serves one subscription: each event runs with its
// own read record and fresh loaders; when the feed ended for a reason, a
// last event carries it as an error (then the transport completes).
func subscriptionResponses(ctx context.Context, next graphql.OperationHandler, svc *commerce.Service) graphql.ResponseHandler {
	end := &streamEnd{}
	respond := next(context.WithValue(ctx, streamEndKey{}, end))
	// Each event's errors carry the subscription field in their path, as
	// a query's would.
	var root *graphql.FieldContext
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil {
		if fields := graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"}); len(fields) == 1 {
			root = &graphql.FieldContext{Object: "Subscription", Field: fields[0], IsResolver: true}
		}
	}
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		if root != nil {
			ctx = graphql.WithFieldContext(ctx, root)
		}
		ctx, reads := commerce.WithReadRecord(ctx)
		resp := respond(withLoaders(ctx, newLoaders(svc)))
		if resp == nil {
			done = true
			if err := end.get(); err != nil && ctx.Err() == nil {
				return &graphql.Response{Errors: gqlerror.List{presentCommerceError(&gqlerror.Error{}, commerce.ErrorOf(err))}}
			}
			return nil
		}
		if reads().Stale {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["stale"] = true
		}
		return resp
	}
}

// errSlowConsumer is how a subscriber that did not keep up is told.
var errSlowConsumer = &commerce.Error{Code: commerce.CodeRateLimited,
	Message: "this subscription was closed: its client did not keep up with its events (GATEWAY_SUBSCRIBER_QUEUE of them were waiting); subscribe again"}

// follow feeds the changes to ids of kind, each loaded afresh by load
// (found false: the entity is gone; the event is skipped), until ctx ends
// or the hub closes the subscription.
func follow[T any](ctx context.Context, hub *changes.Hub, kind changes.Kind, ids []int64,
	load func(ctx context.Context, id int64) (T, bool, error)) (<-chan *T, error) {
	if hub == nil {
		return nil, &commerce.Error{Code: commerce.CodeInternal, Message: "subscriptions are not configured"}
	}
	sub, err := hub.Subscribe(kind, ids)
	if errors.Is(err, changes.ErrClosed) {
		return nil, &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Message: "the gateway is shutting down: subscribe again on another replica", Err: err}
	}
	if err != nil {
		return nil, err
	}
	end, _ := ctx.Value(streamEndKey{}).(*streamEnd)
	if end == nil {
		end = &streamEnd{}
	}
	out := make(chan *T)
	go func() {
		defer close(out)
		defer sub.Close()
		for {
			var ev changes.Event
			var ok bool
			select {
			case <-ctx.Done():
				return
			case ev, ok = <-sub.C:
			}
			if !ok {
				if errors.Is(sub.Err(), changes.ErrSlowConsumer) {
					end.set(errSlowConsumer)
				}
				return // ErrClosed (shutdown), or Close: complete
			}
			v, found, err := load(ctx, ev.ID)
			if err != nil {
				end.set(err)
				return
			}
			if !found {
				continue
			}
			select {
			case out <- &v:
			case <-ctx.Done():
				// A client that stops reading: its writes time out
				// (wsWriteTimeout), which ends ctx; meanwhile the hub's
				// bounded queue has closed sub.
				return
			}
		}
	}()
	return out, nil
}

// subscriptionIDs decodes a subscription's ids of type typ: at most
// MaxSubscriptionIDs, at least one unless optional.
func subscriptionIDs(typ string, ids []string, optional bool) ([]int64, error) {
	if len(ids) == 0 && !optional {
		return nil, commerce.BadInput("ids: give at least one %s id (and at most %d)", typ, MaxSubscriptionIDs)
	}
	if len(ids) > MaxSubscriptionIDs {
		return nil, commerce.BadInput("ids takes at most %d ids, got %d", MaxSubscriptionIDs, len(ids))
	}
	out, err := parseTradegeckoIDs("ids", typ, ids)
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// missingID is BAD_USER_INPUT naming the first of ids not among found.
func missingID(typ string, ids []int64, found map[int64]bool) error {
	for _, id := range ids {
		if !found[id] {
			return commerce.BadInput("ids: there is no %s %s", typ, tradegeckoID(typ, id))
		}
	}
	return nil
}

// Streams tracks the open live connections and their subscriptions, for
// metrics and for shutdown: http.Server.Shutdown does not wait for a
// hijacked WebSocket, nor end a stream that never goes idle.
type Streams struct {
	mu      sync.Mutex
	conns   map[*streamConn]struct{}
	counts  map[string]int // connections by transport
	subs    map[string]int // subscriptions by transport
	changed chan struct{}  // closed and replaced on every change
	wg      sync.WaitGroup
}

type streamConn struct {
	cancel context.CancelFunc
}

// NewStreams returns an empty tracker.
func NewStreams() *Streams {
	return &Streams{conns: map[*streamConn]struct{}{}, counts: map[string]int{}, subs: map[string]int{}, changed: make(chan struct{})}
}

type streamsKey struct{}

func streamsFrom(ctx context.Context) *Streams {
	if s, ok := ctx.Value(streamsKey{}).(*Streams); ok {
		return s
	}
	return nil
}

// Counts returns the open connections and subscriptions by transport.
func (s *Streams) Counts() (connections, subscriptions map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.counts), maps.Clone(s.subs)
}

func (s *Streams) open(ctx context.Context, name string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.WithValue(ctx, streamsKey{}, s))
	c := &streamConn{cancel: cancel}
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.counts[name]++
	s.wg.Add(1)
	s.notify()
	s.mu.Unlock()
	return ctx, func() {
		cancel()
		s.mu.Lock()
		delete(s.conns, c)
		s.counts[name]--
		s.notify()
		s.mu.Unlock()
		s.wg.Done()
	}
}

func (s *Streams) subscribed(name string, delta int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.subs[name] += delta
	s.notify()
	s.mu.Unlock()
}

// notify wakes Close's waits (s.mu held).
func (s *Streams) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Close ends every live connection cleanly, once the change bus has been
// closed (so every subscription's feed has ended): it waits for each
// subscription's complete to be sent, then closes each connection
// (WebSocket: close 1000) and waits for them to end, all within ctx.
func (s *Streams) Close(ctx context.Context) error {
	wait := func(done func() bool) error {
		for {
			s.mu.Lock()
			ok, ch := done(), s.changed
			s.mu.Unlock()
			if ok {
				return nil
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	err := wait(func() bool {
		for _, n := range s.subs {
			if n > 0 {
				return false
			}
		}
		return true
	})
	s.mu.Lock()
	for c := range s.conns {
		c.cancel()
	}
	s.mu.Unlock()
	return errors.Join(err, wait(func() bool { return len(s.conns) == 0 }))
}

// tracked registers each connection of a live transport with Streams.
type tracked struct {
	graphql.Transport
	name    string
	streams *Streams
	origins []string // WebSocket only
}

func (t tracked) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx, done := t.streams.open(r.Context(), t.name)
	if t.name == TransportWebSocket {
		ctx = context.WithValue(ctx, originKey{}, allowedOrigin(r, t.origins))
	}
	defer done()
	t.Transport.Do(w, r.WithContext(ctx), exec)
}

// sseTransport is gqlgen's GraphQL-over-SSE transport, taking only the
// requests that prefer an event stream (EventStreamRequest): gqlgen's own
// test (Accept contains text/event-stream) would take urql's every query,
// whose Accept lists text/event-stream fourth, after JSON.
type sseTransport struct{ transport.SSE }

func (t sseTransport) Supports(r *http.Request) bool {
	return EventStreamRequest(r) && t.SSE.Supports(r)
}

// EventStreamRequest reports whether r is a POST whose Accept header
// prefers text/event-stream to anything else it names (the highest q; on
// a tie, the first named), as graphql-sse's client (Accept:
// text/event-stream) and urql's subscriptions (text/event-stream,
// multipart/mixed) send.
func EventStreamRequest(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(v, 64); err != nil || q < 0 || q > 1 {
				continue
			}
		}
		if q > bestQ {
			best, bestQ = mt, q
		}
	}
	return best == "text/event-stream" && bestQ > 0
}

type originKey struct{}

// originOK reports whether the upgrade's Origin was allowed (wsAcceptor).
func originOK(ctx context.Context) bool {
	ok, set := ctx.Value(originKey{}).(bool)
	return !set || ok
}

// wsAcceptor accepts WebSockets with github.com/coder/websocket (as gqlgen
// does), with a bounded write: a client that stops reading is closed
// rather than buffered for.
type wsAcceptor struct{}

func (wsAcceptor) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	conn, err := coderws.Accept(w, r, &coderws.AcceptOptions{
		Subprotocols: opts.Subprotocols,
		// The origin is checked at connection_init (tracked, allowedOrigin):
		// a browser cannot read an HTTP refusal of an upgrade, but it can
		// read a close code.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return nil, err
	}
	return &wsConn{conn: conn}, nil
}

// allowedOrigin: no Origin (not a browser), the gateway's own, or one of
// origins.
func allowedOrigin(r *http.Request, origins []string) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, allowed := range origins {
		if allowed == "*" || strings.EqualFold(strings.TrimSuffix(allowed, "/"), o) {
			return true
		}
	}
	return false
}

// wsConn is transport.WebsocketConn over coder/websocket, each write
// bounded by wsWriteTimeout (coder/websocket closes the connection when a
// write's context ends).
type wsConn struct {
	conn *coderws.Conn
	mu   sync.Mutex
	// readTimer, when set, closes the connection at the read deadline (a
	// missing pong).
	readTimer *time.Timer
}

func (c *wsConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		if s := coderws.CloseStatus(err); s == coderws.StatusNormalClosure || s == coderws.StatusGoingAway {
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

func (c *wsConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	return c.conn.Write(ctx, coderws.MessageText, data)
}

// WriteClose starts the close handshake in the background (it waits for
// the peer's close frame for up to 5 s).
func (c *wsConn) WriteClose(code int, reason string) error {
	c.SetReadDeadline(time.Time{})
	go func() { _ = c.conn.Close(coderws.StatusCode(code), reason) }()
	return nil
}

func (c *wsConn) Close() error {
	c.SetReadDeadline(time.Time{})
	return nil // WriteClose, or the handler's return, ends the connection
}

func (c *wsConn) Subprotocol() string { return c.conn.Subprotocol() }

func (c *wsConn) SetReadLimit(n int64) { c.conn.SetReadLimit(n) }

func (c *wsConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readTimer != nil {
		c.readTimer.Stop()
		c.readTimer = nil
	}
	if !t.IsZero() {
		c.readTimer = time.AfterFunc(time.Until(t), func() { _ = c.conn.CloseNow() })
	}
	return nil
}
