package edge

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/labstack/echo/v4"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/respcache"
	"github.com/commercegateway/gateway/server/rest"
)

// The response cache (package respcache) in front of execution, for
// GraphQL queries (GET and POST) and REST GETs: the one place that says
// what an answer's key is and which answers may be kept.
//
// The key is a SHA-256 over: the method and path; the key's role (an
// answer depends on the caller only by role: what it may read, trusted
// documents, introspection); whether the client accepts
// application/graphql-response+json and multipart/mixed (they change the
// answer's media type); and, for GraphQL, the document (its persisted
// query hash when the request names one, which is the SHA-256 of its text,
// else the SHA-256 of its text; or its documentId), the operation name and
// the variables re-encoded canonically (keys sorted, numbers as written);
// for REST, the query string with its parameters sorted. Batches, live
// requests and anything but GET and POST pass by.
//
// An answer is kept only when it is a 200 JSON answer written whole (not
// streamed), with data and no errors for GraphQL, and its read record
// (commerce.WithTaggedRecord) says: not a write or a subscription, nothing
// per-customer, nothing stale, and a known freshness of at least a
// second, which is how long it is kept. It is tagged with what it read;
// the change bus drops it when one of those changes (server/live.go).
//
// A hit writes the stored bytes in the encoding the client accepts (made
// once per entry, with its ETag, as compress would: gzip or zstd by
// Accept-Encoding, from compressMinBytes up) and the headers the answer
// had; the encoder passes it by (Content-Encoding is set) and conditional
// compares its ETag. Concurrent misses of one key wait for the first.
func (h *handler) responseCache(next echo.HandlerFunc) echo.HandlerFunc {
	if h.d.Responses == nil {
		return next
	}
	return func(c echo.Context) error {
		r := c.Request()
		k, op, ok := answerKey(r)
		if !ok {
			return next(c)
		}
		cache := h.d.Responses
		if e, hit := cache.Get(k); hit {
			return writeEntry(c, cache, e)
		}
		switch h.operations.kind(op) {
		case ast.Mutation, ast.Subscription:
			return next(c) // never kept, never waited for
		case "":
			// Not known to be a query (a persisted query by hash alone,
			// a malformed document): run it, keep it if it may be, but
			// make nobody wait for it.
			return h.fillAnswer(c, next, k)
		}
		f, leader := h.flights.join(k)
		if !leader {
			select {
			case <-f.done:
			case <-r.Context().Done():
				return r.Context().Err()
			}
			if e, hit := cache.Get(k); hit {
				return writeEntry(c, cache, e)
			}
			return h.fillAnswer(c, next, k)
		}
		defer h.flights.leave(k, f)
		if e, ok := h.sharedAnswer(r, k); ok {
			return writeEntry(c, cache, e)
		}
		return h.fillAnswer(c, next, k)
	}
}

// sharedAnswer is k's answer from the Redis tier, when there is one this
// replica may use (respcache.Cache.Valid); it is kept here too.
func (h *handler) sharedAnswer(r *http.Request, k respcache.Key) (*respcache.Entry, bool) {
	shared := h.d.SharedResponses
	if shared == nil {
		return nil, false
	}
	ticket := h.d.Responses.Begin()
	e, ok, err := shared.Lookup(r.Context(), k, h.d.Responses)
	if err != nil {
		h.d.Log.Warn("response cache: reading the Redis tier failed", "err", err)
		return nil, false
	}
	if !ok {
		return nil, false
	}
	h.d.Responses.Put(k, e, ticket)
	return e, true
}

// fillAnswer runs the request and keeps its answer when it may be kept:
// here, and in the Redis tier from its second miss on this replica.
func (h *handler) fillAnswer(c echo.Context, next echo.HandlerFunc, k respcache.Key) error {
	cache := h.d.Responses
	ticket := cache.Begin()
	r, res := c.Request(), c.Response()
	ctx, reads := commerce.WithTaggedRecord(r.Context())
	c.SetRequest(r.WithContext(ctx))
	before := res.Header().Clone()
	held := &heldResponse{ResponseWriter: res.Writer}
	res.Writer = held
	err := next(c)
	res.Writer = held.ResponseWriter
	if held.through {
		return err
	}
	e := entryOf(r, held, err, before, reads(), time.Now())
	if e != nil && !cache.Put(k, e, ticket) {
		e = nil // something it read changed meanwhile
	}
	held.release()
	if shared := h.d.SharedResponses; shared != nil && e != nil && shared.Missed(k) {
		if _, err := shared.Put(context.WithoutCancel(r.Context()), k, e, ticket.Position()); err != nil {
			h.d.Log.Warn("response cache: writing the Redis tier failed", "err", err)
		}
	}
	return err
}

