package server_test

import (
	"os"
	"testing"
)

// chromium is Debian's Chromium, which .ci/run installs.
const chromium = "/usr/bin/chromium"

// TestBrowser drives Debian's Chromium through playwright-core
// (clients/browser.test.js): the playground, opened with a key, lists the
// root types and a field's description in its docs explorer and runs a
// query; the REST docs page runs one request. Without Chromium it skips,
// except under CI=true, where .ci/run installs it.
func TestBrowser(t *testing.T) {
	nodeClients(t)
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is needed under CI=true (.ci/run installs Debian's chromium): %v", err)
		}
		t.Skipf("needs Chromium at %s (apt-get install chromium): %v", chromium, err)
	}
	g := newGateway(t, gatewayOptions{})
	runClients(t, "browser.test.js", 2, "GATEWAY_URL="+g.url+"/graphql", "KEY="+adminKey, "CHROMIUM="+chromium)
}
