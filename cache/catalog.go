package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/commercegateway/gateway/commerce"
)

// blockSize is how many records one cached list page holds: one full
// upstream page.
const blockSize = commerce.MaxPageLimit

// DefaultMaxListPages is the default bound on cached list pages: a page
// holds at most 250 ids, about 2–5 KB, so some 20–50 MB of Redis.
const DefaultMaxListPages = 10_000

// The default freshness of entries (Options.CatalogTTL, Options.StockTTL).
const (
	DefaultCatalogTTL = 10 * time.Minute
	DefaultStockTTL   = 30 * time.Second
)

// Options configures the cache.
type Options struct {
	CatalogTTL time.Duration // freshness of products, images and list pages; default DefaultCatalogTTL
	StockTTL   time.Duration // freshness of variants (they carry stock); default DefaultStockTTL
	Keep       time.Duration // how long entries are kept to be served stale; default 24h
	Prefix     string        // key prefix; default "cache"
	Memo       int           // decoded entries remembered in memory; default 20000, <0 none
	// MaxListPages bounds the list pages (blocks of 250 ids for a filter)
	// the cache keeps, over products and variants and every namespace
	// version: past it, storing a page evicts the least recently used.
	// Default DefaultMaxListPages.
	MaxListPages int
	Log          *slog.Logger
	Observer     Observer
	// Updated, when set, is told after each poll which variants it found
	// updated upstream (and those of renamed products), whose new state
	// the cache now holds (or, when it held none, will fetch on the next
	// read). Never called from the read path.
	Updated func(ctx context.Context, variantIDs []int64)
	// Dropped, when set, is told of the products and lists (list tags)
	// a webhook or a poll replaced or dropped, so caches of whole answers
	// made of them can drop those too. Never called from the read path.
	Dropped func(ctx context.Context, tags []commerce.Tag)
	Now     func() time.Time
}

// dropped tells Options.Dropped.
func (c *Catalog) dropped(ctx context.Context, tags ...commerce.Tag) {
	if c.opts.Dropped != nil && len(tags) > 0 {
		c.opts.Dropped(ctx, tags)
	}
}

// listTags are the tags of every list.
var listTags = []commerce.Tag{{Kind: commerce.TagProductList}, {Kind: commerce.TagVariantList}}

// Observer counts what the cache does, for metrics.
type Observer interface {
	Lookup(kind string, hits, misses, stale int)
}

// Catalog is the caching decorator of a commerce.Catalog.
type Catalog struct {
	next commerce.Catalog
	kv   *kv
	memo *memo
	opts Options
	log  *slog.Logger

	sf         singleflight.Group
	refreshing sync.Map // key → struct{}: background refreshes in flight
	bg         context.Context
	stop       context.CancelFunc
	wg         sync.WaitGroup
	warned     time.Time
	warnMu     sync.Mutex
}

var _ commerce.Catalog = (*Catalog)(nil)

