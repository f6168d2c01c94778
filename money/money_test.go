package money

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

var (
	usd = MustCurrency("USD")
	eur = MustCurrency("EUR")
	sgd = MustCurrency("SGD")
	jpy = MustCurrency("JPY")
	kwd = MustCurrency("KWD")
	clf = MustCurrency("CLF")
)

// mustParse is Parse for test fixtures.
func mustParse(t testing.TB, amount, code string) Money {
	t.Helper()
	m, err := Parse(amount, code)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", amount, code, err)
	}
	return m
}

func mustDecimal(t testing.TB, s string) decimal.Decimal {
	t.Helper()
	d, err := ParseDecimal(s)
	if err != nil {
		t.Fatalf("ParseDecimal(%q): %v", s, err)
	}
	return d
}

func TestParse(t *testing.T) {
	tests := []struct {
		amount, code string
		want         string // String()
	}{
		{"24.0", "USD", "24.00 USD"},      // TradeGecko
		{"3.9321", "SGD", "3.9321 SGD"},   // TradeGecko, four decimals kept
		{"26.99", "USD", "26.99 USD"},     // TGC
		{"-12.4", "USD", "-12.40 USD"},    // TGC
		{"2400", "JPY", "2400 JPY"},       // no minor unit
		{"1.5", "JPY", "1.5 JPY"},         // kept, not rounded
		{"1.2", "KWD", "1.200 KWD"},       // three digits
		{"0.5", "CLF", "0.5000 CLF"},      // four digits
		{"24.000", "USD", "24.00 USD"},    // zeros beyond the minor unit dropped
		{"12.345", "USD", "12.345 USD"},   // kept, not rounded
		{"0", "USD", "0.00 USD"},          //
		{"-5", "USD", "-5.00 USD"},        //
		{"1e2", "EUR", "100.00 EUR"},      // JSON-number form
		{"19.99", "ABC", "19.99 ABC"},     // merchant-defined code: 2 digits
		{"-0.00", "USD", "0.00 USD"},      // no negative zero
		{"7", "XAU", "7.00 XAU"},          //
		{"0.0001", "USD", "0.0001 USD"},   //
		{"100.10", "BHD", "100.100 BHD"},  //
		{"-0.001", "BHD", "-0.001 BHD"},   //
		{"99999", "VND", "99999 VND"},     //
		{"5.00000", "CLF", "5.0000 CLF"},  //
		{"5.00001", "CLF", "5.00001 CLF"}, //
	}
	for _, tt := range tests {
		m, err := Parse(tt.amount, tt.code)
		if err != nil {
			t.Errorf("Parse(%q, %q) error: %v", tt.amount, tt.code, err)
			continue
		}
		if got := m.String(); got != tt.want {
			t.Errorf("Parse(%q, %q).String() = %q, want %q", tt.amount, tt.code, got, tt.want)
		}
		if m.Currency().Code() != tt.code {
			t.Errorf("Parse(%q, %q).Currency() = %v", tt.amount, tt.code, m.Currency())
		}
		if want := mustDecimal(t, tt.amount); !m.Amount().Equal(want) {
			t.Errorf("Parse(%q, %q).Amount() = %s, want %s", tt.amount, tt.code, m.Amount(), want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		amount, code string
		want         error
		quoted       string
	}{
		{"24.0", "usd", ErrInvalidCurrency, `"usd"`},
		{"24.0", "", ErrInvalidCurrency, `""`},
		{"24.0", "US", ErrInvalidCurrency, `"US"`},
		{"24,0", "USD", ErrInvalidAmount, `"24,0"`},
		{"", "USD", ErrInvalidAmount, `""`},
		{" 1", "USD", ErrInvalidAmount, `" 1"`},
		{"1e40", "USD", ErrOutOfRange, `"1e40"`},
	}
	for _, tt := range tests {
		m, err := Parse(tt.amount, tt.code)
		if !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q, %q) = %v, %v; want error %v", tt.amount, tt.code, m, err, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.quoted) {
			t.Errorf("Parse(%q, %q) error = %q, want it to contain %s", tt.amount, tt.code, err, tt.quoted)
		}
	}
}

