package circuit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/commercegateway/gateway/commerce"
)

// Kind is the kind of request a breaker guards.
type Kind uint8

const (
	Read Kind = iota
	Write
)

func (k Kind) String() string {
	if k == Write {
		return "write"
	}
	return "read"
}

var kinds = [...]Kind{Read, Write}

// KindOf is the default rule (server/backends.go's priority): a method
// other than GET and HEAD, or a request made for a write
// (commerce.WithWrite), is a write; the rest are reads.
func KindOf(r *http.Request) Kind {
	if (r.Method != http.MethodGet && r.Method != http.MethodHead) || commerce.IsWrite(r.Context()) {
		return Write
	}
	return Read
}

// State is a breaker's state. Its values are the gauge's:
// 0 closed, 1 half-open, 2 open.
type State int

const (
	Closed   State = State(gobreaker.StateClosed)
	HalfOpen State = State(gobreaker.StateHalfOpen)
	Open     State = State(gobreaker.StateOpen)
)

func (s State) String() string { return gobreaker.State(s).String() }

// Defaults.
const (
	DefaultFailures = 5
	DefaultOpenFor  = 5 * time.Second
)

// minRetryAfter is the least RetryAfter an *OpenError says: a probe's
// answer takes time too.
const minRetryAfter = time.Second

// OpenError is a request the breaker refused without sending it: the
// backend's requests of this kind have been failing. Nothing reached the
// backend, so a write refused so did not happen.
type OpenError struct {
	Backend string
	Kind    Kind
	// State is Open, or HalfOpen while the one probe is in flight.
	State State
	// RetryAfter is when a retry may succeed: what is left of the open
	// interval, at least a second. (Spelled as ratelimit.Refusal's, but
	// an *OpenError is no refusal of the budget: see the package
	// documentation.)
	RetryAfter time.Duration
}

func (e *OpenError) Error() string {
	why := "the breaker is open"
	if e.State == HalfOpen {
		why = "a probe is testing whether it is back"
	}
	return fmt.Sprintf("circuit: %s %ss are failing; refused without sending (%s; retry in %s)",
		e.Backend, e.Kind, why, e.RetryAfter.Round(time.Millisecond))
}

// Option configures a Breaker.
type Option func(*config)

type config struct {
	failures uint32
	openFor  time.Duration
	kindOf   func(*http.Request) Kind
	onChange func(backend string, k Kind, from, to State)
	err      error
}

// WithFailures sets how many consecutive failures open a breaker
// (default DefaultFailures); n must be at least 1.
func WithFailures(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.err = errors.Join(c.err, fmt.Errorf("circuit: failures must be at least 1, not %d", n))
			return
		}
		c.failures = uint32(min(n, 1<<31))
	}
}

// WithOpenFor sets how long an open breaker refuses before letting a
// probe through (default DefaultOpenFor); d must be positive.
func WithOpenFor(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.err = errors.Join(c.err, fmt.Errorf("circuit: the open interval must be positive, not %s", d))
			return
		}
		c.openFor = d
	}
}

// WithKind sets the rule that tells reads from writes (default KindOf).
func WithKind(f func(*http.Request) Kind) Option {
	return func(c *config) {
		if f == nil {
			c.err = errors.Join(c.err, errors.New("circuit: WithKind(nil)"))
			return
		}
		c.kindOf = f
	}
}

// WithStateChange calls f (synchronously, briefly: the breaker's lock is
// held) whenever a breaker changes state.
func WithStateChange(f func(backend string, k Kind, from, to State)) Option {
	return func(c *config) { c.onChange = f }
}

// Breaker holds the read and the write breaker of one backend.
type Breaker struct {
	backend  string
	cfg      config
	sides    [2]*side
	outcomes atomic.Bool // Outcomes was called: only what reaches it counts
}

type side struct {
	cb       *gobreaker.TwoStepCircuitBreaker[struct{}]
	refused  atomic.Uint64
	mu       sync.Mutex
	openedAt time.Time
}

