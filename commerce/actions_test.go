package commerce

import (
	"context"
	"strings"
	"testing"
)

// stateOrders is an order backend holding one order; OrderAction records
// what was sent and answers refusal, when set.
type stateOrders struct {
	Orders
	order   Order
	sent    []ActionKind
	refusal error
}

func (o *stateOrders) OrdersByID(_ context.Context, ids []int64, _ OrderSideloads) ([]Order, error) {
	if len(ids) == 1 && ids[0] == o.order.ID {
		return []Order{o.order}, nil
	}
	return nil, nil
}

func (o *stateOrders) OrderAction(_ context.Context, cur Order, a OrderAction, _ WriteKey) (Order, error) {
	o.sent = append(o.sent, a.Kind)
	if o.refusal != nil {
		return Order{}, o.refusal
	}
	return cur, nil
}

// The state rules the sandbox cannot reach through the gateway: an order
// with some goods shipped cannot be voided; a status the gateway does not
// know is the backend's to judge; the backend's own refusal of a state is
// NOT_ALLOWED naming the state; an unknown order is NOT_FOUND.
func TestActFromState(t *testing.T) {
	partly := Order{ID: 7, OrderNumber: "SO-0012", Status: OrderFinalized, FulfillmentStatus: ProgressPartial}
	cases := []struct {
		name    string
		order   Order
		action  ActionKind
		refusal error
		sent    bool
		says    string // NOT_ALLOWED with this message; "" for none
	}{
		{"void with goods shipped", partly, ActionVoid, nil, false,
			"order SO-0012 is FINALIZED and has shipped goods: it cannot be voided; create a return for what comes back"},
		{"invoice an order partly shipped", partly, ActionInvoice, nil, true, ""},
		{"a status the gateway does not know", Order{ID: 7, OrderNumber: "SO-0013", Status: OrderOther}, ActionPack, nil, true, ""},
		{"the backend refuses the state", Order{ID: 7, OrderNumber: "SO-0014", Status: OrderActive}, ActionPack,
			&Rejection{Backend: backendCatalog, Message: "Order has no items to pack", State: true}, true,
			"order SO-0014 is ACTIVE: it cannot be packed: Order has no items to pack"},
		{"a draft without an order number", Order{ID: 7, Status: OrderDraft}, ActionPay, nil, false,
			"order 7 is DRAFT: confirm it before paying for it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := &stateOrders{order: tc.order, refusal: tc.refusal}
			res, err := NewService(ServiceConfig{Orders: o}).Act(admin(), 7, OrderAction{Kind: tc.action})
			if err != nil {
				t.Fatal(err)
			}
			if sent := len(o.sent) > 0; sent != tc.sent {
				t.Errorf("sent %v, want sent: %v", o.sent, tc.sent)
			}
			switch {
			case tc.says == "" && (len(res.UserErrors) > 0 || res.Order == nil):
				t.Errorf("Act = %+v, want the order", res)
			case tc.says != "" && (res.Order != nil || len(res.UserErrors) != 1 || res.UserErrors[0].Code != "NOT_ALLOWED" || res.UserErrors[0].Message != tc.says):
				t.Errorf("Act = %+v, want NOT_ALLOWED %q", res, tc.says)
			}
		})
	}
	_, err := NewService(ServiceConfig{Orders: &stateOrders{order: partly}}).Act(admin(), 8, OrderAction{Kind: ActionPay})
	if e := ErrorOf(err); e == nil || e.Code != CodeNotFound || !strings.Contains(e.Message, "order gid://tradegecko/Order/8 ") {
		t.Errorf("Act on an unknown order = %v, want NOT_FOUND naming it", err)
	}
}
