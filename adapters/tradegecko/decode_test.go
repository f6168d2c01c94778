package tradegecko

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// cmpOpts compares decimals and money exactly: same value and same
// exponent (ParseDecimal's results are canonical, so "24.0" and 24 are both
// 24 with exponent 0, but 24 and 24.00 built by hand are not equal here).
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Cmp(b) == 0 && a.Exponent() == b.Exponent() }),
	cmp.Comparer(func(a, b money.Money) bool {
		return a.Currency() == b.Currency() && a.Amount().Cmp(b.Amount()) == 0 && a.Amount().Exponent() == b.Amount().Exponent()
	}),
	cmp.Comparer(func(a, b money.Currency) bool { return a == b }),
}

// dec parses a decimal the way the client does; for expected values.
func dec(s string) decimal.Decimal {
	d, err := money.ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// D is a present Decimal.
func D(s string) Decimal { return Decimal{Value: dec(s), Valid: true} }

// decp is a pointer to a decimal.
func decp(s string) *decimal.Decimal { d := dec(s); return &d }

// T is a Time from RFC 3339.
func T(s string) Time {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return Time{v.UTC()}
}

var (
	yes = Bool{Value: true, Valid: true}
	no  = Bool{Value: false, Valid: true}
)

// The spec's example payloads, copied verbatim into testdata, decode into
// the wire structs field for field.

func TestDecodeSpecAccount(t *testing.T) {
	var body struct{ Account Account }
	if err := json.Unmarshal(specJSON(t, "account.json"), &body); err != nil {
		t.Fatalf("decode account.json: %v", err)
	}
	want := Account{
		ID:                      1,
		CreatedAt:               T("2015-11-02T01:22:23.803Z"),
		UpdatedAt:               T("2015-11-02T01:22:24.326Z"),
		Name:                    "Bob's Burgers",
		Country:                 "NZ",
		ContactEmail:            "lcp@tradegecko.com",
		TimeZone:                "Pacific/Auckland",
		Website:                 "",
		DefaultCurrencyID:       1,
		DefaultOrderPriceListID: "wholesale",
		DefaultTaxTreatment:     "exclusive",
		PrimaryLocationID:       1,
		LocationIDs:             IDs{1},
	}
	if diff := cmp.Diff(want, body.Account, cmpOpts); diff != "" {
		t.Errorf("account.json mismatch (-want +got):\n%s", diff)
	}
}

var specCurrencies = []Currency{
	{
		ID: 2, CreatedAt: T("2015-11-02T01:22:23.947Z"), UpdatedAt: T("2015-11-02T01:22:23.947Z"),
		Status: "active", ISO: "NZD", Name: "New Zealand Dollars", Symbol: "$", Precision: 2,
		Rate: D("1.1"), Delimiter: ",", Separator: ".", Format: "%u%n", Subunit: 100,
	},
	{
		ID: 1, CreatedAt: T("2015-11-02T01:22:23.947Z"), UpdatedAt: T("2015-11-02T01:22:23.947Z"),
		Status: "active", ISO: "SGD", Name: "Singaporean Dollars", Symbol: "$", Precision: 2,
		Rate: D("1.0"), Delimiter: ",", Separator: ".", Format: "%u%n", Subunit: 100,
	},
}

func TestDecodeSpecCurrencies(t *testing.T) {
	var list struct{ Currencies []Currency }
	if err := json.Unmarshal(specJSON(t, "currencies.json"), &list); err != nil {
		t.Fatalf("decode currencies.json: %v", err)
	}
	if diff := cmp.Diff(specCurrencies, list.Currencies, cmpOpts); diff != "" {
		t.Errorf("currencies.json mismatch (-want +got):\n%s", diff)
	}
	var one struct{ Currency Currency }
	if err := json.Unmarshal(specJSON(t, "currency.json"), &one); err != nil {
		t.Fatalf("decode currency.json: %v", err)
	}
	if diff := cmp.Diff(specCurrencies[0], one.Currency, cmpOpts); diff != "" {
		t.Errorf("currency.json mismatch (-want +got):\n%s", diff)
	}
}

var specLocations = []Location{
	{
		ID: 2, CreatedAt: T("2015-11-02T01:22:24.335Z"), UpdatedAt: T("2015-11-02T01:22:24.335Z"),
		Status: "active", Label: "Secondary Location", Country: "NZ", HoldsStock: yes,
	},
	{
		ID: 1, CreatedAt: T("2015-11-02T01:22:24.335Z"), UpdatedAt: T("2015-11-02T01:22:24.335Z"),
		Status: "active", Label: "Primary Location", Country: "NZ", HoldsStock: yes,
	},
}

func TestDecodeSpecLocations(t *testing.T) {
	var list struct{ Locations []Location }
	if err := json.Unmarshal(specJSON(t, "locations.json"), &list); err != nil {
		t.Fatalf("decode locations.json: %v", err)
	}
	if diff := cmp.Diff(specLocations, list.Locations, cmpOpts); diff != "" {
		t.Errorf("locations.json mismatch (-want +got):\n%s", diff)
	}
	var one struct{ Location Location }
	if err := json.Unmarshal(specJSON(t, "location.json"), &one); err != nil {
		t.Fatalf("decode location.json: %v", err)
	}
	if diff := cmp.Diff(specLocations[0], one.Location, cmpOpts); diff != "" {
		t.Errorf("location.json mismatch (-want +got):\n%s", diff)
	}
}

var specProducts = []Product{
	{
		ID:          2,
		CreatedAt:   T("2015-11-02T01:22:24.817Z"),
		UpdatedAt:   T("2015-11-02T01:22:24.817Z"),
		Status:      "active",
		Name:        "Golden Egg",
		Description: "All ready for Easter, our giant golden chocolate eggs are just what the doctor ordered, adults and children alike",
		ProductType: "Chocolate",
		Opt1:        "Size",
		Quantity:    D("32.5"),
		Supplier:    "Wonka Candy",
		SupplierIDs: IDs{3},
		ImageIDs:    IDs{1, 2},
		VariantIDs:  IDs{4, 5, 6, 7},
		Tags:        Tags{"candy", "chocolate"},
	},
	{
		ID:          1,
		CreatedAt:   T("2015-11-02T01:22:24.660Z"),
		UpdatedAt:   T("2015-11-02T01:22:24.660Z"),
		Status:      "active",
		Name:        "Everlasting Gobstopper",
		Description: "These everlasting gobstoppers will never run out. Just keep going forever and ever, full flavour guaranteed",
		ProductType: "Candy",
		Opt1:        "Flavour",
		Quantity:    D("17"),
		Supplier:    "Wonka Candy",
		SupplierIDs: IDs{3},
		ImageIDs:    IDs{1},
		VariantIDs:  IDs{2, 3},
		Tags:        Tags{"candy", "summer"},
	},
}

func TestDecodeSpecProducts(t *testing.T) {
	var page ProductPage
	if err := json.Unmarshal(specJSON(t, "products.json"), &page); err != nil {
		t.Fatalf("decode products.json: %v", err)
	}
	want := ProductPage{Products: specProducts}
	if diff := cmp.Diff(want, page, cmpOpts); diff != "" {
		t.Errorf("products.json mismatch (-want +got):\n%s", diff)
	}
	var one ProductPage
	if err := json.Unmarshal(specJSON(t, "product.json"), &one); err != nil {
		t.Fatalf("decode product.json: %v", err)
	}
	if diff := cmp.Diff(ProductPage{Product: &specProducts[0]}, one, cmpOpts); diff != "" {
		t.Errorf("product.json mismatch (-want +got):\n%s", diff)
	}
}

var specVariants = []Variant{
	{
		ID:              3,
		CreatedAt:       T("2015-11-02T01:22:24.772Z"),
		UpdatedAt:       T("2015-11-02T01:34:04.502Z"),
		Status:          "active",
		ProductID:       1,
		ProductName:     "Everlasting Gobstopper",
		ProductStatus:   "active",
		ProductType:     "Candy",
		Name:            "Peach",
		SKU:             "DEMO-GOBS-PEA",
		HSCode:          "110100",
		CountryOfOrigin: "SG",
		Opt1:            "Peach",
		Position:        2,
		BuyPrice:        D("4.5"),
		RetailPrice:     D("22.0"),
		WholesalePrice:  D("12.0"),
		LastCostPrice:   D("5.0"),
		StockOnHand:     D("10"),
		CommittedStock:  D("3"),
		IncomingStock:   D("0"),
		AvailableStock:  D("7"),
		KeepSelling:     no,
		ManageStock:     yes,
		Sellable:        yes,
		OnlineOrdering:  yes,
		Taxable:         yes,
		ImageIDs:        IDs{},
		VariantPrices: []VariantPrice{
			{PriceListID: "retail", Value: D("22.0")},
			{PriceListID: "wholesale", Value: D("12.0")},
			{PriceListID: "buy", Value: D("4.5")},
		},
		Locations: []VariantLocation{
			{LocationID: 1, StockOnHand: D("10"), Committed: D("3"), Available: D("7")},
		},
		Prices: map[string]Decimal{"retail": D("22.0"), "wholesale": D("12.0"), "buy": D("4.5")},
	},
	{
		ID:              2,
		CreatedAt:       T("2015-11-02T01:22:24.796Z"),
		UpdatedAt:       T("2015-11-02T01:34:04.474Z"),
		Status:          "active",
		ProductID:       1,
		ProductName:     "Everlasting Gobstopper",
		ProductStatus:   "active",
		ProductType:     "Candy",
		Name:            "Snozzberry",
		SKU:             "DEMO-GOBS-SNO",
		HSCode:          "110100",
		CountryOfOrigin: "SG",
		Opt1:            "Snozzberry",
		Position:        3,
		BuyPrice:        D("4.5"),
		RetailPrice:     D("24.0"),
		WholesalePrice:  D("12.0"),
		LastCostPrice:   D("6.0"),
		StockOnHand:     D("10"),
		CommittedStock:  D("0"),
		IncomingStock:   D("0"),
		KeepSelling:     no,
		ManageStock:     yes,
		Sellable:        yes,
		OnlineOrdering:  yes,
		Taxable:         yes,
		ImageIDs:        IDs{},
		VariantPrices: []VariantPrice{
			{PriceListID: "retail", Value: D("24.0")},
			{PriceListID: "wholesale", Value: D("12.0")},
			{PriceListID: "buy", Value: D("4.5")},
		},
		Locations: []VariantLocation{
			{LocationID: 1, StockOnHand: D("10"), Available: D("10")},
		},
		Prices: map[string]Decimal{"retail": D("24.0"), "wholesale": D("12.0"), "buy": D("4.5")},
	},
}

func TestDecodeSpecVariants(t *testing.T) {
	var list struct{ Variants []Variant }
	if err := json.Unmarshal(specJSON(t, "variants.json"), &list); err != nil {
		t.Fatalf("decode variants.json: %v", err)
	}
	if diff := cmp.Diff(specVariants, list.Variants, cmpOpts); diff != "" {
		t.Errorf("variants.json mismatch (-want +got):\n%s", diff)
	}
	var one struct{ Variant Variant }
	if err := json.Unmarshal(specJSON(t, "variant.json"), &one); err != nil {
		t.Fatalf("decode variant.json: %v", err)
	}
	if diff := cmp.Diff(specVariants[0], one.Variant, cmpOpts); diff != "" {
		t.Errorf("variant.json mismatch (-want +got):\n%s", diff)
	}
}

var specImages = []Image{
	{
		ID: 2, ProductID: 1, VariantID: 1, VariantIDs: IDs{1, 2}, UploaderID: IDOrName{ID: 1}, Name: "", Position: 1,
		BasePath: "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/2231",
		FileName: "1xUh3yT8SN6SjK6l1WXw_photo_large.png",
		Versions: Tags{"thumbnail", "medium"},
	},
	{
		ID: 1, ProductID: 1, VariantID: 1, VariantIDs: IDs{1, 2}, UploaderID: IDOrName{ID: 1}, Position: 1,
		BasePath:        "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/2229",
		FileName:        "shw005a_4.jpg",
		Versions:        Tags{"thumbnail", "medium"},
		ImageProcessing: yes,
	},
}

func TestDecodeSpecImages(t *testing.T) {
	var list struct{ Images []Image }
	if err := json.Unmarshal(specJSON(t, "images.json"), &list); err != nil {
		t.Fatalf("decode images.json: %v", err)
	}
	if diff := cmp.Diff(specImages, list.Images, cmpOpts); diff != "" {
		t.Errorf("images.json mismatch (-want +got):\n%s", diff)
	}
	var one struct{ Image Image }
	if err := json.Unmarshal(specJSON(t, "image.json"), &one); err != nil {
		t.Fatalf("decode image.json: %v", err)
	}
	if diff := cmp.Diff(specImages[0], one.Image, cmpOpts); diff != "" {
		t.Errorf("image.json mismatch (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		im   Image
		want string
	}{
		{specImages[0], "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/2231/1xUh3yT8SN6SjK6l1WXw_photo_large.png"},
		{Image{URL: "http://www.thisismyimage.com/image.png", BasePath: "https://x", FileName: "y.png"}, "http://www.thisismyimage.com/image.png"},
		{Image{BasePath: "https://x/", FileName: "y.png"}, "https://x/y.png"},
		{Image{BasePath: "https://x"}, ""},
	} {
		if got := tt.im.Src(); got != tt.want {
			t.Errorf("Image{url:%q base_path:%q file_name:%q}.Src() = %q, want %q", tt.im.URL, tt.im.BasePath, tt.im.FileName, got, tt.want)
		}
	}
}

// The sideloading examples elide fields ("...", "// more fields"); what
// they show decodes.
func TestDecodeSpecSideloads(t *testing.T) {
	tests := []struct {
		file string
		want ProductPage
	}{
		{
			file: "product_include_variants.json",
			want: ProductPage{
				Variants: &[]Variant{{
					ID: 558277, CreatedAt: T("2013-11-18T03:00:38.459Z"), UpdatedAt: T("2018-05-23T08:02:29.569Z"), ProductID: 153172,
				}},
				Product: &Product{
					ID: 153172, CreatedAt: T("2013-07-23T16:25:36.582Z"), UpdatedAt: T("2018-09-01T04:54:25.085Z"),
					Description: "Wiggly and squiggly. Watch out for the tail falling off!<br>",
				},
			},
		},
		{
			file: "sales_channel_product_include_variants.json",
			want: ProductPage{
				Variants: &[]Variant{{
					ID: 1, CreatedAt: T("2015-11-02T01:22:24.817Z"), UpdatedAt: T("2015-11-02T01:22:24.817Z"),
					Locations: []VariantLocation{{LocationID: 1, StockOnHand: D("10"), Committed: D("3")}},
				}},
				Product: &Product{
					ID: 1, CreatedAt: T("2015-11-02T01:22:24.817Z"), UpdatedAt: T("2015-11-02T01:22:24.817Z"),
					VariantIDs: IDs{1},
				},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var got ProductPage
			if err := json.Unmarshal(specJSON(t, tt.file), &got); err != nil {
				t.Fatalf("decode %s: %v", tt.file, err)
			}
			if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

func TestSpecJSONKeepsVerbatimFiles(t *testing.T) {
	// specJSON must not touch an example that has no elisions.
	for _, name := range []string{"products.json", "variants.json", "account.json", "images.json"} {
		if got, raw := specJSON(t, name), readTestdata(t, name); !bytes.Equal(got, raw) {
			t.Errorf("specJSON(%q) changed a file without elisions", name)
		}
	}
}

func TestDecimalUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in    string
		want  string // FormatDecimal of the value; "" when absent
		valid bool
	}{
		{`"3.9321"`, "3.9321", true},
		{`10`, "10", true},
		{`"32.5"`, "32.5", true},
		{`"24.0"`, "24", true},
		{`24.00`, "24", true},
		{`"0"`, "0", true},
		{`-2`, "-2", true},
		{`"-2.5"`, "-2.5", true},
		{`0.0001`, "0.0001", true},
		{`1.5e3`, "1500", true},
		{`" 7 "`, "7", true},
		{`"12345678901234567890.123456789"`, "12345678901234567890.123456789", true},
		{`null`, "", false},
		{`""`, "", false},
	}
	for _, tt := range tests {
		d := Decimal{Value: decimal.NewFromInt(99), Valid: true} // must be overwritten
		if err := json.Unmarshal([]byte(tt.in), &d); err != nil {
			t.Errorf("Decimal.UnmarshalJSON(%q) = %v, want nil", tt.in, err)
			continue
		}
		if d.Valid != tt.valid {
			t.Errorf("Decimal.UnmarshalJSON(%q).Valid = %v, want %v", tt.in, d.Valid, tt.valid)
		}
		if tt.valid {
			if got := money.FormatDecimal(d.Value); got != tt.want {
				t.Errorf("Decimal.UnmarshalJSON(%q) = %s, want %s", tt.in, got, tt.want)
			}
		}
	}
}

func TestDecimalUnmarshalJSONErrors(t *testing.T) {
	for _, in := range []string{`{}`, `{"value":"1.0"}`, `[]`, `["1"]`, `"abc"`, `true`, `"1,5"`, `"NaN"`, `"Infinity"`, `"0x10"`, `"1e999999"`, `"+1"`, `".5"`} {
		var d Decimal
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("Decimal.UnmarshalJSON(%q) = nil (value %v), want an error", in, d.Value)
		}
	}
}

func TestDecimalMarshalJSON(t *testing.T) {
	tests := []struct {
		d    Decimal
		want string
	}{
		{D("3.9321"), `"3.9321"`},
		{D("24.0"), `"24"`},
		{D("-0.5"), `"-0.5"`},
		{Decimal{}, `null`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.d)
		if err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal(%v) = %s, %v, want %s", tt.d.Value, b, err, tt.want)
		}
	}
}

func TestDecimalPtrOr(t *testing.T) {
	if p := (Decimal{}).Ptr(); p != nil {
		t.Errorf("Decimal{}.Ptr() = %v, want nil", p)
	}
	d := D("2.5")
	p := d.Ptr()
	if p == nil || !p.Equal(dec("2.5")) {
		t.Fatalf("D(2.5).Ptr() = %v, want 2.5", p)
	}
	*p = dec("9")
	if !d.Value.Equal(dec("2.5")) {
		t.Errorf("changing *Ptr() changed the Decimal to %v", d.Value)
	}
	if got := (Decimal{}).Or(dec("1")); !got.Equal(dec("1")) {
		t.Errorf("Decimal{}.Or(1) = %v, want 1", got)
	}
	if got := D("0").Or(dec("1")); !got.Equal(dec("0")) {
		t.Errorf("D(0).Or(1) = %v, want 0", got)
	}
}

func TestIntUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Int
	}{
		{`12`, 12},
		{`"12"`, 12},
		{`"2.0"`, 2},
		{`2.00`, 2},
		{`-3`, -3},
		{`" 7 "`, 7},
		{`1e3`, 1000},
		{`9223372036854775807`, 9223372036854775807},
		{`null`, 0},
		{`""`, 0},
	}
	for _, tt := range tests {
		n := Int(99)
		if err := json.Unmarshal([]byte(tt.in), &n); err != nil || n != tt.want {
			t.Errorf("Int.UnmarshalJSON(%q) = %d, %v, want %d", tt.in, n, err, tt.want)
		}
	}
	for _, in := range []string{`"abc"`, `2.5`, `"2.5"`, `{}`, `[1]`, `true`, `99999999999999999999`, `"1e1000000000"`, `1e100000`} {
		var n Int
		if err := json.Unmarshal([]byte(in), &n); err == nil {
			t.Errorf("Int.UnmarshalJSON(%q) = %d, nil, want an error", in, n)
		}
	}
}

func TestIDsUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want IDs
	}{
		{`[1,"2"]`, IDs{1, 2}},
		{`[1, 2, 3]`, IDs{1, 2, 3}},
		{`"1,2"`, IDs{1, 2}},
		{`" 1 , 2 ,"`, IDs{1, 2}},
		{`"5"`, IDs{5}},
		{`5`, IDs{5}},
		{`[1,null,3]`, IDs{1, 3}},
		{`[]`, IDs{}},
		{`null`, nil},
		{`""`, nil},
	}
	for _, tt := range tests {
		ids := IDs{42} // must be overwritten
		if err := json.Unmarshal([]byte(tt.in), &ids); err != nil {
			t.Errorf("IDs.UnmarshalJSON(%q) = %v, want nil", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, ids, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("IDs.UnmarshalJSON(%q) = %v, want %v", tt.in, ids, tt.want)
		}
	}
	for _, in := range []string{`{}`, `{"ids":[1]}`, `"1,x"`, `[{}]`, `[1.5]`, `["a"]`, `true`, `[[1]]`} {
		var ids IDs
		if err := json.Unmarshal([]byte(in), &ids); err == nil {
			t.Errorf("IDs.UnmarshalJSON(%q) = %v, nil, want an error", in, ids)
		}
	}
}

func TestTextUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Text
	}{
		{`"x"`, "x"},
		{`"caf\u00e9"`, "café"},
		{`12`, "12"},
		{`3.50`, "3.50"},
		{`true`, "true"},
		{`false`, "false"},
		{`null`, ""},
		{`""`, ""},
	}
	for _, tt := range tests {
		got := Text("old")
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Text.UnmarshalJSON(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`{}`, `[]`, `["a"]`} {
		var got Text
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("Text.UnmarshalJSON(%q) = %q, nil, want an error", in, got)
		}
	}
}

func TestBoolUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Bool
	}{
		{`true`, yes},
		{`false`, no},
		{`"true"`, yes},
		{`"false"`, no},
		{`"TRUE"`, yes},
		{`1`, yes},
		{`0`, no},
		{`"1"`, yes},
		{`"0"`, no},
		{`null`, Bool{}},
		{`""`, Bool{}},
	}
	for _, tt := range tests {
		got := Bool{Value: true, Valid: true}
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("Bool.UnmarshalJSON(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`"maybe"`, `2`, `{}`, `[]`, `[true]`} {
		var got Bool
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("Bool.UnmarshalJSON(%q) = %+v, nil, want an error", in, got)
		}
	}
	if !(Bool{}).Or(true) || (Bool{}).Or(false) || no.Or(true) || !yes.Or(false) {
		t.Errorf("Bool.Or does not return the value when valid and the default otherwise")
	}
}

func TestTagsUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want Tags
	}{
		{`["candy","chocolate"]`, Tags{"candy", "chocolate"}},
		{`"candy,chocolate"`, Tags{"candy", "chocolate"}},
		{`"candy"`, Tags{"candy"}},
		{`" a , ,b"`, Tags{"a", "b"}},
		{`[" a ", "", null, 3]`, Tags{"a", "3"}},
		{`null`, nil},
		{`""`, nil},
		{`[]`, nil},
	}
	for _, tt := range tests {
		got := Tags{"old"}
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Tags.UnmarshalJSON(%q) = %v, want nil", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("Tags.UnmarshalJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{`{}`, `{"a":1}`, `[{}]`, `[["a"]]`} {
		var got Tags
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("Tags.UnmarshalJSON(%q) = %q, nil, want an error", in, got)
		}
	}
}

func TestTimeUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero for null
	}{
		{`"2015-11-02T01:22:24.817Z"`, time.Date(2015, 11, 2, 1, 22, 24, 817e6, time.UTC)},
		{`"2018-02-23T15:54:43.756+08:00"`, time.Date(2018, 2, 23, 7, 54, 43, 756e6, time.UTC)},
		{`"2015-11-02T01:22:24"`, time.Date(2015, 11, 2, 1, 22, 24, 0, time.UTC)},
		{`"2015-11-02 01:22:24"`, time.Date(2015, 11, 2, 1, 22, 24, 0, time.UTC)},
		{`"2015-11-04"`, time.Date(2015, 11, 4, 0, 0, 0, 0, time.UTC)},
		{`"21-02-2018"`, time.Date(2018, 2, 21, 0, 0, 0, 0, time.UTC)},
		{`1546272000`, time.Date(2018, 12, 31, 16, 0, 0, 0, time.UTC)},
		{`"1546272000"`, time.Date(2018, 12, 31, 16, 0, 0, 0, time.UTC)},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
	}
	for _, tt := range tests {
		got := Time{time.Now()}
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("Time.UnmarshalJSON(%q) = %v, want nil", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("Time.UnmarshalJSON(%q) = %v, want %v", tt.in, got.Time, tt.want)
		}
	}
	for _, in := range []string{`"yesterday"`, `"2015"`, `2015`, `"2015-13-45"`, `true`, `{}`, `[]`, `1.5`} {
		var got Time
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("Time.UnmarshalJSON(%q) = %v, nil, want an error", in, got.Time)
		}
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	in := `{"id": 7, "name": "x", "search_cache": "a b", "vendor": {"nested": [1, {"deep": null}]},
		"brand_new_field": [true, "x"], "variant_ids": [1]}`
	var p Product
	if err := json.Unmarshal([]byte(in), &p); err != nil {
		t.Fatalf("decode a product with unknown fields: %v", err)
	}
	want := Product{ID: 7, Name: "x", VariantIDs: IDs{1}}
	if diff := cmp.Diff(want, p, cmpOpts); diff != "" {
		t.Errorf("decode mismatch (-want +got):\n%s", diff)
	}
}

