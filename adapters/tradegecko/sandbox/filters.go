package sandbox

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// recordMeta is what every listable record offers the common filters and
// orderings.
type recordMeta struct {
	id      int64
	created time.Time
	updated time.Time
	status  string // "" for resources without a status (images)
}

type listable interface{ meta() recordMeta }

// listing describes one index endpoint: its records and what it accepts
// beyond the common index filters (ids, created_at_min/max,
// updated_at_min/max, order, limit, page, and status where the resource has
// one).
type listing[T listable] struct {
	records []T // all records, any order
	// defaultStatus is the status filter when status= is absent; nil means
	// the resource has no status and status= is ignored.
	defaultStatus []string
	// columns are order= columns beyond id, created_at and updated_at.
	columns map[string]func(a, b T) int
	// filter parses resource-specific filters; nil when there are none.
	filter func(q url.Values) (func(T) bool, error)
	// defaultOrder replaces "created_at desc" when order= is absent (line
	// items are listed by position).
	defaultOrder string
}

// run filters, orders and paginates.
func (l listing[T]) run(q url.Values) ([]T, pagination, error) {
	p, err := parsePageRequest(q)
	if err != nil {
		return nil, pagination{}, err
	}
	base, err := parseBaseFilter(q, l.defaultStatus)
	if err != nil {
		return nil, pagination{}, err
	}
	order, err := l.parseOrder(q)
	if err != nil {
		return nil, pagination{}, err
	}
	extra := func(T) bool { return true }
	if l.filter != nil {
		if extra, err = l.filter(q); err != nil {
			return nil, pagination{}, err
		}
	}
	var matched []T
	for _, r := range l.records {
		if base.match(r.meta()) && extra(r) {
			matched = append(matched, r)
		}
	}
	slices.SortFunc(matched, order)
	items, pg := paginate(matched, p)
	return items, pg, nil
}

// parseOrder reads order= ("created_at desc", "name", "sku asc, id desc";
// "+" counts as a space). The default is newest first: created_at desc,
// then id desc. Ties are broken by id in the direction of the first column.
func (l listing[T]) parseOrder(q url.Values) (func(a, b T) int, error) {
	type key struct {
		cmp  func(a, b T) int
		desc bool
	}
	var keys []key
	raw, _ := lastValue(q, "order")
	raw = strings.TrimSpace(strings.ReplaceAll(raw, "+", " "))
	if raw == "" {
		raw = "created_at desc"
		if l.defaultOrder != "" {
			raw = l.defaultOrder
		}
	}
	for part := range strings.SplitSeq(raw, ",") {
		fields := strings.Fields(part)
		if len(fields) == 0 || len(fields) > 2 {
			return nil, badRequest("invalid order %q", raw)
		}
		k := key{}
		col := strings.ToLower(fields[0])
		switch col {
		case "id":
			k.cmp = func(a, b T) int { return cmp.Compare(a.meta().id, b.meta().id) }
		case "created_at":
			k.cmp = func(a, b T) int { return a.meta().created.Compare(b.meta().created) }
		case "updated_at":
			k.cmp = func(a, b T) int { return a.meta().updated.Compare(b.meta().updated) }
		default:
			c, ok := l.columns[col]
			if !ok {
				return nil, badRequest("invalid order column %q", fields[0])
			}
			k.cmp = c
		}
		if len(fields) == 2 {
			switch strings.ToLower(fields[1]) {
			case "asc":
			case "desc":
				k.desc = true
			default:
				return nil, badRequest("invalid order direction %q", fields[1])
			}
		}
		keys = append(keys, k)
	}
	keys = append(keys, key{cmp: func(a, b T) int { return cmp.Compare(a.meta().id, b.meta().id) }, desc: keys[0].desc})
	return func(a, b T) int {
		for _, k := range keys {
			c := k.cmp(a, b)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	}, nil
}

// baseFilter holds the index filters every resource accepts.
type baseFilter struct {
	ids                    map[int64]bool // nil: not filtered
	createdMin, createdMax *time.Time
	updatedMin, updatedMax *time.Time
	statuses               []string // nil: not filtered
}

func parseBaseFilter(q url.Values, defaultStatus []string) (baseFilter, error) {
	var f baseFilter
	ids, given, err := idValues(q, "ids")
	if err != nil {
		return f, err
	}
	if given {
		f.ids = make(map[int64]bool, len(ids))
		for _, id := range ids {
			f.ids[id] = true
		}
	}
	for _, t := range []struct {
		key string
		dst **time.Time
	}{
		{"created_at_min", &f.createdMin},
		{"created_at_max", &f.createdMax},
		{"updated_at_min", &f.updatedMin},
		{"updated_at_max", &f.updatedMax},
	} {
		if *t.dst, err = timeValue(q, t.key); err != nil {
			return f, err
		}
	}
	if defaultStatus != nil {
		f.statuses = defaultStatus
		if st, given := listValues(q, "status", true); given {
			f.statuses = st
		}
	}
	return f, nil
}

func (f *baseFilter) match(m recordMeta) bool {
	switch {
	case f.ids != nil && !f.ids[m.id],
		f.createdMin != nil && m.created.Before(*f.createdMin),
		f.createdMax != nil && m.created.After(*f.createdMax),
		f.updatedMin != nil && m.updated.Before(*f.updatedMin),
		f.updatedMax != nil && m.updated.After(*f.updatedMax),
		f.statuses != nil && !slices.Contains(f.statuses, m.status):
		return false
	}
	return true
}

// listValues collects a filter's values from key=a, key[]=a&key[]=b and
// repeated keys; with split, also from comma-separated values (key=a,b).
// given reports whether the filter was sent at all; a filter sent with only
// empty values matches nothing.
func listValues(q url.Values, key string, split bool) (vals []string, given bool) {
	for _, k := range []string{key, key + "[]"} {
		vs, ok := q[k]
		if !ok {
			continue
		}
		given = true
		for _, v := range vs {
			parts := []string{v}
			if split {
				parts = strings.Split(v, ",")
			}
			for _, p := range parts {
				if p = strings.TrimSpace(p); p != "" {
					vals = append(vals, p)
				}
			}
		}
	}
	if given && vals == nil {
		vals = []string{}
	}
	return vals, given
}

// idValues reads an integer filter in any of its forms (ids[]=1&ids[]=2,
// ids=1,2, ids=1).
func idValues(q url.Values, key string) ([]int64, bool, error) {
	vals, given := listValues(q, key, true)
	ids := make([]int64, 0, len(vals))
	for _, v := range vals {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, given, badRequest("invalid value for %s: %q is not an integer", key, v)
		}
		ids = append(ids, id)
	}
	return ids, given, nil
}

