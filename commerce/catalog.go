package commerce

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// Catalog is what the gateway needs from the catalog backend (TradeGecko).
// The adapter implements it; a cache decorates it; tests fake it.
//
// ByID methods return the records found, in any order; ids that do not
// exist are simply absent. List methods return one page and the total.
// Records returned are read-only: their slices and pointers may be shared
// with other callers (the cache hands the same decoded record to every
// request that reads it), so copy before changing anything.
type Catalog interface {
	// Reference data: loaded at start-up and refreshed in the background by
	// the implementation, never fetched per query. Locations are every
	// location the backend lists, each with Active set (inactive ones
	// included where the backend lists them): which ones a client's list
	// shows is the Service's rule, not the backend's.
	Account(ctx context.Context) (Account, error)
	Currencies(ctx context.Context) ([]Currency, error)
	Locations(ctx context.Context) ([]Location, error)

	ListProducts(ctx context.Context, q ProductQuery) (Page[Product], error)
	ProductsByID(ctx context.Context, ids []int64, sl ProductSideloads) ([]Product, error)
	ListVariants(ctx context.Context, q VariantQuery) (Page[Variant], error)
	VariantsByID(ctx context.Context, ids []int64) ([]Variant, error)
	ImagesByID(ctx context.Context, ids []int64) ([]Image, error)
}

// Page is one page of a list: the items and the total number of matches.
type Page[T any] struct {
	Items []T
	Total int
}

// MaxPageLimit is the largest limit a list operation accepts.
const MaxPageLimit = 250

// Window is the slice of a list asked for.
type Window struct {
	Offset int
	Limit  int // 1..MaxPageLimit
}

// ProductStatus is a product's lifecycle state.
type ProductStatus string

// Product statuses. OTHER stands for a value the backend documents nowhere.
const (
	ProductActive   ProductStatus = "ACTIVE"
	ProductDisabled ProductStatus = "DISABLED"
	ProductArchived ProductStatus = "ARCHIVED"
	ProductOther    ProductStatus = "OTHER"
)

// VariantStatus is a variant's lifecycle state.
type VariantStatus string

// Variant statuses.
const (
	VariantActive   VariantStatus = "ACTIVE"
	VariantArchived VariantStatus = "ARCHIVED"
	VariantOther    VariantStatus = "OTHER"
)

// ProductFilter narrows a product list. Zero fields do not filter.
type ProductFilter struct {
	IDs          []int64
	Status       ProductStatus
	Brand        string
	ProductType  string
	Tags         []string // any of
	UpdatedAfter time.Time
}

// ProductSideloads says which related records to load with products.
type ProductSideloads struct {
	Variants bool
	Images   bool
	// IncludedOnly asks for the sideloads only if the backend sends them
	// with the products in the same request; otherwise the products come
	// without them (VariantsLoaded false) rather than at the price of more
	// requests. A cache uses it to fill a block of 250 products cheaply and
	// look up the variants of just the products asked for.
	IncludedOnly bool
}

// ProductQuery asks for a page of products.
type ProductQuery struct {
	Filter    ProductFilter
	Window    Window
	Sideloads ProductSideloads
}

// VariantFilter narrows a variant list.
type VariantFilter struct {
	IDs          []int64
	SKU          string
	ProductID    int64
	Status       VariantStatus
	UpdatedAfter time.Time
}

// VariantQuery asks for a page of variants.
type VariantQuery struct {
	Filter VariantFilter
	Window Window
}

// Account is the merchant's account on the catalog backend.
type Account struct {
	ID                      int64
	Name                    string
	Country                 string
	TimeZone                string
	Currency                money.Currency // the base currency: catalog prices are in it
	DefaultOrderPriceListID string
	PrimaryLocationID       int64
}

// Currency is a currency the merchant trades in.
type Currency struct {
	ID        int64
	Code      money.Currency
	Name      string
	Symbol    string
	Rate      decimal.Decimal // against the account's base currency
	Precision int
	IsBase    bool
}

