// Package simpleconsign is the gateway's client for the SimpleConsign
// (Traxia) Online Transactions API, and its implementation of
// commerce.Consignment: recording online SALEs and RETURNs of consignment
// items.
//
// # The API
//
// One endpoint, POST https://user.traxia.com/app/api/transaction
// (SIMPLECONSIGN_BASE_URL replaces the root), taking one transaction per
// request. The client always speaks version 2: "type" (SALE or RETURN) and
// "orderNumber" are always sent, since a version-1 sale (without them) can
// never be returned.
//
//   - Authentication: the location's API key travels in the body ("key"),
//     one key per location. The key never appears in an error, a log or a
//     response; should the service echo it, it is redacted.
//   - Headers: Accept and Content-Type application/json, both required by
//     the service.
//   - Pagination: none. There is nothing to read: the API records, it does
//     not answer questions.
//   - Money: integer cents. nonTaxableSaleTotal, taxableSaleTotal, tax and
//     each item's price are whole numbers of the currency's minor unit
//     (42.42 USD is 4242). Prepare converts exactly or refuses
//     (SUB_UNIT_AMOUNT for 12.345 USD): nothing is ever rounded, and no
//     float64 is involved. Amounts above 2^53-1 cents are refused too, so
//     any JSON reader holds them exactly.
//   - Items: one line per SKU (the spec requires lines of one SKU to be
//     consolidated), each {sku, price, quantity}.
//   - Answers: {"success": true} means recorded. {"success": false,
//     "error": "…"} — with HTTP 200 — means not recorded, for the reason
//     the message gives (see Failure messages).
//   - Rate limit: 100 requests per 10 minutes per location key. The refusal
//     names no reset time, so the client keeps its own log of when it sent
//     requests and estimates: the wait until its log holds fewer than 100
//     requests in the last 10 minutes, or the whole window (10 minutes)
//     when its own requests do not explain the refusal (other clients share
//     the key). Until then it refuses locally, sending nothing
//     (*RateLimitError with Local), and so it does while its log alone
//     fills the budget. RATE_LIMITED carries the estimate as RetryAfter.
//     SIMPLECONSIGN_RATE_LIMIT and SIMPLECONSIGN_RATE_WINDOW configure the
//     budget (WithRateLimit). Behind a budget shared by every replica
//     (ratelimit.Transport), WithSharedBudget turns the client's own log
//     off, so that only the shared limiter counts; its refusal is a local
//     *RateLimitError too. Every *RateLimitError wraps a
//     *ratelimit.Refusal.
//   - HTTP 503 means the service is at capacity: nothing was recorded;
//     UPSTREAM_UNAVAILABLE. Another non-2xx answer is UPSTREAM_ERROR, except
//     a 5xx other than 503 that does not say "success": false: a proxy or
//     the service failed after the request arrived, and the outcome is
//     unknown.
//   - A request a circuit breaker in front refused (a *circuit.OpenError in
//     the chain) was not sent: UPSTREAM_UNAVAILABLE with its RetryAfter.
//
// # Failure messages
//
// Each documented message is recognised (Classify) whatever its case,
// punctuation and spacing, with surrounding text allowed (a SKU appended, a
// prefix), and given a code:
//
//	could not find item with SKU                                   UNKNOWN_SKU
//	taxableSaleTotal and nonTaxableSaleTotal is $0.00              ZERO_TOTAL
//	transaction item is missing a SKU                              MISSING_SKU
//	total of items price does not match transaction sub total      TOTAL_MISMATCH
//	taxableSaleTotal is greater than zero, but no tax was …        TAXABLE_WITHOUT_TAX
//	taxableSaleTotal is zero, but tax was collected                TAX_WITHOUT_TAXABLE
//	transaction type must be either 'SALE' or 'RETURN'             INVALID_TYPE
//	a unique order/invoice number (orderNumber) … must be provided MISSING_ORDER_NUMBER
//	the type of transaction (SALE or RETURN) must be provided …    MISSING_TYPE
//	an online SALE transaction already exists for … orderNumber    DUPLICATE_SALE
//	could not find original online SALE transaction …              SALE_NOT_FOUND
//	return quantity exceeds the quantity sold (the sandbox's own)  RETURN_EXCEEDS_SALE
//	any other message                                              REJECTED
//	invalid API key                                                INVALID_API_KEY
//	this location's price plan is not authorized for API access    PLAN_NOT_AUTHORIZED
//	too many API requests in the last ten minutes                  RATE_LIMITED
//
// The first thirteen are refusals the caller can fix (Code.CallerFixable):
// Record returns them as a *commerce.Rejection with that Code and the
// service's message, which the gateway reports as user errors. The refusals
// of the key or the plan are UPSTREAM_ERROR with the message (the caller
// cannot fix them; an operator can); the rate limit is RATE_LIMITED.
//
// # How the gateway learns outcomes
//
// SimpleConsign cannot be asked what it recorded: there is no read
// endpoint. So the client never retries a transaction itself, and it tells
// apart the two ways a request can fail without an answer:
//
//   - nothing was sent (DNS, dial, connection refused, a context done
//     before the request was written): nothing can have been recorded;
//     UPSTREAM_UNAVAILABLE, safe to try again.
//   - the request was written (net/http/httptrace's WroteRequest) and then
//     the answer was lost (a timeout, a reset, a broken or unreadable
//     answer): the transaction may or may not have been recorded. Record
//     returns OUTCOME_UNKNOWN, satisfying errors.Is(err,
//     commerce.ErrOutcomeUnknown).
//
// What the gateway does with an unknown outcome depends on the kind, and
// lives in Service.Learn (the last step of the write contract in
// commerce/writes.go; commerce keeps the ledger and pendingWrites):
//
//   - a SALE is protected by its orderNumber: the service refuses a second
//     SALE with the same orderNumber (CodeDuplicateSale). A sale resent
//     after a lost answer (Learn) is therefore either recorded now or
//     refused as a duplicate; a duplicate whose content (the consolidated items, taxable
//     flags and tax) matches the gateway's ledger proves the first attempt
//     landed, and is known recorded. When the resend gets no definitive
//     answer either (none came, or it could not be sent before the
//     caller's deadline or for the budget), the sale stays UNKNOWN, listed
//     by pendingWrites, and answers OUTCOME_UNKNOWN (with retryAfter when
//     the budget is what held it back); the client's retry with the same
//     content resends it and settles it.
//   - a RETURN has no such protection: any number of returns may be
//     recorded against one order, and a resent return would be recorded
//     twice, so Learn never resends one. An attempt whose answer was lost
//     is reported as outcome unknown, recorded as UNKNOWN in the gateway's ledger, listed by
//     pendingWrites and never retried, until a person checks SimpleConsign
//     and resolves it.
//
// What must never happen: a transaction sent twice because an answer was
// lost (a blind retry — the client has none, and nothing above it may add
// one for returns); an amount rounded or carried through a float64; a
// transaction reported as recorded, or as not recorded, when the gateway
// does not know; the API key in an error, a log line or a response.
//
// # Prepare and Record
//
// Service (NewService) implements commerce.Consignment. Prepare checks the
// input and builds the transaction: order number required (at most
// MaxOrderNumberLength characters), lines with one SKU consolidated (one
// SKU at two prices, or taxable on one line only, is SKU_PRICE_CONFLICT),
// amounts in the configured currency (CURRENCY_MISMATCH) and whole cents
// (SUB_UNIT_AMOUNT), subtotals computed from the items' taxable flags, and
// the service's own rules checked before anything is sent (ZERO_TOTAL,
// TAX_WITHOUT_TAXABLE, TAXABLE_WITHOUT_TAX). Record sends it once and maps
// the outcome as above; Learn, after a lost answer, finds out as above.
package simpleconsign
