package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/money"
	"github.com/commercegateway/gateway/store"
)

// Ledger collections for international orders.
const (
	ledgerIntlOrders   = string(backend.TradeGlobal) + "/orders"   // placed orders, by merchant order id
	ledgerIntlAttempts = string(backend.TradeGlobal) + "/attempts" // orders sent whose outcome is not known yet
)

// InternationalOrderResult is the outcome of placeInternationalOrder.
type InternationalOrderResult struct {
	Order      *InternationalOrder
	UserErrors []UserError
}

func (s *Service) intlFor(ctx context.Context, op Operation) (International, error) {
	if err := Authorize(ctx, op); err != nil {
		return nil, err
	}
	MarkPrivate(ctx) // per-customer data: see ReadRecord.Private
	if s.intl == nil {
		return nil, backendDisabled(backend.TradeGlobal, s.disabled.International, "TradeGlobal is not configured")
	}
	return s.intl, nil
}

// intlAttempt records that an order was sent, before its answer is known.
type intlAttempt struct {
	Sent        bool   `json:"sent"`
	Fingerprint string `json:"fingerprint"`
}

// PlaceInternationalOrder places an order at TradeGlobal once per
// merchantOrderId: the same id again returns the order already placed and
// sends nothing; the same id with another input is IDEMPOTENCY_KEY_REUSED.
// When an attempt's answer was lost, the next attempt has the backend learn
// whether it landed (International.Learn): placed (with its quote, or
// without when that answer was lost) or not. Until then the attempt is
// remembered: another input under its merchantOrderId is
// IDEMPOTENCY_KEY_REUSED, without a request, and an attempt that cannot
// tell keeps it.
func (s *Service) PlaceInternationalOrder(ctx context.Context, in InternationalOrderInput) (InternationalOrderResult, error) {
	b, err := s.intlFor(ctx, OpPlaceInternationalOrder)
	if err != nil {
		return InternationalOrderResult{}, err
	}
	if errs := b.Validate(in); len(errs) > 0 {
		return InternationalOrderResult{UserErrors: errs}, nil
	}
	fp, err := fingerprint(in)
	if err != nil {
		return InternationalOrderResult{}, err
	}
	id := in.MerchantOrderID
	reused := UserError{Field: []string{"merchantOrderId"}, Code: "IDEMPOTENCY_KEY_REUSED",
		Message: "an order with this merchantOrderId was already placed with a different input"}
	out, err := s.once(ctx, "intl:"+id, in, reused, func() (outcome, error) {
		// Placed before (the idempotency record may have expired; the
		// ledger is kept for good)?
		if placed, err := s.internationalOrder(ctx, id); err != nil {
			return outcome{}, err
		} else if placed != nil {
			pfp, _ := fingerprint(placed.Input)
			if pfp != fp {
				return outcome{UserErrors: []UserError{reused}}, nil
			}
			return outcome{Ref: id}, nil
		}
		// An earlier attempt whose answer was lost may have placed the
		// order: only its own input may be resent under this id.
		var prev intlAttempt
		if err := s.getDoc(ctx, ledgerIntlAttempts, id, &prev); err != nil && !errors.Is(err, store.ErrNotFound) {
			return outcome{}, err
		}
		if prev.Sent && prev.Fingerprint != fp {
			return outcome{UserErrors: []UserError{{Field: reused.Field, Code: reused.Code,
				Message: "an order with this merchantOrderId was sent with a different input, and may have been placed: " +
					"retry with that input to find out, or use a new merchantOrderId"}}}, nil
		}
		if !prev.Sent {
			if err := s.putDoc(ctx, ledgerIntlAttempts, id, intlAttempt{Sent: true, Fingerprint: fp}); err != nil {
				return outcome{}, err
			}
		}
		// forget clears the attempt record once the outcome is definitive.
		forget := func() { _ = s.putDoc(ctx, ledgerIntlAttempts, id, intlAttempt{}) }
		order := InternationalOrder{MerchantOrderID: id, ServiceCode: in.ServiceCode, Status: InternationalPlaced, PlacedAt: s.now().UTC(), Input: in}
		var err error
		if prev.Sent {
			// An earlier attempt's answer was lost: learn whether it landed.
			quote, lost := b.Learn(ctx, in)
			switch err = lost.Err; lost.Outcome {
			case OutcomeRecorded:
				err, order.Quote = nil, quote
				if quote == nil {
					order.Status = InternationalPlacedNoQuote // placed, its quote lost
				}
			case OutcomeNotRecorded:
			default:
				if err == nil {
					err = &Error{Code: CodeUpstreamUnavailable, Message: "the backend could not tell whether the order was placed", Err: ErrOutcomeUnknown}
				}
			}
		} else {
			var quote Quote
			if quote, err = b.PlaceOrder(ctx, in); err == nil {
				order.Quote = &quote
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, ErrAlreadyPlaced):
			forget()
			return outcome{UserErrors: []UserError{{Field: []string{"merchantOrderId"}, Code: "REJECTED",
				Message: fmt.Sprintf("TradeGlobal already has an order %s that this gateway did not place", id)}}}, nil
		default:
			if rej, ok := asRejection(err); ok {
				// Refused: this attempt, and the earlier one too when
				// Learn says so.
				forget()
				return outcome{UserErrors: []UserError{rej}}, nil
			}
			if errors.Is(err, ErrOutcomeUnknown) {
				return outcome{}, &Error{Code: CodeUpstreamUnavailable, Backend: backend.TradeGlobal, Err: err,
					Message: "TradeGlobal did not answer; the order may have been placed: retry with the same merchantOrderId and the gateway will find out"}
			}
			// Nothing was placed by this attempt (it was not sent, for the
			// rate limit, or the backend refused it before reading it:
			// credentials, capacity); an earlier one may have, and stays
			// known.
			if !prev.Sent {
				forget()
			}
			return outcome{}, err
		}
		if err := s.putDoc(ctx, ledgerIntlOrders, id, order); err != nil {
			return outcome{}, err
		}
		_ = s.putDoc(ctx, ledgerIntlAttempts, id, intlAttempt{})
		return outcome{Ref: id}, nil
	})
	if err != nil || len(out.UserErrors) > 0 {
		return InternationalOrderResult{UserErrors: out.UserErrors}, err
	}
	o, err := s.internationalOrder(ctx, out.Ref)
	if err != nil {
		return InternationalOrderResult{}, err
	}
	return InternationalOrderResult{Order: o}, nil
}

