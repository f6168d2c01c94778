package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
)

// The limiter on a real Redis Cluster: both scripts touch two keys, which
// share the {rl:<name>} hash tag, so they run (no CROSSSLOT). (Admission
// up to the caps and reconciling with the upstream run on the cluster
// too: see backends.)
func TestCluster(t *testing.T) {
	cs := redistest.Cluster(t, 3)
	rdb := cs.Client(t)
	ctx := context.Background()

	t.Run("keys share a slot", func(t *testing.T) {
		l, err := New(rdb, Config{Name: "slots", Limit: 10, Window: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		log, pause := rdb.ClusterKeySlot(ctx, l.logKey).Val(), rdb.ClusterKeySlot(ctx, l.pauseKey).Val()
		if log != pause {
			t.Errorf("CLUSTER KEYSLOT %s = %d, %s = %d: the scripts' keys must share a slot", l.logKey, log, l.pauseKey, pause)
		}
	})

	// Budgets of different names live on different masters, each whole on
	// one.
	t.Run("budgets spread over the masters", func(t *testing.T) {
		masters := map[string]bool{}
		for _, name := range []string{"tradegecko", "simpleconsign", "a", "b", "c", "d", "e", "f"} {
			l, _ := New(rdb, Config{Name: name, Limit: 5, Window: time.Minute})
			if err := l.Wait(ctx, Write); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, addr := range cs.Addrs {
				node := redis.NewClient(&redis.Options{Addr: addr})
				if node.Exists(ctx, l.logKey).Val() == 1 {
					masters[addr] = true
				}
				_ = node.Close()
			}
		}
		if len(masters) < 2 {
			t.Errorf("8 budgets all on %v: the test does not cross masters", masters)
		}
	})
}
