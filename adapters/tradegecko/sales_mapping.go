package tradegecko

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// salesMapper converts order-side wire records to commerce types. Money is
// in the order's currency (currency_id among the account's currencies),
// else the account's.
type salesMapper struct {
	mapper
	ref *reference
}

func (m salesMapper) currency(o *Order) money.Currency {
	for _, c := range m.ref.currencies {
		if c.ID == int64(o.CurrencyID) {
			return c.Code
		}
	}
	return m.ref.account.Currency
}

func (m salesMapper) order(o *Order) commerce.Order {
	cur := m.currency(o)
	out := commerce.Order{
		ID:                int64(o.ID),
		OrderNumber:       string(o.OrderNumber),
		Status:            m.orderStatus(string(o.Status)),
		PaymentStatus:     m.progress("order.payment_status", string(o.PaymentStatus), "unpaid", "paid"),
		InvoiceStatus:     m.progress("order.invoice_status", string(o.InvoiceStatus), "uninvoiced", "invoiced"),
		PackedStatus:      m.progress("order.packed_status", string(o.PackedStatus), "unpacked", "packed"),
		FulfillmentStatus: m.progress("order.fulfillment_status", string(o.FulfillmentStatus), "unshipped", "shipped"),
		ReturnStatus:      m.progress("order.return_status", string(o.ReturnStatus), "unreturned", "returned"),
		IssuedAt:          o.IssuedAt.Time,
		Currency:          cur,
		CompanyID:         int64(o.CompanyID),
		ShippingAddressID: int64(o.ShippingAddressID),
		BillingAddressID:  int64(o.BillingAddressID),
		Email:             string(o.Email),
		Notes:             string(o.Notes),
		ReferenceNumber:   string(o.ReferenceNumber),
		Tags:              []string(o.Tags),
		LineItemIDs:       []int64(o.OrderLineItemIDs),
		FulfillmentIDs:    []int64(o.FulfillmentIDs),
		ReturnIDs:         []int64(o.FulfillmentReturnIDs),
		CreatedAt:         o.CreatedAt.Time,
		UpdatedAt:         o.UpdatedAt.Time,
	}
	if o.Total.Valid {
		t := money.New(o.Total.Value, cur)
		out.Total = &t
	}
	return out
}

func (m salesMapper) orderStatus(s string) commerce.OrderStatus {
	switch s {
	case "draft":
		return commerce.OrderDraft
	case "active":
		return commerce.OrderActive
	case "finalized":
		return commerce.OrderFinalized
	case "fulfilled":
		return commerce.OrderFulfilled
	case "void":
		return commerce.OrderVoid
	case "deleted":
		return commerce.OrderDeleted
	}
	m.unknown("order.status", s)
	return commerce.OrderOther
}

// progress maps the API's none/partial/full triples (unpaid, partial, paid).
func (m salesMapper) progress(field, s, none, full string) commerce.Progress {
	switch s {
	case none:
		return commerce.ProgressNone
	case "partial":
		return commerce.ProgressPartial
	case full:
		return commerce.ProgressFull
	case "":
		return commerce.ProgressNone
	}
	m.unknown(field, s)
	return commerce.ProgressOther
}

func (m salesMapper) line(l *OrderLineItem, cur money.Currency) commerce.OrderLineItem {
	return commerce.OrderLineItem{
		ID:        int64(l.ID),
		OrderID:   int64(l.OrderID),
		VariantID: int64(l.VariantID),
		Quantity:  l.Quantity.Or(decimal.Zero),
		Price:     money.New(l.Price.Or(decimal.Zero), cur),
		Discount:  l.Discount.Ptr(),
		Label:     string(l.Label),
		Freeform:  l.Freeform.Or(false),
		LineType:  m.lineType(string(l.LineType)),
		Position:  int(l.Position),
	}
}

func (m salesMapper) lineType(s string) commerce.LineType {
	switch s {
	case "", "product":
		return commerce.LineProduct
	case "discount":
		return commerce.LineDiscount
	case "shipping":
		return commerce.LineShipping
	case "rounding":
		return commerce.LineRounding
	case "fee":
		return commerce.LineFee
	case "gift_wrap":
		return commerce.LineGiftWrap
	}
	m.unknown("order_line_item.line_type", s)
	return commerce.LineOther
}

func (m salesMapper) company(c *Company) commerce.Company {
	t := commerce.CompanyOther
	switch string(c.CompanyType) {
	case "business":
		t = commerce.CompanyBusiness
	case "consumer":
		t = commerce.CompanyConsumer
	case "supplier":
		t = commerce.CompanySupplier
	default:
		m.unknown("company.company_type", string(c.CompanyType))
	}
	return commerce.Company{
		ID:          int64(c.ID),
		Name:        string(c.Name),
		CompanyType: t,
		CompanyCode: string(c.CompanyCode),
		Email:       string(c.Email),
		Phone:       string(c.PhoneNumber),
		AddressIDs:  []int64(c.AddressIDs),
	}
}

func toAddress(a *Address) commerce.Address {
	return commerce.Address{
		ID:          int64(a.ID),
		CompanyID:   int64(a.CompanyID),
		Label:       string(a.Label),
		FirstName:   string(a.FirstName),
		LastName:    string(a.LastName),
		CompanyName: string(a.CompanyName),
		Address1:    string(a.Address1),
		Address2:    string(a.Address2),
		Suburb:      string(a.Suburb),
		City:        string(a.City),
		State:       string(a.State),
		ZipCode:     string(a.ZipCode),
		Country:     string(a.Country),
		CountryCode: string(a.CountryCode),
		Phone:       string(a.PhoneNumber),
		Email:       string(a.Email),
	}
}

