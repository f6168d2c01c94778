package graph

import (
	"context"
	"errors"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/commercegateway/gateway/commerce"
)

// loaders batch the lookups by id that resolvers make while one operation
// runs: N variants asking for their product become one ProductsByID call,
// which the adapter turns into one ids= request. They live for one
// operation only (they cache, and a cache must not outlive its caller's
// authorization).
type loaders struct {
	product *dataloadgen.Loader[int64, commerce.Product]
	variant *dataloadgen.Loader[int64, commerce.Variant]
	image   *dataloadgen.Loader[int64, commerce.Image]

	order               *dataloadgen.Loader[int64, commerce.Order]
	orderLine           *dataloadgen.Loader[int64, commerce.OrderLineItem]
	company             *dataloadgen.Loader[int64, commerce.Company]
	address             *dataloadgen.Loader[int64, commerce.Address]
	fulfillment         *dataloadgen.Loader[int64, commerce.Fulfillment]
	ret                 *dataloadgen.Loader[int64, commerce.Return]
	fulfillmentsByOrder *dataloadgen.Loader[int64, []commerce.Fulfillment]
	returnsByOrder      *dataloadgen.Loader[int64, []commerce.Return]
}

// loaderWait is how long a loader collects keys before fetching. Resolvers
// of sibling fields start together, so a short window catches them; paths
// that matter for the request budget are prefetched explicitly instead of
// relying on timing (see Query.variants).
const loaderWait = 2 * time.Millisecond

func newLoaders(svc *commerce.Service) *loaders {
	return &loaders{
		product: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]commerce.Product, error) {
			items, err := svc.ProductsByID(ctx, ids, commerce.ProductSideloads{})
			return byID(items, func(p commerce.Product) int64 { return p.ID }), err
		}, dataloadgen.WithWait(loaderWait)),
		variant: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]commerce.Variant, error) {
			items, err := svc.VariantsByID(ctx, ids)
			return byID(items, func(v commerce.Variant) int64 { return v.ID }), err
		}, dataloadgen.WithWait(loaderWait)),
		image: dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]commerce.Image, error) {
			items, err := svc.ImagesByID(ctx, ids)
			return byID(items, func(im commerce.Image) int64 { return im.ID }), err
		}, dataloadgen.WithWait(loaderWait)),
		order: byIDLoader(func(ctx context.Context, ids []int64) ([]commerce.Order, error) {
			return svc.OrdersByID(ctx, ids, commerce.OrderSideloads{})
		}, func(o commerce.Order) int64 { return o.ID }),
		orderLine:           byIDLoader(svc.OrderLineItemsByID, func(l commerce.OrderLineItem) int64 { return l.ID }),
		company:             byIDLoader(svc.CompaniesByID, func(c commerce.Company) int64 { return c.ID }),
		address:             byIDLoader(svc.AddressesByID, func(a commerce.Address) int64 { return a.ID }),
		fulfillment:         byIDLoader(svc.FulfillmentsByID, func(f commerce.Fulfillment) int64 { return f.ID }),
		ret:                 byIDLoader(svc.ReturnsByID, func(r commerce.Return) int64 { return r.ID }),
		fulfillmentsByOrder: byParentLoader(svc.FulfillmentsByOrder, func(f commerce.Fulfillment) int64 { return f.OrderID }),
		returnsByOrder:      byParentLoader(svc.ReturnsByOrder, func(r commerce.Return) int64 { return r.OrderID }),
	}
}

// byIDLoader batches lookups by id; ids that do not exist are not found.
func byIDLoader[T any](fetch func(context.Context, []int64) ([]T, error), id func(T) int64) *dataloadgen.Loader[int64, T] {
	return dataloadgen.NewMappedLoader(func(ctx context.Context, ids []int64) (map[int64]T, error) {
		items, err := fetch(ctx, ids)
		return byID(items, id), err
	}, dataloadgen.WithWait(loaderWait))
}

// byParentLoader batches lookups of children by their parent's id; a parent
// without children gets an empty list.
func byParentLoader[T any](fetch func(context.Context, []int64) ([]T, error), parent func(T) int64) *dataloadgen.Loader[int64, []T] {
	return dataloadgen.NewLoader(func(ctx context.Context, ids []int64) ([][]T, []error) {
		items, err := fetch(ctx, ids)
		out := make([][]T, len(ids))
		if err != nil {
			errs := make([]error, len(ids))
			for i := range errs {
				errs[i] = err
			}
			return out, errs
		}
		groups := map[int64][]T{}
		for _, it := range items {
			groups[parent(it)] = append(groups[parent(it)], it)
		}
		for i, id := range ids {
			out[i] = groups[id]
		}
		return out, nil
	}, dataloadgen.WithWait(loaderWait))
}

type loadersKey struct{}

func withLoaders(ctx context.Context, l *loaders) context.Context {
	return context.WithValue(ctx, loadersKey{}, l)
}

// loadersFor returns the operation's loaders.
func loadersFor(ctx context.Context) *loaders {
	l, _ := ctx.Value(loadersKey{}).(*loaders)
	if l == nil {
		panic("graph: no loaders in context; the handler installs them per operation")
	}
	return l
}

func byID[T any](items []T, id func(T) int64) map[int64]T {
	m := make(map[int64]T, len(items))
	for _, it := range items {
		m[id(it)] = it
	}
	return m
}

// loadOne loads one record; found is false when it does not exist.
func loadOne[T any](ctx context.Context, l *dataloadgen.Loader[int64, T], id int64) (v T, found bool, err error) {
	v, err = l.Load(ctx, id)
	if errors.Is(err, dataloadgen.ErrNotFound) {
		return v, false, nil
	}
	return v, err == nil, err
}

// loadSome loads the records that exist among ids, in the order of ids,
// in one batch.
func loadSome[T any](ctx context.Context, l *dataloadgen.Loader[int64, T], ids []int64) ([]T, error) {
	thunks := make([]func() (T, error), len(ids))
	for i, id := range ids {
		thunks[i] = l.LoadThunk(ctx, id)
	}
	out := make([]T, 0, len(ids))
	for _, th := range thunks {
		v, err := th()
		if errors.Is(err, dataloadgen.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
