package rest

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

// Product is a sellable item with its variants (GraphQL Product; images
// by id).
type Product struct {
	ID          string    `json:"id" doc:"gid://tradegecko/Product/<id>" example:"gid://tradegecko/Product/1"`
	Name        string    `json:"name" example:"Everlasting Gobstopper"`
	Description string    `json:"description"`
	Brand       string    `json:"brand"`
	ProductType string    `json:"productType" example:"Candy"`
	Status      string    `json:"status" enum:"ACTIVE,DISABLED,ARCHIVED,OTHER" doc:"OTHER: a value the backend documents nowhere."`
	Tags        []string  `json:"tags" nullable:"false"`
	Options     []string  `json:"options" nullable:"false" doc:"Names of the options variants differ by, e.g. Size, Colour."`
	ImageIDs    []string  `json:"imageIds" nullable:"false" doc:"The product's images (gid://tradegecko/Image/<id>)."`
	Variants    []Variant `json:"variants" nullable:"false" doc:"The product's variants, with their inventory."`
	CreatedAt   DateTime  `json:"createdAt"`
	UpdatedAt   DateTime  `json:"updatedAt"`
}

// Variant is one purchasable version of a product (GraphQL Variant;
// product, images and stock locations by id).
type Variant struct {
	ID             string          `json:"id" doc:"gid://tradegecko/Variant/<id>" example:"gid://tradegecko/Variant/2"`
	SKU            string          `json:"sku" example:"DEMO-GOBS-SNO"`
	Name           string          `json:"name" example:"Snozzberry"`
	Description    string          `json:"description"`
	ProductID      string          `json:"productId" doc:"gid://tradegecko/Product/<id>" example:"gid://tradegecko/Product/1"`
	Status         string          `json:"status" enum:"ACTIVE,ARCHIVED,OTHER"`
	Options        []string        `json:"options" nullable:"false" doc:"This variant's values for the product's options, e.g. Large."`
	Taxable        bool            `json:"taxable"`
	UPC            string          `json:"upc"`
	Weight         *Decimal        `json:"weight" nullable:"true"`
	WeightUnit     string          `json:"weightUnit"`
	RetailPrice    Nullable[Money] `json:"retailPrice"`
	WholesalePrice Nullable[Money] `json:"wholesalePrice"`
	BuyPrice       Nullable[Money] `json:"buyPrice" doc:"The cost price: admin keys only (null for other keys)."`
	Prices         []VariantPrice  `json:"prices" nullable:"false" doc:"Prices per price list; the buy (cost) list is included for admin keys only."`
	Inventory      Inventory       `json:"inventory" doc:"What a storefront may show and sell."`
	StockLevels    []StockLevel    `json:"stockLevels" nullable:"false" doc:"Stock per location."`
	ImageIDs       []string        `json:"imageIds" nullable:"false"`
	CreatedAt      DateTime        `json:"createdAt"`
	UpdatedAt      DateTime        `json:"updatedAt"`
}

// VariantPrice is a variant's price on one price list.
type VariantPrice struct {
	PriceListID string `json:"priceListId" example:"retail"`
	Price       Money  `json:"price"`
}

// Inventory is stock as a storefront should treat it (TradeGecko's Sales
// Channel rules): untracked stock is always sellable, keepSelling allows
// selling at zero or below, displayQuantity never exceeds maxOnline.
type Inventory struct {
	Tracked         bool     `json:"tracked"`
	OnHand          Decimal  `json:"onHand"`
	Committed       Decimal  `json:"committed"`
	Incoming        Decimal  `json:"incoming"`
	Available       Decimal  `json:"available" doc:"On hand minus committed."`
	DisplayQuantity *Decimal `json:"displayQuantity" nullable:"true" doc:"What a storefront may show: null when untracked; never negative; capped at maxOnline."`
	MaxOnline       *Decimal `json:"maxOnline" nullable:"true"`
	CanSell         bool     `json:"canSell"`
	KeepSelling     bool     `json:"keepSelling"`
}

// StockLevel is a variant's stock at one location.
type StockLevel struct {
	LocationID  string  `json:"locationId" doc:"gid://tradegecko/Location/<id>"`
	OnHand      Decimal `json:"onHand"`
	Committed   Decimal `json:"committed"`
	Incoming    Decimal `json:"incoming"`
	Available   Decimal `json:"available"`
	BinLocation string  `json:"binLocation"`
}

