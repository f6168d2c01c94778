package respcache_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/respcache"
)

func key(n int) respcache.Key { return respcache.Key{byte(n), byte(n >> 8)} }

func variant(id int64) commerce.Tag { return commerce.Tag{Kind: commerce.TagVariant, ID: id} }

func entry(size int, tags ...commerce.Tag) *respcache.Entry {
	return &respcache.Entry{ContentType: "application/json", Body: bytes.Repeat([]byte("x"), size), ETag: `"t"`,
		Tags: tags, Expires: time.Now().Add(time.Minute)}
}

func TestTagsDropExactlyWhatChanged(t *testing.T) {
	c := respcache.New(respcache.Options{MaxBytes: 1 << 20})
	c.Put(key(1), entry(10, variant(1), variant(2)), c.Begin())
	c.Put(key(2), entry(10, variant(2)), c.Begin())
	c.Put(key(3), entry(10, variant(3), commerce.Tag{Kind: commerce.TagProductList}), c.Begin())
	c.Invalidate(variant(2))
	for k, want := range map[int]bool{1: false, 2: false, 3: true} {
		if _, ok := c.Get(key(k)); ok != want {
			t.Errorf("entry %d kept %v, want %v", k, ok, want)
		}
	}
	c.Invalidate(commerce.Tag{Kind: commerce.TagProductList})
	if _, ok := c.Get(key(3)); ok {
		t.Error("a list change kept an answer made of the list")
	}
	if s := c.Stats(); s.Entries != 0 || s.Bytes != 0 || s.Invalidated != 3 {
		t.Errorf("stats %+v, want empty and 3 invalidated", s)
	}
}

// An answer made while one of its tags changed may hold the old state: it
// is not kept. One made of other things is.
func TestPutRefusesAnAnswerMadeDuringAChange(t *testing.T) {
	c := respcache.New(respcache.Options{MaxBytes: 1 << 20})
	ticket := c.Begin()
	c.Invalidate(variant(1))
	if c.Put(key(1), entry(10, variant(1)), ticket) {
		t.Error("kept an answer begun before its variant changed")
	}
	if !c.Put(key(2), entry(10, variant(2)), ticket) {
		t.Error("refused an answer made of something else")
	}
	if !c.Put(key(1), entry(10, variant(1)), c.Begin()) {
		t.Error("refused an answer begun after the change")
	}
}

func TestBoundedInBytes(t *testing.T) {
	const max = 64 << 10
	c := respcache.New(respcache.Options{MaxBytes: max})
	for i := range 100 {
		c.Put(key(i), entry(4<<10, variant(int64(i))), c.Begin())
		if s := c.Stats(); s.Bytes > max {
			t.Fatalf("after %d puts: %d bytes, over %d", i+1, s.Bytes, max)
		}
	}
	if _, ok := c.Get(key(99)); !ok {
		t.Error("the newest entry was evicted")
	}
	if _, ok := c.Get(key(0)); ok {
		t.Error("the oldest entry was kept")
	}
	if c.Put(key(1000), entry(max+1), c.Begin()) {
		t.Error("kept an entry bigger than the cache")
	}
	// A hit refreshes an entry's place.
	c = respcache.New(respcache.Options{MaxBytes: 3 * (4<<10 + 1024)})
	for i := range 3 {
		c.Put(key(i), entry(4<<10), c.Begin())
	}
	c.Get(key(0))
	c.Put(key(3), entry(4<<10), c.Begin())
	if _, ok := c.Get(key(0)); !ok {
		t.Error("the entry just read was evicted before older ones")
	}
}

func TestExpires(t *testing.T) {
	now := time.Now()
	c := respcache.New(respcache.Options{MaxBytes: 1 << 20, Now: func() time.Time { return now }})
	e := entry(10)
	e.Expires = now.Add(time.Second)
	c.Put(key(1), e, c.Begin())
	if _, ok := c.Get(key(1)); !ok {
		t.Fatal("not kept")
	}
	now = now.Add(time.Second)
	if _, ok := c.Get(key(1)); ok {
		t.Error("kept past its freshness")
	}
	if c.Put(key(2), e, c.Begin()) {
		t.Error("kept an answer whose freshness is spent")
	}
}

func TestEncodedOnce(t *testing.T) {
	etags := 0
	c := respcache.New(respcache.Options{MaxBytes: 1 << 20, ETag: func(b []byte, enc string) string {
		etags++
		return fmt.Sprintf(`"x-%s"`, enc)
	}})
	e := entry(8 << 10)
	c.Put(key(1), e, c.Begin())
	before := c.Stats().Bytes
	var first []byte
	for range 3 {
		body, etag := c.Encoded(e, respcache.Gzip)
		if etag != `"x-gzip"` {
			t.Errorf("etag %s", etag)
		}
		if first != nil && &first[0] != &body[0] {
			t.Error("gzip made again")
		}
		first = body
	}
	r, err := gzip.NewReader(bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(r)
	if !bytes.Equal(plain, e.Body) {
		t.Error("gzip does not decode to the body")
	}
	if etags != 1 || c.Stats().Bytes != before+int64(len(first)) {
		t.Errorf("%d ETags computed, bytes %d → %d; want 1, and the encoding counted", etags, before, c.Stats().Bytes)
	}
	if body, etag := c.Encoded(e, respcache.Identity); etag != `"t"` || !bytes.Equal(body, e.Body) {
		t.Errorf("identity: %s", etag)
	}
}
