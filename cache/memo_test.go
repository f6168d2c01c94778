package cache

import (
	"testing"
)

func TestMemoDecodesOnlyWhatItHasSeen(t *testing.T) {
	m := newMemo(2)
	first := entryOf(t, `{"ids":[1,2],"total":2}`)
	got, ok := decode[page](m, "k", first)
	if !ok || got.Total != 2 {
		t.Fatalf("first decode: %+v %v", got, ok)
	}
	// The same bytes come back as the remembered value, sharing its ids.
	again, ok := decode[page](m, "k", entryOf(t, `{"ids":[1,2],"total":2}`))
	if !ok || &again.IDs[0] != &got.IDs[0] {
		t.Fatalf("the same bytes were decoded again: %+v", again)
	}
	// Other bytes under the same key (another replica wrote it) are decoded.
	changed, ok := decode[page](m, "k", entryOf(t, `{"ids":[1,2,3],"total":3}`))
	if !ok || changed.Total != 3 {
		t.Fatalf("changed entry: %+v %v", changed, ok)
	}
	// A bad entry is a miss and replaces nothing.
	if _, ok := decode[page](m, "k", entryOf(t, `{"ids":"x"}`)); ok {
		t.Fatal("a bad entry decoded")
	}
	// No memo: every read decodes.
	none := newMemo(-1)
	a, _ := decode[page](none, "k", first)
	b, _ := decode[page](none, "k", first)
	if &a.IDs[0] == &b.IDs[0] {
		t.Fatal("decoded values shared without a memo")
	}
}

func TestEntryEncoding(t *testing.T) {
	e, ok := decodeEntry(encodeEntry(1234567, []byte(`{"a":1}`)))
	if !ok || e.At != 1234567 || string(e.Data) != `{"a":1}` {
		t.Fatalf("round trip: %+v %v", e, ok)
	}
	for _, bad := range []string{``, `c1`, `c1short`, `{"t":1,"d":{}}`} {
		if _, ok := decodeEntry([]byte(bad)); ok {
			t.Errorf("%q decoded as an entry", bad)
		}
	}
}

func entryOf(t *testing.T, data string) entry {
	t.Helper()
	e, ok := decodeEntry(encodeEntry(1, []byte(data)))
	if !ok {
		t.Fatal("encode/decode failed")
	}
	return e
}
