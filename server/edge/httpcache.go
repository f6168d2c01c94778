package edge

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
)

// HTTP caching of the keyed answers (GraphQL at /graphql, REST under
// /v1/): the one place their ETag and Cache-Control are decided.
//
//   - httpCache (on those routes, after the key is known) records what the
//     request reads (commerce.WithReadRecord: the doors' own records nest
//     in it, the cache and the per-customer reads fill it in), holds a GET
//     answer until it is complete, then stamps it: a 200 that is an answer
//     (for GraphQL: data and no errors) gets ETag over its identity bytes
//     and the Cache-Control of cacheControl; anything else (an error, a
//     partial GraphQL answer, a POST) gets no-store and no ETag. Every one
//     gets Vary: varyHeaders. An answer that streams is let through as it
//     is written, unstamped.
//   - conditional (outermost of the encodings, see routes) answers 304 to
//     a GET whose If-None-Match names the answer's ETag as it would be
//     sent, encoding and all, so the tag compared is the one the client
//     was given.
//
// A 304 still runs the operation, from the gateway's own cache (which is
// what makes it free upstream when warm); only the bytes are saved.

// varyHeaders are the request headers every keyed answer varies by: the key
// (and so its role), the media type and the encoding.
var varyHeaders = []string{"Authorization", "X-API-Key", "Accept", "Accept-Encoding"}

// Cache-Control values other than public, max-age.
const (
	// ccNoStore: POSTs (mutations, batches, and queries a client chose not
	// to make cacheable), errors and partial answers.
	ccNoStore = "no-store"
	// ccPrivate: anything read with an admin key, or containing
	// per-customer data (commerce.ReadRecord.Private).
	ccPrivate = "private, no-cache"
	// ccRevalidate: a storefront answer whose freshness is unknown or
	// spent (stale, or nothing read recorded one): a shared cache may
	// keep it, but asks again (If-None-Match) each time.
	ccRevalidate = "public, no-cache"
	// ccPublicMaxAge, and the seconds: a storefront answer with a known
	// freshness.
	ccPublicMaxAge = "public, max-age="
)

// cacheControl is the rule for a GET answer: private for admin keys and
// per-customer data, else public for as long as the least fresh thing it
// read stays fresh (whole seconds, rounded down).
func cacheControl(role commerce.Role, r commerce.ReadRecord) string {
	switch {
	case role == commerce.RoleAdmin || r.Private:
		return ccPrivate
	case r.Stale || !r.Fresh || r.MinFresh < time.Second:
		return ccRevalidate
	}
	return ccPublicMaxAge + strconv.FormatInt(int64(r.MinFresh/time.Second), 10)
}

// ETag is the strong entity tag of an answer whose unencoded bytes are
// identity, sent with the content coding encoding ("" or "identity": none;
// "gzip", "zstd"): a hash of the bytes, suffixed with the encoding, as
// gzhttp suffixes the identity tag when it encodes (compress.go). A cache
// of answers keeps the identity bytes and derives each encoding's tag here.
func ETag(identity []byte, encoding string) string {
	sum := sha256.Sum256(identity)
	tag := base64.RawURLEncoding.EncodeToString(sum[:18])
	if encoding != "" && encoding != "identity" {
		tag += "-" + encoding
	}
	return `"` + tag + `"`
}

// httpCache stamps keyed answers (see the comment at the top of the file).
func (h *handler) httpCache(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r, res := c.Request(), c.Response()
		addVary(res.Header(), varyHeaders...)
		// Until the answer is known to be one: a POST, an error, or a
		// stream keeps this.
		res.Header().Set("Cache-Control", ccNoStore)
		if r.Method != http.MethodGet || upgrade(r) {
			return next(c)
		}
		ctx, reads := commerce.WithReadRecord(r.Context())
		c.SetRequest(r.WithContext(ctx))
		held := &heldResponse{ResponseWriter: res.Writer}
		res.Writer = held
		err := next(c)
		res.Writer = held.ResponseWriter
		if held.through {
			return err
		}
		hdr := res.Header()
		if tag, ok := answerTag(r, held, err); ok {
			hdr.Set("ETag", tag)
			hdr.Set("Cache-Control", cacheControl(commerce.PrincipalFrom(ctx).Role, reads()))
		} else {
			hdr.Del("ETag")
		}
		held.release()
		return err
	}
}

// answerTag is the identity ETag of a held answer that is one: a 200 its
// handler completed and, at /graphql, a result with data and no errors
// (an error may be passing: an upstream outage, a budget spent).
func answerTag(r *http.Request, held *heldResponse, err error) (string, bool) {
	if err != nil || held.status != http.StatusOK {
		return "", false
	}
	body := held.body.Bytes()
	if isGraphQLPath(r.URL.Path) && !completeResult(body) {
		return "", false
	}
	return ETag(body, ""), true
}

// completeResult reports whether a GraphQL result is an answer: data, and
// no errors (an error may be passing: an upstream outage, a budget spent).
func completeResult(body []byte) bool {
	var res struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	return json.Unmarshal(body, &res) == nil && len(res.Errors) == 0 && len(res.Data) > 0 && string(res.Data) != "null"
}

