package tradegecko

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// Catalog implements commerce.Catalog over the API, spending as few
// requests as the API allows:
//
//   - a window (offset, limit) is served by one page request whenever some
//     page size ≤ 250 covers it, else by two;
//   - sideloads use include= and, when a server leaves the key out, one
//     batched ids= request per 250 records instead;
//   - lookups by id are batched into ids= requests, chunked so URLs stay
//     short;
//   - reference data (account, currencies, locations) is loaded once and
//     refreshed in the background, never per query.
type Catalog struct {
	client *Client
	log    *slog.Logger

	ref    atomic.Pointer[reference]
	loads  singleflight.Group
	warned sync.Map // field=value pairs already logged as unknown
}

// referenceLoadTimeout bounds a load of reference data made on a query's
// behalf.
const referenceLoadTimeout = 30 * time.Second

type reference struct {
	account    commerce.Account
	currencies []commerce.Currency
	locations  []commerce.Location
}

var _ commerce.Catalog = (*Catalog)(nil)

// NewCatalog returns a Catalog over c. Call Refresh (or RunRefresh) to load
// reference data; the first query loads it otherwise.
func NewCatalog(c *Client, log *slog.Logger) *Catalog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Catalog{client: c, log: log}
}

// Refresh loads the account, currencies and locations (three requests when
// each fits a page) and swaps them in atomically. On failure the previous
// data stays.
func (cat *Catalog) Refresh(ctx context.Context) error {
	acct, _, err := cat.client.Accounts.Current(ctx)
	if err != nil {
		return fmt.Errorf("load account: %w", err)
	}
	currencies, err := collect(cat.client.Currencies.All(ctx, nil))
	if err != nil {
		return fmt.Errorf("load currencies: %w", err)
	}
	locations, err := collect(cat.client.Locations.All(ctx, nil))
	if err != nil {
		return fmt.Errorf("load locations: %w", err)
	}
	ref := &reference{}
	var base money.Currency
	for i := range currencies {
		c, err := toCurrency(&currencies[i], int64(acct.DefaultCurrencyID))
		if err != nil {
			cat.log.Warn("tradegecko: skipping a currency with an invalid ISO code", "id", int64(currencies[i].ID), "iso", string(currencies[i].ISO))
			continue
		}
		if c.IsBase {
			base = c.Code
		}
		ref.currencies = append(ref.currencies, c)
	}
	if base.IsZero() {
		return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend,
			Message: fmt.Sprintf("TradeGecko's account names default currency %d, which is not among its %d currencies", int64(acct.DefaultCurrencyID), len(currencies))}
	}
	ref.account = toAccount(acct, base)
	for i := range locations {
		ref.locations = append(ref.locations, toLocation(&locations[i]))
	}
	cat.ref.Store(ref)
	return nil
}

// RunRefresh refreshes reference data every interval until ctx ends. A
// failed refresh is logged and the last good data kept.
func (cat *Catalog) RunRefresh(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := cat.Refresh(ctx); err != nil && ctx.Err() == nil {
				cat.log.Warn("tradegecko: reference data refresh failed; keeping the previous data", "err", err)
			}
		}
	}
}

// Loaded reports whether reference data is loaded.
func (cat *Catalog) Loaded() bool { return cat.ref.Load() != nil }

func (cat *Catalog) reference(ctx context.Context) (*reference, error) {
	if r := cat.ref.Load(); r != nil {
		return r, nil
	}
	// Callers share one load; it runs on its own deadline, so one caller
	// giving up does not fail the others.
	_, err, _ := cat.loads.Do("reference", func() (any, error) {
		if cat.ref.Load() != nil {
			return nil, nil
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), referenceLoadTimeout)
		defer cancel()
		return nil, cat.Refresh(lctx)
	})
	if err != nil {
		return nil, cat.fail(err)
	}
	return cat.ref.Load(), nil
}

func (cat *Catalog) mapper(ref *reference) mapper {
	return mapper{currency: ref.account.Currency, unknown: cat.unknown}
}

func (cat *Catalog) unknown(field, value string) {
	if _, seen := cat.warned.LoadOrStore(field+"="+value, true); !seen {
		cat.log.Warn("tradegecko: undocumented value mapped to OTHER", "field", field, "value", value)
	}
}

