package money

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		want string // FormatDecimal of the result
		exp  int32  // canonical exponent
	}{
		{"0", "0", 0},
		{"-0", "0", 0},
		{"0.000", "0", 0},
		{"00", "0", 0},
		{"0e999999999999999999999", "0", 0},
		{"24.0", "24", 0},
		{"24", "24", 0},
		{"24.00", "24", 0},
		{"3.9321", "3.9321", -4},
		{"3.9320", "3.932", -3},
		{"26.99", "26.99", -2},
		{"-12.4", "-12.4", -1},
		{"32.5", "32.5", -1},
		{"0.0001", "0.0001", -4},
		{"007", "7", 0},
		{"2400", "2400", 0},
		{"1.5e3", "1500", 0},
		{"1.5E3", "1500", 0},
		{"1.5e+3", "1500", 0},
		{"2E-2", "0.02", -2},
		{"-2e-2", "-0.02", -2},
		{"12345e-2", "123.45", -2},
		{"1e30", "1000000000000000000000000000000", 0},
		{"1e-30", "0.000000000000000000000000000001", -30},
		{"-1e-30", "-0.000000000000000000000000000001", -30},
		{"0.100000000000000000000000000000000000000000000000", "0.1", -1}, // trailing zeros are not precision
		{"1000000000000000000000000000000", "1000000000000000000000000000000", 0},
		{"9999999999999999999999999999999", "9999999999999999999999999999999", 0},
		{"9223372036854775808", "9223372036854775808", 0},
		{"123456789012345678901.1234567890123456789", "123456789012345678901.1234567890123456789", -19}, // 40 significant digits
		{"0.000000000012345678901234567890", "0.00000000001234567890123456789", -29},
		{"0.123456789012345678901234567891", "0.123456789012345678901234567891", -30}, // 30 decimals: the edge
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in)
		if err != nil {
			t.Errorf("ParseDecimal(%q) error: %v", tt.in, err)
			continue
		}
		if s := FormatDecimal(got); s != tt.want {
			t.Errorf("FormatDecimal(ParseDecimal(%q)) = %q, want %q", tt.in, s, tt.want)
		}
		if got.Exponent() != tt.exp {
			t.Errorf("ParseDecimal(%q).Exponent() = %d, want %d", tt.in, got.Exponent(), tt.exp)
		}
		// Cross-check with shopspring's own parser (which never uses
		// floats for strings).
		if lib, err := decimal.NewFromString(tt.in); err == nil && !lib.Equal(got) {
			t.Errorf("ParseDecimal(%q) = %s, decimal.NewFromString = %s", tt.in, got, lib)
		}
	}
}

