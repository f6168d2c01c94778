package sandbox

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// companyTypes and companyStatuses are the documented values.
var (
	companyTypes    = []string{"business", "supplier", "consumer"}
	companyStatuses = []string{"active", "disabled", "archived"}
	addressStatuses = []string{"active", "archived"}
)

// company is a customer or supplier of the account. Its addresses hang off
// it in id order.
type company struct {
	id                     int64
	createdAt, updatedAt   time.Time
	assigneeID             *int64
	defaultLedgerAccountID *int64
	defaultPaymentMethodID *int64
	defaultPaymentTermID   *int64
	defaultStockLocationID *int64
	defaultTaxTypeID       *int64
	defaultDocumentThemeID *int64
	companyCode            *string
	companyType            string
	defaultDiscountRate    *string
	defaultPriceListID     *string
	defaultTaxRate         *string
	description            *string
	email, fax             *string
	name                   string
	phoneNumber            *string
	status                 string
	taxNumber, website     *string
	tags                   []string
	contactIDs, noteIDs    []int64
	addresses              []*address
}

func (c *company) meta() recordMeta {
	return recordMeta{id: c.id, created: c.createdAt, updated: c.updatedAt, status: c.status}
}

// companyJSON follows the spec's example: tags is an array here (unlike
// products' comma-separated string).
type companyJSON struct {
	ID                     int64    `json:"id"`
	CreatedAt              string   `json:"created_at"`
	UpdatedAt              string   `json:"updated_at"`
	AssigneeID             *int64   `json:"assignee_id"`
	DefaultLedgerAccountID *int64   `json:"default_ledger_account_id"`
	DefaultPaymentMethodID *int64   `json:"default_payment_method_id"`
	DefaultPaymentTermID   *int64   `json:"default_payment_term_id"`
	DefaultStockLocationID *int64   `json:"default_stock_location_id"`
	DefaultTaxTypeID       *int64   `json:"default_tax_type_id"`
	CompanyCode            *string  `json:"company_code"`
	CompanyType            string   `json:"company_type"`
	DefaultDiscountRate    *string  `json:"default_discount_rate"`
	DefaultPriceListID     *string  `json:"default_price_list_id"`
	DefaultTaxRate         *string  `json:"default_tax_rate"`
	DefaultDocumentThemeID *int64   `json:"default_document_theme_id"`
	Description            *string  `json:"description"`
	Email                  *string  `json:"email"`
	Fax                    *string  `json:"fax"`
	Name                   string   `json:"name"`
	PhoneNumber            *string  `json:"phone_number"`
	Status                 string   `json:"status"`
	TaxNumber              *string  `json:"tax_number"`
	Website                *string  `json:"website"`
	Tags                   []string `json:"tags"`
	AddressIDs             []int64  `json:"address_ids"`
	ContactIDs             []int64  `json:"contact_ids"`
	NoteIDs                []int64  `json:"note_ids"`
	DefaultPriceTypeID     *string  `json:"default_price_type_id"`
}

func (c *company) wire() companyJSON {
	addressIDs := []int64{}
	for _, a := range c.addresses {
		if a.status == "active" {
			addressIDs = append(addressIDs, a.id)
		}
	}
	return companyJSON{
		ID:                     c.id,
		CreatedAt:              timestamp(c.createdAt),
		UpdatedAt:              timestamp(c.updatedAt),
		AssigneeID:             c.assigneeID,
		DefaultLedgerAccountID: c.defaultLedgerAccountID,
		DefaultPaymentMethodID: c.defaultPaymentMethodID,
		DefaultPaymentTermID:   c.defaultPaymentTermID,
		DefaultStockLocationID: c.defaultStockLocationID,
		DefaultTaxTypeID:       c.defaultTaxTypeID,
		CompanyCode:            c.companyCode,
		CompanyType:            c.companyType,
		DefaultDiscountRate:    c.defaultDiscountRate,
		DefaultPriceListID:     c.defaultPriceListID,
		DefaultTaxRate:         c.defaultTaxRate,
		DefaultDocumentThemeID: c.defaultDocumentThemeID,
		Description:            c.description,
		Email:                  c.email,
		Fax:                    c.fax,
		Name:                   c.name,
		PhoneNumber:            c.phoneNumber,
		Status:                 c.status,
		TaxNumber:              c.taxNumber,
		Website:                c.website,
		Tags:                   nonNil(slices.Clone(c.tags)),
		AddressIDs:             addressIDs,
		ContactIDs:             nonNil(slices.Clone(c.contactIDs)),
		NoteIDs:                nonNil(slices.Clone(c.noteIDs)),
		DefaultPriceTypeID:     c.defaultPriceListID, // deprecated twin
	}
}

