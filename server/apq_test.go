package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/internal/redistest"
	"github.com/commercegateway/gateway/server"
)

// Expected outcomes of an APQ request.
const (
	apqRuns     = ""        // data, no errors
	apqRefused  = "refused" // a GET mutation: an HTTP error, nothing run
	apqNotFound = string(commerce.CodePersistedQueryNotFound)
	apqBadInput = string(commerce.CodeBadUserInput)
)

type apqStep struct {
	name string
	gw   int // which gateway
	key  string
	req  gqlRequest
	want string // apqRuns, apqRefused, or an error code
}

// check sends the step and checks its outcome: PersistedQueryNotFound is
// exactly Apollo's error (message and code) with HTTP 200, which Apollo's
// PersistedQueryLink answers by sending the text; a refusal runs nothing
// upstream.
func (st apqStep) check(t *testing.T, gws []*gateway) {
	t.Helper()
	g := gws[st.gw]
	var r gqlResponse
	upstream := g.upstream(func() { r = g.send(cmpKey(st.key), st.req) })
	switch st.want {
	case apqRuns:
		if len(r.Errors) > 0 || r.status != http.StatusOK || len(r.Data) < 3 || string(r.Data) == "null" {
			t.Fatalf("%s: status %d, errors %+v, data %s; want it run", st.name, r.status, r.Errors, r.Data)
		}
		return
	case apqRefused:
		if r.status < 400 || len(r.Errors) == 0 {
			t.Fatalf("%s: status %d, errors %+v; want an HTTP error", st.name, r.status, r.Errors)
		}
	default:
		if len(r.Errors) != 1 || r.code(0) != st.want || (string(r.Data) != "" && string(r.Data) != "null") {
			t.Fatalf("%s: status %d, errors %+v, data %s; want only %s", st.name, r.status, r.Errors, r.Data, st.want)
		}
		if want := st.message(); st.want == apqNotFound && (r.Errors[0].Message != want || r.status != http.StatusOK) {
			t.Fatalf("%s: status %d, message %q; want 200 and exactly %s", st.name, r.status, r.Errors[0].Message, want)
		}
	}
	if upstream != 0 {
		t.Errorf("%s: a refused request cost %d upstream requests", st.name, upstream)
	}
}

// message is what PERSISTED_QUERY_NOT_FOUND says: Apollo's
// PersistedQueryNotFound, or, with APQ off, PersistedQueryNotSupported
// (steps named "APQ off: …"), on which Apollo's link stops sending hashes
// alone.
func (st apqStep) message() string {
	if strings.HasPrefix(st.name, "APQ off:") {
		return "PersistedQueryNotSupported"
	}
	return "PersistedQueryNotFound"
}

func cmpKey(k string) string {
	if k == "" {
		return storefrontKey
	}
	return k
}

func runAPQSteps(t *testing.T, gws []*gateway, steps []apqStep) {
	t.Helper()
	for _, st := range steps {
		st.check(t, gws)
	}
}

