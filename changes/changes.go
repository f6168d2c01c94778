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
// per changed entity, never one per subscriber).
//
// It must never call a backend itself (the Refresh function it is given
// does), hold an entity's data, or block a publisher on a slow subscriber.
package changes

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Kind is the type of entity a change is about (the gid type names).
type Kind string

// The kinds of entity that change.
const (
	KindVariant Kind = "Variant"
	KindOrder   Kind = "Order"
)

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
}

// Event is a change as a subscriber receives it.
type Event struct {
	Change
	// Seq is the event's position on the bus, increasing: the REST
	// streams' `id:`, from which Since replays.
	Seq string
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

// Subscription is one subscriber's feed. Events arrive on C; when the
// subscription ends (Close, a slow consumer, shutdown), C is closed and
// Err says why (nil after Close).
type Subscription struct {
	C <-chan Event

	hub   *Hub
	c     chan Event
	kind  Kind
	ids   map[int64]bool // nil: every entity of kind
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
	})
}

// send queues e without blocking; a full queue ends the subscription.
func (s *Subscription) send(e Event) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	select {
	case s.c <- e:
		s.mu.Unlock()
	default:
		s.mu.Unlock()
		s.end(ErrSlowConsumer)
	}
}

// HubOptions configures a Hub.
type HubOptions struct {
	// Queue bounds the events queued for one subscriber
	// (GATEWAY_SUBSCRIBER_QUEUE); 0 is 100.
	Queue int
	// Refresh, when set, brings the entity cache up to date for ids of
	// kind before their events are delivered.
	Refresh func(ctx context.Context, kind Kind, ids []int64) error
	// History is how long events can be replayed by SubscribeFrom
	// (GATEWAY_EVENT_HISTORY); 0 is 5 minutes.
	History time.Duration
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
}

// ErrHistoryGone refuses SubscribeFrom an event older than the history
// kept: the subscriber missed events it can no longer be told.
var ErrHistoryGone = errors.New("changes: the events after that id are no longer kept")

// Hub fans changes out to this replica's subscribers. This first version
// is in-process only: Publish delivers at once, to local subscribers.
type Hub struct {
	opts HubOptions
	mu   sync.Mutex
	subs map[*Subscription]struct{}
	seq  int64
	done bool
	// history holds the events of the last opts.History, oldest first.
	history []Event
	trimmed int64 // the seq of the newest event trimmed from history
}

// NewHub returns a hub.
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
	return &Hub{opts: opts, subs: map[*Subscription]struct{}{}}
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
// is an error too.
func (h *Hub) SubscribeFrom(kind Kind, ids []int64, after string) (*Subscription, error) {
	var from int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("changes: %q is not an event id", after)
		}
		from = n
	}
	c := make(chan Event, h.opts.Queue)
	s := &Subscription{C: c, c: c, hub: h, kind: kind}
	if len(ids) > 0 {
		s.ids = make(map[int64]bool, len(ids))
		for _, id := range ids {
			s.ids[id] = true
		}
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
	h.subs[s] = struct{}{}
	return s, nil
}

func (s *Subscription) wants(ch Change) bool {
	return s.kind == ch.Kind && (s.ids == nil || s.ids[ch.ID])
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

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Publish refreshes the changed entities that someone subscribes to, then
// delivers an event for each change to its subscribers.
func (h *Hub) Publish(ctx context.Context, changes ...Change) error {
	h.mu.Lock()
	var watched = map[Kind][]int64{}
	for _, ch := range changes {
		for s := range h.subs {
			if s.wants(ch) {
				watched[ch.Kind] = append(watched[ch.Kind], ch.ID)
				break
			}
		}
	}
	h.mu.Unlock()
	if h.opts.Refresh != nil {
		for kind, ids := range watched {
			slices.Sort(ids)
			if err := h.opts.Refresh(ctx, kind, slices.Compact(ids)); err != nil {
				return err
			}
		}
	}
	h.mu.Lock()
	var sends []func()
	for _, ch := range changes {
		h.seq++
		if ch.At.IsZero() {
			ch.At = h.opts.Now()
		}
		e := Event{Change: ch, Seq: strconv.FormatInt(h.seq, 10)}
		h.history = append(h.history, e)
		for s := range h.subs {
			if s.wants(ch) {
				sends = append(sends, func() { s.send(e) })
			}
		}
	}
	h.trim()
	h.mu.Unlock()
	for _, send := range sends {
		send()
	}
	return nil
}

// Close ends every subscription with ErrClosed; later Subscribe calls fail.
func (h *Hub) Close() {
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
