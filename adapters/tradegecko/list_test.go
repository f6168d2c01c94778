package tradegecko

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func seq(from, to int64) []int64 {
	var out []int64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestChunkIDs(t *testing.T) {
	tests := []struct {
		name string
		in   []int64
		want [][]int64
	}{
		{"nil", nil, nil},
		{"one", []int64{7}, [][]int64{{7}}},
		{"duplicates dropped, order kept", []int64{3, 1, 3, 2, 1}, [][]int64{{3, 1, 2}}},
		{"a full page", seq(1, 250), [][]int64{seq(1, 250)}},
		{"250 per chunk", seq(1, 600), [][]int64{seq(1, 250), seq(251, 500), seq(501, 600)}},
		{"duplicates do not count", append(seq(1, 250), seq(1, 250)...), [][]int64{seq(1, 250)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ChunkIDs(tt.in)); diff != "" {
				t.Errorf("ChunkIDs(%v) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestChunkIDsBoundsURLLength(t *testing.T) {
	// Ten-digit ids: 11 characters each with the comma, so the character
	// bound (not the count) splits them.
	ids := seq(1_000_000_000, 1_000_000_399)
	chunks := ChunkIDs(ids)
	if len(chunks) < 3 {
		t.Fatalf("ChunkIDs(400 ten-digit ids) = %d chunks, want at least 3 (≤ %d characters each)", len(chunks), maxIDChars)
	}
	checkChunks(t, ids, chunks)
}

// checkChunks checks ChunkIDs' contract: every id once, in first-seen
// order, at most MaxLimit ids and maxIDChars characters per chunk.
func checkChunks(t *testing.T, ids []int64, chunks [][]int64) {
	t.Helper()
	var want []int64
	seen := map[int64]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	var got []int64
	for i, c := range chunks {
		if len(c) == 0 || len(c) > MaxLimit {
			t.Errorf("chunk %d has %d ids, want 1..%d", i, len(c), MaxLimit)
		}
		if n := len(joinIDs(c)); n > maxIDChars {
			t.Errorf("chunk %d is %d characters long, want ≤ %d", i, n, maxIDChars)
		}
		got = append(got, c...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("ChunkIDs lost, duplicated or reordered ids: got %d ids, want %d", len(got), len(want))
	}
}

func TestChunkIDsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		n := r.IntN(1200)
		ids := make([]int64, n)
		for j := range ids {
			switch r.IntN(3) {
			case 0:
				ids[j] = r.Int64N(1000)
			case 1:
				ids[j] = r.Int64N(1 << 40)
			default:
				ids[j] = r.Int64()
			}
		}
		chunks := ChunkIDs(ids)
		checkChunks(t, ids, chunks)
		if t.Failed() {
			t.Fatalf("case %d failed", i)
		}
	}
}

// productsJSON renders a products page with the given ids.
func productsJSON(ids []int64) string {
	var b strings.Builder
	b.WriteString(`{"products":[`)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"P%d","status":"active","variant_ids":[]}`, id, id)
	}
	b.WriteString(`]}`)
	return b.String()
}

func pageHeader(total, limit, page int) string {
	pages := (total + limit - 1) / limit
	return fmt.Sprintf(`{"total_records":%d,"total_pages":%d,"first_page":%t,"last_page":%t,"out_of_bounds":%t,"offset":%d}`,
		total, pages, page == 1, page == pages, page > max(pages, 1), (page-1)*limit)
}

func TestProductsAllFollowsXPagination(t *testing.T) {
	client, mux, _ := setup(t)
	const total = 510
	var n counter
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		k := n.inc()
		testQuery(t, r, url.Values{"page": {strconv.Itoa(k)}, "limit": {"250"}, "brand": {"Wonka"}, "status": {"active"}})
		from := int64((k-1)*250 + 1)
		pagination(w, pageHeader(total, 250, k))
		writeJSON(w, http.StatusOK, productsJSON(seq(from, min(from+249, total))))
	})
	var got []int64
	opts := &ProductListOptions{Brand: []string{"Wonka"}, Filter: Filter{Status: []string{"active"}}, Include: []string{IncludeVariants}, ListOptions: ListOptions{Page: 7, Limit: 3}}
	for p, err := range client.Products.All(context.Background(), opts) {
		if err != nil {
			t.Fatalf("Products.All = %v", err)
		}
		got = append(got, int64(p.ID))
	}
	if !slices.Equal(got, seq(1, total)) {
		t.Errorf("Products.All = %d products, want ids 1..%d in order", len(got), total)
	}
	if n.get() != 3 {
		t.Errorf("Products.All sent %d requests, want 3", n.get())
	}
	if opts.Page != 7 || len(opts.Include) != 1 {
		t.Errorf("Products.All changed the caller's options: %+v", opts)
	}
}

func TestAllWithoutXPagination(t *testing.T) {
	tests := []struct {
		name     string
		pages    [][]int64
		requests int
	}{
		{"stops at a short page", [][]int64{seq(1, 250), seq(251, 253)}, 2},
		{"stops at an empty page", [][]int64{seq(1, 250), nil}, 2},
		{"a short first page", [][]int64{seq(1, 2)}, 1},
		{"an empty collection", [][]int64{nil}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux, _ := setup(t)
			var n counter
			mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
				k := n.inc()
				if k > len(tt.pages) {
					t.Errorf("Products.All asked for page %d of %d", k, len(tt.pages))
					writeJSON(w, http.StatusOK, `{"products":[]}`)
					return
				}
				writeJSON(w, http.StatusOK, productsJSON(tt.pages[k-1]))
			})
			got, err := collect(client.Products.All(context.Background(), nil))
			if err != nil {
				t.Fatalf("Products.All = %v", err)
			}
			if want := slices.Concat(tt.pages...); len(got) != len(want) {
				t.Errorf("Products.All = %d products, want %d", len(got), len(want))
			}
			if n.get() != tt.requests {
				t.Errorf("Products.All sent %d requests, want %d", n.get(), tt.requests)
			}
		})
	}
}

func TestAllStopsAtTotalPagesAndOutOfBounds(t *testing.T) {
	tests := []struct {
		name   string
		header string
	}{
		{"total_pages reached", `{"total_records":250,"total_pages":1,"first_page":true,"last_page":false,"out_of_bounds":false,"offset":0}`},
		{"out of bounds", `{"total_records":0,"total_pages":5,"first_page":false,"last_page":false,"out_of_bounds":true,"offset":0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, mux, _ := setup(t)
			var n counter
			mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
				n.inc()
				pagination(w, tt.header)
				writeJSON(w, http.StatusOK, productsJSON(seq(1, 250)))
			})
			if _, err := collect(client.Products.All(context.Background(), nil)); err != nil {
				t.Fatal(err)
			}
			if n.get() != 1 {
				t.Errorf("Products.All sent %d requests, want 1", n.get())
			}
		})
	}
}

