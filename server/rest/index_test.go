package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// GET /v1 (the REST link the banner prints) answers an index without a key,
// and every link in it answers 2xx: the document and the docs without a
// key, the collections with one.
func TestIndex(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, path := range []string{"/v1", "/v1/"} {
		t.Run(path, func(t *testing.T) {
			r := e.get(path, anonymous)
			if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET %s = %d %q: %s", path, r.status, r.header.Get("Content-Type"), r.body)
			}
			var ix struct {
				OpenAPI     string            `json:"openapi"`
				Docs        string            `json:"docs"`
				Collections map[string]string `json:"collections"`
				Streams     map[string]string `json:"streams"`
			}
			if err := json.Unmarshal(r.body, &ix); err != nil {
				t.Fatalf("GET %s: %v: %s", path, err, r.body)
			}
			if ix.OpenAPI != "/v1/openapi.json" || ix.Docs != "/v1/docs" {
				t.Errorf("GET %s: openapi %q, docs %q", path, ix.OpenAPI, ix.Docs)
			}
			for _, want := range []string{"products", "variants", "locations", "currencies", "orders", "international-orders"} {
				if ix.Collections[want] != "/v1/"+want {
					t.Errorf("GET %s: collections[%q] = %q, want /v1/%s", path, want, ix.Collections[want], want)
				}
			}
			for _, want := range []string{"variants/events", "orders/events"} {
				if ix.Streams[want] != "/v1/"+want || ix.Collections[want] != "" {
					t.Errorf("GET %s: streams[%q] = %q (collections %q), want /v1/%s", path, want, ix.Streams[want], ix.Collections[want], want)
				}
			}
			for _, link := range []string{ix.OpenAPI, ix.Docs} {
				if l := e.get(link, anonymous); l.status != http.StatusOK {
					t.Errorf("GET %s (linked from %s) = %d", link, path, l.status)
				}
			}
			for name, link := range ix.Collections {
				if l := e.get(link, admin); l.status/100 != 2 {
					t.Errorf("GET %s (collection %q) as admin = %d: %s", link, name, l.status, l.body)
				}
			}
		})
	}
}
