package graph

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Incremental delivery (@defer). A client that accepts multipart/mixed
// (Apollo Client 4 with its Defer20220824Handler, urql's fetchExchange)
// gets the deferred fragments as later parts of one multipart/mixed
// answer, in the format of the 2022-08-24 @defer RFC those clients read
// (multipartMixed). Every other answer — application/json,
// application/graphql-response+json, GET, each operation of a batch — gets
// the deferred data inline in its one result: @defer is dropped before the
// operation runs (incrementalDelivery), so nothing ever says hasNext with
// nothing after it. gqlgen has no @stream: it stays an unknown directive.

// multipartBoundary separates the parts of a multipart/mixed answer.
const multipartBoundary = "graphql"

// incrementalKey carries, on a multipart/mixed request, the request's own
// context: the one its resolvers must obey (see multipartMixed.Do).
type incrementalKey struct{}

// deliversIncrementally reports whether the request's transport sends
// deferred fragments as parts of their own.
func deliversIncrementally(ctx context.Context) bool {
	return ctx.Value(incrementalKey{}) != nil
}

// multipartMixed answers a POST whose Accept names multipart/mixed as
// multipart/mixed: the first result, then one part per deferred fragment,
// each written and flushed as soon as it is resolved, the last with
// hasNext false and the closing boundary. Each part is
//
//	Content-Type: application/json; charset=utf-8
//
//	{"data":…,"hasNext":true}                                  (the first)
//	{"incremental":[{"data":…,"path":[…],"label":…}],"hasNext":…} (the others)
//
// It is written here rather than taken from gqlgen's
// transport.MultipartMixed because that one sends its parts without the
// charset the incremental-delivery RFC asks for, puts hasNext into every
// incremental item, and writes from a goroutine polling a ticker; this one
// writes each part from the request's goroutine as the executor hands it
// over. An operation refused before it runs (parse, validation, limits)
// is answered as one JSON body, as gqlgen's POST transport answers it.
//
// The operation runs under a context that the request's deadline and
// cancellation do not end; each resolver obeys them while it runs
// (incrementalDelivery's InterceptField). gqlgen drops a deferred result
// that completes after its context ended while its executor still waits
// for it, so a deferred fragment cut by the deadline would hang the
// request, and leak it, forever; this way every fragment's result (an
// error when the deadline cut it) reaches the last part.
type multipartMixed struct{}

func (multipartMixed) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.Contains(r.Header.Get("Accept"), "multipart/mixed") {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func (multipartMixed) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := context.WithValue(context.WithoutCancel(r.Context()), incrementalKey{}, r.Context())
	start := graphql.Now()
	params := &graphql.RawParams{}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		writeJSONResponse(w, http.StatusBadRequest, "application/json",
			exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("the request body is not a GraphQL request: %v", err)}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := exec.CreateOperationContext(ctx, params)
	ctx = graphql.WithOperationContext(ctx, rc)
	if errs != nil {
		writeRefusal(w, r, exec.DispatchError(ctx, errs), errs)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	if !defers(rc) {
		// Nothing is deferred (GraphiQL accepts multipart/mixed in every
		// request): one result, as a plain POST answers it.
		contentType := "application/json"
		if strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json") {
			contentType = "application/graphql-response+json"
		}
		writeJSONResponse(w, http.StatusOK, contentType, responses(ctx))
		return
	}
	w.Header().Set("Content-Type", `multipart/mixed; boundary="`+multipartBoundary+`"; deferSpec=20220824`)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "--"+multipartBoundary+"\r\n")
	for first, more := true, true; more; first = false {
		var part any
		resp := responses(ctx)
		switch {
		case resp == nil: // the executor has nothing more: say so
			more = false
			part = struct {
				HasNext bool `json:"hasNext"`
			}{false}
		case first:
			more = resp.HasNext != nil && *resp.HasNext
			hasNext := more
			resp.HasNext = &hasNext
			part = resp
		default:
			more = resp.HasNext != nil && *resp.HasNext
			resp.HasNext = nil
			part = struct {
				Incremental []*graphql.Response `json:"incremental"`
				HasNext     bool                `json:"hasNext"`
			}{[]*graphql.Response{resp}, more}
		}
		b, err := json.Marshal(part)
		if err != nil {
			b, _ = json.Marshal(exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not encode a result part")}))
			more = false
		}
		end := "\r\n"
		if !more {
			end = "--\r\n"
		}
		_, _ = io.WriteString(w, "Content-Type: application/json; charset=utf-8\r\n\r\n"+string(b)+"\r\n--"+multipartBoundary+end)
		_ = http.NewResponseController(w).Flush() // through the writers that wrap w
	}
	// Nothing is left once hasNext was false; should a part have failed
	// to encode, take what is still coming, so no fragment waits forever.
	for responses(ctx) != nil {
	}
}

// writeRefusal answers an operation refused before it ran in one JSON body, with
// the status and Content-Type gqlgen's POST transport gives it:
// application/graphql-response+json when the Accept header names it (a
// parse or validation failure is then 400), else application/json (422).
func writeRefusal(w http.ResponseWriter, r *http.Request, resp *graphql.Response, errs gqlerror.List) {
	contentType, status := "application/json", http.StatusOK
	protocol := errcode.GetErrorKind(errs) == errcode.KindProtocol
	switch {
	case strings.Contains(r.Header.Get("Accept"), "application/graphql-response+json"):
		contentType = "application/graphql-response+json"
		if protocol {
			status = http.StatusBadRequest
		}
	case protocol:
		status = http.StatusUnprocessableEntity
	}
	writeJSONResponse(w, status, contentType, resp)
}

