package server

import (
	"bytes"
	"log/slog"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/commercegateway/gateway/commerce"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	tg := cfg.TradeGecko
	if cfg.Addr != ":8080" || tg.RateLimit != 300 || tg.RateWindow != 300*time.Second || tg.ReadReserve != 0.1 ||
		tg.RefreshInterval != 10*time.Minute || tg.PollInterval != time.Minute || cfg.Sandbox || tg.Configured() {
		t.Errorf("defaults = %+v", cfg)
	}
	if cfg.Cache.CatalogTTL != 10*time.Minute || cfg.Cache.StockTTL != 30*time.Second {
		t.Errorf("cache defaults = %+v, want 10m and 30s", cfg.Cache)
	}
	if !cfg.Redis.Embedded() {
		t.Errorf("redis defaults = %+v, want the embedded one", cfg.Redis)
	}
}

func TestLoadConfig(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{
		"GATEWAY_ADDR":                "127.0.0.1:9000",
		"SANDBOX":                     "1",
		"GATEWAY_API_KEYS":            "sk_admin_0123456789abcdef=admin, pk_shop_0123456789abcdef=storefront",
		"GATEWAY_CORS_ORIGINS":        "https://shop.example.com, http://localhost:3000",
		"TRADEGECKO_BASE_URL":         "http://127.0.0.1:1234",
		"TRADEGECKO_ACCESS_TOKEN":     "tok",
		"TRADEGECKO_RATE_WINDOW":      "60",
		"TRADEGECKO_REFRESH_INTERVAL": "0",
		"TRADEGECKO_READ_RESERVE":     "0.25",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := []APIKey{{"sk_admin_0123456789abcdef", commerce.RoleAdmin}, {"pk_shop_0123456789abcdef", commerce.RoleStorefront}}
	if len(cfg.APIKeys) != 2 || cfg.APIKeys[0] != want[0] || cfg.APIKeys[1] != want[1] {
		t.Errorf("APIKeys = %v", cfg.APIKeys)
	}
	if !cfg.Sandbox || cfg.Addr != "127.0.0.1:9000" || len(cfg.CORSOrigins) != 2 || cfg.TradeGecko.RateWindow != time.Minute ||
		cfg.TradeGecko.RefreshInterval != 0 || cfg.TradeGecko.ReadReserve != 0.25 || !cfg.TradeGecko.Configured() {
		t.Errorf("config = %+v", cfg)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	_, err := LoadConfig(env(map[string]string{
		"SANDBOX":                "maybe",
		"GATEWAY_API_KEYS":       "short=admin,sk_0123456789abcdefgh=owner,=admin,sk_0123456789abcdefgh=storefront,sk_0123456789abcdefgh=admin",
		"GATEWAY_CORS_ORIGINS":   "shop.example.com",
		"TRADEGECKO_BASE_URL":    "ftp://x",
		"TRADEGECKO_RATE_LIMIT":  "-5",
		"TRADEGECKO_RATE_WINDOW": "soon",
	}))
	if err == nil {
		t.Fatal("LoadConfig accepted garbage")
	}
	msg := err.Error()
	for _, want := range []string{
		"SANDBOX", "entry 1: keys must be at least 16", "entry 2: unknown role", "entry 3 is not key=role", "entry 5 repeats",
		"GATEWAY_CORS_ORIGINS", "TRADEGECKO_BASE_URL", "TRADEGECKO_RATE_LIMIT", "TRADEGECKO_RATE_WINDOW",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "sk_0123456789abcdefgh") {
		t.Errorf("error reveals a key:\n%s", msg)
	}
}

func TestConfigLogValueMasksSecrets(t *testing.T) {
	cfg := Config{
		APIKeys:       []APIKey{{Key: "sk_admin_secret_0123456789", Role: commerce.RoleAdmin}},
		TradeGecko:    TradeGeckoConfig{AccessToken: "tg_secret_token", ClientSecret: "tg_client_secret"},
		TradeGlobal:   TradeGlobalConfig{MerchantCode: "TGC_MERCHANT_SECRET", Authorization: "Basic c2VjcmV0"},
		SimpleConsign: SimpleConsignConfig{APIKey: "sc_location_secret"},
		Redis:         RedisConfig{URL: "redis://u:redis_pw_secret@10.0.0.1:6379", Password: "redis_password_secret"},
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	for _, secret := range []string{"sk_admin_secret_0123456789", "tg_secret_token", "tg_client_secret",
		"TGC_MERCHANT_SECRET", "c2VjcmV0", "sc_location_secret", "redis_pw_secret", "redis_password_secret"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("logged config reveals %q: %s", secret, buf.String())
		}
	}
	if k := cfg.APIKeys[0].String(); strings.Contains(k, "secret") {
		t.Errorf("APIKey.String() = %q", k)
	}
}

func TestLoadConfigLimits(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := LimitsConfig{Introspection: IntrospectionAdmin, ClientRateLimit: 1200, ClientRateWindow: time.Minute,
		ClientUpstreamShare: 0.2, MaxUpstreamPerOperation: 10}
	if !reflect.DeepEqual(cfg.Limits, want) {
		t.Errorf("live defaults = %+v, want %+v", cfg.Limits, want)
	}
	if cfg, _ := LoadConfig(env(map[string]string{"SANDBOX": "1"})); cfg.Limits.Introspection != IntrospectionAll {
		t.Errorf("sandbox introspection = %q, want all", cfg.Limits.Introspection)
	}
	if got := (LimitsConfig{}).withDefaults(false); !reflect.DeepEqual(got, want) {
		t.Errorf("a Config built in Go gets %+v, want the same defaults %+v", got, want)
	}

	cfg, err = LoadConfig(env(map[string]string{
		"GATEWAY_INTROSPECTION":              "OFF",
		"GATEWAY_TRUSTED_DOCUMENTS":          "/etc/gateway/manifest.json",
		"GATEWAY_TRUSTED_PROXIES":            "10.0.0.0/8, 192.168.1.7, ::1",
		"GATEWAY_CLIENT_RATE_LIMIT":          "50",
		"GATEWAY_CLIENT_RATE_WINDOW":         "10s",
		"GATEWAY_CLIENT_UPSTREAM_SHARE":      "0.5",
		"GATEWAY_MAX_UPSTREAM_PER_OPERATION": "4",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want = LimitsConfig{Introspection: IntrospectionOff, TrustedDocuments: "/etc/gateway/manifest.json",
		TrustedProxies:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("::1/128")},
		ClientRateLimit: 50, ClientRateWindow: 10 * time.Second, ClientUpstreamShare: 0.5, MaxUpstreamPerOperation: 4}
	if !reflect.DeepEqual(cfg.Limits, want) {
		t.Errorf("limits = %+v, want %+v", cfg.Limits, want)
	}

	_, err = LoadConfig(env(map[string]string{
		"GATEWAY_INTROSPECTION":              "some",
		"GATEWAY_TRUSTED_PROXIES":            "10.0.0.0/33",
		"GATEWAY_CLIENT_RATE_LIMIT":          "0",
		"GATEWAY_CLIENT_UPSTREAM_SHARE":      "1.5",
		"GATEWAY_MAX_UPSTREAM_PER_OPERATION": "many",
	}))
	for _, name := range []string{"GATEWAY_INTROSPECTION", "GATEWAY_TRUSTED_PROXIES", "GATEWAY_CLIENT_RATE_LIMIT",
		"GATEWAY_CLIENT_UPSTREAM_SHARE", "GATEWAY_MAX_UPSTREAM_PER_OPERATION"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("LoadConfig error %v does not name %s", err, name)
		}
	}
}

func TestLoadConfigBackendsDefaults(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := TradeGlobalConfig{Currency: "USD", Timeout: 30 * time.Second}
	if cfg.TradeGlobal != want {
		t.Errorf("TradeGlobal = %+v, want %+v (no merchant code: disabled)", cfg.TradeGlobal, want)
	}
	wantSC := SimpleConsignConfig{Currency: "USD", RateLimit: 100, RateWindow: 600 * time.Second, Timeout: 30 * time.Second}
	if cfg.SimpleConsign != wantSC {
		t.Errorf("SimpleConsign = %+v, want %+v (no API key: disabled)", cfg.SimpleConsign, wantSC)
	}
}

func TestLoadConfigBackends(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		tg   TradeGlobalConfig
		sc   SimpleConsignConfig
	}{
		{
			name: "set",
			env: map[string]string{
				"TRADEGLOBAL_BASE_URL":      "https://tgc.example.com/root",
				"TRADEGLOBAL_MERCHANT_CODE": " TGCMERCHANT ",
				"TRADEGLOBAL_AUTHORIZATION": "Basic VEdDOnMzY3IzdA==",
				"TRADEGLOBAL_CURRENCY":      "CAD",
				"SIMPLECONSIGN_BASE_URL":    "http://127.0.0.1:7000",
				"SIMPLECONSIGN_API_KEY":     "sc-location-key-123",
				"SIMPLECONSIGN_CURRENCY":    "EUR",
				"SIMPLECONSIGN_RATE_LIMIT":  "50",
				"SIMPLECONSIGN_RATE_WINDOW": "5m",
			},
			tg: TradeGlobalConfig{BaseURL: "https://tgc.example.com/root", MerchantCode: "TGCMERCHANT",
				Authorization: "Basic VEdDOnMzY3IzdA==", Currency: "CAD", Timeout: 30 * time.Second},
			sc: SimpleConsignConfig{BaseURL: "http://127.0.0.1:7000", APIKey: "sc-location-key-123", Currency: "EUR",
				RateLimit: 50, RateWindow: 5 * time.Minute, Timeout: 30 * time.Second},
		},
		{
			name: "window in seconds",
			env:  map[string]string{"SIMPLECONSIGN_API_KEY": "k", "SIMPLECONSIGN_RATE_WINDOW": "120", "SIMPLECONSIGN_RATE_LIMIT": "1"},
			tg:   TradeGlobalConfig{Currency: "USD", Timeout: 30 * time.Second},
			sc:   SimpleConsignConfig{APIKey: "k", Currency: "USD", RateLimit: 1, RateWindow: 2 * time.Minute, Timeout: 30 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.TradeGlobal != tt.tg {
				t.Errorf("TradeGlobal = %+v, want %+v", cfg.TradeGlobal, tt.tg)
			}
			if cfg.SimpleConsign != tt.sc {
				t.Errorf("SimpleConsign = %+v, want %+v", cfg.SimpleConsign, tt.sc)
			}
		})
	}
}

func TestLoadConfigBackendsErrors(t *testing.T) {
	_, err := LoadConfig(env(map[string]string{
		"TRADEGLOBAL_BASE_URL":      "tgc.example.com",
		"TRADEGLOBAL_CURRENCY":      "usd",
		"SIMPLECONSIGN_BASE_URL":    "ftp://x",
		"SIMPLECONSIGN_CURRENCY":    "DOLLARS",
		"SIMPLECONSIGN_RATE_LIMIT":  "0",
		"SIMPLECONSIGN_RATE_WINDOW": "0",
		"SIMPLECONSIGN_API_KEY":     "sc-secret-key-0123",
	}))
	if err == nil {
		t.Fatal("LoadConfig accepted garbage")
	}
	msg := err.Error()
	for _, want := range []string{"TRADEGLOBAL_BASE_URL", "TRADEGLOBAL_CURRENCY", "SIMPLECONSIGN_BASE_URL", "SIMPLECONSIGN_CURRENCY",
		"SIMPLECONSIGN_RATE_LIMIT", "SIMPLECONSIGN_RATE_WINDOW"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not mention %s:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "sc-secret-key-0123") {
		t.Errorf("error reveals the API key:\n%s", msg)
	}
	_, err = LoadConfig(env(map[string]string{"SIMPLECONSIGN_RATE_LIMIT": "-3", "SIMPLECONSIGN_RATE_WINDOW": "soon"}))
	if err == nil || !strings.Contains(err.Error(), "SIMPLECONSIGN_RATE_LIMIT") || !strings.Contains(err.Error(), "SIMPLECONSIGN_RATE_WINDOW") {
		t.Errorf("negative limit, unreadable window: %v", err)
	}
}

// The backends' secrets, read from the environment, never reach the log.
func TestLoadConfigBackendSecretsMasked(t *testing.T) {
	cfg, err := LoadConfig(env(map[string]string{
		"TRADEGLOBAL_MERCHANT_CODE": "TGCMERCHANT",
		"TRADEGLOBAL_AUTHORIZATION": "Basic c2VjcmV0LWF1dGg=",
		"SIMPLECONSIGN_API_KEY":     "sc-secret-key-0123",
	}))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	// The merchant code is TGC's credential: masked like every other.
	for _, secret := range []string{"c2VjcmV0LWF1dGg=", "sc-secret-key-0123", "TGCMERCHANT"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("logged config reveals %q: %s", secret, buf.String())
		}
	}
}

// The cache's bound on list pages and the Redis epoch's check interval:
// defaults, set, and refused when malformed (naming the variable).
func TestLoadConfigCacheBoundAndEpoch(t *testing.T) {
	cfg, err := LoadConfig(env(nil))
	if err != nil || cfg.Cache.MaxListPages != 10_000 || cfg.Redis.EpochCheckInterval != 5*time.Second {
		t.Errorf("defaults: max list pages %d, epoch check %v (%v); want 10000, 5s", cfg.Cache.MaxListPages, cfg.Redis.EpochCheckInterval, err)
	}
	cfg, err = LoadConfig(env(map[string]string{"CACHE_MAX_LIST_PAGES": "500", "REDIS_EPOCH_CHECK_INTERVAL": "1s"}))
	if err != nil || cfg.Cache.MaxListPages != 500 || cfg.Redis.EpochCheckInterval != time.Second {
		t.Errorf("set: max list pages %d, epoch check %v (%v); want 500, 1s", cfg.Cache.MaxListPages, cfg.Redis.EpochCheckInterval, err)
	}
	for _, c := range []struct{ name, value string }{
		{"CACHE_MAX_LIST_PAGES", "0"}, {"CACHE_MAX_LIST_PAGES", "lots"}, {"REDIS_EPOCH_CHECK_INTERVAL", "0"}, {"REDIS_EPOCH_CHECK_INTERVAL", "often"},
	} {
		if _, err := LoadConfig(env(map[string]string{c.name: c.value})); err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s=%q: %v, want an error naming it", c.name, c.value, err)
		}
	}
}

