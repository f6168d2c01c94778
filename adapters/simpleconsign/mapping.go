package simpleconsign

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
)

// toCommerceError gives a client error its meaning for the gateway. The
// messages carry the service's own words and never the API key.
func toCommerceError(err error) error {
	if err == nil {
		return nil
	}
	var ce *commerce.Error
	if errors.As(err, &ce) {
		return err
	}
	var (
		rl *RateLimitError
		er *ErrorResponse
		ne *NetworkError
		de *DecodeError
	)
	var open *circuit.OpenError
	switch {
	case errors.As(err, &open):
		return &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: Backend, RetryAfter: open.RetryAfter, Err: err,
			Message: "SimpleConsign has been failing, so the gateway is not sending it transactions for now; nothing was sent; try again later"}
	case errors.As(err, &rl):
		// The numbers, where given, are the budget configured
		// (SIMPLECONSIGN_RATE_LIMIT, SIMPLECONSIGN_RATE_WINDOW); the
		// service's own refusal is quoted instead.
		msg := "SimpleConsign refused the request: its request budget for this location is spent; try again later"
		if rl.Message != "" {
			msg = "SimpleConsign refused the request: its request budget for this location is spent (" + rl.Message + "); try again later"
		}
		if rl.Local {
			msg = "SimpleConsign's request budget for this location" + budgetText(rl.Limit, rl.Window) + " is spent; nothing was sent; try again later"
		}
		return &commerce.Error{Code: commerce.CodeRateLimited, Backend: Backend, RetryAfter: rl.RetryAfter, Message: msg, Err: err}
	case errors.As(err, &er):
		switch {
		case er.Code.CallerFixable():
			return &commerce.Rejection{Backend: Backend, Code: string(er.Code), Message: er.Message, Field: rejectionField(er.Code)}
		case er.Code == CodeInvalidAPIKey || er.Code == CodePlanNotAuthorized:
			return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend, Err: err,
				Message: "SimpleConsign refused the gateway's credentials: " + er.Message}
		case er.Code == CodeAtCapacity:
			return &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: Backend, Err: err,
				Message: "SimpleConsign is at capacity (HTTP 503); nothing was recorded; try again later"}
		case er.OutcomeUnknown:
			return outcomeUnknown(err, fmt.Sprintf("SimpleConsign failed (HTTP %d) after receiving the transaction; whether it recorded it is unknown", er.StatusCode))
		default:
			return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend, Err: err,
				Message: fmt.Sprintf("SimpleConsign refused the request (HTTP %d %s): %s", er.StatusCode, http.StatusText(er.StatusCode), er.Message)}
		}
	case errors.As(err, &ne):
		if ne.Sent {
			return outcomeUnknown(err, "the transaction was sent to SimpleConsign but no answer came; whether it recorded it is unknown")
		}
		return &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: Backend, Err: err,
			Message: "SimpleConsign could not be reached; nothing was sent"}
	case errors.As(err, &de):
		return outcomeUnknown(err, "SimpleConsign's answer does not say whether it recorded the transaction")
	case errors.Is(err, ErrNoAPIKey):
		return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend, Err: err,
			Message: "no SimpleConsign API key is configured"}
	}
	return commerce.ErrorOf(err)
}

// outcomeUnknown is the answer for a transaction that may or may not have
// been recorded: OUTCOME_UNKNOWN, and errors.Is(…, commerce.ErrOutcomeUnknown).
func outcomeUnknown(err error, msg string) error {
	return &commerce.Error{Code: commerce.CodeOutcomeUnknown, Backend: Backend, Message: msg,
		Err: fmt.Errorf("%w: %w", commerce.ErrOutcomeUnknown, err)}
}

// rejectionField is the input field a refusal is about, when one is.
func rejectionField(c Code) []string {
	switch c {
	case CodeMissingOrderNumber, CodeDuplicateSale, CodeSaleNotFound:
		return []string{"orderNumber"}
	case CodeTaxableWithoutTax, CodeTaxWithoutTaxable:
		return []string{"tax"}
	case CodeUnknownSKU, CodeMissingSKU, CodeZeroTotal, CodeTotalMismatch, CodeReturnExceedsSale:
		return []string{"items"}
	}
	return nil
}

// budgetText describes a configured budget: " (100 requests per 10
// minutes)", or "" when it is not known.
func budgetText(limit int, window time.Duration) string {
	if limit <= 0 || window <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%d %s per %s)", limit, plural(int64(limit), "request"), windowText(window))
}

// windowText writes a window the way people say it: "10 minutes",
// "1 hour", "90 seconds", "1.5s".
func windowText(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if d%u.d == 0 {
			n := int64(d / u.d)
			return fmt.Sprintf("%d %s", n, plural(n, u.name))
		}
	}
	return d.String()
}

func plural(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
