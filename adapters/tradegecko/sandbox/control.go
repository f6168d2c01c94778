package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// controlPrefix is where the control routes live (Options.ControlRoutes).
const controlPrefix = "/_sandbox"

func isControlPath(p string) bool {
	return p == controlPrefix || strings.HasPrefix(p, controlPrefix+"/")
}

// controlRoutes is the help text GET /_sandbox answers.
var controlRoutes = []string{
	"GET /_sandbox/requests",
	"DELETE /_sandbox/requests",
	`POST /_sandbox/stock {"variant_id":3,"location_id":1,"stock_on_hand":"12"}`,
	`POST /_sandbox/fail {"count":2,"status":503}`,
	`POST /_sandbox/outage {"status":503}`,
	"DELETE /_sandbox/outage",
	`POST /_sandbox/latency {"ms":200}`,
	`POST /_sandbox/drop {"count":1}`,
	`POST /_sandbox/include {"ignore_index":true}`,
	"POST /_sandbox/rate-limit/reset",
	`POST /_sandbox/rate-limit/spend {"count":20}`,
	`POST /_sandbox/products {"name":"Fizz","variants":[{"sku":"FIZZ-1","name":"Lemon","retail_price":"3.5","stock_on_hand":{"1":"10"}}]}`,
	`PUT /_sandbox/products/{id} {"name":"Giant Egg","status":"disabled"}`,
	`PUT /_sandbox/variants/{id} {"name":"Jumbo","retail_price":"49.5"}`,
	"POST /_sandbox/returns/{id}/receive",
	"GET /_sandbox/deliveries",
	"POST /_sandbox/oauth/expire",
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

// requestJSON is a recorded request as GET /_sandbox/requests lists it.
type requestJSON struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   map[string][]string `json:"query"`
	Header  map[string][]string `json:"header"`
	Body    string              `json:"body"`
	Status  int                 `json:"status"`
	At      string              `json:"at"`
	Dropped bool                `json:"dropped"`
}

// serveControl answers the /_sandbox/… routes: no auth, no rate limit, not
// recorded. Errors are JSON {"type":…,"message":…}.
func (s *Sandbox) serveControl(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeResponse(w, errorResponse(badRequest("reading body: %v", err)))
		return
	}
	s.mu.Lock()
	s.lastBase = s.requestBase(r)
	s.mu.Unlock()
	resp, err := s.control(r.Method, strings.TrimSuffix(r.URL.Path, "/"), body)
	if err != nil {
		resp = errorResponse(err)
	}
	writeResponse(w, resp)
}

