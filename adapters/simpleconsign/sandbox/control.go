package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
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
	`POST /_sandbox/fail {"count":2,"status":503}`,
	`POST /_sandbox/latency {"ms":200}`,
	`POST /_sandbox/drop {"count":1}`,
	"POST /_sandbox/rate-limit/reset",
	"GET /_sandbox/stock?key=sandbox-key&sku=GFFY72",
	`POST /_sandbox/stock {"key":"sandbox-key","sku":"GFFY72","quantity":5}`,
	"GET /_sandbox/transactions?key=sandbox-key&orderNumber=1234",
}

type requestJSON struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Header  map[string][]string `json:"header"`
	Body    string              `json:"body"`
	Status  int                 `json:"status"`
	Error   string              `json:"error,omitempty"`
	At      string              `json:"at"`
	Dropped bool                `json:"dropped"`
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

// serveControl answers the /_sandbox/… routes: not recorded, no key, no
// rate limit, no injected failures. Errors are {"success":false,"error":…}.
func (s *Sandbox) serveControl(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	writeJSONValue(w, s.control(r, body))
}

type controlAnswer struct {
	status int
	value  any
}

func controlError(status int, msg string) controlAnswer {
	return controlAnswer{status, map[string]any{"success": false, "error": msg}}
}

var controlOK = controlAnswer{http.StatusOK, map[string]any{"success": true}}

func (s *Sandbox) control(r *http.Request, body []byte) controlAnswer {
	decode := func(v any) bool {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		return dec.Decode(v) == nil
	}
	q := r.URL.Query()
	switch r.Method + " " + strings.TrimSuffix(r.URL.Path, "/") {
	case "GET " + controlPrefix:
		return controlAnswer{http.StatusOK, map[string][]string{"routes": controlRoutes}}
	case "GET " + controlPrefix + "/requests":
		reqs := s.Requests()
		out := make([]requestJSON, len(reqs))
		for i, rq := range reqs {
			out[i] = requestJSON{Method: rq.Method, Path: rq.Path, Header: rq.Header, Body: string(rq.Body),
				Status: rq.Status, Error: rq.Error, At: rq.At.UTC().Format(time.RFC3339Nano), Dropped: rq.Dropped}
		}
		return controlAnswer{http.StatusOK, out}
	case "DELETE " + controlPrefix + "/requests":
		s.ResetRequests()
		return controlOK
	case "POST " + controlPrefix + "/fail":
		var in struct{ Count, Status int }
		if !decode(&in) {
			return controlError(http.StatusBadRequest, `want {"count":1,"status":503}`)
		}
		s.FailNext(in.Count, in.Status)
		return controlOK
	case "POST " + controlPrefix + "/latency":
		var in struct{ MS int64 }
		if !decode(&in) {
			return controlError(http.StatusBadRequest, `want {"ms":200}`)
		}
		s.SetLatency(time.Duration(in.MS) * time.Millisecond)
		return controlOK
	case "POST " + controlPrefix + "/drop":
		var in struct{ Count int }
		if !decode(&in) {
			return controlError(http.StatusBadRequest, `want {"count":1}`)
		}
		s.DropNextResponses(in.Count)
		return controlOK
	case "POST " + controlPrefix + "/rate-limit/reset":
		s.ResetRateLimit()
		return controlOK
	case "GET " + controlPrefix + "/stock":
		key, sku := q.Get("key"), q.Get("sku")
		if !s.knownKey(key) {
			return controlError(http.StatusNotFound, ErrUnknownKey.Error())
		}
		return controlAnswer{http.StatusOK, map[string]any{"key": key, "sku": sku, "quantity": s.Stock(key, sku)}}
	case "POST " + controlPrefix + "/stock":
		var in struct {
			Key, SKU string
			Quantity int64
		}
		if !decode(&in) {
			return controlError(http.StatusBadRequest, `want {"key":"sandbox-key","sku":"GFFY72","quantity":5}`)
		}
		if err := s.SetStock(in.Key, in.SKU, in.Quantity); err != nil {
			if errors.Is(err, ErrUnknownKey) {
				return controlError(http.StatusNotFound, err.Error())
			}
			return controlError(http.StatusBadRequest, err.Error())
		}
		return controlOK
	case "GET " + controlPrefix + "/transactions":
		key := q.Get("key")
		if !s.knownKey(key) {
			return controlError(http.StatusNotFound, ErrUnknownKey.Error())
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
		return controlAnswer{http.StatusOK, out}
	}
	return controlError(http.StatusNotFound, "no such control route; GET /_sandbox lists them")
}

func (s *Sandbox) knownKey(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[key] != nil
}

func writeJSONValue(w http.ResponseWriter, a controlAnswer) {
	b, _ := json.Marshal(a.value)
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(a.status)
	_, _ = w.Write(b)
}