// conditional answers 304 Not Modified to a GET whose If-None-Match names
// the ETag of the answer as it would be sent (see the comment at the top
// of the file). Only a 200 is compared (RFC 9110 §13.2.1); the 304 keeps
// the answer's ETag, Cache-Control, Vary and the rest of its headers but
// none that describe a body.
func conditional(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		inm := r.Header.Values("If-None-Match")
		if r.Method != http.MethodGet || len(inm) == 0 || upgrade(r) {
			return next(c)
		}
		res := c.Response()
		held := &heldResponse{ResponseWriter: res.Writer}
		res.Writer = held
		defer func() { res.Writer = held.ResponseWriter }()
		if err := next(c); err != nil {
			c.Error(err) // written into held, to be compared like any answer
		}
		if held.through {
			return nil
		}
		hdr := res.Header()
		if held.status != http.StatusOK || !noneMatch(strings.Join(inm, ","), hdr.Get("ETag")) {
			held.release()
			return nil
		}
		for _, k := range []string{"Content-Type", "Content-Length", "Content-Encoding", "Content-Range", "Accept-Ranges"} {
			hdr.Del(k)
		}
		held.through = true
		held.ResponseWriter.WriteHeader(http.StatusNotModified)
		res.Status, res.Size = http.StatusNotModified, 0
		return nil
	}
}

// noneMatch reports whether an If-None-Match value matches etag by weak
// comparison (RFC 9110 §8.8.3.2, §13.1.2): "*" matches any answer with a
// tag; a list matches when one of its entity tags has etag's opaque tag,
// W/ or not. A malformed member ends the list (those before it still
// count): garbage can only cost its sender a full answer.
func noneMatch(header, etag string) bool {
	if etag == "" {
		return false
	}
	opaque := strings.TrimPrefix(etag, "W/")
	for s := header; ; {
		s = strings.TrimLeft(s, " \t")
		switch {
		case s == "":
			return false
		case s[0] == ',':
			s = s[1:]
			continue
		case s[0] == '*':
			rest := strings.TrimLeft(s[1:], " \t")
			if rest == "" || rest[0] == ',' {
				return true
			}
			return false
		}
		tag, rest, ok := scanETag(s)
		if !ok {
			return false
		}
		if strings.TrimPrefix(tag, "W/") == opaque {
			return true
		}
		s = strings.TrimLeft(rest, " \t")
		if s != "" && s[0] != ',' {
			return false
		}
	}
}

// scanETag reads one entity-tag (RFC 9110 §8.8.3: [W/] DQUOTE *etagc
// DQUOTE, etagc = %x21 / %x23-7E / obs-text) from the start of s.
func scanETag(s string) (tag, rest string, ok bool) {
	start := 0
	if strings.HasPrefix(s, "W/") {
		start = 2
	}
	if len(s) <= start || s[start] != '"' {
		return "", s, false
	}
	for i := start + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return s[:i+1], s[i+1:], true
		case c == 0x21 || c >= 0x23 && c <= 0x7E || c >= 0x80:
		default:
			return "", s, false
		}
	}
	return "", s, false
}

// addVary adds names to the Vary header, once each.
func addVary(h http.Header, names ...string) {
	have := map[string]bool{}
	for _, v := range h.Values("Vary") {
		for n := range strings.SplitSeq(v, ",") {
			have[strings.ToLower(strings.TrimSpace(n))] = true
		}
	}
	var add []string
	for _, n := range names {
		if !have[strings.ToLower(n)] {
			add = append(add, n)
		}
	}
	if len(add) > 0 {
		h.Add("Vary", strings.Join(add, ", "))
	}
}

func upgrade(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// heldResponse holds an answer (status and body) until its handler
// returns, so what is said about it can depend on all of it. An answer
// that streams (an event-stream or multipart content type, or a Flush) is
// let through as it is written instead.
type heldResponse struct {
	http.ResponseWriter
	status  int
	body    bytes.Buffer
	through bool // written through (streaming, or released)
}

func (w *heldResponse) WriteHeader(code int) {
	switch {
	case w.through, code >= 100 && code < 200:
		w.ResponseWriter.WriteHeader(code)
		return
	case w.status == 0:
		w.status = code
	}
	if streams(w.Header().Get("Content-Type")) {
		w.release()
	}
}

func (w *heldResponse) Write(b []byte) (int, error) {
	if w.status == 0 && !w.through {
		w.WriteHeader(http.StatusOK)
	}
	if w.through {
		return w.ResponseWriter.Write(b)
	}
	return w.body.Write(b)
}

// Flush lets the answer through: its handler streams it.
func (w *heldResponse) Flush() {
	w.release()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *heldResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// release writes what is held and lets the rest through.
func (w *heldResponse) release() {
	if w.through {
		return
	}
	w.through = true
	if w.status != 0 {
		w.ResponseWriter.WriteHeader(w.status)
	}
	if w.body.Len() > 0 {
		_, _ = w.ResponseWriter.Write(w.body.Bytes())
		w.body.Reset()
	}
}

// streams reports whether an answer of content type ct streams.
func streams(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/event-stream" || strings.HasPrefix(mt, "multipart/")
}
