package server

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/commercegateway/gateway/adapters/simpleconsign"
	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/adapters/tradeglobal"
	"github.com/commercegateway/gateway/cache"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/docstore"
	"github.com/commercegateway/gateway/graph"
	"github.com/commercegateway/gateway/server/edge"
)

// Config is everything the gateway is configured with. LoadConfig reads it
// from the environment (README.md, "Configuration"); tests build it
// directly.
type Config struct {
	Addr        string // GATEWAY_ADDR
	Sandbox     bool   // SANDBOX=1: every backend runs against its in-process sandbox
	APIKeys     []APIKey
	Insecure    bool     // GATEWAY_INSECURE=1: live mode with no API keys
	CORSOrigins []string // GATEWAY_CORS_ORIGINS
	PublicURL   string   // GATEWAY_PUBLIC_URL

	TradeGecko    TradeGeckoConfig
	TradeGlobal   TradeGlobalConfig
	SimpleConsign SimpleConsignConfig
	Redis         RedisConfig
	Cache         CacheConfig
	// Limits is what one client may ask of the gateway (the storefront
	// key is public: README.md, "Access").
	Limits LimitsConfig
	// APQ bounds automatic persisted queries.
	APQ APQConfig
	// Live configures the live updates (README.md, "Live updates"): the
	// change bus and the connections that follow it.
	Live LiveConfig

	// RequestTimeout bounds one client request, upstream waits included.
	RequestTimeout time.Duration
	// ShutdownTimeout bounds draining on SIGTERM.
	ShutdownTimeout time.Duration
}

// APIKey is a client key and its role. String never shows the key.
type APIKey struct {
	Key  string
	Role commerce.Role
}

func (k APIKey) String() string { return "****=" + k.Role.String() }

// TradeGeckoConfig configures the catalog backend.
type TradeGeckoConfig struct {
	BaseURL         string        // TRADEGECKO_BASE_URL
	AccessToken     string        // TRADEGECKO_ACCESS_TOKEN (privileged token)
	ClientID        string        // TRADEGECKO_CLIENT_ID
	ClientSecret    string        // TRADEGECKO_CLIENT_SECRET
	RedirectURL     string        // TRADEGECKO_REDIRECT_URL
	RateLimit       int           // TRADEGECKO_RATE_LIMIT
	RateWindow      time.Duration // TRADEGECKO_RATE_WINDOW
	ReadReserve     float64       // TRADEGECKO_READ_RESERVE; zero is none (LoadConfig's default is 0.1)
	RefreshInterval time.Duration // TRADEGECKO_REFRESH_INTERVAL; 0 = load once
	PollInterval    time.Duration // TRADEGECKO_POLL_INTERVAL; 0 = off
	Timeout         time.Duration // per upstream attempt
}

// withDefaults fills the zero fields with the adapter's defaults (its
// documented budget, its attempt timeout), so a Config built in Go gets the
// same as one read from the environment.
func (c TradeGeckoConfig) withDefaults() TradeGeckoConfig {
	c.RateLimit = cmp.Or(c.RateLimit, tradegecko.DefaultRateLimit)
	c.RateWindow = cmp.Or(c.RateWindow, tradegecko.DefaultRateWindow)
	c.Timeout = cmp.Or(c.Timeout, tradegecko.DefaultTimeout)
	return c
}

// Configured reports whether the backend has credentials.
func (c TradeGeckoConfig) Configured() bool {
	return c.AccessToken != "" || (c.ClientID != "" && c.ClientSecret != "")
}

// TradeGlobalConfig configures the international order backend.
type TradeGlobalConfig struct {
	BaseURL       string // TRADEGLOBAL_BASE_URL
	MerchantCode  string // TRADEGLOBAL_MERCHANT_CODE (its credential)
	Authorization string // TRADEGLOBAL_AUTHORIZATION: a whole Authorization header value
	Currency      string // TRADEGLOBAL_CURRENCY
	Timeout       time.Duration
}

// withDefaults fills the zero fields (see TradeGeckoConfig.withDefaults).
func (c TradeGlobalConfig) withDefaults() TradeGlobalConfig {
	c.Currency = cmp.Or(c.Currency, DefaultCurrency)
	c.Timeout = cmp.Or(c.Timeout, tradeglobal.DefaultTimeout)
	return c
}

