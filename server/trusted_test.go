package server_test

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server"
)

// Trusted documents for these tests: two storefront reads.
const (
	trustedLocations = "query Locations { locations { id label } }"
	trustedProducts  = "query Products($first: Int) { products(first: $first) { totalCount nodes { id name } } }"
	untrusted        = "query Currencies { currencies { code } }"
)

func sha256Hex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
func sha1Hex(s string) string   { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// writeManifest writes a manifest of docs in the named format ("apollo",
// "codegen-sha1", "codegen-sha256") and returns its path.
func writeManifest(t *testing.T, format string, docs ...string) string {
	t.Helper()
	var v any
	switch format {
	case "apollo":
		ops := []map[string]any{}
		for _, d := range docs {
			name := regexp.MustCompile(`^query (\w+)`).FindStringSubmatch(d)[1]
			ops = append(ops, map[string]any{"id": sha256Hex(d), "body": d, "name": name, "type": "query"})
		}
		v = map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops}
	case "codegen-sha1", "codegen-sha256":
		m := map[string]string{}
		for _, d := range docs {
			if format == "codegen-sha1" {
				m[sha1Hex(d)] = d
			} else {
				m[sha256Hex(d)] = d
			}
		}
		v = m
	default:
		t.Fatalf("unknown manifest format %q", format)
	}
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// gqlRequest is one GraphQL request, sent by POST (body) or GET (the same
// fields as query parameters).
type gqlRequest struct {
	get        bool
	query      string
	documentID string
	extensions map[string]any
	variables  map[string]any
}

func persistedQuery(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

func (g *gateway) send(key string, r gqlRequest) gqlResponse {
	g.t.Helper()
	if !r.get {
		body := map[string]any{}
		if r.query != "" {
			body["query"] = r.query
		}
		if r.documentID != "" {
			body["documentId"] = r.documentID
		}
		if r.extensions != nil {
			body["extensions"] = r.extensions
		}
		if r.variables != nil {
			body["variables"] = r.variables
		}
		raw, _ := json.Marshal(body)
		return g.post(key, "application/json", raw)
	}
	q := url.Values{}
	if r.query != "" {
		q.Set("query", r.query)
	}
	if r.documentID != "" {
		q.Set("documentId", r.documentID)
	}
	if r.extensions != nil {
		raw, _ := json.Marshal(r.extensions)
		q.Set("extensions", string(raw))
	}
	if r.variables != nil {
		raw, _ := json.Marshal(r.variables)
		q.Set("variables", string(raw))
	}
	req, err := http.NewRequest(http.MethodGet, g.url+"/graphql?"+q.Encode(), nil)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	return g.do(req)
}

// TestTrustedDocuments: with GATEWAY_TRUSTED_DOCUMENTS, in each manifest
// format, a storefront key runs the listed operations by hash (Apollo's
// extensions.persistedQuery, a SHA-1 there too), by documentId (bare,
// sha256:, sha1:), by identical text, over POST and GET, and nothing else:
// OPERATION_NOT_TRUSTED before the document is parsed, with no upstream
// request. Admin keys are not limited.
func TestTrustedDocuments(t *testing.T) {
	vars := map[string]any{"first": 2}
	const (
		ok              = ""
		notTrusted      = string(commerce.CodeOperationNotTrusted)
		badInput        = string(commerce.CodeBadUserInput)
		persistNotFound = string(commerce.CodePersistedQueryNotFound)
	)
	unknown := sha256Hex("{ locations { id } }")
	tests := []struct {
		name string
		key  string
		req  gqlRequest
		code string // "" runs, with data
	}{
		{"storefront: identical text", storefrontKey, gqlRequest{query: trustedLocations}, ok},
		{"storefront: identical text, variables", storefrontKey, gqlRequest{query: trustedProducts, variables: vars}, ok},
		{"storefront: identical text by GET", storefrontKey, gqlRequest{get: true, query: trustedLocations}, ok},
		{"storefront: persistedQuery sha256", storefrontKey, gqlRequest{extensions: persistedQuery(sha256Hex(trustedProducts)), variables: vars}, ok},
		{"storefront: persistedQuery sha256 and its text", storefrontKey, gqlRequest{query: trustedLocations, extensions: persistedQuery(sha256Hex(trustedLocations))}, ok},
		{"storefront: persistedQuery sha1 (codegen's hash)", storefrontKey, gqlRequest{extensions: persistedQuery(sha1Hex(trustedLocations))}, ok},
		{"storefront: persistedQuery by GET", storefrontKey, gqlRequest{get: true, extensions: persistedQuery(sha256Hex(trustedProducts)), variables: vars}, ok},
		{"storefront: documentId bare", storefrontKey, gqlRequest{documentID: sha256Hex(trustedLocations)}, ok},
		{"storefront: documentId sha256:", storefrontKey, gqlRequest{documentID: "sha256:" + sha256Hex(trustedLocations)}, ok},
		{"storefront: documentId sha1:", storefrontKey, gqlRequest{documentID: "sha1:" + sha1Hex(trustedProducts), variables: vars}, ok},
		{"storefront: documentId by GET", storefrontKey, gqlRequest{get: true, documentID: "sha256:" + sha256Hex(trustedLocations)}, ok},

		{"storefront: other text", storefrontKey, gqlRequest{query: untrusted}, notTrusted},
		{"storefront: other text by GET", storefrontKey, gqlRequest{get: true, query: untrusted}, notTrusted},
		{"storefront: trusted text with a space more", storefrontKey, gqlRequest{query: trustedLocations + " "}, notTrusted},
		{"storefront: text that does not parse (refused before parsing)", storefrontKey, gqlRequest{query: "{ products(first: "}, notTrusted},
		{"storefront: a document past the token limit", storefrontKey, gqlRequest{query: "{" + strings.Repeat(" __typename", 20_000) + " }"}, notTrusted},
		{"storefront: unknown persistedQuery hash", storefrontKey, gqlRequest{extensions: persistedQuery(unknown)}, notTrusted},
		{"storefront: unknown hash with its text", storefrontKey, gqlRequest{query: "{ locations { id } }", extensions: persistedQuery(unknown)}, notTrusted},
		{"storefront: unknown documentId", storefrontKey, gqlRequest{documentID: "sha256:" + unknown}, notTrusted},
		{"storefront: unknown documentId by GET", storefrontKey, gqlRequest{get: true, documentID: unknown}, notTrusted},
		{"storefront: a trusted hash with other text", storefrontKey, gqlRequest{query: untrusted, extensions: persistedQuery(sha256Hex(trustedLocations))}, badInput},
		{"storefront: documentId not a digest", storefrontKey, gqlRequest{documentID: "Locations"}, badInput},
		{"storefront: documentId algorithm and length disagree", storefrontKey, gqlRequest{documentID: "sha1:" + unknown}, badInput},
		{"storefront: documentId and persistedQuery", storefrontKey, gqlRequest{documentID: unknown, extensions: persistedQuery(unknown)}, badInput},

		{"admin: any text", adminKey, gqlRequest{query: untrusted}, ok},
		{"admin: any text by GET", adminKey, gqlRequest{get: true, query: untrusted}, ok},
		{"admin: a trusted documentId", adminKey, gqlRequest{documentID: sha256Hex(trustedLocations)}, ok},
		{"admin: a trusted persistedQuery", adminKey, gqlRequest{extensions: persistedQuery(sha1Hex(trustedProducts)), variables: vars}, ok},
		// Admin keys use automatic persisted queries: not found, then
		// registered with the text, then found.
		{"admin: an unknown hash alone", adminKey, gqlRequest{extensions: persistedQuery(unknown)}, persistNotFound},
		{"admin: an unknown hash with its text", adminKey, gqlRequest{query: "{ locations { id } }", extensions: persistedQuery(unknown)}, ok},
		{"admin: that hash alone, registered", adminKey, gqlRequest{extensions: persistedQuery(unknown)}, ok},
		{"storefront: a hash an admin registered", storefrontKey, gqlRequest{extensions: persistedQuery(unknown)}, notTrusted},
	}
	for _, format := range []string{"apollo", "codegen-sha1", "codegen-sha256"} {
		t.Run(format, func(t *testing.T) {
			g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{
				TrustedDocuments: writeManifest(t, format, trustedLocations, trustedProducts)}})
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					var r gqlResponse
					upstream := g.upstream(func() { r = g.send(tt.key, tt.req) })
					if tt.code == ok {
						if len(r.Errors) > 0 || r.status != http.StatusOK || len(r.Data) < 3 || string(r.Data) == "null" {
							t.Fatalf("status %d, errors %+v, data %s; want it run", r.status, r.Errors, r.Data)
						}
						return
					}
					if len(r.Errors) != 1 || r.code(0) != tt.code || string(r.Data) != "" && string(r.Data) != "null" {
						t.Fatalf("status %d, errors %+v, data %s; want only %s", r.status, r.Errors, r.Data, tt.code)
					}
					if tt.code == notTrusted {
						if !strings.Contains(r.Errors[0].Message, "GATEWAY_TRUSTED_DOCUMENTS") {
							t.Errorf("message %q does not name GATEWAY_TRUSTED_DOCUMENTS", r.Errors[0].Message)
						}
						// Refused like a validation failure, before anything
						// runs: 200 under application/json (graph/status.go).
						if r.status != http.StatusOK || r.Data != nil {
							t.Errorf("status %d, data %s; want 200 and no data", r.status, r.Data)
						}
					}
					if upstream != 0 {
						t.Errorf("a refused request cost %d upstream requests", upstream)
					}
				})
			}
		})
	}
}

