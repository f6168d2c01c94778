package sandbox

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

var (
	// orderDefaultStatuses is what GET /orders lists without status=:
	// deleted orders are left out.
	orderDefaultStatuses = []string{"draft", "active", "finalized", "fulfilled", "void"}
	// orderWritableStatuses are the statuses POST and PUT accept; the rest
	// are reached through actions.
	orderWritableStatuses = []string{"draft", "active", "finalized"}
	lineTypes             = []string{"product", "discount", "shipping", "rounding", "fee", "gift_wrap"}
	taxTreatments         = []string{"exclusive", "inclusive"}
	hundred               = decimal.NewFromInt(100)
)

// taxExemptID is the tax type of every line: the account's
// default_tax_exempt_id, rate 0. The sandbox charges no tax.
const taxExemptID = 1

// order is a sales order. Its lines, invoices, payments, fulfillments and
// returns hang off it in id order; every status but status itself is
// derived from them.
type order struct {
	id                   int64
	createdAt, updatedAt time.Time
	orderNumber          string
	company              *company
	shippingAddressID    int64
	billingAddressID     int64
	currency             *currency
	stockLocationID      int64
	defaultPriceListID   string
	assigneeID           *int64
	contactID            *int64
	email, phoneNumber   *string
	notes                *string
	referenceNumber      *string
	sourceURL            *string
	shipAt               *string
	issuedAt             string
	status               string // draft, active, finalized, fulfilled, void, deleted
	taxTreatment         string
	tags                 []string
	lines                []*orderLine
	invoices             []*invoice
	payments             []*payment
	fulfillments         []*fulfillment
	returns              []*fulfillmentReturn
}

func (o *order) meta() recordMeta {
	return recordMeta{id: o.id, created: o.createdAt, updated: o.updatedAt, status: o.status}
}

func (o *order) touch(now time.Time) { o.updatedAt = later(o.updatedAt, now) }

// orderLine is an order_line_item. Freeform and non-product lines (line
// types shipping, discount, fee, rounding, gift_wrap) need no variant and
// are never packed, shipped or returned; every line is invoiced.
type orderLine struct {
	id                   int64
	createdAt, updatedAt time.Time
	order                *order
	variant              *variant
	taxTypeID            int64
	discount             *decimal.Decimal
	freeform             bool
	imageURL, label      *string
	lineType             *string
	position             int
	price                decimal.Decimal
	quantity             decimal.Decimal
	taxRateOverride      *string

	// commitLoc and committed are the stock this line holds committed.
	commitLoc int64
	committed decimal.Decimal

	fulfillmentLines []*fulfillmentLine
	returnLines      []*returnLine
	invoiceLines     []*invoiceLine
}

func (l *orderLine) meta() recordMeta {
	return recordMeta{id: l.id, created: l.createdAt, updated: l.updatedAt}
}

// shippable lines are packed, fulfilled and returned.
func (l *orderLine) shippable() bool {
	return l.variant != nil && !l.freeform && (l.lineType == nil || *l.lineType == "product")
}

// tracked lines move stock: shippable lines of variants with manage_stock.
func (l *orderLine) tracked() bool { return l.shippable() && l.variant.manageStock }

// net is quantity × price × (1 − discount/100), unrounded.
func (l *orderLine) net() decimal.Decimal { return lineNet(l.quantity, l) }

func lineNet(qty decimal.Decimal, l *orderLine) decimal.Decimal {
	n := qty.Mul(l.price)
	if l.discount != nil {
		n = n.Mul(hundred.Sub(*l.discount)).Shift(-2)
	}
	return n
}

// fulfilledQty is the quantity in fulfillments with one of the statuses.
func (l *orderLine) fulfilledQty(statuses ...string) decimal.Decimal {
	q := decimal.Zero
	for _, fl := range l.fulfillmentLines {
		if slices.Contains(statuses, fl.fulfillment.status) {
			q = q.Add(fl.quantity)
		}
	}
	return q
}

func (l *orderLine) packedQty() decimal.Decimal  { return l.fulfilledQty("packed", "fulfilled") }
func (l *orderLine) shippedQty() decimal.Decimal { return l.fulfilledQty("fulfilled") }

func (l *orderLine) invoicedQty() decimal.Decimal {
	q := decimal.Zero
	for _, il := range l.invoiceLines {
		q = q.Add(il.quantity)
	}
	return q
}

// returnedQty is the quantity in returns with one of the statuses.
func (l *orderLine) returnedQty(statuses ...string) decimal.Decimal {
	q := decimal.Zero
	for _, rl := range l.returnLines {
		if slices.Contains(statuses, rl.ret.status) {
			q = q.Add(rl.quantity)
		}
	}
	return q
}

// progress names how much of want is done: none, partial or full.
func progress(done, want decimal.Decimal, none, partial, full string) string {
	switch {
	case !done.IsPositive():
		return none
	case done.GreaterThanOrEqual(want):
		return full
	}
	return partial
}

