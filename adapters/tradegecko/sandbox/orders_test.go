package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// small is a sandbox with a small catalog (the spec's products 1 and 2
// and eight generated ones): order tests need no more.
var small = sandbox.Options{Products: 10}

// specIDs maps the ids of the spec's examples to seeded records: company
// 101 → Bill's Boots (1), address 1002 → its Head Office (1), variants 14
// and 15 → Snozzberry (2) and Peach (3), 123 → 2, 456 → Golden Egg Large (4),
// and the guide's variant 1 (archived Lime here) → 4.
var specIDs = map[string]map[int64]int64{
	"company_id":          {101: 1},
	"shipping_address_id": {1002: 1},
	"billing_address_id":  {1002: 1},
	"variant_id":          {14: 2, 15: 3, 123: 2, 456: 4, 1: 4},
}

func TestCreateOrderTheDocumentedWays(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := small
	opts.Now = clock.Now
	_, srv := start(t, opts)

	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, o map[string]any)
	}{
		{"existing company and addresses", specRequest(t, "existing_customer", specIDs), func(t *testing.T, o map[string]any) {
			want := map[string]any{"company_id": "1", "shipping_address_id": "1", "billing_address_id": "1", "status": "active",
				"issued_at": "2018-02-21", "total": "36.0", "default_price_list_id": "wholesale", "currency_id": "1", "stock_location_id": "1"}
			checkFields(t, o, want)
		}},
		{"billing defaults to shipping", `{"order":{"company_id":1,"shipping_address_id":2,"order_line_items":[{"variant_id":2,"quantity":1}]}}`, func(t *testing.T, o map[string]any) {
			checkFields(t, o, map[string]any{"shipping_address_id": "2", "billing_address_id": "2", "status": "draft", "issued_at": "2024-05-01"})
		}},
		{"existing company, new embedded address", specRequest(t, "existing_customer_new_address", specIDs), func(t *testing.T, o map[string]any) {
			ship := num(o["shipping_address_id"])
			if ship <= 8 || num(o["billing_address_id"]) != ship {
				t.Errorf("addresses = %v/%v, want a new one for both", o["shipping_address_id"], o["billing_address_id"])
			}
			a := getMember(t, srv, fmt.Sprintf("/addresses/%d", ship), "address")
			checkFields(t, a, map[string]any{"company_id": "1", "address1": "123 Cross St", "label": "Head Office", "country_code": "US"})
			if c := getMember(t, srv, "/companies/1", "company"); !slices.Contains(numList(c["address_ids"]), ship) {
				t.Errorf("company 1 address_ids = %v, want %d among them", c["address_ids"], ship)
			}
		}},
		{"new embedded company and address", specRequest(t, "new_customer", specIDs), func(t *testing.T, o map[string]any) {
			co := getMember(t, srv, fmt.Sprintf("/companies/%d", num(o["company_id"])), "company")
			checkFields(t, co, map[string]any{"name": "Bill's Boots", "company_code": "BB-123", "company_type": "business", "email": "billy@billsboots.com", "status": "active"})
			if num(o["company_id"]) <= 6 || !slices.Equal(numList(co["address_ids"]), []int64{num(o["shipping_address_id"])}) {
				t.Errorf("company %v address_ids = %v, shipping %v", o["company_id"], co["address_ids"], o["shipping_address_id"])
			}
		}},
		{"the sales channel guide's new customer", specRequest(t, "guide_new_customer", specIDs), func(t *testing.T, o map[string]any) {
			co := getMember(t, srv, fmt.Sprintf("/companies/%d", num(o["company_id"])), "company")
			checkFields(t, co, map[string]any{"name": "TG Company", "company_type": "consumer"})
			checkFields(t, o, map[string]any{"issued_at": "2018-06-01", "status": "draft", "total": "174.0"}) // 2 × 12 + 5 × 30
		}},
		{"the guide's embedded billing address (and issued_at \"Time.now\")", specRequest(t, "guide_existing_customer_new_billing", specIDs), func(t *testing.T, o map[string]any) {
			checkFields(t, o, map[string]any{"shipping_address_id": "1", "issued_at": "2024-05-01"})
			if num(o["billing_address_id"]) <= 8 {
				t.Errorf("billing_address_id = %v, want a new address", o["billing_address_id"])
			}
		}},
		{"explicit prices as numbers", specRequest(t, "create_with_prices", specIDs), func(t *testing.T, o map[string]any) {
			checkFields(t, o, map[string]any{"issued_at": "2015-11-12", "total": "97.5"}) // 2 × 10 + 5 × 15.5
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := createOrder(t, srv, tt.body)
			tt.check(t, o)
			// What POST answered is what GET answers.
			if got := getOrder(t, srv, num(o["id"])); !sameJSON(got, o) {
				t.Errorf("GET /orders/%v differs from the POST answer", o["id"])
			}
		})
	}
}

