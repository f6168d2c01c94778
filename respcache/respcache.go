// Package respcache keeps whole answers (GraphQL query results, REST GET
// bodies) in process, so the next identical request is a map lookup and a
// write of stored bytes: no execution, no Redis call, no hashing of the
// body. It never decides what may be kept or what a request's key is
// (server/edge/respcache.go does), and it never keeps anything past the
// freshness its caller gives it.
//
// An entry is tagged with every entity and list it was made of
// (commerce.Tag, recorded as the answer was made); Invalidate drops
// exactly the entries that carry a changed tag. The change bus calls it
// on every replica (server wires changes.Hub.Listen to it).
//
// Exactness under races: an answer made while one of its tags changed may
// hold the old state, so Put refuses it. Begin notes the invalidation
// count when the answer starts; Put compares it with the last
// invalidation of each of the entry's tags.
//
// Bounded in bytes (the body, each encoding made of it, and a fixed
// overhead per entry and tag): past Options.MaxBytes the least recently
// used entries go. Each encoding (gzip, zstd) is made once, the first time
// a client asks for it, and kept with its ETag beside the identity bytes.
//
// Why hand-written rather than a library cache (ristretto, freecache,
// bigcache): the tag index and the Begin/Put race check must be under the
// same lock as the entries, and none of those offers tags; the LRU is
// container/list.
package respcache

import (
	"bytes"
	"container/list"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/commercegateway/gateway/commerce"
)

// Key names one answer: a digest of everything that changes it (see the
// caller's doc for what goes in).
type Key [32]byte

// entryOverhead and tagOverhead are the bytes counted for an entry and for
// each of its tags beyond the bodies (map slots, list element, headers).
const (
	entryOverhead = 512
	tagOverhead   = 64
)

// Encoding names a content coding the cache can store.
type Encoding uint8

// The encodings, identity first.
const (
	Identity Encoding = iota
	Gzip
	Zstd
	numEncodings
)

// Entry is one kept answer. Its fields are read-only once Put.
type Entry struct {
	ContentType string
	// Header holds the answer's own headers (Cache-Control, ETag, …),
	// written again on each hit.
	Header http.Header
	Body   []byte // identity
	// ETag is the identity bytes' entity tag, when the answer has one.
	ETag    string
	Tags    []commerce.Tag
	Expires time.Time

	key  Key
	el   *list.Element
	size int64

	encMu sync.Mutex
	enc   [numEncodings][]byte // made on first use; [Identity] is Body
	etags [numEncodings]string
}

// Options configure a Cache.
type Options struct {
	MaxBytes int64
	// ETag derives an encoding's entity tag from the identity bytes
	// ("identity", "gzip", "zstd"), computed once per entry and encoding.
	ETag func(identity []byte, encoding string) string
	Now  func() time.Time
}

// Stats are counters for metrics.
type Stats struct {
	Hits, Misses, Stores, Refused, Evicted, Invalidated, Expired uint64
	Bytes                                                        int64
	Entries                                                      int
}

// Cache is the in-process answer cache. Safe for concurrent use.
type Cache struct {
	opts Options

	mu      sync.Mutex
	used    int64
	lru     *list.List // front: most recently used
	entries map[Key]*Entry
	byTag   map[commerce.Tag]map[*Entry]struct{}
	// changed is the invalidation count at each tag's last
	// invalidation; count increases with each Invalidate.
	changed map[commerce.Tag]uint64
	count   uint64
	// floor: Begin tickets below it are refused (changed was reset).
	floor uint64
	// changedAt is the bus position of each tag's last change this
	// replica heard of (unheard: changed here, not yet heard back from
	// the bus), for entries made elsewhere (Valid); heard is the last
	// position heard, and before since this replica knows nothing.
	changedAt map[commerce.Tag]Position
	heard     Position
	since     Position
	listening bool
	stats     Stats
}

