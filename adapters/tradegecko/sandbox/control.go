package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
)

// controlRoutes are the TradeGecko sandbox's own control routes, beside
// the shared ones of adapters/sandboxkit (requests, fail, drop, latency,
// faults). Bad bodies are 400 {"message":…}, unknown records 404; an
// update the API would refuse answers the API's 422 {"errors":{…}}.
func (s *Sandbox) controlRoutes() []sandboxkit.Route {
	notFoundOr400 := func(err error) error {
		if errors.Is(err, ErrUnknown) {
			return sandboxkit.Errorf(http.StatusNotFound, "%v", err)
		}
		return sandboxkit.Errorf(http.StatusBadRequest, "%v", err)
	}
	return []sandboxkit.Route{
		{Method: http.MethodPost, Path: "/stock", Help: `{"variant_id":3,"location_id":1,"stock_on_hand":"12"} → {"variant":{…}}; a webhook follows`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				var in struct {
					VariantID   *int64          `json:"variant_id"`
					LocationID  *int64          `json:"location_id"`
					StockOnHand json.RawMessage `json:"stock_on_hand"`
				}
				if err := c.Decode(&in); err != nil {
					return nil, err
				}
				if in.VariantID == nil || in.LocationID == nil || in.StockOnHand == nil {
					return nil, sandboxkit.Errorf(http.StatusBadRequest, `variant_id, location_id and stock_on_hand are required, e.g. {"variant_id":3,"location_id":1,"stock_on_hand":"12"}`)
				}
				qty, err := decimalText(in.StockOnHand)
				if err != nil {
					return nil, sandboxkit.Errorf(http.StatusBadRequest, `stock_on_hand must be a decimal string such as "12" or "2.5"`)
				}
				if err := s.SetStock(*in.VariantID, *in.LocationID, qty); err != nil {
					return nil, notFoundOr400(err)
				}
				s.mu.Lock()
				v := s.db.variants[*in.VariantID].wire()
				s.mu.Unlock()
				return answer(showResponse("variant", v, nil)), nil
			}},
		{Method: http.MethodPost, Path: "/outage", Help: `{"status":503}: every API request answers it until DELETE /_sandbox/outage`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				var in struct {
					Status *int `json:"status"`
				}
				if err := c.Decode(&in); err != nil {
					return nil, err
				}
				if in.Status == nil || *in.Status < 500 || *in.Status > 599 {
					return nil, sandboxkit.Errorf(http.StatusBadRequest, `status (500-599) is required, e.g. {"status":503}; DELETE /_sandbox/outage ends the outage`)
				}
				s.SetOutage(*in.Status)
				return nil, nil
			}},
		{Method: http.MethodDelete, Path: "/outage", Help: "ends the outage", Handle: func(*sandboxkit.Control) (any, error) {
			s.SetOutage(0)
			return nil, nil
		}},
		{Method: http.MethodPost, Path: "/include", Help: `{"ignore_index":true}: index endpoints ignore include=`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				var in struct {
					IgnoreIndex *bool `json:"ignore_index"`
				}
				if err := c.Decode(&in); err != nil {
					return nil, err
				}
				if in.IgnoreIndex == nil {
					return nil, sandboxkit.Errorf(http.StatusBadRequest, `ignore_index is required, e.g. {"ignore_index":true}`)
				}
				s.SetIgnoreIndexInclude(*in.IgnoreIndex)
				return nil, nil
			}},
		{Method: http.MethodPost, Path: "/rate-limit/reset", Help: "forget every request counted against the rate limit",
			Handle: func(*sandboxkit.Control) (any, error) {
				s.ResetRateLimit()
				return nil, nil
			}},
		{Method: http.MethodPost, Path: "/rate-limit/spend", Help: `{"count":20} → {"spent":20}: another app on the account made 20 requests`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				var in struct {
					Count *int `json:"count"`
				}
				if err := c.Decode(&in); err != nil {
					return nil, err
				}
				if in.Count == nil || *in.Count < 0 {
					return nil, sandboxkit.Errorf(http.StatusBadRequest, `count (>= 0) is required, e.g. {"count":20}`)
				}
				return map[string]int{"spent": s.SpendRateLimit(*in.Count)}, nil
			}},
		{Method: http.MethodPost, Path: "/products",
			Help:   `{"name":"Fizz","variants":[{"sku":"FIZZ-1","name":"Lemon","retail_price":"3.5","stock_on_hand":{"1":"10"}}]} → 201`,
			Handle: s.controlAddProduct},
		{Method: http.MethodPut, Path: "/products/{id}", Help: `{"name":"Giant Egg","status":"disabled"} → {"product":{…}}`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				return s.controlUpdate(c, "product", s.UpdateProduct, func(id int64) (any, bool) {
					p, ok := s.db.products[id]
					if !ok {
						return nil, false
					}
					return p.wire(), true
				})
			}},
		{Method: http.MethodPut, Path: "/variants/{id}", Help: `{"name":"Jumbo","retail_price":"49.5"} → {"variant":{…}}`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				return s.controlUpdate(c, "variant", s.UpdateVariant, func(id int64) (any, bool) {
					v, ok := s.db.variants[id]
					if !ok {
						return nil, false
					}
					return v.wire(), true
				})
			}},
		{Method: http.MethodPost, Path: "/returns/{id}/receive", Help: `→ {"fulfillment_return":{…}} (404 unknown, 409 not returning)`,
			Handle: func(c *sandboxkit.Control) (any, error) {
				id, valid := parseID(c.Param("id"))
				if !valid {
					return nil, sandboxkit.Errorf(http.StatusNotFound, "no fulfillment return %q", c.Param("id"))
				}
				if err := s.ReceiveReturn(id); err != nil {
					if errors.Is(err, ErrUnknown) {
						return nil, sandboxkit.Errorf(http.StatusNotFound, "%v", err)
					}
					return nil, sandboxkit.Errorf(http.StatusConflict, "%v", err)
				}
				s.mu.Lock()
				r, _ := s.db.returns.get(id)
				w := r.wire()
				s.mu.Unlock()
				return answer(showResponse("fulfillment_return", w, nil)), nil
			}},
		{Method: http.MethodGet, Path: "/deliveries", Help: "every webhook delivery attempt (JSON list)",
			Handle: func(*sandboxkit.Control) (any, error) {
				ds := s.Deliveries()
				out := make([]deliveryJSON, len(ds))
				for i, d := range ds {
					out[i] = deliveryJSON{
						WebhookID: d.WebhookID, Address: d.Address, Event: d.Event, DeliveryID: d.DeliveryID,
						Body: string(d.Body), Signature: d.Signature, Attempt: d.Attempt, Status: d.Status,
						Error: d.Error, At: d.At.UTC().Format(time.RFC3339Nano),
					}
				}
				return out, nil
			}},
		{Method: http.MethodPost, Path: "/oauth/expire", Help: "expire every access token /oauth/token issued",
			Handle: func(*sandboxkit.Control) (any, error) {
				s.ExpireAccessTokens()
				return nil, nil
			}},
	}
}

