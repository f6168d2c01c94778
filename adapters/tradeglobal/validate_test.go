package tradeglobal

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

func ue(code string, field ...string) commerce.UserError {
	return commerce.UserError{Field: field, Code: code}
}

// Every rule of the spec, with its code and input path.
func TestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	type in = commerce.InternationalOrderInput
	p0 := func(f func(p *commerce.InternationalProduct)) func(o *in) { return func(o *in) { f(&o.Products[0]) } }
	tests := []struct {
		name   string
		mutate func(o *in)
		want   []commerce.UserError
	}{
		{"the spec's example", func(o *in) {}, nil},
		{"a known SKU without customs data", p0(func(p *commerce.InternationalProduct) {
			*p = commerce.InternationalProduct{SKU: p.SKU, Quantity: 2, UnitPrice: d("10")}
		}), nil},
		{"no state or postal code", func(o *in) { o.ShipTo.StateProvince, o.ShipTo.Postal = "", "" }, nil},
		{"postal NA, address2 given", func(o *in) { o.ShipTo.Postal, o.ShipTo.Address2 = "NA", "Suite 4" }, nil},
		{"price with a trailing zero", p0(func(p *commerce.InternationalProduct) { p.UnitPrice = d("26.990") }), nil},
		{"zero weight, four decimals", p0(func(p *commerce.InternationalProduct) { p.Weight, p.Length = dp("0"), dp("1.2345") }), nil},
		{"50 two-byte characters", func(o *in) { o.ShipTo.City = strings.Repeat("é", 50) }, nil},

		{"order id missing", func(o *in) { o.MerchantOrderID = "" }, []commerce.UserError{ue("REQUIRED", "merchantOrderId")}},
		{"order id blank", func(o *in) { o.MerchantOrderID = "  " }, []commerce.UserError{ue("REQUIRED", "merchantOrderId")}},
		{"order id too long", func(o *in) { o.MerchantOrderID = long(51) }, []commerce.UserError{ue("TOO_LONG", "merchantOrderId")}},
		{"service code missing", func(o *in) { o.ServiceCode = "" }, []commerce.UserError{ue("REQUIRED", "serviceCode")}},
		{"service code too long", func(o *in) { o.ServiceCode = long(51) }, []commerce.UserError{ue("TOO_LONG", "serviceCode")}},

		{"first name missing", func(o *in) { o.ShipTo.FirstName = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "firstName")}},
		{"first name too long", func(o *in) { o.ShipTo.FirstName = long(51) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "firstName")}},
		{"first name too long in UTF-16", func(o *in) { o.ShipTo.FirstName = strings.Repeat("😀", 26) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "firstName")}},
		{"last name missing", func(o *in) { o.ShipTo.LastName = " " }, []commerce.UserError{ue("REQUIRED", "shipTo", "lastName")}},
		{"last name too long", func(o *in) { o.ShipTo.LastName = long(51) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "lastName")}},
		{"address1 missing", func(o *in) { o.ShipTo.Address1 = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "address1")}},
		{"address1 too long", func(o *in) { o.ShipTo.Address1 = long(51) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "address1")}},
		{"address2 too long", func(o *in) { o.ShipTo.Address2 = long(51) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "address2")}},
		{"city missing", func(o *in) { o.ShipTo.City = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "city")}},
		{"city too long", func(o *in) { o.ShipTo.City = long(51) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "city")}},
		{"state too long", func(o *in) { o.ShipTo.StateProvince = long(21) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "stateProvince")}},
		{"postal too long", func(o *in) { o.ShipTo.Postal = long(21) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "postal")}},
		{"country missing", func(o *in) { o.ShipTo.Country = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "country")}},
		{"country three letters", func(o *in) { o.ShipTo.Country = "CAN" }, []commerce.UserError{ue("INVALID", "shipTo", "country")}},
		{"country lowercase", func(o *in) { o.ShipTo.Country = "ca" }, []commerce.UserError{ue("INVALID", "shipTo", "country")}},
		{"country with a digit", func(o *in) { o.ShipTo.Country = "C1" }, []commerce.UserError{ue("INVALID", "shipTo", "country")}},
		{"phone missing", func(o *in) { o.ShipTo.Phone = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "phone")}},
		{"phone too long", func(o *in) { o.ShipTo.Phone = long(51) }, []commerce.UserError{ue("TOO_LONG", "shipTo", "phone")}},
		{"email missing", func(o *in) { o.ShipTo.Email = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "email")}},
		{"email without @", func(o *in) { o.ShipTo.Email = "bryan" }, []commerce.UserError{ue("INVALID", "shipTo", "email")}},
		{"email without a dot", func(o *in) { o.ShipTo.Email = "a@b" }, []commerce.UserError{ue("INVALID", "shipTo", "email")}},
		{"email with a space", func(o *in) { o.ShipTo.Email = "a b@c.com" }, []commerce.UserError{ue("INVALID", "shipTo", "email")}},
		{"email with two @", func(o *in) { o.ShipTo.Email = "a@b@c.com" }, []commerce.UserError{ue("INVALID", "shipTo", "email")}},
		{"email too long", func(o *in) { o.ShipTo.Email = long(295) + "@x.com" }, []commerce.UserError{ue("TOO_LONG", "shipTo", "email")}},

		{"no products", func(o *in) { o.Products = nil }, []commerce.UserError{ue("REQUIRED", "products")}},
		{"sku missing", p0(func(p *commerce.InternationalProduct) { p.SKU = "" }), []commerce.UserError{ue("REQUIRED", "products", "0", "sku")}},
		{"sku too long", p0(func(p *commerce.InternationalProduct) { p.SKU = long(51) }), []commerce.UserError{ue("TOO_LONG", "products", "0", "sku")}},
		{"quantity zero", p0(func(p *commerce.InternationalProduct) { p.Quantity = 0 }), []commerce.UserError{ue("INVALID", "products", "0", "quantity")}},
		{"quantity negative", p0(func(p *commerce.InternationalProduct) { p.Quantity = -3 }), []commerce.UserError{ue("INVALID", "products", "0", "quantity")}},
		{"quantity beyond int32", p0(func(p *commerce.InternationalProduct) { p.Quantity = math.MaxInt32 + 1 }), []commerce.UserError{ue("INVALID", "products", "0", "quantity")}},
		{"price zero", p0(func(p *commerce.InternationalProduct) { p.UnitPrice = d("0") }), []commerce.UserError{ue("INVALID", "products", "0", "unitPrice")}},
		{"price unset", p0(func(p *commerce.InternationalProduct) { p.UnitPrice = decimal.Decimal{} }), []commerce.UserError{ue("INVALID", "products", "0", "unitPrice")}},
		{"price negative", p0(func(p *commerce.InternationalProduct) { p.UnitPrice = d("-26.99") }), []commerce.UserError{ue("INVALID", "products", "0", "unitPrice")}},
		{"price sub-cent", p0(func(p *commerce.InternationalProduct) { p.UnitPrice = d("26.999") }), []commerce.UserError{ue("SUB_UNIT_AMOUNT", "products", "0", "unitPrice")}},
		{"price beyond decimal(18,2)", p0(func(p *commerce.InternationalProduct) { p.UnitPrice = d("12345678901234567") }), []commerce.UserError{ue("INVALID", "products", "0", "unitPrice")}},
		{"name too long", p0(func(p *commerce.InternationalProduct) { p.Name = long(256) }), []commerce.UserError{ue("TOO_LONG", "products", "0", "name")}},
		{"description too long", p0(func(p *commerce.InternationalProduct) { p.Description = long(256) }), []commerce.UserError{ue("TOO_LONG", "products", "0", "description")}},
		{"tariff code too long", p0(func(p *commerce.InternationalProduct) { p.HarmonizedTariffCode = long(16) }), []commerce.UserError{ue("TOO_LONG", "products", "0", "harmonizedTariffCode")}},
		{"origin three letters", p0(func(p *commerce.InternationalProduct) { p.CountryOfOrigin = "CHN" }), []commerce.UserError{ue("INVALID", "products", "0", "countryOfOrigin")}},
		{"origin lowercase", p0(func(p *commerce.InternationalProduct) { p.CountryOfOrigin = "cn" }), []commerce.UserError{ue("INVALID", "products", "0", "countryOfOrigin")}},
		{"length negative", p0(func(p *commerce.InternationalProduct) { p.Length = dp("-1") }), []commerce.UserError{ue("INVALID", "products", "0", "length")}},
		{"width five decimals", p0(func(p *commerce.InternationalProduct) { p.Width = dp("1.00001") }), []commerce.UserError{ue("INVALID", "products", "0", "width")}},
		{"height beyond decimal(18,4)", p0(func(p *commerce.InternationalProduct) { p.Height = dp("123456789012345") }), []commerce.UserError{ue("INVALID", "products", "0", "height")}},
		{"weight negative", p0(func(p *commerce.InternationalProduct) { p.Weight = dp("-0.1") }), []commerce.UserError{ue("INVALID", "products", "0", "weight")}},
		{"size unit unknown", p0(func(p *commerce.InternationalProduct) { p.SizeUOM = "FT" }), []commerce.UserError{ue("INVALID", "products", "0", "sizeUom")}},
		{"size unit lowercase", p0(func(p *commerce.InternationalProduct) { p.SizeUOM = "in" }), []commerce.UserError{ue("INVALID", "products", "0", "sizeUom")}},
		{"size unit too long", p0(func(p *commerce.InternationalProduct) { p.SizeUOM = long(11) }), []commerce.UserError{ue("TOO_LONG", "products", "0", "sizeUom")}},
		{"weight unit unknown", p0(func(p *commerce.InternationalProduct) { p.WeightUOM = "TON" }), []commerce.UserError{ue("INVALID", "products", "0", "weightUom")}},
		{"invoice description too long", p0(func(p *commerce.InternationalProduct) { p.CommercialInvoiceDescription = long(51) }), []commerce.UserError{ue("TOO_LONG", "products", "0", "commercialInvoiceDescription")}},

		{"several problems, in field order", func(o *in) {
			o.MerchantOrderID = ""
			o.ShipTo.Country = "Canada"
			o.Products = append(o.Products, commerce.InternationalProduct{SKU: "B", Quantity: 0, UnitPrice: d("1.001"), WeightUOM: "lb"})
		}, []commerce.UserError{
			ue("REQUIRED", "merchantOrderId"), ue("INVALID", "shipTo", "country"),
			ue("INVALID", "products", "1", "quantity"), ue("SUB_UNIT_AMOUNT", "products", "1", "unitPrice"),
			ue("INVALID", "products", "1", "weightUom"),
		}},
	}
	s := NewService(nil, money.MustCurrency("USD"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := specInput()
			tt.mutate(&o)
			got := s.Validate(o)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(commerce.UserError{}, "Message"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
			for _, e := range got {
				if e.Message == "" {
					t.Errorf("%v has no message", e.Field)
				}
			}
		})
	}
}

