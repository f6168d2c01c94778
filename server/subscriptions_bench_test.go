package server_test

import (
	"context"
	"encoding/json"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/server"
)

// BenchmarkSubscribers1000 holds 1,000 concurrent WebSocket subscribers
// to one variant on one replica; each op changes the variant's stock in
// the sandbox, which delivers its signed webhook, and waits until every
// subscriber has the event. It reports webhook-to-event latency over all
// subscribers (p50, p99: from the stock change to each event's arrival)
// and the heap per connection (client and server sides together: both
// live in this process).
func BenchmarkSubscribers1000(b *testing.B) {
	const subscribers = 1000
	g := newGateway(b, gatewayOptions{webhooks: true, sandbox: sandbox.Options{ControlRoutes: true},
		limits: server.LimitsConfig{ClientRateLimit: 10 * subscribers},
		live:   server.LiveConfig{MaxConnectionsPerClient: subscribers + 10}})
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	var (
		start     atomic.Int64 // the current change, UnixNano
		mu        sync.Mutex
		latencies []time.Duration
		got       sync.WaitGroup
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := strings.Replace(g.url, "http", "ws", 1) + "/graphql"
	conns := make([]*websocket.Conn, subscribers)
	for i := range conns {
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			b.Fatalf("dial %d: %v", i, err)
		}
		conns[i] = c
		write := func(v string) {
			if err := c.Write(ctx, websocket.MessageText, []byte(v)); err != nil {
				b.Fatalf("write: %v", err)
			}
		}
		write(`{"type":"connection_init","payload":{"Authorization":"Bearer ` + storefrontKey + `"}}`)
		write(`{"id":"1","type":"subscribe","payload":{"query":"subscription { variantChanged(ids: [\"gid://tradegecko/Variant/3\"]) { id inventory { onHand } } }"}}`)
		go func() {
			for {
				_, data, err := c.Read(ctx)
				if err != nil {
					return
				}
				var m struct{ Type string }
				_ = json.Unmarshal(data, &m)
				switch m.Type {
				case "ping":
					_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
				case "next":
					d := time.Since(time.Unix(0, start.Load()))
					mu.Lock()
					latencies = append(latencies, d)
					mu.Unlock()
					got.Done()
				case "error", "complete":
					b.Errorf("subscriber: %s", data)
					return
				}
			}
		}()
	}
	waitSubscribed(b, g, subscribers)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	b.ResetTimer()
	for i := range b.N {
		got.Add(subscribers)
		start.Store(time.Now().UnixNano())
		setStock(b, g, 3, strconv.Itoa(100+i))
		done := make(chan struct{})
		go func() { got.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			b.Fatalf("change %d: not every subscriber had its event within 30 s", i)
		}
	}
	b.StopTimer()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(after.HeapAlloc-min(before.HeapAlloc, after.HeapAlloc))/subscribers, "heap-B/conn")
	for _, c := range conns {
		_ = c.CloseNow()
	}
}
