package sandbox_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
)

// variantPrices reads variant_prices as price list → value.
func variantPrices(v map[string]any) map[string]any {
	out := map[string]any{}
	for _, p := range v["variant_prices"].([]any) {
		p := p.(map[string]any)
		out[p["price_list_id"].(string)] = p["value"]
	}
	return out
}

func TestUpdateVariant(t *testing.T) {
	tests := []struct {
		name, path, body string
		status           int
		want             map[string]any      // fields of GET /variants/{id} after a 204
		prices           map[string]any      // its variant_prices, when set
		errors           map[string][]string // the 422 body
		touched          bool                // updated_at moved
	}{
		{name: "the spec's example", path: "/variants/2", body: `{"variant":{"retail_price":"12.0","name":"Sample Variant","sku":"SV1234"}}`,
			status: 204, touched: true,
			want:   map[string]any{"retail_price": "12.0", "name": "Sample Variant", "sku": "SV1234", "wholesale_price": "12.0", "buy_price": "4.5", "stock_on_hand": "10", "product_name": "Everlasting Gobstopper"},
			prices: map[string]any{"retail": "12.0", "wholesale": "12.0", "buy": "4.5"}},
		{name: ".json suffix, a price as a JSON number read exactly", path: "/variants/3.json", body: `{"variant":{"wholesale_price":11.35}}`,
			status: 204, touched: true, want: map[string]any{"wholesale_price": "11.35", "retail_price": "22.0", "name": "Peach"}},
		{name: "a price taken off its list", path: "/variants/3", body: `{"variant":{"wholesale_price":null}}`,
			status: 204, touched: true, want: map[string]any{"wholesale_price": nil}, prices: map[string]any{"retail": "22.0", "buy": "4.5"}},
		{name: "variant_prices, retail_price wins", path: "/variants/4",
			body:   `{"variant":{"variant_prices":[{"price_list_id":"retail","value":"1.0"},{"price_list_id":"buy","value":"2.25"}],"retail_price":"47.5"}}`,
			status: 204, touched: true, want: map[string]any{"retail_price": "47.5", "buy_price": "2.25"}},
		{name: "flags, stock settings, options and weight", path: "/variants/4",
			body:   `{"variant":{"keep_selling":true,"manage_stock":"0","max_online":"3","opt1":"Huge","description":"Big","weight":"250","weight_unit":"g","position":"9"}}`,
			status: 204, touched: true,
			want: map[string]any{"keep_selling": true, "manage_stock": false, "max_online": "3", "opt1": "Huge", "description": "Big",
				"weight": "250", "weight_value": "250.0", "weight_unit": "g", "position": 9}},
		{name: "unknown and read-only attributes are ignored", path: "/variants/2",
			body:   `{"variant":{"colour":"red","status":"archived","product_id":2,"stock_on_hand":"99","composite":true,"name":"Snozz"}}`,
			status: 204, touched: true, want: map[string]any{"name": "Snozz", "status": "active", "stock_on_hand": "10", "product_id": 1}},
		{name: "nothing to change leaves updated_at alone", path: "/variants/2", body: `{"variant":{"colour":"red","retail_price":"24.0"}}`,
			status: 204, want: map[string]any{"retail_price": "24.0"}},
		{name: "a bad price", path: "/variants/2", body: `{"variant":{"retail_price":"12,50","name":"Changed"}}`,
			status: 422, errors: map[string][]string{"retail_price": {"is not a number"}}},
		{name: "bad values everywhere", path: "/variants/2",
			body:   `{"variant":{"name":" ","buy_price":"-1","keep_selling":"maybe","weight_unit":"stone","max_online":"lots","variant_prices":[{"price_list_id":"vip","value":"1"}]}}`,
			status: 422, errors: map[string][]string{"name": {"can't be blank"}, "buy_price": {"must be greater than or equal to 0"},
				"keep_selling": {"is invalid"}, "weight_unit": {"is not included in the list"}, "max_online": {"is not a number"},
				"variant_prices.price_list_id": {"is invalid"}}},
		{name: "a price as an object", path: "/variants/2", body: `{"variant":{"retail_price":{"amount":"1"}}}`,
			status: 422, errors: map[string][]string{"retail_price": {"is not a number"}}},
		{name: "unknown id", path: "/variants/999999", body: `{"variant":{"name":"X"}}`, status: 404},
		{name: "no root object", path: "/variants/2", body: `{"name":"X"}`, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := start(t, small)
			getPath := strings.TrimSuffix(tt.path, ".json")
			var before map[string]any
			if tt.status != 404 {
				before = getMember(t, srv, getPath, "variant")
			}
			r := send(t, srv, http.MethodPut, tt.path, tt.body)
			mustStatus(t, r, tt.status, "PUT "+tt.path+" "+tt.body)
			switch tt.status {
			case 204:
				if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
					t.Errorf("204 with Content-Type %q and body %q", r.header.Get("Content-Type"), r.body)
				}
				if r.header.Get("X-Rate-Limit-Remaining") == "" || r.header.Get("X-Request-Id") == "" {
					t.Errorf("204 lacks the rate-limit or request id headers: %v", r.header)
				}
				after := getMember(t, srv, getPath, "variant")
				checkFields(t, after, tt.want)
				if tt.prices != nil && !sameJSON(variantPrices(after), tt.prices) {
					t.Errorf("variant_prices = %v, want %v", variantPrices(after), tt.prices)
				}
				if moved := after["updated_at"] != before["updated_at"]; moved != tt.touched {
					t.Errorf("updated_at %v → %v: moved %v, want %v", before["updated_at"], after["updated_at"], moved, tt.touched)
				}
			case 422:
				if e := errorsBody(t, r); !sameJSON(e, tt.errors) {
					t.Errorf("errors = %v, want %v", e, tt.errors)
				}
				if after := getMember(t, srv, getPath, "variant"); !sameJSON(after, before) {
					t.Errorf("a refused update changed the variant:\n%v\nwas\n%v", after, before)
				}
			case 404:
				checkFields(t, decodeObject(t, r.body), map[string]any{"type": "Not Found", "message": "Couldn't find Variant with 'id'=999999"})
			}
		})
	}
}

