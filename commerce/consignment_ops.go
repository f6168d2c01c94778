package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/money"
	"github.com/commercegateway/gateway/store"
)

// Ledger collections for consignment transactions and pending writes.
const (
	ledgerConsignOrders = string(backend.SimpleConsign) + "/orders" // by order number: its sale and returns
	ledgerPending       = "pending/writes"                          // writes whose outcome is unknown, by id
)

// ConsignmentResult is the outcome of recording a sale or return.
type ConsignmentResult struct {
	Transaction *RecordedTransaction
	UserErrors  []UserError
}

// consignOrder is the ledger document of one order number.
type consignOrder struct {
	Transactions []ledgerTransaction `json:"transactions"`
}

type ledgerTransaction struct {
	RecordedTransaction
	Fingerprint string `json:"fingerprint"`
	// Refused marks an attempt the backend refused, or that was never
	// sent: kept for the record, but not a transaction.
	Refused bool `json:"refused,omitempty"`
}

// PendingWrite is a write whose outcome is unknown, awaiting a person who
// checks the backend and resolves it.
type PendingWrite struct {
	ID          string // the transaction's id, "<orderNumber>/RETURN/<n>"
	Backend     string
	Operation   string
	Transaction ConsignmentTransaction
	CreatedAt   time.Time
	Resolved    bool
	Outcome     WriteOutcome
	ResolvedAt  time.Time
}

func (s *Service) consignFor(ctx context.Context, op Operation) (Consignment, error) {
	if err := Authorize(ctx, op); err != nil {
		return nil, err
	}
	MarkPrivate(ctx) // per-customer data: see ReadRecord.Private
	if s.consign == nil {
		return nil, backendDisabled(backend.SimpleConsign, s.disabled.Consignment, "SimpleConsign is not configured")
	}
	return s.consign, nil
}

