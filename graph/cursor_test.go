package graph

import (
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
)

func ptr[T any](v T) *T { return &v }

func TestWindow(t *testing.T) {
	tests := []struct {
		name    string
		first   *int
		after   *string
		want    commerce.Window
		wantErr string
	}{
		{"defaults", nil, nil, commerce.Window{Offset: 0, Limit: DefaultFirst}, ""},
		{"first", ptr(100), nil, commerce.Window{Limit: 100}, ""},
		{"after", ptr(10), ptr(encodeCursor("products", 49)), commerce.Window{Offset: 50, Limit: 10}, ""},
		{"first too big", ptr(101), nil, commerce.Window{}, "between 1 and 100, got 101"},
		{"first zero", ptr(0), nil, commerce.Window{}, "got 0"},
		{"garbage", nil, ptr("%%%"), commerce.Window{}, "not a cursor"},
		{"other connection", nil, ptr(encodeCursor("variants", 3)), commerce.Window{}, "products connection"},
		{"negative offset", nil, ptr(b64("v1:products:-1")), commerce.Window{}, "not a cursor"},
		{"leading zero", nil, ptr(b64("v1:products:01")), commerce.Window{}, "not a cursor"},
		{"huge offset", nil, ptr(b64("v1:products:99999999999")), commerce.Window{}, "not a cursor"},
		{"old version", nil, ptr(b64("v0:products:1")), commerce.Window{}, "not a cursor"},
		{"too long", nil, ptr(strings.Repeat("A", 100)), commerce.Window{}, "not a cursor"},
		// Go's base64 decoder skips \r and \n even in strict mode: a
		// cursor is only ever the text we issued.
		{"CRLF inside", nil, ptr("djE6cHJvZHVjdHM6\r\nMA"), commerce.Window{}, "not a cursor"},
		{"LF inside", nil, ptr("djE6cHJvZHVj\ndHM6MA"), commerce.Window{}, "not a cursor"},
		{"CR at the end", nil, ptr("djE6cHJvZHVjdHM6MA\r"), commerce.Window{}, "not a cursor"},
		{"padding", nil, ptr("djE6cHJvZHVjdHM6MA=="), commerce.Window{}, "not a cursor"},
		{"space inside", nil, ptr("djE6cHJv ZHVjdHM6MA"), commerce.Window{}, "not a cursor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := window("products", tc.first, tc.after)
			if tc.wantErr != "" {
				if commerce.CodeOf(err) != commerce.CodeBadUserInput || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("window() error = %v, want BAD_USER_INPUT saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("window() = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestPageInfo(t *testing.T) {
	pi := pageInfo("products", commerce.Window{Offset: 20, Limit: 10}, 10, 35)
	if !pi.HasNextPage || !pi.HasPreviousPage || *pi.StartCursor != encodeCursor("products", 20) || *pi.EndCursor != encodeCursor("products", 29) {
		t.Errorf("pageInfo = %+v", pi)
	}
	last := pageInfo("products", commerce.Window{Offset: 30, Limit: 10}, 5, 35)
	if last.HasNextPage {
		t.Errorf("last page says hasNextPage")
	}
	empty := pageInfo("products", commerce.Window{Limit: 10}, 0, 0)
	if empty.StartCursor != nil || empty.EndCursor != nil || empty.HasNextPage || empty.HasPreviousPage {
		t.Errorf("empty pageInfo = %+v", empty)
	}
}

func b64(s string) string { return encodeB64(s) }

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor("products", 0))
	f.Add(encodeCursor("products", 1234))
	f.Add(encodeCursor("variants", 7))
	f.Add("")
	f.Add("djE6cHJvZHVjdHM6")
	f.Fuzz(func(t *testing.T, s string) {
		off, err := decodeCursor("products", s)
		if err != nil {
			if commerce.CodeOf(err) != commerce.CodeBadUserInput {
				t.Fatalf("decodeCursor(%q) error %v is not BAD_USER_INPUT", s, err)
			}
			return
		}
		// Only cursors we issue decode: re-encoding gives the same text.
		if off < 0 || encodeCursor("products", off) != s {
			t.Fatalf("decodeCursor(%q) = %d, which encodes as %q", s, off, encodeCursor("products", off))
		}
	})
}
