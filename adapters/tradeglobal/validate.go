package tradeglobal

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// Documented lengths (characters) of the string fields.
const (
	maxMerchantOrderID = 50
	maxServiceCode     = 50
	maxAddressLine     = 50 // FirstName, LastName, Address1, Address2, City
	maxStateProvince   = 20
	maxPostal          = 20
	maxPhone           = 50
	maxEmail           = 300
	maxSKU             = 50
	maxName            = 255
	maxDescription     = 255
	maxHarmonizedCode  = 15
	maxUOM             = 10
	maxInvoiceDesc     = 50
)

// Units the spec accepts.
var (
	sizeUOMs   = []string{"IN", "CM", "MM"}
	weightUOMs = []string{"KG", "LBS", "OZ", "G"}
)

// User error codes, as the gateway reports them (README.md, "Errors").
const (
	CodeRequired      = "REQUIRED"
	CodeTooLong       = "TOO_LONG"
	CodeInvalid       = "INVALID"
	CodeSubUnitAmount = "SUB_UNIT_AMOUNT"
)

// ValidateRequest checks an order against the spec's rules before anything
// is sent, and returns what is wrong as user errors whose Field is the path
// in the gateway's input (commerce.InternationalOrderInput, in camelCase):
// "merchantCode" (only when the request sets one), "merchantOrderId",
// "serviceCode", "shipTo.<field>", "products.<i>.<field>", each a
// []string such as ["products","0","unitPrice"].
//
//   - REQUIRED: MerchantOrderID, ServiceCode, the consignee's FirstName,
//     LastName, Address1, City, StateProvince, Postal, Country, Phone and
//     Email, each product's SKU. Blank (whitespace only) counts as missing,
//     except for StateProvince and Postal, where the spec asks for a single
//     space (Postal: or "NA") when the destination has none: " " passes, ""
//     does not. (Service.Validate and PlaceOrder send " " for an empty one.)
//   - TOO_LONG: over the documented length, counted in UTF-16 code units as
//     the .NET service counts them.
//   - INVALID: Country and CountryOfOrigin not two uppercase letters;
//     SizeUOM not IN, CM or MM; WeightUOM not KG, LBS, OZ or G; Quantity not
//     above zero (or above the service's Int32); UnitPrice not above zero or
//     beyond decimal(18,2); a dimension or weight negative or beyond
//     decimal(18,4); no products; an Email that does not look like one.
//   - SUB_UNIT_AMOUNT: a UnitPrice with more than two decimals.
//
// The customs fields (Description … CommercialInvoiceDescription) are
// required by TGC only for a SKU it has not seen, which the client cannot
// know: they are checked when given and never required. TGC's FAILED answer
// covers the rest.
func ValidateRequest(r *OrderRequest) []commerce.UserError {
	var v validator
	if r == nil {
		v.add(nil, CodeRequired, "the order is missing")
		return v.errs
	}
	if r.MerchantCode != "" {
		v.maxLen([]string{"merchantCode"}, r.MerchantCode, MaxMerchantCode)
	}
	v.required([]string{"merchantOrderId"}, r.MerchantOrderID, maxMerchantOrderID)
	v.required([]string{"serviceCode"}, r.ServiceCode, maxServiceCode)

	a := r.Cart.ShipToAddress
	at := func(f string) []string { return []string{"shipTo", f} }
	v.required(at("firstName"), a.FirstName, maxAddressLine)
	v.required(at("lastName"), a.LastName, maxAddressLine)
	v.required(at("address1"), a.Address1, maxAddressLine)
	v.maxLen(at("address2"), a.Address2, maxAddressLine)
	v.required(at("city"), a.City, maxAddressLine)
	v.present(at("stateProvince"), a.StateProvince, maxStateProvince,
		"shipTo.stateProvince is required (the spec asks for a single space when the destination has none)")
	v.present(at("postal"), a.Postal, maxPostal,
		`shipTo.postal is required (the spec asks for a single space or "NA" when the destination has none)`)
	if strings.TrimSpace(a.Country) == "" {
		v.add(at("country"), CodeRequired, "shipTo.country is required")
	} else {
		v.country(at("country"), a.Country)
	}
	v.required(at("phone"), a.Phone, maxPhone)
	if v.required(at("email"), a.Email, maxEmail) && !looksLikeEmail(a.Email) {
		v.add(at("email"), CodeInvalid, "shipTo.email is not an email address")
	}

	if len(r.Cart.Products) == 0 {
		v.add([]string{"products"}, CodeRequired, "the order needs at least one product")
	}
	for i := range r.Cart.Products {
		v.product(strconv.Itoa(i), &r.Cart.Products[i])
	}
	return v.errs
}

