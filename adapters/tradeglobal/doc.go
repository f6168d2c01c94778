// Package tradeglobal is the gateway's client for the TradeGlobal Commerce
// (TGC) Order API, and its mapping to commerce types.
//
// # The API
//
// TGC has one endpoint: POST /TGCInternalServices/MerchantServices/api/TGCOrder
// (appended to the base URL, https://services.tradeglobal.com by default)
// with a JSON order. It places an international order and answers a
// landed-cost quote: customs, import (duty, VAT, PST), service and shipping
// fees and discounts, and a total.
//
//   - Authentication: the merchant code travels in the body (MerchantCode,
//     set with WithMerchantCode from TRADEGLOBAL_MERCHANT_CODE). Some TGC
//     deployments also want an Authorization header; WithAuthorization
//     (TRADEGLOBAL_AUTHORIZATION) holds a whole header value ("Basic …") and
//     the client sends it verbatim, never altered, logged or echoed in an
//     error.
//   - Pagination: none. There is nothing to list: one request, one answer.
//   - Amounts, dimensions and weights are JSON numbers (26.99, 3, 0.75,
//     -12.4), written and read exactly: the Decimal type writes a decimal's
//     own digits as a bare number, trailing zeros included (12.40 leaves as
//     12.40, 12.4 as 12.4), and reads the number's text with
//     money.ParseDecimal, keeping the decimals it was written with
//     (responses are decoded with UseNumber). Nothing passes through
//     float64. UnitPrice is decimal(18,2), dimensions and weight
//     decimal(18,4).
//   - The answer's Status decides, whatever the HTTP status: TGC answers
//     HTTP 200 with "Status":"FAILED" and an ErrorMessage for an order it
//     refuses (*RefusedError); a 4xx or 5xx whose JSON body carries Status
//     FAILED is a refusal too. Other HTTP errors are *ErrorResponse (401/403:
//     credentials; 404: wrong base URL; 5xx: server), a missing answer a
//     *NetworkError, an unreadable one a *DecodeError; a request a circuit
//     breaker in front refused (a *circuit.OpenError in the chain) was not
//     sent, and answers UPSTREAM_UNAVAILABLE with its RetryAfter. Error
//     bodies are read through io.LimitReader. A request id header is kept when the server
//     sends one (TGC documents none).
//   - The response has the shape of the spec's example response (its output
//     table describes another shape; the example is what the service sends).
//     Decoding is tolerant where it can afford to be: a number in a string,
//     a discount under Amount instead of DiscountAmount, a cart echo that
//     does not decode (the Status, ErrorMessage and Quote still count).
//   - StateProvince and Postal are required but a destination may have
//     neither: the spec says to pass a whitespace (Postal: or "NA"). The
//     Service sends a single space " " for an empty one; ValidateRequest
//     refuses an empty one in a hand-built request.
//   - The customs fields of a product (Description, HarmonizedTariffCode,
//     CountryOfOrigin, Length, Width, Height, SizeUOM, Weight, WeightUOM,
//     CommercialInvoiceDescription) are required only for a SKU TGC has not
//     seen; TGC keeps them once given. The client cannot know which SKUs TGC
//     has, so it checks them when given and never requires them: TGC's
//     FAILED answer for a new SKU without them becomes a rejection.
//
// # Learning the outcome of an attempt whose answer was lost
//
// PlaceOrder never resends by itself: after a timeout or a reset connection
// the order may or may not have landed, and a resend is the caller's
// decision. TGC cannot be asked about an order, but MerchantOrderID must be
// unique, and that is how the gateway finds out: when commerce asks
// (Service.Learn, the last step of the write contract in
// commerce/writes.go), it resends the same order with the same
// MerchantOrderID. Either TGC accepts it — the first attempt
// never landed, and this answer carries the quote — or TGC refuses it as
// already existing (RefusedError.AlreadyExists; the Service returns an error
// matching commerce.ErrAlreadyPlaced), which proves the first attempt
// landed; its quote is then unknown (Learn answers OutcomeRecorded without
// a quote, and commerce records the order as PLACED_QUOTE_UNKNOWN); any
// other FAILED answer refuses the first attempt too (OutcomeNotRecorded). So that the caller knows to do this, every failure
// after which the order may have landed — no answer, an unreadable answer,
// a 5xx — matches commerce.ErrOutcomeUnknown (errors.Is), and the
// underlying *NetworkError, *DecodeError or *ErrorResponse stays reachable
// with errors.As. The duplicate refusal is recognised by meaning, since the
// spec does not document its wording (see IsAlreadyExistsMessage).
//
// # The commerce mapping
//
// Service implements commerce.International: Validate (ValidateRequest's
// rules, with paths in the input's terms such as ["products","0","unitPrice"]
// and codes REQUIRED, TOO_LONG, INVALID, SUB_UNIT_AMOUNT), PlaceOrder, Learn
// and Currency. PlaceOrder's errors: a FAILED answer is a *commerce.Rejection
// (REJECTED with TGC's ErrorMessage), except the duplicate MerchantOrderID
// (commerce.ErrAlreadyPlaced) and a refused merchant code (UPSTREAM_ERROR:
// configuration); 401/403 is UPSTREAM_ERROR; 5xx UPSTREAM_UNAVAILABLE; no
// answer UPSTREAM_UNAVAILABLE matching commerce.ErrOutcomeUnknown. A quote's amounts become money.Money in the configured currency
// (TRADEGLOBAL_CURRENCY), carried as TGC wrote them: 53.39 stays 53.39,
// -12.4 is -12.40 USD. TGC's figures need not add up — the spec's example has
// TotalCost 53.39, the cart plus every fee, while its group totals net the
// shipping discount — and the gateway never recomputes or "corrects" them.
//
// The package must never hold a float64 on a money path, recompute or
// round a quote, resend an order unless commerce asks it to learn a lost
// answer (Learn), or put the Authorization value
// (or any other secret) in a log, an error or a response.
package tradeglobal
