package sandbox

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// store is the sandbox's in-memory database, guarded by Sandbox.mu. Each
// resource has a map by id and a list in id order.
type store struct {
	account *account

	currencies   map[int64]*currency
	currencyList []*currency
	locations    map[int64]*location
	locationList []*location
	products     map[int64]*product
	productList  []*product
	variants     map[int64]*variant
	variantList  []*variant
	images       map[int64]*image
	imageList    []*image

	nextVariantID int64
	nextImageID   int64

	// Relationships, sales and webhooks (see companies.go, orders.go, …).
	companies        *table[*company]
	addresses        *table[*address]
	paymentMethods   *table[*paymentMethod]
	orders           *table[*order]
	orderLines       *table[*orderLine]
	invoices         *table[*invoice]
	payments         *table[*payment]
	fulfillments     *table[*fulfillment]
	fulfillmentLines *table[*fulfillmentLine]
	returns          *table[*fulfillmentReturn]
	returnLines      *table[*returnLine]
	webhooks         *table[*webhook]

	nextOrderNumber   int // SO0001, …
	nextInvoiceNumber int // INV0001, …
	nextCreditNote    int // CN0001, …
	nextInvoiceLineID int64

	// events are the webhook events of the change in progress, sent by
	// Sandbox.flushEvents once it succeeded.
	events []event
}

// table holds one resource: a map by id and a list in id order. Ids are
// handed out by next.
type table[T listable] struct {
	byID   map[int64]T
	list   []T
	nextID int64
}

func newTable[T listable]() *table[T] { return &table[T]{byID: map[int64]T{}, nextID: 1} }

// next reserves the next id.
func (t *table[T]) next() int64 {
	id := t.nextID
	t.nextID++
	return id
}

// add stores v under its id (already set).
func (t *table[T]) add(v T) {
	id := v.meta().id
	t.byID[id] = v
	t.list = append(t.list, v)
	t.nextID = max(t.nextID, id+1)
}

func (t *table[T]) get(id int64) (T, bool) {
	v, ok := t.byID[id]
	return v, ok
}

// remove forgets a record for good (webhooks only: the rest is soft-deleted).
func (t *table[T]) remove(id int64) {
	delete(t.byID, id)
	t.list = slices.DeleteFunc(t.list, func(v T) bool { return v.meta().id == id })
}

func newStore() *store {
	return &store{
		currencies:    map[int64]*currency{},
		locations:     map[int64]*location{},
		products:      map[int64]*product{},
		variants:      map[int64]*variant{},
		images:        map[int64]*image{},
		nextVariantID: 1,
		nextImageID:   1,

		companies:         newTable[*company](),
		addresses:         newTable[*address](),
		paymentMethods:    newTable[*paymentMethod](),
		orders:            newTable[*order](),
		orderLines:        newTable[*orderLine](),
		invoices:          newTable[*invoice](),
		payments:          newTable[*payment](),
		fulfillments:      newTable[*fulfillment](),
		fulfillmentLines:  newTable[*fulfillmentLine](),
		returns:           newTable[*fulfillmentReturn](),
		returnLines:       newTable[*returnLine](),
		webhooks:          newTable[*webhook](),
		nextOrderNumber:   1,
		nextInvoiceNumber: 1,
		nextCreditNote:    1,
	}
}

func (db *store) addCurrency(c *currency) {
	db.currencies[c.id] = c
	db.currencyList = append(db.currencyList, c)
}

func (db *store) addLocation(l *location) {
	db.locations[l.id] = l
	db.locationList = append(db.locationList, l)
}

func (db *store) addProduct(p *product) {
	db.products[p.id] = p
	db.productList = append(db.productList, p)
}

// addVariant stores v (its id already set) under its product.
func (db *store) addVariant(v *variant) {
	db.variants[v.id] = v
	db.variantList = append(db.variantList, v)
	v.product.variants = append(v.product.variants, v)
	db.nextVariantID = max(db.nextVariantID, v.id+1)
}

// addImage stores img (its id already set) and links it to its product and
// variants.
func (db *store) addImage(img *image) {
	db.images[img.id] = img
	db.imageList = append(db.imageList, img)
	db.nextImageID = max(db.nextImageID, img.id+1)
}