// Location is a warehouse or office.
type Location struct {
	ID         string `json:"id" doc:"gid://tradegecko/Location/<id>"`
	Label      string `json:"label"`
	Address1   string `json:"address1"`
	Address2   string `json:"address2"`
	Suburb     string `json:"suburb"`
	City       string `json:"city"`
	State      string `json:"state"`
	ZipCode    string `json:"zipCode"`
	Country    string `json:"country"`
	HoldsStock bool   `json:"holdsStock"`
}

// Currency is a currency the merchant trades in.
type Currency struct {
	ID     string  `json:"id" doc:"gid://tradegecko/Currency/<id>"`
	Code   string  `json:"code" example:"SGD"`
	Name   string  `json:"name"`
	Symbol string  `json:"symbol"`
	Rate   Decimal `json:"rate" doc:"Exchange rate against the base currency."`
	IsBase bool    `json:"isBase"`
}

func registerCatalog(r registrar, h *handlers) {
	register(r, huma.Operation{OperationID: "listProducts", Method: http.MethodGet, Path: BasePath + "/products",
		Tags: []string{tagCatalog}, Summary: "List products",
		Description: "Products, newest first, each with its variants and their inventory (one upstream request per page)."},
		h.listProducts)
	register(r, huma.Operation{OperationID: "getProduct", Method: http.MethodGet, Path: BasePath + "/products/{id}",
		Tags: []string{tagCatalog}, Summary: "Get a product", Errors: []int{http.StatusNotFound},
		Description: "A product with its variants and their inventory."},
		h.getProduct)
	register(r, huma.Operation{OperationID: "listVariants", Method: http.MethodGet, Path: BasePath + "/variants",
		Tags: []string{tagCatalog}, Summary: "List variants", Description: "Variants, newest first."},
		h.listVariants)
	register(r, huma.Operation{OperationID: "getVariant", Method: http.MethodGet, Path: BasePath + "/variants/{id}",
		Tags: []string{tagCatalog}, Summary: "Get a variant", Errors: []int{http.StatusNotFound}},
		h.getVariant)
	register(r, huma.Operation{OperationID: "listLocations", Method: http.MethodGet, Path: BasePath + "/locations",
		Tags: []string{tagCatalog}, Summary: "List locations", Description: "The merchant's active locations."},
		h.listLocations)
	register(r, huma.Operation{OperationID: "listCurrencies", Method: http.MethodGet, Path: BasePath + "/currencies",
		Tags: []string{tagCatalog}, Summary: "List currencies", Description: "The merchant's currencies; catalog prices are in the base one."},
		h.listCurrencies)
}

type idPath struct {
	ID string `path:"id" doc:"The URL-encoded global id (gid%3A%2F%2Ftradegecko%2F…) or the bare backend id."`
}

type listProductsInput struct {
	PageParams
	IDs          []string      `query:"ids,explode" doc:"Only these products: global or bare ids, repeated or comma-separated (at most 250)."`
	Status       string        `query:"status" enum:"ACTIVE,DISABLED,ARCHIVED"`
	Brand        string        `query:"brand"`
	ProductType  string        `query:"productType"`
	Tags         []string      `query:"tags,explode" doc:"Products with any of these tags (at most 50)."`
	UpdatedAfter DateTimeInput `query:"updatedAfter"`
}

func (h *handlers) listProducts(ctx context.Context, in *listProductsInput) (*pageOutput[Product], error) {
	w, err := in.window("products")
	if err != nil {
		return nil, err
	}
	var fe fieldErrors
	f := commerce.ProductFilter{IDs: queryIDs(&fe, "ids", gid.Product, in.IDs), Status: commerce.ProductStatus(in.Status),
		Brand: queryText(&fe, "brand", in.Brand), ProductType: queryText(&fe, "productType", in.ProductType),
		Tags: queryTags(&fe, "tags", in.Tags)}
	if t, ok, _ := in.UpdatedAfter.parse(); ok {
		f.UpdatedAfter = t
	}
	if err := fe.problem(); err != nil {
		return nil, err
	}
	page, err := h.svc.ListProducts(ctx, commerce.ProductQuery{Filter: f, Window: w, Sideloads: commerce.ProductSideloads{Variants: true}})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	items, err := h.products(ctx, page.Items)
	if err != nil {
		return nil, err
	}
	return newPage(ctx, "products", w, items, page.Total), nil
}

