package edge

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/server/rest"
)

// compressMinBytes is the smallest answer worth compressing: below about a
// kilobyte the encoding's header and the CPU cost more than the bytes
// saved.
const compressMinBytes = 1024

// compress encodes answers of at least compressMinBytes for a client that
// asks: zstd or gzip (Accept-Encoding, by its q-values; gzip when both are
// equally welcome), with klauspost/compress's gzhttp. That library rather
// than echo's gzip middleware: it negotiates both encodings with the same
// code, buffers up to the minimum, sets Content-Encoding and Vary:
// Accept-Encoding, and suffixes an answer's ETag with its encoding
// (-gzip, -zstd: see ETag in httpcache.go), so each encoding has its own.
// No brotli: gzhttp does not encode it, and a second negotiation written
// here for one more encoding is not worth its bytes.
//
// It never touches a stream, whose events must reach the client as they
// are written (text/event-stream and multipart/* answers, the REST event
// streams whatever their Accept says, WebSocket upgrades), nor HEAD, nor
// /metrics, whose handler compresses its own answer.
func compress() echo.MiddlewareFunc {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinBytes),
		gzhttp.EnableZstd(true),
		// gzip when both are equally welcome: some clients name zstd without
		// decoding it (graphql-codegen's fetch on Node 20, clients/codegen.test.js).
		gzhttp.PreferZstd(false),
		gzhttp.SuffixETag("-gzip"), // gzhttp writes -zstd for zstd
		// By what the answer is, not by what the client accepts: urql
		// accepts both stream types in every request, and its ordinary
		// JSON answers are compressed all the same.
		gzhttp.ContentTypeFilter(func(ct string) bool { return !streams(ct) && gzhttp.DefaultContentTypeFilter(ct) }),
	)
	if err != nil {
		panic("edge: gzhttp options: " + err.Error()) // constant options: a programming error
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if uncompressed(c) {
				return next(c)
			}
			res := c.Response()
			orig := res.Writer
			defer func() { res.Writer = orig }()
			wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res.Writer = w
				c.SetRequest(r)
				// Errors are written here, through the encoder, while it
				// is open.
				if err := next(c); err != nil {
					c.Error(err)
				}
			})).ServeHTTP(orig, c.Request())
			return nil
		}
	}
}

// uncompressed reports whether the answer must not be compressed here: it
// streams, or its handler compresses it.
func uncompressed(c echo.Context) bool {
	r := c.Request()
	if r.URL.Path == MetricsPath || rest.IsEventStream(r.URL.Path) {
		return true
	}
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return true
	}
	return r.Method == http.MethodHead
}
