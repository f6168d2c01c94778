package rest

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/money"
)

// Order is a sales order (GraphQL Order) with its line items, company and
// addresses; its fulfillments and returns by id.
type Order struct {
	ID                string            `json:"id" doc:"gid://tradegecko/Order/<id>" example:"gid://tradegecko/Order/1"`
	OrderNumber       string            `json:"orderNumber" example:"SO0001"`
	Status            string            `json:"status" enum:"DRAFT,ACTIVE,FINALIZED,FULFILLED,VOID,DELETED,OTHER"`
	PaymentStatus     string            `json:"paymentStatus" enum:"UNPAID,PARTIAL,PAID,OTHER"`
	InvoiceStatus     string            `json:"invoiceStatus" enum:"UNINVOICED,PARTIAL,INVOICED,OTHER"`
	PackedStatus      string            `json:"packedStatus" enum:"UNPACKED,PARTIAL,PACKED,OTHER"`
	FulfillmentStatus string            `json:"fulfillmentStatus" enum:"UNSHIPPED,PARTIAL,SHIPPED,OTHER"`
	ReturnStatus      string            `json:"returnStatus" enum:"UNRETURNED,PARTIAL,RETURNED,OTHER"`
	IssuedAt          Date              `json:"issuedAt"`
	Total             Nullable[Money]   `json:"total"`
	CurrencyCode      string            `json:"currencyCode" example:"SGD"`
	Email             string            `json:"email"`
	Notes             string            `json:"notes"`
	ReferenceNumber   string            `json:"referenceNumber"`
	Tags              []string          `json:"tags" nullable:"false"`
	CompanyID         *string           `json:"companyId" doc:"gid://tradegecko/Company/<id>"`
	ShippingAddressID *string           `json:"shippingAddressId" doc:"gid://tradegecko/Address/<id>"`
	BillingAddressID  *string           `json:"billingAddressId" doc:"gid://tradegecko/Address/<id>"`
	Company           Nullable[Company] `json:"company,omitzero" doc:"Absent when this key may not read orders (a storefront key's checkout answer)."`
	ShippingAddress   Nullable[Address] `json:"shippingAddress,omitzero" doc:"Absent when this key may not read orders."`
	BillingAddress    Nullable[Address] `json:"billingAddress,omitzero" doc:"Absent when this key may not read orders."`
	LineItems         []OrderLineItem   `json:"lineItems,omitzero" nullable:"false" doc:"The order's lines; absent when this key may not read orders."`
	FulfillmentIDs    []string          `json:"fulfillmentIds" nullable:"false" doc:"The order's shipments (gid://tradegecko/Fulfillment/<id>)."`
	ReturnIDs         []string          `json:"returnIds" nullable:"false" doc:"The order's returns (gid://tradegecko/Return/<id>)."`
	CreatedAt         DateTime          `json:"createdAt"`
	UpdatedAt         DateTime          `json:"updatedAt"`
}

// OrderLineItem is one line of an order.
type OrderLineItem struct {
	ID        string   `json:"id" doc:"gid://tradegecko/OrderLineItem/<id>"`
	VariantID *string  `json:"variantId" doc:"gid://tradegecko/Variant/<id>; null for lines without a product (shipping, fees, freeform)."`
	Quantity  Decimal  `json:"quantity"`
	Price     Money    `json:"price" doc:"Unit price in the order's currency."`
	Discount  *Decimal `json:"discount" nullable:"true" doc:"Percent off, -100..100."`
	Label     string   `json:"label"`
	Freeform  bool     `json:"freeform"`
	LineType  string   `json:"lineType" enum:"PRODUCT,DISCOUNT,SHIPPING,ROUNDING,FEE,GIFT_WRAP,OTHER"`
}

// Company is a customer (or supplier); its addresses by id.
type Company struct {
	ID          string   `json:"id" doc:"gid://tradegecko/Company/<id>"`
	Name        string   `json:"name"`
	CompanyType string   `json:"companyType" enum:"BUSINESS,CONSUMER,SUPPLIER,OTHER"`
	CompanyCode string   `json:"companyCode"`
	Email       string   `json:"email"`
	Phone       string   `json:"phone"`
	AddressIDs  []string `json:"addressIds" nullable:"false"`
}

