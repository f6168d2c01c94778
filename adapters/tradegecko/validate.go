package tradegecko

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
)

// MaxPriceScale is how many decimals an order line's price may carry:
// TradeGecko keeps prices (and currencies, see Currency.Precision) to four.
const MaxPriceScale = 4

// CodeSubUnitAmount is the user error of a price finer than TradeGecko
// keeps: it is refused rather than rounded.
const CodeSubUnitAmount = "SUB_UNIT_AMOUNT"

// ValidateOrder checks an order against TradeGecko's own rules before
// anything is sent (commerce.Orders; the gateway's rules are the
// Service's): a line's price has at most MaxPriceScale decimals
// (SUB_UNIT_AMOUNT at ["lineItems", i, "price"]).
func (s *Sales) ValidateOrder(o commerce.NewOrder) []commerce.UserError {
	var errs []commerce.UserError
	for i, l := range o.LineItems {
		if l.Price != nil && scale(*l.Price) > MaxPriceScale {
			errs = append(errs, commerce.UserError{Field: []string{"lineItems", strconv.Itoa(i), "price"}, Code: CodeSubUnitAmount,
				Message: fmt.Sprintf("price %s has more than %d decimals", l.Price, MaxPriceScale)})
		}
	}
	return errs
}

// scale is the number of decimals d needs ("1.50" needs one).
func scale(d decimal.Decimal) int {
	s := d.String()
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
