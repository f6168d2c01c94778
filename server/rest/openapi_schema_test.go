package rest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official OpenAPI 3.1 JSON Schema, vendored (testdata/openapi-3.1/
// README.md says from where), and the JSON Schema 2020-12 meta-schemas,
// which the validator embeds: nothing is fetched.
const (
	oasSchemaFile    = "testdata/openapi-3.1/schema.json"
	draft202012      = "https://json-schema.org/draft/2020-12/schema"
	openAPIResource  = "urn:gateway:openapi.json"
	schemaRefPrefix  = "#/components/schemas/"
	maxErrorsToPrint = 20
)

// offlineLoader refuses every URL: the compiler may only use the resources
// added to it and the meta-schemas it embeds.
type offlineLoader struct {
	mu    sync.Mutex
	asked []string
}

func (l *offlineLoader) Load(url string) (any, error) {
	l.mu.Lock()
	l.asked = append(l.asked, url)
	l.mu.Unlock()
	return nil, fmt.Errorf("%s is not vendored, and tests do not use the network", url)
}

// newCompiler returns a compiler that asserts formats and loads nothing.
func newCompiler(t *testing.T) (*jsonschema.Compiler, *offlineLoader) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	l := &offlineLoader{}
	c.UseLoader(l)
	t.Cleanup(func() {
		if len(l.asked) > 0 {
			t.Errorf("the validator asked for %v, which is not vendored", l.asked)
		}
	})
	return c, l
}

// oasValidator compiles the vendored OpenAPI 3.1 schema (under its own $id)
// and the JSON Schema 2020-12 meta-schema.
func oasValidator(t *testing.T) (oas, meta *jsonschema.Schema) {
	t.Helper()
	b, err := os.ReadFile(oasSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", oasSchemaFile, err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if !strings.HasPrefix(id, "https://spec.openapis.org/oas/3.1/schema/") {
		t.Fatalf("%s: $id %q is not the OpenAPI 3.1 schema's", oasSchemaFile, id)
	}
	c, _ := newCompiler(t)
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	if oas, err = c.Compile(id); err != nil {
		t.Fatalf("compile the OpenAPI 3.1 schema: %v", err)
	}
	if meta, err = c.Compile(draft202012); err != nil {
		t.Fatalf("compile the JSON Schema 2020-12 meta-schema: %v", err)
	}
	return oas, meta
}

