package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// sandboxWrites runs fn and returns the write requests (anything but GET)
// it caused at the TradeGecko sandbox, read from the sandbox's own request
// log, GET /_sandbox/requests, as a person would.
func sandboxWrites(t *testing.T, sbURL string, fn func()) []string {
	t.Helper()
	lines := func(query string) []map[string]any {
		resp, err := http.Get(sbURL + "/_sandbox/requests" + query)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []map[string]any
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l map[string]any
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("GET /_sandbox/requests: a line is not JSON: %v: %s", err, sc.Bytes())
			}
			out = append(out, l)
		}
		return out
	}
	after := 0
	if last := lines("?last=1"); len(last) == 1 {
		after = int(last[0]["seq"].(float64))
	}
	fn()
	var writes []string
	for _, l := range lines("?after=" + strconv.Itoa(after)) {
		if l["method"] != http.MethodGet {
			writes = append(writes, l["method"].(string)+" "+l["path"].(string))
		}
	}
	return writes
}

// restAct posts an order action at the REST door and decodes the order or
// the problem's user errors.
func (g *gateway) restAct(key, id, action string) (status int, order *orderJSON, errs []userErrorJSON) {
	g.t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.url+"/v1/orders/"+url.PathEscape(id)+"/actions/"+action, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		order = new(orderJSON)
		if err := json.Unmarshal(raw, order); err != nil {
			g.t.Fatalf("POST …/actions/%s: %v\n%s", action, err, raw)
		}
		return resp.StatusCode, order, nil
	}
	var p struct {
		Errors []userErrorJSON `json:"errors"`
	}
	_ = json.Unmarshal(raw, &p)
	return resp.StatusCode, nil, p.Errors
}