func (s *Sandbox) control(method, path string, body []byte) (*response, error) {
	ok := func() (*response, error) { return jsonResponse(http.StatusOK, map[string]bool{"ok": true}), nil }
	if rest, found := strings.CutPrefix(path, controlPrefix+"/returns/"); found && method == http.MethodPost {
		raw, isReceive := strings.CutSuffix(rest, "/receive")
		id, valid := parseID(raw)
		if isReceive && valid {
			if err := s.ReceiveReturn(id); err != nil {
				if errors.Is(err, ErrUnknown) {
					return nil, &apiError{status: http.StatusNotFound, message: err.Error()}
				}
				return nil, &apiError{status: http.StatusConflict, message: err.Error()}
			}
			s.mu.Lock()
			r, _ := s.db.returns.get(id)
			w := r.wire()
			s.mu.Unlock()
			return showResponse("fulfillment_return", w, nil), nil
		}
	}
	if resp, handled, err := s.controlUpdate(method, path, body); handled {
		return resp, err
	}
	switch method + " " + path {
	case "GET " + controlPrefix:
		return jsonResponse(http.StatusOK, map[string][]string{"routes": controlRoutes}), nil

	case "GET " + controlPrefix + "/requests":
		reqs := s.Requests()
		out := make([]requestJSON, len(reqs))
		for i, r := range reqs {
			out[i] = requestJSON{
				Method: r.Method, Path: r.Path, Query: nonNilMap(r.Query), Header: nonNilMap(r.Header),
				Body: string(r.Body), Status: r.Status, At: r.At.UTC().Format(time.RFC3339Nano), Dropped: r.Dropped,
			}
		}
		return jsonResponse(http.StatusOK, out), nil

	case "DELETE " + controlPrefix + "/requests":
		s.ResetRequests()
		return ok()

	case "POST " + controlPrefix + "/stock":
		var in struct {
			VariantID   *int64          `json:"variant_id"`
			LocationID  *int64          `json:"location_id"`
			StockOnHand json.RawMessage `json:"stock_on_hand"`
		}
		if err := decodeControl(body, &in); err != nil {
			return nil, err
		}
		if in.VariantID == nil || in.LocationID == nil || in.StockOnHand == nil {
			return nil, badRequest(`variant_id, location_id and stock_on_hand are required, e.g. {"variant_id":3,"location_id":1,"stock_on_hand":"12"}`)
		}
		qty, err := decimalText(in.StockOnHand)
		if err != nil {
			return nil, err
		}
		if err := s.SetStock(*in.VariantID, *in.LocationID, qty); err != nil {
			if errors.Is(err, ErrUnknown) {
				return nil, &apiError{status: http.StatusNotFound, message: err.Error()}
			}
			return nil, badRequest("%v", err)
		}
		s.mu.Lock()
		v := s.db.variants[*in.VariantID].wire()
		s.mu.Unlock()
		return showResponse("variant", v, nil), nil

	case "POST " + controlPrefix + "/fail":
		var in struct {
			Count  *int `json:"count"`
			Status *int `json:"status"`
		}
		if err := decodeControl(body, &in); err != nil {
			return nil, err
		}
		if in.Count == nil || *in.Count < 0 || in.Status == nil || *in.Status < 400 || *in.Status > 599 {
			return nil, badRequest(`count (>= 0) and status (400-599) are required, e.g. {"count":2,"status":503}`)
		}
		s.FailNext(*in.Count, *in.Status)
		return ok()

	case "POST " + controlPrefix + "/outage":
		var in struct {
			Status *int `json:"status"`
		}
		if err := decodeControl(body, &in); err != nil {
			return nil, err
		}
		if in.Status == nil || *in.Status < 500 || *in.Status > 599 {
			return nil, badRequest(`status (500-599) is required, e.g. {"status":503}; DELETE /_sandbox/outage ends the outage`)
		}
		s.SetOutage(*in.Status)
		return ok()

	case "DELETE " + controlPrefix + "/outage":
		s.SetOutage(0)
		return ok()

	case "POST " + controlPrefix + "/latency":
		var in struct {
			MS *int64 `json:"ms"`
		}
		if err := decodeControl(body, &in); err != nil {
			return nil, err
		}
		if in.MS == nil || *in.MS < 0 || *in.MS > int64(time.Hour/time.Millisecond) {
			return nil, badRequest(`ms (0 to 3600000) is required, e.g. {"ms":200}`)
		}
		s.SetLatency(time.Duration(*in.MS) * time.Millisecond)
		return ok()

	case "POST " + controlPrefix + "/drop":
		var in struct {
			Count *int `json:"count"`
		}
		if err := decodeControl(body, &in); err != nil {
			return nil, err
		}
		if in.Count == nil || *in.Count < 0 {
			return nil, badRequest(`count (>= 0) is required, e.g. {"count":1}`)
		}
		s.DropNextResponses(*in.Count)
		return ok()

	case "POST " + controlPrefix + "/include":
		var in struct {
			IgnoreIndex *bool `json:"ignore_index"`
		}
		if err := decodeControl(body, &in); err != nil {
			return nil, err
		}
		if in.IgnoreIndex == nil {
			return nil, badRequest(`ignore_index is required, e.g. {"ignore_index":true}`)
		}
		s.SetIgnoreIndexInclude(*in.IgnoreIndex)
		return ok()

	case "POST " + controlPrefix + "/rate-limit/reset":
		s.ResetRateLimit()
		return ok()

	case "POST " + controlPrefix + "/rate-limit/spend":
		var in struct {
			Count *int `json:"count"`
		}
		if err := decodeControl(body, &in); err != nil {
			return nil, err
		}
		if in.Count == nil || *in.Count < 0 {
			return nil, badRequest(`count (>= 0) is required, e.g. {"count":20}`)
		}
		return jsonResponse(http.StatusOK, map[string]int{"spent": s.SpendRateLimit(*in.Count)}), nil

	case "GET " + controlPrefix + "/deliveries":
		ds := s.Deliveries()
		out := make([]deliveryJSON, len(ds))
		for i, d := range ds {
			out[i] = deliveryJSON{
				WebhookID: d.WebhookID, Address: d.Address, Event: d.Event, DeliveryID: d.DeliveryID,
				Body: string(d.Body), Signature: d.Signature, Attempt: d.Attempt, Status: d.Status,
				Error: d.Error, At: d.At.UTC().Format(time.RFC3339Nano),
			}
		}
		return jsonResponse(http.StatusOK, out), nil

	case "POST " + controlPrefix + "/oauth/expire":
		s.ExpireAccessTokens()
		return ok()

	case "POST " + controlPrefix + "/products":
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
		if err := decodeControl(body, &in); err != nil {
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
					return nil, badRequest("prices must be decimals such as \"3.5\"")
				}
				*p.dst = t
			}
			for loc, qty := range v.StockOnHand {
				id, valid := parseID(loc)
				if !valid {
					return nil, badRequest("stock_on_hand keys are location ids, e.g. {\"1\":\"10\"}")
				}
				nv.StockOnHand[id] = qty
			}
			np.Variants = append(np.Variants, nv)
		}
		id, _, err := s.AddProduct(np)
		if err != nil {
			if errors.Is(err, ErrUnknown) {
				return nil, &apiError{status: http.StatusNotFound, message: err.Error()}
			}
			return nil, badRequest("%v", err)
		}
		s.mu.Lock()
		p := s.db.products[id]
		side := productSideloads(s.db, []*product{p}, []string{"variants"})
		w := p.wire()
		s.mu.Unlock()
		return jsonResponse(http.StatusCreated, append(side, member{"product", w})), nil
	}
	return nil, &apiError{status: http.StatusNotFound, message: fmt.Sprintf("no sandbox control route %s %s; GET %s lists them", method, path, controlPrefix)}
}

