package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

// GET /v1/nodes and /v1/nodes/{id}: any object by its global id, as
// GraphQL's node and nodes. The ids are decoded (form only) before anything
// is fetched, so one malformed id fails the request without reaching a
// backend; then the ids are batched by type and each type is fetched with
// the Service operation GraphQL's node loaders use (graph/nodes.go and
// graph/loaders.go), once for all its ids: 40 product ids are one ids=
// request. Access is the Service's: a storefront key may fetch the catalog
// types (Product, Variant, Image, Location, Currency); any other type is
// FORBIDDEN, for the whole request, as GraphQL fails the field.
//
// Each object is its REST representation (the one its own endpoint
// answers, with the same children: a product its variants, an order its
// lines, company and addresses) plus "__typename", the GraphQL type name.
// The name is GraphQL's own meta field, not "type", because a
// ConsignmentTransaction already has a "type" (SALE or RETURN).

// MaxNodes bounds GET /v1/nodes?ids=, as GraphQL's nodes(ids:).
const MaxNodes = 100

// TypenameField names the GraphQL type of a node.
const TypenameField = "__typename"

// Image is a product or variant image (GraphQL Image).
type Image struct {
	ID       string   `json:"id" doc:"gid://tradegecko/Image/<id>"`
	URL      string   `json:"url"`
	FileName string   `json:"fileName"`
	Position int      `json:"position"`
	Versions []string `json:"versions" nullable:"false" doc:"Sizes the backend generated, e.g. thumbnail, medium."`
}

// Fulfillment is a shipment of some of an order's lines (GraphQL
// Fulfillment; its order by id).
type Fulfillment struct {
	ID        string                `json:"id" doc:"gid://tradegecko/Fulfillment/<id>"`
	OrderID   string                `json:"orderId" doc:"gid://tradegecko/Order/<id>"`
	Status    string                `json:"status" enum:"PACKED,FULFILLED,VOID,DELETED,OTHER"`
	Tracking  Tracking              `json:"tracking"`
	PackedAt  DateTime              `json:"packedAt"`
	ShippedAt DateTime              `json:"shippedAt"`
	LineItems []FulfillmentLineItem `json:"lineItems" nullable:"false"`
}

// FulfillmentLineItem is how much of an order line a shipment holds.
type FulfillmentLineItem struct {
	OrderLineItemID string  `json:"orderLineItemId" doc:"gid://tradegecko/OrderLineItem/<id>"`
	Quantity        Decimal `json:"quantity"`
}

// The representations of nodes: an object's REST representation and its
// GraphQL type name. Each is a schema of its own in the document, so that
// the heterogeneous list has a precise one: a oneOf of these, told apart
// by __typename (an OpenAPI discriminator). The huma way to get that is a
// struct per type embedding the representation (its fields are promoted,
// in JSON and in the schema alike).

// ProductNode is a Product as a node.
type ProductNode struct {
	Typename string `json:"__typename" enum:"Product"`
	Product
}

// VariantNode is a Variant as a node.
type VariantNode struct {
	Typename string `json:"__typename" enum:"Variant"`
	Variant
}

// ImageNode is an Image as a node.
type ImageNode struct {
	Typename string `json:"__typename" enum:"Image"`
	Image
}

// LocationNode is a Location as a node.
type LocationNode struct {
	Typename string `json:"__typename" enum:"Location"`
	Location
}

// CurrencyNode is a Currency as a node.
type CurrencyNode struct {
	Typename string `json:"__typename" enum:"Currency"`
	Currency
}

// OrderNode is an Order as a node.
type OrderNode struct {
	Typename string `json:"__typename" enum:"Order"`
	Order
}

// OrderLineItemNode is an order line as a node; alone, it says its order.
type OrderLineItemNode struct {
	Typename string `json:"__typename" enum:"OrderLineItem"`
	OrderLineItem
	OrderID string `json:"orderId" doc:"gid://tradegecko/Order/<id>"`
}

// CompanyNode is a Company as a node.
type CompanyNode struct {
	Typename string `json:"__typename" enum:"Company"`
	Company
}