// New returns next behind a cache in rdb. Close stops its background work.
func New(next commerce.Catalog, rdb redis.UniversalClient, opts Options) *Catalog {
	if opts.CatalogTTL <= 0 {
		opts.CatalogTTL = DefaultCatalogTTL
	}
	if opts.StockTTL <= 0 {
		opts.StockTTL = DefaultStockTTL
	}
	if opts.Keep <= 0 {
		opts.Keep = 24 * time.Hour
	}
	if opts.Prefix == "" {
		opts.Prefix = "cache"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Memo == 0 {
		opts.Memo = 20000
	}
	if opts.MaxListPages <= 0 {
		opts.MaxListPages = DefaultMaxListPages
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bg, stop := context.WithCancel(context.Background())
	return &Catalog{next: next, kv: &kv{rdb: rdb, prefix: opts.Prefix, keep: opts.Keep, now: opts.Now, maxPages: opts.MaxListPages},
		memo: newMemo(opts.Memo), opts: opts, log: log, bg: bg, stop: stop}
}

// Close stops background refreshes and waits for them.
func (c *Catalog) Close() {
	c.stop()
	c.wg.Wait()
}

// Account passes through: reference data (the account, currencies,
// locations) is held by the adapter, reloaded every
// TRADEGECKO_REFRESH_INTERVAL (by default the catalog's freshness), so a
// read of it records the catalog's freshness.
func (c *Catalog) Account(ctx context.Context) (commerce.Account, error) {
	commerce.MarkFresh(ctx, c.opts.CatalogTTL)
	commerce.MarkRead(ctx, commerce.TagReference)
	return c.next.Account(ctx)
}

// Currencies passes through, like Account.
func (c *Catalog) Currencies(ctx context.Context) ([]commerce.Currency, error) {
	commerce.MarkFresh(ctx, c.opts.CatalogTTL)
	commerce.MarkRead(ctx, commerce.TagReference)
	return c.next.Currencies(ctx)
}

// Locations passes through, like Account.
func (c *Catalog) Locations(ctx context.Context) ([]commerce.Location, error) {
	commerce.MarkFresh(ctx, c.opts.CatalogTTL)
	commerce.MarkRead(ctx, commerce.TagReference)
	return c.next.Locations(ctx)
}

// page is a cached block of a list: the ids and the list's total.
type page struct {
	IDs   []int64 `json:"ids"`
	Total int     `json:"total"`
}

// ListProducts serves a window from cached blocks of 250 ids and cached
// products; only missing or expired blocks and products reach the
// upstream, a block in one request.
func (c *Catalog) ListProducts(ctx context.Context, q commerce.ProductQuery) (commerce.Page[commerce.Product], error) {
	ns, err := c.kv.version(ctx, "products")
	if err != nil {
		c.warn("products namespace", err)
		return c.next.ListProducts(ctx, q)
	}
	fk := filterKey(q.Filter)
	ids, total, err := c.window(ctx, q.Window, func(ctx context.Context, b int) (page, error) {
		key := c.kv.pageKey("pp", ns, fk, b)
		return c.cachedPage(ctx, key, retiredKeys(c.kv, "pp", ns, fk, b), "products", func(ctx context.Context) (page, error) {
			// A block brings its sideloads only when they come with it;
			// otherwise the window's own are looked up below.
			sl := q.Sideloads
			sl.IncludedOnly = true
			since := c.opts.Now()
			res, err := c.next.ListProducts(ctx, commerce.ProductQuery{Filter: q.Filter,
				Window: commerce.Window{Offset: b * blockSize, Limit: blockSize}, Sideloads: sl})
			if err != nil {
				return page{}, err
			}
			c.storeProducts(ctx, res.Items, since)
			return pageOf(res.Items, func(p commerce.Product) int64 { return p.ID }, res.Total), nil
		})
	})
	if err != nil {
		return commerce.Page[commerce.Product]{}, err
	}
	items, err := c.ProductsByID(ctx, ids, q.Sideloads)
	if err != nil {
		return commerce.Page[commerce.Product]{}, err
	}
	return commerce.Page[commerce.Product]{Items: inOrder(items, ids, func(p commerce.Product) int64 { return p.ID }), Total: total}, nil
}

// ListVariants serves a window from cached blocks and cached variants.
func (c *Catalog) ListVariants(ctx context.Context, q commerce.VariantQuery) (commerce.Page[commerce.Variant], error) {
	ns, err := c.kv.version(ctx, "variants")
	if err != nil {
		c.warn("variants namespace", err)
		return c.next.ListVariants(ctx, q)
	}
	fk := filterKey(q.Filter)
	ids, total, err := c.window(ctx, q.Window, func(ctx context.Context, b int) (page, error) {
		key := c.kv.pageKey("vp", ns, fk, b)
		return c.cachedPage(ctx, key, retiredKeys(c.kv, "vp", ns, fk, b), "variants", func(ctx context.Context) (page, error) {
			since := c.opts.Now()
			res, err := c.next.ListVariants(ctx, commerce.VariantQuery{Filter: q.Filter,
				Window: commerce.Window{Offset: b * blockSize, Limit: blockSize}})
			if err != nil {
				return page{}, err
			}
			c.storeVariants(ctx, res.Items, since)
			return pageOf(res.Items, func(v commerce.Variant) int64 { return v.ID }, res.Total), nil
		})
	})
	if err != nil {
		return commerce.Page[commerce.Variant]{}, err
	}
	items, err := c.VariantsByID(ctx, ids)
	if err != nil {
		return commerce.Page[commerce.Variant]{}, err
	}
	return commerce.Page[commerce.Variant]{Items: inOrder(items, ids, func(v commerce.Variant) int64 { return v.ID }), Total: total}, nil
}

// window gathers the ids of a window from the blocks covering it.
func (c *Catalog) window(ctx context.Context, w commerce.Window, block func(context.Context, int) (page, error)) ([]int64, int, error) {
	first, last := w.Offset/blockSize, (w.Offset+w.Limit-1)/blockSize
	var ids []int64
	total := 0
	for b := first; b <= last; b++ {
		pg, err := block(ctx, b)
		if err != nil {
			return nil, 0, err
		}
		ids, total = append(ids, pg.IDs...), pg.Total
		if len(pg.IDs) < blockSize {
			break
		}
	}
	skip := w.Offset - first*blockSize
	if skip >= len(ids) {
		return nil, total, nil
	}
	return ids[skip:min(skip+w.Limit, len(ids))], total, nil
}

// retiredVersions is how many namespace versions back a page is looked
// for when the current one cannot be fetched.
const retiredVersions = 3

// retiredKeys are the keys block b of a list had under the namespace's
// last few versions, newest first: a bump retires them, but they stay
// until their TTL, to be served stale when the upstream cannot answer.
func retiredKeys(s *kv, kind, ns, fk string, b int) []string {
	v, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return nil
	}
	var keys []string
	for old := v - 1; old >= max(0, v-retiredVersions); old-- {
		keys = append(keys, s.pageKey(kind, strconv.FormatInt(old, 10), fk, b))
	}
	return keys
}

// cachedPage returns a fresh page from the cache; or a page past its
// freshness fetched again (revalidatePage), served stale and refreshed in
// the background when that fails; or, on a miss, one
// fetched once across replicas. When the fetch fails, an expired page is
// served stale, and so, on a miss, is the same block retired by a recent
// change (its ids may be a change behind, which is what stale means).
func (c *Catalog) cachedPage(ctx context.Context, key string, retired []string, kind string, fetch func(context.Context) (page, error)) (page, error) {
	if kind == "products" {
		commerce.MarkRead(ctx, commerce.TagProductList)
	} else {
		commerce.MarkRead(ctx, commerce.TagVariantList)
	}
	e, found, err := c.kv.getPage(ctx, key)
	if err != nil {
		c.warn("page lookup", err)
		return fetch(ctx)
	}
	var pg page
	if found {
		pg, found = decode[page](c.memo, key, e)
	}
	if found {
		if rem := c.remaining(e, c.opts.CatalogTTL); rem > 0 {
			c.observe(kind+"_page", 1, 0, 0)
			commerce.MarkFresh(ctx, rem)
			return pg, nil
		}
		refresh := func(ctx context.Context) error {
			p, err := fetch(ctx)
			if err != nil {
				return err
			}
			return c.kv.setPage(ctx, key, p)
		}
		if p, ok := c.revalidatePage(ctx, key, refresh); ok {
			c.observe(kind+"_page", 0, 1, 0)
			commerce.MarkFresh(ctx, c.opts.CatalogTTL)
			return p, nil
		}
		c.observe(kind+"_page", 0, 0, 1)
		commerce.MarkStale(ctx)
		c.refreshIDs(key, refresh)
		return pg, nil
	}
	c.observe(kind+"_page", 0, 1, 0)
	var fetched page
	err = c.fill(ctx, key, func(ctx context.Context) error {
		p, err := fetch(ctx)
		if err != nil {
			return err
		}
		fetched = p
		return c.kv.setPage(ctx, key, p)
	})
	if err != nil {
		if pg, ok := c.retiredPage(ctx, retired); ok {
			c.observe(kind+"_page", 0, 0, 1)
			commerce.MarkStale(ctx)
			return pg, nil
		}
		return page{}, err
	}
	commerce.MarkFresh(ctx, c.opts.CatalogTTL) // fetched just now, here or by another replica
	if fetched.IDs != nil || fetched.Total != 0 {
		return fetched, nil
	}
	// Another replica filled it.
	if e, ok, err := c.kv.getPage(ctx, key); err == nil && ok {
		if pg, ok := decode[page](c.memo, key, e); ok {
			return pg, nil
		}
	}
	return fetched, nil
}

// retiredPage is the newest of the retired pages the cache still holds.
func (c *Catalog) retiredPage(ctx context.Context, keys []string) (page, bool) {
	got, err := c.kv.getMany(context.WithoutCancel(ctx), keys)
	if err != nil {
		return page{}, false
	}
	for _, k := range keys {
		if e, ok := got[k]; ok {
			if pg, ok := decode[page](c.memo, k, e); ok {
				return pg, true
			}
		}
	}
	return page{}, false
}

// ProductsByID serves products from the cache, fetching the missing ones
// in one batch, and attaches the sideloads asked for from the cache too.
func (c *Catalog) ProductsByID(ctx context.Context, ids []int64, sl commerce.ProductSideloads) ([]commerce.Product, error) {
	products, err := lookup(c, ctx, "p", "products", ids, c.opts.CatalogTTL, func(ctx context.Context, missing []int64) ([]commerce.Product, error) {
		since := c.opts.Now()
		items, err := c.next.ProductsByID(ctx, missing, sl)
		if err == nil {
			c.storeProducts(ctx, items, since)
		}
		return items, err
	}, func(p commerce.Product) int64 { return p.ID })
	if err != nil {
		return nil, err
	}
	// Variants and images that came embedded in a product are read too.
	for _, p := range products {
		if sl.Variants && p.VariantsLoaded {
			for _, v := range p.Variants {
				commerce.MarkRead(ctx, commerce.TagVariant, v.ID)
			}
		}
		if sl.Images && p.ImagesLoaded {
			for _, im := range p.Images {
				commerce.MarkRead(ctx, commerce.TagImage, im.ID)
			}
		}
	}
	if sl.Variants {
		var want []int64
		for _, p := range products {
			if !p.VariantsLoaded {
				want = append(want, p.VariantIDs...)
			}
		}
		variants, err := c.VariantsByID(ctx, want)
		if err != nil {
			return nil, err
		}
		of := ofProduct(variants, func(v *commerce.Variant) (int64, int64) { return v.ID, v.ProductID })
		for i := range products {
			if p := &products[i]; !p.VariantsLoaded {
				p.Variants, p.VariantsLoaded = of(p.ID, p.VariantIDs), true
			}
		}
	}
	if sl.Images {
		var want []int64
		for _, p := range products {
			if !p.ImagesLoaded {
				want = append(want, p.ImageIDs...)
			}
		}
		images, err := c.ImagesByID(ctx, want)
		if err != nil {
			return nil, err
		}
		of := ofProduct(images, func(im *commerce.Image) (int64, int64) { return im.ID, im.ProductID })
		for i := range products {
			if p := &products[i]; !p.ImagesLoaded {
				p.Images, p.ImagesLoaded = of(p.ID, p.ImageIDs), true
			}
		}
	}
	return products, nil
}

// VariantsByID serves variants from the cache (fresh for the stock TTL).
func (c *Catalog) VariantsByID(ctx context.Context, ids []int64) ([]commerce.Variant, error) {
	return lookup(c, ctx, "v", "variants", ids, c.opts.StockTTL, func(ctx context.Context, missing []int64) ([]commerce.Variant, error) {
		since := c.opts.Now()
		items, err := c.next.VariantsByID(ctx, missing)
		if err == nil {
			c.storeVariants(ctx, items, since)
		}
		return items, err
	}, func(v commerce.Variant) int64 { return v.ID })
}

// ImagesByID serves images from the cache.
func (c *Catalog) ImagesByID(ctx context.Context, ids []int64) ([]commerce.Image, error) {
	return lookup(c, ctx, "i", "images", ids, c.opts.CatalogTTL, func(ctx context.Context, missing []int64) ([]commerce.Image, error) {
		items, err := c.next.ImagesByID(ctx, missing)
		if err == nil {
			c.storeImages(ctx, items)
		}
		return items, err
	}, func(im commerce.Image) int64 { return im.ID })
}

// tagKinds names the entity kinds of lookup for commerce.MarkRead.
var tagKinds = map[string]commerce.TagKind{"p": commerce.TagProduct, "v": commerce.TagVariant, "i": commerce.TagImage}

// lookup is the entity path shared by products, variants and images:
// fresh entries are used; expired ones are fetched again (revalidate),
// or, when the upstream cannot answer, used (marked stale) and refreshed
// in the background; missing ones are fetched in one batch,
// once across replicas. When the fetch fails, expired entries that are
// still kept are served stale instead of failing.
func lookup[T any](c *Catalog, ctx context.Context, kind, metric string, ids []int64, ttl time.Duration,
	fetch func(context.Context, []int64) ([]T, error), id func(T) int64) ([]T, error) {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil, nil
	}
	commerce.MarkRead(ctx, tagKinds[kind], ids...)
	keys := make([]string, len(ids))
	for i, n := range ids {
		keys[i] = c.kv.key(idKey(kind, n))
	}
	got, err := c.kv.getMany(ctx, keys)
	if err != nil {
		c.warn(metric+" lookup", err)
		return fetch(ctx, ids)
	}
	var (
		out            = make([]T, 0, len(ids)) // T is a large struct: grown, it is copied each time
		missing, stale []int64
		staleItems     []T
		minFresh       = ttl // of the fresh entries used
	)
	for i, k := range keys {
		e, ok := got[k]
		var v T
		if ok {
			v, ok = decode[T](c.memo, k, e)
		}
		if !ok {
			missing = append(missing, ids[i])
			continue
		}
		if rem := c.remaining(e, ttl); rem > 0 {
			out = append(out, v)
			minFresh = min(minFresh, rem)
		} else {
			stale, staleItems = append(stale, ids[i]), append(staleItems, v)
		}
	}
	if len(out) > 0 {
		commerce.MarkFresh(ctx, minFresh)
	}
	// Past its freshness is not yet stale: expired entries are fetched
	// again in the caller's path and served stale only when the upstream
	// cannot answer. With ids missing too, they ride in the same batch
	// (one upstream request, not two); alone, they wait at most
	// revalidateWait.
	var revalidated []T
	fetchIDs := missing
	switch {
	case len(stale) == 0 || c.refreshBusy(refreshKey(c, kind, stale)):
	case len(missing) > 0:
		fetchIDs = append(slices.Clip(missing), stale...)
	default:
		if fetched, ok := revalidate(c, ctx, kind, stale, fetch); ok {
			revalidated, stale, staleItems = fetched, nil, nil
			commerce.MarkFresh(ctx, ttl)
		}
	}
	if len(fetchIDs) > len(missing) {
		c.observe(metric, len(out), len(fetchIDs), 0)
	} else {
		c.observe(metric, len(out), len(missing)+len(revalidated), len(stale))
	}
	out = append(out, revalidated...)
	if len(fetchIDs) > 0 {
		fetched, err := fetchMissing(c, ctx, kind, fetchIDs, fetch)
		if err != nil {
			if len(staleItems) == 0 {
				return nil, err
			}
			// Serve what is kept rather than nothing.
			commerce.MarkStale(ctx)
			return append(out, staleItems...), nil
		}
		out = append(out, fetched...)
		commerce.MarkFresh(ctx, ttl)
		if len(fetchIDs) > len(missing) {
			stale, staleItems = nil, nil // refreshed with the missing ones
		}
	}
	if len(stale) > 0 {
		commerce.MarkStale(ctx)
		out = append(out, staleItems...)
		c.refreshIDs(refreshKey(c, kind, stale), func(ctx context.Context) error { _, err := fetch(ctx, stale); return err })
	}
	return out, nil
}

