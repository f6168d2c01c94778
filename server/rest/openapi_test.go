package rest_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The endpoints the REST door must document, with their operation ids.
var endpoints = []struct{ method, path, operationID string }{
	{"get", "/v1/products", "listProducts"},
	{"get", "/v1/products/{id}", "getProduct"},
	{"get", "/v1/variants", "listVariants"},
	{"get", "/v1/variants/{id}", "getVariant"},
	{"get", "/v1/locations", "listLocations"},
	{"get", "/v1/currencies", "listCurrencies"},
	{"get", "/v1/orders", "listOrders"},
	{"get", "/v1/orders/{id}", "getOrder"},
	{"post", "/v1/orders", "createOrder"},
	{"post", "/v1/orders/{id}/actions/confirm", "confirmOrder"},
	{"post", "/v1/orders/{id}/actions/invoice", "invoiceOrder"},
	{"post", "/v1/orders/{id}/actions/pay", "payOrder"},
	{"post", "/v1/orders/{id}/actions/pack", "packOrder"},
	{"post", "/v1/orders/{id}/actions/fulfil", "fulfilOrder"},
	{"post", "/v1/orders/{id}/actions/void", "voidOrder"},
	{"post", "/v1/returns", "createReturn"},
	{"post", "/v1/international-orders", "placeInternationalOrder"},
	{"get", "/v1/international-orders", "listInternationalOrders"},
	{"get", "/v1/international-orders/{merchantOrderId}", "getInternationalOrder"},
	{"post", "/v1/consignment/sales", "recordConsignmentSale"},
	{"post", "/v1/consignment/returns", "recordConsignmentReturn"},
	{"get", "/v1/consignment/transactions/{orderNumber}", "listConsignmentTransactions"},
	{"get", "/v1/pending-writes", "listPendingWrites"},
	{"post", "/v1/pending-writes/{id}/resolve", "resolvePendingWrite"},
	{"get", "/v1/nodes", "getNodes"},
	{"get", "/v1/nodes/{id}", "getNode"},
	{"get", "/v1/variants/events", "streamVariantEvents"},
	{"get", "/v1/orders/events", "streamOrderEvents"},
}

// streamOps answer text/event-stream, and take a storefront key as ?key=.
var streamOps = []string{"streamVariantEvents", "streamOrderEvents"}

type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	} `json:"info"`
	Paths      map[string]map[string]*operation `json:"paths"`
	Components struct {
		Schemas         map[string]map[string]any `json:"schemas"`
		SecuritySchemes map[string]map[string]any `json:"securitySchemes"`
	} `json:"components"`
}

