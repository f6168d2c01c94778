package commerce

import "context"

type writingKey struct{}

// WithWrite marks ctx as serving a write: a mutation and the reads that
// answer it. Upstream requests made under it take the writes' priority
// and reserve at the rate limiter, so a write is not held up behind a
// storm of reads by the lookups it needs before and after sending.
func WithWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, writingKey{}, true)
}

// IsWrite reports whether ctx serves a write (WithWrite).
func IsWrite(ctx context.Context) bool {
	w, _ := ctx.Value(writingKey{}).(bool)
	return w
}
