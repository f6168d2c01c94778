package rest

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

// The event streams: GET /v1/variants/events and GET /v1/orders/events
// answer text/event-stream (the WHATWG server-sent events format that
// browsers' EventSource reads), one event per change the changes.Hub
// delivers:
//
//	id: <changes.Event.Seq>
//	event: variant            (or order)
//	data: <the entity as GET /v1/variants/{id} (/v1/orders/{id}) answers it>
//
// The entity is read through the Service for each event, with the
// caller's key and a context of its own, so the same access rules apply
// in every event as in a GET. A client that reconnects with Last-Event-ID
// (or ?lastEventId=) is first sent what it missed (Hub.SubscribeFrom);
// when that is no longer kept it gets an event "reload" and then the live
// events. Other events: "removed" (the entity no longer exists), "error"
// (the stream ends: a slow consumer, shutdown, or an entity that could not
// be read; the client reconnects, and a read that failed is retried from
// its Last-Event-ID). Comments keep the connection alive.
//
// The stream is plain writes and flushes on the response: huma's sse
// package numbers events with ints and cannot send comments, and the
// format is four kinds of line.
const (
	variantEventsPath = BasePath + "/variants/events"
	orderEventsPath   = BasePath + "/orders/events"
)

// Defaults of the event streams.
const (
	// DefaultKeepAlive is how often an idle stream gets a comment.
	DefaultKeepAlive = 15 * time.Second
	// maxStreamIDs bounds the ids of one stream (as variantChanged's).
	maxStreamIDs = 100
	// retryMillis is the reconnection delay the stream suggests.
	retryMillis = 3000
)

// IsEventStream reports whether path is one of the REST event streams:
// long-lived answers the edge must not cut with the request deadline nor
// compress, and the only routes that take a storefront key as ?key=.
func IsEventStream(path string) bool {
	return path == variantEventsPath || path == orderEventsPath
}

// Event types a stream sends besides "variant" and "order".
const (
	eventReload  = "reload"
	eventRemoved = "removed"
	eventError   = "error"
)

// The parameters both streams take (huma does not read an unexported
// embedded struct, so each input lists them).
type streamParams struct {
	LastEventID, LastEventIDQuery string
}

type variantEventsInput struct {
	IDs              []string `query:"ids,explode" required:"true" doc:"The variants to follow: 1 to 100 global or bare ids, repeated or comma-separated."`
	LastEventID      string   `header:"Last-Event-ID" doc:"The id: of the last event received: the stream first sends the events after it (EventSource sends this header itself when it reconnects)."`
	LastEventIDQuery string   `query:"lastEventId" doc:"Last-Event-ID, for clients that cannot set headers."`
	Key              string   `query:"key" doc:"A storefront key, for browsers' EventSource, which cannot send headers. Admin keys are refused here (403): send them in a header."`
}

type orderEventsInput struct {
	IDs              []string `query:"ids,explode" doc:"The orders to follow: at most 100 global or bare ids, repeated or comma-separated; none: every order."`
	LastEventID      string   `header:"Last-Event-ID" doc:"The id: of the last event received: the stream first sends the events after it (EventSource sends this header itself when it reconnects)."`
	LastEventIDQuery string   `query:"lastEventId" doc:"Last-Event-ID, for clients that cannot set headers."`
	Key              string   `query:"key" doc:"A storefront key, for browsers' EventSource, which cannot send headers. Admin keys are refused here (403): send them in a header."`
}

// streams serves the event streams.
type streams struct {
	h         *handlers
	hub       *changes.Hub
	keepAlive time.Duration
	readTime  time.Duration // bounds one event's read
}

func registerEvents(r registrar, h *handlers, opts Options) {
	s := &streams{h: h, hub: opts.Changes, keepAlive: opts.KeepAlive, readTime: cmp.Or(opts.EventReadTimeout, 10*time.Second)}
	if s.keepAlive <= 0 {
		s.keepAlive = DefaultKeepAlive
	}
	streamOp(r, huma.Operation{OperationID: "streamVariantEvents", Method: http.MethodGet, Path: variantEventsPath,
		Tags: []string{tagCatalog}, Summary: "Stream variant changes", Errors: []int{http.StatusForbidden},
		Description: "Server-sent events: one `variant` event, with the variant as GET /v1/variants/{id} answers it, each time one of the variants changes (stock, price, name). " + streamDescription},
		func(ctx context.Context, in *variantEventsInput) (*huma.StreamResponse, error) {
			return s.open(ctx, changes.KindVariant, gid.Variant, true, in.IDs, streamParams{in.LastEventID, in.LastEventIDQuery})
		})
	streamOp(r, huma.Operation{OperationID: "streamOrderEvents", Method: http.MethodGet, Path: orderEventsPath,
		Tags: []string{tagOrders}, Summary: "Stream order changes", Errors: []int{http.StatusForbidden},
		Description: "Server-sent events (admin keys): one `order` event, with the order as GET /v1/orders/{id} answers it, each time one of the orders (without ids: any order) changes status, payment, fulfillment or returns. " + streamDescription},
		func(ctx context.Context, in *orderEventsInput) (*huma.StreamResponse, error) {
			return s.open(ctx, changes.KindOrder, gid.Order, false, in.IDs, streamParams{in.LastEventID, in.LastEventIDQuery})
		})
}

