package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server"
)

// wsClient speaks graphql-transport-ws over a real socket.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// dialWS opens a WebSocket to the gateway's /graphql, with header set on
// the upgrade.
func dialWS(t testing.TB, g *gateway, header http.Header) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, strings.Replace(g.url, "http", "ws", 1)+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial /graphql: %v (HTTP %d)", err, status)
	}
	if conn.Subprotocol() != "graphql-transport-ws" {
		t.Fatalf("subprotocol = %q, want graphql-transport-ws", conn.Subprotocol())
	}
	conn.SetReadLimit(1 << 20)
	c := &wsClient{t: t, conn: conn}
	t.Cleanup(func() { _ = conn.CloseNow() })
	return c
}

func (c *wsClient) send(m wsMessage) {
	c.t.Helper()
	b, _ := json.Marshal(m)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write %s: %v", m.Type, err)
	}
}

// next returns the next message other than ping (answered) and pong; a
// closed connection is a message of type "close" with the code as its id.
func (c *wsClient) next(timeout time.Duration) wsMessage {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		_, b, err := c.conn.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != -1 {
				var ce websocket.CloseError
				_ = asCloseError(err, &ce)
				return wsMessage{Type: "close", ID: fmt.Sprint(int(code)), Payload: json.RawMessage(fmt.Sprintf("%q", ce.Reason))}
			}
			c.t.Fatalf("read: %v", err)
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			c.t.Fatalf("message %s: %v", b, err)
		}
		switch m.Type {
		case "ping":
			c.send(wsMessage{Type: "pong"})
			continue
		case "pong":
			continue
		}
		return m
	}
}

// init sends connection_init with payload and returns the answer
// (connection_ack, or the close).
func (c *wsClient) init(payload any) wsMessage {
	c.t.Helper()
	b, _ := json.Marshal(payload)
	c.send(wsMessage{Type: "connection_init", Payload: b})
	return c.next(5 * time.Second)
}

func (c *wsClient) subscribe(id, query string) {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	c.send(wsMessage{ID: id, Type: "subscribe", Payload: b})
}

func storefrontInit() map[string]string {
	return map[string]string{"Authorization": "Bearer " + storefrontKey}
}

// setStock changes a variant's stock through the sandbox's control route,
// which delivers TradeGecko's signed webhook to the gateway.
func setStock(t testing.TB, g *gateway, variant int, onHand string) {
	t.Helper()
	body := fmt.Sprintf(`{"variant_id":%d,"location_id":1,"stock_on_hand":%q}`, variant, onHand)
	resp, err := http.Post(g.upstreamURL+"/_sandbox/stock", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sandbox/stock = %d", resp.StatusCode)
	}
}

type eventPayload struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func payloadOf(t testing.TB, m wsMessage) eventPayload {
	t.Helper()
	var p eventPayload
	if m.Type == "error" {
		var errs []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		}
		_ = json.Unmarshal(m.Payload, &errs)
		for _, e := range errs {
			p.Errors = append(p.Errors, struct {
				Message    string         `json:"message"`
				Path       []any          `json:"path"`
				Extensions map[string]any `json:"extensions"`
			}{Message: e.Message, Extensions: e.Extensions})
		}
		return p
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("payload %s: %v", m.Payload, err)
	}
	return p
}

const stockSubscription = `subscription { variantChanged(ids: ["gid://tradegecko/Variant/3"]) { id inventory { onHand } buyPrice { amount } } }`

