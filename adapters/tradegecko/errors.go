package tradegecko

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/commercegateway/gateway/ratelimit"
)

// Sentinels matched by errors.Is against an *ErrorResponse of that status
// (ErrServer matches any 5xx).
var (
	ErrBadRequest      = errors.New("tradegecko: bad request")
	ErrUnauthorized    = errors.New("tradegecko: unauthorized")
	ErrPaymentRequired = errors.New("tradegecko: payment required")
	ErrForbidden       = errors.New("tradegecko: forbidden")
	ErrNotFound        = errors.New("tradegecko: not found")
	// ErrUnknownRoute is a 404 whose body is not the API's JSON error: the
	// server has no such route (a wrong base URL, say), which says nothing
	// about whether a record exists.
	ErrUnknownRoute  = errors.New("tradegecko: unknown route")
	ErrURITooLong    = errors.New("tradegecko: request URI too long")
	ErrUnprocessable = errors.New("tradegecko: unprocessable entity")
	ErrServer        = errors.New("tradegecko: server error")
)

// ErrorResponse is a non-2xx answer. The API answers 422 with field errors
// ({"errors":{"name":["can't be blank"]}}), other 4xx/5xx with
// {"type":"Bad Request","message":"…"}, and unknown routes with an HTML page;
// all three decode here.
type ErrorResponse struct {
	Method     string
	Path       string
	StatusCode int
	RequestID  string
	Type       string              // "Bad Request"
	Message    string              // "…"
	Errors     map[string][]string // 422: field → messages
	// UnknownRoute is set on a 404 that is not a JSON error document (the
	// API's HTML "page doesn't exist"): see ErrUnknownRoute.
	UnknownRoute bool
}

