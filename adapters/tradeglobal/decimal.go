package tradeglobal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// Decimal is an exact decimal that travels as a bare JSON number, the way
// TGC writes and reads amounts, dimensions and weights (26.99, 3, -12.4).
// It never passes through float64, and it keeps the digits it was given:
// MarshalJSON writes every decimal the value carries, trailing zeros
// included (26.99 → 26.99, 3 → 3, 0.75 → 0.75, 12.40 → 12.40, 12.4 → 12.4;
// a decimal.Decimal's exponent says how many it carries), and
// UnmarshalJSON and ParseDecimal read a number's text with
// money.ParseDecimal and keep the decimals it was written with ("9.00"
// stays 9.00). Values compare by Value().Equal: 12.40 equals 12.4.
//
// The zero Decimal is 0.
type Decimal struct{ d decimal.Decimal }

// NewDecimal returns d as a Decimal, with the decimals d carries.
func NewDecimal(d decimal.Decimal) Decimal { return Decimal{d: d} }

// ParseDecimal parses a decimal number ("26.99", "-12.4", "3", "12.40")
// exactly, keeping the decimals it is written with.
func ParseDecimal(s string) (Decimal, error) {
	d, err := money.ParseDecimal(s)
	if err != nil {
		return Decimal{}, err
	}
	return Decimal{d: withScale(d, writtenScale(s))}, nil
}

// writtenScale is the number of decimals s, a valid decimal number, is
// written with: "12.40" → 2, "1.5e1" → 0, "1.50e-1" → 3, "1e2" → 0; -1
// when it exceeds money.MaxScale.
func writtenScale(s string) int {
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	frac := 0
	if _, f, ok := strings.Cut(mant, "."); ok {
		frac = len(f)
	}
	e := 0
	if hasExp {
		exp = strings.TrimPrefix(exp, "+")
		if len(strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")) > 6 {
			return -1 // far beyond any scale, or a value money refused
		}
		var err error
		if e, err = strconv.Atoi(exp); err != nil {
			return -1
		}
	}
	scale := max(frac-e, 0)
	if scale > money.MaxScale {
		return -1
	}
	return scale
}

// withScale returns d written with scale decimals when it has fewer (an
// exact change: only zeros are added); otherwise d.
func withScale(d decimal.Decimal, scale int) decimal.Decimal {
	have := max(-int(d.Exponent()), 0)
	if scale <= have {
		return d
	}
	coef := d.Coefficient()
	if d.Exponent() > 0 {
		coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Exponent())), nil))
	}
	coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-have)), nil))
	return decimal.NewFromBigInt(coef, int32(-scale))
}

// text writes d with every decimal it carries (at most money.MaxScale of
// trailing zeros), never in exponent notation.
func text(d decimal.Decimal) string {
	return money.FormatDecimalFixed(d, min(max(-int(d.Exponent()), 0), money.MaxScale))
}

// MustDecimal is ParseDecimal that panics on a malformed number; it is meant
// for tests, examples and constants.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// Value returns the decimal.
func (d Decimal) Value() decimal.Decimal { return d.d }

// String returns the decimal's text as it travels ("26.99", "3", "-12.4",
// "12.40").
func (d Decimal) String() string { return text(d.d) }

// MarshalJSON writes the decimal as a bare JSON number with its exact
// digits, trailing zeros included.
func (d Decimal) MarshalJSON() ([]byte, error) { return []byte(text(d.d)), nil }

// UnmarshalJSON reads a JSON number exactly. It also accepts a number in a
// string ("26.99"), which the service does not document but a tolerant
// reader takes; null leaves the value unchanged (the encoding/json
// convention), so an optional field is best a *Decimal.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("decimal %s: %w", truncate(string(b)), err)
		}
		s = strings.TrimSpace(s)
	}
	v, err := ParseDecimal(s)
	if err != nil {
		return fmt.Errorf("decimal %s: %w", truncate(string(b)), err)
	}
	*d = v
	return nil
}

// decimalPtr converts an optional decimal.
func decimalPtr(d *decimal.Decimal) *Decimal {
	if d == nil {
		return nil
	}
	v := NewDecimal(*d)
	return &v
}

// Timestamp is the response's TimeStamp, a .NET round-trip time
// ("2019-02-26T14:30:45.7055122-05:00"). A time without an offset is read as
// UTC; one that does not parse is left zero rather than failing the
// response, since nothing depends on it.
type Timestamp struct{ time.Time }

// timestampLayouts are the forms a .NET service writes DateTime values in.
var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
}

// UnmarshalJSON reads the forms above; null and unparsable text give the
// zero time.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		t.Time = time.Time{}
		return nil
	}
	t.Time = time.Time{}
	for _, layout := range timestampLayouts {
		if v, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			t.Time = v
			return nil
		}
	}
	return nil
}

// MarshalJSON writes the time in the service's form, or null when zero.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.Format("2006-01-02T15:04:05.0000000-07:00"))
}

func truncate(s string) string {
	const n = 40
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
