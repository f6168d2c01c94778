package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/backend"
)

// Redis implementations. Every key starts with a hash tag, so each
// operation's keys share one slot and the scripts run on Redis Cluster.
// None of these keys is a cache entry: they must live on a Redis whose
// eviction policy cannot drop them (noeviction: many carry TTLs, so a
// volatile-* policy could evict them under memory pressure) and that
// persists its data (see the README).

// RedisIdempotency is an Idempotency on Redis. Leases are timed by Redis's
// clock.
type RedisIdempotency struct {
	rdb    redis.UniversalClient
	prefix string
	poll   time.Duration
}

// NewRedisIdempotency returns an Idempotency on rdb.
func NewRedisIdempotency(rdb redis.UniversalClient) *RedisIdempotency {
	return &RedisIdempotency{rdb: rdb, prefix: "idem:", poll: 25 * time.Millisecond}
}

func (r *RedisIdempotency) key(k string) string { return "{" + r.prefix + k + "}" }

// claimScript: KEYS[1] the record (hash: fp, state, result, created, lease,
// owner, prev). ARGV: fingerprint, lease µs, ttl ms, the attempt's nonce.
// Returns {claimed, fp, state, result, created µs, lease µs} of the record
// before the claim ("" when new).
//
// A claim records its nonce as the owner, and a pending record found with
// our own nonce is ours: go-redis retries a script whose reply it did not
// read (a read timeout while Redis was stalled), and the first attempt may
// have run when Redis resumed; the retry then finds its own claim, not
// someone else's. A takeover keeps the lease it took over (prev), so its
// replay still says that an earlier attempt may have landed.
var claimScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local r = redis.call('HMGET', KEYS[1], 'fp', 'state', 'result', 'created', 'lease', 'owner', 'prev')
if not r[2] then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'pending', 'created', now, 'lease', now + tonumber(ARGV[2]), 'owner', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1, '', '', '', '', ''}
end
if r[2] == 'pending' and r[6] == ARGV[4] then
  if r[7] then return {1, r[1], r[2], '', r[4], r[7]} end
  return {1, '', '', '', '', ''}
end
if r[2] == 'pending' and tonumber(r[5]) <= now and r[1] == ARGV[1] then
  redis.call('HSET', KEYS[1], 'lease', now + tonumber(ARGV[2]), 'owner', ARGV[4], 'prev', r[5])
  return {1, r[1], r[2], r[3] or '', r[4], r[5]}
end
return {0, r[1], r[2], r[3] or '', r[4], r[5]}
`)

// completeScript: KEYS[1]; ARGV[1] result. Returns 1, or 0 when not
// pending. A record already done with this very result is a replay of
// this completion (a retry whose first attempt ran) and answers 1.
var completeScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 'state', 'result')
if r[1] == 'done' and r[2] == ARGV[1] then return 1 end
if r[1] ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'result', ARGV[1])
return 1
`)

