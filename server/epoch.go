package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server/edge"
	"github.com/commercegateway/gateway/store"
)

// When Redis loses its data (store/epoch.go): the guard adopts the epoch
// at start, checks it every REDIS_EPOCH_CHECK_INTERVAL, and reports a loss
// in the log, in /metrics (gateway_redis_epoch_lost) and in /readyz's body
// (not its status: the replica still serves reads); commerce refuses the
// writes that rest on the lost records until an admin calls
// POST /v1/admin/redis-epoch/acknowledge.

// EpochAcknowledgePath is the admin route that acknowledges a loss of the
// Redis data.
const EpochAcknowledgePath = edge.EpochAcknowledgePath

// DefaultEpochCheckInterval is how often each replica checks the epoch.
const DefaultEpochCheckInterval = 5 * time.Second

// startEpoch adopts (or creates) the epoch of the Redis the records live on.
func (s *Server) startEpoch() error {
	s.epoch = store.NewEpochGuard(s.rdb, s.log)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.epoch.Start(ctx); err != nil {
		return err
	}
	s.metrics.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "gateway_redis_epoch_lost",
		Help: "1 while this replica knows the Redis data was lost (flushed, or came back empty) and no admin acknowledged it; writes that rest on it are refused.",
	}, func() float64 {
		if _, lost := s.epoch.Lost(); lost {
			return 1
		}
		return 0
	}))
	return nil
}

// recordsLost is commerce's write gate: an atomic load, no Redis round trip.
func (s *Server) recordsLost() (string, bool) {
	l, lost := s.epoch.Lost()
	return l.Detail, lost
}

// runEpoch checks the epoch in the background until ctx ends.
func (s *Server) runEpoch(ctx context.Context) {
	interval := s.cfg.Redis.EpochCheckInterval
	if interval <= 0 {
		interval = DefaultEpochCheckInterval
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.epoch.Run(ctx, interval)
	}()
}

// epochStatus is the "redis" member of /readyz's body.
func (s *Server) epochStatus() map[string]any {
	if l, lost := s.epoch.Lost(); lost {
		return map[string]any{"epoch": "lost", "detail": l.Detail, "since": l.Since, "seen": l.Seen.ID,
			"acknowledge": "POST " + EpochAcknowledgePath + " with an admin key"}
	}
	return map[string]any{"epoch": "ok", "id": s.epoch.Current().ID}
}

// acknowledgeEpoch accepts the Redis data as it is now, on every replica
// (the others adopt it on their next check). Admin only (the edge checks);
// answers what was acknowledged and the loss it cleared on this replica,
// if any.
func (s *Server) acknowledgeEpoch(ctx context.Context, keyID string) (any, error) {
	e, cleared, err := s.epoch.Acknowledge(ctx)
	if err != nil {
		return nil, &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: "redis",
			Message: "could not acknowledge the Redis epoch: Redis did not answer; try again", Err: err}
	}
	s.log.Warn("redis: epoch acknowledged by an admin", "key", keyID, "epoch", e.ID, "cleared_loss", cleared != nil)
	body := map[string]any{"acknowledged": true, "epoch": e.ID, "created": e.Created, "acknowledgedAt": e.Acknowledged}
	if cleared != nil {
		body["cleared"] = cleared.Detail
	}
	return body, nil
}
