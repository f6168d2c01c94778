package sandbox

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// webhookEvents are the events the spec lists. The sandbox fires those of
// firedEvents; subscribing to the others is allowed and never delivers.
var webhookEvents = []string{
	"account.update",
	"address.create", "address.update",
	"channel.destroy",
	"company.create", "company.update", "company.destroy",
	"contact.create", "contact.update",
	"document_theme.update",
	"fulfillment.create", "fulfillment.fulfilled",
	"fulfillment_return.create", "fulfillment_return.received",
	"invoice.create", "invoice.destroy",
	"location.create", "location.update",
	"order.create", "order.finalized", "order.fulfilled",
	"payment.create",
	"product.create", "product.destroy",
	"procurement.create",
	"purchase_order.create", "purchase_order.received",
	"stock_adjustment.create",
	"stock_transfer.create",
	"variant.create", "variant.stock_level_update",
	"image.create",
}

// oauthApplicationID is the application every webhook belongs to.
const oauthApplicationID = 1

// webhook is a subscription of an address to one event.
type webhook struct {
	id                   int64
	createdAt, updatedAt time.Time
	event                string // as subscribed (fulfillments.create is accepted too)
	address              string
}

func (w *webhook) meta() recordMeta {
	return recordMeta{id: w.id, created: w.createdAt, updated: w.updatedAt}
}

type webhookJSON struct {
	ID                 int64  `json:"id"`
	CreatedAt          string `json:"created_at"`
	UpdatedAt          string `json:"updated_at"`
	Event              string `json:"event"`
	Address            string `json:"address"`
	OAuthApplicationID int64  `json:"oauth_application_id"`
}

func (w *webhook) wire() webhookJSON {
	return webhookJSON{
		ID: w.id, CreatedAt: timestamp(w.createdAt), UpdatedAt: timestamp(w.updatedAt),
		Event: w.event, Address: w.address, OAuthApplicationID: oauthApplicationID,
	}
}

func registerWebhooks(rt *router) {
	rt.get("/webhooks", listWebhooks)
	rt.get("/webhooks/{id}", showWebhook)
	rt.post("/webhooks", createWebhook)
	rt.put("/webhooks/{id}", updateWebhook)
	rt.del("/webhooks/{id}", deleteWebhook)
}

// GET /webhooks: no status; event= filters.
func listWebhooks(c *call) (*response, error) {
	items, pg, err := listing[*webhook]{
		records: c.s.db.webhooks.list,
		filter: func(q url.Values) (func(*webhook) bool, error) {
			events := stringSet(q, "event", true)
			return func(w *webhook) bool { return events == nil || events[w.event] }, nil
		},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]webhookJSON, len(items))
	for i, w := range items {
		out[i] = w.wire()
	}
	return indexResponse("webhooks", out, nil, pg), nil
}

func findWebhook(c *call) (*webhook, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	w, ok := c.s.db.webhooks.get(id)
	if !ok {
		return nil, notFound("Webhook", raw)
	}
	return w, nil
}

// GET /webhooks/{id}
func showWebhook(c *call) (*response, error) {
	w, err := findWebhook(c)
	if err != nil {
		return nil, err
	}
	return showResponse("webhook", w.wire(), nil), nil
}

