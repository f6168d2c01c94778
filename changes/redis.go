package changes

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The bus in Redis, under one hash tag (HubOptions.Key, "{changes}"):
//
//   - <key>:stream, a stream: one entry per event (fields k: kind, id,
//     at: Unix microseconds, c: cause, f: "1" when fresh), trimmed on
//     every XADD to the entries of the last HubOptions.History (MINID ~).
//     Every replica XREADs it from the last id it saw.
//   - <key>:watch:<kind>, a sorted set of the ids (or "*": all) some
//     replica's subscribers watch, scored by when that lapses (Unix ms):
//     each replica renews its own every watchRenew, so the ids of a
//     replica that died or whose subscribers left lapse after watchTTL.
//     The publisher reads it to refresh only what someone watches.
const (
	watchTTL   = time.Minute
	watchRenew = 20 * time.Second
	// readBlock bounds one XREAD: an entry arrives at once; the block
	// only bounds how long Run takes to see its context end (go-redis
	// does not interrupt a blocked read).
	readBlock = 250 * time.Millisecond
	readCount = 500
)

type bus struct {
	rdb     redis.UniversalClient
	key     string
	stream  string
	history time.Duration
}

func newBus(rdb redis.UniversalClient, key string, history time.Duration) *bus {
	return &bus{rdb: rdb, key: key, stream: key + ":stream", history: history}
}

func (b *bus) watchKey(kind Kind) string { return b.key + ":watch:" + string(kind) }

// add appends one entry per change, trimming what is older than the
// history.
func (b *bus) add(ctx context.Context, batch []Change) error {
	minID := strconv.FormatInt(time.Now().Add(-b.history).UnixMilli(), 10)
	_, err := b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, ch := range batch {
			f := "0"
			if ch.Fresh {
				f = "1"
			}
			p.XAdd(ctx, &redis.XAddArgs{Stream: b.stream, MinID: minID, Approx: true, Values: []any{
				"k", string(ch.Kind), "id", ch.ID, "at", ch.At.UnixMicro(), "c", ch.Cause, "f", f}})
		}
		return nil
	})
	return err
}

func decodeEntry(m redis.XMessage) (Event, bool) {
	str := func(k string) string { v, _ := m.Values[k].(string); return v }
	id, err1 := strconv.ParseInt(str("id"), 10, 64)
	at, err2 := strconv.ParseInt(str("at"), 10, 64)
	if err1 != nil || err2 != nil || str("k") == "" {
		return Event{}, false
	}
	return Event{Seq: m.ID, Change: Change{Kind: Kind(str("k")), ID: id, At: time.UnixMicro(at), Cause: str("c"), Fresh: str("f") == "1"}}, true
}

func decodeEntries(msgs []redis.XMessage) []Event {
	out := make([]Event, 0, len(msgs))
	for _, m := range msgs {
		if e, ok := decodeEntry(m); ok {
			out = append(out, e)
		}
	}
	return out
}

// read returns the entries after after (blocking up to readBlock), and
// the id to read after next.
func (b *bus) read(ctx context.Context, after string) ([]Event, string, error) {
	res, err := b.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{b.stream, after}, Count: readCount, Block: readBlock}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, after, nil
	}
	if err != nil {
		return nil, after, err
	}
	var msgs []redis.XMessage
	for _, s := range res {
		msgs = append(msgs, s.Messages...)
	}
	if len(msgs) > 0 {
		after = msgs[len(msgs)-1].ID
	}
	return decodeEntries(msgs), after, nil
}

// replay calls fn with the entries after after, oldest first, and
// returns the id of the last entry read (after, when none).
func (b *bus) replay(ctx context.Context, after string, fn func(Event) error) (string, error) {
	for {
		msgs, err := b.rdb.XRangeN(ctx, b.stream, "("+after, "+", 1000).Result()
		if err != nil {
			return after, err
		}
		for _, e := range decodeEntries(msgs) {
			if err := fn(e); err != nil {
				return after, err
			}
		}
		if len(msgs) == 0 {
			return after, nil
		}
		after = msgs[len(msgs)-1].ID
		if len(msgs) < 1000 {
			return after, nil
		}
	}
}

const all = "*"

