package sandbox

import (
	"net/http"
	"strconv"
	"time"
)

// rateLimiter is a sliding-window log: at most limit requests in any window.
// A request made at t occupies a slot until t+window. Guarded by Sandbox.mu.
type rateLimiter struct {
	limit  int
	window time.Duration
	log    []time.Time // times of the requests still in the window
}

func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	return &rateLimiter{limit: limit, window: window}
}

// rateState is what the X-Rate-Limit-* headers say.
type rateState struct {
	limit     int
	remaining int
	reset     int64 // unix seconds when the next slot frees
}

func (st rateState) apply(h http.Header) {
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(st.limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(st.remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(st.reset, 10))
}

// prune forgets requests whose slot has freed by now.
func (l *rateLimiter) prune(now time.Time) {
	kept := l.log[:0]
	for _, t := range l.log {
		if now.Before(t.Add(l.window)) {
			kept = append(kept, t)
		}
	}
	clear(l.log[len(kept):])
	l.log = kept
}

// peek reports whether a request may be made now, and the state a refusal
// would carry. It consumes nothing.
func (l *rateLimiter) peek(now time.Time) (rateState, bool) {
	l.prune(now)
	return l.state(now), len(l.log) < l.limit
}

// take consumes a slot (the caller checked peek) and returns the state after.
func (l *rateLimiter) take(now time.Time) rateState {
	l.prune(now)
	l.log = append(l.log, now)
	return l.state(now)
}

func (l *rateLimiter) state(now time.Time) rateState {
	st := rateState{limit: l.limit, remaining: max(l.limit-len(l.log), 0), reset: ceilUnix(now)}
	if len(l.log) > 0 {
		oldest := l.log[0]
		for _, t := range l.log[1:] {
			if t.Before(oldest) {
				oldest = t
			}
		}
		st.reset = ceilUnix(oldest.Add(l.window))
	}
	return st
}

func (l *rateLimiter) reset() { l.log = nil }

// ceilUnix is t in unix seconds, rounded up.
func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}
