package tradegecko

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
)

func TestValidateOrderPriceScale(t *testing.T) {
	price := func(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
	for _, tc := range []struct {
		price *decimal.Decimal
		want  bool // refused
	}{
		{nil, false},
		{price("12"), false},
		{price("0.0001"), false},
		{price("1.10000"), false}, // trailing zeros are not decimals
		{price("-3.1234"), false},
		{price("1.00001"), true},
		{price("0.12345678"), true},
	} {
		in := commerce.NewOrder{LineItems: []commerce.NewOrderLine{{VariantID: 1, Quantity: decimal.NewFromInt(1)}, {VariantID: 2, Quantity: decimal.NewFromInt(1), Price: tc.price}}}
		errs := (&Sales{}).ValidateOrder(in)
		if !tc.want {
			if len(errs) != 0 {
				t.Errorf("ValidateOrder(price %v) = %+v, want none", tc.price, errs)
			}
			continue
		}
		if len(errs) != 1 || errs[0].Code != "SUB_UNIT_AMOUNT" || strings.Join(errs[0].Field, ".") != "lineItems.1.price" ||
			!strings.Contains(errs[0].Message, "more than 4 decimals") {
			t.Errorf("ValidateOrder(price %v) = %+v, want SUB_UNIT_AMOUNT at lineItems.1.price", tc.price, errs)
		}
	}
}
