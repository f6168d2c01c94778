package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/money"
)

// ConsignmentTransaction is a sale or return the gateway recorded at
// SimpleConsign.
type ConsignmentTransaction struct {
	ID              string            `json:"id" doc:"gid://simpleconsign/ConsignmentTransaction/<orderNumber>/<SALE|RETURN>/<n>"`
	OrderNumber     string            `json:"orderNumber"`
	Type            string            `json:"type" enum:"SALE,RETURN"`
	Items           []ConsignmentItem `json:"items" nullable:"false" doc:"One line per SKU, as sent."`
	NonTaxableTotal Money             `json:"nonTaxableTotal"`
	TaxableTotal    Money             `json:"taxableTotal"`
	Tax             Money             `json:"tax"`
	Total           Money             `json:"total"`
	RecordedAt      DateTime          `json:"recordedAt"`
	Outcome         string            `json:"outcome" enum:"RECORDED,UNKNOWN,NOT_RECORDED" doc:"RECORDED: the backend recorded it. UNKNOWN: sent, no answer, and the backend cannot be asked (see /v1/pending-writes). NOT_RECORDED: resolved by a person as never having arrived."`
}

// ConsignmentItem is a line of a consignment transaction.
type ConsignmentItem struct {
	SKU       string `json:"sku"`
	UnitPrice Money  `json:"unitPrice"`
	Quantity  int    `json:"quantity"`
	Taxable   bool   `json:"taxable"`
}

// PendingWrite is a write whose outcome is unknown, waiting for someone to
// check the backend.
type PendingWrite struct {
	ID          string                 `json:"id" doc:"The id of the write's record (a ConsignmentTransaction id)."`
	Backend     string                 `json:"backend" example:"simpleconsign"`
	Operation   string                 `json:"operation" example:"recordConsignmentReturn"`
	Transaction ConsignmentTransaction `json:"transaction"`
	CreatedAt   DateTime               `json:"createdAt" nullable:"false"`
}

// ConsignmentTransactionInput is a sale or return (GraphQL
// ConsignmentTransactionInput; a return's idempotency key is the
// Idempotency-Key header).
type ConsignmentTransactionInput struct {
	OrderNumber *string                `json:"orderNumber,omitempty" doc:"The online order or invoice number."`
	Items       []ConsignmentItemInput `json:"items"`
	Tax         *DecimalInput          `json:"tax,omitempty" doc:"Tax collected, in SIMPLECONSIGN_CURRENCY. Defaults to 0."`
}

// ConsignmentItemInput is a line of a sale or return.
type ConsignmentItemInput struct {
	SKU       *string      `json:"sku,omitempty"`
	UnitPrice DecimalInput `json:"unitPrice" doc:"In SIMPLECONSIGN_CURRENCY, whole cents."`
	Quantity  int          `json:"quantity"`
	Taxable   *bool        `json:"taxable,omitempty" doc:"Defaults to false."`
}

// ResolvePendingWriteInput says what a person found at the backend.
type ResolvePendingWriteInput struct {
	Recorded bool `json:"recorded" doc:"Whether the backend has the write."`
}