// SimpleConsignConfig configures the consignment backend.
type SimpleConsignConfig struct {
	BaseURL    string        // SIMPLECONSIGN_BASE_URL
	APIKey     string        // SIMPLECONSIGN_API_KEY
	Currency   string        // SIMPLECONSIGN_CURRENCY
	RateLimit  int           // SIMPLECONSIGN_RATE_LIMIT
	RateWindow time.Duration // SIMPLECONSIGN_RATE_WINDOW
	Timeout    time.Duration
}

// withDefaults fills the zero fields (see TradeGeckoConfig.withDefaults).
func (c SimpleConsignConfig) withDefaults() SimpleConsignConfig {
	c.Currency = cmp.Or(c.Currency, DefaultCurrency)
	c.RateLimit = cmp.Or(c.RateLimit, simpleconsign.DefaultRateLimit)
	c.RateWindow = cmp.Or(c.RateWindow, simpleconsign.DefaultRateWindow)
	c.Timeout = cmp.Or(c.Timeout, simpleconsign.DefaultTimeout)
	return c
}

// RedisConfig says where Redis is: one node (URL), a Cluster (several
// Addrs) or a Sentinel set (Addrs with MasterName). Empty: an embedded
// in-memory Redis, for one process, keeping nothing across restarts.
type RedisConfig struct {
	URL        string   // REDIS_URL
	Addrs      []string // REDIS_ADDRS
	MasterName string   // REDIS_MASTER_NAME
	Password   string   // REDIS_PASSWORD
	TLS        bool     // REDIS_TLS
	// EpochCheckInterval: how often each replica checks that Redis still
	// holds the data it saw (REDIS_EPOCH_CHECK_INTERVAL; 0: the default,
	// DefaultEpochCheckInterval).
	EpochCheckInterval time.Duration
}

// Embedded reports whether the gateway runs its own in-memory Redis.
func (r RedisConfig) Embedded() bool { return r.URL == "" && len(r.Addrs) == 0 }

// CacheConfig sets the catalog cache's freshness.
type CacheConfig struct {
	CatalogTTL time.Duration // CACHE_TTL_CATALOG
	StockTTL   time.Duration // CACHE_TTL_STOCK
	// MaxListPages bounds the cached list pages (CACHE_MAX_LIST_PAGES; 0:
	// cache.DefaultMaxListPages), so no client can fill Redis with them.
	MaxListPages int
	// ResponseBytes bounds the in-process response cache
	// (RESPONSE_CACHE_SIZE, by default DefaultResponseCacheBytes from the
	// environment); 0 turns it off.
	ResponseBytes int64
	// SharedResponseBytes bounds the bytes each replica keeps in the
	// response cache's Redis tier (RESPONSE_CACHE_SHARED_SIZE; by default
	// DefaultSharedResponseCacheBytes with a shared Redis, REDIS_URL or
	// REDIS_ADDRS, and off with the embedded one, where no other replica
	// could read it); 0 turns it off.
	SharedResponseBytes int64
}

// DefaultResponseCacheBytes is RESPONSE_CACHE_SIZE's default, and
// DefaultSharedResponseCacheBytes RESPONSE_CACHE_SHARED_SIZE's.
const (
	DefaultResponseCacheBytes       = 64 << 20
	DefaultSharedResponseCacheBytes = 16 << 20
)

