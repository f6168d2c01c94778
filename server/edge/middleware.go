package edge

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server/rest"
)

const (
	ctxRequestID = "request_id"
	ctxKeyID     = "key_id"
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
// query strings or bodies.
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
		h.d.Log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", c.Response().Status),
			slog.Int64("bytes", c.Response().Size),
			slog.Duration("duration", time.Since(start)),
			slog.Any("request_id", c.Get(ctxRequestID)),
			slog.Any("key_id", c.Get(ctxKeyID)),
		)
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

// tooLarge is the 413 of a route whose body limit is its own, not the
// server-wide MaxBodyBytes: its message states that limit.
func tooLarge(limit int) *echo.HTTPError {
	return echo.NewHTTPError(http.StatusRequestEntityTooLarge, tooLargeMessage(limit))
}

func tooLargeMessage(limit int) string {
	size := fmt.Sprintf("%d KB", limit>>10)
	if limit >= 1<<20 && limit%(1<<20) == 0 {
		size = fmt.Sprintf("%d MB", limit>>20)
	}
	return fmt.Sprintf("the request body is larger than %d bytes (%s)", limit, size)
}

// handleError is the one place HTTP-level failures are written: GraphQL
// paths answer in the GraphQL error shape, everything else as RFC 9457
// problem+json.
func (h *handler) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, code, msg := http.StatusInternalServerError, commerce.CodeInternal, "internal error"
	var he *echo.HTTPError
	var ce *commerce.Error
	switch {
	case errors.As(err, &ce):
		status, code, msg = rest.StatusOf(ce.Code), ce.Code, ce.Message
		if code == commerce.CodeInternal {
			msg = "internal error" // the cause is for logs only
		}
	case errors.As(err, &he):
		status = he.Code
		switch status {
		case http.StatusNotFound:
			code, msg = commerce.CodeNotFound, "no route for "+c.Request().Method+" "+c.Request().URL.Path
		case http.StatusMethodNotAllowed:
			code, msg = commerce.CodeBadUserInput, c.Request().Method+" is not allowed on "+c.Request().URL.Path
		case http.StatusRequestEntityTooLarge:
			// A route with its own limit says so (tooLarge); echo's body
			// limit, the server-wide one, says only the status text.
			code, msg = commerce.CodeBadUserInput, tooLargeMessage(MaxBodyBytes)
			if m, ok := he.Message.(string); ok && m != http.StatusText(http.StatusRequestEntityTooLarge) {
				msg = m
			}
		default:
			if status < 500 {
				code, msg = commerce.CodeBadUserInput, fmt.Sprint(he.Message)
			}
		}
	}
	if status >= 500 && code == commerce.CodeInternal {
		h.d.Log.Error("request failed", "err", err, "request_id", c.Get(ctxRequestID))
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="commerce-gateway"`)
	}
	retryAfter := 0
	if ce != nil {
		retryAfter = ce.RetryAfterSeconds()
	}
	if retryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if isGraphQLPath(c.Request().URL.Path) {
		_ = c.JSON(status, graphqlErrorBody(code, msg, retryAfter))
		return
	}
	if ce != nil {
		// The REST door's own translation: the same status and code, plus
		// what the error carries (retryAfter, backend, request id), and
		// never the message of an internal error.
		_ = rest.WriteError(c, ce)
		return
	}
	_ = rest.WriteProblem(c, status, code, msg, nil)
}

func isGraphQLPath(p string) bool { return p == "/graphql" }

func graphqlErrorBody(code commerce.Code, msg string, retryAfter int) map[string]any {
	ext := map[string]any{"code": string(code)}
	if retryAfter > 0 {
		ext["retryAfter"] = retryAfter
	}
	return map[string]any{"errors": []map[string]any{{
		"message":    msg,
		"extensions": ext,
	}}}
}
