// Package sandbox is an in-process fake of the TradeGlobal Commerce (TGC)
// Order API: an http.Handler that behaves like the service as its spec
// ("TGC Order API") documents it, plus what the service is known to do
// beyond it (what the adapter's doc.go records): a refused order is HTTP 200 with
// "Status":"FAILED". It keeps everything in memory, never calls the network,
// and is used by tests anywhere in the repository and by `make run`.
//
// It must never import the client package (adapters/tradeglobal) nor share
// its types: it writes JSON the way the spec's example response shows it,
// so the client's decoding is tested against the spec, not against its own
// structs.
//
// # Use
//
//	sb := sandbox.New(sandbox.Options{})   // merchant code "TGCSANDBOX", no Authorization header needed
//	srv := httptest.NewServer(sb)           // base URL: srv.URL; the order endpoint is sandbox.OrderPath
//
// Options: MerchantCodes (default {"TGCSANDBOX"}); Authorization (when set,
// every request must carry exactly that Authorization header value, else
// 401); Now (the clock for TimeStamp and records); ControlRoutes (serve
// /_sandbox/…).
//
// Tests steer it with the Go control API, safe for concurrent use:
// FailNext(n, status), DropNextResponses(n), SetLatency(d) — each also
// aimed at a method and path (FailNextMatching, DropNextResponsesMatching,
// SetLatencyMatching with a sandboxkit.Target) —, Requests(),
// RequestCount(), ResetRequests() (the faults and the log are the shared
// harness's, adapters/sandboxkit, embedded as Sandbox.Harness), Orders(),
// Order(merchantOrderID), OrderCount(), SKU(sku), SKUs(). With
// Options.ControlRoutes the same is reachable over HTTP, without auth and
// without being recorded: the shared routes of adapters/sandboxkit
//
//	GET    /_sandbox                 the list of control routes
//	GET    /_sandbox/requests        the request log, one JSON line a request
//	                                 (?method=&path=&status=&after=&last=, &full=1 for header and body)
//	GET    /_sandbox/requests/{seq}  one request in full
//	DELETE /_sandbox/requests        forget them
//	POST   /_sandbox/fail            {"count":2,"status":503} (optionally "method", "path")
//	POST   /_sandbox/latency         {"ms":200} (optionally "method", "path")
//	POST   /_sandbox/drop            {"count":1} (optionally "method", "path")
//	GET    /_sandbox/faults          the pending faults; DELETE cancels them
//
// and this sandbox's own:
//
//	GET    /_sandbox/orders          placed orders (with the request and answer bodies)
//	GET    /_sandbox/orders/{id}     one, by MerchantOrderID (404 {"message":…} if none)
//	GET    /_sandbox/skus            SKUs on file
//
// # The endpoint
//
// POST /TGCInternalServices/MerchantServices/api/TGCOrder (matched
// case-insensitively, a trailing slash allowed, as IIS does). A request
// goes through, in order:
//   - the latency set by SetLatency; a request whose client goes away
//     meanwhile is abandoned: nothing done, recorded with status 0.
//   - routing, with ASP.NET Web API's error bodies: another path is 404
//     {"Message":"No HTTP resource was found that matches the request URI
//     '…'."}; another method 405 {"Message":"The requested resource does
//     not support http method 'GET'."} with Allow: POST.
//   - Options.Authorization: a missing or different Authorization header is
//     401 {"Message":"Authorization has been denied for this request."}
//     with WWW-Authenticate: <scheme> realm="TGC". Compared in constant
//     time; never recorded (Requests drop the header).
//   - FailNext: the status without doing anything — 503 with http.sys's
//     HTML "Service Unavailable" page, 500 {"Message":"An error has
//     occurred."}, others {"Message":"<reason phrase>"}.
//   - the media type: anything but application/json or text/json is 415.
//   - the body: one that is not JSON (or empty) is 400 {"Message":"The
//     request is invalid: the body is not JSON."}. Everything else is
//     answered HTTP 200, SUCCESS or FAILED.
//   - DropNextResponses: the order is processed (placed, when valid) and
//     the connection closed without an answer.
//
// # Validation
//
// Keys bind case-insensitively and unknown keys are ignored, as the .NET
// service binds them. The first problem found, in the spec's field order,
// is answered as {"Status":"FAILED","ErrorMessage":"…","TimeStamp":…,
// "MerchantCode":…,"MerchantOrderID":…,"ServiceCode":…,
// "PassingFreightCost":…,"Quote":null,"Cart":null} with HTTP 200, and
// nothing changes. The messages:
//
//	Order is required.                                     (the body is JSON but not an object)
//	<Field> is required.                                   (absent, null, empty or blank)
//	ShipToAddress.StateProvince is required (pass a whitespace if the destination has none).   (also Postal: " " passes, "" does not)
//	<Field> exceeds the maximum length of <n> characters.  (counted in UTF-16 code units, as .NET does)
//	<Field> must be a string. / must be a number. / must be a boolean. / must be an object. / must be an array.
//	Invalid MerchantCode '<code>'.                         (not in Options.MerchantCodes)
//	Order with MerchantOrderID '<id>' already exists.      (unique per merchant code)
//	Invalid ServiceCode '<code>'.                          (see the service codes below)
//	PassingFreightCost must be false: TGC calculates the freight cost.
//	Cart is required. / ShipToAddress is required.
//	ShipToAddress.Country '<c>' is not a valid 2-character country code.   (two uppercase letters; also Products[i].CountryOfOrigin)
//	ShipToAddress.Email '<e>' is not a valid email address.
//	Cart.Products must contain at least one product.
//	Products[i].Quantity must be greater than zero. / must be a whole number. / is out of range.   (Int32)
//	Products[i].UnitPrice must be greater than zero. / must have at most 2 decimal places. / is out of range for decimal(18,2).
//	Products[i].Length must not be negative. / must have at most 4 decimal places.                  (also Width, Height, Weight)
//	Products[i].SizeUOM '<u>' is not valid: use IN, CM or MM.
//	Products[i].WeightUOM '<u>' is not valid: use KG, LBS, OZ or G.
//	SKU '<sku>' does not exist: Products[i].<Field> is required for a new SKU.
//
// Field names are the spec's: MerchantCode, ShipToAddress.FirstName,
// Products[0].UnitPrice. Amounts and measures must be JSON numbers (read
// exactly, never through float64); a number in a string is refused.
//
// The customs fields (Description, HarmonizedTariffCode, CountryOfOrigin,
// Length, Width, Height, SizeUOM, Weight, WeightUOM,
// CommercialInvoiceDescription) are required for a SKU not on file; once an
// order carrying them is placed, the SKU is on file and later orders may
// omit them (fields sent for a known SKU update its record; an earlier line
// of the same order counts). SKUs on file from the start: TGSAND_TestSKU123
// (the spec's), TGSAND_MUG-01, TGSAND_TEE-M, TGSAND_WATCH-1 (see SKUs).
// The SKU file is shared by all merchant codes.
//
// # The quote
//
// A placed order is answered with a deterministic quote in the shape of the
// spec's example response, all amounts in decimal arithmetic, each computed
// amount rounded to cents half away from zero, written as bare JSON numbers
// with no trailing zeros (0, 4.86, 9, -12.4, 53.39):
//
//	cart          = Σ Quantity × UnitPrice                                       (Cart.CartTotal)
//	Customs       Brokerage = the service's brokerage; Disbursement = 0
//	Import        for a duties-paid (DDP) service, with the destination's rates:
//	                Duty = cents(cart × duty%)
//	                VAT  = cents((cart + Duty) × vat%)
//	                PST  = cents((cart + Duty) × pst%)
//	              for a duties-unpaid (DDU) service all three are 0 (collected at delivery)
//	Service       TransactionFee = 5 per order
//	Shipping      actual      = Σ Quantity × Weight in pounds (KG ÷ 0.45359237, G ÷ 453.59237, OZ ÷ 16)
//	              dimensional = Σ Quantity × Length × Width × Height in cubic inches ÷ 139 (CM ÷ 2.54, MM ÷ 25.4 per side)
//	              chargeable  = max(actual, dimensional), rounded to 4 decimals, then up to a whole pound (at least 1)
//	              Freight       = base + per-pound × chargeable
//	              FuelSurcharge = cents(Freight × fuel%)
//	              Insurance     = cents(cart × insurance%)
//	              Discount "Fixed" = −min(the service's discount, Freight + FuelSurcharge + Insurance), when it has one
//	each group's Total = its fees + its discounts
//	TotalCost     = cart + every fee of every group, discounts NOT subtracted — the way the
//	                spec's example adds up (26.99 + 0 + 9 + 5 + 12.4 = 53.39, while its group
//	                totals net the discount); clients must carry it as given
//
// Service codes (base, per pound, fuel, insurance, brokerage, discount):
//
//	GMDDP   Global Mail, duties paid     6.40  3.00  0     0   0     12.40
//	GMDDU   Global Mail, duties unpaid   6.40  3.00  0     0   0     —
//	EXPDDP  Express, duties paid        14.00  5.50  8.5%  1%  7.50  —
//	EXPDDU  Express, duties unpaid      14.00  5.50  8.5%  1%  0     —
//
// Destination rates (duty, VAT, PST, in percent; one flat duty rate per
// country, whatever the tariff code): CA 18/5/8, US 0/0/0, GB 12/20/0,
// AU 5/10/0, NZ 10/15/0, DE 12/19/0, FR 12/20/0, JP 9/10/0, MX 20/16/0,
// any other country 10/15/0.
//
// The spec's example (1 × 26.99 to CA by GMDDP, 3×6×9 in, 0.75 lb) thus
// gives Duty 4.86, VAT 1.59, PST 2.55 (Total 9), TransactionFee 5,
// chargeable 2 lb (162 in³ ÷ 139 = 1.17), Freight 12.4 with Discount -12.4
// (Total 0), TotalCost 53.39: the example response, number for number.
//
// QuoteID is a name-based (SHA-1) UUID of the merchant code and
// MerchantOrderID, so the same order always gets the same id — except the
// spec's example (TGCSANDBOX, TG0000015), which gets the example's
// 5e6732c2-cc55-4035-95df-a307b48be7aa. TimeStamp is Options.Now in .NET's
// round-trip form with its offset ("2019-02-26T14:30:45.7055122-05:00").
// The cart echo carries each product with its effective customs data (as
// sent or as on file), Name and MerchantStyle as sent (null when absent),
// CartID null, and the address as sent with MiddleName (and any other field
// not sent) null.
package sandbox
