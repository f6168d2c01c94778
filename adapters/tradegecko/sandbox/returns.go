package sandbox

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/shopspring/decimal"
)

// ErrConflict is wrapped by control API errors about records whose state
// forbids the change (receiving a return twice).
var ErrConflict = errors.New("not allowed in the record's current state")

// returnDefaultStatuses is what GET /fulfillment_returns lists without
// status=: void and deleted returns are left out.
var returnDefaultStatuses = []string{"returning", "received"}

// fulfillmentReturn takes back shipped quantities of an order's lines:
// returning when created, received (restocked) through ReceiveReturn.
type fulfillmentReturn struct {
	id                   int64
	createdAt, updatedAt time.Time
	order                *order
	locationID           int64
	deliveryType         *string
	exchangeRate         string
	notes                *string
	receivedAt           *time.Time
	trackingCompany      *string
	trackingNumber       *string
	trackingURL          *string
	status               string
	creditNoteNumber     string
	lines                []*returnLine
}

func (r *fulfillmentReturn) meta() recordMeta {
	return recordMeta{id: r.id, created: r.createdAt, updated: r.updatedAt, status: r.status}
}

type returnLine struct {
	id                   int64
	createdAt, updatedAt time.Time
	ret                  *fulfillmentReturn
	orderLine            *orderLine
	position             int
	quantity             decimal.Decimal
}

func (l *returnLine) meta() recordMeta {
	return recordMeta{id: l.id, created: l.createdAt, updated: l.updatedAt}
}

// returnJSON is the guide's fulfillment_return example.
type returnJSON struct {
	ID               int64   `json:"id"`
	CreatedAt        string  `json:"created_at"`
	UpdatedAt        string  `json:"updated_at"`
	OrderID          int64   `json:"order_id"`
	LocationID       int64   `json:"location_id"`
	DeliveryType     *string `json:"delivery_type"`
	ExchangeRate     string  `json:"exchange_rate"`
	Notes            *string `json:"notes"`
	ReceivedAt       *string `json:"received_at"`
	TrackingCompany  *string `json:"tracking_company"`
	TrackingNumber   *string `json:"tracking_number"`
	TrackingURL      *string `json:"tracking_url"`
	Status           string  `json:"status"`
	CreditNoteNumber string  `json:"credit_note_number"`
	OrderNumber      string  `json:"order_number"`
	CompanyID        int64   `json:"company_id"`
}

func (r *fulfillmentReturn) wire() returnJSON {
	w := returnJSON{
		ID:               r.id,
		CreatedAt:        timestamp(r.createdAt),
		UpdatedAt:        timestamp(r.updatedAt),
		OrderID:          r.order.id,
		LocationID:       r.locationID,
		DeliveryType:     r.deliveryType,
		ExchangeRate:     r.exchangeRate,
		Notes:            r.notes,
		TrackingCompany:  r.trackingCompany,
		TrackingNumber:   r.trackingNumber,
		TrackingURL:      r.trackingURL,
		Status:           r.status,
		CreditNoteNumber: r.creditNoteNumber,
		OrderNumber:      r.order.orderNumber,
		CompanyID:        r.order.company.id,
	}
	if r.receivedAt != nil {
		w.ReceivedAt = str(timestamp(*r.receivedAt))
	}
	return w
}

