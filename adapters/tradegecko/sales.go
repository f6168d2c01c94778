package tradegecko

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// Sales implements commerce.Orders over the API: orders with their lines,
// customers and addresses, shipments and returns, and the writes on them.
//
// # Writes happen once
//
// Every write carries an Idempotency-Key derived from the gateway's
// WriteKey, so the client's own retries after a timeout are safe: the API
// performs the write once and answers a replay with 400 "Duplicate
// Idempotency Key header detected" — without the original answer. Sales
// therefore always knows how to find what a write did without its answer:
//
//   - An order is created with an order_number derived from the WriteKey
//     (OrderNumberPrefix + 12 characters), and found again with
//     GET /orders?order_number=…, after a lost answer, after the duplicate-key
//     answer, or when a later retry (even by another replica, even after
//     the API forgot the key at 24 h) carries the same WriteKey.
//   - An order of more than 250 lines is the documented multi-part create:
//     POST the first 250 lines as a draft, then PUT the rest 250 at a time
//     (each PUT appends; its key names the line it starts at), then PUT the
//     status asked for. Lines are appended in order, so the order's line
//     count says which parts landed, and a resumed create sends only the
//     rest.
//   - An order action is sent only after the Service has read the order
//     and found its effect not in place (paid, invoiced, packed, shipped,
//     void, confirmed), so a retry never pays twice (commerce/order_ops.go,
//     Service.Act). After a lost answer the order is read again to learn
//     whether the action landed.
//   - A return found again after a lost answer is the newest return of the
//     order with exactly the lines asked for.
//
// This is the last step of the write contract (commerce/writes.go), taken
// inside each write because the WriteKey finds it again; its first step,
// TradeGecko's own rules on an order, is ValidateOrder (validate.go).
type Sales struct {
	cat *Catalog
	// OrderNumberPrefix starts the order numbers the gateway gives the
	// orders it creates.
	OrderNumberPrefix string
	// findWait is how long to wait before looking again for a write the
	// API says happened but does not list yet.
	findWait time.Duration
}

var _ commerce.Orders = (*Sales)(nil)

// PartSize is how many lines one request of a multi-part create carries.
const PartSize = 250

// NewSales returns the order side of the API; it shares cat's client and
// reference data.
func NewSales(cat *Catalog) *Sales {
	return &Sales{cat: cat, OrderNumberPrefix: "WEB-", findWait: 250 * time.Millisecond}
}

func (s *Sales) client() *Client { return s.cat.client }

func (s *Sales) fail(err error) error {
	var er *ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusUnprocessableEntity {
		return &commerce.Rejection{Backend: Backend, Message: er.Detail(), RequestID: er.RequestID}
	}
	return s.cat.fail(err)
}

// lineAttributes names the input field of each attribute of a TradeGecko
// order line item (sales_mapping.go, toWireLines).
var lineAttributes = map[string]string{
	"variant": "variantId", "variant_id": "variantId", "quantity": "quantity", "price": "price",
	"discount": "discount", "label": "label", "freeform": "freeform", "line_type": "lineType",
}

// lineError matches a 422 field naming an attribute of a line item:
// "order_line_items.variant" as Rails names a nested record's error, or
// with the line's index ("order_line_items[1].variant",
// "order_line_items.1.variant").
var lineError = regexp.MustCompile(`^order_line_items(?:\[(\d+)\]|\.(\d+))?\.(\w+)$`)

