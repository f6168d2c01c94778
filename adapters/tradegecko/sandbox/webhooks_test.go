package sandbox_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/google/uuid"
)

// receiver is a webhook endpoint that records what it receives and answers
// answer(n) to the n-th request (from 1).
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []hookRequest
	answer func(n int) int
}

type hookRequest struct {
	header http.Header
	body   []byte
	at     time.Time
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	t.Helper()
	rc := &receiver{answer: answer}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, hookRequest{header: r.Header.Clone(), body: b, at: time.Now()})
		n := len(rc.reqs)
		rc.mu.Unlock()
		status := http.StatusOK
		if rc.answer != nil {
			status = rc.answer(n)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []hookRequest {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

func subscribe(t *testing.T, srv *httptest.Server, address, event string) int64 {
	t.Helper()
	r := send(t, srv, "POST", "/webhooks", fmt.Sprintf(`{"webhook":{"address":%q,"event":%q}}`, address, event))
	mustStatus(t, r, 201, "POST /webhooks "+event)
	return num(member(t, r.body, "webhook")["id"])
}

func wait(t *testing.T, sb *sandbox.Sandbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sb.WaitDeliveries(ctx); err != nil {
		t.Fatalf("WaitDeliveries: %v", err)
	}
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestWebhookCRUD(t *testing.T) {
	_, srv := start(t, small)
	r := send(t, srv, "POST", "/webhooks", specRequest(t, "webhook", nil))
	mustStatus(t, r, 201, "POST /webhooks")
	w := member(t, r.body, "webhook")
	checkFields(t, w, map[string]any{"id": 1, "event": "product.create", "address": "https://mywebsite.com/webhooks", "oauth_application_id": 1})
	subscribe(t, srv, "https://mywebsite.com/hooks", "fulfillments.create") // the plural form is accepted

	if got := ids(list(t, getOK(t, srv, "/webhooks").body, "webhooks")); !slices.Equal(got, []int64{2, 1}) {
		t.Errorf("GET /webhooks = %v", got)
	}
	mustStatus(t, send(t, srv, "PUT", "/webhooks/1", `{"webhook":{"address":"https://mynewwebsite.com/webhooks","event":"variant.stock_level_update"}}`), 204, "PUT /webhooks/1")
	checkFields(t, getMember(t, srv, "/webhooks/1", "webhook"), map[string]any{"address": "https://mynewwebsite.com/webhooks", "event": "variant.stock_level_update"})
	mustStatus(t, send(t, srv, "DELETE", "/webhooks/1", ""), 204, "DELETE /webhooks/1")
	if r := get(t, srv, "/webhooks/1"); r.status != 404 {
		t.Errorf("deleted webhook = %d", r.status)
	}
	for _, tt := range []struct {
		body string
		want map[string][]string
	}{
		{`{"webhook":{"address":"https://x.example/h","event":"order.shipped"}}`, map[string][]string{"event": {"is not included in the list"}}},
		{`{"webhook":{"event":"order.create"}}`, map[string][]string{"address": {"can't be blank"}}},
		{`{"webhook":{"address":"ftp://x.example/h","event":"order.create"}}`, map[string][]string{"address": {"is invalid"}}},
		{`{"webhook":{"address":"/relative","event":""}}`, map[string][]string{"address": {"is invalid"}, "event": {"can't be blank"}}},
	} {
		r := send(t, srv, "POST", "/webhooks", tt.body)
		mustStatus(t, r, 422, tt.body)
		if e := errorsBody(t, r); !sameJSON(e, tt.want) {
			t.Errorf("%s: errors = %v, want %v", tt.body, e, tt.want)
		}
	}
}

func TestWebhookDeliveries(t *testing.T) {
	clock := newFakeClock(time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)) // timestamp 1546300800
	opts := small
	opts.Now = clock.Now
	opts.AppSecret = "app-secret"
	sb, srv := start(t, opts)
	rc := newReceiver(t, nil)

	events := []string{"order.create", "order.finalized", "order.fulfilled", "fulfillment.create", "fulfillments.fulfilled", "invoice.create", "payment.create", "company.create", "address.create"}
	hooks := map[string]int64{}
	for _, e := range events {
		hooks[e] = subscribe(t, srv, rc.srv.URL+"/hooks?e="+e, e)
	}
	createOrder(t, srv, `{"order":{"company":{"name":"New Co","company_type":"consumer"},"shipping_address":{"address1":"1 Rd"},"status":"active","order_line_items":[{"variant_id":2,"quantity":1}]}}`)
	act(t, srv, 1, "pack", "")
	act(t, srv, 1, "pay", "")
	act(t, srv, 1, "fulfil", "")
	wait(t, sb)

	want := map[string]string{ // subscription → body
		"company.create":         `{"object_id":7,"event":"company.create","timestamp":1546300800,"resource_url":"%s/companies/7.json"}`,
		"address.create":         `{"object_id":9,"event":"address.create","timestamp":1546300800,"resource_url":"%s/addresses/9.json"}`,
		"order.create":           `{"object_id":1,"event":"order.create","timestamp":1546300800,"resource_url":"%s/orders/1.json"}`,
		"order.finalized":        `{"object_id":1,"event":"order.finalized","timestamp":1546300800,"resource_url":"%s/orders/1.json"}`,
		"fulfillment.create":     `{"object_id":1,"event":"fulfillments.create","timestamp":1546300800,"resource_url":"%s/fulfillments/1.json"}`,
		"invoice.create":         `{"object_id":1,"event":"invoice.create","timestamp":1546300800,"resource_url":"%s/invoices/1.json"}`,
		"payment.create":         `{"object_id":1,"event":"payment.create","timestamp":1546300800,"resource_url":"%s/payments/1.json"}`,
		"fulfillments.fulfilled": `{"object_id":1,"event":"fulfillments.fulfilled","timestamp":1546300800,"resource_url":"%s/fulfillments/1.json"}`,
		"order.fulfilled":        `{"object_id":1,"event":"order.fulfilled","timestamp":1546300800,"resource_url":"%s/orders/1.json"}`,
	}
	reqs := rc.requests()
	if len(reqs) != len(want) {
		t.Fatalf("received %d deliveries, want %d", len(reqs), len(want))
	}
	seen := map[string]bool{}
	for _, req := range reqs {
		sub := ""
		for e := range hooks {
			if string(req.body) == fmt.Sprintf(want[e], srv.URL) {
				sub = e
			}
		}
		if sub == "" || seen[sub] {
			t.Errorf("unexpected delivery %s", req.body)
			continue
		}
		seen[sub] = true
		if ct := req.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s Content-Type = %q", sub, ct)
		}
		if _, err := uuid.Parse(req.header.Get("X-Gecko-Delivery")); err != nil {
			t.Errorf("%s X-Gecko-Delivery = %q", sub, req.header.Get("X-Gecko-Delivery"))
		}
		if got, want := req.header.Get("X-Gecko-Signature"), sign("app-secret", req.body); !hmac.Equal([]byte(got), []byte(want)) {
			t.Errorf("%s X-Gecko-Signature = %q, want %q", sub, got, want)
		}
	}
	// Deliveries lists every attempt.
	ds := sb.Deliveries()
	if len(ds) != len(want) {
		t.Fatalf("Deliveries() = %d, want %d", len(ds), len(want))
	}
	for _, d := range ds {
		if d.Status != 200 || d.Attempt != 1 || d.Error != "" || d.WebhookID == 0 || d.DeliveryID == "" || !d.At.Equal(clock.Now()) {
			t.Errorf("delivery = %+v", d)
		}
	}
	// The order of events within one request: fulfillment created before
	// the order is fulfilled.
	if d := ds[len(ds)-1]; d.Event != "order.fulfilled" {
		t.Errorf("last delivery = %s, want order.fulfilled", d.Event)
	}
}

func TestWebhookStockEvents(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := small
	opts.Now = clock.Now
	opts.ControlRoutes = true
	opts.BaseURL = "https://sandbox.example/"
	sb, srv := start(t, opts)
	rc := newReceiver(t, nil)
	subscribe(t, srv, rc.srv.URL, "variant.stock_level_update")
	subscribe(t, srv, rc.srv.URL, "fulfillment_return.create")
	subscribe(t, srv, rc.srv.URL, "fulfillment_return.received")
	subscribe(t, srv, rc.srv.URL, "product.create")
	subscribe(t, srv, rc.srv.URL, "variant.create")

	bodies := func() []string {
		wait(t, sb)
		var out []string
		for _, r := range rc.requests() {
			out = append(out, string(r.body))
		}
		rc.mu.Lock()
		rc.reqs = nil
		rc.mu.Unlock()
		return out
	}
	ev := func(id int64, event, path string) string {
		return fmt.Sprintf(`{"object_id":%d,"event":%q,"timestamp":1714564800,"resource_url":"https://sandbox.example/%s/%d.json"}`, id, event, path, id)
	}

	if err := sb.SetStock(3, 1, "12"); err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(), []string{ev(3, "variant.stock_level_update", "variants")}; !slices.Equal(got, want) {
		t.Errorf("SetStock: %v, want %v", got, want)
	}
	call(t, srv, "POST", "/_sandbox/stock", "", []byte(`{"variant_id":4,"location_id":2,"stock_on_hand":"1"}`))
	if got, want := bodies(), []string{ev(4, "variant.stock_level_update", "variants")}; !slices.Equal(got, want) {
		t.Errorf("POST /_sandbox/stock: %v, want %v", got, want)
	}

	// An active order commits (one event per variant), fulfilling
	// withdraws, a return and its receipt restock.
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":1},{"variant_id":2,"quantity":1},{"variant_id":6,"quantity":1}]}}`)
	if got, want := bodies(), []string{ev(2, "variant.stock_level_update", "variants")}; !slices.Equal(got, want) {
		t.Errorf("create: %v, want %v (variant 6 does not manage stock)", got, want)
	}
	act(t, srv, num(o["id"]), "fulfil", "")
	if got, want := bodies(), []string{ev(2, "variant.stock_level_update", "variants")}; !slices.Equal(got, want) {
		t.Errorf("fulfil: %v, want %v", got, want)
	}
	line := numList(o["order_line_item_ids"])[0]
	r := send(t, srv, "POST", "/fulfillment_returns", fmt.Sprintf(`{"fulfillment_return":{"order_id":%d,"fulfillment_return_line_items":[{"order_line_item_id":%d,"quantity":1}]}}`, num(o["id"]), line))
	mustStatus(t, r, 201, "return")
	if got, want := bodies(), []string{ev(1, "fulfillment_return.create", "fulfillment_returns")}; !slices.Equal(got, want) {
		t.Errorf("return: %v, want %v", got, want)
	}
	if err := sb.ReceiveReturn(1); err != nil {
		t.Fatal(err)
	}
	if got, want := bodies(), []string{ev(2, "variant.stock_level_update", "variants"), ev(1, "fulfillment_return.received", "fulfillment_returns")}; !slices.Equal(got, want) {
		t.Errorf("receive: %v, want %v", got, want)
	}

	// A product created in the "web app".
	pid, vids, err := sb.AddProduct(sandbox.NewProduct{Name: "Fizz Drops", ProductType: "Candy", Variants: []sandbox.NewVariant{
		{SKU: "FIZZ-L", Name: "Lemon", RetailPrice: "3.5", WholesalePrice: "2", StockOnHand: map[int64]string{1: "10"}},
		{SKU: "FIZZ-C", Name: "Cola", RetailPrice: "3.5"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ev(pid, "product.create", "products"), ev(vids[0], "variant.create", "variants"), ev(vids[1], "variant.create", "variants")}
	if got := bodies(); !slices.Equal(got, want) {
		t.Errorf("AddProduct: %v, want %v", got, want)
	}
	p := getMember(t, srv, fmt.Sprintf("/products/%d", pid), "product")
	if p["quantity"] != "10" || !slices.Equal(numList(p["variant_ids"]), vids) {
		t.Errorf("new product = %v", p)
	}
	if v := getVariant(t, srv, vids[0]); v["retail_price"] != "3.5" || v["wholesale_price"] != "2.0" || v["sku"] != "FIZZ-L" {
		t.Errorf("new variant = %v", v)
	}
	for _, np := range []sandbox.NewProduct{{}, {Name: "X", Variants: []sandbox.NewVariant{{Name: "A", RetailPrice: "abc"}}}, {Name: "X", Variants: []sandbox.NewVariant{{Name: "A", StockOnHand: map[int64]string{9: "1"}}}}} {
		if _, _, err := sb.AddProduct(np); err == nil {
			t.Errorf("AddProduct(%+v) = nil error", np)
		}
	}
	cr := call(t, srv, "POST", "/_sandbox/products", "", []byte(`{"name":"Cocoa","variants":[{"sku":"COC-1","name":"Dark","retail_price":4.5,"stock_on_hand":{"2":"3"}}]}`))
	if cr.status != 201 || len(list(t, cr.body, "variants")) != 1 || member(t, cr.body, "product")["name"] != "Cocoa" {
		t.Errorf("POST /_sandbox/products = %d %s", cr.status, cr.body)
	}
	if got := len(bodies()); got != 2 {
		t.Errorf("control route product: %d deliveries, want 2", got)
	}
}

func TestWebhookRetries(t *testing.T) {
	opts := small
	opts.WebhookRetryBase = 20 * time.Millisecond
	sb, srv := start(t, opts)
	rc := newReceiver(t, func(n int) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusNoContent
	})
	subscribe(t, srv, rc.srv.URL, "order.create")
	createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1}}`)
	wait(t, sb)

	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("attempts = %d, want 3", len(reqs))
	}
	for _, r := range reqs[1:] {
		if r.header.Get("X-Gecko-Delivery") != reqs[0].header.Get("X-Gecko-Delivery") || string(r.body) != string(reqs[0].body) ||
			r.header.Get("X-Gecko-Signature") != reqs[0].header.Get("X-Gecko-Signature") {
			t.Errorf("a retry differs from the first attempt")
		}
	}
	if d1, d2 := reqs[1].at.Sub(reqs[0].at), reqs[2].at.Sub(reqs[1].at); d1 < 20*time.Millisecond || d2 < 40*time.Millisecond {
		t.Errorf("backoff %v then %v, want >= 20ms then >= 40ms", d1, d2)
	}
	var statuses []int
	for _, d := range sb.Deliveries() {
		statuses = append(statuses, d.Status)
	}
	if !slices.Equal(statuses, []int{500, 500, 204}) {
		t.Errorf("Deliveries statuses = %v", statuses)
	}
}

func TestWebhookGoneDeletesTheWebhook(t *testing.T) {
	sb2, srv2 := start(t, sandbox.Options{Products: 10, ControlRoutes: true})
	rc := newReceiver(t, func(int) int { return http.StatusGone })
	id := subscribe(t, srv2, rc.srv.URL, "order.create")
	other := subscribe(t, srv2, newReceiver(t, nil).srv.URL, "order.create")
	createOrder(t, srv2, `{"order":{"company_id":1,"shipping_address_id":1}}`)
	wait(t, sb2)
	if r := get(t, srv2, fmt.Sprintf("/webhooks/%d", id)); r.status != 404 {
		t.Errorf("webhook answered 410 still exists: %d", r.status)
	}
	getOK(t, srv2, fmt.Sprintf("/webhooks/%d", other))
	createOrder(t, srv2, `{"order":{"company_id":1,"shipping_address_id":1}}`)
	wait(t, sb2)
	if n := len(rc.requests()); n != 1 {
		t.Errorf("the gone endpoint got %d deliveries, want 1", n)
	}
	cr := call(t, srv2, "GET", "/_sandbox/deliveries", "", nil)
	if cr.status != 200 || len(decode(t, cr.body).([]any)) != 3 {
		t.Errorf("GET /_sandbox/deliveries = %d %s", cr.status, truncate(cr.body))
	}
}

func TestWebhookMaxAgeAndClose(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := small
	opts.Now = clock.Now
	opts.WebhookRetryBase = time.Millisecond
	sb, srv := start(t, opts)
	rc := newReceiver(t, func(int) int { return http.StatusServiceUnavailable })
	subscribe(t, srv, rc.srv.URL, "order.create")
	createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1}}`)
	deadline := time.Now().Add(5 * time.Second)
	for len(sb.Deliveries()) < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("no retries: %d attempts", len(sb.Deliveries()))
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	if err := sb.WaitDeliveries(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitDeliveries while retrying = %v, want the context's error", err)
	}
	cancel()
	clock.Advance(72 * time.Hour) // the delivery is now too old: dropped at its next attempt
	wait(t, sb)
	n := len(sb.Deliveries())
	time.Sleep(20 * time.Millisecond)
	if len(sb.Deliveries()) != n {
		t.Errorf("attempts continued after WebhookMaxAge")
	}

	// Close stops a worker with a delivery waiting for its retry.
	opts.WebhookRetryBase = time.Hour
	sb2, srv2 := start(t, opts)
	subscribe(t, srv2, rc.srv.URL, "order.create")
	createOrder(t, srv2, `{"order":{"company_id":1,"shipping_address_id":1}}`)
	for len(sb2.Deliveries()) == 0 {
		time.Sleep(time.Millisecond)
	}
	began := time.Now()
	sb2.Close()
	sb2.Close()
	if time.Since(began) > time.Second {
		t.Errorf("Close waited for the retry")
	}
	if err := sb2.WaitDeliveries(context.Background()); !errors.Is(err, sandbox.ErrClosed) {
		t.Errorf("WaitDeliveries after Close = %v, want ErrClosed", err)
	}
}

func TestNoLeakedGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		sb := sandbox.New(small)
		srv := httptest.NewServer(sb)
		defer srv.Close()
		defer sb.Close()
		rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		defer rc.Close()
		req, _ := http.NewRequest("POST", srv.URL+"/webhooks", strings.NewReader(fmt.Sprintf(`{"webhook":{"address":%q,"event":"order.create"}}`, rc.URL)))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		req, _ = http.NewRequest("POST", srv.URL+"/orders", strings.NewReader(`{"order":{"company_id":1,"shipping_address_id":1}}`))
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err = srv.Client().Do(req); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sb.WaitDeliveries(ctx); err != nil {
			t.Fatal(err)
		}
		if len(sb.Deliveries()) != 1 {
			t.Fatalf("deliveries = %d", len(sb.Deliveries()))
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
