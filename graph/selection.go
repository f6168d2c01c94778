package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// selects reports whether the current field's selection asks for any of
// the given paths, through fragments. Resolvers use it to plan sideloads
// (products with their variants in one request) before fetching.
//
// Each path step names a field and the types its selection may be
// fragmented on, e.g. {"nodes", "Product"} then {"variants", ""}.
func selects(ctx context.Context, paths ...[]step) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return false
	}
	op := graphql.GetOperationContext(ctx)
	for _, path := range paths {
		if walk(op, fc.Field.Selections, path) {
			return true
		}
	}
	return false
}

type step struct {
	field string
	types []string // the types inline fragments and spreads may name at this level
}

func walk(op *graphql.OperationContext, sel ast.SelectionSet, path []step) bool {
	if len(path) == 0 {
		return true
	}
	for _, f := range graphql.CollectFields(op, sel, path[0].types) {
		if f.Name == path[0].field && walk(op, f.Selections, path[1:]) {
			return true
		}
	}
	return false
}

// nodePaths are the paths from a connection field to its nodes: nodes, or
// edges.node.
func nodePaths(nodeType string) [][]step {
	return [][]step{
		{{"nodes", []string{nodeType + "Connection"}}},
		{{"edges", []string{nodeType + "Connection"}}, {"node", []string{nodeType + "Edge"}}},
	}
}

// connectionPaths are the paths from a connection field to a field of its
// nodes.
func connectionPaths(nodeType, field string) [][]step {
	return withTail(nodePaths(nodeType), step{field, []string{nodeType, "Node"}})
}

// withTail appends steps to each path.
func withTail(paths [][]step, tail ...step) [][]step {
	out := make([][]step, len(paths))
	for i, p := range paths {
		out[i] = append(append([]step(nil), p...), tail...)
	}
	return out
}
