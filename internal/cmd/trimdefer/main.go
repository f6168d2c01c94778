// Command trimdefer rewrites gqlgen's graph/generated.go after `gqlgen
// generate` (make generate runs it): in each object's marshaller that
// resolves no field concurrently, the @defer group gqlgen builds anyway
// (graphql.NewDeferredGroup: the field's whole path, a field set and a
// map, for every Money, Inventory, … of every answer) becomes a zero
// DeferredGroup. Only a field resolved concurrently can be deferred
// (graphql.FieldSet.ResolveConcurrently is what fills the group), so the
// rewrite changes no answer; on the storefront grid it is a tenth of the
// allocations of a query.
//
// It must never change anything else in the file: a marshaller it cannot
// read is left as gqlgen wrote it, and graph's TestGeneratedDeferTrimmed
// fails when the committed file was not rewritten.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
)

func main() {
	path := flag.String("f", "graph/generated.go", "the gqlgen file to rewrite in place")
	flag.Parse()
	src, err := os.ReadFile(*path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "trimdefer:", err)
		os.Exit(1)
	}
	out, n := Trim(src)
	if err := os.WriteFile(*path, out, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "trimdefer:", err)
		os.Exit(1)
	}
	fmt.Printf("trimdefer: %d marshallers in %s build no @defer group\n", n, *path)
}

// The line gqlgen writes, and what it becomes.
var (
	built   = []byte("\tdeferred := graphql.NewDeferredGroup(ctx)\n")
	trimmed = []byte("\tvar deferred graphql.DeferredGroup // no field here can be deferred (internal/cmd/trimdefer)\n")
	uses    = []byte("&deferred")
)

// Trim rewrites src (see the package doc) and returns how many
// marshallers it changed.
func Trim(src []byte) ([]byte, int) {
	funcs := bytes.Split(src, []byte("\nfunc "))
	n := 0
	for i, f := range funcs {
		if bytes.Contains(f, built) && !bytes.Contains(f, uses) {
			funcs[i] = bytes.Replace(f, built, trimmed, 1)
			n++
		}
	}
	return bytes.Join(funcs, []byte("\nfunc ")), n
}
