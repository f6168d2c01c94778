// Package paging is the one paging rule of both doors: the window a client
// may ask for (first, after) and the opaque cursors that name a position in
// a list. GraphQL connections (graph/) and REST lists (server/rest) both
// turn their first/after into a commerce.Window here and render their
// cursors and page info from here, so a limit or a cursor check changes in
// one place and the doors cannot drift apart.
//
// It is a package of its own, below both doors and above commerce, because
// cursors are a transport concern (commerce's operations take an offset and
// a limit and know nothing of cursors), yet neither door may own them.
//
// The package must never fetch anything, know a backend, or speak HTTP or
// GraphQL: it computes windows and checks text.
package paging

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/commercegateway/gateway/commerce"
)

// Limits of a page: first is 1..MaxFirst, DefaultFirst when absent; a
// cursor names an offset of at most MaxOffset (the Service's own limit on
// windows) and is at most MaxCursorLen characters long.
const (
	DefaultFirst = 20
	MaxFirst     = 100
	MaxOffset    = commerce.MaxOffset
	MaxCursorLen = 64
)

// Cursors are the cursors of one door: base64url("<version>:<list>:<offset>"),
// where offset is the position of the item in the list. Each door has its
// own version, so a cursor is only ever taken back by the door that issued
// it, for the list it was issued for: one of another list, or one edited by
// hand, is a clear error rather than a surprising page.
type Cursors struct {
	version string // "v1"
	of      string // what a list is called in errors: "connection"
}

// The doors' cursors.
var (
	GraphQL = Cursors{version: "v1", of: "connection"}
	REST    = Cursors{version: "r1", of: "list"}
)

// Error is a paging argument a door cannot use: Param names it ("first" or
// "after"), Err is the BAD_USER_INPUT to answer (its message names Param).
type Error struct {
	Param string
	Err   *commerce.Error
}

func (e *Error) Error() string { return e.Err.Message }

// Unwrap returns Err, so that commerce.ErrorOf finds the code.
func (e *Error) Unwrap() error { return e.Err }

// Encode returns the cursor of the item at offset in list.
func (c Cursors) Encode(list string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.version + ":" + list + ":" + strconv.Itoa(offset)))
}

// Decode returns the offset a cursor of list names. Only text Encode
// issued decodes: anything else, a cursor longer than MaxCursorLen, or one
// naming an offset past MaxOffset is an *Error for after.
func (c Cursors) Decode(list, cursor string) (int, error) {
	bad := func(why string) (int, error) {
		return 0, &Error{Param: "after", Err: commerce.BadInput("after: %q is not a cursor of the %s %s%s", clip(cursor), list, c.of, why)}
	}
	if len(cursor) > MaxCursorLen {
		return bad(" (longer than " + strconv.Itoa(MaxCursorLen) + " characters)")
	}
	if !base64URLOnly(cursor) {
		return bad("")
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return bad("")
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != c.version || parts[1] != list {
		return bad("")
	}
	off, err := strconv.Atoi(parts[2])
	if err != nil || off < 0 || off > MaxOffset || strconv.Itoa(off) != parts[2] {
		return bad("")
	}
	return off, nil
}

// Window turns first and after (nil when absent) into the slice of list
// to fetch: first items (DefaultFirst when absent) after the one the cursor
// names (from the start when absent).
func (c Cursors) Window(list string, first *int, after *string) (commerce.Window, error) {
	n := DefaultFirst
	if first != nil {
		n = *first
	}
	if n < 1 || n > MaxFirst {
		return commerce.Window{}, &Error{Param: "first", Err: commerce.BadInput("first must be between 1 and %d, got %d", MaxFirst, n)}
	}
	w := commerce.Window{Limit: n}
	if after != nil {
		off, err := c.Decode(list, *after)
		if err != nil {
			return commerce.Window{}, err
		}
		w.Offset = off + 1
	}
	return w, nil
}

// Info is where a page stands in its list: whether there are items after
// and before it, and the cursors of its first and last items (nil on an
// empty page).
type Info struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Info returns where the got items fetched for w stand among total.
func (c Cursors) Info(list string, w commerce.Window, got, total int) Info {
	in := Info{HasNextPage: w.Offset+got < total, HasPreviousPage: w.Offset > 0}
	if got > 0 {
		start, end := c.Encode(list, w.Offset), c.Encode(list, w.Offset+got-1)
		in.StartCursor, in.EndCursor = &start, &end
	}
	return in
}

// clip shortens what a client sent for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// base64URLOnly reports whether s holds only characters of the unpadded
// base64url alphabet. The decoder alone is not enough: even in strict mode
// it skips \r and \n, so a cursor with a line break inside would decode.
func base64URLOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
