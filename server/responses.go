package server

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/respcache"
	"github.com/commercegateway/gateway/server/edge"
)

// The response cache (package respcache, keyed and filled by
// server/edge/respcache.go) is kept exact by the change bus: every
// replica hears every change (changes.Hub.Listen, which watches nothing,
// so nothing is refreshed upstream for it) and drops the answers made of
// what changed:
//
//   - Variant changes (stock webhooks, the gateway's own order writes,
//     the poll's edits): the variant;
//   - Product changes (product.create/destroy, variant.create, the poll's
//     edits, told by cache.Options.Dropped): the product;
//   - Catalog changes (the same events, when the lists change): every
//     product and variant list;
//   - Reference changes (location.*, account.update): the account,
//     currencies and locations.
//
// Orders are never kept (they are per-customer data), so their changes
// drop nothing. Answers also expire at the freshness of what they read.

// setupResponses creates the response cache when it is on and the
// catalog is cached (its tags come from the catalog's cache).
func (s *Server) setupResponses() {
	if s.cfg.Cache.ResponseBytes <= 0 || s.cached == nil {
		return
	}
	s.responses = respcache.New(respcache.Options{MaxBytes: s.cfg.Cache.ResponseBytes, ETag: edge.ETag})
	if s.cfg.Cache.SharedResponseBytes > 0 {
		s.sharedResponses = respcache.NewShared(s.rdb, respcache.SharedOptions{MaxBytes: s.cfg.Cache.SharedResponseBytes})
	}
	// Changes heard from the bus carry their position there, against
	// which the Redis tier's entries are checked (respcache.Cache.Valid);
	// those delivered here only do not, and hold the Redis tier's entries
	// of their tags back until the bus tells of a later change to them.
	s.changes.Listen(func(evs []changes.Event, onBus bool) {
		var local []commerce.Tag
		for _, e := range evs {
			tags := tagsOf(e.Change)
			if len(tags) == 0 {
				continue
			}
			if ms, n, ok := changes.StreamPosition(e.Seq); ok && onBus {
				s.responses.Heard(respcache.Position{Ms: ms, Seq: n}, tags...)
				continue
			}
			local = append(local, tags...)
		}
		if len(local) > 0 {
			s.responses.Invalidate(local...)
		}
	})
	if ms, n, ok := s.changes.Origin(); ok {
		s.responses.Listening(respcache.Position{Ms: ms, Seq: n})
	}
	s.metrics.reg.MustRegister(responsesCollector{s.responses, s.sharedResponses})
}

// tagsOf are the tags a change drops.
func tagsOf(ch changes.Change) []commerce.Tag {
	switch ch.Kind {
	case changes.KindVariant:
		return []commerce.Tag{{Kind: commerce.TagVariant, ID: ch.ID}}
	case changes.KindProduct:
		return []commerce.Tag{{Kind: commerce.TagProduct, ID: ch.ID}}
	case changes.KindCatalog:
		return []commerce.Tag{{Kind: commerce.TagProductList}, {Kind: commerce.TagVariantList}}
	case changes.KindReference:
		return []commerce.Tag{{Kind: commerce.TagReference}}
	}
	return nil
}

// catalogDropped implements cache.Options.Dropped: it announces the
// products and lists a webhook or the poll replaced.
func (s *Server) catalogDropped(ctx context.Context, tags []commerce.Tag) {
	if s.responses == nil {
		return // only the response cache needs these
	}
	var chs []changes.Change
	lists := false
	for _, t := range tags {
		switch t.Kind {
		case commerce.TagProduct:
			chs = append(chs, changes.Change{Kind: changes.KindProduct, ID: t.ID, Cause: "catalog", Fresh: true})
		case commerce.TagProductList, commerce.TagVariantList:
			lists = true
		}
	}
	if lists {
		chs = append(chs, changes.Change{Kind: changes.KindCatalog, Cause: "catalog", Fresh: true})
	}
	s.publish(ctx, chs...)
}

// responsesCollector reports the response cache at scrape time.
type responsesCollector struct {
	c      *respcache.Cache
	shared *respcache.Shared // nil: no Redis tier
}

