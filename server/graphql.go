package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
)

// graphqlHandler serves GraphQL over HTTP. A POST body is checked before
// gqlgen sees it, so malformed JSON, or a body of the wrong shape, is a
// plain 400 naming the problem (gqlgen's own message would echo the whole
// body back).
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
			if err := checkGraphQLBody(body); err != nil {
				return err
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		h.ServeHTTP(c.Response(), r)
		return nil
	}
}

// checkGraphQLBody verifies the body is one JSON object with a string
// query, an optional string operationName and object variables and
// extensions.
func checkGraphQLBody(body []byte) error {
	bad := func(format string, args ...any) error {
		return &commerce.Error{Code: commerce.CodeBadUserInput, Message: fmt.Sprintf(format, args...)}
	}
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return bad("the request body is not valid JSON: %v (at byte %d)", se, se.Offset)
		}
		return bad("the request body is not valid JSON")
	}
	var req struct {
		Query         *json.RawMessage `json:"query"`
		OperationName *json.RawMessage `json:"operationName"`
		Variables     *json.RawMessage `json:"variables"`
		Extensions    *json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return bad("the request body must be a JSON object with a \"query\" string")
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
	switch kind(req.Query) {
	case '"':
	case 0, 'n':
		if kind(req.Extensions) == 0 {
			return bad("the request body has no \"query\"")
		}
	default:
		return bad("\"query\" must be a string")
	}
	if k := kind(req.OperationName); k != 0 && k != 'n' && k != '"' {
		return bad("\"operationName\" must be a string or null")
	}
	if k := kind(req.Variables); k != 0 && k != 'n' && k != '{' {
		return bad("\"variables\" must be an object or null")
	}
	if k := kind(req.Extensions); k != 0 && k != 'n' && k != '{' {
		return bad("\"extensions\" must be an object or null")
	}
	return nil
}
