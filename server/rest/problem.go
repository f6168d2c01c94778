package rest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"
	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

// CodeUserError is the code of a 422 problem: the request was understood,
// and refused for reasons listed in its errors (the GraphQL payload's
// userErrors).
const CodeUserError commerce.Code = "USER_ERROR"

// ProblemContentType is the media type of every error body.
const ProblemContentType = "application/problem+json"

// Problem is an RFC 9457 problem detail: the body of every REST error.
type Problem struct {
	Type   string `json:"type" doc:"A URI reference identifying the problem type; about:blank: the status says it all." example:"about:blank"`
	Title  string `json:"title" doc:"The HTTP status text." example:"Unprocessable Entity"`
	Status int    `json:"status" doc:"The HTTP status code." example:"422"`
	Detail string `json:"detail,omitempty" doc:"What went wrong, for people." example:"the request was refused: an order needs at least one line"`
	Code   string `json:"code" doc:"A stable code: BAD_USER_INPUT (400), USER_ERROR (422, see errors), UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED, UPSTREAM_ERROR, OUTCOME_UNKNOWN, UPSTREAM_UNAVAILABLE, BACKEND_DISABLED, INTERNAL." example:"USER_ERROR"`
	// Errors lists what the caller can fix: the user errors of a 422, or
	// the fields and parameters of a 400.
	Errors []FieldError `json:"errors,omitempty" doc:"What the caller can fix: the user errors of a 422, the malformed fields or parameters of a 400."`
	// Backend names the backend involved, when there is one.
	Backend string `json:"backend,omitempty" doc:"The backend involved: tradegecko, tradeglobal or simpleconsign." example:"tradegecko"`
	// RequestID is the upstream's request id, when there is one.
	RequestID string `json:"requestId,omitempty" doc:"The backend's request id, when it sent one."`
	// RetryAfter is how many seconds to wait before a retry (as
	// Retry-After): for 429, and for an OUTCOME_UNKNOWN a retry can settle.
	RetryAfter int `json:"retryAfter,omitempty" doc:"RATE_LIMITED (and an OUTCOME_UNKNOWN that a retry can settle once the budget allows): seconds to wait, as the Retry-After header says." example:"30"`
	// PendingWriteID names the write whose outcome is unknown (502
	// OUTCOME_UNKNOWN): GET /v1/pending-writes lists it.
	PendingWriteID string `json:"pendingWriteId,omitempty" doc:"OUTCOME_UNKNOWN: the id of the write awaiting reconciliation (see /v1/pending-writes)." example:"gid://simpleconsign/ConsignmentTransaction/SO-1001/RETURN/1"`

	headers http.Header
	_       struct{} `additionalProperties:"true"` // RFC 9457 extension members may be added
}

// FieldError is one thing the caller can fix (GraphQL UserError, plus
// where the field is when it is not in the body).
type FieldError struct {
	Field   []string `json:"field" doc:"The path of the field at fault inside the request body, e.g. [\"lineItems\",\"0\",\"quantity\"]; a parameter's name when in says so; null when no one field is at fault."`
	Message string   `json:"message"`
	Code    string   `json:"code" doc:"INVALID, REQUIRED, TOO_LONG, SUB_UNIT_AMOUNT, NOT_ALLOWED, IDEMPOTENCY_KEY_REUSED, REJECTED (the backend's refusal, with its message), …" example:"INVALID"`
	In      string   `json:"in,omitempty" enum:"query,path,header" doc:"Where the field is when it is not in the body: a query, path or header parameter."`
}

// Error returns the problem's detail.
func (p *Problem) Error() string { return p.Detail }

// GetStatus is the HTTP status (huma.StatusError).
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders returns the headers to send with the problem (huma.HeadersError).
func (p *Problem) GetHeaders() http.Header { return p.headers }

// ContentType makes huma send application/problem+json.
func (p *Problem) ContentType(string) string { return ProblemContentType }

// NewProblem returns a problem with the given status, code and detail.
func NewProblem(status int, code commerce.Code, detail string, errs []commerce.UserError) *Problem {
	p := &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Code: string(code)}
	for _, e := range errs {
		p.Errors = append(p.Errors, FieldError{Field: e.Field, Message: e.Message, Code: e.Code})
	}
	if status == http.StatusUnauthorized {
		p.setHeader("WWW-Authenticate", `Bearer realm="commerce-gateway"`)
	}
	return p
}