func TestFromJSONNumber(t *testing.T) {
	tests := []struct {
		n    json.Number
		c    Currency
		want string
	}{
		{"26.99", usd, "26.99 USD"},
		{"-12.4", usd, "-12.40 USD"},
		{"0", usd, "0.00 USD"},
		{"-0", usd, "0.00 USD"},
		{"1.5e3", usd, "1500.00 USD"},
		{"2E-2", usd, "0.02 USD"},
		{"0.1", usd, "0.10 USD"},                          // exactly one tenth, not 0.1000000000000000055511151231257827
		{"9007199254740993", jpy, "9007199254740993 JPY"}, // 2^53+1, not representable as float64
		{"0.30000000000000004", usd, "0.30000000000000004 USD"},
	}
	for _, tt := range tests {
		m, err := FromJSONNumber(tt.n, tt.c)
		if err != nil {
			t.Errorf("FromJSONNumber(%q, %v) error: %v", tt.n, tt.c, err)
			continue
		}
		if got := m.String(); got != tt.want {
			t.Errorf("FromJSONNumber(%q, %v) = %q, want %q", tt.n, tt.c, got, tt.want)
		}
	}

	for _, n := range []json.Number{"", "abc", "1,5", "NaN", "0x10"} {
		if _, err := FromJSONNumber(n, usd); !errors.Is(err, ErrInvalidAmount) || !strings.Contains(err.Error(), strconv.Quote(string(n))) {
			t.Errorf("FromJSONNumber(%q) error = %v, want ErrInvalidAmount naming the input", n, err)
		}
	}
	if _, err := FromJSONNumber("1e999999999", usd); !errors.Is(err, ErrOutOfRange) {
		t.Errorf("FromJSONNumber(1e999999999) error = %v, want ErrOutOfRange", err)
	}
}

// TGC's decimal JSON numbers decoded the way adapters should: UseNumber.
func TestFromJSONNumberWithDecoder(t *testing.T) {
	dec := json.NewDecoder(strings.NewReader(`{"UnitPrice": 26.99, "Discount": -12.4, "Big": 12345678901234567890.123456789}`))
	dec.UseNumber()
	var body map[string]json.Number
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"UnitPrice": "26.99 USD", "Discount": "-12.40 USD", "Big": "12345678901234567890.123456789 USD"} {
		m, err := FromJSONNumber(body[key], usd)
		if err != nil || m.String() != want {
			t.Errorf("FromJSONNumber(%s) = %v, %v; want %s", key, m, err, want)
		}
	}
}

func TestFromMinorUnits(t *testing.T) {
	tests := []struct {
		units int64
		c     Currency
		want  string
	}{
		{4242, usd, "42.42 USD"}, // SimpleConsign cents
		{2400, jpy, "2400 JPY"},
		{1234, kwd, "1.234 KWD"},
		{12345, clf, "1.2345 CLF"},
		{0, usd, "0.00 USD"},
		{-1, usd, "-0.01 USD"},
		{5, usd, "0.05 USD"},
		{100, usd, "1.00 USD"},
		{math.MaxInt64, usd, "92233720368547758.07 USD"},
		{math.MinInt64, usd, "-92233720368547758.08 USD"},
		{math.MaxInt64, jpy, "9223372036854775807 JPY"},
		{math.MinInt64, clf, "-922337203685477.5808 CLF"},
		{7, Currency{}, "7"},
	}
	for _, tt := range tests {
		if got := FromMinorUnits(tt.units, tt.c).String(); got != tt.want {
			t.Errorf("FromMinorUnits(%d, %v) = %q, want %q", tt.units, tt.c, got, tt.want)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		amount, code string
		want         int64
	}{
		{"42.42", "USD", 4242},
		{"24.0", "USD", 2400},
		{"24.000", "USD", 2400},
		{"24", "USD", 2400},
		{"0", "USD", 0},
		{"-0.01", "USD", -1},
		{"-12.4", "USD", -1240},
		{"2400", "JPY", 2400},
		{"1.234", "KWD", 1234},
		{"1.2", "KWD", 1200},
		{"1.2345", "CLF", 12345},
		{"1e2", "USD", 10000},
		{"92233720368547758.07", "USD", math.MaxInt64},
		{"-92233720368547758.08", "USD", math.MinInt64},
		{"9223372036854775807", "JPY", math.MaxInt64},
		{"-9223372036854775808", "JPY", math.MinInt64},
		{"9223372036854775807.000", "JPY", math.MaxInt64},
		{"0.00000000000000000000000000000", "USD", 0},
	}
	for _, tt := range tests {
		m := mustParse(t, tt.amount, tt.code)
		got, err := m.MinorUnits()
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q, %q).MinorUnits() = %d, %v; want %d", tt.amount, tt.code, got, err, tt.want)
		}
	}
	// Non-canonical representations give the same answers.
	for _, tt := range []struct {
		d    decimal.Decimal
		c    Currency
		want int64
	}{
		{decimal.New(424200, -4), usd, 4242},
		{decimal.New(42, 0), usd, 4200},
		{decimal.New(42, 3), usd, 4200000},
		{decimal.New(0, -1000), usd, 0},
		{decimal.New(0, 1000), usd, 0},
	} {
		got, err := New(tt.d, tt.c).MinorUnits()
		if err != nil || got != tt.want {
			t.Errorf("New(%s, %v).MinorUnits() = %d, %v; want %d", tt.d, tt.c, got, err, tt.want)
		}
	}
}

