package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/server"
)

// sseEvent is one server-sent event as a client reads it.
type sseEvent struct {
	id, event, data string
}

// sseStream is an open REST event stream.
type sseStream struct {
	t      *testing.T
	resp   *http.Response
	events chan sseEvent
	cancel context.CancelFunc
	done   chan struct{} // closed when the stream has ended (EOF or error)
	retry  chan string
}

// openStream GETs path (with its query) on g; header adds request
// headers. It fails unless the answer is a 200 event stream.
func openStream(t *testing.T, g *gateway, path string, header map[string]string) *sseStream {
	t.Helper()
	s, status, body := tryStream(t, g, path, header)
	if status != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", path, status, body)
	}
	return s
}

// tryStream GETs path; a non-200 answer is returned as its status and body.
func tryStream(t *testing.T, g *gateway, path string, header map[string]string) (*sseStream, int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, g.url+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = bufio.NewReader(resp.Body).WriteTo(&b)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("GET %s = %d with Content-Type %q, want problem+json", path, resp.StatusCode, ct)
		}
		return nil, resp.StatusCode, b.String()
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("ETag") != "" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("GET %s: Content-Encoding %q, ETag %q, Cache-Control %q: a stream is neither compressed nor cacheable",
			path, resp.Header.Get("Content-Encoding"), resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}
	s := &sseStream{t: t, resp: resp, events: make(chan sseEvent, 100), cancel: cancel, done: make(chan struct{}), retry: make(chan string, 1)}
	go s.read()
	t.Cleanup(s.close)
	return s, http.StatusOK, ""
}

func (s *sseStream) read() {
	defer close(s.done)
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	var e sseEvent
	for sc.Scan() {
		line := sc.Text()
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch {
		case line == "":
			if e.event != "" || e.data != "" {
				s.events <- e
			}
			e = sseEvent{}
		case field == "": // a comment
		case field == "id":
			e.id = value
		case field == "event":
			e.event = value
		case field == "data":
			e.data += value
		case field == "retry":
			select {
			case s.retry <- value:
			default:
			}
		}
	}
}

func (s *sseStream) close() {
	s.cancel()
	s.resp.Body.Close()
	<-s.done
}

// next returns the next event, failing after a few seconds.
func (s *sseStream) next() sseEvent {
	s.t.Helper()
	select {
	case e, ok := <-s.events:
		if !ok {
			s.t.Fatal("the stream ended")
		}
		return e
	case <-time.After(5 * time.Second):
		s.t.Fatal("no event within 5 s")
	}
	return sseEvent{}
}

// ended waits for the server to end the stream.
func (s *sseStream) ended() {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.t.Fatal("the stream did not end within 5 s")
	}
}

