package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// State is where a write named by an idempotency key stands.
type State int

const (
	// Pending: a request has claimed the key and is performing the write.
	Pending State = iota + 1
	// Done: the write's outcome is recorded; later requests replay it.
	Done
)

// Record is what is known about a write named by an idempotency key.
type Record struct {
	Key         string
	Fingerprint string // a digest of the request's content
	State       State
	Result      []byte // the recorded outcome, when Done
	CreatedAt   time.Time
	// LeaseUntil: a Pending record whose owner has not finished by then is
	// considered abandoned (its process died) and may be claimed again.
	LeaseUntil time.Time
}

// ErrNotClaimed is returned by Complete and Release for a key the caller
// does not hold.
var ErrNotClaimed = errors.New("store: idempotency key not claimed")

// Idempotency records writes by key so each happens once.
type Idempotency interface {
	// Claim takes key for a new write, or reports what is known about it.
	// claimed is true when the caller now owns the write: the key was new,
	// or its previous owner's lease ran out (prev is then that Pending
	// record, so the new owner knows an attempt may already have landed).
	// Otherwise rec is the existing record.
	Claim(ctx context.Context, key, fingerprint string, lease, ttl time.Duration) (rec Record, claimed bool, err error)
	// Complete records the outcome of a write the caller claimed.
	Complete(ctx context.Context, key string, result []byte) error
	// Release gives up a claim, when nothing was sent and the write may be
	// tried afresh.
	Release(ctx context.Context, key string) error
	// Wait blocks until key is Done, its lease runs out, or ctx ends, and
	// returns the record as it then is.
	Wait(ctx context.Context, key string) (Record, error)
}

// MemoryIdempotency is an in-process Idempotency. Records expire after
// their TTL.
type MemoryIdempotency struct {
	now func() time.Time

	mu      sync.Mutex
	records map[string]*memRecord
	swept   time.Time
}

type memRecord struct {
	Record
	expires time.Time
	done    chan struct{} // closed when the record completes or is released
}

// NewMemoryIdempotency returns an empty store; now defaults to time.Now.
func NewMemoryIdempotency(now func() time.Time) *MemoryIdempotency {
	if now == nil {
		now = time.Now
	}
	return &MemoryIdempotency{now: now, records: map[string]*memRecord{}}
}

// Claim implements Idempotency.
func (m *MemoryIdempotency) Claim(_ context.Context, key, fingerprint string, lease, ttl time.Duration) (Record, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now)
	if r, ok := m.records[key]; ok && now.Before(r.expires) {
		if r.State == Pending && !now.Before(r.LeaseUntil) && r.Fingerprint == fingerprint {
			prev := r.Record
			r.LeaseUntil = now.Add(lease)
			return prev, true, nil
		}
		return r.Record, false, nil
	}
	r := &memRecord{
		Record:  Record{Key: key, Fingerprint: fingerprint, State: Pending, CreatedAt: now, LeaseUntil: now.Add(lease)},
		expires: now.Add(ttl),
		done:    make(chan struct{}),
	}
	m.records[key] = r
	return Record{}, true, nil
}

// Complete implements Idempotency.
func (m *MemoryIdempotency) Complete(_ context.Context, key string, result []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[key]
	if !ok || r.State != Pending {
		return ErrNotClaimed
	}
	r.State, r.Result = Done, append([]byte(nil), result...)
	close(r.done)
	return nil
}

// Release implements Idempotency.
func (m *MemoryIdempotency) Release(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[key]
	if !ok || r.State != Pending {
		return ErrNotClaimed
	}
	delete(m.records, key)
	close(r.done)
	return nil
}

// Wait implements Idempotency.
func (m *MemoryIdempotency) Wait(ctx context.Context, key string) (Record, error) {
	for {
		m.mu.Lock()
		r, ok := m.records[key]
		if !ok {
			m.mu.Unlock()
			return Record{}, nil
		}
		rec, done := r.Record, r.done
		lease := r.LeaseUntil.Sub(m.now())
		m.mu.Unlock()
		if rec.State == Done || lease <= 0 {
			return rec, nil
		}
		t := time.NewTimer(lease)
		select {
		case <-done:
			t.Stop()
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return rec, ctx.Err()
		}
	}
}

// sweep drops expired records, at most once a minute.
func (m *MemoryIdempotency) sweep(now time.Time) {
	if now.Sub(m.swept) < time.Minute {
		return
	}
	m.swept = now
	for k, r := range m.records {
		if !now.Before(r.expires) {
			delete(m.records, k)
		}
	}
}