// Position is a place on the change bus (a Redis stream id, "ms-seq"):
// every replica hears the same changes at the same positions, in order,
// so an answer made by a replica that had heard up to P reflects every
// change at or before P, and any replica can tell whether it heard of a
// later one. No clock is compared.
type Position struct{ Ms, Seq uint64 }

// Before reports whether p comes before q.
func (p Position) Before(q Position) bool { return p.Ms < q.Ms || (p.Ms == q.Ms && p.Seq < q.Seq) }

// unheard marks a tag changed by this replica whose change it has not
// heard back from the bus: no entry made elsewhere is valid for it.
var unheard = Position{math.MaxUint64, math.MaxUint64}

// New returns a cache of at most opts.MaxBytes.
func New(opts Options) *Cache {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{opts: opts, lru: list.New(), entries: map[Key]*Entry{},
		byTag: map[commerce.Tag]map[*Entry]struct{}{}, changed: map[commerce.Tag]uint64{},
		changedAt: map[commerce.Tag]Position{}}
}

// maxChanged bounds the tags remembered for the race check; past it the
// memory is reset, and every answer begun before then is refused.
const maxChanged = 1 << 16

// Get returns the fresh entry for k.
func (c *Cache) Get(k Key) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		c.stats.Misses++
		return nil, false
	}
	if !c.opts.Now().Before(e.Expires) {
		c.remove(e)
		c.stats.Expired++
		c.stats.Misses++
		return nil, false
	}
	c.lru.MoveToFront(e.el)
	c.stats.Hits++
	return e, true
}

// Ticket marks when an answer began to be made (Begin), for Put.
type Ticket struct {
	n   uint64
	pos Position
}

// Position is the bus position heard when the answer began: the answer
// reflects every change up to it (what the Redis tier stores with it).
func (t Ticket) Position() Position { return t.pos }

// Begin is called before an answer is made.
func (c *Cache) Begin() Ticket {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Ticket{c.count, c.heard}
}

// Put keeps e under k, unless one of its tags changed since t, it is too
// big for the cache, or its freshness is spent. It reports whether e was
// kept.
func (c *Cache) Put(k Key, e *Entry, t Ticket) bool {
	e.key = k
	e.enc[Identity], e.etags[Identity] = e.Body, e.ETag
	e.size = entryOverhead + int64(len(e.Body)+len(e.ContentType)) + tagOverhead*int64(len(e.Tags))
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.n < c.floor || e.size > c.opts.MaxBytes || !c.opts.Now().Before(e.Expires) {
		c.stats.Refused++
		return false
	}
	for _, tag := range e.Tags {
		if c.changed[tag] > t.n {
			c.stats.Refused++
			return false
		}
	}
	if old, ok := c.entries[k]; ok {
		c.remove(old)
	}
	c.entries[k] = e
	e.el = c.lru.PushFront(e)
	for _, tag := range e.Tags {
		set := c.byTag[tag]
		if set == nil {
			set = map[*Entry]struct{}{}
			c.byTag[tag] = set
		}
		set[e] = struct{}{}
	}
	c.used += e.size
	c.stats.Stores++
	for c.used > c.opts.MaxBytes {
		c.remove(c.lru.Back().Value.(*Entry))
		c.stats.Evicted++
	}
	return true
}

// Invalidate drops every entry made of one of tags, and refuses every
// answer begun before now that is (Put). It is for a change this replica
// makes or learns before the bus tells it (Heard): entries made elsewhere
// of those tags are not used until the bus does.
func (c *Cache) Invalidate(tags ...commerce.Tag) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.invalidate(unheard, tags)
}

// Heard is told of a change the bus delivered at pos: Invalidate, and
// entries made elsewhere of tags are used again once they were made
// after pos.
func (c *Cache) Heard(pos Position, tags ...commerce.Tag) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.heard.Before(pos) {
		c.heard = pos
	}
	c.invalidate(pos, tags)
}