// answer hands a rendered API answer to the control routes.
func answer(r *response) sandboxkit.Response {
	return sandboxkit.Response{Status: r.status, ContentType: r.contentType, Body: r.body}
}

// deliveryJSON is a delivery attempt as GET /_sandbox/deliveries lists it.
type deliveryJSON struct {
	WebhookID  int64  `json:"webhook_id"`
	Address    string `json:"address"`
	Event      string `json:"event"`
	DeliveryID string `json:"delivery_id"`
	Body       string `json:"body"`
	Signature  string `json:"signature"`
	Attempt    int    `json:"attempt"`
	Status     int    `json:"status"`
	Error      string `json:"error"`
	At         string `json:"at"`
}

// controlAddProduct answers POST /_sandbox/products (AddProduct) with 201
// and the product, its variants sideloaded.
func (s *Sandbox) controlAddProduct(c *sandboxkit.Control) (any, error) {
	var in struct {
		Name        string   `json:"name"`
		ProductType string   `json:"product_type"`
		Brand       string   `json:"brand"`
		Tags        []string `json:"tags"`
		Variants    []struct {
			SKU            string            `json:"sku"`
			Name           string            `json:"name"`
			RetailPrice    json.RawMessage   `json:"retail_price"`
			WholesalePrice json.RawMessage   `json:"wholesale_price"`
			BuyPrice       json.RawMessage   `json:"buy_price"`
			StockOnHand    map[string]string `json:"stock_on_hand"`
		} `json:"variants"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	np := NewProduct{Name: in.Name, ProductType: in.ProductType, Brand: in.Brand, Tags: in.Tags}
	for _, v := range in.Variants {
		nv := NewVariant{SKU: v.SKU, Name: v.Name, StockOnHand: map[int64]string{}}
		for _, p := range []struct {
			raw json.RawMessage
			dst *string
		}{{v.RetailPrice, &nv.RetailPrice}, {v.WholesalePrice, &nv.WholesalePrice}, {v.BuyPrice, &nv.BuyPrice}} {
			if len(p.raw) == 0 || string(p.raw) == "null" {
				continue
			}
			t, err := decimalText(p.raw)
			if err != nil {
				return nil, sandboxkit.Errorf(http.StatusBadRequest, `prices must be decimals such as "3.5"`)
			}
			*p.dst = t
		}
		for loc, qty := range v.StockOnHand {
			id, valid := parseID(loc)
			if !valid {
				return nil, sandboxkit.Errorf(http.StatusBadRequest, `stock_on_hand keys are location ids, e.g. {"1":"10"}`)
			}
			nv.StockOnHand[id] = qty
		}
		np.Variants = append(np.Variants, nv)
	}
	id, _, err := s.AddProduct(np)
	if err != nil {
		if errors.Is(err, ErrUnknown) {
			return nil, sandboxkit.Errorf(http.StatusNotFound, "%v", err)
		}
		return nil, sandboxkit.Errorf(http.StatusBadRequest, "%v", err)
	}
	s.mu.Lock()
	p := s.db.products[id]
	side := productSideloads(s.db, []*product{p}, []string{"variants"})
	w := p.wire()
	s.mu.Unlock()
	return answer(jsonResponse(http.StatusCreated, append(side, member{"product", w}))), nil
}

// controlUpdate answers PUT /_sandbox/products/{id} and PUT
// /_sandbox/variants/{id} (UpdateProduct, UpdateVariant) with the record
// after the edit; render is called with mu held.
func (s *Sandbox) controlUpdate(c *sandboxkit.Control, key string, update func(int64, map[string]any) error, render func(int64) (any, bool)) (any, error) {
	raw := c.Param("id")
	id, valid := parseID(raw)
	if !valid {
		return nil, sandboxkit.Errorf(http.StatusNotFound, "no %s %q", key, raw)
	}
	var fields map[string]any
	if err := decodeControlObject(c.Body, &fields); err != nil {
		return nil, err
	}
	if err := update(id, fields); err != nil {
		var ae *apiError
		switch {
		case errors.Is(err, ErrUnknown):
			return nil, sandboxkit.Errorf(http.StatusNotFound, "%v", err)
		case errors.As(err, &ae):
			return answer(errorResponse(ae)), nil // 422 {"errors":{…}}, as the API answers
		}
		return nil, sandboxkit.Errorf(http.StatusBadRequest, "%v", err)
	}
	s.mu.Lock()
	w, ok := render(id)
	s.mu.Unlock()
	if !ok { // gone since the update
		return nil, sandboxkit.Errorf(http.StatusNotFound, "no %s %d", key, id)
	}
	return answer(showResponse(key, w, nil)), nil
}

// decodeControlObject decodes a control body that must be one JSON object
// of any keys, numbers kept exact.
func decodeControlObject(body []byte, v *map[string]any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return sandboxkit.Errorf(http.StatusBadRequest, "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil || *v == nil {
		return sandboxkit.Errorf(http.StatusBadRequest, `the body must be a JSON object, e.g. {"name":"Jumbo","retail_price":"49.5"}`)
	}
	if dec.More() {
		return sandboxkit.Errorf(http.StatusBadRequest, "invalid JSON body: more than one value")
	}
	return nil
}

// decimalText accepts a decimal given as a JSON string ("12.5") or number
// (12.5) and returns its text, never passing through a float.
func decimalText(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return "", badRequest("stock_on_hand must be a decimal string such as \"12\" or \"2.5\"")
	}
	return n.String(), nil
}