func TestUpdateProduct(t *testing.T) {
	tests := []struct {
		name, path, body string
		status           int
		want             map[string]any
		errors           map[string][]string
		touched          bool
	}{
		{name: "the spec's example", path: "/products/1", body: `{"product":{"opt2":"Size","opt3":"Weight"}}`,
			status: 204, touched: true, want: map[string]any{"opt1": "Flavour", "opt2": "Size", "opt3": "Weight", "name": "Everlasting Gobstopper"}},
		{name: "name, description, brand, type, tags, status", path: "/products/2.json",
			body:   `{"product":{"name":" Giant Egg ","description":"Huge","brand":"Wonka","product_type":"Eggs","tags":["easter","candy"],"status":"disabled"}}`,
			status: 204, touched: true,
			want: map[string]any{"name": "Giant Egg", "description": "Huge", "brand": "Wonka", "product_type": "Eggs", "tags": "easter,candy",
				"status": "disabled", "quantity": "32.5", "variant_ids": "[4 5 6 7]"}},
		{name: "tags as a string, a brand cleared", path: "/products/1", body: `{"product":{"tags":"a, b","brand":null}}`,
			status: 204, touched: true, want: map[string]any{"tags": "a,b", "brand": nil}},
		{name: "supplier follows supplier_ids", path: "/products/1", body: `{"product":{"supplier_ids":[4]}}`,
			status: 204, touched: true, want: map[string]any{"supplier_ids": "[4]", "supplier": "Pacific Wholesale", "vendor": "Pacific Wholesale"}},
		{name: "unknown and read-only attributes are ignored", path: "/products/1",
			body:   `{"product":{"flavour":"x","quantity":"99","image_ids":[9],"variants":[{"name":"New"}],"name":"Gobstopper"}}`,
			status: 204, touched: true, want: map[string]any{"name": "Gobstopper", "quantity": "17", "image_ids": "[1 2]", "variant_ids": "[2 3]"}},
		{name: "nothing to change leaves updated_at alone", path: "/products/1", body: `{"product":{"name":"Everlasting Gobstopper"}}`,
			status: 204, want: map[string]any{"name": "Everlasting Gobstopper"}},
		{name: "bad values", path: "/products/1", body: `{"product":{"name":"","status":"archived","tags":{"a":1},"supplier_ids":[99],"brand":["x"]}}`,
			status: 422, errors: map[string][]string{"name": {"can't be blank"}, "status": {"is not included in the list"}, "tags": {"is invalid"},
				"supplier_ids": {"is invalid"}, "brand": {"is invalid"}}},
		{name: "unknown id", path: "/products/999999", body: `{"product":{"name":"X"}}`, status: 404},
		{name: "not JSON", path: "/products/1", body: `{"product":`, status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := start(t, small)
			getPath := strings.TrimSuffix(tt.path, ".json")
			var before map[string]any
			if tt.status != 404 {
				before = getMember(t, srv, getPath, "product")
			}
			r := send(t, srv, http.MethodPut, tt.path, tt.body)
			mustStatus(t, r, tt.status, "PUT "+tt.path+" "+tt.body)
			switch tt.status {
			case 204:
				if len(r.body) != 0 {
					t.Errorf("204 with body %q", r.body)
				}
				after := getMember(t, srv, getPath, "product")
				checkFields(t, after, tt.want)
				if moved := after["updated_at"] != before["updated_at"]; moved != tt.touched {
					t.Errorf("updated_at %v → %v: moved %v, want %v", before["updated_at"], after["updated_at"], moved, tt.touched)
				}
			case 422:
				if e := errorsBody(t, r); !sameJSON(e, tt.errors) {
					t.Errorf("errors = %v, want %v", e, tt.errors)
				}
				if after := getMember(t, srv, getPath, "product"); !sameJSON(after, before) {
					t.Errorf("a refused update changed the product")
				}
			case 404:
				checkFields(t, decodeObject(t, r.body), map[string]any{"type": "Not Found", "message": "Couldn't find Product with 'id'=999999"})
			}
		})
	}
}

