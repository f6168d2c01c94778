package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/money"
	"github.com/commercegateway/gateway/server/rest"
)

// Roles the tests send in the X-Test-Role header.
const (
	admin      = "admin"
	storefront = "storefront"
	anonymous  = ""
)

// env is the REST door under test over the real thing: a TradeGecko
// sandbox behind httptest, the adapter, the Service, and fakes of the
// TradeGlobal and SimpleConsign backends.
type env struct {
	t       testing.TB
	sb      *sandbox.Sandbox
	svc     *commerce.Service
	intl    *fakeIntl
	consign *fakeConsign
	srv     *httptest.Server
	gql     http.Handler
}

type envOptions struct {
	sandbox       sandbox.Options
	noBackends    bool // no TradeGlobal, no SimpleConsign
	noTradeGecko  bool
	catalogOption func(*commerce.ServiceConfig)
	// changes feeds the event streams; keepAlive is their comment period.
	changes   *changes.Hub
	keepAlive time.Duration
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	sb := sandbox.New(o.sandbox)
	upstream := httptest.NewServer(sb)
	t.Cleanup(upstream.Close)
	t.Cleanup(sb.Close)

	e := &env{t: t, sb: sb, intl: newFakeIntl(), consign: newFakeConsign()}
	cfg := commerce.ServiceConfig{}
	if !o.noTradeGecko {
		client, err := tradegecko.New(upstream.URL, tradegecko.WithAccessToken("sandbox-token"))
		if err != nil {
			t.Fatalf("tradegecko.New: %v", err)
		}
		cat := tradegecko.NewCatalog(client, nil)
		if err := cat.Refresh(context.Background()); err != nil {
			t.Fatalf("load reference data: %v", err)
		}
		cfg.Catalog, cfg.Orders = cat, tradegecko.NewSales(cat)
	}
	if !o.noBackends {
		cfg.International, cfg.Consignment = e.intl, e.consign
	}
	if o.catalogOption != nil {
		o.catalogOption(&cfg)
	}
	e.svc = commerce.NewService(cfg)

	ech := echo.New()
	ech.HideBanner, ech.HidePort = true, true
	ech.HTTPErrorHandler = func(err error, c echo.Context) {
		if !c.Response().Committed {
			_ = rest.WriteError(c, err)
		}
	}
	keyed := ech.Group("", testAuth)
	rest.Register(ech, keyed, e.svc, rest.Options{Changes: o.changes, KeepAlive: o.keepAlive})
	gql := graph.NewHandler(graph.Options{Service: e.svc})
	ech.POST("/graphql", echo.WrapHandler(gql), testAuth)
	e.gql = gql

	e.srv = httptest.NewServer(ech)
	t.Cleanup(e.srv.Close)
	sb.ResetRequests()
	return e
}

// testAuth mirrors server/edge/auth.go: it puts the caller's principal in the
// request context, from the X-Test-Role header (and, as the server's
// requestDeadline does, bounds the request by X-Test-Deadline-Ms).
func testAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var p commerce.Principal
		switch role := c.Request().Header.Get("X-Test-Role"); role {
		case admin:
			p = commerce.Principal{Role: commerce.RoleAdmin, KeyID: "test-admin"}
		case storefront:
			p = commerce.Principal{Role: commerce.RoleStorefront, KeyID: "test-storefront"}
		case anonymous:
		default:
			return &commerce.Error{Code: commerce.CodeUnauthenticated, Message: "unknown key"}
		}
		r := c.Request()
		ctx := commerce.WithPrincipal(r.Context(), p)
		if ms, err := strconv.Atoi(r.Header.Get("X-Test-Deadline-Ms")); err == nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
			defer cancel()
		}
		c.SetRequest(r.WithContext(ctx))
		return next(c)
	}
}

// response is an HTTP answer, read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", clipBody(r.body), err)
	}
}

// problem is the problem+json body, for assertions.
type problem struct {
	Type           string       `json:"type"`
	Title          string       `json:"title"`
	Status         int          `json:"status"`
	Detail         string       `json:"detail"`
	Code           string       `json:"code"`
	Errors         []fieldError `json:"errors"`
	RetryAfter     int          `json:"retryAfter"`
	PendingWriteID string       `json:"pendingWriteId"`
	Backend        string       `json:"backend"`
}

type fieldError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
	In      string   `json:"in"`
}

func (r response) problem(t testing.TB) problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != rest.ProblemContentType {
		t.Fatalf("Content-Type = %q, want %q (status %d, body %s)", ct, rest.ProblemContentType, r.status, r.body)
	}
	var p problem
	r.json(t, &p)
	if p.Status != r.status || p.Title != http.StatusText(r.status) || p.Type == "" || p.Code == "" {
		t.Fatalf("problem %s does not match status %d", r.body, r.status)
	}
	return p
}

