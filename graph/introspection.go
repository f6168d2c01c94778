package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/commercegateway/gateway/commerce"
)

// IntrospectionPolicy says which keys may introspect the schema (__schema,
// __type) and get "Did you mean …" suggestions in validation errors
// (GATEWAY_INTROSPECTION). __typename is always allowed.
type IntrospectionPolicy string

// Introspection policies; the zero value is IntrospectionAdmin.
const (
	IntrospectionAll   IntrospectionPolicy = "all"   // every key
	IntrospectionAdmin IntrospectionPolicy = "admin" // admin keys only
	IntrospectionOff   IntrospectionPolicy = "off"   // no key
)

// allows reports whether a caller with role may introspect and get
// suggestions.
func (p IntrospectionPolicy) allows(role commerce.Role) bool {
	switch p {
	case IntrospectionAll:
		return true
	case IntrospectionOff:
		return false
	default:
		return role == commerce.RoleAdmin
	}
}

func (p IntrospectionPolicy) refusal() string {
	if p == IntrospectionOff {
		return "introspection is turned off on this gateway (GATEWAY_INTROSPECTION=off)"
	}
	return "introspection is allowed for admin keys only (GATEWAY_INTROSPECTION=admin)"
}

// introspectionPolicy replaces gqlgen's extension.Introspection (which
// enables introspection for everyone): per operation, by the caller's role,
// it enables introspection or refuses, before anything runs, an operation
// that selects __schema or __type, with FORBIDDEN naming the policy.
type introspectionPolicy struct{ policy IntrospectionPolicy }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspectionPolicy{}

func (introspectionPolicy) ExtensionName() string                   { return "IntrospectionPolicy" }
func (introspectionPolicy) Validate(graphql.ExecutableSchema) error { return nil }
func (i introspectionPolicy) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	allowed := i.policy.allows(commerce.PrincipalFrom(ctx).Role)
	oc.DisableIntrospection = !allowed // gqlgen's own guard, should a selection get past the check below
	if allowed || oc.Operation == nil {
		return nil
	}
	if field := selectsIntrospection(oc.Operation.SelectionSet, map[string]bool{}); field != "" {
		err := gqlerror.Errorf("%s: %s cannot be selected with this key", i.policy.refusal(), field)
		err.Extensions = map[string]any{"code": string(commerce.CodeForbidden)}
		return err
	}
	return nil
}

// selectsIntrospection returns the first __schema or __type field among the
// root selections of set (fields, inline fragments and fragment spreads,
// each fragment looked at once), or "".
func selectsIntrospection(set ast.SelectionSet, seen map[string]bool) string {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if isIntrospection(s.Name) {
				return s.Name
			}
		case *ast.InlineFragment:
			if f := selectsIntrospection(s.SelectionSet, seen); f != "" {
				return f
			}
		case *ast.FragmentSpread:
			if s.Definition == nil || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := selectsIntrospection(s.Definition.SelectionSet, seen); f != "" {
				return f
			}
		}
	}
	return ""
}

// hideSuggestions removes gqlparser's "Did you mean …?" suggestions from
// parse and validation errors for callers the policy does not allow.
//
// Why the error presenter, and not two executors (one with
// SetDisableSuggestion): SetDisableSuggestion swaps only the
// FieldsOnCorrectType and ScalarLeafs rules, while KnownArgumentNames,
// KnownTypeNames and ValuesOfCorrectType (enum values, input fields) still
// suggest names; every gqlparser suggestion is appended to the message as
// " Did you mean …?" (validator/core/helpers.go and the rules above), so
// cutting there removes them all. One executor also keeps one query cache
// and one set of extensions, and the caller's role is in the context the
// presenter gets. Validation failures are never cached, so no role sees
// another's message.
func hideSuggestions(policy IntrospectionPolicy, next graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := next(ctx, err)
		if policy.allows(commerce.PrincipalFrom(ctx).Role) {
			return gqlErr
		}
		switch gqlErr.Extensions["code"] {
		case errcode.ValidationFailed, errcode.ParseFailed:
			if i := strings.Index(gqlErr.Message, " Did you mean "); i >= 0 {
				gqlErr.Message = gqlErr.Message[:i]
			}
		}
		return gqlErr
	}
}
