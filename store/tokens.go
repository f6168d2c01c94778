package store

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Token is an OAuth2 token pair.
type Token struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
}

// ErrNoToken is returned by Tokens.Get before any token was stored.
var ErrNoToken = errors.New("store: no token")

// ErrLocked is returned by Tokens.Lock when another holder has the lock.
var ErrLocked = errors.New("store: locked")

// Tokens keeps a backend's OAuth token pair. Refreshing rotates the
// refresh token, so only one refresher may run at a time (Lock), and it
// must store the new pair (Put) before anyone uses it.
type Tokens interface {
	Get(ctx context.Context) (Token, error)
	Put(ctx context.Context, t Token) error
	// Lock takes the refresh lock for at most ttl; unlock releases it. It
	// answers ErrLocked at once if another holder has it.
	Lock(ctx context.Context, ttl time.Duration) (unlock func(), err error)
}

// MemoryTokens is an in-process Tokens.
type MemoryTokens struct {
	now      func() time.Time
	mu       sync.Mutex
	tok      *Token
	lockedTo time.Time
	lockGen  int
}

// NewMemoryTokens returns an empty store; now defaults to time.Now.
func NewMemoryTokens(now func() time.Time) *MemoryTokens {
	if now == nil {
		now = time.Now
	}
	return &MemoryTokens{now: now}
}

// Get implements Tokens.
func (m *MemoryTokens) Get(context.Context) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tok == nil {
		return Token{}, ErrNoToken
	}
	return *m.tok, nil
}

// Put implements Tokens.
func (m *MemoryTokens) Put(_ context.Context, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tok = &t
	return nil
}

// Lock implements Tokens.
func (m *MemoryTokens) Lock(_ context.Context, ttl time.Duration) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Before(m.lockedTo) {
		return nil, ErrLocked
	}
	m.lockGen++
	gen := m.lockGen
	m.lockedTo = now.Add(ttl)
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if m.lockGen == gen {
			m.lockedTo = time.Time{}
		}
	}, nil
}