// RecordConsignmentSale records an online sale once per order number and
// content: a retry of a sale already recorded with the same content (the
// consolidated items, taxable flags and tax) succeeds without a second
// record; the same order number with other content is DUPLICATE_SALE. For
// a sale whose answer was lost the backend learns whether it landed
// (Consignment.Learn). When it cannot tell, the sale stays UNKNOWN, is
// listed by PendingWrites and answers OUTCOME_UNKNOWN; a retry with the
// same content asks the backend again and settles it. Admin only.
func (s *Service) RecordConsignmentSale(ctx context.Context, in ConsignmentInput) (ConsignmentResult, error) {
	c, err := s.consignFor(ctx, OpConsignment)
	if err != nil {
		return ConsignmentResult{}, err
	}
	tx, errs := c.Prepare(in, ConsignmentSale)
	if len(errs) > 0 {
		return ConsignmentResult{UserErrors: errs}, nil
	}
	fp, err := fingerprint(tx)
	if err != nil {
		return ConsignmentResult{}, err
	}
	duplicate := UserError{Field: []string{"orderNumber"}, Code: "DUPLICATE_SALE",
		Message: "a different sale was already recorded for this orderNumber"}
	out, err := s.once(ctx, "consign-sale:"+tx.OrderNumber, tx, duplicate, func() (outcome, error) {
		order, err := s.consignOrder(ctx, tx.OrderNumber)
		if err != nil {
			return outcome{}, err
		}
		sale := order.sale()
		if sale != nil && sale.Fingerprint != fp {
			return outcome{UserErrors: []UserError{duplicate}}, nil
		}
		if sale != nil && sale.Outcome == OutcomeRecorded {
			return outcome{Ref: sale.ID}, nil
		}
		id := tx.OrderNumber + "/SALE/1"
		attempted := sale != nil // an earlier attempt's outcome is unknown
		if !attempted {
			if err := s.appendTransaction(ctx, ledgerTransaction{RecordedTransaction: RecordedTransaction{ID: id, Transaction: tx,
				Outcome: OutcomeUnknown, RecordedAt: s.now().UTC()}, Fingerprint: fp}); err != nil {
				return outcome{}, err
			}
		}
		resumed := attempted
		if !attempted {
			err = c.Record(ctx, tx)
			attempted = errors.Is(err, ErrOutcomeUnknown)
		}
		if attempted {
			// This attempt's answer, or an earlier one's, was lost: the
			// backend learns whether the sale landed.
			lost := c.Learn(ctx, tx)
			if resumed && lost.Outcome == OutcomeUnknown && errors.Is(lost.Err, ErrOutcomeUnknown) {
				// Resuming, the first question takes the place of this
				// call's send: its answer lost too, ask once more, as
				// after a lost send.
				lost = c.Learn(ctx, tx)
			}
			switch lost.Outcome {
			case OutcomeRecorded:
				err = nil
			case OutcomeNotRecorded:
				err = lost.Err // refused, the earlier attempt too
			default:
				// The sale stays UNKNOWN and pending; a retry asks again
				// and settles it.
				if lost.Err == nil {
					lost.Err = &Error{Code: CodeOutcomeUnknown, Message: "the backend could not tell whether it recorded the sale", Err: ErrOutcomeUnknown}
				}
				if err := s.addPending(ctx, id, "recordConsignmentSale", tx); err != nil {
					return outcome{}, err
				}
				why := ErrorOf(lost.Err)
				return outcome{}, &Error{Code: CodeOutcomeUnknown, Backend: why.Backend, PendingWriteID: id, Err: lost.Err,
					RetryAfter: why.RetryAfter, // when the budget allows asking again
					Message:    why.Message + "; whether the sale was recorded is unknown. Retry later with the same input to find out, or see pendingWrites"}
			}
		}
		switch ue, refused := asRejection(err); {
		case err == nil:
			return outcome{Ref: id}, errors.Join(s.settle(ctx, tx.OrderNumber, id, OutcomeRecorded, false), s.resolvePending(ctx, id, OutcomeRecorded))
		case refused:
			serr := s.settle(ctx, tx.OrderNumber, id, OutcomeNotRecorded, true)
			if attempted {
				serr = errors.Join(serr, s.resolvePending(ctx, id, OutcomeNotRecorded))
			}
			return outcome{UserErrors: []UserError{ue}}, serr
		default: // nothing was sent (credentials, rate limit, capacity)
			_ = s.settle(ctx, tx.OrderNumber, id, OutcomeNotRecorded, true)
			if attempted {
				_ = s.resolvePending(ctx, id, OutcomeNotRecorded)
			}
			return outcome{}, err
		}
	})
	return s.consignResult(ctx, tx.OrderNumber, out, err)
}

