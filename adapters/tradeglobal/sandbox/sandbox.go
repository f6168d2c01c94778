package sandbox

import (
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// Options configures a Sandbox. The zero value is usable.
type Options struct {
	// MerchantCodes are the merchant codes the sandbox knows; default
	// []string{DefaultMerchantCode}.
	MerchantCodes []string
	// Authorization, when set, is the exact Authorization header value every
	// request must carry (e.g. "Basic dGdjOnNlY3JldA=="), else 401. Empty:
	// no header is required (the merchant code in the body is the only
	// credential, as the spec describes).
	Authorization string
	// Now is the clock for TimeStamp and records; default time.Now.
	Now func() time.Time
	// ControlRoutes serves the /_sandbox/... control routes (make run turns
	// this on).
	ControlRoutes bool
}

// Request is what the sandbox received on an API route, as Requests returns
// it. Control routes are never recorded.
type Request struct {
	Method string
	Path   string
	Header http.Header // without Authorization
	Body   []byte      // the raw body, as received
	// Status answered (or that would have been answered, when Dropped); 0
	// while in flight or when the client went away during the latency delay.
	Status int
	At     time.Time
	// Dropped: the work was done, the connection closed without an answer
	// (DropNextResponses).
	Dropped bool
}

// Order is an order the sandbox placed.
type Order struct {
	MerchantCode     string
	MerchantOrderID  string
	ServiceCode      string
	QuoteID          string
	CartTotal        string // decimal text, e.g. "26.99"
	TotalCost        string // decimal text, e.g. "53.39"
	ChargeableWeight string // whole pounds the freight was priced on, e.g. "2"
	PlacedAt         time.Time
	Request          []byte // the request body as received
	Response         []byte // the answer, as sent (or as it would have been, when dropped)
}

// SKU is a SKU's customs data on file. Decimals are text ("0.75").
type SKU struct {
	SKU                          string
	Description                  string
	HarmonizedTariffCode         string
	CountryOfOrigin              string
	Length, Width, Height        string
	SizeUOM                      string
	Weight                       string
	WeightUOM                    string
	CommercialInvoiceDescription string
}

// Sandbox is an in-process fake of the TGC Order API. It is an
// http.Handler; all its methods are safe for concurrent use.
type Sandbox struct {
	opts Options

	mu         sync.Mutex // guards everything below; an order is checked and stored under it
	orders     map[orderKey]*Order
	orderList  []*Order
	skus       map[string]*skuRecord
	failCount  int
	failStatus int
	dropCount  int
	latency    time.Duration
	requests   []*Request
}

// New returns a sandbox with the seeded SKUs on file and no orders.
func New(opts Options) *Sandbox {
	if len(opts.MerchantCodes) == 0 {
		opts.MerchantCodes = []string{DefaultMerchantCode}
	} else {
		opts.MerchantCodes = slices.Clone(opts.MerchantCodes)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Sandbox{opts: opts, orders: map[orderKey]*Order{}, skus: map[string]*skuRecord{}}
	for _, r := range seedSKUs() {
		s.skus[r.sku] = r
	}
	return s
}

// FailNext makes the next n API requests (that pass routing and
// authentication) answer status without doing anything: 503 with the
// http.sys "Service Unavailable" HTML page, any other status with ASP.NET
// Web API's {"Message":"An error has occurred."} (500) or
// {"Message":"<reason phrase>"}. status must be 4xx or 5xx, else 500.
// n <= 0 cancels pending failures.
func (s *Sandbox) FailNext(n, status int) {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCount = max(n, 0)
	s.failStatus = status
}

// DropNextResponses makes the next n API requests (that pass routing,
// authentication and FailNext) do their work — a valid order is placed and
// stored — but never answer: the connection is hijacked and closed. n <= 0
// cancels pending drops. (Go's transport does not resend a POST without an
// Idempotency-Key header, so the client sees the error.)
func (s *Sandbox) DropNextResponses(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropCount = max(n, 0)
}

// SetLatency delays every API request by d before any work; a request whose
// context ends during the delay is abandoned and does nothing. d <= 0
// removes the delay.
func (s *Sandbox) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// Requests returns copies of the API requests received since the last
// ResetRequests, in arrival order.
func (s *Sandbox) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Header = r.Header.Clone()
		out[i].Body = slices.Clone(r.Body)
	}
	return out
}

// RequestCount is the number of API requests received since the last
// ResetRequests, whatever their outcome.
func (s *Sandbox) RequestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

// ResetRequests forgets the recorded requests.
func (s *Sandbox) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Orders returns copies of the placed orders, in the order they were placed.
func (s *Sandbox) Orders() []Order {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Order, len(s.orderList))
	for i, o := range s.orderList {
		out[i] = o.clone()
	}
	return out
}

// Order returns the order placed with merchantOrderID (under any merchant
// code; the first placed, should two merchant codes share an id).
func (s *Sandbox) Order(merchantOrderID string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.orderList {
		if o.MerchantOrderID == merchantOrderID {
			return o.clone(), true
		}
	}
	return Order{}, false
}

// OrderCount is the number of orders placed.
func (s *Sandbox) OrderCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.orderList)
}

// SKU returns a SKU's customs data, when it is on file (seeded, or given by
// an order that was placed).
func (s *Sandbox) SKU(sku string) (SKU, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.skus[sku]
	if !ok {
		return SKU{}, false
	}
	return r.export(), true
}

// SKUs returns every SKU on file, sorted.
func (s *Sandbox) SKUs() []SKU {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SKU, 0, len(s.skus))
	for _, r := range s.skus {
		out = append(out, r.export())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SKU < out[j].SKU })
	return out
}

func (o *Order) clone() Order {
	c := *o
	c.Request = slices.Clone(o.Request)
	c.Response = slices.Clone(o.Response)
	return c
}