// POST /webhooks → 201 {"webhook":{…}}: address an absolute http(s) URL,
// event one of the spec's list (or a fulfillment event in its plural
// form).
func createWebhook(c *call) (*response, error) {
	a, err := decodeRoot(c.body, "webhook")
	if err != nil {
		return nil, err
	}
	now := c.now()
	w := &webhook{createdAt: now, updatedAt: now}
	errs := fieldErrors{}
	applyWebhook(w, a, errs)
	if w.event == "" && len(errs["event"]) == 0 {
		errs.add("event", msgBlank)
	}
	if w.address == "" && len(errs["address"]) == 0 {
		errs.add("address", msgBlank)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	w.id = c.s.db.webhooks.next()
	c.s.db.webhooks.add(w)
	return createdResponse("webhook", w.wire()), nil
}

// PUT /webhooks/{id} → 204
func updateWebhook(c *call) (*response, error) {
	w, err := findWebhook(c)
	if err != nil {
		return nil, err
	}
	a, err := decodeRoot(c.body, "webhook")
	if err != nil {
		return nil, err
	}
	cp := *w
	errs := fieldErrors{}
	applyWebhook(&cp, a, errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	cp.updatedAt = later(w.updatedAt, c.now())
	*w = cp
	return noContentResponse(), nil
}

// DELETE /webhooks/{id} → 204: gone for good; its pending deliveries are
// dropped.
func deleteWebhook(c *call) (*response, error) {
	w, err := findWebhook(c)
	if err != nil {
		return nil, err
	}
	c.s.db.webhooks.remove(w.id)
	return noContentResponse(), nil
}

func applyWebhook(w *webhook, a attrs, errs fieldErrors) {
	if a.has("event") {
		v, ok := a.str("event")
		switch {
		case !ok:
			errs.add("event", msgInvalid)
		case blank(v):
			errs.add("event", msgBlank)
		case !slices.Contains(webhookEvents, canonicalEvent(strings.TrimSpace(*v))):
			errs.add("event", msgNotInList)
		default:
			w.event = strings.TrimSpace(*v)
		}
	}
	if a.has("address") {
		v, ok := a.str("address")
		switch {
		case !ok:
			errs.add("address", msgInvalid)
		case blank(v):
			errs.add("address", msgBlank)
		default:
			u, err := url.Parse(strings.TrimSpace(*v))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs.add("address", msgInvalid)
				return
			}
			w.address = strings.TrimSpace(*v)
		}
	}
}

// event is a change to announce to the webhooks subscribed to it.
type event struct {
	name string // canonical (singular) name, e.g. fulfillment.create
	id   int64
}

func (db *store) emit(name string, id int64) { db.events = append(db.events, event{name, id}) }

func (db *store) stockChanged(v *variant) { db.emit("variant.stock_level_update", v.id) }

// wireEventName is the event as the body names it: the fulfillment events
// in the plural, as the real service (and the spec's own example) sends
// them.
func wireEventName(name string) string {
	if rest, ok := strings.CutPrefix(name, "fulfillment."); ok {
		return "fulfillments." + rest
	}
	return name
}

// canonicalEvent reads either form of an event name.
func canonicalEvent(name string) string {
	if rest, ok := strings.CutPrefix(name, "fulfillments."); ok {
		return "fulfillment." + rest
	}
	return name
}

// resourcePaths maps an event's resource to the path of resource_url.
var resourcePaths = map[string]string{
	"product": "products", "variant": "variants", "order": "orders", "fulfillment": "fulfillments",
	"fulfillment_return": "fulfillment_returns", "invoice": "invoices", "payment": "payments",
	"company": "companies", "address": "addresses",
}

// webhookBody is a delivery's payload, keys in the spec's order.
type webhookBody struct {
	ObjectID    int64  `json:"object_id"`
	Event       string `json:"event"`
	Timestamp   int64  `json:"timestamp"`
	ResourceURL string `json:"resource_url"`
}

// flushEvents hands the change's events to the delivery queue, once per
// event and record, one delivery per webhook subscribed; base roots
// resource_url ("" means Options.BaseURL, else the URL of the most recent
// request, else http://localhost). Called with mu held.
func (s *Sandbox) flushEvents(base string) {
	events := s.db.events
	s.db.events = nil
	if len(events) == 0 || len(s.db.webhooks.list) == 0 {
		return
	}
	if base == "" {
		base = s.fallbackBase()
	}
	ts := s.now().Unix()
	seen := map[event]bool{}
	for _, e := range events {
		if seen[e] {
			continue
		}
		seen[e] = true
		resource, _, _ := strings.Cut(e.name, ".")
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(webhookBody{
			ObjectID:    e.id,
			Event:       wireEventName(e.name),
			Timestamp:   ts,
			ResourceURL: base + "/" + resourcePaths[resource] + "/" + strconv.FormatInt(e.id, 10) + ".json",
		})
		body := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		for _, w := range s.db.webhooks.list {
			if canonicalEvent(w.event) == e.name {
				s.hooks.enqueue(w, wireEventName(e.name), slices.Clone(body))
			}
		}
	}
}

func (s *Sandbox) fallbackBase() string {
	switch {
	case s.opts.BaseURL != "":
		return s.opts.BaseURL
	case s.lastBase != "":
		return s.lastBase
	}
	return "http://localhost"
}