type productOutput struct{ Body Product }

func (h *handlers) getProduct(ctx context.Context, in *idPath) (*productOutput, error) {
	id, err := pathID(ctx, "id", gid.Product, in.ID)
	if err != nil {
		return nil, err
	}
	// The documented GET /products/{id}?include=variants: one request.
	found, err := h.svc.ProductsByID(ctx, []int64{id}, commerce.ProductSideloads{Variants: true})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if len(found) == 0 {
		return nil, notFound("product", tradegeckoID(gid.Product, id))
	}
	items, err := h.products(ctx, found[:1])
	if err != nil {
		return nil, err
	}
	return &productOutput{Body: items[0]}, nil
}

// products renders products with their variants: the sideloaded ones, or
// (should a backend not have sideloaded them) one batched lookup.
func (h *handlers) products(ctx context.Context, ps []commerce.Product) ([]Product, error) {
	var missing []int64
	for _, p := range ps {
		if !p.VariantsLoaded {
			missing = append(missing, p.VariantIDs...)
		}
	}
	byID := map[int64]commerce.Variant{}
	if len(missing) > 0 {
		vs, err := h.svc.VariantsByID(ctx, missing)
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		for _, v := range vs {
			byID[v.ID] = v
		}
	}
	out := make([]Product, len(ps))
	for i, p := range ps {
		variants := p.Variants
		if !p.VariantsLoaded {
			variants = nil
			for _, id := range p.VariantIDs {
				if v, ok := byID[id]; ok {
					variants = append(variants, v)
				}
			}
		}
		out[i] = h.toProduct(ctx, p, variants)
	}
	return out, nil
}

func (h *handlers) toProduct(ctx context.Context, p commerce.Product, variants []commerce.Variant) Product {
	out := Product{ID: tradegeckoID(gid.Product, p.ID), Name: p.Name, Description: p.Description, Brand: p.Brand,
		ProductType: p.ProductType, Status: string(p.Status), Tags: strings0(p.Tags), Options: strings0(p.OptionNames),
		ImageIDs: tradegeckoIDs(gid.Image, p.ImageIDs), Variants: make([]Variant, len(variants)),
		CreatedAt: toDateTime(p.CreatedAt), UpdatedAt: toDateTime(p.UpdatedAt)}
	for i := range variants {
		out.Variants[i] = h.toVariant(ctx, &variants[i])
	}
	return out
}

// toVariant renders a variant; cost data is left out (null, and no buy
// price list) unless the Service says the caller may see it.
func (h *handlers) toVariant(ctx context.Context, v *commerce.Variant) Variant {
	out := Variant{ID: tradegeckoID(gid.Variant, v.ID), SKU: v.SKU, Name: v.Name, Description: v.Description,
		ProductID: tradegeckoID(gid.Product, v.ProductID), Status: string(v.Status), Options: strings0(v.OptionValues),
		Taxable: v.Taxable, UPC: v.UPC, Weight: optDecimal(v.Weight), WeightUnit: v.WeightUnit,
		RetailPrice: optMoney(v.RetailPrice), WholesalePrice: optMoney(v.WholesalePrice), BuyPrice: Null[Money](),
		Inventory: toInventory(v.Inventory), StockLevels: make([]StockLevel, len(v.StockLevels)),
		ImageIDs: tradegeckoIDs(gid.Image, v.ImageIDs), CreatedAt: toDateTime(v.CreatedAt), UpdatedAt: toDateTime(v.UpdatedAt)}
	if buy, err := h.svc.BuyPrice(ctx, v); err == nil {
		out.BuyPrice = optMoney(buy)
	}
	prices := h.svc.Prices(ctx, v)
	out.Prices = make([]VariantPrice, len(prices))
	for i, p := range prices {
		out.Prices[i] = VariantPrice{PriceListID: p.PriceListID, Price: toMoney(p.Price)}
	}
	for i, s := range v.StockLevels {
		out.StockLevels[i] = StockLevel{LocationID: tradegeckoID(gid.Location, s.LocationID), OnHand: toDecimal(s.OnHand),
			Committed: toDecimal(s.Committed), Incoming: toDecimal(s.Incoming), Available: toDecimal(s.Available), BinLocation: s.BinLocation}
	}
	return out
}

