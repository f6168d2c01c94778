package commerce

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// Orders is what the gateway needs from the order backend (TradeGecko):
// sales orders, their customers, shipments and returns.
//
// Writes take a WriteKey: a stable name for the write, derived from the
// client's idempotency key, from which the backend derives its own
// idempotency key and anything else it needs to find the write again after
// a lost answer (see the adapter's doc). The same WriteKey always names
// the same write.
type Orders interface {
	ListOrders(ctx context.Context, q OrderQuery) (Page[Order], error)
	OrdersByID(ctx context.Context, ids []int64, sl OrderSideloads) ([]Order, error)
	OrderLineItemsByID(ctx context.Context, ids []int64) ([]OrderLineItem, error)
	CompaniesByID(ctx context.Context, ids []int64) ([]Company, error)
	AddressesByID(ctx context.Context, ids []int64) ([]Address, error)
	// FulfillmentsByOrder and ReturnsByOrder return the records of the
	// given orders, with their line items.
	FulfillmentsByOrder(ctx context.Context, orderIDs []int64) ([]Fulfillment, error)
	ReturnsByOrder(ctx context.Context, orderIDs []int64) ([]Return, error)
	FulfillmentsByID(ctx context.Context, ids []int64) ([]Fulfillment, error)
	ReturnsByID(ctx context.Context, ids []int64) ([]Return, error)
	// OrderOf returns the order one of its records belongs to (0: the
	// record is gone). record is the backend's name for a fulfillment, a
	// return, an invoice or a payment, as its webhooks name them
	// ("fulfillment", "fulfillment_return", "invoice", "payment").
	OrderOf(ctx context.Context, record string, id int64) (int64, error)

	// ValidateOrder checks an order against the backend's own rules (its
	// amounts' precision, …) before anything is sent. Field paths are
	// relative to the input (["lineItems","0","price"]). The rules of the
	// gateway itself (required fields, lengths, what a storefront key may
	// set) are checked by the Service first.
	ValidateOrder(o NewOrder) []UserError
	CreateOrder(ctx context.Context, o NewOrder, key WriteKey) (Order, error)
	// OrderAction performs a on cur, the order as the Service read it just
	// before (it decided from cur's status that a may be sent, and that its
	// effect is not in place yet), and answers the order after it.
	OrderAction(ctx context.Context, cur Order, a OrderAction, key WriteKey) (Order, error)
	CreateReturn(ctx context.Context, r NewReturn, key WriteKey) (Return, error)
}

// WriteKey names one write for its whole life: the gateway derives it from
// the caller's idempotency key (scoped to the caller's API key), so a retry
// of the same write carries the same WriteKey, across processes too.
type WriteKey string

// OrderStatus is an order's lifecycle state.
type OrderStatus string

// Order statuses.
const (
	OrderDraft     OrderStatus = "DRAFT"
	OrderActive    OrderStatus = "ACTIVE"
	OrderFinalized OrderStatus = "FINALIZED"
	OrderFulfilled OrderStatus = "FULFILLED"
	OrderVoid      OrderStatus = "VOID"
	OrderDeleted   OrderStatus = "DELETED"
	OrderOther     OrderStatus = "OTHER"
)

// Progress is how far along one aspect of an order is (payment, invoicing,
// packing, shipping, returns): NONE, PARTIAL or FULL, named per aspect in
// the schema (UNPAID/PARTIAL/PAID…).
type Progress string

// Progress values.
const (
	ProgressNone    Progress = "NONE"
	ProgressPartial Progress = "PARTIAL"
	ProgressFull    Progress = "FULL"
	ProgressOther   Progress = "OTHER"
)

