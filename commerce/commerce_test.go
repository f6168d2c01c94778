package commerce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
	"github.com/commercegateway/gateway/ratelimit"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }
func dp(s string) *decimal.Decimal {
	v := d(s)
	return &v
}

func TestNewInventory(t *testing.T) {
	tests := []struct {
		name                           string
		tracked, keepSelling, sellable bool
		onHand, committed              string
		maxOnline                      *decimal.Decimal
		wantAvailable                  string
		wantDisplay                    *decimal.Decimal // nil: null
		wantCanSell                    bool
	}{
		{"in stock", true, false, true, "10", "3", nil, "7", dp("7"), true},
		{"sold out", true, false, true, "3", "3", nil, "0", dp("0"), false},
		{"oversold", true, false, true, "1", "3", nil, "-2", dp("0"), false},
		{"fractional", true, false, true, "2.5", "0", nil, "2.5", dp("2.5"), true},
		{"max_online caps", true, false, true, "20", "0", dp("5"), "20", dp("5"), true},
		{"max_online above stock", true, false, true, "3", "0", dp("5"), "3", dp("3"), true},
		{"max_online zero", true, false, true, "3", "0", dp("0"), "3", dp("0"), true},
		{"keep_selling at zero", true, true, true, "0", "0", nil, "0", dp("0"), true},
		{"keep_selling below zero", true, true, true, "0", "2", nil, "-2", dp("0"), true},
		{"untracked", false, false, true, "0", "0", nil, "0", nil, true},
		{"untracked ignores max_online", false, false, true, "50", "0", dp("5"), "50", nil, true},
		{"not sellable", true, true, false, "10", "0", nil, "10", dp("10"), false},
		{"untracked but not sellable", false, false, false, "0", "0", nil, "0", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := NewInventory(tc.tracked, tc.keepSelling, tc.sellable, d(tc.onHand), d(tc.committed), decimal.Zero, tc.maxOnline)
			if !inv.Available.Equal(d(tc.wantAvailable)) {
				t.Errorf("Available = %s, want %s", inv.Available, tc.wantAvailable)
			}
			switch {
			case tc.wantDisplay == nil && inv.DisplayQuantity != nil:
				t.Errorf("DisplayQuantity = %s, want nil", inv.DisplayQuantity)
			case tc.wantDisplay != nil && (inv.DisplayQuantity == nil || !inv.DisplayQuantity.Equal(*tc.wantDisplay)):
				t.Errorf("DisplayQuantity = %v, want %s", inv.DisplayQuantity, tc.wantDisplay)
			}
			if inv.CanSell != tc.wantCanSell {
				t.Errorf("CanSell = %v, want %v", inv.CanSell, tc.wantCanSell)
			}
			if inv.DisplayQuantity != nil && tc.maxOnline != nil && inv.DisplayQuantity.GreaterThan(*tc.maxOnline) {
				t.Errorf("DisplayQuantity %s exceeds max_online %s", inv.DisplayQuantity, tc.maxOnline)
			}
		})
	}
}

func TestAuthorize(t *testing.T) {
	tests := []struct {
		role Role
		op   Operation
		want Code
	}{
		{RoleNone, OpListProducts, CodeUnauthenticated},
		{RoleStorefront, OpListProducts, ""},
		{RoleAdmin, OpListProducts, ""},
		{RoleNone, OpVariantBuyPrice, CodeUnauthenticated},
		{RoleStorefront, OpVariantBuyPrice, CodeForbidden},
		{RoleAdmin, OpVariantBuyPrice, ""},
		{RoleNone, OpPlaceInternationalOrder, CodeUnauthenticated},
		{RoleStorefront, OpPlaceInternationalOrder, ""},
		{RoleAdmin, OpPlaceInternationalOrder, ""},
		{RoleNone, OpReadInternationalOrders, CodeUnauthenticated},
		{RoleStorefront, OpReadInternationalOrders, CodeForbidden},
		{RoleAdmin, OpReadInternationalOrders, ""},
		{RoleNone, OpConsignment, CodeUnauthenticated},
		{RoleStorefront, OpConsignment, CodeForbidden},
		{RoleAdmin, OpConsignment, ""},
		{RoleNone, OpPendingWrites, CodeUnauthenticated},
		{RoleStorefront, OpPendingWrites, CodeForbidden},
		{RoleAdmin, OpPendingWrites, ""},
	}
	for _, tc := range tests {
		ctx := WithPrincipal(context.Background(), Principal{Role: tc.role})
		if got := CodeOf(Authorize(ctx, tc.op)); got != tc.want {
			t.Errorf("Authorize(%s, %s) = %q, want %q", tc.role, tc.op.Name, got, tc.want)
		}
	}
	if got := CodeOf(Authorize(context.Background(), OpListProducts)); got != CodeUnauthenticated {
		t.Errorf("Authorize without a principal = %q, want UNAUTHENTICATED", got)
	}
}

type nopCatalog struct {
	Catalog
	called int
}

func (c *nopCatalog) ListProducts(context.Context, ProductQuery) (Page[Product], error) {
	c.called++
	return Page[Product]{}, nil
}

