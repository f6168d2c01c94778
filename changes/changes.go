// Package changes is the gateway's change bus: what changed upstream — a
// variant's stock, price or name, an order's status, payment, fulfillment
// or returns — as the gateway learns it (TradeGecko's webhooks, its own
// incremental poll, its own writes), delivered to every subscriber on
// every replica: the live-update transports (GraphQL subscriptions, REST
// event streams) and, later, the response cache.
//
// A Change names an entity, never its state: a subscriber reads the new
// state itself, through the entity cache, which the Hub has refreshed once
// per change before it delivers (so a change costs one upstream request
// per changed entity, never one per subscriber, nor one per replica).
//
// How a change travels (see redis.go for the Redis side):
//
//   - Coalescing (HubOptions.Coalesce, ≈100 ms in the gateway): changes
//     to one entity published on this replica while a batch gathers
//     become one event; a batch is sent once no change came for the
//     window (so an isolated change leaves after ≈100 ms), after at most
//     ten windows while changes keep coming (about a second), or at once
//     when it holds MaxBatch entities of a kind (one upstream lookup's
//     worth). A storm — a batch past stormSize entities — may wait thirty
//     windows to fill its lookups: upstream, a storm of 1,000 changes then
//     costs 4 lookups however slowly the webhooks are processed, where a
//     lookup a second would take the whole of TradeGecko's budget.
//   - Refresh, once, on the publishing replica: before a batch leaves, the
//     Hub asks HubOptions.Refresh to bring the cache up to date for those
//     of its entities that someone, on any replica, subscribes to (a
//     registry in Redis says who watches what), so the other replicas
//     refresh nothing and read warm.
//   - Across replicas, through one Redis stream (XADD, trimmed with MINID
//     to HubOptions.History): every replica reads every entry (XREAD from
//     the last id it saw) and delivers it to its own subscribers. A
//     stream, not pub/sub, because its entry ids are the events' Seq and
//     the stream itself is the bounded history: SubscribeFrom replays
//     from Redis after a reconnect to ANY replica, and a replica whose
//     connection dropped reads on from where it was instead of losing
//     what was published meanwhile. The stream and the registry share one
//     hash tag, so it works on Redis Cluster.
//   - Redis down: a replica's own changes still reach its own subscribers
//     (delivered locally, with ids a resume treats as a time), and the
//     reader reconnects and reads on from its last id.
//
// This bus is not the webhook event stream of server/events.go: there, a
// consumer group hands each accepted webhook to ONE replica, once, to
// process; here every replica reads every change. The webhook processor
// publishes on this bus after it has processed an event.
//
// Without HubOptions.Redis the Hub is in-process (one replica, unit
// tests): Publish delivers to local subscribers with a local history.
//
// Hand-written over go-redis: no maintained Go library offers a
// fan-out-to-every-replica bus with replay by id over one Redis stream
// (watermill's Redis Streams subscriber uses consumer groups, which
// deliver each message to one consumer, the opposite of what this is).
//
// It must never call a backend itself (the Refresh function it is given
// does), hold an entity's data, or block a publisher on a slow subscriber.
package changes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Kind is the type of entity a change is about (the gid type names).
type Kind string

// The kinds of entity that change.
const (
	KindVariant Kind = "Variant"
	KindOrder   Kind = "Order"
	// KindProduct: a product was created, destroyed or edited (its name,
	// its variants).
	KindProduct Kind = "Product"
	// KindCatalog (ID 0): which products or variants exist, or how they
	// sort or filter, changed: every list of them.
	KindCatalog Kind = "Catalog"
	// KindReference (ID 0): the account, a currency or a location changed.
	KindReference Kind = "Reference"
)

// MaxBatch is the most entities of one kind a batch refreshes: what one
// upstream lookup by ids takes (TradeGecko's 250 per page).
const MaxBatch = 250

