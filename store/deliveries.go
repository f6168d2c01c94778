package store

import (
	"context"
	"sync"
	"time"
)

// Deliveries remembers webhook delivery ids (and other single-use ids,
// such as OAuth states), so that a redelivered webhook is processed once.
type Deliveries interface {
	// FirstSeen records id, kept for ttl, and reports whether it was new.
	FirstSeen(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// Claim records id as being queued by the caller, for ttl, unless it
	// is known; it reports what it found. A claim is brief: Keep makes it
	// lasting once the delivery is safely queued, Forget drops it if that
	// failed, and a claim whose holder died lapses.
	Claim(ctx context.Context, id string, ttl time.Duration) (DeliveryState, error)
	// Keep records id as queued, kept for ttl from now (the upstream
	// retries for up to three days).
	Keep(ctx context.Context, id string, ttl time.Duration) error
	// Forget drops id, so a delivery whose processing failed is accepted
	// again when the upstream retries it.
	Forget(ctx context.Context, id string) error
}

// DeliveryState is what Claim found.
type DeliveryState int

const (
	DeliveryNew     DeliveryState = iota // unknown: now claimed by the caller
	DeliveryClaimed                      // another attempt is queueing it now
	DeliveryKept                         // queued before (or seen by FirstSeen)
)

// MemoryDeliveries is an in-process Deliveries.
type MemoryDeliveries struct {
	now   func() time.Time
	mu    sync.Mutex
	seen  map[string]delivery
	swept time.Time
}

type delivery struct {
	expiry  time.Time
	claimed bool
}

// NewMemoryDeliveries returns an empty set; now defaults to time.Now.
func NewMemoryDeliveries(now func() time.Time) *MemoryDeliveries {
	if now == nil {
		now = time.Now
	}
	return &MemoryDeliveries{now: now, seen: map[string]delivery{}}
}

// lookup returns id's record, sweeping expired ones now and then. Called
// with mu held.
func (m *MemoryDeliveries) lookup(id string, now time.Time) (delivery, bool) {
	if now.Sub(m.swept) >= time.Minute {
		m.swept = now
		for k, d := range m.seen {
			if !now.Before(d.expiry) {
				delete(m.seen, k)
			}
		}
	}
	d, ok := m.seen[id]
	return d, ok && now.Before(d.expiry)
}

// FirstSeen implements Deliveries.
func (m *MemoryDeliveries) FirstSeen(_ context.Context, id string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if _, ok := m.lookup(id, now); ok {
		return false, nil
	}
	m.seen[id] = delivery{expiry: now.Add(ttl)}
	return true, nil
}

// Claim implements Deliveries.
func (m *MemoryDeliveries) Claim(_ context.Context, id string, ttl time.Duration) (DeliveryState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if d, ok := m.lookup(id, now); ok {
		if d.claimed {
			return DeliveryClaimed, nil
		}
		return DeliveryKept, nil
	}
	m.seen[id] = delivery{expiry: now.Add(ttl), claimed: true}
	return DeliveryNew, nil
}

// Keep implements Deliveries.
func (m *MemoryDeliveries) Keep(_ context.Context, id string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen[id] = delivery{expiry: m.now().Add(ttl)}
	return nil
}

// Forget implements Deliveries.
func (m *MemoryDeliveries) Forget(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.seen, id)
	return nil
}
