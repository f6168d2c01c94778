package tradegecko

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// VariantsService reads variants: sellable versions of products, with
// stock per location and prices per price list.
type VariantsService service

// Variant is a variant as the API sends it.
type Variant struct {
	ID              Int               `json:"id"`
	CreatedAt       Time              `json:"created_at"`
	UpdatedAt       Time              `json:"updated_at"`
	Status          Text              `json:"status"`
	ProductID       Int               `json:"product_id"`
	ProductName     Text              `json:"product_name"`
	ProductStatus   Text              `json:"product_status"`
	ProductType     Text              `json:"product_type"`
	Name            Text              `json:"name"`
	Description     Text              `json:"description"`
	SKU             Text              `json:"sku"`
	UPC             Text              `json:"upc"`
	SupplierCode    Text              `json:"supplier_code"`
	HSCode          Text              `json:"hs_code"`
	CountryOfOrigin Text              `json:"country_of_origin"`
	Opt1            Text              `json:"opt1"`
	Opt2            Text              `json:"opt2"`
	Opt3            Text              `json:"opt3"`
	Position        Int               `json:"position"`
	BuyPrice        Decimal           `json:"buy_price"`
	RetailPrice     Decimal           `json:"retail_price"`
	WholesalePrice  Decimal           `json:"wholesale_price"`
	LastCostPrice   Decimal           `json:"last_cost_price"`
	StockOnHand     Decimal           `json:"stock_on_hand"`
	CommittedStock  Decimal           `json:"committed_stock"`
	IncomingStock   Decimal           `json:"incoming_stock"`
	AvailableStock  Decimal           `json:"available_stock"`
	MaxOnline       Decimal           `json:"max_online"`
	KeepSelling     Bool              `json:"keep_selling"`
	ManageStock     Bool              `json:"manage_stock"`
	Composite       Bool              `json:"composite"`
	Sellable        Bool              `json:"sellable"`
	OnlineOrdering  Bool              `json:"online_ordering"`
	Taxable         Bool              `json:"taxable"`
	Weight          Decimal           `json:"weight"`
	WeightUnit      Text              `json:"weight_unit"`
	ImageIDs        IDs               `json:"image_ids"`
	VariantPrices   []VariantPrice    `json:"variant_prices"`
	Locations       []VariantLocation `json:"locations"`
	// Prices is the deprecated price-list hash, read when variant_prices is
	// missing.
	Prices map[string]Decimal `json:"prices"`
}

// VariantPrice is a variant's price on one price list.
type VariantPrice struct {
	PriceListID Text    `json:"price_list_id"`
	Value       Decimal `json:"value"`
}

// VariantLocation is a variant's stock at one location.
type VariantLocation struct {
	LocationID   Int     `json:"location_id"`
	StockOnHand  Decimal `json:"stock_on_hand"`
	Committed    Decimal `json:"committed"`
	Incoming     Decimal `json:"incoming"`
	Available    Decimal `json:"available"`
	BinLocation  Text    `json:"bin_location"`
	ReorderPoint Decimal `json:"reorder_point"`
}

// VariantListOptions filters GET /variants.
type VariantListOptions struct {
	ListOptions
	Filter
	ProductIDs []int64 // product_id=1,2
	SKU        string
}

func (o *VariantListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.Filter.encode(q)
	if len(o.ProductIDs) > 0 {
		q.Set("product_id", joinIDs(o.ProductIDs))
	}
	if o.SKU != "" {
		q.Set("sku", o.SKU)
	}
	return q
}

// List returns one page of variants.
func (s *VariantsService) List(ctx context.Context, opts *VariantListOptions) ([]Variant, *Response, error) {
	var body struct {
		Variants []Variant `json:"variants"`
	}
	resp, err := s.client.get(ctx, "variants", opts.values(), &body)
	return body.Variants, resp, err
}

// All iterates over every variant matching opts, a full page at a time.
func (s *VariantsService) All(ctx context.Context, opts *VariantListOptions) iter.Seq2[Variant, error] {
	o := VariantListOptions{}
	if opts != nil {
		o = *opts
	}
	return pages(ctx, func(ctx context.Context, page int) ([]Variant, *Response, error) {
		o.ListOptions = ListOptions{Page: page, Limit: MaxLimit}
		return s.List(ctx, &o)
	})
}

// Get returns one variant.
func (s *VariantsService) Get(ctx context.Context, id int64) (*Variant, *Response, error) {
	var body struct {
		Variant *Variant `json:"variant"`
	}
	resp, err := s.client.getOne(ctx, "variants/"+strconv.FormatInt(id, 10), nil, &body, "variant", func() bool { return body.Variant != nil })
	return body.Variant, resp, err
}