// publish announces changes to variants (or orders) of the gateway's Hub,
// once a subscriber is there to hear them.
func publish(t *testing.T, g *gateway, kind changes.Kind, ids ...int64) {
	t.Helper()
	var chs []changes.Change
	for _, id := range ids {
		chs = append(chs, changes.Change{Kind: kind, ID: id, Cause: "test"})
	}
	if err := g.srv.Changes().Publish(context.Background(), chs...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func entityID(t *testing.T, e sseEvent) string {
	t.Helper()
	var v struct {
		ID       string          `json:"id"`
		BuyPrice json.RawMessage `json:"buyPrice"`
	}
	if err := json.Unmarshal([]byte(e.data), &v); err != nil {
		t.Fatalf("event %+v: data is not JSON: %v", e, err)
	}
	return v.ID
}

const variant2 = "gid://tradegecko/Variant/2"

// A storefront's EventSource-style stream (?key=): each change is an event
// with an id and the variant as GET /v1/variants/{id} answers it for that
// key; reconnecting with Last-Event-ID replays exactly what was missed,
// then the live events follow.
func TestRESTEventsReplay(t *testing.T) {
	g := newGateway(t, gatewayOptions{opts: []server.Option{server.WithCoalesceWindow(-1)}}) // each change its own event
	path := "/v1/variants/events?ids=" + url.QueryEscape(variant2) + ",3&key=" + storefrontKey
	s := openStream(t, g, path, nil)
	if r := <-s.retry; r != "3000" {
		t.Errorf("retry: %q", r)
	}
	publish(t, g, changes.KindVariant, 2, 999, 3, 2) // 999 is not followed
	first := s.next()
	if first.event != "variant" || first.id == "" || entityID(t, first) != variant2 {
		t.Fatalf("first event = %+v", first)
	}
	_, want := get(t, g.url+"/v1/variants/2", map[string]string{"Authorization": "Bearer " + storefrontKey})
	var got, wantV map[string]any
	_ = json.Unmarshal([]byte(first.data), &got)
	_ = json.Unmarshal([]byte(want), &wantV)
	if fmt.Sprint(got) != fmt.Sprint(wantV) {
		t.Errorf("event data = %s\nGET /v1/variants/2 = %s", first.data, want)
	}
	if got["buyPrice"] != nil {
		t.Errorf("a storefront's event shows buyPrice %v", got["buyPrice"])
	}
	s.close()

	for _, via := range []string{"header", "query"} {
		t.Run(via, func(t *testing.T) {
			p, h := path, map[string]string{"Last-Event-ID": first.id}
			if via == "query" {
				p, h = path+"&lastEventId="+first.id, nil
			}
			r := openStream(t, g, p, h)
			for _, want := range []string{"gid://tradegecko/Variant/3", variant2} {
				if e := r.next(); e.event != "variant" || entityID(t, e) != want || e.id <= first.id {
					t.Errorf("replayed %+v, want %s after id %s", e, want, first.id)
				}
			}
			publish(t, g, changes.KindVariant, 3)
			if e := r.next(); entityID(t, e) != "gid://tradegecko/Variant/3" {
				t.Errorf("live event after the replay = %+v", e)
			}
		})
	}
}

// An admin follows every order (no ids); a storefront key may not.
func TestRESTOrderEvents(t *testing.T) {
	g := newGateway(t, gatewayOptions{})
	order := noUserErrors(t, "createOrder", newOrderFromStorefront(t, g, "rest-events-1"))
	var id int64
	fmt.Sscanf(order.ID, "gid://tradegecko/Order/%d", &id)
	s := openStream(t, g, "/v1/orders/events", map[string]string{"Authorization": "Bearer " + adminKey})
	publish(t, g, changes.KindOrder, id)
	e := s.next()
	if e.event != "order" || entityID(t, e) != order.ID {
		t.Errorf("order event = %+v, want %s", e, order.ID)
	}
	_, want := get(t, g.url+"/v1/orders/"+url.PathEscape(order.ID), map[string]string{"Authorization": "Bearer " + adminKey})
	var got, wantO map[string]any
	_ = json.Unmarshal([]byte(e.data), &got)
	_ = json.Unmarshal([]byte(want), &wantO)
	if fmt.Sprint(got) != fmt.Sprint(wantO) {
		t.Errorf("event data = %s\nGET /v1/orders/{id} = %s", e.data, want)
	}
	publish(t, g, changes.KindOrder, 987654321)
	if e := s.next(); e.event != "removed" || !strings.Contains(e.data, "987654321") {
		t.Errorf("event for an order that does not exist = %+v", e)
	}
}

// Bad input answers problem+json before the stream starts, naming the
// problem; ?key= takes storefront keys only.
func TestRESTEventsRefusals(t *testing.T) {
	logs := &lockedBuffer{}
	g := newGateway(t, gatewayOptions{logs: logs})
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint(i + 1)
	}
	sf := map[string]string{"Authorization": "Bearer " + storefrontKey}
	for _, c := range []struct {
		name, path string
		header     map[string]string
		status     int
		want       string
	}{
		{"no ids", "/v1/variants/events", sf, 400, "ids"},
		{"empty ids", "/v1/variants/events?ids=,", sf, 400, "give 1 to 100"},
		{"101 ids", "/v1/variants/events?ids=" + strings.Join(many, ","), sf, 400, "at most 100 ids, got 101"},
		{"malformed id", "/v1/variants/events?ids=2,abc", sf, 400, `is neither a Variant id`},
		{"wrong type", "/v1/variants/events?ids=" + url.QueryEscape("gid://tradegecko/Order/2"), sf, 400, "Order"},
		{"bad Last-Event-ID", "/v1/variants/events?ids=2", map[string]string{"Authorization": "Bearer " + storefrontKey, "Last-Event-ID": "x1"}, 400, "Last-Event-ID"},
		{"bad lastEventId", "/v1/variants/events?ids=2&lastEventId=-3", sf, 400, "lastEventId"},
		{"Last-Event-ID past int64", "/v1/variants/events?ids=2&lastEventId=99999999999999999999", sf, 400, "lastEventId"},
		{"no key", "/v1/variants/events?ids=2", nil, 401, "API key"},
		{"unknown ?key=", "/v1/variants/events?ids=2&key=nope", nil, 401, "API key"},
		{"admin ?key=", "/v1/variants/events?ids=2&key=" + adminKey, nil, 403, "must not be sent in a URL"},
		{"admin ?key= with a header", "/v1/orders/events?key=" + adminKey, map[string]string{"Authorization": "Bearer " + adminKey}, 403, "must not be sent in a URL"},
		{"storefront orders", "/v1/orders/events", sf, 403, "admin"},
		{"storefront ?key= orders", "/v1/orders/events?key=" + storefrontKey, nil, 403, "admin"},
		{"?key= elsewhere", "/v1/variants/2?key=" + storefrontKey, nil, 401, "API key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, status, body := tryStream(t, g, c.path, c.header)
			if status != c.status || !strings.Contains(body, c.want) {
				t.Errorf("GET %s = %d %s, want %d naming %q", c.path, status, body, c.status, c.want)
			}
		})
	}
	s := openStream(t, g, "/v1/variants/events?ids=2&key="+storefrontKey, nil)
	s.close()
	g.srv.Close()
	out := logs.String()
	if !strings.Contains(out, "/v1/variants/events") {
		t.Fatalf("no access log line for the streams:\n%s", out)
	}
	for _, k := range []string{storefrontKey, adminKey} {
		if strings.Contains(out, k) {
			t.Errorf("a key is in the logs:\n%s", out)
		}
	}
}