// Change says that one entity changed.
type Change struct {
	Kind Kind
	// ID is the entity's id in its backend (TradeGecko's).
	ID int64
	// At is when the gateway learned of it.
	At time.Time
	// Cause says how: "webhook variant.stock_level_update", "poll",
	// "write invoiceOrder". For logs and metrics only.
	Cause string
	// Fresh says the publisher has already stored the entity's new state
	// in the cache (the poll read it): the Hub does not refresh it again.
	Fresh bool
}

// Event is a change as a subscriber receives it.
type Event struct {
	Change
	// Seq is the event's position on the bus, increasing: the REST
	// streams' `id:`, from which SubscribeFrom replays. Opaque: the
	// Redis stream's entry id ("1733570000000-0") with Redis, a counter
	// in-process.
	Seq string
}

// ValidSeq reports whether s has the form of an Event.Seq: a Redis stream
// entry id ("1733570000000-0") or the in-process counter ("42"), each
// part a decimal that fits 64 bits. A client's Last-Event-ID is checked
// with it before SubscribeFrom, so a malformed one is the client's
// error, not the bus's.
func ValidSeq(s string) bool {
	ms, n, dashed := strings.Cut(s, "-")
	if !decimal64(ms) {
		return false
	}
	return !dashed || decimal64(n)
}

// decimal64 reports whether s is digits only and fits a uint64.
func decimal64(s string) bool {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return false
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// Publisher announces changes (webhooks, the poll, the gateway's writes).
type Publisher interface {
	Publish(ctx context.Context, changes ...Change) error
}

// ErrSlowConsumer closes a subscription whose queue filled up: its
// subscriber did not keep up with its events.
var ErrSlowConsumer = errors.New("changes: the subscriber did not keep up with its events (its queue is full)")

// ErrClosed closes every subscription when the hub shuts down.
var ErrClosed = errors.New("changes: the gateway is shutting down")

// ErrHistoryGone refuses SubscribeFrom an event older than the history
// kept: the subscriber missed events it can no longer be told.
var ErrHistoryGone = errors.New("changes: the events after that id are no longer kept")

// Observer counts what the Hub does, for metrics.
type Observer interface {
	// Published counts events sent onto the bus (after coalescing).
	Published(kind Kind, n int)
	// Coalesced counts changes merged into an event already pending.
	Coalesced(kind Kind, n int)
	// Delivered counts events queued for subscribers (one per subscriber).
	Delivered(kind Kind, n int)
	// Dropped counts subscriptions closed as slow consumers.
	Dropped(kind Kind)
	// Subscribed moves the count of open subscriptions.
	Subscribed(kind Kind, delta int)
	// Lag observes, per event, the time from the change being learned to
	// its delivery on this replica.
	Lag(d time.Duration)
}

// Subscription is one subscriber's feed. Events arrive on C; when the
// subscription ends (Close, a slow consumer, shutdown), C is closed and
// Err says why (nil after Close).
type Subscription struct {
	C <-chan Event

	hub   *Hub
	c     chan Event
	kind  Kind
	ids   map[int64]bool // nil: every entity of kind
	floor streamID       // Redis: entries up to it were replayed already
	once  sync.Once
	mu    sync.Mutex
	err   error
	ended bool
}

// Err says why the subscription ended: ErrSlowConsumer, ErrClosed, or nil.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription.
func (s *Subscription) Close() { s.end(nil) }

func (s *Subscription) end(err error) {
	s.once.Do(func() {
		s.hub.remove(s)
		s.mu.Lock()
		s.err, s.ended = err, true
		close(s.c)
		s.mu.Unlock()
		if errors.Is(err, ErrSlowConsumer) {
			s.hub.obs().Dropped(s.kind)
		}
	})
}

// send queues e without blocking; a full queue ends the subscription.
func (s *Subscription) send(e Event) bool {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return false
	}
	select {
	case s.c <- e:
		s.mu.Unlock()
		return true
	default:
		s.mu.Unlock()
		s.end(ErrSlowConsumer)
		return false
	}
}

func (s *Subscription) wants(ch Change) bool {
	return s.kind == ch.Kind && (s.ids == nil || s.ids[ch.ID])
}