// TestWithoutTrustedDocuments: without GATEWAY_TRUSTED_DOCUMENTS, and
// with automatic persisted queries off, any key runs any text; a hash sent
// with it must match it; a hash or a documentId alone is
// PERSISTED_QUERY_NOT_FOUND (there is no store). server/apq_test.go tests
// automatic persisted queries.
func TestWithoutTrustedDocuments(t *testing.T) {
	g := newGateway(t, gatewayOptions{apq: server.APQConfig{Off: true}})
	tests := []struct {
		name string
		req  gqlRequest
		code string
	}{
		{"any text", gqlRequest{query: untrusted}, ""},
		{"a hash and its text", gqlRequest{query: untrusted, extensions: persistedQuery(sha256Hex(untrusted))}, ""},
		{"a hash and other text", gqlRequest{query: untrusted, extensions: persistedQuery(sha256Hex(trustedLocations))}, string(commerce.CodeBadUserInput)},
		{"a hash alone", gqlRequest{extensions: persistedQuery(sha256Hex(untrusted))}, string(commerce.CodePersistedQueryNotFound)},
		{"a documentId and its text", gqlRequest{query: untrusted, documentID: sha256Hex(untrusted)}, ""},
		{"a documentId alone", gqlRequest{documentID: sha256Hex(untrusted)}, string(commerce.CodePersistedQueryNotFound)},
		{"a documentId alone by GET", gqlRequest{get: true, documentID: sha256Hex(untrusted)}, string(commerce.CodePersistedQueryNotFound)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := g.send(storefrontKey, tt.req)
			if tt.code == "" {
				mustData[map[string]any](t, r)
				return
			}
			if len(r.Errors) != 1 || r.code(0) != tt.code {
				t.Fatalf("status %d, errors %+v; want %s", r.status, r.Errors, tt.code)
			}
		})
	}
}

