package redistest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// ClusterServer is a running Redis Cluster for one test: masters only, no
// replicas, every slot served.
type ClusterServer struct {
	Addrs []string // one per master, "127.0.0.1:port"
	logs  []string
}

// Client returns a new cluster client (a *redis.ClusterClient, which is a
// redis.UniversalClient) of the cluster, closed when the test ends.
func (c *ClusterServer) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Cluster starts a Redis Cluster of masters redis-server processes on free
// loopback ports (persistence off, files in t.TempDir()) and forms it as
// redis-cli --cluster create would, without redis-cli: each node takes an
// equal share of the 16384 slots (CLUSTER ADDSLOTSRANGE, or ADDSLOTS where
// that is missing), each meets every other (CLUSTER MEET), and Cluster
// returns once every node reports cluster_state:ok and sees every slot
// served by a known master. A new master stays in cluster_state:fail for
// its first 2 s (Redis's CLUSTER_WRITABLE_DELAY), so that is about how
// long this takes.
func Cluster(t testing.TB, masters int) *ClusterServer {
	t.Helper()
	if masters < 1 {
		t.Fatalf("redistest.Cluster: %d masters", masters)
	}
	bin := binary(t)
	dir := t.TempDir()
	// A client port and a cluster bus port per node: the bus port is set
	// (cluster-port), not the default port+10000, which may be taken or
	// past 65535.
	ports := freePorts(t, 2*masters)
	began := time.Now()
	deadline := began.Add(10 * time.Second)
	nodes := make([]node, masters)
	for i := range nodes {
		nodes[i] = start(t, bin, dir, fmt.Sprintf("redis-%d.log", i), ports[2*i],
			"--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("%s/nodes-%d.conf", dir, i),
			"--cluster-node-timeout", "2000", "--cluster-port", strconv.Itoa(ports[2*i+1]),
			"--cluster-announce-ip", "127.0.0.1")
	}
	cs := &ClusterServer{}
	for _, n := range nodes {
		n.await(t, deadline)
		cs.Addrs, cs.logs = append(cs.Addrs, n.addr), append(cs.logs, n.log)
	}

	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	clients := make([]*redis.Client, masters)
	for i, n := range nodes {
		clients[i] = redis.NewClient(&redis.Options{Addr: n.addr})
		defer clients[i].Close()
	}
	for i, c := range clients {
		// Distinct config epochs up front, as redis-cli sets them, so
		// the nodes need not resolve a collision before agreeing.
		if err := c.Do(ctx, "CLUSTER", "SET-CONFIG-EPOCH", i+1).Err(); err != nil {
			cs.fail(t, "CLUSTER SET-CONFIG-EPOCH on %s: %v", nodes[i].addr, err)
		}
		lo, hi := i*clusterSlots/masters, (i+1)*clusterSlots/masters-1
		if err := addSlots(ctx, c, lo, hi); err != nil {
			cs.fail(t, "assign slots %d-%d to %s: %v", lo, hi, nodes[i].addr, err)
		}
	}
	// Every pair meets directly rather than through gossip: a node that
	// learns of the others only by gossip may count itself in a minority
	// for a moment, and then waits out a rejoin delay (the node timeout)
	// before it turns ok.
	for i := range masters {
		for j := i + 1; j < masters; j++ {
			if err := clients[i].Do(ctx, "CLUSTER", "MEET", "127.0.0.1", ports[2*j], ports[2*j+1]).Err(); err != nil {
				cs.fail(t, "CLUSTER MEET %s from %s: %v", nodes[j].addr, nodes[i].addr, err)
			}
		}
	}
	for {
		why := ""
		for i, c := range clients {
			if why = clusterReady(ctx, c, masters); why != "" {
				why = nodes[i].addr + ": " + why
				break
			}
		}
		if why == "" {
			break
		}
		if time.Now().After(deadline) {
			cs.fail(t, "the cluster did not form within 10 s: %s", why)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("redistest: a cluster of %d masters formed in %v", masters, time.Since(began).Round(time.Millisecond))
	return cs
}

// addSlots assigns slots lo..hi to the node: CLUSTER ADDSLOTSRANGE (Redis
// 7), or ADDSLOTS in chunks on servers without it.
func addSlots(ctx context.Context, c *redis.Client, lo, hi int) error {
	err := c.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err()
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "unknown subcommand") {
		return err
	}
	const chunk = 1000
	for from := lo; from <= hi; from += chunk {
		args := []any{"CLUSTER", "ADDSLOTS"}
		for s := from; s <= min(hi, from+chunk-1); s++ {
			args = append(args, s)
		}
		if err := c.Do(ctx, args...).Err(); err != nil {
			return err
		}
	}
	return nil
}

// clusterReady is "" when the node says the cluster is ok, knows all its
// masters and sees every slot served by one of them; otherwise what is
// missing.
func clusterReady(ctx context.Context, c *redis.Client, masters int) string {
	info, err := c.ClusterInfo(ctx).Result()
	if err != nil {
		return "CLUSTER INFO: " + err.Error()
	}
	fields := map[string]string{}
	for line := range strings.Lines(info) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			fields[k] = v
		}
	}
	if fields["cluster_state"] != "ok" {
		return "cluster_state:" + fields["cluster_state"]
	}
	if fields["cluster_known_nodes"] != strconv.Itoa(masters) {
		return "cluster_known_nodes:" + fields["cluster_known_nodes"]
	}
	// CLUSTER SLOTS, deprecated in Redis 7 for CLUSTER SHARDS, is what
	// go-redis's cluster client routes by, so it is what must be complete.
	//lint:ignore SA1019 see above
	slots, err := c.ClusterSlots(ctx).Result()
	if err != nil {
		return "CLUSTER SLOTS: " + err.Error()
	}
	covered, owners := 0, map[string]bool{}
	for _, s := range slots {
		if len(s.Nodes) == 0 || s.Nodes[0].Addr == "" || strings.HasPrefix(s.Nodes[0].Addr, ":") {
			return fmt.Sprintf("slots %d-%d have no known master address", s.Start, s.End)
		}
		covered += int(s.End - s.Start + 1)
		owners[s.Nodes[0].Addr] = true
	}
	if covered != clusterSlots || len(owners) != masters {
		return fmt.Sprintf("CLUSTER SLOTS covers %d slots on %d masters", covered, len(owners))
	}
	return ""
}

// fail ends the test with what went wrong and the nodes' last log lines.
func (c *ClusterServer) fail(t testing.TB, format string, args ...any) {
	t.Helper()
	var b strings.Builder
	for i, log := range c.logs {
		fmt.Fprintf(&b, "\n--- %s (%s)\n%s", c.Addrs[i], log, tail(log))
	}
	t.Fatalf("redistest.Cluster: "+format+"%s", append(args, b.String())...)
}
