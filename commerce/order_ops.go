package commerce

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/gid"
)

// Limits on order input.
const (
	MaxOrderLines  = 1000
	MaxOrderTags   = 50
	maxText        = 255
	maxNotes       = 4000
	maxQtyScale    = 4
	maxReturnLines = 1000
)

// Rejection is a backend's refusal of a write the caller can fix (a
// TradeGecko 422): it becomes a user error with code REJECTED and the
// backend's own message.
type Rejection struct {
	Backend   backend.Name
	Message   string
	RequestID string
	// Code refines REJECTED where the backend's message is recognised
	// (SimpleConsign: UNKNOWN_SKU, DUPLICATE_SALE, …); empty means REJECTED.
	Code string
	// Field is the input path at fault, when known.
	Field []string
	// State says the backend refused because of the record's state, not
	// the input (TradeGecko's 422 "base" errors on an order action): the
	// Service answers NOT_ALLOWED naming the state, with Message (the
	// backend's own words, no field name) as the reason.
	State bool
}

func (r *Rejection) Error() string { return string(r.Backend) + " rejected the request: " + r.Message }

// OrderResult is the outcome of an order mutation: the order, or the user
// errors that explain why there is none.
type OrderResult struct {
	Order      *Order
	UserErrors []UserError
	// placedBy is the KeyID of the caller CreateOrder answered this order
	// to: the capability PlacedOrderLines and its siblings check. Only
	// CreateOrder sets it, so no door can forge it.
	placedBy string
}

// ReturnResult is the outcome of createReturn.
type ReturnResult struct {
	Return     *Return
	UserErrors []UserError
}

func (s *Service) ordersFor(ctx context.Context, op Operation) (Orders, error) {
	if err := Authorize(ctx, op); err != nil {
		return nil, err
	}
	MarkPrivate(ctx) // per-customer data: see ReadRecord.Private
	if s.orders == nil {
		return nil, backendDisabled(backendCatalog, s.disabled.Orders, "the order backend (TradeGecko) is not configured")
	}
	return s.orders, nil
}

// ListOrders returns a page of orders. Admin only.
func (s *Service) ListOrders(ctx context.Context, q OrderQuery) (Page[Order], error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil {
		return Page[Order]{}, err
	}
	if err := q.Window.validate(); err != nil {
		return Page[Order]{}, err
	}
	if len(q.Filter.IDs) > MaxFilterIDs {
		return Page[Order]{}, BadInput("filter.ids takes at most %d ids, got %d", MaxFilterIDs, len(q.Filter.IDs))
	}
	if err := validText("filter.orderNumber", q.Filter.OrderNumber); err != nil {
		return Page[Order]{}, err
	}
	for _, st := range q.Filter.Status {
		if st == OrderOther {
			return Page[Order]{}, BadInput("filter.status OTHER cannot be used as a filter")
		}
	}
	return o.ListOrders(ctx, q)
}

// OrdersByID returns the orders that exist among ids. Admin only.
func (s *Service) OrdersByID(ctx context.Context, ids []int64, sl OrderSideloads) ([]Order, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return o.OrdersByID(ctx, ids, sl)
}

// OrderLineItemsByID returns the order lines that exist among ids.
func (s *Service) OrderLineItemsByID(ctx context.Context, ids []int64) ([]OrderLineItem, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return o.OrderLineItemsByID(ctx, ids)
}

// CompaniesByID returns the companies that exist among ids.
func (s *Service) CompaniesByID(ctx context.Context, ids []int64) ([]Company, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return o.CompaniesByID(ctx, ids)
}

// AddressesByID returns the addresses that exist among ids.
func (s *Service) AddressesByID(ctx context.Context, ids []int64) ([]Address, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return o.AddressesByID(ctx, ids)
}

// FulfillmentsByOrder returns the fulfillments of the given orders.
func (s *Service) FulfillmentsByOrder(ctx context.Context, orderIDs []int64) ([]Fulfillment, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(orderIDs) == 0 {
		return nil, err
	}
	return o.FulfillmentsByOrder(ctx, orderIDs)
}