// revalidateWait bounds how long a read waits for the upstream to refresh
// entries past their freshness before it serves them stale (and leaves
// the refresh to the background).
const revalidateWait = 5 * time.Second

// revalidateContext is ctx bounded by revalidateWait.
func revalidateContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, revalidateWait)
}

// revalidate fetches entries past their freshness again, once across the
// process and the replicas, within revalidateWait. It reports false when
// the upstream failed, was too slow, or a background refresh of the same
// entries is already running (the upstream failed them before): then the
// caller serves the kept entries, marked stale.
func revalidate[T any](c *Catalog, ctx context.Context, kind string, ids []int64, fetch func(context.Context, []int64) ([]T, error)) ([]T, bool) {
	rctx, cancel := revalidateContext(ctx)
	defer cancel()
	items, err := fetchMissing(c, rctx, kind, ids, fetch)
	return items, err == nil
}

// revalidatePage is revalidate for a list page: it refreshes the page at
// key within revalidateWait and returns it.
func (c *Catalog) revalidatePage(ctx context.Context, key string, refresh func(context.Context) error) (page, bool) {
	if c.refreshBusy(key) {
		return page{}, false
	}
	rctx, cancel := revalidateContext(ctx)
	defer cancel()
	if err := c.fill(rctx, key, refresh); err != nil {
		return page{}, false
	}
	e, ok, err := c.kv.getPage(ctx, key)
	if err != nil || !ok || !c.fresh(e, c.opts.CatalogTTL) {
		return page{}, false
	}
	return decode[page](c.memo, key, e)
}

