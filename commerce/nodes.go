package commerce

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/commercegateway/gateway/backend"
	"github.com/commercegateway/gateway/gid"
)

// MaxNodes bounds one lookup of objects by global id (GraphQL's
// nodes(ids:), REST's GET /v1/nodes?ids=).
const MaxNodes = 100

// NodeType is a type of object a global id may name: its name (the GraphQL
// type name, the <Type> of its ids), the backend whose id it carries, and
// the operation reading one needs.
type NodeType struct {
	Name    string
	Backend backend.Name
	Op      Operation
	// Batched: looked up in batches by id from the backend (ids=), one
	// request per type however many ids. The others are reference data
	// (locations, currencies) or the gateway's own ledgers.
	Batched bool
}

// nodeTypes is the node registry: every type the gateway can look up by
// global id, in the order errors are reported in (and REST documents).
var nodeTypes = []NodeType{
	{gid.Product, gid.TradeGecko, OpGetProducts, true},
	{gid.Variant, gid.TradeGecko, OpGetVariants, true},
	{gid.Image, gid.TradeGecko, OpGetImages, true},
	{gid.Location, gid.TradeGecko, OpListLocations, false},
	{gid.Currency, gid.TradeGecko, OpListCurrencies, false},
	{gid.Order, gid.TradeGecko, OpReadOrders, true},
	{gid.OrderLineItem, gid.TradeGecko, OpReadOrders, true},
	{gid.Company, gid.TradeGecko, OpReadOrders, true},
	{gid.Address, gid.TradeGecko, OpReadOrders, true},
	{gid.Fulfillment, gid.TradeGecko, OpReadOrders, true},
	{gid.Return, gid.TradeGecko, OpReadOrders, true},
	{gid.InternationalOrder, gid.TradeGlobal, OpReadInternationalOrders, false},
	{gid.ConsignmentTransaction, gid.SimpleConsign, OpConsignment, false},
}

// NodeTypes returns the node registry, in its order.
func NodeTypes() []NodeType { return slices.Clone(nodeTypes) }

func nodeType(name string) (NodeType, int, bool) {
	for i, t := range nodeTypes {
		if t.Name == name {
			return t, i, true
		}
	}
	return NodeType{}, 0, false
}

// NodeID is a decoded global id of a type the gateway has.
type NodeID struct {
	Type string // a NodeType's Name
	Key  string // the backend's id, as in the global id
	Int  int64  // Key as an integer, for TradeGecko objects
}

// ParseNodeID decodes a global id of a type the gateway has. It checks
// form, not existence; errors wrap gid.ErrMalformed and say the id.
func ParseNodeID(s string) (NodeID, error) {
	id, err := gid.Parse(s)
	if err != nil {
		return NodeID{}, err
	}
	t, _, ok := nodeType(id.Type)
	switch {
	case !ok:
		return NodeID{}, fmt.Errorf("%w: %s: the gateway has no %s type", gid.ErrMalformed, clipText(s), id.Type)
	case t.Backend != id.Backend:
		return NodeID{}, fmt.Errorf("%w: %s: the gateway has no %s objects of %s", gid.ErrMalformed, clipText(s), id.Type, id.Backend)
	}
	out := NodeID{Type: id.Type, Key: id.Key}
	switch t.Backend {
	case gid.TradeGecko:
		out.Int, err = id.IntKey()
	case gid.SimpleConsign:
		err = CheckConsignmentKey(id.Key)
		if err != nil {
			err = fmt.Errorf("%w: %q %v", gid.ErrMalformed, clipText(s), err)
		}
	}
	if err != nil {
		return NodeID{}, err
	}
	return out, nil
}

// CheckConsignmentKey checks the form of a consignment transaction's key,
// <orderNumber>/<SALE|RETURN>/<n> (an order number may itself hold
// slashes). The error completes a sentence whose subject is the id.
func CheckConsignmentKey(key string) error {
	parts := strings.Split(key, "/")
	if n := len(parts); n < 3 || parts[0] == "" || (parts[n-2] != "SALE" && parts[n-2] != "RETURN") {
		return fmt.Errorf("is not of the form gid://simpleconsign/ConsignmentTransaction/<orderNumber>/<SALE|RETURN>/<n>")
	}
	return nil
}

// NodeSideloads says what to load with the objects of some types.
type NodeSideloads struct {
	Products ProductSideloads
	Orders   OrderSideloads
}

