package server_test

import (
	"testing"

	"github.com/commercegateway/gateway/server"
)

// TestGraphQLOverHTTPAudit runs graphql-http's audit of the
// GraphQL-over-HTTP spec (clients/audit.test.js) against a gateway: no MUST
// and no SHOULD may fail. The audit reads __type with variables, so the
// storefront key runs it where storefront keys may introspect.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	nodeClients(t)
	for _, tt := range []struct {
		name, key string
		limits    server.LimitsConfig
	}{
		{"admin key", adminKey, server.LimitsConfig{}},
		{"storefront key, GATEWAY_INTROSPECTION=all", storefrontKey, server.LimitsConfig{Introspection: server.IntrospectionAll}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t, gatewayOptions{limits: tt.limits})
			runClients(t, "audit.test.js", 1, "GATEWAY_URL="+g.url+"/graphql", "KEY="+tt.key)
		})
	}
}
