package server_test

import (
	"strings"
	"testing"
)

// TestScalarsSpecifiedBy: introspection over HTTP shows where each custom
// scalar is specified (what graphql-codegen and GraphiQL read), and its
// description says the exact form.
func TestScalarsSpecifiedBy(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	tests := []struct{ scalar, url, mention string }{
		{"Decimal", "https://speleotrove.com/decimal/daconvs.html", "JSON string"},
		{"Date", "https://scalars.graphql.org/andimarek/local-date.html", "YYYY-MM-DD"},
		{"DateTime", "https://scalars.graphql.org/andimarek/date-time.html", "RFC 3339"},
	}
	for _, tc := range tests {
		got := mustData[struct {
			Type struct {
				Kind, Description string
				SpecifiedByURL    *string
			} `json:"__type"`
		}](t, g.query(adminKey, `query($n: String!) { __type(name: $n) { kind description specifiedByURL } }`, map[string]any{"n": tc.scalar}))
		if got.Type.Kind != "SCALAR" || got.Type.SpecifiedByURL == nil || *got.Type.SpecifiedByURL != tc.url {
			t.Errorf("%s: kind %q, specifiedByURL %v; want SCALAR specified by %s", tc.scalar, got.Type.Kind, got.Type.SpecifiedByURL, tc.url)
		}
		if !strings.Contains(got.Type.Description, tc.mention) {
			t.Errorf("%s: description %q does not mention %q", tc.scalar, got.Type.Description, tc.mention)
		}
	}
}
