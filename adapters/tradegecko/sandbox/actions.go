package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// orderActions are the spec's order actions, POST /orders/{id}/actions/{action}.
var orderActions = []string{"invoice", "pay", "pack", "fulfil", "void"}

// committingStatuses hold stock committed for their unshipped product lines.
var committingStatuses = []string{"active", "finalized", "fulfilled"}

// orderAction answers POST /orders/{id}/actions/{action} with 201
// {"order":{…}} (the order after the action), or 422 when the order's state
// forbids it (see checkAction).
func orderAction(action string) handlerFunc {
	return func(c *call) (*response, error) {
		o, err := findOrder(c)
		if err != nil {
			return nil, err
		}
		db, now := c.s.db, c.now()
		var (
			inv invoiceInput
			pay paymentInput
			tr  trackingInput
		)
		errs := fieldErrors{}
		switch action {
		case "invoice":
			a, err := decodeOptionalRoot(c.body, "invoice")
			if err != nil {
				return nil, err
			}
			inv = readInvoiceInput(a, errs)
		case "pay":
			a, err := decodeOptionalRoot(c.body, "payment")
			if err != nil {
				return nil, err
			}
			pay = readPaymentInput(db, a, errs)
		case "pack", "fulfil":
			a, err := decodeOptionalRoot(c.body, "fulfillment")
			if err != nil {
				return nil, err
			}
			tr = readTrackingInput(a, errs)
		}
		if err := errs.err(); err != nil {
			return nil, err
		}
		if err := checkAction(o, action); err != nil {
			return nil, err
		}

		switch action {
		case "invoice":
			db.finalize(o)
			db.invoiceOrder(o, inv, now)
		case "pay":
			db.finalize(o)
			if o.uninvoicedQty().IsPositive() {
				db.invoiceOrder(o, invoiceInput{}, now)
			}
			method := db.paymentMethodFor(pay, now)
			paidAt := now
			if pay.paidAt != nil {
				paidAt = *pay.paidAt
			}
			for _, i := range o.invoices {
				if !i.paid {
					db.payInvoice(i, method, paidAt, now)
				}
			}
		case "pack":
			db.finalize(o)
			db.packOrder(o, tr, now)
		case "fulfil":
			db.finalize(o)
			for _, f := range o.fulfillments {
				if f.status == "packed" {
					db.ship(f, tr, now)
				}
			}
			if o.unpackedQty().IsPositive() {
				db.ship(db.packOrder(o, tr, now), tr, now)
			}
			if !o.unshippedQty().IsPositive() {
				o.status = "fulfilled"
				db.emit("order.fulfilled", o.id)
			}
		case "void":
			o.status = "void"
			for _, f := range o.fulfillments {
				if f.status == "packed" {
					f.status = "void"
					f.updatedAt = later(f.updatedAt, now)
				}
			}
		}
		db.syncStock(o, now)
		o.touch(now)
		return createdResponse("order", o.wire()), nil
	}
}

// checkAction refuses, with 422 {"errors":{"base":[…]}}, what the order's
// state forbids: any action on a deleted or void order, anything but void
// on a draft, an action whose effect is already in place (nothing is
// created twice), and voiding an order with shipped goods.
func checkAction(o *order, action string) error {
	switch o.status {
	case "deleted":
		return baseError(fmt.Sprintf("Cannot %s a deleted order", action))
	case "void":
		if action == "void" {
			return baseError("Order has already been voided")
		}
		return baseError(fmt.Sprintf("Cannot %s a void order", action))
	case "draft":
		if action != "void" {
			return baseError(fmt.Sprintf("Cannot %s a draft order", action))
		}
	}
	switch action {
	case "invoice":
		if len(o.lines) == 0 {
			return baseError("Order has no line items to invoice")
		}
		if !o.uninvoicedQty().IsPositive() {
			return baseError("Order has already been invoiced")
		}
	case "pay":
		if len(o.lines) == 0 {
			return baseError("Order has no line items to pay")
		}
		if o.paymentStatus() == "paid" {
			return baseError("Order has already been paid")
		}
	case "pack":
		if !o.shippableQty().IsPositive() {
			return baseError("Order has no items to pack")
		}
		if !o.unpackedQty().IsPositive() {
			return baseError("Order has already been packed")
		}
	case "fulfil":
		if !o.shippableQty().IsPositive() {
			return baseError("Order has no items to fulfil")
		}
		if !o.unshippedQty().IsPositive() {
			return baseError("Order has already been fulfilled")
		}
	case "void":
		if o.status == "fulfilled" {
			return baseError("Cannot void a fulfilled order")
		}
		if o.shipped().IsPositive() {
			return baseError("Cannot void a partially fulfilled order")
		}
	}
	return nil
}