func (p *Problem) setHeader(name, value string) {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	p.headers.Set(name, value)
}

// StatusOf is the HTTP status for an error code.
func StatusOf(code commerce.Code) int {
	switch code {
	case commerce.CodeBadUserInput, commerce.CodeComplexityLimitExceeded, commerce.CodeOperationNotTrusted,
		commerce.CodePersistedQueryNotFound:
		return http.StatusBadRequest
	case CodeUserError:
		return http.StatusUnprocessableEntity
	case commerce.CodeUnauthenticated:
		return http.StatusUnauthorized
	case commerce.CodeForbidden:
		return http.StatusForbidden
	case commerce.CodeNotFound:
		return http.StatusNotFound
	case commerce.CodeConflict:
		return http.StatusConflict
	case commerce.CodeRateLimited:
		return http.StatusTooManyRequests
	case commerce.CodeUpstreamError, commerce.CodeOutcomeUnknown:
		return http.StatusBadGateway
	case commerce.CodeUpstreamUnavailable, commerce.CodeBackendDisabled:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// ErrorOf is what err tells a client, at either door: its HTTP status and
// the error to show. A *commerce.Error gives its code's status (StatusOf),
// and its message unless it is INTERNAL (the cause is for logs only); an
// *echo.HTTPError its status, with the code that status means and its
// message (TooLarge's for a 413 that states no limit of its own); anything
// else is a 500 INTERNAL. ProblemOf writes it as problem+json; the edge
// (server/edge) writes it on GraphQL paths with graph.WriteError.
func ErrorOf(err error) (status int, _ *commerce.Error) {
	var ce *commerce.Error
	var he *echo.HTTPError
	if !errors.As(err, &ce) && errors.As(err, &he) {
		return errorOfHTTPError(he)
	}
	ce = commerce.ErrorOf(err)
	status = StatusOf(ce.Code)
	switch {
	case ce.Code == commerce.CodeInternal && ce.Message != "internal error":
		shown := *ce
		shown.Message = "internal error" // the cause is for logs only
		ce = &shown
	case ce.Message == "":
		shown := *ce
		shown.Message = strings.ToLower(http.StatusText(status))
		ce = &shown
	}
	return status, ce
}

func errorOfHTTPError(he *echo.HTTPError) (int, *commerce.Error) {
	status := he.Code
	msg := fmt.Sprint(he.Message)
	switch {
	case status >= 500:
		return status, &commerce.Error{Code: commerce.CodeInternal, Message: "internal error", Err: he}
	case status == http.StatusRequestEntityTooLarge && msg == http.StatusText(status):
		// echo's own 413 states no limit: the server-wide one applies.
		msg = TooLargeMessage(DefaultMaxBodyBytes)
	}
	return status, &commerce.Error{Code: codeOfStatus(status), Message: msg, Err: he}
}

// TooLarge is the refusal of a body over limit bytes, at either door and on
// every route (the server-wide limit, a route's own): 413 BAD_USER_INPUT,
// stating the limit.
func TooLarge(limit int64) *echo.HTTPError {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge, TooLargeMessage(limit))
}

// TooLargeMessage states the limit a body went over: "the request body is
// larger than 2097152 bytes (2 MB)".
func TooLargeMessage(limit int64) string {
	size := fmt.Sprintf("%d KB", limit>>10)
	if limit >= 1<<20 && limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MB", limit>>20)
	}
	return fmt.Sprintf("the request body is larger than %d bytes (%s)", limit, size)
}

// ProblemOf translates an error to its problem: a *Problem stands;
// anything else is the problem of what ErrorOf says of it, with the
// backend, its request id, the retry delay (as Retry-After too) and the
// pending write (OUTCOME_UNKNOWN) it carries.
func ProblemOf(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	status, ce := ErrorOf(err)
	p = NewProblem(status, ce.Code, ce.Message, nil)
	p.Backend, p.RequestID = string(ce.Backend), ce.RequestID
	if secs := ce.RetryAfterSeconds(); secs > 0 {
		// RATE_LIMITED, or an OUTCOME_UNKNOWN whose check could not be made
		// for the budget: when a retry can make it.
		p.RetryAfter = secs
		p.setHeader("Retry-After", strconv.Itoa(secs))
	}
	if ce.PendingWriteID != "" {
		p.PendingWriteID = gid.New(ce.Backend, typeConsignmentTransaction, ce.PendingWriteID).String()
	}
	return p
}