// fail gives err its meaning for clients (toCommerceError). A response
// the client could not read answers only "cannot read" to clients; what
// could not be read (decodeCause) is logged here, once, where the error
// first gets its meaning.
func (cat *Catalog) fail(err error) error {
	var ce *commerce.Error
	var de *DecodeError
	if !errors.As(err, &ce) && errors.As(err, &de) {
		cat.log.LogAttrs(context.Background(), slog.LevelError, "tradegecko: a response the gateway cannot read", decodeCause(de)...)
	}
	return toCommerceError(err)
}

// Account returns the merchant's account.
func (cat *Catalog) Account(ctx context.Context) (commerce.Account, error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return commerce.Account{}, err
	}
	return ref.account, nil
}

// Currencies returns the merchant's currencies.
func (cat *Catalog) Currencies(ctx context.Context) ([]commerce.Currency, error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return nil, err
	}
	return ref.currencies, nil
}

// Locations returns the locations loaded with the reference data: what GET
// /locations lists (TradeGecko's default filter is status=active), each
// with Active from its status. It does not filter: commerce.Service.Locations
// keeps the active ones, whatever a backend or the cache hands it.
func (cat *Catalog) Locations(ctx context.Context) ([]commerce.Location, error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return nil, err
	}
	return ref.locations, nil
}

// pagePlan is how a window maps onto API pages: `pages` consecutive pages
// of `limit` records from `page`, of which the window starts `skip` in.
type pagePlan struct{ limit, page, skip, pages int }

// planWindow finds the smallest page size that serves the window in one
// request; when none does (a window of more than 125 records straddling
// every boundary), two pages of the window's size always do.
func planWindow(w commerce.Window) pagePlan {
	// The commerce layer validates windows; out of range ones are clamped
	// here rather than divided by (a zero limit would panic, a limit over
	// 250 would answer 400).
	off, n := max(w.Offset, 0), min(max(w.Limit, 1), MaxLimit)
	for l := n; l <= MaxLimit; l++ {
		if off/l == (off+n-1)/l {
			return pagePlan{limit: l, page: off/l + 1, skip: off % l, pages: 1}
		}
	}
	return pagePlan{limit: n, page: off/n + 1, skip: off % n, pages: 2}
}

// window returns items[skip : skip+n], clipped.
func window[T any](items []T, skip, n int) []T {
	if skip >= len(items) {
		return nil
	}
	return items[skip:min(skip+n, len(items))]
}

// total is the record count from X-Pagination, or, from a server that sends
// none, what the pages seen imply (enough to tell whether more follow).
func total(resp *Response, offset, got, limit int) int {
	if resp != nil && resp.Pagination != nil {
		return resp.Pagination.TotalRecords
	}
	if got < limit {
		return offset + got
	}
	return offset + got + 1
}

// ListProducts returns a page of products, with variants and images when
// asked: include= on the same request, or batched lookups where the server
// ignores include=.
func (cat *Catalog) ListProducts(ctx context.Context, q commerce.ProductQuery) (commerce.Page[commerce.Product], error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return commerce.Page[commerce.Product]{}, err
	}
	opts := ProductListOptions{
		Filter: Filter{IDs: q.Filter.IDs, Status: apiStatus(q.Filter.Status), UpdatedAtMin: q.Filter.UpdatedAfter},
		Tags:   q.Filter.Tags,
	}
	if q.Filter.Brand != "" {
		opts.Brand = []string{q.Filter.Brand}
	}
	if q.Filter.ProductType != "" {
		opts.ProductType = []string{q.Filter.ProductType}
	}
	opts.Include = includes(q.Sideloads)

	plan := planWindow(q.Window)
	var (
		products []Product
		side     sideloads
		count    int
	)
	side.init(q.Sideloads)
	for i := range plan.pages {
		opts.ListOptions = ListOptions{Page: plan.page + i, Limit: plan.limit}
		pg, resp, err := cat.client.Products.List(ctx, &opts)
		if err != nil {
			return commerce.Page[commerce.Product]{}, cat.fail(err)
		}
		// Every page refines the count: from X-Pagination it is the same
		// figure, from a server without it the last page fetched tells
		// best (a short one gives the exact total).
		count = total(resp, (plan.page+i-1)*plan.limit, len(pg.Products), plan.limit)
		products = append(products, pg.Products...)
		side.add(pg)
		if isLastPage(resp, plan.page+i, len(pg.Products), plan.limit) {
			break
		}
	}
	products = window(products, plan.skip, q.Window.Limit)
	items, err := cat.assemble(ctx, ref, products, side)
	if err != nil {
		return commerce.Page[commerce.Product]{}, err
	}
	return commerce.Page[commerce.Product]{Items: items, Total: count}, nil
}

