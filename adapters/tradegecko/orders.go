package tradegecko

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// OrdersService reads, creates and acts on sales orders and their lines.
type OrdersService service

// Order is a sales order as the API sends it.
type Order struct {
	ID                   Int     `json:"id"`
	CreatedAt            Time    `json:"created_at"`
	UpdatedAt            Time    `json:"updated_at"`
	OrderNumber          Text    `json:"order_number"`
	Status               Text    `json:"status"`
	PaymentStatus        Text    `json:"payment_status"`
	InvoiceStatus        Text    `json:"invoice_status"`
	PackedStatus         Text    `json:"packed_status"`
	FulfillmentStatus    Text    `json:"fulfillment_status"`
	ReturnStatus         Text    `json:"return_status"`
	ReturningStatus      Text    `json:"returning_status"`
	IssuedAt             Time    `json:"issued_at"`
	ShipAt               Time    `json:"ship_at"`
	CompanyID            Int     `json:"company_id"`
	ShippingAddressID    Int     `json:"shipping_address_id"`
	BillingAddressID     Int     `json:"billing_address_id"`
	CurrencyID           Int     `json:"currency_id"`
	StockLocationID      Int     `json:"stock_location_id"`
	DefaultPriceListID   Text    `json:"default_price_list_id"`
	Email                Text    `json:"email"`
	PhoneNumber          Text    `json:"phone_number"`
	Notes                Text    `json:"notes"`
	ReferenceNumber      Text    `json:"reference_number"`
	TaxTreatment         Text    `json:"tax_treatment"`
	Total                Decimal `json:"total"`
	Tags                 Tags    `json:"tags"`
	OrderLineItemIDs     IDs     `json:"order_line_item_ids"`
	FulfillmentIDs       IDs     `json:"fulfillment_ids"`
	FulfillmentReturnIDs IDs     `json:"fulfillment_return_ids"`
	InvoiceIDs           IDs     `json:"invoice_ids"`
	PaymentIDs           IDs     `json:"payment_ids"`
}

// OrderLineItem is one line of an order.
type OrderLineItem struct {
	ID                           Int     `json:"id"`
	CreatedAt                    Time    `json:"created_at"`
	UpdatedAt                    Time    `json:"updated_at"`
	OrderID                      Int     `json:"order_id"`
	VariantID                    Int     `json:"variant_id"`
	Quantity                     Decimal `json:"quantity"`
	Price                        Decimal `json:"price"`
	Discount                     Decimal `json:"discount"`
	Label                        Text    `json:"label"`
	Freeform                     Bool    `json:"freeform"`
	LineType                     Text    `json:"line_type"`
	Position                     Int     `json:"position"`
	TaxTypeID                    Int     `json:"tax_type_id"`
	FulfillmentLineItemIDs       IDs     `json:"fulfillment_line_item_ids"`
	FulfillmentReturnLineItemIDs IDs     `json:"fulfillment_return_line_item_ids"`
}

// NewOrder is the body of POST /orders and of PUT /orders/{id} (where
// OrderLineItems are appended: the documented multi-part create).
type NewOrder struct {
	CompanyID         int64          `json:"company_id,omitempty"`
	Company           *NewCompany    `json:"company,omitempty"`
	ShippingAddressID int64          `json:"shipping_address_id,omitempty"`
	ShippingAddress   *NewAddress    `json:"shipping_address,omitempty"`
	BillingAddressID  int64          `json:"billing_address_id,omitempty"`
	BillingAddress    *NewAddress    `json:"billing_address,omitempty"`
	IssuedAt          string         `json:"issued_at,omitempty"` // 2006-01-02
	Status            string         `json:"status,omitempty"`
	CurrencyISO       string         `json:"currency_iso,omitempty"`
	OrderNumber       string         `json:"order_number,omitempty"`
	Email             string         `json:"email,omitempty"`
	Notes             string         `json:"notes,omitempty"`
	ReferenceNumber   string         `json:"reference_number,omitempty"`
	Tags              []string       `json:"tags,omitempty"`
	OrderLineItems    []NewOrderLine `json:"order_line_items,omitempty"`
}

