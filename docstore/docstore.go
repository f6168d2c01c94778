// Package docstore keeps the documents clients register by automatic
// persisted queries (Apollo's protocol, served by graph/persisted.go): the
// text of a query under its SHA-256, in Redis, shared by every replica, so
// a hash registered through one replica is found through any other.
//
// It is a cache a public key writes into, so it is bounded three ways:
// each entry lives for a TTL after its last use (a lookup refreshes it);
// the store holds at most MaxDocuments entries and MaxBytes of text, and
// registering past either bound evicts the least recently used; a text
// larger than MaxBytes alone is not stored. The gateway's Redis runs
// noeviction (store/redis.go), so nothing else would ever free this space.
// Time is Redis's (TIME), so replicas agree on what expired.
//
// All of a store's keys share one hash tag ({<prefix>}), so each script's
// keys are in one slot and it runs on Redis Cluster; the whole store lives
// on one shard, which its bounds keep small.
//
// A failure is an error, and the caller treats it as "not stored" (the
// client sends the text, the query runs), so a Redis that is down costs
// APQ, never the query. go-redis retries a refused connection for a second
// or two, so after a failure a breaker (sony/gobreaker) answers
// ErrUnavailable at once for RetryAfter before Redis is tried again. A
// Redis that stalls holds a call for go-redis's read timeout, as every
// other use of Redis in a request does (the client rate limit's leases too).
//
// The package must never hold anything that cannot be lost, grow past its
// bounds, or store a text under any key but its own SHA-256 (Register
// computes the key itself). A text it returns was valid when registered
// and is parsed and validated again by its caller, as any text is.
package docstore

import (
	"cmp"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
)

// Defaults of Config.
const (
	DefaultTTL          = 24 * time.Hour
	DefaultMaxDocuments = 10_000
	DefaultMaxBytes     = 32 << 20
)

// Config bounds a store. A zero field takes its default.
type Config struct {
	// TTL: how long an entry lives after its last use.
	TTL time.Duration
	// MaxDocuments and MaxBytes bound the entries and the bytes of their
	// texts, across all replicas.
	MaxDocuments int
	MaxBytes     int64
	// Prefix names the keys in Redis; default "apq".
	Prefix string
	// RetryAfter: how long after a failure calls answer ErrUnavailable
	// without asking Redis; default 5 s.
	RetryAfter time.Duration
}

func (c Config) withDefaults() Config {
	c.TTL = cmp.Or(c.TTL, DefaultTTL)
	c.MaxDocuments = cmp.Or(c.MaxDocuments, DefaultMaxDocuments)
	c.MaxBytes = cmp.Or(c.MaxBytes, DefaultMaxBytes)
	c.Prefix = cmp.Or(c.Prefix, "apq")
	c.RetryAfter = cmp.Or(c.RetryAfter, 5*time.Second)
	return c
}

// Store is a shared store of documents by SHA-256. It is safe for
// concurrent use, and any number of replicas may share the Redis.
type Store struct {
	rdb  redis.UniversalClient
	cfg  Config
	keys []string // texts, last use, bytes
	cb   *gobreaker.CircuitBreaker[any]
}

var (
	//go:embed get.lua
	getSource string
	getScript = redis.NewScript(getSource)
	//go:embed put.lua
	putSource string
	putScript = redis.NewScript(putSource)
)

// New returns a store on rdb.
func New(rdb redis.UniversalClient, cfg Config) (*Store, error) {
	cfg = cfg.withDefaults()
	switch {
	case cfg.TTL < time.Millisecond:
		return nil, fmt.Errorf("docstore: TTL %s is under a millisecond", cfg.TTL)
	case cfg.MaxDocuments < 0:
		return nil, fmt.Errorf("docstore: MaxDocuments %d is negative", cfg.MaxDocuments)
	case cfg.MaxBytes < 0:
		return nil, fmt.Errorf("docstore: MaxBytes %d is negative", cfg.MaxBytes)
	}
	tag := "{" + cfg.Prefix + "}"
	cb := gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name: "docstore", Timeout: cfg.RetryAfter,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures > 0 },
	})
	return &Store{rdb: rdb, cfg: cfg, keys: []string{tag + ":docs", tag + ":used", tag + ":bytes"}, cb: cb}, nil
}

// ErrUnavailable is the error of a call made while Redis is taken for
// down (Config.RetryAfter after a failure).
var ErrUnavailable = errors.New("docstore: Redis failed recently; not asked again yet")

// run runs a script through the breaker; redis.Nil is an answer, not a
// failure.
func (s *Store) run(ctx context.Context, script *redis.Script, args ...any) (any, error) {
	v, err := s.cb.Execute(func() (any, error) {
		v, err := script.Run(ctx, s.rdb, s.keys, args...).Result()
		if errors.Is(err, redis.Nil) {
			return nil, nil
		}
		return v, err
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, ErrUnavailable
	}
	return v, err
}

// ErrNotHash is Document's error for a key that is not a hex SHA-256.
var ErrNotHash = errors.New("docstore: not a hex SHA-256 digest")

// Document returns the text registered under sha256Hex (lower-case hex)
// and marks it used; ok is false when there is none, or it expired.
func (s *Store) Document(ctx context.Context, sha256Hex string) (text string, ok bool, err error) {
	if b, err := hex.DecodeString(sha256Hex); err != nil || len(b) != sha256.Size {
		return "", false, ErrNotHash
	}
	v, err := s.run(ctx, getScript, sha256Hex, s.cfg.TTL.Milliseconds())
	if err != nil {
		return "", false, fmt.Errorf("docstore: look up %s: %w", sha256Hex, err)
	}
	text, ok = v.(string)
	return text, ok, nil
}

// Register stores text under its SHA-256, evicting the least recently
// used entries the bounds require; stored is false when text alone is
// larger than MaxBytes.
func (s *Store) Register(ctx context.Context, text string) (stored bool, err error) {
	sum := sha256.Sum256([]byte(text))
	h := hex.EncodeToString(sum[:])
	v, err := s.run(ctx, putScript, h, text, s.cfg.TTL.Milliseconds(), s.cfg.MaxDocuments, s.cfg.MaxBytes)
	if err != nil {
		return false, fmt.Errorf("docstore: register %s: %w", h, err)
	}
	res, _ := v.([]any)
	if len(res) != 2 {
		return false, fmt.Errorf("docstore: register %s: unexpected answer %v", h, v)
	}
	n, _ := res[0].(int64)
	return n == 1, nil
}
