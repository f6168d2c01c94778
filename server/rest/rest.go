package rest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humaecho"
	"github.com/labstack/echo/v4"

	"github.com/commercegateway/gateway/changes"
	"github.com/commercegateway/gateway/commerce"
)

// Paths of the REST door.
const (
	BasePath    = "/v1"
	OpenAPIPath = BasePath + "/openapi.json"
	DocsPath    = BasePath + "/docs"
)

// DefaultMaxBodyBytes bounds request bodies, as the edge does (edge.MaxBodyBytes, 2 MB).
const DefaultMaxBodyBytes = 2 << 20

// BodyReadTimeout bounds reading a request: huma's default, 5 s, is short
// for 2 MB on a slow connection. The HTTP server's ReadTimeout is this too
// (server.Run), so the two cannot disagree.
const BodyReadTimeout = 30 * time.Second

// Options configures the REST door.
type Options struct {
	// Log receives internal errors (500s); default: discard.
	Log *slog.Logger
	// MaxBodyBytes bounds request bodies; larger ones answer 413. Default
	// DefaultMaxBodyBytes. (The server's own limit answers first.)
	MaxBodyBytes int64
	// Version is the OpenAPI document's info.version; default "1".
	Version string
	// Changes feeds the event streams (events.go); nil: they answer 503.
	Changes *changes.Hub
	// KeepAlive is how often an idle stream gets a comment; default
	// DefaultKeepAlive.
	KeepAlive time.Duration
	// EventReadTimeout bounds the read of one event's entity (the edge's
	// request deadline, which does not bound a stream); default 10 s.
	EventReadTimeout time.Duration
}

// API is the REST door, registered on an echo instance.
type API struct {
	huma huma.API

	specOnce sync.Once
	spec     []byte
	specETag string

	index indexCache
}

// Register registers every /v1 operation on keyed, the group that
// authenticates callers (mounted at "", it puts the caller's
// commerce.Principal in the request context), and the routes that need no
// key on root: the index at GET /v1, GET /v1/openapi.json and the docs page
// at GET /v1/docs (with its assets under /v1/docs/assets/). Access is
// decided by the commerce operations, as for GraphQL.
func Register(root *echo.Echo, keyed *echo.Group, svc *commerce.Service, opts Options) *API {
	a := New(root, keyed, svc, opts)
	a.RegisterPublic(root)
	return a
}

// New registers the /v1 operations on keyed (see Register) and returns the
// API; RegisterPublic adds the routes that need no key.
func New(root *echo.Echo, keyed *echo.Group, svc *commerce.Service, opts Options) *API {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Version == "" {
		opts.Version = "1"
	}
	a := &API{}
	a.huma = humaecho.NewWithGroup(root, keyed, humaConfig(opts.Version))
	a.huma.UseMiddleware(withRequestURL, markStale)
	h := &handlers{svc: svc, log: log}
	r := registrar{api: a.huma, maxBody: opts.MaxBodyBytes}
	registerCatalog(r, h)
	registerOrders(r, h)
	registerInternational(r, h)
	registerConsignment(r, h)
	registerNodes(r, h)
	registerEvents(r, h, opts)
	finishDocument(a.huma.OpenAPI())
	return a
}

// OpenAPI returns the generated OpenAPI 3.1 document.
func (a *API) OpenAPI() *huma.OpenAPI { return a.huma.OpenAPI() }

// RegisterPublic registers the routes that need no key on root: the index
// at GET /v1 (index.go), the OpenAPI document and the docs page.
func (a *API) RegisterPublic(root *echo.Echo) {
	for _, p := range []string{BasePath, BasePath + "/"} {
		root.GET(p, a.serveIndex)
		root.HEAD(p, a.serveIndex)
	}
	root.GET(OpenAPIPath, a.serveOpenAPI)
	root.HEAD(OpenAPIPath, a.serveOpenAPI)
	docs := echo.WrapHandler(newDocsHandler(DocsPath, OpenAPIPath))
	for _, p := range []string{DocsPath, DocsPath + "/", DocsPath + "/assets/*"} {
		root.GET(p, docs)
		root.HEAD(p, docs)
	}
}

func (a *API) serveOpenAPI(c echo.Context) error {
	a.specOnce.Do(func() {
		b, err := json.Marshal(a.huma.OpenAPI())
		if err != nil {
			panic("rest: the OpenAPI document does not marshal: " + err.Error())
		}
		sum := sha256.Sum256(b)
		a.spec, a.specETag = b, `"`+hex.EncodeToString(sum[:8])+`"`
	})
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.specETag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(a.spec))
	return nil
}

// Security schemes: a key as a bearer token, or in X-API-Key.
const (
	securityBearer = "bearer"
	securityAPIKey = "apiKey"
	// securityKeyQuery: a storefront key as ?key=, on the event streams
	// only (events.go).
	securityKeyQuery = "keyQuery"
)

