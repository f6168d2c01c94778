package money

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Limits of ParseDecimal. They keep every parsed value small enough that
// formatting and arithmetic on it stay cheap, whatever the input.
const (
	// MaxSignificantDigits is the most significant digits (from the first
	// non-zero digit to the last non-zero digit) a parsed decimal may have.
	MaxSignificantDigits = 40
	// MaxScale is the most decimals a parsed decimal may need once its
	// trailing zeros are dropped: 1e-30 is accepted, 1e-31 is not.
	MaxScale = 30
	// MaxIntegerDigits is the most digits a parsed decimal may have before
	// the point: 1e30 is accepted, 1e31 is not.
	MaxIntegerDigits = 31
)

// maxEchoedInput is how much of a rejected input an error message quotes.
const maxEchoedInput = 40

// ParseDecimal parses s as an exact decimal number.
//
// The accepted form is an optional leading '-', one or more ASCII digits, and
// optionally a '.' followed by one or more digits; it may end in a JSON-style
// exponent ('e' or 'E', an optional sign, digits) so that the text of any
// json.Number parses: "24.0", "-12.4", "3.9321", "1.5e3", "2E-2".
// Everything else is an ErrInvalidAmount: the empty string, surrounding
// whitespace, a leading '+', a leading or trailing '.', hexadecimal, NaN and
// Inf, thousands separators.
//
// A well-formed number is an ErrOutOfRange when its value has more than
// MaxSignificantDigits significant digits, more than MaxScale decimals or
// more than MaxIntegerDigits integer digits. The check is on the value, not
// on the spelling: "1.000" and "1e0" are both 1, and zero is accepted with
// any exponent. This bound is checked before anything is allocated, so an
// input such as "1e999999999" costs nothing.
//
// The result is exact (no float64 is involved) and canonical: its exponent is
// minus the number of decimals the value needs, so "24.0" and "24" both come
// back as 24 × 10^0, and "3.9320" as 3932 × 10^-3.
// Use FormatDecimalFixed to show a fixed number of decimals.
//
// Error messages quote the input (its first 40 bytes when it is longer).
func ParseDecimal(s string) (decimal.Decimal, error) {
	invalid := func(why string) (decimal.Decimal, error) {
		return decimal.Decimal{}, fmt.Errorf("%w: %s is not a decimal number (%s)", ErrInvalidAmount, quoteInput(s), why)
	}
	outOfRange := func(why string) (decimal.Decimal, error) {
		return decimal.Decimal{}, fmt.Errorf("%w: %s %s", ErrOutOfRange, quoteInput(s), why)
	}

	if s == "" {
		return invalid("empty")
	}
	i := 0
	neg := false
	if s[0] == '-' {
		neg = true
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	if intPart == "" {
		switch {
		case i < len(s) && s[i] == '.':
			return invalid("a digit must come before '.'")
		case i == len(s):
			return invalid("no digits")
		default:
			return invalid(fmt.Sprintf("unexpected %s at offset %d", quoteRune(s, i), i))
		}
	}
	fracPart := ""
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracPart = s[fracStart:i]
		if fracPart == "" {
			return invalid("a digit must follow '.'")
		}
	}
	// exp is the written exponent, saturated at ±expSaturation: no input is
	// long enough for a saturated exponent to be mistaken for an in-range one.
	const expSaturation = 1 << 50
	exp := int64(0)
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		expStart := i
		for i < len(s) && isDigit(s[i]) {
			if exp < expSaturation {
				exp = exp*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == expStart {
			return invalid("digits must follow the exponent")
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return invalid(fmt.Sprintf("unexpected %s at offset %d", quoteRune(s, i), i))
	}

	// The digits are intPart followed by fracPart; the decimal point sits
	// after digit number point (counting from 0, possibly outside them).
	n := int64(len(intPart) + len(fracPart))
	digit := func(k int64) byte {
		if k < int64(len(intPart)) {
			return intPart[k]
		}
		return fracPart[k-int64(len(intPart))]
	}
	first := int64(0)
	for first < n && digit(first) == '0' {
		first++
	}
	if first == n {
		return decimal.New(0, 0), nil
	}
	last := n - 1
	for digit(last) == '0' {
		last--
	}
	point := int64(len(intPart)) + exp
	if sig := last - first + 1; sig > MaxSignificantDigits {
		return outOfRange(fmt.Sprintf("has more than %d significant digits", MaxSignificantDigits))
	}
	if intDigits := point - first; intDigits > MaxIntegerDigits {
		return outOfRange(fmt.Sprintf("is 10^%d or more", MaxIntegerDigits))
	}
	scale := max(last+1-point, 0)
	if scale > MaxScale {
		return outOfRange(fmt.Sprintf("has more than %d decimals", MaxScale))
	}

	// Canonical coefficient: the significant digits, followed by zeros up to
	// the decimal point when the value is an integer. At most
	// max(MaxSignificantDigits, MaxIntegerDigits) digits.
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for k := first; k <= last; k++ {
		b.WriteByte(digit(k))
	}
	for k := last + 1; k < point; k++ {
		b.WriteByte('0')
	}
	coef, ok := new(big.Int).SetString(b.String(), 10)
	if !ok {
		// Unreachable: b holds an optional '-' and at least one digit.
		return invalid("internal error")
	}
	return decimal.NewFromBigInt(coef, int32(-scale)), nil
}

// FormatDecimal renders d in its shortest exact form, never in exponent
// notation: 32.5 → "32.5", 10.0 → "10", -2 → "-2", 0.0001 → "0.0001".
//
// It writes every digit of d, so a decimal built with an enormous exponent
// (which ParseDecimal never returns) makes an enormous string.
func FormatDecimal(d decimal.Decimal) string {
	return FormatDecimalFixed(d, 0)
}

// FormatDecimalFixed renders d exactly with at least digits decimals: it pads
// with zeros but never rounds. Zeros beyond digits are dropped, which is not
// rounding. With digits = 2: 24 → "24.00", 24.000 → "24.00",
// 3.9321 → "3.9321", -5 → "-5.00", 0 → "0.00". A negative digits counts as 0.
//
// This is the rule Money.FormatAmount uses. (decimal.Decimal.StringFixed is
// not: it rounds.)
func FormatDecimalFixed(d decimal.Decimal, digits int) string {
	digits = max(digits, 0)
	// The coefficient's digits, without sign: from an int64 when it fits
	// (no allocation: answers format thousands of these), else big.Int.
	var num [24]byte
	var ds []byte
	var neg bool
	if d.NumDigits() <= 18 {
		c := d.CoefficientInt64()
		neg = c < 0
		if neg {
			c = -c
		}
		ds = strconv.AppendInt(num[:0], c, 10)
	} else {
		coef := d.Coefficient()
		neg = coef.Sign() < 0
		ds = coef.Abs(coef).Append(nil, 10)
	}
	exp := int64(d.Exponent())

	// Drop trailing zeros after the decimal point.
	if len(ds) == 1 && ds[0] == '0' {
		exp = 0
	}
	for exp < 0 && len(ds) > 1 && ds[len(ds)-1] == '0' {
		ds = ds[:len(ds)-1]
		exp++
	}

	var out [48]byte
	b := out[:0]
	if neg {
		b = append(b, '-')
	}
	frac := 0
	if exp >= 0 {
		b = append(b, ds...)
		b = appendZeros(b, exp)
	} else {
		frac = int(-exp)
		if len(ds) > frac {
			b = append(b, ds[:len(ds)-frac]...)
			b = append(b, '.')
			b = append(b, ds[len(ds)-frac:]...)
		} else {
			b = append(b, "0."...)
			b = appendZeros(b, int64(frac-len(ds)))
			b = append(b, ds...)
		}
	}
	if frac < digits {
		if frac == 0 {
			b = append(b, '.')
		}
		b = appendZeros(b, int64(digits-frac))
	}
	return string(b)
}

func appendZeros(b []byte, n int64) []byte {
	for ; n > 0; n-- {
		b = append(b, '0')
	}
	return b
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// quoteInput quotes s for an error message, cut to its first maxEchoedInput
// bytes (on a rune boundary) when longer.
func quoteInput(s string) string {
	if len(s) <= maxEchoedInput {
		return strconv.Quote(s)
	}
	n := maxEchoedInput
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s… (%d bytes)", strconv.Quote(s[:n]), len(s))
}

// quoteRune quotes the character of s at byte offset i.
func quoteRune(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError {
		return fmt.Sprintf("byte %#02x", s[i])
	}
	return strconv.QuoteRune(r)
}
