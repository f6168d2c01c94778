package graph

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
)

const (
	trustedLocations  = "query Locations { locations { id label } }"
	trustedCurrencies = "query Currencies { currencies { code } }"
)

func sha256Hex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
func sha1Hex(s string) string   { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func apolloManifest(ops ...map[string]any) string {
	b, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": ops})
	return string(b)
}

func codegenManifest(hash func(string) string, docs ...string) string {
	m := map[string]string{}
	for _, d := range docs {
		m[hash(d)] = d
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestParseTrustedDocuments(t *testing.T) {
	op := func(id, body, name, typ string) map[string]any {
		return map[string]any{"id": id, "body": body, "name": name, "type": typ}
	}
	tests := []struct {
		name, manifest string
		algorithm      string // want this algorithm, or
		err            string // an error containing this
	}{
		{"apollo", apolloManifest(op(sha256Hex(trustedLocations), trustedLocations, "Locations", "query"),
			op(sha256Hex(trustedCurrencies), trustedCurrencies, "Currencies", "query")), HashSHA256, ""},
		{"codegen sha1", codegenManifest(sha1Hex, trustedLocations, trustedCurrencies), HashSHA1, ""},
		{"codegen sha256", codegenManifest(sha256Hex, trustedLocations, trustedCurrencies), HashSHA256, ""},
		{"not JSON", "query { x }", "", "not a JSON object"},
		{"broken JSON", `{"a": `, "", "not valid JSON"},
		{"unknown format", `{"format": "relay", "version": 1, "operations": []}`, "", `unknown manifest format "relay"`},
		{"apollo version 2", `{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}`, "", "version 2"},
		{"apollo id not the sha256 of its body", apolloManifest(op(sha256Hex(trustedCurrencies), trustedLocations, "Locations", "query")),
			"", "operations[0] (Locations): the sha256 of its document is " + sha256Hex(trustedLocations)},
		{"apollo id not a digest", apolloManifest(op("Locations-v1", trustedLocations, "Locations", "query")), "", `id "Locations-v1" is not a SHA-256`},
		{"apollo wrong type", apolloManifest(op(sha256Hex(trustedLocations), trustedLocations, "Locations", "mutation")), "", `"Locations" is a query, not a mutation`},
		{"apollo wrong name", apolloManifest(op(sha256Hex(trustedLocations), trustedLocations, "Places", "query")), "", `no operation named "Places"`},
		{"apollo no operations", apolloManifest(), "", "no operations"},
		{"codegen hash mismatch", `{"` + sha1Hex("x") + `": "` + trustedLocations + `"}`, "", "the sha1 of its document is " + sha1Hex(trustedLocations)},
		{"codegen mixed algorithms", `{"` + sha1Hex(trustedLocations) + `": "` + trustedLocations + `", "` + sha256Hex(trustedCurrencies) + `": "` + trustedCurrencies + `"}`,
			"", "one manifest uses one algorithm"},
		{"codegen key not a digest", `{"abc": "` + trustedLocations + `"}`, "", `entry "abc": not a hex digest`},
		{"codegen value not a string", `{"` + sha1Hex("x") + `": 5}`, "", "must be a string"},
		{"codegen empty", `{}`, "", "no operations"},
		{"a document that does not parse", codegenManifest(sha1Hex, "query {"), "", "does not parse"},
		{"a document the schema does not have", codegenManifest(sha1Hex, "{ locations { secret } }"), "", `not valid against the gateway's schema: input:1:15: Cannot query field "secret"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td, err := ParseTrustedDocuments([]byte(tt.manifest))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseTrustedDocuments() error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTrustedDocuments() error = %v", err)
			}
			if td.Algorithm() != tt.algorithm || td.Len() != 2 {
				t.Errorf("algorithm %q, %d documents; want %q, 2", td.Algorithm(), td.Len(), tt.algorithm)
			}
			// Known by text, by SHA-256 and by SHA-1, whatever the manifest used.
			for _, doc := range []string{trustedLocations, trustedCurrencies} {
				if !td.Trusts(doc) {
					t.Errorf("Trusts(%q) = false", doc)
				}
				for _, h := range []DocumentHash{{HashSHA256, sha256Hex(doc)}, {HashSHA1, sha1Hex(doc)}} {
					if got, ok, _ := td.Document(context.Background(), h); !ok || got != doc {
						t.Errorf("Document(%s) = %q, %v; want %q", h, got, ok, doc)
					}
				}
			}
			if td.Trusts(trustedLocations + " ") {
				t.Error("a document with a space more is trusted: text must match byte for byte")
			}
		})
	}
}
