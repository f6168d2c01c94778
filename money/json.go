package money

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MarshalJSON renders m as {"amount":"24.00","currencyCode":"USD"}, the amount
// a string formatted by FormatAmount (never a JSON number, which clients
// would read as a float).
//
// The zero Money marshals to null. A non-zero amount without a currency is an
// error (ErrInvalidCurrency) rather than a currencyCode of "".
func (m Money) MarshalJSON() ([]byte, error) {
	if m.currency.IsZero() {
		if m.amount.IsZero() {
			return []byte("null"), nil
		}
		return nil, fmt.Errorf("%w: cannot marshal amount %s without a currency", ErrInvalidCurrency, m.describe())
	}
	amount := m.FormatAmount()
	b := make([]byte, 0, len(`{"amount":"","currencyCode":"USD"}`)+len(amount))
	b = append(b, `{"amount":"`...)
	b = append(b, amount...) // digits, '-' and '.': nothing to escape
	b = append(b, `","currencyCode":"`...)
	b = append(b, m.currency.code...) // three letters A-Z
	b = append(b, `"}`...)
	return b, nil
}

// UnmarshalJSON reads {"amount":…,"currencyCode":"…"} strictly: exactly
// those two members, each once, names matched exactly; amount is a decimal
// string or a JSON number (read as json.Number, never as float64) parsed by
// ParseDecimal; currencyCode is validated by ParseCurrency. Errors wrap
// ErrInvalidAmount, ErrOutOfRange or ErrInvalidCurrency where the problem is
// one of those. On error m is left unchanged.
//
// As encoding/json expects of an Unmarshaler, null is a no-op.
func (m *Money) UnmarshalJSON(b []byte) error {
	if amount, code, ok := canonicalMoney(b); ok {
		c, err := ParseCurrency(code)
		if err != nil {
			return err
		}
		d, err := ParseDecimal(amount)
		if err != nil {
			return err
		}
		*m = Money{amount: d, currency: c}
		return nil
	}
	return m.unmarshalStrict(b)
}

// unmarshalStrict is UnmarshalJSON with a JSON decoder, for any input.
func (m *Money) unmarshalStrict(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()

	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("money: invalid JSON: %w", err)
	}
	if tok == nil {
		if err := expectEOF(dec); err != nil {
			return err
		}
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("money: Money must be a JSON object, got %s", describeToken(tok))
	}

	var (
		amount, code       string
		haveAmount, haveCC bool
	)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("money: invalid JSON: %w", err)
		}
		name, _ := tok.(string) // object keys are always strings
		switch name {
		case "amount":
			if haveAmount {
				return errors.New(`money: duplicate member "amount"`)
			}
			haveAmount = true
			tok, err := dec.Token()
			if err != nil {
				return fmt.Errorf("money: invalid JSON: %w", err)
			}
			switch v := tok.(type) {
			case string:
				amount = v
			case json.Number:
				amount = v.String()
			default:
				return fmt.Errorf("%w: \"amount\" must be a string or a number, got %s", ErrInvalidAmount, describeToken(tok))
			}
		case "currencyCode":
			if haveCC {
				return errors.New(`money: duplicate member "currencyCode"`)
			}
			haveCC = true
			tok, err := dec.Token()
			if err != nil {
				return fmt.Errorf("money: invalid JSON: %w", err)
			}
			v, ok := tok.(string)
			if !ok {
				return fmt.Errorf("%w: \"currencyCode\" must be a string, got %s", ErrInvalidCurrency, describeToken(tok))
			}
			code = v
		default:
			return fmt.Errorf("money: unknown member %s in Money (want \"amount\" and \"currencyCode\")", quoteInput(name))
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return fmt.Errorf("money: invalid JSON: %w", err)
	}
	if err := expectEOF(dec); err != nil {
		return err
	}
	if !haveAmount {
		return fmt.Errorf(`%w: missing "amount"`, ErrInvalidAmount)
	}
	if !haveCC {
		return fmt.Errorf(`%w: missing "currencyCode"`, ErrInvalidCurrency)
	}
	c, err := ParseCurrency(code)
	if err != nil {
		return err
	}
	d, err := ParseDecimal(amount)
	if err != nil {
		return err
	}
	*m = Money{amount: d, currency: c}
	return nil
}

// canonicalMoney recognises the exact bytes MarshalJSON writes,
// {"amount":"<digits, '-', '.'>","currencyCode":"<3 letters>"}, the shape
// nearly every Money read (from the cache, say) has, and splits it without
// a JSON decoder. Anything else goes the strict way.
func canonicalMoney(b []byte) (amount, code string, ok bool) {
	const head, mid, tail = `{"amount":"`, `","currencyCode":"`, `"}`
	rest, found := bytes.CutPrefix(b, []byte(head))
	if !found {
		return "", "", false
	}
	i := bytes.IndexByte(rest, '"')
	if i <= 0 {
		return "", "", false
	}
	for _, c := range rest[:i] {
		if (c < '0' || c > '9') && c != '-' && c != '.' {
			return "", "", false
		}
	}
	amt := rest[:i]
	rest, found = bytes.CutPrefix(rest[i:], []byte(mid))
	if !found || len(rest) != 3+len(tail) || string(rest[3:]) != tail {
		return "", "", false
	}
	for _, c := range rest[:3] {
		if c < 'A' || c > 'Z' {
			return "", "", false
		}
	}
	return string(amt), string(rest[:3]), true
}

func expectEOF(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return errors.New("money: unexpected data after the Money value")
		}
		return fmt.Errorf("money: invalid JSON after the Money value: %w", err)
	}
	return nil
}

// describeToken names a JSON token's kind (and value, for scalars) in an
// error message.
func describeToken(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case bool:
		return fmt.Sprintf("%t", v)
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case json.Number:
		return "the number " + quoteInput(v.String())
	case string:
		return "the string " + quoteInput(v)
	}
	return fmt.Sprintf("%v", tok)
}
