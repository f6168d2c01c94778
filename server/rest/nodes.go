package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
)

// GET /v1/nodes and /v1/nodes/{id}: any object by its global id, as
// GraphQL's node and nodes. The ids are decoded (form only, by
// commerce.ParseNodeID) before anything is fetched, so one malformed id
// fails the request without reaching a backend; then
// commerce.Service.Nodes, which GraphQL's node and nodes call too, looks
// them up, batched by type: 40 product ids are one ids= request. Access is
// the Service's: a storefront key may fetch the catalog types (Product,
// Variant, Image, Location, Currency); any other type is FORBIDDEN, for the
// whole request, as GraphQL fails the field.
//
// Each object is its REST representation (the one its own endpoint
// answers, with the same children: a product its variants, an order its
// lines, company and addresses) plus "__typename", the GraphQL type name.
// The name is GraphQL's own meta field, not "type", because a
// ConsignmentTransaction already has a "type" (SALE or RETURN).

// MaxNodes bounds GET /v1/nodes?ids=, as GraphQL's nodes(ids:).
const MaxNodes = commerce.MaxNodes

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

// nodeReps are the REST representations of the node types, by type name;
// which types there are, in which order, and what reading one needs is
// commerce's node registry (commerce.NodeTypes).
var nodeReps = map[string]reflect.Type{
	gid.Product:                reflect.TypeFor[ProductNode](),
	gid.Variant:                reflect.TypeFor[VariantNode](),
	gid.Image:                  reflect.TypeFor[ImageNode](),
	gid.Location:               reflect.TypeFor[LocationNode](),
	gid.Currency:               reflect.TypeFor[CurrencyNode](),
	gid.Order:                  reflect.TypeFor[OrderNode](),
	gid.OrderLineItem:          reflect.TypeFor[OrderLineItemNode](),
	gid.Company:                reflect.TypeFor[CompanyNode](),
	gid.Address:                reflect.TypeFor[AddressNode](),
	gid.Fulfillment:            reflect.TypeFor[FulfillmentNode](),
	gid.Return:                 reflect.TypeFor[ReturnNode](),
	gid.InternationalOrder:     reflect.TypeFor[InternationalOrderNode](),
	gid.ConsignmentTransaction: reflect.TypeFor[ConsignmentTransactionNode](),
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
	for _, t := range commerce.NodeTypes() {
		ref := r.Schema(nodeReps[t.Name], true, "")
		s.OneOf = append(s.OneOf, ref)
		s.Discriminator.Mapping[t.Name] = ref.Ref
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
	refs := make([]commerce.NodeID, len(ids))
	for i, s := range ids {
		ref, err := commerce.ParseNodeID(s)
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
	var ref commerce.NodeID
	if err == nil {
		ref, err = commerce.ParseNodeID(s)
	}
	if err != nil {
		return nil, badInput(fmt.Sprintf("path parameter id: %v", err),
			FieldError{Field: []string{"id"}, In: "path", Message: err.Error(), Code: "INVALID"})
	}
	nodes, err := h.loadNodes(ctx, []commerce.NodeID{ref})
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

// nodeSideloads are what a node embeds, as its own endpoint: a product
// its variants, an order its lines, company and addresses.
var nodeSideloads = commerce.NodeSideloads{Products: commerce.ProductSideloads{Variants: true}, Orders: orderSideloads}

// loadNodes fetches the objects refs name through commerce.Service.Nodes
// (which authorizes each type and batches the ids of each) and renders
// each in its REST representation; nil where nothing has the id.
func (h *handlers) loadNodes(ctx context.Context, refs []commerce.NodeID) ([]any, error) {
	found, err := h.svc.Nodes(ctx, refs, nodeSideloads)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	// Products together: those whose variants did not come along cost one
	// batched variant lookup for all of them.
	var products []commerce.Product
	for _, n := range found {
		if p, ok := n.(*commerce.Product); ok {
			products = append(products, *p)
		}
	}
	reps, err := h.products(ctx, products)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(found))
	for i, n := range found {
		switch v := n.(type) {
		case *commerce.Product:
			out[i], reps = &ProductNode{gid.Product, reps[0]}, reps[1:]
		case *commerce.Variant:
			out[i] = &VariantNode{gid.Variant, h.toVariant(ctx, v)}
		case *commerce.Image:
			out[i] = &ImageNode{gid.Image, toImage(v)}
		case *commerce.Location:
			out[i] = &LocationNode{gid.Location, toLocation(v)}
		case *commerce.Currency:
			out[i] = &CurrencyNode{gid.Currency, toCurrency(v)}
		case *commerce.Order:
			out[i] = &OrderNode{gid.Order, toOrder(v)}
		case *commerce.OrderLineItem:
			out[i] = &OrderLineItemNode{Typename: gid.OrderLineItem, OrderLineItem: toOrderLineItem(v),
				OrderID: tradegeckoID(gid.Order, v.OrderID)}
		case *commerce.Company:
			out[i] = &CompanyNode{gid.Company, toCompany(v)}
		case *commerce.Address:
			out[i] = &AddressNode{gid.Address, toAddress(v)}
		case *commerce.Fulfillment:
			out[i] = &FulfillmentNode{gid.Fulfillment, toFulfillment(v)}
		case *commerce.Return:
			out[i] = &ReturnNode{gid.Return, toReturn(v)}
		case *commerce.InternationalOrder:
			io, err := h.toInternationalOrder(ctx, v)
			if err != nil {
				return nil, err
			}
			out[i] = &InternationalOrderNode{gid.InternationalOrder, io}
		case *commerce.RecordedTransaction:
			out[i] = &ConsignmentTransactionNode{gid.ConsignmentTransaction, toTransaction(v)}
		}
	}
	return out, nil
}

func toImage(im *commerce.Image) Image {
	return Image{ID: tradegeckoID(gid.Image, im.ID), URL: im.URL, FileName: im.FileName, Position: im.Position,
		Versions: strings0(im.Versions)}
}

func toFulfillment(f *commerce.Fulfillment) Fulfillment {
	out := Fulfillment{ID: tradegeckoID(gid.Fulfillment, f.ID), OrderID: tradegeckoID(gid.Order, f.OrderID), Status: string(f.Status),
		Tracking: toTrackingOut(f.Tracking), PackedAt: toDateTime(f.PackedAt), ShippedAt: toDateTime(f.ShippedAt),
		LineItems: make([]FulfillmentLineItem, len(f.LineItems))}
	for i, l := range f.LineItems {
		out.LineItems[i] = FulfillmentLineItem{OrderLineItemID: tradegeckoID(gid.OrderLineItem, l.OrderLineItemID), Quantity: toDecimal(l.Quantity)}
	}
	return out
}
