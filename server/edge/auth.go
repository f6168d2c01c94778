package edge

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/server/rest"
)

// keyring checks client keys in constant time: every presented key is
// hashed and compared with every known key's hash, so neither the time
// taken nor an early exit says which key, or how much of one, matched.
type keyring struct {
	keys []knownKey
	open bool // no keys configured: everything is open (sandbox, or GATEWAY_INSECURE)
}

type knownKey struct {
	hash [sha256.Size]byte
	role commerce.Role
	id   string // first 8 hex digits of the hash: names the key in logs
}

// Key is a client key and the role it grants.
type Key struct {
	Key  string
	Role commerce.Role
}

func newKeyring(keys []Key) *keyring {
	k := &keyring{open: len(keys) == 0}
	for _, ak := range keys {
		h := sha256.Sum256([]byte(ak.Key))
		k.keys = append(k.keys, knownKey{hash: h, role: ak.Role, id: hex.EncodeToString(h[:4])})
	}
	return k
}

// principal returns who presented key; ok is false for an unknown key.
func (k *keyring) principal(key string) (p commerce.Principal, ok bool) {
	if k.open {
		return commerce.Principal{Role: commerce.RoleAdmin, KeyID: "open"}, true
	}
	h := sha256.Sum256([]byte(key))
	match := -1
	for i := range k.keys {
		if subtle.ConstantTimeCompare(h[:], k.keys[i].hash[:]) == 1 {
			match = i
		}
	}
	if match < 0 || key == "" {
		return commerce.Principal{}, false
	}
	return commerce.Principal{Role: k.keys[match].role, KeyID: k.keys[match].id}, true
}

// presentedKey reads Authorization: Bearer <key>, or X-API-Key: <key>.
func presentedKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(rest)
		}
		return ""
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

// urlKey reads ?key=, which only the REST event streams take
// (rest.IsEventStream): browsers' EventSource cannot send headers.
func urlKey(r *http.Request) string {
	if !rest.IsEventStream(r.URL.Path) {
		return ""
	}
	return strings.TrimSpace(r.URL.Query().Get("key"))
}

// errAdminKeyInURL refuses an admin key sent as ?key=: URLs end up in
// logs, histories and Referer headers, so only the public storefront key
// may travel there.
var errAdminKeyInURL = &commerce.Error{Code: commerce.CodeForbidden,
	Message: "an admin key must not be sent in a URL (?key= takes storefront keys only): send it as Authorization: Bearer <key> or X-API-Key: <key>"}

// authenticate puts the caller's Principal in the request context. A
// request without a key is anonymous (commerce refuses it whatever it asks
// for); a request with a key that is not known is refused here, with 401 —
// except a WebSocket upgrade to /graphql, whose key is checked at its
// connection_init (live.go), where a refusal is a close code its client
// can read. An event stream also takes a storefront key as ?key= (a
// header wins), and refuses an admin key there with 403.
func (h *handler) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		key := presentedKey(r)
		if uk := urlKey(r); uk != "" && !h.keys.open {
			up, ok := h.keys.principal(uk)
			switch {
			case !ok:
				return errUnauthenticated
			case up.Role != commerce.RoleStorefront:
				return errAdminKeyInURL
			case key == "":
				key = uk
			}
		}
		var p commerce.Principal
		if key != "" || h.keys.open {
			var ok bool
			if p, ok = h.keys.principal(key); !ok && !(upgrade(r) && isGraphQLPath(r.URL.Path)) {
				return errUnauthenticated
			}
		}
		c.Set(ctxKeyID, p.KeyID)
		c.SetRequest(r.WithContext(commerce.WithPrincipal(r.Context(), p)))
		return next(c)
	}
}

// requireKey refuses anonymous requests with 401 (GraphQL needs a key for
// every field it serves, so there is nothing to gain from running the
// operation). A WebSocket upgrade passes: its key comes at connection_init.
func (h *handler) requireKey(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if commerce.PrincipalFrom(c.Request().Context()).Role == commerce.RoleNone && !upgrade(c.Request()) {
			return errUnauthenticated
		}
		return next(c)
	}
}

var errUnauthenticated = &commerce.Error{Code: commerce.CodeUnauthenticated,
	Message: "a valid API key is required: send Authorization: Bearer <key> or X-API-Key: <key>"}

// requireKeyUnder is requireKey for the paths under prefix only (a group
// mounted at the root also sees requests for routes that do not exist,
// which must stay 404s).
func (h *handler) requireKeyUnder(prefix string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		keyed := h.requireKey(next)
		return func(c echo.Context) error {
			if strings.HasPrefix(c.Request().URL.Path, prefix) {
				return keyed(c)
			}
			return next(c)
		}
	}
}

// requireAdmin refuses anonymous callers with 401 and other roles with 403.
func (h *handler) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch commerce.PrincipalFrom(c.Request().Context()).Role {
		case commerce.RoleAdmin:
			return next(c)
		case commerce.RoleNone:
			return errUnauthenticated
		default:
			return &commerce.Error{Code: commerce.CodeForbidden, Message: "this route needs an admin key"}
		}
	}
}
