package simpleconsign

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/ratelimit"
)

// Code classifies a failure. The codes of the refusals a caller can fix by
// changing the transaction are the ones the gateway reports as user errors.
type Code string

// Codes of the documented failure messages, the caller can fix.
const (
	CodeUnknownSKU         Code = "UNKNOWN_SKU"          // could not find item with SKU
	CodeZeroTotal          Code = "ZERO_TOTAL"           // taxableSaleTotal and nonTaxableSaleTotal is $0.00
	CodeMissingSKU         Code = "MISSING_SKU"          // transaction item is missing a SKU
	CodeTotalMismatch      Code = "TOTAL_MISMATCH"       // total of items price does not match transaction sub total
	CodeTaxableWithoutTax  Code = "TAXABLE_WITHOUT_TAX"  // taxableSaleTotal is greater than zero, but no tax was collected
	CodeTaxWithoutTaxable  Code = "TAX_WITHOUT_TAXABLE"  // taxableSaleTotal is zero, but tax was collected
	CodeInvalidType        Code = "INVALID_TYPE"         // transaction type must be either 'SALE' or 'RETURN'
	CodeMissingOrderNumber Code = "MISSING_ORDER_NUMBER" // a unique order/invoice number (orderNumber) … must be provided
	CodeMissingType        Code = "MISSING_TYPE"         // the type of transaction (SALE or RETURN) must be provided for an orderNumber
	CodeDuplicateSale      Code = "DUPLICATE_SALE"       // an online SALE transaction already exists for the provided orderNumber
	CodeSaleNotFound       Code = "SALE_NOT_FOUND"       // could not find original online SALE transaction … to be returned
	// CodeReturnExceedsSale is the sandbox's own message (the service
	// documents none): "return quantity exceeds the quantity sold for SKU".
	CodeReturnExceedsSale Code = "RETURN_EXCEEDS_SALE"
	// CodeRejected is a failure message this package does not recognise.
	CodeRejected Code = "REJECTED"
)

// Codes of failures the caller cannot fix.
const (
	CodeInvalidAPIKey     Code = "INVALID_API_KEY"     // invalid API key
	CodePlanNotAuthorized Code = "PLAN_NOT_AUTHORIZED" // this location's price plan is not authorized for API access
	CodeRateLimited       Code = "RATE_LIMITED"        // too many API requests in the last ten minutes
	CodeAtCapacity        Code = "AT_CAPACITY"         // HTTP 503
	CodeServerError       Code = "SERVER_ERROR"        // another 5xx
	CodeHTTPError         Code = "HTTP_ERROR"          // another non-2xx answer without a recognised message
)

// CallerFixable reports whether the code is a refusal of the transaction's
// content, which the caller can fix (a user error), as opposed to a failure
// of credentials, budget or service.
func (c Code) CallerFixable() bool {
	switch c {
	case CodeUnknownSKU, CodeZeroTotal, CodeMissingSKU, CodeTotalMismatch, CodeTaxableWithoutTax,
		CodeTaxWithoutTaxable, CodeInvalidType, CodeMissingOrderNumber, CodeMissingType,
		CodeDuplicateSale, CodeSaleNotFound, CodeReturnExceedsSale, CodeRejected:
		return true
	}
	return false
}

// messages maps each documented failure message to its code. Matching is
// on normalized text (see normalize): case, punctuation, quotes and spacing
// do not matter, and surrounding text is allowed (a SKU appended, a prefix);
// the words must appear in order and whole. More specific phrases come
// first, and no phrase is contained in another one's match.
var messages = []struct {
	phrase string // as documented
	code   Code
}{
	{"invalid API key", CodeInvalidAPIKey},
	{"too many API requests", CodeRateLimited},
	{"price plan is not authorized for API access", CodePlanNotAuthorized},
	{"could not find original online SALE transaction for the provided orderNumber", CodeSaleNotFound},
	{"could not find item with SKU", CodeUnknownSKU},
	// "$0.00" normalizes to "0 00"; "is $0" alone matches too.
	{"taxableSaleTotal and nonTaxableSaleTotal is 0", CodeZeroTotal},
	{"transaction item is missing a SKU", CodeMissingSKU},
	{"total of items price does not match transaction sub total", CodeTotalMismatch},
	{"taxableSaleTotal is greater than zero, but no tax was collected", CodeTaxableWithoutTax},
	{"taxableSaleTotal is zero, but tax was collected", CodeTaxWithoutTaxable},
	{"transaction type must be either 'SALE' or 'RETURN'", CodeInvalidType},
	{"order/invoice number (orderNumber) from the remote service must be provided", CodeMissingOrderNumber},
	{"the type of transaction (SALE or RETURN) must be provided for an orderNumber", CodeMissingType},
	{"an online SALE transaction already exists for the provided orderNumber", CodeDuplicateSale},
	{"return quantity exceeds the quantity sold", CodeReturnExceedsSale},
}

var normalizedMessages = func() []string {
	out := make([]string, len(messages))
	for i, m := range messages {
		out[i] = " " + normalize(m.phrase) + " "
	}
	return out
}()

// Classify returns the code of a failure message the service sent:
// CodeRejected when the message is none of the documented ones.
func Classify(message string) Code {
	n := " " + normalize(message) + " "
	for i, m := range normalizedMessages {
		if strings.Contains(n, m) {
			return messages[i].code
		}
	}
	return CodeRejected
}

