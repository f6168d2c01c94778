package rest

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

// typeConsignmentTransaction names the type of pending writes in problem
// bodies (problem.go).
const typeConsignmentTransaction = gid.ConsignmentTransaction

func tradegeckoID(typ string, id int64) string { return gid.Int(gid.TradeGecko, typ, id).String() }

func optTradegeckoID(typ string, id int64) *string {
	if id == 0 {
		return nil
	}
	s := tradegeckoID(typ, id)
	return &s
}

func tradegeckoIDs(typ string, ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = tradegeckoID(typ, id)
	}
	return out
}

// parseTradegeckoID reads the id of a TradeGecko object of type typ: its
// global id (gid://tradegecko/<typ>/<id>) or the bare backend id. It checks
// form, not existence.
func parseTradegeckoID(typ, s string) (int64, error) {
	if strings.HasPrefix(s, "gid://") {
		return gid.ParseInt(s, gid.TradeGecko, typ)
	}
	n, err := gid.ParsePositiveInt(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is neither a %s id (gid://tradegecko/%s/<id>) nor a bare one: %v", gid.ErrMalformed, clip(s), typ, typ, err)
	}
	return n, nil
}

// pathValue returns a path parameter as the client meant it. Echo hands
// over the raw (still escaped) segment when the request path has escapes
// Go keeps (an encoded gid:// id: gid%3A%2F%2F…), and the decoded one
// otherwise.
func pathValue(ctx context.Context, raw string) (string, error) {
	if u := requestURL(ctx); u == nil || u.RawPath == "" {
		return raw, nil
	}
	s, err := url.PathUnescape(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid URL path segment", clip(raw))
	}
	return s, nil
}

// pathID reads a TradeGecko id from the path parameter name.
func pathID(ctx context.Context, name, typ, raw string) (int64, error) {
	s, err := pathValue(ctx, raw)
	if err == nil {
		var id int64
		if id, err = parseTradegeckoID(typ, s); err == nil {
			return id, nil
		}
	}
	return 0, badInput(fmt.Sprintf("path parameter %s: %v", name, err),
		FieldError{Field: []string{name}, In: "path", Message: err.Error(), Code: "INVALID"})
}

// queryIDs reads a repeatable id parameter: ?ids=a&ids=b, or ?ids=a,b.
func queryIDs(fe *fieldErrors, name, typ string, values []string) []int64 {
	values = splitValues(values)
	if len(values) == 0 {
		return nil
	}
	if len(values) > commerce.MaxFilterIDs {
		fe.add([]string{name}, "query", "takes at most %d ids, got %d", commerce.MaxFilterIDs, len(values))
		return nil
	}
	out := make([]int64, 0, len(values))
	for _, v := range values {
		id, err := parseTradegeckoID(typ, v)
		if err != nil {
			fe.add([]string{name}, "query", "%v", err)
			return nil
		}
		out = append(out, id)
	}
	return out
}

// queryTags reads a repeatable text parameter with at most
// commerce.MaxFilterTags values (?tags=a&tags=b, or ?tags=a,b): over the
// limit, or a value over queryText's, is a 400 naming the parameter (the
// Service would refuse it too, naming GraphQL's filter.tags).
func queryTags(fe *fieldErrors, name string, values []string) []string {
	values = splitValues(values)
	if len(values) > commerce.MaxFilterTags {
		fe.add([]string{name}, "query", "takes at most %d values, got %d", commerce.MaxFilterTags, len(values))
		return nil
	}
	for i, v := range values {
		if err := commerce.CheckText(v); err != nil {
			fe.add([]string{name, itoa(i)}, "query", "%v", err)
		}
	}
	return values
}

// queryText reads a text filter parameter, checked against the limits the
// Service puts on filters, so that the 400 names the parameter.
func queryText(fe *fieldErrors, name, s string) string {
	if err := commerce.CheckText(s); err != nil {
		fe.add([]string{name}, "query", "%v", err)
	}
	return s
}

// splitValues splits comma-separated values of a repeatable parameter.
func splitValues(values []string) []string {
	var out []string
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// consignmentKey reads a consignment transaction id:
// gid://simpleconsign/ConsignmentTransaction/<orderNumber>/<SALE|RETURN>/<n>,
// or its bare key <orderNumber>/<SALE|RETURN>/<n>.
func consignmentKey(s string) (string, error) {
	key := s
	if strings.HasPrefix(s, "gid://") {
		id, err := gid.Parse(s)
		if err == nil {
			err = id.Expect(gid.SimpleConsign, gid.ConsignmentTransaction)
		}
		if err != nil {
			return "", err
		}
		key = id.Key
	}
	if err := commerce.CheckConsignmentKey(key); err != nil {
		return "", fmt.Errorf("%w: %q %v", gid.ErrMalformed, clip(s), err)
	}
	return key, nil
}
