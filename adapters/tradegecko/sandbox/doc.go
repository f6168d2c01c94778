// Package sandbox is an in-process fake of the TradeGecko (QuickBooks
// Commerce) REST API: an http.Handler that behaves like the real API as its
// reference documents it, plus what the real service is known to do beyond
// the docs. It serves seeded, deterministic demo data and is used by tests
// anywhere in the repository, by `make run` (storefront development without
// credentials), and to test the tradegecko client against the spec.
//
// It must never import the client package (adapters/tradegecko) nor share
// its types: it writes JSON the way the vendor's examples show it, so the
// client's decoding is tested against the spec, not against its own
// structs. It must never call the network: everything lives in memory.
//
// # Use
//
//	sb := sandbox.New(sandbox.Options{})
//	srv := httptest.NewServer(sb) // base URL: srv.URL, paths appended (/products, /variants/3)
//	// requests carry "Authorization: Bearer sandbox-token" (sandbox.DefaultAccessToken)
//
// Tests steer it with the Go control API (SetStock, FailNext, SetLatency,
// DropNextResponses, SetIgnoreIndexInclude, ResetRateLimit, Requests,
// RequestCount, ResetRequests) and read it back with ProductCount,
// VariantCount, ImageCount, VariantIDBySKU and StockOnHand. With
// Options.ControlRoutes the same is reachable over HTTP, without auth, rate
// limiting or recording:
//
//	GET    /_sandbox                     the list of control routes
//	GET    /_sandbox/requests            recorded requests (JSON list)
//	DELETE /_sandbox/requests            forget them
//	POST   /_sandbox/stock               {"variant_id":3,"location_id":1,"stock_on_hand":"12"} → {"variant":{…}}
//	POST   /_sandbox/fail                {"count":2,"status":503}
//	POST   /_sandbox/latency             {"ms":200}
//	POST   /_sandbox/drop                {"count":1}
//	POST   /_sandbox/include             {"ignore_index":true}
//	POST   /_sandbox/rate-limit/reset
//
// All answers are JSON; bad bodies answer 400 {"type":"Bad Request",
// "message":…}, an unknown variant or location 404, an unknown control
// route 404.
//
// # Endpoints
//
// GET /accounts/current, /accounts/{id} (only id 1), /currencies[/{id}],
// /locations[/{id}], /products[/{id}], /variants[/{id}], /images[/{id}].
// A trailing slash and a .json suffix are accepted (/products/, /products/1.json);
// HEAD is answered like GET. Single resources are wrapped ({"product":{…}}),
// lists too ({"products":[…]}); bodies never carry a "meta" key.
//
// # Behaviour
//
// A request passes, in order:
//   - a request URI over 8192 bytes: 414 with nginx's HTML page (before auth).
//   - the latency set by SetLatency (a request whose context ends meanwhile
//     is abandoned: nothing done, nothing written, recorded with status 0).
//   - routing: an unknown path or an unsupported method answers Rails' HTML
//     404 page ("The page you were looking for doesn't exist."), with no
//     auth check and no rate-limit headers.
//   - auth: "Authorization: Bearer <token>" must name one of
//     Options.AccessTokens, else 401 {"type":"Unauthorized","message":…}.
//   - the rate limit: a sliding-window log of at most RateLimit requests in
//     any RateWindow. Every authenticated response carries
//     X-Rate-Limit-Limit, X-Rate-Limit-Remaining and X-Rate-Limit-Reset
//     (unix seconds, rounded up, when the oldest request in the window
//     leaves it). Over the limit: 429 {"type":"Too Many Requests","message":
//     "Too many requests. You are allowed 300 requests per 300 seconds"}
//     with the same headers; a refused request consumes nothing.
//   - FailNext: the documented error body for the status (the spec's Errors
//     table wording; 422 as {"errors":{"base":[…]}}, 414 as nginx HTML).
//   - the handler, then DropNextResponses.
//
// Every API response carries X-Request-Id (a fresh UUID) and, but for the
// two HTML pages, Content-Type "application/json; charset=utf-8". Errors are
// {"type":"<HTTP reason phrase>","message":"…"}; an unknown record id is
// 404 {"type":"Not Found","message":"Couldn't find Product with 'id'=999"};
// a malformed query, filter, order or page is 400.
//
// Index endpoints:
//   - limit (default 50, at most 250; above 250, negative or not an integer:
//     400; 0: no records, count only) and page (default 1; 0 means 1;
//     negative or not an integer: 400).
//   - X-Pagination on every collection, e.g. {"total_records":3103,
//     "total_pages":32,"first_page":true,"last_page":false,
//     "out_of_bounds":false,"offset":0}: total_pages = ceil(records/limit),
//     0 without records; page 1 is always in bounds (also of an empty
//     collection, where it is first and last page); a page beyond
//     max(total_pages,1) is out_of_bounds and not last_page; offset =
//     (page-1)*limit even out of bounds; limit=0 gives total_pages 0,
//     offset 0, last_page true, out_of_bounds false.
//   - order: newest first (created_at desc, then id desc). order= takes
//     "<column> [asc|desc]" ("+" counts as a space), several separated by
//     commas; columns id, created_at, updated_at, plus name (products,
//     variants), sku (variants), position (images); anything else is 400.
//   - filters: ids (ids[]=1&ids[]=2, ids=1,2, ids=1), created_at_min/max,
//     updated_at_min/max (ISO 8601 times or dates, inclusive; bad ones 400),
//     status (status=a, status=a,b, status[]=a&status[]=b). A filter sent
//     with no value (ids=) matches nothing. Products: brand, product_type
//     (exact, or brand[]=…), tags (any of them), status default active and
//     disabled. Variants: product_id, sku, status default active. Images:
//     product_id, variant_id, variant_ids, uploader_id (no status).
//     Locations and currencies: status default active. Unknown parameters
//     are ignored.
//   - include= on products (variants, images; comma-separated; unknown
//     names ignored; sideload keys plural and written before the main key):
//     GET /products/1?include=variants → {"variants":[…],"product":{…}};
//     on the index, the non-archived variants (images) of the products on
//     the page. With IgnoreIndexInclude the index leaves the sideload keys
//     out; single resources still honour include=.
//
// Single resources are found whatever their status (archived ones too).
//
// # Seeded data (identical on every start for a given Seed and Products)
//
// Account 1 "Bob's Burgers" (country NZ, time zone Pacific/Auckland,
// default_currency_id 1, default_order_price_list_id "wholesale",
// primary_location_id 1, location_ids [1,2,3]).
//
// Currencies: 1 SGD "Singaporean Dollars" rate "1.0" (the base, and the
// account's currency), 2 NZD rate "1.1", 3 USD rate "0.74"; all precision 2.
//
// Locations: 1 "Primary Location", 2 "Secondary Location", 3 "Auckland
// Warehouse"; all active, holds_stock true, country NZ.
//
// Price lists in variant_prices: "retail", "wholesale", "buy" (some
// generated variants lack "wholesale").
//
// Product 1 "Everlasting Gobstopper" (Candy, tags "candy,summer",
// quantity "17", variant_ids [2,3], image_ids [1,2]):
//   - variant 2 DEMO-GOBS-SNO "Snozzberry": retail "24.0", wholesale "12.0",
//     buy "4.5", stock_on_hand "10" at location 1, committed null, available "10".
//   - variant 3 DEMO-GOBS-PEA "Peach": retail "22.0", wholesale "12.0",
//     buy "4.5", stock_on_hand "10", committed "3", available "7".
//   - variant 1 DEMO-GOBS-LIM "Lime": archived (the variant the spec's image
//     examples name), so not in variant_ids.
//
// Both live variants are the spec's variant examples field for field (plus
// available_stock, which the spec omits on Snozzberry).
//
// Product 2 "Golden Egg" (Chocolate, tags "candy,chocolate", quantity
// "32.5", variant_ids [4,5,6,7], image_ids [3,4]); its variants make the
// storefront rules of the sales channel guide testable:
//   - 4 DEMO-EGG-L "Large": max_online "5", stock_on_hand "20" (12 at
//     location 1, 8 at location 2), available "20"; retail "45.0".
//   - 5 DEMO-EGG-XL "Extra-Large": keep_selling true, stock_on_hand "0",
//     committed "2", available "-2"; retail "65.0".
//   - 6 DEMO-EGG-M "Medium": manage_stock false, stock_on_hand "12";
//     retail "30.0", buy "3.9321" (four decimals).
//   - 7 DEMO-EGG-S "Small": stock_on_hand "2.5" (fractional), incoming "10";
//     retail "18.0".
//
// Images 1 and 2 are the spec's image examples (product 1, variant_ids
// [1,2]); images 3 and 4 belong to the Golden Egg.
//
// Products 3..Products are generated from a PCG seeded with Seed: 1–6
// variants each (SKUs like "CAN-0003-1": type code, product id, position),
// brands, product types, tags, images for about 70 % of products, stock
// over the three locations (some fractional, some committed, some
// incoming), about 5 % disabled and 4 % archived products (whose variants
// are archived too) and some archived variants, a few max_online,
// keep_selling and manage_stock=false variants, and buy prices with four
// decimals. Ids and created_at grow together, so newest first puts the
// highest id first; all timestamps derive from the spec's
// 2015-11-02T01:22:24.660Z and never from the clock. With the default
// options there are 520 products (499 not archived) and 1688 active
// variants; rely on ProductCount and VariantCount rather than on these
// numbers.
//
// SetStock changes stock_on_hand at one location; available, the variant's
// totals and the product's quantity follow. It moves the variant's
// updated_at forward (not the product's).
//
// # Deliberate inconsistencies
//
// The real API is not consistent and neither is the sandbox, so clients
// must decode tolerantly:
//   - decimals are strings, in two styles: prices Rails-like ("24.0",
//     "4.5", "3.9321"), stock figures bare ("10", "2.5", "-2").
//   - the deprecated stock_levels hash has strings ("10.0") on most variants
//     but bare numbers ({"1": 10}) on some, Snozzberry included;
//     committed_stock_levels leaves out locations with nothing committed.
//   - locations[].committed and .incoming may be null while the totals say
//     "0"; composite may be null or false.
//   - position (variants, images), precision (currencies) are numbers
//     though documented as Strings; holds_stock is a boolean.
//   - tags is a comma-separated string (documented as an Array), or null.
//   - image 2 has name "" and no image_processing key; image 1 has name null.
//   - variants 2 and 3 show image_ids [] while images 1 and 2 list them in
//     variant_ids (as in the spec); the guide says to use the image endpoint.
//   - image_url is null on the spec's products but set on generated ones.
//
// # Known differences from the spec's examples
//
// Product 1's image_ids is [1,2] (the spec shows [1] while its image
// example puts images 1 and 2 on product 1); the Golden Egg's image_ids is
// [3,4] (the spec shows [1,2], images of product 1). account.location_ids
// lists the three locations.
//
// # Test hazards
//
// DropNextResponses hijacks and closes the connection. Go's http.Transport
// silently retries idempotent requests (GET, HEAD, or any request with an
// Idempotency-Key header) whose reused connection closed before any
// response, so a single drop can be invisible to a Go client using
// keep-alive; the retried request is a second request to the sandbox.
// Dropping needs a real server (httptest.NewServer): with a
// ResponseRecorder the handler panics with http.ErrAbortHandler.
//
// Requests, RequestCount and FailNext/DropNextResponses see only API
// requests; FailNext and DropNextResponses apply to requests that passed
// routing, auth and the rate limit. Injected errors other than 429 consume
// rate budget; an injected 429 does not, and says remaining 0 with a reset
// at the next whole second.
//
// # Growing
//
// Each resource lives in its own file (model, JSON shape, filters,
// handlers) and registers its routes in router.go's resources list;
// listing[T] gives an index endpoint the common filters, ordering and
// pagination; apiError, notFound and validationFailed render the error
// bodies (422 as {"errors":{"name":["can't be blank"]}}). Handlers run with
// the sandbox lock held.
package sandbox