// sums adds f over the lines that pass keep.
func (o *order) sums(keep func(*orderLine) bool, f func(*orderLine) decimal.Decimal) decimal.Decimal {
	s := decimal.Zero
	for _, l := range o.lines {
		if keep(l) {
			s = s.Add(f(l))
		}
	}
	return s
}

func anyLine(*orderLine) bool { return true }

func (o *order) orderedQty() decimal.Decimal {
	return o.sums(anyLine, func(l *orderLine) decimal.Decimal { return l.quantity })
}

func (o *order) shippableQty() decimal.Decimal {
	return o.sums((*orderLine).shippable, func(l *orderLine) decimal.Decimal { return l.quantity })
}

func (o *order) uninvoicedQty() decimal.Decimal {
	return o.sums(anyLine, func(l *orderLine) decimal.Decimal { return l.quantity.Sub(l.invoicedQty()) })
}

func (o *order) unpackedQty() decimal.Decimal {
	return o.sums((*orderLine).shippable, func(l *orderLine) decimal.Decimal { return l.quantity.Sub(l.packedQty()) })
}

func (o *order) unshippedQty() decimal.Decimal {
	return o.sums((*orderLine).shippable, func(l *orderLine) decimal.Decimal { return l.quantity.Sub(l.shippedQty()) })
}

func (o *order) shipped() decimal.Decimal {
	return o.sums((*orderLine).shippable, (*orderLine).shippedQty)
}

func (o *order) invoiceStatus() string {
	done := o.sums(anyLine, (*orderLine).invoicedQty)
	return progress(done, o.orderedQty(), "uninvoiced", "partial", "invoiced")
}

func (o *order) packedStatus() string {
	return progress(o.sums((*orderLine).shippable, (*orderLine).packedQty), o.shippableQty(), "unpacked", "partial", "packed")
}

func (o *order) fulfillmentStatus() string {
	return progress(o.shipped(), o.shippableQty(), "unshipped", "partial", "shipped")
}

// paymentStatus: unpaid without payments; paid once every line is invoiced
// and every invoice paid; partial in between.
func (o *order) paymentStatus() string {
	if len(o.payments) == 0 {
		return "unpaid"
	}
	if o.invoiceStatus() == "invoiced" && !slices.ContainsFunc(o.invoices, func(i *invoice) bool { return !i.paid }) {
		return "paid"
	}
	return "partial"
}

// returnStatus compares what was returned (returning or received) with
// what was shipped; returningStatus counts the returns still on their way.
func (o *order) returnStatus() string {
	returned := o.sums((*orderLine).shippable, func(l *orderLine) decimal.Decimal { return l.returnedQty("returning", "received") })
	return progress(returned, o.shipped(), "unreturned", "partial", "returned")
}

func (o *order) returningStatus() string {
	returning := o.sums((*orderLine).shippable, func(l *orderLine) decimal.Decimal { return l.returnedQty("returning") })
	return progress(returning, o.shipped(), "unreturning", "partial", "returning")
}

// total is Σ quantity × price × (1 − discount/100) over every line,
// rounded half-up to the currency's precision once, at the end.
func (o *order) total() decimal.Decimal {
	return o.sums(anyLine, (*orderLine).net).Round(int32(o.currency.precision))
}

// moneyJSON writes an order total the way the API does: a bare 0 when
// zero (the spec's "total": 0), else a Rails decimal string ("45.0").
func moneyJSON(d decimal.Decimal) json.RawMessage {
	if d.IsZero() {
		return json.RawMessage("0")
	}
	b, _ := json.Marshal(railsDecimal(d))
	return b
}

