package commerce

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/money"
	"github.com/commercegateway/gateway/store"
)

// Limits on what list operations accept. They keep requests to backends
// small and refuse nonsense before it costs an upstream request.
const (
	MaxOffset      = 10_000_000
	MaxFilterIDs   = 250
	MaxFilterTags  = 50
	MaxFilterText  = 255
	backendCatalog = backend.TradeGecko
)

// Service holds the operations both doors call. Each method authorizes the
// caller against its Operation first, validates its input, then asks the
// backend.
type Service struct {
	catalog Catalog       // nil when the catalog backend is disabled
	orders  Orders        // nil when the order backend is disabled
	intl    International // nil when TradeGlobal is disabled
	consign Consignment   // nil when SimpleConsign is disabled
	idem    store.Idempotency
	ledger  store.Ledger
	now     func() time.Time
	changed func(ctx context.Context, variantIDs []int64)
	// orderChanged: see ServiceConfig.OrderChanged.
	orderChanged func(ctx context.Context, orderID int64, write string)
	// disabled: see ServiceConfig.Disabled.
	disabled DisabledReasons
	// recordsLost: see ServiceConfig.RecordsLost.
	recordsLost func() (detail string, lost bool)
}

// ServiceConfig is what a Service runs on. A nil backend is disabled: its
// operations answer CodeBackendDisabled, saying why in the words of
// Disabled.
type ServiceConfig struct {
	Catalog       Catalog
	Orders        Orders
	International International
	Consignment   Consignment
	// Disabled says why each backend left nil is off, in words safe for a
	// client, naming the configuration that would turn it on: the
	// composition root knows that configuration, commerce does not. An
	// empty reason says only that the backend is not configured.
	Disabled    DisabledReasons
	Idempotency store.Idempotency // default: in memory
	Ledger      store.Ledger      // default: in memory
	Now         func() time.Time  // default: time.Now
	// VariantsChanged is told which variants' stock a write through the
	// gateway changed (a cache drops them).
	VariantsChanged func(ctx context.Context, variantIDs []int64)
	// OrderChanged is told of an order a write through the gateway
	// created or changed (an action, a return), naming the write
	// ("createOrder", "invoiceOrder", "createReturn"): the live updates
	// announce it. Called after the write succeeded, never on a replay
	// or an action already in place.
	OrderChanged func(ctx context.Context, orderID int64, write string)
	// RecordsLost, when set, reports that the durable records were lost
	// (the Redis holding them came back empty) and nobody acknowledged it
	// yet: writes whose exactly-once rests on them are then refused. It is
	// called on every such write, so it must be cheap (an atomic load).
	RecordsLost func() (detail string, lost bool)
}