// Location is a warehouse or office.
type Location struct {
	ID         int64
	Label      string
	Address1   string
	Address2   string
	Suburb     string
	City       string
	State      string
	ZipCode    string
	Country    string
	HoldsStock bool
	Active     bool // false once archived: Service.Locations leaves it out
}

// Image is a product image, shared by some of its variants.
type Image struct {
	ID         int64
	ProductID  int64
	VariantIDs []int64
	URL        string
	FileName   string
	Position   int
	Versions   []string
}

// Product is a sellable item with its variants.
type Product struct {
	ID          int64
	Name        string
	Description string
	Brand       string
	ProductType string
	Status      ProductStatus
	Tags        []string
	OptionNames []string // e.g. ["Size", "Colour"]
	ImageIDs    []int64
	VariantIDs  []int64
	CreatedAt   time.Time
	UpdatedAt   time.Time

	// Variants and Images hold sideloaded records when the query asked for
	// them (VariantsLoaded / ImagesLoaded say so), saving a lookup per product.
	Variants       []Variant
	VariantsLoaded bool
	Images         []Image
	ImagesLoaded   bool
}

// Variant is one purchasable version of a product (a size, a flavour).
type Variant struct {
	ID           int64
	ProductID    int64
	ProductName  string
	SKU          string
	Name         string
	Description  string
	Status       VariantStatus
	OptionValues []string // e.g. ["Large"]
	Taxable      bool
	UPC          string
	Weight       *decimal.Decimal
	WeightUnit   string

	RetailPrice    *money.Money
	WholesalePrice *money.Money
	BuyPrice       *money.Money   // cost data: admin only (see Service.BuyPrice)
	Prices         []VariantPrice // per price list, including "buy": admin only

	Inventory   Inventory
	StockLevels []StockLevel
	ImageIDs    []int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// VariantPrice is a variant's price on one price list.
type VariantPrice struct {
	PriceListID string
	Price       money.Money
}

// BuyPriceList is the price list holding cost prices.
const BuyPriceList = "buy"

// Inventory is what a storefront may show and sell, following the rules of
// TradeGecko's Sales Channel guide: untracked stock is always sellable,
// keepSelling allows selling at zero or below, and the quantity shown never
// exceeds MaxOnline.
type Inventory struct {
	Tracked     bool
	OnHand      decimal.Decimal
	Committed   decimal.Decimal
	Incoming    decimal.Decimal
	Available   decimal.Decimal  // on hand minus committed
	MaxOnline   *decimal.Decimal // cap on what a storefront shows
	KeepSelling bool
	// DisplayQuantity is what a storefront may show: nil when stock is not
	// tracked; otherwise max(Available, 0) capped at MaxOnline.
	DisplayQuantity *decimal.Decimal
	CanSell         bool
}

// StockLevel is a variant's stock at one location.
type StockLevel struct {
	LocationID  int64
	OnHand      decimal.Decimal
	Committed   decimal.Decimal
	Incoming    decimal.Decimal
	Available   decimal.Decimal
	BinLocation string
}

// NewInventory applies the storefront rules to a variant's stock figures.
// sellable is the backend's own "may be sold" flag for the variant.
func NewInventory(tracked, keepSelling, sellable bool, onHand, committed, incoming decimal.Decimal, maxOnline *decimal.Decimal) Inventory {
	inv := Inventory{
		Tracked:     tracked,
		OnHand:      onHand,
		Committed:   committed,
		Incoming:    incoming,
		Available:   onHand.Sub(committed),
		MaxOnline:   maxOnline,
		KeepSelling: keepSelling,
	}
	if tracked {
		show := decimal.Max(inv.Available, decimal.Zero)
		if maxOnline != nil && show.GreaterThan(*maxOnline) {
			show = decimal.Max(*maxOnline, decimal.Zero)
		}
		inv.DisplayQuantity = &show
	}
	inv.CanSell = sellable && (!tracked || keepSelling || inv.Available.IsPositive())
	return inv
}
