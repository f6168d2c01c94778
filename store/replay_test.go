package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/store"
)

// replayScripts runs every script command twice, keeping the second reply:
// what go-redis does when the first attempt's reply is lost (a read
// timeout while Redis is stalled, the command retried on a new connection)
// and the first attempt ran anyway once Redis resumed.
type replayScripts struct{}

func (replayScripts) DialHook(next redis.DialHook) redis.DialHook { return next }
func (replayScripts) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (replayScripts) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := strings.ToLower(cmd.Name()); name == "evalsha" || name == "eval" {
			if err := next(ctx, cmd); err != nil {
				return err
			}
		}
		return next(ctx, cmd)
	}
}

// A claim, a takeover and a completion each replayed as a retry would:
// the replay finds its own attempt's effect and reports it as its own,
// never as someone else's pending write.
func TestIdempotencyReplayedScripts(t *testing.T) {
	servers := map[string]func(t *testing.T) *redistest.Server{
		"miniredis":    func(t *testing.T) *redistest.Server { s, _ := redistest.Mini(t); return s },
		"redis-server": func(t *testing.T) *redistest.Server { return redistest.Real(t) },
	}
	for name, srv := range servers {
		t.Run(name, func(t *testing.T) {
			c := srv(t).Client(t)
			plain := store.NewRedisIdempotency(c)
			replayed := redis.NewClient(&redis.Options{Addr: c.Options().Addr})
			t.Cleanup(func() { _ = replayed.Close() })
			replayed.AddHook(replayScripts{})
			idem := store.NewRedisIdempotency(replayed)
			ctx := context.Background()

			rec, claimed, err := idem.Claim(ctx, "k", "fp", time.Minute, time.Hour)
			if err != nil || !claimed || rec.State != 0 {
				t.Fatalf("replayed claim = %+v, claimed %v, %v; want claimed, new", rec, claimed, err)
			}
			// Someone else still finds it pending and not theirs.
			if rec, claimed, _ := plain.Claim(ctx, "k", "fp", time.Minute, time.Hour); claimed || rec.State != store.Pending {
				t.Errorf("another claim of a held key = %+v, claimed %v; want pending, not claimed", rec, claimed)
			}
			if err := idem.Complete(ctx, "k", []byte(`{"id":1}`)); err != nil {
				t.Errorf("replayed Complete = %v, want nil", err)
			}
			if rec, claimed, _ := plain.Claim(ctx, "k", "fp", time.Minute, time.Hour); claimed || rec.State != store.Done || string(rec.Result) != `{"id":1}` {
				t.Errorf("claim after the replayed Complete = %+v, claimed %v; want done with its result", rec, claimed)
			}
			// A completion with another result is still refused.
			if err := plain.Complete(ctx, "k", []byte(`{"id":2}`)); err == nil {
				t.Error("completing a done record with another result succeeded")
			}

			// A takeover of an abandoned claim, replayed: still ours, and
			// still told that an earlier attempt may have landed.
			if _, claimed, _ := plain.Claim(ctx, "t", "fp", 50*time.Millisecond, time.Hour); !claimed {
				t.Fatal("first claim of t failed")
			}
			time.Sleep(80 * time.Millisecond)
			prev, claimed, err := idem.Claim(ctx, "t", "fp", time.Minute, time.Hour)
			if err != nil || !claimed || prev.State != store.Pending {
				t.Errorf("replayed takeover = %+v, claimed %v, %v; want claimed with the abandoned record", prev, claimed, err)
			}
		})
	}
}