// Every order action from every status, at both doors: what the status
// allows is done (one write reaches TradeGecko); an action whose effect is
// in place answers the order as it is (no write); what the status forbids
// is NOT_ALLOWED in the gateway's words naming the state, decided before
// anything is sent: no write reaches the sandbox.
func TestOrderActionsFromEachStatus(t *testing.T) {
	up := newSharedSandbox(t, sandbox.Options{ControlRoutes: true, RateLimit: 10000})
	g := newGateway(t, gatewayOptions{upstream: up, rateLimit: 10000})
	sbURL := up.srv.URL

	mutations := map[string]string{"confirm": "confirmOrder", "invoice": "invoiceOrder", "pay": "payOrder",
		"pack": "packOrder", "fulfil": "fulfilOrder", "void": "voidOrder"}
	line := []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}
	// Each status, and how a new order gets there through the gateway.
	type start struct {
		created string   // createOrder's status
		then    []string // actions
		deleted bool     // then DELETE /orders/{id} at the sandbox
	}
	starts := map[string]start{
		"DRAFT":     {created: "DRAFT"},
		"ACTIVE":    {created: "ACTIVE"},
		"FINALIZED": {created: "ACTIVE", then: []string{"invoice"}},
		"FULFILLED": {created: "ACTIVE", then: []string{"fulfil"}},
		"VOID":      {created: "ACTIVE", then: []string{"void"}},
		"DELETED":   {created: "ACTIVE", deleted: true},
	}
	const inPlace, refused = "in place", "NOT_ALLOWED"
	cases := []struct {
		from, action string
		want         string // the status after, inPlace, or refused
		says         string // refused: the message contains this
	}{
		{"DRAFT", "confirm", "ACTIVE", ""},
		{"DRAFT", "invoice", refused, "is DRAFT: confirm it before invoicing it"},
		{"DRAFT", "pay", refused, "is DRAFT: confirm it before paying for it"},
		{"DRAFT", "pack", refused, "is DRAFT: confirm it before packing it"},
		{"DRAFT", "fulfil", refused, "is DRAFT: confirm it before shipping it"},
		{"DRAFT", "void", "VOID", ""},

		{"ACTIVE", "confirm", inPlace, ""},
		{"ACTIVE", "invoice", "FINALIZED", ""},
		{"ACTIVE", "pay", "FINALIZED", ""},
		{"ACTIVE", "pack", "FINALIZED", ""},
		{"ACTIVE", "fulfil", "FULFILLED", ""},
		{"ACTIVE", "void", "VOID", ""},

		{"FINALIZED", "confirm", inPlace, ""},
		{"FINALIZED", "invoice", inPlace, ""},
		{"FINALIZED", "pay", "FINALIZED", ""},
		{"FINALIZED", "pack", "FINALIZED", ""},
		{"FINALIZED", "fulfil", "FULFILLED", ""},
		{"FINALIZED", "void", "VOID", ""},

		{"FULFILLED", "confirm", inPlace, ""},
		{"FULFILLED", "invoice", "FULFILLED", ""},
		{"FULFILLED", "pay", "FULFILLED", ""},
		{"FULFILLED", "pack", inPlace, ""},
		{"FULFILLED", "fulfil", inPlace, ""},
		{"FULFILLED", "void", refused, "is FULFILLED: shipped goods cannot be voided; create a return"},

		{"VOID", "confirm", refused, "is VOID: a void order cannot be confirmed"},
		{"VOID", "invoice", refused, "is VOID: a void order cannot be invoiced"},
		{"VOID", "pay", refused, "is VOID: a void order cannot be paid"},
		{"VOID", "pack", refused, "is VOID: a void order cannot be packed"},
		{"VOID", "fulfil", refused, "is VOID: a void order cannot be shipped"},
		{"VOID", "void", inPlace, ""},

		{"DELETED", "confirm", refused, "is DELETED: a deleted order cannot be confirmed"},
		{"DELETED", "invoice", refused, "is DELETED: a deleted order cannot be invoiced"},
		{"DELETED", "pay", refused, "is DELETED: a deleted order cannot be paid"},
		{"DELETED", "pack", refused, "is DELETED: a deleted order cannot be packed"},
		{"DELETED", "fulfil", refused, "is DELETED: a deleted order cannot be shipped"},
		{"DELETED", "void", refused, "is DELETED: a deleted order cannot be voided"},
	}
	n := 0
	for _, door := range []string{"graphql", "rest"} {
		for _, tc := range cases {
			t.Run(door+"/"+tc.from+"/"+tc.action, func(t *testing.T) {
				n++
				st := starts[tc.from]
				o := noUserErrors(t, "create", g.createOrder(adminKey, map[string]any{
					"idempotencyKey": "states-" + strconv.Itoa(n), "status": st.created, "lineItems": line,
					"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1"}))
				for _, a := range st.then {
					o = noUserErrors(t, a, g.act(adminKey, mutations[a], o.ID))
				}
				if st.deleted {
					deleteAtSandbox(t, sbURL, o.ID)
				}
				before := mustJSON(g.orderByID(o.ID))
				if got := g.orderByID(o.ID).Status; got != tc.from {
					t.Fatalf("set-up: the order is %s, want %s", got, tc.from)
				}

				var after *orderJSON
				var errs []userErrorJSON
				writes := sandboxWrites(t, sbURL, func() {
					if door == "graphql" {
						p := g.act(adminKey, mutations[tc.action], o.ID)
						after, errs = p.Order, p.UserErrors
						return
					}
					status, order, ue := g.restAct(adminKey, o.ID, tc.action)
					if want := map[bool]int{true: http.StatusUnprocessableEntity, false: http.StatusOK}[tc.want == refused]; status != want {
						t.Errorf("POST …/actions/%s = %d, want %d", tc.action, status, want)
					}
					after, errs = order, ue
				})

				switch tc.want {
				case refused:
					if after != nil || len(errs) != 1 || errs[0].Code != "NOT_ALLOWED" || !strings.Contains(errs[0].Message, tc.says) ||
						!strings.HasPrefix(errs[0].Message, "order "+o.OrderNumber+" ") || strings.Contains(errs[0].Message, "base") {
						t.Errorf("%s on a %s order = %+v, %+v; want NOT_ALLOWED %q naming order %s", tc.action, tc.from, after, errs, tc.says, o.OrderNumber)
					}
					if len(writes) != 0 {
						t.Errorf("a refused %s sent %v to TradeGecko, want nothing", tc.action, writes)
					}
					if now := mustJSON(g.orderByID(o.ID)); now != before {
						t.Errorf("a refused %s changed the order:\n%s\n%s", tc.action, before, now)
					}
				case inPlace:
					if len(errs) != 0 || after == nil || after.Status != tc.from {
						t.Errorf("%s on a %s order = %+v, %+v; want the order as it is", tc.action, tc.from, after, errs)
					}
					if len(writes) != 0 {
						t.Errorf("%s, in place already, sent %v to TradeGecko, want nothing", tc.action, writes)
					}
				default:
					if len(errs) != 0 || after == nil || after.Status != tc.want {
						t.Errorf("%s on a %s order = %+v, %+v; want status %s", tc.action, tc.from, after, errs, tc.want)
					}
					if len(writes) != 1 {
						t.Errorf("%s sent %v to TradeGecko, want one write", tc.action, writes)
					}
				}
			})
		}
	}
}

