package sandbox

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// invoice bills some of an order's line quantities. The invoice and pay
// actions create invoices; an invoice is paid whole, by one payment.
type invoice struct {
	id                   int64
	createdAt, updatedAt time.Time
	order                *order
	number               string
	shippingAddressID    int64
	billingAddressID     int64
	currency             *currency
	dueAt, invoicedAt    string
	notes                *string
	status               string // active
	paid                 bool
	total                decimal.Decimal // fixed when created
	lines                []*invoiceLine
	payments             []*payment
}

func (i *invoice) meta() recordMeta {
	return recordMeta{id: i.id, created: i.createdAt, updated: i.updatedAt, status: i.status}
}

func (i *invoice) paymentStatus() string {
	if i.paid {
		return "paid"
	}
	return "unpaid"
}

// invoiceLine is one order line's quantity on an invoice. Invoice line
// items have ids (order_line_item_ids lists them) but no endpoint.
type invoiceLine struct {
	id        int64
	invoice   *invoice
	orderLine *orderLine
	quantity  decimal.Decimal
}

// invoiceJSON is the spec's invoice example; invoice_line_item_ids holds
// objects there, and here too.
type invoiceJSON struct {
	ID                 int64                   `json:"id"`
	CreatedAt          string                  `json:"created_at"`
	UpdatedAt          string                  `json:"updated_at"`
	DocumentURL        string                  `json:"document_url"`
	OrderID            int64                   `json:"order_id"`
	ShippingAddressID  int64                   `json:"shipping_address_id"`
	BillingAddressID   int64                   `json:"billing_address_id"`
	PaymentTermID      *int64                  `json:"payment_term_id"`
	DueAt              string                  `json:"due_at"`
	ExchangeRate       string                  `json:"exchange_rate"`
	InvoiceNumber      string                  `json:"invoice_number"`
	InvoicedAt         string                  `json:"invoiced_at"`
	Notes              *string                 `json:"notes"`
	CachedTotal        string                  `json:"cached_total"`
	PaymentStatus      string                  `json:"payment_status"`
	OrderNumber        string                  `json:"order_number"`
	CompanyID          int64                   `json:"company_id"`
	CurrencyID         int64                   `json:"currency_id"`
	Status             string                  `json:"status"`
	InvoiceLineItemIDs []invoiceLineItemIDJSON `json:"invoice_line_item_ids"`
	PaymentIDs         []int64                 `json:"payment_ids"`
	RefundIDs          []int64                 `json:"refund_ids"`
}

type invoiceLineItemIDJSON struct {
	Quantity        string `json:"quantity"`
	OrderLineItemID int64  `json:"order_line_item_id"`
}

func (i *invoice) wire() invoiceJSON {
	w := invoiceJSON{
		ID:                 i.id,
		CreatedAt:          timestamp(i.createdAt),
		UpdatedAt:          timestamp(i.updatedAt),
		DocumentURL:        fmt.Sprintf("https://go.tradegecko.com/d/sandbox-invoice-%d", i.id),
		OrderID:            i.order.id,
		ShippingAddressID:  i.shippingAddressID,
		BillingAddressID:   i.billingAddressID,
		DueAt:              i.dueAt,
		ExchangeRate:       i.currency.rate,
		InvoiceNumber:      i.number,
		InvoicedAt:         i.invoicedAt,
		Notes:              i.notes,
		CachedTotal:        railsDecimal(i.total),
		PaymentStatus:      i.paymentStatus(),
		OrderNumber:        i.order.orderNumber,
		CompanyID:          i.order.company.id,
		CurrencyID:         i.currency.id,
		Status:             i.status,
		InvoiceLineItemIDs: []invoiceLineItemIDJSON{},
		PaymentIDs:         []int64{},
		RefundIDs:          []int64{},
	}
	for _, l := range i.lines {
		w.InvoiceLineItemIDs = append(w.InvoiceLineItemIDs, invoiceLineItemIDJSON{railsDecimal(l.quantity), l.orderLine.id})
	}
	for _, p := range i.payments {
		w.PaymentIDs = append(w.PaymentIDs, p.id)
	}
	return w
}

// payment pays one invoice in full. The spec documents no payment
// resource; its shape here is the sandbox's own.
type payment struct {
	id                   int64
	createdAt, updatedAt time.Time
	invoice              *invoice
	order                *order
	method               *paymentMethod
	amount               decimal.Decimal
	paidAt               time.Time
	status               string // active
}

func (p *payment) meta() recordMeta {
	return recordMeta{id: p.id, created: p.createdAt, updated: p.updatedAt, status: p.status}
}

type paymentJSON struct {
	ID                int64   `json:"id"`
	CreatedAt         string  `json:"created_at"`
	UpdatedAt         string  `json:"updated_at"`
	InvoiceID         int64   `json:"invoice_id"`
	OrderID           int64   `json:"order_id"`
	PaymentMethodID   int64   `json:"payment_method_id"`
	PaymentMethodName string  `json:"payment_method_name"`
	Amount            string  `json:"amount"`
	CurrencyID        int64   `json:"currency_id"`
	ExchangeRate      string  `json:"exchange_rate"`
	PaidAt            string  `json:"paid_at"`
	Reference         *string `json:"reference"`
	Status            string  `json:"status"`
}

