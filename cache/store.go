package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// entry is what a key holds: when it was stored and the data.
type entry struct {
	At   int64           // unix µs
	Data json.RawMessage // the value as JSON
	raw  []byte          // the bytes as stored, for the decoded memo
}

// An entry is stored as "c1" (the format), the time as 8 bytes big-endian,
// then the JSON data. The envelope costs no JSON pass on read, which matters:
// a warm storefront page reads hundreds of entries per query.
const entryMagic = "c1"

func encodeEntry(at int64, data []byte) []byte {
	b := make([]byte, 0, len(entryMagic)+8+len(data))
	b = append(b, entryMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	return append(b, data...)
}

// decodeEntry reads what encodeEntry wrote; anything else (an entry of
// another format, say during a rolling upgrade) reads as missing.
func decodeEntry(b []byte) (entry, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(entryMagic))
	if !ok || len(rest) <= 8 {
		return entry{}, false
	}
	return entry{At: int64(binary.BigEndian.Uint64(rest)), Data: rest[8:], raw: b}, true
}

// kv is the Redis side of the cache: enveloped entries, namespace versions
// and fill locks, all under the cache's prefix. Keys are read and written
// one command per key (pipelined), never by multi-key commands, so they
// may live in any slot of a cluster.
type kv struct {
	rdb    redis.UniversalClient
	prefix string
	keep   time.Duration // how long an entry is kept (served stale when it must be)
	now    func() time.Time
	// maxPages bounds the list pages kept (see pageKey).
	maxPages int
}

func (s *kv) key(parts ...string) string {
	k := s.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// getMany returns the entries found for keys (missing keys are absent).
func (s *kv) getMany(ctx context.Context, keys []string) (map[string]entry, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make(map[string]entry, len(keys))
	for i, c := range cmds {
		b, err := c.Bytes()
		if err != nil {
			continue
		}
		if e, ok := decodeEntry(b); ok {
			out[keys[i]] = e
		}
	}
	return out, nil
}

// setMany stores values (marshalled to JSON) stamped now.
func (s *kv) setMany(ctx context.Context, values map[string]any) error {
	if len(values) == 0 {
		return nil
	}
	at := s.now().UnixMicro()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, v := range values {
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			p.Set(ctx, k, encodeEntry(at, data), s.keep)
		}
		return nil
	})
	return err
}

// setMarker writes a short-lived entry saying a fill is done.
func (s *kv) setMarker(ctx context.Context, key string) error {
	return s.rdb.Set(ctx, key, encodeEntry(s.now().UnixMicro(), []byte("true")), time.Minute).Err()
}

func (s *kv) del(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}

// version returns a namespace's current version.
func (s *kv) version(ctx context.Context, ns string) (string, error) {
	v, err := s.rdb.Get(ctx, s.key("ns", ns)).Result()
	if errors.Is(err, redis.Nil) {
		return "0", nil
	}
	return v, err
}

// bump retires every page of a namespace.
func (s *kv) bump(ctx context.Context, ns string) error {
	return s.rdb.Incr(ctx, s.key("ns", ns)).Err()
}

// lock takes a short fill lock on key; ok is false when another holder has
// it. unlock releases it only if it is still ours.
func (s *kv) lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	lk := key + ":lock"
	ok, err = s.rdb.SetNX(ctx, lk, token, ttl).Result()
	if err != nil || !ok {
		return nil, ok, err
	}
	return func() { _ = unlockScript.Run(context.WithoutCancel(ctx), s.rdb, []string{lk}, token).Err() }, true, nil
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// awaitEntry polls for key to be written by another replica's fill, until
// the entry is newer than since, the fill lock is gone, or wait passes.
func (s *kv) awaitEntry(ctx context.Context, key string, since int64, wait time.Duration) (entry, bool) {
	deadline := time.Now().Add(wait) // real time: the injected clock is for freshness only
	poll := 10 * time.Millisecond
	for time.Now().Before(deadline) {
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return entry{}, false
		case <-t.C:
		}
		got, err := s.getMany(ctx, []string{key})
		if err == nil {
			if e, ok := got[key]; ok && e.At > since {
				return e, true
			}
		}
		if n, err := s.rdb.Exists(ctx, key+":lock").Result(); err == nil && n == 0 {
			got, err := s.getMany(ctx, []string{key})
			if e, ok := got[key]; err == nil && ok && e.At > since {
				return e, true
			}
			return entry{}, false
		}
		poll = min(poll*2, 100*time.Millisecond)
	}
	return entry{}, false
}

// idKey names an entity's entry.
func idKey(kind string, id int64) string { return kind + ":" + strconv.FormatInt(id, 10) }