var (
	responsesLookupsDesc = prometheus.NewDesc("gateway_response_cache_lookups_total",
		"Response cache lookups, by result (hit, miss).", []string{"result"}, nil)
	responsesDroppedDesc = prometheus.NewDesc("gateway_response_cache_dropped_total",
		"Answers dropped from the response cache, by why (invalidated: what they were made of changed; evicted: the cache was full; expired).", []string{"reason"}, nil)
	responsesStoredDesc = prometheus.NewDesc("gateway_response_cache_stores_total",
		"Answers kept (stored) or not kept because what they read changed while they were made, or they were too big (refused).", []string{"result"}, nil)
	responsesBytesDesc = prometheus.NewDesc("gateway_response_cache_bytes",
		"Bytes the response cache holds (RESPONSE_CACHE_SIZE bounds them).", nil, nil)
	responsesEntriesDesc = prometheus.NewDesc("gateway_response_cache_entries",
		"Answers the response cache holds.", nil, nil)
	responsesSharedBytesDesc = prometheus.NewDesc("gateway_response_cache_shared_bytes",
		"Bytes this replica keeps in the response cache's Redis tier, not yet expired (RESPONSE_CACHE_SHARED_SIZE bounds them).", nil, nil)
	responsesSharedLookupsDesc = prometheus.NewDesc("gateway_response_cache_shared_lookups_total",
		"Lookups in the response cache's Redis tier after a miss here, by result (hit; stale: made before a change this replica heard of; miss).", []string{"result"}, nil)
	responsesSharedStoresDesc = prometheus.NewDesc("gateway_response_cache_shared_stores_total",
		"Answers written to the Redis tier (stored; refused: over this replica's RESPONSE_CACHE_SHARED_SIZE).", []string{"result"}, nil)
)

func (c responsesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{responsesLookupsDesc, responsesDroppedDesc, responsesStoredDesc, responsesBytesDesc, responsesEntriesDesc,
		responsesSharedBytesDesc, responsesSharedLookupsDesc, responsesSharedStoresDesc} {
		ch <- d
	}
}

func (c responsesCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.c.Stats()
	ch <- prometheus.MustNewConstMetric(responsesLookupsDesc, prometheus.CounterValue, float64(st.Hits), "hit")
	ch <- prometheus.MustNewConstMetric(responsesLookupsDesc, prometheus.CounterValue, float64(st.Misses), "miss")
	ch <- prometheus.MustNewConstMetric(responsesDroppedDesc, prometheus.CounterValue, float64(st.Invalidated), "invalidated")
	ch <- prometheus.MustNewConstMetric(responsesDroppedDesc, prometheus.CounterValue, float64(st.Evicted), "evicted")
	ch <- prometheus.MustNewConstMetric(responsesDroppedDesc, prometheus.CounterValue, float64(st.Expired), "expired")
	ch <- prometheus.MustNewConstMetric(responsesStoredDesc, prometheus.CounterValue, float64(st.Stores), "stored")
	ch <- prometheus.MustNewConstMetric(responsesStoredDesc, prometheus.CounterValue, float64(st.Refused), "refused")
	ch <- prometheus.MustNewConstMetric(responsesBytesDesc, prometheus.GaugeValue, float64(st.Bytes))
	ch <- prometheus.MustNewConstMetric(responsesEntriesDesc, prometheus.GaugeValue, float64(st.Entries))
	if c.shared != nil {
		st := c.shared.Stats()
		ch <- prometheus.MustNewConstMetric(responsesSharedBytesDesc, prometheus.GaugeValue, float64(st.Bytes))
		for result, n := range map[string]uint64{"hit": st.Hits, "stale": st.Stale, "miss": st.Misses} {
			ch <- prometheus.MustNewConstMetric(responsesSharedLookupsDesc, prometheus.CounterValue, float64(n), result)
		}
		ch <- prometheus.MustNewConstMetric(responsesSharedStoresDesc, prometheus.CounterValue, float64(st.Stores), "stored")
		ch <- prometheus.MustNewConstMetric(responsesSharedStoresDesc, prometheus.CounterValue, float64(st.Refused), "refused")
	}
}