// NewOrderLine is a line of a new order. Decimals are written as JSON
// strings, exactly as given.
type NewOrderLine struct {
	VariantID int64  `json:"variant_id,omitempty"`
	Quantity  string `json:"quantity"`
	Price     string `json:"price,omitempty"`
	Discount  string `json:"discount,omitempty"`
	Label     string `json:"label,omitempty"`
	Freeform  bool   `json:"freeform,omitempty"`
	LineType  string `json:"line_type,omitempty"`
}

// Order sideloads (include=).
const (
	IncludeOrderLineItems  = "order_line_items"
	IncludeShippingAddress = "shipping_address"
	IncludeBillingAddress  = "billing_address"
	IncludeCompany         = "company"
)

// OrderListOptions filters GET /orders.
type OrderListOptions struct {
	ListOptions
	Filter
	CompanyIDs  []int64
	OrderNumber string
	Include     []string
}

func (o *OrderListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.Filter.encode(q)
	if len(o.CompanyIDs) > 0 {
		q.Set("company_id", joinIDs(o.CompanyIDs))
	}
	if o.OrderNumber != "" {
		q.Set("order_number", o.OrderNumber)
	}
	setInclude(q, o.Include)
	return q
}

// OrderPage is an orders response with its sideloads; a nil slice pointer
// means the server did not send that key.
type OrderPage struct {
	Orders         []Order          `json:"orders"`
	Order          *Order           `json:"order"`
	OrderLineItems *[]OrderLineItem `json:"order_line_items"`
	Addresses      *[]Address       `json:"addresses"`
	Companies      *[]Company       `json:"companies"`
}

// List returns one page of orders and the sideloads asked for.
func (s *OrdersService) List(ctx context.Context, opts *OrderListOptions) (*OrderPage, *Response, error) {
	var page OrderPage
	resp, err := s.client.get(ctx, "orders", opts.values(), &page)
	return &page, resp, err
}

// All iterates over every order matching opts (without sideloads).
func (s *OrdersService) All(ctx context.Context, opts *OrderListOptions) iter.Seq2[Order, error] {
	o := OrderListOptions{}
	if opts != nil {
		o = *opts
	}
	o.Include = nil
	return pages(ctx, func(ctx context.Context, page int) ([]Order, *Response, error) {
		o.ListOptions = ListOptions{Page: page, Limit: MaxLimit}
		p, resp, err := s.List(ctx, &o)
		return p.Orders, resp, err
	})
}

// Get returns one order and the sideloads asked for.
func (s *OrdersService) Get(ctx context.Context, id int64, include ...string) (*OrderPage, *Response, error) {
	q := url.Values{}
	setInclude(q, include)
	var page OrderPage
	resp, err := s.client.getOne(ctx, "orders/"+strconv.FormatInt(id, 10), q, &page, "order", func() bool { return page.Order != nil })
	return &page, resp, err
}

// Create creates an order. With a key, a retry after a timeout is safe:
// the API creates the order once and answers a replay with 400
// "Duplicate Idempotency Key header detected" (IsDuplicateKey).
func (s *OrdersService) Create(ctx context.Context, o *NewOrder, key string) (*Order, *Response, error) {
	var body struct {
		Order *Order `json:"order"`
	}
	resp, err := s.client.send(ctx, http.MethodPost, "orders", map[string]any{"order": o}, key, &body)
	if err == nil && body.Order == nil {
		err = &DecodeError{Method: http.MethodPost, Path: "/orders", RequestID: resp.RequestID, Err: errMissingKey("order")}
	}
	return body.Order, resp, err
}

// Update changes an order; its OrderLineItems are appended. The API
// answers 204 (or 200 with the order).
func (s *OrdersService) Update(ctx context.Context, id int64, o *NewOrder, key string) (*Response, error) {
	return s.client.send(ctx, http.MethodPut, "orders/"+strconv.FormatInt(id, 10), map[string]any{"order": o}, key, nil)
}

// Order actions.
const (
	ActionInvoice = "invoice"
	ActionPay     = "pay"
	ActionPack    = "pack"
	ActionFulfil  = "fulfil"
	ActionVoid    = "void"
)

