package commerce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/money"
)

func TestParseNodeID(t *testing.T) {
	tests := []struct {
		in      string
		want    NodeID
		wantErr string
	}{
		{"gid://tradegecko/Product/153172", NodeID{Type: gid.Product, Key: "153172", Int: 153172}, ""},
		{"gid://tradegecko/Location/2", NodeID{Type: gid.Location, Key: "2", Int: 2}, ""},
		{"gid://tradeglobal/InternationalOrder/WEB-1", NodeID{Type: gid.InternationalOrder, Key: "WEB-1"}, ""},
		{"gid://simpleconsign/ConsignmentTransaction/SO-7,8/SALE/1", NodeID{Type: gid.ConsignmentTransaction, Key: "SO-7,8/SALE/1"}, ""},
		{"gid://simpleconsign/ConsignmentTransaction/a/b/RETURN/2", NodeID{Type: gid.ConsignmentTransaction, Key: "a/b/RETURN/2"}, ""},
		{"153172", NodeID{}, "gid://"},
		{"gid://shopify/Product/1", NodeID{}, "unknown backend"},
		{"gid://tradegecko/Widget/1", NodeID{}, "no Widget type"},
		{"gid://tradeglobal/Product/1", NodeID{}, "no Product objects of tradeglobal"},
		{"gid://tradegecko/InternationalOrder/1", NodeID{}, "no InternationalOrder objects of tradegecko"},
		{"gid://tradegecko/Product/abc", NodeID{}, "positive integer"},
		{"gid://tradegecko/Product/0", NodeID{}, "positive integer"},
		{"gid://tradegecko/Product/01", NodeID{}, "leading zeros"},
		{"gid://simpleconsign/ConsignmentTransaction/SO-1", NodeID{}, "is not of the form"},
		{"gid://simpleconsign/ConsignmentTransaction/SO-1/SOLD/1", NodeID{}, "is not of the form"},
		{"gid://simpleconsign/ConsignmentTransaction//SALE/1", NodeID{}, "is not of the form"},
	}
	for _, tc := range tests {
		got, err := ParseNodeID(tc.in)
		if tc.wantErr != "" {
			if !errors.Is(err, gid.ErrMalformed) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseNodeID(%q) error = %v, want gid.ErrMalformed saying %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseNodeID(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// Every type of the registry is one the doors can name and Nodes can
// fetch.
func TestNodeRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, nt := range NodeTypes() {
		if seen[nt.Name] || nt.Op.Name == "" {
			t.Errorf("node type %+v: repeated, or without an operation", nt)
		}
		seen[nt.Name] = true
		key := "1"
		if nt.Backend == gid.SimpleConsign {
			key = "SO-1/SALE/1"
		}
		s := gid.New(nt.Backend, nt.Name, key).String()
		if id, err := ParseNodeID(s); err != nil || id.Type != nt.Name {
			t.Errorf("ParseNodeID(%q) = %+v, %v", s, id, err)
		}
	}
}

// nodeCatalog is a catalog of a few records that counts the lookups.
type nodeCatalog struct {
	refCatalog
	mu    sync.Mutex
	calls []string
}

func (c *nodeCatalog) called(call string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call)
}

func (c *nodeCatalog) ProductsByID(_ context.Context, ids []int64, _ ProductSideloads) ([]Product, error) {
	c.called(fmt.Sprint("products ", ids))
	var out []Product
	for _, id := range ids {
		if id <= 3 {
			out = append(out, Product{ID: id, Name: fmt.Sprint("product ", id)})
		}
	}
	return out, nil
}

func (c *nodeCatalog) VariantsByID(_ context.Context, ids []int64) ([]Variant, error) {
	c.called(fmt.Sprint("variants ", ids))
	return []Variant{{ID: 5}}, nil
}

func (c *nodeCatalog) Currencies(context.Context) ([]Currency, error) {
	return []Currency{{ID: 1, Code: money.MustCurrency("SGD")}, {ID: 2, Code: money.MustCurrency("NZD")}}, nil
}

type fakeOrders struct {
	Orders
	calls int
}

func (o *fakeOrders) OrdersByID(context.Context, []int64, OrderSideloads) ([]Order, error) {
	o.calls++
	return nil, nil
}

func TestNodes(t *testing.T) {
	cat := &nodeCatalog{refCatalog: refCatalog{locations: []Location{{ID: 1, Active: true}, {ID: 2, Active: false}}}}
	orders := &fakeOrders{}
	svc := NewService(ServiceConfig{Catalog: cat, Orders: orders})
	storefront := WithPrincipal(context.Background(), Principal{Role: RoleStorefront})
	admin := WithPrincipal(context.Background(), Principal{Role: RoleAdmin})
	parse := func(ss ...string) []NodeID {
		t.Helper()
		out := make([]NodeID, len(ss))
		for i, s := range ss {
			id, err := ParseNodeID(s)
			if err != nil {
				t.Fatalf("ParseNodeID(%q): %v", s, err)
			}
			out[i] = id
		}
		return out
	}

	// In the order asked, nil for what does not exist, one batch per type.
	got, err := svc.Nodes(storefront, parse("gid://tradegecko/Product/2", "gid://tradegecko/Variant/5", "gid://tradegecko/Product/9",
		"gid://tradegecko/Location/2", "gid://tradegecko/Currency/2", "gid://tradegecko/Product/2", "gid://tradegecko/Product/1"), NodeSideloads{})
	if err != nil {
		t.Fatalf("Nodes: %v", err)
	}
	p2, _ := got[0].(*Product)
	v5, _ := got[1].(*Variant)
	loc, _ := got[3].(*Location)
	cur, _ := got[4].(*Currency)
	p1, _ := got[6].(*Product)
	if len(got) != 7 || p2 == nil || p2.ID != 2 || v5 == nil || v5.ID != 5 || got[2] != nil || loc == nil || loc.ID != 2 ||
		cur == nil || cur.Code != money.MustCurrency("NZD") || got[5] != got[0] || p1 == nil || p1.ID != 1 {
		t.Errorf("Nodes = %#v", got)
	}
	if len(cat.calls) != 2 || cat.calls[0] != "products [2 9 1]" && cat.calls[1] != "products [2 9 1]" {
		t.Errorf("lookups %q, want one per type, each id once", cat.calls)
	}

	// A type the key may not read refuses the whole list, before any
	// lookup.
	cat.calls = nil
	_, err = svc.Nodes(storefront, parse("gid://tradegecko/Product/1", "gid://tradegecko/Order/1"), NodeSideloads{})
	if CodeOf(err) != CodeForbidden || len(cat.calls) != 0 || orders.calls != 0 {
		t.Errorf("storefront Nodes with an order = %v after %q and %d order lookups; want FORBIDDEN before any", err, cat.calls, orders.calls)
	}
	if _, err := svc.Nodes(context.Background(), parse("gid://tradegecko/Product/1"), NodeSideloads{}); CodeOf(err) != CodeUnauthenticated {
		t.Errorf("anonymous Nodes = %v, want UNAUTHENTICATED", err)
	}
	if got, err := svc.Nodes(admin, parse("gid://tradegecko/Order/1"), NodeSideloads{}); err != nil || len(got) != 1 || got[0] != nil || orders.calls != 1 {
		t.Errorf("admin Nodes(Order/1) = %v, %v after %d lookups; want [nil] after one", got, err, orders.calls)
	}
	// A disabled backend answers as its operations do.
	if _, err := svc.Nodes(admin, parse("gid://tradeglobal/InternationalOrder/WEB-1"), NodeSideloads{}); CodeOf(err) != CodeBackendDisabled {
		t.Errorf("Nodes of a disabled backend = %v, want BACKEND_DISABLED", err)
	}
	many := make([]NodeID, MaxNodes+1)
	for i := range many {
		many[i] = NodeID{Type: gid.Product, Key: "1", Int: 1}
	}
	if _, err := svc.Nodes(admin, many, NodeSideloads{}); CodeOf(err) != CodeBadUserInput {
		t.Errorf("Nodes of %d ids = %v, want BAD_USER_INPUT", len(many), err)
	}
}