// releaseScript: KEYS[1]. Deletes a pending record; 0 when not pending.
var releaseScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'state') ~= 'pending' then return 0 end
redis.call('DEL', KEYS[1])
return 1
`)

// Claim implements Idempotency.
func (r *RedisIdempotency) Claim(ctx context.Context, key, fingerprint string, lease, ttl time.Duration) (Record, bool, error) {
	// One nonce per call: every retry go-redis makes of this call sends
	// the same one.
	var b [16]byte
	_, _ = rand.Read(b[:])
	res, err := claimScript.Run(ctx, r.rdb, []string{r.key(key)}, fingerprint, lease.Microseconds(), ttl.Milliseconds(),
		hex.EncodeToString(b[:])).Slice()
	if err != nil {
		return Record{}, false, err
	}
	claimed := toInt(res[0]) == 1
	rec := Record{Key: key, Fingerprint: toString(res[1]), Result: []byte(toString(res[3]))}
	switch toString(res[2]) {
	case "pending":
		rec.State = Pending
	case "done":
		rec.State = Done
	}
	rec.CreatedAt = micros(toString(res[4]))
	rec.LeaseUntil = micros(toString(res[5]))
	if rec.State == 0 {
		return Record{}, claimed, nil
	}
	return rec, claimed, nil
}

// Complete implements Idempotency.
func (r *RedisIdempotency) Complete(ctx context.Context, key string, result []byte) error {
	n, err := completeScript.Run(ctx, r.rdb, []string{r.key(key)}, result).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotClaimed
	}
	return nil
}

// Release implements Idempotency.
func (r *RedisIdempotency) Release(ctx context.Context, key string) error {
	n, err := releaseScript.Run(ctx, r.rdb, []string{r.key(key)}).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotClaimed
	}
	return nil
}

// Wait implements Idempotency by polling (at most a few times a second):
// waits are rare and short, so a subscription is not worth its connection.
func (r *RedisIdempotency) Wait(ctx context.Context, key string) (Record, error) {
	poll := r.poll
	for {
		vals, err := r.rdb.HMGet(ctx, r.key(key), "fp", "state", "result", "created", "lease").Result()
		if err != nil {
			return Record{}, err
		}
		if vals[1] == nil {
			return Record{}, nil // released or expired
		}
		rec := Record{Key: key, Fingerprint: toString(vals[0]), Result: []byte(toString(vals[2])),
			CreatedAt: micros(toString(vals[3])), LeaseUntil: micros(toString(vals[4]))}
		if toString(vals[1]) == "done" {
			rec.State = Done
			return rec, nil
		}
		rec.State = Pending
		now, err := r.rdb.Time(ctx).Result()
		if err != nil {
			return Record{}, err
		}
		if !now.Before(rec.LeaseUntil) {
			return rec, nil
		}
		t := time.NewTimer(min(poll, rec.LeaseUntil.Sub(now)))
		select {
		case <-ctx.Done():
			t.Stop()
			return rec, ctx.Err()
		case <-t.C:
		}
		poll = min(poll*2, 500*time.Millisecond)
	}
}

// RedisDeliveries is a Deliveries on Redis.
type RedisDeliveries struct {
	rdb redis.UniversalClient
}

// NewRedisDeliveries returns a Deliveries on rdb.
func NewRedisDeliveries(rdb redis.UniversalClient) *RedisDeliveries {
	return &RedisDeliveries{rdb: rdb}
}

func deliveryKey(id string) string { return "{delivery:" + id + "}" }

// A delivery's key holds "claimed" while an attempt queues it, and "kept"
// (or FirstSeen's "1") once it is known for good.
const claimedValue = "claimed"

// FirstSeen implements Deliveries.
func (r *RedisDeliveries) FirstSeen(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	return r.rdb.SetNX(ctx, deliveryKey(id), 1, ttl).Result()
}

// Claim implements Deliveries.
func (r *RedisDeliveries) Claim(ctx context.Context, id string, ttl time.Duration) (DeliveryState, error) {
	key := deliveryKey(id)
	ok, err := r.rdb.SetNX(ctx, key, claimedValue, ttl).Result()
	if err != nil || ok {
		return DeliveryNew, err
	}
	v, err := r.rdb.Get(ctx, key).Result()
	switch {
	case errors.Is(err, redis.Nil):
		// Lapsed or forgotten in between: its holder is not queueing it
		// now, but say so only on the next try.
		return DeliveryClaimed, nil
	case err != nil:
		return DeliveryNew, err
	case v == claimedValue:
		return DeliveryClaimed, nil
	}
	return DeliveryKept, nil
}

// Keep implements Deliveries.
func (r *RedisDeliveries) Keep(ctx context.Context, id string, ttl time.Duration) error {
	return r.rdb.Set(ctx, deliveryKey(id), "kept", ttl).Err()
}

// Forget implements Deliveries.
func (r *RedisDeliveries) Forget(ctx context.Context, id string) error {
	return r.rdb.Del(ctx, deliveryKey(id)).Err()
}

// RedisTokens is a Tokens on Redis, for one backend.
type RedisTokens struct {
	rdb  redis.UniversalClient
	key  string
	lock string
}

// NewRedisTokens returns the token store of backend b on rdb, under
// {tokens:<b>} (e.g. {tokens:tradegecko}:pair).
func NewRedisTokens(rdb redis.UniversalClient, b backend.Name) *RedisTokens {
	tag := "{tokens:" + string(b) + "}"
	return &RedisTokens{rdb: rdb, key: tag + ":pair", lock: tag + ":lock"}
}

// Get implements Tokens.
func (r *RedisTokens) Get(ctx context.Context) (Token, error) {
	vals, err := r.rdb.HGetAll(ctx, r.key).Result()
	if err != nil {
		return Token{}, err
	}
	if vals["access"] == "" {
		return Token{}, ErrNoToken
	}
	return Token{AccessToken: vals["access"], RefreshToken: vals["refresh"], Expiry: micros(vals["expiry"])}, nil
}

// Put implements Tokens.
func (r *RedisTokens) Put(ctx context.Context, t Token) error {
	return r.rdb.HSet(ctx, r.key, "access", t.AccessToken, "refresh", t.RefreshToken,
		"expiry", strconv.FormatInt(t.Expiry.UnixMicro(), 10)).Err()
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`)