// orderJSON is the spec's order example, field for field and in its order.
type orderJSON struct {
	ID                   int64           `json:"id"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
	DocumentURL          string          `json:"document_url"`
	AssigneeID           *int64          `json:"assignee_id"`
	BillingAddressID     int64           `json:"billing_address_id"`
	CompanyID            int64           `json:"company_id"`
	ContactID            *int64          `json:"contact_id"`
	CurrencyID           int64           `json:"currency_id"`
	ShippingAddressID    int64           `json:"shipping_address_id"`
	StockLocationID      int64           `json:"stock_location_id"`
	UserID               int64           `json:"user_id"`
	DefaultPriceListID   string          `json:"default_price_list_id"`
	Email                *string         `json:"email"`
	FulfillmentStatus    string          `json:"fulfillment_status"`
	InvoiceStatus        string          `json:"invoice_status"`
	IssuedAt             string          `json:"issued_at"`
	Notes                *string         `json:"notes"`
	OrderNumber          string          `json:"order_number"`
	PackedStatus         string          `json:"packed_status"`
	PaymentStatus        string          `json:"payment_status"`
	PhoneNumber          *string         `json:"phone_number"`
	ReferenceNumber      *string         `json:"reference_number"`
	ReturnStatus         string          `json:"return_status"`
	ReturningStatus      string          `json:"returning_status"`
	ShipAt               *string         `json:"ship_at"`
	SourceURL            *string         `json:"source_url"`
	Status               string          `json:"status"`
	TaxLabel             string          `json:"tax_label"`
	TaxOverride          *string         `json:"tax_override"`
	TaxTreatment         string          `json:"tax_treatment"`
	Total                json.RawMessage `json:"total"`
	Tags                 []string        `json:"tags"`
	FulfillmentIDs       []int64         `json:"fulfillment_ids"`
	FulfillmentReturnIDs []int64         `json:"fulfillment_return_ids"`
	InvoiceIDs           []int64         `json:"invoice_ids"`
	PaymentIDs           []int64         `json:"payment_ids"`
	RefundIDs            []int64         `json:"refund_ids"`
	Invoices             []int64         `json:"invoices"`
	CachedTotal          json.RawMessage `json:"cached_total"`
	DefaultPriceTypeID   string          `json:"default_price_type_id"`
	Source               *string         `json:"source"`
	TaxType              string          `json:"tax_type"`
	TrackingNumber       *string         `json:"tracking_number"`
	URL                  *string         `json:"url"`
	SourceID             *string         `json:"source_id"`
	InvoiceNumbers       object          `json:"invoice_numbers"`
	OrderLineItemIDs     []int64         `json:"order_line_item_ids"`
}

func (o *order) wire() orderJSON {
	total := moneyJSON(o.total())
	w := orderJSON{
		ID:                   o.id,
		CreatedAt:            timestamp(o.createdAt),
		UpdatedAt:            timestamp(o.updatedAt),
		DocumentURL:          fmt.Sprintf("https://go.tradegecko.com/d/sandbox-order-%d", o.id),
		AssigneeID:           o.assigneeID,
		BillingAddressID:     o.billingAddressID,
		CompanyID:            o.company.id,
		ContactID:            o.contactID,
		CurrencyID:           o.currency.id,
		ShippingAddressID:    o.shippingAddressID,
		StockLocationID:      o.stockLocationID,
		UserID:               1,
		DefaultPriceListID:   o.defaultPriceListID,
		Email:                o.email,
		FulfillmentStatus:    o.fulfillmentStatus(),
		InvoiceStatus:        o.invoiceStatus(),
		IssuedAt:             o.issuedAt,
		Notes:                o.notes,
		OrderNumber:          o.orderNumber,
		PackedStatus:         o.packedStatus(),
		PaymentStatus:        o.paymentStatus(),
		PhoneNumber:          o.phoneNumber,
		ReferenceNumber:      o.referenceNumber,
		ReturnStatus:         o.returnStatus(),
		ReturningStatus:      o.returningStatus(),
		ShipAt:               o.shipAt,
		SourceURL:            o.sourceURL,
		Status:               o.status,
		TaxLabel:             "GST",
		TaxTreatment:         o.taxTreatment,
		Total:                total,
		Tags:                 nonNil(slices.Clone(o.tags)),
		FulfillmentIDs:       []int64{},
		FulfillmentReturnIDs: []int64{},
		InvoiceIDs:           []int64{},
		PaymentIDs:           []int64{},
		RefundIDs:            []int64{},
		CachedTotal:          total,
		DefaultPriceTypeID:   o.defaultPriceListID,
		TaxType:              o.taxTreatment,
		InvoiceNumbers:       object{},
		OrderLineItemIDs:     []int64{},
	}
	for _, f := range o.fulfillments {
		if f.status != "deleted" {
			w.FulfillmentIDs = append(w.FulfillmentIDs, f.id)
			if f.trackingNumber != nil {
				w.TrackingNumber = f.trackingNumber
			}
		}
	}
	for _, r := range o.returns {
		w.FulfillmentReturnIDs = append(w.FulfillmentReturnIDs, r.id)
	}
	for _, i := range o.invoices {
		w.InvoiceIDs = append(w.InvoiceIDs, i.id)
		w.InvoiceNumbers = append(w.InvoiceNumbers, member{strconv.FormatInt(i.id, 10), i.number})
	}
	w.Invoices = slices.Clone(w.InvoiceIDs)
	for _, p := range o.payments {
		w.PaymentIDs = append(w.PaymentIDs, p.id)
	}
	for _, l := range o.lines {
		w.OrderLineItemIDs = append(w.OrderLineItemIDs, l.id)
	}
	return w
}

// orderLineJSON is the spec's order_line_item example.
type orderLineJSON struct {
	ID                           int64   `json:"id"`
	CreatedAt                    string  `json:"created_at"`
	UpdatedAt                    string  `json:"updated_at"`
	OrderID                      int64   `json:"order_id"`
	VariantID                    *int64  `json:"variant_id"`
	TaxTypeID                    int64   `json:"tax_type_id"`
	Discount                     *string `json:"discount"`
	Freeform                     bool    `json:"freeform"`
	ImageURL                     *string `json:"image_url"`
	Label                        *string `json:"label"`
	LineType                     *string `json:"line_type"`
	Position                     int     `json:"position"`
	Price                        string  `json:"price"`
	Quantity                     string  `json:"quantity"`
	TaxRateOverride              *string `json:"tax_rate_override"`
	FulfillmentLineItemIDs       []int64 `json:"fulfillment_line_item_ids"`
	FulfillmentReturnLineItemIDs []int64 `json:"fulfillment_return_line_item_ids"`
	InvoiceLineItemIDs           []int64 `json:"invoice_line_item_ids"`
}

func (l *orderLine) wire() orderLineJSON {
	w := orderLineJSON{
		ID:                           l.id,
		CreatedAt:                    timestamp(l.createdAt),
		UpdatedAt:                    timestamp(l.updatedAt),
		OrderID:                      l.order.id,
		TaxTypeID:                    l.taxTypeID,
		Discount:                     ptrRails(l.discount),
		Freeform:                     l.freeform,
		ImageURL:                     l.imageURL,
		Label:                        l.label,
		LineType:                     l.lineType,
		Position:                     l.position,
		Price:                        railsDecimal(l.price),
		Quantity:                     railsDecimal(l.quantity),
		TaxRateOverride:              l.taxRateOverride,
		FulfillmentLineItemIDs:       []int64{},
		FulfillmentReturnLineItemIDs: []int64{},
		InvoiceLineItemIDs:           []int64{},
	}
	if l.variant != nil {
		w.VariantID = &l.variant.id
	}
	for _, fl := range l.fulfillmentLines {
		w.FulfillmentLineItemIDs = append(w.FulfillmentLineItemIDs, fl.id)
	}
	for _, rl := range l.returnLines {
		w.FulfillmentReturnLineItemIDs = append(w.FulfillmentReturnLineItemIDs, rl.id)
	}
	for _, il := range l.invoiceLines {
		w.InvoiceLineItemIDs = append(w.InvoiceLineItemIDs, il.id)
	}
	return w
}

func registerOrders(rt *router) {
	rt.get("/orders", listOrders)
	rt.get("/orders/{id}", showOrder)
	rt.post("/orders", createOrder)
	rt.put("/orders/{id}", updateOrder)
	rt.del("/orders/{id}", deleteOrder)
	for _, action := range orderActions {
		rt.post("/orders/{id}/actions/"+action, orderAction(action))
	}
}

func registerOrderLines(rt *router) {
	rt.get("/order_line_items", listOrderLines)
	rt.get("/order_line_items/{id}", showOrderLine)
}

// orderFilter reads the spec's order filters.
func orderFilter(q url.Values) (func(*order) bool, error) {
	idFilters := map[string]func(*order) *int64{
		"company_id":          func(o *order) *int64 { return &o.company.id },
		"billing_address_id":  func(o *order) *int64 { return &o.billingAddressID },
		"shipping_address_id": func(o *order) *int64 { return &o.shippingAddressID },
		"stock_location_id":   func(o *order) *int64 { return &o.stockLocationID },
		"currency_id":         func(o *order) *int64 { return &o.currency.id },
		"assignee_id":         func(o *order) *int64 { return o.assigneeID },
		"contact_id":          func(o *order) *int64 { return o.contactID },
	}
	type idCheck struct {
		set map[int64]bool
		get func(*order) *int64
	}
	var idChecks []idCheck
	for _, key := range []string{"company_id", "billing_address_id", "shipping_address_id", "stock_location_id", "currency_id", "assignee_id", "contact_id"} {
		set, err := idSet(q, key)
		if err != nil {
			return nil, err
		}
		if set != nil {
			idChecks = append(idChecks, idCheck{set, idFilters[key]})
		}
	}
	type strCheck struct {
		set map[string]bool
		get func(*order) string
	}
	var strChecks []strCheck
	for _, f := range []struct {
		key   string
		split bool
		get   func(*order) string
	}{
		{"order_number", true, func(o *order) string { return o.orderNumber }},
		{"reference_number", false, func(o *order) string { return deref(o.referenceNumber) }},
		{"payment_status", true, (*order).paymentStatus},
		{"invoice_status", true, (*order).invoiceStatus},
		{"packed_status", true, (*order).packedStatus},
		{"fulfillment_status", true, (*order).fulfillmentStatus},
		{"return_status", true, (*order).returnStatus},
		{"returning_status", true, (*order).returningStatus},
	} {
		if set := stringSet(q, f.key, f.split); set != nil {
			strChecks = append(strChecks, strCheck{set, f.get})
		}
	}
	tags := stringSet(q, "tags", true)
	return func(o *order) bool {
		for _, c := range idChecks {
			if v := c.get(o); v == nil || !c.set[*v] {
				return false
			}
		}
		for _, c := range strChecks {
			if !c.set[c.get(o)] {
				return false
			}
		}
		if tags != nil && !slices.ContainsFunc(o.tags, func(t string) bool { return tags[t] }) {
			return false
		}
		return true
	}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// GET /orders: status (several: status[]=a&status[]=b or status=a,b)
// defaults to every status but deleted.
func listOrders(c *call) (*response, error) {
	items, pg, err := listing[*order]{
		records:       c.s.db.orders.list,
		defaultStatus: orderDefaultStatuses,
		columns: map[string]func(a, b *order) int{
			"order_number": func(a, b *order) int { return strings.Compare(a.orderNumber, b.orderNumber) },
			"issued_at":    func(a, b *order) int { return strings.Compare(a.issuedAt, b.issuedAt) },
		},
		filter: orderFilter,
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]orderJSON, len(items))
	for i, o := range items {
		out[i] = o.wire()
	}
	var side object
	if !c.s.ignoreIndexInclude {
		side = orderSideloads(c.s.db, items, includes(c.query))
	}
	return indexResponse("orders", out, side, pg), nil
}

func findOrder(c *call) (*order, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	o, ok := c.s.db.orders.get(id)
	if !ok {
		return nil, notFound("Order", raw)
	}
	return o, nil
}

// GET /orders/{id}: any status, include= always honoured.
func showOrder(c *call) (*response, error) {
	o, err := findOrder(c)
	if err != nil {
		return nil, err
	}
	return showResponse("order", o.wire(), orderSideloads(c.s.db, []*order{o}, includes(c.query))), nil
}

// orderSideloads answers include=order_line_items, shipping_address,
// billing_address and company under the plural keys order_line_items,
// addresses (both kinds together) and companies, in the order first asked.
func orderSideloads(db *store, orders []*order, names []string) object {
	var side object
	addresses := -1
	for _, name := range names {
		switch name {
		case "order_line_items":
			ls := []orderLineJSON{}
			for _, o := range orders {
				for _, l := range o.lines {
					ls = append(ls, l.wire())
				}
			}
			side = append(side, member{"order_line_items", ls})
		case "shipping_address", "billing_address":
			if addresses < 0 {
				addresses = len(side)
				side = append(side, member{"addresses", nil})
			}
		case "company":
			cs := []companyJSON{}
			seen := map[int64]bool{}
			for _, o := range orders {
				if !seen[o.company.id] {
					seen[o.company.id] = true
					cs = append(cs, o.company.wire())
				}
			}
			side = append(side, member{"companies", cs})
		}
	}
	if addresses >= 0 {
		as := []addressJSON{}
		seen := map[int64]bool{}
		for _, o := range orders {
			for _, kind := range []string{"shipping_address", "billing_address"} {
				id := o.shippingAddressID
				if kind == "billing_address" {
					id = o.billingAddressID
				}
				if !slices.Contains(names, kind) || seen[id] {
					continue
				}
				if a, ok := db.addresses.get(id); ok {
					seen[id] = true
					as = append(as, a.wire())
				}
			}
		}
		side[addresses].value = as
	}
	return side
}

// GET /order_line_items: order_id, variant_id and order_status filters;
// ordered by position by default, as the spec says.
func listOrderLines(c *call) (*response, error) {
	items, pg, err := listing[*orderLine]{
		records:      c.s.db.orderLines.list,
		defaultOrder: "position asc",
		columns: map[string]func(a, b *orderLine) int{
			"position": func(a, b *orderLine) int { return a.position - b.position },
		},
		filter: func(q url.Values) (func(*orderLine) bool, error) {
			orders, err := idSet(q, "order_id")
			if err != nil {
				return nil, err
			}
			variants, err := idSet(q, "variant_id")
			if err != nil {
				return nil, err
			}
			statuses := stringSet(q, "order_status", true)
			return func(l *orderLine) bool {
				switch {
				case orders != nil && !orders[l.order.id],
					variants != nil && (l.variant == nil || !variants[l.variant.id]),
					statuses != nil && !statuses[l.order.status]:
					return false
				}
				return true
			}, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]orderLineJSON, len(items))
	for i, l := range items {
		out[i] = l.wire()
	}
	return indexResponse("order_line_items", out, nil, pg), nil
}

// GET /order_line_items/{id}
func showOrderLine(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	l, ok := c.s.db.orderLines.get(id)
	if !ok {
		return nil, notFound("OrderLineItem", raw)
	}
	return showResponse("order_line_item", l.wire(), nil), nil
}

// POST /orders → 201 {"order":{…}}
func createOrder(c *call) (*response, error) {
	a, err := decodeRoot(c.body, "order")
	if err != nil {
		return nil, err
	}
	o, err := c.s.db.createOrder(a, c.now())
	if err != nil {
		return nil, err
	}
	return createdResponse("order", o.wire()), nil
}

// PUT /orders/{id} → 204. order_line_items are appended (the guide's
// multi-part create).
func updateOrder(c *call) (*response, error) {
	o, err := findOrder(c)
	if err != nil {
		return nil, err
	}
	a, err := decodeRoot(c.body, "order")
	if err != nil {
		return nil, err
	}
	if err := c.s.db.updateOrder(o, a, c.now()); err != nil {
		return nil, err
	}
	return noContentResponse(), nil
}

// DELETE /orders/{id} → 204: the order becomes deleted (found by id, left
// out of the index by default) and its commitments are released. An order
// with shipped goods cannot be deleted; deleting twice is a no-op.
func deleteOrder(c *call) (*response, error) {
	o, err := findOrder(c)
	if err != nil {
		return nil, err
	}
	if o.status == "deleted" {
		return noContentResponse(), nil
	}
	if o.shipped().IsPositive() {
		return nil, baseError("Cannot delete a fulfilled order")
	}
	now := c.now()
	o.status = "deleted"
	for _, f := range o.fulfillments {
		if f.status == "packed" {
			f.status = "deleted"
			f.updatedAt = later(f.updatedAt, now)
		}
	}
	c.s.db.syncStock(o, now)
	o.touch(now)
	return noContentResponse(), nil
}

// baseError is a 422 {"errors":{"base":[msg]}}.
func baseError(msg string) error {
	return validationFailed(map[string][]string{"base": {msg}})
}

// orderForm is what a POST or PUT body asks for, validated before anything
// is stored: o is the order (a copy, for PUT) with the changes applied;
// the rest is created by commit.
type orderForm struct {
	db      *store
	now     time.Time
	errs    fieldErrors
	created bool // POST, not PUT
	o       *order

	priorStatus     string
	newCompany      *company     // embedded company to create
	newShipping     *address     // embedded shipping_address to create
	newBilling      *address     // embedded billing_address to create
	billingDefaults bool         // billing follows shipping
	shippingGiven   bool         // a shipping address (id or object) was sent
	billingGiven    bool         // a billing address (id or object) was sent
	ownerChanged    bool         // company_id changed (PUT)
	lines           []*orderLine // lines to append
}

// createOrder validates a POST body and stores the order with whatever it
// embeds, or changes nothing.
func (db *store) createOrder(a attrs, now time.Time) (*order, error) {
	f := &orderForm{db: db, now: now, errs: fieldErrors{}, created: true}
	f.o = &order{
		createdAt: now, updatedAt: now, status: "draft", taxTreatment: "exclusive",
		currency: db.currencies[db.account.defaultCurrencyID], issuedAt: now.Format("2006-01-02"),
	}
	f.priorStatus = "draft"
	f.read(a)
	if err := f.errs.err(); err != nil {
		return nil, err
	}
	o := f.o
	o.id = db.orders.next()
	if o.orderNumber == "" {
		o.orderNumber = db.nextOrderNumberFree()
	}
	f.commit()
	db.orders.add(o)
	db.emit("order.create", o.id)
	if o.status == "finalized" {
		db.emit("order.finalized", o.id)
	}
	db.syncStock(o, now)
	return o, nil
}

// updateOrder validates a PUT body and applies it, or changes nothing.
func (db *store) updateOrder(o *order, a attrs, now time.Time) error {
	switch o.status {
	case "void", "deleted":
		return baseError("Cannot modify a " + o.status + " order")
	}
	cp := *o
	f := &orderForm{db: db, now: now, errs: fieldErrors{}, o: &cp, priorStatus: o.status}
	f.read(a)
	if f.o.status != o.status {
		checkStatusChange(o, f.o.status, f.errs)
	}
	if o.status == "fulfilled" && len(f.lines) > 0 {
		f.errs.add("order_line_items", "cannot be added to a fulfilled order")
	}
	if err := f.errs.err(); err != nil {
		return err
	}
	*o = cp
	f.o = o
	f.commit()
	if o.status == "finalized" && f.priorStatus != "finalized" {
		db.emit("order.finalized", o.id)
	}
	db.syncStock(o, now)
	o.touch(now)
	return nil
}

// checkStatusChange allows draft ↔ active (back to draft only while
// nothing was invoiced, paid or packed) and draft/active → finalized.
func checkStatusChange(o *order, to string, errs fieldErrors) {
	from := o.status
	switch {
	case from == "finalized" || from == "fulfilled":
		errs.add("status", fmt.Sprintf("cannot be changed from %s to %s", from, to))
	case to == "draft" && (len(o.invoices) > 0 || len(o.payments) > 0 || len(o.fulfillments) > 0):
		errs.add("status", "cannot be changed back to draft once invoiced, paid or packed")
	}
}

// read validates every attribute sent into f.
func (f *orderForm) read(a attrs) {
	db, o, errs := f.db, f.o, f.errs

	// The company: company_id, or an embedded new company (created).
	var companyID *int64
	idField(a, errs, "", "company_id", &companyID)
	companyAttrs, ok := a.obj("company")
	if !ok {
		errs.add("company", msgInvalid)
	}
	switch {
	case companyID != nil:
		co, ok := db.companies.get(*companyID)
		if !ok {
			errs.add("company", msgMustExist)
		} else if o.company != co {
			f.ownerChanged = !f.created
			o.company = co
		}
	case companyAttrs != nil && f.created:
		f.newCompany = db.newCompany(companyAttrs, errs, "company.", f.now)
	case f.created && len(errs["company_id"]) == 0 && len(errs["company"]) == 0:
		errs.add("company_id", msgBlank)
	}

	// Addresses: an id, or an embedded address created for the company
	// (the object wins when both are sent). Billing defaults to shipping.
	shipping, newShipping := f.address(a, "shipping_address")
	billing, newBilling := f.address(a, "billing_address")
	f.newShipping, f.newBilling = newShipping, newBilling
	f.shippingGiven = shipping != nil || newShipping != nil
	f.billingGiven = billing != nil || newBilling != nil
	if shipping != nil {
		o.shippingAddressID = shipping.id
	}
	if billing != nil {
		o.billingAddressID = billing.id
	}
	if f.created {
		switch {
		case f.shippingGiven:
		case f.newCompany != nil:
			if len(errs["shipping_address"]) == 0 {
				errs.add("shipping_address", msgBlank)
			}
		case len(errs["shipping_address"]) == 0 && len(errs["shipping_address_id"]) == 0:
			errs.add("shipping_address_id", msgBlank)
		}
		f.billingDefaults = !f.billingGiven
	}
	if f.ownerChanged { // existing addresses must follow the new company
		for _, kind := range []struct {
			key   string
			id    int64
			given bool
		}{{"shipping_address", o.shippingAddressID, f.shippingGiven}, {"billing_address", o.billingAddressID, f.billingGiven}} {
			if ad, ok := db.addresses.get(kind.id); !kind.given && ok && ad.companyID != o.company.id {
				errs.add(kind.key, "must belong to the order's company")
			}
		}
	}

	// Currency: currency_iso or currency_id.
	if a.has("currency_iso") {
		iso, ok := a.str("currency_iso")
		cur := (*currency)(nil)
		if ok && !blank(iso) {
			for _, c := range db.currencyList {
				if strings.EqualFold(c.iso, strings.TrimSpace(*iso)) {
					cur = c
				}
			}
		}
		if cur == nil {
			errs.add("currency", msgMustExist)
		} else {
			o.currency = cur
		}
	} else if a.has("currency_id") {
		var id *int64
		idField(a, errs, "", "currency_id", &id)
		if id != nil {
			if cur := db.currencies[*id]; cur != nil {
				o.currency = cur
			} else {
				errs.add("currency", msgMustExist)
			}
		}
	}

	// Stock location: given, else the company's default, else the
	// account's primary location.
	if a.has("stock_location_id") {
		var id *int64
		idField(a, errs, "", "stock_location_id", &id)
		if id != nil {
			if db.locations[*id] == nil {
				errs.add("stock_location", msgMustExist)
			} else {
				o.stockLocationID = *id
			}
		}
	}
	if o.stockLocationID == 0 {
		o.stockLocationID = db.account.primaryLocationID
		if co := f.owner(); co != nil && co.defaultStockLocationID != nil {
			o.stockLocationID = *co.defaultStockLocationID
		}
	}

	// Price list: given, else the company's, else the account's default.
	if a.has("default_price_list_id") {
		v, ok := a.str("default_price_list_id")
		switch {
		case !ok || (!blank(v) && !slices.Contains(priceLists, strings.TrimSpace(*v))):
			errs.add("default_price_list_id", msgInvalid)
		case !blank(v):
			o.defaultPriceListID = strings.TrimSpace(*v)
		}
	}
	if o.defaultPriceListID == "" {
		o.defaultPriceListID = db.account.defaultOrderPriceListID
		if co := f.owner(); co != nil && co.defaultPriceListID != nil {
			o.defaultPriceListID = *co.defaultPriceListID
		}
	}

	enumField(a, errs, "", "status", orderWritableStatuses, &o.status)
	enumField(a, errs, "", "tax_treatment", taxTreatments, &o.taxTreatment)
	// issued_at: a date or timestamp; anything else (the guide sends
	// "Time.now") leaves it at the date of creation, as the guide's
	// example succeeding shows.
	if v, ok := a.str("issued_at"); ok && !blank(v) {
		if d, ok := parseDate(*v); ok {
			o.issuedAt = d
		}
	}
	dateField(a, errs, "", "ship_at", &o.shipAt)
	for _, s := range []struct {
		key string
		dst **string
	}{{"email", &o.email}, {"phone_number", &o.phoneNumber}, {"notes", &o.notes}, {"reference_number", &o.referenceNumber}, {"source_url", &o.sourceURL}} {
		strField(a, errs, "", s.key, s.dst)
	}
	idField(a, errs, "", "assignee_id", &o.assigneeID)
	idField(a, errs, "", "contact_id", &o.contactID)
	if a.has("tags") {
		if tags, ok := a.stringList("tags"); ok {
			o.tags = tags
		} else {
			errs.add("tags", msgInvalid)
		}
	}
	if a.has("order_number") {
		v, ok := a.str("order_number")
		switch {
		case !ok:
			errs.add("order_number", msgInvalid)
		case blank(v):
			if !f.created {
				errs.add("order_number", msgBlank)
			}
		default:
			n := strings.TrimSpace(*v)
			if n != o.orderNumber && db.orderNumberTaken(n) {
				errs.add("order_number", msgTaken)
			}
			o.orderNumber = n
		}
	}

	// Line items, appended after the existing ones.
	items, ok := a.objects("order_line_items")
	if !ok {
		errs.add("order_line_items", msgInvalid)
	}
	pos := len(o.lines)
	for _, la := range items {
		pos++
		if l := f.line(la, pos); l != nil {
			f.lines = append(f.lines, l)
		}
	}
}

// owner is the order's company, the embedded new one included.
func (f *orderForm) owner() *company {
	if f.newCompany != nil {
		return f.newCompany
	}
	return f.o.company
}

// address reads <key>_id or an embedded <key> object.
func (f *orderForm) address(a attrs, key string) (existing, fresh *address) {
	var id *int64
	idField(a, f.errs, "", key+"_id", &id)
	obj, ok := a.obj(key)
	if !ok {
		f.errs.add(key, msgInvalid)
		return nil, nil
	}
	if obj != nil {
		ad := newAddress(obj, f.errs, key+".", f.now)
		var cid *int64
		idField(obj, f.errs, key+".", "company_id", &cid)
		if cid != nil && (f.newCompany != nil || f.o.company == nil || *cid != f.o.company.id) {
			f.errs.add(key+".company_id", "must be the order's company")
		}
		return nil, ad
	}
	if id == nil {
		return nil, nil
	}
	ad, found := f.db.addresses.get(*id)
	switch {
	case !found:
		f.errs.add(key, msgMustExist)
		return nil, nil
	case f.newCompany != nil || (f.o.company != nil && ad.companyID != f.o.company.id):
		f.errs.add(key, "must belong to the order's company")
		return nil, nil
	}
	return ad, nil
}

// line validates one embedded order_line_item.
func (f *orderForm) line(a attrs, pos int) *orderLine {
	const p = "order_line_items."
	db, errs := f.db, f.errs
	l := &orderLine{createdAt: f.now, updatedAt: f.now, position: pos, taxTypeID: taxExemptID}
	if v, ok := a.boolean("freeform"); !ok {
		errs.add(p+"freeform", msgInvalid)
	} else if v != nil {
		l.freeform = *v
	}
	if a.has("line_type") {
		v, ok := a.str("line_type")
		switch {
		case !ok || (!blank(v) && !slices.Contains(lineTypes, strings.TrimSpace(*v))):
			errs.add(p+"line_type", msgNotInList)
		case !blank(v):
			l.lineType = str(strings.TrimSpace(*v))
		}
	}
	needsVariant := !l.freeform && (l.lineType == nil || *l.lineType == "product")
	var variantID *int64
	idField(a, errs, p, "variant_id", &variantID)
	switch {
	case variantID != nil:
		if l.variant = db.variants[*variantID]; l.variant == nil {
			errs.add(p+"variant", msgMustExist)
		}
	case needsVariant && len(errs[p+"variant_id"]) == 0:
		errs.add(p+"variant", msgMustExist)
	}
	switch q, ok := a.dec("quantity"); {
	case !ok:
		errs.add(p+"quantity", msgNotNumber)
	case q == nil:
		errs.add(p+"quantity", msgBlank)
	case !q.IsPositive():
		errs.add(p+"quantity", msgPositive)
	default:
		l.quantity = *q
	}
	switch price, ok := a.dec("price"); {
	case !ok:
		errs.add(p+"price", msgNotNumber)
	case price != nil:
		l.price = *price
	case l.variant != nil:
		// From the order's price list; a variant without a price there
		// sells at 0, as "we will attempt to pull the price" allows.
		if v := l.variant.price(f.o.defaultPriceListID); v != nil {
			l.price = *v
		}
	}
	switch d, ok := a.dec("discount"); {
	case !ok:
		errs.add(p+"discount", msgNotNumber)
	case d != nil && (d.LessThan(hundred.Neg()) || d.GreaterThan(hundred)):
		errs.add(p+"discount", msgDiscount)
	case d != nil && !d.IsZero():
		l.discount = d
	}
	strField(a, errs, p, "label", &l.label)
	strField(a, errs, p, "image_url", &l.imageURL)
	if a.has("tax_rate_override") {
		if d, ok := a.dec("tax_rate_override"); !ok {
			errs.add(p+"tax_rate_override", msgNotNumber)
		} else {
			l.taxRateOverride = ptrRails(d)
		}
	}
	if a.has("position") {
		var n *int64
		idField(a, errs, p, "position", &n)
		if n != nil {
			l.position = int(*n)
		}
	}
	return l
}

// commit stores what read validated: the new company, the new addresses
// and the new lines.
func (f *orderForm) commit() {
	db, o := f.db, f.o
	if f.newCompany != nil {
		db.addCompany(f.newCompany)
		o.company = f.newCompany
	}
	if f.newShipping != nil {
		db.addAddress(o.company, f.newShipping)
		o.shippingAddressID = f.newShipping.id
	}
	if f.newBilling != nil {
		db.addAddress(o.company, f.newBilling)
		o.billingAddressID = f.newBilling.id
	}
	if f.billingDefaults {
		o.billingAddressID = o.shippingAddressID
	}
	for _, l := range f.lines {
		l.id = db.orderLines.next()
		l.order = o
		o.lines = append(o.lines, l)
		db.orderLines.add(l)
	}
}

func (db *store) orderNumberTaken(n string) bool {
	return slices.ContainsFunc(db.orders.list, func(o *order) bool { return o.orderNumber == n })
}

// nextOrderNumberFree hands out SO0001, SO0002, …, skipping numbers
// taken by orders that chose their own.
func (db *store) nextOrderNumberFree() string {
	for {
		n := fmt.Sprintf("SO%04d", db.nextOrderNumber)
		db.nextOrderNumber++
		if !db.orderNumberTaken(n) {
			return n
		}
	}
}
