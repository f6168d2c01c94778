package commerce

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/commercegateway/gateway/store"
)

// Idempotency: writes that create something take a key, scoped
// to the caller's API key and kept at least 24 hours. Same key and same
// input replays the first outcome; same key and other input is the user
// error IDEMPOTENCY_KEY_REUSED; same key while the first request runs
// waits for it (up to the caller's deadline, then CONFLICT). Without a key
// the gateway makes one, so its own retries are safe. A write refused with
// user errors created nothing and is not kept: its key may be sent again
// with corrected input.
const (
	idempotencyTTL = 25 * time.Hour
	// defaultLease is how long a claim holds when the caller has no
	// deadline; a claim whose holder died is taken over after it.
	defaultLease = time.Minute
	maxKeyLength = 255
)

// outcome is what is recorded for a write: the id it created, or the user
// errors the backend answered with.
type outcome struct {
	ID         int64       `json:"id,omitempty"`
	Ref        string      `json:"ref,omitempty"` // a string id (merchant order id, transaction id)
	Unknown    bool        `json:"unknown,omitempty"`
	UserErrors []UserError `json:"userErrors,omitempty"`
}

// refused reports an outcome that created nothing: only user errors.
func (o outcome) refused() bool {
	return len(o.UserErrors) > 0 && o.ID == 0 && o.Ref == "" && !o.Unknown
}

// idempotent runs do at most once per (caller, op, key, input). do gets the
// WriteKey naming the write; resumed tells it an earlier attempt may have
// reached the backend (a claim taken over, or a retry of a write whose
// outcome was not recorded), so it must look before it writes again.
func (s *Service) idempotent(ctx context.Context, op, clientKey string, input any, do func(wk WriteKey) (outcome, error)) (outcome, error) {
	if len(clientKey) > maxKeyLength {
		return outcome{UserErrors: []UserError{{Field: []string{"idempotencyKey"}, Code: "TOO_LONG",
			Message: fmt.Sprintf("the idempotency key is longer than %d characters", maxKeyLength)}}}, nil
	}
	key := clientKey
	if key == "" {
		key = uuid.NewString()
	}
	scoped := op + ":" + PrincipalFrom(ctx).KeyID + ":" + key
	// The message names no field and no operation: REST sends the key in
	// the Idempotency-Key header, GraphQL in idempotencyKey.
	reused := UserError{Field: []string{"idempotencyKey"}, Code: "IDEMPOTENCY_KEY_REUSED",
		Message: "this idempotency key was already used with a different input; use a new key for a new request"}
	return s.once(ctx, scoped, input, reused, func() (outcome, error) { return do(writeKey(scoped)) })
}

// once runs do at most once per scoped key and input; the same key with
// another input answers reused.
func (s *Service) once(ctx context.Context, scoped string, input any, reused UserError, do func() (outcome, error)) (outcome, error) {
	if err := s.recordsIntact(); err != nil {
		return outcome{}, err
	}
	fp, err := fingerprint(input)
	if err != nil {
		return outcome{}, err
	}
	lease := defaultLease
	if d, ok := ctx.Deadline(); ok {
		lease = max(time.Until(d)+5*time.Second, 5*time.Second)
	}
	for {
		rec, claimed, err := s.idem.Claim(ctx, scoped, fp, lease, idempotencyTTL)
		if err != nil {
			return outcome{}, &Error{Code: CodeInternal, Message: "the idempotency store failed", Err: err}
		}
		if claimed {
			out, err := do()
			if err != nil {
				// Nothing recorded: a retry with the same key carries the
				// same WriteKey, and the backend finds what this attempt did.
				_ = s.idem.Release(context.WithoutCancel(ctx), scoped)
				return outcome{}, err
			}
			if out.refused() {
				// Nothing was created: the key stays free, so the caller
				// can correct the input and send it again under it.
				_ = s.idem.Release(context.WithoutCancel(ctx), scoped)
				return out, nil
			}
			b, _ := json.Marshal(out)
			if err := s.idem.Complete(context.WithoutCancel(ctx), scoped, b); err != nil {
				return outcome{}, &Error{Code: CodeInternal, Message: "the idempotency store failed", Err: err}
			}
			return out, nil
		}
		if rec.Fingerprint != fp {
			return outcome{UserErrors: []UserError{reused}}, nil
		}
		if rec.State == store.Pending {
			rec, err = s.idem.Wait(ctx, scoped)
			if err != nil {
				if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
					return outcome{}, &Error{Code: CodeConflict, Message: "a request with this idempotency key is still running; retry later to get its result"}
				}
				return outcome{}, &Error{Code: CodeInternal, Message: "the idempotency store failed", Err: err}
			}
			if rec.State != store.Done {
				continue // released, or its holder died: claim again
			}
		}
		var out outcome
		if err := json.Unmarshal(rec.Result, &out); err != nil {
			return outcome{}, &Error{Code: CodeInternal, Message: "a recorded outcome is unreadable", Err: err}
		}
		return out, nil
	}
}

// writeKey derives the stable name of a write from its scoped key: 26
// base32 characters of its SHA-256, safe in headers and order numbers.
func writeKey(scoped string) WriteKey {
	sum := sha256.Sum256([]byte(scoped))
	return WriteKey(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// fingerprint digests a request's content: the same input always gives the
// same digest (decimals compare by value, "1.0" and "1" alike).
func fingerprint(input any) (string, error) {
	b, err := json.Marshal(input)
	if err != nil {
		return "", &Error{Code: CodeInternal, Message: "cannot fingerprint the request", Err: err}
	}
	sum := sha256.Sum256(b)
	return fmt.Sprintf("%x", sum), nil
}