// lineField is s.fail(err) for a request that sent an order's lines (the
// first of them the input's line offset): a rejection whose 422 names an
// attribute of the line items gets the input path of that attribute
// (["lineItems","1","variantId"]). TradeGecko names no index
// (order_line_items.variant): the index is then the only line's, or, for
// an unknown variant, the first line whose variant TradeGecko does not
// have (one request, on this failure path only); failing that the path is
// ["lineItems"].
func (s *Sales) lineField(ctx context.Context, err error, lines []commerce.NewOrderLine, offset int) error {
	failed := s.fail(err)
	var r *commerce.Rejection
	var er *ErrorResponse
	if !errors.As(failed, &r) || r.Field != nil || !errors.As(err, &er) {
		return failed
	}
	fields := make([]string, 0, len(er.Errors))
	for f := range er.Errors {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		m := lineError.FindStringSubmatch(f)
		if m == nil || lineAttributes[m[3]] == "" {
			continue
		}
		index := -1
		if n, err := strconv.Atoi(m[1] + m[2]); err == nil && n < len(lines) {
			index = n
		} else if len(lines) == 1 {
			index = 0
		} else if lineAttributes[m[3]] == "variantId" {
			index = s.unknownVariantLine(ctx, lines)
		}
		if index < 0 {
			r.Field = []string{"lineItems"}
		} else {
			r.Field = []string{"lineItems", strconv.Itoa(offset + index), lineAttributes[m[3]]}
		}
		return failed
	}
	return failed
}

// unknownVariantLine is the index of the first of lines whose variant
// TradeGecko does not have, or -1.
func (s *Sales) unknownVariantLine(ctx context.Context, lines []commerce.NewOrderLine) int {
	var ids []int64
	for _, l := range lines {
		if l.VariantID != 0 {
			ids = append(ids, l.VariantID)
		}
	}
	found, err := s.cat.VariantsByID(ctx, ids)
	if err != nil {
		return -1
	}
	known := map[int64]bool{}
	for _, v := range found {
		known[v.ID] = true
	}
	for i, l := range lines {
		if l.VariantID != 0 && !known[l.VariantID] {
			return i
		}
	}
	return -1
}

func (s *Sales) mapper(ctx context.Context) (salesMapper, error) {
	ref, err := s.cat.reference(ctx)
	if err != nil {
		return salesMapper{}, err
	}
	return salesMapper{mapper: s.cat.mapper(ref), ref: ref}, nil
}

// ListOrders returns a page of orders with the sideloads asked for:
// include= on the same request, or batched requests where the server
// ignores include= on the index.
func (s *Sales) ListOrders(ctx context.Context, q commerce.OrderQuery) (commerce.Page[commerce.Order], error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return commerce.Page[commerce.Order]{}, err
	}
	opts := OrderListOptions{Filter: Filter{IDs: q.Filter.IDs, UpdatedAtMin: q.Filter.UpdatedAfter}, OrderNumber: q.Filter.OrderNumber}
	for _, st := range q.Filter.Status {
		opts.Status = append(opts.Status, strings.ToLower(string(st)))
	}
	if q.Filter.CompanyID != 0 {
		opts.CompanyIDs = []int64{q.Filter.CompanyID}
	}
	opts.Include = orderIncludes(q.Sideloads)
	plan := planWindow(q.Window)
	var (
		orders []Order
		side   orderSideloads
		count  int
	)
	side.init(q.Sideloads)
	for i := range plan.pages {
		opts.ListOptions = ListOptions{Page: plan.page + i, Limit: plan.limit}
		pg, resp, err := s.client().Orders.List(ctx, &opts)
		if err != nil {
			return commerce.Page[commerce.Order]{}, s.fail(err)
		}
		count = max(count, total(resp, (plan.page-1+i)*plan.limit, len(pg.Orders), plan.limit))
		orders = append(orders, pg.Orders...)
		side.add(pg)
		if isLastPage(resp, plan.page+i, len(pg.Orders), plan.limit) {
			break
		}
	}
	orders = window(orders, plan.skip, q.Window.Limit)
	items, err := s.assemble(ctx, m, orders, side)
	if err != nil {
		return commerce.Page[commerce.Order]{}, err
	}
	return commerce.Page[commerce.Order]{Items: items, Total: count}, nil
}

