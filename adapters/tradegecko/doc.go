// Package tradegecko is the gateway's client for the TradeGecko (QuickBooks
// Commerce) REST API, and its mapping to commerce types.
//
// # The client
//
// The Client mirrors the API the way go-github mirrors GitHub's: one service
// per area (c.Products, c.Variants, …), methods shaped
// List(ctx, *Options) ([]T, *Response, error), one Do that authenticates,
// retries and checks every response. It relies only on documented behaviour,
// so TRADEGECKO_BASE_URL may point at any server implementing the API.
//
//   - Authentication: an OAuth2 bearer token on every request, either a
//     privileged (non-expiring) token or one from a token source.
//   - Pagination: limit (≤ 250) and page; collections carry an X-Pagination
//     header with JSON ({"total_records":…,"last_page":…}); bodies carry no
//     meta key. limit=0 answers the count only. List methods have All
//     iterators that page for you.
//   - Filters: ids (sent in the comma form, ids=1,2, chunked by ChunkIDs
//     to ≤ 250 ids and a short URL, because a long one answers 414),
//     product_id, sku, status (several as status[]=), created/updated_at
//     min/max, order.
//   - Sideloads: include=variants,images brings related records in the same
//     response under plural keys. Some servers ignore include= on index
//     endpoints; the Catalog notices the missing key and fetches the records
//     by batched ids= instead.
//   - Rate limit: 300 requests per 300 seconds per account, reported in
//     X-Rate-Limit-Limit/-Remaining/-Reset (Unix seconds) on every response
//     and exposed as Response.Rate. While the last reported quota is spent
//     the client waits for its reset when the caller's deadline leaves time
//     for that, and otherwise refuses locally (RateLimitError{Local: true})
//     rather than spend a request on a certain 429. A 429 did nothing, so
//     the request, whatever its method, is sent once more after the reset
//     when the deadline allows. Behind a budget shared by several processes
//     (WithSharedBudget: ratelimit.Transport follows the headers and
//     pauses every replica after a 429) the client keeps no quota gate of
//     its own and resends a 429 at once: the budget in front does the
//     waiting, by Redis's clock.
//   - Errors: 422 bodies are {"errors":{"field":["message"]}}, other 4xx and
//     5xx {"type":"Bad Request","message":"…"}, unknown routes an HTML 404.
//     All become *ErrorResponse (errors.Is matches ErrNotFound and friends),
//     429 becomes *RateLimitError with the reset time (it, and every local
//     refusal, wraps a *ratelimit.Refusal whose RetryAfter is the wait,
//     at least a second), a missing answer
//     *NetworkError. X-Request-ID is kept on every error. A request a
//     circuit breaker in front refused (a *circuit.OpenError in the chain:
//     nothing sent) is never retried and answers UPSTREAM_UNAVAILABLE with
//     its RetryAfter.
//   - Decoding is tolerant (see decode.go): decimals as strings or numbers,
//     tags as arrays or comma-separated strings, dates or timestamps, nulls
//     anywhere, an id or a name where the spec allows both (an image's
//     uploader_id: a user, or an integration such as "Shopify"), unknown
//     fields ignored — and exact: no float64. A response that still cannot
//     be read is a *DecodeError naming the field and its type, never the
//     value; clients are told only that TradeGecko sent a response the
//     gateway cannot read, and the Catalog logs the field, the type and the
//     request path.
//   - Retries: idempotent requests (GET, PUT, DELETE, or any request with an
//     Idempotency-Key) are retried after network errors and 500/502/503/504,
//     a bounded number of times with capped, jittered exponential backoff
//     (cenkalti/backoff), never after the caller's context is done. Each
//     attempt has its own timeout (WithTimeout). A 429 is resent once, as
//     above.
//
// # The catalog
//
// Catalog implements commerce.Catalog. Prices are in the account's base
// currency (the account's default_currency_id among its currencies), so
// "24.0" becomes 24.00 SGD. Inventory follows the Sales Channel guide:
// manage_stock false means untracked and always sellable, keep_selling sells
// at zero or below, max_online caps the quantity a storefront shows.
//
// The package must never hold a float64 on a money path, log or return an
// access token, or send a request that bypasses Client.Do.
package tradegecko