func humaConfig(version string) huma.Config {
	cfg := huma.DefaultConfig("Commerce Gateway REST API", version)
	// No generated routes (the document and docs are served by
	// RegisterPublic, without a key), no $schema links in bodies.
	cfg.OpenAPIPath, cfg.DocsPath, cfg.SchemasPath = "", "", ""
	cfg.CreateHooks, cfg.Transformers = nil, nil
	cfg.Formats = map[string]huma.Format{"application/json": huma.DefaultJSONFormat, "json": huma.DefaultJSONFormat}
	cfg.DefaultFormat = "application/json"
	cfg.Info.Description = apiDescription
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityBearer:   {Type: "http", Scheme: "bearer", Description: "An API key: Authorization: Bearer <key>."},
		securityAPIKey:   {Type: "apiKey", In: "header", Name: "X-API-Key", Description: "An API key in the X-API-Key header."},
		securityKeyQuery: {Type: "apiKey", In: "query", Name: "key", Description: "A storefront key as ?key=, accepted by the event streams only (for browsers' EventSource, which cannot send headers); an admin key there is refused."},
	}
	cfg.Tags = []*huma.Tag{
		{Name: tagCatalog, Description: "Products, variants with their inventory, locations and currencies (storefront and admin keys)."},
		{Name: tagOrders, Description: "Sales orders, their actions and returns. Creating an order is open to storefront keys as a guest checkout; everything else needs an admin key."},
		{Name: tagInternational, Description: "International orders placed at TradeGlobal with a landed-cost quote. Placing one is open to storefront keys; reading them needs an admin key."},
		{Name: tagConsignment, Description: "Online sales and returns of consignment items recorded at SimpleConsign (admin keys)."},
		{Name: tagReconciliation, Description: "Writes whose outcome is unknown, waiting for someone to check the backend (admin keys)."},
		{Name: tagNodes, Description: "Any object by its global id, as GraphQL's node and nodes. Storefront keys may fetch the catalog types only."},
	}
	return cfg
}

const apiDescription = `The REST mirror of the gateway's GraphQL API: the same operations, the same access rules, the same field names and shapes.

- **Keys.** Send ` + "`Authorization: Bearer <key>`" + ` or ` + "`X-API-Key: <key>`" + `. Storefront keys may read the catalog, create guest-checkout orders and place international orders; admin keys may do everything.
- **Representations.** camelCase fields named as in GraphQL, global ids (` + "`gid://tradegecko/Product/1`" + `), Money as ` + "`{\"amount\":\"24.00\",\"currencyCode\":\"SGD\"}`" + `, decimals as strings. A resource embeds its natural children (a product its variants with inventory; an order its line items) and refers to the rest by id. Path ids take the URL-encoded global id or the bare backend id.
- **Lists.** Paged lists take ` + "`?first=`" + ` (1..100, default 20) and ` + "`?after=`" + ` and answer ` + "`{\"data\":[…],\"pageInfo\":{…},\"totalCount\":N}`" + ` with ` + "`Link: <…>; rel=\"next\"`" + `; unpaged lists answer ` + "`{\"data\":[…]}`" + `.
- **Any object by id.** ` + "`GET /v1/nodes?ids=<gid>,<gid>`" + ` (at most 100) and ` + "`GET /v1/nodes/{id}`" + ` answer any object by its global id, as GraphQL's nodes and node: its representation plus ` + "`__typename`" + `, or null for an id that names nothing.
- **Writes.** Creating an order, a return or a consignment return takes an ` + "`Idempotency-Key`" + ` header (kept 24 h per API key): the same key and body replays the first result, another body is 422 IDEMPOTENCY_KEY_REUSED, and while the first is still running 409 CONFLICT. International orders are keyed by their merchantOrderId, consignment sales by order number and content; order actions are safe to retry.
- **Errors.** RFC 9457 ` + "`application/problem+json`" + ` with a ` + "`code`" + `: 400 BAD_USER_INPUT (not JSON, wrong types, malformed ids or parameters), 422 USER_ERROR with ` + "`errors: [{field, message, code}]`" + `, 401, 403, 404, 409, 429 (with Retry-After), 502 (UPSTREAM_ERROR, OUTCOME_UNKNOWN with pendingWriteId), 503 (UPSTREAM_UNAVAILABLE, BACKEND_DISABLED).`

// Tags group the operations in the document.
const (
	tagCatalog        = "Catalog"
	tagOrders         = "Orders"
	tagInternational  = "International orders"
	tagConsignment    = "Consignment"
	tagReconciliation = "Reconciliation"
	tagNodes          = "Nodes"
)

// registrar registers operations with what they all share.
type registrar struct {
	api     huma.API
	maxBody int64
}

// register registers one keyed operation: security, its error responses,
// the body limit.
func register[I, O any](r registrar, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	op.Security = []map[string][]string{{securityBearer: {}}, {securityAPIKey: {}}}
	op.MaxBodyBytes = r.maxBody + 1 // huma refuses a body that reaches its limit
	op.BodyReadTimeout = BodyReadTimeout
	errs := map[int]bool{http.StatusBadRequest: true, http.StatusUnauthorized: true, http.StatusTooManyRequests: true,
		http.StatusBadGateway: true, http.StatusServiceUnavailable: true}
	for _, s := range op.Errors {
		errs[s] = true
	}
	op.Errors = make([]int, 0, len(errs))
	for s := range errs {
		op.Errors = append(op.Errors, s)
	}
	sort.Ints(op.Errors)
	huma.Register(r.api, op, h)
}