// RecordConsignmentReturn records an online return once per idempotency
// key. For an attempt whose answer was lost the backend learns whether it
// landed (Consignment.Learn; SimpleConsign allows several returns per
// order and cannot be asked what it recorded, so it cannot tell). One it
// cannot tell is recorded with outcome UNKNOWN, answered with
// OUTCOME_UNKNOWN and listed by PendingWrites until a person resolves it,
// and never sent again; a retry with its key then answers the transaction
// as resolved. A return of more than the gateway recorded as sold is
// RETURN_EXCEEDS_SALE. Admin only.
func (s *Service) RecordConsignmentReturn(ctx context.Context, key string, in ConsignmentInput) (ConsignmentResult, error) {
	c, err := s.consignFor(ctx, OpConsignment)
	if err != nil {
		return ConsignmentResult{}, err
	}
	tx, errs := c.Prepare(in, ConsignmentReturn)
	if len(errs) > 0 {
		return ConsignmentResult{UserErrors: errs}, nil
	}
	// The key names one return whatever its order number (the order number
	// is part of the input): the same key with another order is
	// IDEMPOTENCY_KEY_REUSED.
	out, err := s.idempotent(ctx, "consign-return", key, tx, func(WriteKey) (outcome, error) {
		order, err := s.consignOrder(ctx, tx.OrderNumber)
		if err != nil {
			return outcome{}, err
		}
		if errs := order.checkReturn(tx, in); len(errs) > 0 {
			return outcome{UserErrors: errs}, nil
		}
		fp, _ := fingerprint(tx)
		var id string
		// Written before sending, so a crash in between leaves it UNKNOWN.
		err = s.ledger.Update(context.WithoutCancel(ctx), ledgerConsignOrders, tx.OrderNumber, func(old []byte) ([]byte, error) {
			var o consignOrder
			if old != nil {
				if err := json.Unmarshal(old, &o); err != nil {
					return nil, err
				}
			}
			id = fmt.Sprintf("%s/RETURN/%d", tx.OrderNumber, o.count(ConsignmentReturn)+1)
			o.Transactions = append(o.Transactions, ledgerTransaction{RecordedTransaction: RecordedTransaction{ID: id, Transaction: tx,
				Outcome: OutcomeUnknown, RecordedAt: s.now().UTC()}, Fingerprint: fp})
			return json.Marshal(o)
		})
		if err != nil {
			return outcome{}, storeError(err)
		}
		if err := s.addPending(ctx, id, "recordConsignmentReturn", tx); err != nil {
			return outcome{}, err
		}
		err = c.Record(ctx, tx)
		if errors.Is(err, ErrOutcomeUnknown) {
			switch lost := c.Learn(ctx, tx); lost.Outcome {
			case OutcomeRecorded:
				err = nil
			case OutcomeNotRecorded:
				err = lost.Err
			default:
				return outcome{Ref: id, Unknown: true}, nil
			}
		}
		switch ue, refused := asRejection(err); {
		case err == nil:
			return outcome{Ref: id}, errors.Join(s.settle(ctx, tx.OrderNumber, id, OutcomeRecorded, false), s.resolvePending(ctx, id, OutcomeRecorded))
		case refused:
			return outcome{UserErrors: []UserError{ue}}, errors.Join(s.settle(ctx, tx.OrderNumber, id, OutcomeNotRecorded, true), s.resolvePending(ctx, id, OutcomeNotRecorded))
		default: // nothing recorded (credentials, rate limit, capacity)
			_ = s.settle(ctx, tx.OrderNumber, id, OutcomeNotRecorded, true)
			_ = s.resolvePending(ctx, id, OutcomeNotRecorded)
			return outcome{}, err
		}
	})
	if err == nil && out.Unknown {
		// Replayed after a person resolved it: answer the transaction as
		// resolved (RECORDED, or NOT_RECORDED: a new key tries afresh).
		res, rerr := s.consignResult(ctx, tx.OrderNumber, out, nil)
		if rerr != nil || res.Transaction.Outcome != OutcomeUnknown {
			return res, rerr
		}
		return ConsignmentResult{}, &Error{Code: CodeOutcomeUnknown, Backend: backend.SimpleConsign, PendingWriteID: out.Ref,
			Message: "SimpleConsign did not answer; the return may or may not be recorded, and SimpleConsign cannot be asked. " +
				"It is listed in pendingWrites until someone checks SimpleConsign and resolves it; it will not be sent again"}
	}
	return s.consignResult(ctx, tx.OrderNumber, out, err)
}

// ConsignmentTransactions returns the ledger of an order number: its sale
// and returns, including those whose outcome is unknown. Admin only.
func (s *Service) ConsignmentTransactions(ctx context.Context, orderNumber string) ([]RecordedTransaction, error) {
	if _, err := s.consignFor(ctx, OpConsignment); err != nil {
		return nil, err
	}
	if err := validText("orderNumber", orderNumber); err != nil {
		return nil, err
	}
	order, err := s.consignOrder(ctx, orderNumber)
	if err != nil {
		return nil, err
	}
	out := make([]RecordedTransaction, 0, len(order.Transactions))
	for _, t := range order.Transactions {
		if !t.Refused {
			out = append(out, t.RecordedTransaction)
		}
	}
	return out, nil
}

