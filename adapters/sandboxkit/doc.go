// Package sandboxkit is the harness the three backend sandboxes
// (adapters/tradegecko/sandbox, adapters/simpleconsign/sandbox and
// adapters/tradeglobal/sandbox) share, so that a fault, the request log and
// a control route work, read and are named the same way whichever backend
// a test or a person drives:
//
//   - fault injection: fail the next N requests with a status, drop the
//     next N answers after the backend acted, delay requests — each aimed at
//     every API request or only at a method and a path (Target), so that a
//     failure meant for POST /orders is not used up by the gateway's own
//     background polling;
//   - the request log: every API request with its answer's status, time
//     taken, request id and error message (Requests), served by GET
//     /_sandbox/requests as JSON lines, one compact line a request;
//   - the control routes under /_sandbox (Controls): the shared ones listed
//     below, plus the routes a sandbox adds (stock, orders, …).
//
// A sandbox embeds *Harness, so its Go control API (FailNext,
// FailNextMatching, DropNextResponses, SetLatency, Requests, RequestCount,
// ResetRequests, …) is this package's; it runs each API request through
// Serve (read, record, answer, record the outcome, write or drop) and asks
// the Call it is handed, at the points of its pipeline its package doc
// names, whether to wait, fail or drop. What an injected failure looks like
// (the body, the headers) stays the backend's: the harness only says which
// status.
//
// The package is public, not internal, because tests anywhere in the
// repository aim faults through a sandbox's Go API and must be able to
// name a Target. It must never be imported by production code (only by the
// sandboxes, which make run links in), must never know a backend's wire
// format, and must never call the network.
//
// # Shared control routes
//
//	GET    /_sandbox                   the list of control routes
//	GET    /_sandbox/requests          the request log as JSON lines, one request a line:
//	                                   {"seq":3,"at":"…","method":"POST","path":"/orders","status":503,"ms":0.41,"failed":true}
//	                                   filters: ?method=POST&path=/orders&status=5xx&after=SEQ&last=N; &full=1 adds header and body
//	GET    /_sandbox/requests/{seq}    one request in full (header and body)
//	DELETE /_sandbox/requests          forget them
//	POST   /_sandbox/fail              {"count":2,"status":503} or aimed: {"count":1,"status":503,"method":"POST","path":"/orders"}
//	POST   /_sandbox/drop              {"count":1} (optionally "method", "path"): act, then close without an answer
//	POST   /_sandbox/latency           {"ms":200} (optionally "method", "path"); {"ms":0} removes it
//	GET    /_sandbox/faults            the pending faults
//	DELETE /_sandbox/faults            cancel them all
//
// A path in a target or a filter is a prefix ending at a segment boundary
// ("/orders" matches /orders, /orders.json and /orders/12/actions/pack, not
// /order_line_items) or, when it holds a '*', a path.Match pattern
// ("/orders/*" matches /orders/12). A method is matched case-insensitively;
// none means any. The most recently set fault that matches a request is
// the one it takes; setting a fault for a target that already has one
// replaces it, and a count (or ms) of 0 removes it.
//
// Every control answer is JSON (application/json; charset=utf-8) except the
// request log (application/x-ndjson). Success without data is {"ok":true};
// every error is {"message":"…"} with 400 (a bad body or query), 404 (no
// such route or record) or 405 (another method: Allow lists the right
// ones). Control requests are never recorded, delayed, failed or counted
// against a rate limit.
package sandboxkit
