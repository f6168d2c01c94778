// Package rest is the gateway's REST door, /v1: thin huma handlers over the
// same commerce.Service operations the GraphQL door calls, with an OpenAPI
// 3.1 document generated from the Go handlers and types (GET
// /v1/openapi.json) and a docs page served from the binary (GET /v1/docs).
//
// # What a handler does
//
// Decode the request (path, query, header and JSON body, which huma
// validates against the generated schema), turn it into the commerce input
// (global ids, exact decimals, dates), call one Service method, and render
// the result in the REST representation: the GraphQL types' field names and
// shapes (camelCase, gid:// ids, Money as {"amount":"24.00",
// "currencyCode":"SGD"}, decimals as strings), a resource embedding its
// natural children (a product its variants with inventory, an order its
// line items, company and addresses) and referring to the rest by id.
// Single resources are answered bare; paged lists as {"data", "pageInfo",
// "totalCount"} with a Link rel="next" header; unpaged lists as {"data"}.
// GET /v1/nodes and /v1/nodes/{id} are GraphQL's nodes and node: any object
// by its global id, its representation plus "__typename" (nodes.go).
// GET /v1/variants/events and /v1/orders/events stream the changes the
// changes.Hub delivers as server-sent events, each carrying the entity's
// representation (events.go).
//
// # What it must never do
//
// Hold a business rule. Access (commerce.Authorize, inside each Service
// method), validation of what the caller may fix (user errors), idempotency
// and everything about backends belong to commerce and the adapters; both
// doors must behave the same because they call the same operations. This
// package only translates: HTTP in, commerce in; commerce out, HTTP out. It
// must also never echo secrets (keys, tokens) in responses, and never load
// the docs page's assets from a CDN.
//
// # Errors
//
// Every failure is an RFC 9457 application/problem+json body (Problem) with
// a stable code, in one place (problem.go): 400 BAD_USER_INPUT for a
// request that cannot be decoded (not JSON, wrong types, unknown fields,
// malformed ids, cursors or parameters; huma's own validation failures,
// which it answers 422 by default, are mapped here to 400 by replacing
// huma.NewError and huma.NewErrorWithContext); 422 USER_ERROR with
// errors: [{field, message, code}] when a mutation answered user errors;
// and the commerce codes at their usual statuses (401, 403, 404, 409,
// 429 with Retry-After, 502 with pendingWriteId for OUTCOME_UNKNOWN (with
// Retry-After too when a retry can settle it once the budget allows), 503).
// What an error means to a client (ErrorOf: its status, code and shown
// message, a 413's TooLarge detail) is decided there for both doors: the
// edge (server/edge) writes it as problem+json with WriteError, and on
// /graphql in the GraphQL shape with graph.WriteError. Importing this package replaces huma's error constructors process-wide.
package rest