// What TradeGecko itself refuses for an order's state, where the status
// alone allowed the action (an order with nothing to pack), is NOT_ALLOWED
// too, naming the state, with TradeGecko's reason and not its "base".
func TestOrderActionBackendStateRefusal(t *testing.T) {
	up := newSharedSandbox(t, sandbox.Options{ControlRoutes: true, RateLimit: 10000})
	g := newGateway(t, gatewayOptions{upstream: up, rateLimit: 10000})
	o := noUserErrors(t, "create", g.createOrder(adminKey, map[string]any{
		"idempotencyKey": "nothing-to-pack", "status": "ACTIVE",
		"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
		"lineItems": []map[string]any{{"lineType": "SHIPPING", "label": "Courier", "quantity": 1, "price": "5"}}}))
	for _, door := range []string{"graphql", "rest"} {
		var errs []userErrorJSON
		writes := sandboxWrites(t, up.srv.URL, func() {
			if door == "graphql" {
				errs = g.act(adminKey, "packOrder", o.ID).UserErrors
			} else {
				_, _, errs = g.restAct(adminKey, o.ID, "pack")
			}
		})
		want := "order " + o.OrderNumber + " is ACTIVE: it cannot be packed: Order has no items to pack"
		if len(errs) != 1 || errs[0].Code != "NOT_ALLOWED" || errs[0].Message != want {
			t.Errorf("%s: packing an order of only a shipping line = %+v, want NOT_ALLOWED %q", door, errs, want)
		}
		if len(writes) != 1 || writes[0] != "POST /orders/"+strings.TrimPrefix(o.ID, "gid://tradegecko/Order/")+"/actions/pack" {
			t.Errorf("%s: writes %v, want the one refused POST", door, writes)
		}
	}
}

// orderByID reads an order through the gateway.
func (g *gateway) orderByID(id string) *orderJSON {
	g.t.Helper()
	return mustData[struct {
		Order *orderJSON `json:"order"`
	}](g.t, g.query(adminKey, `query($id: ID!) { order(id: $id) { `+orderFields+` } }`, map[string]any{"id": id})).Order
}

// deleteAtSandbox deletes an order behind the gateway's back, as another
// app on the account could.
func deleteAtSandbox(t *testing.T, sbURL, id string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, sbURL+"/orders/"+strings.TrimPrefix(id, "gid://tradegecko/Order/"), bytes.NewReader(nil))
	req.Header.Set("Authorization", "Bearer sandbox-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE /orders/%s at the sandbox = %d", id, resp.StatusCode)
	}
}

// confirmOrder whose answer is lost: the gateway reads the order again and
// answers it ACTIVE, and TradeGecko applied the update once.
func TestConfirmOrderLostAnswer(t *testing.T) {
	up := newSharedSandbox(t, sandbox.Options{})
	g := newGateway(t, gatewayOptions{upstream: up})
	o := noUserErrors(t, "create", g.createOrder(adminKey, map[string]any{"idempotencyKey": "lost-confirm",
		"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
		"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/3", "quantity": 2}}}))
	if o.Status != "DRAFT" {
		t.Fatalf("an admin's order without a status is %s, want DRAFT (TradeGecko's default)", o.Status)
	}
	_, committed, _ := g.stock("DEMO-GOBS-PEA")
	up.sb.DropNextResponsesMatching(sandboxkit.Target{Method: http.MethodPut, Path: "/orders/"}, 1)
	p := g.act(adminKey, "confirmOrder", o.ID)
	if got := noUserErrors(t, "confirm", p); got.Status != "ACTIVE" {
		t.Fatalf("confirmOrder after a lost answer = %+v", got)
	}
	if _, now, _ := g.stock("DEMO-GOBS-PEA"); !committedMore(committed, now, 2) {
		t.Errorf("committed stock went from %s to %s: the confirmed order commits its 2, once", committed, now)
	}
	again := noUserErrors(t, "confirm again", g.act(adminKey, "confirmOrder", o.ID))
	if again.Status != "ACTIVE" {
		t.Errorf("confirmOrder again = %s", again.Status)
	}
	if n := countRequests(up.sb, http.MethodPut, "/orders/"+strings.TrimPrefix(o.ID, "gid://tradegecko/Order/")); n < 1 || n > 2 {
		t.Errorf("PUT /orders/{id} reached the sandbox %d times, want the update and at most one retry under its key", n)
	}
}