// LimitsConfig bounds what one client may take. A zero field takes its
// default (Defaults), so a Config built in Go gets the same limits as one
// read from the environment.
type LimitsConfig struct {
	// Introspection: who may introspect and get "did you mean"
	// suggestions (GATEWAY_INTROSPECTION): "all", "admin" or "off"; empty
	// is "all" in sandbox mode, "admin" otherwise.
	Introspection string
	// TrustedDocuments is the path of a persisted-operations manifest
	// (GATEWAY_TRUSTED_DOCUMENTS); empty: any operation.
	TrustedDocuments string
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (GATEWAY_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// ClientRateLimit requests per ClientRateWindow for one client (API
	// key + address), shared by every replica (GATEWAY_CLIENT_RATE_LIMIT,
	// GATEWAY_CLIENT_RATE_WINDOW).
	ClientRateLimit  int
	ClientRateWindow time.Duration
	// ClientUpstreamShare is the share of an upstream's read budget one
	// client may spend while others wait (GATEWAY_CLIENT_UPSTREAM_SHARE).
	ClientUpstreamShare float64
	// MaxUpstreamPerOperation bounds the upstream requests one storefront
	// operation may plan; admin keys may plan five times that
	// (GATEWAY_MAX_UPSTREAM_PER_OPERATION).
	MaxUpstreamPerOperation int
}

// LiveConfig bounds the live updates (README.md, "Live updates"): the
// change bus (package changes) and the connections that follow it. A zero
// field takes its default.
type LiveConfig struct {
	// MaxSubscriptionsPerConnection bounds the subscriptions open at once
	// on one WebSocket (GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION).
	MaxSubscriptionsPerConnection int
	// MaxConnectionsPerClient bounds one client's live connections
	// (WebSocket, GraphQL over SSE, REST event streams together) on one
	// replica (GATEWAY_MAX_CONNECTIONS_PER_CLIENT).
	MaxConnectionsPerClient int
	// SubscriberQueue bounds the events queued for one subscriber; a
	// subscriber that lets it fill is closed (GATEWAY_SUBSCRIBER_QUEUE).
	SubscriberQueue int
	// EventHistory is how long events are kept to be replayed after a
	// Last-Event-ID (GATEWAY_EVENT_HISTORY).
	EventHistory time.Duration
}

// Defaults of LiveConfig.
const (
	DefaultSubscriberQueue = 100
	DefaultEventHistory    = 5 * time.Minute
)

func (l LiveConfig) withDefaults() LiveConfig {
	l.MaxSubscriptionsPerConnection = cmp.Or(l.MaxSubscriptionsPerConnection, graph.DefaultMaxSubscriptionsPerConnection)
	l.MaxConnectionsPerClient = cmp.Or(l.MaxConnectionsPerClient, edge.DefaultMaxConnectionsPerClient)
	l.SubscriberQueue = cmp.Or(l.SubscriberQueue, DefaultSubscriberQueue)
	l.EventHistory = cmp.Or(l.EventHistory, DefaultEventHistory)
	return l
}

// APQConfig configures automatic persisted queries (README.md, "Automatic
// persisted queries"): the store clients register documents into, in
// Redis, shared by every replica (docstore). A zero field takes its
// default (docstore's).
type APQConfig struct {
	Off          bool          // GATEWAY_APQ=0
	TTL          time.Duration // GATEWAY_APQ_TTL: an entry's life after its last use
	MaxDocuments int           // GATEWAY_APQ_MAX_DOCUMENTS
	MaxBytes     int64         // GATEWAY_APQ_MAX_BYTES: of all texts together
}

func (a APQConfig) withDefaults() APQConfig {
	a.TTL = cmp.Or(a.TTL, docstore.DefaultTTL)
	a.MaxDocuments = cmp.Or(a.MaxDocuments, docstore.DefaultMaxDocuments)
	a.MaxBytes = cmp.Or(a.MaxBytes, docstore.DefaultMaxBytes)
	return a
}

// Introspection policies.
const (
	IntrospectionAll   = "all"
	IntrospectionAdmin = "admin"
	IntrospectionOff   = "off"
)

// Defaults of LimitsConfig.
const (
	DefaultClientRateLimit         = 1200
	DefaultClientRateWindow        = 60 * time.Second
	DefaultClientUpstreamShare     = 0.2
	DefaultMaxUpstreamPerOperation = 10
)

// withDefaults fills the zero fields; sandbox decides the introspection
// default.
func (l LimitsConfig) withDefaults(sandbox bool) LimitsConfig {
	if l.Introspection == "" {
		l.Introspection = IntrospectionAdmin
		if sandbox {
			l.Introspection = IntrospectionAll
		}
	}
	l.ClientRateLimit = cmp.Or(l.ClientRateLimit, DefaultClientRateLimit)
	l.ClientRateWindow = cmp.Or(l.ClientRateWindow, DefaultClientRateWindow)
	l.ClientUpstreamShare = cmp.Or(l.ClientUpstreamShare, DefaultClientUpstreamShare)
	l.MaxUpstreamPerOperation = cmp.Or(l.MaxUpstreamPerOperation, DefaultMaxUpstreamPerOperation)
	return l
}

// Defaults.
const (
	DefaultAddr = ":8080"
	// DefaultSandboxAddr is the default listen address in sandbox mode
	// without API keys: everything is open then, so only this machine may
	// reach it (GATEWAY_ADDR overrides; the Dockerfile sets it to :8080).
	DefaultSandboxAddr     = "127.0.0.1:8080"
	DefaultRequestTimeout  = 30 * time.Second
	DefaultShutdownTimeout = 20 * time.Second
	// DefaultCurrency is TradeGlobal's and SimpleConsign's currency unless
	// configured.
	DefaultCurrency = "USD"
)

// LoadConfig reads the configuration from getenv (os.Getenv in main). It
// reports every malformed variable at once, naming each.
func LoadConfig(getenv func(string) string) (Config, error) {
	e := envReader{getenv: getenv}
	sharedResponses := int64(0)
	if getenv("REDIS_URL") != "" || getenv("REDIS_ADDRS") != "" {
		sharedResponses = DefaultSharedResponseCacheBytes
	}
	cfg := Config{
		Addr:        e.str("GATEWAY_ADDR", DefaultAddr),
		Sandbox:     e.flag("SANDBOX"),
		Insecure:    e.flag("GATEWAY_INSECURE"),
		CORSOrigins: e.list("GATEWAY_CORS_ORIGINS"),
		PublicURL:   e.url("GATEWAY_PUBLIC_URL"),
		TradeGecko: TradeGeckoConfig{
			BaseURL:         e.url("TRADEGECKO_BASE_URL"),
			AccessToken:     e.str("TRADEGECKO_ACCESS_TOKEN", ""),
			ClientID:        e.str("TRADEGECKO_CLIENT_ID", ""),
			ClientSecret:    e.str("TRADEGECKO_CLIENT_SECRET", ""),
			RedirectURL:     e.url("TRADEGECKO_REDIRECT_URL"),
			RateLimit:       e.positiveInt("TRADEGECKO_RATE_LIMIT", 0),
			RateWindow:      e.duration("TRADEGECKO_RATE_WINDOW", 0, false),
			ReadReserve:     e.fraction("TRADEGECKO_READ_RESERVE", 0.1),
			RefreshInterval: e.duration("TRADEGECKO_REFRESH_INTERVAL", 10*time.Minute, true),
			PollInterval:    e.duration("TRADEGECKO_POLL_INTERVAL", 60*time.Second, true),
		},
		TradeGlobal: TradeGlobalConfig{
			BaseURL:       e.url("TRADEGLOBAL_BASE_URL"),
			MerchantCode:  e.str("TRADEGLOBAL_MERCHANT_CODE", ""),
			Authorization: e.str("TRADEGLOBAL_AUTHORIZATION", ""),
			Currency:      e.currency("TRADEGLOBAL_CURRENCY", DefaultCurrency),
		},
		SimpleConsign: SimpleConsignConfig{
			BaseURL:    e.url("SIMPLECONSIGN_BASE_URL"),
			APIKey:     e.str("SIMPLECONSIGN_API_KEY", ""),
			Currency:   e.currency("SIMPLECONSIGN_CURRENCY", DefaultCurrency),
			RateLimit:  e.positiveInt("SIMPLECONSIGN_RATE_LIMIT", 0),
			RateWindow: e.duration("SIMPLECONSIGN_RATE_WINDOW", 0, false),
		},
		Redis: RedisConfig{
			URL:                e.redisURL("REDIS_URL"),
			Addrs:              e.list("REDIS_ADDRS"),
			MasterName:         e.str("REDIS_MASTER_NAME", ""),
			Password:           e.str("REDIS_PASSWORD", ""),
			TLS:                e.flag("REDIS_TLS"),
			EpochCheckInterval: e.duration("REDIS_EPOCH_CHECK_INTERVAL", DefaultEpochCheckInterval, false),
		},
		Cache: CacheConfig{
			CatalogTTL:          e.duration("CACHE_TTL_CATALOG", cache.DefaultCatalogTTL, false),
			StockTTL:            e.duration("CACHE_TTL_STOCK", cache.DefaultStockTTL, false),
			MaxListPages:        e.positiveInt("CACHE_MAX_LIST_PAGES", cache.DefaultMaxListPages),
			ResponseBytes:       e.sizeOrZero("RESPONSE_CACHE_SIZE", DefaultResponseCacheBytes),
			SharedResponseBytes: e.sizeOrZero("RESPONSE_CACHE_SHARED_SIZE", sharedResponses),
		},
		Limits: LimitsConfig{
			Introspection:           e.oneOf("GATEWAY_INTROSPECTION", IntrospectionAll, IntrospectionAdmin, IntrospectionOff),
			TrustedDocuments:        e.str("GATEWAY_TRUSTED_DOCUMENTS", ""),
			TrustedProxies:          e.prefixes("GATEWAY_TRUSTED_PROXIES"),
			ClientRateLimit:         e.positiveInt("GATEWAY_CLIENT_RATE_LIMIT", DefaultClientRateLimit),
			ClientRateWindow:        e.duration("GATEWAY_CLIENT_RATE_WINDOW", DefaultClientRateWindow, false),
			ClientUpstreamShare:     e.share("GATEWAY_CLIENT_UPSTREAM_SHARE", DefaultClientUpstreamShare),
			MaxUpstreamPerOperation: e.positiveInt("GATEWAY_MAX_UPSTREAM_PER_OPERATION", DefaultMaxUpstreamPerOperation),
		},
		APQ: APQConfig{
			Off:          strings.TrimSpace(getenv("GATEWAY_APQ")) != "" && !e.flag("GATEWAY_APQ"),
			TTL:          e.duration("GATEWAY_APQ_TTL", docstore.DefaultTTL, false),
			MaxDocuments: e.positiveInt("GATEWAY_APQ_MAX_DOCUMENTS", docstore.DefaultMaxDocuments),
			MaxBytes:     e.size("GATEWAY_APQ_MAX_BYTES", docstore.DefaultMaxBytes),
		},
		Live: LiveConfig{
			MaxSubscriptionsPerConnection: e.positiveInt("GATEWAY_MAX_SUBSCRIPTIONS_PER_CONNECTION", graph.DefaultMaxSubscriptionsPerConnection),
			MaxConnectionsPerClient:       e.positiveInt("GATEWAY_MAX_CONNECTIONS_PER_CLIENT", edge.DefaultMaxConnectionsPerClient),
			SubscriberQueue:               e.positiveInt("GATEWAY_SUBSCRIBER_QUEUE", DefaultSubscriberQueue),
			EventHistory:                  e.duration("GATEWAY_EVENT_HISTORY", DefaultEventHistory, false),
		},
		RequestTimeout:  DefaultRequestTimeout,
		ShutdownTimeout: DefaultShutdownTimeout,
	}
	cfg.Limits = cfg.Limits.withDefaults(cfg.Sandbox)
	cfg.APQ = cfg.APQ.withDefaults()
	cfg.Live = cfg.Live.withDefaults()
	cfg.TradeGecko, cfg.TradeGlobal, cfg.SimpleConsign = cfg.TradeGecko.withDefaults(), cfg.TradeGlobal.withDefaults(), cfg.SimpleConsign.withDefaults()
	cfg.APIKeys = e.apiKeys("GATEWAY_API_KEYS")
	if cfg.Sandbox && len(cfg.APIKeys) == 0 && strings.TrimSpace(getenv("GATEWAY_ADDR")) == "" {
		cfg.Addr = DefaultSandboxAddr
	}
	if cfg.Redis.URL != "" && len(cfg.Redis.Addrs) > 0 {
		e.fail("REDIS_ADDRS", "set either REDIS_URL or REDIS_ADDRS, not both")
	}
	if cfg.Redis.MasterName != "" && len(cfg.Redis.Addrs) == 0 {
		e.fail("REDIS_MASTER_NAME", "names a Sentinel master: REDIS_ADDRS must list the sentinels")
	}
	for _, o := range cfg.CORSOrigins {
		if o != "*" {
			if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" || u.Path != "" {
				e.fail("GATEWAY_CORS_ORIGINS", "%q is not an origin such as https://shop.example.com", o)
			}
		}
	}
	return cfg, errors.Join(e.errs...)
}