// HubOptions configures a Hub.
type HubOptions struct {
	// Queue bounds the events queued for one subscriber
	// (GATEWAY_SUBSCRIBER_QUEUE); 0 is 100.
	Queue int
	// Refresh, when set, brings the entity cache up to date for ids of
	// kind before their events are delivered (at most MaxBatch ids per
	// call).
	Refresh func(ctx context.Context, kind Kind, ids []int64) error
	// History is how long events can be replayed by SubscribeFrom
	// (GATEWAY_EVENT_HISTORY); 0 is 5 minutes.
	History time.Duration
	// Now is the clock of events and history (tests); nil is time.Now.
	// Coalescing runs on the time package's own clock.
	Now func() time.Time
	// Redis, when set, carries changes between replicas (see redis.go);
	// Run must then be running. Nil: in-process.
	Redis redis.UniversalClient
	// Key prefixes the bus's Redis keys; it must be one hash tag. ""
	// is "{changes}".
	Key string
	// Coalesce is how long changes to one entity are gathered into one
	// event; 0 delivers each Publish at once, uncoalesced.
	Coalesce time.Duration
	// Observer counts for metrics; nil counts nothing.
	Observer Observer
	// Log receives the bus's warnings; nil discards them.
	Log *slog.Logger
}

// Hub fans changes out to the subscribers of every replica.
type Hub struct {
	opts    HubOptions
	bus     *bus // nil: in-process
	log     *slog.Logger
	created time.Time

	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	listens []func(events []Event, onBus bool)
	seq     int64
	done    bool
	// history holds the events of the last opts.History, oldest first
	// (in-process only: with Redis, the stream is the history).
	history []Event
	trimmed int64 // the seq of the newest event trimmed from history

	// pending gathers changes to coalesce (opts.Coalesce > 0).
	pmu           sync.Mutex
	pending       map[entity]int // → index in batch
	kinds         map[Kind]int   // entities pending, by kind
	batch         []Change
	first, latest time.Time
	timer         *time.Timer
	stopped       bool          // Close: batches is closed
	batches       chan []Change // to the flusher
	flushed       chan struct{} // closed when the flusher is done
	// flushMu serializes uncoalesced Publish calls.
	flushMu sync.Mutex
}

type entity struct {
	kind Kind
	id   int64
}

// NewHub returns a hub. With opts.Redis, call Run.
func NewHub(opts HubOptions) *Hub {
	if opts.Queue <= 0 {
		opts.Queue = 100
	}
	if opts.History <= 0 {
		opts.History = 5 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	h := &Hub{opts: opts, created: time.Now(), subs: map[*Subscription]struct{}{}, pending: map[entity]int{}, kinds: map[Kind]int{},
		log: cmp.Or(opts.Log, slog.New(slog.DiscardHandler))}
	if opts.Coalesce > 0 {
		h.batches, h.flushed = make(chan []Change, 64), make(chan struct{})
		go h.flusher()
	}
	if opts.Redis != nil {
		h.bus = newBus(opts.Redis, cmp.Or(opts.Key, "{changes}"), opts.History)
	}
	return h
}

type nopObserver struct{}

func (nopObserver) Published(Kind, int)  {}
func (nopObserver) Coalesced(Kind, int)  {}
func (nopObserver) Delivered(Kind, int)  {}
func (nopObserver) Dropped(Kind)         {}
func (nopObserver) Subscribed(Kind, int) {}
func (nopObserver) Lag(time.Duration)    {}
func (h *Hub) obs() Observer             { return cmp.Or[Observer](h.opts.Observer, nopObserver{}) }
func (h *Hub) timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 2*time.Second)
}

// Subscribe returns a feed of the changes to the entities ids of kind
// (nil or empty: every entity of kind).
func (h *Hub) Subscribe(kind Kind, ids []int64) (*Subscription, error) {
	return h.SubscribeFrom(kind, ids, "")
}

