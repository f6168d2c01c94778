package store

import (
	"context"
	"sync"
	"time"
)

// Deliveries remembers webhook delivery ids, so a redelivered webhook is
// processed once.
type Deliveries interface {
	// FirstSeen records id and reports whether it was new. Ids are kept for
	// ttl (the upstream retries for up to three days).
	FirstSeen(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// Keep sets how long a recorded id is kept from now (a delivery is
	// first claimed briefly, then kept once it is safely queued).
	Keep(ctx context.Context, id string, ttl time.Duration) error
	// Forget drops id, so a delivery whose processing failed is accepted
	// again when the upstream retries it.
	Forget(ctx context.Context, id string) error
}

// MemoryDeliveries is an in-process Deliveries.
type MemoryDeliveries struct {
	now   func() time.Time
	mu    sync.Mutex
	seen  map[string]time.Time // id → expiry
	swept time.Time
}

// NewMemoryDeliveries returns an empty set; now defaults to time.Now.
func NewMemoryDeliveries(now func() time.Time) *MemoryDeliveries {
	if now == nil {
		now = time.Now
	}
	return &MemoryDeliveries{now: now, seen: map[string]time.Time{}}
}

// FirstSeen implements Deliveries.
func (m *MemoryDeliveries) FirstSeen(_ context.Context, id string, ttl time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.swept) >= time.Minute {
		m.swept = now
		for k, exp := range m.seen {
			if !now.Before(exp) {
				delete(m.seen, k)
			}
		}
	}
	if exp, ok := m.seen[id]; ok && now.Before(exp) {
		return false, nil
	}
	m.seen[id] = now.Add(ttl)
	return true, nil
}

// Keep implements Deliveries.
func (m *MemoryDeliveries) Keep(_ context.Context, id string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if exp, ok := m.seen[id]; ok && m.now().Before(exp) {
		m.seen[id] = m.now().Add(ttl)
	}
	return nil
}

// Forget implements Deliveries.
func (m *MemoryDeliveries) Forget(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.seen, id)
	return nil
}