// AddressNode is an Address as a node.
type AddressNode struct {
	Typename string `json:"__typename" enum:"Address"`
	Address
}

// FulfillmentNode is a Fulfillment as a node.
type FulfillmentNode struct {
	Typename string `json:"__typename" enum:"Fulfillment"`
	Fulfillment
}

// ReturnNode is a Return as a node.
type ReturnNode struct {
	Typename string `json:"__typename" enum:"Return"`
	Return
}

// InternationalOrderNode is an InternationalOrder as a node.
type InternationalOrderNode struct {
	Typename string `json:"__typename" enum:"InternationalOrder"`
	InternationalOrder
}

// ConsignmentTransactionNode is a ConsignmentTransaction as a node.
type ConsignmentTransactionNode struct {
	Typename string `json:"__typename" enum:"ConsignmentTransaction"`
	ConsignmentTransaction
}

// nodeTypes are the types a node may be, in the order the document lists
// them (and batches are reported in).
var nodeTypes = []struct {
	name string
	typ  reflect.Type
	op   commerce.Operation // what reading one needs
}{
	{typeProduct, reflect.TypeFor[ProductNode](), commerce.OpGetProducts},
	{typeVariant, reflect.TypeFor[VariantNode](), commerce.OpGetVariants},
	{typeImage, reflect.TypeFor[ImageNode](), commerce.OpGetImages},
	{typeLocation, reflect.TypeFor[LocationNode](), commerce.OpListLocations},
	{typeCurrency, reflect.TypeFor[CurrencyNode](), commerce.OpListCurrencies},
	{typeOrder, reflect.TypeFor[OrderNode](), commerce.OpReadOrders},
	{typeOrderLineItem, reflect.TypeFor[OrderLineItemNode](), commerce.OpReadOrders},
	{typeCompany, reflect.TypeFor[CompanyNode](), commerce.OpReadOrders},
	{typeAddress, reflect.TypeFor[AddressNode](), commerce.OpReadOrders},
	{typeFulfillment, reflect.TypeFor[FulfillmentNode](), commerce.OpReadOrders},
	{typeReturn, reflect.TypeFor[ReturnNode](), commerce.OpReadOrders},
	{typeInternationalOrder, reflect.TypeFor[InternationalOrderNode](), commerce.OpReadInternationalOrders},
	{typeConsignmentTransaction, reflect.TypeFor[ConsignmentTransactionNode](), commerce.OpConsignment},
}

// Node is an object named by a global id: one of the *Node types above.
type Node struct{ v any }

// MarshalJSON writes the object.
func (n Node) MarshalJSON() ([]byte, error) { return json.Marshal(n.v) }

// Schema documents a node as a oneOf of the types it may be, with
// __typename as the discriminator.
func (Node) Schema(r huma.Registry) *huma.Schema {
	s := &huma.Schema{
		Description:   "An object named by its global id: its REST representation plus __typename, its GraphQL type name.",
		Discriminator: &huma.Discriminator{PropertyName: TypenameField, Mapping: map[string]string{}},
	}
	for _, t := range nodeTypes {
		ref := r.Schema(t.typ, true, "")
		s.OneOf = append(s.OneOf, ref)
		s.Discriminator.Mapping[t.name] = ref.Ref
	}
	return s
}

// NodeList is what GET /v1/nodes answers.
type NodeList struct {
	Data []Nullable[Node] `json:"data" nullable:"false" doc:"One entry per id asked for, in that order: the object, or null when it does not exist."`
}

func registerNodes(r registrar, h *handlers) {
	register(r, huma.Operation{OperationID: "getNodes", Method: http.MethodGet, Path: BasePath + "/nodes",
		Tags: []string{tagNodes}, Summary: "Get objects by global id", Errors: []int{http.StatusForbidden},
		Description: "Any objects by their global ids, as GraphQL's nodes(ids:): each its REST representation plus __typename, " +
			"or null where nothing has that id, in the order asked. Ids of one type are fetched together (40 product ids cost one " +
			"upstream request). Storefront keys may fetch catalog types only (Product, Variant, Image, Location, Currency); any other " +
			"type is 403 for the whole request."},
		h.getNodes)
	register(r, huma.Operation{OperationID: "getNode", Method: http.MethodGet, Path: BasePath + "/nodes/{id}",
		Tags: []string{tagNodes}, Summary: "Get an object by global id", Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Description: "Any object by its global id, as GraphQL's node(id:): its REST representation plus __typename. " +
			"Storefront keys may fetch catalog types only."},
		h.getNode)
}