const streamDescription = "Each event has an `id:`; reconnect with `Last-Event-ID` (or `?lastEventId=`) to be sent what was missed, or, when that is no longer kept, a `reload` event (read the entities again) before the live events. " +
	"A `removed` event says an entity no longer exists; an `error` event (data: a problem) ends the stream: reconnect. Comments keep the connection alive. A client has at most GATEWAY_MAX_CONNECTIONS_PER_CLIENT (default 20) live connections open on one replica, event streams, WebSockets and GraphQL over SSE together (429 beyond)."

// streamOp registers an event stream: a keyed read (which also takes a
// storefront key as ?key=) whose 200 is text/event-stream.
func streamOp[I any](r registrar, op huma.Operation, h func(context.Context, *I) (*huma.StreamResponse, error)) {
	register(r, op, h)
	doc := r.api.OpenAPI().Paths[op.Path].Get
	doc.Security = append(doc.Security, map[string][]string{securityKeyQuery: {}})
	doc.Responses["200"] = &huma.Response{
		Description: "A stream of server-sent events (id:, event:, data: lines; data is JSON).",
		Headers:     map[string]*huma.Param{"Cache-Control": {Description: "no-store", Schema: &huma.Schema{Type: huma.TypeString}}},
		Content: map[string]*huma.MediaType{"text/event-stream": {Schema: &huma.Schema{Type: huma.TypeString,
			Description: "id: <event id>\nevent: variant|order|reload|removed|error\ndata: <JSON>\n\n, and comments (: keep-alive)."}}},
	}
}

// open checks the request, takes a stream slot and subscribes, all before
// the stream starts (so a refusal is a problem+json answer), and returns
// the stream.
func (s *streams) open(ctx context.Context, kind changes.Kind, typ string, needIDs bool, raw []string, p streamParams) (*huma.StreamResponse, error) {
	var fe fieldErrors
	ids := streamIDs(&fe, typ, needIDs, raw)
	after := p.LastEventID
	if after == "" {
		after = p.LastEventIDQuery
	}
	if after != "" && !changes.ValidSeq(after) {
		name, in := "Last-Event-ID", "header"
		if p.LastEventID == "" {
			name, in = "lastEventId", "query"
		}
		fe.add([]string{name}, in, "%q is not the id: of an event of this stream (as 1733570000000-0)", clip(after))
	}
	if err := fe.problem(); err != nil {
		return nil, err
	}
	op := commerce.OpGetVariants
	if kind == changes.KindOrder {
		op = commerce.OpReadOrders
	}
	if err := commerce.Authorize(ctx, op); err != nil {
		return nil, s.h.fail(ctx, err)
	}
	if s.hub == nil {
		return nil, s.h.fail(ctx, &commerce.Error{Code: commerce.CodeBackendDisabled, Message: "event streams are not configured on this gateway"})
	}
	sub, err := s.hub.SubscribeFrom(kind, ids, after)
	reload := ""
	switch {
	case errors.Is(err, changes.ErrHistoryGone), errors.Is(err, changes.ErrSlowConsumer):
		reload = "the events after " + after + " are no longer kept: read the entities again (GET), then follow this stream"
		sub, err = s.hub.Subscribe(kind, ids)
	}
	if err != nil {
		if errors.Is(err, changes.ErrClosed) {
			return nil, s.h.fail(ctx, &commerce.Error{Code: commerce.CodeUpstreamUnavailable, RetryAfter: time.Second, Message: "the gateway is shutting down", Err: err})
		}
		return nil, s.h.fail(ctx, err)
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		defer sub.Close()
		s.serve(hctx, kind, typ, sub, reload)
	}}, nil
}

// serve writes the stream until the client leaves or the subscription
// ends.
func (s *streams) serve(hctx huma.Context, kind changes.Kind, typ string, sub *changes.Subscription, reload string) {
	ctx := hctx.Context()
	hctx.SetHeader("Content-Type", "text/event-stream")
	hctx.SetHeader("Cache-Control", "no-store")
	hctx.SetHeader("X-Accel-Buffering", "no") // proxies: do not buffer
	hctx.SetStatus(http.StatusOK)
	w := newEventWriter(hctx.BodyWriter())
	w.deadline(2*s.keepAlive + s.readTime)
	w.raw("retry: " + strconv.Itoa(retryMillis) + "\n\n")
	if reload != "" {
		w.event("", eventReload, map[string]string{"code": "HISTORY_GONE", "message": reload})
	}
	if !w.flush() {
		return
	}
	tick := time.NewTicker(s.keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			w.raw(": keep-alive\n\n")
		case e, ok := <-sub.C:
			if !ok {
				s.ended(w, sub.Err())
				return
			}
			if !s.send(ctx, w, kind, typ, e) {
				w.flush()
				return
			}
		}
		if !w.flush() {
			return
		}
		w.deadline(2*s.keepAlive + s.readTime)
	}
}