// entryOf is the entry to keep of an answer, or nil when it may not be
// kept (see the comment of responseCache).
func entryOf(r *http.Request, held *heldResponse, err error, before http.Header, rec commerce.ReadRecord, now time.Time) *respcache.Entry {
	if err != nil || held.status != http.StatusOK || rec.Uncacheable || rec.Private || rec.Stale ||
		!rec.Fresh || rec.MinFresh < time.Second {
		return nil
	}
	hdr := held.Header()
	mt, _, _ := mime.ParseMediaType(hdr.Get("Content-Type"))
	if mt != "application/json" && mt != "application/graphql-response+json" || hdr.Get("Content-Encoding") != "" {
		return nil
	}
	body := held.body.Bytes()
	if isGraphQLPath(r.URL.Path) && !completeResult(body) {
		return nil
	}
	// The headers the handler (and httpCache) set, not those the outer
	// middleware did (they set their own on a hit).
	own := http.Header{}
	for name, vs := range hdr {
		switch name {
		case "Content-Length", "Content-Encoding", "Date":
			continue
		}
		if !slices.Equal(before[name], vs) {
			own[name] = slices.Clone(vs)
		}
	}
	return &respcache.Entry{
		ContentType: hdr.Get("Content-Type"),
		Header:      own,
		Body:        bytes.Clone(body),
		ETag:        hdr.Get("ETag"),
		Tags:        rec.Tags,
		Expires:     now.Add(rec.MinFresh),
	}
}

// writeEntry answers a hit.
func writeEntry(c echo.Context, cache *respcache.Cache, e *respcache.Entry) error {
	r, res := c.Request(), c.Response()
	hdr := res.Header()
	for name, vs := range e.Header {
		if name == "Vary" {
			addVary(hdr, vs...)
			continue
		}
		hdr[name] = vs
	}
	if cc := hdr.Get("Cache-Control"); strings.HasPrefix(cc, ccPublicMaxAge) {
		// As fresh as it still is, as httpCache would say now.
		if secs := int64(time.Until(e.Expires) / time.Second); secs >= 1 {
			hdr.Set("Cache-Control", ccPublicMaxAge+strconv.FormatInt(secs, 10))
		} else {
			hdr.Set("Cache-Control", ccRevalidate)
		}
	}
	enc := respcache.Identity
	if len(e.Body) >= compressMinBytes && !uncompressed(c) {
		enc = acceptedEncoding(r.Header.Get("Accept-Encoding"))
	}
	body, etag := cache.Encoded(e, enc)
	if enc != respcache.Identity {
		hdr.Set("Content-Encoding", enc.String())
		addVary(hdr, "Accept-Encoding")
	}
	if hdr.Get("ETag") != "" && etag != "" {
		hdr.Set("ETag", etag) // the tag of the bytes as sent
	}
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	res.WriteHeader(http.StatusOK)
	_, err := res.Write(body)
	return err
}

// acceptedEncoding picks the encoding compress would for an Accept-Encoding
// header: gzip or zstd by q-value, gzip on a tie, identity when neither is
// welcome.
func acceptedEncoding(header string) respcache.Encoding {
	gz, zs := 0.0, 0.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				continue
			}
			q = f
		}
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "gzip":
			gz = q
		case "zstd":
			zs = q
		}
	}
	switch {
	case gz > 0 && gz >= zs:
		return respcache.Gzip
	case zs > 0:
		return respcache.Zstd
	}
	return respcache.Identity
}

// answerKey is the request's key (see the comment of responseCache), or
// false when it is not a request whose answer is kept.
func answerKey(r *http.Request) (respcache.Key, operationRef, bool) {
	if (r.Method != http.MethodGet && r.Method != http.MethodPost) || liveRequest(r) || upgrade(r) || graph.EventStreamRequest(r) {
		return respcache.Key{}, operationRef{}, false
	}
	accept := r.Header.Get("Accept")
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(0)
	b.WriteString(r.URL.Path)
	b.WriteByte(0)
	b.WriteString(strconv.Itoa(int(commerce.PrincipalFrom(r.Context()).Role)))
	b.WriteByte(0)
	if strings.Contains(accept, "application/graphql-response+json") {
		b.WriteByte('r')
	}
	if strings.Contains(accept, "multipart/mixed") {
		b.WriteByte('m')
	}
	b.WriteByte(0)
	if !isGraphQLPath(r.URL.Path) {
		if r.Method != http.MethodGet || rest.IsEventStream(r.URL.Path) || r.URL.Query().Has("key") {
			return respcache.Key{}, operationRef{}, false
		}
		b.WriteString(r.URL.Query().Encode()) // sorted by parameter
		return sha256.Sum256([]byte(b.String())), operationRef{rest: true}, true
	}
	var p gqlParams
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		p.Query, p.OperationName, p.DocumentID = q.Get("query"), q.Get("operationName"), q.Get("documentId")
		if v := q.Get("variables"); v != "" {
			p.Variables = json.RawMessage(v)
		}
		if v := q.Get("extensions"); v != "" {
			p.Extensions = json.RawMessage(v)
		}
	case http.MethodPost:
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
			return respcache.Key{}, operationRef{}, false
		}
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return respcache.Key{}, operationRef{}, false
		}
		body = bytes.TrimLeft(body, " \t\r\n")
		if len(body) == 0 || body[0] != '{' { // a batch, or nothing
			return respcache.Key{}, operationRef{}, false
		}
		if json.Unmarshal(body, &p) != nil {
			return respcache.Key{}, operationRef{}, false
		}
	}
	doc, ok := p.document()
	if !ok {
		return respcache.Key{}, operationRef{}, false
	}
	vars, ok := canonicalJSON(p.Variables)
	if !ok {
		return respcache.Key{}, operationRef{}, false
	}
	b.WriteString(doc)
	b.WriteByte(0)
	b.WriteString(p.OperationName)
	b.WriteByte(0)
	b.Write(vars)
	return sha256.Sum256([]byte(b.String())), operationRef{doc: doc, text: p.Query, name: p.OperationName}, true
}

