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
//	defer sb.Close()              // stops the webhook worker, if a delivery started it
//	srv := httptest.NewServer(sb) // base URL: srv.URL, paths appended (/products, /variants/3)
//	// requests carry "Authorization: Bearer sandbox-token" (sandbox.DefaultAccessToken),
//	// or an access token from the OAuth2 flow (client "sandbox-client-id" / "sandbox-client-secret")
//
// Tests steer it with the Go control API (SetStock, FailNext, SetOutage, SetLatency,
// DropNextResponses, SetIgnoreIndexInclude, ResetRateLimit, SpendRateLimit, Requests,
// RequestCount, ResetRequests, ReceiveReturn, AddProduct, UpdateProduct,
// UpdateVariant, ExpireAccessTokens, WaitDeliveries, Close) and read it back with
// ProductCount, VariantCount, ImageCount, VariantIDBySKU, StockOnHand,
// Deliveries and TokenRequests. The faults and the request log are the
// shared harness's (adapters/sandboxkit, embedded as Sandbox.Harness): each
// fault can be aimed at a method and path (FailNextMatching,
// DropNextResponsesMatching, SetLatencyMatching with a sandboxkit.Target),
// so that a failure meant for POST /orders is not used up by the gateway's
// background polls of /products and /variants. With Options.ControlRoutes
// the same is reachable over HTTP, without auth, rate limiting or
// recording: the shared routes of adapters/sandboxkit
//
//	GET    /_sandbox                     the list of control routes
//	GET    /_sandbox/requests            the request log, one JSON line a request
//	                                     (?method=&path=&status=5xx&after=&last=, &full=1 for header and body)
//	GET    /_sandbox/requests/{seq}      one request in full
//	DELETE /_sandbox/requests            forget them
//	POST   /_sandbox/fail                {"count":2,"status":503}, aimed: {"count":1,"status":503,"method":"POST","path":"/orders"}
//	POST   /_sandbox/drop                {"count":1} (optionally "method", "path")
//	POST   /_sandbox/latency             {"ms":200} (optionally "method", "path")
//	GET    /_sandbox/faults              the pending faults; DELETE cancels them
//
// and this sandbox's own:
//
//	POST   /_sandbox/stock               {"variant_id":3,"location_id":1,"stock_on_hand":"12"} → {"variant":{…}}
//	POST   /_sandbox/outage              {"status":503}: every API request answers it until
//	DELETE /_sandbox/outage              ends it (SetOutage)
//	POST   /_sandbox/include             {"ignore_index":true}
//	POST   /_sandbox/rate-limit/reset
//	POST   /_sandbox/rate-limit/spend    {"count":20} → {"spent":20}: another app on the account made 20 requests
//	POST   /_sandbox/products            {"name":"Fizz","product_type":"Candy","variants":[{"sku":"FIZZ-1","name":"Lemon",
//	                                      "retail_price":"3.5","stock_on_hand":{"1":"10"}}]} → 201 {"variants":[…],"product":{…}}
//	PUT    /_sandbox/products/{id}       {"name":"Giant Egg","status":"disabled"} → {"product":{…}} (UpdateProduct)
//	PUT    /_sandbox/variants/{id}       {"name":"Jumbo","retail_price":"49.5"} → {"variant":{…}} (UpdateVariant)
//	POST   /_sandbox/returns/{id}/receive → {"fulfillment_return":{…}} (404 unknown, 409 not returning)
//	GET    /_sandbox/deliveries          every webhook delivery attempt (JSON list)
//	POST   /_sandbox/oauth/expire        expire every access token /oauth/token issued
//
// All answers are JSON (the request log JSON lines); a success without
// data is {"ok":true}; bad bodies answer 400 {"message":…} (so does an
// update naming a field it cannot set), an unknown variant, product or
// location 404, an unknown control route 404, another method 405; an
// update with a value the API would refuse answers the API's 422
// {"errors":{…}}.
//
// UpdateProduct and UpdateVariant (and their routes) are a merchant's
// edits in the web app: the same attributes, values and validation as
// PUT /products/{id} and PUT /variants/{id}, plus a variant's status
// ("active", "archived"), which the API ignores. Unlike the API they
// refuse unknown field names, so a misspelt edit fails the test that
// makes it. Like the API they fire no webhook and move updated_at only
// when something changed.
//
// # Endpoints
//
// Catalog: GET /accounts/current, /accounts/{id} (only id 1),
// /currencies[/{id}], /locations[/{id}], /products[/{id}],
// /variants[/{id}], /images[/{id}]; PUT /products/{id} → 204 and PUT
// /variants/{id} → 204 (see Catalog updates). Nothing else in the catalog
// is written through the API.
//
// Relationships, sales and webhooks, with the status each write answers:
//
//	GET  /companies[/{id}]            POST /companies → 201 {"company":{…}}        PUT /companies/{id} → 204
//	GET  /addresses[/{id}]            POST /addresses → 201 {"address":{…}}        PUT /addresses/{id} → 200 {"address":{…}} (the spec says 200 here)
//	GET  /orders[/{id}]               POST /orders → 201 {"order":{…}}             PUT /orders/{id} → 204     DELETE /orders/{id} → 204
//	POST /orders/{id}/actions/{invoice|pay|pack|fulfil|void} → 201 {"order":{…}} (an unknown action is the HTML 404)
//	GET  /order_line_items[/{id}]
//	GET  /invoices[/{id}], /payments[/{id}], /payment_methods[/{id}]
//	GET  /fulfillments[/{id}]                                                      DELETE /fulfillments/{id} → 204
//	GET  /fulfillment_line_items[/{id}]
//	GET  /fulfillment_returns[/{id}]  POST /fulfillment_returns → 201 {"fulfillment_return":{…}}
//	GET  /fulfillment_return_line_items[/{id}]
//	GET  /webhooks[/{id}]             POST /webhooks → 201 {"webhook":{…}}         PUT /webhooks/{id} → 204   DELETE /webhooks/{id} → 204
//	GET  /oauth/authorize → 302       POST /oauth/token → 200 (see OAuth)
//
// Anything else (POST /products, PUT /fulfillments/{id}, /purchase_orders,
// …) is the HTML 404. A 204 has no body and no Content-Type.
//
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
//   - SetOutage: during an outage every request answers its 5xx with the
//     documented error body: no auth check, no rate limit, no work.
//   - routing: an unknown path or an unsupported method answers Rails' HTML
//     404 page ("The page you were looking for doesn't exist."), with no
//     auth check and no rate-limit headers.
//   - auth: "Authorization: Bearer <token>" must name one of
//     Options.AccessTokens (privileged tokens: they never expire) or an
//     access token /oauth/token issued that has not expired, else 401
//     {"type":"Unauthorized","message":…} ("The access token is invalid",
//     "… is missing", "… expired") with a WWW-Authenticate header.
//   - the rate limit: a sliding-window log of at most RateLimit requests in
//     any RateWindow. Every authenticated response carries
//     X-Rate-Limit-Limit, X-Rate-Limit-Remaining and X-Rate-Limit-Reset
//     (unix seconds, rounded up, when the oldest request in the window
//     leaves it). Over the limit: 429 {"type":"Too Many Requests","message":
//     "Too many requests. You are allowed 300 requests per 300 seconds"}
//     with the same headers; a refused request consumes nothing.
//   - FailNext: the documented error body for the status (the spec's Errors
//     table wording; 422 as {"errors":{"base":[…]}}, 414 as nginx HTML),
//     without doing any work. An injected 429 carries the rate headers
//     (remaining 0, reset at the next whole second) and consumes no
//     budget; any other injected error does.
//   - Idempotency-Key (POST and PUT, any route): a key this access token
//     used in a successful (2xx) request less than 24 hours ago (by
//     Options.Now) answers 400 {"type":"Bad Request","message":"Duplicate
//     Idempotency Key header detected"} and does nothing, as the real
//     service does instead of replaying. A request that failed (4xx, or an
//     injected error) does not use its key up.
//   - the handler. A write that fails validation changes nothing. A
//     successful one hands its webhook events to the delivery queue.
//   - DropNextResponses: the work is done (the order exists), the answer
//     is lost.
//
// /oauth/authorize and /oauth/token are outside this pipeline: no bearer
// token, no rate limit, no latency or injected failures, not recorded.
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
//     product_id, variant_id, variant_ids, uploader_id (a user's id or an
//     integration's name; no status).
//     Locations and currencies: status default active. Companies:
//     company_type, company_code, default_price_list_id, assignee_id,
//     default_stock_location_id, status default active (company_status is
//     an alias). Addresses: company_id, status default active. Orders:
//     status (several: status[]=draft&status[]=active or status=draft,active;
//     default every status but deleted), company_id, order_number (one or
//     several), reference_number, payment_status, invoice_status,
//     packed_status, fulfillment_status, return_status, returning_status,
//     tags (any), billing_address_id, shipping_address_id,
//     stock_location_id, currency_id, assignee_id, contact_id; order= also
//     takes order_number and issued_at. Order line items: order_id,
//     variant_id, order_status. Invoices: order_id, company_id,
//     currency_id, payment_status, invoice_number, status default active.
//     Payments: order_id, invoice_id. Payment methods: name. Fulfillments:
//     order_id, company_id, stock_location_id, shipping_address_id,
//     billing_address_id, status default packed, fulfilled and void.
//     Fulfillment line items: fulfillment_id, order_line_item_id.
//     Returns: order_id, location_id, company_id, status default returning
//     and received. Return line items: fulfillment_return_id,
//     order_line_item_id. Webhooks: event. Line items of every kind are
//     ordered by position (then id) by default, as the spec says. Unknown
//     parameters are ignored.
//   - include= on products (variants, images; comma-separated; unknown
//     names ignored; sideload keys plural and written before the main key):
//     GET /products/1?include=variants → {"variants":[…],"product":{…}};
//     on the index, the non-archived variants (images) of the products on
//     the page. With IgnoreIndexInclude the index leaves the sideload keys
//     out; single resources still honour include=.
//
// Single resources are found whatever their status (archived, deleted and
// void ones too).
//
// Validation failures answer 422 {"errors":{"field":["message"]}} with
// Rails' messages ("can't be blank", "must exist", "is invalid", "is not a
// number", "is not included in the list", "has already been taken", "must
// be greater than 0"); fields of embedded records are prefixed
// ("company.name", "shipping_address.address1", "order_line_items.variant",
// "order_line_items.quantity", "fulfillment_return_line_items.quantity");
// errors about the record as a whole are under "base". A body that is not
// JSON or lacks its root object ({"order":{…}}) is 400 "param is missing or
// the value is empty: order". Ids and decimals are read as JSON numbers or
// strings ("2", 2, "32.5", 32.5), decimals exactly (never through float64).
//
// # Catalog updates
//
// PUT /products/{id} {"product":{…}} and PUT /variants/{id}
// {"variant":{…}} change the attributes sent and leave the others alone,
// as the spec says, and answer 204 without a body. They accept "the same
// arguments as the creation call", as far as the sandbox models them:
//   - products: name (blank: "can't be blank"), description, brand,
//     product_type, opt1, opt2, opt3, tags (an array or a comma-separated
//     string), supplier (and its deprecated twin vendor; supplier wins),
//     supplier_ids (ids of companies, else "is invalid"; the supplier's
//     name follows unless supplier is sent too), and status: active or
//     disabled ("is not included in the list" otherwise). The spec marks
//     status read-only, but the vendor's own client writes it; archiving
//     is DELETE, which the sandbox does not serve.
//   - variants: name (blank: "can't be blank"), sku (uniqueness is not
//     enforced: the spec says "should be unique"), description, upc,
//     supplier_code, hs_code, country_of_origin, opt1, opt2, opt3,
//     retail_price, wholesale_price, buy_price (decimal strings or numbers,
//     read exactly; "is not a number" for anything else, "must be greater
//     than or equal to 0" below 0; null or "" takes the variant off that
//     price list), variant_prices ([{"price_list_id","value"}], list
//     retail, wholesale or buy, else "variant_prices.price_list_id" "is
//     invalid"; applied before retail_price and the like, which win),
//     default_ledger_account_id, keep_selling, manage_stock,
//     online_ordering, sellable, taxable (booleans, also "true"/"1"/"0";
//     else "is invalid"), max_online (a number at least 0; null clears),
//     position (an integer), weight (a number; weight_value follows) and
//     weight_unit (kg, g, oz or lb).
//
// Other attributes are ignored, as Rails drops unpermitted parameters:
// read-only ones (status of a variant, which the spec and the vendor's
// client mark read-only; quantity, product_name, stock figures), those
// only a creation takes (a variant's product_id, composite, initial_*),
// image_ids (images are the image endpoint's business), embedded variants,
// and unknown names. A value the API refuses answers 422 {"errors":
// {"retail_price":["is not a number"]}} and changes nothing; an unknown id
// is the usual 404 JSON; a body without its root object is 400.
//
// An update that changes something moves the record's updated_at to now
// (always forward), so updated_at_min finds it; one that changes nothing
// leaves it alone, as Rails does. Only the record updated moves: renaming
// a product changes its variants' product_name, and a variant's new SKU
// its product's search_cache, without moving theirs (as SetStock moves the
// variant's, not the product's, though the product's quantity follows).
// No webhook fires: the spec lists no product.update or variant.update
// event, and nothing announces an edited name or price. manage_stock
// applies to stock movements from then on: commitments already made stay
// until their order next changes.
//
// # Orders
//
// POST /orders takes the three ways the guide documents:
//   - an existing company: company_id with shipping_address_id and
//     optionally billing_address_id (it defaults to the shipping address);
//     the addresses must belong to the company.
//   - an existing company with embedded new addresses: shipping_address
//     and/or billing_address objects ({"address1":…,"label":…}; address1
//     required) are created for the company (an object wins over an id).
//   - a new company: an embedded company object (name and company_type
//     required; company_code, email, phone_number, website, … optional),
//     created with the order, which then needs an embedded
//     shipping_address.
//
// Nothing is created unless everything is valid. Other attributes: status
// draft (default), active or finalized; issued_at a date ("2018-06-01", the
// spec's day-first "21-02-2018") or timestamp (its calendar date is kept),
// defaulting to the sandbox clock's UTC date, which is also what an
// unparseable value gives (the guide sends "Time.now" and shows success);
// ship_at; currency_iso (case-insensitive; unknown → {"currency":["must
// exist"]}) or currency_id, default the account's (SGD); stock_location_id,
// default the company's default_stock_location_id, else the account's
// primary location; default_price_list_id (retail, wholesale or buy), default
// the company's, else the account's default_order_price_list_id
// ("wholesale"); email, phone_number, notes, reference_number, source_url,
// assignee_id, contact_id, tax_treatment (default exclusive), tags (an array
// or a comma-separated string), order_number (default the next of SO0001,
// SO0002, …, skipping numbers taken; a taken one is 422 "has already been
// taken").
//
// order_line_items: [{variant_id, quantity, price?, discount?, label?,
// freeform?, line_type?, image_url?, tax_rate_override?, position?}].
// quantity must be positive (fractions allowed); price defaults to the
// variant's price on the order's price list (0 when the variant has none
// there); discount is a percentage between -100 and 100. Freeform lines
// (freeform: true) and lines of line_type shipping, discount, fee, rounding
// or gift_wrap need no variant: they are invoiced and paid but never
// packed, shipped, committed or returned. Lines are numbered by position
// from 1.
//
// Totals: total (and cached_total) is Σ quantity × price × (1 − discount/100)
// over every line, computed exactly and rounded half-up to the currency's
// precision once, at the end (3 × 0.335 = 1.005 → "1.01"). The sandbox
// charges no tax: every line has tax_type_id 1 (the account's tax-exempt
// type, rate 0). Price-list prices are used as they are, in any order
// currency.
//
// PUT /orders/{id} (204) changes the attributes sent and APPENDS the
// order_line_items sent (the guide's multi-part create), also to active
// and finalized orders (they commit stock at once). status may go draft →
// active → finalized, and back from active to draft while nothing was
// invoiced, paid or packed; anything else is 422 ("cannot be changed from
// finalized to active"). A void or deleted order cannot be changed (422
// base); a fulfilled one takes no new lines. DELETE /orders/{id} (204)
// makes the order deleted (left out of the index by default, still found
// by id), voids nothing but deletes its packed fulfillments and releases
// its commitments; an order with shipped goods cannot be deleted (422
// "Cannot delete a fulfilled order"); deleting twice is a no-op.
//
// # The order state machine
//
// status: draft → active → finalized → fulfilled, or void, or deleted. The
// other statuses are derived from the records: invoice_status
// uninvoiced/partial/invoiced (invoiced quantity of all lines),
// payment_status unpaid (no payment) / partial / paid (every line invoiced
// and every invoice paid), packed_status unpacked/partial/packed and
// fulfillment_status unshipped/partial/shipped (quantities in packed or
// fulfilled, resp. fulfilled, fulfillments of the product lines),
// return_status unreturned/partial/returned (quantity in returning or
// received returns against the quantity shipped) and returning_status
// unreturning/partial/returning (returns still returning). Actions answer
// 201 {"order":{…}} with the order after the action:
//   - invoice {"invoice":{"due_at","invoiced_at","notes"}}: an invoice
//     (INV0001, …) of every line's uninvoiced quantity; invoiced_at defaults
//     to today, due_at to invoiced_at.
//   - pay {"payment":{"payment_method_name","paid_at"}} (or
//     payment_method_id): pays every unpaid invoice, invoicing the
//     uninvoiced quantities first; one payment per invoice, of its whole
//     total. The method is found by name case-insensitively (an unknown
//     name becomes a new payment method), default Cash; paid_at defaults
//     to now.
//   - pack {"fulfillment":{"tracking_number","tracking_company",
//     "tracking_url","service","notes"}}: one packed fulfillment of every
//     product line's unpacked quantity, at the order's stock location.
//   - fulfil (same body): ships every packed fulfillment (the details given
//     are applied to them) and ships a new one for what was not packed;
//     the order becomes fulfilled.
//   - void: the order becomes void, its packed fulfillments void, its
//     commitments released.
//
// invoice, pay, pack and fulfil finalize an active order. Refused with 422
// {"errors":{"base":[…]}}, changing nothing:
//   - any action on a deleted order ("Cannot pay a deleted order") or a
//     void one ("Cannot invoice a void order"; void again: "Order has
//     already been voided").
//   - invoice, pay, pack and fulfil on a draft ("Cannot invoice a draft
//     order"): activate it first. Voiding a draft is allowed.
//   - an action whose effect is already in place, so nothing is created
//     twice: "Order has already been invoiced", "… paid", "… packed",
//     "… fulfilled".
//   - an order without lines to act on: "Order has no line items to
//     invoice" (and "… to pay"), "Order has no items to pack" (and "… to
//     fulfil") for orders without product lines.
//   - void of a fulfilled order, "Cannot void a fulfilled order" (of one
//     partly shipped: "Cannot void a partially fulfilled order").
//
// Invoicing and paying are allowed on fulfilled orders. Voiding keeps
// invoices and payments (the sandbox has no refunds).
//
// # Stock
//
// Active, finalized and fulfilled orders commit the unshipped quantity of
// every product line whose variant manages stock (manage_stock false
// variants never move) at the order's stock_location_id: the variant's
// locations[].committed, committed_stock, committed_stock_levels and
// available/available_stock follow, and so does the product's quantity.
// Packing moves nothing; shipping (fulfil) withdraws: stock_on_hand and
// committed both go down at the fulfillment's location. Void, delete and
// going back to draft release the commitments; deleting a shipped
// fulfillment puts its stock back on hand and commits it again (a fulfilled
// order goes back to finalized). Receiving a return puts its quantity back
// on hand at the return's location. Nothing is refused for lack of stock
// (available may go negative). Every change moves the variant's updated_at
// and fires variant.stock_level_update.
//
// # Fulfillments and returns
//
// Fulfillments are created by pack and fulfil only. DELETE
// /fulfillments/{id} (204) marks it deleted, but answers 422 {"errors":
// {"base":["You cannot delete a fulfillment if there are any associated
// fulfillment returns"]}} when a returning or received return of the order
// takes back one of its lines.
//
// POST /fulfillment_returns {"fulfillment_return":{"order_id",
// "location_id"?, "notes"?, "tracking_number"?, "tracking_url"?,
// "tracking_company"?, "delivery_type"?, "fulfillment_return_line_items":
// [{"order_line_item_id","quantity"}]}} answers 201 with the guide's shape:
// status returning, credit_note_number CN0001, CN0002, …, location_id
// default the order's stock location, received_at null. A line may take back
// at most its shipped quantity less what earlier returns took
// ({"fulfillment_return_line_items.quantity":["cannot be more than the
// quantity fulfilled"]}); only product lines of the order can be returned.
// A return becomes received only through ReceiveReturn (or POST
// /_sandbox/returns/{id}/receive), which restocks and sets received_at.
//
// # Webhooks
//
// POST /webhooks {"webhook":{"address","event"}}: address an absolute
// http(s) URL, event one of the spec's list (a fulfillment event may be
// given in its plural form); oauth_application_id is 1. The sandbox fires
// product.create and variant.create (AddProduct), variant.stock_level_update
// (SetStock, and every stock change orders, fulfillments and returns make),
// order.create, order.finalized, order.fulfilled, fulfillment.create,
// fulfillment.fulfilled, fulfillment_return.create,
// fulfillment_return.received, invoice.create, payment.create,
// company.create, company.update, address.create and address.update; the
// rest of the list is accepted and never fires. Edits of products and
// variants (PUT, UpdateProduct, UpdateVariant) fire nothing. Each event (once per record
// and request) goes to every webhook subscribed to it as
//
//	POST <address>
//	Content-Type: application/json
//	X-Gecko-Delivery: <uuid, the same on every attempt of one delivery>
//	X-Gecko-Signature: base64(HMAC-SHA256(app secret, the exact body bytes))
//
//	{"object_id":1,"event":"order.create","timestamp":1546272000,"resource_url":"<base>/orders/1.json"}
//
// where timestamp is the sandbox clock and base is Options.BaseURL, else
// the URL the request that caused the event reached (for Go calls: the most
// recent request's, else http://localhost). The app secret is
// Options.AppSecret, default the client secret. The fulfillment events are
// sent in the plural ("fulfillments.create", "fulfillments.fulfilled") as
// the real service and the spec's own example do; a subscription to
// "fulfillment.create" (or "fulfillments.create") receives them. All other
// events are singular.
//
// Deliveries are asynchronous, from one worker goroutine started by the
// first delivery (Close stops it; without webhooks none starts). A 2xx or
// 3xx answer is a success (redirects are not followed), 410 Gone deletes
// the webhook, anything else (or no answer within 10 s) is retried after
// WebhookRetryBase (1 s), doubling each time, capped at one hour, until the
// delivery is WebhookMaxAge (72 h, by the sandbox clock) old, when it is
// dropped. Deliveries of a deleted webhook are dropped. Deliveries returns
// every attempt; WaitDeliveries waits until nothing is pending.
//
// # OAuth2
//
// The application is Options.ClientID / ClientSecret (default
// "sandbox-client-id" / "sandbox-client-secret").
//   - GET /oauth/authorize?response_type=code&client_id=…&redirect_uri=…&state=…
//     approves at once: 302 to redirect_uri with code (single use, valid 10
//     minutes) and state. An unknown client_id, a missing or relative
//     redirect_uri: 400 {"error":…,"error_description":…}; another
//     response_type redirects with error=unsupported_response_type.
//   - POST /oauth/token takes JSON (as the spec shows) or a form (as
//     golang.org/x/oauth2 sends it), client credentials in the body or as
//     HTTP Basic auth (form-encoded, RFC 6749). grant_type
//     authorization_code needs code and the redirect_uri of the authorize
//     request; refresh_token needs refresh_token (redirect_uri is
//     optional). It answers {"access_token","expires_in":7200,
//     "refresh_token","scope":"public","token_type":"bearer","created_at"}.
//     Each refresh issues a new refresh token and kills the old one;
//     earlier access tokens keep working until they expire
//     (AccessTokenTTL, by Options.Now), after which the API answers 401 "The
//     access token expired". Errors: bad client credentials 401
//     invalid_client; a bad, used or expired code, a redirect_uri mismatch
//     or a dead refresh token 400 invalid_grant; 400 invalid_request and
//     unsupported_grant_type.
//
// Options.AccessTokens are privileged tokens: never expired, not touched
// by ExpireAccessTokens.
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
// [1,2]); images 3 and 4 belong to the Golden Egg. Image 4 came from the
// merchant's Shopify store: its uploader_id is "Shopify"; every other
// image's is user 1.
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
// Payment methods (the spec's): 1 "Cash" (is_default), 2 "Credit Card",
// 3 "Bank Transfer".
//
// Companies and addresses (address ids in brackets):
//   - 1 "Bill's Boots", business, company_code "BB-123", no price list
//     (orders use the account's "wholesale"): [1] "Head Office", 123 Cross
//     St, Springfield, US; [2] "Warehouse", 9 Dock Rd.
//   - 2 "Jane Doe", consumer, default_price_list_id "retail": [3] "Home",
//     Auckland, NZ.
//   - 3 "Wonka Candy", 4 "Pacific Wholesale", 5 "Southern Cross Supply":
//     suppliers (the catalog's supplier_ids): [4], [5] (the spec's address
//     5), [6] (the spec's address 6), [7].
//   - 6 "Gone Fishing Ltd", business, disabled (not listed by default): [8].
//
// No orders, invoices, fulfillments, returns or webhooks are seeded: the
// first order is SO0001, the first invoice INV0001, the first credit note
// CN0001, and every record's first id is 1 (companies 7, addresses 9).
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
//   - uploader_id, documented as an Integer, is the string "Shopify" on
//     image 4 (the attribute's description: "the creating user or
//     Integration (e.g. 'Shopify')").
//   - tags is a comma-separated string (documented as an Array), or null.
//   - image 2 has name "" and no image_processing key; image 1 has name null.
//   - variants 2 and 3 show image_ids [] while images 1 and 2 list them in
//     variant_ids (as in the spec); the guide says to use the image endpoint.
//   - image_url is null on the spec's products but set on generated ones.
//   - an order's total and cached_total are a bare number 0 when zero (as
//     the spec's example shows) and a decimal string ("45.0", "58.26")
//     otherwise; invoice cached_total and payment amount are always strings.
//   - tags are arrays on companies and orders, a string on products.
//   - an invoice's invoice_line_item_ids holds objects
//     ({"quantity":"1.0","order_line_item_id":1}), as in the spec, while an
//     order line's invoice_line_item_ids holds ids.
//   - PUT /addresses/{id} answers 200 with the address, every other update
//     204.
//   - webhook bodies name the fulfillment events in the plural.
//
// # Known differences from the spec's examples
//
// Product 1's image_ids is [1,2] (the spec shows [1] while its image
// example puts images 1 and 2 on product 1); the Golden Egg's image_ids is
// [3,4] (the spec shows [1,2], images of product 1). account.location_ids
// lists the three locations.
//
// Orders render the spec's example fields exactly (shippability_status and
// backordering_status, in the attribute table only, are absent and not
// filters). The spec documents no payment resource: GET /payments renders
// {id, created_at, updated_at, invoice_id, order_id, payment_method_id,
// payment_method_name, amount, currency_id, exchange_rate, paid_at,
// reference, status}. Invoice line items have ids but no endpoint.
// Return line items' stock_trail_ids is always []; fulfillments' received_at
// is null and receipt {}. Address labels are not checked for uniqueness.
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
// A test that registers webhooks must Close the sandbox (t.Cleanup) so
// the delivery worker does not outlive it; a receiver that never answers
// 2xx keeps WaitDeliveries waiting up to WebhookMaxAge (set tiny values, or
// advance Options.Now past it). Timestamps of records, token and key
// expiry and webhook ages follow Options.Now; the backoff between delivery
// attempts is real time.
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
// pagination (defaultOrder for line items); table[T] stores new resources;
// apiError, notFound, validationFailed and baseError render the error
// bodies (422 as {"errors":{"name":["can't be blank"]}}); decodeRoot,
// attrs and fieldErrors read write bodies; createdResponse and
// noContentResponse answer writes. A handler validates everything before
// changing anything, and announces changes with store.emit (delivered
// only if it succeeds). Handlers run with the sandbox lock held; the
// webhook worker never holds it while calling out.
package sandbox