// Nodes returns the objects ids name, in their order: *Product, *Variant,
// *Image, *Location, *Currency, *Order, *OrderLineItem, *Company,
// *Address, *Fulfillment, *Return, *InternationalOrder or
// *RecordedTransaction, and nil where nothing has the id (a location
// archived since is found: an id names what it names).
//
// The caller must be allowed every type among the ids (its NodeType.Op):
// one it is not refuses the whole lookup, before anything is fetched, with
// the error of the first such type in the registry's order. Then the ids
// of each type are fetched together (40 product ids are one batch), the
// types at once; when some fail, the error is the first type's in the
// registry's order, so the answer does not depend on timing.
func (s *Service) Nodes(ctx context.Context, ids []NodeID, sl NodeSideloads) ([]any, error) {
	if len(ids) > MaxNodes {
		return nil, BadInput("ids takes at most %d ids, got %d", MaxNodes, len(ids))
	}
	byType := make([][]NodeID, len(nodeTypes))
	for _, id := range ids {
		_, i, ok := nodeType(id.Type)
		if !ok {
			return nil, BadInput("%s is not a type the gateway has", clipText(id.Type))
		}
		byType[i] = append(byType[i], id)
	}
	for i, t := range nodeTypes {
		if len(byType[i]) > 0 {
			if err := Authorize(ctx, t.Op); err != nil {
				return nil, err
			}
		}
	}
	found := make([]map[string]any, len(nodeTypes))
	errs := make([]error, len(nodeTypes))
	var wg sync.WaitGroup
	for i, t := range nodeTypes {
		if len(byType[i]) > 0 {
			wg.Go(func() { found[i], errs[i] = s.fetchNodes(ctx, t.Name, byType[i], sl) })
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	out := make([]any, len(ids))
	for i, id := range ids {
		_, t, _ := nodeType(id.Type)
		if v, ok := found[t][id.Key]; ok {
			out[i] = v
		}
	}
	return out, nil
}

// fetchNodes fetches the objects of one type, keyed by NodeID.Key; the
// missing do not exist. Each goes through the Service's own operation.
func (s *Service) fetchNodes(ctx context.Context, typ string, ids []NodeID, sl NodeSideloads) (map[string]any, error) {
	keys := intKeys(ids)
	switch typ {
	case gid.Product:
		return keyed(s.ProductsByID(ctx, keys, sl.Products))(func(p *Product) int64 { return p.ID })
	case gid.Variant:
		return keyed(s.VariantsByID(ctx, keys))(func(v *Variant) int64 { return v.ID })
	case gid.Image:
		return keyed(s.ImagesByID(ctx, keys))(func(im *Image) int64 { return im.ID })
	case gid.Location:
		return keyed(s.LocationsByID(ctx, keys))(func(l *Location) int64 { return l.ID })
	case gid.Currency:
		curs, err := s.Currencies(ctx)
		var found []Currency
		for _, c := range curs {
			if slices.Contains(keys, c.ID) {
				found = append(found, c)
			}
		}
		return keyed(found, err)(func(c *Currency) int64 { return c.ID })
	case gid.Order:
		return keyed(s.OrdersByID(ctx, keys, sl.Orders))(func(o *Order) int64 { return o.ID })
	case gid.OrderLineItem:
		return keyed(s.OrderLineItemsByID(ctx, keys))(func(l *OrderLineItem) int64 { return l.ID })
	case gid.Company:
		return keyed(s.CompaniesByID(ctx, keys))(func(c *Company) int64 { return c.ID })
	case gid.Address:
		return keyed(s.AddressesByID(ctx, keys))(func(a *Address) int64 { return a.ID })
	case gid.Fulfillment:
		return keyed(s.FulfillmentsByID(ctx, keys))(func(f *Fulfillment) int64 { return f.ID })
	case gid.Return:
		return keyed(s.ReturnsByID(ctx, keys))(func(r *Return) int64 { return r.ID })
	case gid.InternationalOrder:
		// The gateway's own ledger, one record per id.
		out := map[string]any{}
		for _, key := range strKeys(ids) {
			o, err := s.InternationalOrder(ctx, key)
			if err != nil {
				return nil, err
			}
			if o != nil {
				out[key] = o
			}
		}
		return out, nil
	case gid.ConsignmentTransaction:
		// The ledger of each order number once, however many of its
		// transactions are asked for.
		want := strKeys(ids)
		var orderNumbers []string
		for _, key := range want {
			parts := strings.Split(key, "/")
			if n := strings.Join(parts[:len(parts)-2], "/"); !slices.Contains(orderNumbers, n) {
				orderNumbers = append(orderNumbers, n)
			}
		}
		out := map[string]any{}
		for _, n := range orderNumbers {
			txs, err := s.ConsignmentTransactions(ctx, n)
			if err != nil {
				return nil, err
			}
			for i := range txs {
				if slices.Contains(want, txs[i].ID) {
					out[txs[i].ID] = &txs[i]
				}
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("commerce: node type %s has no lookup", typ)
}

// keyed maps the items of a lookup by their id to pointers to them.
func keyed[T any](items []T, err error) func(id func(*T) int64) (map[string]any, error) {
	return func(id func(*T) int64) (map[string]any, error) {
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(items))
		for i := range items {
			out[strconv.FormatInt(id(&items[i]), 10)] = &items[i]
		}
		return out, nil
	}
}

// intKeys returns the ids' integer keys, each once.
func intKeys(ids []NodeID) []int64 {
	var out []int64
	for _, id := range ids {
		if !slices.Contains(out, id.Int) {
			out = append(out, id.Int)
		}
	}
	return out
}

// strKeys returns the ids' keys, each once.
func strKeys(ids []NodeID) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id.Key) {
			out = append(out, id.Key)
		}
	}
	return out
}

// The catalog's objects' global ids (gid), as both doors show them. They
// are methods, not GraphQL resolvers, so gqlgen marshals them in line
// rather than in a goroutine per object (see gqlgen.yml).

// GlobalID is the product's global id.
func (p Product) GlobalID() string { return gid.Int(gid.TradeGecko, gid.Product, p.ID).String() }

// GlobalID is the variant's global id.
func (v Variant) GlobalID() string { return gid.Int(gid.TradeGecko, gid.Variant, v.ID).String() }

// GlobalID is the image's global id.
func (i Image) GlobalID() string { return gid.Int(gid.TradeGecko, gid.Image, i.ID).String() }

// GlobalID is the location's global id.
func (l Location) GlobalID() string { return gid.Int(gid.TradeGecko, gid.Location, l.ID).String() }

// GlobalID is the currency's global id.
func (c Currency) GlobalID() string { return gid.Int(gid.TradeGecko, gid.Currency, c.ID).String() }
