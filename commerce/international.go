package commerce

import (
	"context"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// International is what the gateway needs from the international order
// backend (TradeGlobal Commerce): placing an order returns a landed-cost
// quote.
type International interface {
	// Validate checks an order against the backend's documented rules
	// (required fields, lengths, codes, units, amounts) before anything is
	// sent. Field paths are relative to the order (["products","0","unitPrice"]).
	Validate(o InternationalOrderInput) []UserError
	// PlaceOrder sends the order. It answers the quote; a *Rejection when
	// the backend refused it (Status FAILED, with its ErrorMessage);
	// ErrAlreadyPlaced when the backend says the MerchantOrderID exists
	// (an earlier attempt landed; its quote is then unknown); other errors
	// when no answer came (the order may or may not have landed).
	PlaceOrder(ctx context.Context, o InternationalOrderInput) (Quote, error)
	// Learn finds out whether o, sent before without an answer, was
	// placed (see LostWrite): the quote, when learning placed it now;
	// nil when it was placed but its quote is lost.
	Learn(ctx context.Context, o InternationalOrderInput) (*Quote, LostWrite)
	// Currency is the currency of the backend's amounts.
	Currency() money.Currency
}

// ErrAlreadyPlaced is returned by International.PlaceOrder when the
// backend already has an order with the MerchantOrderID.
var ErrAlreadyPlaced = errors.New("the backend already has an order with this merchant order id")

// InternationalOrderInput is an order for TradeGlobal.
type InternationalOrderInput struct {
	MerchantOrderID string
	ServiceCode     string
	ShipTo          ShipTo
	Products        []InternationalProduct
}

// ShipTo is the consignee.
type ShipTo struct {
	FirstName     string
	LastName      string
	Address1      string
	Address2      string
	City          string
	StateProvince string
	Postal        string
	Country       string // ISO 3166-1 alpha-2
	Phone         string
	Email         string
}

// InternationalProduct is a line of an international order. The customs
// fields are needed only for SKUs the backend has not seen.
type InternationalProduct struct {
	SKU                          string
	Quantity                     int
	UnitPrice                    decimal.Decimal
	Name                         string
	Description                  string
	HarmonizedTariffCode         string
	CountryOfOrigin              string
	Length                       *decimal.Decimal
	Width                        *decimal.Decimal
	Height                       *decimal.Decimal
	SizeUOM                      string // IN, CM, MM
	Weight                       *decimal.Decimal
	WeightUOM                    string // KG, LBS, OZ, G
	CommercialInvoiceDescription string
}

// Quote is the backend's landed-cost quote, carried as given (never
// recomputed: the backend's own figures need not add up).
type Quote struct {
	QuoteID   string
	TotalCost money.Money
	Customs   QuoteGroup
	Import    QuoteGroup
	Service   QuoteGroup
	Shipping  QuoteGroup
}

// QuoteGroup is one part of a quote.
type QuoteGroup struct {
	Fees      []QuoteCharge
	Discounts []QuoteCharge
	Total     money.Money
}

// QuoteCharge is one fee or discount.
type QuoteCharge struct {
	Type           string // Duty, VAT, Freight, …
	Classification string // Import, Shipping, …
	Amount         money.Money
}

// InternationalOrder is an order the gateway placed, as its ledger holds it.
type InternationalOrder struct {
	MerchantOrderID string
	ServiceCode     string
	Status          InternationalOrderStatus
	PlacedAt        time.Time
	Quote           *Quote // nil when the outcome was learned without it
	Input           InternationalOrderInput
}

// InternationalOrderStatus is how the gateway knows an order stands.
type InternationalOrderStatus string

// International order statuses.
const (
	// InternationalPlaced: the backend accepted it and answered its quote.
	InternationalPlaced InternationalOrderStatus = "PLACED"
	// InternationalPlacedNoQuote: the backend has it (it refused a resend as
	// a duplicate), but the answer with the quote was lost.
	InternationalPlacedNoQuote InternationalOrderStatus = "PLACED_QUOTE_UNKNOWN"
)