// Order is a sales order.
type Order struct {
	ID                int64
	OrderNumber       string
	Status            OrderStatus
	PaymentStatus     Progress
	InvoiceStatus     Progress
	PackedStatus      Progress
	FulfillmentStatus Progress
	ReturnStatus      Progress
	IssuedAt          time.Time
	Total             *money.Money
	Currency          money.Currency
	CompanyID         int64
	ShippingAddressID int64
	BillingAddressID  int64
	Email             string
	Notes             string
	ReferenceNumber   string
	Tags              []string
	LineItemIDs       []int64
	FulfillmentIDs    []int64
	ReturnIDs         []int64
	CreatedAt         time.Time
	UpdatedAt         time.Time

	// Sideloaded records, when asked for (see OrderSideloads).
	LineItems       []OrderLineItem
	LineItemsLoaded bool
	Company         *Company
	CompanyLoaded   bool
	ShippingAddress *Address
	BillingAddress  *Address
	AddressesLoaded bool
}

// LineType is what an order line is for.
type LineType string

// Line types.
const (
	LineProduct  LineType = "PRODUCT"
	LineDiscount LineType = "DISCOUNT"
	LineShipping LineType = "SHIPPING"
	LineRounding LineType = "ROUNDING"
	LineFee      LineType = "FEE"
	LineGiftWrap LineType = "GIFT_WRAP"
	LineOther    LineType = "OTHER"
)

// OrderLineItem is one line of an order.
type OrderLineItem struct {
	ID        int64
	OrderID   int64
	VariantID int64 // 0 for freeform lines
	Quantity  decimal.Decimal
	Price     money.Money
	Discount  *decimal.Decimal // percent
	Label     string
	Freeform  bool
	LineType  LineType
	Position  int
}

// CompanyType is what a company is to the merchant.
type CompanyType string

// Company types.
const (
	CompanyBusiness CompanyType = "BUSINESS"
	CompanyConsumer CompanyType = "CONSUMER"
	CompanySupplier CompanyType = "SUPPLIER"
	CompanyOther    CompanyType = "OTHER"
)

// Company is a customer (or supplier).
type Company struct {
	ID          int64
	Name        string
	CompanyType CompanyType
	CompanyCode string
	Email       string
	Phone       string
	AddressIDs  []int64
}

// Address is a company's address.
type Address struct {
	ID          int64
	CompanyID   int64
	Label       string
	FirstName   string
	LastName    string
	CompanyName string
	Address1    string
	Address2    string
	Suburb      string
	City        string
	State       string
	ZipCode     string
	Country     string
	CountryCode string
	Phone       string
	Email       string
}

// FulfillmentState is a shipment's state.
type FulfillmentState string

// Fulfillment states.
const (
	FulfillmentPacked    FulfillmentState = "PACKED"
	FulfillmentFulfilled FulfillmentState = "FULFILLED"
	FulfillmentVoid      FulfillmentState = "VOID"
	FulfillmentDeleted   FulfillmentState = "DELETED"
	FulfillmentOther     FulfillmentState = "OTHER"
)

// Fulfillment is a shipment of some of an order's lines.
type Fulfillment struct {
	ID        int64
	OrderID   int64
	Status    FulfillmentState
	Tracking  Tracking
	PackedAt  time.Time
	ShippedAt time.Time
	LineItems []FulfillmentLineItem
}

// FulfillmentLineItem is how much of an order line a shipment holds.
type FulfillmentLineItem struct {
	ID              int64
	OrderLineItemID int64
	VariantID       int64
	Quantity        decimal.Decimal
}

// Tracking describes how goods travel.
type Tracking struct {
	TrackingNumber  string
	TrackingCompany string
	TrackingURL     string
	Service         string
	Notes           string
}

// ReturnState is a return's state.
type ReturnState string

// Return states.
const (
	ReturnReturning ReturnState = "RETURNING"
	ReturnReceived  ReturnState = "RECEIVED"
	ReturnVoid      ReturnState = "VOID"
	ReturnDeleted   ReturnState = "DELETED"
	ReturnOther     ReturnState = "OTHER"
)

// Return is goods coming back for an order (a fulfillment return).
type Return struct {
	ID               int64
	OrderID          int64
	Status           ReturnState
	CreditNoteNumber string
	LocationID       int64
	Notes            string
	Tracking         Tracking
	ReceivedAt       time.Time
	CreatedAt        time.Time
	LineItems        []ReturnLineItem
}

