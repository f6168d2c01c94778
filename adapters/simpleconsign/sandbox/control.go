package sandbox

import (
	"errors"
	"net/http"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
)

// controlRoutes are the SimpleConsign sandbox's own control routes,
// beside the shared ones of adapters/sandboxkit (requests, fail, drop,
// latency, faults). An unknown key answers 404, a bad body 400, both
// {"message":…}.
func (s *Sandbox) controlRoutes() []sandboxkit.Route {
	unknownKey := sandboxkit.Errorf(http.StatusNotFound, "%v", ErrUnknownKey)
	return []sandboxkit.Route{
		{Method: http.MethodPost, Path: "/rate-limit/reset", Help: "forget every request counted against every key's limit",
			Handle: func(*sandboxkit.Control) (any, error) {
				s.ResetRateLimit()
				return nil, nil
			}},
		{Method: http.MethodGet, Path: "/stock", Help: `?key=sandbox-key&sku=GFFY72 → {"key":…,"sku":…,"quantity":5}`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				q := c.Request.URL.Query()
				key, sku := q.Get("key"), q.Get("sku")
				if !s.knownKey(key) {
					return nil, unknownKey
				}
				return map[string]any{"key": key, "sku": sku, "quantity": s.Stock(key, sku)}, nil
			}},
		{Method: http.MethodPost, Path: "/stock", Help: `{"key":"sandbox-key","sku":"GFFY72","quantity":5}`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				var in struct {
					Key, SKU string
					Quantity int64
				}
				if err := c.Decode(&in); err != nil {
					return nil, sandboxkit.Errorf(http.StatusBadRequest, `%v; want {"key":"sandbox-key","sku":"GFFY72","quantity":5}`, err)
				}
				if err := s.SetStock(in.Key, in.SKU, in.Quantity); err != nil {
					if errors.Is(err, ErrUnknownKey) {
						return nil, unknownKey
					}
					return nil, sandboxkit.Errorf(http.StatusBadRequest, "%v", err)
				}
				return nil, nil
			}},
		{Method: http.MethodGet, Path: "/transactions", Help: "?key=sandbox-key&orderNumber=1234: the location's ledger for that order",
			Handle: func(c *sandboxkit.Control) (any, error) {
				q := c.Request.URL.Query()
				key := q.Get("key")
				if !s.knownKey(key) {
					return nil, unknownKey
				}
				txs := s.Transactions(key, q.Get("orderNumber"))
				out := make([]transactionJSON, len(txs))
				for i, t := range txs {
					items := make([]itemJSON, len(t.Items))
					for j, it := range t.Items {
						items[j] = itemJSON(it)
					}
					out[i] = transactionJSON{Location: t.Location, OrderNumber: t.OrderNumber, Type: t.Type, Version: t.Version,
						NonTaxableSaleTotal: t.NonTaxableSaleTotal, TaxableSaleTotal: t.TaxableSaleTotal, Tax: t.Tax,
						Items: items, At: t.At.UTC().Format(time.RFC3339Nano)}
				}
				return out, nil
			}},
	}
}

type itemJSON struct {
	SKU      string `json:"sku"`
	Price    int64  `json:"price"`
	Quantity int64  `json:"quantity"`
}

type transactionJSON struct {
	Location            string     `json:"location"`
	OrderNumber         string     `json:"orderNumber"`
	Type                string     `json:"type"`
	Version             int        `json:"version"`
	NonTaxableSaleTotal int64      `json:"nonTaxableSaleTotal"`
	TaxableSaleTotal    int64      `json:"taxableSaleTotal"`
	Tax                 int64      `json:"tax"`
	Items               []itemJSON `json:"items"`
	At                  string     `json:"at"`
}

func (s *Sandbox) knownKey(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key] != nil
}