// ReturnsByOrder returns the returns of the given orders.
func (s *Service) ReturnsByOrder(ctx context.Context, orderIDs []int64) ([]Return, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(orderIDs) == 0 {
		return nil, err
	}
	return o.ReturnsByOrder(ctx, orderIDs)
}

// FulfillmentsByID returns the fulfillments that exist among ids.
func (s *Service) FulfillmentsByID(ctx context.Context, ids []int64) ([]Fulfillment, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return o.FulfillmentsByID(ctx, ids)
}

// OrderOf returns the order a fulfillment, return, invoice or payment
// belongs to (0: it is gone); see Orders.OrderOf.
func (s *Service) OrderOf(ctx context.Context, record string, id int64) (int64, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil {
		return 0, err
	}
	return o.OrderOf(ctx, record, id)
}

// ReturnsByID returns the returns that exist among ids.
func (s *Service) ReturnsByID(ctx context.Context, ids []int64) ([]Return, error) {
	o, err := s.ordersFor(ctx, OpReadOrders)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return o.ReturnsByID(ctx, ids)
}

// CreateOrder creates an order exactly once per idempotency key. Admin keys
// may use every documented way (an existing company and addresses by id, an
// existing company with new addresses, a new company). A storefront key
// places a guest order: a new company with new addresses, no prices,
// discounts, currency or status (prices come from the account's default
// order price list, in its currency; the status is ACTIVE).
func (s *Service) CreateOrder(ctx context.Context, key string, in NewOrder) (OrderResult, error) {
	o, err := s.ordersFor(ctx, OpCreateOrder)
	if err != nil {
		return OrderResult{}, err
	}
	guest := !Allowed(ctx, Operation{Role: RoleAdmin})
	if guest && in.Status == "" {
		in.Status = OrderActive
	}
	// The gateway's rules, then the backend's own (see writes.go).
	if errs := append(s.validateNewOrder(ctx, in, guest), o.ValidateOrder(in)...); len(errs) > 0 {
		return OrderResult{UserErrors: errs}, nil
	}
	var created *Order // the backend's answer, when this call created it
	out, err := s.idempotent(ctx, "order", key, in, func(wk WriteKey) (outcome, error) {
		order, err := o.CreateOrder(ctx, in, wk)
		if r, ok := asRejection(err); ok {
			return outcome{UserErrors: []UserError{r}}, nil
		}
		if err != nil {
			return outcome{}, err
		}
		created = &order
		return outcome{ID: order.ID}, nil
	})
	if err != nil || len(out.UserErrors) > 0 {
		return OrderResult{UserErrors: out.UserErrors}, err
	}
	if s.changed != nil && in.Status != OrderDraft && in.Status != "" {
		var ids []int64
		for _, l := range in.LineItems {
			if l.VariantID != 0 {
				ids = append(ids, l.VariantID)
			}
		}
		s.changed(ctx, ids) // an active order commits stock
	}
	if created != nil && created.ID == out.ID && s.orderChanged != nil {
		s.orderChanged(ctx, out.ID, "createOrder")
	}
	if created != nil && created.ID == out.ID {
		return OrderResult{Order: created, placedBy: PrincipalFrom(ctx).KeyID}, nil // no need to read it back
	}
	res, err := s.orderResult(ctx, o, out.ID)
	res.placedBy = PrincipalFrom(ctx).KeyID
	return res, err
}

// placedOrder is the order res answers to the caller in ctx, when it may
// read what PlacedOrderLines and its siblings give. A storefront key
// places guest orders and may not read orders, but it may read its own
// order's lines (it sent them; their prices are what it pays),
// fulfillments (its shipment) and returns, through the result CreateOrder
// gave it: never another order's, and never its company or addresses
// (admin-only, like every record shared between orders). A caller who may
// read orders gets what the by-id reads give.
func (s *Service) placedOrder(ctx context.Context, res OrderResult) (Orders, *Order, error) {
	if res.Order == nil {
		return nil, nil, nil
	}
	if Allowed(ctx, OpReadOrders) || (res.placedBy != "" && res.placedBy == PrincipalFrom(ctx).KeyID) {
		o, err := s.ordersFor(ctx, OpCreateOrder)
		return o, res.Order, err
	}
	return nil, nil, Authorize(ctx, OpReadOrders)
}

