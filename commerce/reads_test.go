package commerce_test

import (
	"context"
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
	if r := opRec(); r != (commerce.ReadRecord{Private: true, MinFresh: 5 * time.Second, Fresh: true}) {
		t.Errorf("operation's record = %+v", r)
	}
	if r := reqRec(); r != (commerce.ReadRecord{Private: true, MinFresh: 5 * time.Second, Fresh: true}) {
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
