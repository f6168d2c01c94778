package server_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// events collects what the gateway processed.
type events struct {
	mu   sync.Mutex
	list []commerce.Event
	ch   chan commerce.Event
}

func newEvents() *events { return &events{ch: make(chan commerce.Event, 100)} }

func (e *events) observe(_ context.Context, ev commerce.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
	e.ch <- ev
}

func (e *events) wait(t *testing.T, match func(commerce.Event) bool) commerce.Event {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-e.ch:
			if match(ev) {
				return ev
			}
		case <-deadline:
			t.Fatal("no matching event within 10 s")
		}
	}
}

func (e *events) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.list)
}

func (g *gateway) deliver(body []byte, signature, delivery string) int {
	g.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, g.url+"/webhooks/tradegecko", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Gecko-Signature", signature)
	}
	if delivery != "" {
		req.Header.Set("X-Gecko-Delivery", delivery)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWebhookReceiver(t *testing.T) {
	evs := newEvents()
	g := newGateway(t, gatewayOptions{webhooks: true, opts: []server.Option{server.WithEventObserver(evs.observe)}})
	body := []byte(`{"object_id":1234567,"event":"fulfillments.create","timestamp":1546272000,"resource_url":"https://api.tradegecko.com/fulfillments/1234567.json"}`)
	good := server.Sign(sandbox.DefaultClientSecret, body)

	tests := []struct {
		name      string
		body      []byte
		signature string
		status    int
	}{
		{"missing signature", body, "", http.StatusUnauthorized},
		{"signed with another secret", body, server.Sign("not-the-secret", body), http.StatusUnauthorized},
		{"signature of other bytes", append([]byte(" "), body...), good, http.StatusUnauthorized},
		{"garbage signature", body, "%%%", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := g.deliver(tc.body, tc.signature, "d-bad"); got != tc.status {
				t.Errorf("status %d, want %d", got, tc.status)
			}
		})
	}
	// Valid, then the same delivery again: processed once.
	for range 3 {
		if got := g.deliver(body, good, "d-1"); got != http.StatusOK {
			t.Fatalf("valid delivery: status %d", got)
		}
	}
	ev := evs.wait(t, func(e commerce.Event) bool { return e.DeliveryID == "d-1" })
	if ev.Name != "fulfillment.create" || ev.ObjectID != 1234567 || !ev.At.Equal(time.Unix(1546272000, 0)) {
		t.Errorf("event = %+v", ev)
	}
	// A signed but malformed body is a 400, and nothing is processed.
	junk := []byte(`{"nope":true}`)
	if got := g.deliver(junk, server.Sign(sandbox.DefaultClientSecret, junk), "d-2"); got != http.StatusBadRequest {
		t.Errorf("malformed body: status %d, want 400", got)
	}
	time.Sleep(100 * time.Millisecond)
	if n := evs.count(); n != 1 {
		t.Errorf("%d events processed, want 1 (rejected and duplicate deliveries are not)", n)
	}
}

// The gateway subscribes at start; a stock change in the sandbox reaches
// it as a verified webhook.
func TestStockChangeReachesGateway(t *testing.T) {
	evs := newEvents()
	g := newGateway(t, gatewayOptions{webhooks: true, opts: []server.Option{server.WithEventObserver(evs.observe)}})
	if err := g.sb.SetStock(4, 1, "3"); err != nil {
		t.Fatal(err)
	}
	ev := evs.wait(t, func(e commerce.Event) bool { return e.Name == "variant.stock_level_update" && e.ObjectID == 4 })
	if ev.DeliveryID == "" {
		t.Errorf("event without a delivery id: %+v", ev)
	}
	for _, d := range g.sb.Deliveries() {
		if d.Event == "variant.stock_level_update" && d.Status != http.StatusOK {
			t.Errorf("delivery answered %d (%s)", d.Status, d.Error)
		}
	}
}

// An accepted delivery's id is kept four days (the upstream retries for
// three), in the shared Redis; one still being queued by another attempt
// is neither acknowledged nor lost.
func TestDeliveryIDsKeptFourDays(t *testing.T) {
	s, m := redistest.Mini(t)
	evs := newEvents()
	g := newGateway(t, gatewayOptions{webhooks: true, redisURL: "redis://" + s.Addr, opts: []server.Option{server.WithEventObserver(evs.observe)}})
	body := []byte(`{"object_id":4,"event":"variant.stock_level_update","timestamp":1546272000,"resource_url":"https://api.tradegecko.com/variants/4.json"}`)
	if got := g.deliver(body, server.Sign(sandbox.DefaultClientSecret, body), "d-keep"); got != http.StatusOK {
		t.Fatalf("delivery: status %d", got)
	}
	evs.wait(t, func(e commerce.Event) bool { return e.DeliveryID == "d-keep" })
	if ttl := m.TTL("{delivery:d-keep}"); ttl < 4*24*time.Hour-time.Minute {
		t.Errorf("delivery id kept %v, want four days", ttl)
	}
	// Three days on, a redelivery is still a duplicate.
	m.FastForward(3 * 24 * time.Hour)
	if got := g.deliver(body, server.Sign(sandbox.DefaultClientSecret, body), "d-keep"); got != http.StatusOK {
		t.Fatalf("redelivery: status %d", got)
	}
	time.Sleep(100 * time.Millisecond)
	if n := evs.count(); n != 1 {
		t.Errorf("%d events processed after a redelivery three days on, want 1", n)
	}

	// A delivery another attempt is still queueing (its id only claimed)
	// is asked to come again, not acknowledged: that attempt may yet fail.
	m.Set("{delivery:d-busy}", "claimed")
	m.SetTTL("{delivery:d-busy}", time.Minute)
	if got := g.deliver(body, server.Sign(sandbox.DefaultClientSecret, body), "d-busy"); got != http.StatusServiceUnavailable {
		t.Errorf("a delivery meeting a claim: status %d, want 503", got)
	}
	// The claim lapses (its holder died): the next attempt is accepted.
	m.FastForward(2 * time.Minute)
	if got := g.deliver(body, server.Sign(sandbox.DefaultClientSecret, body), "d-busy"); got != http.StatusOK {
		t.Fatalf("a delivery after the claim lapsed: status %d", got)
	}
	evs.wait(t, func(e commerce.Event) bool { return e.DeliveryID == "d-busy" })
	if ttl := m.TTL("{delivery:d-busy}"); ttl < 4*24*time.Hour-time.Minute {
		t.Errorf("delivery id kept %v after a lapsed claim, want four days", ttl)
	}
}
