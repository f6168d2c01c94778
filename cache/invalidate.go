package cache

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/commerce"
)

// Invalidate applies a backend event (a verified webhook) to the cache:
//
//   - variant.stock_level_update drops the variant, so the next read fetches
//     its new stock, and leaves a tombstone, so a fetch of the old stock
//     already in flight does not store it again;
//   - variant.create drops the variant's product (its variant list grew)
//     and retires every list page;
//   - product.create and product.destroy retire every list page (and drop
//     the product).
//
// Other events change nothing the cache holds, or announce their stock
// changes with variant.stock_level_update.
func (c *Catalog) Invalidate(ctx context.Context, ev commerce.Event) error {
	switch ev.Name {
	case "variant.stock_level_update":
		return c.kv.forget(ctx, c.kv.key(idKey("v", ev.ObjectID)))
	case "variant.create":
		since := c.opts.Now()
		tags := listTags
		if vs, err := c.next.VariantsByID(ctx, []int64{ev.ObjectID}); err == nil && len(vs) == 1 {
			c.storeVariants(ctx, vs, since)
			_ = c.kv.del(ctx, c.kv.key(idKey("p", vs[0].ProductID)))
			tags = append(slices.Clip(tags), commerce.Tag{Kind: commerce.TagProduct, ID: vs[0].ProductID})
		}
		err := errors.Join(c.kv.bump(ctx, "variants"), c.kv.bump(ctx, "products"))
		c.dropped(ctx, tags...)
		return err
	case "product.create", "product.destroy":
		err := errors.Join(c.kv.del(ctx, c.kv.key(idKey("p", ev.ObjectID))), c.kv.bump(ctx, "products"), c.kv.bump(ctx, "variants"))
		c.dropped(ctx, append(slices.Clip(listTags), commerce.Tag{Kind: commerce.TagProduct, ID: ev.ObjectID})...)
		return err
	}
	return nil
}

// ForgetVariants drops variants whose stock the gateway itself changed
// (an order committed or shipped them).
func (c *Catalog) ForgetVariants(ctx context.Context, ids []int64) error {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.kv.key(idKey("v", id))
	}
	return c.kv.forget(ctx, keys...)
}

// Refresh drops the variants ids and fetches them again at once (in
// lookups of at most a page, 250 ids), so the next reads are warm: the
// change bus calls it once per change for the variants someone
// subscribes to (see changes.HubOptions.Refresh). A variant a webhook
// announced while this fetch was in flight is not stored (see kv.forget).
func (c *Catalog) Refresh(ctx context.Context, ids []int64) error {
	ids = dedupe(ids)
	if err := c.ForgetVariants(ctx, ids); err != nil {
		return err
	}
	for chunk := range slices.Chunk(ids, blockSize) {
		began := c.opts.Now()
		vs, err := c.next.VariantsByID(ctx, chunk)
		if err != nil {
			return err
		}
		c.storeVariants(ctx, vs, began)
	}
	return nil
}

