package tradeglobal

import (
	"bytes"
	"encoding/json"
	"strings"
)

// OrderPath is the TGCOrder endpoint, relative to the base URL.
const OrderPath = "TGCInternalServices/MerchantServices/api/TGCOrder"

// Statuses of an OrderResponse.
const (
	StatusSuccess = "SUCCESS"
	StatusFailed  = "FAILED"
)

// OrderRequest is a TGCOrder request body ("Input Elements" of the spec).
// PassingFreightCost is not a field: the spec says to always send false, and
// the client always does.
type OrderRequest struct {
	// MerchantCode identifies the merchant (≤ 20). Empty means the client's
	// (WithMerchantCode).
	MerchantCode    string
	MerchantOrderID string // the merchant's web order number (≤ 50); unique
	ServiceCode     string // the shipping service TGC assigned (≤ 50)
	Cart            Cart
}

// Cart holds the products and the consignee.
type Cart struct {
	Products      []Product
	ShipToAddress Address
}

// Product is a line of the cart. The customs fields (Description through
// CommercialInvoiceDescription) are required only for a SKU TGC has not seen
// yet; once passed, TGC keeps them for later orders.
type Product struct {
	SKU                          string   `json:"SKU"`                                    // ≤ 50
	Quantity                     int      `json:"Quantity"`                               // > 0
	UnitPrice                    Decimal  `json:"UnitPrice"`                              // decimal(18,2), > 0
	Name                         string   `json:"Name,omitempty"`                         // ≤ 255
	Description                  string   `json:"Description,omitempty"`                  // ≤ 255
	HarmonizedTariffCode         string   `json:"HarmonizedTariffCode,omitempty"`         // ≤ 15
	CountryOfOrigin              string   `json:"CountryOfOrigin,omitempty"`              // ISO 3166-1 alpha-2
	Length                       *Decimal `json:"Length,omitempty"`                       // decimal(18,4)
	Width                        *Decimal `json:"Width,omitempty"`                        // decimal(18,4)
	Height                       *Decimal `json:"Height,omitempty"`                       // decimal(18,4)
	SizeUOM                      string   `json:"SizeUOM,omitempty"`                      // IN, CM, MM
	Weight                       *Decimal `json:"Weight,omitempty"`                       // decimal(18,4)
	WeightUOM                    string   `json:"WeightUOM,omitempty"`                    // KG, LBS, OZ, G
	CommercialInvoiceDescription string   `json:"CommercialInvoiceDescription,omitempty"` // ≤ 50
	// MerchantStyle appears in the response's cart echo only.
	MerchantStyle *string `json:"MerchantStyle,omitempty"`
}

// Address is the consignee (ShipToAddress).
type Address struct {
	FirstName string `json:"FirstName"`
	// MiddleName appears in the response's echo only.
	MiddleName    *string `json:"MiddleName,omitempty"`
	LastName      string  `json:"LastName"`
	Address1      string  `json:"Address1"`
	Address2      string  `json:"Address2,omitempty"`
	City          string  `json:"City"`
	StateProvince string  `json:"StateProvince"` // " " when the destination has none
	Postal        string  `json:"Postal"`        // " " or "NA" when the destination has none
	Country       string  `json:"Country"`       // ISO 3166-1 alpha-2
	Phone         string  `json:"Phone"`
	Email         string  `json:"Email"`
}

// wireOrder is the request body in the spec's key order.
type wireOrder struct {
	MerchantCode       string
	MerchantOrderID    string
	ServiceCode        string
	PassingFreightCost bool
	Cart               Cart
}

