package tradegecko

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// The API is loose about types: decimals come as strings ("24.0") or bare
// numbers (10), booleans sometimes as strings, tags as an array or a
// comma-separated string, ids as numbers or strings, dates as dates or
// timestamps, and any of them as null. These types decode all of those
// forms exactly (no float64) and leave the zero value for null.
//
// What they cannot read fails with a *json.UnmarshalTypeError, which
// encoding/json completes with the field's path (Image.images.uploader_id):
// the error, and so the log line the Catalog writes for it (see
// decodeCause), says which field and which type, and never the value.

// Decimal is an exact decimal that may be absent.
type Decimal struct {
	Value decimal.Decimal
	Valid bool
}

// UnmarshalJSON accepts "24.0", 24, null and "".
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s, null, err := scalarText(b)
	if err != nil {
		*d = Decimal{}
		return typeError[Decimal](b, "")
	}
	if null || s == "" {
		*d = Decimal{}
		return nil
	}
	v, err := money.ParseDecimal(strings.TrimSpace(s))
	if err != nil {
		why := "not a decimal"
		if errors.Is(err, money.ErrOutOfRange) {
			why = "out of range"
		}
		return typeError[Decimal](b, why)
	}
	*d = Decimal{Value: v, Valid: true}
	return nil
}

// MarshalJSON writes the decimal as a string, as the API does.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if !d.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(money.FormatDecimal(d.Value))
}

// Ptr returns the value, or nil when absent.
func (d Decimal) Ptr() *decimal.Decimal {
	if !d.Valid {
		return nil
	}
	v := d.Value
	return &v
}

// Or returns the value, or def when absent.
func (d Decimal) Or(def decimal.Decimal) decimal.Decimal {
	if !d.Valid {
		return def
	}
	return d.Value
}

// Int is an integer sent as a number or a numeric string.
type Int int64

// UnmarshalJSON accepts 12, "12", null and "".
func (n *Int) UnmarshalJSON(b []byte) error {
	s, null, err := scalarText(b)
	if err != nil || isBool(b) {
		*n = 0
		return typeError[Int](b, "")
	}
	if null || s == "" {
		*n = 0
		return nil
	}
	v, ok := parseInt(s)
	if !ok {
		return typeError[Int](b, "not an integer")
	}
	*n = Int(v)
	return nil
}

// parseInt reads an integer's text: "12", " 7 ", and "2.0" or "1e3",
// which are integers too.
func parseInt(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsInteger() || !d.BigInt().IsInt64() {
		return 0, false
	}
	return d.IntPart(), true
}

// IDOrName is a reference the API sends as an id (12, "12") or as a name:
// an image's uploader_id is "the creating user or Integration (e.g.
// 'Shopify')", and real responses carry "Shopify". Text that reads as an
// integer is an ID, any other text a Name; null and "" leave both zero.
type IDOrName struct {
	ID   int64
	Name string
}

// UnmarshalJSON accepts 12, "12", "Shopify", null and "".
func (r *IDOrName) UnmarshalJSON(b []byte) error {
	*r = IDOrName{}
	s, null, err := scalarText(b)
	if err != nil || isBool(b) {
		return typeError[IDOrName](b, "")
	}
	s = strings.TrimSpace(s)
	if null || s == "" {
		return nil
	}
	if v, ok := parseInt(s); ok {
		r.ID = v
		return nil
	}
	if !isString(b) {
		return typeError[IDOrName](b, "not an integer")
	}
	r.Name = s
	return nil
}

// MarshalJSON writes the name as a string, the id as a number, or null.
func (r IDOrName) MarshalJSON() ([]byte, error) {
	switch {
	case r.Name != "":
		return json.Marshal(r.Name)
	case r.ID != 0:
		return strconv.AppendInt(nil, r.ID, 10), nil
	}
	return []byte("null"), nil
}

// String is the name, else the id, else "".
func (r IDOrName) String() string {
	switch {
	case r.Name != "":
		return r.Name
	case r.ID != 0:
		return strconv.FormatInt(r.ID, 10)
	}
	return ""
}

// IDs is a list of ids: [1, 2], ["1", "2"], "1,2" or null.
type IDs []int64

// UnmarshalJSON accepts the forms above.
func (ids *IDs) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var raw []Int
		if err := json.Unmarshal(b, &raw); err != nil {
			return elementError[IDs](b, err)
		}
		out := make(IDs, 0, len(raw))
		for _, v := range raw {
			if v != 0 {
				out = append(out, int64(v))
			}
		}
		*ids = out
		return nil
	}
	s, null, err := scalarText(b)
	if err != nil || isBool(b) {
		*ids = nil
		return typeError[IDs](b, "")
	}
	if null {
		*ids = nil
		return nil
	}
	var out IDs
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return typeError[IDs](b, "not a list of ids")
		}
		out = append(out, v)
	}
	*ids = out
	return nil
}

// Text is a string that may arrive as a number or a boolean.
type Text string

// UnmarshalJSON accepts "x", 12, true and null.
func (t *Text) UnmarshalJSON(b []byte) error {
	s, _, err := scalarText(b)
	*t = Text(s)
	if err != nil {
		return typeError[Text](b, "")
	}
	return nil
}

// Bool is a boolean that may arrive as "true"/"false", 1/0 or null.
type Bool struct {
	Value bool
	Valid bool
}

