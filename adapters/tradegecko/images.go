package tradegecko

import (
	"context"
	"net/url"
	"strconv"
	"strings"
)

// ImagesService reads product images.
type ImagesService service

// Image is a product image as the API sends it.
type Image struct {
	ID         Int `json:"id"`
	ProductID  Int `json:"product_id"`
	VariantID  Int `json:"variant_id"`
	VariantIDs IDs `json:"variant_ids"`
	// UploaderID is the user who uploaded the image (1) or the
	// integration that did ("Shopify"): documented as an Integer, sent as
	// either. The gateway does not expose it.
	UploaderID      IDOrName `json:"uploader_id"`
	Name            Text     `json:"name"`
	Position        Int      `json:"position"`
	BasePath        Text     `json:"base_path"`
	FileName        Text     `json:"file_name"`
	Versions        Tags     `json:"versions"`
	ImageProcessing Bool     `json:"image_processing"`
	URL             Text     `json:"url"`
}

// Src is where the original image is: url when sent, else base_path/file_name.
func (im Image) Src() string {
	if im.URL != "" {
		return string(im.URL)
	}
	if im.BasePath == "" || im.FileName == "" {
		return ""
	}
	return strings.TrimSuffix(string(im.BasePath), "/") + "/" + string(im.FileName)
}

// ImageListOptions filters GET /images.
type ImageListOptions struct {
	ListOptions
	Filter
	ProductIDs []int64
	VariantIDs []int64
}

func (o *ImageListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.Filter.encode(q)
	if len(o.ProductIDs) > 0 {
		q.Set("product_id", joinIDs(o.ProductIDs))
	}
	if len(o.VariantIDs) > 0 {
		q.Set("variant_ids", joinIDs(o.VariantIDs))
	}
	return q
}

// List returns one page of images.
func (s *ImagesService) List(ctx context.Context, opts *ImageListOptions) ([]Image, *Response, error) {
	var body struct {
		Images []Image `json:"images"`
	}
	resp, err := s.client.get(ctx, "images", opts.values(), &body)
	return body.Images, resp, err
}

// Get returns one image.
func (s *ImagesService) Get(ctx context.Context, id int64) (*Image, *Response, error) {
	var body struct {
		Image *Image `json:"image"`
	}
	resp, err := s.client.getOne(ctx, "images/"+strconv.FormatInt(id, 10), nil, &body, "image", func() bool { return body.Image != nil })
	return body.Image, resp, err
}