func registerConsignment(r registrar, h *handlers) {
	writeErrs := []int{http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity}
	register(r, huma.Operation{OperationID: "recordConsignmentSale", Method: http.MethodPost, Path: BasePath + "/consignment/sales",
		Tags: []string{tagConsignment}, Summary: "Record a consignment sale", DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Description: "Records an online sale of consignment items at SimpleConsign. Lines with the same SKU are sent as one; amounts must be " +
			"whole cents. Once per order number and content: a retry with the same content answers the same transaction without a second " +
			"record; other content for the same order number is 422 DUPLICATE_SALE. Admin only."},
		h.recordConsignmentSale)
	register(r, huma.Operation{OperationID: "recordConsignmentReturn", Method: http.MethodPost, Path: BasePath + "/consignment/returns",
		Tags: []string{tagConsignment}, Summary: "Record a consignment return", DefaultStatus: http.StatusCreated, Errors: writeErrs,
		Description: "Records an online return at SimpleConsign, once per Idempotency-Key. If SimpleConsign does not answer, the return is " +
			"not sent again: it is recorded with outcome UNKNOWN, answered 502 OUTCOME_UNKNOWN with its pendingWriteId, and listed by " +
			"/v1/pending-writes. Admin only."},
		h.recordConsignmentReturn)
	register(r, huma.Operation{OperationID: "listConsignmentTransactions", Method: http.MethodGet, Path: BasePath + "/consignment/transactions/{orderNumber}",
		Tags: []string{tagConsignment}, Summary: "List an order's consignment transactions", Errors: []int{http.StatusForbidden},
		Description: "What the gateway recorded at SimpleConsign for an order number: its sale and returns, including those whose outcome is unknown. Admin only."},
		h.listConsignmentTransactions)
	register(r, huma.Operation{OperationID: "listPendingWrites", Method: http.MethodGet, Path: BasePath + "/pending-writes",
		Tags: []string{tagReconciliation}, Summary: "List pending writes", Errors: []int{http.StatusForbidden},
		Description: "Writes whose outcome is unknown, oldest first, waiting for someone to check the backend. Admin only."},
		h.listPendingWrites)
	register(r, huma.Operation{OperationID: "resolvePendingWrite", Method: http.MethodPost, Path: BasePath + "/pending-writes/{id}/resolve",
		Tags: []string{tagReconciliation}, Summary: "Resolve a pending write",
		Errors:      []int{http.StatusForbidden, http.StatusNotFound, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		Description: "Closes a pending write after a person checked the backend. Admin only."},
		h.resolvePendingWrite)
}

type consignmentInput struct {
	Body ConsignmentTransactionInput
}

type consignmentReturnInput struct {
	IdempotencyKeyHeader
	Body ConsignmentTransactionInput
}

type transactionCreatedOutput struct {
	Location string `header:"Location" doc:"The order number's transactions."`
	Body     ConsignmentTransaction
}

func (h *handlers) recordConsignmentSale(ctx context.Context, in *consignmentInput) (*transactionCreatedOutput, error) {
	ci, err := h.consignmentInput(ctx, &in.Body)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.RecordConsignmentSale(ctx, ci)
	return h.transactionResult(ctx, res, err)
}

func (h *handlers) recordConsignmentReturn(ctx context.Context, in *consignmentReturnInput) (*transactionCreatedOutput, error) {
	ci, err := h.consignmentInput(ctx, &in.Body)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.RecordConsignmentReturn(ctx, in.IdempotencyKey, ci)
	return h.transactionResult(ctx, res, err)
}

func (h *handlers) transactionResult(ctx context.Context, res commerce.ConsignmentResult, err error) (*transactionCreatedOutput, error) {
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if len(res.UserErrors) > 0 || res.Transaction == nil {
		return nil, userErrorProblem(res.UserErrors, headerKeyField)
	}
	t := toTransaction(res.Transaction)
	return &transactionCreatedOutput{Location: BasePath + "/consignment/transactions/" + url.PathEscape(t.OrderNumber), Body: t}, nil
}

// consignmentInput decodes a sale or return; amounts are in SimpleConsign's
// currency.
func (h *handlers) consignmentInput(ctx context.Context, in *ConsignmentTransactionInput) (commerce.ConsignmentInput, error) {
	cur, err := h.svc.ConsignmentCurrency()
	if err != nil {
		return commerce.ConsignmentInput{}, h.fail(ctx, err)
	}
	var fe fieldErrors
	out := commerce.ConsignmentInput{OrderNumber: deref(in.OrderNumber), Tax: money.New(deref(optDecimalField(&fe, []string{"tax"}, in.Tax)), cur)}
	for i, it := range in.Items {
		out.Items = append(out.Items, commerce.ConsignmentItem{SKU: deref(it.SKU), Quantity: it.Quantity, Taxable: deref(it.Taxable),
			UnitPrice: money.New(decimalField(&fe, []string{"items", itoa(i), "unitPrice"}, it.UnitPrice), cur)})
	}
	return out, fe.problem()
}

type orderNumberPath struct {
	OrderNumber string `path:"orderNumber" doc:"The online order or invoice number (URL-encoded)."`
}

func (h *handlers) listConsignmentTransactions(ctx context.Context, in *orderNumberPath) (*listOutput[ConsignmentTransaction], error) {
	n, err := pathValue(ctx, in.OrderNumber)
	if err == nil {
		err = commerce.CheckText(n)
	}
	if err != nil {
		return nil, badInput("path parameter orderNumber: "+err.Error(),
			FieldError{Field: []string{"orderNumber"}, In: "path", Message: err.Error(), Code: "INVALID"})
	}
	txs, err := h.svc.ConsignmentTransactions(ctx, n)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := make([]ConsignmentTransaction, len(txs))
	for i := range txs {
		out[i] = toTransaction(&txs[i])
	}
	return newList(out), nil
}

func (h *handlers) listPendingWrites(ctx context.Context, _ *noInput) (*listOutput[PendingWrite], error) {
	pws, err := h.svc.PendingWrites(ctx)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	out := make([]PendingWrite, len(pws))
	for i := range pws {
		out[i] = toPendingWrite(&pws[i])
	}
	return newList(out), nil
}

type resolvePendingWriteInput struct {
	ID   string `path:"id" doc:"The URL-encoded id of the write (gid://simpleconsign/ConsignmentTransaction/…, or its bare key <orderNumber>/<SALE|RETURN>/<n>)."`
	Body ResolvePendingWriteInput
}

type pendingWriteOutput struct {
	Body PendingWrite
}

func (h *handlers) resolvePendingWrite(ctx context.Context, in *resolvePendingWriteInput) (*pendingWriteOutput, error) {
	s, err := pathValue(ctx, in.ID)
	key := ""
	if err == nil {
		key, err = consignmentKey(s)
	}
	if err != nil {
		return nil, badInput(fmt.Sprintf("path parameter id: %v", err),
			FieldError{Field: []string{"id"}, In: "path", Message: err.Error(), Code: "INVALID"})
	}
	pw, errs, err := h.svc.ResolvePendingWrite(ctx, key, in.Body.Recorded)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	for _, e := range errs {
		if e.Code == "NOT_FOUND" { // the id in the path names nothing
			return nil, NewProblem(http.StatusNotFound, commerce.CodeNotFound, e.Message, nil)
		}
	}
	if len(errs) > 0 || pw == nil {
		return nil, userErrorProblem(errs, func(field []string) ([]string, string) {
			if len(field) == 1 && field[0] == "id" {
				return field, "path"
			}
			return field, ""
		})
	}
	return &pendingWriteOutput{Body: toPendingWrite(pw)}, nil
}

func toTransaction(t *commerce.RecordedTransaction) ConsignmentTransaction {
	tx := t.Transaction
	out := ConsignmentTransaction{ID: gid.New(gid.SimpleConsign, typeConsignmentTransaction, t.ID).String(),
		OrderNumber: tx.OrderNumber, Type: string(tx.Kind), Items: make([]ConsignmentItem, len(tx.Items)),
		NonTaxableTotal: toMoney(tx.NonTaxableTotal), TaxableTotal: toMoney(tx.TaxableTotal), Tax: toMoney(tx.Tax),
		Total: toMoney(tx.Total()), RecordedAt: toDateTime(t.RecordedAt), Outcome: string(t.Outcome)}
	for i, it := range tx.Items {
		out.Items[i] = ConsignmentItem{SKU: it.SKU, UnitPrice: toMoney(it.UnitPrice), Quantity: it.Quantity, Taxable: it.Taxable}
	}
	return out
}

func toPendingWrite(p *commerce.PendingWrite) PendingWrite {
	return PendingWrite{ID: gid.New(gid.SimpleConsign, typeConsignmentTransaction, p.ID).String(), Backend: p.Backend,
		Operation: p.Operation, CreatedAt: toDateTime(p.CreatedAt),
		Transaction: toTransaction(&commerce.RecordedTransaction{ID: p.ID, Transaction: p.Transaction, Outcome: p.Outcome, RecordedAt: p.CreatedAt})}
}