// seed builds the demo data: the spec's examples, then nProducts-2
// generated products from a PCG seeded with seedValue. Nothing here reads
// the clock or iterates a map, so the same arguments give the same data.
func seed(nProducts int, seedValue uint64) *store {
	db := newStore()
	seedReference(db)
	seedRelationships(db)
	seedSpecCatalog(db)
	g := &generator{rng: rand.New(rand.NewPCG(seedValue, 0x7472616465676563)), db: db}
	created := mustTime("2015-11-02T01:22:24.817Z").Add(40 * time.Minute)
	for id := int64(3); id <= int64(nProducts); id++ {
		created = created.Add(time.Duration(30+g.rng.IntN(60*24*3))*time.Minute + time.Duration(g.rng.IntN(1000))*time.Millisecond)
		g.product(id, created)
	}
	return db
}

// seedReference adds the account, its currencies and locations.
func seedReference(db *store) {
	db.account = &account{
		id:                              1,
		createdAt:                       mustTime("2015-11-02T01:22:23.803Z"),
		updatedAt:                       mustTime("2015-11-02T01:22:24.326Z"),
		contactEmail:                    "lcp@tradegecko.com",
		country:                         "NZ",
		defaultOrderPriceListID:         "wholesale",
		defaultPurchaseOrderPriceListID: "buy",
		name:                            "Bob's Burgers",
		timeZone:                        "Pacific/Auckland",
		primaryLocationID:               1,
		defaultCurrencyID:               1,
		locationIDs:                     []int64{1, 2, 3},
		userIDs:                         []int64{1},
	}

	currencyTime := mustTime("2015-11-02T01:22:23.947Z")
	for _, c := range []*currency{
		{id: 1, iso: "SGD", name: "Singaporean Dollars", rate: "1.0", createdAt: currencyTime},
		{id: 2, iso: "NZD", name: "New Zealand Dollars", rate: "1.1", createdAt: currencyTime},
		{id: 3, iso: "USD", name: "US Dollars", rate: "0.74", createdAt: mustTime("2016-01-12T04:10:31.208Z")},
	} {
		c.updatedAt = c.createdAt
		c.delimiter, c.format, c.precision, c.separator, c.symbol = ",", "%u%n", 2, ".", "$"
		c.status, c.subunit = "active", 100
		db.addCurrency(c)
	}

	locationTime := mustTime("2015-11-02T01:22:24.335Z")
	for _, l := range []*location{
		{id: 1, label: "Primary Location", createdAt: locationTime},
		{id: 2, label: "Secondary Location", createdAt: locationTime},
		{
			id: 3, label: "Auckland Warehouse", createdAt: mustTime("2016-02-15T03:10:11.512Z"),
			address1: str("12 Fanshawe Street"), city: str("Auckland"), suburb: str("Auckland CBD"), zipCode: str("1010"),
		},
	} {
		l.updatedAt = l.createdAt
		l.country, l.holdsStock, l.status = "NZ", true, "active"
		db.addLocation(l)
	}
}

