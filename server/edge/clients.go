package edge

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/ratelimit"
)

// Fair shares per client (the storefront key is public, so one key is
// many clients): a client is the API key plus the client's address.
//
//   - Its request rate is bounded (GATEWAY_CLIENT_RATE_LIMIT per
//     GATEWAY_CLIENT_RATE_WINDOW, counted by package clientrate across
//     replicas); over it, every request is refused with RATE_LIMITED and
//     Retry-After.
//   - Its cold reads count against its share of each upstream's read
//     budget (GATEWAY_CLIENT_UPSTREAM_SHARE, kept by package ratelimit:
//     see ratelimit/share.go); over it, while another client waits for the
//     budget, its cold reads are refused and what is cached is still
//     served.
//
// Admin keys are server-side (never shipped in an app): they are exempt
// from both, as are writes (they keep the budget's reserve) and the
// gateway's own background work, which carries no client.

// clientAddr names the client's address: the peer, or — when the peer is a
// trusted proxy — the right-most X-Forwarded-For address that is not a
// trusted proxy itself. An address a client wrote into X-Forwarded-For
// counts only if every hop after it is trusted.
//
// An IPv6 client is named by its /64, the smallest block a network hands
// out, so rotating addresses within it earns no fresh quota.
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	return clientNet(forwardedAddr(r, trusted))
}

func clientNet(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

func forwardedAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() || !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: believe nothing before it
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return a
		}
		peer = a
	}
	return peer
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// limitClients applies the per-client request rate and marks the request's
// reads with its client, for the upstream shares. It runs after
// authenticate. A batch of n GraphQL operations counts n: the HTTP request
// one here, the others when the batch is read (admitBatch).
func (h *handler) limitClients(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		client, ok := h.clientOf(r)
		if !ok {
			return next(c)
		}
		if err := h.admit(r, client, 1, ""); err != nil {
			return err
		}
		c.SetRequest(r.WithContext(ratelimit.WithClient(r.Context(), client)))
		return next(c)
	}
}

// admitBatch counts the operations of a batch of n past the first (which
// limitClients counted as the HTTP request), all or none: a batch that
// does not fit in the client's rate is refused whole with RATE_LIMITED.
func (h *handler) admitBatch(r *http.Request, n int) error {
	client, ok := h.clientOf(r)
	if !ok || n <= 1 {
		return nil
	}
	return h.admit(r, client, n-1, "a batch of "+strconv.Itoa(n)+" operations counts as "+strconv.Itoa(n)+" requests; ")
}

// clientOf names the request's client, for a storefront key only.
func (h *handler) clientOf(r *http.Request) (string, bool) {
	p := commerce.PrincipalFrom(r.Context())
	if p.Role != commerce.RoleStorefront {
		return "", false
	}
	return p.KeyID + "|" + clientAddr(r, h.d.TrustedProxies), true
}

// admit takes n requests from client's rate, or refuses them all.
func (h *handler) admit(r *http.Request, client string, n int, why string) error {
	if h.d.Clients == nil {
		return nil
	}
	ok, retry, err := h.d.Clients.AllowN(r.Context(), client, n)
	if err != nil {
		h.d.Log.Warn("client rate: Redis did not answer; the request is admitted", "err", err)
	}
	if ok {
		return nil
	}
	if h.d.ClientRefused != nil {
		h.d.ClientRefused("rate")
	}
	return &commerce.Error{Code: commerce.CodeRateLimited, RetryAfter: max(retry, time.Second),
		Message: "too many requests from this client: " + why + "at most " + h.clientRateText() + "; try again later"}
}

func (h *handler) clientRateText() string {
	return strconv.Itoa(h.d.ClientRateLimit) + " per " + h.d.ClientRateWindow.String()
}

// ClientLimiter bounds each client's request rate (clientrate.Limiter).
type ClientLimiter interface {
	// AllowN admits n requests of client, all or none.
	AllowN(ctx context.Context, client string, n int) (ok bool, retryAfter time.Duration, err error)
}
