package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/server"
)

// TestEventSource runs clients/eventsource.test.js: Chromium's own
// EventSource follows a variant with the storefront key as ?key=, and
// after its connection drops reconnects with Last-Event-ID, getting what
// it missed without a duplicate. The gateway is served behind a front
// that can drop the streams (as a proxy or a lost network would) and
// records each stream's Last-Event-ID; a control server lets the script
// publish changes. Without Chromium it skips, except under CI=true.
func TestEventSource(t *testing.T) {
	nodeClients(t)
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is needed under CI=true (.ci/run installs Debian's chromium): %v", err)
		}
		t.Skipf("needs Chromium at %s (apt-get install chromium): %v", chromium, err)
	}
	g := newGateway(t, gatewayOptions{opts: []server.Option{server.WithCoalesceWindow(-1)}})
	var (
		mu      sync.Mutex
		seen    = []string{}
		cancels []context.CancelFunc
	)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/variants/events" {
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			mu.Lock()
			seen, cancels = append(seen, r.Header.Get("Last-Event-ID")), append(cancels, cancel)
			mu.Unlock()
			r = r.WithContext(ctx)
		}
		g.srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	ctl := http.NewServeMux()
	ctl.HandleFunc("POST /publish", func(w http.ResponseWriter, r *http.Request) {
		if err := g.srv.Changes().Publish(r.Context(), changes.Change{Kind: changes.KindVariant, ID: 2, Cause: "test"}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	ctl.HandleFunc("POST /drop", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for _, c := range cancels {
			c()
		}
		cancels = nil
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	ctl.HandleFunc("GET /seen", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(seen)
	})
	control := httptest.NewServer(ctl)
	t.Cleanup(control.Close)
	runClients(t, "eventsource.test.js", 1, "GATEWAY_URL="+front.URL+"/graphql", "KEY="+storefrontKey,
		"CONTROL_URL="+control.URL, "CHROMIUM="+chromium)
}