// Address is a company's address.
type Address struct {
	ID          string `json:"id" doc:"gid://tradegecko/Address/<id>"`
	Label       string `json:"label"`
	FirstName   string `json:"firstName"`
	LastName    string `json:"lastName"`
	CompanyName string `json:"companyName"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	Suburb      string `json:"suburb"`
	City        string `json:"city"`
	State       string `json:"state"`
	ZipCode     string `json:"zipCode"`
	Country     string `json:"country"`
	CountryCode string `json:"countryCode"`
	Phone       string `json:"phone"`
	Email       string `json:"email"`
}

// Tracking describes how goods travel.
type Tracking struct {
	TrackingNumber  string `json:"trackingNumber"`
	TrackingCompany string `json:"trackingCompany"`
	TrackingURL     string `json:"trackingUrl"`
	Service         string `json:"service"`
	Notes           string `json:"notes"`
}

// Return is goods coming back for an order (a fulfillment return).
type Return struct {
	ID               string           `json:"id" doc:"gid://tradegecko/Return/<id>"`
	OrderID          string           `json:"orderId" doc:"gid://tradegecko/Order/<id>"`
	Status           string           `json:"status" enum:"RETURNING,RECEIVED,VOID,DELETED,OTHER"`
	CreditNoteNumber string           `json:"creditNoteNumber"`
	Notes            string           `json:"notes"`
	Tracking         Tracking         `json:"tracking"`
	ReceivedAt       DateTime         `json:"receivedAt"`
	CreatedAt        DateTime         `json:"createdAt"`
	LineItems        []ReturnLineItem `json:"lineItems" nullable:"false"`
}

// ReturnLineItem is how much of an order line comes back.
type ReturnLineItem struct {
	OrderLineItemID string  `json:"orderLineItemId" doc:"gid://tradegecko/OrderLineItem/<id>"`
	Quantity        Decimal `json:"quantity"`
}

// CreateOrderInput is an order to create (GraphQL CreateOrderInput; the
// idempotency key is the Idempotency-Key header). Three ways: an existing
// company with addresses by id; an existing company with a new address; a
// new company with its shipping address. With a storefront key it is a
// guest checkout: a new company and addresses only; no prices, discounts,
// currency, status or existing ids.
type CreateOrderInput struct {
	CompanyID         *string          `json:"companyId,omitempty" doc:"An existing company: its global or bare id."`
	Company           *CompanyInput    `json:"company,omitempty" doc:"A new company, created with the order."`
	ShippingAddressID *string          `json:"shippingAddressId,omitempty" doc:"An existing address of the company."`
	ShippingAddress   *AddressInput    `json:"shippingAddress,omitempty" doc:"A new address, created for the company."`
	BillingAddressID  *string          `json:"billingAddressId,omitempty" doc:"Defaults to the shipping address."`
	BillingAddress    *AddressInput    `json:"billingAddress,omitempty"`
	IssuedAt          *DateInput       `json:"issuedAt,omitempty" doc:"Defaults to today."`
	Status            *string          `json:"status,omitempty" enum:"DRAFT,ACTIVE,FINALIZED" doc:"Defaults to DRAFT (ACTIVE for storefront keys)."`
	CurrencyCode      *string          `json:"currencyCode,omitempty" doc:"ISO 4217; one of the merchant's currencies. Defaults to the account's." example:"SGD"`
	Email             *string          `json:"email,omitempty"`
	Notes             *string          `json:"notes,omitempty"`
	ReferenceNumber   *string          `json:"referenceNumber,omitempty"`
	Tags              []string         `json:"tags,omitempty"`
	LineItems         []OrderLineInput `json:"lineItems"`
}

// CompanyInput is a company created with an order.
type CompanyInput struct {
	Name        *string `json:"name,omitempty"`
	CompanyType *string `json:"companyType,omitempty" enum:"BUSINESS,CONSUMER,SUPPLIER" doc:"Defaults to CONSUMER."`
	Email       *string `json:"email,omitempty"`
	Phone       *string `json:"phone,omitempty"`
	CompanyCode *string `json:"companyCode,omitempty"`
}

// AddressInput is an address created with an order.
type AddressInput struct {
	Label     *string `json:"label,omitempty"`
	FirstName *string `json:"firstName,omitempty"`
	LastName  *string `json:"lastName,omitempty"`
	Address1  *string `json:"address1,omitempty"`
	Address2  *string `json:"address2,omitempty"`
	Suburb    *string `json:"suburb,omitempty"`
	City      *string `json:"city,omitempty"`
	State     *string `json:"state,omitempty"`
	ZipCode   *string `json:"zipCode,omitempty"`
	Country   *string `json:"country,omitempty"`
	Phone     *string `json:"phone,omitempty"`
	Email     *string `json:"email,omitempty"`
}

// OrderLineInput is a line of a new order.
type OrderLineInput struct {
	VariantID *string       `json:"variantId,omitempty" doc:"Required for product lines: a global or bare id."`
	Quantity  DecimalInput  `json:"quantity"`
	Price     *DecimalInput `json:"price,omitempty" doc:"Unit price in the order's currency; defaults to the order's price list."`
	Discount  *DecimalInput `json:"discount,omitempty" doc:"Percent off, -100..100."`
	Label     *string       `json:"label,omitempty"`
	Freeform  *bool         `json:"freeform,omitempty"`
	LineType  *string       `json:"lineType,omitempty" enum:"PRODUCT,DISCOUNT,SHIPPING,ROUNDING,FEE,GIFT_WRAP" doc:"Defaults to PRODUCT."`
}

// InvoiceOrderInput are the invoice action's options.
type InvoiceOrderInput struct {
	DueAt      *DateInput `json:"dueAt,omitempty"`
	InvoicedAt *DateInput `json:"invoicedAt,omitempty"`
	Notes      *string    `json:"notes,omitempty"`
}

// PayOrderInput are the pay action's options.
type PayOrderInput struct {
	PaymentMethodName *string        `json:"paymentMethodName,omitempty" example:"Cash"`
	PaidAt            *DateTimeInput `json:"paidAt,omitempty"`
}

// TrackingInput describes a shipment (pack and fulfil).
type TrackingInput struct {
	TrackingNumber  *string `json:"trackingNumber,omitempty"`
	TrackingCompany *string `json:"trackingCompany,omitempty"`
	TrackingURL     *string `json:"trackingUrl,omitempty"`
	Service         *string `json:"service,omitempty"`
	Notes           *string `json:"notes,omitempty"`
}

// CreateReturnInput is goods coming back (GraphQL CreateReturnInput; the
// idempotency key is the Idempotency-Key header).
type CreateReturnInput struct {
	OrderID   string            `json:"orderId" doc:"The order: its global or bare id."`
	LineItems []ReturnLineInput `json:"lineItems"`
	Notes     *string           `json:"notes,omitempty"`
	Tracking  *TrackingInput    `json:"tracking,omitempty"`
}

// ReturnLineInput is how much of an order line comes back.
type ReturnLineInput struct {
	OrderLineItemID string       `json:"orderLineItemId" doc:"The order line: its global or bare id."`
	Quantity        DecimalInput `json:"quantity"`
}

// IdempotencyKeyHeader names a write for retries.
type IdempotencyKeyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Names this write for retries (kept 24 h, per API key): the same key and body replays the first result; another body is 422 IDEMPOTENCY_KEY_REUSED; while the first is still running, 409. Without one, only the gateway's own retries are safe."`
}