func members(ids []int64) []string {
	if len(ids) == 0 {
		return []string{all}
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// watch records that this replica watches ids of kind (nil: all) until
// until.
func (b *bus) watch(ctx context.Context, kind Kind, ids []int64, until time.Time) error {
	ms := members(ids)
	zs := make([]redis.Z, len(ms))
	for i, m := range ms {
		zs[i] = redis.Z{Score: float64(until.UnixMilli()), Member: m}
	}
	return b.rdb.ZAddGT(ctx, b.watchKey(kind), zs...).Err()
}

// watched returns those of ids of kind that some replica watches now.
func (b *bus) watched(ctx context.Context, kind Kind, ids []int64, now time.Time) (map[int64]bool, error) {
	ms := append([]string{all}, members(ids)...)
	scores, err := b.rdb.ZMScore(ctx, b.watchKey(kind), ms...).Result()
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	live := func(i int) bool { return i < len(scores) && scores[i] > float64(now.UnixMilli()) }
	for i, id := range ids {
		if live(0) || live(i+1) {
			out[id] = true
		}
	}
	return out, nil
}

// anyWatched reports whether some replica watches any entity of kind now.
func (b *bus) anyWatched(ctx context.Context, kind Kind, now time.Time) (bool, error) {
	n, err := b.rdb.ZCount(ctx, b.watchKey(kind), "("+strconv.FormatInt(now.UnixMilli(), 10), "+inf").Result()
	return n > 0, err
}

// lapse drops the watches that lapsed.
func (b *bus) lapse(ctx context.Context, kind Kind, now time.Time) error {
	return b.rdb.ZRemRangeByScore(ctx, b.watchKey(kind), "-inf", strconv.FormatInt(now.UnixMilli(), 10)).Err()
}

// streamID is a stream entry id, "<ms>-<seq>".
type streamID struct{ ms, seq uint64 }

func parseStreamID(s string) (streamID, bool) {
	a, b, hasSeq := strings.Cut(s, "-")
	ms, err := strconv.ParseUint(a, 10, 64)
	if err != nil {
		return streamID{}, false
	}
	var seq uint64
	if hasSeq {
		if seq, err = strconv.ParseUint(b, 10, 64); err != nil {
			return streamID{}, false
		}
	}
	return streamID{ms, seq}, true
}

// StreamPosition parses an event's Seq as its place on the Redis stream
// (milliseconds and sequence), for listeners that compare positions.
func StreamPosition(seq string) (ms, n uint64, ok bool) {
	id, ok := parseStreamID(seq)
	return id.ms, id.seq, ok
}

// Origin is the stream position this replica reads on from: every event
// after it reaches its listeners and subscribers (Run). ok is false
// without Redis.
func (h *Hub) Origin() (ms, n uint64, ok bool) {
	if h.bus == nil {
		return 0, 0, false
	}
	return uint64(h.created.UnixMilli()), 0, true
}

func (a streamID) less(b streamID) bool { return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq) }

func (a streamID) String() string { return fmt.Sprintf("%d-%d", a.ms, a.seq) }

// subscribeRedis registers s, first recording its watch in Redis and
// replaying from the stream what came after after.
func (h *Hub) subscribeRedis(s *Subscription, ids []int64, after string) (*Subscription, error) {
	var from streamID
	if after != "" {
		var ok bool
		if from, ok = parseStreamID(after); !ok {
			return nil, fmt.Errorf("changes: %q is not an event id", after)
		}
		if int64(from.ms) < h.opts.Now().Add(-h.opts.History).UnixMilli() {
			return nil, ErrHistoryGone
		}
	}
	ctx, cancel := h.timeout()
	defer cancel()
	if err := h.bus.watch(ctx, s.kind, ids, h.opts.Now().Add(watchTTL)); err != nil {
		// Served all the same: the publisher may then not refresh the
		// cache first, and the subscriber reads through it cold.
		h.log.Warn("changes: could not record a subscription's watch in Redis", "err", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return nil, ErrClosed
	}
	if after != "" {
		// Under h.mu, so no event is delivered between the replay and
		// the registration; those the reader delivers later up to the
		// replay's last id are skipped (the floor).
		last, err := h.bus.replay(ctx, from.String(), func(e Event) error {
			if !s.wants(e.Change) {
				return nil
			}
			if len(s.c) == cap(s.c) {
				return ErrSlowConsumer
			}
			s.c <- e
			return nil
		})
		if errors.Is(err, ErrSlowConsumer) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("changes: replaying from Redis: %w", err)
		}
		s.floor, _ = parseStreamID(last)
	}
	h.add(s)
	return s, nil
}

// Run reads the bus until ctx ends and delivers what it reads to this
// replica's subscribers, renewing their watches; on a Redis error it
// retries every second, reading on from the last id it saw. Without
// HubOptions.Redis it returns at once.
func (h *Hub) Run(ctx context.Context) {
	if h.bus == nil {
		return
	}
	// From the hub's creation (by Redis's clock, which makes the ids:
	// close enough to ours), so nothing published after NewHub returned
	// is missed by a reader that starts later.
	ms, n, _ := h.Origin()
	last := streamID{ms, n}.String()
	renewed := time.Time{}
	failing := false
	for ctx.Err() == nil {
		if time.Since(renewed) > watchRenew {
			if err := h.renew(ctx); err == nil {
				renewed = time.Now()
			}
		}
		events, after, err := h.bus.read(ctx, last)
		last = after
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if !failing {
				h.log.Warn("changes: reading the Redis stream failed; this replica's own changes are delivered here only until it is back", "err", err)
			}
			failing = true
			sleep(ctx, time.Second)
			continue
		}
		if failing {
			h.log.Info("changes: reading the Redis stream again", "after", last)
			failing = false
		}
		h.deliver(events, true)
	}
}

// renew extends the watches of this replica's subscribers and drops
// lapsed ones.
func (h *Hub) renew(ctx context.Context) error {
	h.mu.Lock()
	byKind := map[Kind]map[int64]bool{}
	allOf := map[Kind]bool{}
	for s := range h.subs {
		if s.ids == nil {
			allOf[s.kind] = true
			continue
		}
		if byKind[s.kind] == nil {
			byKind[s.kind] = map[int64]bool{}
		}
		for id := range s.ids {
			byKind[s.kind][id] = true
		}
	}
	h.mu.Unlock()
	now := h.opts.Now()
	var errs []error
	for _, kind := range []Kind{KindVariant, KindOrder} {
		if allOf[kind] {
			errs = append(errs, h.bus.watch(ctx, kind, nil, now.Add(watchTTL)))
		}
		if ids := byKind[kind]; len(ids) > 0 {
			list := make([]int64, 0, len(ids))
			for id := range ids {
				list = append(list, id)
			}
			errs = append(errs, h.bus.watch(ctx, kind, list, now.Add(watchTTL)))
		}
		errs = append(errs, h.bus.lapse(ctx, kind, now))
	}
	return errors.Join(errs...)
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
