package ratelimit

import (
	"net/http"
	"time"
)

// Transport is an http.RoundTripper that sends every request through a
// Limiter — there is no path around it — and reports the upstream's budget
// headers back to it.
type Transport struct {
	Base    http.RoundTripper // default http.DefaultTransport
	Limiter *Limiter
	// Priority classes a request; default: GET and HEAD are reads, the rest
	// writes.
	Priority func(*http.Request) Priority
	// Budget reads the upstream's view from a response: remaining requests
	// and when the window resets; ok is false when the response says
	// nothing.
	Budget func(*http.Response) (remaining int, reset time.Time, ok bool)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := Write
	if t.Priority != nil {
		p = t.Priority(req)
	} else if req.Method == http.MethodGet || req.Method == http.MethodHead {
		p = Read
	}
	if err := t.Limiter.Wait(req.Context(), p); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if resp != nil {
		remaining, reset, ok := -1, time.Time{}, false
		if t.Budget != nil {
			remaining, reset, ok = t.Budget(resp)
		}
		throttled := resp.StatusCode == http.StatusTooManyRequests
		if ok || throttled {
			if !ok {
				remaining = -1
			}
			_ = t.Limiter.Observe(req.Context(), remaining, reset, throttled)
		}
	}
	return resp, err
}