// checkFields compares fields by their JSON text ("1" matches 1 and "1").
func checkFields(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if g := fmt.Sprint(got[k]); g != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestOrderLinesQuantitiesPricesAndTotals(t *testing.T) {
	_, srv := start(t, small)
	line := func(t *testing.T, o map[string]any, i int) map[string]any {
		t.Helper()
		id := numList(o["order_line_item_ids"])[i]
		return getMember(t, srv, fmt.Sprintf("/order_line_items/%d", id), "order_line_item")
	}
	tests := []struct {
		name, order string // the order's JSON without the closing braces' line items
		lines       string
		wantLines   []map[string]any
		wantTotal   any
	}{
		{"number quantity", `"company_id":1,"shipping_address_id":1`, `{"variant_id":2,"quantity":2}`,
			[]map[string]any{{"quantity": "2.0", "price": "12.0"}}, "24.0"},
		{"string quantity", `"company_id":1,"shipping_address_id":1`, `{"variant_id":2,"quantity":"2"}`,
			[]map[string]any{{"quantity": "2.0"}}, "24.0"},
		{"fractional quantity", `"company_id":1,"shipping_address_id":1`, `{"variant_id":4,"quantity":"32.5"}`,
			[]map[string]any{{"quantity": "32.5", "price": "30.0"}}, "975.0"},
		{"fractional number quantity", `"company_id":1,"shipping_address_id":1`, `{"variant_id":7,"quantity":2.5,"price":"0.5"}`,
			[]map[string]any{{"quantity": "2.5", "price": "0.5"}}, "1.25"},
		{"the company's price list (retail)", `"company_id":2,"shipping_address_id":3`, `{"variant_id":4,"quantity":1}`,
			[]map[string]any{{"price": "45.0"}}, "45.0"},
		{"the order's price list wins", `"company_id":1,"shipping_address_id":1,"default_price_list_id":"buy"`, `{"variant_id":6,"quantity":1}`,
			[]map[string]any{{"price": "3.9321"}}, "3.93"},
		{"discount, freeform and shipping lines; one rounding at the end",
			`"company_id":1,"shipping_address_id":1`,
			`{"variant_id":2,"quantity":"3","price":"19.99","discount":"12.5"},{"variant_id":7,"quantity":"2.5","price":"0.333"},{"freeform":true,"label":"Gift note","quantity":1,"price":"0"},{"line_type":"shipping","label":"Shipping","quantity":1,"price":4.95}`,
			[]map[string]any{{"discount": "12.5", "line_type": nil}, {"price": "0.333"}, {"freeform": true, "variant_id": nil, "label": "Gift note"}, {"line_type": "shipping", "variant_id": nil, "price": "4.95"}},
			"58.26"}, // 52.47375 + 0.8325 + 0 + 4.95 = 58.25625
		{"rounding is half-up", `"company_id":1,"shipping_address_id":1`, `{"variant_id":2,"quantity":3,"price":"0.335"}`,
			nil, "1.01"}, // 1.005
		{"no lines: total is a bare 0", `"company_id":1,"shipping_address_id":1`, ``, nil, json.Number("0")},
		{"zero-priced lines: a bare 0 too", `"company_id":1,"shipping_address_id":1`, `{"variant_id":2,"quantity":1,"price":"0"}`, nil, json.Number("0")},
		{"currency by ISO", `"company_id":1,"shipping_address_id":1,"currency_iso":"nzd"`, `{"variant_id":2,"quantity":1}`, nil, "12.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := createOrder(t, srv, `{"order":{`+tt.order+`,"order_line_items":[`+tt.lines+`]}}`)
			if o["total"] != tt.wantTotal || o["cached_total"] != tt.wantTotal {
				t.Errorf("total = %#v, cached_total %#v, want %#v", o["total"], o["cached_total"], tt.wantTotal)
			}
			for i, want := range tt.wantLines {
				l := line(t, o, i)
				for k, w := range want {
					if l[k] != w {
						t.Errorf("line %d %s = %#v, want %#v", i, k, l[k], w)
					}
				}
				if num(l["order_id"]) != num(o["id"]) || num(l["tax_type_id"]) != 1 {
					t.Errorf("line %d = %v", i, l)
				}
			}
			if strings.Contains(tt.order, "nzd") && num(o["currency_id"]) != 2 {
				t.Errorf("currency_id = %v, want 2 (NZD)", o["currency_id"])
			}
		})
	}
}

