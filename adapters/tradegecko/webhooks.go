package tradegecko

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/commercegateway/gateway/commerce"
)

// WebhooksService manages webhook subscriptions.
type WebhooksService service

// Webhook is a subscription: the API POSTs event to address.
type Webhook struct {
	ID        Int  `json:"id"`
	CreatedAt Time `json:"created_at"`
	UpdatedAt Time `json:"updated_at"`
	Event     Text `json:"event"`
	Address   Text `json:"address"`
}

// List returns one page of webhooks.
func (s *WebhooksService) List(ctx context.Context, opts *ListOptions) ([]Webhook, *Response, error) {
	q := url.Values{}
	if opts != nil {
		opts.encode(q)
	}
	var body struct {
		Webhooks []Webhook `json:"webhooks"`
	}
	resp, err := s.client.get(ctx, "webhooks", q, &body)
	return body.Webhooks, resp, err
}

// All iterates over every webhook.
func (s *WebhooksService) All(ctx context.Context) iter.Seq2[Webhook, error] {
	return pages(ctx, func(ctx context.Context, page int) ([]Webhook, *Response, error) {
		return s.List(ctx, &ListOptions{Page: page, Limit: MaxLimit})
	})
}

// Create subscribes address to event.
func (s *WebhooksService) Create(ctx context.Context, event, address string) (*Webhook, *Response, error) {
	var body struct {
		Webhook *Webhook `json:"webhook"`
	}
	resp, err := s.client.send(ctx, http.MethodPost, "webhooks", map[string]any{"webhook": map[string]string{"event": event, "address": address}}, "", &body)
	if err == nil && body.Webhook == nil {
		err = &DecodeError{Method: http.MethodPost, Path: "/webhooks", RequestID: resp.RequestID, Err: errMissingKey("webhook")}
	}
	return body.Webhook, resp, err
}

// Delete removes a subscription.
func (s *WebhooksService) Delete(ctx context.Context, id int64) (*Response, error) {
	return s.client.send(ctx, http.MethodDelete, "webhooks/"+strconv.FormatInt(id, 10), nil, "", nil)
}

// Subscriptions returns the existing "event address" pairs, with event
// names normalized to their singular form.
func (s *WebhooksService) Subscriptions(ctx context.Context) (map[string]bool, error) {
	hooks, err := collect(s.All(ctx))
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(hooks))
	for _, h := range hooks {
		out[commerce.NormalizeEventName(string(h.Event))+" "+string(h.Address)] = true
	}
	return out, nil
}
