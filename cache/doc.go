// Package cache is a read-through cache of the catalog in Redis: a
// decorator implementing commerce.Catalog around the real one, so that
// almost every storefront read costs the upstream (300 requests per 300 s)
// nothing.
//
//   - Entities by id (products, variants, images), and list pages as the ids
//     of a block of 250 records for a filter. Entities that arrive inside a
//     page or a sideload are cached one by one, so a later lookup by id is
//     free, and a page of the cache needs only the ids.
//
//   - Freshness: descriptions and prices for CACHE_TTL_CATALOG, stock (and
//     so variants) for CACHE_TTL_STOCK. Past its freshness an entry is
//     fetched again in the caller's path (coalesced like a miss, for at
//     most revalidateWait); it is kept for a day, and served stale (marked
//     with commerce.MarkStale, and refreshed in the background) only when
//     the upstream fails, is too slow, or the budget is spent. Stale means
//     that, never merely "past its freshness". Each read records how long
//     what it served stays fresh (commerce.MarkFresh: the least over the
//     request is what the HTTP edge lets a shared cache keep its answer).
//
//   - Coalescing: concurrent identical misses cost one upstream request, in
//     a process (singleflight) and across replicas (a Redis lock; the
//     others wait for the winner's entry).
//
//   - Versioned namespaces: list pages live under a namespace version;
//     Invalidate bumps it, so one change retires every affected page
//     without scanning keys. A retired page (up to three versions back) is
//     still served, marked stale, when the upstream cannot answer for the
//     current one.
//
//   - Invalidation beats fetches in flight: an invalidated variant leaves a
//     tombstone for two minutes, and an answer read by a fetch that began
//     before it is not stored (a replica waiting on that fetch reads the
//     variant afresh), so a stock webhook is never undone by a slow read.
//
//   - Polling (Poll, on TRADEGECKO_POLL_INTERVAL) stores the products and
//     variants updated since the last poll, and refreshes the cached
//     variants of a renamed product (they carry its name, and the rename
//     does not move their updated_at).
//
//   - Bounded: the Redis that holds the cache also holds the ledgers, and
//     runs noeviction, so what anyone with a storefront key can make the
//     cache store is capped. List pages are the part a client sizes (every
//     distinct filter and window is a page, kept a day): at most
//     Options.MaxListPages of them (CACHE_MAX_LIST_PAGES, default 10,000;
//     a page is at most 250 ids, a few KB), evicting the least recently
//     used when a new one is stored (store.go, setPage). Entities by id are
//     bounded by the catalog itself: only records the upstream returned are
//     stored, so no client can mint one. Fill locks (15 s), fetch markers
//     (1 min) and tombstones (2 min) expire quickly, and each marker stands
//     for an upstream request, which the shared budget bounds.
//
// The cache holds only what may be thrown away: every key has a TTL, and
// nothing durable (idempotency records, ledgers, tokens) ever lives here.
// It must never serve data it cannot mark as stale when it is.
package cache
