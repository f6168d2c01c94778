package money

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

var parseDecimalSeeds = []string{
	"0", "-0", "24.0", "3.9321", "26.99", "-12.4", "4242", "32.5", "10.0", "0.0001",
	"1.5e3", "2E-2", "1e+3", "1e30", "1e-30", "1e31", "1e-31", "0e999999999", "1e999999999",
	"1e-999999999", "9223372036854775807", "-9223372036854775808", "92233720368547758.07",
	"1234567890123456789012345678901.123456789", "0.123456789012345678901234567891",
	"", " ", "+1", ".5", "5.", "1.2.3", "0x1A", "NaN", "Inf", "-Inf", "1,000", "1e", "1e+",
	"--1", "-", "１２", "\xff", "007", "00.100", "1E2147483648", "1e-2147483649",
	strings.Repeat("9", 41), "0." + strings.Repeat("0", 29) + "1",
	// Found by fuzzing: non-UTF-8 bytes, quoted as \xNN, make the echoed
	// input up to four times longer than its 40 bytes.
	"\xb10000000000000" + strings.Repeat("\xcc", 25),
}

// maxErrorLen bounds an error message: the input echoed is at most 40 bytes,
// at most 160 characters once quoted.
const maxErrorLen = 300

func FuzzParseDecimal(f *testing.F) {
	for _, s := range parseDecimalSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "money: ") || len(err.Error()) > maxErrorLen {
				t.Errorf("ParseDecimal(%q) error = %q", s, err)
			}
			return
		}
		// Never more than the documented limits.
		if exp := d.Exponent(); exp > 0 || exp < -MaxScale {
			t.Errorf("ParseDecimal(%q).Exponent() = %d", s, exp)
		}
		out := FormatDecimal(d)
		if strings.ContainsAny(out, "eE+") {
			t.Errorf("FormatDecimal(ParseDecimal(%q)) = %q, in exponent notation", s, out)
		}
		back, err := ParseDecimal(out)
		if err != nil {
			t.Fatalf("ParseDecimal(FormatDecimal(ParseDecimal(%q)) = %q) error: %v", s, out, err)
		}
		if !back.Equal(d) || FormatDecimal(back) != out {
			t.Errorf("ParseDecimal(%q) = %s, but %q parses to %s", s, out, out, FormatDecimal(back))
		}
		// Where shopspring's own (float-free) string parser also accepts the
		// input, both agree on the value.
		if lib, err := decimal.NewFromString(s); err == nil && !lib.Equal(d) {
			t.Errorf("ParseDecimal(%q) = %s, decimal.NewFromString = %s", s, out, lib.String())
		}
		// The JSON-number form works the same.
		if m, err := FromJSONNumber(json.Number(s), usd); err != nil || !m.Amount().Equal(d) {
			t.Errorf("FromJSONNumber(%q) = %v, %v; want %s", s, m, err, out)
		}
	})
}

func FuzzFormatAmountRoundTrip(f *testing.F) {
	for _, s := range parseDecimalSeeds {
		f.Add(s)
	}
	currencies := []Currency{jpy, usd, sgd, kwd, clf, MustCurrency("ABC")}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		for _, c := range currencies {
			m := New(d, c)
			out := m.FormatAmount()
			// Padded to at least the minor digits, never fewer.
			frac := 0
			if i := strings.IndexByte(out, '.'); i >= 0 {
				frac = len(out) - i - 1
			}
			if frac < c.MinorDigits() {
				t.Errorf("%s %s: FormatAmount() = %q has %d decimals, want at least %d", s, c, out, frac, c.MinorDigits())
			}
			back, err := Parse(out, c.Code())
			if err != nil {
				t.Fatalf("Parse(%q, %q) (FormatAmount of %q) error: %v", out, c.Code(), s, err)
			}
			if !back.Equal(m) {
				t.Errorf("Parse(FormatAmount(%q %s) = %q) = %v, want %v", s, c, out, back, m)
			}
			// JSON carries the same text.
			b, err := json.Marshal(m)
			if err != nil {
				t.Fatalf("json.Marshal(%v): %v", m, err)
			}
			var fromJSON Money
			if err := json.Unmarshal(b, &fromJSON); err != nil || !fromJSON.Equal(m) {
				t.Errorf("json round trip of %q %s through %s = %v, %v", s, c, b, fromJSON, err)
			}
			// Minor units, when they exist, agree with the amount.
			if units, err := m.MinorUnits(); err == nil {
				if !FromMinorUnits(units, c).Equal(m) {
					t.Errorf("%v.MinorUnits() = %d, which is %v", m, units, FromMinorUnits(units, c))
				}
			}
		}
	})
}