func TestParseDecimalRejects(t *testing.T) {
	long := strings.Repeat("9", 1000) + "x"
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrInvalidAmount},
		{" ", ErrInvalidAmount},
		{" 1", ErrInvalidAmount},
		{"1 ", ErrInvalidAmount},
		{"1\n", ErrInvalidAmount},
		{"\t1", ErrInvalidAmount},
		{"+1", ErrInvalidAmount},
		{"-", ErrInvalidAmount},
		{"--1", ErrInvalidAmount},
		{"-+1", ErrInvalidAmount},
		{".5", ErrInvalidAmount},
		{"-.5", ErrInvalidAmount},
		{"5.", ErrInvalidAmount},
		{"5.e3", ErrInvalidAmount},
		{".", ErrInvalidAmount},
		{"1.2.3", ErrInvalidAmount},
		{"0x1A", ErrInvalidAmount},
		{"0X1A", ErrInvalidAmount},
		{"1p3", ErrInvalidAmount},
		{"NaN", ErrInvalidAmount},
		{"nan", ErrInvalidAmount},
		{"Inf", ErrInvalidAmount},
		{"-Inf", ErrInvalidAmount},
		{"+Inf", ErrInvalidAmount},
		{"Infinity", ErrInvalidAmount},
		{"1,000", ErrInvalidAmount},
		{"1,000.00", ErrInvalidAmount},
		{"1.000,00", ErrInvalidAmount},
		{"1_000", ErrInvalidAmount},
		{"1e", ErrInvalidAmount},
		{"1e+", ErrInvalidAmount},
		{"1e-", ErrInvalidAmount},
		{"1e1.5", ErrInvalidAmount},
		{"e5", ErrInvalidAmount},
		{"$5", ErrInvalidAmount},
		{"5USD", ErrInvalidAmount},
		{"１２", ErrInvalidAmount}, // fullwidth digits
		{"1\x00", ErrInvalidAmount},
		{"\xff", ErrInvalidAmount},
		{strings.Repeat("\xff", 100), ErrInvalidAmount},
		{`"1"`, ErrInvalidAmount},
		{"null", ErrInvalidAmount},
		{"true", ErrInvalidAmount},
		{long, ErrInvalidAmount},
		// Well formed, out of range.
		{"1e31", ErrOutOfRange},
		{"10e30", ErrOutOfRange},
		{"-1e31", ErrOutOfRange},
		{"1e-31", ErrOutOfRange},
		{"0.0000000000000000000000000000001", ErrOutOfRange}, // 31 decimals
		{"10000000000000000000000000000000", ErrOutOfRange},  // 32 digits
		{"1e999999999", ErrOutOfRange},
		{"1e-999999999", ErrOutOfRange},
		{"1e99999999999999999999999999999999999999999", ErrOutOfRange},
		{"1E2147483648", ErrOutOfRange},
		{"1e-2147483649", ErrOutOfRange},
		{"1234567890123456789012345678901.1234567891", ErrOutOfRange}, // 41 significant digits
		{"1.234567890123456789012345678901234567891", ErrOutOfRange},  // 40 decimals, 40 digits
		{"12345678901234567890.123456789012345678901", ErrOutOfRange}, // 41 significant digits
		{strings.Repeat("9", 1000), ErrOutOfRange},
		{"0." + strings.Repeat("0", 1000) + "1", ErrOutOfRange},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in)
		if err == nil {
			t.Errorf("ParseDecimal(%q) = %s, want error %v", tt.in, got, tt.want)
			continue
		}
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseDecimal(%q) error = %v, want errors.Is %v", tt.in, err, tt.want)
		}
		other := ErrOutOfRange
		if tt.want == ErrOutOfRange {
			other = ErrInvalidAmount
		}
		if errors.Is(err, other) {
			t.Errorf("ParseDecimal(%q) error = %v, also matches %v", tt.in, err, other)
		}
		if !strings.Contains(err.Error(), quoteInput(tt.in)) {
			t.Errorf("ParseDecimal(%q) error = %q, want it to quote the input as %s", tt.in, err, quoteInput(tt.in))
		}
		if len(err.Error()) > maxErrorLen {
			t.Errorf("ParseDecimal(%q) error is %d bytes long: %q", tt.in, len(err.Error()), err)
		}
	}
}

func TestParseDecimalErrorMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `money: invalid amount: "" is not a decimal number (empty)`},
		{"1,000", `money: invalid amount: "1,000" is not a decimal number (unexpected ',' at offset 1)`},
		{".5", `money: invalid amount: ".5" is not a decimal number (a digit must come before '.')`},
		{"5.", `money: invalid amount: "5." is not a decimal number (a digit must follow '.')`},
		{"-", `money: invalid amount: "-" is not a decimal number (no digits)`},
		{"1e", `money: invalid amount: "1e" is not a decimal number (digits must follow the exponent)`},
		{"1\xff", `money: invalid amount: "1\xff" is not a decimal number (unexpected byte 0xff at offset 1)`},
		{"1e31", `money: amount out of range: "1e31" is 10^31 or more`},
		{"1e-31", `money: amount out of range: "1e-31" has more than 30 decimals`},
		{strings.Repeat("1", 41), `money: amount out of range: "1111111111111111111111111111111111111111"… (41 bytes) has more than 40 significant digits`},
		{strings.Repeat("é", 30), `money: invalid amount: "éééééééééééééééééééé"… (60 bytes) is not a decimal number (unexpected 'é' at offset 0)`},
	}
	for _, tt := range tests {
		_, err := ParseDecimal(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseDecimal(%q) error = %v, want %s", tt.in, err, tt.want)
		}
	}
}

