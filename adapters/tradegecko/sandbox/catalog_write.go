package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// NewProduct describes a product AddProduct creates, as a merchant would
// in the web app.
type NewProduct struct {
	Name        string // required
	ProductType string
	Brand       string
	Tags        []string
	Variants    []NewVariant
}

// NewVariant is one variant of a NewProduct. Prices are decimal strings
// ("3.5"); an empty one leaves the variant off that price list.
type NewVariant struct {
	SKU, Name                             string // Name is required
	RetailPrice, WholesalePrice, BuyPrice string
	StockOnHand                           map[int64]string // location id → stock on hand ("10", "2.5")
}

// AddProduct creates an active product with its variants (ids after the
// seeded ones, created_at the sandbox clock's now) and announces
// product.create and variant.create to the webhooks subscribed. It answers
// the new ids. It fails for a missing name, a malformed decimal, and
// (wrapping ErrUnknown) an unknown location.
func (s *Sandbox) AddProduct(np NewProduct) (productID int64, variantIDs []int64, err error) {
	if strings.TrimSpace(np.Name) == "" {
		return 0, nil, errors.New("sandbox: add product: a name is required")
	}
	type parsed struct {
		prices [3]*decimal.Decimal
		stock  []*stockLevel
	}
	vs := make([]parsed, len(np.Variants))
	for i, nv := range np.Variants {
		if strings.TrimSpace(nv.Name) == "" {
			return 0, nil, fmt.Errorf("sandbox: add product: variant %d: a name is required", i+1)
		}
		for j, p := range []string{nv.RetailPrice, nv.WholesalePrice, nv.BuyPrice} {
			if p == "" {
				continue
			}
			d, err := parseDecimal(p)
			if err != nil {
				return 0, nil, fmt.Errorf("sandbox: add product: variant %d: %w", i+1, err)
			}
			vs[i].prices[j] = &d
		}
		for loc, qty := range nv.StockOnHand {
			d, err := parseDecimal(qty)
			if err != nil {
				return 0, nil, fmt.Errorf("sandbox: add product: variant %d: %w", i+1, err)
			}
			vs[i].stock = append(vs[i].stock, &stockLevel{locationID: loc, onHand: d})
		}
		slices.SortFunc(vs[i].stock, func(a, b *stockLevel) int { return int(a.locationID - b.locationID) })
	}

	now := s.now().UTC().Truncate(time.Millisecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vs {
		for _, l := range v.stock {
			if s.db.locations[l.locationID] == nil {
				return 0, nil, fmt.Errorf("sandbox: add product: %w: location %d", ErrUnknown, l.locationID)
			}
		}
	}
	var id int64
	for _, p := range s.db.productList {
		id = max(id, p.id)
	}
	p := &product{id: id + 1, createdAt: now, updatedAt: now, name: strings.TrimSpace(np.Name), status: "active", tags: nonNil(slices.Clone(np.Tags))}
	if np.ProductType != "" {
		p.productType = str(np.ProductType)
	}
	if np.Brand != "" {
		p.brand = str(np.Brand)
	}
	s.db.addProduct(p)
	s.db.emit("product.create", p.id)
	for i, nv := range np.Variants {
		v := &variant{
			id: s.db.nextVariantID, product: p, createdAt: now, updatedAt: now,
			name: nv.Name, opt1: str(nv.Name), sku: nv.SKU, position: i + 1, status: "active",
			retailPrice: vs[i].prices[0], wholesalePrice: vs[i].prices[1], buyPrice: vs[i].prices[2],
			manageStock: true, onlineOrdering: true, sellable: true, taxable: true, composite: ptr(false),
			stock: vs[i].stock,
		}
		s.db.addVariant(v)
		variantIDs = append(variantIDs, v.id)
		s.db.emit("variant.create", v.id)
	}
	s.flushEvents("")
	return p.id, variantIDs, nil
}

// UpdateProduct edits a product as a merchant would in the web app: fields
// are the attributes of PUT /products/{id} with the values that body takes
// ({"name": "Giant Egg", "tags": []string{"candy"}, "status": "disabled"};
// decimals as strings), validated the same way. updated_at moves to the
// sandbox clock's now (always forward) when something changed, so
// updated_at_min polling finds the edit; no webhook fires, as TradeGecko
// announces no edits. It fails, changing nothing, for an unknown product
// (wrapping ErrUnknown), a field the API does not write (unlike the API,
// which ignores those, so a typo in a test cannot pass unnoticed), and a
// value the API would refuse (the error names the field and Rails'
// message).
func (s *Sandbox) UpdateProduct(id int64, fields map[string]any) error {
	a, err := controlFields(fields, productUpdateKeys)
	if err != nil {
		return fmt.Errorf("sandbox: update product %d: %w", id, err)
	}
	return s.updateProduct(id, a)
}

// UpdateVariant edits a variant as a merchant would in the web app: fields
// are the attributes of PUT /variants/{id} with the values that body takes
// ({"name": "Jumbo", "retail_price": "49.5", "keep_selling": true}), plus
// status ("active" or "archived"), which the API ignores. Otherwise as
// UpdateProduct.
func (s *Sandbox) UpdateVariant(id int64, fields map[string]any) error {
	a, err := controlFields(fields, variantControlKeys)
	if err != nil {
		return fmt.Errorf("sandbox: update variant %d: %w", id, err)
	}
	return s.updateVariant(id, a)
}

// variantControlKeys are what UpdateVariant takes: the API's keys and
// status.
var variantControlKeys = append(slices.Clone(variantUpdateKeys), "status")

func (s *Sandbox) updateProduct(id int64, a attrs) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.db.products[id]
	if p == nil {
		return fmt.Errorf("sandbox: update product: %w: product %d", ErrUnknown, id)
	}
	if err := s.db.updateProduct(p, a, now); err != nil {
		return fmt.Errorf("sandbox: update product %d: %w", id, err)
	}
	return nil
}

func (s *Sandbox) updateVariant(id int64, a attrs) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.db.variants[id]
	if v == nil {
		return fmt.Errorf("sandbox: update variant: %w: variant %d", ErrUnknown, id)
	}
	if err := s.db.updateVariant(v, a, now, true); err != nil {
		return fmt.Errorf("sandbox: update variant %d: %w", id, err)
	}
	return nil
}

// errUnknownField is a control update naming an attribute it cannot set.
var errUnknownField = errors.New("unknown field")

// controlFields turns a control update into attrs, refusing names outside
// known (in sorted order, so the error is deterministic).
func controlFields(fields map[string]any, known []string) (attrs, error) {
	keys := slices.Sorted(maps.Keys(fields))
	a := make(attrs, len(fields))
	for _, k := range keys {
		if !slices.Contains(known, k) {
			return nil, fmt.Errorf("%w %q (known: %s)", errUnknownField, k, strings.Join(known, ", "))
		}
		raw, err := json.Marshal(fields[k])
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", k, err)
		}
		a[k] = raw
	}
	return a, nil
}