func FuzzMinorUnits(f *testing.F) {
	for _, n := range []int64{0, 1, -1, 5, 4242, -4242, 2400, 99, 100, 1000, 10000,
		math.MaxInt64, math.MinInt64, math.MaxInt64 - 1, math.MinInt64 + 1,
		math.MaxInt64 / 10, math.MinInt64 / 10, 1_000_000_000_000_000_000, -1_000_000_000_000_000_000} {
		f.Add(n)
	}
	currencies := []Currency{jpy, usd, kwd, clf} // 0, 2, 3 and 4 minor digits
	f.Fuzz(func(t *testing.T, n int64) {
		for _, c := range currencies {
			m := FromMinorUnits(n, c)
			got, err := m.MinorUnits()
			if err != nil || got != n {
				t.Errorf("FromMinorUnits(%d, %s).MinorUnits() = %d, %v", n, c, got, err)
			}
			// The formatted amount parses back to the same units.
			back, err := Parse(m.FormatAmount(), c.Code())
			if err != nil {
				t.Fatalf("Parse(%q, %s): %v", m.FormatAmount(), c, err)
			}
			if got, err := back.MinorUnits(); err != nil || got != n {
				t.Errorf("Parse(%q, %s).MinorUnits() = %d, %v; want %d", m.FormatAmount(), c, got, err, n)
			}
			// One more minor digit's worth is a sub-unit amount.
			tenth := decimal.New(1, -int32(c.MinorDigits())-1)
			plus, err := m.Add(New(tenth, c))
			if err != nil {
				t.Fatal(err)
			}
			if got, err := plus.MinorUnits(); !errors.Is(err, ErrSubUnit) {
				t.Errorf("%v.MinorUnits() = %d, %v; want ErrSubUnit", plus, got, err)
			}
		}
	})
}

// FuzzMoneyJSON: the fast path for MarshalJSON's own bytes decides exactly
// what the strict decoder decides, and every Money read back marshals to
// bytes that read back to the same Money.
func FuzzMoneyJSON(f *testing.F) {
	for _, s := range []string{
		`{"amount":"24.00","currencyCode":"USD"}`, `{"amount":"-0.5","currencyCode":"JPY"}`,
		`{"amount":"1e3","currencyCode":"USD"}`, `{"amount":"1.2.3","currencyCode":"USD"}`,
		`{"amount":"","currencyCode":"USD"}`, `{"amount":"12","currencyCode":"usd"}`,
		`{"amount":"12","currencyCode":"USD"} `, `{"amount":12,"currencyCode":"USD"}`,
		`{"currencyCode":"USD","amount":"3"}`, `{"amount":"--1","currencyCode":"EUR"}`, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast, strict Money
		errFast := fast.UnmarshalJSON(b)
		errStrict := strict.unmarshalStrict(b)
		if (errFast == nil) != (errStrict == nil) {
			t.Fatalf("%q: fast path error %v, strict error %v", b, errFast, errStrict)
		}
		if errFast != nil {
			return
		}
		if !fast.Equal(strict) || fast.Currency() != strict.Currency() {
			t.Fatalf("%q: fast path %v, strict %v", b, fast, strict)
		}
		out, err := fast.MarshalJSON()
		if err != nil {
			return // the zero Money from null
		}
		var back Money
		if err := back.UnmarshalJSON(out); err != nil || !back.Equal(fast) {
			t.Fatalf("%q → %s → %v, %v", b, out, back, err)
		}
	})
}
