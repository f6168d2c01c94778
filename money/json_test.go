package money

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		m    Money
		want string
	}{
		{mustParse(t, "24.0", "USD"), `{"amount":"24.00","currencyCode":"USD"}`},
		{mustParse(t, "3.9321", "SGD"), `{"amount":"3.9321","currencyCode":"SGD"}`},
		{mustParse(t, "2400", "JPY"), `{"amount":"2400","currencyCode":"JPY"}`},
		{mustParse(t, "-12.4", "USD"), `{"amount":"-12.40","currencyCode":"USD"}`},
		{mustParse(t, "1e30", "USD"), `{"amount":"1000000000000000000000000000000.00","currencyCode":"USD"}`},
		{FromMinorUnits(4242, usd), `{"amount":"42.42","currencyCode":"USD"}`},
		{FromMinorUnits(0, kwd), `{"amount":"0.000","currencyCode":"KWD"}`},
		{Money{}, `null`},
	}
	for _, tt := range tests {
		got, err := json.Marshal(tt.m)
		if err != nil || string(got) != tt.want {
			t.Errorf("json.Marshal(%v) = %s, %v; want %s", tt.m, got, err, tt.want)
		}
		// Through a pointer and inside a struct, as other packages use it.
		type line struct {
			Price Money  `json:"price"`
			Ptr   *Money `json:"ptr"`
		}
		m := tt.m
		got, err = json.Marshal(line{Price: m, Ptr: &m})
		if want := `{"price":` + tt.want + `,"ptr":` + tt.want + `}`; err != nil || string(got) != want {
			t.Errorf("json.Marshal(struct with %v) = %s, %v; want %s", tt.m, got, err, want)
		}
	}

	_, err := json.Marshal(New(decimal.New(5, 0), Currency{}))
	if !errors.Is(err, ErrInvalidCurrency) || !strings.Contains(err.Error(), "cannot marshal amount 5 without a currency") {
		t.Errorf("json.Marshal(5 with no currency) error = %v, want ErrInvalidCurrency", err)
	}
}

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Money
	}{
		{`{"amount":"24.00","currencyCode":"USD"}`, mustParse(t, "24", "USD")},
		{`{"amount":"24.0","currencyCode":"USD"}`, mustParse(t, "24", "USD")},
		{`{"currencyCode":"USD","amount":"24.0"}`, mustParse(t, "24", "USD")},
		{` { "amount" : 26.99 , "currencyCode" : "USD" } `, mustParse(t, "26.99", "USD")},
		{`{"amount":-12.4,"currencyCode":"USD"}`, mustParse(t, "-12.4", "USD")},
		{`{"amount":0,"currencyCode":"USD"}`, mustParse(t, "0", "USD")},
		{`{"amount":1.5e3,"currencyCode":"JPY"}`, mustParse(t, "1500", "JPY")},
		{`{"amount":"1.5e3","currencyCode":"JPY"}`, mustParse(t, "1500", "JPY")},
		{`{"amount":0.1,"currencyCode":"USD"}`, mustParse(t, "0.1", "USD")},
		{`{"amount":9007199254740993,"currencyCode":"JPY"}`, mustParse(t, "9007199254740993", "JPY")},
		{`{"amount":"3.9321","currencyCode":"SGD"}`, mustParse(t, "3.9321", "SGD")},
		{`{"amount":"12.345","currencyCode":"USD"}`, mustParse(t, "12.345", "USD")},
		{`{"amount":"\u0031\u0032","currencyCode":"\u0055SD"}`, mustParse(t, "12", "USD")},
	}
	for _, tt := range tests {
		var m Money
		if err := json.Unmarshal([]byte(tt.in), &m); err != nil {
			t.Errorf("json.Unmarshal(%s) error: %v", tt.in, err)
			continue
		}
		if !m.Equal(tt.want) {
			t.Errorf("json.Unmarshal(%s) = %v, want %v", tt.in, m, tt.want)
		}
	}
}