func TestServiceValidates(t *testing.T) {
	cat := &nopCatalog{}
	svc := NewService(ServiceConfig{Catalog: cat})
	admin := WithPrincipal(context.Background(), Principal{Role: RoleAdmin})
	tests := []struct {
		name string
		q    ProductQuery
		says string
	}{
		{"limit 0", ProductQuery{Window: Window{Limit: 0}}, "limit must be between"},
		{"limit 251", ProductQuery{Window: Window{Limit: 251}}, "limit must be between"},
		{"negative offset", ProductQuery{Window: Window{Limit: 1, Offset: -1}}, "offset"},
		{"too many ids", ProductQuery{Window: Window{Limit: 1}, Filter: ProductFilter{IDs: make([]int64, 251)}}, "at most 250"},
		{"empty tag", ProductQuery{Window: Window{Limit: 1}, Filter: ProductFilter{Tags: []string{""}}}, "empty"},
		{"control char", ProductQuery{Window: Window{Limit: 1}, Filter: ProductFilter{Brand: "a\nb"}}, "control character"},
		{"invalid utf-8", ProductQuery{Window: Window{Limit: 1}, Filter: ProductFilter{Brand: "\xff"}}, "UTF-8"},
		{"status OTHER", ProductQuery{Window: Window{Limit: 1}, Filter: ProductFilter{Status: ProductOther}}, "cannot be used"},
	}
	for _, tc := range tests {
		_, err := svc.ListProducts(admin, tc.q)
		if CodeOf(err) != CodeBadUserInput || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: error = %v, want BAD_USER_INPUT saying %q", tc.name, err, tc.says)
		}
	}
	if cat.called != 0 {
		t.Errorf("invalid queries reached the catalog %d times", cat.called)
	}
	if _, err := svc.ListProducts(admin, ProductQuery{Window: Window{Limit: 250, Offset: 10}}); err != nil || cat.called != 1 {
		t.Errorf("valid query: err %v, calls %d", err, cat.called)
	}
}

func TestBackendDisabled(t *testing.T) {
	svc := NewService(ServiceConfig{})
	admin := WithPrincipal(context.Background(), Principal{Role: RoleAdmin})
	_, err := svc.ListProducts(admin, ProductQuery{Window: Window{Limit: 1}})
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeBackendDisabled || e.Backend != "tradegecko" {
		t.Errorf("ListProducts on a disabled backend: %v, want BACKEND_DISABLED for tradegecko", err)
	}
	// Authorization still comes first.
	if got := CodeOf(func() error { _, err := svc.Locations(context.Background()); return err }()); got != CodeUnauthenticated {
		t.Errorf("anonymous Locations on a disabled backend = %q, want UNAUTHENTICATED", got)
	}
}

func TestPricesHideCostFromStorefront(t *testing.T) {
	sgd := money.MustCurrency("SGD")
	v := &Variant{Prices: []VariantPrice{
		{PriceListID: "retail", Price: money.New(d("24"), sgd)},
		{PriceListID: BuyPriceList, Price: money.New(d("4.5"), sgd)},
	}}
	svc := NewService(ServiceConfig{})
	store := WithPrincipal(context.Background(), Principal{Role: RoleStorefront})
	if got := svc.Prices(store, v); len(got) != 1 || got[0].PriceListID != "retail" {
		t.Errorf("storefront prices = %+v, want retail only", got)
	}
	admin := WithPrincipal(context.Background(), Principal{Role: RoleAdmin})
	if got := svc.Prices(admin, v); len(got) != 2 {
		t.Errorf("admin prices = %+v, want both", got)
	}
}

func TestErrorOf(t *testing.T) {
	if got := ErrorOf(context.DeadlineExceeded).Code; got != CodeUpstreamUnavailable {
		t.Errorf("ErrorOf(deadline) = %s", got)
	}
	if got := ErrorOf(errors.New("boom")); got.Code != CodeInternal || got.Message != "internal error" {
		t.Errorf("ErrorOf(plain) = %+v, want INTERNAL with a generic message", got)
	}
	refused := fmt.Errorf("list: %w", &ratelimit.Refusal{Name: "tradegecko", RetryAfter: 1500 * time.Millisecond})
	if got := ErrorOf(refused); got.Code != CodeRateLimited || got.Backend != "tradegecko" || got.RetryAfter != 1500*time.Millisecond || got.RetryAfterSeconds() != 2 {
		t.Errorf("ErrorOf(refused budget) = %+v, want RATE_LIMITED from tradegecko, retry after 1.5s (2 s)", got)
	}
	wrapped := errors.Join(errors.New("x"), BadInput("bad %s", "thing"))
	if got := ErrorOf(wrapped); got.Code != CodeBadUserInput || got.Message != "bad thing" {
		t.Errorf("ErrorOf(wrapped) = %+v", got)
	}
}

func TestNormalizeEventName(t *testing.T) {
	for in, want := range map[string]string{
		"fulfillment.create":           "fulfillment.create",
		"fulfillments.create":          "fulfillment.create",
		"fulfillment_returns.received": "fulfillment_return.received",
		"variant.stock_level_update":   "variant.stock_level_update",
		"variants.stock_level_update":  "variant.stock_level_update",
		"addresses.create":             "address.create",
		"address.update":               "address.update",
		"companies.destroy":            "company.destroy",
		"Order.Create":                 "order.create",
		"weird":                        "weird",
	} {
		if got := NormalizeEventName(in); got != want {
			t.Errorf("NormalizeEventName(%q) = %q, want %q", in, got, want)
		}
	}
}

// The ledger collections are Redis keys an earlier version wrote: their
// names never change.
func TestLedgerNamesKept(t *testing.T) {
	for got, want := range map[string]string{
		ledgerConsignOrders: "simpleconsign/orders",
		ledgerIntlOrders:    "tradeglobal/orders",
		ledgerIntlAttempts:  "tradeglobal/attempts",
	} {
		if got != want {
			t.Errorf("ledger %q, want %q", got, want)
		}
	}
}