// UnmarshalJSON accepts the forms above.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s, null, err := scalarText(b)
	if err != nil {
		*v = Bool{}
		return typeError[Bool](b, "")
	}
	if null || s == "" {
		*v = Bool{}
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "t", "yes":
		*v = Bool{Value: true, Valid: true}
	case "false", "0", "f", "no":
		*v = Bool{Value: false, Valid: true}
	default:
		return typeError[Bool](b, "not a boolean")
	}
	return nil
}

// Or returns the value, or def when absent.
func (v Bool) Or(def bool) bool {
	if !v.Valid {
		return def
	}
	return v.Value
}

// Tags is a tag list: ["a", "b"], "a,b" or null. Blank tags are dropped.
type Tags []string

// UnmarshalJSON accepts the forms above.
func (t *Tags) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var parts []string
	if len(b) > 0 && b[0] == '[' {
		var raw []Text
		if err := json.Unmarshal(b, &raw); err != nil {
			return elementError[Tags](b, err)
		}
		for _, r := range raw {
			parts = append(parts, string(r))
		}
	} else {
		s, _, err := scalarText(b)
		if err != nil {
			return typeError[Tags](b, "")
		}
		parts = strings.Split(s, ",")
	}
	out := make(Tags, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	*t = out
	return nil
}

// Time is a timestamp sent as RFC 3339 (with or without fraction or zone),
// a date ("2015-11-04", read as midnight UTC), a Unix time in seconds, or
// null.
type Time struct{ time.Time }

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
	"02-01-2006", // the spec's own example, "21-02-2018"
}

// UnmarshalJSON accepts the forms above.
func (t *Time) UnmarshalJSON(b []byte) error {
	s, null, err := scalarText(b)
	if err != nil || isBool(b) {
		*t = Time{}
		return typeError[Time](b, "")
	}
	if null || s == "" {
		*t = Time{}
		return nil
	}
	parsed, err := ParseTime(s)
	if err != nil {
		return typeError[Time](b, "not a date or timestamp")
	}
	*t = Time{parsed}
	return nil
}

// ParseTime parses the timestamp forms Time accepts.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s != "" && isDigits(s) && len(s) >= 9 {
		secs, err := strconv.ParseInt(s, 10, 64)
		if err == nil {
			return time.Unix(secs, 0).UTC(), nil
		}
	}
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return v.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: not a date or timestamp", truncate(s))
}

// scalarText returns the text of a JSON scalar: a string's contents, a
// number's or boolean's literal. null reports null. Objects and arrays are
// errors.
func scalarText(b []byte) (s string, null bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return "", true, nil
	case b[0] == 'n':
		return "", true, nil
	case b[0] == '"':
		// Most strings have no escapes: take the bytes between the quotes
		// (encoding/json has already checked the value is well-formed).
		if len(b) >= 2 && b[len(b)-1] == '"' {
			if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && bytes.IndexByte(inner, '"') < 0 && utf8.Valid(inner) {
				return string(inner), false, nil
			}
		}
		err = json.Unmarshal(b, &s)
		return s, false, err
	case b[0] == '{' || b[0] == '[':
		return "", false, errNotScalar
	default:
		return string(b), false, nil
	}
}

// decodeCause describes why a response could not be read, for a log line:
// the request (method, path without the query, request id) and the field,
// the type it has in the wire structs and the JSON kind the response sent
// there; for a response that is not JSON at all, where it broke. It never
// holds the body.
func decodeCause(de *DecodeError) []slog.Attr {
	attrs := []slog.Attr{
		slog.String("method", de.Method),
		slog.String("path", de.Path),
		slog.String("upstream_request_id", de.RequestID),
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(de.Err, &te):
		field := te.Field
		if te.Struct != "" {
			field = te.Struct + "." + field
		}
		return append(attrs, slog.String("field", field), slog.String("want", te.Type.String()), slog.String("got", te.Value))
	case errors.As(de.Err, &se):
		return append(attrs, slog.String("cause", "not JSON"), slog.Int64("offset", se.Offset))
	case errors.Is(de.Err, io.ErrUnexpectedEOF):
		return append(attrs, slog.String("cause", "truncated JSON"))
	}
	// The client's own errors (a missing key, no X-Pagination) quote
	// nothing of the body.
	return append(attrs, slog.String("cause", de.Err.Error()))
}

// errNotScalar is scalarText's refusal of an object or an array.
var errNotScalar = errors.New("want a scalar")

// typeError is a decoder's refusal of b as a T: the JSON kind of b (and
// why, when the kind was right), never its text, so that logging the error
// cannot leak what a response holds. encoding/json adds the field's path.
func typeError[T any](b []byte, why string) error {
	v := jsonKind(b)
	if why != "" {
		v += " (" + why + ")"
	}
	return &json.UnmarshalTypeError{Value: v, Type: reflect.TypeFor[T]()}
}

// elementError is the refusal of a list: an element's own type error
// (which encoding/json then places at the list's field), or the list's.
func elementError[T any](b []byte, err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te
	}
	return typeError[T](b, "")
}

// jsonKind names the kind of a JSON value: string, number, bool, null,
// object or array.
func jsonKind(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

func isBool(b []byte) bool   { return jsonKind(b) == "bool" }
func isString(b []byte) bool { return jsonKind(b) == "string" }

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
