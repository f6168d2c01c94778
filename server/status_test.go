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
// application/graphql-response+json, never with a "data" entry; another
// refusal before it runs is 200 with "data": null; an operation that ran
// answers 200 with data, even when a field failed.
func TestGraphQLStatus(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	const (
		jsonType = "application/json"
		gqlType  = "application/graphql-response+json"
	)
	tests := []struct {
		name                  string
		query, operationName  string
		variables, documentID string
		code                  string // the first error's code; "" none
		data                  string // "ran": data is there; "null"; "": no data entry
		jsonStatus, gqlStatus int    // under application/json, and application/graphql-response+json
	}{
		{name: "a query that runs", query: `{ locations { id } }`, data: "ran", jsonStatus: 200, gqlStatus: 200},
		{name: "a field that fails", query: `{ node(id: "nope") { id } }`, code: "BAD_USER_INPUT", data: "ran", jsonStatus: 200, gqlStatus: 200},
		{name: "parse failure", query: `{ products(first: `, code: "GRAPHQL_PARSE_FAILED", jsonStatus: 200, gqlStatus: 400},
		{name: "validation failure", query: `{ products { nope } }`, code: "GRAPHQL_VALIDATION_FAILED", jsonStatus: 200, gqlStatus: 400},
		{name: "unknown operation name", query: `query A { __typename }`, operationName: "B", code: "GRAPHQL_VALIDATION_FAILED", jsonStatus: 200, gqlStatus: 400},
		{name: "variable coercion failure", query: `query($n: Int!) { products(first: $n) { totalCount } }`, variables: `{"n":"two"}`,
			code: "GRAPHQL_VALIDATION_FAILED", jsonStatus: 200, gqlStatus: 400},
		{name: "missing variable", query: `query($n: Int!) { products(first: $n) { totalCount } }`, code: "GRAPHQL_VALIDATION_FAILED", jsonStatus: 200, gqlStatus: 400},
		{name: "too complex", query: fanOut(29), code: "COMPLEXITY_LIMIT_EXCEEDED", jsonStatus: 200, gqlStatus: 400},
		// Refused before it runs, but not malformed: gqlgen's answer.
		{name: "introspection with a storefront key", query: `{ __schema { queryType { name } } }`, code: "FORBIDDEN", data: "null", jsonStatus: 200, gqlStatus: 200},
		{name: "an unknown documentId", documentID: sha256Hex("{ nope }"), code: "PERSISTED_QUERY_NOT_FOUND", data: "null", jsonStatus: 200, gqlStatus: 200},
	}
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		for _, accept := range []string{jsonType, gqlType, ""} {
			for _, tt := range tests {
				t.Run(method+" "+cmp.Or(accept, "no Accept")+" "+tt.name, func(t *testing.T) {
					var req *http.Request
					if method == http.MethodPost {
						body := map[string]any{}
						for k, v := range map[string]string{"query": tt.query, "operationName": tt.operationName, "documentId": tt.documentID} {
							if v != "" {
								body[k] = v
							}
						}
						if tt.variables != "" {
							body["variables"] = json.RawMessage(tt.variables)
						}
						raw, _ := json.Marshal(body)
						req, _ = http.NewRequest(method, g.url+"/graphql", strings.NewReader(string(raw)))
						req.Header.Set("Content-Type", "application/json")
					} else {
						q := url.Values{}
						for k, v := range map[string]string{"query": tt.query, "operationName": tt.operationName,
							"documentId": tt.documentID, "variables": tt.variables} {
							if v != "" {
								q.Set(k, v)
							}
						}
						req, _ = http.NewRequest(method, g.url+"/graphql?"+q.Encode(), nil)
					}
					if accept != "" {
						req.Header.Set("Accept", accept)
					}
					req.Header.Set("Authorization", "Bearer "+storefrontKey)
					r := g.do(req)
					want := tt.jsonStatus
					if accept == gqlType {
						want = tt.gqlStatus
					}
					if r.status != want || r.code(0) != tt.code {
						t.Errorf("status %d, code %q, errors %+v; want %d, %q", r.status, r.code(0), r.Errors, want, tt.code)
					}
					switch data := string(r.Data); {
					case tt.data == "ran" && (data == "" || data == "null"), tt.data != "ran" && data != tt.data:
						t.Errorf("data %q; want %q", data, tt.data)
					}
				})
			}
		}
	}
}
