package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// skuRecord is a SKU's customs data on file.
type skuRecord struct {
	sku                          string
	description                  string
	harmonizedTariffCode         string
	countryOfOrigin              string
	length, width, height        *decimal.Decimal
	sizeUOM                      string
	weight                       *decimal.Decimal
	weightUOM                    string
	commercialInvoiceDescription string
}

func (r skuRecord) export() SKU {
	txt := func(d *decimal.Decimal) string {
		if d == nil {
			return ""
		}
		return money.FormatDecimal(*d)
	}
	return SKU{
		SKU: r.sku, Description: r.description, HarmonizedTariffCode: r.harmonizedTariffCode,
		CountryOfOrigin: r.countryOfOrigin, Length: txt(r.length), Width: txt(r.width), Height: txt(r.height),
		SizeUOM: r.sizeUOM, Weight: txt(r.weight), WeightUOM: r.weightUOM,
		CommercialInvoiceDescription: r.commercialInvoiceDescription,
	}
}

type orderKey struct{ merchantCode, merchantOrderID string }

// placement is a validated order, ready to be stored.
type placement struct {
	merchantCode, orderID string
	svc                   service
	address               *addressIn
	lines                 []line
	skus                  map[string]*skuRecord // the catalog entries this order creates or updates
}

// check validates an order the way the spec describes, in the order of its
// fields, and answers the first problem as a refusal. It changes nothing.
// Called with mu held.
func (s *Sandbox) check(in *orderIn) (*placement, *refusal) {
	p := &placement{skus: map[string]*skuRecord{}}
	if r := str("MerchantCode", in.MerchantCode, true, false, maxMerchantCode); r != nil {
		return nil, r
	}
	if !slices.Contains(s.opts.MerchantCodes, in.MerchantCode.v) {
		return nil, refuse("Invalid MerchantCode '%s'.", clip(in.MerchantCode.v))
	}
	p.merchantCode = in.MerchantCode.v
	if r := str("MerchantOrderID", in.MerchantOrderID, true, false, maxMerchantOrderID); r != nil {
		return nil, r
	}
	p.orderID = in.MerchantOrderID.v
	if _, dup := s.orders[orderKey{p.merchantCode, p.orderID}]; dup {
		return nil, refuse("Order with MerchantOrderID '%s' already exists.", p.orderID)
	}
	if r := str("ServiceCode", in.ServiceCode, true, false, maxServiceCode); r != nil {
		return nil, r
	}
	svc, ok := serviceByCode(in.ServiceCode.v)
	if !ok {
		return nil, refuse("Invalid ServiceCode '%s'.", clip(in.ServiceCode.v))
	}
	p.svc = svc
	switch {
	case in.PassingFreightCost.bad:
		return nil, refuse("PassingFreightCost must be a boolean.")
	case in.PassingFreightCost.v:
		return nil, refuse("PassingFreightCost must be false: TGC calculates the freight cost.")
	}
	if in.Cart == nil {
		return nil, refuse("Cart is required.")
	}
	if r := checkAddress(in.Cart.ShipToAddress); r != nil {
		return nil, r
	}
	p.address = in.Cart.ShipToAddress
	if len(in.Cart.Products) == 0 {
		return nil, refuse("Cart.Products must contain at least one product.")
	}
	for i := range in.Cart.Products {
		l, r := s.checkProduct(i, &in.Cart.Products[i], p.skus)
		if r != nil {
			return nil, r
		}
		p.lines = append(p.lines, l)
	}
	return p, nil
}

func checkAddress(a *addressIn) *refusal {
	if a == nil {
		return refuse("ShipToAddress is required.")
	}
	checks := []struct {
		name     string
		v        jstr
		required bool
		blankOK  bool
		limit    int
	}{
		{"FirstName", a.FirstName, true, false, maxNameLine},
		{"MiddleName", a.MiddleName, false, false, maxNameLine},
		{"LastName", a.LastName, true, false, maxNameLine},
		{"Address1", a.Address1, true, false, maxNameLine},
		{"Address2", a.Address2, false, false, maxNameLine},
		{"City", a.City, true, false, maxNameLine},
		{"StateProvince", a.StateProvince, true, true, maxStateProvince},
		{"Postal", a.Postal, true, true, maxPostal},
		{"Country", a.Country, true, false, 2 << 10},
		{"Phone", a.Phone, true, false, maxPhone},
		{"Email", a.Email, true, false, maxEmail},
	}
	for _, c := range checks {
		if r := str("ShipToAddress."+c.name, c.v, c.required, c.blankOK, c.limit); r != nil {
			return r
		}
		switch c.name {
		case "Country":
			if r := countryCode("ShipToAddress.Country", c.v); r != nil {
				return r
			}
		case "Email":
			if !looksLikeEmail(c.v.v) {
				return refuse("ShipToAddress.Email '%s' is not a valid email address.", clip(c.v.v))
			}
		}
	}
	return nil
}

