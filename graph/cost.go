package graph

// The cost check: what an operation may cost is measured before anything
// runs, in time linear in the size of its document, so that measuring a
// hostile document costs nothing. Three figures come out of one walk:
//
//   - depth: how deeply selections nest (fragments add no level; the
//     introspection fields __schema and __type count as one level, since
//     gqlparser's MaxIntrospectionDepth rule guards them instead);
//   - complexity: gqlgen's model (graphql/handler/extension's
//     ComplexityLimit), kept number for number: each field costs 1 plus
//     its children, a connection multiplies its children by `first`,
//     nodes(ids) by the number of ids, other lists by their typical
//     length (fieldCosts); __schema costs nothing; arguments are read with
//     the operation's variables applied;
//   - the upstream plan: the requests to the backends the operation may
//     cause on a cold cache (see "The plan" below).
//
// Why it is linear. gqlgen's own complexity calculation expands every
// fragment spread again, so `{ ...F0 } fragment F0 on Query { ...F1 ...F1 }
// … fragment F28 on Query { __typename }` (1 KB, 2^28 spreads) took a
// minute of CPU. Here each fragment is measured once and remembered: its
// depth and complexity do not depend on where it is spread (validation
// fixed every field's definition from the fragment's own type condition,
// and gqlgen's model ignores type conditions), and its plan is remembered
// per type it is spread on (plan memo keyed by fragment and concrete
// type). A spread then costs one map lookup, so the walk visits each
// selection of the document a bounded number of times: once for depth and
// complexity, and for the plan at most once per concrete type its
// fragment is spread on. All arithmetic saturates, and the walk stops as
// soon as the complexity passes its limit (every contribution is
// non-negative, so a part over the limit means the whole is).
//
// The rest of the pipeline is linear too, which is why this check is
// enough: gqlparser's validation (a visited set per fragment);
// markDecimalLiterals (limits.go: operations and fragments once each,
// never through spreads); selects (selection.go: gqlgen's CollectFields,
// one level at a time with a visited set); and the executor, which runs
// what CollectFields gathers, never more fields than the complexity
// counted, which is at least the number of fields of the full expansion.
//
// The plan. Plan estimates, for a cold cache (it never looks at what the
// cache holds), how many upstream requests an operation may cause:
//
//   - each distinct list query — products, variants, orders with the same
//     arguments (filter, window; aliases with different arguments count
//     each, identical ones once) — one request per block of 250 records
//     its window touches (the cache fetches lists in blocks of 250);
//   - a lookup by id — product(id), variant(id), order(id), node(id) — one
//     request; nodes(ids) ceil(n/250) per TradeGecko type among its ids;
//     reference data (locations, currencies, a stock level's location) and
//     what the gateway keeps itself (international orders, consignment
//     records, pending writes) none;
//   - below those, each field that looks records up by id in a batch
//     (Product.variants, Variant.product, Order.lineItems, …: planRules)
//     costs ceil(m×k/250) requests, where m is how many parents the field
//     is asked for (the window, the ids, times the typical list lengths on
//     the way down) and k how many records each parent looks up. Sideloaded
//     fields (variants and images of a products list) are counted so too,
//     as the ids= batches a server that ignores include= needs; so
//     products(first: 50) { nodes { variants { … } } } plans 2;
//   - a mutation its writes plus the lookups that may follow them
//     (mutationCosts), counted for every field, with its payload's nested
//     lookups as above;
//   - any root field the tables do not know one request, so a new field is
//     never free by accident.
//
// Fields under @skip or @include are counted as if they ran.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/paging"
)

// DefaultMaxUpstreamPerOperation is the plan a storefront operation may
// have when Options.MaxUpstreamPerOperation is zero.
const DefaultMaxUpstreamPerOperation = 10

// adminUpstreamFactor is how many times a storefront's plan an admin
// operation may have.
const adminUpstreamFactor = 5

