package tradegecko

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// ProductsService reads products, with their variants and images sideloaded
// on request.
type ProductsService service

// Product is a product as the API sends it.
type Product struct {
	ID          Int     `json:"id"`
	CreatedAt   Time    `json:"created_at"`
	UpdatedAt   Time    `json:"updated_at"`
	Status      Text    `json:"status"`
	Name        Text    `json:"name"`
	Description Text    `json:"description"`
	Brand       Text    `json:"brand"`
	ProductType Text    `json:"product_type"`
	ImageURL    Text    `json:"image_url"`
	Opt1        Text    `json:"opt1"`
	Opt2        Text    `json:"opt2"`
	Opt3        Text    `json:"opt3"`
	Quantity    Decimal `json:"quantity"`
	Supplier    Text    `json:"supplier"`
	SupplierIDs IDs     `json:"supplier_ids"`
	ImageIDs    IDs     `json:"image_ids"`
	VariantIDs  IDs     `json:"variant_ids"`
	Tags        Tags    `json:"tags"`
}

// Sideloads the products endpoints can include.
const (
	IncludeVariants = "variants"
	IncludeImages   = "images"
)

// ProductListOptions filters GET /products.
type ProductListOptions struct {
	ListOptions
	Filter
	Brand       []string
	ProductType []string
	Tags        []string
	// Include asks for related records in the same response. Servers that
	// ignore it leave the keys out; ProductPage.Has tells.
	Include []string
}

func (o *ProductListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.Filter.encode(q)
	setMulti(q, "brand", o.Brand)
	setMulti(q, "product_type", o.ProductType)
	setMulti(q, "tags", o.Tags)
	setInclude(q, o.Include)
	return q
}

// ProductPage is a products response with its sideloads. A nil slice
// pointer means the server did not send that key.
type ProductPage struct {
	Products []Product  `json:"products"`
	Product  *Product   `json:"product"`
	Variants *[]Variant `json:"variants"`
	Images   *[]Image   `json:"images"`
}

// List returns one page of products and the sideloads asked for.
func (s *ProductsService) List(ctx context.Context, opts *ProductListOptions) (*ProductPage, *Response, error) {
	var page ProductPage
	resp, err := s.client.get(ctx, "products", opts.values(), &page)
	return &page, resp, err
}

// All iterates over every product matching opts (without sideloads), a
// full page at a time.
func (s *ProductsService) All(ctx context.Context, opts *ProductListOptions) iter.Seq2[Product, error] {
	o := ProductListOptions{}
	if opts != nil {
		o = *opts
	}
	o.Include = nil
	return pages(ctx, func(ctx context.Context, page int) ([]Product, *Response, error) {
		o.ListOptions = ListOptions{Page: page, Limit: MaxLimit}
		p, resp, err := s.List(ctx, &o)
		return p.Products, resp, err
	})
}

// Count returns how many products match opts, without fetching any
// (limit=0 answers the count in X-Pagination only).
func (s *ProductsService) Count(ctx context.Context, opts *ProductListOptions) (int, *Response, error) {
	q := opts.values()
	q.Set("limit", "0")
	q.Del("page")
	q.Del("include")
	resp, err := s.client.get(ctx, "products", q, nil)
	if err != nil {
		return 0, resp, err
	}
	if resp.Pagination == nil {
		return 0, resp, &DecodeError{Method: "GET", Path: "/products", RequestID: resp.RequestID, Err: errNoPagination}
	}
	return resp.Pagination.TotalRecords, resp, nil
}

// Get returns one product and the sideloads asked for (the documented
// GET /products/{id}?include=variants).
func (s *ProductsService) Get(ctx context.Context, id int64, include ...string) (*ProductPage, *Response, error) {
	q := url.Values{}
	setInclude(q, include)
	var page ProductPage
	resp, err := s.client.getOne(ctx, "products/"+strconv.FormatInt(id, 10), q, &page, "product", func() bool { return page.Product != nil })
	return &page, resp, err
}
