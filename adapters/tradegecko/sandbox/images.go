package sandbox

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// image belongs to a product and may be assigned to several of its
// variants. Images have no status and their JSON carries no timestamps; the
// sandbox keeps creation times to order and filter them.
type image struct {
	id                   int64
	productID            int64
	createdAt, updatedAt time.Time
	variantID            *int64 // deprecated: the first of variantIDs
	variantIDs           []int64
	uploader             uploader
	name                 *string
	position             int
	basePath             string
	fileName             string
	versions             []string
	imageProcessing      *bool // nil: the key is absent, as in the spec's image 2
}

func (i *image) meta() recordMeta {
	return recordMeta{id: i.id, created: i.createdAt, updated: i.updatedAt}
}

// uploader is who created an image: a user, by id, or an integration, by
// name ("Shopify"). The spec types uploader_id as an Integer and describes
// it as "Identifier of the creating user or Integration (e.g. 'Shopify')";
// the real service sends the name for an integration's images, so the
// sandbox does too.
type uploader struct {
	userID      int64
	integration string
}

// MarshalJSON writes the integration's name as a string, else the user's
// id as a number.
func (u uploader) MarshalJSON() ([]byte, error) {
	if u.integration != "" {
		return json.Marshal(u.integration)
	}
	return strconv.AppendInt(nil, u.userID, 10), nil
}

// String is the form uploader_id= filters by: the name or the id.
func (u uploader) String() string {
	if u.integration != "" {
		return u.integration
	}
	return strconv.FormatInt(u.userID, 10)
}

// url is where the image file lives.
func (i *image) url() string { return i.basePath + "/" + i.fileName }

// imageJSON follows the spec's example: name may be "" or null, and
// image_processing is present on some images only.
type imageJSON struct {
	ID              int64    `json:"id"`
	ProductID       int64    `json:"product_id"`
	VariantID       *int64   `json:"variant_id"`
	VariantIDs      []int64  `json:"variant_ids"`
	UploaderID      uploader `json:"uploader_id"`
	Name            *string  `json:"name"`
	Position        int      `json:"position"`
	BasePath        string   `json:"base_path"`
	FileName        string   `json:"file_name"`
	Versions        []string `json:"versions"`
	ImageProcessing *bool    `json:"image_processing,omitempty"`
}

func (i *image) wire() imageJSON {
	return imageJSON{
		ID:              i.id,
		ProductID:       i.productID,
		VariantID:       i.variantID,
		VariantIDs:      nonNil(slices.Clone(i.variantIDs)),
		UploaderID:      i.uploader,
		Name:            i.name,
		Position:        i.position,
		BasePath:        i.basePath,
		FileName:        i.fileName,
		Versions:        nonNil(slices.Clone(i.versions)),
		ImageProcessing: i.imageProcessing,
	}
}

func registerImages(rt *router) {
	rt.get("/images", listImages)
	rt.get("/images/{id}", showImage)
}

// imageFilter reads product_id=, variant_id= and variant_ids= (images
// assigned to any of the given variants) and uploader_id= (a user's id or
// an integration's name: uploader_id=1,Shopify).
func imageFilter(q url.Values) (func(*image) bool, error) {
	products, err := idSet(q, "product_id")
	if err != nil {
		return nil, err
	}
	variants, err := idSet(q, "variant_id")
	if err != nil {
		return nil, err
	}
	variantsAny, err := idSet(q, "variant_ids")
	if err != nil {
		return nil, err
	}
	uploaders := stringSet(q, "uploader_id", true)
	return func(i *image) bool {
		switch {
		case products != nil && !products[i.productID],
			variants != nil && !i.assignedTo(variants),
			variantsAny != nil && !i.assignedTo(variantsAny),
			uploaders != nil && !uploaders[i.uploader.String()]:
			return false
		}
		return true
	}, nil
}

func (i *image) assignedTo(variants map[int64]bool) bool {
	if i.variantID != nil && variants[*i.variantID] {
		return true
	}
	for _, id := range i.variantIDs {
		if variants[id] {
			return true
		}
	}
	return false
}

// GET /images
func listImages(c *call) (*response, error) {
	items, pg, err := listing[*image]{
		records: c.s.db.imageList,
		columns: map[string]func(a, b *image) int{
			"position": func(a, b *image) int { return cmp.Compare(a.position, b.position) },
		},
		filter: imageFilter,
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]imageJSON, len(items))
	for n, i := range items {
		out[n] = i.wire()
	}
	return indexResponse("images", out, nil, pg), nil
}

// GET /images/{id}
func showImage(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	i := c.s.db.images[id]
	if i == nil {
		return nil, notFound("Image", raw)
	}
	return showResponse("image", i.wire(), nil), nil
}
