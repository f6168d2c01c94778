package graph

import (
	"context"
	"slices"
	"strconv"

	"github.com/vikstrous/dataloadgen"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/money"
)

// orderSideloads plans which related records to load with orders from
// what the selection asks for below the orders (reached by base).
func orderSideloads(ctx context.Context, base [][]step) commerce.OrderSideloads {
	on := []string{gid.Order, "Node"}
	return commerce.OrderSideloads{
		LineItems: selects(ctx, withTail(base, step{"lineItems", on})...),
		Company:   selects(ctx, withTail(base, step{"company", on})...),
		Addresses: selects(ctx, append(withTail(base, step{"shippingAddress", on}), withTail(base, step{"billingAddress", on})...)...),
	}
}

// primeOrders tells the loaders about orders (and their sideloads) a query
// brought, and, when the lines' variants are asked for, loads them all in
// one batch now.
func primeOrders(ctx context.Context, orders []commerce.Order, variants bool) error {
	l := loadersFor(ctx)
	var variantIDs []int64
	for _, o := range orders {
		l.order.Prime(o.ID, o)
		for _, li := range o.LineItems {
			l.orderLine.Prime(li.ID, li)
			if li.VariantID != 0 {
				variantIDs = append(variantIDs, li.VariantID)
			}
		}
		if o.Company != nil {
			l.company.Prime(o.Company.ID, *o.Company)
		}
		for _, a := range []*commerce.Address{o.ShippingAddress, o.BillingAddress} {
			if a != nil {
				l.address.Prime(a.ID, *a)
			}
		}
	}
	if variants && len(variantIDs) > 0 {
		slices.Sort(variantIDs)
		_, err := loadSome(ctx, l.variant, slices.Compact(variantIDs))
		return err
	}
	return nil
}

// loadOptional loads a record a parent refers to; id 0 or a record that
// does not exist is nil.
func loadOptional[T any](ctx context.Context, l *dataloadgen.Loader[int64, T], id int64) (*T, error) {
	if id == 0 {
		return nil, nil
	}
	v, found, err := loadOne(ctx, l, id)
	if !found {
		return nil, err
	}
	return &v, nil
}

func loadParentOrder(ctx context.Context, id int64) (*commerce.Order, error) {
	o, err := loadOptional(ctx, loadersFor(ctx).order, id)
	if err == nil && o == nil {
		return nil, commerce.Errorf(commerce.CodeNotFound, "order %d was not found", id)
	}
	return o, err
}

func progress[T any](p commerce.Progress, none, partial, full, other T) T {
	switch p {
	case commerce.ProgressNone:
		return none
	case commerce.ProgressPartial:
		return partial
	case commerce.ProgressFull:
		return full
	}
	return other
}

func orderFilter(f *OrderFilter) (commerce.OrderFilter, error) {
	var out commerce.OrderFilter
	if f == nil {
		return out, nil
	}
	ids, err := parseTradegeckoIDs("filter.ids", gid.Order, f.Ids)
	if err != nil {
		return out, err
	}
	out.IDs, out.Status, out.OrderNumber = ids, f.Status, deref(f.OrderNumber)
	if f.CompanyID != nil {
		if out.CompanyID, err = parseTradegeckoID("filter.companyId", gid.Company, *f.CompanyID); err != nil {
			return out, err
		}
	}
	if f.UpdatedAfter != nil {
		out.UpdatedAfter = *f.UpdatedAfter
	}
	return out, nil
}

// newOrder decodes createOrder's input. Malformed ids and currency codes
// are argument errors; everything else the commerce layer checks and
// answers as user errors.
func newOrder(in CreateOrderInput) (commerce.NewOrder, error) {
	var (
		o   commerce.NewOrder
		err error
	)
	optID := func(arg, typ string, s *string) int64 {
		if s == nil || err != nil {
			return 0
		}
		var id int64
		id, err = parseTradegeckoID(arg, typ, *s)
		return id
	}
	o.CompanyID = optID("input.companyId", gid.Company, in.CompanyID)
	o.ShippingAddressID = optID("input.shippingAddressId", gid.Address, in.ShippingAddressID)
	o.BillingAddressID = optID("input.billingAddressId", gid.Address, in.BillingAddressID)
	if err != nil {
		return o, err
	}
	if c := in.Company; c != nil {
		o.Company = &commerce.NewCompany{Name: deref(c.Name), Email: deref(c.Email), Phone: deref(c.Phone), CompanyCode: deref(c.CompanyCode)}
		if c.CompanyType != nil {
			o.Company.CompanyType = *c.CompanyType
		}
	}
	o.ShippingAddress = newAddress(in.ShippingAddress)
	o.BillingAddress = newAddress(in.BillingAddress)
	if in.IssuedAt != nil {
		o.IssuedAt = *in.IssuedAt
	}
	if in.Status != nil {
		o.Status = commerce.OrderStatus(*in.Status)
	}
	if in.CurrencyCode != nil {
		if o.Currency, err = money.ParseCurrency(*in.CurrencyCode); err != nil {
			return o, commerce.BadInput("input.currencyCode: %q is not an ISO 4217 code such as USD", clip(*in.CurrencyCode))
		}
	}
	o.Email, o.Notes, o.ReferenceNumber, o.Tags = deref(in.Email), deref(in.Notes), deref(in.ReferenceNumber), in.Tags
	for i, l := range in.LineItems {
		line := commerce.NewOrderLine{Quantity: l.Quantity, Price: l.Price, Discount: l.Discount, Label: deref(l.Label), Freeform: deref(l.Freeform)}
		if l.LineType != nil {
			line.LineType = *l.LineType
		}
		if l.VariantID != nil {
			if line.VariantID, err = parseTradegeckoID(argIndex("input.lineItems", i, "variantId"), gid.Variant, *l.VariantID); err != nil {
				return o, err
			}
		}
		o.LineItems = append(o.LineItems, line)
	}
	return o, nil
}