func registerOrders(r registrar, h *handlers) {
	readErrs := []int{http.StatusForbidden}
	register(r, huma.Operation{OperationID: "listOrders", Method: http.MethodGet, Path: BasePath + "/orders",
		Tags: []string{tagOrders}, Summary: "List orders", Errors: readErrs,
		Description: "Sales orders, newest first, with their line items, company and addresses. Admin only."},
		h.listOrders)
	register(r, huma.Operation{OperationID: "getOrder", Method: http.MethodGet, Path: BasePath + "/orders/{id}",
		Tags: []string{tagOrders}, Summary: "Get an order", Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Description: "A sales order with its line items, company and addresses. Admin only."},
		h.getOrder)
	writeErrs := []int{http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
	register(r, huma.Operation{OperationID: "createOrder", Method: http.MethodPost, Path: BasePath + "/orders",
		Tags: []string{tagOrders}, Summary: "Create an order", DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Description: "Creates a sales order, exactly once per Idempotency-Key: a retry with the same key and body answers the same order. " +
			"With a storefront key it is a guest checkout: a new company and addresses only; no prices, discounts, currency, status or existing ids " +
			"(prices come from the price list, in its currency; status is ACTIVE)."},
		h.createOrder)
	actionErrs := []int{http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
	for _, a := range []struct {
		kind    commerce.ActionKind
		id, sum string
		desc    string
	}{
		{commerce.ActionConfirm, "confirmOrder", "Confirm a draft order", "Confirms a DRAFT order: it becomes ACTIVE (and commits its stock), " +
			"so it can be invoiced, paid, packed and shipped. Admin only; safe to retry: an order already past DRAFT is answered as it is. " +
			"A void or deleted order is 422 NOT_ALLOWED."},
		{commerce.ActionInvoice, "invoiceOrder", "Invoice an order", "Invoices the order's uninvoiced lines. Admin only; safe to retry."},
		{commerce.ActionPay, "payOrder", "Pay an order", "Invoices and pays the order. Admin only; safe to retry: never a second payment."},
		{commerce.ActionPack, "packOrder", "Pack an order", "Packs the unpacked lines into a fulfillment. Admin only; safe to retry."},
		{commerce.ActionFulfil, "fulfilOrder", "Ship an order", "Ships the order. Admin only; safe to retry."},
		{commerce.ActionVoid, "voidOrder", "Void an order", "Voids the order. Admin only; safe to retry."},
	} {
		op := huma.Operation{OperationID: a.id, Method: http.MethodPost, Path: BasePath + "/orders/{id}/actions/" + string(a.kind),
			Tags: []string{tagOrders}, Summary: a.sum, Description: a.desc, Errors: actionErrs}
		switch a.kind {
		case commerce.ActionConfirm:
			register(r, op, h.confirmOrder)
		case commerce.ActionInvoice:
			register(r, op, h.invoiceOrder)
		case commerce.ActionPay:
			register(r, op, h.payOrder)
		case commerce.ActionPack:
			register(r, op, func(ctx context.Context, in *trackingActionInput) (*orderOutput, error) {
				return h.trackingAction(ctx, commerce.ActionPack, in)
			})
		case commerce.ActionFulfil:
			register(r, op, func(ctx context.Context, in *trackingActionInput) (*orderOutput, error) {
				return h.trackingAction(ctx, commerce.ActionFulfil, in)
			})
		case commerce.ActionVoid:
			register(r, op, h.voidOrder)
		}
	}
	register(r, huma.Operation{OperationID: "createReturn", Method: http.MethodPost, Path: BasePath + "/returns",
		Tags: []string{tagOrders}, Summary: "Create a return", DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Description: "Records goods coming back for an order, exactly once per Idempotency-Key. Admin only."},
		h.createReturn)
}

// The sideloads an order is rendered with: one request (include=).
var orderSideloads = commerce.OrderSideloads{LineItems: true, Company: true, Addresses: true}

type listOrdersInput struct {
	PageParams
	IDs          []string      `query:"ids,explode" doc:"Only these orders: global or bare ids, repeated or comma-separated (at most 250)."`
	Status       []string      `query:"status,explode" enum:"DRAFT,ACTIVE,FINALIZED,FULFILLED,VOID,DELETED" doc:"Orders in any of these statuses (repeatable)."`
	CompanyID    string        `query:"companyId" doc:"The orders of one company: its global or bare id."`
	OrderNumber  string        `query:"orderNumber"`
	UpdatedAfter DateTimeInput `query:"updatedAfter"`
}

func (h *handlers) listOrders(ctx context.Context, in *listOrdersInput) (*pageOutput[Order], error) {
	w, err := in.window("orders")
	if err != nil {
		return nil, err
	}
	var fe fieldErrors
	f := commerce.OrderFilter{IDs: queryIDs(&fe, "ids", gid.Order, in.IDs), OrderNumber: queryText(&fe, "orderNumber", in.OrderNumber)}
	for _, s := range in.Status {
		f.Status = append(f.Status, commerce.OrderStatus(s))
	}
	if in.CompanyID != "" {
		if f.CompanyID, err = parseTradegeckoID(gid.Company, in.CompanyID); err != nil {
			fe.add([]string{"companyId"}, "query", "%v", err)
		}
	}
	if t, ok, _ := in.UpdatedAfter.parse(); ok {
		f.UpdatedAfter = t
	}
	if err := fe.problem(); err != nil {
		return nil, err
	}
	page, err := h.svc.ListOrders(ctx, commerce.OrderQuery{Filter: f, Window: w, Sideloads: orderSideloads})
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	items := make([]Order, len(page.Items))
	for i := range page.Items {
		items[i] = toOrder(&page.Items[i])
	}
	return newPage(ctx, "orders", w, items, page.Total), nil
}

type orderOutput struct {
	Body Order
}

type orderCreatedOutput struct {
	Location string `header:"Location" doc:"Where the order can be read (admin keys)."`
	Body     Order
}

func (h *handlers) getOrder(ctx context.Context, in *idPath) (*orderOutput, error) {
	id, err := pathID(ctx, "id", gid.Order, in.ID)
	if err != nil {
		return nil, err
	}
	found, err := h.svc.OrdersByID(ctx, []int64{id}, orderSideloads)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if len(found) == 0 {
		return nil, notFound("order", tradegeckoID(gid.Order, id))
	}
	return &orderOutput{Body: toOrder(&found[0])}, nil
}

type createOrderInput struct {
	IdempotencyKeyHeader
	Body CreateOrderInput
}

func (h *handlers) createOrder(ctx context.Context, in *createOrderInput) (*orderCreatedOutput, error) {
	o, err := newOrder(&in.Body)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.CreateOrder(ctx, in.IdempotencyKey, o)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if len(res.UserErrors) > 0 || res.Order == nil {
		return nil, userErrorProblem(res.UserErrors, headerKeyField)
	}
	order, err := h.orderWithChildren(ctx, res.Order)
	if err != nil {
		return nil, err
	}
	return &orderCreatedOutput{Location: BasePath + "/orders/" + url.PathEscape(order.ID), Body: order}, nil
}

// orderWithChildren renders an order a write answered: the Service answers
// it without sideloads, so a caller who may read orders gets it again with
// its lines, company and addresses (one request); a storefront's guest
// checkout gets what the Service answered.
func (h *handlers) orderWithChildren(ctx context.Context, o *commerce.Order) (Order, error) {
	if (o.LineItemsLoaded && o.CompanyLoaded && o.AddressesLoaded) || !commerce.Allowed(ctx, commerce.OpReadOrders) {
		return toOrder(o), nil
	}
	found, err := h.svc.OrdersByID(ctx, []int64{o.ID}, orderSideloads)
	if err != nil {
		return Order{}, h.fail(ctx, err)
	}
	if len(found) == 0 {
		return toOrder(o), nil
	}
	return toOrder(&found[0]), nil
}

// headerKeyField puts the Service's idempotencyKey user errors where REST
// takes the key: the Idempotency-Key header.
func headerKeyField(field []string) ([]string, string) {
	if len(field) == 1 && field[0] == "idempotencyKey" {
		return []string{"Idempotency-Key"}, "header"
	}
	return field, ""
}

// newOrder decodes a CreateOrderInput: malformed ids, currency codes,
// decimals and dates are a 400; everything else the Service checks and
// answers as user errors.
func newOrder(in *CreateOrderInput) (commerce.NewOrder, error) {
	var (
		fe fieldErrors
		o  commerce.NewOrder
	)
	o.CompanyID = optID(&fe, []string{"companyId"}, gid.Company, in.CompanyID)
	o.ShippingAddressID = optID(&fe, []string{"shippingAddressId"}, gid.Address, in.ShippingAddressID)
	o.BillingAddressID = optID(&fe, []string{"billingAddressId"}, gid.Address, in.BillingAddressID)
	if c := in.Company; c != nil {
		o.Company = &commerce.NewCompany{Name: deref(c.Name), CompanyType: commerce.CompanyType(deref(c.CompanyType)),
			Email: deref(c.Email), Phone: deref(c.Phone), CompanyCode: deref(c.CompanyCode)}
	}
	o.ShippingAddress = newAddress(in.ShippingAddress)
	o.BillingAddress = newAddress(in.BillingAddress)
	if in.IssuedAt != nil {
		t, err := in.IssuedAt.parse()
		if err != nil {
			fe.add([]string{"issuedAt"}, "", "%v", err)
		}
		o.IssuedAt = t
	}
	o.Status = commerce.OrderStatus(deref(in.Status))
	if in.CurrencyCode != nil {
		c, err := money.ParseCurrency(*in.CurrencyCode)
		if err != nil {
			fe.add([]string{"currencyCode"}, "", "%q is not an ISO 4217 code such as USD", clip(*in.CurrencyCode))
		}
		o.Currency = c
	}
	o.Email, o.Notes, o.ReferenceNumber, o.Tags = deref(in.Email), deref(in.Notes), deref(in.ReferenceNumber), in.Tags
	for i, l := range in.LineItems {
		path := func(f string) []string { return []string{"lineItems", itoa(i), f} }
		line := commerce.NewOrderLine{Label: deref(l.Label), Freeform: deref(l.Freeform), LineType: commerce.LineType(deref(l.LineType))}
		line.VariantID = optID(&fe, path("variantId"), gid.Variant, l.VariantID)
		line.Quantity = decimalField(&fe, path("quantity"), l.Quantity)
		line.Price = optDecimalField(&fe, path("price"), l.Price)
		line.Discount = optDecimalField(&fe, path("discount"), l.Discount)
		o.LineItems = append(o.LineItems, line)
	}
	return o, fe.problem()
}

func newAddress(a *AddressInput) *commerce.NewAddress {
	if a == nil {
		return nil
	}
	return &commerce.NewAddress{Label: deref(a.Label), FirstName: deref(a.FirstName), LastName: deref(a.LastName),
		Address1: deref(a.Address1), Address2: deref(a.Address2), Suburb: deref(a.Suburb), City: deref(a.City),
		State: deref(a.State), ZipCode: deref(a.ZipCode), Country: deref(a.Country), Phone: deref(a.Phone), Email: deref(a.Email)}
}

// ConfirmOrderInput is the confirm action's body: it takes no options, so
// the body is optional and, when sent, an empty object (see
// VoidOrderInput).
type ConfirmOrderInput struct{}

// TransformSchema documents the empty body.
func (ConfirmOrderInput) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	s.Description = "Confirming takes no options: send no body, or {}."
	return s
}

type confirmOrderInput struct {
	ID   string `path:"id" doc:"The order: its URL-encoded global id or bare id."`
	Body *ConfirmOrderInput
}

func (h *handlers) confirmOrder(ctx context.Context, in *confirmOrderInput) (*orderOutput, error) {
	return h.act(ctx, in.ID, commerce.OrderAction{Kind: commerce.ActionConfirm}, nil, nil)
}

type invoiceOrderInput struct {
	ID   string `path:"id" doc:"The order: its URL-encoded global id or bare id."`
	Body *InvoiceOrderInput
}

func (h *handlers) invoiceOrder(ctx context.Context, in *invoiceOrderInput) (*orderOutput, error) {
	a := commerce.OrderAction{Kind: commerce.ActionInvoice}
	var fe fieldErrors
	if b := in.Body; b != nil {
		a.DueAt = optDate(&fe, []string{"dueAt"}, b.DueAt)
		a.InvoicedAt = optDate(&fe, []string{"invoicedAt"}, b.InvoicedAt)
		a.Notes = deref(b.Notes)
	}
	return h.act(ctx, in.ID, a, fe, nil)
}

type payOrderInput struct {
	ID   string `path:"id" doc:"The order: its URL-encoded global id or bare id."`
	Body *PayOrderInput
}

func (h *handlers) payOrder(ctx context.Context, in *payOrderInput) (*orderOutput, error) {
	a := commerce.OrderAction{Kind: commerce.ActionPay}
	var fe fieldErrors
	if b := in.Body; b != nil {
		a.PaymentMethodName = deref(b.PaymentMethodName)
		if b.PaidAt != nil {
			t, _, err := b.PaidAt.parse()
			if err != nil {
				fe.add([]string{"paidAt"}, "", "%v", err)
			}
			a.PaidAt = t
		}
	}
	return h.act(ctx, in.ID, a, fe, nil)
}

type trackingActionInput struct {
	ID   string `path:"id" doc:"The order: its URL-encoded global id or bare id."`
	Body *TrackingInput
}

func (h *handlers) trackingAction(ctx context.Context, kind commerce.ActionKind, in *trackingActionInput) (*orderOutput, error) {
	a := commerce.OrderAction{Kind: kind, Tracking: toTracking(in.Body)}
	// The body is the tracking: the Service's ["tracking", f] is [f] here.
	return h.act(ctx, in.ID, a, nil, func(field []string) ([]string, string) {
		if len(field) > 1 && field[0] == "tracking" {
			return field[1:], ""
		}
		return field, ""
	})
}

// VoidOrderInput is the void action's body. Voiding takes no options, so
// the body is optional and, when sent, an empty object: like every action's
// body, one that is not JSON, not an object or has fields is a 400 and
// voids nothing.
type VoidOrderInput struct{}

// TransformSchema documents the empty body.
func (VoidOrderInput) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	s.Description = "Voiding takes no options: send no body, or {}."
	return s
}

