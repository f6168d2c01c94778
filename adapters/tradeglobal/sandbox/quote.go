package sandbox

import (
	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// The quote formula (see the package documentation for the prose version).

var (
	hundred          = decimal.NewFromInt(100)
	transactionFee   = dec("5")
	dimDivisor       = dec("139")        // cubic inches per pound of dimensional weight
	kgPerPound       = dec("0.45359237") // exact, by definition of the pound
	gramsPerPound    = dec("453.59237")
	ouncesPerPound   = dec("16")
	cmPerInch        = dec("2.54") // exact, by definition of the inch
	mmPerInch        = dec("25.4")
	chargeablePlaces = int32(4) // chargeable weight is rounded to 4 decimals before going up to a whole pound
)

// line is a validated product line with its effective customs data (as
// sent, or as on file for a known SKU).
type line struct {
	sku      string
	quantity int64
	price    decimal.Decimal
	rec      skuRecord
	in       *productIn
}

type charge struct {
	amount         decimal.Decimal
	classification string
	kind           string
}

type group struct {
	fees      []charge
	discounts []charge
}

func (g group) total() decimal.Decimal {
	t := decimal.Zero
	for _, c := range g.fees {
		t = t.Add(c.amount)
	}
	for _, c := range g.discounts {
		t = t.Add(c.amount)
	}
	return t
}

type quote struct {
	id                                    string
	cartTotal                             decimal.Decimal
	customs, imports, svc, shipping       group
	totalCost                             decimal.Decimal
	chargeableWeight, actual, dimensional decimal.Decimal
}

// cents rounds half away from zero to 2 decimals.
func cents(d decimal.Decimal) decimal.Decimal { return d.Round(2) }

func percent(base, p decimal.Decimal) decimal.Decimal { return cents(base.Mul(p).Div(hundred)) }

func computeQuote(merchantCode, orderID string, svc service, country string, lines []line) quote {
	var q quote
	q.id = quoteID(merchantCode, orderID)

	q.cartTotal = decimal.Zero
	q.actual, q.dimensional = decimal.Zero, decimal.Zero
	for _, l := range lines {
		qty := decimal.NewFromInt(l.quantity)
		q.cartTotal = q.cartTotal.Add(qty.Mul(l.price))
		q.actual = q.actual.Add(qty.Mul(pounds(*l.rec.weight, l.rec.weightUOM)))
		q.dimensional = q.dimensional.Add(qty.Mul(dimensionalPounds(l.rec)))
	}
	q.chargeableWeight = decimal.Max(q.actual, q.dimensional).Round(chargeablePlaces).Ceil()
	if q.chargeableWeight.LessThan(decimal.NewFromInt(1)) {
		q.chargeableWeight = decimal.NewFromInt(1)
	}

	// Customs.
	q.customs.fees = []charge{
		{amount: svc.brokerage, classification: "Custom", kind: "Brokerage"},
		{amount: decimal.Zero, classification: "Custom", kind: "Disbursement"},
	}

	// Import: duty on the cart value, taxes on the value plus duty; nothing
	// for a duties-unpaid (DDU) service.
	duty, vat, pst := decimal.Zero, decimal.Zero, decimal.Zero
	if svc.dutiesPaid {
		r := ratesFor(country)
		duty = percent(q.cartTotal, r.duty)
		taxBase := q.cartTotal.Add(duty)
		vat = percent(taxBase, r.vat)
		pst = percent(taxBase, r.pst)
	}
	q.imports.fees = []charge{
		{amount: duty, classification: "Import", kind: "Duty"},
		{amount: vat, classification: "Import", kind: "VAT"},
		{amount: pst, classification: "Import", kind: "PST"},
	}

	// Service.
	q.svc.fees = []charge{{amount: transactionFee, classification: "Service", kind: "TransactionFee"}}

	// Shipping.
	freight := svc.base.Add(svc.perPound.Mul(q.chargeableWeight))
	fuel := percent(freight, svc.fuelPercent)
	insurance := percent(q.cartTotal, svc.insPercent)
	q.shipping.fees = []charge{
		{amount: freight, classification: "Shipping", kind: "Freight"},
		{amount: fuel, classification: "Shipping", kind: "FuelSurcharge"},
		{amount: insurance, classification: "Shipping", kind: "Insurance"},
	}
	if svc.discount.Sign() > 0 {
		d := decimal.Min(svc.discount, freight.Add(fuel).Add(insurance))
		q.shipping.discounts = []charge{{amount: d.Neg(), classification: "Shipping", kind: "Fixed"}}
	}

	// TotalCost: the cart plus every fee, discounts left out — the way the
	// spec's example adds up (26.99 + 9 + 5 + 12.4 = 53.39).
	q.totalCost = q.cartTotal
	for _, g := range []group{q.customs, q.imports, q.svc, q.shipping} {
		for _, f := range g.fees {
			q.totalCost = q.totalCost.Add(f.amount)
		}
	}
	return q
}

// pounds converts a weight to pounds.
func pounds(w decimal.Decimal, uom string) decimal.Decimal {
	switch uom {
	case "KG":
		return w.Div(kgPerPound)
	case "G":
		return w.Div(gramsPerPound)
	case "OZ":
		return w.Div(ouncesPerPound)
	}
	return w // LBS
}

// dimensionalPounds is one unit's volume in cubic inches over 139.
func dimensionalPounds(r skuRecord) decimal.Decimal {
	vol := r.length.Mul(*r.width).Mul(*r.height)
	divisor := dimDivisor
	switch r.sizeUOM {
	case "CM":
		divisor = divisor.Mul(cmPerInch).Mul(cmPerInch).Mul(cmPerInch)
	case "MM":
		divisor = divisor.Mul(mmPerInch).Mul(mmPerInch).Mul(mmPerInch)
	}
	return vol.Div(divisor)
}

// quoteNamespace derives QuoteIDs: a name-based (SHA-1) UUID of the merchant
// code and MerchantOrderID, so the same order always gets the same id.
var quoteNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://services.tradeglobal.com/sandbox/quote"))

func quoteID(merchantCode, orderID string) string {
	if id, ok := pinnedQuoteIDs[[2]string{merchantCode, orderID}]; ok {
		return id
	}
	return uuid.NewSHA1(quoteNamespace, []byte(merchantCode+"\x00"+orderID)).String()
}