// A storefront subscription over graphql-ws, its key in connection_init,
// receives the new stock once the sandbox changes it and its signed
// webhook arrives; buyPrice is FORBIDDEN at its path in every event.
func TestSubscriptionWebSocketStock(t *testing.T) {
	g := newGateway(t, gatewayOptions{webhooks: true, sandbox: sandbox.Options{ControlRoutes: true}})
	c := dialWS(t, g, nil)
	if m := c.init(storefrontInit()); m.Type != "connection_ack" {
		t.Fatalf("connection_init answered %s %s, want connection_ack", m.Type, m.Payload)
	}
	c.subscribe("1", stockSubscription)
	waitSubscribed(t, g, 1)
	for _, stock := range []string{"41", "42"} {
		setStock(t, g, 3, stock)
		m := c.next(5 * time.Second)
		if m.Type != "next" || m.ID != "1" {
			t.Fatalf("after the stock change: %s %s, want next", m.Type, m.Payload)
		}
		p := payloadOf(t, m)
		var data struct {
			VariantChanged struct {
				ID        string
				Inventory struct{ OnHand string }
				BuyPrice  any
			}
		}
		_ = json.Unmarshal(p.Data, &data)
		if data.VariantChanged.Inventory.OnHand != stock || data.VariantChanged.ID != "gid://tradegecko/Variant/3" {
			t.Errorf("event = %s, want variant 3 with onHand %s", p.Data, stock)
		}
		if len(p.Errors) != 1 || p.Errors[0].Extensions["code"] != "FORBIDDEN" || fmt.Sprint(p.Errors[0].Path) != "[variantChanged buyPrice]" {
			t.Errorf("event errors = %+v, want FORBIDDEN at variantChanged.buyPrice", p.Errors)
		}
	}
	c.send(wsMessage{ID: "1", Type: "complete"})
	waitSubscribed(t, g, 0)
}