// encodeOrder writes the request body: the spec's keys in its order, amounts
// as bare numbers, no HTML escaping.
func encodeOrder(merchantCode string, r *OrderRequest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(wireOrder{
		MerchantCode:       merchantCode,
		MerchantOrderID:    r.MerchantOrderID,
		ServiceCode:        r.ServiceCode,
		PassingFreightCost: false,
		Cart:               r.Cart,
	})
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// OrderResponse is a TGCOrder answer, in the shape of the spec's example
// response (its output table describes another shape; the example is what
// the service sends).
type OrderResponse struct {
	Status             string // SUCCESS or FAILED
	ErrorMessage       string // why, when FAILED
	TimeStamp          Timestamp
	MerchantCode       string
	MerchantOrderID    string
	ServiceCode        string
	PassingFreightCost bool
	Quote              *Quote
	Cart               *ResponseCart
}

// Succeeded reports whether Status is SUCCESS (in any letter case).
func (r *OrderResponse) Succeeded() bool {
	return r != nil && strings.EqualFold(strings.TrimSpace(r.Status), StatusSuccess)
}

// Failed reports whether Status is FAILED (in any letter case).
func (r *OrderResponse) Failed() bool {
	return r != nil && strings.EqualFold(strings.TrimSpace(r.Status), StatusFailed)
}

// Quote is TGC's landed-cost quote. Its figures are TGC's own and need not
// add up (the spec's example has TotalCost 53.39 = cart + every fee, while
// the group totals net the discounts): carry them as given.
type Quote struct {
	QuoteID       string
	CustomsField  QuoteField
	ImportField   QuoteField
	ServiceField  QuoteField
	ShippingField QuoteField
	TotalCost     Decimal
}

// QuoteField is one group of charges (customs, import, service, shipping).
type QuoteField struct {
	Discount []Discount
	Fee      []Fee
	Total    Decimal
}

// Fee is a charge ("Amount": 4.86, "Classification": "Import", "Type": "Duty").
type Fee struct {
	Amount         Decimal
	Classification string
	Type           string
}

// Discount is a reduction, usually negative ("DiscountAmount": -12.4). Note
// the key: DiscountAmount, not Amount.
type Discount struct {
	DiscountAmount Decimal
	Classification string
	Type           string
}

// UnmarshalJSON reads the documented DiscountAmount and, when that key is
// missing, an Amount key as a fee has.
func (d *Discount) UnmarshalJSON(b []byte) error {
	var aux struct {
		DiscountAmount *Decimal
		Amount         *Decimal
		Classification string
		Type           string
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*d = Discount{Classification: aux.Classification, Type: aux.Type}
	switch {
	case aux.DiscountAmount != nil:
		d.DiscountAmount = *aux.DiscountAmount
	case aux.Amount != nil:
		d.DiscountAmount = *aux.Amount
	}
	return nil
}

// ResponseCart is the cart TGC echoes, with its total.
type ResponseCart struct {
	CartID        *string
	CartTotal     *Decimal
	Products      []Product
	ShipToAddress Address
}

// decodeOrderResponse reads a response body exactly (numbers as
// json.Number, never float64). The cart echo is informational: when it (or
// another field the gateway does not rely on) does not decode, the answer
// is still read for its Status, ErrorMessage and Quote, so that an order
// TGC accepted is never taken for a failure.
func decodeOrderResponse(body []byte) (*OrderResponse, error) {
	var r OrderResponse
	err := unmarshalExact(body, &r)
	if err == nil {
		return &r, nil
	}
	var core struct {
		Status          string
		ErrorMessage    string
		MerchantCode    string
		MerchantOrderID string
		ServiceCode     string
		Quote           *Quote
	}
	if unmarshalExact(body, &core) != nil {
		return nil, err
	}
	return &OrderResponse{
		Status: core.Status, ErrorMessage: core.ErrorMessage, MerchantCode: core.MerchantCode,
		MerchantOrderID: core.MerchantOrderID, ServiceCode: core.ServiceCode, Quote: core.Quote,
	}, nil
}

// unmarshalExact decodes one JSON value with UseNumber and nothing after it.
func unmarshalExact(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errTrailingData
	}
	return nil
}
