package gid

// Type names: the <Type> of global ids, which are the GraphQL type names
// (and REST's __typename). Both doors name types by these; which of them
// the gateway can look up, and what reading one needs, is the node
// registry in commerce (commerce.NodeTypes).
const (
	// TradeGecko objects (integer keys).
	Product       = "Product"
	Variant       = "Variant"
	Image         = "Image"
	Location      = "Location"
	Currency      = "Currency"
	Order         = "Order"
	OrderLineItem = "OrderLineItem"
	Company       = "Company"
	Address       = "Address"
	Fulfillment   = "Fulfillment"
	Return        = "Return"

	// TradeGlobal: the merchant order id.
	InternationalOrder = "InternationalOrder"
	// SimpleConsign: <orderNumber>/<SALE|RETURN>/<n>.
	ConsignmentTransaction = "ConsignmentTransaction"
)
