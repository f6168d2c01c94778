package sandbox

import (
	"net/http"
	"strings"
	"time"
)

// idempotencyKey is an Idempotency-Key as the sandbox remembers it: per
// access token.
type idempotencyKey struct {
	token, key string
}

// idempotencyKey reads the Idempotency-Key header of a POST or PUT.
func (s *Sandbox) idempotencyKey(r *http.Request, token string) (idempotencyKey, bool) {
	if r.Method != http.MethodPost && r.Method != http.MethodPut {
		return idempotencyKey{}, false
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if key == "" {
		return idempotencyKey{}, false
	}
	return idempotencyKey{token: token, key: key}, true
}

// seenIdempotencyKey reports whether the key was used by a successful
// request less than IdempotencyKeyTTL ago, forgetting expired keys.
// Called with mu held.
func (s *Sandbox) seenIdempotencyKey(k idempotencyKey, now time.Time) bool {
	for old, at := range s.idempotency {
		if !now.Before(at.Add(IdempotencyKeyTTL)) {
			delete(s.idempotency, old)
		}
	}
	_, seen := s.idempotency[k]
	return seen
}
