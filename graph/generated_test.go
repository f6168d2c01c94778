package graph

import (
	"bytes"
	"os"
	"testing"
)

// generated.go is as make generate leaves it: gqlgen's output rewritten by
// internal/cmd/trimdefer, so no marshaller that cannot defer builds a
// @defer group (a `gqlgen generate` alone would undo it).
func TestGeneratedDeferTrimmed(t *testing.T) {
	src, err := os.ReadFile("generated.go")
	if err != nil {
		t.Fatal(err)
	}
	built := []byte("\tdeferred := graphql.NewDeferredGroup(ctx)\n")
	for _, f := range bytes.Split(src, []byte("\nfunc ")) {
		if bytes.Contains(f, built) && !bytes.Contains(f, []byte("&deferred")) {
			sig, _, _ := bytes.Cut(f, []byte("(ctx"))
			t.Errorf("func %s builds a @defer group it never fills: run make generate (internal/cmd/trimdefer)", sig)
		}
	}
}
