package server_test

import (
	"testing"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// TestBrowser drives Debian's Chromium through playwright-core
// (clients/browser.test.js): the playground, opened with a key, lists the
// root types and a field's description in its docs explorer and runs a
// query, and a subscription that shows an event after the sandbox's stock
// changes; the REST docs page runs one request. Without Chromium it skips,
// except under CI=true, where .ci/run installs it.
func TestBrowser(t *testing.T) {
	browser := nodeChromium(t)
	g := newGateway(t, gatewayOptions{webhooks: true, sandbox: sandbox.Options{ControlRoutes: true}})
	runClients(t, "browser.test.js", 3, "GATEWAY_URL="+g.url+"/graphql", "KEY="+adminKey,
		"SANDBOX_URL="+g.upstreamURL, browser)
}