func TestOrderNumbers(t *testing.T) {
	_, srv := start(t, small)
	body := func(extra string) string {
		return `{"order":{"company_id":1,"shipping_address_id":1` + extra + `}}`
	}
	var got []string
	for _, extra := range []string{"", "", `,"order_number":"WEB-1001"`, "", `,"order_number":"SO0005"`, ""} {
		got = append(got, createOrder(t, srv, body(extra))["order_number"].(string))
	}
	want := []string{"SO0001", "SO0002", "WEB-1001", "SO0003", "SO0005", "SO0004"}
	if !slices.Equal(got, want) {
		t.Errorf("order numbers = %v, want %v", got, want)
	}
	if o := createOrder(t, srv, body("")); o["order_number"] != "SO0006" {
		t.Errorf("next = %v, want SO0006 (SO0005 was taken)", o["order_number"])
	}
	r := send(t, srv, "POST", "/orders", body(`,"order_number":"SO0001"`))
	mustStatus(t, r, 422, "duplicate order_number")
	if e := errorsBody(t, r); !slices.Equal(e["order_number"], []string{"has already been taken"}) {
		t.Errorf("errors = %v", e)
	}
}

func TestCreateOrderValidation(t *testing.T) {
	_, srv := start(t, small)
	tests := []struct {
		name string
		body string
		want map[string][]string
	}{
		{"no company", `{"order":{"shipping_address_id":1}}`, map[string][]string{"company_id": {"can't be blank"}}},
		{"nothing", `{"order":{}}`, map[string][]string{"company_id": {"can't be blank"}, "shipping_address_id": {"can't be blank"}}},
		{"unknown company", `{"order":{"company_id":999,"shipping_address_id":1}}`, map[string][]string{"company": {"must exist"}}},
		{"company id not a number", `{"order":{"company_id":"abc","shipping_address_id":1}}`, map[string][]string{"company_id": {"is not a number"}}},
		{"no shipping address", `{"order":{"company_id":1}}`, map[string][]string{"shipping_address_id": {"can't be blank"}}},
		{"unknown shipping address", `{"order":{"company_id":1,"shipping_address_id":999}}`, map[string][]string{"shipping_address": {"must exist"}}},
		{"unknown billing address", `{"order":{"company_id":1,"shipping_address_id":1,"billing_address_id":999}}`, map[string][]string{"billing_address": {"must exist"}}},
		{"another company's address", `{"order":{"company_id":1,"shipping_address_id":3}}`, map[string][]string{"shipping_address": {"must belong to the order's company"}}},
		{"embedded company without shipping address", `{"order":{"company":{"name":"X","company_type":"consumer"}}}`, map[string][]string{"shipping_address": {"can't be blank"}}},
		{"embedded company without name and type", `{"order":{"company":{"email":"x@example.com"},"shipping_address":{"address1":"1 Rd"}}}`,
			map[string][]string{"company.name": {"can't be blank"}, "company.company_type": {"can't be blank"}}},
		{"embedded company of an unknown type", `{"order":{"company":{"name":"X","company_type":"alien"},"shipping_address":{"address1":"1 Rd"}}}`,
			map[string][]string{"company.company_type": {"is not included in the list"}}},
		{"embedded address without address1", `{"order":{"company_id":1,"shipping_address":{"city":"Springfield"}}}`, map[string][]string{"shipping_address.address1": {"can't be blank"}}},
		{"unknown variant", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":999999,"quantity":1}]}}`,
			map[string][]string{"order_line_items.variant": {"must exist"}}},
		{"product line without variant", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"quantity":1,"price":"2"}]}}`,
			map[string][]string{"order_line_items.variant": {"must exist"}}},
		{"zero quantity", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":2,"quantity":0}]}}`,
			map[string][]string{"order_line_items.quantity": {"must be greater than 0"}}},
		{"negative quantity", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":2,"quantity":"-1"}]}}`,
			map[string][]string{"order_line_items.quantity": {"must be greater than 0"}}},
		{"quantity not a number", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":2,"quantity":"two"}]}}`,
			map[string][]string{"order_line_items.quantity": {"is not a number"}}},
		{"no quantity", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":2}]}}`,
			map[string][]string{"order_line_items.quantity": {"can't be blank"}}},
		{"price not a number", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":2,"quantity":1,"price":"1,5"}]}}`,
			map[string][]string{"order_line_items.price": {"is not a number"}}},
		{"discount out of range", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":2,"quantity":1,"discount":150}]}}`,
			map[string][]string{"order_line_items.discount": {"must be between -100 and 100"}}},
		{"unknown line type", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"line_type":"bogus","variant_id":2,"quantity":1}]}}`,
			map[string][]string{"order_line_items.line_type": {"is not included in the list"}}},
		{"status not writable", `{"order":{"company_id":1,"shipping_address_id":1,"status":"fulfilled"}}`, map[string][]string{"status": {"is not included in the list"}}},
		{"unknown currency", `{"order":{"company_id":1,"shipping_address_id":1,"currency_iso":"XXX"}}`, map[string][]string{"currency": {"must exist"}}},
		{"unknown stock location", `{"order":{"company_id":1,"shipping_address_id":1,"stock_location_id":99}}`, map[string][]string{"stock_location": {"must exist"}}},
		{"unknown price list", `{"order":{"company_id":1,"shipping_address_id":1,"default_price_list_id":"vip"}}`, map[string][]string{"default_price_list_id": {"is invalid"}}},
		{"line items not a list", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":"x"}}`, map[string][]string{"order_line_items": {"is invalid"}}},
		{"two lines, two problems", `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":999999,"quantity":1},{"variant_id":2,"quantity":0}]}}`,
			map[string][]string{"order_line_items.variant": {"must exist"}, "order_line_items.quantity": {"must be greater than 0"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, srv, "POST", "/orders", tt.body)
			mustStatus(t, r, 422, "POST /orders "+tt.body)
			if got := errorsBody(t, r); !sameJSON(got, tt.want) {
				t.Errorf("errors = %v, want %v", got, tt.want)
			}
		})
	}
	// Nothing was created: no order, company or address.
	for path, want := range map[string]int{"/orders": 0, "/companies?status=active,disabled": 6, "/addresses": 8} {
		if got := pagination(t, getOK(t, srv, path+sep(path)+"limit=0")).TotalRecords; got != want {
			t.Errorf("GET %s total = %d, want %d", path, got, want)
		}
	}
	for _, body := range []string{``, `not json`, `{"orders":{}}`, `{"order":null}`, `{"order":[1]}`} {
		r := send(t, srv, "POST", "/orders", body)
		mustStatus(t, r, 400, "POST /orders "+body)
		if b := decodeObject(t, r.body); b["type"] != "Bad Request" {
			t.Errorf("400 body = %s", r.body)
		}
	}
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

