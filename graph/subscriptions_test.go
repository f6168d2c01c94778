package graph_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/commercegateway/gateway/graph"
)

func TestEventStreamRequest(t *testing.T) {
	tests := []struct {
		method, accept string
		want           bool
	}{
		{http.MethodPost, "text/event-stream", true},                  // graphql-sse
		{http.MethodPost, "text/event-stream, multipart/mixed", true}, // urql's subscriptions
		{http.MethodPost, "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed", false}, // urql's queries
		{http.MethodPost, "application/json;q=0.5, text/event-stream", true},
		{http.MethodPost, "text/event-stream;q=0.2, application/json", false},
		{http.MethodPost, "text/event-stream;q=0", false},
		{http.MethodPost, "text/event-stream;q=nope, application/json;q=0.1", false},
		{http.MethodPost, "", false},
		{http.MethodPost, "*/*", false},
		{http.MethodGet, "text/event-stream", false},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(tc.method, "/graphql", nil)
		r.Header.Set("Accept", tc.accept)
		if got := graph.EventStreamRequest(r); got != tc.want {
			t.Errorf("%s Accept: %q = %v, want %v", tc.method, tc.accept, got, tc.want)
		}
	}
}
