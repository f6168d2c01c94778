package redistest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
)

// The cluster is a real one: keys spread over every master, a script whose
// keys share a hash tag runs, and one whose keys do not is refused.
func TestCluster(t *testing.T) {
	cs := redistest.Cluster(t, 3)
	if len(cs.Addrs) != 3 {
		t.Fatalf("Addrs = %v, want 3", cs.Addrs)
	}
	var rdb redis.UniversalClient = cs.Client(t)
	ctx := context.Background()
	for i := range 100 {
		if err := rdb.Set(ctx, fmt.Sprint("k", i), i, 0).Err(); err != nil {
			t.Fatalf("SET k%d: %v", i, err)
		}
	}
	used := 0
	for _, addr := range cs.Addrs {
		n, err := redis.NewClient(&redis.Options{Addr: addr}).DBSize(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			used++
		}
	}
	if used != 3 {
		t.Errorf("100 keys landed on %d of 3 masters", used)
	}
	script := redis.NewScript(`redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return 1`)
	if err := script.Run(ctx, rdb, []string{"{tag}:a", "{tag}:b"}, "x").Err(); err != nil {
		t.Errorf("a script on one hash tag: %v", err)
	}
	// "a" and "b" hash to different slots (15495 and 3300).
	if err := script.Run(ctx, rdb, []string{"a", "b"}, "x").Err(); err == nil || !strings.Contains(err.Error(), "CROSSSLOT") {
		t.Errorf("a script across slots: %v, want CROSSSLOT", err)
	}
}
