package graph

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/commercegateway/gateway/commerce"
)

// Connection paging: `first` is 1..MaxFirst, DefaultFirst when absent.
const (
	DefaultFirst = 20
	MaxFirst     = 100
)

// Cursors are opaque to clients: base64url("v1:<connection>:<offset>"),
// where offset is the position of the edge in the list. They are validated
// on the way in, so a cursor from another connection, or one edited by
// hand, is a clear error rather than a surprising page.
const cursorVersion = "v1"

func encodeCursor(connection string, offset int) string {
	return encodeB64(cursorVersion + ":" + connection + ":" + strconv.Itoa(offset))
}

func decodeCursor(connection, cursor string) (int, error) {
	bad := func() (int, error) {
		return 0, commerce.BadInput("after: %q is not a cursor of the %s connection", clip(cursor), connection)
	}
	if len(cursor) > 64 || !base64URLOnly(cursor) {
		return bad()
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return bad()
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != cursorVersion || parts[1] != connection {
		return bad()
	}
	off, err := strconv.Atoi(parts[2])
	if err != nil || off < 0 || off > commerce.MaxOffset || strconv.Itoa(off) != parts[2] {
		return bad()
	}
	return off, nil
}

// window turns first/after into the slice of the list to fetch.
func window(connection string, first *int, after *string) (commerce.Window, error) {
	n := DefaultFirst
	if first != nil {
		n = *first
	}
	if n < 1 || n > MaxFirst {
		return commerce.Window{}, commerce.BadInput("first must be between 1 and %d, got %d", MaxFirst, n)
	}
	w := commerce.Window{Limit: n}
	if after != nil {
		off, err := decodeCursor(connection, *after)
		if err != nil {
			return commerce.Window{}, err
		}
		w.Offset = off + 1
	}
	return w, nil
}

func pageInfo(connection string, w commerce.Window, got, total int) *PageInfo {
	pi := &PageInfo{
		HasNextPage:     w.Offset+got < total,
		HasPreviousPage: w.Offset > 0,
	}
	if got > 0 {
		start, end := encodeCursor(connection, w.Offset), encodeCursor(connection, w.Offset+got-1)
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}

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

func encodeB64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
