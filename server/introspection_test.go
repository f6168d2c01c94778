package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server"
)

// TestIntrospectionPolicy: GATEWAY_INTROSPECTION decides, per key role,
// both introspection (__schema, __type; refused with FORBIDDEN naming the
// policy, before anything runs) and "Did you mean …" suggestions in
// validation errors, of every kind (fields, and arguments, which gqlgen's
// SetDisableSuggestion would not hide). __typename is always allowed.
func TestIntrospectionPolicy(t *testing.T) {
	introspection := []struct{ name, query string }{
		{"__schema", `{ __schema { queryType { name } } }`},
		{"__type", `{ __type(name: "Variant") { name } }`},
		{"__type in a fragment", `query { ...F } fragment F on Query { ... on Query { __type(name: "Variant") { name } } }`},
	}
	misspelled := []struct{ name, query, message, suggestion string }{
		{"a field", `{ variants(first: 1) { nodes { buyPrise { amount } } } }`, `Cannot query field "buyPrise" on type "Variant".`, `Did you mean "buyPrice"`},
		{"a root field", `{ pendingWrite { id } }`, `Cannot query field "pendingWrite" on type "Query".`, `Did you mean "pendingWrites"`},
		{"an argument", `{ products(frist: 1) { totalCount } }`, `Unknown argument "frist" on field "Query.products".`, `Did you mean "first"`},
	}
	allowed := map[string]map[string]bool{
		server.IntrospectionAll:   {"storefront": true, "admin": true},
		server.IntrospectionAdmin: {"storefront": false, "admin": true},
		server.IntrospectionOff:   {"storefront": false, "admin": false},
	}
	keys := map[string]string{"storefront": storefrontKey, "admin": adminKey}
	for _, policy := range []string{server.IntrospectionAll, server.IntrospectionAdmin, server.IntrospectionOff} {
		t.Run(policy, func(t *testing.T) {
			g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{Introspection: policy}})
			for _, role := range []string{"storefront", "admin"} {
				key, ok := keys[role], allowed[policy][role]
				t.Run(role, func(t *testing.T) {
					for _, q := range introspection {
						r := g.query(key, q.query, nil)
						if ok {
							mustData[map[string]any](t, r)
							continue
						}
						if len(r.Errors) != 1 || r.code(0) != string(commerce.CodeForbidden) ||
							!strings.Contains(r.Errors[0].Message, "GATEWAY_INTROSPECTION="+policy) || string(r.Data) != "" && string(r.Data) != "null" {
							t.Errorf("%s: status %d, errors %+v, data %s; want only FORBIDDEN naming GATEWAY_INTROSPECTION=%s", q.name, r.status, r.Errors, r.Data, policy)
						}
					}
					typename := mustData[struct{ Typename string }](t, g.query(key, `{ typename: __typename }`, nil))
					if typename.Typename != "Query" {
						t.Errorf("__typename = %q, want Query", typename.Typename)
					}
					for _, m := range misspelled {
						r := g.query(key, m.query, nil)
						if len(r.Errors) != 1 || r.code(0) != "GRAPHQL_VALIDATION_FAILED" {
							t.Fatalf("%s: errors %+v, want one GRAPHQL_VALIDATION_FAILED", m.name, r.Errors)
						}
						msg := r.Errors[0].Message
						if !strings.HasPrefix(msg, m.message) {
							t.Errorf("%s: message %q, want it to start %q", m.name, msg, m.message)
						}
						if got := strings.Contains(msg, m.suggestion); got != ok {
							t.Errorf("%s: message %q; suggestion %q shown = %v, want %v", m.name, msg, m.suggestion, got, ok)
						}
						if !ok && strings.Contains(msg, "Did you mean") {
							t.Errorf("%s: message %q still suggests", m.name, msg)
						}
					}
				})
			}
		})
	}
}

// introspectionQueries are graphql-js's getIntrospectionQuery() documents
// (default options, every option on, GraphiQL's) from
// testdata/introspection, with the operation name GraphiQL sends.
var introspectionQueries = []struct{ file, operationName string }{
	{"default.graphql", ""},
	{"all-options.graphql", ""},
	{"graphiql.graphql", "IntrospectionQuery"},
}

// TestIntrospectionQueries: without node, the standard introspection
// queries (copied into testdata by clients/) pass the gateway's limits and
// answer a schema that is whole: no errors, and every type any field,
// argument, input field, interface, possible type or directive names is
// one the answer defines.
func TestIntrospectionQueries(t *testing.T) {
	g := newGateway(t, gatewayOptions{}) // GATEWAY_INTROSPECTION: admin by default, outside sandbox mode
	for _, q := range introspectionQueries {
		t.Run(q.file, func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join("testdata", "introspection", q.file))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(map[string]any{"query": string(doc), "operationName": q.operationName})
			r := g.post(adminKey, "application/json", body)
			data := mustData[struct {
				Schema struct {
					QueryType    struct{ Name string }
					MutationType struct{ Name string }
					Types        []struct {
						Kind, Name string
						Fields     []struct{ Name string }
					}
				} `json:"__schema"`
			}](t, r)
			raw := mustData[map[string]any](t, r)

			defined := map[string]bool{}
			for _, ty := range data.Schema.Types {
				defined[ty.Name] = true
			}
			for _, want := range []string{"Query", "Mutation", "Product", "Variant", "Money", "Decimal", "ProductFilter", "OrderStatus", "__Schema", "__Type"} {
				if !defined[want] {
					t.Errorf("type %s is not in the answer", want)
				}
			}
			if data.Schema.QueryType.Name != "Query" || data.Schema.MutationType.Name != "Mutation" {
				t.Errorf("root types %q, %q", data.Schema.QueryType.Name, data.Schema.MutationType.Name)
			}
			refs := map[string]bool{}
			typeRefs(raw, refs)
			if len(refs) < 20 {
				t.Fatalf("only %d referenced types found: the walk is wrong", len(refs))
			}
			for name := range refs {
				if !defined[name] {
					t.Errorf("the answer references type %q and does not define it", name)
				}
			}
		})
	}
}

// typeRefs collects the named types of every TypeRef (an object with
// ofType) under v.
func typeRefs(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if _, ok := v["ofType"]; ok {
			if name, ok := v["name"].(string); ok {
				into[name] = true
			}
		}
		for _, x := range v {
			typeRefs(x, into)
		}
	case []any:
		for _, x := range v {
			typeRefs(x, into)
		}
	}
}

// TestIntrospectionWithGraphQLJS runs clients/ (node --test) against a
// gateway: graphql-js's introspection queries, default, every option on,
// and GraphiQL's, build a client schema from the answer. It needs node and
// `npm ci` in clients/; without them it skips, except under CI=true, where
// .ci/run installs them.
func TestIntrospectionWithGraphQLJS(t *testing.T) {
	nodeClients(t)
	tests := []struct {
		name, policy, key string
	}{
		{"admin key, GATEWAY_INTROSPECTION=admin", server.IntrospectionAdmin, adminKey},
		{"storefront key, GATEWAY_INTROSPECTION=all", server.IntrospectionAll, storefrontKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{Introspection: tt.policy}})
			runClients(t, "introspection.test.js", len(introspectionQueries), "GATEWAY_URL="+g.url+"/graphql", "KEY="+tt.key)
		})
	}
}