// OrdersByID returns the orders that exist among ids, with sideloads.
func (s *Sales) OrdersByID(ctx context.Context, ids []int64, sl commerce.OrderSideloads) ([]commerce.Order, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return nil, err
	}
	var side orderSideloads
	side.init(sl)
	var orders []Order
	if chunks := ChunkIDs(ids); len(chunks) == 1 && len(chunks[0]) == 1 {
		pg, _, err := s.client().Orders.Get(ctx, chunks[0][0], orderIncludes(sl)...)
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, s.fail(err)
		}
		orders = []Order{*pg.Order}
		side.add(pg)
	} else {
		results, err := fetchChunks(ctx, chunks, func(ctx context.Context, chunk []int64) (*OrderPage, error) {
			pg, _, err := s.client().Orders.List(ctx, &OrderListOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}, Include: orderIncludes(sl)})
			return pg, err
		})
		if err != nil {
			return nil, s.fail(err)
		}
		for _, pg := range results {
			orders = append(orders, pg.Orders...)
			side.add(pg)
		}
	}
	return s.assemble(ctx, m, orders, side)
}

// OrderLineItemsByID returns the order lines that exist among ids, priced
// in their orders' currencies.
func (s *Sales) OrderLineItemsByID(ctx context.Context, ids []int64) ([]commerce.OrderLineItem, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return nil, err
	}
	lines, err := s.fetchLines(ctx, ids)
	if err != nil {
		return nil, err
	}
	orderIDs := make([]int64, 0, len(lines))
	for _, l := range lines {
		orderIDs = append(orderIDs, int64(l.OrderID))
	}
	orders, err := s.fetchOrders(ctx, orderIDs)
	if err != nil {
		return nil, err
	}
	currency := map[int64]money.Currency{}
	for i := range orders {
		currency[int64(orders[i].ID)] = m.currency(&orders[i])
	}
	out := make([]commerce.OrderLineItem, 0, len(lines))
	for i := range lines {
		cur, ok := currency[int64(lines[i].OrderID)]
		if !ok {
			cur = m.ref.account.Currency
		}
		out = append(out, m.line(&lines[i], cur))
	}
	return out, nil
}

// CompaniesByID returns the companies that exist among ids.
func (s *Sales) CompaniesByID(ctx context.Context, ids []int64) ([]commerce.Company, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return nil, err
	}
	companies, err := s.fetchCompanies(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]commerce.Company, len(companies))
	for i := range companies {
		out[i] = m.company(&companies[i])
	}
	return out, nil
}

// AddressesByID returns the addresses that exist among ids.
func (s *Sales) AddressesByID(ctx context.Context, ids []int64) ([]commerce.Address, error) {
	addresses, err := s.fetchAddresses(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]commerce.Address, len(addresses))
	for i := range addresses {
		out[i] = toAddress(&addresses[i])
	}
	return out, nil
}

// FulfillmentsByOrder returns the fulfillments of the orders, with their
// lines: one request for the fulfillments and one for their lines, per 250.
func (s *Sales) FulfillmentsByOrder(ctx context.Context, orderIDs []int64) ([]commerce.Fulfillment, error) {
	fs, err := allByChunks(ctx, orderIDs, func(ctx context.Context, page int, chunk []int64) ([]Fulfillment, *Response, error) {
		return s.client().Fulfillments.List(ctx, &ByOrderOptions{ListOptions: ListOptions{Page: page, Limit: MaxLimit}, OrderIDs: chunk})
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return s.withFulfillmentLines(ctx, fs)
}

// FulfillmentsByID returns the fulfillments that exist among ids.
func (s *Sales) FulfillmentsByID(ctx context.Context, ids []int64) ([]commerce.Fulfillment, error) {
	pages, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]Fulfillment, error) {
		fs, _, err := s.client().Fulfillments.List(ctx, &ByOrderOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return fs, err
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return s.withFulfillmentLines(ctx, flatten(pages))
}

func (s *Sales) withFulfillmentLines(ctx context.Context, fs []Fulfillment) ([]commerce.Fulfillment, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(fs))
	for i := range fs {
		ids[i] = int64(fs[i].ID)
	}
	lines, err := allByChunks(ctx, ids, func(ctx context.Context, page int, chunk []int64) ([]FulfillmentLineItem, *Response, error) {
		return s.client().Fulfillments.LineItems(ctx, &ByOrderOptions{ListOptions: ListOptions{Page: page, Limit: MaxLimit}, OrderIDs: chunk})
	})
	if err != nil {
		return nil, s.fail(err)
	}
	byParent := map[int64][]commerce.FulfillmentLineItem{}
	for _, l := range lines {
		byParent[int64(l.FulfillmentID)] = append(byParent[int64(l.FulfillmentID)], commerce.FulfillmentLineItem{
			ID: int64(l.ID), OrderLineItemID: int64(l.OrderLineItemID), VariantID: int64(l.VariantID), Quantity: l.Quantity.Or(decimal.Zero)})
	}
	out := make([]commerce.Fulfillment, len(fs))
	for i := range fs {
		out[i] = m.fulfillment(&fs[i])
		out[i].LineItems = byParent[out[i].ID]
	}
	return out, nil
}

// OrderOf implements commerce.Orders: one request, GET /{record}s/{id}.
func (s *Sales) OrderOf(ctx context.Context, record string, id int64) (int64, error) {
	orderID, _, err := s.client().OrderOf(ctx, record, id)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, s.fail(err)
	}
	return orderID, nil
}

