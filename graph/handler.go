package graph

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

// Limits on what one operation may ask for.
const (
	// ParserTokenLimit bounds the tokens of a query document.
	ParserTokenLimit = 15_000
	// ComplexityLimit bounds the estimated work of an operation: each field
	// costs 1 plus its children; a connection multiplies its children by
	// `first`, other lists by their typical length (a product's variants 5,
	// a variant's prices, stock levels and images 3). products(first: 100)
	// with variants, stock levels and prices is about 16,000.
	ComplexityLimit = 25_000
	// DepthLimit bounds selection nesting.
	DepthLimit     = 12
	queryCacheSize = 1000
)

// Options configures the GraphQL handler.
type Options struct {
	Service *commerce.Service
	Log     *slog.Logger
	// Introspection: who may introspect and get suggestions (graph/introspection.go).
	Introspection IntrospectionPolicy
	// TrustedDocuments, when set, are the only operations storefront keys
	// may run (graph/persisted.go).
	TrustedDocuments *TrustedDocuments
	// PersistedQueries, when set, is the store of automatic persisted
	// queries (graph/persisted.go); nil: they are off.
	PersistedQueries PersistedQueries
	// MaxUpstreamPerOperation bounds the upstream requests a storefront
	// operation may plan (admin keys: five times that); 0 is
	// DefaultMaxUpstreamPerOperation.
	MaxUpstreamPerOperation int
	// Live configures subscriptions over WebSocket and SSE
	// (graph/subscriptions.go).
	Live Live
}

// NewHandler returns the GraphQL HTTP handler: POST and GET (GET never
// runs a mutation) with JSON, or application/graphql-response+json when
// asked; @defer over multipart/mixed when accepted, else inline; trusted
// documents, automatic persisted queries and introspection by the
// caller's role; parser, depth and complexity limits; one error
// presenter; per-operation loaders; extensions.stale when cached data past
// its freshness was served.
//
// Two executors serve it, the same but for one thing: multipart/mixed
// requests (incremental @defer) run on one whose every resolver is bound
// to the request's deadline (incrementalDelivery's field interceptor,
// incremental.go); every other request runs on one with no field
// interceptor at all, which gqlgen then calls no middleware for on any of
// the thousands of fields of a large answer.
func NewHandler(opts Options) http.Handler {
	return operations{plain: newServer(opts, false), incremental: newServer(opts, true)}
}

// operations sends a multipart/mixed request to the incremental executor
// and any other to the plain one (see NewHandler).
type operations struct{ plain, incremental *handler.Server }

func (o operations) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if (multipartMixed{}).Supports(r) {
		o.incremental.ServeHTTP(w, r)
		return
	}
	o.plain.ServeHTTP(w, r)
}

// newServer is one executor of NewHandler: for multipart/mixed requests
// only (incremental), or for every other.
func newServer(opts Options, incremental bool) *handler.Server {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := Config{Resolvers: &Resolver{Service: opts.Service, Log: log, Changes: opts.Live.Changes}}
	srv := handler.New(NewExecutableSchema(cfg))
	if incremental {
		// @defer for clients that accept it (incremental.go).
		srv.AddTransport(requestErrors{multipartMixed{}})
		srv.Use(boundResolvers{})
	} else {
		addLiveTransports(srv, opts.Live) // before POST, which would take an SSE request
		// A request refused before it runs: its status and body (status.go).
		srv.AddTransport(requestErrors{transport.GET{}})
		srv.AddTransport(requestErrors{transport.POST{}})
	}
	srv.SetParserTokenLimit(ParserTokenLimit)
	srv.SetQueryCache(decimalLiterals{lru.New[*ast.QueryDocument](queryCacheSize)})
	srv.Use(persistedDocuments{trusted: opts.TrustedDocuments, apq: opts.PersistedQueries, log: log})
	srv.Use(introspectionPolicy{policy: opts.Introspection})
	srv.Use(incrementalDelivery{}) // @defer inline, unless the transport delivers it (incremental.go)
	// Depth, complexity and the upstream plan, in linear time (cost.go).
	srv.Use(&costLimit{maxDepth: DepthLimit, maxComplexity: ComplexityLimit,
		maxUpstream: cmp.Or(opts.MaxUpstreamPerOperation, DefaultMaxUpstreamPerOperation)})
	srv.SetErrorPresenter(hideSuggestions(opts.Introspection, presentError(log)))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql: panic in a resolver", "panic", p, "stack", string(debug.Stack()))
		return &commerce.Error{Code: commerce.CodeInternal, Message: "internal error"}
	})
	svc := opts.Service
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
			commerce.MarkUncacheable(ctx)
			return subscriptionResponses(ctx, next, svc) // fresh loaders per event
		}
		ctx, reads := commerce.WithReadRecord(ctx)
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Mutation {
			ctx = commerce.WithWrite(ctx)
			commerce.MarkUncacheable(ctx) // never kept by the response cache
		}
		respond := next(withLoaders(ctx, newLoaders(svc)))
		return func(ctx context.Context) *graphql.Response {
			resp := respond(ctx)
			// Some data was served from cache past its freshness (the
			// backend was slow, down or out of budget): say so.
			if resp != nil && reads().Stale {
				if resp.Extensions == nil {
					resp.Extensions = map[string]any{}
				}
				resp.Extensions["stale"] = true
			}
			return resp
		}
	})
	return srv
}

