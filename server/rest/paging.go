package rest

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/paging"
)

// PageParams are the paging query parameters of a list: ?first=&after=,
// by paging's rule. Struct tags cannot name constants, so the limits are
// written out here and pinned to paging.MaxFirst, paging.DefaultFirst and
// paging.MaxCursorLen by TestPageParamsTags.
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

// window turns first/after into the slice of the list to fetch, by the
// paging rule both doors share (paging.REST's cursors).
func (p PageParams) window(list string) (commerce.Window, error) {
	var first *int
	if p.First != 0 {
		first = &p.First
	}
	var after *string
	if p.After != "" {
		after = &p.After
	}
	w, err := paging.REST.Window(list, first, after)
	if pe, ok := errors.AsType[*paging.Error](err); ok {
		return w, badInput("query parameter "+pe.Error(),
			FieldError{Field: []string{pe.Param}, In: "query", Message: pe.Error(), Code: "INVALID"})
	}
	return w, err
}

// newPage renders a page and, when there is a next one, its Link: the
// request's own path and query with after= moved on.
func newPage[T any](ctx context.Context, list string, w commerce.Window, items []T, total int) *pageOutput[T] {
	if items == nil {
		items = []T{}
	}
	in := paging.REST.Info(list, w, len(items), total)
	pi := PageInfo{HasNextPage: in.HasNextPage, HasPreviousPage: in.HasPreviousPage, StartCursor: in.StartCursor, EndCursor: in.EndCursor}
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
