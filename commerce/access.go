package commerce

import (
	"context"
	"fmt"
)

// Role is what a client key may do. Roles are ordered: admin may do
// everything storefront may.
type Role int

const (
	// RoleNone is an anonymous caller: nothing but what needs no key.
	RoleNone Role = iota
	// RoleStorefront is a key shipped inside apps and web pages, so public:
	// catalog reads without cost data, and checkout.
	RoleStorefront
	// RoleAdmin is a server-side key: everything.
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleStorefront:
		return "storefront"
	case RoleAdmin:
		return "admin"
	default:
		return "none"
	}
}

// ParseRole parses "storefront" or "admin".
func ParseRole(s string) (Role, error) {
	switch s {
	case "storefront":
		return RoleStorefront, nil
	case "admin":
		return RoleAdmin, nil
	}
	return RoleNone, fmt.Errorf("unknown role %q (want storefront or admin)", s)
}

// Principal is who is calling.
type Principal struct {
	Role Role
	// KeyID names the key without revealing it (a short hash); it scopes
	// idempotency keys and appears in logs.
	KeyID string
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller; an anonymous caller has RoleNone.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

// Operation is something a client may ask for, with the role it needs. Every
// operation and every restricted field is declared here, in one table, and
// checked by Authorize, which both doors reach through the Service.
type Operation struct {
	Name string
	Role Role
}

// Operations and restricted fields.
var (
	OpListProducts   = Operation{"products", RoleStorefront}
	OpGetProducts    = Operation{"product", RoleStorefront}
	OpListVariants   = Operation{"variants", RoleStorefront}
	OpGetVariants    = Operation{"variant", RoleStorefront}
	OpGetImages      = Operation{"images", RoleStorefront}
	OpListLocations  = Operation{"locations", RoleStorefront}
	OpListCurrencies = Operation{"currencies", RoleStorefront}
	OpGetAccount     = Operation{"account", RoleStorefront}

	// Cost data: the buy price and the buy price list.
	OpVariantBuyPrice = Operation{"Variant.buyPrice", RoleAdmin}

	// Orders: checkout is open to storefront keys (as a guest checkout);
	// everything else about orders is admin-only.
	OpCreateOrder  = Operation{"createOrder", RoleStorefront}
	OpReadOrders   = Operation{"orders", RoleAdmin}
	OpOrderActions = Operation{"order actions", RoleAdmin}
	OpCreateReturn = Operation{"createReturn", RoleAdmin}

	// International orders: placing one is checkout (storefront keys may);
	// reading the ledger is admin-only.
	OpPlaceInternationalOrder = Operation{"placeInternationalOrder", RoleStorefront}
	OpReadInternationalOrders = Operation{"internationalOrders", RoleAdmin}

	// Consignment transactions and the writes awaiting reconciliation.
	OpConsignment   = Operation{"consignment transactions", RoleAdmin}
	OpPendingWrites = Operation{"pendingWrites", RoleAdmin}
)

// Authorize reports whether the caller in ctx may perform op: nil, or an
// *Error with CodeUnauthenticated (no valid key) or CodeForbidden.
func Authorize(ctx context.Context, op Operation) error {
	p := PrincipalFrom(ctx)
	if p.Role >= op.Role {
		return nil
	}
	if p.Role == RoleNone {
		return &Error{Code: CodeUnauthenticated, Message: fmt.Sprintf("%s needs an API key (Authorization: Bearer <key>)", op.Name)}
	}
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf("%s needs the %s role; this key has the %s role", op.Name, op.Role, p.Role)}
}

// Allowed reports whether the caller in ctx may perform op.
func Allowed(ctx context.Context, op Operation) bool { return Authorize(ctx, op) == nil }