// PlacedOrderLines returns the lines of the order res answered.
func (s *Service) PlacedOrderLines(ctx context.Context, res OrderResult) ([]OrderLineItem, error) {
	o, order, err := s.placedOrder(ctx, res)
	if err != nil || order == nil {
		return nil, err
	}
	if order.LineItemsLoaded {
		return order.LineItems, nil
	}
	if len(order.LineItemIDs) == 0 {
		return []OrderLineItem{}, nil
	}
	return o.OrderLineItemsByID(ctx, order.LineItemIDs)
}

// PlacedOrderFulfillments returns the fulfillments of the order res
// answered: none, without asking, while the order lists none.
func (s *Service) PlacedOrderFulfillments(ctx context.Context, res OrderResult) ([]Fulfillment, error) {
	o, order, err := s.placedOrder(ctx, res)
	if err != nil || order == nil {
		return nil, err
	}
	if len(order.FulfillmentIDs) == 0 {
		return []Fulfillment{}, nil
	}
	return o.FulfillmentsByOrder(ctx, []int64{order.ID})
}

// PlacedOrderReturns returns the returns of the order res answered: none,
// without asking, while the order lists none.
func (s *Service) PlacedOrderReturns(ctx context.Context, res OrderResult) ([]Return, error) {
	o, order, err := s.placedOrder(ctx, res)
	if err != nil || order == nil {
		return nil, err
	}
	if len(order.ReturnIDs) == 0 {
		return []Return{}, nil
	}
	return o.ReturnsByOrder(ctx, []int64{order.ID})
}

// Act performs an order action. The order is read first (one request)
// and the action decided from it before anything is sent: an action whose
// effect is already in place succeeds without a second effect (so it is
// safe to retry), and one its status forbids (actionRules) is the user
// error NOT_ALLOWED naming the state, sending no write. Admin only.
func (s *Service) Act(ctx context.Context, id int64, a OrderAction) (OrderResult, error) {
	o, err := s.ordersFor(ctx, OpOrderActions)
	if err != nil {
		return OrderResult{}, err
	}
	if errs := validateAction(a); len(errs) > 0 {
		return OrderResult{UserErrors: errs}, nil
	}
	// Confirming commits stock, shipping withdraws it and voiding releases
	// it: those read the lines too (in the same request), to tell the cache
	// which variants changed.
	moves := a.Kind == ActionConfirm || a.Kind == ActionFulfil || a.Kind == ActionVoid
	found, err := o.OrdersByID(ctx, []int64{id}, OrderSideloads{LineItems: moves && s.changed != nil})
	if err != nil {
		return OrderResult{}, err
	}
	if len(found) == 0 {
		return OrderResult{}, &Error{Code: CodeNotFound, Backend: backendCatalog, Message: "order " + gid.Int(backendCatalog, gid.Order, id).String() + " was not found"}
	}
	cur := found[0]
	if a.InPlace(cur) {
		return OrderResult{Order: &cur}, nil
	}
	if why := actionRefusal(cur, a.Kind); why != "" {
		return OrderResult{UserErrors: []UserError{{Code: "NOT_ALLOWED", Message: why}}}, nil
	}
	order, err := o.OrderAction(ctx, cur, a, writeKey("action:"+strconv.FormatInt(id, 10)+":"+string(a.Kind)+":"+newNonce()))
	var r *Rejection
	if errors.As(err, &r) && r.State {
		// What the backend refused for a state the table above let through
		// (an order with nothing left to pack, …): the same code, our words.
		return OrderResult{UserErrors: []UserError{{Code: "NOT_ALLOWED",
			Message: fmt.Sprintf("%s: it cannot be %s: %s", orderState(cur), actionRules[a.Kind].done, r.Message)}}}, nil
	}
	if r, ok := asRejection(err); ok {
		return OrderResult{UserErrors: []UserError{r}}, nil
	}
	if err != nil {
		return OrderResult{}, err
	}
	if s.changed != nil && moves && cur.LineItemsLoaded {
		ids := make([]int64, 0, len(cur.LineItems))
		for _, l := range cur.LineItems {
			if l.VariantID != 0 {
				ids = append(ids, l.VariantID)
			}
		}
		s.changed(ctx, ids)
	}
	if s.orderChanged != nil {
		s.orderChanged(ctx, id, actionRules[a.Kind].write)
	}
	return OrderResult{Order: &order}, nil
}

