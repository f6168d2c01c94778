package cache

import (
	"bytes"
	"encoding/json"

	lru "github.com/hashicorp/golang-lru/v2"
)

// memo remembers the decoded value of entries recently read, keyed by
// Redis key and checked against the exact bytes Redis returned. Redis stays
// the only source of truth — every read still asks it, so a replica never
// serves what another one has replaced or evicted — and only the JSON
// decode, most of a warm query's cost, is saved when the bytes are the same.
//
// Decoded values are shared by every caller that reads the same bytes;
// commerce.Catalog's results are read-only for that reason.
type memo struct {
	lru *lru.Cache[string, memoized] // nil: no memo
}

type memoized struct {
	raw   []byte
	value any
}

// newMemo keeps up to size decoded entries; size <= 0 keeps none.
func newMemo(size int) *memo {
	if size <= 0 {
		return &memo{}
	}
	c, err := lru.New[string, memoized](size)
	if err != nil {
		return &memo{}
	}
	return &memo{lru: c}
}

// decode returns e's data as a T, from the memo when key last held these
// very bytes.
func decode[T any](m *memo, key string, e entry) (T, bool) {
	var v T
	if m.lru != nil && e.raw != nil {
		if got, ok := m.lru.Get(key); ok && bytes.Equal(got.raw, e.raw) {
			if v, ok := got.value.(T); ok {
				return v, true
			}
		}
	}
	if json.Unmarshal(e.Data, &v) != nil {
		return v, false
	}
	if m.lru != nil && e.raw != nil {
		m.lru.Add(key, memoized{raw: e.raw, value: v})
	}
	return v, true
}