func (p *payment) wire() paymentJSON {
	return paymentJSON{
		ID:                p.id,
		CreatedAt:         timestamp(p.createdAt),
		UpdatedAt:         timestamp(p.updatedAt),
		InvoiceID:         p.invoice.id,
		OrderID:           p.order.id,
		PaymentMethodID:   p.method.id,
		PaymentMethodName: p.method.name,
		Amount:            railsDecimal(p.amount),
		CurrencyID:        p.invoice.currency.id,
		ExchangeRate:      p.invoice.currency.rate,
		PaidAt:            timestamp(p.paidAt),
		Status:            p.status,
	}
}

// paymentMethod is one of the account's payment methods (the spec's three
// are seeded; paying with an unknown name adds one).
type paymentMethod struct {
	id                   int64
	createdAt, updatedAt time.Time
	name                 string
	isDefault            bool
}

func (m *paymentMethod) meta() recordMeta {
	return recordMeta{id: m.id, created: m.createdAt, updated: m.updatedAt}
}

type paymentMethodJSON struct {
	ID        int64  `json:"id"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Name      string `json:"name"`
	IsDefault bool   `json:"is_default"`
}

func (m *paymentMethod) wire() paymentMethodJSON {
	return paymentMethodJSON{ID: m.id, CreatedAt: timestamp(m.createdAt), UpdatedAt: timestamp(m.updatedAt), Name: m.name, IsDefault: m.isDefault}
}

func registerInvoices(rt *router) {
	rt.get("/invoices", listInvoices)
	rt.get("/invoices/{id}", showInvoice)
}

func registerPayments(rt *router) {
	rt.get("/payments", listPayments)
	rt.get("/payments/{id}", showPayment)
}

func registerPaymentMethods(rt *router) {
	rt.get("/payment_methods", listPaymentMethods)
	rt.get("/payment_methods/{id}", showPaymentMethod)
}

// GET /invoices: status defaults to active; order_id, company_id,
// currency_id, payment_status and invoice_number filter.
func listInvoices(c *call) (*response, error) {
	items, pg, err := listing[*invoice]{
		records:       c.s.db.invoices.list,
		defaultStatus: []string{"active"},
		filter: func(q url.Values) (func(*invoice) bool, error) {
			orders, err := idSet(q, "order_id")
			if err != nil {
				return nil, err
			}
			companies, err := idSet(q, "company_id")
			if err != nil {
				return nil, err
			}
			currencies, err := idSet(q, "currency_id")
			if err != nil {
				return nil, err
			}
			payment := stringSet(q, "payment_status", true)
			numbers := stringSet(q, "invoice_number", true)
			return func(i *invoice) bool {
				switch {
				case orders != nil && !orders[i.order.id],
					companies != nil && !companies[i.order.company.id],
					currencies != nil && !currencies[i.currency.id],
					payment != nil && !payment[i.paymentStatus()],
					numbers != nil && !numbers[i.number]:
					return false
				}
				return true
			}, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]invoiceJSON, len(items))
	for n, i := range items {
		out[n] = i.wire()
	}
	return indexResponse("invoices", out, nil, pg), nil
}

// GET /invoices/{id}
func showInvoice(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	i, ok := c.s.db.invoices.get(id)
	if !ok {
		return nil, notFound("Invoice", raw)
	}
	return showResponse("invoice", i.wire(), nil), nil
}

// GET /payments: order_id, invoice_id filter.
func listPayments(c *call) (*response, error) {
	items, pg, err := listing[*payment]{
		records:       c.s.db.payments.list,
		defaultStatus: []string{"active"},
		filter: func(q url.Values) (func(*payment) bool, error) {
			orders, err := idSet(q, "order_id")
			if err != nil {
				return nil, err
			}
			invoices, err := idSet(q, "invoice_id")
			if err != nil {
				return nil, err
			}
			return func(p *payment) bool {
				return (orders == nil || orders[p.order.id]) && (invoices == nil || invoices[p.invoice.id])
			}, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]paymentJSON, len(items))
	for n, p := range items {
		out[n] = p.wire()
	}
	return indexResponse("payments", out, nil, pg), nil
}

// GET /payments/{id}
func showPayment(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	p, ok := c.s.db.payments.get(id)
	if !ok {
		return nil, notFound("Payment", raw)
	}
	return showResponse("payment", p.wire(), nil), nil
}

// GET /payment_methods: name filters (exact).
func listPaymentMethods(c *call) (*response, error) {
	items, pg, err := listing[*paymentMethod]{
		records: c.s.db.paymentMethods.list,
		columns: map[string]func(a, b *paymentMethod) int{
			"name": func(a, b *paymentMethod) int { return strings.Compare(a.name, b.name) },
		},
		filter: func(q url.Values) (func(*paymentMethod) bool, error) {
			names := stringSet(q, "name", false)
			return func(m *paymentMethod) bool { return names == nil || names[m.name] }, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]paymentMethodJSON, len(items))
	for n, m := range items {
		out[n] = m.wire()
	}
	return indexResponse("payment_methods", out, nil, pg), nil
}

// GET /payment_methods/{id}
func showPaymentMethod(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	m, ok := c.s.db.paymentMethods.get(id)
	if !ok {
		return nil, notFound("PaymentMethod", raw)
	}
	return showResponse("payment_method", m.wire(), nil), nil
}
