package tradeglobal

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/commercegateway/gateway/ratelimit"
)

var errTrailingData = errors.New("data after the JSON value")

// Sentinels matched by errors.Is.
var (
	// ErrAlreadyExists matches a *RefusedError whose message says the
	// MerchantOrderID already exists: an earlier order with this id landed.
	ErrAlreadyExists = errors.New("tradeglobal: the MerchantOrderID already exists")
	// ErrUnauthorized and ErrForbidden match an *ErrorResponse (or a
	// *RefusedError) with status 401 or 403: TGC refused the credentials.
	ErrUnauthorized = errors.New("tradeglobal: unauthorized")
	ErrForbidden    = errors.New("tradeglobal: forbidden")
	// ErrNotFound matches a 404: no such route (check the base URL).
	ErrNotFound = errors.New("tradeglobal: not found")
	// ErrServer matches any 5xx *ErrorResponse.
	ErrServer = errors.New("tradeglobal: server error")
)

// RefusedError is an answer whose Status is FAILED: TGC refused the order
// and said why in ErrorMessage. The HTTP status does not matter (TGC answers
// FAILED with 200); StatusCode records it.
type RefusedError struct {
	Message         string // TGC's ErrorMessage
	MerchantOrderID string // the id the request carried
	StatusCode      int
	RequestID       string
	Response        *OrderResponse
}

func (e *RefusedError) Error() string {
	msg := "tradeglobal: order " + strconv.Quote(e.MerchantOrderID) + " refused"
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg
}

// AlreadyExists reports whether TGC refused the order because its
// MerchantOrderID already exists (see IsAlreadyExistsMessage).
func (e *RefusedError) AlreadyExists() bool {
	return IsAlreadyExistsMessage(e.Message, e.MerchantOrderID)
}

// Is matches ErrAlreadyExists, and ErrUnauthorized/ErrForbidden for a FAILED
// answer sent with 401/403.
func (e *RefusedError) Is(target error) bool {
	switch target {
	case ErrAlreadyExists:
		return e.AlreadyExists()
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	}
	return false
}

// IsAlreadyExistsMessage reports whether a FAILED ErrorMessage says that the
// MerchantOrderID is taken. The spec documents the rule ("Must be unique")
// but not the message, so the test is on meaning, case-insensitively: the
// message says "already exist(s)", "duplicate", "must be unique", "not
// unique" or "already (been) used", and names the order id — the words
// MerchantOrderID, merchant order, order id, order number, the phrase
// "order already exists", or the id itself. A duplicate SKU or any other
// duplicate does not match. The sandbox answers
// "Order with MerchantOrderID 'TG0000015' already exists.".
func IsAlreadyExistsMessage(message, merchantOrderID string) bool {
	m := strings.ToLower(message)
	dup := false
	for _, w := range []string{"already exist", "duplicate", "must be unique", "not unique", "already been used", "already used"} {
		if strings.Contains(m, w) {
			dup = true
			break
		}
	}
	if !dup {
		return false
	}
	for _, w := range []string{"merchantorderid", "merchant order", "order id", "orderid", "order number", "ordernumber", "order already exist"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	id := strings.ToLower(strings.TrimSpace(merchantOrderID))
	return id != "" && strings.Contains(m, id)
}

// ErrorResponse is an HTTP error whose body is not TGC's answer (no Status
// FAILED): a refusal of the credentials (401/403), a wrong route (404), a
// malformed request (400, 415), a server failure (5xx). Message is the
// body's "Message" (ASP.NET Web API's error shape) or the start of its text.
type ErrorResponse struct {
	Method     string
	Path       string
	StatusCode int
	Message    string
	RequestID  string
	// RetryAfter is the Retry-After header of a 429 or 503, when present.
	RetryAfter time.Duration
}

func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tradeglobal: %s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// As finds a 429 as the one refusal type every rate-limit error of the
// gateway is found by, *ratelimit.Refusal, with the same RetryAfter.
func (e *ErrorResponse) As(target any) bool {
	r, ok := target.(**ratelimit.Refusal)
	if !ok || e.StatusCode != http.StatusTooManyRequests {
		return false
	}
	*r = &ratelimit.Refusal{Name: string(Backend), RetryAfter: e.RetryAfter}
	return true
}

// Is matches the sentinel for the status code.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// NetworkError is a request that got no answer: connection refused or
// reset, a timeout, a body cut short. For an order this means the outcome is
// unknown: it may have landed.
type NetworkError struct {
	Method string
	Path   string
	Err    error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("tradeglobal: %s %s: no answer: %v", e.Method, e.Path, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// DecodeError is an answer that is not the documented JSON (or whose Status
// is neither SUCCESS nor FAILED). Whether the order landed is unknown.
type DecodeError struct {
	StatusCode int
	RequestID  string
	Err        error
}

func (e *DecodeError) Error() string {
	msg := fmt.Sprintf("tradeglobal: unreadable answer (HTTP %d)", e.StatusCode)
	if e.RequestID != "" {
		msg += " (request id " + e.RequestID + ")"
	}
	return msg + ": " + e.Err.Error()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// requestIDHeaders are the headers a request id may come in; TGC documents
// none, so the client keeps the first of these it finds.
var requestIDHeaders = []string{"X-Request-Id", "Request-Id", "X-Correlation-Id", "X-Ms-Request-Id", "X-Amzn-Requestid"}

func requestID(h http.Header) string {
	for _, k := range requestIDHeaders {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// newErrorResponse builds the error for a non-2xx answer that is not TGC's
// FAILED document.
func newErrorResponse(r *http.Response, body []byte) *ErrorResponse {
	e := &ErrorResponse{StatusCode: r.StatusCode, RequestID: requestID(r.Header)}
	if r.Request != nil {
		e.Method, e.Path = r.Request.Method, r.Request.URL.Path
	}
	var doc struct {
		Message      string
		ErrorMessage string
		Error        string
	}
	if json.Unmarshal(body, &doc) == nil {
		e.Message = firstNonEmpty(doc.ErrorMessage, doc.Message, doc.Error)
	} else if !strings.Contains(strings.ToLower(r.Header.Get("Content-Type")), "html") {
		e.Message = truncateText(strings.TrimSpace(string(body)), 200)
	}
	if ra := r.Header.Get("Retry-After"); ra != "" {
		if secs, err := strconv.Atoi(strings.TrimSpace(ra)); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		}
	}
	return e
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
