package sandbox

import (
	"github.com/shopspring/decimal"
)

// DefaultMerchantCode is the merchant code a sandbox accepts when
// Options.MerchantCodes is empty (the spec's example uses it).
const DefaultMerchantCode = "TGCSANDBOX"

// OrderPath is the TGCOrder endpoint.
const OrderPath = "/TGCInternalServices/MerchantServices/api/TGCOrder"

// service is a shipping service code and how the sandbox prices it.
type service struct {
	code        string
	name        string
	dutiesPaid  bool            // DDP: the quote includes duty and taxes; DDU: they are 0 here
	base        decimal.Decimal // freight per shipment
	perPound    decimal.Decimal // freight per started pound of chargeable weight
	fuelPercent decimal.Decimal // of freight
	insPercent  decimal.Decimal // of the cart value
	brokerage   decimal.Decimal // per shipment
	discount    decimal.Decimal // fixed shipping discount, capped at the shipping fees; 0 for none
}

// services are the service codes the sandbox knows. GMDDP is the spec's.
var services = []service{
	{code: "GMDDP", name: "Global Mail, duties and taxes paid", dutiesPaid: true,
		base: dec("6.40"), perPound: dec("3.00"), discount: dec("12.40")},
	{code: "GMDDU", name: "Global Mail, duties and taxes unpaid",
		base: dec("6.40"), perPound: dec("3.00")},
	{code: "EXPDDP", name: "Express, duties and taxes paid", dutiesPaid: true,
		base: dec("14.00"), perPound: dec("5.50"), fuelPercent: dec("8.5"), insPercent: dec("1"), brokerage: dec("7.50")},
	{code: "EXPDDU", name: "Express, duties and taxes unpaid",
		base: dec("14.00"), perPound: dec("5.50"), fuelPercent: dec("8.5"), insPercent: dec("1")},
}

func serviceByCode(code string) (service, bool) {
	for _, s := range services {
		if s.code == code {
			return s, true
		}
	}
	return service{}, false
}

// rates are a destination's import charges, in percent.
type rates struct {
	duty, vat, pst decimal.Decimal
}

// destinations maps a destination country to its rates; any other country
// gets defaultRates. One flat duty rate per country, whatever the tariff
// code: the sandbox is not a tariff database.
var destinations = map[string]rates{
	"CA": {duty: dec("18"), vat: dec("5"), pst: dec("8")},
	"US": {duty: dec("0"), vat: dec("0"), pst: dec("0")},
	"GB": {duty: dec("12"), vat: dec("20"), pst: dec("0")},
	"AU": {duty: dec("5"), vat: dec("10"), pst: dec("0")},
	"NZ": {duty: dec("10"), vat: dec("15"), pst: dec("0")},
	"DE": {duty: dec("12"), vat: dec("19"), pst: dec("0")},
	"FR": {duty: dec("12"), vat: dec("20"), pst: dec("0")},
	"JP": {duty: dec("9"), vat: dec("10"), pst: dec("0")},
	"MX": {duty: dec("20"), vat: dec("16"), pst: dec("0")},
}

var defaultRates = rates{duty: dec("10"), vat: dec("15"), pst: dec("0")}

func ratesFor(country string) rates {
	if r, ok := destinations[country]; ok {
		return r
	}
	return defaultRates
}

// seedSKUs are on file in a new sandbox: their customs data may be omitted.
func seedSKUs() []*skuRecord {
	p := func(s string) *decimal.Decimal { d := dec(s); return &d }
	return []*skuRecord{
		{sku: "TGSAND_TestSKU123", description: "Test SKU", harmonizedTariffCode: "620441", countryOfOrigin: "CN",
			length: p("3"), width: p("6"), height: p("9"), sizeUOM: "IN", weight: p("0.75"), weightUOM: "LBS",
			commercialInvoiceDescription: "A Test Description"},
		{sku: "TGSAND_MUG-01", description: "Stoneware mug, 12 oz", harmonizedTariffCode: "691200", countryOfOrigin: "PT",
			length: p("5"), width: p("4"), height: p("4.5"), sizeUOM: "IN", weight: p("0.9"), weightUOM: "LBS",
			commercialInvoiceDescription: "Ceramic drinking mug"},
		{sku: "TGSAND_TEE-M", description: "Cotton T-shirt, size M", harmonizedTariffCode: "610910", countryOfOrigin: "BD",
			length: p("30"), width: p("25"), height: p("2"), sizeUOM: "CM", weight: p("180"), weightUOM: "G",
			commercialInvoiceDescription: "Men's cotton knitted T-shirt"},
		{sku: "TGSAND_WATCH-1", description: "Steel wrist watch", harmonizedTariffCode: "910211", countryOfOrigin: "CH",
			length: p("100"), width: p("80"), height: p("60"), sizeUOM: "MM", weight: p("0.2"), weightUOM: "KG",
			commercialInvoiceDescription: "Wrist watch, steel case"},
	}
}

// pinnedQuoteIDs are the QuoteIDs of the spec's example (merchant code and
// MerchantOrderID), so that its request yields its response verbatim.
var pinnedQuoteIDs = map[[2]string]string{
	{"TGCSANDBOX", "TG0000015"}: "5e6732c2-cc55-4035-95df-a307b48be7aa",
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }
