package edge

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/server/playground"
)

// maxBatch is the most operations one batch (a JSON array body) may hold.
const maxBatch = 10

// graphqlHandler serves GraphQL over HTTP. A POST body is checked before
// gqlgen sees it, so malformed JSON, or a body of the wrong shape, is a
// plain 400 naming the problem (gqlgen's own message would echo the whole
// body back). A documentId (the GraphQL-over-HTTP persisted-documents
// proposal: in the POST body, or GET ?documentId=), which gqlgen's
// transports do not read, goes to graph's persisted-documents handler in
// the request context. A JSON array body is a batch (serveBatch).
func (h *handler) graphqlHandler(gql http.Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPost {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt != "application/json" {
				return &commerce.Error{Code: commerce.CodeBadUserInput,
					Message: "POST /graphql takes a JSON body: send Content-Type: application/json"}
			}
			body, err := io.ReadAll(r.Body)
			if err != nil {
				var he *echo.HTTPError
				if errors.As(err, &he) {
					return he // the body limit
				}
				return &commerce.Error{Code: commerce.CodeBadUserInput, Message: "could not read the request body", Err: err}
			}
			if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
				ops, err := checkGraphQLBatch(b)
				if err != nil {
					return err
				}
				if err := h.admitBatch(r, len(ops)); err != nil {
					return err
				}
				c.Set(ctxOperations, len(ops))
				serveBatch(c, gql, ops)
				return nil
			}
			documentID, err := checkGraphQLBody(body)
			if err != nil {
				return err
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if documentID != nil {
				r = r.WithContext(graph.WithDocumentID(r.Context(), *documentID))
			}
		} else if q := r.URL.Query(); q.Has("documentId") {
			r = r.WithContext(graph.WithDocumentID(r.Context(), q.Get("documentId")))
		}
		gql.ServeHTTP(c.Response(), r)
		return nil
	}
}

// browserToPlayground sends a browser that opens /graphql itself (a GET
// naming no operation, asking for HTML: the banner's link, a bookmark) to
// the playground, before any key is asked for; the playground needs none.
// A GET that names an operation, or asks for JSON, is GraphQL as usual.
func browserToPlayground(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		q := r.URL.Query()
		if r.Method == http.MethodGet && !q.Has("query") && !q.Has("documentId") && !q.Has("extensions") &&
			strings.Contains(r.Header.Get("Accept"), "text/html") {
			return c.Redirect(http.StatusFound, playground.DefaultBasePath)
		}
		return next(c)
	}
}

