package changes

import "testing"

func TestValidSeq(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1733570000000-0", true},
		{"42", true},
		{"0-1", true},
		{"18446744073709551615-18446744073709551615", true},
		{"18446744073709551616-0", false},
		{"1-18446744073709551616", false},
		{"", false},
		{"-", false},
		{"1-", false},
		{"-1", false},
		{"1-2-3", false},
		{"1.5", false},
		{" 1", false},
		{"+1", false},
	} {
		if got := ValidSeq(tc.in); got != tc.want {
			t.Errorf("ValidSeq(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Whatever ValidSeq accepts, SubscribeFrom takes as a position (or says
// its history is gone), never as a malformed id.
func FuzzValidSeq(f *testing.F) {
	for _, s := range []string{"1733570000000-0", "42", "", "1-", "99999999999999999999"} {
		f.Add(s)
	}
	h := NewHub(HubOptions{})
	defer h.Close()
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidSeq(s) {
			return
		}
		sub, err := h.SubscribeFrom(KindVariant, []int64{1}, s)
		if err != nil && err != ErrHistoryGone {
			t.Fatalf("ValidSeq(%q) but SubscribeFrom: %v", s, err)
		}
		if sub != nil {
			sub.Close()
		}
	})
}