// checkProduct validates line i and works out its effective customs data:
// what it sends, else what is on file (or was sent by an earlier line of
// the same order). A SKU on file nowhere must send all of it.
func (s *Sandbox) checkProduct(i int, p *productIn, pending map[string]*skuRecord) (line, *refusal) {
	name := func(f string) string { return fmt.Sprintf("Products[%d].%s", i, f) }
	l := line{in: p}
	if r := str(name("SKU"), p.SKU, true, false, maxSKU); r != nil {
		return l, r
	}
	l.sku = p.SKU.v
	qty, r := quantity(name("Quantity"), p.Quantity)
	if r != nil {
		return l, r
	}
	l.quantity = qty
	if !p.UnitPrice.given() {
		return l, refuse("%s is required.", name("UnitPrice"))
	}
	price, r := number(name("UnitPrice"), p.UnitPrice, 2)
	if r != nil {
		return l, r
	}
	if price.Sign() <= 0 {
		return l, refuse("%s must be greater than zero.", name("UnitPrice"))
	}
	l.price = *price
	if r := str(name("Name"), p.Name, false, false, maxName); r != nil {
		return l, r
	}
	if r := str(name("Description"), p.Description, false, false, maxDescription); r != nil {
		return l, r
	}
	if r := str(name("HarmonizedTariffCode"), p.HarmonizedTariffCode, false, false, maxHarmonizedCode); r != nil {
		return l, r
	}
	if r := str(name("CountryOfOrigin"), p.CountryOfOrigin, false, false, 2<<10); r != nil {
		return l, r
	}
	if p.CountryOfOrigin.given() && p.CountryOfOrigin.v != "" {
		if r := countryCode(name("CountryOfOrigin"), p.CountryOfOrigin); r != nil {
			return l, r
		}
	}
	measures := map[string]*decimal.Decimal{}
	for _, m := range []struct {
		f string
		n jnum
	}{{"Length", p.Length}, {"Width", p.Width}, {"Height", p.Height}, {"Weight", p.Weight}} {
		d, r := number(name(m.f), m.n, 4)
		if r != nil {
			return l, r
		}
		if d != nil && d.Sign() < 0 {
			return l, refuse("%s must not be negative.", name(m.f))
		}
		measures[m.f] = d
	}
	if r := unit(name("SizeUOM"), p.SizeUOM, sizeUOMs); r != nil {
		return l, r
	}
	if r := unit(name("WeightUOM"), p.WeightUOM, weightUOMs); r != nil {
		return l, r
	}
	if r := str(name("CommercialInvoiceDescription"), p.CommercialInvoiceDescription, false, false, maxInvoiceDesc); r != nil {
		return l, r
	}

	// The SKU's customs data: sent, else on file.
	onFile := pending[l.sku]
	if onFile == nil {
		onFile = s.skus[l.sku]
	}
	rec := skuRecord{sku: l.sku}
	if onFile != nil {
		rec = *onFile
	}
	text := func(s jstr, have *string) {
		if s.given() && strings.TrimSpace(s.v) != "" {
			*have = s.v
		}
	}
	text(p.Description, &rec.description)
	text(p.HarmonizedTariffCode, &rec.harmonizedTariffCode)
	text(p.CountryOfOrigin, &rec.countryOfOrigin)
	text(p.SizeUOM, &rec.sizeUOM)
	text(p.WeightUOM, &rec.weightUOM)
	text(p.CommercialInvoiceDescription, &rec.commercialInvoiceDescription)
	for f, d := range measures {
		if d == nil {
			continue
		}
		switch f {
		case "Length":
			rec.length = d
		case "Width":
			rec.width = d
		case "Height":
			rec.height = d
		case "Weight":
			rec.weight = d
		}
	}
	missing := []struct {
		f    string
		miss bool
	}{
		{"Description", rec.description == ""},
		{"HarmonizedTariffCode", rec.harmonizedTariffCode == ""},
		{"CountryOfOrigin", rec.countryOfOrigin == ""},
		{"Length", rec.length == nil},
		{"Width", rec.width == nil},
		{"Height", rec.height == nil},
		{"SizeUOM", rec.sizeUOM == ""},
		{"Weight", rec.weight == nil},
		{"WeightUOM", rec.weightUOM == ""},
		{"CommercialInvoiceDescription", rec.commercialInvoiceDescription == ""},
	}
	for _, m := range missing {
		if m.miss {
			return l, refuse("SKU '%s' does not exist: %s is required for a new SKU.", clip(l.sku), name(m.f))
		}
	}
	l.rec = rec
	pending[l.sku] = &rec
	return l, nil
}

// place validates and, when valid, stores the order and its SKUs' customs
// data, answering the body to send. Called with mu held.
func (s *Sandbox) place(in *orderIn, body []byte, now time.Time) []byte {
	p, r := s.check(in)
	if r != nil {
		return marshal(failedOut{
			Status: "FAILED", ErrorMessage: r.message, TimeStamp: timestamp(now),
			MerchantCode: in.MerchantCode.ptr(), MerchantOrderID: in.MerchantOrderID.ptr(), ServiceCode: in.ServiceCode.ptr(),
			PassingFreightCost: in.PassingFreightCost.v,
		})
	}
	q := computeQuote(p.merchantCode, p.orderID, p.svc, p.address.Country.v, p.lines)
	answer := marshal(successOut{
		Status: "SUCCESS", TimeStamp: timestamp(now),
		MerchantCode: p.merchantCode, MerchantOrderID: p.orderID, ServiceCode: p.svc.code,
		Quote: renderQuote(q), Cart: renderCart(q, p.lines, p.address),
	})
	for sku, rec := range p.skus {
		s.skus[sku] = rec
	}
	o := &Order{
		MerchantCode: p.merchantCode, MerchantOrderID: p.orderID, ServiceCode: p.svc.code,
		QuoteID: q.id, CartTotal: money.FormatDecimal(q.cartTotal), TotalCost: money.FormatDecimal(q.totalCost),
		ChargeableWeight: money.FormatDecimal(q.chargeableWeight),
		PlacedAt:         now, Request: slices.Clone(body), Response: answer,
	}
	s.orders[orderKey{p.merchantCode, p.orderID}] = o
	s.orderList = append(s.orderList, o)
	return answer
}
