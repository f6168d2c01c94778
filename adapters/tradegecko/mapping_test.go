package tradegecko

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

var sgd = money.MustCurrency("SGD")

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newTestLogger() (*slog.Logger, *logBuffer) {
	var b logBuffer
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

// testMapper maps in SGD and records unknown values.
func testMapper() (mapper, *[]string) {
	var unknown []string
	return mapper{currency: sgd, unknown: func(field, value string) {
		unknown = append(unknown, field+"="+value)
	}}, &unknown
}

func sgdp(s string) *money.Money { m := money.New(dec(s), sgd); return &m }

func TestMapSpecVariant(t *testing.T) {
	m, unknown := testMapper()
	got := m.variant(&specVariants[1]) // Snozzberry
	want := commerce.Variant{
		ID:             2,
		ProductID:      1,
		ProductName:    "Everlasting Gobstopper",
		SKU:            "DEMO-GOBS-SNO",
		Name:           "Snozzberry",
		Status:         commerce.VariantActive,
		OptionValues:   []string{"Snozzberry"},
		Taxable:        true,
		RetailPrice:    sgdp("24.0"),
		WholesalePrice: sgdp("12.0"),
		BuyPrice:       sgdp("4.5"),
		Prices: []commerce.VariantPrice{
			{PriceListID: "retail", Price: money.New(dec("24.0"), sgd)},
			{PriceListID: "wholesale", Price: money.New(dec("12.0"), sgd)},
			{PriceListID: "buy", Price: money.New(dec("4.5"), sgd)},
		},
		Inventory: commerce.Inventory{
			Tracked: true, OnHand: dec("10"), Committed: dec("0"), Incoming: dec("0"), Available: dec("10"),
			DisplayQuantity: decp("10"), CanSell: true,
		},
		StockLevels: []commerce.StockLevel{{LocationID: 1, OnHand: dec("10"), Committed: dec("0"), Incoming: dec("0"), Available: dec("10")}},
		ImageIDs:    []int64{},
		CreatedAt:   time.Date(2015, 11, 2, 1, 22, 24, 796e6, time.UTC),
		UpdatedAt:   time.Date(2015, 11, 2, 1, 34, 4, 474e6, time.UTC),
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("variant mismatch (-want +got):\n%s", diff)
	}
	// Money is exact and in the account's base currency: "24.0" → 24.00 SGD.
	if got.RetailPrice.FormatAmount() != "24.00" || got.RetailPrice.String() != "24.00 SGD" {
		t.Errorf("retail price = %q (%s), want 24.00 SGD", got.RetailPrice.FormatAmount(), got.RetailPrice)
	}
	if len(*unknown) != 0 {
		t.Errorf("unknown values reported for a spec variant: %v", *unknown)
	}

	peach := m.variant(&specVariants[0])
	if peach.Inventory.Available.String() != "7" || peach.Inventory.DisplayQuantity.String() != "7" || peach.StockLevels[0].Available.String() != "7" {
		t.Errorf("Peach (10 on hand, 3 committed) inventory = %+v", peach.Inventory)
	}
}

func TestMapPrices(t *testing.T) {
	tests := []struct {
		name      string
		v         Variant
		retail    string // FormatAmount, "" for nil
		wholesale string
		buy       string
		lists     []string // "id=amount"
	}{
		{
			name:   "four decimals kept",
			v:      Variant{Status: "active", RetailPrice: D("30.0"), BuyPrice: D("3.9321")},
			retail: "30.00", buy: "3.9321",
			lists: []string{"retail=30.00", "buy=3.9321"},
		},
		{
			name: "variant_prices, with a custom list",
			v: Variant{Status: "active", VariantPrices: []VariantPrice{
				{PriceListID: "retail", Value: D("22.0")}, {PriceListID: "vip", Value: D("19.5")}, {PriceListID: "buy", Value: D("4.5")},
			}},
			retail: "22.00", buy: "4.50",
			lists: []string{"retail=22.00", "vip=19.50", "buy=4.50"},
		},
		{
			name: "the deprecated prices hash when variant_prices is missing",
			v: Variant{Status: "active", Prices: map[string]Decimal{
				"wholesale": D("12.0"), "retail": D("24.0"), "buy": D("4.5"), "ignored": {},
			}},
			retail: "24.00", wholesale: "12.00", buy: "4.50",
			lists: []string{"buy=4.50", "retail=24.00", "wholesale=12.00"},
		},
		{
			name: "variant_prices win over the hash",
			v: Variant{Status: "active",
				VariantPrices: []VariantPrice{{PriceListID: "retail", Value: D("22.0")}},
				Prices:        map[string]Decimal{"retail": D("99.0"), "vip": D("1")},
			},
			retail: "22.00",
			lists:  []string{"retail=22.00"},
		},
		{
			name: "named fields win for the standard lists",
			v: Variant{Status: "active", RetailPrice: D("23.0"), WholesalePrice: D("11"),
				VariantPrices: []VariantPrice{{PriceListID: "retail", Value: D("22.0")}, {PriceListID: "", Value: D("1")}, {PriceListID: "x", Value: Decimal{}}},
			},
			retail: "23.00", wholesale: "11.00",
			lists: []string{"retail=23.00", "wholesale=11.00"},
		},
		{
			name: "no prices",
			v:    Variant{Status: "active"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := testMapper()
			got := m.variant(&tt.v)
			format := func(p *money.Money) string {
				if p == nil {
					return ""
				}
				if p.Currency() != sgd {
					t.Errorf("price %v is not in the base currency SGD", p)
				}
				return p.FormatAmount()
			}
			if r, w, b := format(got.RetailPrice), format(got.WholesalePrice), format(got.BuyPrice); r != tt.retail || w != tt.wholesale || b != tt.buy {
				t.Errorf("retail, wholesale, buy = %q, %q, %q; want %q, %q, %q", r, w, b, tt.retail, tt.wholesale, tt.buy)
			}
			var lists []string
			for _, p := range got.Prices {
				lists = append(lists, p.PriceListID+"="+p.Price.FormatAmount())
			}
			if diff := cmp.Diff(tt.lists, lists); diff != "" {
				t.Errorf("price lists (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMapInventory(t *testing.T) {
	type inv struct {
		tracked   bool
		available string
		display   string // "" for nil
		canSell   bool
	}
	tests := []struct {
		name string
		v    Variant
		want inv
	}{
		{
			name: "tracked, in stock",
			v:    Variant{Status: "active", StockOnHand: D("10"), CommittedStock: D("3")},
			want: inv{true, "7", "7", true},
		},
		{
			name: "tracked, none left",
			v:    Variant{Status: "active", StockOnHand: D("3"), CommittedStock: D("3")},
			want: inv{true, "0", "0", false},
		},
		{
			name: "manage_stock false: untracked and sellable at zero",
			v:    Variant{Status: "active", ManageStock: no, StockOnHand: D("0")},
			want: inv{false, "0", "", true},
		},
		{
			name: "manage_stock false: sellable below zero",
			v:    Variant{Status: "active", ManageStock: Bool{Value: false, Valid: true}, StockOnHand: D("-4")},
			want: inv{false, "-4", "", true},
		},
		{
			name: "composites are always tracked",
			v:    Variant{Status: "active", ManageStock: no, Composite: yes, StockOnHand: D("0")},
			want: inv{true, "0", "0", false},
		},
		{
			name: "keep_selling at zero",
			v:    Variant{Status: "active", KeepSelling: yes, StockOnHand: D("0")},
			want: inv{true, "0", "0", true},
		},
		{
			name: "keep_selling below zero",
			v:    Variant{Status: "active", KeepSelling: yes, StockOnHand: D("0"), CommittedStock: D("2")},
			want: inv{true, "-2", "0", true},
		},
		{
			name: "max_online caps the quantity shown",
			v:    Variant{Status: "active", StockOnHand: D("20"), MaxOnline: D("5")},
			want: inv{true, "20", "5", true},
		},
		{
			name: "max_online above the stock",
			v:    Variant{Status: "active", StockOnHand: D("2.5"), MaxOnline: D("5")},
			want: inv{true, "2.5", "2.5", true},
		},
		{
			name: "max_online zero",
			v:    Variant{Status: "active", StockOnHand: D("20"), MaxOnline: D("0")},
			want: inv{true, "20", "0", true},
		},
		{
			name: "archived cannot sell",
			v:    Variant{Status: "archived", StockOnHand: D("10")},
			want: inv{true, "10", "10", false},
		},
		{
			name: "archived cannot sell even untracked or keep_selling",
			v:    Variant{Status: "archived", ManageStock: no, KeepSelling: yes},
			want: inv{false, "0", "", false},
		},
		{
			name: "sellable false cannot sell",
			v:    Variant{Status: "active", Sellable: no, StockOnHand: D("10")},
			want: inv{true, "10", "10", false},
		},
		{
			name: "sellable false cannot sell untracked",
			v:    Variant{Status: "active", Sellable: no, ManageStock: no},
			want: inv{false, "0", "", false},
		},
		{
			name: "totals summed over locations when absent",
			v: Variant{Status: "active", Locations: []VariantLocation{
				{LocationID: 1, StockOnHand: D("12"), Committed: D("1")},
				{LocationID: 2, StockOnHand: D("8"), Incoming: D("5")},
			}},
			want: inv{true, "19", "19", true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := testMapper()
			got := m.variant(&tt.v).Inventory
			display := ""
			if got.DisplayQuantity != nil {
				display = money.FormatDecimal(*got.DisplayQuantity)
			}
			g := inv{got.Tracked, money.FormatDecimal(got.Available), display, got.CanSell}
			if g != tt.want {
				t.Errorf("inventory = %+v, want %+v", g, tt.want)
			}
			if got.KeepSelling != tt.v.KeepSelling.Or(false) {
				t.Errorf("KeepSelling = %v, want %v", got.KeepSelling, tt.v.KeepSelling.Or(false))
			}
		})
	}
}

func TestMapStockLevels(t *testing.T) {
	m, _ := testMapper()
	v := Variant{Status: "active", StockOnHand: D("20"), Locations: []VariantLocation{
		{LocationID: 1, StockOnHand: D("12"), Committed: D("2"), Available: D("10"), BinLocation: "A-1"},
		{LocationID: 2, StockOnHand: D("8"), Committed: D("3")}, // available computed
		{LocationID: 3},
	}}
	want := []commerce.StockLevel{
		{LocationID: 1, OnHand: dec("12"), Committed: dec("2"), Incoming: dec("0"), Available: dec("10"), BinLocation: "A-1"},
		{LocationID: 2, OnHand: dec("8"), Committed: dec("3"), Incoming: dec("0"), Available: dec("5")},
		{LocationID: 3, OnHand: dec("0"), Committed: dec("0"), Incoming: dec("0"), Available: dec("0")},
	}
	got := m.variant(&v)
	if diff := cmp.Diff(want, got.StockLevels, cmpOpts); diff != "" {
		t.Errorf("stock levels (-want +got):\n%s", diff)
	}
	// The total as sent wins over the sum of the locations.
	if got.Inventory.OnHand.String() != "20" || got.Inventory.Committed.String() != "5" {
		t.Errorf("inventory on hand %v committed %v, want 20 (as sent) and 5 (summed)", got.Inventory.OnHand, got.Inventory.Committed)
	}
}

func TestMapVariantFields(t *testing.T) {
	m, _ := testMapper()
	v := Variant{ID: 9, Status: "active", Opt1: "Large", Opt2: " ", Opt3: "Red", Taxable: no, UPC: "0123", Weight: D("0.25"), WeightUnit: "kg", ImageIDs: IDs{3, 1}}
	got := m.variant(&v)
	if diff := cmp.Diff([]string{"Large", "Red"}, got.OptionValues); diff != "" {
		t.Errorf("option values (-want +got):\n%s", diff)
	}
	if got.Taxable || got.UPC != "0123" || got.Weight == nil || got.Weight.String() != "0.25" || got.WeightUnit != "kg" || !cmp.Equal(got.ImageIDs, []int64{3, 1}) {
		t.Errorf("variant = %+v", got)
	}
	if got := m.variant(&Variant{Status: "active"}); !got.Taxable || got.Weight != nil {
		t.Errorf("defaults: taxable %v weight %v, want true and nil", got.Taxable, got.Weight)
	}
}

func TestMapSpecProduct(t *testing.T) {
	m, _ := testMapper()
	got := m.product(&specProducts[0])
	want := commerce.Product{
		ID:          2,
		Name:        "Golden Egg",
		Description: "All ready for Easter, our giant golden chocolate eggs are just what the doctor ordered, adults and children alike",
		ProductType: "Chocolate",
		Status:      commerce.ProductActive,
		Tags:        []string{"candy", "chocolate"},
		OptionNames: []string{"Size"},
		ImageIDs:    []int64{1, 2},
		VariantIDs:  []int64{4, 5, 6, 7},
		CreatedAt:   time.Date(2015, 11, 2, 1, 22, 24, 817e6, time.UTC),
		UpdatedAt:   time.Date(2015, 11, 2, 1, 22, 24, 817e6, time.UTC),
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("product mismatch (-want +got):\n%s", diff)
	}
}

func TestMapStatuses(t *testing.T) {
	m, unknown := testMapper()
	for in, want := range map[string]commerce.ProductStatus{
		"active": commerce.ProductActive, "disabled": commerce.ProductDisabled, "archived": commerce.ProductArchived,
		"paused": commerce.ProductOther, "": commerce.ProductOther,
	} {
		if got := m.productStatus(in); got != want {
			t.Errorf("productStatus(%q) = %v, want %v", in, got, want)
		}
	}
	for in, want := range map[string]commerce.VariantStatus{
		"active": commerce.VariantActive, "archived": commerce.VariantArchived, "disabled": commerce.VariantOther,
	} {
		if got := m.variantStatus(in); got != want {
			t.Errorf("variantStatus(%q) = %v, want %v", in, got, want)
		}
	}
	slicesSort := cmpopts.SortSlices(func(a, b string) bool { return a < b })
	if diff := cmp.Diff([]string{"product.status=paused", "product.status=", "variant.status=disabled"}, *unknown, slicesSort); diff != "" {
		t.Errorf("unknown values reported (-want +got):\n%s", diff)
	}
	// An unknown variant status is never sellable.
	if inv := m.variant(&Variant{Status: "pending", ManageStock: no}).Inventory; inv.CanSell {
		t.Errorf("a variant with an undocumented status can sell")
	}
}

func TestUnknownStatusLoggedOnce(t *testing.T) {
	log, buf := newTestLogger()
	cat := NewCatalog(nil, log)
	m := mapper{currency: sgd, unknown: cat.unknown}
	for range 3 {
		if got := m.productStatus("paused"); got != commerce.ProductOther {
			t.Fatalf("productStatus(paused) = %v, want OTHER", got)
		}
	}
	m.variantStatus("paused")
	m.productStatus("frozen")
	out := buf.String()
	if n := strings.Count(out, "undocumented value"); n != 3 {
		t.Errorf("logged %d warnings, want 3 (product paused, variant paused, product frozen):\n%s", n, out)
	}
	if strings.Count(out, "value=paused") != 2 || !strings.Contains(out, "field=product.status") {
		t.Errorf("log does not name the field and value:\n%s", out)
	}
}

func TestMapImage(t *testing.T) {
	m, _ := testMapper()
	got := m.image(&specImages[1])
	want := commerce.Image{
		ID: 1, ProductID: 1, VariantIDs: []int64{1, 2},
		URL:      "https://tradegecko-development-images.s3.amazonaws.com/uploads/variant_image/image/2229/shw005a_4.jpg",
		FileName: "shw005a_4.jpg", Position: 1, Versions: []string{"thumbnail", "medium"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("image (-want +got):\n%s", diff)
	}
	// The deprecated variant_id stands in when variant_ids is missing.
	if got := m.image(&Image{ID: 5, VariantID: 9}); !cmp.Equal(got.VariantIDs, []int64{9}) {
		t.Errorf("image with only variant_id: VariantIDs = %v, want [9]", got.VariantIDs)
	}
	if got := m.image(&Image{ID: 5}); len(got.VariantIDs) != 0 {
		t.Errorf("image without variants: VariantIDs = %v, want none", got.VariantIDs)
	}
}

func TestToLocationAndCurrency(t *testing.T) {
	want := commerce.Location{ID: 2, Label: "Secondary Location", Country: "NZ", HoldsStock: true, Active: true}
	if diff := cmp.Diff(want, toLocation(&specLocations[0])); diff != "" {
		t.Errorf("toLocation (-want +got):\n%s", diff)
	}
	if got := toLocation(&Location{ID: 3, Status: "archived", HoldsStock: no}); got.Active || got.HoldsStock {
		t.Errorf("toLocation(archived, holds_stock false) = %+v", got)
	}
	if got := toLocation(&Location{ID: 4}); !got.Active || !got.HoldsStock {
		t.Errorf("toLocation(no status, no holds_stock) = %+v, want active and holding stock", got)
	}

	c, err := toCurrency(&specCurrencies[1], 1)
	wantC := commerce.Currency{ID: 1, Code: sgd, Name: "Singaporean Dollars", Symbol: "$", Rate: dec("1.0"), Precision: 2, IsBase: true}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantC, c, cmpOpts); diff != "" {
		t.Errorf("toCurrency (-want +got):\n%s", diff)
	}
	if c, err := toCurrency(&Currency{ID: 5, ISO: " nzd "}, 1); err != nil || c.Code.Code() != "NZD" || c.IsBase || !c.Rate.Equal(dec("1")) {
		t.Errorf("toCurrency(nzd) = %+v, %v; want NZD, not base, rate 1", c, err)
	}
	for _, iso := range []string{"", "S$", "DOLLAR"} {
		if _, err := toCurrency(&Currency{ISO: Text(iso)}, 1); err == nil {
			t.Errorf("toCurrency(%q) = nil error", iso)
		}
	}
}

func TestToCommerceError(t *testing.T) {
	now := time.Unix(1509339000, 0)
	tests := []struct {
		name       string
		err        error
		code       commerce.Code
		requestID  string
		retryAfter time.Duration
		message    string // a substring
	}{
		{"429", &RateLimitError{Refusal: refusal(now.Add(30*time.Second), now), RequestID: "r1", Rate: Rate{Reset: now.Add(30 * time.Second)}}, commerce.CodeRateLimited, "r1", 30 * time.Second, "budget"},
		{"local refusal", &RateLimitError{Refusal: refusal(now.Add(5*time.Minute), now), Local: true, Rate: Rate{Reset: now.Add(5 * time.Minute)}}, commerce.CodeRateLimited, "", 5 * time.Minute, "budget"},
		{"400", &ErrorResponse{StatusCode: 400, Type: "Bad Request", Message: "bad limit", RequestID: "r2"}, commerce.CodeUpstreamError, "r2", 0, "bad limit"},
		{"401", &ErrorResponse{StatusCode: 401, Type: "Unauthorized", RequestID: "r3"}, commerce.CodeUpstreamError, "r3", 0, "credentials"},
		{"402", &ErrorResponse{StatusCode: 402, Type: "Payment Required"}, commerce.CodeUpstreamError, "", 0, "subscription"},
		{"403", &ErrorResponse{StatusCode: 403, Type: "Forbidden"}, commerce.CodeUpstreamError, "", 0, "credentials"},
		{"404", &ErrorResponse{StatusCode: 404, Type: "Not Found", RequestID: "r4"}, commerce.CodeNotFound, "r4", 0, "not found"},
		{"414", &ErrorResponse{StatusCode: 414, Type: "Request URI Too Long"}, commerce.CodeUpstreamError, "", 0, "refused"},
		{"422", &ErrorResponse{StatusCode: 422, Errors: map[string][]string{"name": {"can't be blank"}}}, commerce.CodeUpstreamError, "", 0, "name can't be blank"},
		{"500", &ErrorResponse{StatusCode: 500, Type: "Internal Server Error", RequestID: "r5"}, commerce.CodeUpstreamUnavailable, "r5", 0, "unavailable"},
		{"503", &ErrorResponse{StatusCode: 503, Type: "Service Unavailable"}, commerce.CodeUpstreamUnavailable, "", 0, "unavailable"},
		{"network", &NetworkError{Method: "GET", Path: "/products", Err: errors.New("connection reset")}, commerce.CodeUpstreamUnavailable, "", 0, "did not answer"},
		{"network timeout", &NetworkError{Method: "GET", Path: "/products", Err: context.DeadlineExceeded}, commerce.CodeUpstreamUnavailable, "", 0, "did not answer"},
		{"decode", &DecodeError{RequestID: "r6", Err: errors.New("bad json")}, commerce.CodeUpstreamError, "r6", 0, "cannot read"},
		{"auth", &AuthError{Err: errors.New("no refresh token")}, commerce.CodeUpstreamError, "", 0, "token"},
		{"wrapped", fmt.Errorf("load account: %w", &ErrorResponse{StatusCode: 503, RequestID: "r7"}), commerce.CodeUpstreamUnavailable, "r7", 0, "unavailable"},
		{"breaker open", fmt.Errorf("tradegecko: GET /products: %w", &circuit.OpenError{Backend: "tradegecko", Kind: circuit.Read, State: circuit.Open, RetryAfter: 3 * time.Second}),
			commerce.CodeUpstreamUnavailable, "", 3 * time.Second, "nothing was sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := toCommerceError(tt.err)
			var ce *commerce.Error
			if !errors.As(err, &ce) {
				t.Fatalf("toCommerceError(%v) = %T %v, want a *commerce.Error", tt.err, err, err)
			}
			if ce.Code != tt.code || ce.Backend != Backend || ce.RequestID != tt.requestID || ce.RetryAfter != tt.retryAfter {
				t.Errorf("toCommerceError(%v) = code %s backend %q request id %q retry after %v; want %s %q %q %v",
					tt.err, ce.Code, ce.Backend, ce.RequestID, ce.RetryAfter, tt.code, Backend, tt.requestID, tt.retryAfter)
			}
			if !strings.Contains(ce.Message, tt.message) {
				t.Errorf("toCommerceError(%v).Message = %q, want it to contain %q", tt.err, ce.Message, tt.message)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("toCommerceError(%v) lost the cause", tt.err)
			}
		})
	}
}

func TestToCommerceErrorPassThrough(t *testing.T) {
	if toCommerceError(nil) != nil {
		t.Errorf("toCommerceError(nil) != nil")
	}
	own := commerce.Errorf(commerce.CodeConflict, "busy")
	if got := toCommerceError(fmt.Errorf("x: %w", own)); commerce.ErrorOf(got) != own {
		t.Errorf("toCommerceError(wrapped *commerce.Error) = %v, want it kept", got)
	}
	if got := commerce.CodeOf(toCommerceError(errors.New("bug"))); got != commerce.CodeInternal {
		t.Errorf("toCommerceError(plain error) code = %s, want INTERNAL", got)
	}
	if got := commerce.CodeOf(toCommerceError(context.Canceled)); got != commerce.CodeUpstreamUnavailable {
		t.Errorf("toCommerceError(context.Canceled) code = %s, want UPSTREAM_UNAVAILABLE", got)
	}
}
