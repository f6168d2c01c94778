package gid

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    ID
		wantErr string
	}{
		{"gid://tradegecko/Product/153172", ID{"tradegecko", "Product", "153172"}, ""},
		{"gid://simpleconsign/ConsignmentTransaction/SO-1/SALE/1", ID{"simpleconsign", "ConsignmentTransaction", "SO-1/SALE/1"}, ""},
		{"gid://tradeglobal/InternationalOrder/MO-77", ID{"tradeglobal", "InternationalOrder", "MO-77"}, ""},
		{"", ID{}, "does not start with"},
		{"153172", ID{}, "does not start with"},
		{"gid://tradegecko/Product", ID{}, "not of the form"},
		{"gid://tradegecko/Product/", ID{}, "not of the form"},
		{"gid://shopify/Product/1", ID{}, "unknown backend"},
		{"gid://tradegecko/product/1", ID{}, "invalid type name"},
		{"gid://tradegecko/Pro-duct/1", ID{}, "invalid type name"},
		{"gid://tradegecko/Product/1 2", ID{}, "not allowed"},
		{"gid://tradegecko/Product/\u00e91", ID{}, "not allowed"},
		{"gid://tradegecko/Product/" + strings.Repeat("1", 300), ID{}, "longer than"},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if tc.wantErr != "" {
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Parse(%q) error = %v, want ErrMalformed saying %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if got.String() != tc.in {
			t.Errorf("Parse(%q).String() = %q", tc.in, got.String())
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"gid://tradegecko/Variant/2", 2, ""},
		{"gid://tradegecko/Variant/999999999999999999", 999999999999999999, ""},
		{"gid://tradegecko/Product/2", 0, "not a Variant id"},
		{"gid://tradeglobal/Variant/2", 0, "not a Variant id"},
		{"gid://tradegecko/Variant/0", 0, "leading zeros"},
		{"gid://tradegecko/Variant/007", 0, "leading zeros"},
		{"gid://tradegecko/Variant/-1", 0, "positive integer"},
		{"gid://tradegecko/Variant/1e3", 0, "positive integer"},
		{"gid://tradegecko/Variant/1234567890123456789", 0, "1 to 18 digits"},
	}
	for _, tc := range tests {
		got, err := ParseInt(tc.in, TradeGecko, "Variant")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseInt(%q) error = %v, want one saying %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"gid://tradegecko/Product/1", "gid://simpleconsign/ConsignmentTransaction/A/SALE/2", "gid://", "gid:///", "gid://tradegecko//1", "gid://tradegecko/Product/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse(%q) error %v is not ErrMalformed", s, err)
			}
			return
		}
		// What parses prints back as itself, and parses again the same.
		if id.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, id.String())
		}
		if again, err := Parse(id.String()); err != nil || again != id {
			t.Fatalf("round trip of %q: %+v, %v", s, again, err)
		}
		if n, err := id.IntKey(); err == nil && Int(id.Backend, id.Type, n) != id {
			t.Fatalf("IntKey of %q = %d does not print back", s, n)
		}
	})
}