// Listening says the bus tells this cache of every change after origin
// (Heard): from then on it may use entries made elsewhere (Valid).
func (c *Cache) Listening(origin Position) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.heard.Before(origin) {
		c.heard = origin
	}
	c.since, c.listening = origin, true
}

// invalidate drops the entries of tags changed at pos (c.mu held).
func (c *Cache) invalidate(pos Position, tags []commerce.Tag) {
	c.count++
	if len(c.changed)+len(tags) > maxChanged {
		c.changed = map[commerce.Tag]uint64{}
		// What changed here and is not yet heard back stays unusable;
		// of the rest, only entries made after now are valid.
		kept := map[commerce.Tag]Position{}
		for tag, at := range c.changedAt {
			if at == unheard {
				kept[tag] = at
			}
		}
		c.changedAt = kept
		c.floor, c.since = c.count, c.heard
	}
	for _, tag := range tags {
		c.changed[tag] = c.count
		if at, ok := c.changedAt[tag]; !ok || at.Before(pos) || at == unheard {
			c.changedAt[tag] = pos
		}
		for e := range c.byTag[tag] {
			c.remove(e)
			c.stats.Invalidated++
		}
	}
}

// Valid reports whether an entry another replica made at pos (its
// Ticket's Position) may be used here: this replica hears the bus, has
// heard of every change before pos, and of no change to one of its tags
// after pos (nor of one it made itself and has not heard back).
func (c *Cache) Valid(e *Entry, pos Position) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.listening || pos.Before(c.since) {
		return false
	}
	for _, tag := range e.Tags {
		if at, ok := c.changedAt[tag]; ok && pos.Before(at) {
			return false
		}
	}
	return c.opts.Now().Before(e.Expires)
}

// remove drops e (c.mu held).
func (c *Cache) remove(e *Entry) {
	if c.entries[e.key] != e {
		return
	}
	delete(c.entries, e.key)
	c.lru.Remove(e.el)
	for _, tag := range e.Tags {
		if set := c.byTag[tag]; set != nil {
			delete(set, e)
			if len(set) == 0 {
				delete(c.byTag, tag)
			}
		}
	}
	c.used -= e.size
}

// Stats returns the counters so far.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Bytes, s.Entries = c.used, len(c.entries)
	return s
}

// Encoded returns e's body in enc, with its ETag, making and keeping the
// encoding the first time it is asked for (its bytes count against the
// cache from then on).
func (c *Cache) Encoded(e *Entry, enc Encoding) (body []byte, etag string) {
	e.encMu.Lock()
	if e.enc[enc] != nil && (e.etags[enc] != "" || e.ETag == "") {
		body, etag = e.enc[enc], e.etags[enc]
		e.encMu.Unlock()
		return body, etag
	}
	made := false
	if e.enc[enc] == nil {
		e.enc[enc] = encode(e.Body, enc)
		made = true
	}
	if e.etags[enc] == "" && e.ETag != "" && c.opts.ETag != nil {
		e.etags[enc] = c.opts.ETag(e.Body, enc.String())
	}
	body, etag = e.enc[enc], e.etags[enc]
	e.encMu.Unlock()
	if made && enc != Identity {
		c.mu.Lock()
		if c.entries[e.key] == e {
			e.size += int64(len(body))
			c.used += int64(len(body))
			for c.used > c.opts.MaxBytes && c.lru.Len() > 1 {
				c.remove(c.lru.Back().Value.(*Entry))
				c.stats.Evicted++
			}
		}
		c.mu.Unlock()
	}
	return body, etag
}

func (enc Encoding) String() string {
	switch enc {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return ""
}

var zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault))

// encode returns b in enc.
func encode(b []byte, enc Encoding) []byte {
	switch enc {
	case Gzip:
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		_, _ = w.Write(b)
		_ = w.Close()
		return buf.Bytes()
	case Zstd:
		return zstdEncoder.EncodeAll(b, nil)
	}
	return b
}