// Poll refreshes the products and variants updated upstream since the
// last poll (nothing announces an edited name or price), one replica at a
// time: the first to take the poll lock for the interval polls, and the
// time it polled from is shared in Redis.
func (c *Catalog) Poll(ctx context.Context, interval time.Duration) error {
	unlock, ok, err := c.kv.lock(ctx, c.kv.key("poll"), interval)
	if err != nil || !ok {
		return err
	}
	_ = unlock // held for the interval: released by its TTL
	markKey := c.kv.key("poll", "since")
	start := c.opts.Now()
	since := start.Add(-interval)
	if v, err := c.kv.rdb.Get(ctx, markKey).Result(); err == nil {
		if us, err := strconv.ParseInt(v, 10, 64); err == nil {
			since = time.UnixMicro(us)
		}
	} else if !errors.Is(err, redis.Nil) {
		return err
	}
	since = since.Add(-5 * time.Second) // overlap, for clock skew
	changed := false
	renamed := map[int64]bool{} // variants of renamed products (they carry its name)
	var updated []int64         // variants stored fresh, told to Options.Updated
	var products []commerce.Tag // products stored fresh, told to Options.Dropped
	for off := 0; ; off += blockSize {
		began := c.opts.Now()
		res, err := c.next.ListProducts(ctx, commerce.ProductQuery{Filter: commerce.ProductFilter{UpdatedAfter: since},
			Window: commerce.Window{Offset: off, Limit: blockSize}})
		if err != nil {
			return err
		}
		if err := c.noteRenamed(ctx, res.Items, renamed); err != nil {
			return err
		}
		c.storeProducts(ctx, res.Items, began)
		for _, p := range res.Items {
			products = append(products, commerce.Tag{Kind: commerce.TagProduct, ID: p.ID})
		}
		changed = changed || len(res.Items) > 0
		if off+len(res.Items) >= res.Total || len(res.Items) < blockSize {
			break
		}
	}
	for off := 0; ; off += blockSize {
		began := c.opts.Now()
		res, err := c.next.ListVariants(ctx, commerce.VariantQuery{Filter: commerce.VariantFilter{UpdatedAfter: since},
			Window: commerce.Window{Offset: off, Limit: blockSize}})
		if err != nil {
			return err
		}
		c.storeVariants(ctx, res.Items, began)
		for _, v := range res.Items {
			delete(renamed, v.ID) // fresh already
			updated = append(updated, v.ID)
		}
		changed = changed || len(res.Items) > 0
		if off+len(res.Items) >= res.Total || len(res.Items) < blockSize {
			break
		}
	}
	renamedIDs := slices.Sorted(maps.Keys(renamed))
	if err := c.refreshCached(ctx, renamedIDs); err != nil {
		return err
	}
	if c.opts.Updated != nil {
		c.opts.Updated(ctx, append(updated, renamedIDs...))
	}
	if changed {
		_ = c.kv.bump(ctx, "products")
		_ = c.kv.bump(ctx, "variants")
		c.dropped(ctx, append(products, listTags...)...)
	}
	return c.kv.rdb.Set(ctx, markKey, start.UnixMicro(), 7*24*time.Hour).Err()
}

// noteRenamed adds to renamed the variants of those products whose name
// differs from the one the cache holds (or that the cache does not hold,
// so it cannot tell).
func (c *Catalog) noteRenamed(ctx context.Context, products []commerce.Product, renamed map[int64]bool) error {
	if len(products) == 0 {
		return nil
	}
	keys := make([]string, len(products))
	for i, p := range products {
		keys[i] = c.kv.key(idKey("p", p.ID))
	}
	got, err := c.kv.getMany(ctx, keys)
	if err != nil {
		return err
	}
	for i, p := range products {
		if e, ok := got[keys[i]]; ok {
			if old, ok := decode[commerce.Product](c.memo, keys[i], e); ok && old.Name == p.Name {
				continue
			}
		}
		for _, id := range p.VariantIDs {
			renamed[id] = true
		}
	}
	return nil
}

// refreshCached refetches those of the variants ids that the cache holds,
// in batches of a page. A variant carries its product's name, and an edit
// of the product does not move the variant's updated_at, so the variants
// poll does not bring them.
func (c *Catalog) refreshCached(ctx context.Context, ids []int64) error {
	ids = dedupe(ids)
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.kv.key(idKey("v", id))
	}
	got, err := c.kv.getMany(ctx, keys)
	if err != nil {
		return err
	}
	var cached []int64
	for i, k := range keys {
		if _, ok := got[k]; ok {
			cached = append(cached, ids[i])
		}
	}
	for chunk := range slices.Chunk(cached, blockSize) {
		began := c.opts.Now()
		vs, err := c.next.VariantsByID(ctx, chunk)
		if err != nil {
			return err
		}
		c.storeVariants(ctx, vs, began)
	}
	return nil
}

// RunPolling polls every interval until ctx ends.
func (c *Catalog) RunPolling(ctx context.Context, interval time.Duration) {
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
			if err := c.Poll(ctx, interval); err != nil && ctx.Err() == nil {
				c.log.Warn("cache: polling for updated products failed", "err", err)
			}
		}
	}
}
