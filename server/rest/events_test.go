package rest_test

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/changes"
)

// An idle stream gets keep-alive comments; when its client goes away, its
// subscription ends: the Hub no longer refreshes (watches) its variant.
func TestEventStreamKeepAliveAndDisconnect(t *testing.T) {
	var mu sync.Mutex
	var refreshed [][]int64
	hub := changes.NewHub(changes.HubOptions{Refresh: func(_ context.Context, _ changes.Kind, ids []int64) error {
		mu.Lock()
		defer mu.Unlock()
		refreshed = append(refreshed, slices.Clone(ids))
		return nil
	}})
	t.Cleanup(hub.Close)
	e := newEnv(t, envOptions{changes: hub, keepAlive: 20 * time.Millisecond})

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.srv.URL+"/v1/variants/events?ids=2", nil)
	req.Header.Set("X-Test-Role", storefront)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/variants/events: %v %v", err, resp)
	}
	lines := bufio.NewScanner(resp.Body)
	var comments int
	for comments < 2 && lines.Scan() {
		if strings.HasPrefix(lines.Text(), ": keep-alive") {
			comments++
		}
	}
	if comments < 2 {
		t.Fatalf("no keep-alive comments: %v", lines.Err())
	}
	if err := hub.Publish(context.Background(), changes.Change{Kind: changes.KindVariant, ID: 2}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	watched := len(refreshed)
	mu.Unlock()
	if watched != 1 {
		t.Fatalf("with a subscriber, refreshes = %v, want one", refreshed)
	}
	cancel()
	resp.Body.Close()

	deadline := time.Now().Add(3 * time.Second)
	for {
		mu.Lock()
		refreshed = nil
		mu.Unlock()
		if err := hub.Publish(context.Background(), changes.Change{Kind: changes.KindVariant, ID: 2}); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(refreshed)
		mu.Unlock()
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("after its client left, the stream's subscription still watches variant 2")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Without a Hub the streams answer 503 before streaming.
func TestEventStreamNotConfigured(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.get("/v1/variants/events?ids=2", storefront)
	if p := r.problem(t); r.status != http.StatusServiceUnavailable || p.Code != "BACKEND_DISABLED" {
		t.Errorf("GET /v1/variants/events = %d %s", r.status, r.body)
	}
}
