package tradegecko

import (
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// Backend is this adapter's name in errors and ids.
const Backend = backend.TradeGecko

// mapper converts wire records to commerce types. Catalog prices are in the
// account's base currency; values the API documents nowhere are reported
// through unknown and mapped to OTHER.
type mapper struct {
	currency money.Currency
	unknown  func(field, value string)
}

func (m mapper) product(p *Product) commerce.Product {
	return commerce.Product{
		ID:          int64(p.ID),
		Name:        string(p.Name),
		Description: string(p.Description),
		Brand:       string(p.Brand),
		ProductType: string(p.ProductType),
		Status:      m.productStatus(string(p.Status)),
		Tags:        []string(p.Tags),
		OptionNames: nonEmpty(p.Opt1, p.Opt2, p.Opt3),
		ImageIDs:    []int64(p.ImageIDs),
		VariantIDs:  []int64(p.VariantIDs),
		CreatedAt:   p.CreatedAt.Time,
		UpdatedAt:   p.UpdatedAt.Time,
	}
}

func (m mapper) productStatus(s string) commerce.ProductStatus {
	switch s {
	case "active":
		return commerce.ProductActive
	case "disabled":
		return commerce.ProductDisabled
	case "archived":
		return commerce.ProductArchived
	}
	m.unknown("product.status", s)
	return commerce.ProductOther
}

func (m mapper) variantStatus(s string) commerce.VariantStatus {
	switch s {
	case "active":
		return commerce.VariantActive
	case "archived":
		return commerce.VariantArchived
	}
	m.unknown("variant.status", s)
	return commerce.VariantOther
}

// apiStatus is the API's value for a commerce status filter.
func apiStatus[S ~string](s S) []string {
	if s == "" {
		return nil
	}
	return []string{strings.ToLower(string(s))}
}

func (m mapper) variant(v *Variant) commerce.Variant {
	out := commerce.Variant{
		ID:           int64(v.ID),
		ProductID:    int64(v.ProductID),
		ProductName:  string(v.ProductName),
		SKU:          string(v.SKU),
		Name:         string(v.Name),
		Description:  string(v.Description),
		Status:       m.variantStatus(string(v.Status)),
		OptionValues: nonEmpty(v.Opt1, v.Opt2, v.Opt3),
		Taxable:      v.Taxable.Or(true),
		UPC:          string(v.UPC),
		Weight:       v.Weight.Ptr(),
		WeightUnit:   string(v.WeightUnit),
		ImageIDs:     []int64(v.ImageIDs),
		CreatedAt:    v.CreatedAt.Time,
		UpdatedAt:    v.UpdatedAt.Time,
	}

	// Prices: variant_prices, or the deprecated hash; the named fields win
	// for the three standard lists when present.
	lists := map[string]Decimal{}
	var order []string
	add := func(id string, d Decimal) {
		if id == "" || !d.Valid {
			return
		}
		if _, ok := lists[id]; !ok {
			order = append(order, id)
		}
		lists[id] = d
	}
	for _, p := range v.VariantPrices {
		add(string(p.PriceListID), p.Value)
	}
	if len(v.VariantPrices) == 0 {
		for _, id := range slices.Sorted(maps.Keys(v.Prices)) {
			add(id, v.Prices[id])
		}
	}
	add("retail", v.RetailPrice)
	add("wholesale", v.WholesalePrice)
	add(commerce.BuyPriceList, v.BuyPrice)
	for _, id := range order {
		out.Prices = append(out.Prices, commerce.VariantPrice{PriceListID: id, Price: money.New(lists[id].Value, m.currency)})
	}
	out.RetailPrice = m.price(lists, "retail")
	out.WholesalePrice = m.price(lists, "wholesale")
	out.BuyPrice = m.price(lists, commerce.BuyPriceList)

	// Stock: totals as sent, else summed over locations.
	var onHand, committed, incoming decimal.Decimal
	for _, l := range v.Locations {
		onHand = onHand.Add(l.StockOnHand.Or(decimal.Zero))
		committed = committed.Add(l.Committed.Or(decimal.Zero))
		incoming = incoming.Add(l.Incoming.Or(decimal.Zero))
		lvl := commerce.StockLevel{
			LocationID:  int64(l.LocationID),
			OnHand:      l.StockOnHand.Or(decimal.Zero),
			Committed:   l.Committed.Or(decimal.Zero),
			Incoming:    l.Incoming.Or(decimal.Zero),
			BinLocation: string(l.BinLocation),
		}
		lvl.Available = l.Available.Or(lvl.OnHand.Sub(lvl.Committed))
		out.StockLevels = append(out.StockLevels, lvl)
	}
	onHand = v.StockOnHand.Or(onHand)
	committed = v.CommittedStock.Or(committed)
	incoming = v.IncomingStock.Or(incoming)

	// Sales Channel guide: manage_stock false means untracked (composites
	// are always tracked); keep_selling sells at zero or below; max_online
	// caps what a storefront shows. A variant that is archived, or not
	// sellable, cannot be sold whatever its stock.
	tracked := v.ManageStock.Or(true) || v.Composite.Or(false)
	sellable := v.Sellable.Or(true) && out.Status == commerce.VariantActive
	out.Inventory = commerce.NewInventory(tracked, v.KeepSelling.Or(false), sellable, onHand, committed, incoming, v.MaxOnline.Ptr())
	return out
}

func (m mapper) price(lists map[string]Decimal, id string) *money.Money {
	d, ok := lists[id]
	if !ok {
		return nil
	}
	p := money.New(d.Value, m.currency)
	return &p
}

func (m mapper) image(im *Image) commerce.Image {
	ids := []int64(im.VariantIDs)
	if len(ids) == 0 && im.VariantID != 0 {
		ids = []int64{int64(im.VariantID)}
	}
	return commerce.Image{
		ID:         int64(im.ID),
		ProductID:  int64(im.ProductID),
		VariantIDs: ids,
		URL:        im.Src(),
		FileName:   string(im.FileName),
		Position:   int(im.Position),
		Versions:   []string(im.Versions),
	}
}

func toLocation(l *Location) commerce.Location {
	return commerce.Location{
		ID:         int64(l.ID),
		Label:      string(l.Label),
		Address1:   string(l.Address1),
		Address2:   string(l.Address2),
		Suburb:     string(l.Suburb),
		City:       string(l.City),
		State:      string(l.State),
		ZipCode:    string(l.ZipCode),
		Country:    string(l.Country),
		HoldsStock: l.HoldsStock.Or(true),
		Active:     l.Status == "" || l.Status == "active",
	}
}

func toCurrency(c *Currency, baseID int64) (commerce.Currency, error) {
	code, err := money.ParseCurrency(strings.ToUpper(strings.TrimSpace(string(c.ISO))))
	if err != nil {
		return commerce.Currency{}, err
	}
	return commerce.Currency{
		ID:        int64(c.ID),
		Code:      code,
		Name:      string(c.Name),
		Symbol:    string(c.Symbol),
		Rate:      c.Rate.Or(decimal.NewFromInt(1)),
		Precision: int(c.Precision),
		IsBase:    int64(c.ID) == baseID,
	}, nil
}

func toAccount(a *Account, cur money.Currency) commerce.Account {
	return commerce.Account{
		ID:                      int64(a.ID),
		Name:                    string(a.Name),
		Country:                 string(a.Country),
		TimeZone:                string(a.TimeZone),
		Currency:                cur,
		DefaultOrderPriceListID: string(a.DefaultOrderPriceListID),
		PrimaryLocationID:       int64(a.PrimaryLocationID),
	}
}

// toCommerceError gives an adapter error its meaning for clients. Nothing
// secret is in these messages: the API's own messages name no tokens.
func toCommerceError(err error) error {
	if err == nil {
		return nil
	}
	var ce *commerce.Error
	if errors.As(err, &ce) {
		return err
	}
	e := &commerce.Error{Backend: Backend, Err: err}
	var rl *RateLimitError
	var er *ErrorResponse
	var ne *NetworkError
	var de *DecodeError
	var ae *AuthError
	var open *circuit.OpenError
	switch {
	case errors.As(err, &open):
		e.Code, e.RetryAfter = commerce.CodeUpstreamUnavailable, open.RetryAfter
		e.Message = "TradeGecko has been failing, so the gateway is not sending it " + open.Kind.String() + "s for now; nothing was sent; try again later"
	case errors.As(err, &rl):
		e.Code, e.RequestID = commerce.CodeRateLimited, rl.RequestID
		e.RetryAfter = rl.RetryAfter
		e.Message = "TradeGecko's request budget is spent; try again later"
		if rl.Share {
			e.Message = "this client has spent its share of TradeGecko's request budget while other clients wait for it; " +
				"what the gateway has cached is still served; try again later"
		}
	case errors.As(err, &er):
		e.RequestID = er.RequestID
		switch {
		case er.StatusCode == 401 || er.StatusCode == 403:
			e.Code, e.Message = commerce.CodeUpstreamError, "TradeGecko refused the gateway's credentials ("+er.Type+")"
		case er.StatusCode == 402:
			e.Code, e.Message = commerce.CodeUpstreamError, "TradeGecko refused the request: the merchant's subscription has lapsed"
		case er.UnknownRoute:
			e.Code, e.Message = commerce.CodeUpstreamError, "TradeGecko has no such route: check TRADEGECKO_BASE_URL"
		case er.StatusCode == 404:
			e.Code, e.Message = commerce.CodeNotFound, "not found at TradeGecko"
		case er.StatusCode >= 500:
			e.Code, e.Message = commerce.CodeUpstreamUnavailable, "TradeGecko is unavailable ("+er.Type+")"
		default:
			e.Code, e.Message = commerce.CodeUpstreamError, "TradeGecko refused the request: "+er.Detail()
		}
	case errors.As(err, &ne):
		e.Code, e.Message = commerce.CodeUpstreamUnavailable, "TradeGecko did not answer"
	case errors.As(err, &de):
		e.Code, e.RequestID, e.Message = commerce.CodeUpstreamError, de.RequestID, "TradeGecko sent a response the gateway cannot read"
	case errors.As(err, &ae):
		e.Code, e.Message = commerce.CodeUpstreamError, "the gateway has no valid TradeGecko token"
	default:
		return commerce.ErrorOf(err)
	}
	return e
}

func nonEmpty(vals ...Text) []string {
	var out []string
	for _, v := range vals {
		if s := strings.TrimSpace(string(v)); s != "" {
			out = append(out, s)
		}
	}
	return out
}
