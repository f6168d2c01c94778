package graph

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
)

// Hash algorithms a persisted document may be named by.
const (
	HashSHA256 = "sha256"
	HashSHA1   = "sha1"
)

// DocumentHash names a persisted document: the hex digest (lower case) of
// its exact text under Algorithm.
type DocumentHash struct {
	Algorithm string // HashSHA256 or HashSHA1
	Hex       string
}

func (h DocumentHash) String() string { return h.Algorithm + ":" + h.Hex }

// hashOf returns the digest of text under algorithm.
func hashOf(algorithm, text string) DocumentHash {
	switch algorithm {
	case HashSHA1:
		sum := sha1.Sum([]byte(text))
		return DocumentHash{HashSHA1, hex.EncodeToString(sum[:])}
	default:
		sum := sha256.Sum256([]byte(text))
		return DocumentHash{HashSHA256, hex.EncodeToString(sum[:])}
	}
}

// algorithmOfHex tells the algorithm from a hex digest's length: 64 hex
// digits are SHA-256, 40 are SHA-1; anything else is not a digest.
func algorithmOfHex(s string) (string, bool) {
	if _, err := hex.DecodeString(s); err != nil {
		return "", false
	}
	switch len(s) {
	case 2 * sha256.Size:
		return HashSHA256, true
	case 2 * sha1.Size:
		return HashSHA1, true
	}
	return "", false
}

// TrustedDocuments is a persisted-operations manifest
// (GATEWAY_TRUSTED_DOCUMENTS): the only operations a storefront key may run
// while it is set. Every document is known by its exact text, by its
// SHA-256 and by its SHA-1, whichever algorithm the manifest itself used,
// so a client may name it by either.
//
// Two formats are read:
//
//   - Apollo's, written by @apollo/generate-persisted-query-manifest:
//     {"format": "apollo-persisted-query-manifest", "version": 1,
//     "operations": [{"id", "body", "name", "type"}]}, each id the SHA-256
//     (hex) of its body (the generator's default createOperationId);
//   - graphql-codegen's client preset persisted-documents.json
//     (persistedDocuments: true): {"<hash>": "<document>"}, the hash SHA-1
//     by default or SHA-256 with hashAlgorithm: 'sha256'. The algorithm is
//     told by the hashes' length (40 hex digits SHA-1, 64 SHA-256); one
//     manifest uses one.
//
// Every hash is checked against its text when the manifest is loaded, and
// every document must parse and validate against the gateway's schema: a
// manifest with a hash that does not match, or an operation the gateway
// could never run, is refused whole, naming the entry.
type TrustedDocuments struct {
	algorithm string                  // the manifest's own: HashSHA256 or HashSHA1
	byHash    map[DocumentHash]string // sha256 and sha1 of every document
	byText    map[string]struct{}
	count     int
}

var _ DocumentStore = (*TrustedDocuments)(nil)

// LoadTrustedDocuments reads the manifest at path (see TrustedDocuments).
func LoadTrustedDocuments(path string) (*TrustedDocuments, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the trusted documents: %w", err)
	}
	td, err := ParseTrustedDocuments(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return td, nil
}

// apolloManifestFormat is the format field of Apollo's manifest.
const apolloManifestFormat = "apollo-persisted-query-manifest"