// upstreamBatch is how many records one upstream request reads: a
// TradeGecko page, an ids= batch, a cache block.
const upstreamBatch = commerce.MaxPageLimit

// maxInt is where the arithmetic saturates.
const maxInt = math.MaxInt32

func init() {
	// A refusal for cost answers with the HTTP status of a validation
	// failure, as GRAPHQL_VALIDATION_FAILED does: gqlgen's transports ask
	// errcode for the kind of an error's code.
	errcode.RegisterErrorType(string(commerce.CodeComplexityLimitExceeded), errcode.KindProtocol)
}

// Cost is what an operation may cost.
type Cost struct {
	// Depth is how deeply the selections nest.
	Depth int
	// Complexity is the estimated work (gqlgen's model); when the walk
	// stopped early at a limit, it is a lower bound.
	Complexity int
	// Upstream is the plan: upstream requests on a cold cache. Zero when
	// Measure stopped before planning.
	Upstream int
	// Stopped says the walk stopped at the complexity limit: Complexity is
	// "at least", and Upstream was not planned.
	Stopped bool
}

// Measure returns the cost of op in doc, with vars applied. It stops
// early once the complexity passes maxComplexity (0: no limit), and plans
// only an operation within its depth and complexity limits.
func Measure(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any, maxDepth, maxComplexity int) Cost {
	w := newWalker(schema, doc, vars)
	w.maxComplexity = maxComplexity
	cx, depth := w.measure(op.SelectionSet, 0)
	c := Cost{Depth: depth, Complexity: cx, Stopped: w.stopped}
	if w.stopped || (maxDepth > 0 && depth > maxDepth) {
		return c
	}
	c.Upstream = w.plan(op)
	return c
}

// Plan returns the upstream requests op may cause on a cold cache (see
// the file's comment). A batch of operations plans the sum of its
// operations' plans.
func Plan(schema *ast.Schema, doc *ast.QueryDocument, op *ast.OperationDefinition, vars map[string]any) int {
	return newWalker(schema, doc, vars).plan(op)
}

// costLimit is the handler extension that refuses, before execution, an
// operation over its depth, complexity or upstream limit, with
// COMPLEXITY_LIMIT_EXCEEDED. It replaces gqlgen's FixedComplexityLimit,
// whose walk is exponential in fragment spreads.
type costLimit struct {
	schema        *ast.Schema
	maxDepth      int
	maxComplexity int
	maxUpstream   int // a storefront's; admin keys adminUpstreamFactor times that
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &costLimit{}

func (*costLimit) ExtensionName() string { return "CostLimit" }

func (c *costLimit) Validate(es graphql.ExecutableSchema) error {
	c.schema = es.Schema()
	return nil
}

// costStats is what the check found, on the operation context's stats.
type costStats struct{ Cost Cost }

func (c *costLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	cost := Measure(c.schema, oc.Doc, oc.Operation, oc.Variables, c.maxDepth, c.maxComplexity)
	oc.Stats.SetExtension("CostLimit", &costStats{Cost: cost})
	switch {
	case cost.Depth > c.maxDepth:
		return refuse(fmt.Sprintf("the query nests %d levels deep; at most %d are allowed", cost.Depth, c.maxDepth))
	case cost.Complexity > c.maxComplexity:
		return refuse(fmt.Sprintf("the query's complexity is at least %s; at most %s is allowed", thousands(cost.Complexity), thousands(c.maxComplexity)))
	}
	limit, who := c.maxUpstream, "a storefront key"
	if commerce.PrincipalFrom(ctx).Role == commerce.RoleAdmin {
		limit, who = saturatingMul(c.maxUpstream, adminUpstreamFactor), "an admin key"
	}
	if cost.Upstream > limit {
		return refuse(fmt.Sprintf("the operation may cost %s upstream requests on a cold cache; %s may plan at most %s", thousands(cost.Upstream), who, thousands(limit)))
	}
	return nil
}

func refuse(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(commerce.CodeComplexityLimitExceeded)}}
}