// ReturnsByID returns the returns that exist among ids.
func (s *Sales) ReturnsByID(ctx context.Context, ids []int64) ([]commerce.Return, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return nil, err
	}
	pages, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]FulfillmentReturn, error) {
		rs, _, err := s.client().Fulfillments.Returns(ctx, &ByOrderOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return rs, err
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return s.withReturnLines(ctx, m, flatten(pages))
}

// ReturnsByOrder returns the returns of the orders, with their lines.
func (s *Sales) ReturnsByOrder(ctx context.Context, orderIDs []int64) ([]commerce.Return, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := allByChunks(ctx, orderIDs, func(ctx context.Context, page int, chunk []int64) ([]FulfillmentReturn, *Response, error) {
		return s.client().Fulfillments.Returns(ctx, &ByOrderOptions{ListOptions: ListOptions{Page: page, Limit: MaxLimit}, OrderIDs: chunk})
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return s.withReturnLines(ctx, m, rs)
}

func (s *Sales) withReturnLines(ctx context.Context, m salesMapper, rs []FulfillmentReturn) ([]commerce.Return, error) {
	ids := make([]int64, len(rs))
	for i := range rs {
		ids[i] = int64(rs[i].ID)
	}
	lines, err := allByChunks(ctx, ids, func(ctx context.Context, page int, chunk []int64) ([]FulfillmentReturnLineItem, *Response, error) {
		return s.client().Fulfillments.ReturnLineItems(ctx, &ByOrderOptions{ListOptions: ListOptions{Page: page, Limit: MaxLimit}, OrderIDs: chunk})
	})
	if err != nil {
		return nil, s.fail(err)
	}
	byParent := map[int64][]commerce.ReturnLineItem{}
	for _, l := range lines {
		byParent[int64(l.FulfillmentReturnID)] = append(byParent[int64(l.FulfillmentReturnID)], commerce.ReturnLineItem{
			ID: int64(l.ID), OrderLineItemID: int64(l.OrderLineItemID), Quantity: l.Quantity.Or(decimal.Zero)})
	}
	out := make([]commerce.Return, len(rs))
	for i := range rs {
		out[i] = m.ret(&rs[i])
		out[i].LineItems = byParent[out[i].ID]
	}
	return out, nil
}

// CreateOrder creates an order once per WriteKey (see the type's doc).
func (s *Sales) CreateOrder(ctx context.Context, in commerce.NewOrder, wk commerce.WriteKey) (commerce.Order, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return commerce.Order{}, err
	}
	number := s.OrderNumberPrefix + string(wk)[:12]
	lines := toWireLines(in.LineItems)
	body := toWireOrder(in, number)
	status := body.Status
	multipart := len(lines) > PartSize
	if multipart {
		body.Status = "draft" // no stock committed or webhooks fired for half an order
	}
	body.OrderLineItems = lines[:min(len(lines), PartSize)]

	order, err := s.createOnce(ctx, body, string(wk), in.LineItems[:min(len(in.LineItems), PartSize)])
	if err != nil {
		return commerce.Order{}, err
	}
	if multipart {
		if order, err = s.appendLines(ctx, order, lines, in.LineItems, string(wk)); err != nil {
			return commerce.Order{}, err
		}
		if status != "" && status != string(order.Status) {
			if _, err := s.client().Orders.Update(ctx, int64(order.ID), &NewOrder{Status: status}, string(wk)+"-status"); err != nil && !IsDuplicateKey(err) {
				return commerce.Order{}, s.fail(err)
			}
			if order, err = s.getOrder(ctx, int64(order.ID)); err != nil {
				return commerce.Order{}, err
			}
		}
	}
	return m.order(&order), nil
}

// createOnce POSTs the order, or finds it by its order number when the API
// says (or a lost answer suggests) it was created already. When the POST's
// outcome is unknown and the order cannot be looked up (the deadline has
// passed, the budget refuses, TradeGecko still does not answer), the answer
// is UPSTREAM_UNAVAILABLE telling the client to retry with the same key:
// the order may exist, and only a retry under the same key finds it rather
// than placing it twice.
func (s *Sales) createOnce(ctx context.Context, body *NewOrder, key string, lines []commerce.NewOrderLine) (Order, error) {
	o, _, err := s.client().Orders.Create(ctx, body, key)
	if err == nil {
		return *o, nil
	}
	landed := IsDuplicateKey(err)
	if !landed && !isTransient(err) && !isDecode(err) {
		return Order{}, s.lineField(ctx, err, lines, 0)
	}
	for attempt := 0; attempt < 3; attempt++ {
		if ctx.Err() != nil {
			return Order{}, s.mayHaveLanded(body.OrderNumber, err)
		}
		found, ferr := s.findByNumber(ctx, body.OrderNumber)
		if ferr != nil {
			return Order{}, s.mayHaveLanded(body.OrderNumber, ferr)
		}
		if found != nil {
			return *found, nil
		}
		if !landed {
			break
		}
		// The API says it was created but does not list it yet.
		if err := sleep(ctx, s.findWait<<attempt); err != nil {
			return Order{}, s.mayHaveLanded(body.OrderNumber, err)
		}
	}
	if landed {
		return Order{}, &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: Backend,
			Message: "TradeGecko says the order was created but does not list order " + body.OrderNumber + " yet; retry with the same idempotency key"}
	}
	return Order{}, s.lineField(ctx, err, lines, 0)
}

// mayHaveLanded is the error for an order whose creation may have happened
// and could not be checked: err says why (kept for the logs, not its code:
// a rate limit on the lookup must not read as "nothing happened, retry at
// will").
func (s *Sales) mayHaveLanded(number string, err error) error {
	e := &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: Backend, Err: err,
		Message: "TradeGecko did not confirm order " + number + " in time; it may have been created: retry with the same idempotency key (a new key could place it twice)"}
	if ce := commerce.ErrorOf(s.fail(err)); ce != nil && ce.RetryAfter > 0 {
		e.RetryAfter = ce.RetryAfter
	}
	return e
}

