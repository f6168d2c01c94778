package commerce

// The durable records (idempotency records, the ledgers, pending writes)
// are what make a write happen once. When the Redis holding them came back
// empty, a retry of a write that landed would run again and a sale already
// recorded would read as new; so, until an admin acknowledges the loss,
// such writes are refused (ServiceConfig.RecordsLost says when).

// recordsIntact refuses a write whose exactly-once rests on the durable
// records while they are known to be lost. It costs an atomic load.
func (s *Service) recordsIntact() error {
	if s.recordsLost == nil {
		return nil
	}
	detail, lost := s.recordsLost()
	if !lost {
		return nil
	}
	return &Error{Code: CodeUpstreamUnavailable, Backend: "redis",
		Message: "writes are refused: " + detail + ". Without those records the gateway cannot tell whether this write already happened, " +
			"so it could happen twice; an admin must check the backends and acknowledge the loss " +
			"(POST /v1/admin/redis-epoch/acknowledge with an admin key) before writes resume"}
}