// An edit moves updated_at to the sandbox clock's now, so updated_at_min
// finds the edited records and nothing else; its effect shows through the
// other record that renders it (a variant's product_name); no webhook
// fires; the request is authenticated, limited and recorded like any other.
func TestUpdatesAndUpdatedAtMin(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 3, 1, 9, 30, 0, 250e6, time.UTC))
	sb, srv := start(t, sandbox.Options{Products: 10, Now: clock.Now})
	rc := newReceiver(t, nil)
	for _, ev := range []string{"product.create", "product.destroy", "variant.create", "variant.stock_level_update"} {
		subscribe(t, srv, rc.srv.URL, ev)
	}
	since := url.QueryEscape(clock.Now().Format(time.RFC3339Nano))
	for _, path := range []string{"/products?updated_at_min=" + since, "/variants?updated_at_min=" + since} {
		if got := list(t, getOK(t, srv, path).body, strings.Split(path[1:], "?")[0]); len(got) != 0 {
			t.Fatalf("GET %s before any edit = %v, want none", path, ids(got))
		}
	}

	seeded := getVariant(t, srv, 2)["updated_at"]
	clock.Advance(time.Second)
	sb.ResetRequests()
	mustStatus(t, send(t, srv, http.MethodPut, "/variants/5", `{"variant":{"retail_price":"70.0"}}`), 204, "PUT /variants/5")
	mustStatus(t, send(t, srv, http.MethodPut, "/products/1", `{"product":{"name":"Gobstopper"}}`), 204, "PUT /products/1")
	if err := sb.UpdateVariant(7, map[string]any{"name": "Tiny"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		path, key string
		want      []int64
	}{
		{"/variants?updated_at_min=" + since, "variants", []int64{7, 5}},
		{"/products?updated_at_min=" + since, "products", []int64{1}},
		{"/variants?updated_at_min=" + since + "&product_id=2", "variants", []int64{7, 5}},
		{"/products?updated_at_min=" + url.QueryEscape(clock.Now().Add(time.Millisecond).Format(time.RFC3339Nano)), "products", []int64{}},
	}
	for _, tt := range tests {
		if got := ids(list(t, getOK(t, srv, tt.path).body, tt.key)); !slices.Equal(got, tt.want) {
			t.Errorf("GET %s = %v, want %v", tt.path, got, tt.want)
		}
	}
	want := clock.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	if got := getVariant(t, srv, 5)["updated_at"]; got != want {
		t.Errorf("updated_at = %v, want the clock's %s", got, want)
	}
	// The variant renders its product's new name without having moved.
	checkFields(t, getVariant(t, srv, 2), map[string]any{"product_name": "Gobstopper", "updated_at": seeded})

	wait(t, sb)
	if d := sb.Deliveries(); len(d) != 0 {
		t.Errorf("edits fired webhooks: %+v", d)
	}
	if reqs := sb.Requests(); len(reqs) < 3 || reqs[0].Method != http.MethodPut || reqs[0].Path != "/variants/5" ||
		reqs[0].Status != 204 || !strings.Contains(string(reqs[0].Body), `"70.0"`) {
		t.Errorf("the PUT was not recorded as received: %+v", reqs)
	}
	if r := call(t, srv, http.MethodPut, "/variants/5", "", []byte(`{"variant":{"name":"X"}}`)); r.status != http.StatusUnauthorized {
		t.Errorf("PUT without a token = %d, want 401", r.status)
	}
	if got := getVariant(t, srv, 5)["name"]; got != "Extra-Large" {
		t.Errorf("an unauthenticated PUT changed the name to %v", got)
	}
}

func TestUpdateRateLimited(t *testing.T) {
	_, srv := start(t, sandbox.Options{Products: 10, RateLimit: 1})
	mustStatus(t, send(t, srv, http.MethodPut, "/variants/2", `{"variant":{"name":"A"}}`), 204, "first PUT")
	mustStatus(t, send(t, srv, http.MethodPut, "/variants/2", `{"variant":{"name":"B"}}`), 429, "second PUT")
}

