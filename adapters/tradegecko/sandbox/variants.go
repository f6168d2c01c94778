package sandbox

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// variantDefaultStatuses is what GET /variants lists without status=.
var variantDefaultStatuses = []string{"active"}

// stockLevel is a variant's stock at one location.
type stockLevel struct {
	locationID   int64
	onHand       decimal.Decimal
	committed    *decimal.Decimal // nil renders null (the spec's Snozzberry)
	incoming     *decimal.Decimal // nil renders null
	binLocation  *string
	reorderPoint *string
}

// variant is a sellable variant of a product.
type variant struct {
	id                     int64
	product                *product
	createdAt, updatedAt   time.Time
	defaultLedgerAccountID *int64
	retailPrice            *decimal.Decimal // nil: not on the price list
	wholesalePrice         *decimal.Decimal
	buyPrice               *decimal.Decimal
	hsCode                 *string
	countryOfOrigin        *string
	composite              *bool
	description            *string
	keepSelling            bool
	lastCostPrice          *decimal.Decimal
	manageStock            bool
	maxOnline              *string
	movingAverageCost      *decimal.Decimal
	name                   string
	onlineOrdering         bool
	opt1, opt2, opt3       *string
	position               int
	sellable               bool
	sku                    string
	status                 string // active, archived
	supplierCode           *string
	taxable                bool
	upc                    *string
	weight                 *string
	weightUnit             *string
	weightValue            *string
	imageIDs               []int64
	stock                  []*stockLevel // location id order
	// stockLevelsAsNumbers writes the deprecated stock_levels hash with bare
	// numbers ({"1": 10}) instead of strings ({"1": "10.0"}), as the spec's
	// Snozzberry example does.
	stockLevelsAsNumbers bool
}

func (v *variant) meta() recordMeta {
	return recordMeta{id: v.id, created: v.createdAt, updated: v.updatedAt, status: v.status}
}

func (v *variant) level(locationID int64) *stockLevel {
	for _, l := range v.stock {
		if l.locationID == locationID {
			return l
		}
	}
	return nil
}

// setStock sets stock on hand at a location, creating the stock record if
// the variant had none there.
func (v *variant) setStock(locationID int64, onHand decimal.Decimal) {
	if l := v.level(locationID); l != nil {
		l.onHand = onHand
		return
	}
	v.stock = append(v.stock, &stockLevel{locationID: locationID, onHand: onHand})
	slices.SortFunc(v.stock, func(a, b *stockLevel) int { return cmp.Compare(a.locationID, b.locationID) })
}

// touch moves updated_at to now (millisecond precision), and always forward
// so updated_at_min polling sees the change.
func (v *variant) touch(now time.Time) {
	t := now.UTC().Truncate(time.Millisecond)
	if !t.After(v.updatedAt) {
		t = v.updatedAt.Add(time.Millisecond)
	}
	v.updatedAt = t
}

type stockTotals struct {
	onHand, committed, incoming, available decimal.Decimal
}

func (l *stockLevel) available() decimal.Decimal {
	if l.committed == nil {
		return l.onHand
	}
	return l.onHand.Sub(*l.committed)
}

func (v *variant) totals() stockTotals {
	t := stockTotals{decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero}
	for _, l := range v.stock {
		t.onHand = t.onHand.Add(l.onHand)
		if l.committed != nil {
			t.committed = t.committed.Add(*l.committed)
		}
		if l.incoming != nil {
			t.incoming = t.incoming.Add(*l.incoming)
		}
		t.available = t.available.Add(l.available())
	}
	return t
}