// walker measures one operation. Its memos make every fragment cost its
// size once.
type walker struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any

	maxComplexity int
	stopped       bool

	measured map[string]*measured // fragment → depth and complexity
	planned  map[planKey]*batches // (fragment, type) → nested lookups
	applies  map[[2]string]bool   // (type condition, concrete type) → matches
	rootSeen map[string]bool      // root fragments already planned
	lists    map[string]bool      // distinct root reads already counted
}

type measured struct {
	complexity, depth int
	busy              bool // being measured: a cycle (validation forbids them)
}

type planKey struct{ fragment, typ string }

func newWalker(schema *ast.Schema, doc *ast.QueryDocument, vars map[string]any) *walker {
	return &walker{
		schema: schema, doc: doc, vars: vars,
		measured: map[string]*measured{},
		planned:  map[planKey]*batches{},
		applies:  map[[2]string]bool{},
		rootSeen: map[string]bool{},
		lists:    map[string]bool{},
	}
}

// measure returns the complexity and the depth (relative to set's parent)
// of set; base is the parent's depth, for the early stop.
func (w *walker) measure(set ast.SelectionSet, base int) (complexity, depth int) {
	for _, sel := range set {
		if w.stopped {
			return complexity, depth
		}
		var cx, d int
		switch s := sel.(type) {
		case *ast.Field:
			cx, d = w.measureField(s, base)
		case *ast.InlineFragment:
			cx, d = w.measure(s.SelectionSet, base)
		case *ast.FragmentSpread:
			m := w.measured[s.Name]
			switch {
			case m == nil:
				m = &measured{busy: true}
				w.measured[s.Name] = m
				if def := w.fragment(s); def != nil {
					m.complexity, m.depth = w.measure(def.SelectionSet, base)
				}
				m.busy = false
			case m.busy:
				continue
			}
			cx, d = m.complexity, m.depth
		}
		complexity = saturatingAdd(complexity, cx)
		depth = max(depth, d)
		if w.maxComplexity > 0 && complexity > w.maxComplexity {
			w.stopped = true
		}
	}
	return complexity, depth
}

func (w *walker) measureField(f *ast.Field, base int) (complexity, depth int) {
	if f.Definition == nil || f.ObjectDefinition == nil {
		return 1, 1 // not validated; validation refuses it anyway
	}
	if isIntrospection(f.Name) {
		// Exempt from the depth limit (see limits.go); __schema costs no
		// complexity, as in gqlgen's model, __type its fields.
		if f.Definition.Type.Name() == "__Schema" {
			return 0, 1
		}
		cx, _ := w.measure(f.SelectionSet, base+1)
		return saturatingAdd(1, cx), 1
	}
	child, d := 0, 0
	if len(f.SelectionSet) > 0 {
		child, d = w.measure(f.SelectionSet, base+1)
	}
	return w.fieldComplexity(f, child), d + 1
}

// fieldComplexity is gqlgen's: a field's own rule from fieldCosts, or 1
// plus its children; on an interface, the dearest implementation.
func (w *walker) fieldComplexity(f *ast.Field, child int) int {
	obj := f.ObjectDefinition
	if obj.Kind != ast.Interface && obj.Kind != ast.Union {
		return w.costOf(obj.Name, f, child)
	}
	most := 0
	for _, t := range w.schema.GetPossibleTypes(obj) {
		most = max(most, w.costOf(t.Name, f, child))
	}
	return most
}

func (w *walker) costOf(typ string, f *ast.Field, child int) int {
	rule, ok := fieldCosts[typ+"."+f.Name]
	if !ok {
		return saturatingAdd(1, child)
	}
	switch rule.kind {
	case costConnection:
		n := paging.DefaultFirst
		if first, ok := intArg(f, "first", w.vars); ok && first > 0 {
			n = min(first, paging.MaxFirst)
		}
		return saturatingMul(n, saturatingAdd(child, 1))
	case costIDs:
		return saturatingMul(max(listArgLen(f, "ids", w.vars), 1), saturatingAdd(child, 1))
	default:
		return saturatingMul(rule.n, saturatingAdd(child, 1))
	}
}

