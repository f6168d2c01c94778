package graph

import (
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

var testSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	scalar Decimal
	input Line { quantity: Decimal, amounts: [Decimal!], count: Int }
	type Query { f(d: Decimal, line: Line, i: Int, x: Float): Int, g: Node }
	type Node { id: ID, child: Node }
`})

func TestMarkDecimalLiterals(t *testing.T) {
	doc, errs := gqlparser.LoadQueryWithRules(testSchema, `query($v: Decimal = 1.10) { f(d: 32.50, line: {quantity: 0.1, amounts: [1, 2.000], count: 3}, i: 7, x: 1.5) b: f(d: $v) ...F }
		fragment F on Query { a: f(d: 12345678901234567890.123456789) }`, nil)
	if errs != nil {
		t.Fatal(errs)
	}
	markDecimalLiterals(doc)

	op := doc.Operations[0]
	if v := op.VariableDefinitions[0].DefaultValue; v.Kind != ast.StringValue || v.Raw != "1.10" {
		t.Errorf("variable default = %v %q, want the string 1.10", v.Kind, v.Raw)
	}
	args := op.SelectionSet[0].(*ast.Field).Arguments
	check := func(v *ast.Value, kind ast.ValueKind, raw string) {
		t.Helper()
		if v.Kind != kind || v.Raw != raw {
			t.Errorf("value %q: kind %v, want %v %q", v.Raw, v.Kind, kind, raw)
		}
	}
	check(args.ForName("d").Value, ast.StringValue, "32.50")
	check(args.ForName("i").Value, ast.IntValue, "7")
	check(args.ForName("x").Value, ast.FloatValue, "1.5")
	line := args.ForName("line").Value
	check(line.Children.ForName("quantity"), ast.StringValue, "0.1")
	check(line.Children.ForName("count"), ast.IntValue, "3")
	amounts := line.Children.ForName("amounts").Children
	check(amounts[0].Value, ast.StringValue, "1")
	check(amounts[1].Value, ast.StringValue, "2.000")
	frag := doc.Fragments[0].SelectionSet[0].(*ast.Field).Arguments.ForName("d").Value
	check(frag, ast.StringValue, "12345678901234567890.123456789")

	// The value a scalar now receives is the literal's exact text.
	got, err := args.ForName("d").Value.Value(nil)
	if err != nil || got != "32.50" {
		t.Errorf("Value() = %v, %v; want the string 32.50", got, err)
	}
}

func TestSelectionDepth(t *testing.T) {
	tests := []struct {
		query string
		want  int
	}{
		{`{ g { id } }`, 2},
		{`{ g { child { child { id } } } }`, 4},
		{`{ g { ...A } } fragment A on Node { child { ... on Node { child { id } } } }`, 4},
	}
	for _, tc := range tests {
		doc, errs := gqlparser.LoadQueryWithRules(testSchema, tc.query, nil)
		if errs != nil {
			t.Fatal(errs)
		}
		if got := Measure(testSchema, doc, doc.Operations[0], nil, 0, 0).Depth; got != tc.want {
			t.Errorf("Measure(%s).Depth = %d, want %d", tc.query, got, tc.want)
		}
	}
}
