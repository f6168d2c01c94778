package server_test

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestGraphQLStatus: the HTTP status of a GraphQL answer (graph/status.go),
// by POST and by GET, under each media type a client may accept. A
// malformed request (parse, validation, variable coercion, cost) answers
// 200 under application/json and 400 under
// application/graphql-response+json, never with a "data" entry; an
// operation that ran answers 200 with data, even when a field failed.
func TestGraphQLStatus(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	const (
		jsonType = "application/json"
		gqlType  = "application/graphql-response+json"
	)
	tests := []struct {
		name      string
		query     string
		variables string
		code      string // the first error's code; "" none
		ran       bool   // execution started: data is there
		jsonCode  int    // the status under application/json
		gqlCode   int    // … and under application/graphql-response+json
	}{
		{"a query that runs", `{ locations { id } }`, "", "", true, 200, 200},
		{"a field that fails", `{ node(id: "nope") { id } }`, "", "BAD_USER_INPUT", true, 200, 200},
		{"parse failure", `{ products(first: `, "", "GRAPHQL_PARSE_FAILED", false, 200, 400},
		{"validation failure", `{ products { nope } }`, "", "GRAPHQL_VALIDATION_FAILED", false, 200, 400},
		{"unknown operation name", `query A { __typename }`, "", "GRAPHQL_VALIDATION_FAILED", false, 200, 400},
		{"variable coercion failure", `query($n: Int!) { products(first: $n) { totalCount } }`, `{"n":"two"}`, "GRAPHQL_VALIDATION_FAILED", false, 200, 400},
		{"missing variable", `query($n: Int!) { products(first: $n) { totalCount } }`, "", "GRAPHQL_VALIDATION_FAILED", false, 200, 400},
		{"too complex", fanOut(29), "", "COMPLEXITY_LIMIT_EXCEEDED", false, 200, 400},
	}
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		for _, accept := range []string{jsonType, gqlType, ""} {
			for _, tt := range tests {
				t.Run(method+" "+cmp.Or(accept, "no Accept")+" "+tt.name, func(t *testing.T) {
					var req *http.Request
					if method == http.MethodPost {
						body := map[string]any{"query": tt.query}
						if tt.name == "unknown operation name" {
							body["operationName"] = "B"
						}
						if tt.variables != "" {
							body["variables"] = json.RawMessage(tt.variables)
						}
						raw, _ := json.Marshal(body)
						req, _ = http.NewRequest(method, g.url+"/graphql", strings.NewReader(string(raw)))
						req.Header.Set("Content-Type", "application/json")
					} else {
						q := url.Values{"query": {tt.query}}
						if tt.name == "unknown operation name" {
							q.Set("operationName", "B")
						}
						if tt.variables != "" {
							q.Set("variables", tt.variables)
						}
						req, _ = http.NewRequest(method, g.url+"/graphql?"+q.Encode(), nil)
					}
					if accept != "" {
						req.Header.Set("Accept", accept)
					}
					req.Header.Set("Authorization", "Bearer "+storefrontKey)
					r := g.do(req)
					want := tt.jsonCode
					if accept == gqlType {
						want = tt.gqlCode
					}
					if r.status != want || r.code(0) != tt.code {
						t.Errorf("status %d, code %q, errors %+v; want %d, %q", r.status, r.code(0), r.Errors, want, tt.code)
					}
					if hasData := r.Data != nil; hasData != tt.ran {
						t.Errorf("data %s (present %v); want present %v", r.Data, hasData, tt.ran)
					}
				})
			}
		}
	}
}
