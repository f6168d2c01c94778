package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
)

// The documented failure messages, answered word for word.
const (
	MsgInvalidKey         = "invalid API key"
	MsgRateLimited        = "too many API requests in the last ten minutes"
	MsgPlanNotAuthorized  = "this location's price plan is not authorized for API access"
	MsgUnknownSKU         = "could not find item with SKU"
	MsgZeroTotal          = "taxableSaleTotal and nonTaxableSaleTotal is $0.00"
	MsgMissingSKU         = "transaction item is missing a SKU"
	MsgTotalMismatch      = "total of items price does not match transaction sub total"
	MsgTaxableWithoutTax  = "taxableSaleTotal is greater than zero, but no tax was collected"
	MsgTaxWithoutTaxable  = "taxableSaleTotal is zero, but tax was collected"
	MsgInvalidType        = "transaction type must be either 'SALE' or 'RETURN'"
	MsgMissingOrderNumber = "a unique order/invoice number (orderNumber) from the remote service must be provided"
	MsgMissingType        = "the type of transaction (SALE or RETURN) must be provided for an orderNumber"
	MsgDuplicateSale      = "an online SALE transaction already exists for the provided orderNumber"
	MsgSaleNotFound       = "could not find original online SALE transaction for the provided orderNumber to be returned"
)

// The sandbox's own messages, for cases the spec documents no message for.
// Each ends in "(sandbox)" so that nobody mistakes it for the service's.
const (
	MsgReturnExceedsSale = "return quantity exceeds the quantity sold for SKU (sandbox)"
	MsgUnconsolidated    = "transaction items must be consolidated: a SKU appears on more than one item (sandbox)"
	MsgBadQuantity       = "transaction item quantity must be a whole number greater than zero (sandbox)"
	MsgBadAmount         = "nonTaxableSaleTotal, taxableSaleTotal, tax and price must be whole numbers of cents, zero or more (sandbox)"
	MsgMalformedBody     = "the request body must be a JSON object with an items array of objects (sandbox)"
	MsgBodyTooLarge      = "the request body is too large (sandbox)"
	MsgNotAcceptable     = "the Accept header must be application/json (sandbox)"
	MsgUnsupportedType   = "the Content-Type header must be application/json (sandbox)"
	MsgNotFound          = "no such route (sandbox)"
	MsgMethodNotAllowed  = "only POST is allowed (sandbox)"
)

const (
	maxBodyBytes = 1 << 20
	// maxNumber is the largest integer taken: 2^53-1, what a JavaScript
	// number holds exactly.
	maxNumber = 1<<53 - 1
)

// answer is a response to write.
type answer struct {
	status int
	body   map[string]any
}

func failure(status int, msg string) *answer {
	return &answer{status: status, body: map[string]any{"success": false, "error": msg}}
}

var success = &answer{status: http.StatusOK, body: map[string]any{"success": true}}

// ServeHTTP answers POST /app/api/transaction (and, with
// Options.ControlRoutes, /_sandbox/…). A request goes through, in order:
// recording, the latency delay, routing (404, 405), the headers (406, 415),
// FailNext, reading the body (400, 413), the key, the rate limit, the price
// plan, the validations, the effect, and DropNextResponses.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.ctl && sandboxkit.IsControlPath(r.URL.Path) {
		s.controls.ServeHTTP(w, r)
		return
	}
	sandboxkit.Serve(s.Harness, w, r, maxBodyBytes+1, func(trip *sandboxkit.Call, body []byte, readErr error) (sandboxkit.Outcome, func(http.ResponseWriter)) {
		if !trip.Wait(r.Context()) {
			return sandboxkit.Outcome{}, nil
		}
		ans := s.serve(trip, r, body, readErr)
		msg, _ := ans.body["error"].(string)
		return sandboxkit.Outcome{Status: ans.status, Error: msg}, func(w http.ResponseWriter) { writeJSON(w, ans) }
	})
}

