package tradegecko

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
)

// A 422 naming an attribute of the order's line items is a rejection
// whose Field is that input's path: by the index TradeGecko names, the
// only line's, or none when it cannot be told (the first unknown variant
// of several lines, which costs a lookup, is tested through createOrder in
// server/rest/orders_test.go).
func TestLineFieldOfARejection(t *testing.T) {
	line := commerce.NewOrderLine{VariantID: 7, Quantity: decimal.NewFromInt(1)}
	one, two := []commerce.NewOrderLine{line}, []commerce.NewOrderLine{line, line}
	for _, tc := range []struct {
		name   string
		errors map[string][]string
		lines  []commerce.NewOrderLine
		offset int
		want   []string
	}{
		{"no index, the only line", map[string][]string{"order_line_items.variant": {"must exist"}}, one, 0, []string{"lineItems", "0", "variantId"}},
		{"bracketed index", map[string][]string{"order_line_items[1].variant_id": {"is not a number"}}, two, 0, []string{"lineItems", "1", "variantId"}},
		{"dotted index", map[string][]string{"order_line_items.1.quantity": {"must be greater than 0"}}, two, 0, []string{"lineItems", "1", "quantity"}},
		{"a later part of a multi-part create", map[string][]string{"order_line_items[0].price": {"is not a number"}}, one, 250, []string{"lineItems", "250", "price"}},
		{"no index, several lines, not a variant", map[string][]string{"order_line_items.quantity": {"must be greater than 0"}}, two, 0, []string{"lineItems"}},
		{"an index past the lines sent", map[string][]string{"order_line_items[5].line_type": {"is not included in the list"}}, one, 0, []string{"lineItems", "0", "lineType"}},
		{"not a line item", map[string][]string{"company": {"must exist"}}, two, 0, nil},
		{"an unknown attribute of a line", map[string][]string{"order_line_items.tax_type": {"is invalid"}}, one, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Sales{cat: &Catalog{}}
			err := s.lineField(context.Background(), &ErrorResponse{StatusCode: http.StatusUnprocessableEntity, Errors: tc.errors}, tc.lines, tc.offset)
			r, ok := err.(*commerce.Rejection)
			if !ok {
				t.Fatalf("lineField(%v) = %T %v, want a *commerce.Rejection", tc.errors, err, err)
			}
			if !slices.Equal(r.Field, tc.want) {
				t.Errorf("lineField(%v).Field = %q, want %q", tc.errors, r.Field, tc.want)
			}
		})
	}
}
