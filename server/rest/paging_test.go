package rest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/paging"
)

// gqlAnswer is a GraphQL answer's data and first error, for comparison.
type gqlAnswer struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code string `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

func (e *env) gqlAnswer(t *testing.T, role, query string, vars map[string]any) gqlAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	var a gqlAnswer
	e.do(http.MethodPost, "/graphql", role, body).json(t, &a)
	return a
}

// Both doors page by one rule (paging): at the edge of the offsets a
// cursor may name, and for a cursor longer than any the gateway issues,
// REST answers what GraphQL answers. (REST used to refuse a cursor naming
// exactly paging.MaxOffset as "not a cursor", and capped the length only
// through its schema.)
func TestPagingBoundaryMatchesGraphQL(t *testing.T) {
	e := newEnv(t, envOptions{})
	const query = `query($a: String) { products(first: 5, after: $a) { totalCount nodes { id } } }`
	tests := []struct {
		name       string
		rest, gql  string // after=, in each door's cursors
		ok         bool
		field      string // REST: the parameter at fault, if any
		wantDetail string // both doors say this
	}{
		{"just before the last offset", paging.REST.Encode("products", paging.MaxOffset-1), paging.GraphQL.Encode("products", paging.MaxOffset-1), true, "", ""},
		// A cursor may name MaxOffset: it decodes at both doors, and the
		// page after it is past what the Service serves.
		{"at the last offset", paging.REST.Encode("products", paging.MaxOffset), paging.GraphQL.Encode("products", paging.MaxOffset), false, "", "offset must be between 0 and 10000000"},
		{"past the last offset", paging.REST.Encode("products", paging.MaxOffset+1), paging.GraphQL.Encode("products", paging.MaxOffset+1), false, "after", "is not a cursor"},
		{"longer than a cursor", strings.Repeat("A", paging.MaxCursorLen+1), strings.Repeat("A", paging.MaxCursorLen+1), false, "after", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.sb.ResetRequests()
			r := e.get("/v1/products?first=5&after="+url.QueryEscape(tc.rest), storefront)
			g := e.gqlAnswer(t, storefront, query, map[string]any{"a": tc.gql})
			if tc.ok {
				var page productPage
				r.json(t, &page)
				if r.status != http.StatusOK || len(page.Data) != 0 || len(g.Errors) != 0 {
					t.Fatalf("REST %d %s; GraphQL %s %+v; want an empty page at both", r.status, clipBody(r.body), g.Data, g.Errors)
				}
				return
			}
			if r.status != http.StatusBadRequest || len(g.Errors) != 1 || g.Errors[0].Extensions.Code != "BAD_USER_INPUT" {
				t.Fatalf("REST %d %s; GraphQL %+v; want BAD_USER_INPUT at both", r.status, clipBody(r.body), g.Errors)
			}
			p := r.problem(t)
			if p.Code != "BAD_USER_INPUT" || !strings.Contains(p.Detail, tc.wantDetail) || !strings.Contains(g.Errors[0].Message, tc.wantDetail) {
				t.Errorf("REST %q, GraphQL %q: want both to say %q", p.Detail, g.Errors[0].Message, tc.wantDetail)
			}
			atAfter := len(p.Errors) > 0 && p.Errors[0].In == "query" && strings.Join(p.Errors[0].Field, ".") == "after"
			if (tc.field == "after") != atAfter {
				t.Errorf("REST field errors %+v, want one at query parameter after: %v", p.Errors, tc.field == "after")
			}
			if tc.name == "longer than a cursor" && !strings.Contains(g.Errors[0].Message, "longer than 64 characters") {
				t.Errorf("GraphQL %q, want it to say the cursor is too long", g.Errors[0].Message)
			}
			if n := e.sb.RequestCount(); n != 0 {
				t.Errorf("a refused window cost %d upstream requests", n)
			}
		})
	}
}