// SubscribeFrom is Subscribe, first replaying the events after the one
// with Seq after (a REST stream's Last-Event-ID; "": none), with no gap
// and no duplicate between the replay and what follows. An after older
// than the history kept is ErrHistoryGone; an after that is not a Seq
// is an error too; so is a replay longer than the queue
// (ErrSlowConsumer).
func (h *Hub) SubscribeFrom(kind Kind, ids []int64, after string) (*Subscription, error) {
	c := make(chan Event, h.opts.Queue)
	s := &Subscription{C: c, c: c, hub: h, kind: kind}
	if len(ids) > 0 {
		s.ids = make(map[int64]bool, len(ids))
		for _, id := range ids {
			s.ids[id] = true
		}
	}
	if h.bus != nil {
		return h.subscribeRedis(s, ids, after)
	}
	var from int64
	if after != "" {
		if !ValidSeq(after) {
			return nil, fmt.Errorf("changes: %q is not an event id", after)
		}
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			// A position on another bus (a Redis entry id): not of this
			// history.
			return nil, ErrHistoryGone
		}
		from = n
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.done {
		return nil, ErrClosed
	}
	if after != "" {
		h.trim()
		if from < h.trimmed {
			return nil, ErrHistoryGone
		}
		for _, e := range h.history {
			if n, _ := strconv.ParseInt(e.Seq, 10, 64); n > from && s.wants(e.Change) {
				if len(c) == cap(c) {
					return nil, ErrSlowConsumer
				}
				c <- e
			}
		}
	}
	h.add(s)
	return s, nil
}

// add registers s (h.mu held).
func (h *Hub) add(s *Subscription) {
	h.subs[s] = struct{}{}
	h.obs().Subscribed(s.kind, 1)
}

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	_, ok := h.subs[s]
	delete(h.subs, s)
	h.mu.Unlock()
	if ok {
		h.obs().Subscribed(s.kind, -1)
	}
}

// trim drops the events older than the history kept (h.mu held).
func (h *Hub) trim() {
	cutoff := h.opts.Now().Add(-h.opts.History)
	i := 0
	for i < len(h.history) && h.history[i].At.Before(cutoff) {
		h.trimmed, _ = strconv.ParseInt(h.history[i].Seq, 10, 64)
		i++
	}
	h.history = h.history[i:]
}

// Publish announces changes. Without coalescing, it refreshes what is
// watched and delivers (or sends onto the bus) before it returns; with
// it, the changes join the gathering batch and Publish returns at once.
func (h *Hub) Publish(ctx context.Context, changes ...Change) error {
	h.mu.Lock()
	done := h.done
	h.mu.Unlock()
	if done {
		return ErrClosed
	}
	now := h.opts.Now()
	for i := range changes {
		if changes[i].At.IsZero() {
			changes[i].At = now
		}
	}
	if h.opts.Coalesce <= 0 {
		h.flushMu.Lock()
		defer h.flushMu.Unlock()
		return h.flush(ctx, changes)
	}
	h.gather(changes)
	return nil
}

// gather adds changes to the pending batch, merging those to an entity
// already in it, and arms the flush.
func (h *Hub) gather(changes []Change) {
	h.pmu.Lock()
	defer h.pmu.Unlock()
	if h.stopped {
		return
	}
	now := time.Now()
	if len(h.batch) == 0 {
		h.first = now
	}
	h.latest = now
	merged := map[Kind]int{}
	full := false
	for _, ch := range changes {
		k := entity{ch.Kind, ch.ID}
		if i, ok := h.pending[k]; ok {
			// One event: the first At (when it was first learned), the
			// latest cause, fresh only if every change was.
			h.batch[i].Cause = ch.Cause
			h.batch[i].Fresh = h.batch[i].Fresh && ch.Fresh
			merged[ch.Kind]++
			continue
		}
		h.pending[k] = len(h.batch)
		h.batch = append(h.batch, ch)
		h.kinds[ch.Kind]++
		full = full || h.kinds[ch.Kind] >= MaxBatch
	}
	for kind, n := range merged {
		h.obs().Coalesced(kind, n)
	}
	if full {
		h.sendPending()
		return
	}
	if h.timer == nil {
		h.timer = time.AfterFunc(h.opts.Coalesce, h.tick)
	}
}

