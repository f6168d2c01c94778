package sandbox

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// The answer is written with these types, whose fields are in the order of
// the spec's example response. Amounts are json.Number built from the
// decimal's exact text (0, 4.86, -12.4, 53.39): never a float64.

type successOut struct {
	Status             string
	TimeStamp          string
	MerchantCode       string
	MerchantOrderID    string
	ServiceCode        string
	PassingFreightCost bool
	Quote              quoteOut
	Cart               cartOut
}

type failedOut struct {
	Status             string
	ErrorMessage       string
	TimeStamp          string
	MerchantCode       *string
	MerchantOrderID    *string
	ServiceCode        *string
	PassingFreightCost bool
	Quote              *quoteOut
	Cart               *cartOut
}

type quoteOut struct {
	QuoteID       string
	CustomsField  fieldOut
	ImportField   fieldOut
	ServiceField  fieldOut
	ShippingField fieldOut
	TotalCost     json.Number
}

type fieldOut struct {
	Discount []discountOut
	Fee      []feeOut
	Total    json.Number
}

type feeOut struct {
	Amount         json.Number
	Classification string
	Type           string
}

type discountOut struct {
	DiscountAmount json.Number
	Classification string
	Type           string
}

type cartOut struct {
	CartID        *string
	CartTotal     json.Number
	Products      []productOut
	ShipToAddress addressOut
}

type productOut struct {
	SKU                          string
	Quantity                     int64
	UnitPrice                    json.Number
	Name                         *string
	Description                  *string
	HarmonizedTariffCode         *string
	CountryOfOrigin              *string
	Length                       *json.Number
	Width                        *json.Number
	Height                       *json.Number
	SizeUOM                      *string
	Weight                       *json.Number
	WeightUOM                    *string
	CommercialInvoiceDescription *string
	MerchantStyle                *string
}

type addressOut struct {
	FirstName     *string
	MiddleName    *string
	LastName      *string
	Address1      *string
	Address2      *string
	City          *string
	StateProvince *string
	Country       *string
	Postal        *string
	Phone         *string
	Email         *string
}

// timestampLayout is .NET's round-trip DateTime form with the offset
// ("2019-02-26T14:30:45.7055122-05:00").
const timestampLayout = "2006-01-02T15:04:05.0000000-07:00"

func timestamp(t time.Time) string { return t.Format(timestampLayout) }

// num writes a decimal as a bare JSON number with its exact digits.
func num(d decimal.Decimal) json.Number { return json.Number(money.FormatDecimal(d)) }

func numPtr(d *decimal.Decimal) *json.Number {
	if d == nil {
		return nil
	}
	n := num(*d)
	return &n
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func renderField(g group) fieldOut {
	f := fieldOut{Discount: []discountOut{}, Fee: []feeOut{}, Total: num(g.total())}
	for _, d := range g.discounts {
		f.Discount = append(f.Discount, discountOut{DiscountAmount: num(d.amount), Classification: d.classification, Type: d.kind})
	}
	for _, c := range g.fees {
		f.Fee = append(f.Fee, feeOut{Amount: num(c.amount), Classification: c.classification, Type: c.kind})
	}
	return f
}

func renderQuote(q quote) quoteOut {
	return quoteOut{
		QuoteID:       q.id,
		CustomsField:  renderField(q.customs),
		ImportField:   renderField(q.imports),
		ServiceField:  renderField(q.svc),
		ShippingField: renderField(q.shipping),
		TotalCost:     num(q.totalCost),
	}
}

// renderCart echoes the cart: the products with their effective customs data
// (as sent, or as on file for a known SKU), the address as sent.
func renderCart(q quote, lines []line, a *addressIn) cartOut {
	c := cartOut{CartTotal: num(q.cartTotal), Products: make([]productOut, len(lines))}
	for i, l := range lines {
		c.Products[i] = productOut{
			SKU:                          l.sku,
			Quantity:                     l.quantity,
			UnitPrice:                    num(l.price),
			Name:                         l.in.Name.ptr(),
			Description:                  strPtr(l.rec.description),
			HarmonizedTariffCode:         strPtr(l.rec.harmonizedTariffCode),
			CountryOfOrigin:              strPtr(l.rec.countryOfOrigin),
			Length:                       numPtr(l.rec.length),
			Width:                        numPtr(l.rec.width),
			Height:                       numPtr(l.rec.height),
			SizeUOM:                      strPtr(l.rec.sizeUOM),
			Weight:                       numPtr(l.rec.weight),
			WeightUOM:                    strPtr(l.rec.weightUOM),
			CommercialInvoiceDescription: strPtr(l.rec.commercialInvoiceDescription),
			MerchantStyle:                l.in.MerchantStyle.ptr(),
		}
	}
	c.ShipToAddress = addressOut{
		FirstName:     a.FirstName.ptr(),
		MiddleName:    a.MiddleName.ptr(),
		LastName:      a.LastName.ptr(),
		Address1:      a.Address1.ptr(),
		Address2:      a.Address2.ptr(),
		City:          a.City.ptr(),
		StateProvince: a.StateProvince.ptr(),
		Country:       a.Country.ptr(),
		Postal:        a.Postal.ptr(),
		Phone:         a.Phone.ptr(),
		Email:         a.Email.ptr(),
	}
	return c
}

// marshal writes v compactly without HTML escaping.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // the types above always encode
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