// TestAPQ: automatic persisted queries by Apollo's protocol on two
// gateways sharing one redis-server. A hash alone is unknown until its
// text is sent with it; then it runs on either gateway, by POST and GET.
// A hash that is not its text's, a malformed persistedQuery, a document
// that fails validation, and a mutation sent by GET register nothing.
func TestAPQ(t *testing.T) {
	up := newSharedSandbox(t, sandbox.Options{})
	url := "redis://" + redistest.Real(t).Addr
	gws := []*gateway{newGateway(t, gatewayOptions{upstream: up, redisURL: url}),
		newGateway(t, gatewayOptions{upstream: up, redisURL: url})}
	const (
		q        = "query APQLocations { locations { id label } }"
		byGET    = "query APQCurrencies { currencies { code } }"
		invalid  = "query APQInvalid { locations { secret } }"
		mutation = `mutation APQVoid { voidOrder(id: "gid://tradegecko/Order/999999999") { userErrors { message } } }`
		other    = "query APQOther { locations { id } }"
		intro    = "query APQIntrospection { __schema { queryType { name } } }"
	)
	pq := func(text string) map[string]any { return persistedQuery(sha256Hex(text)) }
	runAPQSteps(t, gws, []apqStep{
		{"a hash alone, unknown", 0, "", gqlRequest{extensions: pq(q)}, apqNotFound},
		{"a hash alone by GET, unknown", 1, "", gqlRequest{get: true, extensions: pq(q)}, apqNotFound},
		{"a hash that is not the text's", 0, "", gqlRequest{query: q, extensions: pq(other)}, apqBadInput},
		{"the mismatched hash registered nothing", 1, "", gqlRequest{extensions: pq(other)}, apqNotFound},
		{"the text with its hash registers it", 0, "", gqlRequest{query: q, extensions: pq(q)}, apqRuns},
		{"then the hash alone runs on the other gateway", 1, "", gqlRequest{extensions: pq(q)}, apqRuns},
		{"and by GET (a CDN can cache it)", 1, "", gqlRequest{get: true, extensions: pq(q)}, apqRuns},
		{"upper-case hex names it too", 0, "", gqlRequest{extensions: persistedQuery(strings.ToUpper(sha256Hex(q)))}, apqRuns},
		{"with an admin key", 1, adminKey, gqlRequest{extensions: pq(q)}, apqRuns},

		{"persistedQuery not an object", 0, "", gqlRequest{extensions: map[string]any{"persistedQuery": "x"}}, apqBadInput},
		{"persistedQuery version 2", 0, "", gqlRequest{extensions: map[string]any{"persistedQuery": map[string]any{"version": 2, "sha256Hash": sha256Hex(q)}}}, apqBadInput},
		{"persistedQuery without a hash", 0, "", gqlRequest{query: q, extensions: map[string]any{"persistedQuery": map[string]any{"version": 1}}}, apqBadInput},
		{"persistedQuery hash not hex", 0, "", gqlRequest{extensions: persistedQuery(strings.Repeat("z", 64))}, apqBadInput},

		{"a document that fails validation", 0, "", gqlRequest{query: invalid, extensions: pq(invalid)}, "GRAPHQL_VALIDATION_FAILED"},
		{"registered nothing", 1, "", gqlRequest{extensions: pq(invalid)}, apqNotFound},
		{"a document over a limit (introspection, for a storefront key)", 0, "", gqlRequest{query: intro, extensions: pq(intro)}, string(commerce.CodeForbidden)},
		{"registered nothing, not even for an admin", 1, adminKey, gqlRequest{extensions: pq(intro)}, apqNotFound},

		{"text and hash by GET register it", 0, "", gqlRequest{get: true, query: byGET, extensions: pq(byGET)}, apqRuns},
		{"then its hash runs by POST elsewhere", 1, "", gqlRequest{extensions: pq(byGET)}, apqRuns},

		{"a mutation by GET, with its hash, is refused", 0, adminKey, gqlRequest{get: true, query: mutation, extensions: pq(mutation)}, apqRefused},
		{"and registered nothing", 1, adminKey, gqlRequest{extensions: pq(mutation)}, apqNotFound},
	})
	// Under application/graphql-response+json too, not found is HTTP 200:
	// the normal first round trip of every new query is not a fault.
	body, _ := json.Marshal(map[string]any{"extensions": pq(other)})
	req, _ := http.NewRequest(http.MethodPost, gws[0].url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	req.Header.Set("Authorization", "Bearer "+storefrontKey)
	if r := gws[0].do(req); r.status != http.StatusOK || r.code(0) != apqNotFound {
		t.Errorf("not found under application/graphql-response+json: status %d, errors %+v; want 200 %s", r.status, r.Errors, apqNotFound)
	}

	// A mutation registered by POST runs by its hash by POST, never by GET.
	gws[0].send(adminKey, gqlRequest{query: mutation, extensions: pq(mutation)})
	runAPQSteps(t, gws, []apqStep{
		{"a mutation's hash alone by GET is refused", 1, adminKey, gqlRequest{get: true, extensions: pq(mutation)}, apqRefused},
	})
	// It runs: TradeGecko has no such order.
	if r := gws[1].send(adminKey, gqlRequest{extensions: pq(mutation)}); r.code(0) != string(commerce.CodeNotFound) {
		t.Errorf("a registered mutation's hash by POST: status %d, errors %+v, data %s; want it run (NOT_FOUND from TradeGecko)", r.status, r.Errors, r.Data)
	}
}

// TestAPQBounds: each entry lives GATEWAY_APQ_TTL after its last use (on
// Redis's clock, here miniredis's), at most GATEWAY_APQ_MAX_DOCUMENTS are
// kept (the least recently used go), and a text over
// GATEWAY_APQ_MAX_BYTES runs but is not kept. GATEWAY_APQ=0 turns APQ off
// (a hash alone: PersistedQueryNotSupported).
func TestAPQBounds(t *testing.T) {
	const ttl = 10 * time.Minute
	srv, m := redistest.Mini(t)
	now := time.Now()
	m.SetTime(now)
	docs := []string{"query B1 { locations { id } }", "query B2 { locations { id } }", "query B3 { locations { id } }"}
	big := "query Big { locations { id " + strings.Repeat("label ", 40) + "} }"
	// The response cache off: it would answer a hash it resolved before
	// for as long as the answer is fresh (on the wall clock, not
	// miniredis's), and the store's own bounds are tested here.
	gws := []*gateway{newGateway(t, gatewayOptions{redisURL: "redis://" + srv.Addr,
		apq: server.APQConfig{TTL: ttl, MaxDocuments: 2, MaxBytes: 200}, cache: server.CacheConfig{ResponseBytes: -1}})}
	pq := func(text string) map[string]any { return persistedQuery(sha256Hex(text)) }
	advance := func(d time.Duration) { now = now.Add(d); m.SetTime(now) }
	for _, d := range docs[:2] {
		runAPQSteps(t, gws, []apqStep{{"register " + d, 0, "", gqlRequest{query: d, extensions: pq(d)}, apqRuns}})
		advance(time.Second)
	}
	runAPQSteps(t, gws, []apqStep{{"B1 used", 0, "", gqlRequest{extensions: pq(docs[0])}, apqRuns}})
	advance(time.Second)
	runAPQSteps(t, gws, []apqStep{
		{"register B3, past the count", 0, "", gqlRequest{query: docs[2], extensions: pq(docs[2])}, apqRuns},
		{"B2, the least recently used, went", 0, "", gqlRequest{extensions: pq(docs[1])}, apqNotFound},
		{"B1 stays", 0, "", gqlRequest{extensions: pq(docs[0])}, apqRuns},
		{"B3 stays", 0, "", gqlRequest{extensions: pq(docs[2])}, apqRuns},
		{"a text over the byte bound runs", 0, "", gqlRequest{query: big, extensions: pq(big)}, apqRuns},
		{"but is not kept", 0, "", gqlRequest{extensions: pq(big)}, apqNotFound},
	})
	advance(ttl - time.Second)
	runAPQSteps(t, gws, []apqStep{{"B1 used just before its TTL", 0, "", gqlRequest{extensions: pq(docs[0])}, apqRuns}})
	advance(2 * time.Second)
	runAPQSteps(t, gws, []apqStep{
		{"B1 refreshed by its use", 0, "", gqlRequest{extensions: pq(docs[0])}, apqRuns},
		{"B3 unused for its TTL went", 0, "", gqlRequest{extensions: pq(docs[2])}, apqNotFound},
	})

	off := []*gateway{newGateway(t, gatewayOptions{redisURL: "redis://" + srv.Addr, apq: server.APQConfig{Off: true}})}
	runAPQSteps(t, off, []apqStep{
		{"APQ off: a hash alone is not supported", 0, "", gqlRequest{extensions: pq(docs[0])}, apqNotFound},
		{"APQ off: a text with its hash runs", 0, "", gqlRequest{query: docs[1], extensions: pq(docs[1])}, apqRuns},
		{"APQ off: and registers nothing", 0, "", gqlRequest{extensions: pq(docs[1])}, apqNotFound},
		{"APQ off: a hash still must be its text's", 0, "", gqlRequest{query: docs[1], extensions: pq(docs[0])}, apqBadInput},
	})
}

// TestAPQRedisDown: with Redis gone, APQ degrades: a hash alone answers
// PersistedQueryNotFound at once, the text with its hash runs.
func TestAPQRedisDown(t *testing.T) {
	srv, m := redistest.Mini(t)
	gws := []*gateway{newGateway(t, gatewayOptions{redisURL: "redis://" + srv.Addr})}
	const q = "query Down { locations { id } }"
	m.Close()
	began := time.Now()
	runAPQSteps(t, gws, []apqStep{
		{"a hash alone", 0, "", gqlRequest{extensions: persistedQuery(sha256Hex(q))}, apqNotFound},
		{"the text with its hash", 0, "", gqlRequest{query: q, extensions: persistedQuery(sha256Hex(q))}, apqRuns},
		{"a hash alone again", 0, "", gqlRequest{extensions: persistedQuery(sha256Hex(q))}, apqNotFound},
		{"the text with its hash again", 0, "", gqlRequest{query: q, extensions: persistedQuery(sha256Hex(q))}, apqRuns},
	})
	t.Logf("four requests without Redis took %s", time.Since(began))
}

// TestAPQApolloClient: Apollo Client 4 with PersistedQueryLink
// (clients/apq.test.js) on two gateways sharing one redis-server, by POST
// and with useGETForHashedQueries; and on a gateway with APQ off.
func TestAPQApolloClient(t *testing.T) {
	nodeClients(t)
	up := newSharedSandbox(t, sandbox.Options{})
	url := "redis://" + redistest.Real(t).Addr
	a := newGateway(t, gatewayOptions{upstream: up, redisURL: url})
	b := newGateway(t, gatewayOptions{upstream: up, redisURL: url})
	off := newGateway(t, gatewayOptions{upstream: up, apq: server.APQConfig{Off: true}})
	runClients(t, "apq.test.js", 3, "GATEWAY_URL="+a.url+"/graphql", "GATEWAY_URL_2="+b.url+"/graphql",
		"GATEWAY_URL_APQ_OFF="+off.url+"/graphql", "KEY="+storefrontKey)
}

// TestAPQOnACluster: two gateways on a real Redis Cluster (REDIS_ADDRS,
// three masters): a query registered through one runs by its hash through
// the other, and the bounds hold.
func TestAPQOnACluster(t *testing.T) {
	t.Parallel()
	cs := redistest.Cluster(t, 3)
	up := newSharedSandbox(t, sandbox.Options{})
	o := gatewayOptions{upstream: up, redisAddrs: cs.Addrs, apq: server.APQConfig{MaxDocuments: 1}}
	gws := []*gateway{newGateway(t, o), newGateway(t, o)}
	const q, q2 = "query ClusterA { locations { id } }", "query ClusterB { locations { label } }"
	pq := func(text string) map[string]any { return persistedQuery(sha256Hex(text)) }
	runAPQSteps(t, gws, []apqStep{
		{"unknown", 1, "", gqlRequest{extensions: pq(q)}, apqNotFound},
		{"registered", 0, "", gqlRequest{query: q, extensions: pq(q)}, apqRuns},
		{"found on the other", 1, "", gqlRequest{extensions: pq(q)}, apqRuns},
		{"another registered", 1, "", gqlRequest{query: q2, extensions: pq(q2)}, apqRuns},
		{"the first evicted (MaxDocuments 1)", 0, "", gqlRequest{extensions: pq(q)}, apqNotFound},
		{"the second found", 0, "", gqlRequest{extensions: pq(q2)}, apqRuns},
	})
}