func TestAllEarlyBreakAndErrors(t *testing.T) {
	client, mux, _ := setup(t, WithRetries(0, nil))
	var n counter
	mux.HandleFunc("/variants", func(w http.ResponseWriter, r *http.Request) {
		if n.inc() == 2 {
			writeJSON(w, http.StatusInternalServerError, `{"type":"Internal Server Error","message":"boom"}`)
			return
		}
		pagination(w, pageHeader(1000, 250, 1))
		var b strings.Builder
		b.WriteString(`{"variants":[`)
		for i := range 250 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d}`, i+1)
		}
		b.WriteString(`]}`)
		writeJSON(w, http.StatusOK, b.String())
	})
	// Breaking out stops paging.
	count := 0
	for _, err := range client.Variants.All(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if count++; count == 5 {
			break
		}
	}
	if n.get() != 1 {
		t.Errorf("after a break at item 5, %d requests, want 1", n.get())
	}
	// An error on page 2 ends the iteration after page 1's items.
	n.n.Store(0)
	got, err := collect(client.Variants.All(context.Background(), nil))
	if !errors.Is(err, ErrServer) || len(got) != 250 {
		t.Errorf("Variants.All = %d items, %v; want 250 and then ErrServer", len(got), err)
	}
}

func TestReferenceAllIterators(t *testing.T) {
	client, mux, _ := setup(t)
	for _, name := range []string{"currencies", "locations"} {
		mux.HandleFunc("/"+name, func(w http.ResponseWriter, r *http.Request) {
			testRequest(t, r, http.MethodGet)
			testQuery(t, r, url.Values{"page": {"1"}, "limit": {"250"}})
			pagination(w, pageHeader(2, 250, 1))
			writeTestdata(t, w, name+".json")
		})
	}
	cs, err := collect(client.Currencies.All(context.Background(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(specCurrencies, cs, cmpOpts); diff != "" {
		t.Errorf("Currencies.All (-want +got):\n%s", diff)
	}
	ls, err := collect(client.Locations.All(context.Background(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(specLocations, ls, cmpOpts); diff != "" {
		t.Errorf("Locations.All (-want +got):\n%s", diff)
	}
}

func TestProductsCount(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testRequest(t, r, http.MethodGet)
		testQuery(t, r, url.Values{"limit": {"0"}, "status": {"active"}, "tags[]": {"candy", "summer"}})
		pagination(w, `{"total_records":3103,"total_pages":0,"first_page":true,"last_page":true,"out_of_bounds":false,"offset":0}`)
		writeJSON(w, http.StatusOK, `{"products":[]}`)
	})
	n, _, err := client.Products.Count(context.Background(), &ProductListOptions{
		ListOptions: ListOptions{Page: 3, Limit: 20},
		Filter:      Filter{Status: []string{"active"}},
		Tags:        []string{"candy", "summer"},
		Include:     []string{IncludeVariants},
	})
	if err != nil || n != 3103 {
		t.Errorf("Products.Count = %d, %v, want 3103", n, err)
	}
}

func TestProductsCountWithoutHeader(t *testing.T) {
	client, mux, _ := setup(t)
	mux.HandleFunc("/products", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"limit": {"0"}})
		writeJSON(w, http.StatusOK, `{"products":[]}`)
	})
	_, _, err := client.Products.Count(context.Background(), nil)
	var de *DecodeError
	if !errors.As(err, &de) || !errors.Is(err, errNoPagination) {
		t.Errorf("Products.Count without X-Pagination = %v, want a *DecodeError", err)
	}
}