// ParseTrustedDocuments reads a manifest in either format (see
// TrustedDocuments).
func ParseTrustedDocuments(raw []byte) (*TrustedDocuments, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errors.New("not a JSON object: want Apollo's persisted-query manifest or graphql-codegen's persisted-documents.json")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	var entries []manifestEntry
	var algorithm string
	if f, ok := top["format"]; ok {
		var format string
		if err := json.Unmarshal(f, &format); err != nil || format != apolloManifestFormat {
			return nil, fmt.Errorf("unknown manifest format %s (want %q, or graphql-codegen's {\"<hash>\": \"<document>\"})", f, apolloManifestFormat)
		}
		var m struct {
			Version    int `json:"version"`
			Operations []struct {
				ID   string `json:"id"`
				Body string `json:"body"`
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"operations"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("the Apollo manifest: %w", err)
		}
		if m.Version != 1 {
			return nil, fmt.Errorf("the Apollo manifest has version %d: only version 1 is known", m.Version)
		}
		for i, op := range m.Operations {
			where := fmt.Sprintf("operations[%d] (%s)", i, cmpOr(op.Name, op.ID))
			if op.ID == "" || op.Body == "" {
				return nil, fmt.Errorf("%s: want an id and a body", where)
			}
			if alg, ok := algorithmOfHex(op.ID); !ok || alg != HashSHA256 {
				return nil, fmt.Errorf("%s: id %q is not a SHA-256 hex digest (the manifest generator's default id)", where, op.ID)
			}
			switch op.Type {
			case "", "query", "mutation", "subscription":
			default:
				return nil, fmt.Errorf("%s: type %q is not query, mutation or subscription", where, op.Type)
			}
			entries = append(entries, manifestEntry{where: where, hash: op.ID, body: op.Body, name: op.Name, typ: op.Type})
		}
		algorithm = HashSHA256
	} else {
		keys := make([]string, 0, len(top))
		for k := range top {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			where := fmt.Sprintf("entry %q", k)
			var body string
			if err := json.Unmarshal(top[k], &body); err != nil {
				return nil, fmt.Errorf("%s: the document must be a string (graphql-codegen's persisted-documents.json maps hash to document)", where)
			}
			alg, ok := algorithmOfHex(k)
			if !ok {
				return nil, fmt.Errorf("%s: not a hex digest (40 hex digits for SHA-1, 64 for SHA-256)", where)
			}
			if algorithm != "" && alg != algorithm {
				return nil, fmt.Errorf("%s: a %s hash in a manifest of %s hashes: one manifest uses one algorithm", where, alg, algorithm)
			}
			algorithm = alg
			entries = append(entries, manifestEntry{where: where, hash: k, body: body})
		}
	}
	if len(entries) == 0 {
		return nil, errors.New("the manifest has no operations: storefront keys could run nothing")
	}
	schema := NewExecutableSchema(Config{}).Schema()
	td := &TrustedDocuments{algorithm: algorithm, byHash: map[DocumentHash]string{}, byText: map[string]struct{}{}}
	for _, e := range entries {
		if got := hashOf(algorithm, e.body); !strings.EqualFold(got.Hex, e.hash) {
			return nil, fmt.Errorf("%s: the %s of its document is %s, not the hash it is listed under", e.where, algorithm, got.Hex)
		}
		if err := e.check(schema); err != nil {
			return nil, err
		}
		if _, dup := td.byText[e.body]; dup {
			continue
		}
		td.byText[e.body] = struct{}{}
		td.byHash[hashOf(HashSHA256, e.body)] = e.body
		td.byHash[hashOf(HashSHA1, e.body)] = e.body
		td.count++
	}
	return td, nil
}

type manifestEntry struct {
	where, hash, body, name, typ string
}

// check parses and validates the entry's document against schema, and
// matches Apollo's name and type when given.
func (e manifestEntry) check(schema *ast.Schema) error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: e.body}, ParserTokenLimit)
	if err != nil {
		return fmt.Errorf("%s: the document does not parse: %v", e.where, err)
	}
	if errs := validator.ValidateWithRules(schema, doc, nil); len(errs) > 0 {
		return fmt.Errorf("%s: the document is not valid against the gateway's schema: %v", e.where, errs[0])
	}
	if len(doc.Operations) == 0 {
		return fmt.Errorf("%s: the document has no operation", e.where)
	}
	if e.name != "" {
		op := doc.Operations.ForName(e.name)
		if op == nil {
			return fmt.Errorf("%s: the document has no operation named %q", e.where, e.name)
		}
		if e.typ != "" && string(op.Operation) != e.typ {
			return fmt.Errorf("%s: operation %q is a %s, not a %s", e.where, e.name, op.Operation, e.typ)
		}
	}
	return nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Len is the number of distinct documents.
func (td *TrustedDocuments) Len() int { return td.count }

// Algorithm is the hash algorithm the manifest lists its documents by
// (HashSHA256 or HashSHA1); documents are known by both.
func (td *TrustedDocuments) Algorithm() string { return td.algorithm }

// Document returns the trusted document with hash h.
func (td *TrustedDocuments) Document(_ context.Context, h DocumentHash) (string, bool, error) {
	text, ok := td.byHash[h]
	return text, ok, nil
}

// Trusts reports whether text is, byte for byte, a trusted document: one
// map lookup, before anything parses it.
func (td *TrustedDocuments) Trusts(text string) bool {
	_, ok := td.byText[text]
	return ok
}