func writeJSONResponse(w http.ResponseWriter, status int, contentType string, resp *graphql.Response) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(resp)
}

// incrementalDelivery is the executor's half of @defer: it drops @defer
// from an operation whose transport answers in one result (and from every
// mutation), so the
// deferred fragments are resolved with the rest (the parsed document is
// shared by the query cache: the parts it changes are copied, never
// edited in place). boundResolvers puts the resolvers of a
// multipart/mixed request under the request's deadline and cancellation;
// only the executor of those requests has it (NewHandler).
type (
	incrementalDelivery struct{}
	boundResolvers      struct{}
)

var (
	_ interface {
		graphql.HandlerExtension
		graphql.OperationContextMutator
	} = incrementalDelivery{}
	_ interface {
		graphql.HandlerExtension
		graphql.FieldInterceptor
	} = boundResolvers{}
)

func (incrementalDelivery) ExtensionName() string                   { return "IncrementalDelivery" }
func (incrementalDelivery) Validate(graphql.ExecutableSchema) error { return nil }
func (boundResolvers) ExtensionName() string                        { return "BoundResolvers" }
func (boundResolvers) Validate(graphql.ExecutableSchema) error      { return nil }

// InterceptField runs a resolver of a multipart/mixed request under the
// request's deadline and cancellation, and only the resolver: once it has
// returned, the context its children inherit never ends, so gqlgen never
// drops a deferred result (each child's own resolver is bound again).
func (boundResolvers) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	req, ok := ctx.Value(incrementalKey{}).(context.Context)
	if !ok {
		return next(ctx)
	}
	b := &requestBound{Context: ctx, req: req}
	b.active.Store(true)
	defer b.active.Store(false)
	return next(b)
}

// requestBound has the values of Context and, while active, the deadline
// and cancellation of req; after that, none.
type requestBound struct {
	context.Context
	req    context.Context
	active atomic.Bool
}

func (c *requestBound) Deadline() (time.Time, bool) {
	if c.active.Load() {
		return c.req.Deadline()
	}
	return time.Time{}, false
}

func (c *requestBound) Done() <-chan struct{} {
	if c.active.Load() {
		return c.req.Done()
	}
	return nil
}

func (c *requestBound) Err() error {
	if c.active.Load() {
		return c.req.Err()
	}
	return nil
}

func (incrementalDelivery) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil || rc.Doc == nil ||
		deliversIncrementally(ctx) && rc.Operation.Operation == ast.Query {
		return nil
	}
	// gqlgen defers only within queries: a mutation's deferred fragments
	// would never be sent, so they are always resolved inline.
	set, opChanged := withoutDefer(rc.Operation.SelectionSet)
	var fragments ast.FragmentDefinitionList
	for i, f := range rc.Doc.Fragments {
		if fs, ok := withoutDefer(f.SelectionSet); ok {
			if fragments == nil {
				fragments = slices.Clone(rc.Doc.Fragments)
			}
			c := *f
			c.SelectionSet = fs
			fragments[i] = &c
		}
	}
	if !opChanged && fragments == nil {
		return nil
	}
	if opChanged {
		op := *rc.Operation
		op.SelectionSet = set
		rc.Operation = &op
	}
	if fragments != nil {
		doc := *rc.Doc
		doc.Fragments = fragments
		rc.Doc = &doc
	}
	return nil
}

// defers reports whether the operation rc runs defers anything, in its
// selection or a fragment.
func defers(rc *graphql.OperationContext) bool {
	if rc.Operation == nil {
		return false
	}
	if _, ok := withoutDefer(rc.Operation.SelectionSet); ok {
		return true
	}
	for _, f := range rc.Doc.Fragments {
		if _, ok := withoutDefer(f.SelectionSet); ok {
			return true
		}
	}
	return false
}

// withoutDefer returns set without any @defer directive, copying what it
// changes, and whether it changed anything.
func withoutDefer(set ast.SelectionSet) (ast.SelectionSet, bool) {
	var out ast.SelectionSet
	for i, sel := range set {
		var repl ast.Selection
		switch s := sel.(type) {
		case *ast.Field:
			if children, ok := withoutDefer(s.SelectionSet); ok {
				c := *s
				c.SelectionSet = children
				repl = &c
			}
		case *ast.InlineFragment:
			children, ok := withoutDefer(s.SelectionSet)
			dirs, dok := withoutDeferDirective(s.Directives)
			if ok || dok {
				c := *s
				c.SelectionSet, c.Directives = children, dirs
				repl = &c
			}
		case *ast.FragmentSpread:
			if dirs, ok := withoutDeferDirective(s.Directives); ok {
				c := *s
				c.Directives = dirs
				repl = &c
			}
		}
		if repl != nil {
			if out == nil {
				out = slices.Clone(set)
			}
			out[i] = repl
		}
	}
	if out == nil {
		return set, false
	}
	return out, true
}

func withoutDeferDirective(dirs ast.DirectiveList) (ast.DirectiveList, bool) {
	if dirs.ForName("defer") == nil {
		return dirs, false
	}
	return slices.DeleteFunc(slices.Clone(dirs), func(d *ast.Directive) bool { return d.Name == "defer" }), true
}