// finalize moves an active order to finalized, as invoicing, paying,
// packing and fulfilling do.
func (db *store) finalize(o *order) {
	if o.status == "active" {
		o.status = "finalized"
		db.emit("order.finalized", o.id)
	}
}

// invoiceInput is the invoice action's optional {"invoice":{…}}.
type invoiceInput struct {
	dueAt, invoicedAt *string
	notes             *string
}

func readInvoiceInput(a attrs, errs fieldErrors) invoiceInput {
	var in invoiceInput
	if a == nil {
		return in
	}
	dateField(a, errs, "invoice.", "due_at", &in.dueAt)
	dateField(a, errs, "invoice.", "invoiced_at", &in.invoicedAt)
	strField(a, errs, "invoice.", "notes", &in.notes)
	return in
}

// paymentInput is the pay action's optional {"payment":{…}}.
type paymentInput struct {
	methodName *string
	methodID   *int64
	paidAt     *time.Time
}

func readPaymentInput(db *store, a attrs, errs fieldErrors) paymentInput {
	var in paymentInput
	if a == nil {
		return in
	}
	strField(a, errs, "payment.", "payment_method_name", &in.methodName)
	idField(a, errs, "payment.", "payment_method_id", &in.methodID)
	if in.methodID != nil {
		if _, ok := db.paymentMethods.get(*in.methodID); !ok {
			errs.add("payment.payment_method", msgMustExist)
		}
	}
	var paidAt *string
	strField(a, errs, "payment.", "paid_at", &paidAt)
	if !blank(paidAt) {
		t, ok := parseTime(*paidAt)
		if !ok {
			errs.add("payment.paid_at", msgInvalid)
		}
		in.paidAt = &t
	}
	return in
}

// trackingInput is the pack and fulfil actions' optional {"fulfillment":{…}}.
type trackingInput struct {
	trackingNumber, trackingCompany, trackingURL *string
	service, notes, deliveryType                 *string
}

func readTrackingInput(a attrs, errs fieldErrors) trackingInput {
	var in trackingInput
	if a == nil {
		return in
	}
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"tracking_number", &in.trackingNumber}, {"tracking_company", &in.trackingCompany}, {"tracking_url", &in.trackingURL},
		{"service", &in.service}, {"notes", &in.notes}, {"delivery_type", &in.deliveryType},
	} {
		strField(a, errs, "fulfillment.", f.key, f.dst)
	}
	return in
}

// apply copies the details given onto a fulfillment.
func (in trackingInput) apply(f *fulfillment) {
	for _, p := range []struct{ src, dst **string }{
		{&in.trackingNumber, &f.trackingNumber}, {&in.trackingCompany, &f.trackingCompany}, {&in.trackingURL, &f.trackingURL},
		{&in.service, &f.service}, {&in.notes, &f.notes}, {&in.deliveryType, &f.deliveryType},
	} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
}

// invoiceOrder creates an invoice for every line's uninvoiced quantity.
func (db *store) invoiceOrder(o *order, in invoiceInput, now time.Time) *invoice {
	inv := &invoice{
		id: db.invoices.next(), createdAt: now, updatedAt: now, order: o, status: "active",
		number:            fmt.Sprintf("INV%04d", db.nextInvoiceNumber),
		invoicedAt:        now.Format("2006-01-02"),
		notes:             in.notes,
		shippingAddressID: o.shippingAddressID, billingAddressID: o.billingAddressID,
		currency: o.currency,
	}
	db.nextInvoiceNumber++
	if in.invoicedAt != nil {
		inv.invoicedAt = *in.invoicedAt
	}
	inv.dueAt = inv.invoicedAt
	if in.dueAt != nil {
		inv.dueAt = *in.dueAt
	}
	total := decimal.Zero
	for _, l := range o.lines {
		q := l.quantity.Sub(l.invoicedQty())
		if !q.IsPositive() {
			continue
		}
		db.nextInvoiceLineID++
		il := &invoiceLine{id: db.nextInvoiceLineID, invoice: inv, orderLine: l, quantity: q}
		l.invoiceLines = append(l.invoiceLines, il)
		inv.lines = append(inv.lines, il)
		total = total.Add(lineNet(q, l))
	}
	inv.total = total.Round(int32(o.currency.precision))
	db.invoices.add(inv)
	o.invoices = append(o.invoices, inv)
	db.emit("invoice.create", inv.id)
	return inv
}