// holdWindows bounds, in windows, how long a batch that keeps growing
// waits: 1 s at the gateway's 100 ms. A batch of stormSize entities or
// more is a storm and may wait stormWindows (3 s), to fill lookups of
// MaxBatch even while the webhooks that announce it queue up.
const (
	holdWindows  = 10
	stormWindows = 30
	stormSize    = MaxBatch / 10
)

// tick sends the batch once it has been quiet for the window, or has
// waited holdWindows windows (stormWindows for a storm).
func (h *Hub) tick() {
	h.pmu.Lock()
	defer h.pmu.Unlock()
	h.timer = nil
	if len(h.batch) == 0 {
		return
	}
	now, w := time.Now(), h.opts.Coalesce
	quiet, waited := now.Sub(h.latest), now.Sub(h.first)
	hold := holdWindows * w
	if len(h.batch) >= stormSize {
		hold = stormWindows * w
	}
	if quiet < w && waited < hold {
		h.timer = time.AfterFunc(min(w-quiet, hold-waited), h.tick)
		return
	}
	h.sendPending()
}

// sendPending hands the batch to the flusher (h.pmu held).
func (h *Hub) sendPending() {
	batch := h.batch
	h.batch, h.pending, h.kinds = nil, map[entity]int{}, map[Kind]int{}
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	if len(batch) > 0 && !h.stopped {
		h.batches <- batch
	}
}

// flusher flushes the batches in the order they were gathered, until
// Close.
func (h *Hub) flusher() {
	defer close(h.flushed)
	for batch := range h.batches {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := h.flush(ctx, batch); err != nil {
			h.log.Warn("changes: publishing a batch", "changes", len(batch), "err", err)
		}
		cancel()
	}
}

// flush refreshes the watched entities of batch, then sends it onto the
// bus, or delivers it here (in-process, or when Redis fails). A failed
// refresh is reported but does not hold the events back: subscribers
// then read through the cache as it is (h.flushMu held).
func (h *Hub) flush(ctx context.Context, batch []Change) error {
	if len(batch) == 0 {
		return nil
	}
	var errs []error
	if h.opts.Refresh != nil {
		for kind, ids := range h.toRefresh(ctx, batch) {
			slices.Sort(ids)
			ids = slices.Compact(ids)
			for chunk := range slices.Chunk(ids, MaxBatch) {
				if err := h.opts.Refresh(ctx, kind, chunk); err != nil {
					errs = append(errs, fmt.Errorf("refresh %s: %w", kind, err))
				}
			}
		}
	}
	kinds := map[Kind]int{}
	for _, ch := range batch {
		kinds[ch.Kind]++
	}
	if h.bus != nil {
		err := h.bus.add(ctx, batch)
		if err == nil {
			for k, n := range kinds {
				h.obs().Published(k, n)
			}
			return errors.Join(errs...)
		}
		errs = append(errs, fmt.Errorf("send onto the Redis stream (delivered on this replica only): %w", err))
	}
	for k, n := range kinds {
		h.obs().Published(k, n)
	}
	h.deliverLocal(batch)
	return errors.Join(errs...)
}

// toRefresh returns, by kind, the ids of batch someone watches and whose
// state the publisher did not store already.
func (h *Hub) toRefresh(ctx context.Context, batch []Change) map[Kind][]int64 {
	byKind := map[Kind][]int64{}
	for _, ch := range batch {
		if !ch.Fresh {
			byKind[ch.Kind] = append(byKind[ch.Kind], ch.ID)
		}
	}
	out := map[Kind][]int64{}
	for kind, ids := range byKind {
		watched := h.watchedHere(kind, ids)
		if h.bus != nil {
			remote, err := h.bus.watched(ctx, kind, ids, h.opts.Now())
			if err != nil {
				h.log.Warn("changes: reading who watches what", "err", err)
			}
			for id := range remote {
				watched[id] = true
			}
		}
		for _, id := range ids {
			if watched[id] {
				out[kind] = append(out[kind], id)
			}
		}
	}
	return out
}

