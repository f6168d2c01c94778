package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// A storefront key sending distinct filters (anyone can: the key ships in
// apps) cannot fill the Redis that holds the ledgers: past the cache's cap
// of list pages, the number of keys in Redis stops growing. (The budgets
// are raised so that 300 cold pages are not refused first.)
func TestCacheBoundedThroughHTTP(t *testing.T) {
	const limit = 30
	rs := redistest.Real(t)
	rdb := rs.Client(t)
	g := newGateway(t, gatewayOptions{redisURL: "redis://" + rs.Addr, sandbox: sandbox.Options{RateLimit: 1 << 20}, rateLimit: 1 << 20,
		cache: server.CacheConfig{MaxListPages: limit}})
	ctx := context.Background()
	send := func(from, to int) {
		for i := from; i < to; i++ {
			r := g.query(storefrontKey, fmt.Sprintf(`{ products(first: 1, filter: {brand: "B-%d"}) { totalCount } }`, i), nil)
			if len(r.Errors) > 0 {
				t.Fatalf("filter %d: %+v", i, r.Errors)
			}
		}
	}
	send(0, limit)
	before, err := rdb.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	send(limit, 300)
	after, _ := rdb.DBSize(ctx).Result()
	if after > before+2 { // a fill lock may linger
		t.Errorf("Redis held %d keys at the cap and %d after 270 more distinct filters: a storefront key grows it", before, after)
	}
	pages := 0
	iter := rdb.Scan(ctx, 0, "{cache:pages}:pp:*", 1000).Iterator()
	for iter.Next(ctx) {
		if strings.HasPrefix(iter.Val(), "{cache:pages}:pp:") {
			pages++
		}
	}
	if pages > limit || pages == 0 {
		t.Errorf("%d list pages in Redis, want between 1 and %d", pages, limit)
	}
}
