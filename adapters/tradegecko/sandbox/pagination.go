package sandbox

import (
	"encoding/json"
	"math"
	"net/url"
	"strconv"
)

const (
	defaultLimit = 50
	maxLimit     = 250
)

// pageRequest is what limit= and page= asked for.
type pageRequest struct {
	limit int
	page  int
}

// parsePageRequest reads limit (default 50, at most 250, 0 = count only)
// and page (default 1; 0 means 1). Negative or non-integer values, and a
// limit above 250, are a 400, as on the real service.
func parsePageRequest(q url.Values) (pageRequest, error) {
	p := pageRequest{limit: defaultLimit, page: 1}
	if v, ok := lastValue(q, "limit"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, badRequest("limit must be a non-negative integer, got %q", v)
		}
		if n > maxLimit {
			return p, badRequest("limit must be less than or equal to %d", maxLimit)
		}
		p.limit = n
	}
	if v, ok := lastValue(q, "page"); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return p, badRequest("page must be a positive integer, got %q", v)
		}
		p.page = max(n, 1)
	}
	return p, nil
}

// pagination is the X-Pagination header, keys in the spec's order.
type pagination struct {
	TotalRecords int  `json:"total_records"`
	TotalPages   int  `json:"total_pages"`
	FirstPage    bool `json:"first_page"`
	LastPage     bool `json:"last_page"`
	OutOfBounds  bool `json:"out_of_bounds"`
	Offset       int  `json:"offset"`
}

func (p pagination) header() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// paginate cuts one page out of items (already filtered and ordered).
//
// The rules, chosen to be consistent at the edges:
//   - total_pages = ceil(total_records / limit); 0 when there are no records.
//   - A request is in bounds when page <= max(total_pages, 1): page 1 of an
//     empty collection is in bounds (first and last page, no records).
//   - first_page = page == 1; last_page = page == max(total_pages, 1), so
//     an out-of-bounds page is neither the last page nor in bounds.
//   - offset = (page-1) * limit, even out of bounds.
//   - limit=0 answers no records: total_records is the count, total_pages 0,
//     offset 0, last_page true, out_of_bounds false (first_page as above).
func paginate[T any](items []T, p pageRequest) ([]T, pagination) {
	total := len(items)
	pg := pagination{TotalRecords: total, FirstPage: p.page == 1}
	if p.limit == 0 {
		pg.LastPage = true
		return []T{}, pg
	}
	pg.TotalPages = (total + p.limit - 1) / p.limit
	last := max(pg.TotalPages, 1)
	pg.OutOfBounds = p.page > last
	pg.LastPage = p.page == last
	if p.page-1 > (math.MaxInt-p.limit)/p.limit {
		pg.Offset = math.MaxInt - p.limit
	} else {
		pg.Offset = (p.page - 1) * p.limit
	}
	if pg.Offset >= total {
		return []T{}, pg
	}
	return items[pg.Offset:min(pg.Offset+p.limit, total)], pg
}

// lastValue is the last value given for key (Rails keeps the last of
// repeated scalar parameters).
func lastValue(q url.Values, key string) (string, bool) {
	vs, ok := q[key]
	if !ok || len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}