func (w *walker) fragment(s *ast.FragmentSpread) *ast.FragmentDefinition {
	if s.Definition != nil {
		return s.Definition
	}
	if w.doc != nil {
		return w.doc.Fragments.ForName(s.Name)
	}
	return nil
}

// costKind is how a field's complexity grows with its children.
type costKind int

const (
	costList       costKind = iota // n × (children + 1)
	costConnection                 // min(first, paging.MaxFirst), default paging.DefaultFirst
	costIDs                        // the number of ids
)

// fieldCosts are the fields whose complexity is not 1 plus their
// children: connections by `first`, nodes by its ids, lists without paging
// by their typical length.
var fieldCosts = map[string]struct {
	kind costKind
	n    int
}{
	"Query.products":        {kind: costConnection},
	"Query.variants":        {kind: costConnection},
	"Query.orders":          {kind: costConnection},
	"Query.nodes":           {kind: costIDs},
	"Product.variants":      {n: 5},
	"Product.images":        {n: 3},
	"Variant.images":        {n: 3},
	"Variant.prices":        {n: 3},
	"Variant.stockLevels":   {n: 3},
	"Order.lineItems":       {n: 10},
	"Order.fulfillments":    {n: 2},
	"Order.returns":         {n: 2},
	"Fulfillment.lineItems": {n: 10},
	"Return.lineItems":      {n: 10},
	"Company.addresses":     {n: 3},
}

// planRule is what a nested field costs upstream: each parent looks up
// batch records (in ids= batches of 250, across all parents), and has
// items children for the fields below.
type planRule struct{ batch, items int }

// planRules are the nested fields that look records up, and the lists
// whose typical length multiplies what is below them. Object fields not
// listed cost nothing and have one child per parent.
var planRules = map[string]planRule{
	"Product.variants":                  {batch: 5, items: 5},
	"Product.images":                    {batch: 3, items: 3},
	"Variant.product":                   {batch: 1, items: 1},
	"Variant.images":                    {batch: 3, items: 3},
	"Variant.prices":                    {items: 3},
	"Variant.stockLevels":               {items: 3},
	"Order.company":                     {batch: 1, items: 1},
	"Order.shippingAddress":             {batch: 1, items: 1},
	"Order.billingAddress":              {batch: 1, items: 1},
	"Order.lineItems":                   {batch: 10, items: 10},
	"Order.fulfillments":                {batch: 1, items: 2},
	"Order.returns":                     {batch: 1, items: 2},
	"OrderLineItem.variant":             {batch: 1, items: 1},
	"OrderLineItem.order":               {batch: 1, items: 1},
	"Fulfillment.lineItems":             {items: 10},
	"Fulfillment.order":                 {batch: 1, items: 1},
	"FulfillmentLineItem.orderLineItem": {batch: 1, items: 1},
	"Return.lineItems":                  {items: 10},
	"Return.order":                      {batch: 1, items: 1},
	"ReturnLineItem.orderLineItem":      {batch: 1, items: 1},
	"Company.addresses":                 {batch: 3, items: 3},
}

// Root reads. Lists cost one request per block of their window; lookups
// by id one; the rest (reference data, the gateway's own records) none.
var (
	rootLists = map[string]string{ // field → the connection named in its cursors
		"products": "products", "variants": "variants", "orders": "orders",
	}
	rootLookups = map[string]string{ // field → the type it returns
		"product": gid.Product, "variant": gid.Variant, "order": gid.Order,
	}
	rootFree = map[string]bool{
		"locations": true, "currencies": true,
		"internationalOrder": true, "internationalOrders": true,
		"consignmentTransactions": true, "pendingWrites": true,
	}
)