type voidOrderInput struct {
	ID   string `path:"id" doc:"The order: its URL-encoded global id or bare id."`
	Body *VoidOrderInput
}

func (h *handlers) voidOrder(ctx context.Context, in *voidOrderInput) (*orderOutput, error) {
	return h.act(ctx, in.ID, commerce.OrderAction{Kind: commerce.ActionVoid}, nil, nil)
}

func (h *handlers) act(ctx context.Context, rawID string, a commerce.OrderAction, fe fieldErrors, rename func([]string) ([]string, string)) (*orderOutput, error) {
	id, err := pathID(ctx, "id", gid.Order, rawID)
	if err != nil {
		return nil, err
	}
	if err := fe.problem(); err != nil {
		return nil, err
	}
	res, err := h.svc.Act(ctx, id, a)
	if err != nil {
		p := ProblemOf(err)
		if p.Code == string(commerce.CodeNotFound) {
			// Say which: the backend's own words name nothing.
			p.Detail = "order " + tradegeckoID(gid.Order, id) + " was not found"
			return nil, p
		}
		return nil, h.fail(ctx, err)
	}
	if len(res.UserErrors) > 0 || res.Order == nil {
		return nil, userErrorProblem(res.UserErrors, rename)
	}
	order, err := h.orderWithChildren(ctx, res.Order)
	if err != nil {
		return nil, err
	}
	return &orderOutput{Body: order}, nil
}