// Lock implements Tokens with SET NX PX and a compare-and-delete unlock.
func (r *RedisTokens) Lock(ctx context.Context, ttl time.Duration) (func(), error) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	ok, err := r.rdb.SetNX(ctx, r.lock, token, ttl).Result()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrLocked
	}
	return func() {
		_ = unlockScript.Run(context.WithoutCancel(ctx), r.rdb, []string{r.lock}, token).Err()
	}, nil
}

// RedisLedger is a Ledger on Redis: per collection a hash of documents and
// a sorted set giving their first-put order.
type RedisLedger struct {
	rdb redis.UniversalClient
}

// NewRedisLedger returns a Ledger on rdb.
func NewRedisLedger(rdb redis.UniversalClient) *RedisLedger { return &RedisLedger{rdb: rdb} }

func ledgerKeys(collection string) (docs, order, seq string) {
	tag := "{ledger:" + collection + "}"
	return tag + ":docs", tag + ":order", tag + ":seq"
}

// Get implements Ledger.
func (r *RedisLedger) Get(ctx context.Context, collection, id string) ([]byte, error) {
	docs, _, _ := ledgerKeys(collection)
	b, err := r.rdb.HGet(ctx, docs, id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	return b, err
}

// Update implements Ledger with an optimistic transaction (WATCH), retried
// when another writer got there first.
func (r *RedisLedger) Update(ctx context.Context, collection, id string, fn func(old []byte) ([]byte, error)) error {
	docs, order, seq := ledgerKeys(collection)
	for attempt := 0; attempt < 50; attempt++ {
		err := r.rdb.Watch(ctx, func(tx *redis.Tx) error {
			old, err := tx.HGet(ctx, docs, id).Bytes()
			if errors.Is(err, redis.Nil) {
				old, err = nil, nil
			}
			if err != nil {
				return err
			}
			doc, err := fn(old)
			if err != nil || doc == nil {
				return err
			}
			var n int64
			if old == nil {
				if n, err = tx.Incr(ctx, seq).Result(); err != nil {
					return err
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.HSet(ctx, docs, id, doc)
				if old == nil {
					p.ZAddNX(ctx, order, redis.Z{Score: float64(n), Member: id})
				}
				return nil
			})
			return err
		}, docs)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		return err
	}
	return errors.New("store: ledger update kept conflicting")
}

// List implements Ledger.
func (r *RedisLedger) List(ctx context.Context, collection string, offset, limit int) ([][]byte, int, error) {
	docs, order, _ := ledgerKeys(collection)
	total, err := r.rdb.ZCard(ctx, order).Result()
	if err != nil || limit <= 0 {
		return nil, int(total), err
	}
	ids, err := r.rdb.ZRevRange(ctx, order, int64(offset), int64(offset+limit-1)).Result()
	if err != nil || len(ids) == 0 {
		return nil, int(total), err
	}
	vals, err := r.rdb.HMGet(ctx, docs, ids...).Result()
	if err != nil {
		return nil, 0, err
	}
	out := make([][]byte, 0, len(vals))
	for _, v := range vals {
		if s, ok := v.(string); ok {
			out = append(out, []byte(s))
		}
	}
	return out, int(total), nil
}

func toInt(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case nil:
		return ""
	}
	return ""
}

func micros(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n)
}
