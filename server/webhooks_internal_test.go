package server

import (
	"context"
	"testing"
)

type fakeSubscriber struct {
	have    map[string]bool
	created []string
}

func (f *fakeSubscriber) existing(context.Context) (map[string]bool, error) { return f.have, nil }
func (f *fakeSubscriber) subscribe(_ context.Context, event, address string) error {
	f.created = append(f.created, event)
	f.have[event+" "+address] = true
	return nil
}

func TestEnsureSubscriptionsIsIdempotent(t *testing.T) {
	f := &fakeSubscriber{have: map[string]bool{"fulfillment.create https://gw/webhooks/tradegecko": true}}
	n, err := ensureSubscriptions(context.Background(), f, "https://gw/webhooks/tradegecko")
	if err != nil || n != len(WebhookEvents)-1 {
		t.Fatalf("first run created %d (%v), want %d", n, err, len(WebhookEvents)-1)
	}
	n, err = ensureSubscriptions(context.Background(), f, "https://gw/webhooks/tradegecko")
	if err != nil || n != 0 {
		t.Errorf("second run created %d (%v), want 0", n, err)
	}
	// Another address is another set of subscriptions.
	if n, _ := ensureSubscriptions(context.Background(), f, "https://other/webhooks/tradegecko"); n != len(WebhookEvents) {
		t.Errorf("for another address created %d, want %d", n, len(WebhookEvents))
	}
}