// address belongs to one company.
type address struct {
	id                   int64
	createdAt, updatedAt time.Time
	companyID            int64
	address1, address2   *string
	city                 *string
	companyName          *string
	country, countryCode *string
	email                *string
	firstName, lastName  *string
	label                *string
	phoneNumber          *string
	state                *string
	status               string
	suburb               *string
	zipCode              *string
}

func (a *address) meta() recordMeta {
	return recordMeta{id: a.id, created: a.createdAt, updated: a.updatedAt, status: a.status}
}

type addressJSON struct {
	ID          int64   `json:"id"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
	CompanyID   int64   `json:"company_id"`
	Address1    *string `json:"address1"`
	Address2    *string `json:"address2"`
	City        *string `json:"city"`
	CompanyName *string `json:"company_name"`
	Country     *string `json:"country"`
	CountryCode *string `json:"country_code"`
	Email       *string `json:"email"`
	FirstName   *string `json:"first_name"`
	LastName    *string `json:"last_name"`
	Label       *string `json:"label"`
	PhoneNumber *string `json:"phone_number"`
	State       *string `json:"state"`
	Status      string  `json:"status"`
	Suburb      *string `json:"suburb"`
	ZipCode     *string `json:"zip_code"`
}

func (a *address) wire() addressJSON {
	return addressJSON{
		ID:          a.id,
		CreatedAt:   timestamp(a.createdAt),
		UpdatedAt:   timestamp(a.updatedAt),
		CompanyID:   a.companyID,
		Address1:    a.address1,
		Address2:    a.address2,
		City:        a.city,
		CompanyName: a.companyName,
		Country:     a.country,
		CountryCode: a.countryCode,
		Email:       a.email,
		FirstName:   a.firstName,
		LastName:    a.lastName,
		Label:       a.label,
		PhoneNumber: a.phoneNumber,
		State:       a.state,
		Status:      a.status,
		Suburb:      a.suburb,
		ZipCode:     a.zipCode,
	}
}

// countryCodes derives country_code from common country names, as the
// spec says the API does when none is given.
var countryCodes = map[string]string{
	"united states of america": "US", "united states": "US", "usa": "US",
	"new zealand": "NZ", "singapore": "SG", "australia": "AU",
	"great britain": "GB", "united kingdom": "GB", "canada": "CA",
	"malaysia": "MY", "germany": "DE", "france": "FR", "japan": "JP", "china": "CN",
}

func countryCode(country string) *string {
	c := strings.TrimSpace(country)
	if code, ok := countryCodes[strings.ToLower(c)]; ok {
		return &code
	}
	if len(c) == 2 {
		return str(strings.ToUpper(c))
	}
	return nil
}

func registerCompanies(rt *router) {
	rt.get("/companies", listCompanies)
	rt.get("/companies/{id}", showCompany)
	rt.post("/companies", createCompany)
	rt.put("/companies/{id}", updateCompany)
	rt.get("/addresses", listAddresses)
	rt.get("/addresses/{id}", showAddress)
	rt.post("/addresses", createAddress)
	rt.put("/addresses/{id}", updateAddress)
}

// companyFilter reads company_type, company_code, assignee_id,
// default_price_list_id and default_stock_location_id.
func companyFilter(q url.Values) (func(*company) bool, error) {
	types := stringSet(q, "company_type", true)
	codes := stringSet(q, "company_code", false)
	lists := stringSet(q, "default_price_list_id", true)
	assignees, err := idSet(q, "assignee_id")
	if err != nil {
		return nil, err
	}
	locations, err := idSet(q, "default_stock_location_id")
	if err != nil {
		return nil, err
	}
	return func(c *company) bool {
		switch {
		case types != nil && !types[c.companyType],
			codes != nil && (c.companyCode == nil || !codes[*c.companyCode]),
			lists != nil && (c.defaultPriceListID == nil || !lists[*c.defaultPriceListID]),
			assignees != nil && (c.assigneeID == nil || !assignees[*c.assigneeID]),
			locations != nil && (c.defaultStockLocationID == nil || !locations[*c.defaultStockLocationID]):
			return false
		}
		return true
	}, nil
}

// GET /companies: status defaults to active; company_status= is an alias
// of status= (the spec's "combining filters" example uses it).
func listCompanies(c *call) (*response, error) {
	q := c.query
	if _, ok := q["status"]; !ok {
		if vs, ok := q["company_status"]; ok {
			q = cloneValues(q)
			q["status"] = vs
		}
	}
	items, pg, err := listing[*company]{
		records:       c.s.db.companies.list,
		defaultStatus: []string{"active"},
		columns: map[string]func(a, b *company) int{
			"name": func(a, b *company) int { return strings.Compare(a.name, b.name) },
		},
		filter: companyFilter,
	}.run(q)
	if err != nil {
		return nil, err
	}
	out := make([]companyJSON, len(items))
	for i, co := range items {
		out[i] = co.wire()
	}
	return indexResponse("companies", out, nil, pg), nil
}

// GET /companies/{id}: any status.
func showCompany(c *call) (*response, error) {
	co, err := findCompany(c)
	if err != nil {
		return nil, err
	}
	return showResponse("company", co.wire(), nil), nil
}

func findCompany(c *call) (*company, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	co, ok := c.s.db.companies.get(id)
	if !ok {
		return nil, notFound("Company", raw)
	}
	return co, nil
}

// POST /companies → 201 {"company":{…}}
func createCompany(c *call) (*response, error) {
	a, err := decodeRoot(c.body, "company")
	if err != nil {
		return nil, err
	}
	co, err := c.s.db.buildCompany(a, "", c.now())
	if err != nil {
		return nil, err
	}
	c.s.db.addCompany(co)
	return createdResponse("company", co.wire()), nil
}

// PUT /companies/{id} → 204
func updateCompany(c *call) (*response, error) {
	co, err := findCompany(c)
	if err != nil {
		return nil, err
	}
	a, err := decodeRoot(c.body, "company")
	if err != nil {
		return nil, err
	}
	cp := *co
	errs := fieldErrors{}
	c.s.db.applyCompany(&cp, a, errs, "")
	if err := errs.err(); err != nil {
		return nil, err
	}
	cp.updatedAt = later(co.updatedAt, c.now())
	*co = cp
	c.s.db.emit("company.update", co.id)
	return noContentResponse(), nil
}

// buildCompany validates a new company (prefix "company." when embedded in
// an order) without storing it; its id is reserved by addCompany.
func (db *store) buildCompany(a attrs, prefix string, now time.Time) (*company, error) {
	errs := fieldErrors{}
	co := db.newCompany(a, errs, prefix, now)
	return co, errs.err()
}

func (db *store) newCompany(a attrs, errs fieldErrors, prefix string, now time.Time) *company {
	co := &company{createdAt: now, updatedAt: now, status: "active", description: str("")}
	db.applyCompany(co, a, errs, prefix)
	if co.name == "" && len(errs[prefix+"name"]) == 0 {
		errs.add(prefix+"name", msgBlank)
	}
	if co.companyType == "" && len(errs[prefix+"company_type"]) == 0 {
		errs.add(prefix+"company_type", msgBlank)
	}
	return co
}

func (db *store) addCompany(co *company) {
	co.id = db.companies.next()
	db.companies.add(co)
	db.emit("company.create", co.id)
}

// applyCompany sets the attributes sent; errors are recorded, not applied.
func (db *store) applyCompany(co *company, a attrs, errs fieldErrors, prefix string) {
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"company_code", &co.companyCode}, {"description", &co.description}, {"email", &co.email},
		{"fax", &co.fax}, {"phone_number", &co.phoneNumber}, {"tax_number", &co.taxNumber}, {"website", &co.website},
	} {
		strField(a, errs, prefix, f.key, f.dst)
	}
	for _, f := range []struct {
		key string
		dst **int64
	}{
		{"assignee_id", &co.assigneeID}, {"default_ledger_account_id", &co.defaultLedgerAccountID},
		{"default_payment_method_id", &co.defaultPaymentMethodID}, {"default_payment_term_id", &co.defaultPaymentTermID},
		{"default_stock_location_id", &co.defaultStockLocationID}, {"default_tax_type_id", &co.defaultTaxTypeID},
		{"default_document_theme_id", &co.defaultDocumentThemeID},
	} {
		idField(a, errs, prefix, f.key, f.dst)
	}
	if co.defaultStockLocationID != nil && db.locations[*co.defaultStockLocationID] == nil {
		errs.add(prefix+"default_stock_location", msgMustExist)
	}
	if a.has("name") {
		if v, ok := a.str("name"); !ok {
			errs.add(prefix+"name", msgInvalid)
		} else if blank(v) {
			errs.add(prefix+"name", msgBlank)
		} else {
			co.name = strings.TrimSpace(*v)
		}
	}
	enumField(a, errs, prefix, "company_type", companyTypes, &co.companyType)
	enumField(a, errs, prefix, "status", companyStatuses, &co.status)
	for _, key := range []string{"default_price_type_id", "default_price_list_id"} { // the deprecated name first: the current one wins
		if !a.has(key) {
			continue
		}
		v, ok := a.str(key)
		switch {
		case !ok || (v != nil && !slices.Contains(priceLists, *v)):
			errs.add(prefix+"default_price_list_id", msgInvalid)
		case blank(v):
			co.defaultPriceListID = nil
		default:
			co.defaultPriceListID = v
		}
	}
	for _, f := range []struct {
		key string
		dst **string
	}{{"default_discount_rate", &co.defaultDiscountRate}, {"default_tax_rate", &co.defaultTaxRate}} {
		if !a.has(f.key) {
			continue
		}
		if d, ok := a.dec(f.key); !ok {
			errs.add(prefix+f.key, msgNotNumber)
		} else {
			*f.dst = ptrRails(d)
		}
	}
	if a.has("tags") {
		if tags, ok := a.stringList("tags"); !ok {
			errs.add(prefix+"tags", msgInvalid)
		} else {
			co.tags = tags
		}
	}
}

// enumField sets *dst to a value of the documented list.
func enumField(a attrs, errs fieldErrors, prefix, key string, allowed []string, dst *string) {
	if !a.has(key) {
		return
	}
	v, ok := a.str(key)
	switch {
	case !ok:
		errs.add(prefix+key, msgInvalid)
	case blank(v):
		errs.add(prefix+key, msgBlank)
	case !slices.Contains(allowed, strings.TrimSpace(*v)):
		errs.add(prefix+key, msgNotInList)
	default:
		*dst = strings.TrimSpace(*v)
	}
}

// GET /addresses: status defaults to active; company_id filters.
func listAddresses(c *call) (*response, error) {
	items, pg, err := listing[*address]{
		records:       c.s.db.addresses.list,
		defaultStatus: []string{"active"},
		filter: func(q url.Values) (func(*address) bool, error) {
			companies, err := idSet(q, "company_id")
			if err != nil {
				return nil, err
			}
			return func(a *address) bool { return companies == nil || companies[a.companyID] }, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]addressJSON, len(items))
	for i, a := range items {
		out[i] = a.wire()
	}
	return indexResponse("addresses", out, nil, pg), nil
}

func findAddress(c *call) (*address, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	a, ok := c.s.db.addresses.get(id)
	if !ok {
		return nil, notFound("Address", raw)
	}
	return a, nil
}

// GET /addresses/{id}
func showAddress(c *call) (*response, error) {
	a, err := findAddress(c)
	if err != nil {
		return nil, err
	}
	return showResponse("address", a.wire(), nil), nil
}

// POST /addresses → 201 {"address":{…}}
func createAddress(c *call) (*response, error) {
	a, err := decodeRoot(c.body, "address")
	if err != nil {
		return nil, err
	}
	errs := fieldErrors{}
	var companyID *int64
	idField(a, errs, "", "company_id", &companyID)
	var co *company
	switch {
	case len(errs) > 0:
	case companyID == nil:
		errs.add("company_id", msgBlank)
	default:
		var ok bool
		if co, ok = c.s.db.companies.get(*companyID); !ok {
			errs.add("company", msgMustExist)
		}
	}
	ad := newAddress(a, errs, "", c.now())
	if err := errs.err(); err != nil {
		return nil, err
	}
	c.s.db.addAddress(co, ad)
	return createdResponse("address", ad.wire()), nil
}

// PUT /addresses/{id} → 200 {"address":{…}}: the spec documents 200 here,
// where every other update answers 204.
func updateAddress(c *call) (*response, error) {
	ad, err := findAddress(c)
	if err != nil {
		return nil, err
	}
	a, err := decodeRoot(c.body, "address")
	if err != nil {
		return nil, err
	}
	errs := fieldErrors{}
	cp := *ad
	applyAddress(&cp, a, errs, "")
	if cp.address1 == nil || blank(cp.address1) {
		errs.add("address1", msgBlank)
	}
	if a.has("company_id") {
		var id *int64
		idField(a, errs, "", "company_id", &id)
		if id != nil && *id != ad.companyID {
			errs.add("company_id", "can't be changed")
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	cp.updatedAt = later(ad.updatedAt, c.now())
	*ad = cp
	c.s.db.emit("address.update", ad.id)
	return showResponse("address", ad.wire(), nil), nil
}

// newAddress validates a new address (prefix "shipping_address." when
// embedded in an order); addAddress stores it.
func newAddress(a attrs, errs fieldErrors, prefix string, now time.Time) *address {
	ad := &address{createdAt: now, updatedAt: now, status: "active"}
	applyAddress(ad, a, errs, prefix)
	if blank(ad.address1) && len(errs[prefix+"address1"]) == 0 {
		errs.add(prefix+"address1", msgBlank)
	}
	return ad
}

func (db *store) addAddress(co *company, ad *address) {
	ad.id = db.addresses.next()
	ad.companyID = co.id
	db.addresses.add(ad)
	co.addresses = append(co.addresses, ad)
	db.emit("address.create", ad.id)
}

func applyAddress(ad *address, a attrs, errs fieldErrors, prefix string) {
	for _, f := range []struct {
		key string
		dst **string
	}{
		{"address1", &ad.address1}, {"address2", &ad.address2}, {"city", &ad.city}, {"company_name", &ad.companyName},
		{"country", &ad.country}, {"country_code", &ad.countryCode}, {"email", &ad.email}, {"first_name", &ad.firstName},
		{"last_name", &ad.lastName}, {"label", &ad.label}, {"phone_number", &ad.phoneNumber}, {"state", &ad.state},
		{"suburb", &ad.suburb}, {"zip_code", &ad.zipCode},
	} {
		strField(a, errs, prefix, f.key, f.dst)
	}
	enumField(a, errs, prefix, "status", addressStatuses, &ad.status)
	if a.has("country") && !a.has("country_code") && ad.country != nil {
		ad.countryCode = countryCode(*ad.country)
	}
}

// seedRelationships adds the payment methods and the companies with their
// addresses (see the package documentation).
func seedRelationships(db *store) {
	for _, pm := range []*paymentMethod{
		{id: 1, name: "Cash", isDefault: true, createdAt: mustTime("2015-11-02T01:22:24.350Z")},
		{id: 2, name: "Credit Card", createdAt: mustTime("2015-11-02T01:22:24.360Z")},
		{id: 3, name: "Bank Transfer", createdAt: mustTime("2015-11-02T01:22:24.370Z")},
	} {
		pm.updatedAt = pm.createdAt
		db.paymentMethods.add(pm)
	}

	type seedAddress struct {
		label, address1, city, country string
		address2, suburb, state, zip   *string
		email, phone                   *string
	}
	addCompany := func(co *company, created string, addrs ...seedAddress) {
		co.createdAt = mustTime(created)
		co.updatedAt = co.createdAt
		if co.status == "" {
			co.status = "active"
		}
		db.companies.add(co)
		for i, sa := range addrs {
			ad := &address{
				id: db.addresses.next(), companyID: co.id, status: "active",
				createdAt: co.createdAt.Add(time.Duration(i+1) * 2 * time.Millisecond),
				label:     str(sa.label), address1: str(sa.address1), address2: sa.address2,
				city: str(sa.city), country: str(sa.country), countryCode: countryCode(sa.country),
				suburb: sa.suburb, state: sa.state, zipCode: sa.zip, email: sa.email, phoneNumber: sa.phone,
			}
			ad.updatedAt = ad.createdAt
			db.addresses.add(ad)
			co.addresses = append(co.addresses, ad)
		}
	}

	// 1: the guide's new customer, here an existing business customer.
	addCompany(&company{
		id: 1, name: "Bill's Boots", companyType: "business", companyCode: str("BB-123"),
		email: str("billy@billsboots.com"), website: str("https://billsboots.com"), phoneNumber: str("+1 650-468-2904"),
		description: str(""), tags: []string{"wholesale"},
	}, "2015-11-02T01:40:00.100Z",
		seedAddress{label: "Head Office", address1: "123 Cross St", city: "Springfield", country: "United States of America",
			state: str("IL"), zip: str("62701"), email: str("billy@billsboots.com"), phone: str("+1 650-468-2904")},
		seedAddress{label: "Warehouse", address1: "9 Dock Rd", address2: str("Unit 4"), city: "Springfield", country: "United States of America",
			state: str("IL"), zip: str("62703")},
	)
	// 2: a consumer with her own price list.
	addCompany(&company{
		id: 2, name: "Jane Doe", companyType: "consumer", email: str("jane@example.com"),
		defaultPriceListID: str("retail"), description: str(""), tags: []string{},
	}, "2015-11-02T01:41:00.200Z",
		seedAddress{label: "Home", address1: "42 Ponsonby Rd", city: "Auckland", suburb: str("Ponsonby"), country: "New Zealand",
			zip: str("1011"), email: str("jane@example.com"), phone: str("+64 21 555 0101")},
	)
	// 3–5: the suppliers the catalog names in supplier_ids.
	addCompany(&company{
		id: 3, name: "Wonka Candy", companyType: "supplier", description: str("Greatest Candy-maker and chocolatier of all time and place"),
		email: str("william@example.com"), phoneNumber: str("123-456-789"), website: str("http://williamwonkacandyltd.com"),
		tags: []string{"reseller"},
	}, "2015-11-02T01:22:24.612Z",
		seedAddress{label: "Head Office (DEMO)", address1: "1 Chocolate Way", city: "East Trudie", country: "Great Britain"},
		seedAddress{label: "Warehouse (DEMO)", address1: "06157 Waters Road", address2: str("505 Frederick Flat"), city: "East Trudie",
			country: "Great Britain", zip: str("98366-5837"), email: str("samara@williamwonkacandyltd.com"), phone: str("952-649-4655")},
	)
	addCompany(&company{id: 4, name: "Pacific Wholesale", companyType: "supplier", description: str(""), tags: []string{}},
		"2015-11-02T01:44:42.417Z",
		seedAddress{label: "Shipping", address1: "Test address", city: "Singapore", country: "Singapore"},
	)
	addCompany(&company{id: 5, name: "Southern Cross Supply", companyType: "supplier", description: str(""), tags: []string{}},
		"2015-11-02T01:45:10.000Z",
		seedAddress{label: "Depot", address1: "88 Harbour St", city: "Sydney", country: "Australia", state: str("NSW"), zip: str("2000")},
	)
	// 6: a disabled customer, hidden by default.
	addCompany(&company{id: 6, name: "Gone Fishing Ltd", companyType: "business", status: "disabled", description: str(""), tags: []string{}},
		"2015-11-02T01:46:00.000Z",
		seedAddress{label: "Shop", address1: "7 Wharf Rd", city: "Wellington", country: "New Zealand"},
	)
}

// priceLists are the account's price lists, as variant_prices names them.
var priceLists = []string{"retail", "wholesale", "buy"}

// price is the variant's price on a price list; nil when the variant has
// none there.
func (v *variant) price(list string) *decimal.Decimal {
	switch list {
	case "retail":
		return v.retailPrice
	case "wholesale":
		return v.wholesalePrice
	case "buy":
		return v.buyPrice
	}
	return nil
}
