package graph

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// requestErrors wraps one of gqlgen's HTTP transports (transport.POST,
// transport.GET) with the one rule for the answer to a request refused as
// malformed before it executes: a parse or validation failure (variable
// coercion included), and the codes registered with gqlgen's errcode as
// such (OPERATION_NOT_TRUSTED in persisted.go, COMPLEXITY_LIMIT_EXCEEDED in
// cost.go). The GraphQL-over-HTTP spec says:
//
//   - under application/json, any well-formed request answers 200, even a
//     failed one (gqlgen answers 422);
//   - under application/graphql-response+json, such a failure answers 400
//     (gqlgen's statusForGraphQLResponse, kept);
//   - in both, a request that never executed has no "data" entry (gqlgen
//     writes "data": null).
//
// Every other answer is gqlgen's: 200 with data once execution started,
// and 200 with "data": null for the other refusals (FORBIDDEN
// introspection, PERSISTED_QUERY_NOT_FOUND, …). The transports stay
// gqlgen's (Accept negotiation, GET's parameters, no mutation over GET);
// only the status and body of a malformed request are decided here.
type requestErrors struct{ graphql.Transport }

func (t requestErrors) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	rw := &requestErrorWriter{ResponseWriter: w}
	t.Transport.Do(rw, r, requestErrorExecutor{GraphExecutor: exec, w: rw})
}

// requestErrorExecutor tells the writer when CreateOperationContext (parse,
// validate, coerce variables, the operation mutators) refused the request
// as malformed, and which answer gqlgen made of it.
type requestErrorExecutor struct {
	graphql.GraphExecutor
	w *requestErrorWriter
}

func (e requestErrorExecutor) CreateOperationContext(ctx context.Context, params *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	opCtx, errs := e.GraphExecutor.CreateOperationContext(ctx, params)
	e.w.refused = len(errs) > 0 && errcode.GetErrorKind(errs) == errcode.KindProtocol
	return opCtx, errs
}

func (e requestErrorExecutor) DispatchError(ctx context.Context, list gqlerror.List) *graphql.Response {
	resp := e.GraphExecutor.DispatchError(ctx, list)
	if e.w.refused {
		e.w.answer = resp
	}
	return resp
}

// requestErrorWriter rewrites gqlgen's status and body of a malformed
// request; anything else passes through untouched.
type requestErrorWriter struct {
	http.ResponseWriter
	refused bool
	answer  *graphql.Response // the refusal, as the error presenter made it
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *requestErrorWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *requestErrorWriter) WriteHeader(status int) {
	if w.refused {
		if mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type")); mt == "application/json" {
			status = http.StatusOK
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *requestErrorWriter) Write(b []byte) (int, error) {
	if w.answer == nil {
		return w.ResponseWriter.Write(b)
	}
	noData, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{w.answer.Errors, w.answer.Extensions})
	if err != nil {
		return 0, err
	}
	w.answer = nil
	if _, err := w.ResponseWriter.Write(noData); err != nil {
		return 0, err
	}
	return len(b), nil
}