// Descriptions of the error responses in the document.
var errorDescriptions = map[string]string{
	"400": "BAD_USER_INPUT: the request cannot be decoded (not JSON, wrong types, unknown fields, malformed ids, cursors or parameters).",
	"401": "UNAUTHENTICATED: no valid API key.",
	"403": "FORBIDDEN: this key's role may not do this.",
	"404": "NOT_FOUND: no such resource.",
	"409": "CONFLICT: a request with this Idempotency-Key is still running; retry later to get its result.",
	"413": "The request body is larger than 2 MB.",
	"422": "USER_ERROR: the request was understood and refused; errors lists what to fix.",
	"429": "RATE_LIMITED: the backend's request budget is spent; retry after Retry-After seconds.",
	"500": "INTERNAL: an unexpected error.",
	"502": "UPSTREAM_ERROR (the backend refused the gateway), or OUTCOME_UNKNOWN (a write whose result could not be learned; pendingWriteId names it).",
	"503": "UPSTREAM_UNAVAILABLE (the backend did not answer in time) or BACKEND_DISABLED (not configured).",
}

// finishDocument adjusts what huma generates: reads never answer 422 (huma
// lists it for any operation with parameters), error responses say what
// their codes mean, 429 documents Retry-After, and a nullable enum admits
// null (huma makes its type ["string","null"] but lists only the values, so
// a null sizeUom would not validate).
func finishDocument(doc *huma.OpenAPI) {
	for _, s := range doc.Components.Schemas.Map() {
		enumsAdmitNull(s)
	}
	for _, item := range doc.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post} {
			if op == nil {
				continue
			}
			if op.Method == http.MethodGet {
				delete(op.Responses, "422")
			}
			for status, resp := range op.Responses {
				if d, ok := errorDescriptions[status]; ok {
					resp.Description = d
				}
				if status == "429" {
					resp.Headers = map[string]*huma.Param{"Retry-After": {
						Description: "Seconds to wait before retrying.",
						Schema:      &huma.Schema{Type: huma.TypeInteger, Minimum: ptr(1.0)},
					}}
				}
			}
		}
	}
}

func enumsAdmitNull(s *huma.Schema) {
	if s == nil {
		return
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, nil) && s.Type == huma.TypeString && s.Nullable {
		s.Enum = append(s.Enum, nil)
	}
	for _, p := range s.Properties {
		enumsAdmitNull(p)
	}
	enumsAdmitNull(s.Items)
	for _, list := range [][]*huma.Schema{s.AnyOf, s.OneOf, s.AllOf} {
		for _, sub := range list {
			enumsAdmitNull(sub)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// handlers are the operations' bodies.
type handlers struct {
	svc *commerce.Service
	log *slog.Logger
}

// fail translates a Service error to its problem, logging internal ones.
func (h *handlers) fail(ctx context.Context, err error) error {
	p := ProblemOf(err)
	if p.Status >= 500 && p.Code == string(commerce.CodeInternal) {
		h.log.ErrorContext(ctx, "rest: internal error", "err", err)
	}
	return p
}

type requestURLKey struct{}

// withRequestURL puts the request's URL in the context: paged lists build
// their Link from it, path parameters are unescaped by it.
func withRequestURL(ctx huma.Context, next func(huma.Context)) {
	u := ctx.URL()
	next(huma.WithValue(ctx, requestURLKey{}, &u))
}

// StaleWarning is the header a response carries when some of its data was
// served from cache past its freshness (the backend was slow, down or out
// of budget) — GraphQL's extensions.stale.
const StaleWarning = `110 - "Response is Stale"`

// markStale tracks stale serves for the operation and, when there were
// any, adds Warning: StaleWarning before the status is written.
func markStale(ctx huma.Context, next func(huma.Context)) {
	c, reads := commerce.WithReadRecord(ctx.Context())
	if m := ctx.Method(); m != http.MethodGet && m != http.MethodHead {
		c = commerce.WithWrite(c) // its lookups take the writes' priority
	}
	next(&staleContext{humaContext: huma.WithContext(ctx, c), reads: reads})
}

// humaContext names the embedded huma.Context (whose own Context method
// the field would otherwise shadow).
type humaContext = huma.Context

type staleContext struct {
	humaContext
	reads func() commerce.ReadRecord
}

func (c *staleContext) SetStatus(code int) {
	if c.reads().Stale {
		c.SetHeader("Warning", StaleWarning)
	}
	c.humaContext.SetStatus(code)
}

func requestURL(ctx context.Context) *url.URL {
	u, _ := ctx.Value(requestURLKey{}).(*url.URL)
	return u
}

// itoa is strconv.Itoa, for paths of user errors.
func itoa(i int) string { return strconv.Itoa(i) }
