package server

import (
	"net/http"
	"testing"
)

func TestEndpointLabel(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/products", "GET /products"},
		{"GET", "/products/153172", "GET /products/{id}"},
		{"GET", "/products/153172.json", "GET /products/{id}"},
		{"POST", "/orders/12/actions/pack", "POST /orders/{id}/actions/pack"},
		{"POST", "/app/api/transaction", "POST /app/api/transaction"},
		{"GET", "/", "GET /"},
		{"GET", "/v2/products", "GET /v2/products"},
	} {
		req, _ := http.NewRequest(tc.method, "http://upstream"+tc.path, nil)
		if got := endpoint(req); got != tc.want {
			t.Errorf("endpoint(%s %s) = %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}
