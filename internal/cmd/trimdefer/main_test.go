package main

import (
	"bytes"
	"testing"
)

func TestTrim(t *testing.T) {
	src := []byte(`package graph

func (ec *executionContext) _Money(ctx context.Context) graphql.Marshaler {
	deferred := graphql.NewDeferredGroup(ctx)
	if n := len(deferred.Defers); n > 0 {
	}
}

func (ec *executionContext) _Product(ctx context.Context) graphql.Marshaler {
	deferred := graphql.NewDeferredGroup(ctx)
	out.ResolveConcurrently(ec.OperationContext, &deferred, i)
}
`)
	out, n := Trim(src)
	if n != 1 {
		t.Fatalf("trimmed %d marshallers, want 1", n)
	}
	money, product, _ := bytes.Cut(out, []byte("_Product"))
	if !bytes.Contains(money, trimmed) || bytes.Contains(money, built) {
		t.Errorf("_Money not trimmed:\n%s", money)
	}
	if !bytes.Contains(product, built) {
		t.Errorf("_Product, which defers, was trimmed:\n%s", product)
	}
	if again, n := Trim(out); n != 0 || !bytes.Equal(again, out) {
		t.Errorf("a second run changed %d marshallers", n)
	}
}