// WriteProblem writes an RFC 9457 problem as the response: the one shape
// of every REST error, for the edge's error handler (server/edge) too.
func WriteProblem(c echo.Context, status int, code commerce.Code, detail string, errs []commerce.UserError) error {
	return writeProblem(c, NewProblem(status, code, detail, errs))
}

// WriteError writes err as a problem (see ProblemOf), with its headers
// (Retry-After, WWW-Authenticate).
func WriteError(c echo.Context, err error) error {
	return writeProblem(c, ProblemOf(err))
}

func writeProblem(c echo.Context, p *Problem) error {
	h := c.Response().Header()
	for k, vs := range p.headers {
		h[k] = vs // set, not added: the server may have set them already
	}
	h.Set(echo.HeaderContentType, ProblemContentType)
	if c.Request().Method == http.MethodHead {
		return c.NoContent(p.Status)
	}
	return c.JSON(p.Status, p)
}

// userErrorProblem is the 422 answer of a mutation that answered user
// errors. rename adjusts a field path (nil: as the Service gave it).
func userErrorProblem(errs []commerce.UserError, rename func([]string) ([]string, string)) *Problem {
	p := NewProblem(http.StatusUnprocessableEntity, CodeUserError, userErrorDetail(errs), nil)
	for _, e := range errs {
		fe := FieldError{Field: e.Field, Message: e.Message, Code: e.Code}
		if rename != nil && e.Field != nil {
			fe.Field, fe.In = rename(e.Field)
		}
		p.Errors = append(p.Errors, fe)
	}
	return p
}

func userErrorDetail(errs []commerce.UserError) string {
	switch len(errs) {
	case 0:
		return "the request was refused"
	case 1:
		return "the request was refused: " + errs[0].Message
	default:
		return fmt.Sprintf("the request was refused: %s (and %d more, see errors)", errs[0].Message, len(errs)-1)
	}
}

// badInput is a 400 for a request that cannot be decoded.
func badInput(detail string, errs ...FieldError) *Problem {
	p := NewProblem(http.StatusBadRequest, commerce.CodeBadUserInput, detail, nil)
	p.Errors = errs
	return p
}

// fieldErrors collects the decoding errors of one request, with paths.
type fieldErrors []FieldError

func (fe *fieldErrors) add(path []string, in, format string, args ...any) {
	*fe = append(*fe, FieldError{Field: append([]string(nil), path...), In: in, Message: fmt.Sprintf(format, args...), Code: "INVALID"})
}

// problem returns the 400 for the collected errors, or nil.
func (fe fieldErrors) problem() error {
	if len(fe) == 0 {
		return nil
	}
	return badInput(decodeDetail(fe), fe...)
}

func decodeDetail(errs []FieldError) string {
	first := errs[0]
	where := strings.Join(first.Field, ".")
	if first.In != "" {
		where = first.In + " parameter " + where
	}
	msg := first.Message
	if where != "" {
		msg = where + ": " + msg
	}
	if len(errs) > 1 {
		msg += fmt.Sprintf(" (and %d more, see errors)", len(errs)-1)
	}
	return "the request is malformed: " + msg
}

