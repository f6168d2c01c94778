// Package money holds exact amounts of money: a decimal amount plus an
// ISO-4217 currency.
//
// It is the only way amounts cross the gateway. The three backends send money
// in three shapes and each has a constructor that keeps it exact:
//
//   - TradeGecko decimal strings ("24.0", "3.9321"): Parse or ParseDecimal;
//   - TradeGlobal JSON numbers (26.99, -12.4), and TradeGecko's occasional
//     bare numbers: decode with json.Decoder.UseNumber, then FromJSONNumber;
//   - SimpleConsign integer minor units (4242 = 42.42 USD): FromMinorUnits,
//     and back with Money.MinorUnits.
//
// Two things this package never does. It never uses float64 (or any binary
// floating point): not to parse, not for arithmetic, not in JSON, not in its
// tests; amounts are shopspring/decimal values built from digit strings and
// integers. And it never rounds silently: a Money keeps every decimal it was
// given (a TradeGecko price of 3.9321 SGD stays 3.9321 even though SGD has 2
// minor digits); FormatAmount pads to the currency's minor digits but never
// cuts one; MinorUnits fails with ErrSubUnit rather than drop a fraction of a
// cent. Rounding, where a business rule calls for it, is the caller's
// explicit decision.
//
// The zero Money has amount 0 and no currency. It formats as "0", compares
// equal only to itself, and marshals to JSON null.
package money

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// Errors returned by this package, always wrapped with details naming the
// offending input; test for them with errors.Is.
var (
	// ErrInvalidAmount: the text is not a decimal number.
	ErrInvalidAmount = errors.New("money: invalid amount")
	// ErrInvalidCurrency: the code is not three ASCII uppercase letters, or
	// a currency is missing where one is required.
	ErrInvalidCurrency = errors.New("money: invalid currency")
	// ErrSubUnit: the amount cannot be expressed in whole minor units
	// (12.345 USD in cents).
	ErrSubUnit = errors.New("money: amount has more decimals than the currency's minor unit")
	// ErrCurrencyMismatch: an operation combined two different currencies.
	ErrCurrencyMismatch = errors.New("money: currency mismatch")
	// ErrOutOfRange: a well-formed amount too large or too precise for
	// ParseDecimal, or a number of minor units that does not fit an int64.
	ErrOutOfRange = errors.New("money: amount out of range")
)

// Money is an exact amount in a currency. Its zero value is 0 with no
// currency. Money is a value type; compare with Equal or Cmp, not ==.
type Money struct {
	amount   decimal.Decimal
	currency Currency
}

// New returns amount in currency c, exactly as given. Amounts from
// ParseDecimal are bounded in size; New trusts its caller not to pass a
// decimal with an absurd exponent, which would make formatting it costly.
func New(amount decimal.Decimal, c Currency) Money {
	return Money{amount: amount, currency: c}
}

// Parse parses a decimal string (see ParseDecimal) and a currency code (see
// ParseCurrency): Parse("24.0", "USD").
func Parse(amount, currencyCode string) (Money, error) {
	c, err := ParseCurrency(currencyCode)
	if err != nil {
		return Money{}, err
	}
	d, err := ParseDecimal(amount)
	if err != nil {
		return Money{}, err
	}
	return Money{amount: d, currency: c}, nil
}

// FromJSONNumber returns the exact value of a JSON number in currency c. Get n
// from a json.Decoder with UseNumber (or a json.Number field), so that the
// number never passes through float64.
func FromJSONNumber(n json.Number, c Currency) (Money, error) {
	d, err := ParseDecimal(n.String())
	if err != nil {
		return Money{}, err
	}
	return Money{amount: d, currency: c}, nil
}

// FromMinorUnits returns units minor units of c: 4242 USD cents is 42.42 USD,
// 2400 JPY is 2400 JPY, 1234 KWD fils is 1.234 KWD.
func FromMinorUnits(units int64, c Currency) Money {
	return Money{amount: decimal.New(units, -int32(c.digits)), currency: c}
}

// MinorUnits returns m as an integer number of minor units of its currency
// (42.42 USD → 4242), exactly or not at all: an amount with more decimals
// than the currency's minor unit (12.345 USD) is an ErrSubUnit, one whose
// minor units do not fit an int64 is an ErrOutOfRange, and a Money without a
// currency is an ErrInvalidCurrency. It never rounds.
func (m Money) MinorUnits() (int64, error) {
	if m.currency.IsZero() {
		return 0, fmt.Errorf("%w: %s has no currency, so no minor unit", ErrInvalidCurrency, m.describe())
	}
	coef := m.amount.Coefficient()
	if coef.Sign() == 0 {
		return 0, nil
	}
	neg := coef.Sign() < 0
	ds := coef.Abs(coef).String()
	// The value in minor units is ds × 10^e.
	e := int64(m.amount.Exponent()) + int64(m.currency.digits)
	for e < 0 && ds[len(ds)-1] == '0' {
		ds = ds[:len(ds)-1]
		e++
	}
	if e < 0 {
		return 0, fmt.Errorf("%w: %s has more than %d decimals", ErrSubUnit, m.describe(), m.currency.digits)
	}
	// ds has no leading zeros: 20 or more digits are at least 10^19, beyond
	// int64. Checking before padding keeps huge exponents cheap.
	if int64(len(ds))+e > 19 {
		return 0, m.minorOutOfRange()
	}
	buf := make([]byte, 0, 20)
	if neg {
		buf = append(buf, '-')
	}
	buf = append(buf, ds...)
	for ; e > 0; e-- {
		buf = append(buf, '0')
	}
	units, err := strconv.ParseInt(string(buf), 10, 64)
	if err != nil {
		return 0, m.minorOutOfRange()
	}
	return units, nil
}