// actionRules is the one table of what an order's status allows: the
// statuses each action may start from, and the words for it. An action
// whose effect is already in place (OrderAction.InPlace) succeeds from any
// status; an order whose status the gateway does not know (OTHER) is left
// to the backend to judge.
var actionRules = map[ActionKind]struct {
	from        []OrderStatus
	doing, done string // "invoicing", "invoiced"
	write       string // the mutation, for ServiceConfig.OrderChanged
}{
	ActionConfirm: {[]OrderStatus{OrderDraft}, "confirming", "confirmed", "confirmOrder"},
	ActionInvoice: {[]OrderStatus{OrderActive, OrderFinalized, OrderFulfilled}, "invoicing", "invoiced", "invoiceOrder"},
	ActionPay:     {[]OrderStatus{OrderActive, OrderFinalized, OrderFulfilled}, "paying for", "paid", "payOrder"},
	ActionPack:    {[]OrderStatus{OrderActive, OrderFinalized}, "packing", "packed", "packOrder"},
	ActionFulfil:  {[]OrderStatus{OrderActive, OrderFinalized}, "shipping", "shipped", "fulfilOrder"},
	ActionVoid:    {[]OrderStatus{OrderDraft, OrderActive, OrderFinalized}, "voiding", "voided", "voidOrder"},
}

// actionRefusal says why o's state forbids action k, or "" when it may be
// sent.
func actionRefusal(o Order, k ActionKind) string {
	rule := actionRules[k]
	state := orderState(o)
	switch {
	case o.Status == OrderOther:
		return ""
	case slices.Contains(rule.from, o.Status):
		if k == ActionVoid && o.FulfillmentStatus != ProgressNone && o.FulfillmentStatus != ProgressOther && o.FulfillmentStatus != "" {
			return state + " and has shipped goods: it cannot be voided; create a return for what comes back"
		}
		return ""
	case o.Status == OrderDraft:
		return state + ": confirm it before " + rule.doing + " it"
	case o.Status == OrderFulfilled && k == ActionVoid:
		return state + ": shipped goods cannot be voided; create a return for what comes back"
	case o.Status == OrderVoid || o.Status == OrderDeleted:
		return state + ": a " + strings.ToLower(string(o.Status)) + " order cannot be " + rule.done
	}
	return state + ": it cannot be " + rule.done + " any more"
}

// orderState names an order and its status: "order WEB-1A2B is DRAFT".
func orderState(o Order) string {
	name := o.OrderNumber
	if name == "" {
		name = strconv.FormatInt(o.ID, 10)
	}
	return "order " + name + " is " + string(o.Status)
}

// CreateReturn creates a fulfillment return exactly once per idempotency
// key. Admin only.
func (s *Service) CreateReturn(ctx context.Context, key string, in NewReturn) (ReturnResult, error) {
	o, err := s.ordersFor(ctx, OpCreateReturn)
	if err != nil {
		return ReturnResult{}, err
	}
	if errs := validateNewReturn(in); len(errs) > 0 {
		return ReturnResult{UserErrors: errs}, nil
	}
	var created Return
	out, err := s.idempotent(ctx, "return", key, in, func(wk WriteKey) (outcome, error) {
		r, err := o.CreateReturn(ctx, in, wk)
		if rej, ok := asRejection(err); ok {
			return outcome{UserErrors: []UserError{rej}}, nil
		}
		if err != nil {
			return outcome{}, err
		}
		created = r
		return outcome{ID: r.ID}, nil
	})
	if err != nil || len(out.UserErrors) > 0 {
		return ReturnResult{UserErrors: out.UserErrors}, err
	}
	if created.ID == out.ID {
		if s.orderChanged != nil {
			s.orderChanged(ctx, in.OrderID, "createReturn")
		}
		return ReturnResult{Return: &created}, nil
	}
	// A replay: read the return as it is now.
	returns, err := o.ReturnsByOrder(ctx, []int64{in.OrderID})
	if err != nil {
		return ReturnResult{}, err
	}
	for i := range returns {
		if returns[i].ID == out.ID {
			return ReturnResult{Return: &returns[i]}, nil
		}
	}
	return ReturnResult{}, &Error{Code: CodeNotFound, Backend: backendCatalog, Message: fmt.Sprintf("return %d, created for this idempotencyKey, is gone", out.ID)}
}

