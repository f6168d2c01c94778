// Package gid encodes and decodes the gateway's global object ids,
// gid://<backend>/<Type>/<id>, the only ids clients ever see.
//
// A global id names a backend, a GraphQL type name (types.go holds the
// names both doors use) and the backend's own id for it (which may itself
// contain slashes, as a consignment transaction's
// "<orderNumber>/<SALE|RETURN>/<n>" does). GraphQL and REST both decode ids
// here, so a malformed id is refused the same way at either door, before
// anything reaches a backend.
//
// The package must never look anything up: it checks form, not existence.
package gid

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/commercegateway/gateway/backend"
)

// The backends a global id may name (the names are package backend's).
const (
	TradeGecko    = backend.TradeGecko
	TradeGlobal   = backend.TradeGlobal
	SimpleConsign = backend.SimpleConsign
)

const (
	scheme = "gid://"
	// maxLen bounds an id so a hostile one costs nothing to refuse.
	maxLen = 256
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("malformed id")

// ID is a decoded global id.
type ID struct {
	Backend backend.Name // "tradegecko"
	Type    string       // GraphQL type name, "Product"
	Key     string       // the backend's id, "153172"
}

// New returns the global id of a backend object.
func New(b backend.Name, typ, key string) ID { return ID{Backend: b, Type: typ, Key: key} }

// Int returns the global id of a backend object with an integer id.
func Int(b backend.Name, typ string, key int64) ID {
	return ID{Backend: b, Type: typ, Key: strconv.FormatInt(key, 10)}
}

// String renders gid://backend/Type/key.
func (id ID) String() string { return scheme + string(id.Backend) + "/" + id.Type + "/" + id.Key }

// Parse decodes s. It checks the form only: a known backend, a type name made
// of letters, a non-empty key of printable ASCII without spaces.
func Parse(s string) (ID, error) {
	if len(s) > maxLen {
		return ID{}, fmt.Errorf("%w: longer than %d characters", ErrMalformed, maxLen)
	}
	rest, ok := strings.CutPrefix(s, scheme)
	if !ok {
		return ID{}, fmt.Errorf("%w: %q does not start with %q", ErrMalformed, s, scheme)
	}
	name, rest, ok1 := strings.Cut(rest, "/")
	b := backend.Name(name)
	typ, key, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || key == "" {
		return ID{}, fmt.Errorf("%w: %q is not of the form gid://<backend>/<Type>/<id>", ErrMalformed, s)
	}
	switch b {
	case TradeGecko, TradeGlobal, SimpleConsign:
	default:
		return ID{}, fmt.Errorf("%w: %q names an unknown backend %q", ErrMalformed, s, name)
	}
	if !isTypeName(typ) {
		return ID{}, fmt.Errorf("%w: %q has an invalid type name %q", ErrMalformed, s, typ)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c >= 0x7f {
			return ID{}, fmt.Errorf("%w: %q contains a character not allowed in an id", ErrMalformed, s)
		}
	}
	return ID{Backend: b, Type: typ, Key: key}, nil
}

// ParseInt decodes s, requires the given backend and type, and a positive
// integer key: the form of every TradeGecko id.
func ParseInt(s string, b backend.Name, typ string) (int64, error) {
	id, err := Parse(s)
	if err != nil {
		return 0, err
	}
	if err := id.Expect(b, typ); err != nil {
		return 0, err
	}
	return id.IntKey()
}

// Expect reports an error unless id belongs to backend and type.
func (id ID) Expect(b backend.Name, typ string) error {
	if id.Backend != b || id.Type != typ {
		return fmt.Errorf("%w: %q is not a %s id (want gid://%s/%s/…)", ErrMalformed, id.String(), typ, b, typ)
	}
	return nil
}

// IntKey returns the key as a positive integer.
func (id ID) IntKey() (int64, error) {
	n, err := ParsePositiveInt(id.Key)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %v", ErrMalformed, id.String(), err)
	}
	return n, nil
}

// ParsePositiveInt parses a bare backend id: decimal digits only, no sign, no
// leading zeros, at most 18 digits, greater than zero.
func ParsePositiveInt(s string) (int64, error) {
	if s == "" || len(s) > 18 {
		return 0, fmt.Errorf("the id must be 1 to 18 digits")
	}
	if s[0] == '0' {
		return 0, fmt.Errorf("the id must be a positive integer without leading zeros")
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("the id must be a positive integer")
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

func isTypeName(s string) bool {
	if s == "" || len(s) > 64 || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