// controlUpdate answers PUT /_sandbox/products/{id} and PUT
// /_sandbox/variants/{id} (UpdateProduct, UpdateVariant) with the record
// after the edit; handled is false for any other route.
func (s *Sandbox) controlUpdate(method, path string, body []byte) (resp *response, handled bool, err error) {
	if method != http.MethodPut {
		return nil, false, nil
	}
	for _, kind := range []struct {
		prefix, key string
		update      func(int64, map[string]any) error
		render      func(int64) (any, bool) // called with mu held
	}{
		{controlPrefix + "/products/", "product", s.UpdateProduct, func(id int64) (any, bool) {
			p, ok := s.db.products[id]
			if !ok {
				return nil, false
			}
			return p.wire(), true
		}},
		{controlPrefix + "/variants/", "variant", s.UpdateVariant, func(id int64) (any, bool) {
			v, ok := s.db.variants[id]
			if !ok {
				return nil, false
			}
			return v.wire(), true
		}},
	} {
		raw, found := strings.CutPrefix(path, kind.prefix)
		if !found {
			continue
		}
		id, valid := parseID(raw)
		if !valid {
			return nil, true, &apiError{status: http.StatusNotFound, message: fmt.Sprintf("no %s %q", kind.key, raw)}
		}
		var fields map[string]any
		if err := decodeControlObject(body, &fields); err != nil {
			return nil, true, err
		}
		if err := kind.update(id, fields); err != nil {
			var ae *apiError
			switch {
			case errors.Is(err, ErrUnknown):
				return nil, true, &apiError{status: http.StatusNotFound, message: err.Error()}
			case errors.As(err, &ae):
				return nil, true, ae // 422 {"errors":{…}}, as the API answers
			}
			return nil, true, badRequest("%v", err)
		}
		s.mu.Lock()
		w, ok := kind.render(id)
		s.mu.Unlock()
		if !ok { // gone since the update
			return nil, true, &apiError{status: http.StatusNotFound, message: fmt.Sprintf("no %s %d", kind.key, id)}
		}
		return showResponse(kind.key, w, nil), true, nil
	}
	return nil, false, nil
}

// decodeControlObject decodes a control body that must be one JSON object
// of any keys, numbers kept exact.
func decodeControlObject(body []byte, v *map[string]any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil || *v == nil {
		return badRequest("the body must be a JSON object, e.g. {\"name\":\"Jumbo\",\"retail_price\":\"49.5\"}")
	}
	if dec.More() {
		return badRequest("invalid JSON body: more than one value")
	}
	return nil
}

// decodeControl decodes a control body strictly: one JSON object, known
// fields only.
func decodeControl(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	if dec.More() {
		return badRequest("invalid JSON body: more than one value")
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

func nonNilMap[M ~map[string][]string](m M) map[string][]string {
	if m == nil {
		return map[string][]string{}
	}
	return m
}
