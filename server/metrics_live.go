package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/commercegateway/gateway/changes"
)

// liveMetrics count what the change bus does (changes.Observer), on the
// gateway's registry.
type liveMetrics struct {
	published, delivered, coalesced, dropped *prometheus.CounterVec
	subscriptions                            *prometheus.GaugeVec
	lag                                      prometheus.Histogram
}

func newLiveMetrics(reg prometheus.Registerer) *liveMetrics {
	kind := []string{"kind"}
	m := &liveMetrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_live_events_published_total",
			Help: "Change events this replica sent onto the bus (after coalescing), by kind (Variant, Order)."}, kind),
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_live_events_delivered_total",
			Help: "Change events queued for this replica's subscribers (one per subscriber), by kind."}, kind),
		coalesced: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_live_events_coalesced_total",
			Help: "Changes merged into an event already pending for the same entity (within about 100 ms), by kind."}, kind),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_live_subscribers_dropped_total",
			Help: "Subscriptions closed because their queue filled up (slow consumers), by kind."}, kind),
		subscriptions: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gateway_live_bus_subscriptions",
			Help: "Open subscriptions to the change bus on this replica (GraphQL subscriptions and REST event streams), by kind."}, kind),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "gateway_live_bus_lag_seconds",
			Help:    "Time from the gateway learning of a change to its delivery on this replica (coalescing, refresh and Redis included).",
			Buckets: []float64{0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5}}),
	}
	reg.MustRegister(m.published, m.delivered, m.coalesced, m.dropped, m.subscriptions, m.lag)
	return m
}

var _ changes.Observer = (*liveMetrics)(nil)

func (m *liveMetrics) Published(k changes.Kind, n int) {
	m.published.WithLabelValues(string(k)).Add(float64(n))
}
func (m *liveMetrics) Delivered(k changes.Kind, n int) {
	m.delivered.WithLabelValues(string(k)).Add(float64(n))
}
func (m *liveMetrics) Coalesced(k changes.Kind, n int) {
	m.coalesced.WithLabelValues(string(k)).Add(float64(n))
}
func (m *liveMetrics) Dropped(k changes.Kind) { m.dropped.WithLabelValues(string(k)).Inc() }
func (m *liveMetrics) Subscribed(k changes.Kind, d int) {
	m.subscriptions.WithLabelValues(string(k)).Add(float64(d))
}
func (m *liveMetrics) Lag(d time.Duration) { m.lag.Observe(d.Seconds()) }