// paymentMethodFor finds the payment method named (case-insensitively; an
// unknown name is created, as the web app does) or given by id; the
// default one (Cash) otherwise.
func (db *store) paymentMethodFor(in paymentInput, now time.Time) *paymentMethod {
	if in.methodID != nil {
		pm, _ := db.paymentMethods.get(*in.methodID)
		return pm
	}
	if !blank(in.methodName) {
		name := strings.TrimSpace(*in.methodName)
		for _, pm := range db.paymentMethods.list {
			if strings.EqualFold(pm.name, name) {
				return pm
			}
		}
		pm := &paymentMethod{id: db.paymentMethods.next(), createdAt: now, updatedAt: now, name: name}
		db.paymentMethods.add(pm)
		return pm
	}
	for _, pm := range db.paymentMethods.list {
		if pm.isDefault {
			return pm
		}
	}
	return db.paymentMethods.list[0]
}

// payInvoice records a payment of the invoice's whole total.
func (db *store) payInvoice(inv *invoice, pm *paymentMethod, paidAt, now time.Time) *payment {
	p := &payment{
		id: db.payments.next(), createdAt: now, updatedAt: now, invoice: inv, order: inv.order,
		method: pm, amount: inv.total, paidAt: paidAt, status: "active",
	}
	inv.paid = true
	inv.updatedAt = later(inv.updatedAt, now)
	inv.payments = append(inv.payments, p)
	inv.order.payments = append(inv.order.payments, p)
	db.payments.add(p)
	db.emit("payment.create", p.id)
	return p
}

// packOrder creates a packed fulfillment of every shippable line's unpacked
// quantity. Packing moves no stock: it stays committed until shipped.
func (db *store) packOrder(o *order, tr trackingInput, now time.Time) *fulfillment {
	f := &fulfillment{
		id: db.fulfillments.next(), createdAt: now, updatedAt: now, order: o, status: "packed",
		packedAt:          now.Format("2006-01-02"),
		shippingAddressID: o.shippingAddressID, billingAddressID: o.billingAddressID,
		stockLocationID: o.stockLocationID, exchangeRate: o.currency.rate,
	}
	tr.apply(f)
	pos := 0
	for _, l := range o.lines {
		if !l.shippable() {
			continue
		}
		q := l.quantity.Sub(l.packedQty())
		if !q.IsPositive() {
			continue
		}
		pos++
		fl := &fulfillmentLine{id: db.fulfillmentLines.next(), createdAt: now, updatedAt: now, fulfillment: f, orderLine: l, position: pos, quantity: q}
		l.fulfillmentLines = append(l.fulfillmentLines, fl)
		f.lines = append(f.lines, fl)
		db.fulfillmentLines.add(fl)
	}
	db.fulfillments.add(f)
	o.fulfillments = append(o.fulfillments, f)
	db.emit("fulfillment.create", f.id)
	return f
}

// ship marks a packed fulfillment fulfilled and withdraws its stock at its
// location (stock_on_hand down; the commitment follows in syncStock).
func (db *store) ship(f *fulfillment, tr trackingInput, now time.Time) {
	tr.apply(f)
	f.status = "fulfilled"
	f.shippedAt = &now
	f.updatedAt = later(f.updatedAt, now)
	for _, fl := range f.lines {
		if fl.orderLine.tracked() {
			db.adjustStock(fl.orderLine.variant, f.stockLocationID, fl.quantity.Neg(), decimal.Zero, now)
		}
	}
	db.emit("fulfillment.fulfilled", f.id)
}

// syncStock makes every line hold what its order's status asks for: an
// active, finalized or fulfilled order commits its unshipped quantity of
// each tracked product line at its stock location; any other status
// commits nothing.
func (db *store) syncStock(o *order, now time.Time) {
	for _, l := range o.lines {
		want := decimal.Zero
		if l.tracked() && slices.Contains(committingStatuses, o.status) {
			want = decimal.Max(l.quantity.Sub(l.shippedQty()), decimal.Zero)
		}
		if !l.committed.IsZero() && l.commitLoc != o.stockLocationID {
			db.adjustStock(l.variant, l.commitLoc, decimal.Zero, l.committed.Neg(), now)
			l.committed = decimal.Zero
		}
		if d := want.Sub(l.committed); !d.IsZero() {
			db.adjustStock(l.variant, o.stockLocationID, decimal.Zero, d, now)
		}
		l.committed, l.commitLoc = want, o.stockLocationID
	}
}

// adjustStock moves a variant's stock on hand and committed stock at a
// location (creating its stock record there if need be), touches the
// variant and announces variant.stock_level_update.
func (db *store) adjustStock(v *variant, loc int64, onHand, committed decimal.Decimal, now time.Time) {
	l := v.level(loc)
	if l == nil {
		v.setStock(loc, decimal.Zero)
		l = v.level(loc)
	}
	l.onHand = l.onHand.Add(onHand)
	if !committed.IsZero() {
		c := committed
		if l.committed != nil {
			c = l.committed.Add(committed)
		}
		l.committed = &c
	}
	v.touch(now)
	db.stockChanged(v)
}
