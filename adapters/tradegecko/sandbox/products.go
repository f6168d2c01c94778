package sandbox

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// productDefaultStatuses is what GET /products lists without status=:
// archived (soft-deleted) products are left out.
var productDefaultStatuses = []string{"active", "disabled"}

// product is a catalog product. Its variants hang off it (every variant,
// archived ones included, in id order); images are referred to by id.
type product struct {
	id                   int64
	createdAt, updatedAt time.Time
	brand                *string
	description          *string
	imageURL             *string
	name                 string
	opt1, opt2, opt3     *string
	productType          *string
	status               string // active, disabled, archived
	supplier             *string
	supplierIDs          []int64
	tags                 []string // nil renders null
	imageIDs             []int64
	variants             []*variant
}

func (p *product) meta() recordMeta {
	return recordMeta{id: p.id, created: p.createdAt, updated: p.updatedAt, status: p.status}
}

// liveVariants are the product's non-archived variants in id order: what
// variant_ids lists and include=variants sideloads.
func (p *product) liveVariants() []*variant {
	var out []*variant
	for _, v := range p.variants {
		if v.status != "archived" {
			out = append(out, v)
		}
	}
	return out
}

// quantity is the sum of the live variants' available stock (the spec's
// Gobstopper: 10 + 7 = "17").
func (p *product) quantity() decimal.Decimal {
	q := decimal.Zero
	for _, v := range p.liveVariants() {
		q = q.Add(v.totals().available)
	}
	return q
}

// searchCache is "SKU name" for each live variant in position order, as
// the spec shows ("DEMO-GOBS-PEA Peach DEMO-GOBS-SNO Snozzberry").
func (p *product) searchCache() string {
	vs := p.liveVariants()
	slices.SortStableFunc(vs, func(a, b *variant) int { return a.position - b.position })
	parts := make([]string, 0, 2*len(vs))
	for _, v := range vs {
		parts = append(parts, v.sku, v.name)
	}
	return strings.Join(parts, " ")
}

func (p *product) hasTag(tags map[string]bool) bool {
	for _, t := range p.tags {
		if tags[t] {
			return true
		}
	}
	return false
}