// InternationalOrder returns an order the gateway placed, or nil. Admin only.
func (s *Service) InternationalOrder(ctx context.Context, merchantOrderID string) (*InternationalOrder, error) {
	if _, err := s.intlFor(ctx, OpReadInternationalOrders); err != nil {
		return nil, err
	}
	return s.internationalOrder(ctx, merchantOrderID)
}

// InternationalOrders lists the orders the gateway placed, newest first.
// Admin only.
func (s *Service) InternationalOrders(ctx context.Context, w Window) (Page[InternationalOrder], error) {
	if _, err := s.intlFor(ctx, OpReadInternationalOrders); err != nil {
		return Page[InternationalOrder]{}, err
	}
	if err := w.validate(); err != nil {
		return Page[InternationalOrder]{}, err
	}
	docs, total, err := s.ledger.List(ctx, ledgerIntlOrders, w.Offset, w.Limit)
	if err != nil {
		return Page[InternationalOrder]{}, storeError(err)
	}
	out := Page[InternationalOrder]{Total: total, Items: make([]InternationalOrder, 0, len(docs))}
	for _, d := range docs {
		var o InternationalOrder
		if err := json.Unmarshal(d, &o); err != nil {
			return Page[InternationalOrder]{}, storeError(err)
		}
		out.Items = append(out.Items, o)
	}
	return out, nil
}

func (s *Service) internationalOrder(ctx context.Context, id string) (*InternationalOrder, error) {
	var o InternationalOrder
	if err := s.getDoc(ctx, ledgerIntlOrders, id, &o); errors.Is(err, store.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &o, nil
}

func (s *Service) getDoc(ctx context.Context, collection, id string, v any) error {
	b, err := s.ledger.Get(ctx, collection, id)
	if errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil {
		return storeError(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return storeError(err)
	}
	return nil
}

func (s *Service) putDoc(ctx context.Context, collection, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return storeError(err)
	}
	if err := s.ledger.Update(context.WithoutCancel(ctx), collection, id, func([]byte) ([]byte, error) { return b, nil }); err != nil {
		return storeError(err)
	}
	return nil
}

func storeError(err error) error {
	return &Error{Code: CodeInternal, Message: "the gateway's ledger failed", Err: err}
}

// InternationalCurrency is the currency of TradeGlobal's amounts (input
// prices and the quote).
func (s *Service) InternationalCurrency() (money.Currency, error) {
	if s.intl == nil {
		return money.Currency{}, backendDisabled(backend.TradeGlobal, s.disabled.International, "TradeGlobal is not configured")
	}
	return s.intl.Currency(), nil
}
