package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// isIntrospection reports whether a root field is the schema's own
// (__schema, __type); __typename is a leaf and costs nothing either way.
func isIntrospection(name string) bool { return name == "__schema" || name == "__type" }

// decimalLiterals is the query cache, and the place where literal Decimal
// values in a query's text are made exact: gqlparser hands a literal such
// as `quantity: 32.5` to scalars as a float64, so before a validated
// document is cached (and run) every Int or Float literal in a Decimal
// position is re-marked as a string literal with the same text. Variables
// need nothing: gqlgen decodes them as json.Number.
type decimalLiterals struct {
	inner graphql.Cache[*ast.QueryDocument]
}

func (c decimalLiterals) Get(ctx context.Context, key string) (*ast.QueryDocument, bool) {
	return c.inner.Get(ctx, key)
}

func (c decimalLiterals) Add(ctx context.Context, key string, doc *ast.QueryDocument) {
	markDecimalLiterals(doc)
	c.inner.Add(ctx, key, doc)
}

func markDecimalLiterals(doc *ast.QueryDocument) {
	for _, op := range doc.Operations {
		for _, v := range op.VariableDefinitions {
			markValue(v.DefaultValue)
		}
		markSelections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		markSelections(f.SelectionSet)
	}
}

func markSelections(set ast.SelectionSet) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				markValue(a.Value)
			}
			markSelections(s.SelectionSet)
		case *ast.InlineFragment:
			markSelections(s.SelectionSet)
		}
	}
}

func markValue(v *ast.Value) {
	if v == nil {
		return
	}
	switch v.Kind {
	case ast.IntValue, ast.FloatValue:
		if v.ExpectedType != nil && v.ExpectedType.Name() == "Decimal" {
			v.Kind = ast.StringValue
		}
	case ast.ListValue, ast.ObjectValue:
		for _, c := range v.Children {
			markValue(c.Value)
		}
	}
}