// New returns the breakers of backend (its name in errors and metrics).
func New(backend string, opts ...Option) (*Breaker, error) {
	if backend == "" {
		return nil, errors.New("circuit: a backend name is required")
	}
	cfg := config{failures: DefaultFailures, openFor: DefaultOpenFor, kindOf: KindOf}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	b := &Breaker{backend: backend, cfg: cfg}
	for _, k := range kinds {
		s := &side{}
		s.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
			Name:        backend + " " + k.String() + "s",
			MaxRequests: 1, // one probe at a time
			Timeout:     cfg.openFor,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= cfg.failures },
			IsExcluded:  func(err error) bool { return errors.Is(err, errUncounted) },
			OnStateChange: func(_ string, from, to gobreaker.State) {
				if to == gobreaker.StateOpen {
					s.mu.Lock()
					s.openedAt = time.Now()
					s.mu.Unlock()
				}
				if cfg.onChange != nil {
					cfg.onChange(backend, k, State(from), State(to))
				}
			},
		})
		b.sides[k] = s
	}
	return b, nil
}

// Backend is the backend's name.
func (b *Breaker) Backend() string { return b.backend }

// State is the state of the breaker of kind k now.
func (b *Breaker) State(k Kind) State { return State(b.sides[k].cb.State()) }

// Refused is how many requests of kind k the breaker refused so far.
func (b *Breaker) Refused(k Kind) uint64 { return b.sides[k].refused.Load() }

// Outcomes returned by a breaker's outcome rule, as errors for gobreaker.
var (
	errFailed    = errors.New("circuit: the backend failed")
	errUncounted = errors.New("circuit: not the backend's doing")
)

// ticket travels in a guarded request's context to Outcomes.
type ticket struct {
	reached bool
	verdict error
}

type ticketKey struct{}

// Guard returns next behind the breakers: a request of a kind whose
// breaker is open (or half-open with its probe in flight) is refused with
// an *OpenError, without calling next.
func (b *Breaker) Guard(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		k := b.cfg.kindOf(req)
		s := b.sides[k]
		done, err := s.cb.Allow()
		if err != nil {
			if req.Body != nil {
				_ = req.Body.Close()
			}
			s.refused.Add(1)
			st := Open
			if errors.Is(err, gobreaker.ErrTooManyRequests) {
				st = HalfOpen
			}
			return nil, &OpenError{Backend: b.backend, Kind: k, State: st, RetryAfter: s.retryAfter(b.cfg.openFor)}
		}
		t := &ticket{}
		reported := false
		defer func() {
			if !reported { // next panicked: a failure, and the probe's slot is freed
				done(errFailed)
			}
		}()
		resp, err := next.RoundTrip(req.WithContext(context.WithValue(req.Context(), ticketKey{}, t)))
		reported = true
		switch {
		case t.reached:
			done(t.verdict)
		case b.outcomes.Load():
			done(errUncounted) // stopped before the backend (the limiter)
		default:
			done(verdict(req, resp, err))
		}
		return resp, err
	})
}

// Outcomes returns next reporting to the breakers: put it right in front
// of the network, behind every layer (the rate limiter) whose own refusals
// must not count; once it is used, requests that never reach it do not.
func (b *Breaker) Outcomes(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	b.outcomes.Store(true)
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if t, ok := req.Context().Value(ticketKey{}).(*ticket); ok {
			t.reached, t.verdict = true, verdict(req, resp, err)
		}
		return resp, err
	})
}

// verdict is the outcome rule (see the package documentation): nil for a
// success, errFailed, or errUncounted.
func verdict(req *http.Request, resp *http.Response, err error) error {
	switch {
	case err == nil && resp.StatusCode >= 500:
		return errFailed
	case err == nil:
		return nil
	case errors.Is(req.Context().Err(), context.Canceled):
		return errUncounted // the caller gave up
	default:
		return errFailed
	}
}

// retryAfter is what is left of the open interval, at least minRetryAfter.
func (s *side) retryAfter(openFor time.Duration) time.Duration {
	s.mu.Lock()
	left := time.Until(s.openedAt.Add(openFor))
	s.mu.Unlock()
	return max(left, minRetryAfter)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