func (s *Service) orderResult(ctx context.Context, o Orders, id int64) (OrderResult, error) {
	orders, err := o.OrdersByID(ctx, []int64{id}, OrderSideloads{})
	if err != nil {
		return OrderResult{}, err
	}
	if len(orders) == 0 {
		return OrderResult{}, &Error{Code: CodeNotFound, Backend: backendCatalog, Message: fmt.Sprintf("order %d, created for this idempotencyKey, is gone", id)}
	}
	return OrderResult{Order: &orders[0]}, nil
}

func asRejection(err error) (UserError, bool) {
	var r *Rejection
	if errors.As(err, &r) {
		code := r.Code
		if code == "" {
			code = "REJECTED"
		}
		return UserError{Field: r.Field, Code: code, Message: r.Message}, true
	}
	return UserError{}, false
}

// validateNewOrder checks an order before anything is sent. Field paths
// are relative to the input object.
func (s *Service) validateNewOrder(ctx context.Context, in NewOrder, guest bool) []UserError {
	var v validator
	notAllowed := func(field string) {
		v.add([]string{field}, "NOT_ALLOWED", field+" cannot be set with a storefront key (guest checkout)")
	}
	if guest {
		if in.CompanyID != 0 {
			notAllowed("companyId")
		}
		if in.ShippingAddressID != 0 {
			notAllowed("shippingAddressId")
		}
		if in.BillingAddressID != 0 {
			notAllowed("billingAddressId")
		}
		if in.Status != OrderActive {
			notAllowed("status")
		}
		if !in.Currency.IsZero() {
			// Prices come from the price list, in its currency: another
			// currency would send its amounts under the wrong code.
			notAllowed("currencyCode")
		}
	}
	switch {
	case in.CompanyID != 0 && in.Company != nil:
		v.add([]string{"company"}, "INVALID", "give either companyId or company, not both")
	case in.CompanyID == 0 && in.Company == nil:
		v.add([]string{"company"}, "REQUIRED", "an order needs a customer: companyId or company")
	}
	if c := in.Company; c != nil {
		v.text([]string{"company", "name"}, c.Name, maxText, true)
		if c.CompanyType == CompanyOther {
			v.add([]string{"company", "companyType"}, "INVALID", "companyType must be BUSINESS, CONSUMER or SUPPLIER")
		}
		v.email([]string{"company", "email"}, c.Email)
		v.text([]string{"company", "phone"}, c.Phone, maxText, false)
		v.text([]string{"company", "companyCode"}, c.CompanyCode, maxText, false)
	}
	switch {
	case in.ShippingAddressID != 0 && in.ShippingAddress != nil:
		v.add([]string{"shippingAddress"}, "INVALID", "give either shippingAddressId or shippingAddress, not both")
	case in.ShippingAddressID == 0 && in.ShippingAddress == nil:
		v.add([]string{"shippingAddress"}, "REQUIRED", "an order needs a shipping address: shippingAddressId or shippingAddress")
	case in.Company != nil && in.ShippingAddressID != 0:
		v.add([]string{"shippingAddressId"}, "INVALID", "a new company has no addresses yet: give shippingAddress")
	}
	if in.BillingAddressID != 0 && in.BillingAddress != nil {
		v.add([]string{"billingAddress"}, "INVALID", "give either billingAddressId or billingAddress, not both")
	}
	if in.Company != nil && in.BillingAddressID != 0 {
		v.add([]string{"billingAddressId"}, "INVALID", "a new company has no addresses yet: give billingAddress")
	}
	v.address([]string{"shippingAddress"}, in.ShippingAddress)
	v.address([]string{"billingAddress"}, in.BillingAddress)

	switch in.Status {
	case "", OrderDraft, OrderActive, OrderFinalized:
	default:
		v.add([]string{"status"}, "INVALID", "status must be DRAFT, ACTIVE or FINALIZED")
	}
	if !in.Currency.IsZero() && !guest && s.catalog != nil {
		known := false
		if curs, err := s.catalog.Currencies(ctx); err == nil {
			for _, c := range curs {
				known = known || c.Code == in.Currency
			}
		} else {
			known = true // cannot check now; the backend will
		}
		if !known {
			v.add([]string{"currencyCode"}, "INVALID", fmt.Sprintf("the merchant does not trade in %s", in.Currency.Code()))
		}
	}
	v.email([]string{"email"}, in.Email)
	v.text([]string{"notes"}, in.Notes, maxNotes, false)
	v.text([]string{"referenceNumber"}, in.ReferenceNumber, maxText, false)
	if len(in.Tags) > MaxOrderTags {
		v.add([]string{"tags"}, "INVALID", fmt.Sprintf("at most %d tags", MaxOrderTags))
	}
	for i, t := range in.Tags {
		v.text([]string{"tags", strconv.Itoa(i)}, t, maxText, true)
		if strings.Contains(t, ",") {
			v.add([]string{"tags", strconv.Itoa(i)}, "INVALID", "a tag cannot contain a comma")
		}
	}

	switch {
	case len(in.LineItems) == 0:
		v.add([]string{"lineItems"}, "REQUIRED", "an order needs at least one line")
	case len(in.LineItems) > MaxOrderLines:
		v.add([]string{"lineItems"}, "INVALID", fmt.Sprintf("at most %d lines", MaxOrderLines))
	}
	for i, l := range in.LineItems {
		path := func(f string) []string { return []string{"lineItems", strconv.Itoa(i), f} }
		product := !l.Freeform && (l.LineType == "" || l.LineType == LineProduct)
		if guest {
			if l.Price != nil {
				v.add(path("price"), "NOT_ALLOWED", "price cannot be set with a storefront key: prices come from the price list")
			}
			if l.Discount != nil {
				v.add(path("discount"), "NOT_ALLOWED", "discount cannot be set with a storefront key")
			}
			if !product {
				v.add(path("lineType"), "NOT_ALLOWED", "a storefront key can only order products")
			}
		}
		if l.LineType == LineOther {
			v.add(path("lineType"), "INVALID", "lineType must be PRODUCT, DISCOUNT, SHIPPING, ROUNDING, FEE or GIFT_WRAP")
		}
		if product && l.VariantID == 0 {
			v.add(path("variantId"), "REQUIRED", "a product line needs a variantId")
		}
		if !product && l.VariantID == 0 && strings.TrimSpace(l.Label) == "" {
			v.add(path("label"), "REQUIRED", "a line without a variant needs a label")
		}
		if !l.Quantity.IsPositive() {
			v.add(path("quantity"), "INVALID", "quantity must be greater than 0, got "+l.Quantity.String())
		} else if scale(l.Quantity) > maxQtyScale {
			v.add(path("quantity"), "INVALID", fmt.Sprintf("quantity has more than %d decimals", maxQtyScale))
		}
		if l.Price != nil && l.Price.IsNegative() && product {
			v.add(path("price"), "INVALID", "a product's price cannot be negative")
		}
		if d := l.Discount; d != nil && (d.LessThan(decimal.NewFromInt(-100)) || d.GreaterThan(decimal.NewFromInt(100))) {
			v.add(path("discount"), "INVALID", "discount is a percentage between -100 and 100")
		}
		v.text(path("label"), l.Label, maxText, false)
	}
	return v.errs
}

