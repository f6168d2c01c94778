// Package backend names the commerce backends the gateway fronts. A Name
// appears in global ids (gid://tradegecko/…), in errors (the backend of a
// commerce.Error), in logs and metrics, and in Redis key names such as the
// shared budget's {rl:tradegecko}: it is part of the wire and of stored
// data, so a name never changes once released.
//
// The package holds the names only; it imports nothing of the gateway, so
// every package may import it. It must never learn anything about a
// backend beyond its name.
package backend

// Name is a backend's name.
type Name string

// The backends.
const (
	TradeGecko    Name = "tradegecko"
	TradeGlobal   Name = "tradeglobal"
	SimpleConsign Name = "simpleconsign"
)