type nodesInput struct {
	IDs []string `query:"ids,explode" required:"true" doc:"Global ids (gid://…), repeated or comma-separated; at most 100."`
}

type nodesOutput struct {
	Body NodeList
}

func (h *handlers) getNodes(ctx context.Context, in *nodesInput) (*nodesOutput, error) {
	ids := splitGlobalIDs(in.IDs)
	var fe fieldErrors
	if len(ids) > MaxNodes {
		fe.add([]string{"ids"}, "query", "takes at most %d ids, got %d", MaxNodes, len(ids))
		return nil, fe.problem()
	}
	refs := make([]nodeRef, len(ids))
	for i, s := range ids {
		ref, err := parseNodeID(s)
		if err != nil {
			fe.add([]string{"ids", itoa(i)}, "query", "%v", err)
		}
		refs[i] = ref
	}
	if err := fe.problem(); err != nil {
		return nil, err
	}
	nodes, err := h.loadNodes(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := make([]Nullable[Node], len(nodes))
	for i, n := range nodes {
		out[i] = Null[Node]()
		if n != nil {
			out[i] = Some(Node{n})
		}
	}
	return &nodesOutput{Body: NodeList{Data: out}}, nil
}

type nodePath struct {
	ID string `path:"id" doc:"The URL-encoded global id (gid%3A%2F%2Ftradegecko%2FProduct%2F1)."`
}

type nodeOutput struct {
	Body Node
}

func (h *handlers) getNode(ctx context.Context, in *nodePath) (*nodeOutput, error) {
	s, err := pathValue(ctx, in.ID)
	var ref nodeRef
	if err == nil {
		ref, err = parseNodeID(s)
	}
	if err != nil {
		return nil, badInput(fmt.Sprintf("path parameter id: %v", err),
			FieldError{Field: []string{"id"}, In: "path", Message: err.Error(), Code: "INVALID"})
	}
	nodes, err := h.loadNodes(ctx, []nodeRef{ref})
	if err != nil {
		return nil, err
	}
	if nodes[0] == nil {
		return nil, notFound("node", s)
	}
	return &nodeOutput{Body: Node{nodes[0]}}, nil
}

// splitGlobalIDs splits the values of ?ids= at commas, except inside an id:
// a consignment transaction's key is an order number, which may hold one,
// so a piece that does not start a new gid:// belongs to the one before.
func splitGlobalIDs(values []string) []string {
	var out []string
	for _, v := range values {
		start := len(out)
		for part := range strings.SplitSeq(v, ",") {
			part = strings.TrimSpace(part)
			switch {
			case part == "":
			case len(out) > start && !strings.HasPrefix(part, "gid://"):
				out[len(out)-1] += "," + part
			default:
				out = append(out, part)
			}
		}
	}
	return out
}

// nodeRef is a decoded global id: its type and key (an integer for
// TradeGecko objects).
type nodeRef struct {
	typ string
	key int64
	str string
}

// parseNodeID decodes a global id of a type the gateway has, as GraphQL's
// node does: form only, nothing is looked up.
func parseNodeID(s string) (nodeRef, error) {
	id, err := gid.Parse(s)
	if err != nil {
		return nodeRef{}, err
	}
	switch id.Backend {
	case gid.TradeGlobal:
		if id.Type == typeInternationalOrder {
			return nodeRef{typ: id.Type, str: id.Key}, nil
		}
	case gid.SimpleConsign:
		if id.Type == typeConsignmentTransaction {
			key, err := consignmentKey(s)
			return nodeRef{typ: id.Type, str: key}, err
		}
	case gid.TradeGecko:
		switch id.Type {
		case typeProduct, typeVariant, typeImage, typeLocation, typeCurrency,
			typeOrder, typeOrderLineItem, typeCompany, typeAddress, typeFulfillment, typeReturn:
			key, err := id.IntKey()
			return nodeRef{typ: id.Type, key: key}, err
		}
	}
	return nodeRef{}, fmt.Errorf("%w: %s: the gateway has no %s objects of %s", gid.ErrMalformed, clip(s), id.Type, id.Backend)
}

// nodeBatch fetches the objects of one type: keys are the refs' keys
// (strconv.FormatInt of TradeGecko ids); missing ones do not exist.
type nodeBatch func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error)