func newAddress(a *AddressInput) *commerce.NewAddress {
	if a == nil {
		return nil
	}
	return &commerce.NewAddress{Label: deref(a.Label), FirstName: deref(a.FirstName), LastName: deref(a.LastName),
		Address1: deref(a.Address1), Address2: deref(a.Address2), Suburb: deref(a.Suburb), City: deref(a.City),
		State: deref(a.State), ZipCode: deref(a.ZipCode), Country: deref(a.Country), Phone: deref(a.Phone), Email: deref(a.Email)}
}

func newReturn(in CreateReturnInput) (commerce.NewReturn, error) {
	r := commerce.NewReturn{Notes: deref(in.Notes), Tracking: toTracking(in.Tracking)}
	var err error
	if r.OrderID, err = parseTradegeckoID("input.orderId", gid.Order, in.OrderID); err != nil {
		return r, err
	}
	for i, l := range in.LineItems {
		id, err := parseTradegeckoID(argIndex("input.lineItems", i, "orderLineItemId"), gid.OrderLineItem, l.OrderLineItemID)
		if err != nil {
			return r, err
		}
		r.LineItems = append(r.LineItems, commerce.NewReturnLine{OrderLineItemID: id, Quantity: l.Quantity})
	}
	return r, nil
}

func toTracking(t *TrackingInput) *commerce.Tracking {
	if t == nil {
		return nil
	}
	return &commerce.Tracking{TrackingNumber: deref(t.TrackingNumber), TrackingCompany: deref(t.TrackingCompany),
		TrackingURL: deref(t.TrackingURL), Service: deref(t.Service), Notes: deref(t.Notes)}
}

func (r *mutationResolver) act(ctx context.Context, id string, a commerce.OrderAction, prefix string) (*OrderPayload, error) {
	oid, err := parseTradegeckoID("id", gid.Order, id)
	if err != nil {
		return nil, err
	}
	res, err := r.Service.Act(ctx, oid, a)
	if err != nil {
		return nil, err
	}
	return r.orderPayload(ctx, res, prefix), nil
}

// orderPayload answers a mutation's order. When the payload asks for the
// order's lines, company or addresses and the write's answer lacks them,
// they come in one GET /orders/{id}?include=… rather than a lookup per
// kind (which also costs a lookup of the order for the lines' currency).
// The write has happened either way: if that read fails, the fields fall
// back to their own lookups and answer errors at their paths.
func (r *mutationResolver) orderPayload(ctx context.Context, res commerce.OrderResult, prefix string) *OrderPayload {
	if o := res.Order; o != nil {
		base := [][]step{{{"order", []string{"OrderPayload"}}}}
		sl := orderSideloads(ctx, base)
		sl.LineItems = sl.LineItems && !o.LineItemsLoaded
		sl.Company = sl.Company && !o.CompanyLoaded
		sl.Addresses = sl.Addresses && !o.AddressesLoaded
		if sl != (commerce.OrderSideloads{}) {
			if items, err := r.Service.OrdersByID(ctx, []int64{o.ID}, sl); err == nil && len(items) == 1 {
				res.Order = &items[0]
			}
		}
		if !commerce.Allowed(ctx, commerce.OpReadOrders) {
			res.Order = r.primePlacedOrder(ctx, res, base)
		}
		variants := selects(ctx, withTail(base, step{"lineItems", []string{gid.Order}}, step{"variant", []string{"OrderLineItem"}})...)
		_ = primeOrders(ctx, []commerce.Order{*res.Order}, variants) // a failed variant batch answers at its fields
	}
	return &OrderPayload{Order: res.Order, UserErrors: prefixErrors(res.UserErrors, prefix)}
}

// primePlacedOrder gives a caller who may not read orders (a storefront's
// guest checkout) what it may read of the order it placed, where it asks
// for it: its lines, fulfillments and returns (see
// commerce.Service.PlacedOrderLines). Those fields are non-null lists, so
// a FORBIDDEN there would null the whole order and hide the order the
// guest just placed. A read that fails leaves the field to its resolver,
// which answers FORBIDDEN at its path.
func (r *mutationResolver) primePlacedOrder(ctx context.Context, res commerce.OrderResult, base [][]step) *commerce.Order {
	l, o := loadersFor(ctx), *res.Order // a copy: res.Order may be the backend's
	if selects(ctx, withTail(base, step{"lineItems", []string{gid.Order}})...) {
		if lines, err := r.Service.PlacedOrderLines(ctx, res); err == nil {
			o.LineItems, o.LineItemsLoaded = lines, true
		}
	}
	if selects(ctx, withTail(base, step{"fulfillments", []string{gid.Order}})...) {
		if fs, err := r.Service.PlacedOrderFulfillments(ctx, res); err == nil {
			l.fulfillmentsByOrder.Prime(o.ID, fs)
		}
	}
	if selects(ctx, withTail(base, step{"returns", []string{gid.Order}})...) {
		if rs, err := r.Service.PlacedOrderReturns(ctx, res); err == nil {
			l.returnsByOrder.Prime(o.ID, rs)
		}
	}
	return &o
}

// prefixErrors puts user errors' field paths under the argument they came
// from ("input").
func prefixErrors(errs []commerce.UserError, prefix string) []commerce.UserError {
	out := make([]commerce.UserError, len(errs))
	for i, e := range errs {
		if prefix != "" && e.Field != nil {
			e.Field = append([]string{prefix}, e.Field...)
		}
		out[i] = e
	}
	return out
}

func argIndex(arg string, i int, field string) string {
	return arg + "[" + strconv.Itoa(i) + "]." + field
}
