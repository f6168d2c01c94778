package ratelimit

import "context"

// Fair shares
//
// A budget shared by every client of the gateway can be spent by one of
// them: a public storefront key asking for cold pages as fast as it can
// would leave everyone else RATE_LIMITED for a window. With
// Config.ClientShare set, a read made for a client (WithClient) is counted
// in that client's own log too, under the budget's hash tag, by the same
// script that admits it — so keeping shares costs no extra round trip.
//
// Shares are work-conserving: a client past its share (ClientShare × the
// read cap, at least one request per window) is still admitted while no
// other reader waits for room; once another does (a reader that found the
// budget full, or paused, registers itself as waiting until its next try
// is due, plus waiterGrace), the client past its share is refused at once —
// never queued, which would take the slot the other is waiting for — with
// a *Refusal whose Share is set and whose RetryAfter is when its oldest request
// leaves the window. Callers without a client (admin keys, the gateway's
// own background work) and writes are never refused for a share; their
// waiting counts like anyone's.

type clientKey struct{}

// WithClient marks ctx's reads as made for client (an opaque id: the API
// key and the client's address), so they count against its share.
func WithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

// ClientFrom returns the client WithClient set, or "".
func ClientFrom(ctx context.Context) string {
	c, _ := ctx.Value(clientKey{}).(string)
	return c
}

// ShareCap is how many reads one client may have in a window while
// another reader waits; 0 when shares are off.
func (l *Limiter) ShareCap() int { return l.shareCap }

// ShareObserver is an Observer that also hears of share refusals.
type ShareObserver interface {
	ShareRefused(name string)
}
