package commerce_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/commercegateway/gateway/commerce"
)

// A read record keeps the least freshness, and what an operation's record
// inside a request's records counts in the request's too, not the other
// way round; marks outside any record are dropped.
func TestReadRecordNests(t *testing.T) {
	commerce.MarkStale(context.Background()) // no record: nothing to do, no panic
	req, reqRec := commerce.WithReadRecord(context.Background())
	commerce.MarkFresh(req, time.Minute)
	op, opRec := commerce.WithReadRecord(req)
	var wg sync.WaitGroup
	for _, d := range []time.Duration{20 * time.Second, 5 * time.Second, 40 * time.Second} {
		wg.Go(func() { commerce.MarkFresh(op, d) })
	}
	wg.Go(func() { commerce.MarkPrivate(op) })
	wg.Wait()
	if r := opRec(); !reflect.DeepEqual(r, commerce.ReadRecord{Private: true, MinFresh: 5 * time.Second, Fresh: true}) {
		t.Errorf("operation's record = %+v", r)
	}
	if r := reqRec(); !reflect.DeepEqual(r, commerce.ReadRecord{Private: true, MinFresh: 5 * time.Second, Fresh: true}) {
		t.Errorf("request's record = %+v", r)
	}
	other, otherRec := commerce.WithReadRecord(req)
	commerce.MarkStale(req)
	commerce.MarkFresh(other, -time.Second)
	if r := otherRec(); r.Stale || r.MinFresh != 0 || !r.Fresh {
		t.Errorf("a sibling's record = %+v, want not stale (its parent was), fresh 0 (never negative)", r)
	}
	if r := reqRec(); !r.Stale || r.MinFresh != 0 {
		t.Errorf("request's record = %+v, want stale, fresh 0", r)
	}
}

// Every read of per-customer data marks the record private, whatever the
// backend then answers; a refused one and a catalog read do not.
func TestPerCustomerReadsArePrivate(t *testing.T) {
	s := commerce.NewService(commerce.ServiceConfig{}) // no backends: each read is BACKEND_DISABLED after the check
	admin := commerce.WithPrincipal(context.Background(), commerce.Principal{Role: commerce.RoleAdmin})
	storefront := commerce.WithPrincipal(context.Background(), commerce.Principal{Role: commerce.RoleStorefront})
	for _, tc := range []struct {
		name string
		ctx  context.Context
		read func(context.Context) error
		want bool
	}{
		{"orders", admin, func(ctx context.Context) error {
			_, err := s.ListOrders(ctx, commerce.OrderQuery{Window: commerce.Window{Limit: 1}})
			return err
		}, true},
		{"orders by id", admin, func(ctx context.Context) error {
			_, err := s.OrdersByID(ctx, []int64{1}, commerce.OrderSideloads{})
			return err
		}, true},
		{"fulfillments", admin, func(ctx context.Context) error { _, err := s.FulfillmentsByOrder(ctx, []int64{1}); return err }, true},
		{"an international order", admin, func(ctx context.Context) error { _, err := s.InternationalOrder(ctx, "x"); return err }, true},
		{"consignment transactions", admin, func(ctx context.Context) error { _, err := s.ConsignmentTransactions(ctx, "x"); return err }, true},
		{"orders, refused", storefront, func(ctx context.Context) error {
			_, err := s.ListOrders(ctx, commerce.OrderQuery{Window: commerce.Window{Limit: 1}})
			return err
		}, false},
		{"products", storefront, func(ctx context.Context) error {
			_, err := s.ListProducts(ctx, commerce.ProductQuery{Window: commerce.Window{Limit: 1}})
			return err
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, rec := commerce.WithReadRecord(tc.ctx)
			err := tc.read(ctx)
			if err == nil {
				t.Fatalf("read without a backend: no error")
			}
			if got := rec().Private; got != tc.want {
				t.Errorf("Private = %v, want %v (err %v)", got, tc.want, err)
			}
		})
	}
}

// Tags are collected only by a record that asked for them (and by the
// records around it that did); MarkUncacheable reaches every record.
func TestTaggedRecord(t *testing.T) {
	req, reqRec := commerce.WithTaggedRecord(context.Background())
	op, opRec := commerce.WithReadRecord(req)
	commerce.MarkRead(op, commerce.TagVariant, 1, 2)
	commerce.MarkRead(op, commerce.TagProductList)
	commerce.MarkUncacheable(op)
	want := []commerce.Tag{{Kind: commerce.TagVariant, ID: 1}, {Kind: commerce.TagVariant, ID: 2}, {Kind: commerce.TagProductList}}
	if r := reqRec(); !reflect.DeepEqual(r.Tags, want) || !r.Uncacheable {
		t.Errorf("tagged record = %+v, want tags %v and uncacheable", r, want)
	}
	if r := opRec(); r.Tags != nil || !r.Uncacheable {
		t.Errorf("untagged record = %+v, want no tags, uncacheable", r)
	}
}
