package tradegecko

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ListOptions selects a page. Zero values are not sent, so the API's
// defaults apply (page 1, 50 records).
type ListOptions struct {
	Page  int // 1-based
	Limit int // 1..MaxLimit
}

// Filter holds the index filters every collection accepts.
type Filter struct {
	IDs          []int64
	Status       []string // "active", "archived", …; several are sent as status[]=
	CreatedAtMin time.Time
	CreatedAtMax time.Time
	UpdatedAtMin time.Time
	UpdatedAtMax time.Time
	Order        string // "created_at desc"
}

func (o ListOptions) encode(q url.Values) {
	if o.Page > 0 {
		q.Set("page", strconv.Itoa(o.Page))
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
}

func (f Filter) encode(q url.Values) {
	if len(f.IDs) > 0 {
		q.Set("ids", joinIDs(f.IDs))
	}
	setMulti(q, "status", f.Status)
	setTime(q, "created_at_min", f.CreatedAtMin)
	setTime(q, "created_at_max", f.CreatedAtMax)
	setTime(q, "updated_at_min", f.UpdatedAtMin)
	setTime(q, "updated_at_max", f.UpdatedAtMax)
	if f.Order != "" {
		q.Set("order", f.Order)
	}
}

// setMulti sends one value as key=v and several as key[]=v1&key[]=v2, the
// documented batching form.
func setMulti(q url.Values, key string, vals []string) {
	switch len(vals) {
	case 0:
	case 1:
		q.Set(key, vals[0])
	default:
		q[key+"[]"] = append([]string(nil), vals...)
	}
}

func setTime(q url.Values, key string, t time.Time) {
	if !t.IsZero() {
		q.Set(key, t.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
}

func setInclude(q url.Values, include []string) {
	if len(include) > 0 {
		q.Set("include", strings.Join(include, ","))
	}
}

func joinIDs(ids []int64) string {
	b := make([]byte, 0, len(ids)*8)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(b)
}

// maxIDChars bounds the comma-separated ids of one request, so URLs stay
// far below the lengths that answer 414 even with other filters added.
const maxIDChars = 1800

// ChunkIDs splits ids, without duplicates, into batches for ids= filters:
// at most MaxLimit ids (one full page) and maxIDChars characters each.
func ChunkIDs(ids []int64) [][]int64 {
	seen := make(map[int64]bool, len(ids))
	var chunks [][]int64
	var cur []int64
	chars := 0
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		n := len(strconv.FormatInt(id, 10)) + 1
		if len(cur) == MaxLimit || (len(cur) > 0 && chars+n > maxIDChars) {
			chunks = append(chunks, cur)
			cur, chars = nil, 0
		}
		cur = append(cur, id)
		chars += n
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks
}

// maxPages bounds an iteration (2.5 million records at 250 a page), so a
// server that ignores page= cannot keep one going forever.
const maxPages = 10_000

// pages iterates over every record of a collection, a full page (250) at a
// time, stopping at the last page the X-Pagination header reports (or at a
// short page when a server sends none).
func pages[T any](ctx context.Context, fetch func(ctx context.Context, page int) ([]T, *Response, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for page := 1; ; page++ {
			if page > maxPages {
				var zero T
				yield(zero, fmt.Errorf("tradegecko: stopped after %d pages: the server never reported a last page", maxPages))
				return
			}
			items, resp, err := fetch(ctx, page)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if len(items) == 0 || isLastPage(resp, page, len(items), MaxLimit) {
				return
			}
		}
	}
}

func isLastPage(resp *Response, page, got, limit int) bool {
	if resp != nil && resp.Pagination != nil {
		p := resp.Pagination
		return p.LastPage || p.OutOfBounds || page >= p.TotalPages
	}
	return got < limit
}

// collect gathers an iterator into a slice, stopping at the first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
