package money

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseCurrency(t *testing.T) {
	tests := []struct {
		code   string
		digits int
		iso    bool
	}{
		{"USD", 2, true},
		{"EUR", 2, true},
		{"SGD", 2, true},
		{"GBP", 2, true},
		{"AUD", 2, true},
		{"IDR", 2, true},
		{"HUF", 2, true},
		{"JPY", 0, true},
		{"KRW", 0, true},
		{"VND", 0, true},
		{"CLP", 0, true},
		{"ISK", 0, true},
		{"XAF", 0, true},
		{"XOF", 0, true},
		{"XPF", 0, true},
		{"BIF", 0, true},
		{"DJF", 0, true},
		{"GNF", 0, true},
		{"KMF", 0, true},
		{"PYG", 0, true},
		{"RWF", 0, true},
		{"UGX", 0, true},
		{"UYI", 0, true},
		{"VUV", 0, true},
		{"BHD", 3, true},
		{"IQD", 3, true},
		{"JOD", 3, true},
		{"KWD", 3, true},
		{"LYD", 3, true},
		{"OMR", 3, true},
		{"TND", 3, true},
		{"CLF", 4, true},
		{"UYW", 4, true},
		{"XAU", 2, true}, // ISO minor unit N.A.
		{"XXX", 2, true},
		{"ABC", 2, false}, // well formed, not ISO: merchant-defined
		{"ZZZ", 2, false},
	}
	for _, tt := range tests {
		c, err := ParseCurrency(tt.code)
		if err != nil {
			t.Errorf("ParseCurrency(%q) error: %v", tt.code, err)
			continue
		}
		if c.Code() != tt.code || c.String() != tt.code {
			t.Errorf("ParseCurrency(%q): Code() = %q, String() = %q", tt.code, c.Code(), c.String())
		}
		if c.MinorDigits() != tt.digits {
			t.Errorf("ParseCurrency(%q).MinorDigits() = %d, want %d", tt.code, c.MinorDigits(), tt.digits)
		}
		if c.IsISO() != tt.iso {
			t.Errorf("ParseCurrency(%q).IsISO() = %t, want %t", tt.code, c.IsISO(), tt.iso)
		}
		if c.IsZero() {
			t.Errorf("ParseCurrency(%q).IsZero() = true", tt.code)
		}
		if c != MustCurrency(tt.code) {
			t.Errorf("ParseCurrency(%q) != MustCurrency(%q)", tt.code, tt.code)
		}
	}
}

func TestParseCurrencyRejects(t *testing.T) {
	for _, code := range []string{
		"", "usd", "Usd", "uSD", "US", "USDX", "US1", "U$D", " USD", "USD ", "ÜSD",
		"\x00\x00\x00", "123", "US-", strings.Repeat("A", 100),
	} {
		c, err := ParseCurrency(code)
		if err == nil {
			t.Errorf("ParseCurrency(%q) = %v, want error", code, c)
			continue
		}
		if !errors.Is(err, ErrInvalidCurrency) {
			t.Errorf("ParseCurrency(%q) error = %v, want errors.Is ErrInvalidCurrency", code, err)
		}
		if !strings.Contains(err.Error(), quoteInput(code)) {
			t.Errorf("ParseCurrency(%q) error = %q, want it to quote the input", code, err)
		}
		if !c.IsZero() {
			t.Errorf("ParseCurrency(%q) returned non-zero currency %v with an error", code, c)
		}
	}
	_, err := ParseCurrency("usd")
	if want := `money: invalid currency: "usd" is not a three-letter uppercase ISO-4217 code`; err.Error() != want {
		t.Errorf("ParseCurrency(\"usd\") error = %q, want %q", err, want)
	}
}

func TestMustCurrencyPanics(t *testing.T) {
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok || !errors.Is(err, ErrInvalidCurrency) {
			t.Errorf("MustCurrency(\"usd\") panicked with %v, want an ErrInvalidCurrency", r)
		}
	}()
	MustCurrency("usd")
}

func TestZeroCurrency(t *testing.T) {
	var c Currency
	if !c.IsZero() || c.Code() != "" || c.String() != "" || c.MinorDigits() != 0 || c.IsISO() {
		t.Errorf("zero Currency: IsZero %t, Code %q, String %q, MinorDigits %d, IsISO %t",
			c.IsZero(), c.Code(), c.String(), c.MinorDigits(), c.IsISO())
	}
}

// Every entry of the table is a well-formed code with 0, 2, 3 or 4 digits,
// and the codes the brief singles out have the digits ISO gives them.
func TestISO4217Table(t *testing.T) {
	counts := map[uint8]int{}
	for code, d := range iso4217 {
		if len(code) != 3 || !isUpper(code[0]) || !isUpper(code[1]) || !isUpper(code[2]) {
			t.Errorf("iso4217 has malformed code %q", code)
		}
		if d != 0 && d != 2 && d != 3 && d != 4 {
			t.Errorf("iso4217[%q] = %d", code, d)
		}
		counts[d]++
	}
	want := map[uint8]int{0: 17, 3: 7, 4: 2}
	for d, n := range want {
		if counts[d] != n {
			t.Errorf("iso4217 has %d codes with %d digits, want %d", counts[d], d, n)
		}
	}
	if counts[2] < 150 {
		t.Errorf("iso4217 has only %d codes with 2 digits", counts[2])
	}
}

func TestCurrencyText(t *testing.T) {
	b, err := json.Marshal(struct{ C Currency }{MustCurrency("JPY")})
	if err != nil || string(b) != `{"C":"JPY"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var v struct{ C Currency }
	if err := json.Unmarshal([]byte(`{"C":"KWD"}`), &v); err != nil || v.C.MinorDigits() != 3 {
		t.Fatalf("Unmarshal = %+v, %v", v, err)
	}
	if err := json.Unmarshal([]byte(`{"C":"usd"}`), &v); err == nil {
		t.Fatal("Unmarshal accepted a lower-case code")
	}
}