func (m salesMapper) fulfillment(f *Fulfillment) commerce.Fulfillment {
	st := commerce.FulfillmentOther
	switch string(f.Status) {
	case "packed":
		st = commerce.FulfillmentPacked
	case "fulfilled":
		st = commerce.FulfillmentFulfilled
	case "void":
		st = commerce.FulfillmentVoid
	case "deleted":
		st = commerce.FulfillmentDeleted
	default:
		m.unknown("fulfillment.status", string(f.Status))
	}
	return commerce.Fulfillment{
		ID:      int64(f.ID),
		OrderID: int64(f.OrderID),
		Status:  st,
		Tracking: commerce.Tracking{TrackingNumber: string(f.TrackingNumber), TrackingCompany: string(f.TrackingCompany),
			TrackingURL: string(f.TrackingURL), Service: string(f.Service), Notes: string(f.Notes)},
		PackedAt:  f.PackedAt.Time,
		ShippedAt: f.ShippedAt.Time,
	}
}

func (m salesMapper) ret(r *FulfillmentReturn) commerce.Return {
	st := commerce.ReturnOther
	switch string(r.Status) {
	case "returning":
		st = commerce.ReturnReturning
	case "received":
		st = commerce.ReturnReceived
	case "void":
		st = commerce.ReturnVoid
	case "deleted":
		st = commerce.ReturnDeleted
	default:
		m.unknown("fulfillment_return.status", string(r.Status))
	}
	return commerce.Return{
		ID:               int64(r.ID),
		OrderID:          int64(r.OrderID),
		Status:           st,
		CreditNoteNumber: string(r.CreditNoteNumber),
		LocationID:       int64(r.LocationID),
		Notes:            string(r.Notes),
		Tracking:         commerce.Tracking{TrackingNumber: string(r.TrackingNumber), TrackingCompany: string(r.TrackingCompany), TrackingURL: string(r.TrackingURL)},
		ReceivedAt:       r.ReceivedAt.Time,
		CreatedAt:        r.CreatedAt.Time,
	}
}

// toWireOrder writes a commerce order as the API's create body (lines are
// set by the caller, which may split them into parts).
func toWireOrder(in commerce.NewOrder, number string) *NewOrder {
	o := &NewOrder{
		CompanyID:         in.CompanyID,
		ShippingAddressID: in.ShippingAddressID,
		BillingAddressID:  in.BillingAddressID,
		Status:            strings.ToLower(string(in.Status)),
		OrderNumber:       number,
		Email:             in.Email,
		Notes:             in.Notes,
		ReferenceNumber:   in.ReferenceNumber,
		Tags:              in.Tags,
	}
	if !in.IssuedAt.IsZero() {
		o.IssuedAt = in.IssuedAt.Format(time.DateOnly)
	} else {
		o.IssuedAt = time.Now().UTC().Format(time.DateOnly)
	}
	if !in.Currency.IsZero() {
		o.CurrencyISO = in.Currency.Code()
	}
	if c := in.Company; c != nil {
		t := strings.ToLower(string(c.CompanyType))
		if t == "" {
			t = "consumer"
		}
		o.Company = &NewCompany{Name: c.Name, CompanyType: t, CompanyCode: c.CompanyCode, Email: c.Email, PhoneNumber: c.Phone}
	}
	o.ShippingAddress = toWireAddress(in.ShippingAddress, in.CompanyID)
	o.BillingAddress = toWireAddress(in.BillingAddress, in.CompanyID)
	return o
}

func toWireAddress(a *commerce.NewAddress, companyID int64) *NewAddress {
	if a == nil {
		return nil
	}
	return &NewAddress{CompanyID: companyID, Label: a.Label, FirstName: a.FirstName, LastName: a.LastName,
		Address1: a.Address1, Address2: a.Address2, Suburb: a.Suburb, City: a.City, State: a.State,
		ZipCode: a.ZipCode, Country: a.Country, PhoneNumber: a.Phone, Email: a.Email}
}

func toWireLines(ls []commerce.NewOrderLine) []NewOrderLine {
	out := make([]NewOrderLine, len(ls))
	for i, l := range ls {
		w := NewOrderLine{VariantID: l.VariantID, Quantity: money.FormatDecimal(l.Quantity), Label: l.Label, Freeform: l.Freeform}
		if l.Price != nil {
			w.Price = money.FormatDecimal(*l.Price)
		}
		if l.Discount != nil {
			w.Discount = money.FormatDecimal(*l.Discount)
		}
		if l.LineType != "" {
			w.LineType = strings.ToLower(string(l.LineType))
		}
		out[i] = w
	}
	return out
}

func toWireAction(a commerce.OrderAction) *ActionAttributes {
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	switch a.Kind {
	case commerce.ActionInvoice:
		if a.DueAt.IsZero() && a.InvoicedAt.IsZero() && a.Notes == "" {
			return nil
		}
		return &ActionAttributes{Invoice: &InvoiceAttributes{DueAt: date(a.DueAt), InvoicedAt: date(a.InvoicedAt), Notes: a.Notes}}
	case commerce.ActionPay:
		if a.PaymentMethodName == "" && a.PaidAt.IsZero() {
			return nil
		}
		p := &PaymentAttributes{PaymentMethodName: a.PaymentMethodName}
		if !a.PaidAt.IsZero() {
			p.PaidAt = a.PaidAt.UTC().Format(time.RFC3339)
		}
		return &ActionAttributes{Payment: p}
	case commerce.ActionPack, commerce.ActionFulfil:
		if a.Tracking == nil {
			return nil
		}
		t := a.Tracking
		return &ActionAttributes{Fulfillment: &FulfillmentAttributes{TrackingNumber: t.TrackingNumber, TrackingCompany: t.TrackingCompany,
			TrackingURL: t.TrackingURL, Service: t.Service, Notes: t.Notes}}
	}
	return nil
}