// productJSON follows the spec's example, deprecated fields included: tags
// is a comma-separated string (documented as an Array), quantity a decimal
// string.
type productJSON struct {
	ID          int64   `json:"id"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
	Brand       *string `json:"brand"`
	Description *string `json:"description"`
	ImageURL    *string `json:"image_url"`
	Name        string  `json:"name"`
	Opt1        *string `json:"opt1"`
	Opt2        *string `json:"opt2"`
	Opt3        *string `json:"opt3"`
	ProductType *string `json:"product_type"`
	Quantity    string  `json:"quantity"`
	SearchCache string  `json:"search_cache"`
	Status      string  `json:"status"`
	Supplier    *string `json:"supplier"`
	SupplierIDs []int64 `json:"supplier_ids"`
	ImageIDs    []int64 `json:"image_ids"`
	Tags        *string `json:"tags"`
	VariantIDs  []int64 `json:"variant_ids"`
	Vendor      *string `json:"vendor"`
}

func (p *product) wire() productJSON {
	var tags *string
	if p.tags != nil {
		t := strings.Join(p.tags, ",")
		tags = &t
	}
	live := p.liveVariants()
	ids := make([]int64, len(live))
	for i, v := range live {
		ids[i] = v.id
	}
	return productJSON{
		ID:          p.id,
		CreatedAt:   timestamp(p.createdAt),
		UpdatedAt:   timestamp(p.updatedAt),
		Brand:       p.brand,
		Description: p.description,
		ImageURL:    p.imageURL,
		Name:        p.name,
		Opt1:        p.opt1,
		Opt2:        p.opt2,
		Opt3:        p.opt3,
		ProductType: p.productType,
		Quantity:    plainDecimal(p.quantity()),
		SearchCache: p.searchCache(),
		Status:      p.status,
		Supplier:    p.supplier,
		SupplierIDs: nonNil(p.supplierIDs),
		ImageIDs:    nonNil(p.imageIDs),
		Tags:        tags,
		VariantIDs:  ids,
		Vendor:      p.supplier, // deprecated twin of supplier
	}
}

func registerProducts(rt *router) {
	rt.get("/products", listProducts)
	rt.get("/products/{id}", showProduct)
	rt.put("/products/{id}", updateProduct)
}

// productFilter reads brand=, product_type= (exact; several with brand[]=)
// and tags= (any of them; comma-separated or tags[]=).
func productFilter(q url.Values) (func(*product) bool, error) {
	brands := stringSet(q, "brand", false)
	types := stringSet(q, "product_type", false)
	tags := stringSet(q, "tags", true)
	return func(p *product) bool {
		switch {
		case brands != nil && (p.brand == nil || !brands[*p.brand]),
			types != nil && (p.productType == nil || !types[*p.productType]),
			tags != nil && !p.hasTag(tags):
			return false
		}
		return true
	}, nil
}

// GET /products
func listProducts(c *call) (*response, error) {
	items, pg, err := listing[*product]{
		records:       c.s.db.productList,
		defaultStatus: productDefaultStatuses,
		columns: map[string]func(a, b *product) int{
			"name": func(a, b *product) int { return strings.Compare(a.name, b.name) },
		},
		filter: productFilter,
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]productJSON, len(items))
	for i, p := range items {
		out[i] = p.wire()
	}
	var side object
	if !c.s.ignoreIndexInclude {
		side = productSideloads(c.s.db, items, includes(c.query))
	}
	return indexResponse("products", out, side, pg), nil
}

// GET /products/{id}: any status, include= always honoured.
func showProduct(c *call) (*response, error) {
	p, err := findProduct(c)
	if err != nil {
		return nil, err
	}
	return showResponse("product", p.wire(), productSideloads(c.s.db, []*product{p}, includes(c.query))), nil
}

func findProduct(c *call) (*product, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	p := c.s.db.products[id]
	if p == nil {
		return nil, notFound("Product", raw)
	}
	return p, nil
}

// PUT /products/{id} → 204. The attributes sent change, the others stay;
// nothing announces it (the spec lists no product.update event).
func updateProduct(c *call) (*response, error) {
	p, err := findProduct(c)
	if err != nil {
		return nil, err
	}
	a, err := decodeRoot(c.body, "product")
	if err != nil {
		return nil, err
	}
	if err := c.s.db.updateProduct(p, a, c.now()); err != nil {
		return nil, err
	}
	return noContentResponse(), nil
}

// productWritableStatuses are the statuses an update may set. Archiving
// is DELETE /products/{id}, which the sandbox does not serve.
var productWritableStatuses = []string{"active", "disabled"}

// productUpdateKeys are the attributes an update reads: the arguments of
// the product creation call the sandbox models, plus status, which the
// spec marks read-only but the vendor's own client writes. Anything else
// (quantity, image_ids, embedded variants, unknown names) is ignored, as
// Rails drops parameters it does not permit.
var productUpdateKeys = []string{
	"name", "description", "brand", "product_type", "opt1", "opt2", "opt3",
	"tags", "status", "supplier", "vendor", "supplier_ids",
}

// updateProduct validates an update and applies it, or changes nothing.
// updated_at moves (always forward) only when something changed, as
// Rails saves nothing for an update that changes nothing.
func (db *store) updateProduct(p *product, a attrs, now time.Time) error {
	cp := *p
	errs := fieldErrors{}
	db.applyProduct(&cp, a, errs)
	if err := errs.err(); err != nil {
		return err
	}
	if !sameWire(p.wire(), cp.wire()) {
		cp.updatedAt = later(p.updatedAt, now)
	}
	*p = cp
	return nil
}

// applyProduct sets the attributes sent; errors are recorded, not applied.
func (db *store) applyProduct(p *product, a attrs, errs fieldErrors) {
	if a.has("name") {
		if v, ok := a.str("name"); !ok {
			errs.add("name", msgInvalid)
		} else if blank(v) {
			errs.add("name", msgBlank)
		} else {
			p.name = strings.TrimSpace(*v)
		}
	}
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"description", &p.description}, {"brand", &p.brand}, {"product_type", &p.productType},
		{"opt1", &p.opt1}, {"opt2", &p.opt2}, {"opt3", &p.opt3},
		{"vendor", &p.supplier}, {"supplier", &p.supplier}, // the deprecated twin first: supplier wins
	} {
		strField(a, errs, "", f.key, f.dst)
	}
	if a.has("tags") {
		if tags, ok := a.stringList("tags"); !ok {
			errs.add("tags", msgInvalid)
		} else {
			p.tags = tags
		}
	}
	enumField(a, errs, "", "status", productWritableStatuses, &p.status)
	if a.has("supplier_ids") {
		ids, ok := a.idList("supplier_ids")
		var names []string
		for _, id := range ids {
			if co, found := db.companies.get(id); found {
				names = append(names, co.name)
			} else {
				ok = false
			}
		}
		switch {
		case !ok:
			errs.add("supplier_ids", msgInvalid)
		default:
			p.supplierIDs = ids
			if len(names) > 0 && !a.has("supplier") && !a.has("vendor") {
				p.supplier = str(names[0]) // the supplier's name follows its id
			}
		}
	}
}

// productSideloads answers include=variants (the products' live variants)
// and include=images (their images), in the order asked; other names are
// ignored.
func productSideloads(db *store, products []*product, names []string) object {
	var side object
	for _, name := range names {
		switch name {
		case "variants":
			vs := []variantJSON{}
			for _, p := range products {
				for _, v := range p.liveVariants() {
					vs = append(vs, v.wire())
				}
			}
			side = append(side, member{"variants", vs})
		case "images":
			is := []imageJSON{}
			for _, p := range products {
				for _, id := range p.imageIDs {
					if img := db.images[id]; img != nil {
						is = append(is, img.wire())
					}
				}
			}
			side = append(side, member{"images", is})
		}
	}
	return side
}