// humaError replaces huma's error model (huma.NewError): its parse and
// validation failures (which it answers 422 by default) become 400
// BAD_USER_INPUT problems listing each field at fault; everything else
// keeps its status with the code that status means here. A 500 never shows
// its cause.
//
// A 413 states limit, the operation's body limit.
func humaError(status int, limit int64, msg string, errs ...error) huma.StatusError {
	if status == 0 { // huma asks for an example to document the error schema
		return &Problem{}
	}
	var fields []FieldError
	notJSON := false
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d *huma.ErrorDetail
		var p *Problem
		switch {
		case errors.As(err, &p):
			fields = append(fields, p.Errors...)
		case errors.As(err, &d):
			fe := fieldErrorOf(d)
			if fe.Field == nil && fe.In == "" && status == http.StatusBadRequest {
				notJSON = true
			}
			fields = append(fields, fe)
		default:
			fields = append(fields, FieldError{Message: err.Error(), Code: "INVALID"})
		}
	}
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		detail := "the request is malformed: " + msg
		switch {
		case notJSON:
			detail = "the request body is not valid JSON"
			if len(fields) > 0 {
				detail += ": " + fields[0].Message
			}
		case len(fields) > 0:
			detail = decodeDetail(fields)
		}
		return badInput(detail, fields...)
	case http.StatusRequestEntityTooLarge:
		return ProblemOf(TooLarge(limit))
	case http.StatusUnsupportedMediaType:
		return NewProblem(status, commerce.CodeBadUserInput, "the request body must be JSON (Content-Type: application/json)", nil)
	case http.StatusRequestTimeout:
		return NewProblem(status, commerce.CodeBadUserInput, "the request body took too long to arrive", nil)
	case http.StatusNotAcceptable:
		return NewProblem(status, commerce.CodeBadUserInput, "responses are JSON only (Accept: application/json)", nil)
	}
	if status >= 500 {
		return NewProblem(status, commerce.CodeInternal, "internal error", nil)
	}
	return NewProblem(status, codeOfStatus(status), msg, nil)
}

func codeOfStatus(status int) commerce.Code {
	switch status {
	case http.StatusUnauthorized:
		return commerce.CodeUnauthenticated
	case http.StatusForbidden:
		return commerce.CodeForbidden
	case http.StatusNotFound:
		return commerce.CodeNotFound
	case http.StatusConflict:
		return commerce.CodeConflict
	case http.StatusTooManyRequests:
		return commerce.CodeRateLimited
	}
	return commerce.CodeBadUserInput
}

// fieldErrorOf turns huma's location ("body.lineItems[0].quantity",
// "query.first") into a field path inside the body, or a parameter.
func fieldErrorOf(d *huma.ErrorDetail) FieldError {
	fe := FieldError{Message: d.Message, Code: "INVALID"}
	loc := d.Location
	switch {
	case loc == "body" || loc == "":
	case strings.HasPrefix(loc, "body."):
		fe.Field = splitPath(strings.TrimPrefix(loc, "body."))
	default:
		in, name, _ := strings.Cut(loc, ".")
		fe.In, fe.Field = in, splitPath(name) // status[1] → [status 1]
	}
	switch {
	case strings.HasPrefix(d.Message, "expected required property "):
		// huma names the parent; the field is the missing property.
		var prop string
		if _, err := fmt.Sscanf(d.Message, validation.MsgExpectedRequiredProperty, &prop); err == nil && prop != "" {
			fe.Field = append(fe.Field, prop)
			fe.Message = prop + " is required"
		}
		fe.Code = "REQUIRED"
	case strings.HasPrefix(d.Message, "required ") && strings.HasSuffix(d.Message, " parameter is missing"):
		fe.Code = "REQUIRED"
	case d.Message == validation.MsgUnexpectedProperty:
		fe.Message = "unknown field"
	case d.Message == validation.MsgExpectedMatchAtLeastOneSchema:
		// The only anyOf in request schemas is DecimalInput.
		fe.Message = "expected an exact decimal: a string such as \"32.5\" or a number"
	}
	return fe
}

// splitPath turns lineItems[0].quantity into [lineItems 0 quantity].
func splitPath(p string) []string {
	var out []string
	for part := range strings.SplitSeq(p, ".") {
		for {
			i := strings.IndexByte(part, '[')
			if i < 0 {
				break
			}
			if i > 0 {
				out = append(out, part[:i])
			}
			j := strings.IndexByte(part[i:], ']')
			if j < 0 {
				break
			}
			out = append(out, part[i+1:i+j])
			part = part[i+j+1:]
		}
		if part != "" {
			out = append(out, part)
		}
	}
	return out
}

func init() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return humaError(status, DefaultMaxBodyBytes, msg, errs...)
	}
	huma.NewErrorWithContext = func(ctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
		limit := int64(DefaultMaxBodyBytes)
		if ctx != nil {
			if op := ctx.Operation(); op != nil && op.MaxBodyBytes > 1 {
				limit = op.MaxBodyBytes - 1 // register: huma refuses a body that reaches its limit
			}
		}
		return humaError(status, limit, msg, errs...)
	}
}
