package server

import (
	"bytes"
	"log/slog"
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
		APIKeys:    []APIKey{{Key: "sk_admin_secret_0123456789", Role: commerce.RoleAdmin}},
		TradeGecko: TradeGeckoConfig{AccessToken: "tg_secret_token", ClientSecret: "tg_client_secret"},
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", cfg)
	for _, secret := range []string{"sk_admin_secret_0123456789", "tg_secret_token", "tg_client_secret"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("logged config reveals %q: %s", secret, buf.String())
		}
	}
	if k := cfg.APIKeys[0].String(); strings.Contains(k, "secret") {
		t.Errorf("APIKey.String() = %q", k)
	}
}

func TestKeyring(t *testing.T) {
	k := newKeyring([]APIKey{{"sk_admin_0123456789abcdef", commerce.RoleAdmin}, {"pk_shop_0123456789abcdef", commerce.RoleStorefront}})
	tests := []struct {
		key  string
		ok   bool
		role commerce.Role
	}{
		{"sk_admin_0123456789abcdef", true, commerce.RoleAdmin},
		{"pk_shop_0123456789abcdef", true, commerce.RoleStorefront},
		{"pk_shop_0123456789abcde", false, commerce.RoleNone},
		{"pk_shop_0123456789abcdeff", false, commerce.RoleNone},
		{"", false, commerce.RoleNone},
	}
	for _, tc := range tests {
		p, ok := k.principal(tc.key)
		if ok != tc.ok || p.Role != tc.role {
			t.Errorf("principal(%q) = %+v, %v; want %v, %v", tc.key, p, ok, tc.role, tc.ok)
		}
		if ok && (p.KeyID == "" || strings.Contains(tc.key, p.KeyID)) {
			t.Errorf("KeyID %q must name the key without revealing it", p.KeyID)
		}
	}
	open := newKeyring(nil)
	if p, ok := open.principal(""); !ok || p.Role != commerce.RoleAdmin {
		t.Errorf("open keyring: %+v %v, want admin", p, ok)
	}
}
