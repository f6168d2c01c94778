package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
)

// Each form of configuration gives the client go-redis documents for it,
// with every option of a REDIS_URL kept.
func TestNewRedisClient(t *testing.T) {
	tests := []struct {
		name  string
		cfg   RedisConfig
		check func(t *testing.T, c redis.UniversalClient)
	}{
		{"one node by URL, its options kept", RedisConfig{URL: "redis://user:pw@10.0.0.1:6380/3?pool_size=7&dial_timeout=2s"}, func(t *testing.T, c redis.UniversalClient) {
			o := c.(*redis.Client).Options()
			if o.Addr != "10.0.0.1:6380" || o.Username != "user" || o.Password != "pw" || o.DB != 3 || o.PoolSize != 7 || o.DialTimeout != 2*time.Second || o.TLSConfig != nil {
				t.Errorf("options = %+v", o)
			}
		}},
		{"rediss is TLS", RedisConfig{URL: "rediss://cache.example.com:6379"}, func(t *testing.T, c redis.UniversalClient) {
			if o := c.(*redis.Client).Options(); o.TLSConfig == nil {
				t.Error("rediss:// without TLS")
			}
		}},
		{"REDIS_PASSWORD and REDIS_TLS over a URL", RedisConfig{URL: "redis://10.0.0.1:6379", Password: "secret", TLS: true}, func(t *testing.T, c redis.UniversalClient) {
			if o := c.(*redis.Client).Options(); o.Password != "secret" || o.TLSConfig == nil {
				t.Errorf("options = %+v", o)
			}
		}},
		{"several addresses are a Cluster", RedisConfig{Addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}, Password: "pw", TLS: true}, func(t *testing.T, c redis.UniversalClient) {
			cc, ok := c.(*redis.ClusterClient)
			if !ok {
				t.Fatalf("client is %T, want a *redis.ClusterClient", c)
			}
			if o := cc.Options(); len(o.Addrs) != 3 || o.Password != "pw" || o.TLSConfig == nil {
				t.Errorf("options = %+v", o)
			}
		}},
		{"one address is one node", RedisConfig{Addrs: []string{"10.0.0.1:6379"}}, func(t *testing.T, c redis.UniversalClient) {
			if _, ok := c.(*redis.Client); !ok {
				t.Fatalf("client is %T, want a *redis.Client", c)
			}
		}},
		{"a master name is Sentinel", RedisConfig{Addrs: []string{"10.0.0.1:26379", "10.0.0.2:26379"}, MasterName: "mymaster"}, func(t *testing.T, c redis.UniversalClient) {
			// go-redis's failover client is a *redis.Client whose address
			// is resolved through the sentinels.
			fc, ok := c.(*redis.Client)
			if !ok || !strings.Contains(fc.String(), "FailoverClient") {
				t.Fatalf("client is %T %s, want a failover client", c, c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newRedisClient(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			tt.check(t, c)
		})
	}
	if _, err := newRedisClient(RedisConfig{URL: "http://nope"}); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("a malformed REDIS_URL: %v", err)
	}
}

// Start-up says when durable records could be lost: an eviction policy
// other than noeviction, no persistence, or a Redis that will not tell.
func TestCheckRedisWarns(t *testing.T) {
	check := func(t *testing.T, rdb redis.UniversalClient) string {
		var buf bytes.Buffer
		if err := checkRedis(context.Background(), rdb, slog.New(slog.NewTextHandler(&buf, nil))); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	t.Run("redis-server", func(t *testing.T) {
		rdb := redistest.Real(t).Client(t)
		ctx := context.Background()
		set := func(param, value string) {
			if err := rdb.ConfigSet(ctx, param, value).Err(); err != nil {
				t.Fatal(err)
			}
		}
		// As the test server starts: no persistence.
		set("maxmemory-policy", "noeviction")
		if out := check(t, rdb); !strings.Contains(out, "persistence is off") || strings.Contains(out, "maxmemory-policy") {
			t.Errorf("no persistence: %s", out)
		}
		set("maxmemory-policy", "volatile-lru")
		if out := check(t, rdb); !strings.Contains(out, "maxmemory-policy is volatile-lru") {
			t.Errorf("volatile-lru: %s", out)
		}
		set("maxmemory-policy", "noeviction")
		set("appendonly", "yes")
		if out := check(t, rdb); out != "" {
			t.Errorf("noeviction with AOF: %s", out)
		}
	})
	t.Run("CONFIG not allowed", func(t *testing.T) {
		s, _ := redistest.Mini(t) // miniredis has no CONFIG, as some managed services refuse it
		if out := check(t, s.Client(t)); !strings.Contains(out, "CONFIG GET is not allowed") {
			t.Errorf("without CONFIG: %s", out)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
		defer rdb.Close()
		if err := checkRedis(context.Background(), rdb, slog.New(slog.DiscardHandler)); err == nil {
			t.Error("an unreachable Redis passed the check")
		}
	})
}

func TestRedisConfigRefused(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"a master name without sentinels": {"REDIS_MASTER_NAME": "mymaster"},
		"both a URL and addresses":        {"REDIS_URL": "redis://10.0.0.1:6379", "REDIS_ADDRS": "10.0.0.2:6379"},
	} {
		_, err := LoadConfig(func(k string) string { return vars[k] })
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for k := range vars {
			if k != "REDIS_URL" && !strings.Contains(err.Error(), k) {
				t.Errorf("%s: %v does not name %s", name, err, k)
			}
		}
	}
}