// ValidateRequest checks a hand-built request the same way, plus what the
// Service fills in itself.
func TestValidateRequest(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(r *OrderRequest)
		want   []commerce.UserError
	}{
		{"the spec's example", func(r *OrderRequest) {}, nil},
		{"whitespace state and postal", func(r *OrderRequest) { r.Cart.ShipToAddress.StateProvince, r.Cart.ShipToAddress.Postal = " ", " " }, nil},
		{"empty state", func(r *OrderRequest) { r.Cart.ShipToAddress.StateProvince = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "stateProvince")}},
		{"empty postal", func(r *OrderRequest) { r.Cart.ShipToAddress.Postal = "" }, []commerce.UserError{ue("REQUIRED", "shipTo", "postal")}},
		{"merchant code too long", func(r *OrderRequest) { r.MerchantCode = strings.Repeat("M", 21) }, []commerce.UserError{ue("TOO_LONG", "merchantCode")}},
		{"merchant code left to the client", func(r *OrderRequest) { r.MerchantCode = "" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := specRequest()
			tt.mutate(r)
			if diff := cmp.Diff(tt.want, ValidateRequest(r), cmpopts.IgnoreFields(commerce.UserError{}, "Message"), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("ValidateRequest (-want +got):\n%s", diff)
			}
		})
	}
	if got := ValidateRequest(nil); len(got) != 1 || got[0].Code != "REQUIRED" {
		t.Errorf("ValidateRequest(nil) = %v", got)
	}
}