// ProductsByID returns the products that exist among ids. One id is the
// documented GET /products/{id}?include=variants; several are batched into
// ids= requests.
func (cat *Catalog) ProductsByID(ctx context.Context, ids []int64, sl commerce.ProductSideloads) ([]commerce.Product, error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return nil, err
	}
	var side sideloads
	side.init(sl)
	var products []Product
	if chunks := ChunkIDs(ids); len(chunks) == 1 && len(chunks[0]) == 1 {
		pg, _, err := cat.client.Products.Get(ctx, chunks[0][0], includes(sl)...)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, cat.fail(err)
		}
		products = []Product{*pg.Product}
		side.add(pg)
	} else {
		results, err := fetchChunks(ctx, chunks, func(ctx context.Context, chunk []int64) (*ProductPage, error) {
			pg, _, err := cat.client.Products.List(ctx, &ProductListOptions{
				ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}, Include: includes(sl)})
			return pg, err
		})
		if err != nil {
			return nil, cat.fail(err)
		}
		for _, pg := range results {
			products = append(products, pg.Products...)
			side.add(pg)
		}
	}
	return cat.assemble(ctx, ref, products, side)
}

// ListVariants returns a page of variants.
func (cat *Catalog) ListVariants(ctx context.Context, q commerce.VariantQuery) (commerce.Page[commerce.Variant], error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return commerce.Page[commerce.Variant]{}, err
	}
	opts := VariantListOptions{
		Filter: Filter{IDs: q.Filter.IDs, Status: apiStatus(q.Filter.Status), UpdatedAtMin: q.Filter.UpdatedAfter},
		SKU:    q.Filter.SKU,
	}
	if q.Filter.ProductID != 0 {
		opts.ProductIDs = []int64{q.Filter.ProductID}
	}
	plan := planWindow(q.Window)
	var (
		variants []Variant
		count    int
	)
	for i := range plan.pages {
		opts.ListOptions = ListOptions{Page: plan.page + i, Limit: plan.limit}
		vs, resp, err := cat.client.Variants.List(ctx, &opts)
		if err != nil {
			return commerce.Page[commerce.Variant]{}, cat.fail(err)
		}
		// Every page refines the count: from X-Pagination it is the same
		// figure, from a server without it the last page fetched tells
		// best (a short one gives the exact total).
		count = total(resp, (plan.page+i-1)*plan.limit, len(vs), plan.limit)
		variants = append(variants, vs...)
		if isLastPage(resp, plan.page+i, len(vs), plan.limit) {
			break
		}
	}
	m := cat.mapper(ref)
	variants = window(variants, plan.skip, q.Window.Limit)
	items := make([]commerce.Variant, len(variants))
	for i := range variants {
		items[i] = m.variant(&variants[i])
	}
	return commerce.Page[commerce.Variant]{Items: items, Total: count}, nil
}

// VariantsByID returns the variants that exist among ids, batched.
func (cat *Catalog) VariantsByID(ctx context.Context, ids []int64) ([]commerce.Variant, error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return nil, err
	}
	variants, err := cat.fetchVariants(ctx, ids)
	if err != nil {
		return nil, err
	}
	m := cat.mapper(ref)
	items := make([]commerce.Variant, len(variants))
	for i := range variants {
		items[i] = m.variant(&variants[i])
	}
	return items, nil
}

// ImagesByID returns the images that exist among ids, batched.
func (cat *Catalog) ImagesByID(ctx context.Context, ids []int64) ([]commerce.Image, error) {
	ref, err := cat.reference(ctx)
	if err != nil {
		return nil, err
	}
	images, err := cat.fetchImages(ctx, ids)
	if err != nil {
		return nil, err
	}
	m := cat.mapper(ref)
	items := make([]commerce.Image, len(images))
	for i := range images {
		items[i] = m.image(&images[i])
	}
	return items, nil
}

func (cat *Catalog) fetchVariants(ctx context.Context, ids []int64) ([]Variant, error) {
	lists, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]Variant, error) {
		vs, _, err := cat.client.Variants.List(ctx, &VariantListOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return vs, err
	})
	if err != nil {
		return nil, cat.fail(err)
	}
	return flatten(lists), nil
}

func (cat *Catalog) fetchImages(ctx context.Context, ids []int64) ([]Image, error) {
	lists, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]Image, error) {
		ims, _, err := cat.client.Images.List(ctx, &ImageListOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return ims, err
	})
	if err != nil {
		return nil, cat.fail(err)
	}
	return flatten(lists), nil
}