// seedSpecCatalog adds the spec's example products, variants and images
// (see the package documentation for the facts tests rely on).
func seedSpecCatalog(db *store) {
	gobstopper := &product{
		id:          1,
		createdAt:   mustTime("2015-11-02T01:22:24.660Z"),
		updatedAt:   mustTime("2015-11-02T01:22:24.660Z"),
		description: str("These everlasting gobstoppers will never run out. Just keep going forever and ever, full flavour guaranteed"),
		name:        "Everlasting Gobstopper",
		opt1:        str("Flavour"),
		productType: str("Candy"),
		status:      "active",
		supplier:    str("Wonka Candy"),
		supplierIDs: []int64{3},
		tags:        []string{"candy", "summer"},
		imageIDs:    []int64{1, 2},
	}
	egg := &product{
		id:          2,
		createdAt:   mustTime("2015-11-02T01:22:24.817Z"),
		updatedAt:   mustTime("2015-11-02T01:22:24.817Z"),
		description: str("All ready for Easter, our giant golden chocolate eggs are just what the doctor ordered, adults and children alike"),
		name:        "Golden Egg",
		opt1:        str("Size"),
		productType: str("Chocolate"),
		status:      "active",
		supplier:    str("Wonka Candy"),
		supplierIDs: []int64{3},
		tags:        []string{"candy", "chocolate"},
		imageIDs:    []int64{3, 4},
	}
	db.addProduct(gobstopper)
	db.addProduct(egg)

	// specVariant fills the fields the spec's two variant examples share.
	specVariant := func(id int64, p *product, created, updated, sku, name string, position int, retail, wholesale, buy, lastCost, avgCost string) *variant {
		return &variant{
			id: id, product: p, createdAt: mustTime(created), updatedAt: mustTime(updated),
			sku: sku, name: name, opt1: str(name), position: position, status: "active",
			retailPrice: decp(retail), wholesalePrice: decp(wholesale), buyPrice: decp(buy),
			lastCostPrice: decp(lastCost), movingAverageCost: decp(avgCost),
			hsCode: str("110100"), countryOfOrigin: str("SG"),
			manageStock: true, onlineOrdering: true, sellable: true, taxable: true,
		}
	}

	// Variant 1: an archived flavour, the variant the spec's image examples
	// point at (variant_id 1); it is why product 1 lists variant_ids [2, 3].
	lime := specVariant(1, gobstopper, "2015-11-02T01:22:24.701Z", "2015-11-02T01:33:58.120Z",
		"DEMO-GOBS-LIM", "Lime", 1, "20.0", "12.0", "4.5", "5.0", "5")
	lime.status = "archived"
	lime.stock = []*stockLevel{{locationID: 1, onHand: dec("0")}}
	db.addVariant(lime)

	// Variant 2 and 3: exactly the spec's examples.
	snozzberry := specVariant(2, gobstopper, "2015-11-02T01:22:24.796Z", "2015-11-02T01:34:04.474Z",
		"DEMO-GOBS-SNO", "Snozzberry", 3, "24.0", "12.0", "4.5", "6.0", "6")
	snozzberry.stock = []*stockLevel{{locationID: 1, onHand: dec("10")}}
	snozzberry.stockLevelsAsNumbers = true
	peach := specVariant(3, gobstopper, "2015-11-02T01:22:24.772Z", "2015-11-02T01:34:04.502Z",
		"DEMO-GOBS-PEA", "Peach", 2, "22.0", "12.0", "4.5", "5.0", "5")
	peach.stock = []*stockLevel{{locationID: 1, onHand: dec("10"), committed: decp("3")}}
	db.addVariant(snozzberry)
	db.addVariant(peach)

	// Golden Egg: 20 - 2 + 12 + 2.5 = 32.5 available, the spec's quantity.
	eggVariant := func(id int64, created, updated, sku, name string, position int, retail, wholesale, buy string) *variant {
		v := specVariant(id, egg, created, updated, sku, name, position, retail, wholesale, buy, buy, buy)
		v.hsCode, v.countryOfOrigin = str("180690"), str("NZ")
		v.composite = ptr(false)
		return v
	}
	large := eggVariant(4, "2015-11-02T01:22:24.842Z", "2015-11-02T01:34:04.530Z", "DEMO-EGG-L", "Large", 1, "45.0", "30.0", "15.0")
	large.maxOnline = str("5")
	large.stock = []*stockLevel{{locationID: 1, onHand: dec("12")}, {locationID: 2, onHand: dec("8"), committed: decp("0")}}
	xl := eggVariant(5, "2015-11-02T01:22:24.861Z", "2015-11-02T01:34:04.545Z", "DEMO-EGG-XL", "Extra-Large", 2, "65.0", "40.0", "21.5")
	xl.keepSelling = true
	xl.stock = []*stockLevel{{locationID: 1, onHand: dec("0"), committed: decp("2")}}
	medium := eggVariant(6, "2015-11-02T01:22:24.880Z", "2015-11-02T01:34:04.560Z", "DEMO-EGG-M", "Medium", 3, "30.0", "20.0", "3.9321")
	medium.manageStock = false
	medium.stock = []*stockLevel{{locationID: 1, onHand: dec("12")}}
	small := eggVariant(7, "2015-11-02T01:22:24.899Z", "2015-11-02T01:34:04.575Z", "DEMO-EGG-S", "Small", 4, "18.0", "12.0", "6.0")
	small.stock = []*stockLevel{{locationID: 1, onHand: dec("2.5"), incoming: decp("10")}}
	for _, v := range []*variant{large, xl, medium, small} {
		db.addVariant(v)
	}

	// Images 1 and 2: exactly the spec's examples (image 2 has name "" and
	// no image_processing key). Images 3 and 4 belong to the Golden Egg;
	// image 4 came from the merchant's Shopify store, so its uploader_id is
	// "Shopify" (the shape real responses have for an integration's image).
	const specBase = "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/"
	versions := []string{"thumbnail", "medium"}
	for _, img := range []*image{
		{id: 1, productID: 1, createdAt: mustTime("2015-11-02T01:22:25.001Z"), variantID: ptr[int64](1), variantIDs: []int64{1, 2},
			position: 1, basePath: specBase + "2229", fileName: "shw005a_4.jpg", imageProcessing: ptr(true)},
		{id: 2, productID: 1, createdAt: mustTime("2015-11-02T01:22:25.102Z"), variantID: ptr[int64](1), variantIDs: []int64{1, 2},
			name: str(""), position: 1, basePath: specBase + "2231", fileName: "1xUh3yT8SN6SjK6l1WXw_photo_large.png"},
		{id: 3, productID: 2, createdAt: mustTime("2015-11-02T01:22:25.203Z"), variantID: ptr[int64](4), variantIDs: []int64{4, 5, 6, 7},
			position: 1, basePath: specBase + "2240", fileName: "golden_egg.jpg", imageProcessing: ptr(true)},
		{id: 4, productID: 2, createdAt: mustTime("2015-11-02T01:22:25.304Z"), variantID: ptr[int64](4), variantIDs: []int64{4},
			position: 2, basePath: specBase + "2241", fileName: "golden_egg_large.jpg", imageProcessing: ptr(true)},
	} {
		img.updatedAt, img.uploader, img.versions = img.createdAt, uploader{userID: 1}, versions
		db.addImage(img)
	}
	db.images[4].uploader = uploader{integration: "Shopify"}
	// The spec shows image_ids [] on variants 2 and 3 although images 1
	// and 2 name them; the Golden Egg's variants agree with their images.
	large.imageIDs = []int64{3, 4}
	for _, v := range []*variant{xl, medium, small} {
		v.imageIDs = []int64{3}
	}
}