func TestLoadConfigResponseCache(t *testing.T) {
	for _, c := range []struct {
		value string
		want  int64
	}{{"", 64 << 20}, {"0", 0}, {"512KiB", 512 << 10}, {"1048576", 1 << 20}, {"1GiB", 1 << 30}} {
		cfg, err := LoadConfig(env(map[string]string{"RESPONSE_CACHE_SIZE": c.value}))
		if err != nil || cfg.Cache.ResponseBytes != c.want {
			t.Errorf("RESPONSE_CACHE_SIZE=%q: %d (%v), want %d", c.value, cfg.Cache.ResponseBytes, err, c.want)
		}
	}
	for _, v := range []string{"-1", "lots", "64MB"} {
		if _, err := LoadConfig(env(map[string]string{"RESPONSE_CACHE_SIZE": v})); err == nil || !strings.Contains(err.Error(), "RESPONSE_CACHE_SIZE") {
			t.Errorf("RESPONSE_CACHE_SIZE=%q: %v, want an error naming it", v, err)
		}
		if _, err := LoadConfig(env(map[string]string{"RESPONSE_CACHE_SHARED_SIZE": v})); err == nil || !strings.Contains(err.Error(), "RESPONSE_CACHE_SHARED_SIZE") {
			t.Errorf("RESPONSE_CACHE_SHARED_SIZE=%q: %v, want an error naming it", v, err)
		}
	}
	// The Redis tier: on with a shared Redis, off with the embedded one.
	for _, c := range []struct {
		env  map[string]string
		want int64
	}{
		{map[string]string{}, 0},
		{map[string]string{"REDIS_URL": "redis://127.0.0.1:6379"}, 16 << 20},
		{map[string]string{"REDIS_ADDRS": "127.0.0.1:7000,127.0.0.1:7001"}, 16 << 20},
		{map[string]string{"REDIS_URL": "redis://127.0.0.1:6379", "RESPONSE_CACHE_SHARED_SIZE": "0"}, 0},
		{map[string]string{"RESPONSE_CACHE_SHARED_SIZE": "1MiB"}, 1 << 20},
	} {
		cfg, err := LoadConfig(env(c.env))
		if err != nil || cfg.Cache.SharedResponseBytes != c.want {
			t.Errorf("%v: RESPONSE_CACHE_SHARED_SIZE %d (%v), want %d", c.env, cfg.Cache.SharedResponseBytes, err, c.want)
		}
	}
}