// NewService returns a Service over the given backends.
func NewService(cfg ServiceConfig) *Service {
	s := &Service{catalog: cfg.Catalog, orders: cfg.Orders, intl: cfg.International, consign: cfg.Consignment,
		idem: cfg.Idempotency, ledger: cfg.Ledger, now: cfg.Now, changed: cfg.VariantsChanged, orderChanged: cfg.OrderChanged,
		recordsLost: cfg.RecordsLost, disabled: cfg.Disabled}
	if s.ledger == nil {
		s.ledger = store.NewMemoryLedger()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.idem == nil {
		s.idem = store.NewMemoryIdempotency(s.now)
	}
	return s
}

// DisabledReasons are the messages of BACKEND_DISABLED, per backend.
type DisabledReasons struct {
	Catalog       string
	Orders        string
	International string
	Consignment   string
}

// backendDisabled is the error of an operation on a backend that is off:
// reason, or fallback when the composition root gave none.
func backendDisabled(b backend.Name, reason, fallback string) *Error {
	if reason == "" {
		reason = fallback
	}
	return &Error{Code: CodeBackendDisabled, Backend: b, Message: reason}
}

func (s *Service) catalogFor(ctx context.Context, op Operation) (Catalog, error) {
	if err := Authorize(ctx, op); err != nil {
		return nil, err
	}
	if s.catalog == nil {
		return nil, backendDisabled(backendCatalog, s.disabled.Catalog, "the catalog backend (TradeGecko) is not configured")
	}
	return s.catalog, nil
}

// ListProducts returns a page of products.
func (s *Service) ListProducts(ctx context.Context, q ProductQuery) (Page[Product], error) {
	c, err := s.catalogFor(ctx, OpListProducts)
	if err != nil {
		return Page[Product]{}, err
	}
	if err := q.Window.validate(); err != nil {
		return Page[Product]{}, err
	}
	if err := q.Filter.validate(); err != nil {
		return Page[Product]{}, err
	}
	return c.ListProducts(ctx, q)
}

// ProductsByID returns the products with the given ids that exist.
func (s *Service) ProductsByID(ctx context.Context, ids []int64, sl ProductSideloads) ([]Product, error) {
	c, err := s.catalogFor(ctx, OpGetProducts)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return c.ProductsByID(ctx, ids, sl)
}

// ListVariants returns a page of variants.
func (s *Service) ListVariants(ctx context.Context, q VariantQuery) (Page[Variant], error) {
	c, err := s.catalogFor(ctx, OpListVariants)
	if err != nil {
		return Page[Variant]{}, err
	}
	if err := q.Window.validate(); err != nil {
		return Page[Variant]{}, err
	}
	if err := q.Filter.validate(); err != nil {
		return Page[Variant]{}, err
	}
	return c.ListVariants(ctx, q)
}

// VariantsByID returns the variants with the given ids that exist.
func (s *Service) VariantsByID(ctx context.Context, ids []int64) ([]Variant, error) {
	c, err := s.catalogFor(ctx, OpGetVariants)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return c.VariantsByID(ctx, ids)
}

// ImagesByID returns the images with the given ids that exist.
func (s *Service) ImagesByID(ctx context.Context, ids []int64) ([]Image, error) {
	c, err := s.catalogFor(ctx, OpGetImages)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return c.ImagesByID(ctx, ids)
}

// Locations returns the merchant's active locations: the list both doors
// answer (GraphQL's locations, REST's GET /v1/locations). This is the one
// place the rule lives; the backend may list inactive ones too.
func (s *Service) Locations(ctx context.Context) ([]Location, error) {
	c, err := s.catalogFor(ctx, OpListLocations)
	if err != nil {
		return nil, err
	}
	all, err := c.Locations(ctx)
	if err != nil {
		return nil, err
	}
	active := make([]Location, 0, len(all))
	for _, l := range all {
		if l.Active {
			active = append(active, l)
		}
	}
	return active, nil
}

// LocationsByID returns the locations with the given ids that exist,
// active or not: an id names what it names, and a stock level or a global
// id may name a location archived since.
func (s *Service) LocationsByID(ctx context.Context, ids []int64) ([]Location, error) {
	c, err := s.catalogFor(ctx, OpListLocations)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	all, err := c.Locations(ctx)
	if err != nil {
		return nil, err
	}
	var out []Location
	for _, l := range all {
		if slices.Contains(ids, l.ID) {
			out = append(out, l)
		}
	}
	return out, nil
}

// Currencies returns the merchant's currencies.
func (s *Service) Currencies(ctx context.Context) ([]Currency, error) {
	c, err := s.catalogFor(ctx, OpListCurrencies)
	if err != nil {
		return nil, err
	}
	return c.Currencies(ctx)
}

// Account returns the merchant's account.
func (s *Service) Account(ctx context.Context) (Account, error) {
	c, err := s.catalogFor(ctx, OpGetAccount)
	if err != nil {
		return Account{}, err
	}
	return c.Account(ctx)
}

// BuyPrice returns a variant's cost price, for admins only.
func (s *Service) BuyPrice(ctx context.Context, v *Variant) (*money.Money, error) {
	if err := Authorize(ctx, OpVariantBuyPrice); err != nil {
		return nil, err
	}
	MarkPrivate(ctx) // cost data
	return v.BuyPrice, nil
}

// Prices returns a variant's prices per price list. The buy (cost) list is
// admin-only: for other callers it is left out rather than failing the list,
// so a storefront can ask for prices without asking for an error.
func (s *Service) Prices(ctx context.Context, v *Variant) []VariantPrice {
	if Allowed(ctx, OpVariantBuyPrice) {
		return v.Prices
	}
	out := make([]VariantPrice, 0, len(v.Prices))
	for _, p := range v.Prices {
		if p.PriceListID != BuyPriceList {
			out = append(out, p)
		}
	}
	return out
}

func (w Window) validate() error {
	if w.Limit < 1 || w.Limit > MaxPageLimit {
		return BadInput("limit must be between 1 and %d, got %d", MaxPageLimit, w.Limit)
	}
	if w.Offset < 0 || w.Offset > MaxOffset {
		return BadInput("offset must be between 0 and %d, got %d", MaxOffset, w.Offset)
	}
	return nil
}

func (f ProductFilter) validate() error {
	if len(f.IDs) > MaxFilterIDs {
		return BadInput("filter.ids takes at most %d ids, got %d", MaxFilterIDs, len(f.IDs))
	}
	if len(f.Tags) > MaxFilterTags {
		return BadInput("filter.tags takes at most %d tags, got %d", MaxFilterTags, len(f.Tags))
	}
	if err := validText("filter.brand", f.Brand); err != nil {
		return err
	}
	if err := validText("filter.productType", f.ProductType); err != nil {
		return err
	}
	for i, t := range f.Tags {
		if err := validText(fmt.Sprintf("filter.tags[%d]", i), t); err != nil {
			return err
		}
		if t == "" {
			return BadInput("filter.tags[%d] is empty", i)
		}
	}
	switch f.Status {
	case "", ProductActive, ProductDisabled, ProductArchived:
	default:
		return BadInput("filter.status %q cannot be used as a filter", f.Status)
	}
	return nil
}

func (f VariantFilter) validate() error {
	if len(f.IDs) > MaxFilterIDs {
		return BadInput("filter.ids takes at most %d ids, got %d", MaxFilterIDs, len(f.IDs))
	}
	if err := validText("filter.sku", f.SKU); err != nil {
		return err
	}
	switch f.Status {
	case "", VariantActive, VariantArchived:
	default:
		return BadInput("filter.status %q cannot be used as a filter", f.Status)
	}
	return nil
}

func validText(field, s string) error {
	if err := CheckText(s); err != nil {
		return BadInput("%s %v", field, err)
	}
	return nil
}

// CheckText checks text that filters or names a record: at most
// MaxFilterText bytes of UTF-8 without control characters. The error
// completes a sentence whose subject is the field ("is longer than …").
func CheckText(s string) error {
	switch {
	case len(s) > MaxFilterText:
		return fmt.Errorf("is longer than %d bytes", MaxFilterText)
	case !utf8.ValidString(s):
		return errors.New("is not valid UTF-8")
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("contains a control character")
	}
	return nil
}
