package sandbox_test

import (
	"slices"
	"testing"
)

func TestCompaniesAndAddresses(t *testing.T) {
	_, srv := start(t, small)
	tests := []struct {
		path string
		key  string
		want []int64
	}{
		{"/companies", "companies", []int64{5, 4, 2, 1, 3}}, // newest first; 6 is disabled
		{"/companies?status=disabled", "companies", []int64{6}},
		{"/companies?company_status=disabled", "companies", []int64{6}},
		{"/companies?status[]=active&status[]=disabled&company_type=business", "companies", []int64{6, 1}},
		{"/companies?company_type=supplier&order=id+asc", "companies", []int64{3, 4, 5}},
		{"/companies?company_type=business,consumer", "companies", []int64{2, 1}},
		{"/companies?company_code=BB-123", "companies", []int64{1}},
		{"/companies?default_price_list_id=retail", "companies", []int64{2}},
		{"/companies?ids=1,6", "companies", []int64{1}},
		{"/companies?order=name+asc&limit=2", "companies", []int64{1, 2}},
		{"/addresses?company_id=1&order=id+asc", "addresses", []int64{1, 2}},
		{"/addresses?company_id=3,4&order=id+asc", "addresses", []int64{4, 5, 6}},
		{"/addresses?limit=3", "addresses", []int64{8, 7, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := ids(list(t, getOK(t, srv, tt.path).body, tt.key)); !slices.Equal(got, tt.want) {
				t.Errorf("GET %s = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
	bills := getMember(t, srv, "/companies/1", "company")
	checkFields(t, bills, map[string]any{"name": "Bill's Boots", "company_type": "business", "company_code": "BB-123", "address_ids": "[1 2]", "tags": "[wholesale]", "default_price_list_id": nil})
	checkFields(t, getMember(t, srv, "/addresses/1", "address"), map[string]any{"label": "Head Office", "company_id": 1, "country_code": "US", "status": "active"})
	checkFields(t, getMember(t, srv, "/addresses/2", "address"), map[string]any{"label": "Warehouse", "company_id": 1})
	checkFields(t, getMember(t, srv, "/companies/6", "company"), map[string]any{"status": "disabled"})
	for _, path := range []string{"/companies/99", "/addresses/99"} {
		if r := get(t, srv, path); r.status != 404 {
			t.Errorf("GET %s = %d", path, r.status)
		}
	}
}

func TestWriteCompaniesAndAddresses(t *testing.T) {
	_, srv := start(t, small)
	r := send(t, srv, "POST", "/companies", `{"company":{"name":"TradeGecko (Demo)","company_type":"supplier","tags":"a, b","default_price_list_id":"retail","default_discount_rate":5}}`)
	mustStatus(t, r, 201, "POST /companies")
	co := member(t, r.body, "company")
	checkFields(t, co, map[string]any{"id": 7, "name": "TradeGecko (Demo)", "company_type": "supplier", "status": "active", "tags": "[a b]",
		"default_price_list_id": "retail", "default_price_type_id": "retail", "default_discount_rate": "5.0", "address_ids": "[]"})

	r = send(t, srv, "PUT", "/companies/7", `{"company":{"name":"Elephant","email":"hello@tradegecko.com","website":"http://tradegecko.com"}}`)
	mustStatus(t, r, 204, "PUT /companies/7")
	checkFields(t, getMember(t, srv, "/companies/7", "company"), map[string]any{"name": "Elephant", "email": "hello@tradegecko.com", "company_type": "supplier"})

	r = send(t, srv, "POST", "/addresses", `{"address":{"company_id":7,"label":"Main Office","address1":"12 Park Ave","country":"Singapore"}}`)
	mustStatus(t, r, 201, "POST /addresses")
	ad := member(t, r.body, "address")
	checkFields(t, ad, map[string]any{"id": 9, "company_id": 7, "label": "Main Office", "country_code": "SG", "status": "active"})
	if co := getMember(t, srv, "/companies/7", "company"); !slices.Equal(numList(co["address_ids"]), []int64{9}) {
		t.Errorf("address_ids = %v", co["address_ids"])
	}
	// The spec documents 200 (not 204) for an address update.
	r = send(t, srv, "PUT", "/addresses/9", `{"address":{"address1":"12 Park Ave","city":"Singapore","label":"Main Office"}}`)
	mustStatus(t, r, 200, "PUT /addresses/9")
	checkFields(t, member(t, r.body, "address"), map[string]any{"city": "Singapore"})

	for _, tt := range []struct {
		method, path, body string
		want               map[string][]string
	}{
		{"POST", "/companies", `{"company":{}}`, map[string][]string{"name": {"can't be blank"}, "company_type": {"can't be blank"}}},
		{"POST", "/companies", `{"company":{"name":"X","company_type":"reseller"}}`, map[string][]string{"company_type": {"is not included in the list"}}},
		{"POST", "/companies", `{"company":{"name":"X","company_type":"business","default_price_list_id":"vip","default_stock_location_id":9}}`,
			map[string][]string{"default_price_list_id": {"is invalid"}, "default_stock_location": {"must exist"}}},
		{"PUT", "/companies/1", `{"company":{"name":"","status":"gone"}}`, map[string][]string{"name": {"can't be blank"}, "status": {"is not included in the list"}}},
		{"POST", "/addresses", `{"address":{"address1":"1 Rd"}}`, map[string][]string{"company_id": {"can't be blank"}}},
		{"POST", "/addresses", `{"address":{"company_id":99,"address1":"1 Rd"}}`, map[string][]string{"company": {"must exist"}}},
		{"POST", "/addresses", `{"address":{"company_id":1}}`, map[string][]string{"address1": {"can't be blank"}}},
		{"PUT", "/addresses/1", `{"address":{"address1":null}}`, map[string][]string{"address1": {"can't be blank"}}},
	} {
		r := send(t, srv, tt.method, tt.path, tt.body)
		mustStatus(t, r, 422, tt.method+" "+tt.path+" "+tt.body)
		if e := errorsBody(t, r); !sameJSON(e, tt.want) {
			t.Errorf("%s %s %s: errors = %v, want %v", tt.method, tt.path, tt.body, e, tt.want)
		}
	}
	if got := getMember(t, srv, "/companies/1", "company")["name"]; got != "Bill's Boots" {
		t.Errorf("a refused PUT changed the company: %v", got)
	}
	for _, path := range []string{"/companies/99", "/addresses/99"} {
		if r := send(t, srv, "PUT", path, `{"x":{}}`); r.status != 404 {
			t.Errorf("PUT %s = %d", path, r.status)
		}
	}
}