var nodeBatches = map[string]nodeBatch{
	typeProduct: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		// The documented ids= with include=variants: one request (products
		// falls back to one batched variant lookup where it is ignored).
		found, err := h.svc.ProductsByID(ctx, intKeys(refs), commerce.ProductSideloads{Variants: true})
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		ps, err := h.products(ctx, found)
		if err != nil {
			return nil, err
		}
		return keyed(found, func(i int) (int64, any) { return found[i].ID, &ProductNode{typeProduct, ps[i]} }), nil
	},
	typeVariant: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		found, err := h.svc.VariantsByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) {
			return found[i].ID, &VariantNode{typeVariant, h.toVariant(ctx, &found[i])}
		}), nil
	},
	typeImage: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		found, err := h.svc.ImagesByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) { return found[i].ID, &ImageNode{typeImage, toImage(&found[i])} }), nil
	},
	typeLocation: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		// Reference data (inactive ones too: an id names what it names).
		found, err := h.svc.LocationsByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) {
			return found[i].ID, &LocationNode{typeLocation, toLocation(&found[i])}
		}), nil
	},
	typeCurrency: func(ctx context.Context, h *handlers, _ []nodeRef) (map[string]any, error) {
		found, err := h.svc.Currencies(ctx)
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) {
			return found[i].ID, &CurrencyNode{typeCurrency, toCurrency(&found[i])}
		}), nil
	},
	typeOrder: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		// With lines, company and addresses, as GET /v1/orders/{id}: one
		// ids= request with include=.
		found, err := h.svc.OrdersByID(ctx, intKeys(refs), orderSideloads)
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) { return found[i].ID, &OrderNode{typeOrder, toOrder(&found[i])} }), nil
	},
	typeOrderLineItem: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		found, err := h.svc.OrderLineItemsByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) {
			return found[i].ID, &OrderLineItemNode{Typename: typeOrderLineItem, OrderLineItem: toOrderLineItem(&found[i]),
				OrderID: tradegeckoID(typeOrder, found[i].OrderID)}
		}), nil
	},
	typeCompany: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		found, err := h.svc.CompaniesByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) { return found[i].ID, &CompanyNode{typeCompany, toCompany(&found[i])} }), nil
	},
	typeAddress: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		found, err := h.svc.AddressesByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) { return found[i].ID, &AddressNode{typeAddress, toAddress(&found[i])} }), nil
	},
	typeFulfillment: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		found, err := h.svc.FulfillmentsByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) {
			return found[i].ID, &FulfillmentNode{typeFulfillment, toFulfillment(&found[i])}
		}), nil
	},
	typeReturn: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		found, err := h.svc.ReturnsByID(ctx, intKeys(refs))
		if err != nil {
			return nil, h.fail(ctx, err)
		}
		return keyed(found, func(i int) (int64, any) { return found[i].ID, &ReturnNode{typeReturn, toReturn(&found[i])} }), nil
	},
	typeInternationalOrder: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		// The gateway's own ledger, one record per id (as GraphQL's node).
		out := map[string]any{}
		for _, key := range strKeys(refs) {
			o, err := h.svc.InternationalOrder(ctx, key)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			if o == nil {
				continue
			}
			io, err := h.toInternationalOrder(ctx, o)
			if err != nil {
				return nil, err
			}
			out[key] = &InternationalOrderNode{typeInternationalOrder, io}
		}
		return out, nil
	},
	typeConsignmentTransaction: func(ctx context.Context, h *handlers, refs []nodeRef) (map[string]any, error) {
		// The ledger of each order number once, however many of its
		// transactions are asked for.
		want := map[string]bool{}
		var orderNumbers []string
		for _, key := range strKeys(refs) {
			want[key] = true
			parts := strings.Split(key, "/")
			n := strings.Join(parts[:len(parts)-2], "/")
			if !slices.Contains(orderNumbers, n) {
				orderNumbers = append(orderNumbers, n)
			}
		}
		out := map[string]any{}
		for _, n := range orderNumbers {
			txs, err := h.svc.ConsignmentTransactions(ctx, n)
			if err != nil {
				return nil, h.fail(ctx, err)
			}
			for i := range txs {
				if want[txs[i].ID] {
					out[txs[i].ID] = &ConsignmentTransactionNode{typeConsignmentTransaction, toTransaction(&txs[i])}
				}
			}
		}
		return out, nil
	},
}