// fetchMissing fetches ids once across the process and the replicas: the
// caller holding the fill lock fetches (and stores the entities); the
// others wait for its marker, then read the entities it stored.
func fetchMissing[T any](c *Catalog, ctx context.Context, kind string, ids []int64, fetch func(context.Context, []int64) ([]T, error)) ([]T, error) {
	key := c.kv.key("fetch", kind, digest(ids))
	var fetched []T
	done := false
	err := c.fill(ctx, key, func(ctx context.Context) error {
		items, err := fetch(ctx, ids)
		if err != nil {
			return err
		}
		fetched, done = items, true
		return c.kv.setMarker(ctx, key)
	})
	if err != nil || done {
		return fetched, err
	}
	keys := make([]string, len(ids))
	for i, n := range ids {
		keys[i] = c.kv.key(idKey(kind, n))
	}
	got, err := c.kv.getMany(ctx, keys)
	if err != nil {
		return fetch(ctx, ids)
	}
	var out []T
	var absent []int64
	for i, k := range keys {
		if e, ok := got[k]; ok {
			if v, ok := decode[T](c.memo, k, e); ok {
				out = append(out, v)
				continue
			}
		}
		absent = append(absent, ids[i])
	}
	// An id the holder's fetch did not store is unknown upstream, or was
	// invalidated while that fetch ran (so its answer was not stored, see
	// setManySince): the latter are fetched again, not dropped.
	again, err := c.kv.tombstoned(ctx, kind, absent)
	if err != nil || len(again) == 0 {
		return out, nil
	}
	items, err := fetch(ctx, again)
	if err != nil {
		return nil, err
	}
	return append(out, items...), nil
}

