package graph

import (
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

func tradegeckoID(typ string, id int64) string { return gid.Int(gid.TradeGecko, typ, id).String() }

// parseTradegeckoID decodes the global id of a TradeGecko object of type
// typ; arg names the argument in the error.
func parseTradegeckoID(arg, typ, s string) (int64, error) {
	id, err := gid.ParseInt(s, gid.TradeGecko, typ)
	if err != nil {
		return 0, commerce.BadInput("%s: %v", arg, err)
	}
	return id, nil
}

func parseTradegeckoIDs(arg, typ string, ss []string) ([]int64, error) {
	if len(ss) > commerce.MaxFilterIDs {
		return nil, commerce.BadInput("%s takes at most %d ids, got %d", arg, commerce.MaxFilterIDs, len(ss))
	}
	out := make([]int64, 0, len(ss))
	for _, s := range ss {
		id, err := parseTradegeckoID(arg, typ, s)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}