// checkGraphQLBody verifies the body is one JSON object with a string
// query (or a documentId, or extensions naming a persisted document), an
// optional string operationName and object variables and extensions. It
// returns the documentId, if any.
func checkGraphQLBody(body []byte) (documentID *string, _ error) {
	bad := func(format string, args ...any) error {
		return &commerce.Error{Code: commerce.CodeBadUserInput, Message: fmt.Sprintf(format, args...)}
	}
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, bad("the request body is not valid JSON: %v (at byte %d)", se, se.Offset)
		}
		return nil, bad("the request body is not valid JSON")
	}
	var req struct {
		Query         *json.RawMessage `json:"query"`
		OperationName *json.RawMessage `json:"operationName"`
		Variables     *json.RawMessage `json:"variables"`
		Extensions    *json.RawMessage `json:"extensions"`
		DocumentID    *json.RawMessage `json:"documentId"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, bad("the request body must be a JSON object with a \"query\" string")
	}
	kind := func(raw *json.RawMessage) byte {
		if raw == nil {
			return 0
		}
		b := bytes.TrimSpace(*raw)
		if len(b) == 0 {
			return 0
		}
		return b[0]
	}
	switch k := kind(req.DocumentID); k {
	case 0, 'n':
	case '"':
		var id string
		if err := json.Unmarshal(*req.DocumentID, &id); err != nil {
			return nil, bad("\"documentId\" must be a string")
		}
		documentID = &id
	default:
		return nil, bad("\"documentId\" must be a string")
	}
	switch kind(req.Query) {
	case '"':
	case 0, 'n':
		if kind(req.Extensions) == 0 && documentID == nil {
			return nil, bad("the request body has no \"query\" (nor a \"documentId\")")
		}
	default:
		return nil, bad("\"query\" must be a string")
	}
	if k := kind(req.OperationName); k != 0 && k != 'n' && k != '"' {
		return nil, bad("\"operationName\" must be a string or null")
	}
	if k := kind(req.Variables); k != 0 && k != 'n' && k != '{' {
		return nil, bad("\"variables\" must be an object or null")
	}
	if k := kind(req.Extensions); k != 0 && k != 'n' && k != '{' {
		return nil, bad("\"extensions\" must be an object or null")
	}
	return documentID, nil
}

// batchOperation is one operation of a batch: its JSON object, and its
// documentId if any.
type batchOperation struct {
	body       []byte
	documentID *string
}

// checkGraphQLBatch verifies a batch: a JSON array of 1 to maxBatch
// operations, each a body checkGraphQLBody accepts; a refusal names the
// element (batch[i]).
func checkGraphQLBatch(body []byte) ([]batchOperation, error) {
	bad := func(format string, args ...any) error {
		return &commerce.Error{Code: commerce.CodeBadUserInput, Message: fmt.Sprintf(format, args...)}
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(body, &elems); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, bad("the request body is not valid JSON: %v (at byte %d)", se, se.Offset)
		}
		return nil, bad("the request body is not valid JSON")
	}
	switch {
	case len(elems) == 0:
		return nil, bad("the batch is empty: send at least one operation")
	case len(elems) > maxBatch:
		return nil, bad("a batch holds at most %d operations; this one has %d", maxBatch, len(elems))
	}
	ops := make([]batchOperation, len(elems))
	for i, el := range elems {
		if b := bytes.TrimSpace(el); len(b) == 0 || b[0] != '{' {
			return nil, bad("batch[%d] is not a JSON object: each operation of a batch is an object with a \"query\"", i)
		}
		id, err := checkGraphQLBody(el)
		if err != nil {
			var ce *commerce.Error
			if errors.As(err, &ce) {
				return nil, bad("batch[%d]: %s", i, ce.Message)
			}
			return nil, err
		}
		ops[i] = batchOperation{body: el, documentID: id}
	}
	return ops, nil
}

// serveBatch answers a batch: a JSON array of the operations' results in
// their order, each executed by h as if sent alone (its own limits,
// errors and extensions), one after the other within the request's
// deadline. Deferred fragments are answered inline: a batch is never
// multipart/mixed. The answer's status is 200 and its Content-Type what
// the operations' answers were (application/json, or
// application/graphql-response+json when the Accept header asks for it).
func serveBatch(c echo.Context, h http.Handler, ops []batchOperation) {
	r := c.Request()
	accept := withoutMultipart(r.Header.Get("Accept"))
	results := make([][]byte, len(ops))
	contentType := ""
	for i, op := range ops {
		sub := r.Clone(r.Context())
		sub.Body, sub.ContentLength = io.NopCloser(bytes.NewReader(op.body)), int64(len(op.body))
		if accept == "" {
			sub.Header.Del("Accept")
		} else {
			sub.Header.Set("Accept", accept)
		}
		if op.documentID != nil {
			sub = sub.WithContext(graph.WithDocumentID(sub.Context(), *op.documentID))
		}
		w := &batchResult{header: http.Header{}}
		h.ServeHTTP(w, sub)
		results[i] = w.result()
		if contentType == "" {
			contentType = w.header.Get("Content-Type")
		}
	}
	res := c.Response()
	res.Header().Set("Content-Type", cmp.Or(contentType, "application/json"))
	res.WriteHeader(http.StatusOK)
	_, _ = res.Write([]byte{'['})
	for i, b := range results {
		if i > 0 {
			_, _ = res.Write([]byte{','})
		}
		_, _ = res.Write(b)
	}
	_, _ = res.Write([]byte{']'})
}

// withoutMultipart drops multipart/mixed from an Accept header.
func withoutMultipart(accept string) string {
	var keep []string
	for _, a := range strings.Split(accept, ",") {
		if a = strings.TrimSpace(a); a != "" && !strings.HasPrefix(strings.ToLower(a), "multipart/mixed") {
			keep = append(keep, a)
		}
	}
	return strings.Join(keep, ", ")
}

// batchResult collects one operation's answer of a batch.
type batchResult struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *batchResult) Header() http.Header         { return w.header }
func (w *batchResult) Write(p []byte) (int, error) { return w.body.Write(p) }
func (w *batchResult) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

// result is the operation's JSON result; an answer that is not one
// object (it never should be) becomes an INTERNAL error in its place.
func (w *batchResult) result() []byte {
	b := bytes.TrimSpace(w.body.Bytes())
	if len(b) > 0 && b[0] == '{' && json.Valid(b) {
		return b
	}
	var internal batchResult
	internal.header = http.Header{}
	graph.WriteError(&internal, http.StatusInternalServerError, &commerce.Error{Code: commerce.CodeInternal, Message: "internal error"})
	return bytes.TrimSpace(internal.body.Bytes())
}