// waitSubscribed waits until the gateway's metrics count n subscriptions.
func waitSubscribed(t testing.TB, g *gateway, n int) {
	t.Helper()
	want := fmt.Sprintf(`gateway_live_subscriptions{transport="websocket"} %d`, n)
	wantSSE := fmt.Sprintf(`gateway_live_subscriptions{transport="sse"} %d`, n)
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := metricsText(t, g)
		if strings.Contains(m, want) || (n > 0 && strings.Contains(m, wantSSE)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never said %q:\n%s", want, grepLines(m, "gateway_live"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitConnections waits until the gateway counts n WebSocket connections.
func waitConnections(t testing.TB, g *gateway, n int) {
	t.Helper()
	want := fmt.Sprintf(`gateway_live_connections{transport="websocket"} %d`, n)
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := metricsText(t, g)
		if strings.Contains(m, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never said %q:\n%s", want, grepLines(m, "gateway_live"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func metricsText(t testing.TB, g *gateway) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// sseEvents reads GraphQL-over-SSE events ("next", "complete") from a
// response body.
func sseEvents(body *bufio.Reader) <-chan [2]string {
	out := make(chan [2]string, 16)
	go func() {
		defer close(out)
		var event, data string
		for {
			line, err := body.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case line == "":
				if event != "" {
					out <- [2]string{event, data}
				}
				event, data = "", ""
			case strings.HasPrefix(line, "event:"):
				event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
			}
		}
	}()
	return out
}

func postSSE(t testing.TB, g *gateway, key, query string) *http.Response {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest(http.MethodPost, g.url+"/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Accept-Encoding", "gzip, zstd")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// A storefront subscription over GraphQL over SSE receives the new stock,
// uncompressed, past the request deadline.
func TestSubscriptionSSEStock(t *testing.T) {
	g := newGateway(t, gatewayOptions{webhooks: true, sandbox: sandbox.Options{ControlRoutes: true}, requestTimeout: 500 * time.Millisecond})
	resp := postSSE(t, g, storefrontKey, stockSubscription)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("SSE subscribe = %d %q %q, want 200 text/event-stream, uncompressed", resp.StatusCode,
			resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
	}
	events := sseEvents(bufio.NewReader(resp.Body))
	waitSubscribed(t, g, 1)
	time.Sleep(700 * time.Millisecond) // past the request deadline
	setStock(t, g, 3, "17")
	select {
	case ev := <-events:
		if ev[0] != "next" || !strings.Contains(ev[1], `"onHand":"17"`) {
			t.Fatalf("event %q %s, want next with onHand 17", ev[0], ev[1])
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event after the stock change")
	}
}

// Refusals: the key (4401), the origin (4403), the arguments and the role
// (errors for the subscribe), the cost checks.
func TestSubscriptionRefusals(t *testing.T) {
	g := newGateway(t, gatewayOptions{cors: []string{"https://shop.example"}})
	t.Run("connection", func(t *testing.T) {
		tests := []struct {
			name    string
			header  http.Header
			payload any
			want    string // connection_ack, or a close code
		}{
			{"no key", nil, map[string]string{}, "4401"},
			{"unknown key", nil, map[string]string{"Authorization": "Bearer nope"}, "4401"},
			{"not bearer", nil, map[string]string{"Authorization": storefrontKey}, "4401"},
			{"unknown key in the upgrade's headers", http.Header{"Authorization": {"Bearer nope"}}, nil, "4401"},
			{"key in connection_init", nil, storefrontInit(), "connection_ack"},
			{"key in the upgrade's headers", http.Header{"X-Api-Key": {storefrontKey}}, nil, "connection_ack"},
			{"an allowed origin", http.Header{"Origin": {"https://shop.example"}}, storefrontInit(), "connection_ack"},
			{"another origin", http.Header{"Origin": {"https://evil.example"}}, storefrontInit(), "4403"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := dialWS(t, g, tc.header)
				m := c.init(tc.payload)
				got := m.Type
				if m.Type == "close" {
					got = m.ID
				}
				if got != tc.want {
					t.Errorf("connection_init answered %s %s, want %s", m.Type, m.Payload, tc.want)
				}
			})
		}
	})
	t.Run("anonymous SSE", func(t *testing.T) {
		if resp := postSSE(t, g, "", stockSubscription); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("SSE without a key = %d, want 401", resp.StatusCode)
		}
	})
	t.Run("plain HTTP", func(t *testing.T) {
		// Without a live transport a subscription would wait for an event
		// until the request's deadline: it is refused at once instead.
		tests := []struct {
			name   string
			method string
			status int
			says   string
		}{
			{"POST application/json", http.MethodPost, http.StatusOK, "a subscription needs a live transport"},
			{"GET", http.MethodGet, http.StatusNotAcceptable, "only allow query operations"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var req *http.Request
				if tc.method == http.MethodGet {
					req, _ = http.NewRequest(tc.method, g.url+"/graphql?query="+url.QueryEscape(stockSubscription), nil)
				} else {
					body, _ := json.Marshal(map[string]string{"query": stockSubscription})
					req, _ = http.NewRequest(tc.method, g.url+"/graphql", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", "Bearer "+storefrontKey)
				client := &http.Client{Timeout: 5 * time.Second} // the request's own deadline is longer
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var got struct {
					Errors []struct{ Message string } `json:"errors"`
				}
				if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != tc.status || len(got.Errors) != 1 || !strings.Contains(got.Errors[0].Message, tc.says) {
					t.Errorf("%s: %d %+v, want %d saying %q", tc.name, resp.StatusCode, got, tc.status, tc.says)
				}
			})
		}
	})
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("%q", fmt.Sprintf("gid://tradegecko/Variant/%d", i+1))
	}
	tests := []struct {
		name, query, code, says string
	}{
		{"too many ids", `subscription { variantChanged(ids: [` + strings.Join(many, ",") + `]) { id } }`, "BAD_USER_INPUT", "at most 100 ids"},
		{"no ids", `subscription { variantChanged(ids: []) { id } }`, "BAD_USER_INPUT", "at least one"},
		{"unknown variant", `subscription { variantChanged(ids: ["gid://tradegecko/Variant/999999"]) { id } }`, "BAD_USER_INPUT", "there is no Variant gid://tradegecko/Variant/999999"},
		{"malformed id", `subscription { variantChanged(ids: ["gid://tradegecko/Order/3"]) { id } }`, "BAD_USER_INPUT", "ids"},
		{"orders with a storefront key", `subscription { orderChanged { id } }`, "FORBIDDEN", ""},
		{"too deep", `subscription { variantChanged(ids: ["gid://tradegecko/Variant/3"]) { product { variants { product { variants { product { variants { product { variants { product { variants { product { variants { id } } } } } } } } } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED", "levels deep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dialWS(t, g, nil)
			c.init(storefrontInit())
			c.subscribe("1", tc.query)
			m := c.next(5 * time.Second)
			p := payloadOf(t, m)
			if len(p.Errors) == 0 || p.Errors[0].Extensions["code"] != tc.code || !strings.Contains(p.Errors[0].Message, tc.says) {
				t.Fatalf("subscribe answered %s %s, want %s saying %q", m.Type, m.Payload, tc.code, tc.says)
			}
			if m.Type == "next" {
				if m := c.next(5 * time.Second); m.Type != "complete" {
					t.Errorf("after the error: %s, want complete", m.Type)
				}
			}
		})
	}
}

// The live limits: subscriptions per connection, connections per client,
// each refused in its protocol's terms.
func TestSubscriptionLimits(t *testing.T) {
	g := newGateway(t, gatewayOptions{live: liveWith(2, 2)})
	t.Run("subscriptions per connection", func(t *testing.T) {
		c := dialWS(t, g, nil)
		c.init(storefrontInit())
		for _, id := range []string{"1", "2", "3"} {
			c.subscribe(id, stockSubscription)
		}
		// They run concurrently: one of the three is refused.
		m := c.next(5 * time.Second)
		p := payloadOf(t, m)
		if len(p.Errors) == 0 || p.Errors[0].Extensions["code"] != "RATE_LIMITED" || !strings.Contains(p.Errors[0].Message, "at most 2") {
			t.Fatalf("third subscribe answered %s %s %s, want RATE_LIMITED naming the limit", m.ID, m.Type, m.Payload)
		}
		if m := c.next(5 * time.Second); m.Type != "complete" {
			t.Fatalf("after the refusal: %s, want complete", m.Type)
		}
		waitSubscribed(t, g, 2)
		open := map[string]bool{"1": true, "2": true, "3": true}
		delete(open, m.ID)
		for id := range open {
			c.send(wsMessage{ID: id, Type: "complete"})
			break
		}
		waitSubscribed(t, g, 1)
		c.subscribe("4", stockSubscription)
		waitSubscribed(t, g, 2)
	})
	t.Run("connections per client", func(t *testing.T) {
		// The last subtest's connection closed at its end; the gateway
		// counts it out when it reads the close (under -race, later).
		waitConnections(t, g, 0)
		for i := range 2 {
			c := dialWS(t, g, nil)
			if m := c.init(storefrontInit()); m.Type != "connection_ack" {
				t.Fatalf("connection %d: %s", i+1, m.Type)
			}
		}
		c3 := dialWS(t, g, nil)
		if m := c3.init(storefrontInit()); m.Type != "close" || m.ID != "4429" || !strings.Contains(string(m.Payload), "at most 2") {
			t.Errorf("third connection: %s %s %s, want close 4429 naming the limit", m.Type, m.ID, m.Payload)
		}
		if resp := postSSE(t, g, storefrontKey, stockSubscription); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("SSE over the limit = %d, want 429", resp.StatusCode)
		}
		// Another key is another client.
		ca := dialWS(t, g, nil)
		if m := ca.init(map[string]string{"Authorization": "Bearer " + adminKey}); m.Type != "connection_ack" {
			t.Errorf("admin connection: %s %s", m.Type, m.Payload)
		}
	})
}

// A subscriber that does not read while events pour in: its queue is
// bounded (the hub closes it), and it is told why, then complete.
func TestSubscriptionSlowConsumer(t *testing.T) {
	g := newGateway(t, gatewayOptions{live: server.LiveConfig{SubscriberQueue: 4},
		opts: []server.Option{server.WithCoalesceWindow(-1)}})
	c := dialWS(t, g, nil)
	c.init(storefrontInit())
	c.subscribe("1", `subscription { variantChanged(ids: ["gid://tradegecko/Variant/3"]) { id } }`)
	waitSubscribed(t, g, 1)
	const published = 20000
	for range published / 100 {
		batch := make([]changes.Change, 100)
		for i := range batch {
			batch[i] = changes.Change{Kind: changes.KindVariant, ID: 3}
		}
		if err := g.srv.Changes().Publish(context.Background(), batch...); err != nil {
			t.Fatal(err)
		}
	}
	received := 0
	for {
		m := c.next(10 * time.Second)
		p := payloadOf(t, m)
		if m.Type == "next" && len(p.Errors) == 0 {
			received++
			continue
		}
		if m.Type != "next" || p.Errors[0].Extensions["code"] != "RATE_LIMITED" || !strings.Contains(p.Errors[0].Message, "did not keep up") {
			t.Fatalf("after %d events: %s %s, want an error saying it did not keep up", received, m.Type, m.Payload)
		}
		break
	}
	if m := c.next(5 * time.Second); m.Type != "complete" {
		t.Errorf("after the error: %s, want complete", m.Type)
	}
	if received >= published {
		t.Errorf("received all %d events: the queue did not bound them", received)
	}
	waitSubscribed(t, g, 0)
}

func asCloseError(err error, ce *websocket.CloseError) bool { return errors.As(err, ce) }

// liveWith sets the live limits (0: the default).
func liveWith(subsPerConnection, connsPerClient int) server.LiveConfig {
	return server.LiveConfig{MaxSubscriptionsPerConnection: subsPerConnection, MaxConnectionsPerClient: connsPerClient}
}

// On shutdown (server.Run's context ends, as on SIGTERM), every
// subscription is told complete and every connection closes cleanly
// before Run returns.
func TestSubscriptionShutdown(t *testing.T) {
	up := newSharedSandbox(t, sandbox.Options{})
	cfg := server.Config{
		Addr:            "127.0.0.1:0",
		APIKeys:         []server.APIKey{{Key: adminKey, Role: commerce.RoleAdmin}, {Key: storefrontKey, Role: commerce.RoleStorefront}},
		TradeGecko:      server.TradeGeckoConfig{BaseURL: up.srv.URL, AccessToken: "sandbox-token", RateLimit: 300, RateWindow: 300 * time.Second, Timeout: 5 * time.Second},
		RequestTimeout:  10 * time.Second,
		ShutdownTimeout: 5 * time.Second,
	}
	srv, err := server.New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	addr := make(chan string, 1)
	ran := make(chan error, 1)
	go func() { ran <- srv.Run(ctx, func(a string) { addr <- a }) }()
	g := &gateway{t: t, srv: srv, url: "http://" + <-addr}

	var ws []*wsClient
	for range 3 {
		c := dialWS(t, g, nil)
		c.init(storefrontInit())
		c.subscribe("a", stockSubscription)
		c.subscribe("b", `subscription { variantChanged(ids: ["gid://tradegecko/Variant/2"]) { id } }`)
		ws = append(ws, c)
	}
	sse := sseEvents(bufio.NewReader(postSSE(t, g, storefrontKey, stockSubscription).Body))
	waitSubscribed(t, g, 6)

	stop()
	for i, c := range ws {
		completed := map[string]bool{}
		for len(completed) < 2 {
			m := c.next(5 * time.Second)
			if m.Type != "complete" {
				t.Fatalf("connection %d: %s %s %s before every subscription completed (%v)", i, m.Type, m.ID, m.Payload, completed)
			}
			completed[m.ID] = true
		}
		if m := c.next(5 * time.Second); m.Type != "close" || m.ID != "1000" {
			t.Errorf("connection %d after complete: %s %s, want close 1000", i, m.Type, m.ID)
		}
	}
	select {
	case ev := <-sse:
		if ev[0] != "complete" {
			t.Errorf("SSE on shutdown: %q %s, want complete", ev[0], ev[1])
		}
	case <-time.After(5 * time.Second):
		t.Error("SSE: no complete on shutdown")
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// The graphql-ws and graphql-sse clients each receive the new stock after
// the sandbox changes it (clients/subscriptions.test.js).
func TestSubscriptionClients(t *testing.T) {
	g := newGateway(t, gatewayOptions{webhooks: true, sandbox: sandbox.Options{ControlRoutes: true}})
	runClients(t, "subscriptions.test.js", 3, "GATEWAY_URL="+g.url+"/graphql", "KEY="+storefrontKey, "SANDBOX_URL="+g.upstreamURL)
}

// An admin's order subscription over graphql-ws sees invoiceOrder and
// fulfilOrder made through the gateway, each with the order's new state;
// a subscription to every order sees them too, and one to another order
// sees nothing.
func TestSubscriptionOrders(t *testing.T) {
	g := newGateway(t, gatewayOptions{limits: server.LimitsConfig{MaxUpstreamPerOperation: 15}})
	p, other := newOrderFromStorefront(t, g, "subscription-orders"), newOrderFromStorefront(t, g, "subscription-orders-2")
	if p.Order == nil || other.Order == nil {
		t.Fatalf("checkouts = %+v, %+v", p, other)
	}
	// The checkouts' own changes are coalesced for about 100 ms before they
	// reach subscribers: let them pass before subscribing.
	time.Sleep(300 * time.Millisecond)
	c := dialWS(t, g, nil)
	if m := c.init(map[string]string{"Authorization": "Bearer " + adminKey}); m.Type != "connection_ack" {
		t.Fatalf("connection_init answered %s %s, want connection_ack", m.Type, m.Payload)
	}
	const fields = `{ id status invoiceStatus fulfillmentStatus }`
	c.subscribe("one", fmt.Sprintf(`subscription { orderChanged(ids: [%q]) %s }`, p.Order.ID, fields))
	c.subscribe("all", `subscription { orderChanged `+fields+` }`)
	c.subscribe("other", fmt.Sprintf(`subscription { orderChanged(ids: [%q]) %s }`, other.Order.ID, fields))
	waitSubscribed(t, g, 3)
	for _, step := range []struct{ mutation, invoiced, fulfilled string }{
		{"invoiceOrder", "INVOICED", "UNSHIPPED"},
		{"fulfilOrder", "INVOICED", "SHIPPED"},
	} {
		noUserErrors(t, step.mutation, g.act(adminKey, step.mutation, p.Order.ID))
		got := map[string]string{}
		for len(got) < 2 {
			m := c.next(5 * time.Second)
			if m.Type != "next" {
				t.Fatalf("after %s: %s %s, want next", step.mutation, m.Type, m.Payload)
			}
			var data struct {
				OrderChanged struct{ ID, Status, InvoiceStatus, FulfillmentStatus string }
			}
			pl := payloadOf(t, m)
			_ = json.Unmarshal(pl.Data, &data)
			o := data.OrderChanged
			if len(pl.Errors) > 0 || o.ID != p.Order.ID || o.InvoiceStatus != step.invoiced || o.FulfillmentStatus != step.fulfilled {
				t.Errorf("after %s, subscription %s: %s %+v; want order %s %s and %s", step.mutation, m.ID, pl.Data, pl.Errors, p.Order.ID, step.invoiced, step.fulfilled)
			}
			if _, dup := got[m.ID]; dup {
				t.Errorf("after %s: two events for subscription %s", step.mutation, m.ID)
			}
			got[m.ID] = o.Status
		}
		if _, ok := got["other"]; ok {
			t.Errorf("after %s: the subscription to another order got an event", step.mutation)
		}
	}
}
