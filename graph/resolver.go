package graph

import (
	"log/slog"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
)

// Resolver holds the dependencies of every resolver. Resolvers are thin:
// they decode ids and cursors, plan sideloads from the selection set, batch
// lookups through the request's loaders, and call the commerce Service.
type Resolver struct {
	Service *commerce.Service
	Log     *slog.Logger
	// Changes feeds the subscriptions (subscriptions.go); nil: none.
	Changes *changes.Hub
}