// Objects and arrays where a scalar belongs are errors, not silent zeros.
func TestDecodeGarbage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		v    any
	}{
		{"product id object", `{"id": {}}`, &Product{}},
		{"product quantity array", `{"quantity": [1]}`, &Product{}},
		{"product tags object", `{"tags": {"a": 1}}`, &Product{}},
		{"product name object", `{"name": {"en": "x"}}`, &Product{}},
		{"product created_at object", `{"created_at": {"t": 1}}`, &Product{}},
		{"variant retail_price object", `{"retail_price": {"amount": "1"}}`, &Variant{}},
		{"variant manage_stock array", `{"manage_stock": [true]}`, &Variant{}},
		{"variant locations string", `{"locations": "1"}`, &Variant{}},
		{"variant stock garbage", `{"stock_on_hand": "ten"}`, &Variant{}},
		{"currency rate bool", `{"rate": true}`, &Currency{}},
		{"image variant_ids object", `{"variant_ids": {"1": true}}`, &Image{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := json.Unmarshal([]byte(tt.in), tt.v); err == nil {
				t.Errorf("json.Unmarshal(%q) = nil, want an error", tt.in)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	for _, in := range []string{"2015-11-04", " 2015-11-04 ", "2015-11-04T00:00:00Z", "1446595200", "04-11-2015"} {
		got, err := ParseTime(in)
		if want := time.Date(2015, 11, 4, 0, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v, want %v", in, got, err, want)
		}
	}
	long := strings.Repeat("x", 100)
	_, err := ParseTime(long)
	if err == nil || strings.Contains(err.Error(), long) {
		t.Errorf("ParseTime(100 x) = %v, want an error quoting a truncated input", err)
	}
}

// Fuzz targets: the decoders never panic, and what they accept behaves.

func FuzzDecimalUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`"24.0"`, `10`, `"3.9321"`, `"32.5"`, `null`, `""`, `"-2"`, `1.5e3`, `{}`, `[]`, `"1e999999999"`, `"abc"`, `" 7 "`, `-0`, `"0.000000000000000000000000000001"`, `true`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decimal
		if err := d.UnmarshalJSON(b); err != nil || !d.Valid {
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("json.Marshal(%v) = %v", d.Value, err)
		}
		var back Decimal
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("Decimal.UnmarshalJSON(%s) (the re-marshal of %q) = %v", out, b, err)
		}
		if !back.Valid || back.Value.Cmp(d.Value) != 0 || back.Value.Exponent() != d.Value.Exponent() {
			t.Fatalf("round trip of %q: %s decodes to %v, want %v", b, out, back.Value, d.Value)
		}
		if again, _ := json.Marshal(back); !bytes.Equal(again, out) {
			t.Fatalf("round trip of %q: re-marshal %s, then %s", b, out, again)
		}
	})
}

func FuzzIDsUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`[1,"2"]`, `"1,2"`, `null`, `[]`, `5`, `" 1 , 2 ,"`, `[1,null]`, `{}`, `"1,x"`, `[1e3]`, `["2.0"]`, `[[1]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ids IDs
		if err := ids.UnmarshalJSON(b); err != nil {
			return
		}
		// What decodes re-encodes as the comma form and decodes back the same.
		var back IDs
		if err := back.UnmarshalJSON([]byte(`"` + joinIDs(ids) + `"`)); err != nil {
			t.Fatalf("IDs %v from %q: the comma form does not decode: %v", ids, b, err)
		}
		if diff := cmp.Diff([]int64(ids), []int64(back), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("IDs from %q do not round-trip through the comma form:\n%s", b, diff)
		}
	})
}

func FuzzTagsUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`["candy","chocolate"]`, `"candy,chocolate"`, `null`, `" a , ,b"`, `[null, 1, true, ""]`, `{}`, `[{}]`, `""`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tags Tags
		if err := tags.UnmarshalJSON(b); err != nil {
			return
		}
		for _, tag := range tags {
			if tag == "" || strings.TrimSpace(tag) != tag {
				t.Fatalf("Tags.UnmarshalJSON(%q) = %q: blank or untrimmed tag", b, tags)
			}
		}
	})
}

func FuzzTimeUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`"2015-11-02T01:22:24.817Z"`, `"2015-11-04"`, `"21-02-2018"`, `1546272000`, `"1546272000"`, `null`, `""`, `{}`, `"2015-11-02 01:22:24 +0800"`, `99999999999999999999`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var tm Time
		if err := tm.UnmarshalJSON(b); err != nil {
			return
		}
		if !tm.IsZero() && tm.Location() != time.UTC {
			t.Fatalf("Time.UnmarshalJSON(%q) = %v, want a UTC time", b, tm.Time)
		}
	})
}

// An image an integration uploaded names it in uploader_id ("Shopify"),
// as the attribute table's description says; one such image must not fail
// the batch it comes in.
func TestDecodeIntegrationUploader(t *testing.T) {
	var list struct{ Images []Image }
	if err := json.Unmarshal(readTestdata(t, "images_integration_uploader.json"), &list); err != nil {
		t.Fatalf("decode images_integration_uploader.json: %v", err)
	}
	const base = "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/"
	want := []Image{
		{ID: 4, ProductID: 2, VariantID: 4, VariantIDs: IDs{4}, UploaderID: IDOrName{Name: "Shopify"}, Position: 2,
			BasePath: base + "2241", FileName: "golden_egg_large.jpg", Versions: Tags{"thumbnail", "medium"}, ImageProcessing: yes},
		{ID: 3, ProductID: 2, VariantID: 4, VariantIDs: IDs{4, 5, 6, 7}, UploaderID: IDOrName{ID: 1}, Position: 1,
			BasePath: base + "2240", FileName: "golden_egg.jpg", Versions: Tags{"thumbnail", "medium"}, ImageProcessing: yes},
	}
	if diff := cmp.Diff(want, list.Images, cmpOpts); diff != "" {
		t.Errorf("images_integration_uploader.json mismatch (-want +got):\n%s", diff)
	}
}

// Attributes typed as the attribute tables say, where the examples show
// another type, decode like the examples' forms.
func TestDecodeSpecTableTypes(t *testing.T) {
	var got struct {
		Currency            Currency
		Location            Location
		Variant             Variant
		Image               Image
		FulfillmentLineItem FulfillmentLineItem `json:"fulfillment_line_item"`
		Order               Order
		OrderLineItem       OrderLineItem `json:"order_line_item"`
	}
	if err := json.Unmarshal(readTestdata(t, "spec_table_types.json"), &got); err != nil {
		t.Fatalf("decode spec_table_types.json: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"currency", got.Currency, Currency{ID: 2, ISO: "USD", Precision: 2, Rate: D("0.73"), Subunit: 100}},
		{"location", got.Location, Location{ID: 1, Label: "Main Warehouse", HoldsStock: yes}},
		{"variant", got.Variant, Variant{ID: 4, ProductID: 2, Position: 1, Sellable: yes, MaxOnline: D("5"),
			Locations: []VariantLocation{{LocationID: 1, StockOnHand: D("12"), Committed: D("0")}}}},
		{"image", got.Image, Image{ID: 1, ProductID: 1, VariantIDs: IDs{1, 2}, UploaderID: IDOrName{ID: 1}, Position: 1,
			Versions: Tags{"thumbnail", "medium"}, ImageProcessing: yes}},
		{"fulfillment_line_item", got.FulfillmentLineItem, FulfillmentLineItem{ID: 1, FulfillmentID: 1, OrderLineItemID: 1,
			VariantID: 2, VariantSKU: "DEMO-GOBS-SNO", Quantity: D("1.0"), Position: 1}},
		{"order", got.Order, Order{ID: 1, Total: D("0"), Tags: Tags{"web", "summer"}, IssuedAt: T("2018-02-21T00:00:00Z")}},
		{"order_line_item", got.OrderLineItem, OrderLineItem{ID: 1, OrderID: 1, VariantID: 2, Quantity: D("2"), Price: D("24"), Discount: D("0.0")}},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got, cmpOpts); diff != "" {
			t.Errorf("spec_table_types.json %s mismatch (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestIDOrNameUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in   string
		want IDOrName
	}{
		{`1`, IDOrName{ID: 1}},
		{`"12"`, IDOrName{ID: 12}},
		{`" 7 "`, IDOrName{ID: 7}},
		{`"2.0"`, IDOrName{ID: 2}},
		{`-3`, IDOrName{ID: -3}},
		{`"Shopify"`, IDOrName{Name: "Shopify"}},
		{`" Shopify "`, IDOrName{Name: "Shopify"}},
		{`"WooCommerce 2"`, IDOrName{Name: "WooCommerce 2"}},
		{`"Shop\u00e9"`, IDOrName{Name: "Shopé"}},
		{`"2.5"`, IDOrName{Name: "2.5"}},
		{`null`, IDOrName{}},
		{`""`, IDOrName{}},
		{`"  "`, IDOrName{}},
	}
	for _, tt := range tests {
		got := IDOrName{ID: 99, Name: "old"}
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil || got != tt.want {
			t.Errorf("IDOrName.UnmarshalJSON(%s) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{`2.5`, `true`, `false`, `{}`, `{"id":1}`, `[1]`, `["Shopify"]`, `99999999999999999999`} {
		var got IDOrName
		if err := json.Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("IDOrName.UnmarshalJSON(%s) = %+v, nil, want an error", in, got)
		}
	}
}

func TestIDOrNameMarshalJSON(t *testing.T) {
	tests := []struct {
		in   IDOrName
		json string
		str  string
	}{
		{IDOrName{ID: 1}, `1`, "1"},
		{IDOrName{Name: "Shopify"}, `"Shopify"`, "Shopify"},
		{IDOrName{}, `null`, ""},
	}
	for _, tt := range tests {
		if b, err := json.Marshal(tt.in); err != nil || string(b) != tt.json {
			t.Errorf("json.Marshal(%+v) = %s, %v, want %s", tt.in, b, err, tt.json)
		}
		if got := tt.in.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.in, got, tt.str)
		}
	}
}

// A field the decoders cannot read fails with a *json.UnmarshalTypeError
// naming the field's path and its type, and never quoting the value.
func TestDecodeErrorNamesTheField(t *testing.T) {
	const secret = "4111-1111-secret"
	tests := []struct {
		name, in  string
		v         any
		field     string
		typ, kind string
	}{
		{"image id as a name", `{"images": [{"id": 1}, {"id": "` + secret + `"}]}`, &struct{ Images []Image }{}, "Images.id", "tradegecko.Int", "string (not an integer)"},
		{"uploader as an object", `{"image": {"uploader_id": {"name": "` + secret + `"}}}`, &struct{ Image *Image }{}, "Image.uploader_id", "tradegecko.IDOrName", "object"},
		{"price as text", `{"variants": [{"retail_price": "` + secret + `"}]}`, &struct{ Variants []Variant }{}, "Variants.retail_price", "tradegecko.Decimal", "string (not a decimal)"},
		{"stock out of range", `{"variant": {"stock_on_hand": "1e999999"}}`, &struct{ Variant Variant }{}, "Variant.stock_on_hand", "tradegecko.Decimal", "string (out of range)"},
		{"nested location", `{"variant": {"locations": [{"location_id": "` + secret + `"}]}}`, &struct{ Variant Variant }{}, "Variant.locations.location_id", "tradegecko.Int", "string (not an integer)"},
		{"an id in a list", `{"product": {"image_ids": [1, "` + secret + `"]}}`, &struct{ Product Product }{}, "Product.image_ids", "tradegecko.Int", "string (not an integer)"},
		{"ids as text", `{"product": {"variant_ids": "1,` + secret + `"}}`, &struct{ Product Product }{}, "Product.variant_ids", "tradegecko.IDs", "string (not a list of ids)"},
		{"boolean as text", `{"variant": {"manage_stock": "` + secret + `"}}`, &struct{ Variant Variant }{}, "Variant.manage_stock", "tradegecko.Bool", "string (not a boolean)"},
		{"time as text", `{"order": {"issued_at": "` + secret + `"}}`, &struct{ Order Order }{}, "Order.issued_at", "tradegecko.Time", "string (not a date or timestamp)"},
		{"name as an object", `{"product": {"name": {"en": "` + secret + `"}}}`, &struct{ Product Product }{}, "Product.name", "tradegecko.Text", "object"},
		{"a tag as an object", `{"product": {"tags": [{"t": "` + secret + `"}]}}`, &struct{ Product Product }{}, "Product.tags", "tradegecko.Text", "object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := json.Unmarshal([]byte(tt.in), tt.v)
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				t.Fatalf("json.Unmarshal(%s) = %v, want a *json.UnmarshalTypeError", tt.in, err)
			}
			if !strings.EqualFold(te.Field, tt.field) || te.Type.String() != tt.typ || te.Value != tt.kind {
				t.Errorf("json.Unmarshal(%s): field %q, type %s, value %q; want %q, %s, %q", tt.in, te.Field, te.Type, te.Value, tt.field, tt.typ, tt.kind)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("json.Unmarshal(%s) = %q, which quotes the value", tt.in, err)
			}
		})
	}
}

func FuzzIDOrNameUnmarshalJSON(f *testing.F) {
	for _, s := range []string{`1`, `"12"`, `"Shopify"`, `" Shopify "`, `null`, `""`, `2.5`, `"2.0"`, `true`, `{}`, `[1]`, `"1e3"`, `" 1e3 "`, `"\u0031"`, `99999999999999999999`, `"-0"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r IDOrName
		if err := r.UnmarshalJSON(b); err != nil {
			return
		}
		if r.ID != 0 && r.Name != "" {
			t.Fatalf("IDOrName.UnmarshalJSON(%q) = %+v: both an id and a name", b, r)
		}
		if r.Name != "" && strings.TrimSpace(r.Name) != r.Name {
			t.Fatalf("IDOrName.UnmarshalJSON(%q) = %+v: untrimmed name", b, r)
		}
		// What decodes re-encodes and decodes back the same.
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("json.Marshal(%+v) = %v", r, err)
		}
		var back IDOrName
		if err := json.Unmarshal(out, &back); err != nil || back != r {
			t.Fatalf("round trip of %q: %s decodes to %+v, %v; want %+v", b, out, back, err, r)
		}
	})
}