// normalize lowercases s and turns every run of characters that are not
// letters or digits into one space: "taxableSaleTotal is zero, but…" and
// "TAXABLESALETOTAL IS ZERO BUT …" read the same.
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// Sentinels matched by errors.Is.
var (
	// ErrNoAPIKey: the client has no API key; nothing was sent.
	ErrNoAPIKey = errors.New("simpleconsign: no API key configured")
	// ErrInvalidAPIKey matches an *ErrorResponse "invalid API key".
	ErrInvalidAPIKey = errors.New("simpleconsign: invalid API key")
	// ErrPlanNotAuthorized matches an *ErrorResponse "this location's price
	// plan is not authorized for API access".
	ErrPlanNotAuthorized = errors.New("simpleconsign: price plan not authorized for API access")
	// ErrAtCapacity matches an *ErrorResponse for HTTP 503.
	ErrAtCapacity = errors.New("simpleconsign: at capacity")
	// ErrRateLimited matches any *RateLimitError.
	ErrRateLimited = errors.New("simpleconsign: rate limited")
	// ErrRefused matches an *ErrorResponse whose code is CallerFixable.
	ErrRefused = errors.New("simpleconsign: transaction refused")
)

// ErrorResponse is an answer saying the transaction was not recorded:
// "success": false with a message (any HTTP status), a 503, or another
// non-2xx status. The one exception is OutcomeUnknown.
type ErrorResponse struct {
	StatusCode int
	Code       Code
	// Message is the service's message (without the API key, should it
	// ever echo it), or the HTTP status text when it sent none.
	Message string
	// OutcomeUnknown is set on a 5xx other than 503 whose body does not
	// say "success": false: a proxy or the service failed after the
	// request arrived, and the transaction may have been recorded.
	OutcomeUnknown bool
}

func (e *ErrorResponse) Error() string {
	return fmt.Sprintf("simpleconsign: POST /%s: HTTP %d: %s: %s", TransactionPath, e.StatusCode, e.Code, e.Message)
}

// Is matches the sentinels for the code, and commerce.ErrOutcomeUnknown
// when OutcomeUnknown.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrInvalidAPIKey:
		return e.Code == CodeInvalidAPIKey
	case ErrPlanNotAuthorized:
		return e.Code == CodePlanNotAuthorized
	case ErrAtCapacity:
		return e.Code == CodeAtCapacity
	case ErrRefused:
		return e.Code.CallerFixable()
	case commerce.ErrOutcomeUnknown:
		return e.OutcomeUnknown
	}
	return false
}

// RateLimitError is the answer "too many API requests in the last ten
// minutes" (or an undocumented 429), or a local refusal (Local) while the
// client knows the budget is spent, or the shared budget in front of it
// refused the request. The service gives no reset time: the embedded
// ratelimit.Refusal's RetryAfter is the client's estimate (see
// Client.Transact and the package documentation). errors.As finds the
// *ratelimit.Refusal too.
type RateLimitError struct {
	ratelimit.Refusal
	StatusCode int // 0 when Local
	Message    string
	Local      bool // refused without sending anything
	// Limit and Window are the budget the client was configured with
	// (WithRateLimit), on a local refusal; zero when unknown or off.
	Limit  int
	Window time.Duration
}

func (e *RateLimitError) Error() string {
	where := fmt.Sprintf("HTTP %d", e.StatusCode)
	if e.Local {
		where = "refused locally"
	}
	return fmt.Sprintf("simpleconsign: POST /%s: %s: %s; retry in %s", TransactionPath, where, e.Message, e.RetryAfter)
}

// Unwrap returns the refusal, the one type every rate-limit error of the
// gateway is found by.
func (e *RateLimitError) Unwrap() error { return &e.Refusal }

// refusal is the budget's refusal for d.
func refusal(d time.Duration) ratelimit.Refusal {
	return ratelimit.Refusal{Name: string(Backend), RetryAfter: d}
}

// Is matches ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// NetworkError is a request that got no (complete) answer. Sent reports
// whether the request had been written: if not (DNS, dial, connection
// refused, a context done before sending), nothing reached the service; if
// so (a timeout or a reset while waiting for the answer), the service may
// have recorded the transaction and errors.Is(err,
// commerce.ErrOutcomeUnknown) holds.
type NetworkError struct {
	Endpoint string
	Sent     bool
	Err      error
}

func (e *NetworkError) Error() string {
	what := "not sent"
	if e.Sent {
		what = "sent, no answer"
	}
	return fmt.Sprintf("simpleconsign: POST %s: %s: %v", e.Endpoint, what, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// Is matches commerce.ErrOutcomeUnknown when the request was sent.
func (e *NetworkError) Is(target error) bool {
	return target == commerce.ErrOutcomeUnknown && e.Sent
}

// DecodeError is a 2xx answer that does not say whether the transaction
// was recorded (not JSON, no "success"): the outcome is unknown.
type DecodeError struct {
	StatusCode int
	Err        error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("simpleconsign: POST /%s: HTTP %d: undecodable answer: %v", TransactionPath, e.StatusCode, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Is matches commerce.ErrOutcomeUnknown.
func (e *DecodeError) Is(target error) bool { return target == commerce.ErrOutcomeUnknown }