// variantJSON follows the spec's example field for field, deprecated
// hashes included. position is a number (documented as a String),
// composite may be null (documented as a Boolean).
type variantJSON struct {
	ID                     int64                 `json:"id"`
	CreatedAt              string                `json:"created_at"`
	UpdatedAt              string                `json:"updated_at"`
	ProductID              int64                 `json:"product_id"`
	DefaultLedgerAccountID *int64                `json:"default_ledger_account_id"`
	BuyPrice               *string               `json:"buy_price"`
	CommittedStock         string                `json:"committed_stock"`
	AvailableStock         string                `json:"available_stock"`
	IncomingStock          string                `json:"incoming_stock"`
	HSCode                 *string               `json:"hs_code"`
	CountryOfOrigin        *string               `json:"country_of_origin"`
	Composite              *bool                 `json:"composite"`
	Description            *string               `json:"description"`
	KeepSelling            bool                  `json:"keep_selling"`
	LastCostPrice          *string               `json:"last_cost_price"`
	ManageStock            bool                  `json:"manage_stock"`
	MaxOnline              *string               `json:"max_online"`
	MovingAverageCost      *string               `json:"moving_average_cost"`
	Name                   string                `json:"name"`
	OnlineOrdering         bool                  `json:"online_ordering"`
	Opt1                   *string               `json:"opt1"`
	Opt2                   *string               `json:"opt2"`
	Opt3                   *string               `json:"opt3"`
	Position               int                   `json:"position"`
	ProductName            string                `json:"product_name"`
	ProductStatus          string                `json:"product_status"`
	ProductType            *string               `json:"product_type"`
	RetailPrice            *string               `json:"retail_price"`
	Sellable               bool                  `json:"sellable"`
	SKU                    string                `json:"sku"`
	Status                 string                `json:"status"`
	StockOnHand            string                `json:"stock_on_hand"`
	SupplierCode           *string               `json:"supplier_code"`
	Taxable                bool                  `json:"taxable"`
	UPC                    *string               `json:"upc"`
	Weight                 *string               `json:"weight"`
	WeightUnit             *string               `json:"weight_unit"`
	WeightValue            *string               `json:"weight_value"`
	WholesalePrice         *string               `json:"wholesale_price"`
	ImageIDs               []int64               `json:"image_ids"`
	VariantPrices          []variantPriceJSON    `json:"variant_prices"`
	Locations              []variantLocationJSON `json:"locations"`
	Prices                 object                `json:"prices"`
	StockLevels            object                `json:"stock_levels"`
	CommittedStockLevels   object                `json:"committed_stock_levels"`
}

type variantPriceJSON struct {
	PriceListID string `json:"price_list_id"`
	Value       string `json:"value"`
}

type variantLocationJSON struct {
	LocationID          int64   `json:"location_id"`
	StockOnHand         string  `json:"stock_on_hand"`
	Committed           *string `json:"committed"`
	Incoming            *string `json:"incoming"`
	BinLocation         *string `json:"bin_location"`
	ReorderPoint        *string `json:"reorder_point"`
	ProductionCommitted string  `json:"production_committed"`
	ProductionIncoming  string  `json:"production_incoming"`
	Available           string  `json:"available"`
}

func (v *variant) wire() variantJSON {
	t := v.totals()
	w := variantJSON{
		ID:                     v.id,
		CreatedAt:              timestamp(v.createdAt),
		UpdatedAt:              timestamp(v.updatedAt),
		ProductID:              v.product.id,
		DefaultLedgerAccountID: v.defaultLedgerAccountID,
		BuyPrice:               ptrRails(v.buyPrice),
		CommittedStock:         plainDecimal(t.committed),
		AvailableStock:         plainDecimal(t.available),
		IncomingStock:          plainDecimal(t.incoming),
		HSCode:                 v.hsCode,
		CountryOfOrigin:        v.countryOfOrigin,
		Composite:              v.composite,
		Description:            v.description,
		KeepSelling:            v.keepSelling,
		LastCostPrice:          ptrRails(v.lastCostPrice),
		ManageStock:            v.manageStock,
		MaxOnline:              v.maxOnline,
		MovingAverageCost:      ptrPlain(v.movingAverageCost),
		Name:                   v.name,
		OnlineOrdering:         v.onlineOrdering,
		Opt1:                   v.opt1,
		Opt2:                   v.opt2,
		Opt3:                   v.opt3,
		Position:               v.position,
		ProductName:            v.product.name,
		ProductStatus:          v.product.status,
		ProductType:            v.product.productType,
		RetailPrice:            ptrRails(v.retailPrice),
		Sellable:               v.sellable,
		SKU:                    v.sku,
		Status:                 v.status,
		StockOnHand:            plainDecimal(t.onHand),
		SupplierCode:           v.supplierCode,
		Taxable:                v.taxable,
		UPC:                    v.upc,
		Weight:                 v.weight,
		WeightUnit:             v.weightUnit,
		WeightValue:            v.weightValue,
		WholesalePrice:         ptrRails(v.wholesalePrice),
		ImageIDs:               nonNil(slices.Clone(v.imageIDs)),
		VariantPrices:          []variantPriceJSON{},
		Locations:              []variantLocationJSON{},
		Prices:                 object{},
		StockLevels:            object{},
		CommittedStockLevels:   object{},
	}
	for _, pl := range []struct {
		id    string
		price *decimal.Decimal
	}{{"retail", v.retailPrice}, {"wholesale", v.wholesalePrice}, {"buy", v.buyPrice}} {
		if pl.price == nil {
			continue
		}
		w.VariantPrices = append(w.VariantPrices, variantPriceJSON{PriceListID: pl.id, Value: railsDecimal(*pl.price)})
		w.Prices = append(w.Prices, member{pl.id, railsDecimal(*pl.price)})
	}
	for _, l := range v.stock {
		w.Locations = append(w.Locations, variantLocationJSON{
			LocationID:          l.locationID,
			StockOnHand:         plainDecimal(l.onHand),
			Committed:           ptrPlain(l.committed),
			Incoming:            ptrPlain(l.incoming),
			BinLocation:         l.binLocation,
			ReorderPoint:        l.reorderPoint,
			ProductionCommitted: "0",
			ProductionIncoming:  "0",
			Available:           plainDecimal(l.available()),
		})
		key := strconv.FormatInt(l.locationID, 10)
		var level any = railsDecimal(l.onHand)
		if v.stockLevelsAsNumbers {
			level = decimalNumber(l.onHand)
		}
		w.StockLevels = append(w.StockLevels, member{key, level})
		if l.committed != nil && !l.committed.IsZero() {
			w.CommittedStockLevels = append(w.CommittedStockLevels, member{key, railsDecimal(*l.committed)})
		}
	}
	return w
}

