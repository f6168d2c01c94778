// Package graph is the gateway's GraphQL door: the schema (*.graphqls), the
// code gqlgen generates from it (generated.go, models_gen.go), the resolvers,
// and the HTTP handler with the checks every operation passes before it runs
// (handler.go): trusted documents and automatic persisted queries
// (trusted.go, persisted.go; the shared store is docstore's, reached through
// the PersistedQueries interface),
// the introspection policy (introspection.go), and the cost of an operation
// — depth, complexity and the upstream requests it may plan (cost.go) —
// and incremental delivery: @defer over multipart/mixed, or inline in one
// result (incremental.go).
//
// Resolvers are thin. They decode ids and cursors, plan sideloads from the
// selection set (selection.go), batch lookups through the operation's
// loaders (loaders.go), and call commerce.Service, which owns every rule:
// who may read or write what, money, idempotency, pending writes. The
// package must never talk to a backend, a cache or Redis itself, never
// decide access on its own, and never hold a rule that REST needs too;
// such a rule belongs below both doors (see ARCHITECTURE.md).
package graph
