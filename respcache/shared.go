package respcache

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/commerce"
)

// Shared is the second tier: answers kept in Redis for every replica, so
// a change costs one execution across the replicas, not one on each.
//
// The ledgers' Redis runs noeviction, and a public key can mint endless
// distinct documents, so the tier is bounded three ways: an answer goes
// to Redis only from its second miss on this replica (a document asked
// once is never stored), with a TTL of its freshness, and only while the
// bytes this replica has stored and not yet expired stay under
// SharedOptions.MaxBytes (so Redis holds at most MaxBytes per replica).
//
// Nothing is deleted from Redis when something changes: an entry is
// stored with the bus position its maker had heard when it began
// (Ticket.Position), and each replica checks it against the changes it
// heard of itself (Cache.Valid): one made before a change to one of its
// tags, as far as this replica knows, or before this replica started
// listening, is not used. Positions are the bus's, so no clocks are
// compared; a replica uses a stale entry only while a change is on its
// way to it, as its own L1 does.
type Shared struct {
	rdb    redis.UniversalClient
	prefix string
	max    int64
	now    func() time.Time

	seen *lru.Cache[Key, struct{}] // keys missed once

	mu     sync.Mutex
	stored int64
	live   expiries
	stats  SharedStats
}

// SharedStats are the Redis tier's counters, for metrics.
type SharedStats struct {
	// Lookups by result: Hits were used; Stale were found but made
	// before a change this replica heard of (Cache.Valid); Misses were
	// not there.
	Hits, Stale, Misses uint64
	// Stores were written; Refused did not fit this replica's budget.
	Stores, Refused uint64
	Bytes           int64 // stored by this replica and not yet expired
}

// Lookup returns k's entry from Redis when there is one c may use
// (Cache.Valid), and counts the lookup.
func (s *Shared) Lookup(ctx context.Context, k Key, c *Cache) (*Entry, bool, error) {
	e, pos, ok, err := s.Get(ctx, k)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil || !ok:
		s.stats.Misses++
		return nil, false, err
	case !c.Valid(e, pos):
		s.stats.Stale++
		return nil, false, nil
	}
	s.stats.Hits++
	return e, true, nil
}

// SharedOptions configure a Shared.
type SharedOptions struct {
	// MaxBytes bounds the bytes this replica keeps stored in Redis.
	MaxBytes int64
	// Prefix prefixes the keys; "" is "respcache".
	Prefix string
	Now    func() time.Time
}

// maxSharedEntry bounds one stored answer.
const maxSharedEntry = 1 << 20

// NewShared returns the Redis tier.
func NewShared(rdb redis.UniversalClient, opts SharedOptions) *Shared {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Prefix == "" {
		opts.Prefix = "respcache"
	}
	seen, _ := lru.New[Key, struct{}](1 << 16)
	return &Shared{rdb: rdb, prefix: opts.Prefix, max: opts.MaxBytes, now: opts.Now, seen: seen}
}

func (s *Shared) key(k Key) string { return s.prefix + ":" + hex.EncodeToString(k[:]) }

// sharedEntry is an entry as stored.
type sharedEntry struct {
	ContentType string         `json:"ct"`
	Header      http.Header    `json:"h"`
	ETag        string         `json:"e,omitempty"`
	Tags        []commerce.Tag `json:"t"`
	Pos         [2]uint64      `json:"p"` // the bus position when it began
	Expires     int64          `json:"x"` // Unix ms
}

// Get returns k's entry from Redis and the bus position it was made at,
// if one is there (not yet checked against changes: see Cache.Valid).
func (s *Shared) Get(ctx context.Context, k Key) (*Entry, Position, bool, error) {
	b, err := s.rdb.Get(ctx, s.key(k)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, Position{}, false, nil
	}
	if err != nil {
		return nil, Position{}, false, err
	}
	meta, body, ok := bytes.Cut(b, []byte{'\n'})
	var se sharedEntry
	if !ok || json.Unmarshal(meta, &se) != nil {
		return nil, Position{}, false, nil
	}
	return &Entry{ContentType: se.ContentType, Header: se.Header, ETag: se.ETag, Tags: se.Tags,
		Body: body, Expires: time.UnixMilli(se.Expires)}, Position{se.Pos[0], se.Pos[1]}, true, nil
}

// Missed records a miss of k and reports whether it is k's second (or
// later): only then is its answer worth storing.
func (s *Shared) Missed(k Key) bool {
	if s.seen.Contains(k) {
		return true
	}
	s.seen.Add(k, struct{}{})
	return false
}

// Put stores e (made at the bus position pos) under k when it fits this
// replica's share; it reports whether it did.
func (s *Shared) Put(ctx context.Context, k Key, e *Entry, pos Position) (bool, error) {
	now := s.now()
	ttl := e.Expires.Sub(now)
	if ttl < time.Second {
		return false, nil
	}
	meta, err := json.Marshal(sharedEntry{ContentType: e.ContentType, Header: e.Header, ETag: e.ETag, Tags: e.Tags,
		Pos: [2]uint64{pos.Ms, pos.Seq}, Expires: e.Expires.UnixMilli()})
	if err != nil {
		return false, err
	}
	size := int64(len(meta) + 1 + len(e.Body))
	if size > maxSharedEntry {
		return false, nil
	}
	s.mu.Lock()
	for len(s.live) > 0 && !s.live[0].at.After(now) {
		s.stored -= heap.Pop(&s.live).(expiry).size
	}
	if s.stored+size > s.max {
		s.stats.Refused++
		s.mu.Unlock()
		return false, nil
	}
	s.stats.Stores++
	s.stored += size
	heap.Push(&s.live, expiry{at: e.Expires, size: size})
	s.mu.Unlock()
	v := make([]byte, 0, size)
	v = append(append(append(v, meta...), '\n'), e.Body...)
	return true, s.rdb.Set(ctx, s.key(k), v, ttl).Err()
}

// Stored returns the bytes this replica has stored and not yet expired.
func (s *Shared) Stored() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stored
}

// Stats returns the counters.
func (s *Shared) Stats() SharedStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Bytes = s.stored
	return st
}

type expiry struct {
	at   time.Time
	size int64
}

// expiries is a min-heap of expiry by time.
type expiries []expiry

func (h expiries) Len() int           { return len(h) }
func (h expiries) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiries) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiries) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiries) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