func (s *Sandbox) serve(trip *sandboxkit.Call, r *http.Request, body []byte, readErr error) *answer {
	if r.URL.Path != Path {
		return failure(http.StatusNotFound, MsgNotFound)
	}
	if r.Method != http.MethodPost {
		return failure(http.StatusMethodNotAllowed, MsgMethodNotAllowed)
	}
	if !acceptsJSON(r.Header.Values("Accept")) {
		return failure(http.StatusNotAcceptable, MsgNotAcceptable)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return failure(http.StatusUnsupportedMediaType, MsgUnsupportedType)
	}
	if status, failed := trip.Fail(); failed {
		return failure(status, strings.ToLower(http.StatusText(status))+" (sandbox)")
	}
	trip.Drop()
	switch {
	case readErr != nil:
		return failure(http.StatusBadRequest, MsgMalformedBody)
	case len(body) > maxBodyBytes:
		return failure(http.StatusRequestEntityTooLarge, MsgBodyTooLarge)
	}
	req, ok := parse(body)
	if !ok {
		return failure(http.StatusBadRequest, MsgMalformedBody)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transact(req)
}

// acceptsJSON reports whether an Accept header names application/json
// (wildcards do not count: the service wants it said).
func acceptsJSON(values []string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "application/json") {
				return true
			}
		}
	}
	return false
}

// request is a decoded body. Fields are kept raw where the validations
// need to know how they were sent.
type request struct {
	key          string
	keyOK        bool // a string
	typ          string
	typPresent   bool // "type" is in the body (any value, null too)
	typGiven     bool // … and is neither null nor ""
	typString    bool
	order        string
	orderPresent bool
	orderString  bool
	nonTaxable   json.Number
	taxable      json.Number
	tax          json.Number
	items        []rawItem
}

type rawItem struct {
	sku      string
	skuOK    bool
	price    json.Number
	quantity json.Number
}

// parse reads the body: a JSON object whose items, when present and not
// null, are an array of objects. Anything else is malformed.
func parse(body []byte) (request, bool) {
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil || doc == nil {
		return request{}, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return request{}, false
	}
	var req request
	req.key, req.keyOK = str(doc["key"])
	if raw, ok := doc["type"]; ok {
		req.typPresent = true
		req.typ, req.typString = str(raw)
		req.typGiven = string(raw) != "null" && !(req.typString && req.typ == "")
	}
	if raw, ok := doc["orderNumber"]; ok {
		req.orderPresent = true
		req.order, req.orderString = str(raw)
	}
	req.nonTaxable = num(doc["nonTaxableSaleTotal"])
	req.taxable = num(doc["taxableSaleTotal"])
	req.tax = num(doc["tax"])
	if raw, ok := doc["items"]; ok && string(raw) != "null" {
		var items []map[string]json.RawMessage
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&items); err != nil {
			return request{}, false
		}
		for _, it := range items {
			if it == nil {
				return request{}, false
			}
			ri := rawItem{price: num(it["price"]), quantity: num(it["quantity"])}
			ri.sku, ri.skuOK = str(it["sku"])
			if !ri.skuOK {
				// A JSON number names a SKU too, as JavaScript would read it.
				if n := num(it["sku"]); n != "" && n != "-" {
					ri.sku, ri.skuOK = n.String(), true
				}
			}
			req.items = append(req.items, ri)
		}
	}
	return req, true
}

// str reads a JSON string.
func str(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// num reads a JSON number as its text; absent or null is "" (read as 0 for
// totals, missing for item fields); anything else is "-" (invalid).
func num(raw json.RawMessage) json.Number {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return "-"
	}
	n, ok := v.(json.Number)
	if !ok {
		return "-"
	}
	return n
}

// whole reads a number as an integer in [lo, maxNumber]; "" is absent.
func whole(n json.Number, lo int64, absentOK bool) (int64, bool) {
	if n == "" {
		return 0, absentOK
	}
	v, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil || v < lo || v > maxNumber {
		return 0, false
	}
	return v, true
}