func toTracking(t *TrackingInput) *commerce.Tracking {
	if t == nil {
		return nil
	}
	return &commerce.Tracking{TrackingNumber: deref(t.TrackingNumber), TrackingCompany: deref(t.TrackingCompany),
		TrackingURL: deref(t.TrackingURL), Service: deref(t.Service), Notes: deref(t.Notes)}
}

type createReturnInput struct {
	IdempotencyKeyHeader
	Body CreateReturnInput
}

type returnOutput struct {
	Body Return
}

func (h *handlers) createReturn(ctx context.Context, in *createReturnInput) (*returnOutput, error) {
	var fe fieldErrors
	r := commerce.NewReturn{Notes: deref(in.Body.Notes), Tracking: toTracking(in.Body.Tracking)}
	r.OrderID = reqID(&fe, []string{"orderId"}, gid.Order, in.Body.OrderID)
	for i, l := range in.Body.LineItems {
		path := func(f string) []string { return []string{"lineItems", itoa(i), f} }
		r.LineItems = append(r.LineItems, commerce.NewReturnLine{
			OrderLineItemID: reqID(&fe, path("orderLineItemId"), gid.OrderLineItem, l.OrderLineItemID),
			Quantity:        decimalField(&fe, path("quantity"), l.Quantity)})
	}
	if err := fe.problem(); err != nil {
		return nil, err
	}
	res, err := h.svc.CreateReturn(ctx, in.IdempotencyKey, r)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if len(res.UserErrors) > 0 || res.Return == nil {
		return nil, userErrorProblem(res.UserErrors, headerKeyField)
	}
	return &returnOutput{Body: toReturn(res.Return)}, nil
}

