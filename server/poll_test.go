package server_test

import (
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/server"
)

// pollRequests splits the sandbox's requests since the last reset into
// polls (updated_at_min lists) and the rest.
func pollRequests(sb *sandbox.Sandbox) (polls, others []sandbox.Request) {
	for _, r := range sb.Requests() {
		if r.Query.Has("updated_at_min") {
			polls = append(polls, r)
		} else {
			others = append(others, r)
		}
	}
	return polls, others
}

const variantPriceQuery = `{ variant(id: "gid://tradegecko/Variant/4") { retailPrice { amount currencyCode } } }`

type variantPrice struct {
	Variant struct {
		RetailPrice moneyJSON `json:"retailPrice"`
	} `json:"variant"`
}

func (g *gateway) retailPrice() string {
	g.t.Helper()
	return mustData[variantPrice](g.t, g.query(storefrontKey, variantPriceQuery, nil)).Variant.RetailPrice.Amount
}

// Nothing announces an edited price: with TTLs far off, the gateway's
// incremental polling (updated_at_min) is what brings it in, within a few
// poll intervals and without a webhook or a cache expiry.
func TestPollPicksUpAnEditedPrice(t *testing.T) {
	g := newGateway(t, gatewayOptions{pollInterval: 300 * time.Millisecond, cache: server.CacheConfig{CatalogTTL: time.Hour, StockTTL: time.Hour}})
	g.sb.ResetRequests()
	if got := g.retailPrice(); got != "45.00" {
		t.Fatalf("retailPrice = %q, want 45.00", got)
	}
	g.sb.ResetRequests()
	if got := g.retailPrice(); got != "45.00" {
		t.Fatalf("cached retailPrice = %q, want 45.00", got)
	}
	if err := g.sb.UpdateVariant(4, map[string]any{"retail_price": "49.5"}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	for got := g.retailPrice(); got != "49.50"; got = g.retailPrice() {
		if got != "45.00" {
			t.Fatalf("retailPrice = %q, want 45.00 or 49.50", got)
		}
		if time.Since(began) > 2*time.Second {
			t.Fatalf("the edited price did not show within 2 s (still %s)", got)
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Logf("the edit showed after %v", time.Since(began).Round(time.Millisecond))
	polls, others := pollRequests(g.sb)
	if len(polls) == 0 {
		t.Errorf("no updated_at_min request reached the sandbox")
	}
	for _, r := range others {
		t.Errorf("a read went upstream instead of the poll: %s %s?%s", r.Method, r.Path, r.Query.Encode())
	}
	if d := g.sb.Deliveries(); len(d) != 0 {
		t.Errorf("webhooks were delivered: %+v", d)
	}
}

// TRADEGECKO_POLL_INTERVAL=0 turns polling off: no updated_at_min request
// is ever made.
func TestPollIntervalZeroNeverPolls(t *testing.T) {
	g := newGateway(t, gatewayOptions{}) // the harness leaves PollInterval 0
	if got := g.retailPrice(); got != "45.00" {
		t.Fatalf("retailPrice = %q, want 45.00", got)
	}
	if err := g.sb.UpdateVariant(4, map[string]any{"retail_price": "49.5"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if got := g.retailPrice(); got != "45.00" {
		t.Errorf("retailPrice = %q: the edit arrived within the stock TTL with polling off", got)
	}
	polls, _ := pollRequests(g.sb)
	for _, r := range polls {
		t.Errorf("polled with the interval 0: %s %s?%s", r.Method, r.Path, r.Query.Encode())
	}
}