type operation struct {
	OperationID string                `json:"operationId"`
	Summary     string                `json:"summary"`
	Tags        []string              `json:"tags"`
	Security    []map[string][]string `json:"security"`
	Parameters  []struct {
		Name     string         `json:"name"`
		In       string         `json:"in"`
		Required bool           `json:"required"`
		Schema   map[string]any `json:"schema"`
	} `json:"parameters"`
	RequestBody *struct {
		Required bool                      `json:"required"`
		Content  map[string]map[string]any `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Description string                    `json:"description"`
		Headers     map[string]map[string]any `json:"headers"`
		Content     map[string]map[string]any `json:"content"`
	} `json:"responses"`
}

// The OpenAPI 3.1 document is served without a key, generated from the
// handlers, and structurally valid: every endpoint and method, unique
// operation ids, every $ref resolving, responses declared (errors as
// problem+json), security, the Idempotency-Key header, path parameters.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t, envOptions{})
	r := e.get("/v1/openapi.json", anonymous)
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") || r.header.Get("ETag") == "" {
		t.Fatalf("GET /v1/openapi.json = %d %v", r.status, r.header)
	}
	var raw any
	r.json(t, &raw)
	var doc openAPIDoc
	r.json(t, &doc)

	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Info.Title == "" || doc.Info.Version == "" {
		t.Errorf("info = %+v", doc.Info)
	}

	// Security schemes: a bearer key or X-API-Key.
	if s := doc.Components.SecuritySchemes["bearer"]; s["type"] != "http" || s["scheme"] != "bearer" {
		t.Errorf("bearer scheme = %v", s)
	}
	if s := doc.Components.SecuritySchemes["apiKey"]; s["type"] != "apiKey" || s["in"] != "header" || s["name"] != "X-API-Key" {
		t.Errorf("apiKey scheme = %v", s)
	}
	if s := doc.Components.SecuritySchemes["keyQuery"]; s["type"] != "apiKey" || s["in"] != "query" || s["name"] != "key" {
		t.Errorf("keyQuery scheme = %v", s)
	}

	// Every endpoint, and nothing undocumented.
	want := map[string]bool{}
	for _, ep := range endpoints {
		want[ep.method+" "+ep.path] = true
		op := doc.Paths[ep.path][ep.method]
		if op == nil {
			t.Errorf("%s %s is not in the document", strings.ToUpper(ep.method), ep.path)
			continue
		}
		if op.OperationID != ep.operationID || op.Summary == "" || len(op.Tags) == 0 {
			t.Errorf("%s %s: operationId %q (want %q), summary %q, tags %v", ep.method, ep.path, op.OperationID, ep.operationID, op.Summary, op.Tags)
		}
	}
	ids := map[string]string{}
	var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	pathParam := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range doc.Paths {
		for method, op := range item {
			where := strings.ToUpper(method) + " " + path
			if !slices.Contains(httpMethods, method) {
				continue
			}
			if !want[method+" "+path] {
				t.Errorf("%s is documented but not expected", where)
			}
			if prev, dup := ids[op.OperationID]; dup || op.OperationID == "" {
				t.Errorf("%s: operationId %q is empty or also used by %s", where, op.OperationID, prev)
			}
			ids[op.OperationID] = where
			checkOperation(t, where, path, method, op, pathParam)
		}
	}

	// Every $ref resolves; every schema is well-formed.
	refs := 0
	walkJSON(raw, "", func(path string, m map[string]any) {
		if ref, ok := m["$ref"].(string); ok {
			refs++
			if resolvePointer(raw, ref) == nil {
				t.Errorf("%s: $ref %q does not resolve", path, ref)
			}
		}
	})
	if refs == 0 {
		t.Error("no $ref at all")
	}
	for name, s := range doc.Components.Schemas {
		checkSchema(t, "#/components/schemas/"+name, s)
	}
	problem := doc.Components.Schemas["Problem"]
	props, _ := problem["properties"].(map[string]any)
	for _, f := range []string{"type", "title", "status", "detail", "code", "errors", "retryAfter", "pendingWriteId"} {
		if props[f] == nil {
			t.Errorf("the Problem schema has no %s", f)
		}
	}

	// HEAD and conditional GET.
	head := e.do(http.MethodHead, "/v1/openapi.json", anonymous, nil)
	if head.status != http.StatusOK || len(head.body) != 0 {
		t.Errorf("HEAD /v1/openapi.json = %d, %d bytes", head.status, len(head.body))
	}
	cond := e.do(http.MethodGet, "/v1/openapi.json", anonymous, nil, "If-None-Match", r.header.Get("ETag"))
	if cond.status != http.StatusNotModified {
		t.Errorf("conditional GET = %d, want 304", cond.status)
	}
}

func checkOperation(t *testing.T, where, path, method string, op *operation, pathParam *regexp.Regexp) {
	t.Helper()
	// Keyed: bearer or X-API-Key.
	var schemes []string
	for _, req := range op.Security {
		for k := range req {
			schemes = append(schemes, k)
		}
	}
	sort.Strings(schemes)
	stream := slices.Contains(streamOps, op.OperationID)
	wantSchemes := []string{"apiKey", "bearer"}
	if stream {
		wantSchemes = []string{"apiKey", "bearer", "keyQuery"}
	}
	if !slices.Equal(schemes, wantSchemes) {
		t.Errorf("%s: security %v, want bearer or apiKey", where, op.Security)
	}
	// Path parameters declared, required.
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		if !slices.ContainsFunc(op.Parameters, func(p struct {
			Name     string         `json:"name"`
			In       string         `json:"in"`
			Required bool           `json:"required"`
			Schema   map[string]any `json:"schema"`
		}) bool {
			return p.Name == m[1] && p.In == "path" && p.Required
		}) {
			t.Errorf("%s: path parameter %s is not declared", where, m[1])
		}
	}
	// Writes that create take Idempotency-Key (but for those keyed by content).
	hasKey := slices.ContainsFunc(op.Parameters, func(p struct {
		Name     string         `json:"name"`
		In       string         `json:"in"`
		Required bool           `json:"required"`
		Schema   map[string]any `json:"schema"`
	}) bool {
		return p.Name == "Idempotency-Key" && p.In == "header" && !p.Required
	})
	if wantKey := slices.Contains([]string{"createOrder", "createReturn", "recordConsignmentReturn"}, op.OperationID); hasKey != wantKey {
		t.Errorf("%s: Idempotency-Key header documented %v, want %v", where, hasKey, wantKey)
	}
	// Responses: a success with a JSON body, and the errors as problem+json.
	success := 0
	for status, resp := range op.Responses {
		if resp.Description == "" {
			t.Errorf("%s %s: no description", where, status)
		}
		switch {
		case status == "200" || status == "201":
			success++
			if stream {
				if resp.Content["text/event-stream"]["schema"] == nil {
					t.Errorf("%s %s: no text/event-stream schema", where, status)
				}
			} else if resp.Content["application/json"]["schema"] == nil {
				t.Errorf("%s %s: no application/json schema", where, status)
			}
		case status >= "400":
			s := resp.Content["application/problem+json"]["schema"]
			if m, _ := s.(map[string]any); m["$ref"] != "#/components/schemas/Problem" {
				t.Errorf("%s %s: error schema %v, want the Problem", where, status, s)
			}
		default:
			t.Errorf("%s: unexpected response %s", where, status)
		}
	}
	if success != 1 {
		t.Errorf("%s: %d success responses", where, success)
	}
	errs := []string{"400", "401", "429", "500", "502", "503"}
	if method == "post" {
		errs = append(errs, "422")
	} else if op.Responses["422"].Description != "" {
		t.Errorf("%s: a read documents 422", where)
	}
	if strings.Contains(path, "{") {
		errs = append(errs, "404")
	}
	for _, s := range errs {
		if _, ok := op.Responses[s]; !ok && !(s == "404" && strings.HasPrefix(path, "/v1/consignment/")) {
			t.Errorf("%s: response %s is not declared", where, s)
		}
	}
	if _, ok := op.Responses["429"].Headers["Retry-After"]; !ok {
		t.Errorf("%s: 429 does not document Retry-After", where)
	}
	if op.Responses["201"].Description != "" && op.OperationID != "createReturn" && op.Responses["201"].Headers["Location"] == nil {
		t.Errorf("%s: 201 does not document Location", where)
	}
	if strings.HasPrefix(op.OperationID, "list") && op.Responses["200"].Headers["Link"] == nil && !slices.Contains(
		[]string{"listLocations", "listCurrencies", "listPendingWrites", "listConsignmentTransactions"}, op.OperationID) {
		t.Errorf("%s: a paged list does not document Link", where)
	}
	// Bodies: JSON with a schema.
	if method == "post" {
		if op.RequestBody == nil || op.RequestBody.Content["application/json"]["schema"] == nil {
			t.Errorf("%s: no JSON request body", where)
		}
	}
}

var jsonSchemaTypes = []string{"string", "number", "integer", "boolean", "array", "object", "null"}

// checkSchema checks what a JSON Schema 2020-12 validator would refuse in
// the shapes huma generates.
func checkSchema(t *testing.T, where string, s map[string]any) {
	t.Helper()
	switch typ := s["type"].(type) {
	case nil:
		if s["$ref"] == nil && s["anyOf"] == nil && s["oneOf"] == nil && s["allOf"] == nil {
			t.Errorf("%s: a schema with no type", where)
		}
	case string:
		if !slices.Contains(jsonSchemaTypes, typ) {
			t.Errorf("%s: type %q", where, typ)
		}
	case []any:
		for _, x := range typ {
			if xs, _ := x.(string); !slices.Contains(jsonSchemaTypes, xs) {
				t.Errorf("%s: type %v", where, typ)
			}
		}
	default:
		t.Errorf("%s: type %v", where, typ)
	}
	if s["nullable"] != nil {
		t.Errorf("%s: nullable is OpenAPI 3.0, not 3.1", where)
	}
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if props[r.(string)] == nil {
				t.Errorf("%s: required %v is not a property", where, r)
			}
		}
	}
	if p, ok := s["pattern"].(string); ok {
		if _, err := regexp.Compile(p); err != nil {
			t.Errorf("%s: pattern %q: %v", where, p, err)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		checkSchema(t, where+"/items", items)
	} else if isType(s, "array") {
		t.Errorf("%s: an array without items", where)
	}
	for name, p := range props {
		checkSchema(t, where+"/properties/"+name, p.(map[string]any))
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if list, ok := s[k].([]any); ok {
			for i, sub := range list {
				checkSchema(t, fmt.Sprintf("%s/%s/%d", where, k, i), sub.(map[string]any))
			}
		}
	}
}

func isType(s map[string]any, typ string) bool {
	switch v := s["type"].(type) {
	case string:
		return v == typ
	case []any:
		return slices.Contains(v, any(typ))
	}
	return false
}

func walkJSON(v any, path string, f func(string, map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(path, x)
		for k, c := range x {
			walkJSON(c, path+"/"+k, f)
		}
	case []any:
		for i, c := range x {
			walkJSON(c, fmt.Sprintf("%s/%d", path, i), f)
		}
	}
}

// resolvePointer resolves a local JSON pointer (#/a/b), or nil.
func resolvePointer(doc any, ref string) any {
	p, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	cur := doc
	for _, tok := range strings.Split(p, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

// The document describes what the handlers answer: a real response
// carries the fields its schema requires.
func TestResponsesMatchSchemas(t *testing.T) {
	e := newEnv(t, envOptions{})
	var doc openAPIDoc
	e.get("/v1/openapi.json", anonymous).json(t, &doc)
	checks := []struct {
		path   string
		schema string
	}{
		{"/v1/products/1", "Product"},
		{"/v1/variants/2", "Variant"},
		{"/v1/products?first=1", "PageProduct"},
		{"/v1/locations", "ListLocation"},
		{"/v1/products/999999", "Problem"},
	}
	for _, c := range checks {
		var body map[string]any
		e.get(c.path, admin).json(t, &body)
		s := doc.Components.Schemas[c.schema]
		if s == nil {
			t.Errorf("no schema %s", c.schema)
			continue
		}
		req, _ := s["required"].([]any)
		for _, f := range req {
			if _, ok := body[f.(string)]; !ok {
				t.Errorf("GET %s lacks %s, which %s requires", c.path, f, c.schema)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k := range body {
			if props[k] == nil {
				t.Errorf("GET %s has %s, which %s does not document", c.path, k, c.schema)
			}
		}
	}
}