func registerVariants(rt *router) {
	rt.get("/variants", listVariants)
	rt.get("/variants/{id}", showVariant)
	rt.put("/variants/{id}", updateVariant)
}

// variantFilter reads product_id= (ids, comma-separated or product_id[]=)
// and sku= (exact).
func variantFilter(q url.Values) (func(*variant) bool, error) {
	products, err := idSet(q, "product_id")
	if err != nil {
		return nil, err
	}
	skus := stringSet(q, "sku", false)
	return func(v *variant) bool {
		switch {
		case products != nil && !products[v.product.id],
			skus != nil && !skus[v.sku]:
			return false
		}
		return true
	}, nil
}

// GET /variants: status defaults to active.
func listVariants(c *call) (*response, error) {
	items, pg, err := listing[*variant]{
		records:       c.s.db.variantList,
		defaultStatus: variantDefaultStatuses,
		columns: map[string]func(a, b *variant) int{
			"sku":  func(a, b *variant) int { return strings.Compare(a.sku, b.sku) },
			"name": func(a, b *variant) int { return strings.Compare(a.name, b.name) },
		},
		filter: variantFilter,
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]variantJSON, len(items))
	for i, v := range items {
		out[i] = v.wire()
	}
	return indexResponse("variants", out, nil, pg), nil
}

// GET /variants/{id}: any status.
func showVariant(c *call) (*response, error) {
	v, err := findVariant(c)
	if err != nil {
		return nil, err
	}
	return showResponse("variant", v.wire(), nil), nil
}

func findVariant(c *call) (*variant, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	v := c.s.db.variants[id]
	if v == nil {
		return nil, notFound("Variant", raw)
	}
	return v, nil
}

// PUT /variants/{id} → 204. The attributes sent change, the others stay;
// nothing announces it (variant.stock_level_update is about stock only).
func updateVariant(c *call) (*response, error) {
	v, err := findVariant(c)
	if err != nil {
		return nil, err
	}
	a, err := decodeRoot(c.body, "variant")
	if err != nil {
		return nil, err
	}
	if err := c.s.db.updateVariant(v, a, c.now(), false); err != nil {
		return nil, err
	}
	return noContentResponse(), nil
}

// variantUpdateKeys are the attributes an update reads: the arguments of
// the variant creation call the sandbox models, less those only a
// creation takes (product_id, composite, initial_*). status is read-only
// in the spec and in the vendor's client, so the API ignores it; the Go
// control API (UpdateVariant) takes it, as a merchant archives a variant
// in the web app. Anything else (image_ids, purchasable, unknown names) is
// ignored, as Rails drops parameters it does not permit.
var variantUpdateKeys = []string{
	"name", "description", "sku", "upc", "supplier_code", "hs_code", "country_of_origin",
	"opt1", "opt2", "opt3", "retail_price", "wholesale_price", "buy_price", "variant_prices",
	"default_ledger_account_id", "keep_selling", "manage_stock", "online_ordering", "sellable",
	"taxable", "max_online", "position", "weight", "weight_unit",
}

// variantStatuses are the statuses a variant may have.
var variantStatuses = []string{"active", "archived"}

// weightUnits are the units the spec lists.
var weightUnits = []string{"kg", "g", "oz", "lb"}

// updateVariant validates an update and applies it, or changes nothing;
// withStatus also reads status (the control API). updated_at moves
// (always forward) only when something changed.
func (db *store) updateVariant(v *variant, a attrs, now time.Time, withStatus bool) error {
	cp := *v
	errs := fieldErrors{}
	applyVariant(&cp, a, errs)
	if withStatus {
		enumField(a, errs, "", "status", variantStatuses, &cp.status)
	}
	if err := errs.err(); err != nil {
		return err
	}
	if !sameWire(v.wire(), cp.wire()) {
		cp.touch(now)
	}
	*v = cp
	return nil
}