func toOrder(o *commerce.Order) Order {
	out := Order{ID: tradegeckoID(gid.Order, o.ID), OrderNumber: o.OrderNumber, Status: string(o.Status),
		PaymentStatus:     progress(o.PaymentStatus, "UNPAID", "PAID"),
		InvoiceStatus:     progress(o.InvoiceStatus, "UNINVOICED", "INVOICED"),
		PackedStatus:      progress(o.PackedStatus, "UNPACKED", "PACKED"),
		FulfillmentStatus: progress(o.FulfillmentStatus, "UNSHIPPED", "SHIPPED"),
		ReturnStatus:      progress(o.ReturnStatus, "UNRETURNED", "RETURNED"),
		IssuedAt:          Date{o.IssuedAt}, Total: optMoney(o.Total), CurrencyCode: o.Currency.Code(),
		Email: o.Email, Notes: o.Notes, ReferenceNumber: o.ReferenceNumber, Tags: strings0(o.Tags),
		CompanyID:         optTradegeckoID(gid.Company, o.CompanyID),
		ShippingAddressID: optTradegeckoID(gid.Address, o.ShippingAddressID),
		BillingAddressID:  optTradegeckoID(gid.Address, o.BillingAddressID),
		FulfillmentIDs:    tradegeckoIDs(gid.Fulfillment, o.FulfillmentIDs),
		ReturnIDs:         tradegeckoIDs(gid.Return, o.ReturnIDs),
		CreatedAt:         toDateTime(o.CreatedAt), UpdatedAt: toDateTime(o.UpdatedAt)}
	if o.CompanyLoaded {
		out.Company = Null[Company]()
		if c := o.Company; c != nil {
			out.Company = Some(toCompany(c))
		}
	}
	if o.AddressesLoaded {
		out.ShippingAddress, out.BillingAddress = optAddress(o.ShippingAddress), optAddress(o.BillingAddress)
	}
	if o.LineItemsLoaded {
		out.LineItems = make([]OrderLineItem, len(o.LineItems))
		for i := range o.LineItems {
			out.LineItems[i] = toOrderLineItem(&o.LineItems[i])
		}
	}
	return out
}

