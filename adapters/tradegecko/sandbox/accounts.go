package sandbox

import "time"

// account is the merchant's account; the sandbox has exactly one (id 1).
type account struct {
	id                              int64
	createdAt, updatedAt            time.Time
	contactEmail                    string
	country                         string
	defaultOrderPriceListID         string
	defaultPurchaseOrderPriceListID string
	name                            string
	timeZone                        string
	primaryLocationID               int64
	defaultCurrencyID               int64
	locationIDs                     []int64
	userIDs                         []int64
}

// accountJSON is the account as the spec's example writes it.
type accountJSON struct {
	ID                              int64   `json:"id"`
	CreatedAt                       string  `json:"created_at"`
	UpdatedAt                       string  `json:"updated_at"`
	ContactEmail                    string  `json:"contact_email"`
	ContactMobile                   *string `json:"contact_mobile"`
	ContactPhone                    *string `json:"contact_phone"`
	Country                         string  `json:"country"`
	DefaultOrderPriceListID         string  `json:"default_order_price_list_id"`
	DefaultPurchaseOrderPriceListID string  `json:"default_purchase_order_price_list_id"`
	DefaultSalesLedgerAccountOn     string  `json:"default_sales_ledger_account_on"`
	DefaultTaxTreatment             string  `json:"default_tax_treatment"`
	DefaultDocumentThemeID          int64   `json:"default_document_theme_id"`
	Industry                        string  `json:"industry"`
	LogoURL                         *string `json:"logo_url"`
	Name                            string  `json:"name"`
	StockLevelWarn                  bool    `json:"stock_level_warn"`
	TaxLabel                        string  `json:"tax_label"`
	TaxNumber                       *string `json:"tax_number"`
	TaxNumberLabel                  string  `json:"tax_number_label"`
	TimeZone                        string  `json:"time_zone"`
	Website                         *string `json:"website"`
	PrimaryLocationID               int64   `json:"primary_location_id"`
	PrimaryBillingLocationID        int64   `json:"primary_billing_location_id"`
	DefaultCurrencyID               int64   `json:"default_currency_id"`
	DefaultPaymentMethodID          int64   `json:"default_payment_method_id"`
	DefaultPaymentTermID            int64   `json:"default_payment_term_id"`
	BillingContactID                int64   `json:"billing_contact_id"`
	DefaultSalesOrderTaxTypeID      int64   `json:"default_sales_order_tax_type_id"`
	DefaultPurchaseOrderTaxTypeID   int64   `json:"default_purchase_order_tax_type_id"`
	DefaultTaxExemptID              int64   `json:"default_tax_exempt_id"`
	DefaultTaxRate                  string  `json:"default_tax_rate"`
	DefaultTaxType                  string  `json:"default_tax_type"`
	DefaultTaxTypeID                int64   `json:"default_tax_type_id"`
	DefaultOrderPriceTypeID         string  `json:"default_order_price_type_id"`
	DefaultPurchaseOrderPriceTypeID string  `json:"default_purchase_order_price_type_id"`
	LocationIDs                     []int64 `json:"location_ids"`
	UserIDs                         []int64 `json:"user_ids"`
}

func (a *account) wire() accountJSON {
	return accountJSON{
		ID:                              a.id,
		CreatedAt:                       timestamp(a.createdAt),
		UpdatedAt:                       timestamp(a.updatedAt),
		ContactEmail:                    a.contactEmail,
		Country:                         a.country,
		DefaultOrderPriceListID:         a.defaultOrderPriceListID,
		DefaultPurchaseOrderPriceListID: a.defaultPurchaseOrderPriceListID,
		DefaultSalesLedgerAccountOn:     "company",
		DefaultTaxTreatment:             "exclusive",
		DefaultDocumentThemeID:          1,
		Industry:                        "",
		Name:                            a.name,
		StockLevelWarn:                  true,
		TaxLabel:                        "GST",
		TaxNumberLabel:                  "GST Registration Number",
		TimeZone:                        a.timeZone,
		PrimaryLocationID:               a.primaryLocationID,
		PrimaryBillingLocationID:        a.primaryLocationID,
		DefaultCurrencyID:               a.defaultCurrencyID,
		DefaultPaymentMethodID:          2,
		DefaultPaymentTermID:            3,
		BillingContactID:                1,
		DefaultSalesOrderTaxTypeID:      2,
		DefaultPurchaseOrderTaxTypeID:   3,
		DefaultTaxExemptID:              1,
		DefaultTaxRate:                  "15.0",
		DefaultTaxType:                  "exclusive",
		DefaultTaxTypeID:                2,
		DefaultOrderPriceTypeID:         a.defaultOrderPriceListID,
		DefaultPurchaseOrderPriceTypeID: a.defaultPurchaseOrderPriceListID,
		LocationIDs:                     nonNil(a.locationIDs),
		UserIDs:                         nonNil(a.userIDs),
	}
}

func registerAccounts(rt *router) {
	rt.get("/accounts/current", showCurrentAccount)
	rt.get("/accounts/{id}", showAccount)
}

// GET /accounts/current
func showCurrentAccount(c *call) (*response, error) {
	return showResponse("account", c.s.db.account.wire(), nil), nil
}

// GET /accounts/{id}: only the current account is visible.
func showAccount(c *call) (*response, error) {
	raw := c.param("id")
	if id, ok := parseID(raw); !ok || id != c.s.db.account.id {
		return nil, notFound("Account", raw)
	}
	return showResponse("account", c.s.db.account.wire(), nil), nil
}
