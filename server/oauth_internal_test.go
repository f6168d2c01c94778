package server

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestStateSigning(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	signer := newStateSigner("app-secret", clock)
	other := newStateSigner("another-secret", clock)

	valid := signer.sign()
	parts := strings.Split(valid, ".")
	if len(parts) != 4 || parts[0] != "v1" {
		t.Fatalf("sign() = %q, want v1.<nonce>.<expiry>.<mac>", valid)
	}
	if strings.Contains(valid, "app-secret") {
		t.Fatalf("the state carries the secret: %q", valid)
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	longer := strings.Join([]string{parts[0], parts[1], "9999999999"}, ".")

	tests := []struct {
		name  string
		state string
		at    time.Duration // after signing
		want  error         // nil: valid
	}{
		{"valid", valid, 0, nil},
		{"valid just before expiry", valid, 10*time.Minute - time.Second, nil},
		{"expired at 10 minutes", valid, 10 * time.Minute, errStateExpired},
		{"expired long ago", valid, 24 * time.Hour, errStateExpired},
		{"missing", "", 0, errStateMissing},
		{"not a state", "hello", 0, errStateInvalid},
		{"nonce changed", strings.Join([]string{parts[0], flip(parts[1], 3), parts[2], parts[3]}, "."), 0, errStateInvalid},
		{"expiry extended", longer + "." + parts[3], 0, errStateInvalid},
		{"mac changed", strings.Join([]string{parts[0], parts[1], parts[2], flip(parts[3], 5)}, "."), 0, errStateInvalid},
		{"mac dropped", strings.Join(parts[:3], "."), 0, errStateInvalid},
		{"signed with another key", other.sign(), 0, errStateInvalid},
		{"another key, expiry extended", longer + "." + other.mac(longer), 0, errStateInvalid},
		{"wrong version, validly signed", "v0." + parts[1] + "." + parts[2] + "." + signer.mac("v0."+parts[1]+"."+parts[2]), 0, errStateInvalid},
		{"empty nonce, validly signed", "v1.." + parts[2] + "." + signer.mac("v1.."+parts[2]), 0, errStateInvalid},
		{"too long", valid + strings.Repeat("A", 300), 0, errStateInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now = start.Add(tc.at)
			nonce, err := signer.verify(tc.state)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("verify(%q) = %q, %v; want %v", tc.state, nonce, err, tc.want)
			}
			if tc.want == nil && nonce != parts[1] {
				t.Errorf("verify(%q) nonce = %q, want %q", tc.state, nonce, parts[1])
			}
		})
	}
	now = start
	if a, b := signer.sign(), signer.sign(); a == b {
		t.Errorf("two states are equal: %q", a)
	}
}

func TestOAuthErrorCode(t *testing.T) {
	tests := map[string]string{
		"access_denied":             "access_denied",
		"server_error":              "server_error",
		"<script>":                  "error",
		"Access Denied":             "error",
		strings.Repeat("a", 65):     "error",
		"invalid_request\nX-Bad: 1": "error",
	}
	for in, want := range tests {
		if got := oauthErrorCode(in); got != want {
			t.Errorf("oauthErrorCode(%q) = %q, want %q", in, got, want)
		}
	}
}
