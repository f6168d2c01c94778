// Package server is the gateway's composition root: configuration
// (config.go: LoadConfig, Validate), wiring (New: Redis and the durable
// stores on it, each backend's client behind its breakers, shared rate
// limit and metrics in backends.go, the catalog cache, commerce.Service,
// the webhook event stream and the OAuth connect flow), and running (Start,
// Run, Close: background refresh, polling, webhook subscriptions, the Redis
// epoch, graceful shutdown).
//
// What it wires is served by its HTTP edge, package server/edge, which it
// hands what it needs through edge.Deps; the doors below the edge are
// graph (GraphQL) and server/rest (REST). In sandbox mode (SANDBOX=1) the
// backends run in-process, started by a Sandboxes it is given
// (WithSandboxes; package server/sandboxmode).
//
// It must never import a sandbox (adapters/*/sandbox, server/sandboxmode):
// the production binary links none. It never writes an HTTP response or
// decides a request's answer: routes, authentication, limits and error
// bodies belong to the edge and the doors.
package server