// Sandbox mode without API keys is open to anyone who can reach it, so by
// default it listens on loopback only; GATEWAY_ADDR or keys lift that.
func TestLoadConfigSandboxAddr(t *testing.T) {
	const keys = "sk_admin_0123456789abcdef=admin"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"sandbox, no keys, no GATEWAY_ADDR", map[string]string{"SANDBOX": "1"}, "127.0.0.1:8080"},
		{"sandbox, no keys, GATEWAY_ADDR", map[string]string{"SANDBOX": "1", "GATEWAY_ADDR": ":8080"}, ":8080"},
		{"sandbox, no keys, GATEWAY_ADDR elsewhere", map[string]string{"SANDBOX": "1", "GATEWAY_ADDR": "0.0.0.0:9000"}, "0.0.0.0:9000"},
		{"sandbox, keys", map[string]string{"SANDBOX": "1", "GATEWAY_API_KEYS": keys}, DefaultAddr},
		{"live, keys", map[string]string{"GATEWAY_API_KEYS": keys}, DefaultAddr},
		{"live, insecure", map[string]string{"GATEWAY_INSECURE": "1"}, DefaultAddr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Addr != tc.want {
				t.Errorf("LoadConfig(%v).Addr = %q, want %q", tc.env, cfg.Addr, tc.want)
			}
		})
	}
}
