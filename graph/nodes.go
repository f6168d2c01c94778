package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/graph/model"
)

// maxNodes bounds Query.nodes.
const maxNodes = 100

// loadNodes resolves global ids, batching per type: 40 product ids cost one
// ids= request. Every id is decoded before anything is fetched, so one
// malformed id fails the field without reaching a backend. Ids that do not
// exist are nil.
func (r *queryResolver) loadNodes(ctx context.Context, arg string, ids []string) ([]model.Node, error) {
	type ref struct {
		typ string
		key int64
		str string // the key of objects with string ids
	}
	refs := make([]ref, len(ids))
	for i, s := range ids {
		id, err := gid.Parse(s)
		if err != nil {
			return nil, commerce.BadInput("%s: %v", argAt(arg, i, len(ids)), err)
		}
		if id.Backend != gid.TradeGecko {
			switch {
			case id.Backend == gid.TradeGlobal && id.Type == typeInternationalOrder:
				refs[i] = ref{typ: id.Type, str: id.Key}
				continue
			case id.Backend == gid.SimpleConsign && id.Type == typeConsignmentTransaction:
				if _, err := parseConsignmentID(argAt(arg, i, len(ids)), s); err != nil {
					return nil, err
				}
				refs[i] = ref{typ: id.Type, str: id.Key}
				continue
			}
			return nil, commerce.BadInput("%s: %s: the gateway has no %s objects of %s", argAt(arg, i, len(ids)), s, id.Type, id.Backend)
		}
		switch id.Type {
		case typeProduct, typeVariant, typeImage, typeLocation, typeCurrency,
			typeOrder, typeOrderLineItem, typeCompany, typeAddress, typeFulfillment, typeReturn:
		default:
			return nil, commerce.BadInput("%s: %s: the gateway has no %s type", argAt(arg, i, len(ids)), s, id.Type)
		}
		key, err := id.IntKey()
		if err != nil {
			return nil, commerce.BadInput("%s: %v", argAt(arg, i, len(ids)), err)
		}
		refs[i] = ref{typ: id.Type, key: key}
	}

	l := loadersFor(ctx)
	thunks := make([]func() (model.Node, error), len(refs))
	for i, rf := range refs {
		switch rf.typ {
		case typeProduct:
			th := l.product.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeVariant:
			th := l.variant.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeImage:
			th := l.image.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeOrder:
			th := l.order.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeOrderLineItem:
			th := l.orderLine.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeCompany:
			th := l.company.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeAddress:
			th := l.address.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeFulfillment:
			th := l.fulfillment.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeReturn:
			th := l.ret.LoadThunk(ctx, rf.key)
			thunks[i] = func() (model.Node, error) { return found(th()) }
		case typeInternationalOrder:
			thunks[i] = func() (model.Node, error) {
				o, err := r.Service.InternationalOrder(ctx, rf.str)
				if o == nil {
					return nil, err
				}
				return o, err
			}
		case typeConsignmentTransaction:
			thunks[i] = func() (model.Node, error) {
				parts := strings.Split(rf.str, "/")
				orderNumber := strings.Join(parts[:len(parts)-2], "/")
				txs, err := r.Service.ConsignmentTransactions(ctx, orderNumber)
				return findNode(txs, err, func(t commerce.RecordedTransaction) bool { return t.ID == rf.str })
			}
		case typeLocation:
			thunks[i] = func() (model.Node, error) {
				locs, err := r.Service.LocationsByID(ctx, []int64{rf.key})
				return findNode(locs, err, func(x commerce.Location) bool { return x.ID == rf.key })
			}
		case typeCurrency:
			thunks[i] = func() (model.Node, error) {
				curs, err := r.Service.Currencies(ctx)
				return findNode(curs, err, func(x commerce.Currency) bool { return x.ID == rf.key })
			}
		}
	}
	out := make([]model.Node, len(refs))
	for i, th := range thunks {
		n, err := th()
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// found turns a loader result into a node: a pointer to the record, or nil
// when it does not exist.
func found[T any](v T, err error) (model.Node, error) {
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func findNode[T any](items []T, err error, match func(T) bool) (model.Node, error) {
	if err != nil {
		return nil, err
	}
	for i := range items {
		if match(items[i]) {
			return &items[i], nil
		}
	}
	return nil, nil
}

func argAt(arg string, i, n int) string {
	if n == 1 && arg == "id" {
		return arg
	}
	return fmt.Sprintf("%s[%d]", arg, i)
}

// primeProducts tells the loaders about records a list already brought, so
// nested lookups of them cost nothing.
func primeProducts(ctx context.Context, items []commerce.Product) {
	l := loadersFor(ctx)
	for _, p := range items {
		l.product.Prime(p.ID, p)
		for _, v := range p.Variants {
			l.variant.Prime(v.ID, v)
		}
		for _, im := range p.Images {
			l.image.Prime(im.ID, im)
		}
	}
}

func productFilter(f *ProductFilter) (commerce.ProductFilter, error) {
	var out commerce.ProductFilter
	if f == nil {
		return out, nil
	}
	ids, err := parseTradegeckoIDs("filter.ids", typeProduct, f.Ids)
	if err != nil {
		return out, err
	}
	out.IDs = ids
	if f.Status != nil {
		out.Status = *f.Status
	}
	out.Brand = deref(f.Brand)
	out.ProductType = deref(f.ProductType)
	out.Tags = f.Tags
	if f.UpdatedAfter != nil {
		out.UpdatedAfter = *f.UpdatedAfter
	}
	return out, nil
}

func variantFilter(f *VariantFilter) (commerce.VariantFilter, error) {
	var out commerce.VariantFilter
	if f == nil {
		return out, nil
	}
	ids, err := parseTradegeckoIDs("filter.ids", typeVariant, f.Ids)
	if err != nil {
		return out, err
	}
	out.IDs = ids
	out.SKU = deref(f.Sku)
	if f.ProductID != nil {
		if out.ProductID, err = parseTradegeckoID("filter.productId", typeProduct, *f.ProductID); err != nil {
			return out, err
		}
	}
	if f.Status != nil {
		out.Status = *f.Status
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
