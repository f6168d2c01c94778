package edge

import (
	"strings"
	"testing"

	"github.com/commercegateway/gateway/commerce"
)

func TestKeyring(t *testing.T) {
	k := newKeyring([]Key{{"sk_admin_0123456789abcdef", commerce.RoleAdmin}, {"pk_shop_0123456789abcdef", commerce.RoleStorefront}})
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
