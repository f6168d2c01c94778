package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// openRedis connects to the configured Redis (one node, Cluster or
// Sentinel, with go-redis's universal client), or starts an embedded
// in-memory one (miniredis) when none is configured: fine for `make run`
// and a single process, but it keeps nothing across restarts and cannot be
// shared by replicas. close releases it.
func openRedis(cfg RedisConfig, log *slog.Logger) (rdb redis.UniversalClient, closeFn func(), err error) {
	if cfg.Embedded() {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, nil, fmt.Errorf("start the embedded Redis: %w", err)
		}
		// miniredis expires keys only when told that time passed.
		stop := make(chan struct{})
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			last := time.Now()
			for {
				select {
				case <-stop:
					return
				case now := <-t.C:
					m.FastForward(now.Sub(last))
					last = now
				}
			}
		}()
		log.Warn("REDIS_URL and REDIS_ADDRS are empty: using an embedded in-memory Redis; nothing is kept across restarts, and replicas cannot share it")
		c := redis.NewClient(&redis.Options{Addr: m.Addr()})
		return c, func() { _ = c.Close(); close(stop); m.Close() }, nil
	}
	c, err := newRedisClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { _ = c.Close() }, nil
}

// newRedisClient builds the client for a configured Redis: REDIS_URL is
// one node, parsed whole by go-redis (its query options, such as
// pool_size or dial_timeout, stand); REDIS_ADDRS is go-redis's universal
// client: several addresses are a Cluster, and with REDIS_MASTER_NAME a
// Sentinel set (REDIS_PASSWORD is the master's; the sentinels are asked
// without one). Nothing connects until the first command.
func newRedisClient(cfg RedisConfig) (redis.UniversalClient, error) {
	if cfg.URL != "" {
		o, err := redis.ParseURL(cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		if cfg.Password != "" {
			o.Password = cfg.Password
		}
		if cfg.TLS && o.TLSConfig == nil {
			o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return redis.NewClient(o), nil
	}
	opts := &redis.UniversalOptions{Addrs: cfg.Addrs, MasterName: cfg.MasterName, Password: cfg.Password}
	if cfg.TLS {
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return redis.NewUniversalClient(opts), nil
}

// checkRedis warns when the Redis the gateway's durable records live on
// can lose them: no persistence, or an eviction policy that may drop keys
// (idempotency records and delivery ids carry TTLs, so only noeviction
// keeps them safe under memory pressure). Managed services that refuse
// CONFIG are reported as unchecked.
func checkRedis(ctx context.Context, rdb redis.UniversalClient, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	get := func(param string) (string, bool) {
		m, err := rdb.ConfigGet(ctx, param).Result()
		if err != nil {
			return "", false
		}
		v, ok := m[param]
		return v, ok
	}
	policy, ok := get("maxmemory-policy")
	if !ok {
		log.Warn("redis: CONFIG GET is not allowed; cannot check eviction and persistence: make sure maxmemory-policy is noeviction and persistence (AOF or RDB) is on")
		return nil
	}
	if policy != "noeviction" {
		log.Warn("redis: maxmemory-policy is "+policy+"; idempotency records, ledgers and tokens must never be evicted: set noeviction", "policy", policy)
	}
	aof, _ := get("appendonly")
	save, _ := get("save")
	if aof != "yes" && strings.TrimSpace(save) == "" {
		log.Warn("redis: persistence is off (appendonly no, no save points); ledgers, idempotency records and tokens would be lost on restart: turn on AOF")
	}
	return nil
}
