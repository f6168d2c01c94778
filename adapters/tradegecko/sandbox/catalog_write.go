package sandbox

import (
	"errors"
	"fmt"
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
