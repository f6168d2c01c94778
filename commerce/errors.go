package commerce

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/ratelimit"
)

// Code is a stable error code. GraphQL reports it as extensions.code; REST
// maps it to an HTTP status and reports it in the problem body.
type Code string

// Error codes: the contract every door reports (README.md, "Errors").
const (
	CodeBadUserInput        Code = "BAD_USER_INPUT"
	CodeUnauthenticated     Code = "UNAUTHENTICATED"
	CodeForbidden           Code = "FORBIDDEN"
	CodeNotFound            Code = "NOT_FOUND"
	CodeConflict            Code = "CONFLICT"
	CodeRateLimited         Code = "RATE_LIMITED"
	CodeUpstreamUnavailable Code = "UPSTREAM_UNAVAILABLE"
	CodeUpstreamError       Code = "UPSTREAM_ERROR"
	CodeBackendDisabled     Code = "BACKEND_DISABLED"
	CodeOutcomeUnknown      Code = "OUTCOME_UNKNOWN"
	CodeInternal            Code = "INTERNAL"

	// The client edge: cost, trusted and persisted documents.
	CodeComplexityLimitExceeded Code = "COMPLEXITY_LIMIT_EXCEEDED" // too expensive: which limit, by how much
	CodeOperationNotTrusted     Code = "OPERATION_NOT_TRUSTED"     // not in the trusted documents
	CodePersistedQueryNotFound  Code = "PERSISTED_QUERY_NOT_FOUND" // an unknown automatic persisted query hash
)

// Error is the gateway's error: a code, a message safe to show a client, and
// where it came from. Adapters wrap their typed errors in it; the doors
// translate it.
type Error struct {
	Code       Code
	Message    string        // safe for clients: never a secret
	Backend    backend.Name  // when a backend is involved
	RequestID  string        // the upstream's request id, when there is one
	RetryAfter time.Duration // for CodeRateLimited; for others, when a retry can succeed
	Stale      bool          // reserved for cache layers
	// PendingWriteID names the ledger record of a write whose outcome is
	// unknown (CodeOutcomeUnknown).
	PendingWriteID string
	Err            error // the cause, for logs and errors.Is/As
}

func (e *Error) Error() string {
	if e.Err != nil && e.Err.Error() != e.Message {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// BadInput reports malformed arguments.
func BadInput(format string, args ...any) *Error {
	return Errorf(CodeBadUserInput, format, args...)
}

// RetryAfterSeconds is when a retry can succeed, as every door says it
// (Retry-After, retryAfter): whole seconds, rounded up so that a client
// waiting that long is never early, and at least 1. It is 0 for an error
// that says nothing of it (anything but RATE_LIMITED without a RetryAfter).
func (e *Error) RetryAfterSeconds() int {
	if e.Code != CodeRateLimited && e.RetryAfter <= 0 {
		return 0
	}
	return int(math.Ceil(max(e.RetryAfter, time.Second).Seconds()))
}

// ErrOutcomeUnknown is returned by a backend write that was sent but got no
// answer, to a backend that cannot be asked what it did.
var ErrOutcomeUnknown = errors.New("the write was sent but its outcome is unknown")

// ErrorOf finds the *Error in err's chain. Errors that carry none become
// INTERNAL, except a refused budget (a *ratelimit.Refusal in the chain:
// RATE_LIMITED, retry after its RetryAfter) and context errors, which mean
// the caller's deadline passed.
func ErrorOf(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var r *ratelimit.Refusal
	if errors.As(err, &r) {
		msg := "the upstream request budget is spent; try again later"
		if r.Share {
			msg = "this client has spent its share of the upstream request budget while other clients wait for it; try again later"
		}
		return &Error{Code: CodeRateLimited, Backend: backend.Name(r.Name), RetryAfter: r.RetryAfter, Message: msg, Err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Code: CodeUpstreamUnavailable, Message: "the request took longer than its deadline", Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Code: CodeUpstreamUnavailable, Message: "the request was cancelled", Err: err}
	}
	return &Error{Code: CodeInternal, Message: "internal error", Err: err}
}

// CodeOf returns the code of err (see ErrorOf).
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return ErrorOf(err).Code
}

// UserError is an error the caller can fix by changing the input: mutations
// return them in their payloads rather than failing.
type UserError struct {
	Field   []string // the input path, e.g. ["input","lineItems","0","quantity"]
	Message string
	Code    string // INVALID, REQUIRED, TOO_LONG, SUB_UNIT_AMOUNT, …
}