func TestUnmarshalJSONNull(t *testing.T) {
	m := mustParse(t, "1", "USD")
	if err := m.UnmarshalJSON([]byte("null")); err != nil || !m.Equal(mustParse(t, "1", "USD")) {
		t.Errorf("UnmarshalJSON(null) = %v, %v; want a no-op", m, err)
	}
	var s struct{ Price Money }
	if err := json.Unmarshal([]byte(`{"Price":null}`), &s); err != nil || !s.Price.Equal(Money{}) {
		t.Errorf("json.Unmarshal(price null) = %v, %v; want Money{}", s.Price, err)
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	tests := []struct {
		in   string
		is   error // nil: no sentinel
		want string
	}{
		{`{"amount":"24,00","currencyCode":"USD"}`, ErrInvalidAmount, `money: invalid amount: "24,00" is not a decimal number (unexpected ',' at offset 2)`},
		{`{"amount":"","currencyCode":"USD"}`, ErrInvalidAmount, `"" is not a decimal number (empty)`},
		{`{"amount":" 1","currencyCode":"USD"}`, ErrInvalidAmount, `" 1" is not a decimal number`},
		{`{"amount":"NaN","currencyCode":"USD"}`, ErrInvalidAmount, `"NaN"`},
		{`{"amount":"1e999999999","currencyCode":"USD"}`, ErrOutOfRange, `money: amount out of range: "1e999999999" is 10^31 or more`},
		{`{"amount":1e999999999,"currencyCode":"USD"}`, ErrOutOfRange, `"1e999999999"`},
		{`{"amount":true,"currencyCode":"USD"}`, ErrInvalidAmount, `money: invalid amount: "amount" must be a string or a number, got true`},
		{`{"amount":null,"currencyCode":"USD"}`, ErrInvalidAmount, `"amount" must be a string or a number, got null`},
		{`{"amount":{},"currencyCode":"USD"}`, ErrInvalidAmount, `got an object`},
		{`{"amount":["1"],"currencyCode":"USD"}`, ErrInvalidAmount, `got an array`},
		{`{"currencyCode":"USD"}`, ErrInvalidAmount, `money: invalid amount: missing "amount"`},
		{`{"amount":"1"}`, ErrInvalidCurrency, `money: invalid currency: missing "currencyCode"`},
		{`{}`, ErrInvalidAmount, `missing "amount"`},
		{`{"amount":"1","currencyCode":"usd"}`, ErrInvalidCurrency, `money: invalid currency: "usd" is not a three-letter uppercase ISO-4217 code`},
		{`{"amount":"1","currencyCode":""}`, ErrInvalidCurrency, `"" is not`},
		{`{"amount":"1","currencyCode":"US Dollar"}`, ErrInvalidCurrency, `"US Dollar"`},
		{`{"amount":"1","currencyCode":840}`, ErrInvalidCurrency, `"currencyCode" must be a string, got the number "840"`},
		{`{"amount":"1","currencyCode":null}`, ErrInvalidCurrency, `got null`},
		{`{"amount":"1","currencyCode":"USD","note":"x"}`, nil, `money: unknown member "note" in Money (want "amount" and "currencyCode")`},
		{`{"Amount":"1","currencyCode":"USD"}`, nil, `unknown member "Amount"`},
		{`{"amount":"1","currency_code":"USD"}`, nil, `unknown member "currency_code"`},
		{`{"amount":"1","amount":"2","currencyCode":"USD"}`, nil, `money: duplicate member "amount"`},
		{`{"amount":"1","currencyCode":"USD","currencyCode":"EUR"}`, nil, `money: duplicate member "currencyCode"`},
		{`"24.00 USD"`, nil, `money: Money must be a JSON object, got the string "24.00 USD"`},
		{`24`, nil, `Money must be a JSON object, got the number "24"`},
		{`[]`, nil, `Money must be a JSON object, got an array`},
		{`true`, nil, `Money must be a JSON object, got true`},
	}
	for _, tt := range tests {
		m := mustParse(t, "7", "EUR")
		err := json.Unmarshal([]byte(tt.in), &m)
		if err == nil {
			t.Errorf("json.Unmarshal(%s) = %v, want error %q", tt.in, m, tt.want)
			continue
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("json.Unmarshal(%s) error = %v, want errors.Is %v", tt.in, err, tt.is)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("json.Unmarshal(%s) error = %q, want it to contain %q", tt.in, err, tt.want)
		}
		if !m.Equal(mustParse(t, "7", "EUR")) {
			t.Errorf("json.Unmarshal(%s) changed the Money to %v on error", tt.in, m)
		}
	}
}

// UnmarshalJSON called directly (not through json.Unmarshal, which checks the
// syntax first) must still reject malformed and trailing input.
func TestUnmarshalJSONDirect(t *testing.T) {
	for _, in := range []string{
		``,
		`{`,
		`{"amount":"1","currencyCode":"USD"`,
		`{"amount":"1","currencyCode":"USD"} {}`,
		`{"amount":"1","currencyCode":"USD"}x`,
		`null null`,
		`{"amount":"1",,"currencyCode":"USD"}`,
		`{"amount" "1","currencyCode":"USD"}`,
		`{"amount":01,"currencyCode":"USD"}`,
	} {
		var m Money
		if err := m.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("UnmarshalJSON(%q) = %v, want error", in, m)
		} else if !strings.HasPrefix(err.Error(), "money: ") {
			t.Errorf("UnmarshalJSON(%q) error = %q, want a \"money: \" prefix", in, err)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, m := range []Money{
		mustParse(t, "24.0", "USD"),
		mustParse(t, "3.9321", "SGD"),
		mustParse(t, "-12.4", "USD"),
		mustParse(t, "2400", "JPY"),
		mustParse(t, "1.5", "JPY"),
		mustParse(t, "0.001", "BHD"),
		mustParse(t, "0.00001", "CLF"),
		mustParse(t, "99999999999999999999999999999.99", "USD"),
		mustParse(t, "-0.000000000000000000000000000001", "EUR"),
		mustParse(t, "19.99", "ABC"),
		FromMinorUnits(-4242, usd),
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Errorf("json.Marshal(%v): %v", m, err)
			continue
		}
		var got Money
		if err := json.Unmarshal(b, &got); err != nil || !got.Equal(m) {
			t.Errorf("json round trip of %v through %s = %v, %v", m, b, got, err)
		}
	}
	var got Money
	if err := json.Unmarshal([]byte("null"), &got); err != nil || !got.Equal(Money{}) {
		t.Errorf("json round trip of Money{} = %v, %v", got, err)
	}
}