// sideloads gathers what include= brought back over one or more responses,
// and whether every response honoured it.
type sideloads struct {
	want         commerce.ProductSideloads
	variants     []Variant
	images       []Image
	variantsSent bool
	imagesSent   bool
	responses    int
}

func (s *sideloads) init(want commerce.ProductSideloads) {
	*s = sideloads{want: want, variantsSent: true, imagesSent: true}
}

func (s *sideloads) add(pg *ProductPage) {
	s.responses++
	if pg.Variants == nil {
		s.variantsSent = false
	} else {
		s.variants = append(s.variants, *pg.Variants...)
	}
	if pg.Images == nil {
		s.imagesSent = false
	} else {
		s.images = append(s.images, *pg.Images...)
	}
}

func includes(sl commerce.ProductSideloads) []string {
	var inc []string
	if sl.Variants {
		inc = append(inc, IncludeVariants)
	}
	if sl.Images {
		inc = append(inc, IncludeImages)
	}
	return inc
}

// assemble maps products and attaches the sideloads asked for, fetching in
// batches whatever the server did not include.
func (cat *Catalog) assemble(ctx context.Context, ref *reference, products []Product, side sideloads) ([]commerce.Product, error) {
	m := cat.mapper(ref)
	items := make([]commerce.Product, len(products))
	for i := range products {
		items[i] = m.product(&products[i])
	}
	if len(items) == 0 {
		return items, nil
	}
	var g errgroup.Group
	if side.want.Variants && (side.variantsSent || !side.want.IncludedOnly) {
		variants := side.variants
		g.Go(func() error {
			if !side.variantsSent || side.responses == 0 {
				var err error
				if variants, err = cat.fetchVariants(ctx, childIDs(items, func(p *commerce.Product) []int64 { return p.VariantIDs })); err != nil {
					return err
				}
			}
			byProduct := make(map[int64][]commerce.Variant)
			for i := range variants {
				v := m.variant(&variants[i])
				byProduct[v.ProductID] = append(byProduct[v.ProductID], v)
			}
			for i := range items {
				items[i].Variants = orderByIDs(byProduct[items[i].ID], items[i].VariantIDs, func(v commerce.Variant) int64 { return v.ID })
				items[i].VariantsLoaded = true
			}
			return nil
		})
	}
	if side.want.Images && (side.imagesSent || !side.want.IncludedOnly) {
		images := side.images
		g.Go(func() error {
			if !side.imagesSent || side.responses == 0 {
				var err error
				if images, err = cat.fetchImages(ctx, childIDs(items, func(p *commerce.Product) []int64 { return p.ImageIDs })); err != nil {
					return err
				}
			}
			byProduct := make(map[int64][]commerce.Image)
			for i := range images {
				im := m.image(&images[i])
				byProduct[im.ProductID] = append(byProduct[im.ProductID], im)
			}
			for i := range items {
				items[i].Images = orderByIDs(byProduct[items[i].ID], items[i].ImageIDs, func(im commerce.Image) int64 { return im.ID })
				items[i].ImagesLoaded = true
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return items, nil
}

func childIDs(items []commerce.Product, ids func(*commerce.Product) []int64) []int64 {
	var out []int64
	for i := range items {
		out = append(out, ids(&items[i])...)
	}
	return out
}

// orderByIDs orders records as the parent lists their ids; records the
// parent does not list come last, in the order received.
func orderByIDs[T any](records []T, ids []int64, id func(T) int64) []T {
	if len(records) < 2 {
		return records
	}
	pos := make(map[int64]int, len(ids))
	for i, v := range ids {
		pos[v] = i
	}
	out := make([]T, 0, len(records))
	var rest []T
	placed := make([]*T, len(ids))
	for i := range records {
		if p, ok := pos[id(records[i])]; ok && placed[p] == nil {
			placed[p] = &records[i]
		} else {
			rest = append(rest, records[i])
		}
	}
	for _, r := range placed {
		if r != nil {
			out = append(out, *r)
		}
	}
	return append(out, rest...)
}

// fetchChunks runs fetch for each chunk, a few at a time, and returns the
// results in chunk order.
func fetchChunks[T any](ctx context.Context, chunks [][]int64, fetch func(context.Context, []int64) (T, error)) ([]T, error) {
	out := make([]T, len(chunks))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, chunk := range chunks {
		g.Go(func() error {
			v, err := fetch(ctx, chunk)
			out[i] = v
			return err
		})
	}
	return out, g.Wait()
}

func flatten[T any](lists [][]T) []T {
	var out []T
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