// do sends a request as role; body is JSON-encoded unless it is a string
// or []byte (sent as is).
func (e *env) do(method, path, role string, body any, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatalf("NewRequest: %v", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if role != anonymous {
		req.Header.Set("X-Test-Role", role)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

func (e *env) get(path, role string) response { return e.do(http.MethodGet, path, role, nil) }

// graphql runs a GraphQL operation as role and decodes its data into v.
func (e *env) graphql(role, query string, vars map[string]any, v any) {
	e.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	r := e.do(http.MethodPost, "/graphql", role, body)
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	r.json(e.t, &out)
	if len(out.Errors) > 0 {
		e.t.Fatalf("graphql errors: %s", r.body)
	}
	if err := json.Unmarshal(out.Data, v); err != nil {
		e.t.Fatalf("decode graphql data %s: %v", out.Data, err)
	}
}

// esc URL-encodes a global id for a path.
func esc(id string) string { return url.PathEscape(id) }

// fakeIntl is a small TradeGlobal: it checks a few rules, answers a fixed
// quote, and refuses merchant order ids starting with REJECT.
type fakeIntl struct {
	mu     sync.Mutex
	placed map[string]int
}

func newFakeIntl() *fakeIntl { return &fakeIntl{placed: map[string]int{}} }

var usd = money.MustCurrency("USD")

func (f *fakeIntl) Currency() money.Currency { return usd }

func (f *fakeIntl) Validate(o commerce.InternationalOrderInput) []commerce.UserError {
	var errs []commerce.UserError
	if o.MerchantOrderID == "" {
		errs = append(errs, commerce.UserError{Field: []string{"merchantOrderId"}, Code: "REQUIRED", Message: "merchantOrderId is required"})
	}
	if len(o.Products) == 0 {
		errs = append(errs, commerce.UserError{Field: []string{"products"}, Code: "REQUIRED", Message: "an order needs products"})
	}
	for i, p := range o.Products {
		if p.Quantity < 1 {
			errs = append(errs, commerce.UserError{Field: []string{"products", fmt.Sprint(i), "quantity"}, Code: "INVALID", Message: "quantity must be at least 1"})
		}
	}
	return errs
}

func (f *fakeIntl) PlaceOrder(_ context.Context, o commerce.InternationalOrderInput) (commerce.Quote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.HasPrefix(o.MerchantOrderID, "REJECT") {
		return commerce.Quote{}, &commerce.Rejection{Backend: "tradeglobal", Message: "ServiceCode is not valid"}
	}
	f.placed[o.MerchantOrderID]++
	m := func(s string) money.Money { v, _ := money.Parse(s, "USD"); return v }
	group := func(total string) commerce.QuoteGroup {
		return commerce.QuoteGroup{Fees: []commerce.QuoteCharge{{Type: "Duty", Classification: "Import", Amount: m(total)}}, Total: m(total)}
	}
	return commerce.Quote{QuoteID: "Q-" + o.MerchantOrderID, TotalCost: m("53.39"), Customs: group("4.00"), Import: group("3.00"),
		Service: group("2.00"), Shipping: group("5.00")}, nil
}

// Learn resends: the fake never loses an answer.
func (f *fakeIntl) Learn(ctx context.Context, o commerce.InternationalOrderInput) (*commerce.Quote, commerce.LostWrite) {
	q, err := f.PlaceOrder(ctx, o)
	if err != nil {
		return nil, commerce.LostWrite{Outcome: commerce.OutcomeNotRecorded, Err: err}
	}
	return &q, commerce.LostWrite{Outcome: commerce.OutcomeRecorded}
}

func (f *fakeIntl) sent(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.placed[id]
}

// fakeConsign is a small SimpleConsign: it prepares transactions (whole
// cents only), and can lose the answer of the next Record.
type fakeConsign struct {
	mu       sync.Mutex
	recorded []commerce.ConsignmentTransaction
	loseNext bool
}

func newFakeConsign() *fakeConsign { return &fakeConsign{} }

func (f *fakeConsign) Currency() money.Currency { return usd }

func (f *fakeConsign) Prepare(in commerce.ConsignmentInput, kind commerce.ConsignmentKind) (commerce.ConsignmentTransaction, []commerce.UserError) {
	var errs []commerce.UserError
	if strings.TrimSpace(in.OrderNumber) == "" {
		errs = append(errs, commerce.UserError{Field: []string{"orderNumber"}, Code: "REQUIRED", Message: "orderNumber is required"})
	}
	if len(in.Items) == 0 {
		errs = append(errs, commerce.UserError{Field: []string{"items"}, Code: "REQUIRED", Message: "at least one item"})
	}
	tx := commerce.ConsignmentTransaction{OrderNumber: in.OrderNumber, Kind: kind, Tax: in.Tax,
		NonTaxableTotal: money.New(decimal.Zero, usd), TaxableTotal: money.New(decimal.Zero, usd)}
	for i, it := range in.Items {
		if _, err := it.UnitPrice.MinorUnits(); err != nil {
			errs = append(errs, commerce.UserError{Field: []string{"items", fmt.Sprint(i), "unitPrice"}, Code: "SUB_UNIT_AMOUNT", Message: "whole cents only"})
			continue
		}
		line := it.UnitPrice.Mul(decimal.NewFromInt(int64(it.Quantity)))
		if it.Taxable {
			tx.TaxableTotal, _ = tx.TaxableTotal.Add(line)
		} else {
			tx.NonTaxableTotal, _ = tx.NonTaxableTotal.Add(line)
		}
		tx.Items = append(tx.Items, it)
	}
	return tx, errs
}

func (f *fakeConsign) Record(_ context.Context, tx commerce.ConsignmentTransaction) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.loseNext {
		f.loseNext = false
		return commerce.ErrOutcomeUnknown
	}
	f.recorded = append(f.recorded, tx)
	return nil
}

// Learn resends a sale and never a return, as the SimpleConsign adapter
// does.
func (f *fakeConsign) Learn(ctx context.Context, tx commerce.ConsignmentTransaction) commerce.LostWrite {
	if tx.Kind != commerce.ConsignmentSale {
		return commerce.LostWrite{Outcome: commerce.OutcomeUnknown, Err: commerce.ErrOutcomeUnknown}
	}
	if err := f.Record(ctx, tx); err != nil {
		return commerce.LostWrite{Outcome: commerce.OutcomeUnknown, Err: err}
	}
	return commerce.LostWrite{Outcome: commerce.OutcomeRecorded}
}

func (f *fakeConsign) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.recorded)
}

func (f *fakeConsign) loseNextAnswer() {
	f.mu.Lock()
	f.loseNext = true
	f.mu.Unlock()
}