// ReturnLineItem is how much of an order line comes back.
type ReturnLineItem struct {
	ID              int64
	OrderLineItemID int64
	Quantity        decimal.Decimal
}

// OrderFilter narrows an order list.
type OrderFilter struct {
	IDs          []int64
	Status       []OrderStatus // any of
	CompanyID    int64
	OrderNumber  string
	UpdatedAfter time.Time
}

// OrderSideloads says which related records to load with orders.
type OrderSideloads struct {
	LineItems bool
	Company   bool
	Addresses bool
}

// OrderQuery asks for a page of orders.
type OrderQuery struct {
	Filter    OrderFilter
	Window    Window
	Sideloads OrderSideloads
}

// NewOrder is an order to create, validated (see CreateOrderInput).
type NewOrder struct {
	CompanyID         int64
	Company           *NewCompany
	ShippingAddressID int64
	ShippingAddress   *NewAddress
	BillingAddressID  int64
	BillingAddress    *NewAddress
	IssuedAt          time.Time // zero: today
	Status            OrderStatus
	Currency          money.Currency // zero: the account's
	Email             string
	Notes             string
	ReferenceNumber   string
	Tags              []string
	LineItems         []NewOrderLine
}

// NewCompany is a company created with an order.
type NewCompany struct {
	Name        string
	CompanyType CompanyType
	Email       string
	Phone       string
	CompanyCode string
}

// NewAddress is an address created with an order.
type NewAddress struct {
	Label     string
	FirstName string
	LastName  string
	Address1  string
	Address2  string
	Suburb    string
	City      string
	State     string
	ZipCode   string
	Country   string
	Phone     string
	Email     string
}

// NewOrderLine is a line of a new order. A nil Price takes the price from
// the order's price list.
type NewOrderLine struct {
	VariantID int64
	Quantity  decimal.Decimal
	Price     *decimal.Decimal
	Discount  *decimal.Decimal
	Label     string
	Freeform  bool
	LineType  LineType
}

// ActionKind is an order action.
type ActionKind string

// Order actions. What each may start from is actionRules (order_ops.go).
const (
	ActionConfirm ActionKind = "confirm" // a draft becomes ACTIVE
	ActionInvoice ActionKind = "invoice"
	ActionPay     ActionKind = "pay"
	ActionPack    ActionKind = "pack"
	ActionFulfil  ActionKind = "fulfil"
	ActionVoid    ActionKind = "void"
)

// OrderAction is an action with its optional attributes.
type OrderAction struct {
	Kind ActionKind
	// invoice
	DueAt      time.Time
	InvoicedAt time.Time
	Notes      string
	// pay
	PaymentMethodName string
	PaidAt            time.Time
	// pack, fulfil
	Tracking *Tracking
}

// InPlace reports whether the action's effect is already in place on o, so
// performing it again must do nothing.
func (a OrderAction) InPlace(o Order) bool {
	switch a.Kind {
	case ActionConfirm:
		return o.Status == OrderActive || o.Status == OrderFinalized || o.Status == OrderFulfilled
	case ActionInvoice:
		return o.InvoiceStatus == ProgressFull
	case ActionPay:
		return o.PaymentStatus == ProgressFull
	case ActionPack:
		return o.PackedStatus == ProgressFull || o.FulfillmentStatus == ProgressFull
	case ActionFulfil:
		return o.FulfillmentStatus == ProgressFull || o.Status == OrderFulfilled
	case ActionVoid:
		return o.Status == OrderVoid
	}
	return false
}

// NewReturn is a return to create.
type NewReturn struct {
	OrderID   int64
	LineItems []NewReturnLine
	Notes     string
	Tracking  *Tracking
}

// NewReturnLine is how much of an order line to return.
type NewReturnLine struct {
	OrderLineItemID int64
	Quantity        decimal.Decimal
}