// PendingWrites lists the writes whose outcome is unknown, oldest first.
// Admin only.
func (s *Service) PendingWrites(ctx context.Context) ([]PendingWrite, error) {
	if err := Authorize(ctx, OpPendingWrites); err != nil {
		return nil, err
	}
	MarkPrivate(ctx)
	docs, _, err := s.ledger.List(ctx, ledgerPending, 0, 1<<30)
	if err != nil {
		return nil, storeError(err)
	}
	out := []PendingWrite{} // a list, never null, when there are none
	for i := len(docs) - 1; i >= 0; i-- {
		var p PendingWrite
		if err := json.Unmarshal(docs[i], &p); err != nil {
			return nil, storeError(err)
		}
		if !p.Resolved {
			out = append(out, p)
		}
	}
	return out, nil
}

// ResolvePendingWrite closes a pending write after a person checked the
// backend: recorded says whether the write is there. Admin only.
func (s *Service) ResolvePendingWrite(ctx context.Context, id string, recorded bool) (*PendingWrite, []UserError, error) {
	if err := Authorize(ctx, OpPendingWrites); err != nil {
		return nil, nil, err
	}
	if err := s.recordsIntact(); err != nil {
		return nil, nil, err
	}
	var p PendingWrite
	if err := s.getDoc(ctx, ledgerPending, id, &p); errors.Is(err, store.ErrNotFound) {
		return nil, []UserError{{Field: []string{"id"}, Code: "NOT_FOUND", Message: "no pending write has this id"}}, nil
	} else if err != nil {
		return nil, nil, err
	}
	if p.Resolved {
		return nil, []UserError{{Field: []string{"id"}, Code: "INVALID", Message: fmt.Sprintf("this write was already resolved as %s", p.Outcome)}}, nil
	}
	outcome := OutcomeNotRecorded
	if recorded {
		outcome = OutcomeRecorded
	}
	if err := s.settle(ctx, p.Transaction.OrderNumber, id, outcome, false); err != nil {
		return nil, nil, err
	}
	if err := s.resolvePending(ctx, id, outcome); err != nil {
		return nil, nil, err
	}
	if err := s.getDoc(ctx, ledgerPending, id, &p); err != nil {
		return nil, nil, err
	}
	return &p, nil, nil
}

func (s *Service) consignResult(ctx context.Context, orderNumber string, out outcome, err error) (ConsignmentResult, error) {
	if err != nil || len(out.UserErrors) > 0 {
		return ConsignmentResult{UserErrors: out.UserErrors}, err
	}
	order, err := s.consignOrder(ctx, orderNumber)
	if err != nil {
		return ConsignmentResult{}, err
	}
	for _, t := range order.Transactions {
		if t.ID == out.Ref {
			rt := t.RecordedTransaction
			return ConsignmentResult{Transaction: &rt}, nil
		}
	}
	return ConsignmentResult{}, &Error{Code: CodeInternal, Message: "a recorded transaction is missing from the ledger"}
}

func (s *Service) consignOrder(ctx context.Context, orderNumber string) (consignOrder, error) {
	var o consignOrder
	if err := s.getDoc(ctx, ledgerConsignOrders, orderNumber, &o); err != nil && !errors.Is(err, store.ErrNotFound) {
		return o, err
	}
	return o, nil
}

func (s *Service) appendTransaction(ctx context.Context, t ledgerTransaction) error {
	err := s.ledger.Update(context.WithoutCancel(ctx), ledgerConsignOrders, t.Transaction.OrderNumber, func(old []byte) ([]byte, error) {
		var o consignOrder
		if old != nil {
			if err := json.Unmarshal(old, &o); err != nil {
				return nil, err
			}
		}
		o.Transactions = append(o.Transactions, t)
		return json.Marshal(o)
	})
	if err != nil {
		return storeError(err)
	}
	return nil
}

// settle sets the outcome of a transaction in the ledger; refused marks an
// attempt that is not a transaction.
func (s *Service) settle(ctx context.Context, orderNumber, id string, outcome WriteOutcome, refused bool) error {
	err := s.ledger.Update(context.WithoutCancel(ctx), ledgerConsignOrders, orderNumber, func(old []byte) ([]byte, error) {
		var o consignOrder
		if old == nil {
			return nil, nil
		}
		if err := json.Unmarshal(old, &o); err != nil {
			return nil, err
		}
		for i := range o.Transactions {
			if o.Transactions[i].ID == id {
				o.Transactions[i].Outcome, o.Transactions[i].Refused = outcome, refused
				if refused {
					// The slot may be used again by a later attempt.
					o.Transactions[i].ID += "/refused/" + strconv.FormatInt(s.now().UnixNano(), 36)
				}
			}
		}
		return json.Marshal(o)
	})
	if err != nil {
		return storeError(err)
	}
	return nil
}

