package server_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// decode undoes a Content-Encoding.
func decode(encoding string, b []byte) ([]byte, error) {
	switch encoding {
	case "":
		return b, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("unknown Content-Encoding %q", encoding)
}

// TestCompression: an answer over a kilobyte is compressed (zstd or gzip,
// by Accept-Encoding) for a client that asks, at both doors; a small one, a
// client that does not ask, and a stream (by its Content-Type) are sent as
// they are.
func TestCompression(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	raw := &http.Client{Transport: &http.Transport{DisableCompression: true}} // see the bytes as sent
	do := func(method, path, body string, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, g.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+storefrontKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := raw.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	gz := map[string]string{"Accept-Encoding": "gzip, zstd"}
	big := `{"query":"{ products(first: 50) { nodes { id name variants { sku } } } }"}`

	for _, tc := range []struct {
		name, method, path, body string
	}{
		{"REST list", http.MethodGet, "/v1/products?first=50", ""},
		{"GraphQL POST", http.MethodPost, "/graphql", big},
	} {
		for _, enc := range []struct{ accept, want string }{
			{"gzip", "gzip"},
			{"zstd", "zstd"},
			{"gzip, deflate, br, zstd", "gzip"}, // a browser's: gzip when both are equally welcome
			{"gzip;q=1, zstd;q=0.5", "gzip"},
		} {
			t.Run(tc.name+"/"+enc.accept, func(t *testing.T) {
				resp, b := do(tc.method, tc.path, tc.body, map[string]string{"Accept-Encoding": enc.accept})
				if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != enc.want {
					t.Fatalf("status %d, Content-Encoding %q, want 200 %s", resp.StatusCode, resp.Header.Get("Content-Encoding"), enc.want)
				}
				if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
					t.Errorf("Vary = %q, want it to name Accept-Encoding", resp.Header.Get("Vary"))
				}
				plain, err := decode(enc.want, b)
				if err != nil || !json.Valid(plain) {
					t.Fatalf("the %s answer is not JSON (%v): %.200s", enc.want, err, plain)
				}
				if len(b)*3 > len(plain) {
					t.Errorf("%s sent %d bytes for %d: want at least 3x smaller", enc.want, len(b), len(plain))
				}
				// The same request without Accept-Encoding is sent plain.
				resp, b = do(tc.method, tc.path, tc.body, nil)
				if resp.Header.Get("Content-Encoding") != "" || !json.Valid(b) {
					t.Errorf("without Accept-Encoding: Content-Encoding %q, JSON %v", resp.Header.Get("Content-Encoding"), json.Valid(b))
				}
			})
		}
	}
	t.Run("small answers are sent as they are", func(t *testing.T) {
		resp, b := do(http.MethodGet, "/healthz", "", gz)
		if resp.Header.Get("Content-Encoding") != "" || len(b) == 0 {
			t.Errorf("GET /healthz: Content-Encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(b))
		}
	})
	t.Run("/metrics is gzipped once, by its own handler", func(t *testing.T) {
		resp, b := do(http.MethodGet, "/metrics", "", map[string]string{"Accept-Encoding": "gzip", "Authorization": "Bearer " + adminKey})
		if resp.StatusCode != 200 {
			t.Fatalf("GET /metrics = %d", resp.StatusCode)
		}
		body := string(b)
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(strings.NewReader(body))
			if err != nil {
				t.Fatalf("not gzip: %v", err)
			}
			plain, _ := io.ReadAll(zr)
			body = string(plain)
		}
		if !strings.Contains(body, "# HELP") {
			t.Errorf("GET /metrics, decompressed once, is not Prometheus text: %.80q", body)
		}
	})
	t.Run("by what the answer is, not by what the client accepts", func(t *testing.T) {
		// urql's Accept names both stream types in every request: its
		// JSON answers are compressed all the same.
		urql := map[string]string{"Accept-Encoding": "gzip, zstd",
			"Accept": "multipart/mixed, text/event-stream, application/graphql-response+json, application/json"}
		if resp, _ := do(http.MethodGet, "/v1/products?first=50", "", urql); resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("a JSON answer to urql's Accept: Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
		}
		// A multipart/mixed answer (@defer) streams its parts as they come.
		deferred := `{"query":"{ products(first: 50) { nodes { id ... @defer { name variants { sku } } } } }"}`
		resp, b := do(http.MethodPost, "/graphql", deferred, urql)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/mixed") {
			t.Fatalf("@defer answered %q, want multipart/mixed", ct)
		}
		if resp.Header.Get("Content-Encoding") != "" || !strings.Contains(string(b), `"hasNext":false`) {
			t.Errorf("a multipart answer: Content-Encoding %q, last part seen %v", resp.Header.Get("Content-Encoding"), strings.Contains(string(b), `"hasNext":false`))
		}
	})
}
