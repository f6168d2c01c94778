package edge

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// compressMinBytes is the smallest answer worth gzipping: below about a
// kilobyte the gzip header and the CPU cost more than the bytes saved.
const compressMinBytes = 1024

// compress gzips answers of at least compressMinBytes for a client that
// asks (Accept-Encoding: gzip), with echo's gzip middleware (it buffers up
// to the minimum, sets Content-Encoding and Vary: Accept-Encoding). It
// never touches a stream, whose events must reach the client as they are
// written (text/event-stream and multipart/mixed answers, WebSocket
// upgrades), nor /metrics, whose handler compresses its own answer.
func compress() echo.MiddlewareFunc {
	return middleware.GzipWithConfig(middleware.GzipConfig{
		MinLength: compressMinBytes,
		Skipper:   uncompressed,
	})
}

// uncompressed reports whether the answer must not be gzipped here: it
// streams, or its handler compresses it.
func uncompressed(c echo.Context) bool {
	r := c.Request()
	if r.URL.Path == MetricsPath {
		return true
	}
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/event-stream") || strings.Contains(accept, "multipart/mixed") ||
		r.Method == http.MethodHead
}