func TestOrderInclude(t *testing.T) {
	sb, srv := start(t, small)
	o1 := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"billing_address_id":2,"order_line_items":[{"variant_id":2,"quantity":1},{"variant_id":3,"quantity":1}]}}`)
	o2 := createOrder(t, srv, `{"order":{"company_id":2,"shipping_address_id":3,"order_line_items":[{"variant_id":4,"quantity":1}]}}`)
	const inc = "include=order_line_items,shipping_address,billing_address,company"

	r := getOK(t, srv, fmt.Sprintf("/orders/%d?%s", num(o1["id"]), inc))
	if !strings.HasPrefix(string(r.body), `{"order_line_items":[`) || !strings.Contains(string(r.body), `],"addresses":[`) {
		t.Errorf("sideloads not first, in the spec's order: %s", truncate(r.body))
	}
	if got := ids(list(t, r.body, "order_line_items")); !slices.Equal(got, numList(o1["order_line_item_ids"])) {
		t.Errorf("order_line_items = %v, want %v", got, o1["order_line_item_ids"])
	}
	if got := ids(list(t, r.body, "addresses")); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("addresses = %v, want [1 2]", got)
	}
	if got := ids(list(t, r.body, "companies")); !slices.Equal(got, []int64{1}) {
		t.Errorf("companies = %v, want [1]", got)
	}
	if got := ids(list(t, getOK(t, srv, fmt.Sprintf("/orders/%d?include=billing_address", num(o1["id"]))).body, "addresses")); !slices.Equal(got, []int64{2}) {
		t.Errorf("include=billing_address: addresses %v, want [2]", got)
	}

	index := func(t *testing.T, want bool) {
		t.Helper()
		r := getOK(t, srv, "/orders?"+inc)
		body := decodeObject(t, r.body)
		for _, key := range []string{"order_line_items", "addresses", "companies"} {
			if _, ok := body[key]; ok != want {
				t.Fatalf("index %s present = %v, want %v", key, ok, want)
			}
		}
		if want {
			if got := len(list(t, r.body, "order_line_items")); got != 3 {
				t.Errorf("index order_line_items = %d, want 3", got)
			}
			if got := ids(list(t, r.body, "companies")); !slices.Equal(got, []int64{2, 1}) {
				t.Errorf("index companies = %v, want [2 1] (the page's orders, newest first)", got)
			}
		}
		if _, ok := decodeObject(t, getOK(t, srv, fmt.Sprintf("/orders/%d?%s", num(o2["id"]), inc)).body)["companies"]; !ok {
			t.Errorf("the single order ignored include=")
		}
	}
	index(t, true)
	sb.SetIgnoreIndexInclude(true)
	index(t, false)

	_, srv2 := start(t, sandbox.Options{Products: 10, IgnoreIndexInclude: true})
	createOrder(t, srv2, `{"order":{"company_id":1,"shipping_address_id":1}}`)
	if _, ok := decodeObject(t, getOK(t, srv2, "/orders?"+inc).body)["companies"]; ok {
		t.Errorf("Options.IgnoreIndexInclude: index sideloaded")
	}
}

func TestOrderFilters(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := small
	opts.Now = clock.Now
	_, srv := start(t, opts)
	mk := func(status string, company int64) int64 {
		clock.Advance(time.Second)
		addr := map[int64]int64{1: 1, 2: 3}[company]
		return num(createOrder(t, srv, fmt.Sprintf(`{"order":{"company_id":%d,"shipping_address_id":%d,"status":%q,"order_line_items":[{"variant_id":2,"quantity":1}]}}`, company, addr, status))["id"])
	}
	draft, active, finalized, paid, voided := mk("draft", 1), mk("active", 2), mk("finalized", 1), mk("active", 1), mk("active", 2)
	deleted := mk("draft", 1)
	clock.Advance(time.Minute)
	act(t, srv, paid, "pay", "")
	act(t, srv, voided, "void", "")
	mustStatus(t, send(t, srv, "DELETE", fmt.Sprintf("/orders/%d", deleted), ""), 204, "DELETE")

	tests := []struct {
		query string
		want  []int64
	}{
		{"", []int64{voided, paid, finalized, active, draft}}, // deleted left out
		{"status[]=draft&status[]=active", []int64{active, draft}},
		{"status%5B%5D=draft&status%5B%5D=finalized", []int64{paid, finalized, draft}},
		{"status=draft,finalized", []int64{paid, finalized, draft}},
		{"status=finalized", []int64{paid, finalized}}, // paying finalized it
		{"status=deleted", []int64{deleted}},
		{"status=void", []int64{voided}},
		{"company_id=2", []int64{voided, active}},
		{"company_id[]=1&status=draft", []int64{draft}},
		{"order_number=SO0002", []int64{active}},
		{"order_number=SO0001,SO0003", []int64{finalized, draft}},
		{"payment_status=paid", []int64{paid}},
		{"payment_status=unpaid&status=active", []int64{active}},
		{"invoice_status=invoiced", []int64{paid}},
		{"updated_at_min=2024-05-01T12:01:00Z", []int64{voided, paid}},
		{"ids=1,2&order=id+asc", []int64{draft, active}},
		{"order=order_number+asc&limit=2", []int64{draft, active}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := ids(list(t, getOK(t, srv, "/orders?"+tt.query).body, "orders"))
			if !slices.Equal(got, tt.want) {
				t.Errorf("GET /orders?%s = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
	if r := get(t, srv, "/orders?company_id=x"); r.status != 400 {
		t.Errorf("company_id=x = %d, want 400", r.status)
	}

	// Line items: by order, by position.
	two := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":4,"quantity":1},{"variant_id":5,"quantity":1}]}}`)
	r := getOK(t, srv, fmt.Sprintf("/order_line_items?order_id=%d", num(two["id"])))
	lines := list(t, r.body, "order_line_items")
	if got := ids(lines); !slices.Equal(got, numList(two["order_line_item_ids"])) || num(lines[0]["position"]) != 1 || num(lines[1]["position"]) != 2 {
		t.Errorf("order_line_items?order_id = %v", lines)
	}
	if got := pagination(t, getOK(t, srv, "/order_line_items?variant_id=2&limit=0")).TotalRecords; got != 6 {
		t.Errorf("order_line_items?variant_id=2 = %d, want 6", got)
	}
	if r := get(t, srv, "/order_line_items/9999"); r.status != 404 || !strings.Contains(string(r.body), "Couldn't find OrderLineItem with 'id'=9999") {
		t.Errorf("unknown line = %d %s", r.status, r.body)
	}
	if r := get(t, srv, "/orders/9999"); r.status != 404 || !strings.Contains(string(r.body), "Couldn't find Order with 'id'=9999") {
		t.Errorf("unknown order = %d %s", r.status, r.body)
	}
}

