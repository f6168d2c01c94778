package graph

import (
	"context"
	"fmt"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/graph/model"
)

// loadNodes resolves global ids through commerce.Service.Nodes, which
// holds the node registry and authorizes each type: every id is decoded
// before anything is fetched, so one malformed id fails the field without
// reaching a backend; ids of one type cost one batch (40 product ids are
// one ids= request). Ids that do not exist are nil. What it brings primes
// the operation's loaders, so nested lookups of the same records cost
// nothing.
func (r *queryResolver) loadNodes(ctx context.Context, arg string, ids []string) ([]model.Node, error) {
	refs := make([]commerce.NodeID, len(ids))
	for i, s := range ids {
		ref, err := commerce.ParseNodeID(s)
		if err != nil {
			return nil, commerce.BadInput("%s: %v", argAt(arg, i, len(ids)), err)
		}
		refs[i] = ref
	}
	found, err := r.Service.Nodes(ctx, refs, commerce.NodeSideloads{})
	if err != nil {
		return nil, err
	}
	l := loadersFor(ctx)
	out := make([]model.Node, len(found))
	for i, n := range found {
		switch v := n.(type) {
		case nil:
			continue
		case *commerce.Product:
			l.product.Prime(v.ID, *v)
		case *commerce.Variant:
			l.variant.Prime(v.ID, *v)
		case *commerce.Image:
			l.image.Prime(v.ID, *v)
		case *commerce.Order:
			l.order.Prime(v.ID, *v)
		case *commerce.OrderLineItem:
			l.orderLine.Prime(v.ID, *v)
		case *commerce.Company:
			l.company.Prime(v.ID, *v)
		case *commerce.Address:
			l.address.Prime(v.ID, *v)
		case *commerce.Fulfillment:
			l.fulfillment.Prime(v.ID, *v)
		case *commerce.Return:
			l.ret.Prime(v.ID, *v)
		}
		out[i] = n
	}
	return out, nil
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
	ids, err := parseTradegeckoIDs("filter.ids", gid.Product, f.Ids)
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
	ids, err := parseTradegeckoIDs("filter.ids", gid.Variant, f.Ids)
	if err != nil {
		return out, err
	}
	out.IDs = ids
	out.SKU = deref(f.Sku)
	if f.ProductID != nil {
		if out.ProductID, err = parseTradegeckoID("filter.productId", gid.Product, *f.ProductID); err != nil {
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