func (v *validator) product(i string, p *Product) {
	at := func(f string) []string { return []string{"products", i, f} }
	v.required(at("sku"), p.SKU, maxSKU)
	if p.Quantity <= 0 {
		v.add(at("quantity"), CodeInvalid, dotted(at("quantity"))+" must be greater than zero")
	} else if p.Quantity > math.MaxInt32 {
		v.add(at("quantity"), CodeInvalid, dotted(at("quantity"))+" is larger than TGC accepts")
	}
	price := p.UnitPrice.Value()
	switch {
	case price.Sign() <= 0:
		v.add(at("unitPrice"), CodeInvalid, dotted(at("unitPrice"))+" must be greater than zero")
	case decimals(price) > 2:
		v.add(at("unitPrice"), CodeSubUnitAmount, dotted(at("unitPrice"))+" has more than 2 decimals ("+money.FormatDecimal(price)+")")
	case integerDigits(price) > 16:
		v.add(at("unitPrice"), CodeInvalid, dotted(at("unitPrice"))+" is too large for decimal(18,2)")
	}
	v.maxLen(at("name"), p.Name, maxName)
	v.maxLen(at("description"), p.Description, maxDescription)
	v.maxLen(at("harmonizedTariffCode"), p.HarmonizedTariffCode, maxHarmonizedCode)
	if p.CountryOfOrigin != "" {
		v.country(at("countryOfOrigin"), p.CountryOfOrigin)
	}
	v.measure(at("length"), p.Length)
	v.measure(at("width"), p.Width)
	v.measure(at("height"), p.Height)
	v.measure(at("weight"), p.Weight)
	v.unit(at("sizeUom"), p.SizeUOM, sizeUOMs)
	v.unit(at("weightUom"), p.WeightUOM, weightUOMs)
	v.maxLen(at("commercialInvoiceDescription"), p.CommercialInvoiceDescription, maxInvoiceDesc)
}

type validator struct{ errs []commerce.UserError }

func (v *validator) add(field []string, code, msg string) {
	v.errs = append(v.errs, commerce.UserError{Field: field, Code: code, Message: msg})
}

// required checks a required string: not blank, not too long. It reports
// whether the value passed.
func (v *validator) required(field []string, s string, limit int) bool {
	if strings.TrimSpace(s) == "" {
		v.add(field, CodeRequired, dotted(field)+" is required")
		return false
	}
	return v.maxLen(field, s, limit)
}

// present checks a required string that may be whitespace (StateProvince,
// Postal): it must not be empty.
func (v *validator) present(field []string, s string, limit int, msg string) {
	if s == "" {
		v.add(field, CodeRequired, msg)
		return
	}
	v.maxLen(field, s, limit)
}

func (v *validator) maxLen(field []string, s string, limit int) bool {
	if n := textLength(s); n > limit {
		v.add(field, CodeTooLong, dotted(field)+" is "+strconv.Itoa(n)+" characters long; the limit is "+strconv.Itoa(limit))
		return false
	}
	return true
}

func (v *validator) country(field []string, s string) {
	if len(s) != 2 || !isUpperASCII(s[0]) || !isUpperASCII(s[1]) {
		v.add(field, CodeInvalid, dotted(field)+" must be a 2-letter uppercase ISO 3166-1 code such as \"CA\"")
	}
}

func (v *validator) unit(field []string, s string, allowed []string) {
	if s == "" {
		return
	}
	if !v.maxLen(field, s, maxUOM) {
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	v.add(field, CodeInvalid, dotted(field)+" must be one of "+strings.Join(allowed, ", "))
}

// measure checks a dimension or weight: decimal(18,4), not negative.
func (v *validator) measure(field []string, d *Decimal) {
	if d == nil {
		return
	}
	x := d.Value()
	switch {
	case x.Sign() < 0:
		v.add(field, CodeInvalid, dotted(field)+" must not be negative")
	case decimals(x) > 4:
		v.add(field, CodeInvalid, dotted(field)+" has more than 4 decimals ("+money.FormatDecimal(x)+")")
	case integerDigits(x) > 14:
		v.add(field, CodeInvalid, dotted(field)+" is too large for decimal(18,4)")
	}
}

func dotted(field []string) string { return strings.Join(field, ".") }

func isUpperASCII(b byte) bool { return 'A' <= b && b <= 'Z' }

// textLength counts s the way .NET counts a string: in UTF-16 code units.
func textLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// decimals is the number of decimals d's value needs (26.990 needs 2).
func decimals(d decimal.Decimal) int {
	s := money.FormatDecimal(d)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// integerDigits is the number of digits before the point (0.5 has none).
func integerDigits(d decimal.Decimal) int {
	s := strings.TrimPrefix(money.FormatDecimal(d), "-")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimLeft(s, "0")
	return len(s)
}

// looksLikeEmail is a plausibility check, not RFC 5322: no whitespace, one
// "@" with something before it, and a domain with a dot inside.
func looksLikeEmail(s string) bool {
	if strings.ContainsAny(s, " \t\r\n<>,;") {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || strings.Count(s, "@") != 1 {
		return false
	}
	domain := s[at+1:]
	dot := strings.IndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1 && !strings.Contains(domain, "..")
}
