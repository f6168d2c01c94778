// Package scalar marshals the GraphQL scalars Decimal, Date and DateTime.
//
// Decimal is exact both ways: output is a JSON string, input a string or a
// JSON number read from its text (gqlgen hands variables over as
// json.Number; literals in the query text are turned into strings before
// execution, see graph.decimalLiterals). The package must never convert a
// decimal through float64, and refuses a float64 it is handed rather than
// guess the digits it came from.
package scalar

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// MarshalDecimal writes d in its shortest exact form: "32.5", "10".
func MarshalDecimal(d decimal.Decimal) graphql.Marshaler {
	return graphql.MarshalString(money.FormatDecimal(d))
}

// UnmarshalDecimal reads a string or a JSON number exactly.
func UnmarshalDecimal(v any) (decimal.Decimal, error) {
	switch v := v.(type) {
	case string:
		return parseDecimal(v)
	case json.Number:
		return parseDecimal(v.String())
	case int:
		return decimal.NewFromInt(int64(v)), nil
	case int64:
		return decimal.NewFromInt(v), nil
	case int32:
		return decimal.NewFromInt(int64(v)), nil
	case nil:
		return decimal.Decimal{}, errors.New("a Decimal cannot be null here")
	default:
		return decimal.Decimal{}, fmt.Errorf("a Decimal must be a string such as \"24.00\" or an exact number, got %T", v)
	}
}

func parseDecimal(s string) (decimal.Decimal, error) {
	d, err := money.ParseDecimal(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("invalid Decimal: %w", err)
	}
	return d, nil
}

// MarshalDecimalString writes text that is already a formatted decimal, as
// Money.amount is (padded to the currency's minor digits).
func MarshalDecimalString(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalDecimalString validates a Decimal input and returns its text.
func UnmarshalDecimalString(v any) (string, error) {
	d, err := UnmarshalDecimal(v)
	if err != nil {
		return "", err
	}
	return money.FormatDecimal(d), nil
}

// MarshalDate writes a date as 2026-11-23; the zero time is null.
func MarshalDate(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.MarshalString(t.Format(time.DateOnly))
}

// UnmarshalDate reads 2026-11-23, or an RFC 3339 timestamp (its date in UTC).
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("a Date must be a string such as \"2026-11-23\", got %T", v)
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		u := t.UTC()
		return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, fmt.Errorf("invalid Date %s: want YYYY-MM-DD", strconv.Quote(clip(s)))
}

// MarshalDateTime writes an RFC 3339 timestamp in UTC; the zero time is null.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.MarshalString(t.UTC().Format(time.RFC3339Nano))
}

// UnmarshalDateTime reads an RFC 3339 timestamp, or a date (midnight UTC).
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("a DateTime must be a string such as \"2026-11-23T08:15:00Z\", got %T", v)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("invalid DateTime %s: want RFC 3339, e.g. 2026-11-23T08:15:00Z", strconv.Quote(clip(s)))
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