func (s *Sales) findByNumber(ctx context.Context, number string) (*Order, error) {
	pg, _, err := s.client().Orders.List(ctx, &OrderListOptions{ListOptions: ListOptions{Limit: 2}, OrderNumber: number})
	if err != nil {
		return nil, err
	}
	for i := range pg.Orders {
		if string(pg.Orders[i].OrderNumber) == number {
			return &pg.Orders[i], nil
		}
	}
	return nil, nil
}

// appendLines PUTs the lines the order does not have yet, a part at a time.
func (s *Sales) appendLines(ctx context.Context, order Order, lines []NewOrderLine, in []commerce.NewOrderLine, key string) (Order, error) {
	for have := len(order.OrderLineItemIDs); have < len(lines); {
		part := lines[have:min(have+PartSize, len(lines))]
		partKey := key + "-from-" + strconv.Itoa(have)
		_, err := s.client().Orders.Update(ctx, int64(order.ID), &NewOrder{OrderLineItems: part}, partKey)
		if err != nil && !IsDuplicateKey(err) && !isTransient(err) {
			return Order{}, s.lineField(ctx, err, in[have:min(have+PartSize, len(in))], have)
		}
		got, gerr := s.getOrder(ctx, int64(order.ID))
		if gerr != nil {
			return Order{}, gerr
		}
		if len(got.OrderLineItemIDs) < have+len(part) {
			if err == nil {
				err = fmt.Errorf("order %d has %d lines after appending %d to %d", int64(order.ID), len(got.OrderLineItemIDs), len(part), have)
			}
			return Order{}, s.fail(err)
		}
		order, have = got, len(got.OrderLineItemIDs)
	}
	return order, nil
}