// tombstone is the key that records when an entity was last invalidated.
func tombstone(key string) string { return key + ":gone" }

// tombstoneTTL is how long an invalidation is remembered: longer than any
// fetch that began before it can take to store its answer.
const tombstoneTTL = 2 * time.Minute

// setManySince is setMany for entities read by a fetch that began at
// since, except those invalidated after it began (their tombstone is
// newer): an answer read before a change must not replace what the change
// evicted. It reads the tombstones, then writes, in two pipelines; a
// change landing between the two (well under a millisecond) is the one it
// cannot see. A script would close that gap, at the cost of a script run
// per entity, which the embedded Redis executes slowly. The times are the
// replicas' clocks: skew between replicas narrows the protection by the
// skew, no more.
func (s *kv) setManySince(ctx context.Context, values map[string]any, since time.Time) error {
	if len(values) == 0 {
		return nil
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	gone := make([]*redis.StringCmd, len(keys))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			gone[i] = p.Get(ctx, tombstone(k))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	for i, k := range keys {
		if at, err := gone[i].Int64(); err == nil && at > since.UnixMicro() {
			delete(values, k)
		}
	}
	return s.setMany(ctx, values)
}

// tombstoned returns those of the ids of kind that were invalidated lately
// (their tombstone is still there).
func (s *kv) tombstoned(ctx context.Context, kind string, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.IntCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.Exists(ctx, tombstone(s.key(idKey(kind, id))))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []int64
	for i, c := range cmds {
		if c.Val() > 0 {
			out = append(out, ids[i])
		}
	}
	return out, nil
}

// forget drops entities' entries and records when, so a fetch that began
// before does not store them again (see setManySince).
func (s *kv) forget(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	now := s.now().UnixMicro()
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Set(ctx, tombstone(k), now, tombstoneTTL)
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}

// List pages are the one part of the cache a client decides the size of:
// every distinct filter and window is a page of its own, kept for a day.
// So they are bounded (Options.MaxListPages) and evict their own least
// recently used: every page key, and an index of them scored by last use
// (a sorted set), share one hash tag, pagesTag, so one script can store a
// page and drop the oldest in the same step on Redis Cluster too.
//
// A page's key is in the index from the moment it is stored; a hit moves
// its score up in the same pipeline as the read (ZADD XX GT, no extra
// round trip); storing a page past the cap deletes the oldest pages and
// their index entries. Pages that expired on their own leave index entries
// behind until they are the oldest (they count against the cap, so the
// cache holds fewer pages, never more), and entries whose last use is
// older than the keep time are dropped outright.

// pagesTag is the hash tag of every list page and of their index.
func (s *kv) pagesTag() string { return "{" + s.prefix + ":pages}" }

// pageKey names block b of the list of kind ("pp", "vp") for filter fk
// under namespace version ns.
func (s *kv) pageKey(kind, ns, fk string, b int) string {
	return s.pagesTag() + ":" + kind + ":" + ns + ":" + fk + ":" + strconv.Itoa(b)
}

// pageIndex is the sorted set of page keys by last use (unix µs).
func (s *kv) pageIndex() string { return s.pagesTag() + ":lru" }

// getPage reads a page and, in the same pipeline, marks it used.
func (s *kv) getPage(ctx context.Context, key string) (entry, bool, error) {
	var get *redis.StringCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		p.ZAddArgs(ctx, s.pageIndex(), redis.ZAddArgs{XX: true, GT: true,
			Members: []redis.Z{{Score: float64(s.now().UnixMicro()), Member: key}}})
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return entry{}, false, err
	}
	b, err := get.Bytes()
	if err != nil {
		return entry{}, false, nil
	}
	e, ok := decodeEntry(b)
	return e, ok, nil
}

// storePageScript: KEYS[1] the page, KEYS[2] the index (one hash tag).
// ARGV: the entry, keep ms, now µs, the cap. Stores the page, marks it
// used, drops index entries older than the keep time, and deletes the
// least recently used pages past the cap. Returns how many it deleted.
var storePageScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[3]) - tonumber(ARGV[2]) * 1000))
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over <= 0 then return 0 end
local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
for _, k in ipairs(old) do redis.call('DEL', k) end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
return over
`)

// setPage stores a page (marshalled to JSON) stamped now, within the cap.
func (s *kv) setPage(ctx context.Context, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	now := s.now().UnixMicro()
	return storePageScript.Run(ctx, s.rdb, []string{key, s.pageIndex()},
		encodeEntry(now, data), s.keep.Milliseconds(), now, s.maxPages).Err()
}
