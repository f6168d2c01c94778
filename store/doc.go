// Package store holds the gateway's durable records: idempotency records,
// OAuth tokens, webhook delivery ids, and the ledgers of what the gateway
// placed at TradeGlobal and recorded at SimpleConsign (ledger.go). Each
// kind is a small interface with an
// in-memory implementation here; a Redis implementation replaces it when
// the gateway runs as several replicas.
//
// The epoch (epoch.go) tells a replica when the Redis holding these records
// came back without them, so that writes resting on them stop until an
// admin acknowledges the loss.
//
// These records decide whether a write happens once, so the package must
// never be used, configured or evicted like a cache: a record lives until
// its TTL, not until memory is short.
package store