// transact validates req and applies it. Called with mu held.
func (s *Sandbox) transact(req request) *answer {
	ok := func(msg string) *answer { return failure(http.StatusOK, msg) }
	now := s.now()
	if !req.keyOK {
		return ok(MsgInvalidKey)
	}
	loc := s.keys[req.key]
	if loc == nil {
		return ok(MsgInvalidKey)
	}
	if !s.allow(req.key, now) {
		return ok(MsgRateLimited)
	}
	if s.unauthorized[req.key] {
		return ok(MsgPlanNotAuthorized)
	}

	// Version 2 when type or orderNumber is in the body.
	version := 1
	typ := "SALE"
	if req.typPresent || req.orderPresent {
		version = 2
		switch {
		case req.typGiven && (!req.typString || (req.typ != "SALE" && req.typ != "RETURN")):
			return ok(MsgInvalidType)
		case !req.orderString || strings.TrimSpace(req.order) == "":
			return ok(MsgMissingOrderNumber)
		case !req.typGiven:
			return ok(MsgMissingType)
		}
		typ = req.typ
	}

	nonTaxable, ok1 := whole(req.nonTaxable, 0, true)
	taxable, ok2 := whole(req.taxable, 0, true)
	tax, ok3 := whole(req.tax, 0, true)
	if !ok1 || !ok2 || !ok3 {
		return ok(MsgBadAmount)
	}
	items := make([]Item, len(req.items))
	for i, it := range req.items {
		price, okP := whole(it.price, 0, false)
		if !okP {
			return ok(MsgBadAmount)
		}
		qty, okQ := whole(it.quantity, 1, false)
		if !okQ {
			return ok(MsgBadQuantity)
		}
		items[i] = Item{SKU: it.sku, Price: price, Quantity: qty}
	}
	seen := make(map[string]bool, len(items))
	for i, it := range req.items {
		if !it.skuOK || strings.TrimSpace(it.sku) == "" {
			return ok(MsgMissingSKU)
		}
		if seen[items[i].SKU] {
			return ok(MsgUnconsolidated)
		}
		seen[items[i].SKU] = true
	}
	for _, it := range items {
		if _, known := loc.stock[it.SKU]; !known {
			return ok(MsgUnknownSKU)
		}
	}

	// Totals, exactly (big integers: price × quantity may pass int64).
	sum := new(big.Int)
	for _, it := range items {
		sum.Add(sum, new(big.Int).Mul(big.NewInt(it.Price), big.NewInt(it.Quantity)))
	}
	subtotal := new(big.Int).Add(big.NewInt(nonTaxable), big.NewInt(taxable))
	switch {
	case subtotal.Sign() == 0:
		return ok(MsgZeroTotal)
	case sum.Cmp(subtotal) != 0:
		return ok(MsgTotalMismatch)
	case taxable > 0 && tax == 0:
		return ok(MsgTaxableWithoutTax)
	case taxable == 0 && tax > 0:
		return ok(MsgTaxWithoutTaxable)
	}

	// The ledger. The duplicate check comes before the stock check, so a
	// sale resent after a lost answer is told it is a duplicate even though
	// its items already left the inventory.
	tx := &Transaction{Location: loc.name, Key: req.key, Type: typ, Version: version,
		NonTaxableSaleTotal: nonTaxable, TaxableSaleTotal: taxable, Tax: tax, Items: items, At: now}
	if version == 2 {
		tx.OrderNumber = req.order
	}
	switch typ {
	case "SALE":
		if version == 2 && loc.sales[req.order] != nil {
			return ok(MsgDuplicateSale)
		}
		for _, it := range items {
			if loc.stock[it.SKU] < it.Quantity {
				// Not available: the spec has no other message for it.
				return ok(MsgUnknownSKU)
			}
		}
		for _, it := range items {
			loc.stock[it.SKU] -= it.Quantity
		}
		if version == 2 {
			loc.sales[req.order] = tx
		}
	case "RETURN":
		sale := loc.sales[req.order]
		if sale == nil {
			return ok(MsgSaleNotFound)
		}
		sold := make(map[string]int64, len(sale.Items))
		for _, it := range sale.Items {
			sold[it.SKU] += it.Quantity
		}
		returned := loc.ret[req.order]
		for _, it := range items {
			if it.Quantity > sold[it.SKU]-returned[it.SKU] {
				return ok(MsgReturnExceedsSale)
			}
		}
		if returned == nil {
			returned = make(map[string]int64)
			loc.ret[req.order] = returned
		}
		for _, it := range items {
			returned[it.SKU] += it.Quantity
			loc.stock[it.SKU] += it.Quantity
		}
	}
	loc.ledger = append(loc.ledger, tx)
	return success
}

// allow counts a request against key's sliding window, or refuses it
// (uncounted) when the window is full. Called with mu held.
func (s *Sandbox) allow(key string, now time.Time) bool {
	cut := now.Add(-s.window)
	hits := s.hits[key]
	i := 0
	for i < len(hits) && !hits[i].After(cut) {
		i++
	}
	hits = hits[i:]
	if len(hits) >= s.limit {
		s.hits[key] = hits
		return false
	}
	s.hits[key] = append(hits, now)
	return true
}

func writeJSON(w http.ResponseWriter, a *answer) {
	b, _ := json.Marshal(a.body)
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if a.status == http.StatusMethodNotAllowed {
		h.Set("Allow", http.MethodPost)
	}
	w.WriteHeader(a.status)
	_, _ = w.Write(b)
}