// loadNodes fetches the objects refs name, one batch per type, the batches
// at once (as GraphQL's loaders run); nil where nothing has the id. When
// batches fail, the error is the first type's in nodeTypes order, so the
// answer does not depend on timing.
func (h *handlers) loadNodes(ctx context.Context, refs []nodeRef) ([]any, error) {
	byType := map[string][]nodeRef{}
	for _, r := range refs {
		byType[r.typ] = append(byType[r.typ], r)
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	order := map[string]int{}
	for i, t := range nodeTypes {
		order[t.name] = i
	}
	slices.SortFunc(types, func(a, b string) int { return order[a] - order[b] })
	// One type the key may not read refuses the request (as each batch's
	// operation would): before any batch spends upstream requests.
	for _, t := range types {
		if err := commerce.Authorize(ctx, nodeTypes[order[t]].op); err != nil {
			return nil, h.fail(ctx, err)
		}
	}

	results := make([]map[string]any, len(types))
	errs := make([]error, len(types))
	var wg sync.WaitGroup
	for i, t := range types {
		wg.Go(func() { results[i], errs[i] = nodeBatches[t](ctx, h, byType[t]) })
	}
	wg.Wait()
	found := map[string]map[string]any{}
	for i, t := range types {
		if errs[i] != nil {
			return nil, errs[i]
		}
		found[t] = results[i]
	}
	out := make([]any, len(refs))
	for i, r := range refs {
		key := r.str
		if key == "" {
			key = strconv.FormatInt(r.key, 10)
		}
		out[i] = found[r.typ][key] // nil when absent
	}
	return out, nil
}

// intKeys returns the refs' integer keys, each once.
func intKeys(refs []nodeRef) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, r := range refs {
		if !seen[r.key] {
			seen[r.key] = true
			out = append(out, r.key)
		}
	}
	return out
}

// strKeys returns the refs' string keys, each once.
func strKeys(refs []nodeRef) []string {
	var out []string
	for _, r := range refs {
		if !slices.Contains(out, r.str) {
			out = append(out, r.str)
		}
	}
	return out
}

// keyed maps items by their TradeGecko id to their representation.
func keyed[T any](items []T, at func(i int) (int64, any)) map[string]any {
	out := make(map[string]any, len(items))
	for i := range items {
		id, v := at(i)
		out[strconv.FormatInt(id, 10)] = v
	}
	return out
}

func toImage(im *commerce.Image) Image {
	return Image{ID: tradegeckoID(typeImage, im.ID), URL: im.URL, FileName: im.FileName, Position: im.Position,
		Versions: strings0(im.Versions)}
}

func toFulfillment(f *commerce.Fulfillment) Fulfillment {
	out := Fulfillment{ID: tradegeckoID(typeFulfillment, f.ID), OrderID: tradegeckoID(typeOrder, f.OrderID), Status: string(f.Status),
		Tracking: toTrackingOut(f.Tracking), PackedAt: toDateTime(f.PackedAt), ShippedAt: toDateTime(f.ShippedAt),
		LineItems: make([]FulfillmentLineItem, len(f.LineItems))}
	for i, l := range f.LineItems {
		out.LineItems[i] = FulfillmentLineItem{OrderLineItemID: tradegeckoID(typeOrderLineItem, l.OrderLineItemID), Quantity: toDecimal(l.Quantity)}
	}
	return out
}
