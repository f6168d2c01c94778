package sandbox

import (
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
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

// Request is an API request as the sandbox received it, with what it
// answered (Requests): the header without Authorization, the raw body;
// Error is a FAILED order's ErrorMessage or an error's Message. Control
// routes are never recorded.
type Request = sandboxkit.Request

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
	// Harness holds the faults and the request log: FailNext,
	// FailNextMatching, DropNextResponses, SetLatency, Requests,
	// RequestCount, ResetRequests and the rest of the shared Go control API
	// (adapters/sandboxkit).
	*sandboxkit.Harness
	controls *sandboxkit.Controls

	opts Options

	mu        sync.Mutex // guards everything below; an order is checked and stored under it
	orders    map[orderKey]*Order
	orderList []*Order
	skus      map[string]*skuRecord
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
	s := &Sandbox{Harness: sandboxkit.New(opts.Now), opts: opts, orders: map[orderKey]*Order{}, skus: map[string]*skuRecord{}}
	s.controls = sandboxkit.NewControls(s.Harness, s.controlRoutes()...)
	for _, r := range seedSKUs() {
		s.skus[r.sku] = r
	}
	return s
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