func toOrderLineItem(l *commerce.OrderLineItem) OrderLineItem {
	return OrderLineItem{ID: tradegeckoID(gid.OrderLineItem, l.ID), VariantID: optTradegeckoID(gid.Variant, l.VariantID),
		Quantity: toDecimal(l.Quantity), Price: toMoney(l.Price), Discount: optDecimal(l.Discount), Label: l.Label,
		Freeform: l.Freeform, LineType: string(l.LineType)}
}

func toCompany(c *commerce.Company) Company {
	return Company{ID: tradegeckoID(gid.Company, c.ID), Name: c.Name, CompanyType: string(c.CompanyType),
		CompanyCode: c.CompanyCode, Email: c.Email, Phone: c.Phone, AddressIDs: tradegeckoIDs(gid.Address, c.AddressIDs)}
}

func optAddress(a *commerce.Address) Nullable[Address] {
	if a == nil {
		return Null[Address]()
	}
	return Some(toAddress(a))
}

func toAddress(a *commerce.Address) Address {
	return Address{ID: tradegeckoID(gid.Address, a.ID), Label: a.Label, FirstName: a.FirstName, LastName: a.LastName,
		CompanyName: a.CompanyName, Address1: a.Address1, Address2: a.Address2, Suburb: a.Suburb, City: a.City, State: a.State,
		ZipCode: a.ZipCode, Country: a.Country, CountryCode: a.CountryCode, Phone: a.Phone, Email: a.Email}
}

