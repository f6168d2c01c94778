package rest

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"

	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/paging"
)

// The paging parameters' struct tags (which the OpenAPI document and
// huma's validation read) say what paging enforces: tags cannot name
// constants, so this pins them.
func TestPageParamsTags(t *testing.T) {
	typ := reflect.TypeFor[PageParams]()
	first, _ := typ.FieldByName("First")
	after, _ := typ.FieldByName("After")
	tests := []struct{ field, tag, got, want string }{
		{"First", "minimum", first.Tag.Get("minimum"), "1"},
		{"First", "maximum", first.Tag.Get("maximum"), strconv.Itoa(paging.MaxFirst)},
		{"First", "default", first.Tag.Get("default"), strconv.Itoa(paging.DefaultFirst)},
		{"First", "doc", first.Tag.Get("doc"), "How many items, 1.." + strconv.Itoa(paging.MaxFirst) + "."},
		{"After", "maxLength", after.Tag.Get("maxLength"), strconv.Itoa(paging.MaxCursorLen)},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("PageParams.%s tag %s = %q, want %q", tc.field, tc.tag, tc.got, tc.want)
		}
	}
}

func TestSplitPath(t *testing.T) {
	tests := map[string][]string{
		"lineItems[0].quantity":  {"lineItems", "0", "quantity"},
		"company.name":           {"company", "name"},
		"items[12]":              {"items", "12"},
		"status[1]":              {"status", "1"},
		"a[0][1].b":              {"a", "0", "1", "b"},
		"shipTo":                 {"shipTo"},
		"products[3].unitPrice":  {"products", "3", "unitPrice"},
		"lineItems[0].variantId": {"lineItems", "0", "variantId"},
	}
	for in, want := range tests {
		if got := splitPath(in); !slices.Equal(got, want) {
			t.Errorf("splitPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// huma's validation failures become 400 BAD_USER_INPUT with a field path
// inside the body, or a parameter.
func TestHumaErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		detail  huma.ErrorDetail
		want    FieldError
		status2 int
	}{
		{"wrong type", 422, huma.ErrorDetail{Location: "body.lineItems[0].quantity", Message: "expected boolean"},
			FieldError{Field: []string{"lineItems", "0", "quantity"}, Message: "expected boolean", Code: "INVALID"}, 400},
		{"required", 422, huma.ErrorDetail{Location: "body.lineItems[0]", Message: "expected required property quantity to be present"},
			FieldError{Field: []string{"lineItems", "0", "quantity"}, Message: "quantity is required", Code: "REQUIRED"}, 400},
		{"required at the top", 422, huma.ErrorDetail{Location: "body", Message: "expected required property lineItems to be present"},
			FieldError{Field: []string{"lineItems"}, Message: "lineItems is required", Code: "REQUIRED"}, 400},
		{"unknown field", 422, huma.ErrorDetail{Location: "body.idempotencyKey", Message: "unexpected property"},
			FieldError{Field: []string{"idempotencyKey"}, Message: "unknown field", Code: "INVALID"}, 400},
		{"query parameter", 422, huma.ErrorDetail{Location: "query.first", Message: "expected number <= 100"},
			FieldError{Field: []string{"first"}, In: "query", Message: "expected number <= 100", Code: "INVALID"}, 400},
		{"not JSON", 400, huma.ErrorDetail{Location: "body", Message: "unexpected end of JSON input", Value: "{"},
			FieldError{Message: "unexpected end of JSON input", Code: "INVALID"}, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.detail
			err := huma.NewError(tc.status, "validation failed", &d)
			p, ok := err.(*Problem)
			if !ok {
				t.Fatalf("huma.NewError = %T, want *Problem", err)
			}
			if p.Status != tc.status2 || p.Code != "BAD_USER_INPUT" || len(p.Errors) != 1 {
				t.Fatalf("problem = %+v", p)
			}
			if got := p.Errors[0]; !slices.Equal(got.Field, tc.want.Field) || got.In != tc.want.In || got.Code != tc.want.Code || got.Message != tc.want.Message {
				t.Errorf("error = %+v, want %+v", got, tc.want)
			}
			if p.ContentType("application/json") != ProblemContentType {
				t.Errorf("content type %s", p.ContentType("application/json"))
			}
			b, _ := json.Marshal(p)
			if strings.Contains(string(b), `"value"`) {
				t.Errorf("the problem echoes the input: %s", b)
			}
		})
	}
	if p := huma.NewError(http.StatusInternalServerError, "unexpected error occurred", errString("db password is hunter2")).(*Problem); p.Detail != "internal error" || len(p.Errors) != 0 && strings.Contains(p.Errors[0].Message, "hunter2") {
		t.Errorf("a 500 shows its cause: %+v", p)
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestDecimalInput(t *testing.T) {
	tests := []struct {
		json string
		want string
		ok   bool
	}{
		{`"32.5"`, "32.5", true},
		{`32.5`, "32.5", true},
		{`0.1`, "0.1", true},
		{`12345678901234567890.123456789`, "12345678901234567890.123456789", true},
		{`1e2`, "100", true},
		{`"1,5"`, "", false},
		{`"abc"`, "", false},
		{`""`, "", false},
	}
	for _, tc := range tests {
		var d DecimalInput
		if err := json.Unmarshal([]byte(tc.json), &d); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.json, err)
			continue
		}
		v, err := d.parse()
		if (err == nil) != tc.ok || (tc.ok && v.String() != tc.want) {
			t.Errorf("DecimalInput(%s) = %v, %v; want %s (ok %v)", tc.json, v, err, tc.want, tc.ok)
		}
	}
	var d DecimalInput
	if err := json.Unmarshal([]byte(`true`), &d); err == nil {
		t.Errorf("a boolean decoded as a decimal")
	}
}

func TestParseTradegeckoID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"gid://tradegecko/Product/153172", 153172, true},
		{"153172", 153172, true},
		{"gid://tradegecko/Variant/1", 0, false},
		{"gid://tradeglobal/Product/1", 0, false},
		{"0", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"", 0, false},
		{"gid://tradegecko/Product/", 0, false},
	}
	for _, tc := range tests {
		got, err := parseTradegeckoID(gid.Product, tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseTradegeckoID(%q) = %d, %v", tc.in, got, err)
		}
	}
}
