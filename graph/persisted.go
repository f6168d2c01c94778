package graph

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"maps"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/commercegateway/gateway/commerce"
)

// DocumentStore is a store of known documents: the texts a client may name
// by hash instead of sending them. The trusted manifest (TrustedDocuments)
// is one.
type DocumentStore interface {
	// Document returns the text stored under h; ok is false when none is.
	Document(ctx context.Context, h DocumentHash) (text string, ok bool, err error)
}

// PersistedQueries is the store automatic persisted queries register into
// and are looked up in (docstore.Store: in Redis, shared by replicas,
// bounded). Its failures are never the query's: a lookup that fails is a
// miss, a registration that fails is logged.
type PersistedQueries interface {
	// Document returns the text registered under a lower-case hex
	// SHA-256; ok is false when none is.
	Document(ctx context.Context, sha256Hex string) (text string, ok bool, err error)
	// Register stores text under its SHA-256; stored is false when the
	// store's bounds refuse it.
	Register(ctx context.Context, text string) (stored bool, err error)
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
// PERSISTED_QUERY_NOT_FOUND is not a request error: it answers HTTP 200
// under either media type, as Apollo Server does (see persistedDocuments).
func init() {
	errcode.RegisterErrorType(string(commerce.CodeOperationNotTrusted), errcode.KindProtocol)
	errcode.RegisterErrorType(string(commerce.CodePersistedQueryNotFound), errcode.KindUser)
}

// persistedDocuments is the one handler of extensions.persistedQuery
// (Apollo's {"version": 1, "sha256Hash": "…"}) and of documentId (bare hex,
// "sha256:<hex>" or "sha1:<hex>"): it resolves a hash to its text from the
// stores of known documents (the trusted manifest first, then automatic
// persisted queries), checks a hash sent with its text, registers texts
// for automatic persisted queries, and, with trusted documents, refuses
// what a storefront key may not run. As a gqlgen
// OperationParameterMutator it runs before the document is parsed, so a
// refusal or a hash-only hit costs one lookup.
//
// Rules:
//   - a hash sent with a text must be the text's (SHA-256, or SHA-1 for
//     graphql-codegen's manifests): otherwise BAD_USER_INPUT;
//   - a hash without text is looked up in the trusted manifest, then in
//     the automatic persisted queries; unknown, it is
//     PERSISTED_QUERY_NOT_FOUND with the message PersistedQueryNotFound,
//     which Apollo's PersistedQueryLink answers by sending the text. The
//     answer is HTTP 200, as Apollo Server's (the link retries on any
//     status whose body is a GraphQL result; a request error's 4xx would
//     have a CDN or a monitor take the normal first round trip for a
//     fault). A failing automatic store is a miss too: the client sends the
//     text, and the query runs;
//   - a text sent with extensions.persistedQuery (SHA-256) is registered
//     for automatic persisted queries once the operation is about to run
//     (InterceptOperation): after it parsed, validated, and passed every
//     limit, and after the GET transport refused a mutation; a refused
//     document stores nothing. A documentId never registers;
//   - with trusted documents set, a storefront key is "restricted": a hash
//     not in the manifest is OPERATION_NOT_TRUSTED (it never reaches the
//     automatic store), a text runs only when it is, byte for byte, a
//     trusted document, and it registers nothing. Admin keys may send any
//     text and use automatic persisted queries.
//
// With automatic persisted queries off, an unknown hash alone in
// extensions.persistedQuery is PERSISTED_QUERY_NOT_FOUND with the message
// PersistedQueryNotSupported, on which Apollo's link stops sending hashes
// alone; a documentId alone with no store at all says why.
type persistedDocuments struct {
	trusted *TrustedDocuments // nil: no manifest
	apq     PersistedQueries  // nil: automatic persisted queries are off
	log     *slog.Logger
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationInterceptor
} = persistedDocuments{}

func (persistedDocuments) ExtensionName() string                   { return "PersistedDocuments" }
func (persistedDocuments) Validate(graphql.ExecutableSchema) error { return nil }

func (p persistedDocuments) MutateOperationParameters(ctx context.Context, params *graphql.RawParams) *gqlerror.Error {
	restricted := p.trusted != nil && commerce.PrincipalFrom(ctx).Role != commerce.RoleAdmin
	ref, named, err := documentReference(ctx, params)
	if err != nil {
		return err
	}
	switch {
	case !named && restricted && !p.trusted.Trusts(params.Query):
		return notTrusted("this operation is not one of the trusted documents (GATEWAY_TRUSTED_DOCUMENTS): storefront keys may run only those, by hash, by documentId or by identical text")
	case !named:
		return nil
	case params.Query != "":
		if hashOf(ref.Algorithm, params.Query) != ref {
			return badInput(fmt.Sprintf("the query is not the document with the hash %s (the %s of the query's exact text): send one or the other, or both matching", ref, ref.Algorithm))
		}
		if restricted && !p.trusted.Trusts(params.Query) {
			return notTrusted(fmt.Sprintf("no trusted document has the hash %s (GATEWAY_TRUSTED_DOCUMENTS): storefront keys may run only those", ref))
		}
		return nil // registered, if it is to be, once it is about to run
	}
	if p.trusted != nil {
		text, ok, lookupErr := p.trusted.Document(ctx, ref)
		if lookupErr != nil {
			return gqlerror.Wrap(lookupErr)
		}
		if ok {
			resolved(params, text)
			return nil
		}
		if restricted {
			return notTrusted(fmt.Sprintf("no trusted document has the hash %s (GATEWAY_TRUSTED_DOCUMENTS): storefront keys may run only those", ref))
		}
	}
	if p.apq != nil && ref.Algorithm == HashSHA256 {
		text, ok, lookupErr := p.apq.Document(ctx, ref.Hex)
		if lookupErr != nil {
			p.log.WarnContext(ctx, "graphql: automatic persisted queries: lookup failed; answering PersistedQueryNotFound", "err", lookupErr)
		}
		if ok {
			resolved(params, text)
			return nil
		}
	}
	_, byID := documentIDFrom(ctx)
	switch {
	case byID && p.trusted == nil && p.apq == nil:
		return persistedNotFound("documentId names a persisted document, and this gateway has none (GATEWAY_TRUSTED_DOCUMENTS is not set, automatic persisted queries are off): send the query")
	case !byID && p.apq == nil:
		// Apollo's word for "never send a hash alone here": its link then
		// sends every query's text, instead of two requests each time.
		return persistedNotFound("PersistedQueryNotSupported")
	}
	return persistedNotFound("PersistedQueryNotFound")
}

// resolved runs the text a store holds for the request's hash. It leaves
// extensions.persistedQuery out of the operation's extensions, so that what
// remains there when the operation runs is a hash the client sent with its
// own text: the one thing InterceptOperation registers.
func resolved(params *graphql.RawParams, text string) {
	params.Query = text
	if _, ok := params.Extensions["persistedQuery"]; ok {
		ext := maps.Clone(params.Extensions)
		delete(ext, "persistedQuery")
		params.Extensions = ext
	}
}

// InterceptOperation registers, for automatic persisted queries, the text
// of an operation about to run that came with its SHA-256 in
// extensions.persistedQuery (checked by MutateOperationParameters), unless
// the key is restricted by trusted documents. It runs for operations that
// parsed, validated and passed every limit and transport check only.
func (p persistedDocuments) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if p.apq != nil && (p.trusted == nil || commerce.PrincipalFrom(ctx).Role == commerce.RoleAdmin) {
		oc := graphql.GetOperationContext(ctx)
		if pq, ok := oc.Extensions["persistedQuery"].(map[string]any); ok && oc.RawQuery != "" {
			if h, _ := pq["sha256Hash"].(string); len(h) == 2*sha256.Size {
				if _, err := p.apq.Register(ctx, oc.RawQuery); err != nil {
					p.log.WarnContext(ctx, "graphql: automatic persisted queries: could not register a document; the client will send it again", "err", err)
				}
			}
		}
	}
	return next(ctx)
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
