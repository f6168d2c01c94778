package store

import (
	"context"
	"errors"
	"sync"
)

// ErrNotFound is returned by Ledger.Get for a document that does not exist.
var ErrNotFound = errors.New("store: not found")

// Ledger keeps documents (JSON) in named collections, for good: what the
// gateway placed at TradeGlobal, what it recorded at SimpleConsign, writes
// whose outcome is unknown. A collection lists its documents in the order
// they were first put, newest first.
type Ledger interface {
	Get(ctx context.Context, collection, id string) ([]byte, error)
	// Update reads the document (nil when absent), lets fn compute the new
	// one, and stores it, atomically with respect to other Updates of the
	// same document. fn returning nil deletes nothing and stores nothing;
	// fn's error aborts the update and is returned.
	Update(ctx context.Context, collection, id string, fn func(old []byte) ([]byte, error)) error
	// List returns a window of a collection, newest first, and its size.
	List(ctx context.Context, collection string, offset, limit int) (docs [][]byte, total int, err error)
}

// MemoryLedger is an in-process Ledger.
type MemoryLedger struct {
	mu          sync.Mutex
	collections map[string]*memCollection
}

type memCollection struct {
	docs  map[string][]byte
	order []string // first-put order
}

// NewMemoryLedger returns an empty ledger.
func NewMemoryLedger() *MemoryLedger {
	return &MemoryLedger{collections: map[string]*memCollection{}}
}

// Get implements Ledger.
func (m *MemoryLedger) Get(_ context.Context, collection, id string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.collections[collection]
	if c == nil {
		return nil, ErrNotFound
	}
	doc, ok := c.docs[id]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), doc...), nil
}

// Update implements Ledger. The whole ledger is locked while fn runs: fn
// must be quick and must not call the ledger.
func (m *MemoryLedger) Update(_ context.Context, collection, id string, fn func(old []byte) ([]byte, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.collections[collection]
	var old []byte
	if c != nil {
		if d, ok := c.docs[id]; ok {
			old = append([]byte(nil), d...)
		}
	}
	doc, err := fn(old)
	if err != nil || doc == nil {
		return err
	}
	if c == nil {
		c = &memCollection{docs: map[string][]byte{}}
		m.collections[collection] = c
	}
	if _, ok := c.docs[id]; !ok {
		c.order = append(c.order, id)
	}
	c.docs[id] = append([]byte(nil), doc...)
	return nil
}

// List implements Ledger.
func (m *MemoryLedger) List(_ context.Context, collection string, offset, limit int) ([][]byte, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.collections[collection]
	if c == nil {
		return nil, 0, nil
	}
	n := len(c.order)
	var out [][]byte
	for i := n - 1 - offset; i >= 0 && len(out) < limit; i-- {
		out = append(out, append([]byte(nil), c.docs[c.order[i]]...))
	}
	return out, n, nil
}