// ActionAttributes are the documented optional attributes of an action:
// {"invoice":{…}}, {"payment":{…}} or {"fulfillment":{…}}.
type ActionAttributes struct {
	Invoice     *InvoiceAttributes     `json:"invoice,omitempty"`
	Payment     *PaymentAttributes     `json:"payment,omitempty"`
	Fulfillment *FulfillmentAttributes `json:"fulfillment,omitempty"`
}

// InvoiceAttributes go with the invoice action.
type InvoiceAttributes struct {
	DueAt      string `json:"due_at,omitempty"`
	InvoicedAt string `json:"invoiced_at,omitempty"`
	Notes      string `json:"notes,omitempty"`
}

// PaymentAttributes go with the pay action.
type PaymentAttributes struct {
	PaymentMethodName string `json:"payment_method_name,omitempty"`
	PaidAt            string `json:"paid_at,omitempty"`
}

// FulfillmentAttributes go with the pack and fulfil actions.
type FulfillmentAttributes struct {
	TrackingNumber  string `json:"tracking_number,omitempty"`
	TrackingCompany string `json:"tracking_company,omitempty"`
	TrackingURL     string `json:"tracking_url,omitempty"`
	Service         string `json:"service,omitempty"`
	Notes           string `json:"notes,omitempty"`
}

// Act runs an order action (POST /orders/{id}/actions/{action}) and returns
// the order when the API sends it back (nil otherwise).
func (s *OrdersService) Act(ctx context.Context, id int64, action string, attrs *ActionAttributes, key string) (*Order, *Response, error) {
	switch action {
	case ActionInvoice, ActionPay, ActionPack, ActionFulfil, ActionVoid:
	default:
		return nil, nil, fmt.Errorf("tradegecko: unknown order action %q", action)
	}
	var body any = struct{}{}
	if attrs != nil {
		body = attrs
	}
	var out struct {
		Order *Order `json:"order"`
	}
	resp, err := s.client.send(ctx, http.MethodPost, "orders/"+strconv.FormatInt(id, 10)+"/actions/"+action, body, key, &out)
	return out.Order, resp, err
}

// OrderLineItemListOptions filters GET /order_line_items.
type OrderLineItemListOptions struct {
	ListOptions
	Filter
	OrderIDs []int64
}

// LineItems returns one page of order lines.
func (s *OrdersService) LineItems(ctx context.Context, opts *OrderLineItemListOptions) ([]OrderLineItem, *Response, error) {
	q := url.Values{}
	if opts != nil {
		opts.ListOptions.encode(q)
		opts.Filter.encode(q)
		if len(opts.OrderIDs) > 0 {
			q.Set("order_id", joinIDs(opts.OrderIDs))
		}
	}
	var body struct {
		OrderLineItems []OrderLineItem `json:"order_line_items"`
	}
	resp, err := s.client.get(ctx, "order_line_items", q, &body)
	return body.OrderLineItems, resp, err
}

// Records whose order OrderOf finds: each renders an order_id.
const (
	RecordFulfillment       = "fulfillment"
	RecordFulfillmentReturn = "fulfillment_return"
	RecordInvoice           = "invoice"
	RecordPayment           = "payment"
)

// OrderOf returns the order_id of one fulfillment, fulfillment return,
// invoice or payment (GET /{record}s/{id}): what a webhook about one of
// them changed.
func (c *Client) OrderOf(ctx context.Context, record string, id int64) (int64, *Response, error) {
	switch record {
	case RecordFulfillment, RecordFulfillmentReturn, RecordInvoice, RecordPayment:
	default:
		return 0, nil, fmt.Errorf("tradegecko: no order_id in a %q", record)
	}
	var body map[string]*struct {
		OrderID Int `json:"order_id"`
	}
	resp, err := c.getOne(ctx, record+"s/"+strconv.FormatInt(id, 10), nil, &body, record, func() bool { return body[record] != nil })
	if err != nil {
		return 0, resp, err
	}
	return int64(body[record].OrderID), resp, nil
}
