package sandbox

import (
	"errors"
	"net/http"
	"testing"
)

func TestErrorResponse(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		status      int
		contentType string
		body        string
	}{
		{"bad request", badRequest("limit must be less than or equal to %d", 250), 400, contentTypeJSON,
			`{"type":"Bad Request","message":"limit must be less than or equal to 250"}`},
		{"not found", notFound("Product", "999"), 404, contentTypeJSON,
			`{"type":"Not Found","message":"Couldn't find Product with 'id'=999"}`},
		{"validation", validationFailed(map[string][]string{"name": {"can't be blank"}}), 422, contentTypeJSON,
			`{"errors":{"name":["can't be blank"]}}`},
		{"documented 503", statusError(503), 503, contentTypeJSON,
			`{"type":"Service Unavailable","message":"The server was unable to finish the request in time, either the server was overloaded or if fetching large pages of data, please try using a smaller page size"}`},
		{"documented 422", statusError(422), 422, contentTypeJSON, `{"errors":{"base":["Your request is invalid"]}}`},
		{"414", statusError(414), 414, contentTypeHTML, uriTooLongPage},
		{"any other error", errors.New("boom"), 500, contentTypeJSON,
			`{"type":"Internal Server Error","message":"We had a problem with our server. Try again later"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := errorResponse(tt.err)
			if resp.status != tt.status || resp.contentType != tt.contentType || string(resp.body) != tt.body {
				t.Errorf("errorResponse(%v) = %d %q %s; want %d %q %s",
					tt.err, resp.status, resp.contentType, resp.body, tt.status, tt.contentType, tt.body)
			}
		})
	}
	if h := errorResponse(&apiError{status: http.StatusUnauthorized, message: "x"}).header.Get("WWW-Authenticate"); h == "" {
		t.Errorf("401 lacks WWW-Authenticate")
	}
}

func TestSplitPath(t *testing.T) {
	tests := map[string][]string{
		"/products":         {"products"},
		"/products/":        {"products"},
		"/products.json":    {"products"},
		"/products/1.json":  {"products", "1"},
		"/products/1/":      {"products", "1"},
		"/accounts/current": {"accounts", "current"},
		"/":                 nil,
		"":                  nil,
		"/.json":            {".json"},
		"/products//1":      {"products", "", "1"},
	}
	for in, want := range tests {
		got := splitPath(in)
		if len(got) != len(want) {
			t.Errorf("splitPath(%q) = %q, want %q", in, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("splitPath(%q) = %q, want %q", in, got, want)
			}
		}
	}
}
