package edge

import (
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/commerce"
)

func TestNoneMatch(t *testing.T) {
	const tag = `"abc-gzip"`
	for _, tc := range []struct {
		header, etag string
		want         bool
	}{
		{`"abc-gzip"`, tag, true},
		{`W/"abc-gzip"`, tag, true}, // weak comparison
		{`"abc-gzip"`, `W/"abc-gzip"`, true},
		{`"x", "abc-gzip"`, tag, true},
		{`"x",,  "abc-gzip" ,`, tag, true},
		{"\t\"x\",\t\"abc-gzip\"", tag, true},
		{`*`, tag, true},
		{` * `, tag, true},
		{`*`, "", false}, // no answer with a tag: nothing to match
		{`"abc-gzip"`, "", false},
		{``, tag, false},
		{`"abc"`, tag, false},
		{`"abc-zstd"`, tag, false},
		{`abc-gzip`, tag, false},          // unquoted
		{`"abc-gzip`, tag, false},         // unterminated
		{`"x" "abc-gzip"`, tag, false},    // no comma: malformed, ends the list
		{`nope, "abc-gzip"`, tag, false},  // malformed first member
		{`"abc-gzip", nope`, tag, true},   // what comes before the garbage counts
		{`"a b", "abc-gzip"`, tag, false}, // a space is no etagc
		{`*, "x"`, tag, true},
		{`*x`, tag, false},
		{`w/"abc-gzip"`, tag, false}, // W/ is case-sensitive
	} {
		if got := noneMatch(tc.header, tc.etag); got != tc.want {
			t.Errorf("noneMatch(%q, %q) = %v, want %v", tc.header, tc.etag, got, tc.want)
		}
	}
}

func FuzzNoneMatch(f *testing.F) {
	for _, s := range []string{`"abc"`, `W/"abc", "d"`, `*`, `"x",,"abc"`, "\"\x80\"", `W/`, `"`} {
		f.Add(s, `"abc"`)
	}
	f.Fuzz(func(t *testing.T, header, etag string) {
		if !noneMatch(header, etag) {
			return
		}
		// A match needs a tag, and the header to name it or be "*".
		opaque := strings.TrimPrefix(etag, "W/")
		if etag == "" || !strings.Contains(header, opaque) && !strings.Contains(header, "*") {
			t.Errorf("noneMatch(%q, %q) = true", header, etag)
		}
	})
}

func TestETag(t *testing.T) {
	a, b := []byte(`{"data":{"a":1}}`), []byte(`{"data":{"a":2}}`)
	id, gz, zs := ETag(a, ""), ETag(a, "gzip"), ETag(a, "zstd")
	if id != ETag(a, "identity") || id == ETag(b, "") || id == gz || gz == zs {
		t.Errorf("ETag: identity %s, gzip %s, zstd %s, other %s: want one per answer and encoding", id, gz, zs, ETag(b, ""))
	}
	// gzhttp suffixes the identity tag before its closing quote
	// (compress.go): the tags must agree.
	if gz != strings.TrimSuffix(id, `"`)+`-gzip"` || zs != strings.TrimSuffix(id, `"`)+`-zstd"` {
		t.Errorf("ETag(gzip) = %s, ETag(zstd) = %s, want %s with the suffix", gz, zs, id)
	}
	if tag, _, ok := scanETag(gz); !ok || tag != gz {
		t.Errorf("ETag %s is not a valid entity-tag", gz)
	}
}

func TestCacheControlRule(t *testing.T) {
	fresh := func(d time.Duration) commerce.ReadRecord { return commerce.ReadRecord{MinFresh: d, Fresh: true} }
	for _, tc := range []struct {
		name string
		role commerce.Role
		rec  commerce.ReadRecord
		want string
	}{
		{"storefront, fresh", commerce.RoleStorefront, fresh(29900 * time.Millisecond), "public, max-age=29"},
		{"storefront, under a second left", commerce.RoleStorefront, fresh(900 * time.Millisecond), "public, no-cache"},
		{"storefront, nothing recorded", commerce.RoleStorefront, commerce.ReadRecord{}, "public, no-cache"},
		{"storefront, stale", commerce.RoleStorefront, commerce.ReadRecord{Stale: true, MinFresh: time.Minute, Fresh: true}, "public, no-cache"},
		{"storefront, private data", commerce.RoleStorefront, commerce.ReadRecord{Private: true, MinFresh: time.Minute, Fresh: true}, "private, no-cache"},
		{"admin", commerce.RoleAdmin, fresh(time.Minute), "private, no-cache"},
	} {
		if got := cacheControl(tc.role, tc.rec); got != tc.want {
			t.Errorf("%s: cacheControl(%v, %+v) = %q, want %q", tc.name, tc.role, tc.rec, got, tc.want)
		}
	}
}