// productKind drives the generated catalog.
type productKind struct {
	productType string
	code        string // SKU prefix
	hsCode      string
	option      string   // opt1
	values      []string // at least 6 option values
	nouns       []string
}

var productKinds = []productKind{
	{"Candy", "CAN", "170490", "Flavour", []string{"Strawberry", "Lime", "Cola", "Mango", "Blueberry", "Lemon", "Liquorice"}, []string{"Gobstopper", "Fizz Drops", "Jelly Beans", "Lollipop", "Toffee", "Gummies"}},
	{"Chocolate", "CHO", "180690", "Size", []string{"Mini", "Small", "Medium", "Large", "Extra-Large", "Family"}, []string{"Truffle Box", "Chocolate Bar", "Praline Egg", "Cocoa Bites", "Fudge"}},
	{"Apparel", "APP", "610910", "Size", []string{"XS", "S", "M", "L", "XL", "XXL"}, []string{"T-Shirt", "Hoodie", "Scarf", "Beanie", "Socks"}},
	{"Homeware", "HOM", "691200", "Colour", []string{"White", "Charcoal", "Sage", "Terracotta", "Navy", "Mustard"}, []string{"Mug", "Candle", "Tea Towel", "Cushion", "Vase"}},
	{"Stationery", "STA", "482010", "Colour", []string{"Black", "Red", "Blue", "Green", "Yellow", "Pink"}, []string{"Notebook", "Pen Set", "Planner", "Sticker Pack"}},
	{"Beverage", "BEV", "220210", "Volume", []string{"250ml", "330ml", "500ml", "750ml", "1L", "2L"}, []string{"Sparkling Water", "Cold Brew", "Kombucha", "Lemonade"}},
	{"Snacks", "SNK", "200819", "Weight", []string{"25g", "50g", "100g", "200g", "500g", "1kg"}, []string{"Trail Mix", "Kettle Chips", "Granola", "Rice Crackers"}},
}