func (s *Sales) getOrder(ctx context.Context, id int64) (Order, error) {
	pg, _, err := s.client().Orders.Get(ctx, id)
	if err != nil {
		return Order{}, s.fail(err)
	}
	return *pg.Order, nil
}

// OrderAction performs a on cur (the Service read it and decided from its
// status that a may be sent, and is not in place yet): confirm is the
// documented update of the status to active (PUT /orders/{id}, 204, then
// one GET for the order); the others POST /orders/{id}/actions/{action}.
// After a lost answer the order is read again to learn whether the action
// landed. A 422 whose only errors are "base" is the API refusing the
// order's state: a Rejection with State set and the API's words without
// the attribute name — unless the order, read again, shows the effect in
// place (a concurrent request did it), which is success.
func (s *Sales) OrderAction(ctx context.Context, cur commerce.Order, a commerce.OrderAction, wk commerce.WriteKey) (commerce.Order, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return commerce.Order{}, err
	}
	var o *Order
	if a.Kind == commerce.ActionConfirm {
		_, err = s.client().Orders.Update(ctx, cur.ID, &NewOrder{Status: "active"}, string(wk))
	} else {
		o, _, err = s.client().Orders.Act(ctx, cur.ID, string(a.Kind), toWireAction(a), string(wk))
	}
	switch {
	case err == nil && o != nil:
		return m.order(o), nil
	case err == nil, IsDuplicateKey(err), isTransient(err), isDecode(err):
		// Read what happened.
		got, gerr := s.getOrder(ctx, cur.ID)
		if gerr != nil {
			return commerce.Order{}, gerr
		}
		mapped := m.order(&got)
		if err == nil || a.InPlace(mapped) {
			return mapped, nil
		}
		return commerce.Order{}, s.fail(err)
	default:
		failed := stateRefusal(s.fail(err), err)
		if r := (*commerce.Rejection)(nil); errors.As(failed, &r) && r.State {
			// A concurrent request may have done it since the Service read
			// the order ("Order has already been paid"): then it is done.
			if got, gerr := s.getOrder(ctx, cur.ID); gerr == nil {
				if mapped := m.order(&got); a.InPlace(mapped) {
					return mapped, nil
				}
			}
		}
		return commerce.Order{}, failed
	}
}

// stateRefusal marks failed (s.fail(err)) as a refusal of the order's
// state when the API's 422 names no attribute but "base": {"errors":
// {"base": ["Cannot invoice a draft order"]}}.
func stateRefusal(failed, err error) error {
	var r *commerce.Rejection
	var er *ErrorResponse
	if !errors.As(failed, &r) || !errors.As(err, &er) || len(er.Errors) != 1 || len(er.Errors["base"]) == 0 {
		return failed
	}
	r.State, r.Message = true, strings.Join(er.Errors["base"], "; ")
	return failed
}

