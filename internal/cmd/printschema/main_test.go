package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// committed is the SDL file clients and graphql-codegen read.
var committed = filepath.Join("..", "..", "..", "schema.graphql")

// TestCommittedSchemaIsCurrent: schema.graphql is exactly what the
// executable schema prints, so a change to graph/*.graphqls without
// `make generate` fails here, naming the first line that differs.
func TestCommittedSchemaIsCurrent(t *testing.T) {
	got, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("read the committed SDL: %v (run `make generate` and commit schema.graphql)", err)
	}
	want := printSDL()
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("schema.graphql is out of date with graph/*.graphqls: run `make generate` (or `go run ./internal/cmd/printschema -o schema.graphql`) and commit it.\nline %d is %q, want %q", i+1, gl, wl)
		}
	}
}

// TestPrintedSchemaParses: the printed SDL is a whole schema on its own,
// with the scalars' @specifiedBy and the descriptions kept, so a client
// reading only that file sees what introspection shows.
func TestPrintedSchemaParses(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(printSDL())})
	if err != nil {
		t.Fatalf("the printed SDL does not load: %v", err)
	}
	for _, name := range []string{"Decimal", "Date", "DateTime"} {
		def := schema.Types[name]
		if def == nil || def.Directives.ForName("specifiedBy") == nil {
			t.Errorf("scalar %s lost its @specifiedBy in the printed SDL", name)
		}
	}
	if q := schema.Query; q == nil || q.Fields.ForName("products") == nil || q.Fields.ForName("products").Description == "" {
		t.Errorf("Query.products or its description is missing from the printed SDL")
	}
}
