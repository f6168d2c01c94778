package sandbox_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// specDir holds the TradeGecko spec's examples, one copy for the client's
// tests and the sandbox's (adapters/tradegecko/testdata/README.md).
var specDir = filepath.Join("..", "testdata")

// loadSpec decodes one of the spec's examples (a file of specDir).
func loadSpec(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(specDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return decodeObject(t, b)
}

// sameFields checks that every field the spec's example shows has the
// spec's value and JSON type in got, except the keys in skip.
func sameFields(t *testing.T, what string, want, got map[string]any, skip ...string) {
	t.Helper()
	for k, w := range want {
		if contains(skip, k) {
			continue
		}
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: field %q missing", what, k)
			continue
		}
		if !reflect.DeepEqual(normalize(w), normalize(g)) {
			t.Errorf("%s: %s = %#v, want %#v", what, k, g, w)
		}
	}
}

// normalize makes an empty list and an empty object comparable however the
// decoder built them.
func normalize(v any) any {
	switch v := v.(type) {
	case []any:
		if len(v) == 0 {
			return []any{}
		}
	case map[string]any:
		if len(v) == 0 {
			return map[string]any{}
		}
	}
	return v
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

func TestSpecExamples(t *testing.T) {
	_, srv := start(t, sandbox.Options{})
	tests := []struct {
		file, listKey, path, key string
		skip                     []string // documented deviations (see doc.go)
	}{
		{"variants.json", "variants", "/variants/%v", "variant", nil},
		{"products.json", "products", "/products/%v", "product", []string{"image_ids"}},
		{"currencies.json", "currencies", "/currencies/%v", "currency", nil},
		{"locations.json", "locations", "/locations/%v", "location", nil},
		{"images.json", "images", "/images/%v", "image", nil},
	}
	for _, tt := range tests {
		for _, raw := range loadSpec(t, tt.file)[tt.listKey].([]any) {
			want := raw.(map[string]any)
			path := fmt.Sprintf(tt.path, want["id"])
			t.Run(path, func(t *testing.T) {
				got := decodeObject(t, getOK(t, srv, path).body)[tt.key].(map[string]any)
				sameFields(t, path, want, got, tt.skip...)
				if tt.key == "image" {
					// The spec's image 2 has no image_processing key; neither do we.
					if _, inSpec := want["image_processing"]; !inSpec {
						if _, ok := got["image_processing"]; ok {
							t.Errorf("%s has image_processing", path)
						}
					}
				}
			})
		}
	}

	t.Run("account", func(t *testing.T) {
		want := loadSpec(t, "account.json")["account"].(map[string]any)
		got := decodeObject(t, getOK(t, srv, "/accounts/current").body)["account"].(map[string]any)
		sameFields(t, "account", want, got, "location_ids")
		if len(got) != len(want) {
			t.Errorf("account has %d fields, the spec %d", len(got), len(want))
		}
	})

	t.Run("variant field set", func(t *testing.T) {
		// Peach (the spec's fullest variant) has exactly the spec's fields.
		want := loadSpec(t, "variants.json")["variants"].([]any)[0].(map[string]any)
		got := decodeObject(t, getOK(t, srv, "/variants/3").body)["variant"].(map[string]any)
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("variant has field %q the spec does not show", k)
			}
		}
	})

	t.Run("product field set", func(t *testing.T) {
		want := loadSpec(t, "products.json")["products"].([]any)[0].(map[string]any)
		got := decodeObject(t, getOK(t, srv, "/products/300").body)["product"].(map[string]any)
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("product has field %q the spec does not show", k)
			}
		}
		for k := range want {
			if _, ok := got[k]; !ok {
				t.Errorf("product lacks field %q", k)
			}
		}
	})

	t.Run("spec list order", func(t *testing.T) {
		// The spec lists newest first: products 2, 1; currencies 2, 1 (same
		// created_at, id desc); locations 2, 1.
		for _, tt := range []struct{ path, key string }{
			{"/products?ids=1,2", "products"},
			{"/currencies?ids=1,2", "currencies"},
			{"/locations?ids=1,2", "locations"},
			{"/variants?ids=2,3&order=id+desc", "variants"},
		} {
			want := ids(list(t, mustRead(t, tt.key), tt.key))
			got := ids(list(t, getOK(t, srv, tt.path).body, tt.key))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("GET %s = %v, want the spec's %v", tt.path, got, want)
			}
		}
	})
}

func mustRead(t *testing.T, key string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(specDir, key+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
