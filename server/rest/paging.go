package rest

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/commercegateway/gateway/commerce"
)

// Paging: ?first=&after=, first 1..MaxFirst (DefaultFirst when absent).
const (
	DefaultFirst = 20
	MaxFirst     = 100
)

// PageParams are the paging query parameters of a list.
type PageParams struct {
	First int    `query:"first" minimum:"1" maximum:"100" default:"20" doc:"How many items, 1..100."`
	After string `query:"after" maxLength:"64" doc:"The endCursor of the previous page (pageInfo.endCursor, or the after= of the Link rel=\"next\" header)."`
}

// Page is one page of a list.
type Page[T any] struct {
	Data       []T      `json:"data" nullable:"false"`
	PageInfo   PageInfo `json:"pageInfo"`
	TotalCount int      `json:"totalCount" doc:"How many items match, over every page."`
}

// PageInfo says where a page is (GraphQL PageInfo).
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor" doc:"The cursor of the first item; null on an empty page."`
	EndCursor       *string `json:"endCursor" doc:"The cursor of the last item: pass it as after= for the next page; null on an empty page."`
}

// List is an unpaged list.
type List[T any] struct {
	Data []T `json:"data" nullable:"false"`
}

// pageOutput is the answer of a paged list: the page and its Link header.
type pageOutput[T any] struct {
	Link string `header:"Link" doc:"<…>; rel=\"next\" when there is a next page (RFC 8288)."`
	Body Page[T]
}

type listOutput[T any] struct {
	Body List[T]
}

func newList[T any](items []T) *listOutput[T] {
	if items == nil {
		items = []T{}
	}
	return &listOutput[T]{Body: List[T]{Data: items}}
}

// Cursors are opaque: base64url("r1:<list>:<offset>"), where offset is the
// item's position in the list. They are checked on the way in, so a cursor
// of another list, or one edited by hand, is a clear 400.
const cursorVersion = "r1"

func encodeCursor(list string, offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + ":" + list + ":" + strconv.Itoa(offset)))
}

func decodeCursor(list, cursor string) (int, error) {
	bad := fmt.Errorf("%q is not a cursor of this list (%s)", clip(cursor), list)
	if !base64URLOnly(cursor) {
		return 0, bad
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil {
		return 0, bad
	}
	parts := strings.Split(string(raw), ":")
	if len(parts) != 3 || parts[0] != cursorVersion || parts[1] != list {
		return 0, bad
	}
	off, err := strconv.Atoi(parts[2])
	if err != nil || off < 0 || off >= commerce.MaxOffset || strconv.Itoa(off) != parts[2] {
		return 0, bad
	}
	return off, nil
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

// window turns first/after into the slice of the list to fetch.
func (p PageParams) window(list string) (commerce.Window, error) {
	n := p.First
	if n == 0 {
		n = DefaultFirst
	}
	w := commerce.Window{Limit: n}
	if p.After != "" {
		off, err := decodeCursor(list, p.After)
		if err != nil {
			return w, badInput("query parameter after: "+err.Error(),
				FieldError{Field: []string{"after"}, In: "query", Message: err.Error(), Code: "INVALID"})
		}
		w.Offset = off + 1
	}
	return w, nil
}

// newPage renders a page and, when there is a next one, its Link: the
// request's own path and query with after= moved on.
func newPage[T any](ctx context.Context, list string, w commerce.Window, items []T, total int) *pageOutput[T] {
	if items == nil {
		items = []T{}
	}
	pi := PageInfo{HasNextPage: w.Offset+len(items) < total, HasPreviousPage: w.Offset > 0}
	if len(items) > 0 {
		start, end := encodeCursor(list, w.Offset), encodeCursor(list, w.Offset+len(items)-1)
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	out := &pageOutput[T]{Body: Page[T]{Data: items, PageInfo: pi, TotalCount: total}}
	if pi.HasNextPage && pi.EndCursor != nil {
		if u := requestURL(ctx); u != nil {
			q := u.Query()
			q.Set("after", *pi.EndCursor)
			if q.Get("first") == "" {
				q.Set("first", strconv.Itoa(w.Limit))
			}
			next := url.URL{Path: u.Path, RawQuery: q.Encode()}
			out.Link = "<" + next.String() + `>; rel="next"`
		}
	}
	return out
}