// CreateReturn creates a fulfillment return once per WriteKey.
func (s *Sales) CreateReturn(ctx context.Context, in commerce.NewReturn, wk commerce.WriteKey) (commerce.Return, error) {
	m, err := s.mapper(ctx)
	if err != nil {
		return commerce.Return{}, err
	}
	body := &NewFulfillmentReturn{OrderID: in.OrderID, Notes: in.Notes}
	if t := in.Tracking; t != nil {
		body.TrackingNumber, body.TrackingCompany, body.TrackingURL = t.TrackingNumber, t.TrackingCompany, t.TrackingURL
	}
	for _, l := range in.LineItems {
		body.LineItems = append(body.LineItems, NewReturnLineItem{OrderLineItemID: l.OrderLineItemID, Quantity: money.FormatDecimal(l.Quantity)})
	}
	r, _, err := s.client().Fulfillments.CreateReturn(ctx, body, string(wk))
	if err == nil {
		rs, err := s.withReturnLines(ctx, m, []FulfillmentReturn{*r})
		if err != nil {
			return commerce.Return{}, err
		}
		return rs[0], nil
	}
	if !IsDuplicateKey(err) && !isTransient(err) && !isDecode(err) {
		return commerce.Return{}, s.fail(err)
	}
	// Find it: the newest return of the order with exactly these lines.
	returns, ferr := s.ReturnsByOrder(ctx, []int64{in.OrderID})
	if ferr != nil {
		return commerce.Return{}, ferr
	}
	sort.Slice(returns, func(i, j int) bool { return returns[i].ID > returns[j].ID })
	for _, r := range returns {
		if sameReturnLines(r.LineItems, in.LineItems) {
			return r, nil
		}
	}
	return commerce.Return{}, s.fail(err)
}

func sameReturnLines(have []commerce.ReturnLineItem, want []commerce.NewReturnLine) bool {
	if len(have) != len(want) {
		return false
	}
	qty := map[int64]decimal.Decimal{}
	for _, l := range have {
		qty[l.OrderLineItemID] = l.Quantity
	}
	for _, l := range want {
		if q, ok := qty[l.OrderLineItemID]; !ok || !q.Equal(l.Quantity) {
			return false
		}
	}
	return true
}

// orderSideloads gathers what include= brought back.
type orderSideloads struct {
	want                                    commerce.OrderSideloads
	lines                                   []OrderLineItem
	addresses                               []Address
	companies                               []Company
	linesSent, addressesSent, companiesSent bool
}

func (o *orderSideloads) init(want commerce.OrderSideloads) {
	*o = orderSideloads{want: want, linesSent: true, addressesSent: true, companiesSent: true}
}

func (o *orderSideloads) add(pg *OrderPage) {
	if pg.OrderLineItems == nil {
		o.linesSent = false
	} else {
		o.lines = append(o.lines, *pg.OrderLineItems...)
	}
	if pg.Addresses == nil {
		o.addressesSent = false
	} else {
		o.addresses = append(o.addresses, *pg.Addresses...)
	}
	if pg.Companies == nil {
		o.companiesSent = false
	} else {
		o.companies = append(o.companies, *pg.Companies...)
	}
}

func orderIncludes(sl commerce.OrderSideloads) []string {
	var inc []string
	if sl.LineItems {
		inc = append(inc, IncludeOrderLineItems)
	}
	if sl.Addresses {
		inc = append(inc, IncludeShippingAddress, IncludeBillingAddress)
	}
	if sl.Company {
		inc = append(inc, IncludeCompany)
	}
	return inc
}

