package tradeglobal

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestDecimalMarshal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"26.99", "26.99"},
		{"3", "3"},
		{"0.75", "0.75"},
		{"12.40", "12.40"}, // the digits given, trailing zero too
		{"12.4", "12.4"},
		{"-12.40", "-12.40"},
		{"-12.4", "-12.4"},
		{"0.00", "0.00"},
		{"1.50e1", "15.0"},
		{"1.5e-3", "0.0015"},
		{"100", "100"},
		{"0", "0"},
		{"0.0001", "0.0001"},
		{"1e2", "100"},
		{"1234567890123456.78", "1234567890123456.78"},                           // beyond float64's 15–17 digits
		{"0.100000000000000005551115123125", "0.100000000000000005551115123125"}, // not what float64 would round to
	}
	for _, tt := range tests {
		b, err := json.Marshal(MustDecimal(tt.in))
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%s) = %s, %v; want %s", tt.in, b, err, tt.want)
		}
	}
	// Inside a struct, as a bare number.
	b, _ := json.Marshal(struct{ UnitPrice Decimal }{MustDecimal("26.99")})
	if string(b) != `{"UnitPrice":26.99}` {
		t.Errorf("struct = %s", b)
	}
	var zero Decimal
	if b, _ := json.Marshal(zero); string(b) != "0" {
		t.Errorf("zero Decimal = %s, want 0", b)
	}
	// A decimal.Decimal carries its decimals in its exponent: they are kept.
	for _, tt := range []struct {
		in   decimal.Decimal
		want string
	}{
		{decimal.RequireFromString("12.40"), "12.40"},
		{decimal.New(1240, -2), "12.40"},
		{decimal.New(124, -1), "12.4"},
		{decimal.New(3, 2), "300"},
		{decimal.New(0, -2), "0.00"},
	} {
		if b, err := json.Marshal(NewDecimal(tt.in)); err != nil || string(b) != tt.want || !json.Valid(b) {
			t.Errorf("Marshal(NewDecimal(%s)) = %s, %v; want %s", tt.in, b, err, tt.want)
		}
	}
	// Written differently, equal in value.
	if a, b := MustDecimal("12.40"), MustDecimal("12.4"); !a.Value().Equal(b.Value()) {
		t.Errorf("12.40 and 12.4 differ in value: %v %v", a.Value(), b.Value())
	}
}

func TestDecimalUnmarshal(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"26.99", "26.99", false},
		{"-12.4", "-12.4", false},
		{"53.39", "53.39", false},
		{"1E2", "100", false},
		{"9.00", "9.00", false}, // carried as given
		{"9", "9", false},
		{`"4.86"`, "4.86", false},
		{`" 4.86 "`, "4.86", false},
		{"12345678901234567.89", "12345678901234567.89", false},
		{"null", "7", false}, // unchanged
		{`"abc"`, "", true},
		{`""`, "", true},
		{"true", "", true},
		{"{}", "", true},
		{"1e999999999", "", true},
	}
	for _, tt := range tests {
		v := MustDecimal("7")
		err := json.Unmarshal([]byte(tt.in), &v)
		if (err != nil) != tt.wantErr {
			t.Errorf("Unmarshal(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && v.String() != tt.want {
			t.Errorf("Unmarshal(%s) = %s, want %s", tt.in, v, tt.want)
		}
	}
	var p *Decimal
	if err := json.Unmarshal([]byte("null"), &p); err != nil || p != nil {
		t.Errorf("null into *Decimal = %v, %v; want nil", p, err)
	}
}

func TestTimestamp(t *testing.T) {
	est := time.FixedZone("", -5*3600)
	tests := []struct {
		in   string
		want time.Time
	}{
		{`"2019-02-26T14:30:45.7055122-05:00"`, time.Date(2019, 2, 26, 14, 30, 45, 705512200, est)},
		{`"2019-02-26T19:30:45Z"`, time.Date(2019, 2, 26, 19, 30, 45, 0, time.UTC)},
		{`"2019-02-26T14:30:45.7055122"`, time.Date(2019, 2, 26, 14, 30, 45, 705512200, time.UTC)},
		{`"yesterday"`, time.Time{}},
		{`null`, time.Time{}},
		{`42`, time.Time{}},
	}
	for _, tt := range tests {
		var ts Timestamp
		if err := json.Unmarshal([]byte(tt.in), &ts); err != nil || !ts.Equal(tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tt.in, ts.Time, err, tt.want)
		}
	}
	b, _ := json.Marshal(Timestamp{time.Date(2019, 2, 26, 14, 30, 45, 705512200, est)})
	if string(b) != `"2019-02-26T14:30:45.7055122-05:00"` {
		t.Errorf("Marshal = %s", b)
	}
}