func TestUpdateControlAPI(t *testing.T) {
	sb, srv := start(t, sandbox.Options{Products: 10, ControlRoutes: true})
	if err := sb.UpdateVariant(4, map[string]any{"name": "Jumbo", "retail_price": "49.5", "status": "archived"}); err != nil {
		t.Fatal(err)
	}
	checkFields(t, getVariant(t, srv, 4), map[string]any{"name": "Jumbo", "retail_price": "49.5", "status": "archived"})
	if got := numList(getMember(t, srv, "/products/2", "product")["variant_ids"]); !slices.Equal(got, []int64{5, 6, 7}) {
		t.Errorf("after archiving variant 4, variant_ids = %v", got)
	}
	if err := sb.UpdateProduct(2, map[string]any{"name": "Giant Egg", "tags": []string{"easter"}}); err != nil {
		t.Fatal(err)
	}
	checkFields(t, getMember(t, srv, "/products/2", "product"), map[string]any{"name": "Giant Egg", "tags": "easter"})

	errTests := []struct {
		name    string
		err     error
		unknown bool   // wraps ErrUnknown
		text    string // in the message
	}{
		{"unknown variant", sb.UpdateVariant(999999, map[string]any{"name": "X"}), true, "variant 999999"},
		{"unknown product", sb.UpdateProduct(999999, map[string]any{"name": "X"}), true, "product 999999"},
		{"misspelt field", sb.UpdateVariant(2, map[string]any{"retial_price": "1.0"}), false, `unknown field "retial_price"`},
		{"a variant field on a product", sb.UpdateProduct(2, map[string]any{"sku": "X"}), false, `unknown field "sku"`},
		{"bad price", sb.UpdateVariant(2, map[string]any{"retail_price": "cheap", "name": "Changed"}), false, "retail_price is not a number"},
		{"bad status", sb.UpdateVariant(2, map[string]any{"status": "disabled"}), false, "status is not included in the list"},
	}
	for _, tt := range errTests {
		if tt.err == nil || errors.Is(tt.err, sandbox.ErrUnknown) != tt.unknown || !strings.Contains(tt.err.Error(), tt.text) {
			t.Errorf("%s: err = %v, want one containing %q (ErrUnknown: %v)", tt.name, tt.err, tt.text, tt.unknown)
		}
	}
	checkFields(t, getVariant(t, srv, 2), map[string]any{"name": "Snozzberry", "retail_price": "24.0"})

	routeTests := []struct {
		path, body string
		status     int
		check      map[string]any // fields of the record answered
	}{
		{"/_sandbox/variants/3", `{"name":"Apricot","retail_price":21.5}`, 200, map[string]any{"name": "Apricot", "retail_price": "21.5"}},
		{"/_sandbox/products/1", `{"name":"Gobstopper","status":"disabled"}`, 200, map[string]any{"name": "Gobstopper", "status": "disabled"}},
		{"/_sandbox/variants/3", `{"retail_price":"x"}`, 422, nil},
		{"/_sandbox/variants/3", `{"colour":"red"}`, 400, nil},
		{"/_sandbox/variants/3", `[]`, 400, nil},
		{"/_sandbox/variants/3", ``, 400, nil},
		{"/_sandbox/variants/999999", `{"name":"X"}`, 404, nil},
		{"/_sandbox/products/abc", `{"name":"X"}`, 404, nil},
	}
	sb.ResetRequests()
	for _, tt := range routeTests {
		r := call(t, srv, http.MethodPut, tt.path, "", []byte(tt.body))
		if r.status != tt.status {
			t.Errorf("PUT %s %s = %d %s, want %d", tt.path, tt.body, r.status, r.body, tt.status)
			continue
		}
		if tt.check != nil {
			key := "variant"
			if strings.Contains(tt.path, "/products/") {
				key = "product"
			}
			checkFields(t, member(t, r.body, key), tt.check)
		}
		if tt.status == 422 && !sameJSON(errorsBody(t, r), map[string][]string{"retail_price": {"is not a number"}}) {
			t.Errorf("PUT %s %s: body %s", tt.path, tt.body, r.body)
		}
	}
	if n := sb.RequestCount(); n != 0 {
		t.Errorf("control updates were recorded as API requests: %d", n)
	}
	if got := getVariant(t, srv, 3)["retail_price"]; got != "21.5" {
		t.Errorf("retail_price after the control route = %v", got)
	}
	if r := call(t, srv, http.MethodGet, "/_sandbox", "", nil); !strings.Contains(string(r.body), "PUT /_sandbox/variants/{id}") {
		t.Errorf("GET /_sandbox does not list the update routes: %s", r.body)
	}
}
