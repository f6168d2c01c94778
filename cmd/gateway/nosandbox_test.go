//go:build !sandbox

package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/server"
)

// The untagged binary refuses SANDBOX=1 before it starts anything, saying
// how to get the sandboxes.
func TestRunRefusesSandboxMode(t *testing.T) {
	env := map[string]string{"SANDBOX": "1", "GATEWAY_ADDR": "127.0.0.1:0"}
	err := run(context.Background(), slog.New(slog.DiscardHandler), func(k string) string { return env[k] })
	if !errors.Is(err, server.ErrNoSandboxes) {
		t.Fatalf("run(SANDBOX=1) = %v, want server.ErrNoSandboxes", err)
	}
	for _, fix := range []string{"make run", "go run -tags sandbox ./cmd/gateway"} {
		if !strings.Contains(err.Error(), fix) {
			t.Errorf("run(SANDBOX=1) = %q, does not name the fix %q", err, fix)
		}
	}
}