// openAPIDocument fetches /v1/openapi.json, decoded as the validator wants
// it (numbers as json.Number).
func openAPIDocument(t *testing.T, e *env) map[string]any {
	t.Helper()
	r := e.get("/v1/openapi.json", anonymous)
	if r.status != http.StatusOK {
		t.Fatalf("GET /v1/openapi.json = %d", r.status)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	return doc.(map[string]any)
}

// schemaObjects returns the Schema Objects of a document by where they are:
// the components, and those of parameters, bodies, responses and headers.
func schemaObjects(doc map[string]any) map[string]any {
	out := map[string]any{}
	obj := func(v any) map[string]any { m, _ := v.(map[string]any); return m }
	content := func(where string, c any) {
		for mt, m := range obj(c) {
			if s, ok := obj(m)["schema"]; ok {
				out[where+"/content/"+mt+"/schema"] = s
			}
		}
	}
	for name, s := range obj(obj(doc["components"])["schemas"]) {
		out["#/components/schemas/"+name] = s
	}
	for path, item := range obj(doc["paths"]) {
		for method, op := range obj(item) {
			where := "#/paths/" + path + "/" + method
			params, _ := obj(op)["parameters"].([]any)
			for i, p := range params {
				if s, ok := obj(p)["schema"]; ok {
					out[fmt.Sprintf("%s/parameters/%d/schema", where, i)] = s
				}
			}
			content(where+"/requestBody", obj(obj(op)["requestBody"])["content"])
			for status, resp := range obj(obj(op)["responses"]) {
				content(where+"/responses/"+status, obj(resp)["content"])
				for h, hd := range obj(obj(resp)["headers"]) {
					if s, ok := obj(hd)["schema"]; ok {
						out[where+"/responses/"+status+"/headers/"+h+"/schema"] = s
					}
				}
			}
		}
	}
	return out
}

// validateDocument checks doc against the OpenAPI 3.1 schema and every
// Schema Object in it against the JSON Schema 2020-12 meta-schema (the
// OpenAPI schema itself accepts any object there).
func validateDocument(oas, meta *jsonschema.Schema, doc map[string]any) []string {
	var problems []string
	if err := oas.Validate(doc); err != nil {
		problems = append(problems, "OpenAPI 3.1 schema: "+describe(err))
	}
	objs := schemaObjects(doc)
	where := make([]string, 0, len(objs))
	for w := range objs {
		where = append(where, w)
	}
	sort.Strings(where)
	for _, w := range where {
		if err := meta.Validate(objs[w]); err != nil {
			problems = append(problems, w+": JSON Schema 2020-12: "+describe(err))
		}
	}
	return problems
}

// describe renders a validation error (a tree, one line per failure),
// cut to its first lines.
func describe(err error) string {
	lines := strings.Split(err.Error(), "\n")
	if len(lines) > maxErrorsToPrint {
		lines = append(lines[:maxErrorsToPrint], fmt.Sprintf("… and %d more lines", len(lines)-maxErrorsToPrint))
	}
	return strings.Join(lines, "\n\t")
}

// The served document is valid OpenAPI 3.1 by the official JSON Schema,
// and its schemas are valid JSON Schema 2020-12; a document that is not
// fails the same check.
func TestOpenAPIDocumentValidates(t *testing.T) {
	e := newEnv(t, envOptions{})
	oas, meta := oasValidator(t)
	doc := openAPIDocument(t, e)
	if problems := validateDocument(oas, meta, doc); len(problems) > 0 {
		t.Fatalf("/v1/openapi.json is not valid:\n%s", strings.Join(problems, "\n"))
	}
	if n := len(schemaObjects(doc)); n < 50 {
		t.Errorf("only %d Schema Objects were checked", n)
	}

	// The check fails on documents that are not valid.
	obj := func(v any, keys ...string) map[string]any {
		for _, k := range keys {
			v = v.(map[string]any)[k]
		}
		return v.(map[string]any)
	}
	mutations := []struct {
		name   string
		mutate func(doc map[string]any)
		want   string // in the first problem reported
	}{
		{"no info", func(doc map[string]any) { delete(doc, "info") }, "missing property 'info'"},
		{"info without a title", func(doc map[string]any) { delete(obj(doc, "info"), "title") }, "missing property 'title'"},
		{"OpenAPI 3.0", func(doc map[string]any) { doc["openapi"] = "3.0.3" }, "at '/openapi'"},
		{"an unknown top-level field", func(doc map[string]any) { doc["definitions"] = map[string]any{} }, "at '/definitions'"},
		{"a response without a description", func(doc map[string]any) {
			delete(obj(doc, "paths", "/v1/products", "get", "responses", "200"), "description")
		}, "missing property 'description'"},
		{"a parameter in the body", func(doc map[string]any) {
			obj(doc, "paths", "/v1/products", "get")["parameters"].([]any)[0].(map[string]any)["in"] = "body"
		}, "/parameters/0/in'"},
		{"a schema with an unknown type", func(doc map[string]any) {
			obj(doc, "components", "schemas", "Money")["type"] = "money"
		}, "#/components/schemas/Money: JSON Schema 2020-12"},
		{"a schema whose required is not a list", func(doc map[string]any) {
			obj(doc, "components", "schemas", "Money")["required"] = "amount"
		}, "at '/required'"},
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			bad := openAPIDocument(t, e) // a fresh copy
			m.mutate(bad)
			problems := validateDocument(oas, meta, bad)
			if len(problems) == 0 {
				t.Fatalf("a document with %s validates", m.name)
			}
			if !strings.Contains(problems[0], m.want) {
				t.Errorf("a document with %s: %s\nwant it to say %q", m.name, problems[0], m.want)
			}
		})
	}
}

// documentSchemas compiles the served document's component schemas, to
// validate responses against what the document promises.
type documentSchemas struct {
	c     *jsonschema.Compiler
	cache map[string]*jsonschema.Schema
}

func newDocumentSchemas(t *testing.T, e *env) *documentSchemas {
	t.Helper()
	c, _ := newCompiler(t)
	if err := c.AddResource(openAPIResource, openAPIDocument(t, e)); err != nil {
		t.Fatal(err)
	}
	return &documentSchemas{c: c, cache: map[string]*jsonschema.Schema{}}
}

