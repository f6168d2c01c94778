package server_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// clientsDir holds the real clients' tests (node --test), with their
// package-lock.json.
var clientsDir = filepath.Join("..", "clients")

// nodeClients returns node, when node and clients/node_modules are there.
// Without them a test skips, except under CI=true, where .ci/run installs
// both and their absence fails it.
func nodeClients(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(clientsDir, "node_modules", "graphql"))
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node and clients/node_modules are needed under CI=true (.ci/run runs npm ci in clients/): %v", err)
		}
		t.Skipf("needs node and `npm ci` in clients/ (make clients): %v", err)
	}
	return node
}

// runClients runs one test file of clients/ with node --test, the
// environment env added (GATEWAY_URL, KEY, …), and fails t unless it
// passes and passes at least minPass tests (so a file whose tests all
// skip, or that defines none, cannot pass for a working client).
func runClients(t *testing.T, file string, minPass int, env ...string) string {
	t.Helper()
	node := nodeClients(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=tap", file)
	cmd.Dir = clientsDir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("node --test %s in clients/: %v\n%s", file, err, out.String())
	}
	m := regexp.MustCompile(`(?m)^# pass (\d+)$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("node --test %s printed no pass count:\n%s", file, out.String())
	}
	if n, _ := strconv.Atoi(m[1]); n < minPass {
		t.Fatalf("node --test %s passed %d tests, want at least %d:\n%s", file, n, minPass, out.String())
	}
	if m := regexp.MustCompile(`(?m)^# (skip|todo) ([1-9]\d*)$`).FindStringSubmatch(out.String()); m != nil {
		t.Fatalf("node --test %s: %s %s tests:\n%s", file, m[1], m[2], out.String())
	}
	return out.String()
}

// chromium is Debian's Chromium, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// nodeChromium is nodeClients for the tests that drive Chromium too: it
// returns the environment that names the browser to clients/chromium.js.
// Without Chromium it skips, except under CI=true.
func nodeChromium(t *testing.T) string {
	t.Helper()
	nodeClients(t)
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is needed under CI=true (.ci/run installs Debian's chromium): %v", err)
		}
		t.Skipf("needs Chromium at %s (apt-get install chromium): %v", chromium, err)
	}
	return "CHROMIUM=" + chromium
}
