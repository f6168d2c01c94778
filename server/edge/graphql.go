package edge

import (
	"bytes"
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

// graphqlHandler serves GraphQL over HTTP. A POST body is checked before
// gqlgen sees it, so malformed JSON, or a body of the wrong shape, is a
// plain 400 naming the problem (gqlgen's own message would echo the whole
// body back). A documentId (the GraphQL-over-HTTP persisted-documents
// proposal: in the POST body, or GET ?documentId=), which gqlgen's
// transports do not read, goes to graph's persisted-documents handler in
// the request context.
func graphqlHandler(h http.Handler) echo.HandlerFunc {
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
		h.ServeHTTP(c.Response(), r)
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
