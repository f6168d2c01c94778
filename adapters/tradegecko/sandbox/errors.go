package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// apiError is an error a handler returns to answer with an error status.
// Render it with errorResponse.
type apiError struct {
	status  int
	message string
	// fields, when set, makes a 422 body {"errors":{field:[messages]}}.
	fields map[string][]string
}

func (e *apiError) Error() string {
	msg := e.message
	if len(e.fields) > 0 {
		var parts []string
		for _, field := range slices.Sorted(maps.Keys(e.fields)) {
			for _, m := range e.fields[field] {
				parts = append(parts, field+" "+m)
			}
		}
		msg = strings.Join(parts, "; ")
	}
	return fmt.Sprintf("%d %s: %s", e.status, http.StatusText(e.status), msg)
}

// badRequest is a 400 with the given message.
func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

// notFound is the 404 Rails answers for an unknown record id, e.g.
// "Couldn't find Product with 'id'=999".
func notFound(model, id string) *apiError {
	return &apiError{status: http.StatusNotFound, message: fmt.Sprintf("Couldn't find %s with 'id'=%s", model, id)}
}

// validationFailed is a 422 with per-field messages, answered as
// {"errors":{"name":["can't be blank"]}}.
func validationFailed(fields map[string][]string) *apiError {
	return &apiError{status: http.StatusUnprocessableEntity, fields: fields}
}

// statusError is the documented error for status, with the message of the
// spec's error table.
func statusError(status int) *apiError {
	e := &apiError{status: status, message: documentedMessage(status)}
	if status == http.StatusUnprocessableEntity {
		e.fields = map[string][]string{"base": {e.message}}
	}
	return e
}

// documentedMessage is the meaning the spec's Errors table gives a status.
func documentedMessage(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "You have passed a malformed request"
	case http.StatusUnauthorized:
		return "Your API access token is invalid"
	case http.StatusPaymentRequired:
		return "Your subscription has lapsed"
	case http.StatusForbidden:
		return "The resource requested is not available with your permissions"
	case http.StatusNotFound:
		return "The specified resource could not be found"
	case http.StatusRequestURITooLong:
		return "You have applied too many filters on a GET request"
	case http.StatusUnprocessableEntity:
		return "Your request is invalid"
	case http.StatusTooManyRequests:
		return "Too many requests. You are allowed 300 requests per 300 seconds"
	case http.StatusInternalServerError:
		return "We had a problem with our server. Try again later"
	case http.StatusServiceUnavailable:
		return "The server was unable to finish the request in time, either the server was overloaded or if fetching large pages of data, please try using a smaller page size"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// errorBody is the body of every 4xx/5xx except 422, the HTML 404 and 414.
type errorBody struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// errorResponse renders err: an *apiError as the API would, anything else
// as a 500.
func errorResponse(err error) *response {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = statusError(http.StatusInternalServerError)
	}
	switch {
	case ae.status == http.StatusRequestURITooLong:
		return htmlResponse(ae.status, uriTooLongPage)
	case ae.fields != nil:
		return jsonResponse(ae.status, struct {
			Errors map[string][]string `json:"errors"`
		}{ae.fields})
	}
	typ := http.StatusText(ae.status)
	if typ == "" {
		typ = "Error"
	}
	resp := jsonResponse(ae.status, errorBody{Type: typ, Message: ae.message})
	if ae.status == http.StatusUnauthorized {
		resp.header.Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="`+ae.message+`"`)
	}
	return resp
}

// routeNotFoundPage is Rails' public/404.html, answered for unknown routes
// and unsupported methods.
const routeNotFoundPage = `<!DOCTYPE html>
<html>
<head>
  <title>The page you were looking for doesn't exist (404)</title>
  <meta name="viewport" content="width=device-width,initial-scale=1">
  <style>
  body { background-color: #EFEFEF; color: #2E2F30; text-align: center; font-family: arial, sans-serif; margin: 0; }
  div.dialog { width: 95%; max-width: 33em; margin: 4em auto 0; }
  div.dialog > div { border: 1px solid #CCC; border-right-color: #999; border-left-color: #999; border-bottom-color: #BBB; border-top: #B00100 solid 4px; border-top-left-radius: 9px; border-top-right-radius: 9px; background-color: white; padding: 7px 12% 0; }
  h1 { font-size: 100%; color: #730E15; line-height: 1.5em; }
  </style>
</head>

<body>
  <!-- This file lives in public/404.html -->
  <div class="dialog">
    <div>
      <h1>The page you were looking for doesn't exist.</h1>
      <p>You may have mistyped the address or the page may have moved.</p>
    </div>
  </div>
</body>
</html>
`

// uriTooLongPage is what nginx answers before the request reaches the app.
const uriTooLongPage = `<html>
<head><title>414 Request-URI Too Large</title></head>
<body>
<center><h1>414 Request-URI Too Large</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// response is a complete answer, built under the sandbox lock and written
// (or dropped) after it is released.
type response struct {
	status      int
	contentType string
	header      http.Header // extra headers (X-Pagination, rate limit, …)
	body        []byte
}

const (
	contentTypeJSON = "application/json; charset=utf-8"
	contentTypeHTML = "text/html; charset=utf-8"
)

// jsonResponse marshals v. Values are built from the sandbox's own types, so
// a marshalling failure is a bug and answers 500.
func jsonResponse(status int, v any) *response {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Type: http.StatusText(status), Message: "sandbox: " + err.Error()})
	}
	return &response{status: status, contentType: contentTypeJSON, header: http.Header{}, body: b}
}

// createdResponse answers a create: 201 {"<key>":{…}}.
func createdResponse(key string, v any) *response {
	return jsonResponse(http.StatusCreated, object{{key, v}})
}

// noContentResponse answers an update or delete: 204 without a body.
func noContentResponse() *response {
	return &response{status: http.StatusNoContent, header: http.Header{}}
}

func htmlResponse(status int, page string) *response {
	return &response{status: status, contentType: contentTypeHTML, header: http.Header{}, body: []byte(page)}
}
