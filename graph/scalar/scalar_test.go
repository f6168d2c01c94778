package scalar

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

func marshal(m graphql.Marshaler) string {
	var b bytes.Buffer
	m.MarshalGQL(&b)
	return b.String()
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		in      any
		want    string // marshalled
		wantErr string
	}{
		{"24.0", `"24"`, ""},
		{"32.5", `"32.5"`, ""},
		{json.Number("0.1"), `"0.1"`, ""},
		{json.Number("12345678901234567890.123456789"), `"12345678901234567890.123456789"`, ""},
		{json.Number("1e2"), `"100"`, ""},
		{int64(7), `"7"`, ""},
		{"-0.0001", `"-0.0001"`, ""},
		{"1,000", "", "invalid Decimal"},
		{"", "", "invalid Decimal"},
		{" 1", "", "invalid Decimal"},
		{"NaN", "", "invalid Decimal"},
		{"1e999999", "", "invalid Decimal"},
		{true, "", "must be a string"},
		{nil, "", "cannot be null"},
		{map[string]any{}, "", "must be a string"},
	}
	for _, tc := range tests {
		d, err := UnmarshalDecimal(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("UnmarshalDecimal(%#v) error = %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("UnmarshalDecimal(%#v): %v", tc.in, err)
			continue
		}
		if got := marshal(MarshalDecimal(d)); got != tc.want {
			t.Errorf("MarshalDecimal(UnmarshalDecimal(%#v)) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestDateTime(t *testing.T) {
	ts, err := UnmarshalDateTime("2026-11-23T08:15:00+08:00")
	if err != nil || marshal(MarshalDateTime(ts)) != `"2026-11-23T00:15:00Z"` {
		t.Errorf("DateTime round trip: %v %v", marshal(MarshalDateTime(ts)), err)
	}
	if d, err := UnmarshalDateTime("2026-11-23"); err != nil || !d.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DateTime from a date: %v %v", d, err)
	}
	if _, err := UnmarshalDateTime("yesterday"); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("bad DateTime error = %v", err)
	}
	if got := marshal(MarshalDateTime(time.Time{})); got != "null" {
		t.Errorf("zero DateTime = %s, want null", got)
	}
	d, err := UnmarshalDate("2026-11-23")
	if err != nil || marshal(MarshalDate(d)) != `"2026-11-23"` {
		t.Errorf("Date round trip: %v", err)
	}
	if d, err := UnmarshalDate("2026-11-23T23:30:00-05:00"); err != nil || marshal(MarshalDate(d)) != `"2026-11-24"` {
		t.Errorf("Date from a timestamp = %s, %v; want its UTC date", marshal(MarshalDate(d)), err)
	}
	if _, err := UnmarshalDate(20261123); err == nil {
		t.Error("Date accepted a number")
	}
}

func FuzzUnmarshalDecimal(f *testing.F) {
	for _, s := range []string{"0", "24.00", "-3.9321", "1e3", "00.5", ".5", "5.", "1e-30", "9999999999999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := UnmarshalDecimal(s)
		if err != nil {
			return
		}
		// What it accepts, it prints in a form it accepts again, equal.
		out := strings.Trim(marshal(MarshalDecimal(d)), `"`)
		again, err := UnmarshalDecimal(out)
		if err != nil || !again.Equal(d) {
			t.Fatalf("UnmarshalDecimal(%q) = %s; re-reading %q gave %s, %v", s, d, out, again, err)
		}
	})
}