// assemble maps orders and attaches the sideloads asked for, fetching in
// batches (one request per 250 records and kind) whatever the server did
// not include.
func (s *Sales) assemble(ctx context.Context, m salesMapper, orders []Order, side orderSideloads) ([]commerce.Order, error) {
	items := make([]commerce.Order, len(orders))
	for i := range orders {
		items[i] = m.order(&orders[i])
	}
	if len(items) == 0 {
		return items, nil
	}
	if side.want.LineItems {
		lines := side.lines
		if !side.linesSent {
			var err error
			if lines, err = s.fetchLines(ctx, collectIDs(orders, func(o *Order) []int64 { return o.OrderLineItemIDs })); err != nil {
				return nil, err
			}
		}
		currency := make(map[int64]money.Currency, len(items))
		for i := range items {
			currency[items[i].ID] = items[i].Currency
		}
		byOrder := map[int64][]commerce.OrderLineItem{}
		for i := range lines {
			id := int64(lines[i].OrderID)
			byOrder[id] = append(byOrder[id], m.line(&lines[i], currency[id]))
		}
		for i := range items {
			ls := byOrder[items[i].ID]
			items[i].LineItems = orderByIDs(ls, items[i].LineItemIDs, func(l commerce.OrderLineItem) int64 { return l.ID })
			items[i].LineItemsLoaded = true
		}
	}
	if side.want.Company {
		companies := side.companies
		if !side.companiesSent {
			var err error
			if companies, err = s.fetchCompanies(ctx, collectIDs(orders, func(o *Order) []int64 { return []int64{int64(o.CompanyID)} })); err != nil {
				return nil, err
			}
		}
		byID := map[int64]commerce.Company{}
		for i := range companies {
			byID[int64(companies[i].ID)] = m.company(&companies[i])
		}
		for i := range items {
			if c, ok := byID[items[i].CompanyID]; ok {
				items[i].Company = &c
			}
			items[i].CompanyLoaded = true
		}
	}
	if side.want.Addresses {
		addresses := side.addresses
		if !side.addressesSent {
			var err error
			if addresses, err = s.fetchAddresses(ctx, collectIDs(orders, func(o *Order) []int64 {
				return []int64{int64(o.ShippingAddressID), int64(o.BillingAddressID)}
			})); err != nil {
				return nil, err
			}
		}
		byID := map[int64]commerce.Address{}
		for i := range addresses {
			byID[int64(addresses[i].ID)] = toAddress(&addresses[i])
		}
		for i := range items {
			if a, ok := byID[items[i].ShippingAddressID]; ok {
				items[i].ShippingAddress = &a
			}
			if a, ok := byID[items[i].BillingAddressID]; ok {
				items[i].BillingAddress = &a
			}
			items[i].AddressesLoaded = true
		}
	}
	return items, nil
}

func collectIDs(orders []Order, ids func(*Order) []int64) []int64 {
	var out []int64
	for i := range orders {
		for _, id := range ids(&orders[i]) {
			if id != 0 {
				out = append(out, id)
			}
		}
	}
	return out
}

func (s *Sales) fetchOrders(ctx context.Context, ids []int64) ([]Order, error) {
	pages, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]Order, error) {
		pg, _, err := s.client().Orders.List(ctx, &OrderListOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return pg.Orders, err
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return flatten(pages), nil
}

func (s *Sales) fetchLines(ctx context.Context, ids []int64) ([]OrderLineItem, error) {
	pages, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]OrderLineItem, error) {
		ls, _, err := s.client().Orders.LineItems(ctx, &OrderLineItemListOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return ls, err
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return flatten(pages), nil
}

func (s *Sales) fetchCompanies(ctx context.Context, ids []int64) ([]Company, error) {
	pages, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]Company, error) {
		cs, _, err := s.client().Companies.List(ctx, &CompanyListOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return cs, err
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return flatten(pages), nil
}

func (s *Sales) fetchAddresses(ctx context.Context, ids []int64) ([]Address, error) {
	pages, err := fetchChunks(ctx, ChunkIDs(ids), func(ctx context.Context, chunk []int64) ([]Address, error) {
		as, _, err := s.client().Addresses.List(ctx, &AddressListOptions{ListOptions: ListOptions{Limit: MaxLimit}, Filter: Filter{IDs: chunk}})
		return as, err
	})
	if err != nil {
		return nil, s.fail(err)
	}
	return flatten(pages), nil
}

// allByChunks pages through a child collection filtered by parent ids,
// 250 parents at a time.
func allByChunks[T any](ctx context.Context, parents []int64, fetch func(ctx context.Context, page int, chunk []int64) ([]T, *Response, error)) ([]T, error) {
	var out []T
	for _, chunk := range ChunkIDs(parents) {
		items, err := collect(pages(ctx, func(ctx context.Context, page int) ([]T, *Response, error) {
			return fetch(ctx, page, chunk)
		}))
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	return out, nil
}

func isDecode(err error) bool {
	var de *DecodeError
	return errors.As(err, &de)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
