package commerce

import (
	"testing"

	"github.com/shopspring/decimal"
)

// rulesOrders is an order backend with one rule of its own; any other
// method panics (nothing may be sent).
type rulesOrders struct {
	Orders
	validated int
}

func (o *rulesOrders) ValidateOrder(in NewOrder) []UserError {
	o.validated++
	return []UserError{{Field: []string{"lineItems", "0", "price"}, Code: "BACKEND_RULE", Message: "the backend's own rule"}}
}

// The backend's own rules are checked before anything is sent, beside the
// gateway's, and answered as user errors.
func TestCreateOrderAsksTheBackendsRules(t *testing.T) {
	o := &rulesOrders{}
	s := NewService(ServiceConfig{Orders: o})
	one := decimal.NewFromInt(1)
	res, err := s.CreateOrder(admin(), "k", NewOrder{CompanyID: 1, ShippingAddressID: 1,
		LineItems: []NewOrderLine{{VariantID: 2, Quantity: one, Price: &one}}})
	if err != nil || res.Order != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != "BACKEND_RULE" || o.validated != 1 {
		t.Fatalf("CreateOrder = %+v, %v (validated %d); want the backend's user error", res, err, o.validated)
	}
	// With the gateway's own errors too: all of them at once.
	res, _ = s.CreateOrder(admin(), "k", NewOrder{LineItems: []NewOrderLine{{VariantID: 2, Quantity: one}}})
	codes := map[string]bool{}
	for _, e := range res.UserErrors {
		codes[e.Code] = true
	}
	if !codes["REQUIRED"] || !codes["BACKEND_RULE"] {
		t.Errorf("userErrors = %+v, want the gateway's and the backend's", res.UserErrors)
	}
}

// BACKEND_DISABLED says what the composition root gave as the reason, and
// otherwise that the backend is not configured.
func TestDisabledReasons(t *testing.T) {
	ctx := admin()
	for _, c := range []struct {
		name     string
		reasons  DisabledReasons
		sale     string
		intl     string
		orders   string
		products string
	}{
		{"defaults", DisabledReasons{}, "SimpleConsign is not configured", "TradeGlobal is not configured",
			"the order backend (TradeGecko) is not configured", "the catalog backend (TradeGecko) is not configured"},
		{"given", DisabledReasons{Consignment: "consignment off (SET_ME)", International: "international off (SET_IT)", Orders: "orders off", Catalog: "catalog off"},
			"consignment off (SET_ME)", "international off (SET_IT)", "orders off", "catalog off"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := NewService(ServiceConfig{Disabled: c.reasons})
			check := func(what string, err error, backend, want string) {
				t.Helper()
				e := ErrorOf(err)
				if e == nil || e.Code != CodeBackendDisabled || string(e.Backend) != backend || e.Message != want {
					t.Errorf("%s = %v, want BACKEND_DISABLED from %s: %q", what, err, backend, want)
				}
			}
			_, err := s.RecordConsignmentSale(ctx, sale("D1", 1))
			check("RecordConsignmentSale", err, "simpleconsign", c.sale)
			_, err = s.ConsignmentCurrency()
			check("ConsignmentCurrency", err, "simpleconsign", c.sale)
			_, err = s.PlaceInternationalOrder(ctx, intlInput("D1", 1))
			check("PlaceInternationalOrder", err, "tradeglobal", c.intl)
			_, err = s.InternationalCurrency()
			check("InternationalCurrency", err, "tradeglobal", c.intl)
			_, err = s.OrdersByID(ctx, []int64{1}, OrderSideloads{})
			check("OrdersByID", err, "tradegecko", c.orders)
			_, err = s.ProductsByID(ctx, []int64{1}, ProductSideloads{})
			check("ProductsByID", err, "tradegecko", c.products)
		})
	}
}

// A retry of a sale of unknown outcome asks the backend; when that answer
// is lost too, it asks once more in the same call, as a first attempt does
// after its lost send.
func TestConsignmentSaleRetryAsksTwice(t *testing.T) {
	f := &fakeConsign{script: []error{ErrOutcomeUnknown, ErrOutcomeUnknown}}
	s := NewService(ServiceConfig{Consignment: f})
	ctx := admin()
	if _, err := s.RecordConsignmentSale(ctx, sale("S9", 1)); CodeOf(err) != CodeOutcomeUnknown {
		t.Fatalf("lost twice: %v, want OUTCOME_UNKNOWN", err)
	}
	f.script = []error{ErrOutcomeUnknown, nil} // lost again, then recorded
	res, err := s.RecordConsignmentSale(ctx, sale("S9", 1))
	if err != nil || res.Transaction == nil || res.Transaction.Outcome != OutcomeRecorded {
		t.Fatalf("retry = %+v, %v; want RECORDED", res, err)
	}
	if got := pendingIDs(t, s); len(got) != 0 {
		t.Errorf("pending = %v after the sale was recorded", got)
	}
}