// returnLineJSON is the spec's fulfillment_return_line_item example; the
// sandbox keeps no stock trails, so stock_trail_ids is [].
type returnLineJSON struct {
	ID                  int64   `json:"id"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
	FulfillmentReturnID int64   `json:"fulfillment_return_id"`
	OrderLineItemID     int64   `json:"order_line_item_id"`
	BasePrice           *string `json:"base_price"`
	Position            int     `json:"position"`
	Quantity            string  `json:"quantity"`
	LedgerAccountID     *int64  `json:"ledger_account_id"`
	StockTrailIDs       []int64 `json:"stock_trail_ids"`
}

func (l *returnLine) wire() returnLineJSON {
	return returnLineJSON{
		ID:                  l.id,
		CreatedAt:           timestamp(l.createdAt),
		UpdatedAt:           timestamp(l.updatedAt),
		FulfillmentReturnID: l.ret.id,
		OrderLineItemID:     l.orderLine.id,
		Position:            l.position,
		Quantity:            railsDecimal(l.quantity),
		StockTrailIDs:       []int64{},
	}
}

func registerReturns(rt *router) {
	rt.get("/fulfillment_returns", listReturns)
	rt.get("/fulfillment_returns/{id}", showReturn)
	rt.post("/fulfillment_returns", createReturn)
	rt.get("/fulfillment_return_line_items", listReturnLines)
	rt.get("/fulfillment_return_line_items/{id}", showReturnLine)
}

// GET /fulfillment_returns: status (returning, received, void, deleted;
// default returning and received), order_id, location_id, company_id.
func listReturns(c *call) (*response, error) {
	items, pg, err := listing[*fulfillmentReturn]{
		records:       c.s.db.returns.list,
		defaultStatus: returnDefaultStatuses,
		filter: func(q url.Values) (func(*fulfillmentReturn) bool, error) {
			orders, err := idSet(q, "order_id")
			if err != nil {
				return nil, err
			}
			locations, err := idSet(q, "location_id")
			if err != nil {
				return nil, err
			}
			companies, err := idSet(q, "company_id")
			if err != nil {
				return nil, err
			}
			return func(r *fulfillmentReturn) bool {
				return (orders == nil || orders[r.order.id]) && (locations == nil || locations[r.locationID]) &&
					(companies == nil || companies[r.order.company.id])
			}, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]returnJSON, len(items))
	for i, r := range items {
		out[i] = r.wire()
	}
	return indexResponse("fulfillment_returns", out, nil, pg), nil
}

// GET /fulfillment_returns/{id}
func showReturn(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	r, ok := c.s.db.returns.get(id)
	if !ok {
		return nil, notFound("FulfillmentReturn", raw)
	}
	return showResponse("fulfillment_return", r.wire(), nil), nil
}

// POST /fulfillment_returns → 201 {"fulfillment_return":{…}}, status
// returning, credit_note_number CN0001, CN0002, … A line may not take back
// more than was shipped, counting earlier returns.
func createReturn(c *call) (*response, error) {
	a, err := decodeRoot(c.body, "fulfillment_return")
	if err != nil {
		return nil, err
	}
	db, now := c.s.db, c.now()
	errs := fieldErrors{}
	const p = "fulfillment_return_line_items."

	var orderID, locationID *int64
	idField(a, errs, "", "order_id", &orderID)
	var o *order
	switch {
	case orderID != nil:
		if o, _ = db.orders.get(*orderID); o == nil {
			errs.add("order", msgMustExist)
		}
	case len(errs["order_id"]) == 0:
		errs.add("order_id", msgBlank)
	}
	idField(a, errs, "", "location_id", &locationID)
	if locationID != nil && db.locations[*locationID] == nil {
		errs.add("location", msgMustExist)
	}
	r := &fulfillmentReturn{createdAt: now, updatedAt: now, status: "returning"}
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"notes", &r.notes}, {"tracking_number", &r.trackingNumber}, {"tracking_url", &r.trackingURL},
		{"tracking_company", &r.trackingCompany}, {"delivery_type", &r.deliveryType},
	} {
		strField(a, errs, "", f.key, f.dst)
	}

	items, ok := a.objects("fulfillment_return_line_items")
	switch {
	case !ok:
		errs.add("fulfillment_return_line_items", msgInvalid)
	case len(items) == 0:
		errs.add("fulfillment_return_line_items", msgBlank)
	}
	asked := map[*orderLine]decimal.Decimal{}
	for n, la := range items {
		l := &returnLine{createdAt: now, updatedAt: now, ret: r, position: n + 1}
		var lineID *int64
		idField(la, errs, p, "order_line_item_id", &lineID)
		if lineID != nil && o != nil {
			if ol, ok := db.orderLines.get(*lineID); ok && ol.order == o {
				l.orderLine = ol
			}
		}
		switch {
		case l.orderLine == nil && len(errs[p+"order_line_item_id"]) == 0:
			errs.add(p+"order_line_item", msgMustExist)
		case l.orderLine != nil && !l.orderLine.shippable():
			errs.add(p+"order_line_item", "cannot be returned")
		}
		switch q, ok := la.dec("quantity"); {
		case !ok:
			errs.add(p+"quantity", msgNotNumber)
		case q == nil:
			errs.add(p+"quantity", msgBlank)
		case !q.IsPositive():
			errs.add(p+"quantity", msgPositive)
		default:
			l.quantity = *q
		}
		if l.orderLine != nil && l.orderLine.shippable() {
			asked[l.orderLine] = asked[l.orderLine].Add(l.quantity)
		}
		r.lines = append(r.lines, l)
	}
	for ol, q := range asked {
		if q.Add(ol.returnedQty("returning", "received")).GreaterThan(ol.shippedQty()) {
			errs.add(p+"quantity", msgExceedsQty)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}

	r.id = db.returns.next()
	r.order = o
	r.locationID = o.stockLocationID
	if locationID != nil {
		r.locationID = *locationID
	}
	r.exchangeRate = o.currency.rate
	r.creditNoteNumber = fmt.Sprintf("CN%04d", db.nextCreditNote)
	db.nextCreditNote++
	for _, l := range r.lines {
		l.id = db.returnLines.next()
		l.orderLine.returnLines = append(l.orderLine.returnLines, l)
		db.returnLines.add(l)
	}
	db.returns.add(r)
	o.returns = append(o.returns, r)
	o.touch(now)
	db.emit("fulfillment_return.create", r.id)
	return createdResponse("fulfillment_return", r.wire()), nil
}

// GET /fulfillment_return_line_items: fulfillment_return_id,
// order_line_item_id; ordered by position.
func listReturnLines(c *call) (*response, error) {
	items, pg, err := listing[*returnLine]{
		records:      c.s.db.returnLines.list,
		defaultOrder: "position asc",
		columns: map[string]func(a, b *returnLine) int{
			"position": func(a, b *returnLine) int { return a.position - b.position },
		},
		filter: func(q url.Values) (func(*returnLine) bool, error) {
			returns, err := idSet(q, "fulfillment_return_id")
			if err != nil {
				return nil, err
			}
			lines, err := idSet(q, "order_line_item_id")
			if err != nil {
				return nil, err
			}
			return func(l *returnLine) bool {
				return (returns == nil || returns[l.ret.id]) && (lines == nil || lines[l.orderLine.id])
			}, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]returnLineJSON, len(items))
	for i, l := range items {
		out[i] = l.wire()
	}
	return indexResponse("fulfillment_return_line_items", out, nil, pg), nil
}

// GET /fulfillment_return_line_items/{id}
func showReturnLine(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	l, ok := c.s.db.returnLines.get(id)
	if !ok {
		return nil, notFound("FulfillmentReturnLineItem", raw)
	}
	return showResponse("fulfillment_return_line_item", l.wire(), nil), nil
}

// ReceiveReturn marks a returning fulfillment return received, as the
// merchant does when the goods arrive: received_at is the sandbox clock's
// now, the returned quantities of stock-managed variants go back on hand at
// the return's location, and fulfillment_return.received (and
// variant.stock_level_update) go to the webhooks subscribed. It fails with
// ErrUnknown for an unknown id and ErrConflict unless the return is
// returning.
func (s *Sandbox) ReceiveReturn(id int64) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.db.returns.get(id)
	if !ok {
		return fmt.Errorf("sandbox: receive return: %w: fulfillment_return %d", ErrUnknown, id)
	}
	if r.status != "returning" {
		return fmt.Errorf("sandbox: receive return %d: %w: it is %s", id, ErrConflict, r.status)
	}
	r.status = "received"
	r.receivedAt = &now
	r.updatedAt = later(r.updatedAt, now)
	for _, l := range r.lines {
		if l.orderLine.tracked() {
			s.db.adjustStock(l.orderLine.variant, r.locationID, l.quantity, decimal.Zero, now)
		}
	}
	r.order.touch(now)
	s.db.emit("fulfillment_return.received", r.id)
	s.flushEvents("")
	return nil
}
