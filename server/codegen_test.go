package server_test

import "testing"

// TestCodegen runs clients/codegen.test.js: graphql-codegen with
// clients/codegen.ts generates typed documents from the committed
// schema.graphql and from this gateway's introspection (an admin key, as
// GATEWAY_INTROSPECTION=admin allows), and tsc --strict compiles them with
// clients/codegen/usage.ts, Decimal, Date and DateTime as string.
func TestCodegen(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	runClients(t, "codegen.test.js", 6, "GATEWAY_URL="+g.url+"/graphql", "KEY="+adminKey)
}
