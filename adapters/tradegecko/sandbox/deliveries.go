package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
)

// maxRetryDelay caps the exponential backoff between delivery attempts.
const maxRetryDelay = time.Hour

// ErrClosed is returned by WaitDeliveries after Close while deliveries
// were still pending.
var ErrClosed = errors.New("sandbox: closed")

// Delivery is one attempt to deliver a webhook event, as Deliveries
// returns it.
type Delivery struct {
	WebhookID  int64
	Address    string
	Event      string // as sent: "fulfillments.create", "order.create", …
	DeliveryID string // X-Gecko-Delivery: the same on every attempt of one delivery
	Body       []byte // exactly the bytes sent and signed
	Signature  string // X-Gecko-Signature
	Attempt    int    // 1 for the first attempt
	Status     int    // the receiver's HTTP status; 0 when it did not answer
	Error      string // the transport error, if any
	At         time.Time
}

// pendingDelivery is a delivery waiting for its next attempt.
type pendingDelivery struct {
	webhookID int64
	address   string
	event     string
	id        string
	body      []byte
	signature string
	firstAt   time.Time // sandbox clock when the event happened, for WebhookMaxAge
	attempt   int       // attempts made so far
	due       time.Time // wall clock of the next attempt
}

// hookQueue delivers webhooks from one worker goroutine, started by the
// first delivery and stopped by Close. Its lock is taken after Sandbox.mu,
// never before it, and is never held while calling out.
type hookQueue struct {
	s      *Sandbox
	client *http.Client
	own    *http.Transport // the default client's transport, closed by Close

	mu       sync.Mutex
	pending  []*pendingDelivery
	inflight int
	log      []Delivery
	started  bool
	closed   bool
	wake     chan struct{}
	changed  chan struct{} // closed and replaced on every change (WaitDeliveries)
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}
}

func newHookQueue(s *Sandbox) *hookQueue {
	h := &hookQueue{s: s, client: s.opts.WebhookClient, wake: make(chan struct{}, 1), changed: make(chan struct{}), done: make(chan struct{})}
	if h.client == nil {
		h.own = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}
		h.client = &http.Client{
			Transport: h.own,
			Timeout:   WebhookTimeout,
			// A 3xx is a success: report it rather than follow it.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	return h
}

// enqueue schedules a new delivery of body to w now.
func (h *hookQueue) enqueue(w *webhook, event string, body []byte) {
	mac := hmac.New(sha256.New, []byte(h.s.opts.AppSecret))
	mac.Write(body)
	d := &pendingDelivery{
		webhookID: w.id, address: w.address, event: event, id: uuid.NewString(), body: body,
		signature: base64.StdEncoding.EncodeToString(mac.Sum(nil)),
		firstAt:   h.s.now(), due: time.Now(),
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.pending = append(h.pending, d)
	if !h.started {
		h.started = true
		go h.run()
	}
	h.signal()
}

// signal wakes the worker and WaitDeliveries. Called with h.mu held.
func (h *hookQueue) signal() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *hookQueue) run() {
	defer close(h.done)
	var timer *time.Timer
	for {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			return
		}
		var next *pendingDelivery
		for _, d := range h.pending {
			if next == nil || d.due.Before(next.due) {
				next = d
			}
		}
		if next == nil {
			h.mu.Unlock()
			select {
			case <-h.wake:
			case <-h.ctx.Done():
				return
			}
			continue
		}
		if wait := time.Until(next.due); wait > 0 {
			h.mu.Unlock()
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-timer.C:
			case <-h.wake:
				timer.Stop()
			case <-h.ctx.Done():
				timer.Stop()
				return
			}
			continue
		}
		h.pending = slices.DeleteFunc(h.pending, func(d *pendingDelivery) bool { return d == next })
		h.inflight++
		h.mu.Unlock()

		retry := h.attempt(next)

		h.mu.Lock()
		h.inflight--
		if retry && !h.closed {
			h.pending = append(h.pending, next)
		}
		h.signal()
		h.mu.Unlock()
	}
}

// attempt makes one attempt and reports whether to retry. A delivery whose
// webhook is gone, or older than WebhookMaxAge, is dropped unattempted.
func (h *hookQueue) attempt(d *pendingDelivery) (retry bool) {
	s := h.s
	s.mu.Lock()
	_, live := s.db.webhooks.get(d.webhookID)
	s.mu.Unlock()
	now := s.now()
	if !live || now.Sub(d.firstAt) >= s.opts.WebhookMaxAge {
		return false
	}
	d.attempt++
	rec := Delivery{
		WebhookID: d.webhookID, Address: d.address, Event: d.event, DeliveryID: d.id,
		Body: d.body, Signature: d.signature, Attempt: d.attempt, At: now,
	}

	ctx, cancel := context.WithTimeout(h.ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.address, bytes.NewReader(d.body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "TradeGecko-Sandbox-Webhooks")
		req.Header.Set("X-Gecko-Delivery", d.id)
		req.Header.Set("X-Gecko-Signature", d.signature)
		var resp *http.Response
		if resp, err = h.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
			rec.Status = resp.StatusCode
		}
	}
	if err != nil {
		rec.Error = err.Error()
	}
	h.mu.Lock()
	h.log = append(h.log, rec)
	h.mu.Unlock()

	switch {
	case rec.Status >= 200 && rec.Status < 400:
		return false
	case rec.Status == http.StatusGone:
		s.mu.Lock()
		s.db.webhooks.remove(d.webhookID)
		s.mu.Unlock()
		return false
	case h.ctx.Err() != nil:
		return false // closing
	}
	delay := s.opts.WebhookRetryBase
	for i := 1; i < d.attempt && delay < maxRetryDelay; i++ {
		delay *= 2
	}
	d.due = time.Now().Add(min(delay, maxRetryDelay))
	return true
}

func (h *hookQueue) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	started := h.started
	h.cancel()
	h.signal()
	h.mu.Unlock()
	if started {
		<-h.done
	}
	if h.own != nil {
		h.own.CloseIdleConnections()
	}
}

// Deliveries returns every delivery attempt so far, oldest first.
func (s *Sandbox) Deliveries() []Delivery {
	h := s.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Clone(h.log)
	for i := range out {
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// WaitDeliveries waits until no delivery is pending or in flight (retries
// included: a webhook that keeps failing holds it up to WebhookMaxAge), or
// ctx ends. After Close it answers ErrClosed if deliveries were left.
func (s *Sandbox) WaitDeliveries(ctx context.Context) error {
	h := s.hooks
	for {
		h.mu.Lock()
		if len(h.pending) == 0 && h.inflight == 0 {
			h.mu.Unlock()
			return nil
		}
		if h.closed {
			h.mu.Unlock()
			return ErrClosed
		}
		ch := h.changed
		h.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
