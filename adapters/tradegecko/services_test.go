package tradegecko

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Each service's Get asks for the documented path and decodes the spec's
// example of that resource.
func TestServicesGet(t *testing.T) {
	client, mux, _ := setup(t)
	for path, file := range map[string]string{
		"/products/2":   "product.json",
		"/variants/3":   "variant.json",
		"/images/2":     "image.json",
		"/currencies/2": "currency.json",
		"/locations/2":  "location.json",
	} {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			testRequest(t, r, http.MethodGet)
			testQuery(t, r, nil)
			writeTestdata(t, w, file)
		})
	}
	ctx := context.Background()
	tests := []struct {
		name string
		get  func() (any, error)
		want any
	}{
		{"Products.Get", func() (any, error) { p, _, err := client.Products.Get(ctx, 2); return p.Product, err }, &specProducts[0]},
		{"Variants.Get", func() (any, error) { v, _, err := client.Variants.Get(ctx, 3); return v, err }, &specVariants[0]},
		{"Images.Get", func() (any, error) { v, _, err := client.Images.Get(ctx, 2); return v, err }, &specImages[0]},
		{"Currencies.Get", func() (any, error) { v, _, err := client.Currencies.Get(ctx, 2); return v, err }, &specCurrencies[0]},
		{"Locations.Get", func() (any, error) { v, _, err := client.Locations.Get(ctx, 2); return v, err }, &specLocations[0]},
	}
	for _, tt := range tests {
		got, err := tt.get()
		if err != nil {
			t.Errorf("%s = %v", tt.name, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestServicesGetMissingKey(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/images/9", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-ID", "req-9")
		writeJSON(w, http.StatusOK, `{"images":[]}`)
	})
	im, _, err := client.Images.Get(context.Background(), 9)
	var de *DecodeError
	if im != nil || !errors.As(err, &de) {
		t.Fatalf("Images.Get without an image key = %v, %v; want a *DecodeError", im, err)
	}
	if msg := err.Error(); !strings.Contains(msg, `no "image" key`) || !strings.Contains(msg, "req-9") || !strings.Contains(msg, "/images/9") {
		t.Errorf("DecodeError.Error() = %q, want the path, the request id and the missing key", msg)
	}
	ae := &AuthError{Err: errors.New("token expired")}
	if got := ae.Error(); got != "tradegecko: no access token: token expired" {
		t.Errorf("AuthError.Error() = %q", got)
	}
}
