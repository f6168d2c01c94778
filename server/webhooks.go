package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/store"
)

// Webhook receiving (POST /webhooks/tradegecko, edge.WebhookPath):
//
//   - The signature (X-Gecko-Signature: base64 HMAC-SHA256 of the exact
//     body bytes, keyed with the app's client secret) is checked over the
//     raw body, in constant time, before anything else; a bad or missing
//     one is 401 and changes nothing.
//   - A delivery id (X-Gecko-Delivery) seen before is acknowledged and
//     ignored; ids are kept four days (the upstream retries for three),
//     from the moment the event is queued (until then, a brief claim).
//   - The answer comes at once (the upstream allows 10 s): an accepted event
//     is appended to a Redis stream and processed by the replicas'
//     consumers, so it survives a crash (see eventStream).
//
// The edge (server/edge) reads the body, at most 64 KB, and the headers;
// the rest is here.
const (
	deliveryRetention = 4 * 24 * time.Hour
	deliveryClaim     = 2 * time.Minute // while an accepted event is being queued
)

// WebhookEvents are the TradeGecko events the gateway subscribes to.
var WebhookEvents = []string{
	"product.create", "product.destroy", "variant.create", "variant.stock_level_update",
	"order.create", "order.finalized", "order.fulfilled",
	"fulfillment.create", "fulfillment.fulfilled",
	"fulfillment_return.create", "fulfillment_return.received",
	"invoice.create", "invoice.destroy", "payment.create",
	"location.create", "location.update", "account.update",
}

type webhooks struct {
	secret     []byte
	deliveries store.Deliveries
	log        *slog.Logger
	events     *eventStream

	mu        sync.RWMutex
	observers []func(context.Context, commerce.Event) error
}

func newWebhooks(secret string, deliveries store.Deliveries, events *eventStream, log *slog.Logger) *webhooks {
	return &webhooks{secret: []byte(secret), deliveries: deliveries, events: events, log: log}
}

// observe adds a function every verified, new event is handed to; its
// error makes the event be processed again later.
func (w *webhooks) observe(f func(context.Context, commerce.Event) error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.observers = append(w.observers, f)
}

// run processes events from the stream until ctx ends.
func (w *webhooks) run(ctx context.Context) {
	w.events.run(ctx, func(ctx context.Context, ev commerce.Event) error {
		w.mu.RLock()
		obs := w.observers
		w.mu.RUnlock()
		w.log.Info("webhook event", "event", ev.Name, "object_id", ev.ObjectID, "delivery", ev.DeliveryID)
		var errs []error
		for _, f := range obs {
			errs = append(errs, f(ctx, ev))
		}
		return errors.Join(errs...)
	})
}

type webhookPayload struct {
	ObjectID    json.Number `json:"object_id"`
	Event       string      `json:"event"`
	Timestamp   json.Number `json:"timestamp"`
	ResourceURL string      `json:"resource_url"`
}

// Enabled implements edge.Webhooks: deliveries need the app's client
// secret, which signs them.
func (w *webhooks) Enabled() error {
	if len(w.secret) == 0 {
		return &commerce.Error{Code: commerce.CodeBackendDisabled, Backend: backend.TradeGecko,
			Message: "webhooks are not configured: set TRADEGECKO_CLIENT_SECRET (the app secret that signs them)"}
	}
	return nil
}

// Accept implements edge.Webhooks: it verifies, deduplicates and queues one
// delivery.
func (w *webhooks) Accept(ctx context.Context, body []byte, signature, deliveryID string) (duplicate bool, _ error) {
	if err := w.Enabled(); err != nil {
		return false, err
	}
	if !w.verify(body, signature) {
		return false, &commerce.Error{Code: commerce.CodeUnauthenticated, Message: "the webhook signature does not match its body"}
	}
	var p webhookPayload
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil || p.Event == "" {
		return false, &commerce.Error{Code: commerce.CodeBadUserInput, Message: "the webhook body is not the documented {object_id, event, timestamp, resource_url}"}
	}
	id, _ := p.ObjectID.Int64()
	ev := commerce.Event{Backend: backend.TradeGecko, Name: commerce.NormalizeEventName(p.Event), ObjectID: id, DeliveryID: deliveryID}
	if ts, err := p.Timestamp.Int64(); err == nil && ts > 0 {
		ev.At = time.Unix(ts, 0).UTC()
	}
	if ev.DeliveryID == "" {
		sum := sha256.Sum256(body)
		ev.DeliveryID = "body:" + base64.RawURLEncoding.EncodeToString(sum[:])
	}
	// The id is claimed briefly, then kept for the retention once the
	// event is queued: a replica that dies in between leaves a claim that
	// lapses, so the upstream's next attempt is accepted, not answered
	// "duplicate" and lost; and an attempt that meets a claim is asked to
	// come back, for the claim's holder may yet fail to queue it.
	state, err := w.deliveries.Claim(ctx, ev.DeliveryID, deliveryClaim)
	switch {
	case err != nil:
		return false, &commerce.Error{Code: commerce.CodeInternal, Message: "internal error", Err: err}
	case state == store.DeliveryKept:
		return true, nil
	case state == store.DeliveryClaimed:
		return false, &commerce.Error{Code: commerce.CodeUpstreamUnavailable,
			Message: "this delivery is being accepted by another attempt right now; deliver again later"}
	}
	if err := w.events.publish(ctx, ev); err != nil {
		// Not kept: let the upstream deliver it again later.
		_ = w.deliveries.Forget(context.WithoutCancel(ctx), ev.DeliveryID)
		return false, &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Message: "cannot accept the event now; deliver again later", Err: err}
	}
	if err := w.deliveries.Keep(context.WithoutCancel(ctx), ev.DeliveryID, deliveryRetention); err != nil {
		// Queued all the same; a redelivery after the claim lapses is
		// processed again, which only evicts what is already evicted.
		w.log.Warn("webhooks: could not keep a delivery id for its retention", "err", err)
	}
	return false, nil
}

// verify checks sig (base64 HMAC-SHA256 of body) in constant time.
func (w *webhooks) verify(body []byte, sig string) bool {
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(got) != sha256.Size {
		return false
	}
	mac := hmac.New(sha256.New, w.secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Sign returns the X-Gecko-Signature of body under secret (for tests and
// tools that deliver webhooks to the gateway).
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// subscriber is the part of the TradeGecko client that manages webhooks.
type subscriber interface {
	existing(ctx context.Context) (map[string]bool, error) // "event address" pairs
	subscribe(ctx context.Context, event, address string) error
}

// ensureSubscriptions makes sure each event is delivered to address,
// creating only the subscriptions that are missing (so it is safe at every
// start, on every replica).
func ensureSubscriptions(ctx context.Context, s subscriber, address string) (created int, err error) {
	have, err := s.existing(ctx)
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, ev := range WebhookEvents {
		if have[ev+" "+address] {
			continue
		}
		if err := s.subscribe(ctx, ev, address); err != nil {
			errs = append(errs, err)
			continue
		}
		created++
	}
	return created, errors.Join(errs...)
}