// storeProducts stores products read by a fetch that began at since, and
// the variants and images that came with them.
func (c *Catalog) storeProducts(ctx context.Context, items []commerce.Product, since time.Time) {
	values := map[string]any{}
	var variants []commerce.Variant
	var images []commerce.Image
	for _, p := range items {
		variants = append(variants, p.Variants...)
		images = append(images, p.Images...)
		p.Variants, p.VariantsLoaded, p.Images, p.ImagesLoaded = nil, false, nil, false
		values[c.kv.key(idKey("p", p.ID))] = p
	}
	c.store(ctx, values)
	c.storeVariants(ctx, variants, since)
	c.storeImages(ctx, images)
}

// storeVariants stores variants read by a fetch that began at since,
// except those a webhook or an order invalidated since then: their stock
// may already have changed (see kv.forget).
func (c *Catalog) storeVariants(ctx context.Context, items []commerce.Variant, since time.Time) {
	values := map[string]any{}
	for _, v := range items {
		values[c.kv.key(idKey("v", v.ID))] = v
	}
	if err := c.kv.setManySince(context.WithoutCancel(ctx), values, since); err != nil {
		c.warn("store", err)
	}
}

func (c *Catalog) storeImages(ctx context.Context, items []commerce.Image) {
	values := map[string]any{}
	for _, im := range items {
		values[c.kv.key(idKey("i", im.ID))] = im
	}
	c.store(ctx, values)
}

