package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// The scalars of the REST representation, written exactly as the GraphQL
// door writes them (graph/scalar): decimals as strings in their shortest
// exact form, Money padded to its currency's minor digits, timestamps in
// RFC 3339 UTC, dates as 2026-11-23, and null for what is not there.

const decimalPattern = `^-?[0-9]+(\.[0-9]+)?$`

// Money is an exact amount of money (GraphQL Money).
type Money struct {
	Amount       string `json:"amount" pattern:"^-?[0-9]+(\\.[0-9]+)?$" doc:"Padded to the currency's ISO 4217 minor digits and never rounded: \"24.00\" SGD, \"2400\" JPY, and a four-decimal price stays \"3.9321\"." example:"24.00"`
	CurrencyCode string `json:"currencyCode" doc:"ISO 4217 code." example:"SGD"`
}

func toMoney(m money.Money) Money {
	return Money{Amount: m.FormatAmount(), CurrencyCode: m.Currency().Code()}
}

func optMoney(m *money.Money) Nullable[Money] {
	if m == nil {
		return Null[Money]()
	}
	return Some(toMoney(*m))
}

// Decimal is an exact decimal written as a JSON string ("32.5", "10").
type Decimal string

// Schema documents Decimal.
func (Decimal) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Pattern: decimalPattern, Examples: []any{"32.5"},
		Description: "An exact decimal, written as a string in its shortest exact form."}
}

func toDecimal(d decimal.Decimal) Decimal { return Decimal(money.FormatDecimal(d)) }

func optDecimal(d *decimal.Decimal) *Decimal {
	if d == nil {
		return nil
	}
	v := toDecimal(*d)
	return &v
}

// DecimalInput is an exact decimal in a request body: a string ("32.5") or
// a JSON number (32.5), read from its text, never through a float.
type DecimalInput struct{ text string }

// Schema documents DecimalInput.
func (DecimalInput) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{
		Description: "An exact decimal: a string such as \"32.5\" (preferred) or a JSON number, read exactly.",
		AnyOf:       []*huma.Schema{{Type: huma.TypeString, Examples: []any{"32.5"}}, {Type: huma.TypeNumber}},
	}
}

// UnmarshalJSON keeps the text of a JSON string or number; the converters
// parse it (with the field's path for errors).
func (d *DecimalInput) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &d.text)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	n, ok := v.(json.Number)
	if !ok {
		return errors.New("a decimal must be a string or a number")
	}
	d.text = n.String()
	return nil
}

func (d DecimalInput) parse() (decimal.Decimal, error) {
	v, err := money.ParseDecimal(d.text)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("not an exact decimal such as \"32.5\": %w", err)
	}
	return v, nil
}

// DateTime is a timestamp, written in RFC 3339 UTC; the zero time is null.
type DateTime struct{ t time.Time }

func toDateTime(t time.Time) DateTime { return DateTime{t} }

// Schema documents DateTime.
func (DateTime) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Format: "date-time", Nullable: true, Examples: []any{"2026-11-23T08:15:00Z"}}
}

// MarshalJSON writes the timestamp as GraphQL's DateTime does.
func (d DateTime) MarshalJSON() ([]byte, error) {
	if d.t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, d.t.UTC().Format(time.RFC3339Nano)), nil
}

// UnmarshalJSON reads what MarshalJSON writes (clients of this package's
// types, such as its tests, read responses back).
func (d *DateTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.t = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	d.t = t
	return err
}

// Time returns the timestamp (zero for null).
func (d DateTime) Time() time.Time { return d.t }

// Date is a calendar date, 2026-11-23; the zero time is null.
type Date struct{ t time.Time }

// Schema documents Date.
func (Date) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Format: "date", Nullable: true, Examples: []any{"2026-11-23"}}
}

// MarshalJSON writes the date as GraphQL's Date does.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.t.IsZero() {
		return []byte("null"), nil
	}
	return strconv.AppendQuote(nil, d.t.Format(time.DateOnly)), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		d.t = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	d.t = t
	return err
}

// Time returns the date at midnight UTC (zero for null).
func (d Date) Time() time.Time { return d.t }

// DateInput is a date in a request body: 2026-11-23, or an RFC 3339
// timestamp (its UTC date).
type DateInput string

// Schema documents DateInput.
func (DateInput) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Examples: []any{"2026-11-23"},
		Description: "A date, 2026-11-23 (an RFC 3339 timestamp is accepted: its UTC date is used)."}
}

func (d DateInput) parse() (time.Time, error) {
	s := string(d)
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		u := t.UTC()
		return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, fmt.Errorf("%s is not a date such as 2026-11-23", strconv.Quote(clip(s)))
}

// DateTimeInput is a timestamp in a request: RFC 3339, or a date (midnight
// UTC). It is also a query parameter type (updatedAfter).
type DateTimeInput struct {
	text string
	t    time.Time
	set  bool
}

// Schema documents DateTimeInput.
func (DateTimeInput) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Examples: []any{"2026-11-23T08:15:00Z"},
		Description: "A timestamp in RFC 3339 (a date such as 2026-11-23 means its midnight UTC)."}
}

// UnmarshalText parses a query parameter (huma reports an error with the
// parameter's name).
func (d *DateTimeInput) UnmarshalText(b []byte) error {
	t, err := parseDateTime(string(b))
	if err != nil {
		return err
	}
	d.text, d.t, d.set = string(b), t, true
	return nil
}

// UnmarshalJSON keeps the text of a JSON string; the converters parse it
// (with the field's path for errors).
func (d *DateTimeInput) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &d.text); err != nil {
		return err
	}
	d.set = true
	return nil
}

// parse returns the timestamp; ok is false when none was given.
func (d DateTimeInput) parse() (t time.Time, ok bool, err error) {
	if !d.set {
		return time.Time{}, false, nil
	}
	if !d.t.IsZero() {
		return d.t, true, nil
	}
	t, err = parseDateTime(d.text)
	return t, err == nil, err
}

func parseDateTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%s is not an RFC 3339 timestamp such as 2026-11-23T08:15:00Z", strconv.Quote(clip(s)))
}

// Nullable is a value that may be null: an object that GraphQL answers as
// null when it is not there (retailPrice, quote, …). A zero Nullable (not
// even null) is left out of a struct marked omitzero.
type Nullable[T any] struct {
	v   *T
	set bool
}

// Some returns a non-null value.
func Some[T any](v T) Nullable[T] { return Nullable[T]{v: &v, set: true} }

// Null returns null.
func Null[T any]() Nullable[T] { return Nullable[T]{set: true} }

// IsZero reports whether n is neither a value nor null (omitzero leaves it out).
func (n Nullable[T]) IsZero() bool { return !n.set }

// Value returns the value, or nil for null.
func (n Nullable[T]) Value() *T { return n.v }

// MarshalJSON writes the value or null.
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.v == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*n.v)
}

// UnmarshalJSON reads the value or null (tests read responses back).
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.set = true
	if string(bytes.TrimSpace(b)) == "null" {
		n.v = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.v = &v
	return nil
}

// Schema documents the value's schema or null.
func (Nullable[T]) Schema(r huma.Registry) *huma.Schema {
	return &huma.Schema{AnyOf: []*huma.Schema{r.Schema(reflect.TypeFor[T](), true, ""), {Type: "null"}}}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