// validate checks body against the component schema name.
func (d *documentSchemas) validate(t *testing.T, name string, body []byte) {
	t.Helper()
	s, ok := d.cache[name]
	if !ok {
		var err error
		if s, err = d.c.Compile(openAPIResource + schemaRefPrefix + name); err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
		d.cache[name] = s
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("decode %s: %v", clipBody(body), err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("the body is not a %s:\n\t%s\n%s", name, describe(err), clipBody(body))
	}
}

// Real responses validate against the schemas the document gives them.
func TestResponsesValidate(t *testing.T) {
	e := newEnv(t, envOptions{})
	schemas := newDocumentSchemas(t, e)
	o := e.order(t, e.do(http.MethodPost, "/v1/orders", admin, orderBody("1")), http.StatusCreated)
	pack := e.order(t, e.do(http.MethodPost, "/v1/orders/"+esc(o.ID)+"/actions/pack", admin, nil), http.StatusOK)
	e.do(http.MethodPost, "/v1/international-orders", storefront, intlBody("WEB-9", 1))
	e.do(http.MethodPost, "/v1/consignment/sales", admin, saleBody("SO-9", "1"))
	nodeIDs := strings.Join([]string{"gid://tradegecko/Product/1", "gid://tradegecko/Variant/3", "gid://tradegecko/Image/1",
		"gid://tradegecko/Location/1", "gid://tradegecko/Currency/1", o.ID, o.LineItems[0].ID, "gid://tradegecko/Company/1",
		"gid://tradegecko/Address/1", pack.FulfillmentIDs[0], "gid://tradeglobal/InternationalOrder/WEB-9",
		"gid://simpleconsign/ConsignmentTransaction/SO-9/SALE/1", "gid://tradegecko/Return/999999"}, ",")
	checks := []struct {
		path, schema string
	}{
		{"/v1/products/1", "Product"},
		{"/v1/products?first=3", "PageProduct"},
		{"/v1/variants?first=3", "PageVariant"},
		{"/v1/variants/2", "Variant"},
		{"/v1/locations", "ListLocation"},
		{"/v1/currencies", "ListCurrency"},
		{"/v1/orders?first=2", "PageOrder"},
		{"/v1/orders/" + esc(o.ID), "Order"},
		{"/v1/international-orders", "PageInternationalOrder"},
		{"/v1/international-orders/WEB-9", "InternationalOrder"},
		{"/v1/consignment/transactions/SO-9", "ListConsignmentTransaction"},
		{"/v1/pending-writes", "ListPendingWrite"},
		{"/v1/nodes?ids=" + nodeIDs, "NodeList"},
		{"/v1/products/999999", "Problem"},
		{"/v1/products?first=0", "Problem"},
	}
	for _, c := range checks {
		t.Run(c.path, func(t *testing.T) {
			r := e.get(c.path, admin)
			if (r.status < 300) != (c.schema != "Problem") {
				t.Fatalf("GET %s = %d %s", c.path, r.status, clipBody(r.body))
			}
			schemas.validate(t, c.schema, r.body)
		})
	}
	// The node of each type validates as that type's schema.
	var nodes struct {
		Data []json.RawMessage `json:"data"`
	}
	e.get("/v1/nodes?ids="+nodeIDs, admin).json(t, &nodes)
	for _, n := range nodes.Data {
		var head struct {
			Typename string `json:"__typename"`
		}
		if string(n) == "null" {
			continue
		}
		if err := json.Unmarshal(n, &head); err != nil || head.Typename == "" {
			t.Errorf("a node without __typename: %s", clipBody(n))
			continue
		}
		schemas.validate(t, head.Typename+"Node", n)
	}
}

// The vendored schema and its licences are what the README says.
func TestOpenAPISchemaVendored(t *testing.T) {
	readme, err := os.ReadFile("testdata/openapi-3.1/README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([^`]+)` \\|.*\\| ([0-9]+) \\| `([0-9a-f]{64})` \\|$")
	rows := row.FindAllStringSubmatch(string(readme), -1)
	if len(rows) != 3 {
		t.Fatalf("README.md lists %d vendored files, want 3", len(rows))
	}
	for _, m := range rows {
		b, err := os.ReadFile("testdata/openapi-3.1/" + m[1])
		if err != nil {
			t.Errorf("%s: %v", m[1], err)
			continue
		}
		sum := sha256.Sum256(b)
		if got := hex.EncodeToString(sum[:]); got != m[3] {
			t.Errorf("%s: SHA-256 %s, README says %s", m[1], got, m[3])
		}
		if got := strconv.Itoa(len(b)); got != m[2] {
			t.Errorf("%s: %s bytes, README says %s", m[1], got, m[2])
		}
	}
	lic, _ := os.ReadFile("testdata/openapi-3.1/LICENSE.OpenAPI-Specification")
	if !strings.Contains(string(lic), "Apache License") || !strings.Contains(string(lic), "Version 2.0, January 2004") {
		t.Error("LICENSE.OpenAPI-Specification is not the Apache License 2.0")
	}
}