// Events older than the history kept answer a reload event (not silence),
// then the live events.
func TestRESTEventsHistoryGone(t *testing.T) {
	g := newGateway(t, gatewayOptions{live: server.LiveConfig{EventHistory: 50 * time.Millisecond}})
	path := "/v1/variants/events?ids=2&key=" + storefrontKey
	s := openStream(t, g, path, nil)
	publish(t, g, changes.KindVariant, 2)
	first := s.next()
	s.close()
	publish(t, g, changes.KindVariant, 2)
	time.Sleep(100 * time.Millisecond)
	r := openStream(t, g, path, map[string]string{"Last-Event-ID": first.id})
	if e := r.next(); e.event != "reload" || e.id != "" || !strings.Contains(e.data, "HISTORY_GONE") {
		t.Errorf("after an id too old: %+v, want a reload event", e)
	}
	publish(t, g, changes.KindVariant, 2)
	if e := r.next(); e.event != "variant" {
		t.Errorf("after the reload: %+v", e)
	}
}

// A client has at most GATEWAY_MAX_CONNECTIONS_PER_CLIENT streams open
// (429 with Retry-After beyond); closing one frees its place and its
// subscription.
func TestRESTEventsConnectionLimit(t *testing.T) {
	g := newGateway(t, gatewayOptions{live: server.LiveConfig{MaxConnectionsPerClient: 2}})
	path := "/v1/variants/events?ids=2&key=" + storefrontKey
	a := openStream(t, g, path, nil)
	openStream(t, g, path, nil)
	if _, status, body := tryStream(t, g, path, nil); status != http.StatusTooManyRequests || !strings.Contains(body, "GATEWAY_MAX_CONNECTIONS_PER_CLIENT") {
		t.Fatalf("third stream = %d %s, want 429", status, body)
	}
	// Another client (the admin key) has its own.
	openStream(t, g, path[:strings.Index(path, "&")], map[string]string{"Authorization": "Bearer " + adminKey})
	a.close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		s, status, _ := tryStream(t, g, path, nil)
		if status == http.StatusOK {
			publish(t, g, changes.KindVariant, 2)
			if e := s.next(); e.event != "variant" {
				t.Errorf("event = %+v", e)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("closing a stream did not free its place: %d", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// When the Hub ends a subscription (shutdown, a slow consumer) the stream
// gets an error event naming why, then ends.
func TestRESTEventsEnd(t *testing.T) {
	t.Run("shutdown", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{})
		s := openStream(t, g, "/v1/variants/events?ids=2&key="+storefrontKey, nil)
		g.srv.Changes().Close()
		if e := s.next(); e.event != "error" || !strings.Contains(e.data, "SHUTTING_DOWN") {
			t.Errorf("event = %+v", e)
		}
		s.ended()
	})
	t.Run("slow consumer", func(t *testing.T) {
		g := newGateway(t, gatewayOptions{live: server.LiveConfig{SubscriberQueue: 1}, opts: []server.Option{server.WithCoalesceWindow(-1)}})
		s := openStream(t, g, "/v1/variants/events?ids=2&key="+storefrontKey, nil)
		// Fifty changes in one batch reach the stream's queue of one at
		// once, however fast the stream writes (one at a time, a fast
		// writer could keep up).
		ids := make([]int64, 50)
		for i := range ids {
			ids[i] = 2
		}
		publish(t, g, changes.KindVariant, ids...)
		var last sseEvent
		for e := range s.events {
			last = e
		}
		if last.event != "error" || !strings.Contains(last.data, "SLOW_CONSUMER") {
			t.Errorf("last event = %+v, want the slow consumer's error", last)
		}
	})
}

// A stream outlives the request deadline, and is never compressed, even
// for a client that accepts any media type and every encoding.
func TestRESTEventsLongLived(t *testing.T) {
	g := newGateway(t, gatewayOptions{requestTimeout: 200 * time.Millisecond})
	s := openStream(t, g, "/v1/variants/events?ids=2&key="+storefrontKey,
		map[string]string{"Accept": "*/*", "Accept-Encoding": "gzip, zstd"})
	time.Sleep(500 * time.Millisecond)
	publish(t, g, changes.KindVariant, 2)
	if e := s.next(); e.event != "variant" {
		t.Errorf("event after the request deadline = %+v", e)
	}
}