func toTrackingOut(t commerce.Tracking) Tracking {
	return Tracking{TrackingNumber: t.TrackingNumber, TrackingCompany: t.TrackingCompany, TrackingURL: t.TrackingURL,
		Service: t.Service, Notes: t.Notes}
}

func toReturn(r *commerce.Return) Return {
	out := Return{ID: tradegeckoID(gid.Return, r.ID), OrderID: tradegeckoID(gid.Order, r.OrderID), Status: string(r.Status),
		CreditNoteNumber: r.CreditNoteNumber, Notes: r.Notes, Tracking: toTrackingOut(r.Tracking),
		ReceivedAt: toDateTime(r.ReceivedAt), CreatedAt: toDateTime(r.CreatedAt), LineItems: make([]ReturnLineItem, len(r.LineItems))}
	for i, l := range r.LineItems {
		out.LineItems[i] = ReturnLineItem{OrderLineItemID: tradegeckoID(gid.OrderLineItem, l.OrderLineItemID), Quantity: toDecimal(l.Quantity)}
	}
	return out
}

// progress names a Progress as GraphQL's per-aspect enums do.
func progress(p commerce.Progress, none, full string) string {
	switch p {
	case commerce.ProgressNone:
		return none
	case commerce.ProgressPartial:
		return "PARTIAL"
	case commerce.ProgressFull:
		return full
	}
	return "OTHER"
}

// Field decoders: each reports a malformed value with its path.

func optID(fe *fieldErrors, path []string, typ string, s *string) int64 {
	if s == nil {
		return 0
	}
	return reqID(fe, path, typ, *s)
}

func reqID(fe *fieldErrors, path []string, typ, s string) int64 {
	id, err := parseTradegeckoID(typ, s)
	if err != nil {
		fe.add(path, "", "%v", err)
	}
	return id
}

func decimalField(fe *fieldErrors, path []string, d DecimalInput) (v decimal.Decimal) {
	v, err := d.parse()
	if err != nil {
		fe.add(path, "", "%v", err)
	}
	return v
}

func optDecimalField(fe *fieldErrors, path []string, d *DecimalInput) *decimal.Decimal {
	if d == nil {
		return nil
	}
	v := decimalField(fe, path, *d)
	return &v
}

func optDate(fe *fieldErrors, path []string, d *DateInput) (t time.Time) {
	if d == nil {
		return t
	}
	t, err := d.parse()
	if err != nil {
		fe.add(path, "", "%v", err)
	}
	return t
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
