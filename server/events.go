package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/commerce"
)

// eventStream carries accepted webhook events through a Redis stream, so
// an event accepted (answered 200) survives a crash before it is
// processed: replicas read it in a consumer group, acknowledge it once
// processed, and claim the events a dead replica left unacknowledged.
type eventStream struct {
	rdb      redis.UniversalClient
	stream   string
	group    string
	consumer string
	log      *slog.Logger
	// reclaimAfter is how long an event may stay unacknowledged before
	// another consumer takes it over.
	reclaimAfter time.Duration
}

func newEventStream(rdb redis.UniversalClient, b backend.Name, log *slog.Logger) *eventStream {
	return &eventStream{rdb: rdb, stream: "{events:" + string(b) + "}:stream", group: "gateway",
		consumer: uuid.NewString()[:8], log: log, reclaimAfter: 30 * time.Second}
}

// publish appends an event (the stream keeps the last 100,000).
func (e *eventStream) publish(ctx context.Context, ev commerce.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	return e.rdb.XAdd(ctx, &redis.XAddArgs{Stream: e.stream, MaxLen: 100_000, Approx: true, Values: map[string]any{"e": b}}).Err()
}

// run processes events until ctx ends; handle's error leaves the event
// unacknowledged, to be retried when reclaimed.
func (e *eventStream) run(ctx context.Context, handle func(context.Context, commerce.Event) error) {
	for ctx.Err() == nil {
		err := e.rdb.XGroupCreateMkStream(ctx, e.stream, e.group, "0").Err()
		if err == nil || strings.Contains(err.Error(), "BUSYGROUP") {
			break
		}
		e.log.Warn("events: cannot create the consumer group; retrying", "err", err)
		sleepCtx(ctx, time.Second)
	}
	lastReclaim := time.Time{}
	for ctx.Err() == nil {
		if time.Since(lastReclaim) > e.reclaimAfter/2 {
			lastReclaim = time.Now()
			msgs, _, err := e.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: e.stream, Group: e.group,
				Consumer: e.consumer, MinIdle: e.reclaimAfter, Start: "0-0", Count: 100}).Result()
			if err == nil {
				e.process(ctx, msgs, handle)
			}
		}
		// A blocked read returns as soon as an event arrives; the block
		// only bounds how long shutdown waits for it (go-redis does not
		// interrupt a read when ctx ends).
		streams, err := e.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: e.group, Consumer: e.consumer,
			Streams: []string{e.stream, ">"}, Count: 50, Block: 250 * time.Millisecond}).Result()
		if err != nil {
			if errors.Is(err, redis.Nil) || ctx.Err() != nil {
				continue
			}
			if strings.Contains(err.Error(), "NOGROUP") {
				_ = e.rdb.XGroupCreateMkStream(ctx, e.stream, e.group, "0").Err()
				continue
			}
			e.log.Warn("events: reading the stream failed", "err", err)
			sleepCtx(ctx, time.Second)
			continue
		}
		for _, s := range streams {
			e.process(ctx, s.Messages, handle)
		}
	}
}

// process handles a read's events in order and acknowledges those
// handled (or unreadable) in one call: a storm of deliveries costs one
// acknowledgement per read, not one per event.
func (e *eventStream) process(ctx context.Context, msgs []redis.XMessage, handle func(context.Context, commerce.Event) error) {
	done := make([]string, 0, len(msgs))
	for _, m := range msgs {
		raw, _ := m.Values["e"].(string)
		var ev commerce.Event
		if err := json.Unmarshal([]byte(raw), &ev); err != nil {
			e.log.Error("events: dropping an unreadable event", "id", m.ID, "err", err)
			done = append(done, m.ID)
			continue
		}
		if err := handle(ctx, ev); err != nil {
			e.log.Warn("events: processing failed; it will be retried", "event", ev.Name, "object_id", ev.ObjectID, "err", err)
			continue
		}
		done = append(done, m.ID)
	}
	if len(done) > 0 {
		_ = e.rdb.XAck(ctx, e.stream, e.group, done...).Err()
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
