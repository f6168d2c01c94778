package server

import (
	"context"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
)

// The change bus's publishers, wired here (package changes is the bus):
//
//   - TradeGecko's webhooks, after the gateway processed them (the cache
//     dropped what they announce): variant.* names the variant; order.*
//     the order; fulfillment.* and fulfillment_return.* name a shipment or
//     a return, whose order is looked up (one request), only when someone
//     subscribes to orders;
//   - the incremental poll (cache.Options.Updated): the variants it found
//     updated, already stored fresh;
//   - the gateway's own writes (commerce.ServiceConfig.VariantsChanged and
//     OrderChanged): the variants an order's stock moved, and the order.
//
// Never the read path. A variant's event is delivered once the Hub had
// the cache refresh it (cache.Catalog.Refresh), only when someone
// subscribes to it.

// coalesceWindow gathers changes to one entity into one event.
const coalesceWindow = 100 * time.Millisecond

// newHub builds the change bus on the gateway's Redis, coalescing within
// window (none if it is negative).
func (s *Server) newHub(window time.Duration) *changes.Hub {
	return changes.NewHub(changes.HubOptions{
		Queue:    s.cfg.Live.SubscriberQueue,
		History:  s.cfg.Live.EventHistory,
		Redis:    s.rdb,
		Coalesce: max(window, 0),
		Observer: newLiveMetrics(s.metrics.reg),
		Log:      s.log,
		Refresh: func(ctx context.Context, kind changes.Kind, ids []int64) error {
			if kind != changes.KindVariant || s.cached == nil {
				return nil // orders are not cached: subscribers read them
			}
			return s.cached.Refresh(ctx, ids)
		},
	})
}

// publish announces changes, logging (not returning) a failure: a
// publisher's own work is done by then.
func (s *Server) publish(ctx context.Context, chs ...changes.Change) {
	if len(chs) == 0 {
		return
	}
	if s.responses != nil {
		// This replica's answers at once (its own writes read back), the
		// others' when the bus delivers (responses.go).
		var tags []commerce.Tag
		for _, ch := range chs {
			tags = append(tags, tagsOf(ch)...)
		}
		s.responses.Invalidate(tags...)
	}
	if err := s.changes.Publish(context.WithoutCancel(ctx), chs...); err != nil {
		s.log.Warn("changes: could not announce a change", "err", err, "kind", chs[0].Kind, "id", chs[0].ID)
	}
}

// variantsChanged announces variants a write through the gateway moved the
// stock of.
func (s *Server) variantsChanged(ctx context.Context, ids []int64, cause string, fresh bool) {
	chs := make([]changes.Change, 0, len(ids))
	for _, id := range ids {
		chs = append(chs, changes.Change{Kind: changes.KindVariant, ID: id, Cause: cause, Fresh: fresh})
	}
	s.publish(ctx, chs...)
}

// orderChanged implements commerce.ServiceConfig.OrderChanged.
func (s *Server) orderChanged(ctx context.Context, id int64, write string) {
	s.publish(ctx, changes.Change{Kind: changes.KindOrder, ID: id, Cause: "write " + write})
}

// webhookChanged is the webhook observer that publishes what an event
// changed. Its error (the lookup of a fulfillment's order failed) makes
// the event be processed again.
func (s *Server) webhookChanged(ctx context.Context, ev commerce.Event) error {
	resource, _, _ := strings.Cut(ev.Name, ".")
	cause := "webhook " + ev.Name
	ch := changes.Change{ID: ev.ObjectID, Cause: cause}
	switch resource {
	case "variant":
		ch.Kind = changes.KindVariant
	case "order":
		ch.Kind = changes.KindOrder
	case "fulfillment", "fulfillment_return", "invoice", "payment":
		// An order's fulfillment, return, invoice or payment: one lookup
		// of its order, only while someone watches orders.
		if s.sales == nil || !s.changes.Watched(ctx, changes.KindOrder) {
			return nil
		}
		id, err := s.sales.OrderOf(ctx, resource, ev.ObjectID)
		if err != nil || id == 0 {
			return err
		}
		ch.Kind, ch.ID = changes.KindOrder, id
	default:
		return nil
	}
	if ch.ID != 0 {
		s.publish(ctx, ch)
	}
	return nil
}

// Changes is the change bus (live updates subscribe to it).
func (s *Server) Changes() *changes.Hub { return s.changes }

// setupLive creates the tracker of the live connections
// (graph/subscriptions.go), and reports it in the metrics.
func (s *Server) setupLive() {
	s.streams = graph.NewStreams()
	s.metrics.reg.MustRegister(liveCollector{s.streams})
}

// closeLive ends every subscription (complete) and then every live
// connection, within ctx: http.Server.Shutdown waits for neither.
func (s *Server) closeLive(ctx context.Context) error {
	if s.changes == nil {
		return nil
	}
	s.changes.Close()
	return s.streams.Close(ctx)
}

// liveCollector reports the live connections and subscriptions, by
// transport, at scrape time.
type liveCollector struct{ streams *graph.Streams }

var (
	liveConnectionsDesc = prometheus.NewDesc("gateway_live_connections",
		"Open live-update connections, by transport (websocket, sse).", []string{"transport"}, nil)
	liveSubscriptionsDesc = prometheus.NewDesc("gateway_live_subscriptions",
		"Open GraphQL subscriptions, by transport (websocket, sse).", []string{"transport"}, nil)
)

func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- liveConnectionsDesc
	ch <- liveSubscriptionsDesc
}

func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	conns, subs := c.streams.Counts()
	for _, t := range []string{graph.TransportWebSocket, graph.TransportSSE} {
		ch <- prometheus.MustNewConstMetric(liveConnectionsDesc, prometheus.GaugeValue, float64(conns[t]), t)
		ch <- prometheus.MustNewConstMetric(liveSubscriptionsDesc, prometheus.GaugeValue, float64(subs[t]), t)
	}
}