func (m Money) minorOutOfRange() error {
	return fmt.Errorf("%w: %s in minor units does not fit a 64-bit integer", ErrOutOfRange, m.describe())
}

// Amount returns the exact amount.
func (m Money) Amount() decimal.Decimal { return m.amount }

// Currency returns the currency (the zero Currency for the zero Money).
func (m Money) Currency() Currency { return m.currency }

// IsZero reports whether the amount is zero, whatever the currency.
func (m Money) IsZero() bool { return m.amount.IsZero() }

// Sign returns -1, 0 or +1 as the amount is negative, zero or positive.
func (m Money) Sign() int { return m.amount.Sign() }

// Neg returns -m.
func (m Money) Neg() Money { return Money{amount: m.amount.Neg(), currency: m.currency} }

// Add returns m + o, exactly. The currencies must be the same, else
// ErrCurrencyMismatch.
func (m Money) Add(o Money) (Money, error) {
	if err := m.sameCurrency(o, "add"); err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Add(o.amount), currency: m.currency}, nil
}

// Sub returns m - o, exactly. The currencies must be the same, else
// ErrCurrencyMismatch.
func (m Money) Sub(o Money) (Money, error) {
	if err := m.sameCurrency(o, "subtract"); err != nil {
		return Money{}, err
	}
	return Money{amount: m.amount.Sub(o.amount), currency: m.currency}, nil
}

// Mul returns m × q (a unit price times a quantity), exactly: decimal
// multiplication does not round. The result may have more decimals than the
// currency's minor unit (0.99 × 0.5 = 0.495); it is the caller's decision
// whether and how to round.
func (m Money) Mul(q decimal.Decimal) Money {
	return Money{amount: m.amount.Mul(q), currency: m.currency}
}

// Cmp compares m and o: -1 if m < o, 0 if they are numerically equal, +1 if
// m > o. The currencies must be the same, else ErrCurrencyMismatch.
func (m Money) Cmp(o Money) (int, error) {
	if err := m.sameCurrency(o, "compare"); err != nil {
		return 0, err
	}
	return m.amount.Cmp(o.amount), nil
}

// Equal reports whether m and o have the same currency and numerically equal
// amounts: 24.0 USD equals 24.00 USD; 0 USD does not equal 0 EUR.
func (m Money) Equal(o Money) bool {
	return m.currency == o.currency && m.amount.Equal(o.amount)
}

// Sum returns the sum of ms, all of which must be in currency c (else
// ErrCurrencyMismatch); with no ms it is 0 in c.
func Sum(c Currency, ms ...Money) (Money, error) {
	total := decimal.New(0, 0)
	for i, m := range ms {
		if m.currency != c {
			return Money{}, fmt.Errorf("%w: sum in %s: item %d is %s", ErrCurrencyMismatch, displayCode(c), i, m.describe())
		}
		total = total.Add(m.amount)
	}
	return Money{amount: total, currency: c}, nil
}

func (m Money) sameCurrency(o Money, op string) error {
	if m.currency != o.currency {
		return fmt.Errorf("%w: cannot %s %s and %s", ErrCurrencyMismatch, op, m.describe(), o.describe())
	}
	return nil
}

// describe renders m for an error message. Like String, except that an
// amount built (with New or Mul) with an exponent too large to write out is
// shown in exponent notation instead of as millions of digits.
func (m Money) describe() string {
	if exp := m.amount.Exponent(); exp < -maxDescribedExponent || exp > maxDescribedExponent {
		s := m.amount.Coefficient().String() + "e" + strconv.Itoa(int(exp))
		if m.currency.IsZero() {
			return s
		}
		return s + " " + m.currency.code
	}
	return m.String()
}

const maxDescribedExponent = 100

// FormatAmount renders the amount with at least the currency's minor digits,
// padding but never rounding (see FormatDecimalFixed): USD 24.0 → "24.00",
// JPY 2400 → "2400", SGD 3.9321 → "3.9321", USD 24.000 → "24.00",
// USD -5 → "-5.00", USD 12.345 → "12.345". The zero Money gives "0".
func (m Money) FormatAmount() string {
	return FormatDecimalFixed(m.amount, m.currency.MinorDigits())
}

// String renders m as "24.00 USD"; a Money without a currency renders as its
// amount alone ("0" for the zero Money).
func (m Money) String() string {
	if m.currency.IsZero() {
		return m.FormatAmount()
	}
	return m.FormatAmount() + " " + m.currency.code
}