func TestFormatDecimal(t *testing.T) {
	tests := []struct {
		d    decimal.Decimal
		want string
	}{
		{decimal.Decimal{}, "0"},
		{decimal.New(0, -5), "0"},
		{decimal.New(0, 5), "0"},
		{decimal.New(325, -1), "32.5"},
		{decimal.New(100, -1), "10"},
		{decimal.New(-2, 0), "-2"},
		{decimal.New(-20, -1), "-2"},
		{decimal.New(1, -4), "0.0001"},
		{decimal.New(-1, -4), "-0.0001"},
		{decimal.New(1, 3), "1000"},
		{decimal.New(15, 2), "1500"},
		{decimal.New(123450, -4), "12.345"},
		{decimal.New(1, 40), "1" + strings.Repeat("0", 40)},
		{decimal.New(1, -40), "0." + strings.Repeat("0", 39) + "1"},
		{decimal.RequireFromString("-9223372036854775808.5"), "-9223372036854775808.5"},
		{decimal.RequireFromString("123456789012345678901234567890.123456789"), "123456789012345678901234567890.123456789"},
	}
	for _, tt := range tests {
		if got := FormatDecimal(tt.d); got != tt.want {
			t.Errorf("FormatDecimal(%s) = %q, want %q", tt.d.String(), got, tt.want)
		}
	}
}

func TestFormatDecimalFixed(t *testing.T) {
	tests := []struct {
		in     string
		digits int
		want   string
	}{
		{"24.0", 2, "24.00"},
		{"24", 2, "24.00"},
		{"24.000", 2, "24.00"},
		{"24.5", 2, "24.50"},
		{"3.9321", 2, "3.9321"},
		{"12.345", 2, "12.345"},
		{"12.999", 2, "12.999"}, // StringFixed(2) would say 13.00
		{"-5", 2, "-5.00"},
		{"-0.5", 2, "-0.50"},
		{"0", 2, "0.00"},
		{"-0", 2, "0.00"},
		{"0", 0, "0"},
		{"2400", 0, "2400"},
		{"2400.0", 0, "2400"},
		{"2400.5", 0, "2400.5"},
		{"1.2", 3, "1.200"},
		{"1.2", 4, "1.2000"},
		{"0.00001", 4, "0.00001"},
		{"1e3", 2, "1000.00"},
		{"7", -1, "7"},
		{"7.10", -3, "7.1"},
	}
	for _, tt := range tests {
		d, err := ParseDecimal(tt.in)
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
		}
		if got := FormatDecimalFixed(d, tt.digits); got != tt.want {
			t.Errorf("FormatDecimalFixed(%q, %d) = %q, want %q", tt.in, tt.digits, got, tt.want)
		}
		// The same through a non-canonical representation (exponent -6).
		wide := decimal.NewFromBigInt(d.Shift(6).BigInt(), -6)
		if !wide.Equal(d) {
			t.Fatalf("test bug: %s != %s", wide, d)
		}
		if got := FormatDecimalFixed(wide, tt.digits); got != tt.want {
			t.Errorf("FormatDecimalFixed(%s × 10^-6, %d) = %q, want %q", wide.Shift(6), tt.digits, got, tt.want)
		}
	}
}

func TestQuoteInput(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{strings.Repeat("a", 40), strconv.Quote(strings.Repeat("a", 40))},
		{strings.Repeat("a", 41), `"` + strings.Repeat("a", 40) + `"… (41 bytes)`},
		{strings.Repeat("a", 39) + "é", `"` + strings.Repeat("a", 39) + `"… (41 bytes)`}, // not cut inside é
	}
	for _, tt := range tests {
		if got := quoteInput(tt.in); got != tt.want {
			t.Errorf("quoteInput(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// Coefficients either side of what an int64 holds format alike (the
// int64 path and the big.Int one).
func TestFormatDecimalFixedLongCoefficients(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"123456789012345678", "123456789012345678.00"},        // 18 digits
		{"1234567890123456789", "1234567890123456789.00"},      // 19
		{"-1234567890123456.789", "-1234567890123456.789"},     // 19, negative
		{"12345678901234567890.10", "12345678901234567890.10"}, // 22 with the zero dropped
		{"-0.000000000000000001", "-0.000000000000000001"},
		{"9223372036854775807", "9223372036854775807.00"},
		{"-9223372036854775808", "-9223372036854775808.00"},
		{"0.000", "0.00"},
		{"-5", "-5.00"},
	} {
		if got := FormatDecimalFixed(decimal.RequireFromString(tc.in), 2); got != tc.want {
			t.Errorf("FormatDecimalFixed(%s, 2) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