func TestUpdateOrder(t *testing.T) {
	_, srv := start(t, small)
	o := createOrder(t, srv, specRequest(t, "existing_customer", specIDs))
	id := num(o["id"])
	path := fmt.Sprintf("/orders/%d", id)

	// The guide's multi-part create: PUT appends lines.
	r := send(t, srv, "PUT", path, specRequest(t, "multipart_update", specIDs))
	mustStatus(t, r, 204, "PUT multi-part")
	if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
		t.Errorf("204 carries a body or content type: %q %q", r.body, r.header.Get("Content-Type"))
	}
	got := getOrder(t, srv, id)
	lineIDs := numList(got["order_line_item_ids"])
	if len(lineIDs) != 4 || got["total"] != "72.0" {
		t.Fatalf("after PUT: lines %v total %v, want 4 lines, 72.0", lineIDs, got["total"])
	}
	last := getMember(t, srv, fmt.Sprintf("/order_line_items/%d", lineIDs[3]), "order_line_item")
	if num(last["position"]) != 4 || num(last["variant_id"]) != 3 {
		t.Errorf("appended line = %v", last)
	}
	// Appended lines of an active order commit stock too: 1 + 1 of
	// Snozzberry, 2 + 2 of Peach (which had 3 committed already).
	if v := getVariant(t, srv, 2); v["committed_stock"] != "2" {
		t.Errorf("variant 2 committed = %v, want 2", v["committed_stock"])
	}
	if v := getVariant(t, srv, 3); v["committed_stock"] != "7" || v["available_stock"] != "3" {
		t.Errorf("variant 3 committed/available = %v/%v, want 7/3", v["committed_stock"], v["available_stock"])
	}

	mustStatus(t, send(t, srv, "PUT", path, `{"order":{"notes":"Leave at the door","tags":["web","gift"],"reference_number":"R-1","email":"a@b.c","billing_address_id":2}}`), 204, "PUT attributes")
	got = getOrder(t, srv, id)
	checkFields(t, got, map[string]any{"notes": "Leave at the door", "reference_number": "R-1", "email": "a@b.c", "billing_address_id": "2", "tags": "[web gift]"})

	for _, tt := range []struct {
		body string
		want map[string][]string
	}{
		{`{"order":{"status":"void"}}`, map[string][]string{"status": {"is not included in the list"}}},
		{`{"order":{"shipping_address_id":3}}`, map[string][]string{"shipping_address": {"must belong to the order's company"}}},
		{`{"order":{"order_line_items":[{"variant_id":999999,"quantity":1}]}}`, map[string][]string{"order_line_items.variant": {"must exist"}}},
	} {
		r := send(t, srv, "PUT", path, tt.body)
		mustStatus(t, r, 422, "PUT "+tt.body)
		if e := errorsBody(t, r); !sameJSON(e, tt.want) {
			t.Errorf("PUT %s errors = %v, want %v", tt.body, e, tt.want)
		}
	}

	// draft → active commits; active → draft releases.
	d := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"order_line_items":[{"variant_id":4,"quantity":3}]}}`)
	dpath := fmt.Sprintf("/orders/%d", num(d["id"]))
	if v := getVariant(t, srv, 4); v["committed_stock"] != "0" {
		t.Fatalf("a draft committed stock: %v", v["committed_stock"])
	}
	mustStatus(t, send(t, srv, "PUT", dpath, `{"order":{"status":"active"}}`), 204, "PUT active")
	if v := getVariant(t, srv, 4); v["committed_stock"] != "3" || v["available_stock"] != "17" {
		t.Errorf("after activation: committed %v available %v, want 3 and 17", v["committed_stock"], v["available_stock"])
	}
	mustStatus(t, send(t, srv, "PUT", dpath, `{"order":{"status":"draft"}}`), 204, "PUT draft")
	if v := getVariant(t, srv, 4); v["committed_stock"] != "0" {
		t.Errorf("back to draft: committed %v, want 0", v["committed_stock"])
	}
	mustStatus(t, send(t, srv, "PUT", dpath, `{"order":{"status":"finalized"}}`), 204, "PUT finalized")
	r = send(t, srv, "PUT", dpath, `{"order":{"status":"active"}}`)
	mustStatus(t, r, 422, "PUT finalized → active")
	if e := errorsBody(t, r); !sameJSON(e, map[string][]string{"status": {"cannot be changed from finalized to active"}}) {
		t.Errorf("errors = %v", e)
	}
	if r := send(t, srv, "PUT", "/orders/9999", `{"order":{}}`); r.status != 404 {
		t.Errorf("PUT unknown order = %d", r.status)
	}
}

func TestDeleteOrder(t *testing.T) {
	_, srv := start(t, small)
	o := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":4}]}}`)
	id := num(o["id"])
	if v := getVariant(t, srv, 2); v["committed_stock"] != "4" {
		t.Fatalf("committed = %v", v["committed_stock"])
	}
	for range 2 { // deleting twice is fine
		mustStatus(t, send(t, srv, "DELETE", fmt.Sprintf("/orders/%d", id), ""), 204, "DELETE /orders/{id}")
	}
	if got := getOrder(t, srv, id); got["status"] != "deleted" {
		t.Errorf("status = %v, want deleted", got["status"])
	}
	if v := getVariant(t, srv, 2); v["committed_stock"] != "0" || v["available_stock"] != "10" {
		t.Errorf("after delete: committed %v available %v", v["committed_stock"], v["available_stock"])
	}
	r := send(t, srv, "POST", fmt.Sprintf("/orders/%d/actions/pay", id), "")
	mustStatus(t, r, 422, "pay a deleted order")
	if e := errorsBody(t, r); !slices.Equal(e["base"], []string{"Cannot pay a deleted order"}) {
		t.Errorf("errors = %v", e)
	}

	f := createOrder(t, srv, `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":1}]}}`)
	act(t, srv, num(f["id"]), "fulfil", "")
	r = send(t, srv, "DELETE", fmt.Sprintf("/orders/%d", num(f["id"])), "")
	mustStatus(t, r, 422, "DELETE a fulfilled order")
	if e := errorsBody(t, r); !slices.Equal(e["base"], []string{"Cannot delete a fulfilled order"}) {
		t.Errorf("errors = %v", e)
	}
}

