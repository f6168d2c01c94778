package backend

import "testing"

// The names are in global ids clients keep and in Redis keys an earlier
// version wrote: they never change.
func TestNamesNeverChange(t *testing.T) {
	for got, want := range map[Name]string{
		TradeGecko:    "tradegecko",
		TradeGlobal:   "tradeglobal",
		SimpleConsign: "simpleconsign",
	} {
		if string(got) != want {
			t.Errorf("backend name %q, want %q", got, want)
		}
	}
}
