// Package sandbox is an in-process fake of the SimpleConsign (Traxia)
// Online Transactions API: an http.Handler that behaves as the vendor's
// spec documents it, plus what the real service is known to do beyond the
// spec (required headers, below). It keeps everything in memory, seeds
// deterministic demo inventory, and is used by tests anywhere in the
// repository, by `make run`, and to test the simpleconsign client against
// the spec.
//
// It never imports the client package (adapters/simpleconsign) nor shares
// its types: it reads and writes JSON the way the spec shows it, so the
// client is tested against the spec, not against its own structs.
//
// # Use
//
//	sb := sandbox.New(sandbox.Options{})
//	srv := httptest.NewServer(sb) // POST srv.URL + "/app/api/transaction"
//	// bodies carry "key": "sandbox-key" (sandbox.DefaultKey), location "Main Street"
//
// # The endpoint
//
// POST /app/api/transaction takes the spec's body:
//
//	{"key":"sandbox-key","orderNumber":"1234","type":"SALE",
//	 "nonTaxableSaleTotal":7998,"taxableSaleTotal":0,"tax":0,
//	 "items":[{"sku":"GFFY72","price":5400,"quantity":1},{"sku":"AD4J56","price":1299,"quantity":2}]}
//
// and answers HTTP 200 {"success": true} when it recorded the transaction,
// HTTP 200 {"success": false, "error": "<message>"} when it did not, with
// the spec's message word for word (the Msg… constants). A request passes,
// in order:
//
//   - recording (Requests), then the latency set by SetLatency: a request
//     whose context ends meanwhile is abandoned without effect.
//   - routing: another path answers 404, another method on the path 405
//     (with Allow: POST); bodies {"success":false,"error":"… (sandbox)"}.
//   - headers, which the service requires (the spec says to set both):
//     an Accept header that does not name application/json (missing, or
//     only */*) answers 406 MsgNotAcceptable; a Content-Type other than
//     application/json (parameters such as charset allowed) answers 415
//     MsgUnsupportedType.
//   - FailNext: the injected status with {"success":false,"error":"<reason
//     phrase> (sandbox)"}, e.g. 503 "service unavailable (sandbox)", the
//     service at capacity. Nothing is done, nothing counted.
//   - DropNextResponses: decided here; the request goes on and takes effect,
//     and its answer is never written.
//   - the body: not a JSON object, or items neither absent, null nor an
//     array of objects: 400 MsgMalformedBody; over 1 MiB: 413.
//   - "key" unknown or not a string: "invalid API key".
//   - the key's rate limit: a sliding window of Options.RateLimit requests
//     (100) in any Options.RateWindow (10 minutes), per key. Over it:
//     "too many API requests in the last ten minutes", answered with HTTP
//     200 like every other documented failure (the spec shows only the
//     message); a refused request is not counted, so the key recovers as
//     its oldest requests leave the window. Every request past this point
//     counts, whether it succeeds or not.
//   - the price plan (Options.Unauthorized): "this location's price plan is
//     not authorized for API access".
//   - the version. Without "type" and "orderNumber" the request is version
//     1: a SALE without order number, recorded, that can never be returned.
//     With either of them (any value, null too) it is version 2: a "type"
//     that is given (not null, not "") but is not exactly "SALE" or
//     "RETURN" is "transaction type must be either 'SALE' or 'RETURN'"; an
//     orderNumber that is not a non-blank string is "a unique order/invoice
//     number (orderNumber) from the remote service must be provided"; a
//     missing, null or "" type is "the type of transaction (SALE or RETURN)
//     must be provided for an orderNumber".
//   - amounts (sandbox messages, the spec has none): nonTaxableSaleTotal,
//     taxableSaleTotal and tax (absent or null read as 0) and each item's
//     price (required) must be JSON integers from 0 to 2^53-1 (4242, never
//     42.42 nor "4242"): else MsgBadAmount. Each item's quantity must be an
//     integer from 1: else MsgBadQuantity.
//   - an item without a SKU (absent, null, blank): "transaction item is
//     missing a SKU". A JSON number is read as a SKU's text.
//   - the same SKU on two items: MsgUnconsolidated (sandbox; the spec says
//     they must be consolidated into one line).
//   - a SKU not in the location's inventory: "could not find item with SKU".
//   - totals, exactly: nonTaxableSaleTotal and taxableSaleTotal both 0 is
//     "taxableSaleTotal and nonTaxableSaleTotal is $0.00"; Σ price ×
//     quantity ≠ nonTaxableSaleTotal + taxableSaleTotal is "total of items
//     price does not match transaction sub total"; taxableSaleTotal > 0 with
//     tax 0 is "taxableSaleTotal is greater than zero, but no tax was
//     collected"; taxableSaleTotal 0 with tax > 0 is "taxableSaleTotal is
//     zero, but tax was collected".
//   - a version-2 SALE whose orderNumber the location already sold under:
//     "an online SALE transaction already exists for the provided
//     orderNumber". This comes before the stock check, so that a sale
//     resent after a lost answer is told it is a duplicate.
//   - a SALE of more than the inventory holds: "could not find item with
//     SKU" (the spec has no other message; the item is not there to sell).
//     A SALE takes its items out of the inventory.
//   - a RETURN whose orderNumber has no version-2 sale at the location:
//     "could not find original online SALE transaction for the provided
//     orderNumber to be returned". A RETURN of more of a SKU than the sale
//     sold, counting every earlier return of that order (a SKU the sale did
//     not have: 0 sold): MsgReturnExceedsSale, "return quantity exceeds the
//     quantity sold for SKU (sandbox)". A RETURN puts its items back.
//
// A failed request changes nothing. Answers carry Content-Type
// application/json;charset=UTF-8. Order numbers and SKUs are compared
// exactly (case and spaces count).
//
// # Locations
//
// Options.Keys maps each API key to a location name (default
// {"sandbox-key": "Main Street"}). A location has its own ledger and
// inventory (a copy of Options.SKUs); keys naming the same location share
// them; every key has its own rate limit. Keys in Options.Unauthorized are
// known keys whose plan is not authorized.
//
// # Seeded inventory (DefaultSKUs, in every location)
//
//	GFFY72  5   the spec's example (sold at 5400)
//	AD4J56  10  the spec's example (sold at 1299)
//	BK2210  1   a one-of-a-kind consignment item
//	CT7781  3
//	DR0042  0   sold out: known, but a sale of it fails
//	JK3305  20
//
// No transactions are seeded.
//
// # Control API
//
// Go, safe for concurrent use: FailNext(n, status), DropNextResponses(n),
// SetLatency(d) — each also aimed at a method and path (FailNextMatching,
// DropNextResponsesMatching, SetLatencyMatching with a sandboxkit.Target)
// —, Requests() (raw bodies, headers, the status and error answered,
// whether failed or dropped), RequestCount(), ResetRequests() (the faults
// and the log are the shared harness's, adapters/sandboxkit, embedded as
// Sandbox.Harness), ResetRateLimit(), Transactions(key, orderNumber) (the
// location's ledger for that order: the sale, then its returns; ""
// lists version-1 sales), Stock(key, sku), SetStock(key, sku, quantity).
//
// With Options.ControlRoutes the same is reachable over HTTP, unrecorded,
// without key or rate limit: the shared routes of adapters/sandboxkit
//
//	GET    /_sandbox                      the list of routes
//	GET    /_sandbox/requests             the request log, one JSON line a request
//	                                      (?method=&path=&status=&after=&last=, &full=1 for header and body)
//	GET    /_sandbox/requests/{seq}       one request in full
//	DELETE /_sandbox/requests             forget them
//	POST   /_sandbox/fail                 {"count":2,"status":503} (optionally "method", "path")
//	POST   /_sandbox/latency              {"ms":200} (optionally "method", "path")
//	POST   /_sandbox/drop                 {"count":1} (optionally "method", "path")
//	GET    /_sandbox/faults               the pending faults; DELETE cancels them
//
// and this sandbox's own:
//
//	POST   /_sandbox/rate-limit/reset
//	GET    /_sandbox/stock?key=…&sku=…    {"key":…,"sku":…,"quantity":5}
//	POST   /_sandbox/stock                {"key":"sandbox-key","sku":"GFFY72","quantity":5}
//	GET    /_sandbox/transactions?key=…&orderNumber=…
//
// Success without data is {"ok":true}; an unknown key answers 404, a bad
// body 400, both {"message":…}.
//
// # Test hazards
//
// DropNextResponses hijacks and closes the connection, so it needs a real
// server (httptest.NewServer). Go's http.Transport does not retry a POST
// whose request was written, so one drop is one error for a Go client.
// The rate limit and records follow Options.Now; latency is real time.
package sandbox