func toInventory(inv commerce.Inventory) Inventory {
	return Inventory{Tracked: inv.Tracked, OnHand: toDecimal(inv.OnHand), Committed: toDecimal(inv.Committed),
		Incoming: toDecimal(inv.Incoming), Available: toDecimal(inv.Available), DisplayQuantity: optDecimal(inv.DisplayQuantity),
		MaxOnline: optDecimal(inv.MaxOnline), CanSell: inv.CanSell, KeepSelling: inv.KeepSelling}
}

type listVariantsInput struct {
	PageParams
	IDs       []string `query:"ids,explode" doc:"Only these variants: global or bare ids, repeated or comma-separated (at most 250)."`
	SKU       string   `query:"sku"`
	ProductID string   `query:"productId" doc:"The variants of one product: its global or bare id."`
	Status    string   `query:"status" enum:"ACTIVE,ARCHIVED"`
}

func (h *handlers) listVariants(ctx context.Context, in *listVariantsInput) (*pageOutput[Variant], error) {
	w, err := in.window("variants")
	if err != nil {
		return nil, err
	}
	var fe fieldErrors
	f := commerce.VariantFilter{IDs: queryIDs(&fe, "ids", gid.Variant, in.IDs), SKU: queryText(&fe, "sku", in.SKU),
		Status: commerce.VariantStatus(in.Status)}
	if in.ProductID != "" {
		if f.ProductID, err = parseTradegeckoID(gid.Product, in.ProductID); err != nil {
			fe.add([]string{"productId"}, "query", "%v", err)
		}
	}
	if err := fe.problem(); err != nil {
		return nil, err
	}
	page, err := h.svc.ListVariants(ctx, commerce.VariantQuery{Filter: f, Window: w})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	items := make([]Variant, len(page.Items))
	for i := range page.Items {
		items[i] = h.toVariant(ctx, &page.Items[i])
	}
	return newPage(ctx, "variants", w, items, page.Total), nil
}

type variantOutput struct{ Body Variant }

func (h *handlers) getVariant(ctx context.Context, in *idPath) (*variantOutput, error) {
	id, err := pathID(ctx, "id", gid.Variant, in.ID)
	if err != nil {
		return nil, err
	}
	found, err := h.svc.VariantsByID(ctx, []int64{id})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if len(found) == 0 {
		return nil, notFound("variant", tradegeckoID(gid.Variant, id))
	}
	return &variantOutput{Body: h.toVariant(ctx, &found[0])}, nil
}

type noInput struct{}

func (h *handlers) listLocations(ctx context.Context, _ *noInput) (*listOutput[Location], error) {
	locs, err := h.svc.Locations(ctx)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := make([]Location, len(locs))
	for i := range locs {
		out[i] = toLocation(&locs[i])
	}
	return newList(out), nil
}

func toLocation(l *commerce.Location) Location {
	return Location{ID: tradegeckoID(gid.Location, l.ID), Label: l.Label, Address1: l.Address1, Address2: l.Address2,
		Suburb: l.Suburb, City: l.City, State: l.State, ZipCode: l.ZipCode, Country: l.Country, HoldsStock: l.HoldsStock}
}

func (h *handlers) listCurrencies(ctx context.Context, _ *noInput) (*listOutput[Currency], error) {
	curs, err := h.svc.Currencies(ctx)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := make([]Currency, len(curs))
	for i := range curs {
		out[i] = toCurrency(&curs[i])
	}
	return newList(out), nil
}

func toCurrency(c *commerce.Currency) Currency {
	return Currency{ID: tradegeckoID(gid.Currency, c.ID), Code: c.Code.Code(), Name: c.Name, Symbol: c.Symbol,
		Rate: toDecimal(c.Rate), IsBase: c.IsBase}
}

func notFound(what, id string) *Problem {
	return NewProblem(http.StatusNotFound, commerce.CodeNotFound, what+" "+clip(id)+" was not found", nil)
}

// strings0 is s, or an empty list for nil (lists are never null).
func strings0(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
