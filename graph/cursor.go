package graph

import (
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/paging"
)

// cursors are the connections' cursors. The paging rule (first, after,
// the cursor's form and limits) is paging's, shared with REST; this door
// only renders it as a PageInfo.
var cursors = paging.GraphQL

func pageInfo(connection string, w commerce.Window, got, total int) *PageInfo {
	in := cursors.Info(connection, w, got, total)
	return &PageInfo{HasNextPage: in.HasNextPage, HasPreviousPage: in.HasPreviousPage,
		StartCursor: in.StartCursor, EndCursor: in.EndCursor}
}

// clip shortens what a client sent for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
