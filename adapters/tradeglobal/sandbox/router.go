package sandbox

import (
	"cmp"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"

	"github.com/commercegateway/gateway/adapters/sandboxkit"
)

// maxBodyBytes bounds what a request body may cost the sandbox.
const maxBodyBytes = 1 << 20

// response is an answer before it is written.
type response struct {
	status      int
	contentType string
	header      http.Header
	body        []byte
}

const jsonType = "application/json; charset=utf-8"

func jsonResponse(status int, body []byte) *response {
	return &response{status: status, contentType: jsonType, header: http.Header{}, body: body}
}

// webAPIError is ASP.NET Web API's error body: {"Message":"…"}.
func webAPIError(status int, message string) *response {
	return jsonResponse(status, marshal(struct{ Message string }{message}))
}

// serviceUnavailablePage is what http.sys answers when the application
// pool is down.
const serviceUnavailablePage = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">
<HTML><HEAD><TITLE>Service Unavailable</TITLE>
<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>
<BODY><h2>Service Unavailable</h2>
<hr><p>HTTP Error 503. The service is unavailable.</p>
</BODY></HTML>
`

// ServeHTTP serves the API (and, with Options.ControlRoutes, /_sandbox/…).
//
// An API request goes through, in order: the latency delay, routing
// (unknown path 404, other method 405), the Authorization check (401),
// FailNext, the media type (415), the JSON body (400 when not JSON), the
// order itself (200 SUCCESS or 200 FAILED), and DropNextResponses. Every
// API request is recorded.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.ControlRoutes && sandboxkit.IsControlPath(r.URL.Path) {
		s.controls.ServeHTTP(w, r)
		return
	}
	sandboxkit.Serve(s.Harness, w, r, maxBodyBytes, func(trip *sandboxkit.Call, body []byte, _ error) (sandboxkit.Outcome, func(http.ResponseWriter)) {
		resp := s.serveAPI(trip, r, body)
		if resp == nil {
			return sandboxkit.Outcome{}, nil // the client went away during the latency delay
		}
		return sandboxkit.Outcome{Status: resp.status, Error: errorMessage(resp)}, func(w http.ResponseWriter) {
			h := w.Header()
			for k, v := range resp.header {
				h[k] = v
			}
			h.Set("Content-Type", resp.contentType)
			w.WriteHeader(resp.status)
			_, _ = w.Write(resp.body)
		}
	})
}

// errorMessage is what an answer says went wrong, for the request log: a
// FAILED order's ErrorMessage, an error's Message, or the reason phrase.
func errorMessage(resp *response) string {
	var body struct{ Message, ErrorMessage string }
	if resp.contentType != jsonType || json.Unmarshal(resp.body, &body) != nil {
		if resp.status >= 400 {
			return http.StatusText(resp.status)
		}
		return ""
	}
	return cmp.Or(body.ErrorMessage, body.Message)
}

// isOrderPath matches the endpoint the way IIS does: case-insensitively,
// with or without a trailing slash.
func isOrderPath(p string) bool {
	return strings.EqualFold(strings.TrimSuffix(p, "/"), OrderPath)
}

func (s *Sandbox) serveAPI(trip *sandboxkit.Call, r *http.Request, body []byte) (resp *response) {
	if !trip.Wait(r.Context()) {
		return nil
	}

	if !isOrderPath(r.URL.Path) {
		return webAPIError(http.StatusNotFound, "No HTTP resource was found that matches the request URI '"+requestURL(r)+"'.")
	}
	if r.Method != http.MethodPost {
		resp := webAPIError(http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.")
		resp.header.Set("Allow", http.MethodPost)
		return resp
	}
	if want := s.opts.Authorization; want != "" {
		got := r.Header.Get("Authorization")
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			resp := webAPIError(http.StatusUnauthorized, "Authorization has been denied for this request.")
			scheme, _, _ := strings.Cut(want, " ")
			resp.header.Set("WWW-Authenticate", scheme+` realm="TGC"`)
			return resp
		}
	}

	if status, failed := trip.Fail(); failed {
		return injectedError(status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != "application/json" && mt != "text/json") {
		return webAPIError(http.StatusUnsupportedMediaType,
			"The request entity's media type '"+r.Header.Get("Content-Type")+"' is not supported for this resource.")
	}
	in, err := decodeOrder(body)
	var ref *refusal
	switch {
	case errors.Is(err, errNotJSON):
		resp = webAPIError(http.StatusBadRequest, "The request is invalid: the body is not JSON.")
	case errors.As(err, &ref):
		resp = jsonResponse(http.StatusOK, marshal(failedOut{Status: "FAILED", ErrorMessage: ref.message, TimeStamp: timestamp(s.opts.Now())}))
	default:
		resp = jsonResponse(http.StatusOK, s.place(in, body, s.opts.Now()))
	}
	trip.Drop()
	return resp
}

func injectedError(status int) *response {
	switch status {
	case http.StatusServiceUnavailable:
		return &response{status: status, contentType: "text/html; charset=us-ascii", header: http.Header{}, body: []byte(serviceUnavailablePage)}
	case http.StatusInternalServerError:
		return webAPIError(status, "An error has occurred.")
	}
	return webAPIError(status, http.StatusText(status))
}

func requestURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}
