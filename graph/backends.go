package graph

import (
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/money"
)

// typeConsignmentTransaction names the type of pending writes in error
// extensions (handler.go).
const typeConsignmentTransaction = gid.ConsignmentTransaction

func internationalOrderInput(in InternationalOrderInput) commerce.InternationalOrderInput {
	o := commerce.InternationalOrderInput{MerchantOrderID: deref(in.MerchantOrderID), ServiceCode: deref(in.ServiceCode)}
	if t := in.ShipTo; t != nil {
		o.ShipTo = commerce.ShipTo{FirstName: deref(t.FirstName), LastName: deref(t.LastName), Address1: deref(t.Address1),
			Address2: deref(t.Address2), City: deref(t.City), StateProvince: deref(t.StateProvince), Postal: deref(t.Postal),
			Country: deref(t.Country), Phone: deref(t.Phone), Email: deref(t.Email)}
	}
	for _, p := range in.Products {
		ip := commerce.InternationalProduct{SKU: deref(p.Sku), Quantity: deref(p.Quantity), Name: deref(p.Name),
			Description: deref(p.Description), HarmonizedTariffCode: deref(p.HarmonizedTariffCode), CountryOfOrigin: deref(p.CountryOfOrigin),
			Length: p.Length, Width: p.Width, Height: p.Height, Weight: p.Weight, CommercialInvoiceDescription: deref(p.CommercialInvoiceDescription)}
		if p.UnitPrice != nil {
			ip.UnitPrice = *p.UnitPrice
		}
		if p.SizeUom != nil {
			ip.SizeUOM = string(*p.SizeUom)
		}
		if p.WeightUom != nil {
			ip.WeightUOM = string(*p.WeightUom)
		}
		o.Products = append(o.Products, ip)
	}
	return o
}

// consignmentInput decodes a sale or return; amounts are in SimpleConsign's
// currency.
func (r *mutationResolver) consignmentInput(in ConsignmentTransactionInput) (commerce.ConsignmentInput, error) {
	cur, err := r.Service.ConsignmentCurrency()
	if err != nil {
		return commerce.ConsignmentInput{}, err
	}
	out := commerce.ConsignmentInput{OrderNumber: deref(in.OrderNumber), Tax: money.New(deref(in.Tax), cur)}
	for _, it := range in.Items {
		out.Items = append(out.Items, commerce.ConsignmentItem{SKU: deref(it.Sku), UnitPrice: money.New(it.UnitPrice, cur),
			Quantity: it.Quantity, Taxable: deref(it.Taxable)})
	}
	return out, nil
}

// parseConsignmentID decodes gid://simpleconsign/ConsignmentTransaction/<orderNumber>/<SALE|RETURN>/<n>.
func parseConsignmentID(arg, s string) (string, error) {
	id, err := gid.Parse(s)
	if err == nil {
		err = id.Expect(gid.SimpleConsign, gid.ConsignmentTransaction)
	}
	if err != nil {
		return "", commerce.BadInput("%s: %v", arg, err)
	}
	if err := commerce.CheckConsignmentKey(id.Key); err != nil {
		return "", commerce.BadInput("%s: %q %v", arg, clip(s), err)
	}
	return id.Key, nil
}