var (
	adjectives = []string{"Golden", "Midnight", "Classic", "Wild", "Rustic", "Royal", "Tropical", "Alpine", "Velvet", "Crunchy", "Smoky", "Coastal", "Urban", "Honey", "Silver", "Sunny"}
	brands     = []string{"Wonka", "Kiwi Kitchen", "Harbour & Co", "Gecko Goods", "Alpine Trading", "Sunny Side"}
	suppliers  = []struct {
		id   int64
		name string
	}{{3, "Wonka Candy"}, {4, "Pacific Wholesale"}, {5, "Southern Cross Supply"}}
	tagPool   = []string{"candy", "chocolate", "summer", "winter", "sale", "new", "organic", "gift", "vegan", "limited", "bestseller"}
	colours   = []string{"Red", "Blue", "Black", "Grey", "Green"}
	countries = []string{"NZ", "SG", "AU", "US", "CN"}
	maxOnline = []string{"5", "10", "25"}
)

// generator makes the seeded part of the catalog.
type generator struct {
	rng *rand.Rand
	db  *store
}

func (g *generator) chance(percent int) bool { return g.rng.IntN(100) < percent }

func pick[T any](g *generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

func (g *generator) product(id int64, created time.Time) {
	kind := pick(g, productKinds)
	name := pick(g, adjectives) + " " + pick(g, kind.nouns)
	p := &product{
		id:          id,
		createdAt:   created,
		updatedAt:   created.Add(time.Duration(g.rng.IntN(400*24*60)) * time.Minute),
		name:        name,
		opt1:        str(kind.option),
		productType: str(kind.productType),
		status:      "active",
	}
	switch r := g.rng.IntN(100); {
	case r < 5:
		p.status = "disabled"
	case r < 9:
		p.status = "archived"
	}
	if g.chance(80) {
		p.brand = str(pick(g, brands))
	}
	if g.chance(85) {
		by := "our own workshop"
		if p.brand != nil {
			by = *p.brand
		}
		p.description = str(fmt.Sprintf("%s from %s, a customer favourite.", name, by))
	}
	if g.chance(90) {
		s := pick(g, suppliers)
		p.supplier, p.supplierIDs = str(s.name), []int64{s.id}
	}
	if !g.chance(8) {
		n := 1 + g.rng.IntN(3)
		for _, i := range g.rng.Perm(len(tagPool))[:n] {
			p.tags = append(p.tags, tagPool[i])
		}
	}
	apparel := kind.productType == "Apparel"
	if apparel {
		p.opt2 = str("Colour")
	}
	g.db.addProduct(p)

	nVariants := 1 + g.rng.IntN(6)
	values := g.rng.Perm(len(kind.values))[:nVariants]
	baseCents := int64(10+g.rng.IntN(390)) * 50
	variantCreated := created
	for j, vi := range values {
		variantCreated = variantCreated.Add(time.Duration(10+g.rng.IntN(70)) * time.Millisecond)
		g.variant(p, kind, j+1, kind.values[vi], apparel, baseCents, variantCreated)
	}
	if g.chance(70) {
		g.images(p, created)
	}
}

func (g *generator) variant(p *product, kind productKind, position int, value string, apparel bool, baseCents int64, created time.Time) {
	v := &variant{
		id:             g.db.nextVariantID,
		product:        p,
		createdAt:      created,
		updatedAt:      created.Add(time.Duration(g.rng.IntN(300*24*60)) * time.Minute),
		name:           value,
		opt1:           str(value),
		position:       position,
		sku:            fmt.Sprintf("%s-%04d-%d", kind.code, p.id, position),
		status:         "active",
		manageStock:    !g.chance(5),
		keepSelling:    g.chance(8),
		onlineOrdering: true,
		sellable:       true,
		taxable:        !g.chance(10),
	}
	if apparel {
		colour := pick(g, colours)
		v.opt2 = str(colour)
		v.name = value + " / " + colour
	}
	if p.status == "archived" || g.chance(4) {
		v.status = "archived"
	}

	// Prices: multiples of 0.50, some ending in .99/.49; wholesale 60 %,
	// buy 35 % of retail, one in twelve buy prices with four decimals.
	retail := baseCents + int64(g.rng.IntN(3))*100
	if g.chance(25) {
		retail--
	}
	v.retailPrice = decp(decimal.New(retail, -2).String())
	if !g.chance(5) {
		v.wholesalePrice = decp(decimal.New(retail*60/100, -2).String())
	}
	buy := decimal.New(retail*35/100, -2)
	if g.chance(8) {
		buy = decimal.New(retail*35+1+int64(g.rng.IntN(99)), -4)
	}
	v.buyPrice = &buy
	v.lastCostPrice = &buy
	v.movingAverageCost = &buy

	if g.chance(7) {
		v.maxOnline = str(pick(g, maxOnline))
	}
	if g.chance(50) {
		v.hsCode = str(kind.hsCode)
	}
	if g.chance(70) {
		v.countryOfOrigin = str(pick(g, countries))
	}
	if g.chance(80) {
		v.composite = ptr(false)
	}
	if g.chance(30) {
		w := 50 * (1 + g.rng.IntN(20))
		v.weight, v.weightUnit, v.weightValue = str(fmt.Sprint(w)), str("g"), str(fmt.Sprintf("%d.0", w))
	}
	if g.chance(30) {
		v.upc = str(fmt.Sprintf("94%011d", g.rng.Int64N(1e11)))
	}
	if g.chance(20) {
		v.supplierCode = str(fmt.Sprintf("SUP-%05d", g.rng.IntN(100000)))
	}
	v.stockLevelsAsNumbers = g.chance(10)

	// Stock: most variants at the primary location, fewer at the others.
	for _, loc := range []struct {
		id      int64
		percent int
	}{{1, 85}, {2, 45}, {3, 30}} {
		if !g.chance(loc.percent) {
			continue
		}
		l := &stockLevel{locationID: loc.id, onHand: decimal.NewFromInt(int64(g.rng.IntN(61)))}
		if g.chance(10) {
			l.onHand = l.onHand.Add(pick(g, []decimal.Decimal{decimal.New(5, -1), decimal.New(25, -2)}))
		}
		switch r := g.rng.IntN(10); {
		case r < 3:
			c := decimal.NewFromInt(int64(g.rng.IntN(int(min(l.onHand.IntPart(), 5)) + 1)))
			l.committed = &c
		case r < 6:
			l.committed = decp("0")
		}
		if g.chance(10) {
			l.incoming = decp(fmt.Sprint(1 + g.rng.IntN(20)))
		}
		if g.chance(15) {
			l.binLocation = str(fmt.Sprintf("%c%d", 'A'+rune(g.rng.IntN(6)), 1+g.rng.IntN(20)))
		}
		v.stock = append(v.stock, l)
	}
	g.db.addVariant(v)
}

func (g *generator) images(p *product, created time.Time) {
	live := p.liveVariants()
	n := 1 + g.rng.IntN(3)
	slug := strings.ToLower(strings.ReplaceAll(p.name, " ", "_"))
	for m := range n {
		img := &image{
			id:              g.db.nextImageID,
			productID:       p.id,
			createdAt:       created.Add(500*time.Millisecond + time.Duration(m)*100*time.Millisecond),
			uploader:        uploader{userID: 1},
			position:        m + 1,
			versions:        []string{"thumbnail", "medium"},
			imageProcessing: ptr(true),
		}
		img.updatedAt = img.createdAt
		img.basePath = fmt.Sprintf("https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/%d", 3000+img.id)
		img.fileName = fmt.Sprintf("%s_%d.jpg", slug, m+1)
		switch {
		case len(live) == 0:
		case m == 0:
			for _, v := range live {
				img.variantIDs = append(img.variantIDs, v.id)
			}
		default:
			img.variantIDs = []int64{pick(g, live).id}
		}
		if len(img.variantIDs) > 0 {
			img.variantID = ptr(img.variantIDs[0])
		}
		for _, vid := range img.variantIDs {
			v := g.db.variants[vid]
			v.imageIDs = append(v.imageIDs, img.id)
		}
		p.imageIDs = append(p.imageIDs, img.id)
		if m == 0 {
			p.imageURL = str(img.url())
		}
		g.db.addImage(img)
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func decp(s string) *decimal.Decimal {
	d := dec(s)
	return &d
}

func str(s string) *string { return &s }

func ptr[T any](v T) *T { return &v }
