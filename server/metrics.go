package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/ratelimit"
)

// metrics are the gateway's Prometheus metrics, on their own registry
// (served at /metrics to admin keys).
type metrics struct {
	reg        *prometheus.Registry
	upstream   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	throttled  *prometheus.CounterVec
	limitWait  *prometheus.HistogramVec
	limitPause *prometheus.CounterVec
	cache      *prometheus.CounterVec
	// clientRefusals counts refusals for one client's limits (server/edge/clients.go).
	clientRefusals *prometheus.CounterVec
	budgets        map[string]*ratelimit.Limiter
	breakers       map[string]*circuit.Breaker // by backend
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_upstream_requests_total", Help: "Requests sent to backends, by backend, endpoint and status.",
		}, []string{"backend", "endpoint", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gateway_upstream_request_seconds", Help: "Time backends took to answer.", Buckets: prometheus.DefBuckets,
		}, []string{"backend"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_upstream_throttled_total", Help: "429 answers from backends.",
		}, []string{"backend"}),
		limitWait: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gateway_ratelimit_wait_seconds", Help: "Time requests waited for a slot of the shared budget.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30},
		}, []string{"budget", "priority", "admitted"}),
		limitPause: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_ratelimit_pauses_total", Help: "Times a backend's budget was spent and every replica paused.",
		}, []string{"budget"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_cache_lookups_total", Help: "Cache lookups by kind and result (hit, miss, stale).",
		}, []string{"kind", "result"}),
		clientRefusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_client_refusals_total", Help: "Requests refused for one client's limits: its request rate (rate), or its share of a backend's read budget while others waited (share).",
		}, []string{"limit", "budget"}),
		budgets:  map[string]*ratelimit.Limiter{},
		breakers: map[string]*circuit.Breaker{},
	}
	m.reg.MustRegister(m.upstream, m.latency, m.throttled, m.limitWait, m.limitPause, m.cache, m.clientRefusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.reg.MustRegister(budgetCollector{m}, breakerCollector{m})
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Waited implements ratelimit.Observer.
func (m *metrics) Waited(name string, p ratelimit.Priority, d time.Duration, admitted bool) {
	m.limitWait.WithLabelValues(name, p.String(), strconv.FormatBool(admitted)).Observe(d.Seconds())
}

// ShareRefused implements ratelimit.ShareObserver.
func (m *metrics) ShareRefused(name string) { m.clientRefusals.WithLabelValues("share", name).Inc() }

// clientRefused counts a request refused for its client's request rate.
func (m *metrics) clientRefused(limit string) { m.clientRefusals.WithLabelValues(limit, "").Inc() }

// Paused implements ratelimit.Observer.
func (m *metrics) Paused(name string, _ time.Time) { m.limitPause.WithLabelValues(name).Inc() }

// Lookup implements cache.Observer.
func (m *metrics) Lookup(kind string, hits, misses, stale int) {
	m.cache.WithLabelValues(kind, "hit").Add(float64(hits))
	m.cache.WithLabelValues(kind, "miss").Add(float64(misses))
	m.cache.WithLabelValues(kind, "stale").Add(float64(stale))
}

// budgetCollector reports each budget's remaining room at scrape time.
type budgetCollector struct{ m *metrics }

var budgetDesc = prometheus.NewDesc("gateway_ratelimit_budget_remaining", "Requests the shared budget has room for now.", []string{"budget"}, nil)

func (b budgetCollector) Describe(ch chan<- *prometheus.Desc) { ch <- budgetDesc }

func (b budgetCollector) Collect(ch chan<- prometheus.Metric) {
	for name, l := range b.m.budgets {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		n, err := l.Remaining(ctx)
		cancel()
		if err == nil {
			ch <- prometheus.MustNewConstMetric(budgetDesc, prometheus.GaugeValue, float64(n), name)
		}
	}
}

// breakerCollector reports each backend's breakers at scrape time.
type breakerCollector struct{ m *metrics }

var (
	breakerStateDesc = prometheus.NewDesc("gateway_upstream_breaker_state",
		"Circuit breaker state by backend and kind (read, write): 0 closed, 1 half-open, 2 open.", []string{"backend", "kind"}, nil)
	breakerRefusedDesc = prometheus.NewDesc("gateway_upstream_breaker_refused_total",
		"Upstream requests a circuit breaker refused without sending (fast failures), by backend and kind.", []string{"backend", "kind"}, nil)
)

func (b breakerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- breakerStateDesc
	ch <- breakerRefusedDesc
}

func (b breakerCollector) Collect(ch chan<- prometheus.Metric) {
	for name, br := range b.m.breakers {
		for _, k := range []circuit.Kind{circuit.Read, circuit.Write} {
			ch <- prometheus.MustNewConstMetric(breakerStateDesc, prometheus.GaugeValue, float64(br.State(k)), name, k.String())
			ch <- prometheus.MustNewConstMetric(breakerRefusedDesc, prometheus.CounterValue, float64(br.Refused(k)), name, k.String())
		}
	}
}

// countingTransport counts and times every request actually sent to a
// backend (it sits behind the rate limiter).
type countingTransport struct {
	base    http.RoundTripper
	backend string
	m       *metrics
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	status := "error"
	if resp != nil {
		status = strconv.Itoa(resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			t.m.throttled.WithLabelValues(t.backend).Inc()
		}
	}
	t.m.upstream.WithLabelValues(t.backend, endpoint(req), status).Inc()
	t.m.latency.WithLabelValues(t.backend).Observe(time.Since(start).Seconds())
	return resp, err
}

// endpoint names a request without its ids: GET /orders/{id}/actions/pay.
func endpoint(req *http.Request) string {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	for i, p := range parts {
		id := strings.TrimSuffix(p, ".json") // /products/1.json is documented too
		if id != "" && strings.Trim(id, "0123456789") == "" {
			parts[i] = "{id}"
		}
	}
	return req.Method + " /" + strings.Join(parts, "/")
}