// Validate checks what only makes sense together.
func (c Config) Validate() error {
	if !c.Sandbox && len(c.APIKeys) == 0 && !c.Insecure {
		return errors.New("GATEWAY_API_KEYS is empty: in live mode the gateway refuses to run open; set keys, or GATEWAY_INSECURE=1 to allow it")
	}
	return nil
}

// LogValue masks secrets, so a Config can be logged whole.
func (c Config) LogValue() slog.Value {
	mask := func(s string) string {
		if s == "" {
			return ""
		}
		return "****"
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.Bool("sandbox", c.Sandbox),
		slog.Int("api_keys", len(c.APIKeys)),
		slog.Bool("insecure", c.Insecure),
		slog.Any("cors_origins", c.CORSOrigins),
		slog.String("public_url", c.PublicURL),
		slog.Group(string(tradegecko.Backend),
			slog.String("base_url", c.TradeGecko.BaseURL),
			slog.String("access_token", mask(c.TradeGecko.AccessToken)),
			slog.String("client_id", c.TradeGecko.ClientID),
			slog.String("client_secret", mask(c.TradeGecko.ClientSecret)),
			slog.String("redirect_url", c.TradeGecko.RedirectURL),
			slog.Int("rate_limit", c.TradeGecko.RateLimit),
			slog.Duration("rate_window", c.TradeGecko.RateWindow),
			slog.Duration("refresh_interval", c.TradeGecko.RefreshInterval),
		),
		slog.Group(string(tradeglobal.Backend),
			slog.String("base_url", c.TradeGlobal.BaseURL),
			slog.String("merchant_code", mask(c.TradeGlobal.MerchantCode)),
			slog.String("authorization", mask(c.TradeGlobal.Authorization)),
			slog.String("currency", c.TradeGlobal.Currency),
		),
		slog.Group(string(simpleconsign.Backend),
			slog.String("base_url", c.SimpleConsign.BaseURL),
			slog.String("api_key", mask(c.SimpleConsign.APIKey)),
			slog.String("currency", c.SimpleConsign.Currency),
			slog.Int("rate_limit", c.SimpleConsign.RateLimit),
		),
		slog.Group("redis",
			slog.Bool("embedded", c.Redis.Embedded()),
			slog.String("url", redactURL(c.Redis.URL)),
			slog.Any("addrs", c.Redis.Addrs),
			slog.String("master_name", c.Redis.MasterName),
			slog.String("password", mask(c.Redis.Password)),
		),
		slog.Group("limits",
			slog.String("introspection", c.Limits.Introspection),
			slog.Bool("trusted_documents", c.Limits.TrustedDocuments != ""),
			slog.Any("trusted_proxies", c.Limits.TrustedProxies),
			slog.Int("client_rate_limit", c.Limits.ClientRateLimit),
			slog.Duration("client_rate_window", c.Limits.ClientRateWindow),
			slog.Float64("client_upstream_share", c.Limits.ClientUpstreamShare),
			slog.Int("max_upstream_per_operation", c.Limits.MaxUpstreamPerOperation),
		),
		slog.Group("live",
			slog.Int("max_subscriptions_per_connection", c.Live.MaxSubscriptionsPerConnection),
			slog.Int("max_connections_per_client", c.Live.MaxConnectionsPerClient),
			slog.Int("subscriber_queue", c.Live.SubscriberQueue),
			slog.Duration("event_history", c.Live.EventHistory),
		),
		slog.Group("apq",
			slog.Bool("off", c.APQ.Off),
			slog.Duration("ttl", c.APQ.TTL),
			slog.Int("max_documents", c.APQ.MaxDocuments),
			slog.Int64("max_bytes", c.APQ.MaxBytes),
		),
	)
}

