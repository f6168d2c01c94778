package commerce

import (
	"strings"
	"time"

	"github.com/commercegateway/gateway/backend"
)

// Event is something a backend announced (a verified webhook): what
// happened to which object. Caches listen to events to stay fresh.
type Event struct {
	Backend    backend.Name // "tradegecko"
	Name       string       // normalized: "variant.stock_level_update", "fulfillment.create"
	ObjectID   int64        // the object the event is about
	At         time.Time    // when the backend says it happened
	DeliveryID string       // the backend's id for this delivery
}

// NormalizeEventName maps the forms a backend uses for one event to one
// name: TradeGecko sends both "fulfillment.create" and
// "fulfillments.create" (and "fulfillment_returns.received").
func NormalizeEventName(name string) string {
	resource, action, ok := strings.Cut(strings.ToLower(strings.TrimSpace(name)), ".")
	if !ok {
		return strings.ToLower(strings.TrimSpace(name))
	}
	switch {
	case strings.HasSuffix(resource, "sses"): // addresses
		resource = strings.TrimSuffix(resource, "es")
	case strings.HasSuffix(resource, "ies"): // companies
		resource = strings.TrimSuffix(resource, "ies") + "y"
	case strings.HasSuffix(resource, "s") && !strings.HasSuffix(resource, "ss"):
		resource = strings.TrimSuffix(resource, "s")
	}
	return resource + "." + action
}