func (c *Catalog) store(ctx context.Context, values map[string]any) {
	if err := c.kv.setMany(context.WithoutCancel(ctx), values); err != nil {
		c.warn("store", err)
	}
}

func (c *Catalog) fresh(e entry, ttl time.Duration) bool {
	return c.remaining(e, ttl) > 0
}

// remaining is how long e stays fresh for ttl: what a read of it records
// with commerce.MarkFresh (an entry stored for the read counts the whole
// ttl).
func (c *Catalog) remaining(e entry, ttl time.Duration) time.Duration {
	return ttl - c.opts.Now().Sub(time.UnixMicro(e.At))
}

func (c *Catalog) observe(kind string, hits, misses, stale int) {
	if c.opts.Observer != nil {
		c.opts.Observer.Lookup(kind, hits, misses, stale)
	}
}

// warn logs a Redis failure at most once a minute; the cache then steps
// aside and the upstream answers.
func (c *Catalog) warn(what string, err error) {
	c.warnMu.Lock()
	defer c.warnMu.Unlock()
	if c.opts.Now().Sub(c.warned) > time.Minute {
		c.warned = c.opts.Now()
		c.log.Warn("cache: Redis failed; serving from the upstream", "op", what, "err", err)
	}
}

// fillLockTTL bounds how long one replica may hold a fill.
const fillLockTTL = 15 * time.Second