func TestIdempotencyKeys(t *testing.T) {
	clock := newFakeClock(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := small
	opts.Now = clock.Now
	opts.AccessTokens = []string{token, "other-token"}
	_, srv := start(t, opts)
	body := `{"order":{"company_id":1,"shipping_address_id":1,"status":"active","order_line_items":[{"variant_id":2,"quantity":1}]}}`
	count := func() int { return pagination(t, getOK(t, srv, "/orders?limit=0")).TotalRecords }
	key := func(k string) []string { return []string{"Idempotency-Key", k} }

	createOrder(t, srv, body, key("k-1")...)
	dup := func(t *testing.T, method, path, body string, headers ...string) {
		t.Helper()
		r := send(t, srv, method, path, body, headers...)
		mustStatus(t, r, 400, method+" "+path+" with a used key")
		if string(r.body) != `{"type":"Bad Request","message":"Duplicate Idempotency Key header detected"}` {
			t.Errorf("body = %s", r.body)
		}
	}
	dup(t, "POST", "/orders", body, key("k-1")...)
	dup(t, "POST", "/orders", `{"order":{"company_id":2,"shipping_address_id":3}}`, key("k-1")...) // another body: the same answer
	if n := count(); n != 1 {
		t.Fatalf("orders = %d after replays, want 1", n)
	}
	if v := getVariant(t, srv, 2); v["committed_stock"] != "1" {
		t.Errorf("committed = %v, want 1 (one order)", v["committed_stock"])
	}

	// Keys belong to a token; PUT and actions use them too; a failed request
	// does not use up its key.
	createOrder(t, srv, body, "Idempotency-Key", "k-1", "Authorization", "Bearer other-token")
	mustStatus(t, send(t, srv, "PUT", "/orders/1", `{"order":{"notes":"x"}}`, key("k-2")...), 204, "PUT with a key")
	dup(t, "PUT", "/orders/1", `{"order":{"notes":"y"}}`, key("k-2")...)
	if getOrder(t, srv, 1)["notes"] != "x" {
		t.Errorf("the replayed PUT changed the order")
	}
	mustStatus(t, send(t, srv, "POST", "/orders/1/actions/invoice", "", key("k-3")...), 201, "invoice with a key")
	dup(t, "POST", "/orders/1/actions/invoice", "", key("k-3")...)
	mustStatus(t, send(t, srv, "POST", "/orders", `{"order":{}}`, key("k-4")...), 422, "invalid order")
	createOrder(t, srv, body, key("k-4")...)
	// GET and DELETE ignore the header.
	getOK(t, srv, "/orders/1")
	send(t, srv, "GET", "/orders/1", "", key("k-1")...)

	// Keys expire after 24 hours.
	clock.Advance(24*time.Hour - time.Second)
	dup(t, "POST", "/orders", body, key("k-1")...)
	clock.Advance(time.Second)
	createOrder(t, srv, body, key("k-1")...)
	if n := count(); n != 4 {
		t.Errorf("orders = %d, want 4", n)
	}
}

func TestDroppedCreateIsApplied(t *testing.T) {
	sb, srv := start(t, small)
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	post := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", srv.URL+"/orders", strings.NewReader(`{"order":{"company_id":1,"shipping_address_id":1,"reference_number":"web-42"}}`))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "drop-1")
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	sb.DropNextResponses(1)
	if resp, err := post(); err == nil {
		t.Fatalf("dropped POST answered %d", resp.StatusCode)
	}
	orders := list(t, getOK(t, srv, "/orders?reference_number=web-42").body, "orders")
	if len(orders) != 1 {
		t.Fatalf("the dropped create left %d orders, want 1", len(orders))
	}
	// The retry with the same key is refused; the client must look the
	// order up (here by reference_number) instead.
	resp, err := post()
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("retry = %v %v, want 400", resp, err)
	}
	if reqs := sb.Requests(); !reqs[0].Dropped || reqs[0].Status != 201 {
		t.Errorf("recorded = %+v", reqs[0])
	}
}