// applyVariant sets the attributes sent; errors are recorded, not applied.
func applyVariant(v *variant, a attrs, errs fieldErrors) {
	if a.has("name") {
		if s, ok := a.str("name"); !ok {
			errs.add("name", msgInvalid)
		} else if blank(s) {
			errs.add("name", msgBlank)
		} else {
			v.name = strings.TrimSpace(*s)
		}
	}
	if a.has("sku") {
		if s, ok := a.str("sku"); !ok {
			errs.add("sku", msgInvalid)
		} else if s == nil {
			v.sku = ""
		} else {
			v.sku = strings.TrimSpace(*s)
		}
	}
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"description", &v.description}, {"upc", &v.upc}, {"supplier_code", &v.supplierCode},
		{"hs_code", &v.hsCode}, {"country_of_origin", &v.countryOfOrigin},
		{"opt1", &v.opt1}, {"opt2", &v.opt2}, {"opt3", &v.opt3},
	} {
		strField(a, errs, "", f.key, f.dst)
	}
	idField(a, errs, "", "default_ledger_account_id", &v.defaultLedgerAccountID)

	// Prices: variant_prices first, so retail_price and the like win.
	if a.has("variant_prices") {
		prices, ok := a.objects("variant_prices")
		if !ok {
			errs.add("variant_prices", msgInvalid)
		}
		for _, p := range prices {
			var dst **decimal.Decimal
			switch list, _ := p.str("price_list_id"); {
			case list == nil:
				errs.add("variant_prices.price_list_id", msgBlank)
			case *list == "retail":
				dst = &v.retailPrice
			case *list == "wholesale":
				dst = &v.wholesalePrice
			case *list == "buy":
				dst = &v.buyPrice
			default:
				errs.add("variant_prices.price_list_id", msgInvalid)
			}
			if dst != nil {
				priceField(p, errs, "variant_prices.", "value", dst)
			}
		}
	}
	for _, f := range []struct {
		key string
		dst **decimal.Decimal
	}{{"retail_price", &v.retailPrice}, {"wholesale_price", &v.wholesalePrice}, {"buy_price", &v.buyPrice}} {
		priceField(a, errs, "", f.key, f.dst)
	}

	for _, f := range []struct {
		key string
		dst *bool
	}{
		{"keep_selling", &v.keepSelling}, {"manage_stock", &v.manageStock}, {"online_ordering", &v.onlineOrdering},
		{"sellable", &v.sellable}, {"taxable", &v.taxable},
	} {
		if !a.has(f.key) {
			continue
		}
		if b, ok := a.boolean(f.key); !ok || b == nil {
			errs.add(f.key, msgInvalid)
		} else {
			*f.dst = *b
		}
	}
	if a.has("max_online") {
		switch d, ok := a.dec("max_online"); {
		case !ok:
			errs.add("max_online", msgNotNumber)
		case d == nil:
			v.maxOnline = nil
		case d.IsNegative():
			errs.add("max_online", msgNegative)
		default:
			v.maxOnline = ptrPlain(d)
		}
	}
	if a.has("position") {
		switch n, ok := a.id("position"); {
		case !ok:
			errs.add("position", msgNotNumber)
		case n != nil:
			v.position = int(*n)
		}
	}
	if a.has("weight") {
		switch d, ok := a.dec("weight"); {
		case !ok:
			errs.add("weight", msgNotNumber)
		case d == nil:
			v.weight, v.weightValue = nil, nil
		case d.IsNegative():
			errs.add("weight", msgNegative)
		default:
			v.weight, v.weightValue = ptrPlain(d), ptrRails(d)
		}
	}
	if a.has("weight_unit") {
		switch u, ok := a.str("weight_unit"); {
		case !ok || (!blank(u) && !slices.Contains(weightUnits, strings.TrimSpace(*u))):
			errs.add("weight_unit", msgNotInList)
		case blank(u):
			v.weightUnit = nil
		default:
			v.weightUnit = str(strings.TrimSpace(*u))
		}
	}
}

// priceField reads a price into *dst when it was sent: a decimal string
// ("12.0") or number, at least 0; null or "" takes the variant off that
// price list.
func priceField(a attrs, errs fieldErrors, prefix, key string, dst **decimal.Decimal) {
	if !a.has(key) {
		return
	}
	switch d, ok := a.dec(key); {
	case !ok:
		errs.add(prefix+key, msgNotNumber)
	case d != nil && d.IsNegative():
		errs.add(prefix+key, msgNegative)
	default:
		*dst = d
	}
}
