package sandbox

import (
	"net/url"
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// fulfillmentDefaultStatuses is what GET /fulfillments lists without
// status=: deleted fulfillments are left out.
var fulfillmentDefaultStatuses = []string{"packed", "fulfilled", "void"}

// fulfillment is a shipment of some of an order's shippable lines, created
// by the pack and fulfil actions: packed, then fulfilled (shipped); void
// when its order is voided, deleted when deleted.
type fulfillment struct {
	id                   int64
	createdAt, updatedAt time.Time
	order                *order
	shippingAddressID    int64
	billingAddressID     int64
	stockLocationID      int64
	deliveryType         *string
	exchangeRate         string
	notes                *string
	packedAt             string // a date
	shippedAt            *time.Time
	service              *string
	status               string
	trackingCompany      *string
	trackingNumber       *string
	trackingURL          *string
	lines                []*fulfillmentLine
}

func (f *fulfillment) meta() recordMeta {
	return recordMeta{id: f.id, created: f.createdAt, updated: f.updatedAt, status: f.status}
}

// fulfillmentLine is one order line's quantity in a fulfillment.
type fulfillmentLine struct {
	id                   int64
	createdAt, updatedAt time.Time
	fulfillment          *fulfillment
	orderLine            *orderLine
	position             int
	quantity             decimal.Decimal
}

func (l *fulfillmentLine) meta() recordMeta {
	return recordMeta{id: l.id, created: l.createdAt, updated: l.updatedAt}
}

// fulfillmentJSON is the spec's fulfillment example (receipt is {}).
type fulfillmentJSON struct {
	ID                     int64   `json:"id"`
	CreatedAt              string  `json:"created_at"`
	UpdatedAt              string  `json:"updated_at"`
	OrderID                int64   `json:"order_id"`
	ShippingAddressID      int64   `json:"shipping_address_id"`
	BillingAddressID       int64   `json:"billing_address_id"`
	StockLocationID        int64   `json:"stock_location_id"`
	DeliveryType           *string `json:"delivery_type"`
	ExchangeRate           string  `json:"exchange_rate"`
	Notes                  *string `json:"notes"`
	PackedAt               string  `json:"packed_at"`
	Receipt                object  `json:"receipt"`
	ReceivedAt             *string `json:"received_at"`
	Service                *string `json:"service"`
	ShippedAt              *string `json:"shipped_at"`
	Status                 string  `json:"status"`
	TrackingCompany        *string `json:"tracking_company"`
	TrackingNumber         *string `json:"tracking_number"`
	TrackingURL            *string `json:"tracking_url"`
	OrderNumber            string  `json:"order_number"`
	CompanyID              int64   `json:"company_id"`
	FulfillmentLineItemIDs []int64 `json:"fulfillment_line_item_ids"`
}

func (f *fulfillment) wire() fulfillmentJSON {
	w := fulfillmentJSON{
		ID:                     f.id,
		CreatedAt:              timestamp(f.createdAt),
		UpdatedAt:              timestamp(f.updatedAt),
		OrderID:                f.order.id,
		ShippingAddressID:      f.shippingAddressID,
		BillingAddressID:       f.billingAddressID,
		StockLocationID:        f.stockLocationID,
		DeliveryType:           f.deliveryType,
		ExchangeRate:           f.exchangeRate,
		Notes:                  f.notes,
		PackedAt:               f.packedAt,
		Receipt:                object{},
		Service:                f.service,
		Status:                 f.status,
		TrackingCompany:        f.trackingCompany,
		TrackingNumber:         f.trackingNumber,
		TrackingURL:            f.trackingURL,
		OrderNumber:            f.order.orderNumber,
		CompanyID:              f.order.company.id,
		FulfillmentLineItemIDs: []int64{},
	}
	if f.shippedAt != nil {
		w.ShippedAt = str(timestamp(*f.shippedAt))
	}
	for _, l := range f.lines {
		w.FulfillmentLineItemIDs = append(w.FulfillmentLineItemIDs, l.id)
	}
	return w
}

// fulfillmentLineJSON is the spec's fulfillment_line_item example.
type fulfillmentLineJSON struct {
	ID              int64   `json:"id"`
	CreatedAt       string  `json:"created_at"`
	UpdatedAt       string  `json:"updated_at"`
	FulfillmentID   int64   `json:"fulfillment_id"`
	OrderLineItemID int64   `json:"order_line_item_id"`
	BasePrice       *string `json:"base_price"`
	Position        int     `json:"position"`
	Quantity        string  `json:"quantity"`
	VariantID       int64   `json:"variant_id"`
	VariantSKU      string  `json:"variant_sku"`
}

func (l *fulfillmentLine) wire() fulfillmentLineJSON {
	return fulfillmentLineJSON{
		ID:              l.id,
		CreatedAt:       timestamp(l.createdAt),
		UpdatedAt:       timestamp(l.updatedAt),
		FulfillmentID:   l.fulfillment.id,
		OrderLineItemID: l.orderLine.id,
		Position:        l.position,
		Quantity:        railsDecimal(l.quantity),
		VariantID:       l.orderLine.variant.id,
		VariantSKU:      l.orderLine.variant.sku,
	}
}

func registerFulfillments(rt *router) {
	rt.get("/fulfillments", listFulfillments)
	rt.get("/fulfillments/{id}", showFulfillment)
	rt.del("/fulfillments/{id}", deleteFulfillment)
	rt.get("/fulfillment_line_items", listFulfillmentLines)
	rt.get("/fulfillment_line_items/{id}", showFulfillmentLine)
}

// GET /fulfillments: status (packed, fulfilled, void, deleted; default all
// but deleted), order_id, company_id, stock_location_id,
// shipping_address_id, billing_address_id.
func listFulfillments(c *call) (*response, error) {
	items, pg, err := listing[*fulfillment]{
		records:       c.s.db.fulfillments.list,
		defaultStatus: fulfillmentDefaultStatuses,
		filter: func(q url.Values) (func(*fulfillment) bool, error) {
			sets := map[string]map[int64]bool{}
			for _, key := range []string{"order_id", "company_id", "stock_location_id", "shipping_address_id", "billing_address_id"} {
				set, err := idSet(q, key)
				if err != nil {
					return nil, err
				}
				sets[key] = set
			}
			return func(f *fulfillment) bool {
				for key, v := range map[string]int64{
					"order_id": f.order.id, "company_id": f.order.company.id, "stock_location_id": f.stockLocationID,
					"shipping_address_id": f.shippingAddressID, "billing_address_id": f.billingAddressID,
				} {
					if set := sets[key]; set != nil && !set[v] {
						return false
					}
				}
				return true
			}, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]fulfillmentJSON, len(items))
	for i, f := range items {
		out[i] = f.wire()
	}
	return indexResponse("fulfillments", out, nil, pg), nil
}

func findFulfillment(c *call) (*fulfillment, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	f, ok := c.s.db.fulfillments.get(id)
	if !ok {
		return nil, notFound("Fulfillment", raw)
	}
	return f, nil
}

// GET /fulfillments/{id}: any status.
func showFulfillment(c *call) (*response, error) {
	f, err := findFulfillment(c)
	if err != nil {
		return nil, err
	}
	return showResponse("fulfillment", f.wire(), nil), nil
}

// DELETE /fulfillments/{id} → 204; 422 when a return of the order takes
// back any of its lines ("You cannot delete a fulfillment if there are any
// associated fulfillment returns"). Deleting a shipped fulfillment puts its
// stock back on hand and re-commits it; a fulfilled order goes back to
// finalized. Deleting twice is a no-op.
func deleteFulfillment(c *call) (*response, error) {
	f, err := findFulfillment(c)
	if err != nil {
		return nil, err
	}
	if f.status == "deleted" {
		return noContentResponse(), nil
	}
	if f.hasReturns() {
		return nil, baseError("You cannot delete a fulfillment if there are any associated fulfillment returns")
	}
	db, now, o := c.s.db, c.now(), f.order
	if f.status == "fulfilled" {
		for _, fl := range f.lines {
			if fl.orderLine.tracked() {
				db.adjustStock(fl.orderLine.variant, f.stockLocationID, fl.quantity, decimal.Zero, now)
			}
		}
	}
	f.status = "deleted"
	f.updatedAt = later(f.updatedAt, now)
	if o.status == "fulfilled" && o.unshippedQty().IsPositive() {
		o.status = "finalized"
	}
	db.syncStock(o, now)
	o.touch(now)
	return noContentResponse(), nil
}

// hasReturns reports whether a live return of the order takes back a line
// this fulfillment shipped.
func (f *fulfillment) hasReturns() bool {
	for _, r := range f.order.returns {
		if r.status != "returning" && r.status != "received" {
			continue
		}
		for _, rl := range r.lines {
			if slices.ContainsFunc(f.lines, func(fl *fulfillmentLine) bool { return fl.orderLine == rl.orderLine }) {
				return true
			}
		}
	}
	return false
}

// GET /fulfillment_line_items: fulfillment_id, order_line_item_id; ordered
// by position.
func listFulfillmentLines(c *call) (*response, error) {
	items, pg, err := listing[*fulfillmentLine]{
		records:      c.s.db.fulfillmentLines.list,
		defaultOrder: "position asc",
		columns: map[string]func(a, b *fulfillmentLine) int{
			"position": func(a, b *fulfillmentLine) int { return a.position - b.position },
		},
		filter: func(q url.Values) (func(*fulfillmentLine) bool, error) {
			fulfillments, err := idSet(q, "fulfillment_id")
			if err != nil {
				return nil, err
			}
			lines, err := idSet(q, "order_line_item_id")
			if err != nil {
				return nil, err
			}
			return func(l *fulfillmentLine) bool {
				return (fulfillments == nil || fulfillments[l.fulfillment.id]) && (lines == nil || lines[l.orderLine.id])
			}, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]fulfillmentLineJSON, len(items))
	for i, l := range items {
		out[i] = l.wire()
	}
	return indexResponse("fulfillment_line_items", out, nil, pg), nil
}

// GET /fulfillment_line_items/{id}
func showFulfillmentLine(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	l, ok := c.s.db.fulfillmentLines.get(id)
	if !ok {
		return nil, notFound("FulfillmentLineItem", raw)
	}
	return showResponse("fulfillment_line_item", l.wire(), nil), nil
}