// idSet is idValues as a set; nil when the filter was not given.
func idSet(q url.Values, key string) (map[int64]bool, error) {
	ids, given, err := idValues(q, key)
	if err != nil || !given {
		return nil, err
	}
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// stringSet is listValues as a set; nil when the filter was not given.
func stringSet(q url.Values, key string, split bool) map[string]bool {
	vals, given := listValues(q, key, split)
	if !given {
		return nil
	}
	set := make(map[string]bool, len(vals))
	for _, v := range vals {
		set[v] = true
	}
	return set
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// timeValue reads an ISO 8601 timestamp or date. Times without a zone are
// UTC. A "+hh:mm" offset whose "+" arrived as a space (unencoded in the
// query string) is repaired.
func timeValue(q url.Values, key string) (*time.Time, error) {
	v, ok := lastValue(q, key)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	v = strings.TrimSpace(v)
	if n := len(v); n > 6 && v[n-6] == ' ' && v[n-3] == ':' {
		v = v[:n-6] + "+" + v[n-5:]
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return &t, nil
		}
	}
	return nil, badRequest("invalid value for %s: %q is not an ISO 8601 time", key, v)
}

// includes lists the sideloads asked for with include= (comma-separated),
// in order, without duplicates.
func includes(q url.Values) []string {
	vals, _ := listValues(q, "include", true)
	var out []string
	for _, v := range vals {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// parseID reads a path id; ok is false for anything but a positive integer.
func parseID(raw string) (int64, bool) {
	if raw == "" || raw[0] == '+' || raw[0] == '-' {
		return 0, false
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	return id, err == nil && id > 0
}

// showResponse answers a single resource, with sideloads first as the
// spec's examples show: {"variants":[…],"product":{…}}.
func showResponse(key string, v any, sideloads object) *response {
	return jsonResponse(200, append(sideloads, member{key, v}))
}

// indexResponse answers a collection with its X-Pagination header.
func indexResponse(key string, items any, sideloads object, pg pagination) *response {
	resp := jsonResponse(200, append(sideloads, member{key, items}))
	resp.header.Set("X-Pagination", pg.header())
	return resp
}