// mutationCosts are each mutation's writes plus the lookups that may
// follow them (a read-back, the search for an order whose answer was
// lost, the lines of a shipped or voided order). createOrder adds two per
// extra part of 250 lines (an update and a read-back).
var mutationCosts = map[string]int{
	"createOrder":             4,
	"confirmOrder":            4,
	"invoiceOrder":            4,
	"payOrder":                4,
	"packOrder":               4,
	"fulfilOrder":             4,
	"voidOrder":               4,
	"createReturn":            3,
	"placeInternationalOrder": 2,
	"recordConsignmentSale":   2,
	"recordConsignmentReturn": 2,
	"resolvePendingWrite":     0,
}

// What a root field the tables do not know plans: a read one request, a
// mutation as much as the dearest known one.
const (
	defaultRootCost     = 1
	defaultMutationCost = 4
)

// batchedNodeTypes are the types node and nodes look up in ids= batches
// (commerce's node registry); the others are reference data or the
// gateway's own records.
var batchedNodeTypes = func() map[string]bool {
	out := map[string]bool{}
	for _, t := range commerce.NodeTypes() {
		out[t.Name] = t.Batched
	}
	return out
}()

// plan walks the root of op: root fields through the fragments spread on
// the root type (each once; spreading one twice asks for the same
// fields), each distinct read counted once.
func (w *walker) plan(op *ast.OperationDefinition) int {
	return w.planRoot(op.SelectionSet, op.Operation == ast.Mutation)
}

func (w *walker) planRoot(set ast.SelectionSet, mutation bool) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total = saturatingAdd(total, w.planRootField(s, mutation))
		case *ast.InlineFragment:
			total = saturatingAdd(total, w.planRoot(s.SelectionSet, mutation))
		case *ast.FragmentSpread:
			if w.rootSeen[s.Name] {
				continue
			}
			w.rootSeen[s.Name] = true
			if def := w.fragment(s); def != nil {
				total = saturatingAdd(total, w.planRoot(def.SelectionSet, mutation))
			}
		}
	}
	return total
}

func (w *walker) planRootField(f *ast.Field, mutation bool) int {
	if len(f.Name) >= 2 && f.Name[:2] == "__" {
		return 0 // introspection and __typename: the schema, not a backend
	}
	childType := ""
	if f.Definition != nil {
		childType = f.Definition.Type.Name()
	}
	below := func(m int) int { return w.nested(f.SelectionSet, childType).requests(m) }
	if mutation {
		own, ok := mutationCosts[f.Name]
		if !ok {
			own = defaultMutationCost
		}
		if f.Name == "createOrder" {
			if lines := listArgLen(f, "input.lineItems", w.vars); lines > upstreamBatch {
				own = saturatingAdd(own, saturatingMul(2, (lines-1)/upstreamBatch))
			}
		}
		return saturatingAdd(own, below(1))
	}
	own := 0
	key := w.readKey(f)
	first := !w.lists[key]
	w.lists[key] = true
	switch {
	case rootLists[f.Name] != "":
		off, n := w.window(f, rootLists[f.Name])
		if first {
			own = (off+n-1)/upstreamBatch - off/upstreamBatch + 1
		}
		// Children are counted in nodes: nodes and edges.node have one
		// child per node.
		return saturatingAdd(own, below(n))
	case f.Name == "node" || f.Name == "nodes":
		return w.planNodes(f, first)
	case rootLookups[f.Name] != "":
		if first {
			own = 1
		}
		return saturatingAdd(own, w.nested(f.SelectionSet, rootLookups[f.Name]).requests(1))
	case rootFree[f.Name]:
		n := 1 // internationalOrders pages as the other connections do
		if f.Definition != nil && f.Definition.Arguments.ForName("first") != nil {
			_, n = w.window(f, "")
		}
		return below(n)
	default:
		if first {
			own = defaultRootCost
		}
		return saturatingAdd(own, below(1))
	}
}

