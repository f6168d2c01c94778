package server

import (
	"net/http"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/ratelimit"
)

// Each backend has a read and a write breaker (package circuit) in front
// of its budget (see upstreamClient): during an outage its requests fail
// at once, UPSTREAM_UNAVAILABLE with retryAfter, and cost the backend one
// probe per open interval instead of every request and its retries. Their
// states are in /metrics (gateway_upstream_breaker_state,
// gateway_upstream_breaker_refused_total) and in /readyz's body
// ("breakers"), never in its status: an outage of a backend must not take
// every replica out of service.

// WithBreakerOptions adjusts every backend's breakers (default: open after
// circuit.DefaultFailures consecutive failures, for circuit.DefaultOpenFor).
func WithBreakerOptions(opts ...circuit.Option) Option {
	return func(o *options) { o.breakerOpts = append(o.breakerOpts, opts...) }
}

// newBreaker builds a backend's breakers, reads and writes told apart as
// the budget tells them (priority), state changes logged, and registers
// them for /metrics and /readyz.
func (s *Server) newBreaker(backend string) (*circuit.Breaker, error) {
	opts := append([]circuit.Option{
		circuit.WithKind(func(r *http.Request) circuit.Kind {
			if priority(r) == ratelimit.Write {
				return circuit.Write
			}
			return circuit.Read
		}),
		circuit.WithStateChange(func(backend string, k circuit.Kind, from, to circuit.State) {
			if to == circuit.Open {
				s.log.Warn("circuit breaker open: the backend keeps failing; its requests are refused for a while",
					"backend", backend, "kind", k.String(), "from", from.String())
				return
			}
			s.log.Info("circuit breaker "+to.String(), "backend", backend, "kind", k.String(), "from", from.String())
		}),
	}, s.breakerOpts...)
	br, err := circuit.New(backend, opts...)
	if err != nil {
		return nil, err
	}
	s.metrics.breakers[backend] = br
	return br, nil
}

// breakerStates is /readyz's "breakers": for each backend, its read and
// write breaker's state ("closed", "half-open", "open").
func (s *Server) breakerStates() map[string]map[string]string {
	out := make(map[string]map[string]string, len(s.metrics.breakers))
	for name, br := range s.metrics.breakers {
		out[name] = map[string]string{}
		for _, k := range []circuit.Kind{circuit.Read, circuit.Write} {
			out[name][k.String()] = br.State(k).String()
		}
	}
	return out
}