// addPending lists a write whose outcome is unknown; one listed already,
// and still unresolved, is kept as it is.
func (s *Service) addPending(ctx context.Context, id, op string, tx ConsignmentTransaction) error {
	err := s.ledger.Update(context.WithoutCancel(ctx), ledgerPending, id, func(old []byte) ([]byte, error) {
		if old != nil {
			var p PendingWrite
			if err := json.Unmarshal(old, &p); err == nil && !p.Resolved {
				return nil, nil // stores nothing
			}
		}
		return json.Marshal(PendingWrite{ID: id, Backend: string(backend.SimpleConsign), Operation: op, Transaction: tx,
			CreatedAt: s.now().UTC(), Outcome: OutcomeUnknown})
	})
	if err != nil {
		return storeError(err)
	}
	return nil
}

func (s *Service) resolvePending(ctx context.Context, id string, outcome WriteOutcome) error {
	err := s.ledger.Update(context.WithoutCancel(ctx), ledgerPending, id, func(old []byte) ([]byte, error) {
		if old == nil {
			return nil, nil
		}
		var p PendingWrite
		if err := json.Unmarshal(old, &p); err != nil {
			return nil, err
		}
		p.Resolved, p.Outcome, p.ResolvedAt = true, outcome, s.now().UTC()
		return json.Marshal(p)
	})
	if err != nil {
		return storeError(err)
	}
	return nil
}

func (o consignOrder) sale() *ledgerTransaction {
	for i := range o.Transactions {
		t := &o.Transactions[i]
		if t.Transaction.Kind == ConsignmentSale && !t.Refused {
			return t
		}
	}
	return nil
}

func (o consignOrder) count(kind ConsignmentKind) int {
	n := 0
	for _, t := range o.Transactions {
		if t.Transaction.Kind == kind && !t.Refused {
			n++
		}
	}
	return n
}

// checkReturn refuses returning more of a SKU than the gateway recorded as
// sold for the order, counting earlier returns (recorded, or of unknown
// outcome: they may have landed). Without a recorded sale the backend
// decides (the sale may predate the gateway).
func (o consignOrder) checkReturn(tx ConsignmentTransaction, in ConsignmentInput) []UserError {
	sale := o.sale()
	if sale == nil || sale.Outcome == OutcomeNotRecorded {
		return nil
	}
	left := map[string]int{}
	for _, it := range sale.Transaction.Items {
		left[it.SKU] += it.Quantity
	}
	for _, t := range o.Transactions {
		if t.Transaction.Kind == ConsignmentReturn && !t.Refused && t.Outcome != OutcomeNotRecorded {
			for _, it := range t.Transaction.Items {
				left[it.SKU] -= it.Quantity
			}
		}
	}
	var errs []UserError
	for _, it := range tx.Items {
		if it.Quantity > left[it.SKU] {
			i := 0 // the first input line of this SKU
			for j, line := range in.Items {
				if line.SKU == it.SKU {
					i = j
					break
				}
			}
			errs = append(errs, UserError{Field: []string{"items", strconv.Itoa(i), "quantity"}, Code: "RETURN_EXCEEDS_SALE",
				Message: fmt.Sprintf("%s: returning %d, but %d of the %s sold remain to return", it.SKU, it.Quantity, max(left[it.SKU], 0), strings.TrimSpace(tx.OrderNumber))})
		}
	}
	return errs
}

// ConsignmentCurrency is the currency of SimpleConsign's amounts.
func (s *Service) ConsignmentCurrency() (money.Currency, error) {
	if s.consign == nil {
		return money.Currency{}, backendDisabled(backend.SimpleConsign, s.disabled.Consignment, "SimpleConsign is not configured")
	}
	return s.consign.Currency(), nil
}