type envReader struct {
	getenv func(string) string
	errs   []error
}

func (e *envReader) fail(name, format string, args ...any) {
	e.errs = append(e.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

func (e *envReader) str(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

func (e *envReader) flag(name string) bool {
	switch v := strings.ToLower(strings.TrimSpace(e.getenv(name))); v {
	case "", "0", "false", "no", "off":
		return false
	case "1", "true", "yes", "on":
		return true
	default:
		e.fail(name, "%q is not a boolean (use 1 or 0)", v)
		return false
	}
}

func (e *envReader) list(name string) []string {
	var out []string
	for _, p := range strings.Split(e.getenv(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (e *envReader) url(name string) string {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		e.fail(name, "%q is not an absolute http(s) URL", v)
	}
	return v
}

func (e *envReader) currency(name, def string) string {
	v := e.str(name, def)
	if len(v) != 3 || strings.ToUpper(v) != v {
		e.fail(name, "%q is not an ISO 4217 code such as USD", v)
		return def
	}
	return v
}

func (e *envReader) redisURL(name string) string {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		e.fail(name, "is not a redis:// or rediss:// URL")
	}
	return v
}

func (e *envReader) positiveInt(name string, def int) int {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		e.fail(name, "%q is not a positive integer", v)
		return def
	}
	return n
}

func (e *envReader) fraction(name string, def float64) float64 {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f >= 1 {
		e.fail(name, "%q is not a fraction between 0 and 1", v)
		return def
	}
	return f
}

// share reads a fraction in (0, 1].
func (e *envReader) share(name string, def float64) float64 {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 || f > 1 {
		e.fail(name, "%q is not a share greater than 0 and at most 1", v)
		return def
	}
	return f
}

// oneOf reads one of the allowed words; empty is "" (the caller's default).
func (e *envReader) oneOf(name string, allowed ...string) string {
	v := strings.ToLower(strings.TrimSpace(e.getenv(name)))
	if v == "" || slices.Contains(allowed, v) {
		return v
	}
	e.fail(name, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return ""
}

// prefixes reads comma-separated CIDRs (a bare address is a /32 or /128).
func (e *envReader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range e.list(name) {
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				e.fail(name, "%q is not an address or a CIDR such as 10.0.0.0/8", p)
				continue
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			e.fail(name, "%q is not a CIDR such as 10.0.0.0/8", p)
			continue
		}
		out = append(out, pfx.Masked())
	}
	return out
}

// size reads a positive number of bytes, bare or with a binary unit:
// "1048576", "512KiB", "32MiB", "1GiB".
func (e *envReader) size(name string, def int64) int64 {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	num, unit := v, int64(1)
	for suffix, u := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if n, ok := strings.CutSuffix(v, suffix); ok {
			num, unit = strings.TrimSpace(n), u
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/unit {
		e.fail(name, "%q is not a positive size such as 32MiB, 512KiB or a number of bytes", v)
		return def
	}
	return n * unit
}

// sizeOrZero is size, where "0" (off) is allowed too.
func (e *envReader) sizeOrZero(name string, def int64) int64 {
	if strings.TrimSpace(e.getenv(name)) == "0" {
		return 0
	}
	return e.size(name, def)
}

// duration reads "300s", "10m", or a bare number of seconds.
func (e *envReader) duration(name string, def time.Duration, zeroOK bool) time.Duration {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, err2 := strconv.Atoi(v)
		if err2 != nil {
			e.fail(name, "%q is not a duration such as 300s or 10m", v)
			return def
		}
		d = time.Duration(secs) * time.Second
	}
	if d < 0 || (d == 0 && !zeroOK) {
		e.fail(name, "%q must be positive", v)
		return def
	}
	return d
}

// apiKeys reads key=role[,key=role…]. Errors name the position, never the
// key.
func (e *envReader) apiKeys(name string) []APIKey {
	var out []APIKey
	seen := map[string]bool{}
	for i, p := range e.list(name) {
		key, role, ok := strings.Cut(p, "=")
		key, role = strings.TrimSpace(key), strings.TrimSpace(role)
		if !ok || key == "" {
			e.fail(name, "entry %d is not key=role", i+1)
			continue
		}
		r, err := commerce.ParseRole(role)
		if err != nil {
			e.fail(name, "entry %d: %v", i+1, err)
			continue
		}
		if len(key) < 16 {
			e.fail(name, "entry %d: keys must be at least 16 characters", i+1)
			continue
		}
		if seen[key] {
			e.fail(name, "entry %d repeats an earlier key", i+1)
			continue
		}
		seen[key] = true
		out = append(out, APIKey{Key: key, Role: r})
	}
	return out
}

// redactURL hides a URL's password.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return "****"
	}
	return u.Redacted()
}