func TestMinorUnitsErrors(t *testing.T) {
	tests := []struct {
		m    Money
		want error
		msg  string
	}{
		{mustParse(t, "12.345", "USD"), ErrSubUnit, "money: amount has more decimals than the currency's minor unit: 12.345 USD has more than 2 decimals"},
		{mustParse(t, "-0.001", "USD"), ErrSubUnit, "-0.001 USD has more than 2 decimals"},
		{mustParse(t, "1.5", "JPY"), ErrSubUnit, "1.5 JPY has more than 0 decimals"},
		{mustParse(t, "1.2345", "KWD"), ErrSubUnit, "1.2345 KWD has more than 3 decimals"},
		{mustParse(t, "3.9321", "SGD"), ErrSubUnit, "3.9321 SGD"},
		{mustParse(t, "0.00001", "CLF"), ErrSubUnit, "0.00001 CLF"},
		{mustParse(t, "0.000000000000000000000000000001", "USD"), ErrSubUnit, "USD"},
		{mustParse(t, "92233720368547758.08", "USD"), ErrOutOfRange, "money: amount out of range: 92233720368547758.08 USD in minor units does not fit a 64-bit integer"},
		{mustParse(t, "-92233720368547758.09", "USD"), ErrOutOfRange, "-92233720368547758.09 USD"},
		{mustParse(t, "9223372036854775808", "JPY"), ErrOutOfRange, "9223372036854775808 JPY"},
		{mustParse(t, "-9223372036854775809", "JPY"), ErrOutOfRange, "-9223372036854775809 JPY"},
		{mustParse(t, "1e30", "USD"), ErrOutOfRange, "USD"},
		{mustParse(t, "10000000000000000000", "JPY"), ErrOutOfRange, "JPY"}, // 20 digits
		{mustParse(t, "99999999999999999999", "JPY"), ErrOutOfRange, "JPY"},
		{New(decimal.New(5, 18), usd), ErrOutOfRange, "USD"},
		{New(decimal.New(1, 1<<30), usd), ErrOutOfRange, ""}, // must not build a billion-digit number
		{New(decimal.New(1, -(1<<30)), usd), ErrSubUnit, ""}, // nor here
		{New(decimal.New(5, 0), Currency{}), ErrInvalidCurrency, "money: invalid currency: 5 has no currency, so no minor unit"},
		{Money{}, ErrInvalidCurrency, "no currency"},
	}
	for _, tt := range tests {
		got, err := tt.m.MinorUnits()
		if !errors.Is(err, tt.want) {
			t.Errorf("%v.MinorUnits() = %d, %v; want error %v", tt.m.amount, got, err, tt.want)
			continue
		}
		if got != 0 {
			t.Errorf("%v.MinorUnits() = %d with an error, want 0", tt.m.amount, got)
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v.MinorUnits() error = %q, want it to contain %q", tt.m.amount, err, tt.msg)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{mustParse(t, "24.0", "USD"), "24.00"},
		{mustParse(t, "2400", "JPY"), "2400"},
		{mustParse(t, "3.9321", "SGD"), "3.9321"},
		{mustParse(t, "24.000", "USD"), "24.00"},
		{mustParse(t, "-5", "USD"), "-5.00"},
		{mustParse(t, "0", "USD"), "0.00"},
		{mustParse(t, "12.345", "USD"), "12.345"},
		{mustParse(t, "12.999", "USD"), "12.999"},
		{mustParse(t, "1", "KWD"), "1.000"},
		{mustParse(t, "1", "CLF"), "1.0000"},
		{FromMinorUnits(4242, usd), "42.42"},
		{FromMinorUnits(4200, usd), "42.00"},
		{New(decimal.New(24, 0), usd), "24.00"},
		{New(decimal.New(24000, -3), usd), "24.00"},
		{New(decimal.New(24, 2), usd), "2400.00"},
		{New(decimal.Decimal{}, usd), "0.00"},
		{Money{}, "0"},
	}
	for _, tt := range tests {
		if got := tt.m.FormatAmount(); got != tt.want {
			t.Errorf("%s %v: FormatAmount() = %q, want %q", tt.m.amount.String(), tt.m.currency, got, tt.want)
		}
	}
}

func TestZeroMoney(t *testing.T) {
	var m Money
	if got := m.FormatAmount(); got != "0" {
		t.Errorf("Money{}.FormatAmount() = %q, want \"0\"", got)
	}
	if got := m.String(); got != "0" {
		t.Errorf("Money{}.String() = %q, want \"0\"", got)
	}
	if !m.IsZero() || m.Sign() != 0 || !m.Currency().IsZero() || !m.Amount().IsZero() {
		t.Errorf("Money{}: IsZero %t, Sign %d, Currency %v, Amount %s", m.IsZero(), m.Sign(), m.Currency(), m.Amount())
	}
	if !m.Equal(Money{}) || !m.Neg().Equal(m) {
		t.Error("Money{} is not Equal to itself or its negation")
	}
	if s, err := m.Add(m); err != nil || !s.Equal(m) {
		t.Errorf("Money{}.Add(Money{}) = %v, %v", s, err)
	}
	if m.Equal(FromMinorUnits(0, usd)) {
		t.Error("Money{} Equal 0 USD, want false: different currencies")
	}
	if got := m.Mul(decimal.New(3, 0)); !got.IsZero() {
		t.Errorf("Money{}.Mul(3) = %v", got)
	}
}

func TestAccessors(t *testing.T) {
	tests := []struct {
		amount string
		sign   int
		zero   bool
		neg    string
	}{
		{"24.5", 1, false, "-24.50 USD"},
		{"-24.5", -1, false, "24.50 USD"},
		{"0", 0, true, "0.00 USD"},
		{"-0.00", 0, true, "0.00 USD"},
		{"0.0001", 1, false, "-0.0001 USD"},
	}
	for _, tt := range tests {
		m := mustParse(t, tt.amount, "USD")
		if m.Sign() != tt.sign || m.IsZero() != tt.zero {
			t.Errorf("Parse(%q): Sign() = %d, IsZero() = %t; want %d, %t", tt.amount, m.Sign(), m.IsZero(), tt.sign, tt.zero)
		}
		if got := m.Neg().String(); got != tt.neg {
			t.Errorf("Parse(%q).Neg() = %q, want %q", tt.amount, got, tt.neg)
		}
		if m.Currency() != usd {
			t.Errorf("Parse(%q).Currency() = %v", tt.amount, m.Currency())
		}
	}
	if !FromMinorUnits(0, eur).IsZero() {
		t.Error("0 EUR is not IsZero")
	}
}

func TestArithmetic(t *testing.T) {
	tests := []struct {
		a, b     string
		sum, sub string
		cmp      int
	}{
		{"24.0", "0.01", "24.01 USD", "23.99 USD", 1},
		{"0.1", "0.2", "0.30 USD", "-0.10 USD", -1}, // exact: not 0.30000000000000004
		{"24.0", "24.00", "48.00 USD", "0.00 USD", 0},
		{"3.9321", "0.0679", "4.00 USD", "3.8642 USD", 1},
		{"-5", "5", "0.00 USD", "-10.00 USD", -1},
		{"99999999999999999999999999999", "0.000000000000000000000000000001", "99999999999999999999999999999.000000000000000000000000000001 USD", "99999999999999999999999999998.999999999999999999999999999999 USD", 1},
	}
	for _, tt := range tests {
		a, b := mustParse(t, tt.a, "USD"), mustParse(t, tt.b, "USD")
		if got, err := a.Add(b); err != nil || got.String() != tt.sum {
			t.Errorf("%s.Add(%s) = %v, %v; want %s", tt.a, tt.b, got, err, tt.sum)
		}
		if got, err := a.Sub(b); err != nil || got.String() != tt.sub {
			t.Errorf("%s.Sub(%s) = %v, %v; want %s", tt.a, tt.b, got, err, tt.sub)
		}
		if got, err := a.Cmp(b); err != nil || got != tt.cmp {
			t.Errorf("%s.Cmp(%s) = %d, %v; want %d", tt.a, tt.b, got, err, tt.cmp)
		}
		if got, err := b.Cmp(a); err != nil || got != -tt.cmp {
			t.Errorf("%s.Cmp(%s) = %d, %v; want %d", tt.b, tt.a, got, err, -tt.cmp)
		}
		if got := a.Equal(b); got != (tt.cmp == 0) {
			t.Errorf("%s.Equal(%s) = %t", tt.a, tt.b, got)
		}
	}
}

func TestCurrencyMismatch(t *testing.T) {
	a, b := mustParse(t, "1", "USD"), mustParse(t, "1", "EUR")
	want := "money: currency mismatch: cannot add 1.00 USD and 1.00 EUR"
	if _, err := a.Add(b); !errors.Is(err, ErrCurrencyMismatch) || err.Error() != want {
		t.Errorf("Add error = %v, want %s", err, want)
	}
	if _, err := a.Sub(b); !errors.Is(err, ErrCurrencyMismatch) || !strings.Contains(err.Error(), "subtract 1.00 USD and 1.00 EUR") {
		t.Errorf("Sub error = %v", err)
	}
	if c, err := a.Cmp(b); !errors.Is(err, ErrCurrencyMismatch) || c != 0 || !strings.Contains(err.Error(), "compare 1.00 USD and 1.00 EUR") {
		t.Errorf("Cmp = %d, %v", c, err)
	}
	if _, err := a.Add(Money{}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("1 USD + Money{} error = %v, want ErrCurrencyMismatch", err)
	}
	if a.Equal(b) {
		t.Error("1 USD Equal 1 EUR")
	}
	if FromMinorUnits(0, usd).Equal(FromMinorUnits(0, eur)) {
		t.Error("0 USD Equal 0 EUR")
	}
}

func TestMul(t *testing.T) {
	tests := []struct {
		price, code, q, want string
	}{
		{"24.0", "USD", "3", "72.00 USD"},
		{"24.0", "USD", "32.5", "780.00 USD"},
		{"0.99", "USD", "0.5", "0.495 USD"}, // exact, not rounded
		{"3.9321", "SGD", "10", "39.321 SGD"},
		{"-1.5", "USD", "-2", "3.00 USD"},
		{"1.5", "USD", "0", "0.00 USD"},
		{"2400", "JPY", "0.1", "240 JPY"},
		{"0.1", "USD", "0.1", "0.01 USD"},
	}
	for _, tt := range tests {
		m := mustParse(t, tt.price, tt.code)
		got := m.Mul(mustDecimal(t, tt.q))
		if got.String() != tt.want {
			t.Errorf("%s %s .Mul(%s) = %q, want %q", tt.price, tt.code, tt.q, got, tt.want)
		}
	}
}

func TestSum(t *testing.T) {
	got, err := Sum(usd, mustParse(t, "24.0", "USD"), mustParse(t, "0.10", "USD"), mustParse(t, "-4.1", "USD"), FromMinorUnits(1, usd))
	if err != nil || got.String() != "20.01 USD" {
		t.Errorf("Sum = %v, %v; want 20.01 USD", got, err)
	}
	if got, err := Sum(jpy); err != nil || !got.Equal(FromMinorUnits(0, jpy)) || got.String() != "0 JPY" {
		t.Errorf("Sum(JPY) = %v, %v; want 0 JPY", got, err)
	}
	// 0.1 added ten times is exactly 1.
	tenths := make([]Money, 10)
	for i := range tenths {
		tenths[i] = mustParse(t, "0.1", "USD")
	}
	if got, err := Sum(usd, tenths...); err != nil || !got.Equal(mustParse(t, "1", "USD")) {
		t.Errorf("Sum(0.1 × 10) = %v, %v; want 1.00 USD", got, err)
	}
	_, err = Sum(usd, mustParse(t, "1", "USD"), mustParse(t, "2", "EUR"))
	want := "money: currency mismatch: sum in USD: item 1 is 2.00 EUR"
	if !errors.Is(err, ErrCurrencyMismatch) || err.Error() != want {
		t.Errorf("Sum(USD, 1 USD, 2 EUR) error = %v, want %s", err, want)
	}
	if _, err := Sum(usd, Money{}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("Sum(USD, Money{}) error = %v, want ErrCurrencyMismatch", err)
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{mustParse(t, "24.0", "USD"), "24.00 USD"},
		{mustParse(t, "2400", "JPY"), "2400 JPY"},
		{mustParse(t, "-0.5", "KWD"), "-0.500 KWD"},
		{New(decimal.New(5, 0), Currency{}), "5"},
		{Money{}, "0"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
