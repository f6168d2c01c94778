package commerce

import (
	"context"
	"sync"
	"time"
)

// ReadRecord is what serving one request (or one operation in it) read,
// as far as caching it is concerned: the doors say Stale on the response
// (GraphQL extensions.stale, REST's Warning), and the HTTP edge decides
// its Cache-Control from the whole record (server/edge/httpcache.go).
type ReadRecord struct {
	// Stale: some of the data served was past its freshness (the upstream
	// was slow, down or out of budget).
	Stale bool
	// Private: per-customer or restricted data was read (orders and what
	// hangs off them, returns, fulfillments, consignment transactions,
	// international orders, pending writes): the answer is for its caller
	// only.
	Private bool
	// MinFresh is the least remaining freshness of the cached data read,
	// when Fresh says some was recorded; data fetched for the request
	// counts with its full freshness.
	MinFresh time.Duration
	Fresh    bool
	// Uncacheable: the answer must not be kept (a mutation, a
	// subscription), whatever it read.
	Uncacheable bool
	// Tags name every entity and list read, for a record that asked for
	// them (WithTaggedRecord): what must change for the answer to change.
	// Repeats are possible.
	Tags []Tag
}

// TagKind is the kind of thing a Tag names.
type TagKind uint8

// The kinds of tag. A list tag (ID 0) names every list of its kind: any
// change to which products or variants exist, or to how they sort or
// filter, changes them all.
const (
	TagProduct TagKind = iota + 1
	TagVariant
	TagImage
	TagProductList
	TagVariantList
	// TagReference: the account, its currencies and locations.
	TagReference
)

// Tag names one entity (Kind and its backend ID) or one kind of list
// (ID 0) an answer was made of.
type Tag struct {
	Kind TagKind
	ID   int64
}

func (k TagKind) String() string {
	switch k {
	case TagProduct:
		return "Product"
	case TagVariant:
		return "Variant"
	case TagImage:
		return "Image"
	case TagProductList:
		return "ProductList"
	case TagVariantList:
		return "VariantList"
	case TagReference:
		return "Reference"
	}
	return "Unknown"
}

// reads accumulates a ReadRecord; reads in a nested record count in its
// parents too (an operation's record, inside its request's).
type reads struct {
	mu     sync.Mutex
	rec    ReadRecord
	parent *reads
	tags   bool // collect Tags (WithTaggedRecord)
}

type readsKey struct{}

// WithReadRecord returns a context in which MarkStale, MarkPrivate and
// MarkFresh record what was read, and a function that reports the record
// so far. A record set up inside another (the edge's for the request, a
// door's for one operation) feeds both.
func WithReadRecord(ctx context.Context) (context.Context, func() ReadRecord) {
	r := &reads{}
	r.parent, _ = ctx.Value(readsKey{}).(*reads)
	return context.WithValue(ctx, readsKey{}, r), r.record
}

// WithTaggedRecord is WithReadRecord whose record also collects the Tags of
// what is read (MarkRead), for a cache of whole answers; records that
// did not ask for tags do not pay for them.
func WithTaggedRecord(ctx context.Context) (context.Context, func() ReadRecord) {
	r := &reads{tags: true}
	r.parent, _ = ctx.Value(readsKey{}).(*reads)
	return context.WithValue(ctx, readsKey{}, r), r.record
}

// MarkRead records that the entities ids of kind were read (for a list
// kind, no ids: the list itself).
func MarkRead(ctx context.Context, kind TagKind, ids ...int64) {
	r, _ := ctx.Value(readsKey{}).(*reads)
	for ; r != nil; r = r.parent {
		if !r.tags {
			continue
		}
		r.mu.Lock()
		if len(ids) == 0 {
			r.rec.Tags = append(r.rec.Tags, Tag{Kind: kind})
		}
		for _, id := range ids {
			r.rec.Tags = append(r.rec.Tags, Tag{Kind: kind, ID: id})
		}
		r.mu.Unlock()
	}
}

// MarkUncacheable records that the answer must not be kept.
func MarkUncacheable(ctx context.Context) {
	update(ctx, func(r *ReadRecord) { r.Uncacheable = true })
}

func (r *reads) record() ReadRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rec
}

// update applies f to the record in ctx and to each record around it.
func update(ctx context.Context, f func(*ReadRecord)) {
	r, _ := ctx.Value(readsKey{}).(*reads)
	for ; r != nil; r = r.parent {
		r.mu.Lock()
		f(&r.rec)
		r.mu.Unlock()
	}
}

// MarkStale records that data past its freshness was served.
func MarkStale(ctx context.Context) {
	update(ctx, func(r *ReadRecord) { r.Stale = true })
}

// MarkPrivate records that per-customer or restricted data was read.
func MarkPrivate(ctx context.Context) {
	update(ctx, func(r *ReadRecord) { r.Private = true })
}

// MarkFresh records that data served stays fresh for d more (the least
// such d over the request is its record's MinFresh).
func MarkFresh(ctx context.Context, d time.Duration) {
	d = max(d, 0)
	update(ctx, func(r *ReadRecord) {
		if !r.Fresh || d < r.MinFresh {
			r.MinFresh, r.Fresh = d, true
		}
	})
}
