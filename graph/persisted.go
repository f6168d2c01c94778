package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/commercegateway/gateway/commerce"
)

// DocumentStore is a store of known documents: the texts a client may name
// by hash instead of sending them. The trusted manifest (TrustedDocuments)
// is one; automatic persisted queries (a shared store clients register
// into) will be another.
type DocumentStore interface {
	// Document returns the text stored under h; ok is false when none is.
	Document(ctx context.Context, h DocumentHash) (text string, ok bool, err error)
}

type documentIDKey struct{}

// WithDocumentID carries a request's documentId (the GraphQL-over-HTTP
// persisted-documents proposal's top-level parameter, which gqlgen's
// transports do not read) to the persisted-documents handler.
func WithDocumentID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, documentIDKey{}, id)
}

func documentIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(documentIDKey{}).(string)
	return id, ok
}

// OPERATION_NOT_TRUSTED refuses the request before anything runs, as a
// parse or validation failure does (its HTTP status and body: status.go).
func init() {
	errcode.RegisterErrorType(string(commerce.CodeOperationNotTrusted), errcode.KindProtocol)
}

// persistedDocuments is the one handler of extensions.persistedQuery
// (Apollo's {"version": 1, "sha256Hash": "…"}) and of documentId (bare hex,
// "sha256:<hex>" or "sha1:<hex>"): it resolves a hash to its text from the
// stores of known documents, and, with trusted documents, refuses what a
// storefront key may not run. It is a gqlgen OperationParameterMutator, so
// it runs before the document is parsed: a refusal costs one map lookup.
//
// Rules, with trusted documents set (a storefront key is "restricted"):
//   - a hash is looked up in the trusted manifest; a restricted key naming
//     one that is not there is OPERATION_NOT_TRUSTED (it never reaches
//     another store, and never registers anything);
//   - a restricted key sending text runs it only when it is, byte for byte,
//     a trusted document; anything else is OPERATION_NOT_TRUSTED;
//   - admin keys may send any text; a hash they send that is in the
//     manifest runs too; an unknown one without text is
//     PERSISTED_QUERY_NOT_FOUND.
//
// Without trusted documents, extensions.persistedQuery is ignored as it
// always was (no automatic persisted queries yet), and a documentId with no
// text is PERSISTED_QUERY_NOT_FOUND. Automatic persisted queries belong
// here too, as a second DocumentStore consulted after the manifest, which
// registers a hash only for keys that are not restricted.
type persistedDocuments struct {
	trusted *TrustedDocuments // nil: no manifest
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = persistedDocuments{}

func (persistedDocuments) ExtensionName() string                   { return "PersistedDocuments" }
func (persistedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

func (p persistedDocuments) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	if p.trusted == nil {
		if _, byID := documentIDFrom(ctx); byID && params.Query == "" {
			return persistedNotFound("documentId names a persisted document, and this gateway has none (GATEWAY_TRUSTED_DOCUMENTS is not set): send the query")
		}
		return nil // extensions.persistedQuery is ignored, as gqlgen does without APQ
	}
	restricted := commerce.PrincipalFrom(ctx).Role != commerce.RoleAdmin
	ref, named, err := documentReference(ctx, params)
	if err != nil {
		return err
	}
	if !named {
		if restricted && !p.trusted.Trusts(params.Query) {
			return notTrusted("this operation is not one of the trusted documents (GATEWAY_TRUSTED_DOCUMENTS): storefront keys may run only those, by hash, by documentId or by identical text")
		}
		return nil
	}
	text, ok, lookupErr := p.trusted.Document(ctx, ref)
	if lookupErr != nil {
		return gqlerror.Wrap(lookupErr)
	}
	switch {
	case !ok && restricted:
		return notTrusted(fmt.Sprintf("no trusted document has the hash %s (GATEWAY_TRUSTED_DOCUMENTS): storefront keys may run only those", ref))
	case !ok && params.Query == "":
		return persistedNotFound("PersistedQueryNotFound")
	case !ok:
		return nil // an admin's own text
	case params.Query != "" && params.Query != text:
		err := gqlerror.Errorf("the query is not the document with the hash %s: send one or the other, or both matching", ref)
		err.Extensions = map[string]any{"code": string(commerce.CodeBadUserInput)}
		return err
	}
	params.Query = text
	return nil
}

// documentReference reads the hash a request names the document by:
// documentId, or extensions.persistedQuery; named is false when it names
// none.
func documentReference(ctx context.Context, params *graphql.RawParams) (ref DocumentHash, named bool, _ *gqlerror.Error) {
	id, byID := documentIDFrom(ctx)
	pq, byPQ := params.Extensions["persistedQuery"]
	if byPQ && pq == nil {
		byPQ = false
	}
	switch {
	case byID && byPQ:
		return ref, false, badInput("send documentId or extensions.persistedQuery, not both")
	case byID:
		alg, hexDigest, explicit := strings.Cut(id, ":")
		if !explicit {
			alg, hexDigest = "", id
		}
		hexDigest = strings.ToLower(hexDigest)
		got, ok := algorithmOfHex(hexDigest)
		if !ok || (explicit && alg != got) {
			return ref, false, badInput(fmt.Sprintf("documentId %q is not a document hash: want sha256:<64 hex digits>, sha1:<40 hex digits>, or the bare hex digest", id))
		}
		return DocumentHash{got, hexDigest}, true, nil
	case byPQ:
		m, ok := pq.(map[string]any)
		if !ok {
			return ref, false, badInput(`extensions.persistedQuery must be an object: {"version": 1, "sha256Hash": "<hex>"}`)
		}
		if v := fmt.Sprint(m["version"]); v != "1" {
			return ref, false, badInput(fmt.Sprintf("extensions.persistedQuery.version %s is not supported: want 1", v))
		}
		h, _ := m["sha256Hash"].(string)
		h = strings.ToLower(h)
		// A SHA-1 there is accepted too: graphql-codegen's default hash.
		alg, ok := algorithmOfHex(h)
		if !ok {
			return ref, false, badInput(fmt.Sprintf("extensions.persistedQuery.sha256Hash %q is not a hex SHA-256 (or SHA-1) digest", m["sha256Hash"]))
		}
		return DocumentHash{alg, h}, true, nil
	}
	return ref, false, nil
}

func notTrusted(msg string) *gqlerror.Error {
	err := gqlerror.Errorf("%s", msg)
	err.Extensions = map[string]any{"code": string(commerce.CodeOperationNotTrusted)}
	return err
}

func persistedNotFound(msg string) *gqlerror.Error {
	err := gqlerror.Errorf("%s", msg)
	err.Extensions = map[string]any{"code": string(commerce.CodePersistedQueryNotFound)}
	return err
}

func badInput(msg string) *gqlerror.Error {
	err := gqlerror.Errorf("%s", msg)
	err.Extensions = map[string]any{"code": string(commerce.CodeBadUserInput)}
	return err
}
