package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// The sandbox's image 4 (the Golden Egg's second image) was uploaded by an
// integration: its uploader_id is "Shopify", a string where the spec's
// table says Integer, as real responses have it. Every way a catalog query
// reaches it — a product with its images (include=images), an index whose
// images come by ids= batch, variant images, nodes through both doors — reads
// the whole batch.
func TestImageUploadedByAnIntegration(t *testing.T) {
	// A small catalog, so that one page of the index holds the Golden Egg;
	// a gateway (and cache) of its own for each way in.
	up := newSharedSandbox(t, sandbox.Options{Products: 20})
	const egg = "gid://tradegecko/Product/2"
	want := []string{"gid://tradegecko/Image/3", "gid://tradegecko/Image/4"}

	type image struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	imageIDs := func(ims []image) []string {
		var out []string
		for _, im := range ims {
			if im.URL == "" {
				t.Errorf("image %s has no url", im.ID)
			}
			out = append(out, im.ID)
		}
		slices.Sort(out)
		return out
	}

	t.Run("product", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{upstream: up})
		resp := g.query(storefrontKey, `{ product(id: "`+egg+`") { images { id url } variants { sku images { id url } } } }`, nil)
		got := mustData[struct {
			Product struct {
				Images   []image `json:"images"`
				Variants []struct {
					SKU    string  `json:"sku"`
					Images []image `json:"images"`
				} `json:"variants"`
			} `json:"product"`
		}](t, resp)
		if ids := imageIDs(got.Product.Images); !slices.Equal(ids, want) {
			t.Errorf("Golden Egg images = %v, want %v", ids, want)
		}
		for _, v := range got.Product.Variants {
			if v.SKU == "DEMO-EGG-L" && !slices.Equal(imageIDs(v.Images), want) {
				t.Errorf("DEMO-EGG-L images = %v, want %v", imageIDs(v.Images), want)
			}
		}
	})

	t.Run("index by ids batch", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{upstream: up})
		// A server that ignores include= on the index: the images come by
		// one ids= request for the whole page, image 4 among them.
		g.sb.SetIgnoreIndexInclude(true)
		t.Cleanup(func() { g.sb.SetIgnoreIndexInclude(false) })
		var resp gqlResponse
		g.upstream(func() {
			resp = g.query(adminKey, `{ products(first: 100) { nodes { id images { id url } } } }`, nil)
		})
		got := mustData[struct {
			Products struct {
				Nodes []struct {
					ID     string  `json:"id"`
					Images []image `json:"images"`
				} `json:"nodes"`
			} `json:"products"`
		}](t, resp)
		found := false
		for _, p := range got.Products.Nodes {
			if p.ID == egg {
				found = true
				if ids := imageIDs(p.Images); !slices.Equal(ids, want) {
					t.Errorf("Golden Egg images = %v, want %v", ids, want)
				}
			}
		}
		if !found {
			t.Fatalf("products(first: 100) has no Golden Egg")
		}
		batched := false
		for _, r := range g.sb.Requests() {
			if r.Path == "/images" && slices.Contains(strings.Split(r.Query.Get("ids"), ","), "4") {
				batched = true
			}
		}
		if !batched {
			t.Errorf("no ids= request for image 4 among %v", paths(g.sb))
		}
	})

	t.Run("nodes", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{upstream: up})
		resp := g.query(storefrontKey, `{ nodes(ids: ["gid://tradegecko/Image/1", "gid://tradegecko/Image/4", "gid://tradegecko/Image/3"]) { id ... on Image { url } } }`, nil)
		got := mustData[struct {
			Nodes []*image `json:"nodes"`
		}](t, resp)
		if len(got.Nodes) != 3 || got.Nodes[1] == nil || got.Nodes[1].ID != "gid://tradegecko/Image/4" || got.Nodes[1].URL == "" {
			t.Errorf("nodes(Image 1, 4, 3) = %+v", got.Nodes)
		}
	})

	t.Run("rest nodes", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{upstream: up})
		q := url.Values{"ids": {"gid://tradegecko/Image/3,gid://tradegecko/Image/4"}}
		req, _ := http.NewRequest(http.MethodGet, g.url+"/v1/nodes?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+storefrontKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		var list struct {
			Data []*struct {
				ID string `json:"id"`
			} `json:"data"`
		}
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list.Data) != 2 || list.Data[1] == nil || list.Data[1].ID != want[1] {
			t.Errorf("GET /v1/nodes?ids=Image/3,Image/4 = %d %s", resp.StatusCode, body)
		}
	})
}