func validateAction(a OrderAction) []UserError {
	var v validator
	switch a.Kind {
	case ActionConfirm, ActionInvoice, ActionPay, ActionPack, ActionFulfil, ActionVoid:
	default:
		v.add([]string{"action"}, "INVALID", fmt.Sprintf("unknown action %q", a.Kind))
	}
	v.text([]string{"notes"}, a.Notes, maxNotes, false)
	v.text([]string{"paymentMethodName"}, a.PaymentMethodName, maxText, false)
	v.tracking([]string{"tracking"}, a.Tracking)
	return v.errs
}

func validateNewReturn(in NewReturn) []UserError {
	var v validator
	if in.OrderID == 0 {
		v.add([]string{"orderId"}, "REQUIRED", "orderId is required")
	}
	switch {
	case len(in.LineItems) == 0:
		v.add([]string{"lineItems"}, "REQUIRED", "a return needs at least one line")
	case len(in.LineItems) > maxReturnLines:
		v.add([]string{"lineItems"}, "INVALID", fmt.Sprintf("at most %d lines", maxReturnLines))
	}
	seen := map[int64]bool{}
	for i, l := range in.LineItems {
		path := func(f string) []string { return []string{"lineItems", strconv.Itoa(i), f} }
		if l.OrderLineItemID == 0 {
			v.add(path("orderLineItemId"), "REQUIRED", "orderLineItemId is required")
		} else if seen[l.OrderLineItemID] {
			v.add(path("orderLineItemId"), "INVALID", "each order line may appear once")
		}
		seen[l.OrderLineItemID] = true
		if !l.Quantity.IsPositive() {
			v.add(path("quantity"), "INVALID", "quantity must be greater than 0, got "+l.Quantity.String())
		} else if scale(l.Quantity) > maxQtyScale {
			v.add(path("quantity"), "INVALID", fmt.Sprintf("quantity has more than %d decimals", maxQtyScale))
		}
	}
	v.text([]string{"notes"}, in.Notes, maxNotes, false)
	v.tracking([]string{"tracking"}, in.Tracking)
	return v.errs
}