// gqlParams are the parts of a GraphQL request that make its answer.
type gqlParams struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
	DocumentID    string          `json:"documentId"`
}

// document names the request's document: its text's hash (with the
// persisted-query hash it must match, when one comes with it), a
// persisted query by hash alone, or a documentId alone. A hash alone is
// its own key, not the text's: it is answered only once the persisted
// query store resolved it, so a hash it never knew is still
// PERSISTED_QUERY_NOT_FOUND.
func (p gqlParams) document() (string, bool) {
	var ext struct {
		PersistedQuery *struct {
			Version    json.Number `json:"version"`
			SHA256Hash string      `json:"sha256Hash"`
		} `json:"persistedQuery"`
	}
	if len(p.Extensions) > 0 {
		dec := json.NewDecoder(bytes.NewReader(p.Extensions))
		dec.UseNumber()
		if dec.Decode(&ext) != nil {
			return "", false
		}
	}
	sum := func() string { s := sha256.Sum256([]byte(p.Query)); return hex.EncodeToString(s[:]) }
	pq := ext.PersistedQuery
	switch {
	case pq != nil && (pq.Version != "1" || pq.SHA256Hash == ""):
		return "", false // the handler says what is wrong
	case pq != nil && p.Query == "":
		return "apq:" + strings.ToLower(pq.SHA256Hash), p.DocumentID == ""
	case pq != nil:
		if sum() != strings.ToLower(pq.SHA256Hash) {
			return "", false
		}
		return "text:" + strings.ToLower(pq.SHA256Hash), p.DocumentID == ""
	case p.DocumentID != "":
		return "id:" + p.DocumentID, p.Query == ""
	case p.Query != "":
		return "text:" + sum(), true
	}
	return "", false
}

// operationRef is what answerKey knows of the operation: a REST GET, or
// a GraphQL document (its key, its text when sent) and operation name.
type operationRef struct {
	rest            bool
	doc, text, name string
}

// operationKinds remembers which kind of operation (query, mutation,
// subscription) each document's named operation is, so a miss parses a
// document once: mutations and subscriptions skip the response cache.
type operationKinds struct {
	once  sync.Once
	known *lru.Cache[string, ast.Operation]
}

// kind is the operation's kind, or "" when it cannot be told without
// running it (no text, or text that does not parse).
func (o *operationKinds) kind(op operationRef) ast.Operation {
	if op.rest {
		return ast.Query
	}
	o.once.Do(func() { o.known, _ = lru.New[string, ast.Operation](4096) })
	id := op.doc + "\x00" + op.name
	if k, ok := o.known.Get(id); ok {
		return k
	}
	if op.text == "" {
		return ""
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: op.text})
	if err != nil {
		return ""
	}
	var k ast.Operation
	switch {
	case op.name != "":
		if d := doc.Operations.ForName(op.name); d != nil {
			k = d.Operation
		}
	case len(doc.Operations) == 1:
		k = doc.Operations[0].Operation
	}
	if k != "" {
		o.known.Add(id, k)
	}
	return k
}

// canonicalJSON re-encodes a JSON value with its object keys sorted and
// its numbers as written; nothing (or null) is "".
func canonicalJSON(raw json.RawMessage) ([]byte, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil, false
	}
	out, err := json.Marshal(v)
	return out, err == nil
}

// flights are the misses being filled, so concurrent misses of one key
// run once.
type flights struct {
	mu sync.Mutex
	m  map[respcache.Key]*flight
}

type flight struct{ done chan struct{} }

// join returns k's flight, and whether the caller leads it (and must
// leave it).
func (fs *flights) join(k respcache.Key) (*flight, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f, ok := fs.m[k]; ok {
		return f, false
	}
	if fs.m == nil {
		fs.m = map[respcache.Key]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	fs.m[k] = f
	return f, true
}

func (fs *flights) leave(k respcache.Key, f *flight) {
	fs.mu.Lock()
	delete(fs.m, k)
	fs.mu.Unlock()
	close(f.done)
}
