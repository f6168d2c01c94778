// Package commerce is the gateway's unified domain: the types clients see
// (Product, Variant, Inventory, Location, …), the small interfaces it needs
// from backends (Catalog, …), the operations that GraphQL and REST both call,
// the role each operation requires, the node registry (nodes.go: which
// types a global id may name, and what reading one needs), and the error
// vocabulary every door translates in exactly one place.
//
// Two doors, one set of rules: no business rule lives in graph/ or server/.
// No backend's rule lives here either: every write to a backend follows the
// contract in writes.go (validate, prepare, send, learn the outcome of a
// lost write), which each adapter implements with its backend's rules
// (limits, codes, how a lost write is found); commerce orchestrates it and
// knows no backend's configuration (the composition root words
// BACKEND_DISABLED, see ServiceConfig.Disabled).
// List operations take a filter, an offset, a limit and the sideloads wanted,
// and return items plus a total; cursors are a transport concern.
//
// The package must never speak HTTP, know a backend's wire format (page=,
// include=, cents), or hold a float64 on a money path.
package commerce