// watchedHere returns those of ids of kind that this replica's
// subscribers watch.
func (h *Hub) watchedHere(kind Kind, ids []int64) map[int64]bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[int64]bool{}
	for _, id := range ids {
		for s := range h.subs {
			if s.wants(Change{Kind: kind, ID: id}) {
				out[id] = true
				break
			}
		}
	}
	return out
}

// Watched reports whether anyone, on any replica, subscribes to changes of
// kind (so a publisher can skip a lookup nobody needs: the order a
// fulfillment belongs to).
func (h *Hub) Watched(ctx context.Context, kind Kind) bool {
	h.mu.Lock()
	for s := range h.subs {
		if s.kind == kind {
			h.mu.Unlock()
			return true
		}
	}
	h.mu.Unlock()
	if h.bus == nil {
		return false
	}
	ok, err := h.bus.anyWatched(ctx, kind, h.opts.Now())
	return ok || err != nil // unknown: assume someone does
}

// deliverLocal numbers changes with this replica's counter and delivers
// them to its subscribers; in-process, they join the history.
func (h *Hub) deliverLocal(batch []Change) {
	h.mu.Lock()
	events := make([]Event, len(batch))
	for i, ch := range batch {
		h.seq++
		if h.bus != nil {
			// Shaped like a stream id at this moment, so a resume from it
			// replays what the stream holds after it.
			events[i] = Event{Change: ch, Seq: fmt.Sprintf("%d-%d", h.opts.Now().UnixMilli(), h.seq)}
			continue
		}
		events[i] = Event{Change: ch, Seq: strconv.FormatInt(h.seq, 10)}
		h.history = append(h.history, events[i])
	}
	if h.bus == nil {
		h.trim()
	}
	h.mu.Unlock()
	h.deliver(events, false)
}

// Listen has f told of every event this replica delivers, of every kind,
// before its subscribers are (f must be quick: it runs on the bus's
// reader). A listener watches nothing: the changes it hears of are not
// refreshed for it (a cache that drops what changed, say). onBus says the
// events came from the Redis stream, in its order, so their Seq are
// positions every replica shares (StreamPosition); otherwise they were
// delivered on this replica only (in-process, or while Redis fails).
func (h *Hub) Listen(f func(events []Event, onBus bool)) {
	h.mu.Lock()
	h.listens = append(h.listens, f)
	h.mu.Unlock()
}

// deliver queues events for the subscribers that want them; fromStream
// events at or below a subscription's floor were replayed to it already.
func (h *Hub) deliver(events []Event, fromStream bool) {
	type send struct {
		s *Subscription
		e Event
	}
	var sends []send
	h.mu.Lock()
	listens := h.listens
	for _, e := range events {
		var id streamID
		if fromStream {
			id, _ = parseStreamID(e.Seq)
		}
		for s := range h.subs {
			if s.wants(e.Change) && (!fromStream || s.floor.less(id)) {
				sends = append(sends, send{s, e})
			}
		}
	}
	h.mu.Unlock()
	for _, f := range listens {
		f(events, fromStream)
	}
	now := h.opts.Now()
	for _, e := range events {
		h.obs().Lag(now.Sub(e.At))
	}
	delivered := map[Kind]int{}
	for _, x := range sends {
		if x.s.send(x.e) {
			delivered[x.e.Kind]++
		}
	}
	for k, n := range delivered {
		h.obs().Delivered(k, n)
	}
}

// Close sends what is gathering, then ends every subscription with
// ErrClosed; later Subscribe and Publish calls fail.
func (h *Hub) Close() {
	h.pmu.Lock()
	if h.batches != nil && !h.stopped {
		h.sendPending()
		h.stopped = true
		close(h.batches)
	}
	h.pmu.Unlock()
	if h.flushed != nil {
		<-h.flushed // the last batch has gone
	}
	h.mu.Lock()
	h.done = true
	subs := make([]*Subscription, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		s.end(ErrClosed)
	}
}