func (e *ErrorResponse) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tradegecko: %s %s: %d", e.Method, e.Path, e.StatusCode)
	if e.Type != "" {
		fmt.Fprintf(&b, " %s", e.Type)
	}
	if msg := e.Detail(); msg != "" {
		fmt.Fprintf(&b, ": %s", msg)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// Detail is the API's own explanation: the message, or the field errors
// joined as "name can't be blank; sku has already been taken". Errors
// about the record as a whole (Rails' "base") are their message alone:
// "Order has already been paid", never "base Order has…".
func (e *ErrorResponse) Detail() string {
	if e.Message != "" {
		return e.Message
	}
	fields := make([]string, 0, len(e.Errors))
	for f := range e.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	var parts []string
	for _, f := range fields {
		for _, m := range e.Errors[f] {
			if f == "base" {
				parts = append(parts, m)
			} else {
				parts = append(parts, f+" "+m)
			}
		}
	}
	return strings.Join(parts, "; ")
}

// Is matches the sentinel for the status code.
func (e *ErrorResponse) Is(target error) bool {
	switch target {
	case ErrBadRequest:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrPaymentRequired:
		return e.StatusCode == http.StatusPaymentRequired
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound && !e.UnknownRoute
	case ErrUnknownRoute:
		return e.StatusCode == http.StatusNotFound && e.UnknownRoute
	case ErrURITooLong:
		return e.StatusCode == http.StatusRequestURITooLong
	case ErrUnprocessable:
		return e.StatusCode == http.StatusUnprocessableEntity
	case ErrServer:
		return e.StatusCode >= 500
	}
	return false
}

// RateLimitError is a 429, or a local refusal while the known quota (or the
// shared budget in front of the client) is spent. Rate.Reset says when
// requests are allowed again; the embedded ratelimit.Refusal says how long
// that is from when the error was made (RetryAfter, at least a second) and
// whether the caller's client spent its share of the shared budget
// (Share). errors.As finds the *ratelimit.Refusal too.
type RateLimitError struct {
	ratelimit.Refusal
	Method    string
	Path      string
	Rate      Rate
	RequestID string
	Message   string
	Local     bool // refused without calling the API
}

func (e *RateLimitError) Error() string {
	where := "429 Too Many Requests"
	if e.Local {
		where = "refused locally"
	}
	msg := fmt.Sprintf("tradegecko: %s %s: %s", e.Method, e.Path, where)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if !e.Rate.Reset.IsZero() {
		msg += "; resets at " + e.Rate.Reset.UTC().Format(time.RFC3339)
	}
	return msg
}

// Unwrap returns the refusal, the one type every rate-limit error of the
// gateway is found by.
func (e *RateLimitError) Unwrap() error { return &e.Refusal }

// refusal is the quota's refusal until reset, seen at now: at least a
// second (an unknown or past reset is a second away).
func refusal(reset, now time.Time) ratelimit.Refusal {
	d := time.Second
	if !reset.IsZero() {
		d = max(reset.Sub(now), time.Second)
	}
	return ratelimit.Refusal{Name: string(Backend), RetryAfter: d}
}

// NetworkError is a request that got no HTTP answer (connection refused or
// reset, timeout). Whether a write took effect is unknown.
type NetworkError struct {
	Method string
	Path   string
	Err    error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("tradegecko: %s %s: %v", e.Method, e.Path, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// DecodeError is a 2xx answer whose body is not the JSON documented.
type DecodeError struct {
	Method    string
	Path      string
	RequestID string
	Err       error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("tradegecko: %s %s: undecodable response (request id %s): %v", e.Method, e.Path, e.RequestID, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// AuthError is a failure to obtain an access token.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return "tradegecko: no access token: " + e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// CheckResponse returns nil for 2xx and a typed error otherwise, reading at
// most 64 KiB of the body. A 429's RetryAfter is counted from time.Now.
func CheckResponse(r *http.Response) error { return checkResponse(r, time.Now()) }

// checkResponse is CheckResponse with the client's clock.
func checkResponse(r *http.Response, now time.Time) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	method, path := "", ""
	if r.Request != nil {
		method, path = r.Request.Method, r.Request.URL.Path
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxErrorBytes))
	var doc struct {
		Type    string          `json:"type"`
		Message string          `json:"message"`
		Error   string          `json:"error"`
		Errors  json.RawMessage `json:"errors"`
	}
	isJSON := json.Unmarshal(body, &doc) == nil
	requestID := r.Header.Get("X-Request-ID")
	if r.StatusCode == http.StatusTooManyRequests {
		rate := parseRate(r.Header)
		return &RateLimitError{Refusal: refusal(rate.Reset, now), Method: method, Path: path, Rate: rate, RequestID: requestID, Message: doc.Message}
	}
	e := &ErrorResponse{Method: method, Path: path, StatusCode: r.StatusCode, RequestID: requestID}
	if isJSON {
		e.Type, e.Message = doc.Type, doc.Message
		if e.Message == "" {
			e.Message = doc.Error
		}
		e.Errors = decodeFieldErrors(doc.Errors)
	}
	if e.Type == "" {
		e.Type = http.StatusText(r.StatusCode)
	}
	e.UnknownRoute = r.StatusCode == http.StatusNotFound && (!isJSON || (doc.Type == "" && doc.Message == "" && doc.Error == ""))
	return e
}

// decodeFieldErrors accepts {"field":["msg"]}, {"field":"msg"} and ["msg"].
func decodeFieldErrors(raw json.RawMessage) map[string][]string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var many map[string][]string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	var one map[string]string
	if json.Unmarshal(raw, &one) == nil {
		out := make(map[string][]string, len(one))
		for k, v := range one {
			out[k] = []string{v}
		}
		return out
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return map[string][]string{"base": list}
	}
	return nil
}

var errNoPagination = errors.New("the response has no X-Pagination header")

// IsDuplicateKey reports whether err is the API's answer to a replayed
// Idempotency-Key: 400 "Duplicate Idempotency Key header detected". The
// API does not replay the first answer; the write it names has happened.
func IsDuplicateKey(err error) bool {
	var e *ErrorResponse
	return errors.As(err, &e) && e.StatusCode == http.StatusBadRequest &&
		strings.Contains(strings.ToLower(e.Message), "idempotency key")
}

func errMissingKey(key string) error { return fmt.Errorf("the response has no %q key", key) }
