package server

import (
	"context"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
)

// setupLive creates the change bus the subscriptions follow and the
// tracker of their connections (graph/subscriptions.go), and reports
// both in the metrics.
func (s *Server) setupLive() {
	s.changes = changes.NewHub(changes.HubOptions{Queue: s.cfg.Limits.SubscriberQueue})
	s.streams = graph.NewStreams()
	s.metrics.reg.MustRegister(liveCollector{s.streams})
	s.hooks.observe(s.announce)
}

// announce publishes the changes a TradeGecko event says happened: a
// variant's stock, an order's status. (The change bus's own wiring —
// poll, writes, other replicas — supersedes this when it lands.)
func (s *Server) announce(ctx context.Context, ev commerce.Event) error {
	var kind changes.Kind
	switch {
	case ev.Name == "variant.stock_level_update" || ev.Name == "variant.update":
		kind = changes.KindVariant
	case strings.HasPrefix(ev.Name, "order."):
		kind = changes.KindOrder
	default:
		return nil
	}
	return s.changes.Publish(ctx, changes.Change{Kind: kind, ID: ev.ObjectID, Cause: "webhook " + ev.Name})
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
