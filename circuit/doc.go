// Package circuit keeps a backend that is down from costing anything: a
// circuit breaker per backend and kind of request (reads, writes), in
// front of the backend's HTTP client, so that during an outage requests
// fail at once instead of each waiting for its own timeout, spending a
// slot of the shared budget (ratelimit.Transport), and being retried by
// the adapter.
//
// The state machine is sony/gobreaker's (v2, the two-step breaker), well
// kept and small; this package only decides what goes through it:
//
//   - Kinds. Reads and writes have a breaker each (Read, Write; KindOf is
//     the default rule: a method other than GET and HEAD, or a request made
//     for a write, commerce.WithWrite, is a write — the rule of
//     server/backends.go's priority). A failing read never opens the write
//     breaker, nor the other way round.
//   - Failures. After Failures (default 5) consecutive failures of a kind,
//     its breaker opens for OpenFor (default 5 s): every request of that
//     kind is refused at once with an *OpenError, nothing sent. Then one
//     request at a time (the probe) goes through: a success closes the
//     breaker, a failure opens it again for OpenFor; while the probe is in
//     flight the others are refused.
//   - What counts. A failure is what says the backend is not working: no
//     answer (connection refused or reset, a timeout, a deadline that
//     passed while waiting for it) or a 5xx answer (503 included). Any
//     other answer — 2xx, 3xx, 4xx, and 429, which the rate limiter deals
//     with — is a success: the backend answered. Neither counts: a request
//     whose caller cancelled its context (the caller gave up, the backend
//     did nothing wrong), and, when Outcomes is in the chain, a request
//     that never reached it (refused by the limiter between the two, or
//     waiting there when its deadline passed).
//   - Refusals. *OpenError names the backend and kind and says when a
//     retry may succeed (RetryAfter: what is left of the open interval,
//     at least a second: the field's name is the one of
//     ratelimit.Refusal). It deliberately is no *ratelimit.Refusal, nor
//     wraps one: the adapters answer RATE_LIMITED for a refusal of the
//     budget, whereas an open breaker is UPSTREAM_UNAVAILABLE.
//     The adapters (adapters/tradegecko, adapters/tradeglobal,
//     adapters/simpleconsign) find it with errors.As, never retry it, and
//     answer UPSTREAM_UNAVAILABLE with retryAfter.
//
// # Use
//
//	b, err := circuit.New("tradegecko")
//	rt := b.Outcomes(network)                  // what the backend answers counts
//	rt = &ratelimit.Transport{Base: rt, …}     // its refusals do not
//	rt = b.Guard(rt)                           // refused here while open: no budget spent
//
// Guard alone (without Outcomes behind it) counts every error of the
// transports behind it.
//
// The breaker lives in one process: each replica learns of an outage from
// its own few failed requests. That costs an outage at most Failures
// requests per kind and replica, then one probe per OpenFor, and needs no
// Redis round trip on any request.
//
// It must never refuse a request while its breaker is closed, never count
// a request the backend did not see or a caller's own cancellation, never
// hold more than one probe in flight per kind, and never answer anything
// but its own *OpenError for a request it did not send.
package circuit
