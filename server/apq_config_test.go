package server

import (
	"strings"
	"testing"
	"time"
)

// TestLoadConfigAPQ: GATEWAY_APQ, GATEWAY_APQ_TTL, GATEWAY_APQ_MAX_DOCUMENTS
// and GATEWAY_APQ_MAX_BYTES, their defaults (the same for a Config built in
// Go), and a clear error naming each malformed one.
func TestLoadConfigAPQ(t *testing.T) {
	def := APQConfig{TTL: 24 * time.Hour, MaxDocuments: 10_000, MaxBytes: 32 << 20}
	tests := []struct {
		env  map[string]string
		want APQConfig
	}{
		{nil, def},
		{map[string]string{"GATEWAY_APQ": "0"}, APQConfig{Off: true, TTL: def.TTL, MaxDocuments: def.MaxDocuments, MaxBytes: def.MaxBytes}},
		{map[string]string{"GATEWAY_APQ": "1"}, def},
		{map[string]string{"GATEWAY_APQ_TTL": "1h", "GATEWAY_APQ_MAX_DOCUMENTS": "500", "GATEWAY_APQ_MAX_BYTES": "4MiB"},
			APQConfig{TTL: time.Hour, MaxDocuments: 500, MaxBytes: 4 << 20}},
		{map[string]string{"GATEWAY_APQ_MAX_BYTES": "512KiB"}, APQConfig{TTL: def.TTL, MaxDocuments: def.MaxDocuments, MaxBytes: 512 << 10}},
		{map[string]string{"GATEWAY_APQ_MAX_BYTES": "1000000"}, APQConfig{TTL: def.TTL, MaxDocuments: def.MaxDocuments, MaxBytes: 1_000_000}},
	}
	for _, tt := range tests {
		cfg, err := LoadConfig(env(tt.env))
		if err != nil || cfg.APQ != tt.want {
			t.Errorf("LoadConfig(%v).APQ = %+v (%v), want %+v", tt.env, cfg.APQ, err, tt.want)
		}
	}
	if got := (APQConfig{}).withDefaults(); got != def {
		t.Errorf("a Config built in Go gets %+v, want %+v", got, def)
	}
	for _, c := range []struct{ name, value string }{
		{"GATEWAY_APQ", "maybe"}, {"GATEWAY_APQ_TTL", "0"}, {"GATEWAY_APQ_TTL", "forever"},
		{"GATEWAY_APQ_MAX_DOCUMENTS", "0"}, {"GATEWAY_APQ_MAX_DOCUMENTS", "many"},
		{"GATEWAY_APQ_MAX_BYTES", "0"}, {"GATEWAY_APQ_MAX_BYTES", "32MB"}, {"GATEWAY_APQ_MAX_BYTES", "-1KiB"},
		{"GATEWAY_APQ_MAX_BYTES", "99999999999GiB"},
	} {
		_, err := LoadConfig(env(map[string]string{c.name: c.value}))
		if err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("%s=%q: %v, want an error naming it", c.name, c.value, err)
		}
	}
}