func committedMore(before, after string, by float64) bool {
	b, err1 := strconv.ParseFloat(before, 64)
	a, err2 := strconv.ParseFloat(after, 64)
	return err1 == nil && err2 == nil && a-b == by
}

// A storefront key may not move an order on, at either door, and its
// attempt costs TradeGecko nothing, not even the read of the order.
func TestOrderActionsStorefrontForbidden(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	o := noUserErrors(t, "guest order", newOrderFromStorefront(t, g, storefrontKey))
	for _, action := range []string{"confirm", "invoice", "void"} {
		n := g.upstream(func() {
			r := g.query(storefrontKey, `mutation($id: ID!) { `+action+`Order(id: $id) { order { id } } }`, map[string]any{"id": o.ID})
			if r.code(0) != "FORBIDDEN" {
				t.Errorf("%sOrder with a storefront key = %+v, want FORBIDDEN", action, r.Errors)
			}
			if status, _, _ := g.restAct(storefrontKey, o.ID, action); status != http.StatusForbidden {
				t.Errorf("POST …/actions/%s with a storefront key = %d, want 403", action, status)
			}
		})
		if n != 0 {
			t.Errorf("%s with a storefront key sent %d requests to TradeGecko", action, n)
		}
	}
}

// Two payOrder calls at once: both read the order unpaid, one payment
// lands and TradeGecko refuses the other ("Order has already been paid"):
// that one reads the order again and succeeds too. One payment, no error.
func TestConcurrentPayOrder(t *testing.T) {
	up := newSharedSandbox(t, sandbox.Options{})
	g := newGateway(t, gatewayOptions{upstream: up})
	o := noUserErrors(t, "create", g.createOrder(adminKey, map[string]any{"idempotencyKey": "pay-twice", "status": "ACTIVE",
		"companyId": "gid://tradegecko/Company/1", "shippingAddressId": "gid://tradegecko/Address/1",
		"lineItems": []map[string]any{{"variantId": "gid://tradegecko/Variant/2", "quantity": 1}}}))
	// Both reads happen before either payment is handled.
	up.sb.SetLatencyMatching(sandboxkit.Target{Method: http.MethodPost, Path: "/orders/*/actions/pay"}, 300*time.Millisecond)
	var wg sync.WaitGroup
	results := make([]orderPayload, 2)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = g.act(adminKey, "payOrder", o.ID)
		}()
	}
	wg.Wait()
	for i, p := range results {
		if len(p.UserErrors) > 0 || p.Order == nil || p.Order.PaymentStatus != "PAID" {
			t.Errorf("payOrder %d of two at once = %+v, %+v; want PAID", i, p.Order, p.UserErrors)
		}
	}
	if n := countRequests(up.sb, http.MethodPost, "/actions/pay"); n != 2 {
		t.Errorf("POST …/actions/pay reached the sandbox %d times, want 2 (both read it unpaid)", n)
	}
	req, _ := http.NewRequest(http.MethodGet, up.srv.URL+"/payments?order_id="+strings.TrimPrefix(o.ID, "gid://tradegecko/Order/"), nil)
	req.Header.Set("Authorization", "Bearer sandbox-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var pays struct {
		Payments []json.RawMessage `json:"payments"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&pays); err != nil || len(pays.Payments) != 1 {
		t.Errorf("the sandbox holds %d payments of the order (%v), want 1", len(pays.Payments), err)
	}
}
