package commerce

import (
	"context"
	"sync/atomic"
)

type staleKey struct{}

// WithStaleTracking returns a context in which MarkStale records that some
// of the data served was past its freshness, and a function that reports
// whether it was. The doors use it to say so on the response
// (GraphQL extensions.stale).
func WithStaleTracking(ctx context.Context) (context.Context, func() bool) {
	var f atomic.Bool
	return context.WithValue(ctx, staleKey{}, &f), f.Load
}

// MarkStale records, in a context set up by WithStaleTracking, that data
// past its freshness was served.
func MarkStale(ctx context.Context) {
	if f, ok := ctx.Value(staleKey{}).(*atomic.Bool); ok {
		f.Store(true)
	}
}
