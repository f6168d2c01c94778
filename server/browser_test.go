package server_test

import "testing"

// TestBrowser drives Debian's Chromium through playwright-core
// (clients/browser.test.js): the playground, opened with a key, lists the
// root types and a field's description in its docs explorer and runs a
// query; the REST docs page runs one request. Without Chromium it skips,
// except under CI=true, where .ci/run installs it.
func TestBrowser(t *testing.T) {
	browser := nodeChromium(t)
	g := newGateway(t, gatewayOptions{})
	runClients(t, "browser.test.js", 2, "GATEWAY_URL="+g.url+"/graphql", "KEY="+adminKey, browser)
}