// send writes the event for e; false ends the stream (after an error
// event).
func (s *streams) send(ctx context.Context, w *eventWriter, kind changes.Kind, typ string, e changes.Event) bool {
	// Each event reads with a context of its own: its read record (stale,
	// freshness) is this event's, not the stream's.
	ectx, _ := commerce.WithReadRecord(ctx)
	ectx, cancel := context.WithTimeout(ectx, s.readTime)
	defer cancel()
	var (
		body  any
		found bool
		err   error
	)
	if kind == changes.KindOrder {
		var os []commerce.Order
		if os, err = s.h.svc.OrdersByID(ectx, []int64{e.ID}, orderSideloads); err == nil && len(os) > 0 {
			body, found = toOrder(&os[0]), true
		}
	} else {
		var vs []commerce.Variant
		if vs, err = s.h.svc.VariantsByID(ectx, []int64{e.ID}); err == nil && len(vs) > 0 {
			body, found = s.h.toVariant(ectx, &vs[0]), true
		}
	}
	id := tradegeckoID(typ, e.ID)
	switch {
	case err != nil:
		if ctx.Err() != nil {
			return false
		}
		// No id: a reconnection resumes before this event, and reads again.
		w.event("", eventError, s.h.fail(ctx, err))
		return false
	case !found:
		w.event(e.Seq, eventRemoved, map[string]string{"id": id})
	case kind == changes.KindOrder:
		w.event(e.Seq, "order", body)
	default:
		w.event(e.Seq, "variant", body)
	}
	return true
}

// ended writes why the subscription ended (nothing when it was closed
// here).
func (s *streams) ended(w *eventWriter, err error) {
	var p *Problem
	switch {
	case err == nil:
		return
	case errors.Is(err, changes.ErrSlowConsumer):
		p = NewProblem(http.StatusServiceUnavailable, "SLOW_CONSUMER", "this stream did not keep up with its events (more than the subscriber queue, GATEWAY_SUBSCRIBER_QUEUE, were waiting): reconnect with Last-Event-ID", nil)
	case errors.Is(err, changes.ErrClosed):
		p = NewProblem(http.StatusServiceUnavailable, "SHUTTING_DOWN", "the gateway is shutting down: reconnect with Last-Event-ID", nil)
	default:
		p = ProblemOf(err)
	}
	w.event("", eventError, p)
	w.flush()
}

// streamIDs reads the ids of a stream: 1..maxStreamIDs (0 too unless
// need), each a global or bare id of typ.
func streamIDs(fe *fieldErrors, typ string, need bool, raw []string) []int64 {
	values := splitValues(raw)
	switch {
	case len(values) == 0 && need:
		fe.add([]string{"ids"}, "query", "give 1 to %d %s ids", maxStreamIDs, typ)
		return nil
	case len(values) > maxStreamIDs:
		fe.add([]string{"ids"}, "query", "takes at most %d ids, got %d", maxStreamIDs, len(values))
		return nil
	}
	ids := make([]int64, 0, len(values))
	for i, v := range values {
		id, err := parseTradegeckoID(typ, v)
		if err != nil {
			fe.add([]string{"ids", itoa(i)}, "query", "%v", err)
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// eventWriter writes server-sent events; after a write fails it writes
// nothing more.
type eventWriter struct {
	w   io.Writer
	rc  *http.ResponseController // nil when w is not the response
	err error
}

func newEventWriter(w io.Writer) *eventWriter {
	ew := &eventWriter{w: w}
	if rw, ok := w.(http.ResponseWriter); ok {
		ew.rc = http.NewResponseController(rw)
		// The server's ReadTimeout bounds reading a request, not a stream
		// (net/http cancels the request when it passes).
		_ = ew.rc.SetReadDeadline(time.Time{})
	}
	return ew
}

// deadline bounds the next writes (the server's WriteTimeout is for
// answers, not streams): a client that stops reading is let go.
func (w *eventWriter) deadline(d time.Duration) {
	if w.rc != nil {
		_ = w.rc.SetWriteDeadline(time.Now().Add(d))
	}
}

func (w *eventWriter) raw(s string) {
	if w.err == nil {
		_, w.err = io.WriteString(w.w, s)
	}
}

// event writes one event; data is marshalled as one JSON line.
func (w *eventWriter) event(id, typ string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		b = []byte(`null`)
	}
	s := ""
	if id != "" {
		s = "id: " + id + "\n"
	}
	w.raw(s + "event: " + typ + "\ndata: " + string(b) + "\n\n")
}

// flush sends what was written; false when the client is gone.
func (w *eventWriter) flush() bool {
	if w.err == nil {
		if w.rc != nil {
			w.err = w.rc.Flush()
		} else if f, ok := w.w.(http.Flusher); ok {
			f.Flush()
		}
	}
	return w.err == nil
}
