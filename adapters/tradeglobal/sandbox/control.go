package sandbox

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
)

type orderView struct {
	MerchantCode     string          `json:"merchantCode"`
	MerchantOrderID  string          `json:"merchantOrderId"`
	ServiceCode      string          `json:"serviceCode"`
	QuoteID          string          `json:"quoteId"`
	CartTotal        json.Number     `json:"cartTotal"`
	TotalCost        json.Number     `json:"totalCost"`
	ChargeableWeight json.Number     `json:"chargeableWeight"`
	PlacedAt         time.Time       `json:"placedAt"`
	Request          json.RawMessage `json:"request"`
	Response         json.RawMessage `json:"response"`
}

func viewOrder(o Order) orderView {
	raw := func(b []byte) json.RawMessage {
		if json.Valid(b) {
			return b
		}
		s, _ := json.Marshal(string(b))
		return s
	}
	return orderView{
		MerchantCode: o.MerchantCode, MerchantOrderID: o.MerchantOrderID, ServiceCode: o.ServiceCode,
		QuoteID: o.QuoteID, CartTotal: json.Number(o.CartTotal), TotalCost: json.Number(o.TotalCost),
		ChargeableWeight: json.Number(o.ChargeableWeight), PlacedAt: o.PlacedAt,
		Request: raw(o.Request), Response: raw(o.Response),
	}
}

// controlRoutes are the TradeGlobal sandbox's own control routes, beside
// the shared ones of adapters/sandboxkit (requests, fail, drop, latency,
// faults).
func (s *Sandbox) controlRoutes() []sandboxkit.Route {
	return []sandboxkit.Route{
		{Method: http.MethodGet, Path: "/orders", Help: "placed orders, with the request and answer bodies",
			Handle: func(*sandboxkit.Control) (any, error) {
				orders := s.Orders()
				out := make([]orderView, len(orders))
				for i, o := range orders {
					out[i] = viewOrder(o)
				}
				return out, nil
			}},
		{Method: http.MethodGet, Path: "/orders/{id}", Help: "one placed order, by MerchantOrderID",
			Handle: func(c *sandboxkit.Control) (any, error) {
				o, found := s.Order(c.Param("id"))
				if !found {
					return nil, sandboxkit.Errorf(http.StatusNotFound, "no order with MerchantOrderID %q", c.Param("id"))
				}
				return viewOrder(o), nil
			}},
		{Method: http.MethodGet, Path: "/skus", Help: "SKUs on file", Handle: func(*sandboxkit.Control) (any, error) {
			return s.SKUs(), nil
		}},
	}
}