// TestTrustedDocumentsRefusedAtStart: a manifest that cannot be read, or
// whose hashes do not match its documents, stops start-up with a message
// naming the variable and the problem.
func TestTrustedDocumentsRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope.json"), "no such file"},
		{"not JSON", write("text.json", trustedLocations), "not a JSON object"},
		{"a hash that does not match", write("mismatch.json", `{"`+sha1Hex(untrusted)+`": "`+trustedLocations+`"}`), "the sha1 of its document is " + sha1Hex(trustedLocations)},
		{"a field the schema does not have", write("stale.json", `{"`+sha1Hex("{ locations { secret } }")+`": "{ locations { secret } }"}`), `Cannot query field "secret"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := server.Config{Insecure: true, Limits: server.LimitsConfig{TrustedDocuments: tt.path}}
			srv, err := server.New(cfg, nil)
			if err == nil {
				srv.Close()
				t.Fatal("server.New accepted the manifest")
			}
			if msg := err.Error(); !strings.Contains(msg, "GATEWAY_TRUSTED_DOCUMENTS") || !strings.Contains(msg, tt.want) {
				t.Errorf("server.New error = %q, want GATEWAY_TRUSTED_DOCUMENTS and %q", msg, tt.want)
			}
		})
	}
}

// TestTrustedDocumentsExample: examples/trusted-documents.json is an Apollo
// manifest of exactly the README's GraphQL examples, by identical text, and
// a storefront key runs its catalog query by documentId.
func TestTrustedDocumentsExample(t *testing.T) {
	const example = "../examples/trusted-documents.json"
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Operations []struct{ ID, Body, Name string }
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{}
	for _, op := range m.Operations {
		bodies[op.Body] = op.ID
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) != len(m.Operations) {
		t.Errorf("the README has %d GraphQL examples, %s %d operations", len(blocks), example, len(m.Operations))
	}
	var catalog string
	for _, b := range blocks {
		id, ok := bodies[b[1]]
		if !ok {
			t.Errorf("%s lacks the README example (its body must be the block's text, newline included):\n%s", example, b[1])
		}
		if strings.HasPrefix(b[1], "query Catalog") {
			catalog = id
		}
	}
	if catalog == "" {
		t.Fatal("no Catalog query in the README's examples")
	}
	g := newGateway(t, gatewayOptions{backends: true, limits: server.LimitsConfig{TrustedDocuments: example}})
	got := mustData[struct {
		Products struct{ TotalCount int }
	}](t, g.send(storefrontKey, gqlRequest{documentID: "sha256:" + catalog}))
	if got.Products.TotalCount == 0 {
		t.Error("the catalog by documentId: no products")
	}
	if r := g.send(storefrontKey, gqlRequest{query: untrusted}); r.code(0) != string(commerce.CodeOperationNotTrusted) {
		t.Errorf("an operation not in the example: errors %+v, want OPERATION_NOT_TRUSTED", r.Errors)
	}
}