func saturatingMul(a, b int) int {
	if a > 0 && b > math.MaxInt32/a {
		return math.MaxInt32
	}
	return a * b
}

// presentError is the one place errors become GraphQL errors: a
// *commerce.Error gives its code, message, backend, upstream request id
// and retryAfter; a malformed argument is BAD_USER_INPUT; gqlgen's own
// parse and validation codes stand; anything else is INTERNAL, logged, and
// never shown.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var ce *commerce.Error
		switch {
		case errors.As(err, &ce):
			presentCommerceError(gqlErr, ce)
			if ce.Code == commerce.CodeInternal {
				log.ErrorContext(ctx, "graphql: internal error", "path", gqlErr.Path.String(), "err", err)
			}
		case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			// A resolver that ran out of time: gqlgen wraps its error with a
			// path, so it must not pass for a malformed argument below.
			presentCommerceError(gqlErr, commerce.ErrorOf(err))
		case gqlErr.Extensions["code"] != nil:
			// GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED: the document
			// itself is malformed.
		case isArgumentError(err):
			gqlErr.Extensions = map[string]any{"code": string(commerce.CodeBadUserInput)}
		default:
			log.ErrorContext(ctx, "graphql: unexpected error", "path", gqlErr.Path.String(), "err", err)
			gqlErr.Message = "internal error"
			gqlErr.Extensions = map[string]any{"code": string(commerce.CodeInternal)}
		}
		return gqlErr
	}
}

// presentCommerceError is the one place a *commerce.Error becomes a GraphQL
// error, raised while an operation runs (presentError) or before it
// (WriteError): its message, and extensions code, backend, requestId (the
// backend's), pendingWriteId and retryAfter.
func presentCommerceError(gqlErr *gqlerror.Error, ce *commerce.Error) *gqlerror.Error {
	gqlErr.Message = ce.Message
	gqlErr.Extensions = commerceExtensions(ce)
	return gqlErr
}

// WriteError answers a GraphQL request refused before its operation runs
// (by the HTTP edge: 401, 413, 429, a malformed body, …) with status and
// one error, presented exactly as an execution error is (with Retry-After
// when the error carries a delay), and no data.
func WriteError(w http.ResponseWriter, status int, ce *commerce.Error) {
	if secs := ce.RetryAfterSeconds(); secs > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Errors gqlerror.List `json:"errors"`
	}{gqlerror.List{presentCommerceError(&gqlerror.Error{}, ce)}})
}

func commerceExtensions(ce *commerce.Error) map[string]any {
	ext := map[string]any{"code": string(ce.Code)}
	if ce.Backend != "" {
		ext["backend"] = string(ce.Backend)
	}
	if ce.RequestID != "" {
		ext["requestId"] = ce.RequestID
	}
	if ce.PendingWriteID != "" {
		ext["pendingWriteId"] = gid.New(ce.Backend, typeConsignmentTransaction, ce.PendingWriteID).String()
	}
	if secs := ce.RetryAfterSeconds(); secs > 0 {
		ext["retryAfter"] = secs
	}
	return ext
}

// isArgumentError reports whether err came from coercing an argument or a
// variable (gqlgen wraps those in a *gqlerror.Error carrying a path),
// rather than from a resolver, whose errors are always *commerce.Error.
func isArgumentError(err error) bool {
	var g *gqlerror.Error
	return errors.As(err, &g)
}
