package sandbox

import (
	"net/url"
	"testing"
)

func TestPaginate(t *testing.T) {
	items := make([]int, 120)
	for i := range items {
		items[i] = i
	}
	tests := []struct {
		total, limit, page int
		wantLen            int
		want               pagination
	}{
		{120, 50, 1, 50, pagination{120, 3, true, false, false, 0}},
		{120, 50, 3, 20, pagination{120, 3, false, true, false, 100}},
		{120, 50, 4, 0, pagination{120, 3, false, false, true, 150}},
		{120, 120, 1, 120, pagination{120, 1, true, true, false, 0}},
		{120, 250, 1, 120, pagination{120, 1, true, true, false, 0}},
		{100, 50, 2, 50, pagination{100, 2, false, true, false, 50}},
		{0, 50, 1, 0, pagination{0, 0, true, true, false, 0}},
		{0, 50, 2, 0, pagination{0, 0, false, false, true, 50}},
		{120, 0, 1, 0, pagination{120, 0, true, true, false, 0}},
		{120, 0, 2, 0, pagination{120, 0, false, true, false, 0}},
		{1, 1, 1, 1, pagination{1, 1, true, true, false, 0}},
	}
	for _, tt := range tests {
		got, pg := paginate(items[:tt.total], pageRequest{limit: tt.limit, page: tt.page})
		if len(got) != tt.wantLen || pg != tt.want {
			t.Errorf("paginate(%d items, limit %d, page %d) = %d items, %+v; want %d, %+v",
				tt.total, tt.limit, tt.page, len(got), pg, tt.wantLen, tt.want)
		}
		if len(got) > 0 && got[0] != pg.Offset {
			t.Errorf("paginate(%d, %d, %d) starts at %d, offset %d", tt.total, tt.limit, tt.page, got[0], pg.Offset)
		}
	}
	// A huge page number does not overflow.
	if _, pg := paginate(items, pageRequest{limit: 250, page: 1 << 62}); !pg.OutOfBounds || pg.Offset <= 0 {
		t.Errorf("huge page: %+v", pg)
	}
}

func TestParsePageRequest(t *testing.T) {
	tests := []struct {
		query   string
		want    pageRequest
		wantErr bool
	}{
		{"", pageRequest{50, 1}, false},
		{"limit=250", pageRequest{250, 1}, false},
		{"limit=251", pageRequest{}, true},
		{"limit=0", pageRequest{0, 1}, false},
		{"limit=-1", pageRequest{}, true},
		{"limit=ten", pageRequest{}, true},
		{"page=0", pageRequest{50, 1}, false},
		{"page=-2", pageRequest{}, true},
		{"page=2&page=3", pageRequest{50, 3}, false},
		{"page=99999999999999999999", pageRequest{}, true},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		got, err := parsePageRequest(q)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("parsePageRequest(%q) = %+v, %v; want %+v, error %v", tt.query, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDecimalFormats(t *testing.T) {
	tests := []struct{ in, rails, plain string }{
		{"24", "24.0", "24"},
		{"24.00", "24.0", "24"},
		{"4.5", "4.5", "4.5"},
		{"3.9321", "3.9321", "3.9321"},
		{"-2", "-2.0", "-2"},
		{"0", "0.0", "0"},
		{"2.50", "2.5", "2.5"},
	}
	for _, tt := range tests {
		d := dec(tt.in)
		if got := railsDecimal(d); got != tt.rails {
			t.Errorf("railsDecimal(%s) = %q, want %q", tt.in, got, tt.rails)
		}
		if got := plainDecimal(d); got != tt.plain {
			t.Errorf("plainDecimal(%s) = %q, want %q", tt.in, got, tt.plain)
		}
	}
}