// planNodes plans node(id) and nodes(ids): per TradeGecko type among the
// ids, ceil(n/250) batched lookups (one for node), then what is asked
// below, per concrete type.
func (w *walker) planNodes(f *ast.Field, first bool) int {
	var ids []string
	if f.Name == "node" {
		if s, ok := arg(f, "id", w.vars).(string); ok {
			ids = []string{s}
		}
	} else if list, ok := arg(f, "ids", w.vars).([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				ids = append(ids, s)
			}
		}
	}
	count := map[string]int{}
	var order []string
	for _, s := range ids {
		id, err := gid.Parse(s)
		if err != nil {
			continue // refused before any lookup
		}
		if count[id.Type] == 0 {
			order = append(order, id.Type)
		}
		count[id.Type]++
	}
	total := 0
	for _, typ := range order {
		n := count[typ]
		if first && batchedNodeTypes[typ] {
			total = saturatingAdd(total, (n+upstreamBatch-1)/upstreamBatch)
		}
		if w.schema != nil && w.schema.Types[typ] != nil {
			total = saturatingAdd(total, w.nested(f.SelectionSet, typ).requests(n))
		}
	}
	return total
}

// readKey names a root read: the field and its arguments as written, with
// variables' values in their place. Two spellings of one read (object
// fields in another order) count twice, which errs on the safe side.
func (w *walker) readKey(f *ast.Field) string {
	var b strings.Builder
	b.WriteString(f.Name)
	for _, a := range f.Arguments {
		b.WriteString("\x00")
		b.WriteString(a.Name)
		b.WriteByte(':')
		w.writeValue(&b, a.Value)
	}
	return b.String()
}

func (w *walker) writeValue(b *strings.Builder, v *ast.Value) {
	if v == nil {
		b.WriteString("null")
		return
	}
	switch v.Kind {
	case ast.Variable:
		raw, err := json.Marshal(w.vars[v.Raw])
		if err != nil {
			raw = []byte(fmt.Sprint(w.vars[v.Raw]))
		}
		b.Write(raw)
	case ast.ListValue, ast.ObjectValue:
		b.WriteByte('{')
		for _, c := range v.Children {
			b.WriteString(c.Name)
			b.WriteByte(':')
			w.writeValue(b, c.Value)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case ast.StringValue, ast.BlockValue:
		b.WriteString(strconv.Quote(v.Raw))
	default:
		b.WriteString(v.Raw)
	}
}

// arg is one argument's value with variables applied (nil when absent or
// not coercible: the field then fails before any request).
func arg(f *ast.Field, name string, vars map[string]any) any {
	a := f.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return nil
	}
	v, err := a.Value.Value(vars)
	if err != nil {
		return nil
	}
	return v
}

// window is the offset and size of a connection's page, as the resolvers
// read first and after (an after that is not a cursor fails the field
// before any request, so it plans as the start).
func (w *walker) window(f *ast.Field, connection string) (offset, n int) {
	n = paging.DefaultFirst
	if first, ok := intArg(f, "first", w.vars); ok && first > 0 {
		n = min(first, paging.MaxFirst)
	}
	if after, ok := arg(f, "after", w.vars).(string); ok && connection != "" {
		if off, err := cursors.Decode(connection, after); err == nil {
			offset = off + 1
		}
	}
	return offset, n
}

// batches are the nested lookups below one parent, in a form that does not
// depend on how many parents there are: per k (records looked up per
// parent), how many fields look up k. For m parents a field costs
// ceil(m×k/250) requests.
type batches map[int]int

func (b batches) requests(m int) int {
	total := 0
	for k, fields := range b {
		records := saturatingMul(m, k)
		total = saturatingAdd(total, saturatingMul(fields, (records+upstreamBatch-1)/upstreamBatch))
	}
	return total
}

// add adds o, whose parents are each items children of b's.
func (b batches) add(o batches, items int) {
	for k, fields := range o {
		kk := min(saturatingMul(k, items), maxBatchKey)
		b[kk] = saturatingAdd(b[kk], fields)
	}
}

