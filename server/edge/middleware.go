package edge

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/server/rest"
)

const (
	ctxRequestID = "request_id"
	ctxKeyID     = "key_id"
	// ctxOperations: the operations of a GraphQL batch (graphql.go).
	ctxOperations = "operations"
)

// requestID keeps a caller's X-Request-ID when it is short and plain (so it
// cannot forge log lines), otherwise makes one, and echoes it back.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !plainID(id) {
			id = uuid.NewString()
		}
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

func plainID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// accessLog writes one structured line per request. It never logs keys,
// query strings or bodies: the path only, so an event stream's ?key= (a
// storefront key, auth.go) never reaches the logs.
func (h *handler) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		r := c.Request()
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", time.Since(start)),
			slog.Any("request_id", c.Get(ctxRequestID)),
			slog.Any("key_id", c.Get(ctxKeyID)),
		}
		if n, ok := c.Get(ctxOperations).(int); ok {
			attrs = append(attrs, slog.Int("operations", n))
		}
		h.d.Log.LogAttrs(r.Context(), level, "request", attrs...)
		return nil
	}
}

// recoverPanics turns a panic into a 500 and a logged stack.
func (h *handler) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				h.d.Log.Error("panic while serving a request", "panic", p, "stack", string(debug.Stack()), "request_id", c.Get(ctxRequestID))
				err = &commerce.Error{Code: commerce.CodeInternal, Message: "internal error"}
			}
		}()
		return next(c)
	}
}

// bodyLimit refuses a body over limit bytes with rest.TooLarge: at once
// when its Content-Length says so, else when reading it goes past the
// limit (the reader's error, which the GraphQL handler and huma answer
// as 413).
func bodyLimit(limit int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > limit {
				return rest.TooLarge(limit)
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = &limitedBody{ReadCloser: r.Body, limit: limit}
			}
			return next(c)
		}
	}
}

type limitedBody struct {
	io.ReadCloser
	read, limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n, rest.TooLarge(b.limit)
	}
	return n, err
}

// handleError writes every failure raised outside a door (and what a door
// hands back to echo): what it means is rest.ErrorOf's, written in the
// GraphQL error shape on /graphql (graph.WriteError, as the presenter
// writes execution errors) and as problem+json elsewhere (rest.WriteError).
func (h *handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	r := c.Request()
	err = routeError(err, r)
	status, ce := rest.ErrorOf(err)
	if status >= 500 && ce.Code == commerce.CodeInternal {
		h.d.Log.Error("request failed", "err", err, "request_id", c.Get(ctxRequestID))
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="commerce-gateway"`)
	}
	if isGraphQLPath(r.URL.Path) {
		graph.WriteError(c.Response(), status, ce)
		return
	}
	_ = rest.WriteError(c, err)
}

// routeError names the route of the router's 404 and 405.
func routeError(err error, r *http.Request) error {
	var ce *commerce.Error
	var he *echo.HTTPError
	if errors.As(err, &ce) || !errors.As(err, &he) {
		return err
	}
	switch he.Code {
	case http.StatusNotFound:
		return echo.NewHTTPError(http.StatusNotFound, "no route for "+r.Method+" "+r.URL.Path).WithInternal(err)
	case http.StatusMethodNotAllowed:
		return echo.NewHTTPError(http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path).WithInternal(err)
	}
	return err
}

func isGraphQLPath(p string) bool { return p == "/graphql" }
