package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

const controlPrefix = "/_sandbox"

func isControlPath(p string) bool {
	return p == controlPrefix || strings.HasPrefix(p, controlPrefix+"/")
}

// controlRoutes lists the control routes (GET /_sandbox).
var controlRoutes = []string{
	"GET    /_sandbox                    this list",
	"GET    /_sandbox/requests           recorded API requests",
	"DELETE /_sandbox/requests           forget them",
	`POST   /_sandbox/fail               {"count":2,"status":503}`,
	`POST   /_sandbox/latency            {"ms":200}`,
	`POST   /_sandbox/drop               {"count":1}`,
	"GET    /_sandbox/orders             placed orders",
	"GET    /_sandbox/orders/{id}        one placed order, by MerchantOrderID",
	"GET    /_sandbox/skus               SKUs on file",
}

type requestView struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Header  http.Header `json:"header"`
	Body    string      `json:"body"`
	Status  int         `json:"status"`
	At      time.Time   `json:"at"`
	Dropped bool        `json:"dropped"`
}

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

// serveControl answers the /_sandbox routes: JSON in, JSON out, no auth, not
// recorded.
func (s *Sandbox) serveControl(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
	status, v := s.control(r.Method, strings.TrimSuffix(r.URL.Path, "/"), body)
	w.Header().Set("Content-Type", jsonType)
	w.WriteHeader(status)
	_, _ = w.Write(marshal(v))
}

func (s *Sandbox) control(method, path string, body []byte) (int, any) {
	type msg struct {
		Message string `json:"message"`
	}
	bad := func(m string) (int, any) { return http.StatusBadRequest, msg{m} }
	ok := func() (int, any) { return http.StatusOK, msg{"ok"} }
	switch {
	case path == controlPrefix && method == http.MethodGet:
		return http.StatusOK, controlRoutes
	case path == controlPrefix+"/requests" && method == http.MethodGet:
		reqs := s.Requests()
		out := make([]requestView, len(reqs))
		for i, q := range reqs {
			out[i] = requestView{Method: q.Method, Path: q.Path, Header: q.Header, Body: string(q.Body),
				Status: q.Status, At: q.At, Dropped: q.Dropped}
		}
		return http.StatusOK, out
	case path == controlPrefix+"/requests" && method == http.MethodDelete:
		s.ResetRequests()
		return ok()
	case path == controlPrefix+"/fail" && method == http.MethodPost:
		var in struct{ Count, Status int }
		if decodeControl(body, &in) != nil {
			return bad(`want {"count":n,"status":s}`)
		}
		s.FailNext(in.Count, in.Status)
		return ok()
	case path == controlPrefix+"/latency" && method == http.MethodPost:
		var in struct{ Ms int64 }
		if decodeControl(body, &in) != nil {
			return bad(`want {"ms":n}`)
		}
		s.SetLatency(time.Duration(in.Ms) * time.Millisecond)
		return ok()
	case path == controlPrefix+"/drop" && method == http.MethodPost:
		var in struct{ Count int }
		if decodeControl(body, &in) != nil {
			return bad(`want {"count":n}`)
		}
		s.DropNextResponses(in.Count)
		return ok()
	case path == controlPrefix+"/orders" && method == http.MethodGet:
		orders := s.Orders()
		out := make([]orderView, len(orders))
		for i, o := range orders {
			out[i] = viewOrder(o)
		}
		return http.StatusOK, out
	case strings.HasPrefix(path, controlPrefix+"/orders/") && method == http.MethodGet:
		o, found := s.Order(strings.TrimPrefix(path, controlPrefix+"/orders/"))
		if !found {
			return http.StatusNotFound, msg{"no such order"}
		}
		return http.StatusOK, viewOrder(o)
	case path == controlPrefix+"/skus" && method == http.MethodGet:
		return http.StatusOK, s.SKUs()
	}
	return http.StatusNotFound, msg{"no such control route: see GET /_sandbox"}
}

func decodeControl(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