// maxBatchKey caps records per parent: past it, one parent's lookups
// already plan thousands of requests, far over any limit.
const maxBatchKey = 1 << 20

// nested returns the lookups set causes below one parent of concrete type
// typ. Fragments are planned once per concrete type.
func (w *walker) nested(set ast.SelectionSet, typ string) batches {
	out := batches{}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.Name) >= 2 && s.Name[:2] == "__" {
				continue
			}
			owner := typ
			if w.abstract(typ) && s.ObjectDefinition != nil {
				owner = s.ObjectDefinition.Name
			}
			rule, ok := planRules[owner+"."+s.Name]
			if !ok {
				rule = planRule{items: 1}
			}
			if rule.batch > 0 {
				out.add(batches{rule.batch: 1}, 1)
			}
			if len(s.SelectionSet) > 0 && s.Definition != nil {
				out.add(w.nested(s.SelectionSet, s.Definition.Type.Name()), rule.items)
			}
		case *ast.InlineFragment:
			if w.matches(s.TypeCondition, typ) {
				out.add(w.nested(s.SelectionSet, typ), 1)
			}
		case *ast.FragmentSpread:
			def := w.fragment(s)
			if def == nil || !w.matches(def.TypeCondition, typ) {
				continue
			}
			key := planKey{s.Name, typ}
			b, seen := w.planned[key]
			if !seen {
				w.planned[key] = nil // a cycle plans nothing (validation forbids them)
				b2 := w.nested(def.SelectionSet, typ)
				b = &b2
				w.planned[key] = b
			}
			if b != nil {
				out.add(*b, 1)
			}
		}
	}
	return out
}

func (w *walker) abstract(typ string) bool {
	if w.schema == nil {
		return false
	}
	d := w.schema.Types[typ]
	return d != nil && (d.Kind == ast.Interface || d.Kind == ast.Union)
}

// matches reports whether a fragment on cond applies to an object of type
// typ (an abstract typ: any fragment may apply).
func (w *walker) matches(cond, typ string) bool {
	if cond == "" || cond == typ || w.schema == nil || w.abstract(typ) {
		return true
	}
	key := [2]string{cond, typ}
	if ok, seen := w.applies[key]; seen {
		return ok
	}
	ok := false
	if d := w.schema.Types[cond]; d != nil {
		for _, t := range w.schema.GetPossibleTypes(d) {
			if t.Name == typ {
				ok = true
				break
			}
		}
	}
	w.applies[key] = ok
	return ok
}

// intArg reads an Int argument with variables applied: a literal is
// int64, a variable json.Number (gqlgen decodes with UseNumber) or int.
func intArg(f *ast.Field, name string, vars map[string]any) (int, bool) {
	switch v := arg(f, name, vars).(type) {
	case int:
		return v, true
	case int64:
		return clampInt(v), true
	case float64:
		return clampInt(int64(v)), true
	case json.Number:
		n, err := strconv.ParseInt(v.String(), 10, 64)
		return clampInt(n), err == nil
	}
	return 0, false
}

// listArgLen is the length of a list argument, or of a list inside an
// input object ("input.lineItems"), with variables applied.
func listArgLen(f *ast.Field, path string, vars map[string]any) int {
	name, rest, _ := strings.Cut(path, ".")
	v := arg(f, name, vars)
	for rest != "" {
		name, rest, _ = strings.Cut(rest, ".")
		m, ok := v.(map[string]any)
		if !ok {
			return 0
		}
		v = m[name]
	}
	list, _ := v.([]any)
	return len(list)
}

func clampInt(n int64) int {
	return int(max(min(n, maxInt), -maxInt))
}

func saturatingAdd(a, b int) int {
	if a < 0 {
		a = 0
	}
	if b < 0 {
		b = 0
	}
	if a > maxInt-b {
		return maxInt
	}
	return a + b
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