// fill runs fetch once for key across the process (singleflight) and the
// replicas (a Redis lock; the others wait for the holder's entry). The
// fetch keeps the first caller's deadline but not its cancellation.
func (c *Catalog) fill(ctx context.Context, key string, fetch func(context.Context) error) error {
	fctx := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		fctx, cancel = context.WithDeadline(fctx, dl)
		defer cancel()
	}
	since := c.opts.Now().UnixMicro() - 1
	_, err, _ := c.sf.Do(key, func() (any, error) {
		unlock, ok, err := c.kv.lock(fctx, key, fillLockTTL)
		if err != nil {
			c.warn("lock", err)
			return nil, fetch(fctx)
		}
		if !ok {
			// Wait for the holder as long as it may hold the lock (it may
			// be queued for the upstream budget): fetching alongside it
			// would spend that budget twice. A holder that gives up drops
			// the lock, and the wait ends at once.
			wait := fillLockTTL
			if dl, has := fctx.Deadline(); has {
				wait = min(wait, time.Until(dl))
			}
			if _, got := c.kv.awaitEntry(fctx, key, since, wait); got {
				return nil, nil
			}
			return nil, fetch(fctx)
		}
		defer unlock()
		return nil, fetch(fctx)
	})
	return err
}

// refreshKey names the background refresh of a kind's ids.
func refreshKey(c *Catalog, kind string, ids []int64) string {
	return c.kv.key("refresh", kind, digest(ids))
}

// refreshBusy reports whether a background refresh of key is running: the
// upstream failed it before, so a read serves the kept entry stale rather
// than asking again.
func (c *Catalog) refreshBusy(key string) bool {
	_, busy := c.refreshing.Load(key)
	return busy
}

// refreshIDs runs fn in the background unless a refresh of key is already
// running in this process.
func (c *Catalog) refreshIDs(key string, fn func(context.Context) error) {
	if _, busy := c.refreshing.LoadOrStore(key, struct{}{}); busy {
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.refreshing.Delete(key)
		ctx, cancel := context.WithTimeout(c.bg, 30*time.Second)
		defer cancel()
		if err := c.fill(ctx, key, fn); err != nil && c.bg.Err() == nil {
			c.log.Debug("cache: background refresh failed; the stale entry stays", "key", key, "err", err)
		}
	}()
}

func pageOf[T any](items []T, id func(T) int64, total int) page {
	p := page{IDs: make([]int64, len(items)), Total: total}
	for i, it := range items {
		p.IDs[i] = id(it)
	}
	return p
}

// ofProduct returns a function giving, for a product and its ids, those
// of items (variants or images, known by their id and product id) that
// belong to it, in the order the ids list them, once each. Each item is
// copied once (they are large structs) and found through one index.
func ofProduct[T any](items []T, key func(*T) (id, product int64)) func(product int64, ids []int64) []T {
	at := make(map[int64]int, len(items))
	for i := range items {
		id, _ := key(&items[i])
		at[id] = i
	}
	return func(product int64, ids []int64) []T {
		out := make([]T, 0, len(ids))
		for j, n := range ids {
			i, ok := at[n]
			if !ok || slices.Contains(ids[:j], n) {
				continue
			}
			if _, p := key(&items[i]); p == product {
				out = append(out, items[i])
			}
		}
		return out
	}
}

// inOrder orders items as ids lists them, dropping ids not found.
func inOrder[T any](items []T, ids []int64, id func(T) int64) []T {
	at := make(map[int64]int, len(items)) // indexes: T is a large struct
	for i, it := range items {
		at[id(it)] = i
	}
	out := make([]T, 0, len(ids))
	for _, n := range ids {
		if i, ok := at[n]; ok {
			out = append(out, items[i])
			delete(at, n)
		}
	}
	return out
}

func dedupe(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, n := range ids {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

func digest(ids []int64) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	h := sha256.New()
	for _, n := range s {
		fmt.Fprintf(h, "%d,", n)
	}
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// filterKey names a filter in page keys.
func filterKey(f any) string {
	b, _ := json.Marshal(f)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
