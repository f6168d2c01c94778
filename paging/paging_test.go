package paging

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
)

func ptr[T any](v T) *T { return &v }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// Window is GraphQL's rule, and REST's since both doors use it.
func TestWindow(t *testing.T) {
	tests := []struct {
		name    string
		first   *int
		after   *string
		want    commerce.Window
		param   string // of the error
		wantErr string
	}{
		{"defaults", nil, nil, commerce.Window{Offset: 0, Limit: DefaultFirst}, "", ""},
		{"first", ptr(100), nil, commerce.Window{Limit: 100}, "", ""},
		{"after", ptr(10), ptr(GraphQL.Encode("products", 49)), commerce.Window{Offset: 50, Limit: 10}, "", ""},
		{"after the last offset", nil, ptr(GraphQL.Encode("products", MaxOffset)), commerce.Window{Offset: MaxOffset + 1, Limit: DefaultFirst}, "", ""},
		{"first too big", ptr(101), nil, commerce.Window{}, "first", "between 1 and 100, got 101"},
		{"first zero", ptr(0), nil, commerce.Window{}, "first", "got 0"},
		{"garbage", nil, ptr("%%%"), commerce.Window{}, "after", "not a cursor"},
		{"other connection", nil, ptr(GraphQL.Encode("variants", 3)), commerce.Window{}, "after", "products connection"},
		{"other door", nil, ptr(REST.Encode("products", 3)), commerce.Window{}, "after", "not a cursor"},
		{"negative offset", nil, ptr(b64("v1:products:-1")), commerce.Window{}, "after", "not a cursor"},
		{"leading zero", nil, ptr(b64("v1:products:01")), commerce.Window{}, "after", "not a cursor"},
		{"past the last offset", nil, ptr(GraphQL.Encode("products", MaxOffset+1)), commerce.Window{}, "after", "not a cursor"},
		{"huge offset", nil, ptr(b64("v1:products:99999999999")), commerce.Window{}, "after", "not a cursor"},
		{"old version", nil, ptr(b64("v0:products:1")), commerce.Window{}, "after", "not a cursor"},
		{"too long", nil, ptr(strings.Repeat("A", 100)), commerce.Window{}, "after", "longer than 64 characters"},
		// Go's base64 decoder skips \r and \n even in strict mode: a
		// cursor is only ever the text we issued.
		{"CRLF inside", nil, ptr("djE6cHJvZHVjdHM6\r\nMA"), commerce.Window{}, "after", "not a cursor"},
		{"LF inside", nil, ptr("djE6cHJvZHVj\ndHM6MA"), commerce.Window{}, "after", "not a cursor"},
		{"CR at the end", nil, ptr("djE6cHJvZHVjdHM6MA\r"), commerce.Window{}, "after", "not a cursor"},
		{"padding", nil, ptr("djE6cHJvZHVjdHM6MA=="), commerce.Window{}, "after", "not a cursor"},
		{"space inside", nil, ptr("djE6cHJv ZHVjdHM6MA"), commerce.Window{}, "after", "not a cursor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := GraphQL.Window("products", tc.first, tc.after)
			if tc.wantErr != "" {
				var pe *Error
				if commerce.CodeOf(err) != commerce.CodeBadUserInput || !strings.Contains(err.Error(), tc.wantErr) ||
					!errors.As(err, &pe) || pe.Param != tc.param {
					t.Fatalf("Window() error = %v, want BAD_USER_INPUT for %s saying %q", err, tc.param, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Window() = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestCursor(t *testing.T) {
	for _, c := range []Cursors{GraphQL, REST} {
		for _, off := range []int{0, 1, 19, 99999, MaxOffset} {
			s := c.Encode("products", off)
			got, err := c.Decode("products", s)
			if err != nil || got != off {
				t.Errorf("%s: Decode(Encode(%d)) = %d, %v", c.version, off, got, err)
			}
			if _, err := c.Decode("orders", s); err == nil {
				t.Errorf("%s: a products cursor decodes as an orders cursor", c.version)
			}
			if len(s) > MaxCursorLen {
				t.Errorf("%s: Encode(%d) = %q, longer than MaxCursorLen", c.version, off, s)
			}
		}
	}
	// REST's own cursors: r1, and nothing else.
	for _, bad := range []string{"", "x", "cjE6cHJvZHVjdHM6LTE", "cjE6cHJvZHVjdHM6MDE", "djE6cHJvZHVjdHM6MA", "cjE6cHJvZHVjdHM6MA==", strings.Repeat("A", 100),
		b64("r1:products:" + strconv.Itoa(MaxOffset+1)),
		"cjE6cHJvZHVjdHM6\r\nMA", "cjE6cHJvZHVj\ndHM6MA", "cjE6cHJvZHVjdHM6MA\r", "cjE6cHJv ZHVjdHM6MA"} {
		if off, err := REST.Decode("products", bad); err == nil {
			t.Errorf("REST.Decode(%q) = %d, want an error", bad, off)
		}
	}
	// The length is checked before anything else, even on text that
	// would otherwise decode.
	long := b64("r1:products:" + strings.Repeat("0", 60) + "1")
	if _, err := REST.Decode("products", long); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("REST.Decode(%d characters) = %v, want an error saying it is too long", len(long), err)
	}
}

func TestInfo(t *testing.T) {
	pi := GraphQL.Info("products", commerce.Window{Offset: 20, Limit: 10}, 10, 35)
	if !pi.HasNextPage || !pi.HasPreviousPage || *pi.StartCursor != GraphQL.Encode("products", 20) || *pi.EndCursor != GraphQL.Encode("products", 29) {
		t.Errorf("Info = %+v", pi)
	}
	last := GraphQL.Info("products", commerce.Window{Offset: 30, Limit: 10}, 5, 35)
	if last.HasNextPage {
		t.Errorf("last page says hasNextPage")
	}
	empty := GraphQL.Info("products", commerce.Window{Limit: 10}, 0, 0)
	if empty.StartCursor != nil || empty.EndCursor != nil || empty.HasNextPage || empty.HasPreviousPage {
		t.Errorf("empty Info = %+v", empty)
	}
}

// FuzzDecodeCursor: whatever a client sends as after=, only a cursor the
// door issued decodes, to the offset it was issued for; anything else is
// BAD_USER_INPUT for after.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(GraphQL.Encode("products", 0))
	f.Add(GraphQL.Encode("products", 1234))
	f.Add(GraphQL.Encode("variants", 7))
	f.Add(REST.Encode("products", 1234))
	f.Add(REST.Encode("orders", 7))
	f.Add("")
	f.Add("djE6cHJvZHVjdHM6")
	f.Add("cjE6cHJvZHVjdHM6")
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []Cursors{GraphQL, REST} {
			off, err := c.Decode("products", s)
			if err != nil {
				var pe *Error
				if commerce.CodeOf(err) != commerce.CodeBadUserInput || !errors.As(err, &pe) || pe.Param != "after" {
					t.Fatalf("%s: Decode(%q) error %v is not BAD_USER_INPUT for after", c.version, s, err)
				}
				continue
			}
			// Only cursors we issue decode: re-encoding gives the same text.
			if off < 0 || off > MaxOffset || c.Encode("products", off) != s {
				t.Fatalf("%s: Decode(%q) = %d, which encodes as %q", c.version, s, off, c.Encode("products", off))
			}
		}
	})
}