// validator collects user errors.
type validator struct{ errs []UserError }

func (v *validator) add(field []string, code, msg string) {
	v.errs = append(v.errs, UserError{Field: field, Code: code, Message: msg})
}

func (v *validator) text(field []string, s string, maxLen int, required bool) {
	name := field[len(field)-1]
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(field, "REQUIRED", name+" is required")
	case !utf8.ValidString(s):
		v.add(field, "INVALID", name+" is not valid UTF-8")
	case utf8.RuneCountInString(s) > maxLen:
		v.add(field, "TOO_LONG", fmt.Sprintf("%s is longer than %d characters", name, maxLen))
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }):
		v.add(field, "INVALID", name+" contains a control character")
	}
}

func (v *validator) email(field []string, s string) {
	if s == "" {
		return
	}
	v.text(field, s, maxText, false)
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s {
		v.add(field, "INVALID", fmt.Sprintf("%q is not an email address", clipText(s)))
	}
}

func (v *validator) address(field []string, a *NewAddress) {
	if a == nil {
		return
	}
	at := func(f string) []string { return append(append([]string(nil), field...), f) }
	v.text(at("address1"), a.Address1, maxText, true)
	for _, f := range []struct{ name, value string }{{"label", a.Label}, {"firstName", a.FirstName}, {"lastName", a.LastName},
		{"address2", a.Address2}, {"suburb", a.Suburb}, {"city", a.City}, {"state", a.State}, {"zipCode", a.ZipCode},
		{"country", a.Country}, {"phone", a.Phone}} {
		v.text(at(f.name), f.value, maxText, false)
	}
	v.email(at("email"), a.Email)
}

func (v *validator) tracking(field []string, t *Tracking) {
	if t == nil {
		return
	}
	at := func(f string) []string { return append(append([]string(nil), field...), f) }
	v.text(at("trackingNumber"), t.TrackingNumber, maxText, false)
	v.text(at("trackingCompany"), t.TrackingCompany, maxText, false)
	v.text(at("trackingUrl"), t.TrackingURL, 2000, false)
	v.text(at("service"), t.Service, maxText, false)
	v.text(at("notes"), t.Notes, maxNotes, false)
}

// scale is the number of decimals d needs.
func scale(d decimal.Decimal) int {
	s := d.String()
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func newNonce() string { return uuid.NewString() }
