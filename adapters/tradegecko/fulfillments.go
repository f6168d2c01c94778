package tradegecko

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// FulfillmentsService reads fulfillments (shipments) and fulfillment
// returns, and creates returns.
type FulfillmentsService service

// Fulfillment is a shipment of some of an order's lines.
type Fulfillment struct {
	ID                     Int  `json:"id"`
	CreatedAt              Time `json:"created_at"`
	UpdatedAt              Time `json:"updated_at"`
	OrderID                Int  `json:"order_id"`
	OrderNumber            Text `json:"order_number"`
	Status                 Text `json:"status"`
	StockLocationID        Int  `json:"stock_location_id"`
	ShippingAddressID      Int  `json:"shipping_address_id"`
	TrackingNumber         Text `json:"tracking_number"`
	TrackingCompany        Text `json:"tracking_company"`
	TrackingURL            Text `json:"tracking_url"`
	Service                Text `json:"service"`
	Notes                  Text `json:"notes"`
	PackedAt               Time `json:"packed_at"`
	ShippedAt              Time `json:"shipped_at"`
	ReceivedAt             Time `json:"received_at"`
	FulfillmentLineItemIDs IDs  `json:"fulfillment_line_item_ids"`
}

// FulfillmentLineItem is how much of an order line a fulfillment ships.
type FulfillmentLineItem struct {
	ID              Int     `json:"id"`
	FulfillmentID   Int     `json:"fulfillment_id"`
	OrderLineItemID Int     `json:"order_line_item_id"`
	VariantID       Int     `json:"variant_id"`
	VariantSKU      Text    `json:"variant_sku"`
	Quantity        Decimal `json:"quantity"`
	Position        Int     `json:"position"`
}

// FulfillmentReturn is goods coming back for an order.
type FulfillmentReturn struct {
	ID               Int  `json:"id"`
	CreatedAt        Time `json:"created_at"`
	UpdatedAt        Time `json:"updated_at"`
	OrderID          Int  `json:"order_id"`
	OrderNumber      Text `json:"order_number"`
	CompanyID        Int  `json:"company_id"`
	LocationID       Int  `json:"location_id"`
	Status           Text `json:"status"`
	CreditNoteNumber Text `json:"credit_note_number"`
	Notes            Text `json:"notes"`
	TrackingNumber   Text `json:"tracking_number"`
	TrackingCompany  Text `json:"tracking_company"`
	TrackingURL      Text `json:"tracking_url"`
	DeliveryType     Text `json:"delivery_type"`
	ReceivedAt       Time `json:"received_at"`
}

// FulfillmentReturnLineItem is how much of an order line a return brings back.
type FulfillmentReturnLineItem struct {
	ID                  Int     `json:"id"`
	FulfillmentReturnID Int     `json:"fulfillment_return_id"`
	OrderLineItemID     Int     `json:"order_line_item_id"`
	Quantity            Decimal `json:"quantity"`
	Position            Int     `json:"position"`
}

// NewFulfillmentReturn is the body of POST /fulfillment_returns.
type NewFulfillmentReturn struct {
	OrderID         int64               `json:"order_id"`
	LocationID      int64               `json:"location_id,omitempty"`
	Notes           string              `json:"notes,omitempty"`
	TrackingNumber  string              `json:"tracking_number,omitempty"`
	TrackingCompany string              `json:"tracking_company,omitempty"`
	TrackingURL     string              `json:"tracking_url,omitempty"`
	LineItems       []NewReturnLineItem `json:"fulfillment_return_line_items"`
}

// NewReturnLineItem is a line of a new return. Quantity is a decimal string.
type NewReturnLineItem struct {
	OrderLineItemID int64  `json:"order_line_item_id"`
	Quantity        string `json:"quantity"`
}

// ByOrderOptions filters child records by ids or by their order.
type ByOrderOptions struct {
	ListOptions
	Filter
	OrderIDs []int64
}

func (o *ByOrderOptions) values(orderKey string) url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.Filter.encode(q)
	if len(o.OrderIDs) > 0 {
		q.Set(orderKey, joinIDs(o.OrderIDs))
	}
	return q
}

// List returns one page of fulfillments.
func (s *FulfillmentsService) List(ctx context.Context, opts *ByOrderOptions) ([]Fulfillment, *Response, error) {
	var body struct {
		Fulfillments []Fulfillment `json:"fulfillments"`
	}
	resp, err := s.client.get(ctx, "fulfillments", opts.values("order_id"), &body)
	return body.Fulfillments, resp, err
}

// LineItems returns one page of fulfillment lines; OrderIDs here filter by
// fulfillment_id.
func (s *FulfillmentsService) LineItems(ctx context.Context, opts *ByOrderOptions) ([]FulfillmentLineItem, *Response, error) {
	var body struct {
		Items []FulfillmentLineItem `json:"fulfillment_line_items"`
	}
	resp, err := s.client.get(ctx, "fulfillment_line_items", opts.values("fulfillment_id"), &body)
	return body.Items, resp, err
}

// Returns returns one page of fulfillment returns.
func (s *FulfillmentsService) Returns(ctx context.Context, opts *ByOrderOptions) ([]FulfillmentReturn, *Response, error) {
	var body struct {
		Returns []FulfillmentReturn `json:"fulfillment_returns"`
	}
	resp, err := s.client.get(ctx, "fulfillment_returns", opts.values("order_id"), &body)
	return body.Returns, resp, err
}

// ReturnLineItems returns one page of return lines; OrderIDs here filter by
// fulfillment_return_id.
func (s *FulfillmentsService) ReturnLineItems(ctx context.Context, opts *ByOrderOptions) ([]FulfillmentReturnLineItem, *Response, error) {
	var body struct {
		Items []FulfillmentReturnLineItem `json:"fulfillment_return_line_items"`
	}
	resp, err := s.client.get(ctx, "fulfillment_return_line_items", opts.values("fulfillment_return_id"), &body)
	return body.Items, resp, err
}

// CreateReturn creates a fulfillment return.
func (s *FulfillmentsService) CreateReturn(ctx context.Context, r *NewFulfillmentReturn, key string) (*FulfillmentReturn, *Response, error) {
	var body struct {
		Return *FulfillmentReturn `json:"fulfillment_return"`
	}
	resp, err := s.client.send(ctx, http.MethodPost, "fulfillment_returns", map[string]any{"fulfillment_return": r}, key, &body)
	if err == nil && body.Return == nil {
		err = &DecodeError{Method: http.MethodPost, Path: "/fulfillment_returns", RequestID: resp.RequestID, Err: errMissingKey("fulfillment_return")}
	}
	return body.Return, resp, err
}

// Delete deletes a fulfillment (refused while it has returns).
func (s *FulfillmentsService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.client.send(ctx, http.MethodDelete, "fulfillments/"+strconv.FormatInt(id, 10), nil, "", nil)
}
