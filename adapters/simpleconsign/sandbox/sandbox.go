package sandbox

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
)

// Path is the one API route.
const Path = "/app/api/transaction"

// The default location: one key, one location.
const (
	DefaultKey      = "sandbox-key"
	DefaultLocation = "Main Street"
)

// Defaults of Options.
const (
	DefaultRateLimit  = 100
	DefaultRateWindow = 10 * time.Minute
)

// DefaultSKUs is the inventory every location starts with when Options.SKUs
// is nil: SKU → quantity available. GFFY72 and AD4J56 are the spec's
// examples; DR0042 is sold out; BK2210 is a one-of-a-kind item.
func DefaultSKUs() map[string]int64 {
	return map[string]int64{
		"GFFY72": 5,
		"AD4J56": 10,
		"BK2210": 1,
		"CT7781": 3,
		"DR0042": 0,
		"JK3305": 20,
	}
}

// Options configure a Sandbox. The zero value is a working sandbox.
type Options struct {
	// Keys maps each API key to its location's name; when empty,
	// {DefaultKey: DefaultLocation}. Keys naming the same location share
	// its ledger and inventory; each key has its own rate limit.
	Keys map[string]string
	// Unauthorized lists keys whose location's price plan is not
	// authorized for API access. Such a key is known even when absent from
	// Keys (its location is then named after the key).
	Unauthorized []string
	// RateLimit is how many requests a key may make in any RateWindow
	// (default 100 per 10 minutes).
	RateLimit  int
	RateWindow time.Duration
	// Now is the clock of the rate limit and of the records (default
	// time.Now).
	Now func() time.Time
	// SKUs is each location's starting inventory: SKU → quantity
	// available (nil means DefaultSKUs(); an empty map, no inventory).
	// Every location gets its own copy.
	SKUs map[string]int64
	// ControlRoutes serves the control API under /_sandbox/… as well (see
	// the package documentation).
	ControlRoutes bool
}

// Request is an API request as the sandbox received it, with what it
// answered (Requests): Body is the raw body, key included; Error the
// "error" of the answer, if any. Control routes are never recorded.
type Request = sandboxkit.Request

// Transaction is a recorded transaction, as the location's ledger keeps it.
type Transaction struct {
	Location            string
	Key                 string // the key that recorded it
	OrderNumber         string // "" for a version-1 sale
	Type                string // "SALE" or "RETURN"
	Version             int    // 1: no type nor orderNumber (a sale that cannot be returned); 2 otherwise
	NonTaxableSaleTotal int64
	TaxableSaleTotal    int64
	Tax                 int64
	Items               []Item
	At                  time.Time
}

// Item is a recorded transaction line.
type Item struct {
	SKU      string
	Price    int64
	Quantity int64
}

// location is one store: its ledger and inventory.
type location struct {
	name   string
	ledger []*Transaction
	sales  map[string]*Transaction     // version-2 sales by orderNumber
	ret    map[string]map[string]int64 // orderNumber → SKU → quantity returned so far
	stock  map[string]int64            // SKU → quantity available
}

// Sandbox is an in-process fake of the SimpleConsign Online Transactions
// API. It is an http.Handler; all methods are safe for concurrent use.
type Sandbox struct {
	// Harness holds the faults and the request log: FailNext,
	// FailNextMatching, DropNextResponses, SetLatency, Requests,
	// RequestCount, ResetRequests and the rest of the shared Go control API
	// (adapters/sandboxkit).
	*sandboxkit.Harness
	controls *sandboxkit.Controls

	now    func() time.Time
	limit  int
	window time.Duration
	ctl    bool

	mu           sync.Mutex
	keys         map[string]*location // key → its location
	unauthorized map[string]bool
	hits         map[string][]time.Time // key → counted request times, oldest first
}

// New returns a sandbox with opts' keys and inventory.
func New(opts Options) *Sandbox {
	s := &Sandbox{
		now:          opts.Now,
		limit:        opts.RateLimit,
		window:       opts.RateWindow,
		ctl:          opts.ControlRoutes,
		keys:         make(map[string]*location),
		unauthorized: make(map[string]bool),
		hits:         make(map[string][]time.Time),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.limit <= 0 {
		s.limit = DefaultRateLimit
	}
	if s.window <= 0 {
		s.window = DefaultRateWindow
	}
	keys := opts.Keys
	if len(keys) == 0 {
		keys = map[string]string{DefaultKey: DefaultLocation}
	}
	keys = maps.Clone(keys)
	for _, k := range opts.Unauthorized {
		s.unauthorized[k] = true
		if _, ok := keys[k]; !ok {
			keys[k] = k
		}
	}
	skus := opts.SKUs
	if skus == nil {
		skus = DefaultSKUs()
	}
	byName := make(map[string]*location)
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		name := keys[k]
		loc, ok := byName[name]
		if !ok {
			loc = &location{name: name, sales: make(map[string]*Transaction),
				ret: make(map[string]map[string]int64), stock: maps.Clone(skus)}
			if loc.stock == nil {
				loc.stock = make(map[string]int64)
			}
			byName[name] = loc
		}
		s.keys[k] = loc
	}
	s.Harness = sandboxkit.New(s.now)
	s.controls = sandboxkit.NewControls(s.Harness, s.controlRoutes()...)
	return s
}

// ErrUnknownKey is returned by control methods given a key the sandbox
// does not know.
var ErrUnknownKey = errors.New("sandbox: unknown API key")

// ResetRateLimit forgets every request counted against every key's limit.
func (s *Sandbox) ResetRateLimit() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.hits)
}

// Transactions returns copies of the transactions recorded at key's
// location with orderNumber ("" for version-1 sales), in the order they
// were recorded: the sale, then its returns. An unknown key has none.
func (s *Sandbox) Transactions(key, orderNumber string) []Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	loc := s.keys[key]
	if loc == nil {
		return nil
	}
	var out []Transaction
	for _, t := range loc.ledger {
		if t.OrderNumber == orderNumber {
			c := *t
			c.Items = slices.Clone(t.Items)
			out = append(out, c)
		}
	}
	return out
}

// Stock is the quantity of sku available at key's location (0 for an
// unknown key or SKU).
func (s *Sandbox) Stock(key, sku string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if loc := s.keys[key]; loc != nil {
		return loc.stock[sku]
	}
	return 0
}

// SetStock sets the quantity of sku available at key's location, adding
// the SKU to its inventory if new. A negative quantity is an error.
func (s *Sandbox) SetStock(key, sku string, quantity int64) error {
	if sku == "" || quantity < 0 {
		return fmt.Errorf("sandbox: SetStock(%q, %d): want a SKU and a quantity of 0 or more", sku, quantity)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	loc := s.keys[key]
	if loc == nil {
		return ErrUnknownKey
	}
	loc.stock[sku] = quantity
	return nil
}
