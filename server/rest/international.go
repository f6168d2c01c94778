package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/gid"
	"github.com/commercegateway/gateway/money"
)

// InternationalOrder is an order the gateway placed at TradeGlobal.
type InternationalOrder struct {
	ID              string                 `json:"id" doc:"gid://tradeglobal/InternationalOrder/<merchantOrderId>"`
	MerchantOrderID string                 `json:"merchantOrderId" example:"WEB-1001"`
	ServiceCode     string                 `json:"serviceCode" example:"GMDDP"`
	Status          string                 `json:"status" enum:"PLACED,PLACED_QUOTE_UNKNOWN,OTHER" doc:"PLACED: TradeGlobal accepted it and answered its quote. PLACED_QUOTE_UNKNOWN: TradeGlobal has it (a resend was refused as a duplicate) but the answer with the quote was lost."`
	PlacedAt        DateTime               `json:"placedAt" nullable:"false"`
	Quote           Nullable[Quote]        `json:"quote" doc:"TradeGlobal's quote, as given (never recomputed); null when the outcome was learned without it."`
	Products        []InternationalProduct `json:"products" nullable:"false"`
	ShipTo          ShipTo                 `json:"shipTo"`
}

// Quote is TradeGlobal's landed-cost quote.
type Quote struct {
	QuoteID   string     `json:"quoteId"`
	TotalCost Money      `json:"totalCost"`
	Customs   QuoteGroup `json:"customs"`
	Import    QuoteGroup `json:"import"`
	Service   QuoteGroup `json:"service"`
	Shipping  QuoteGroup `json:"shipping"`
}

// QuoteGroup is one part of a quote.
type QuoteGroup struct {
	Fees      []QuoteCharge `json:"fees" nullable:"false"`
	Discounts []QuoteCharge `json:"discounts" nullable:"false"`
	Total     Money         `json:"total"`
}

// QuoteCharge is one fee or discount.
type QuoteCharge struct {
	Type           string `json:"type" example:"Duty"`
	Classification string `json:"classification" example:"Import"`
	Amount         Money  `json:"amount"`
}

// InternationalProduct is a line of an international order.
type InternationalProduct struct {
	SKU                          string   `json:"sku"`
	Quantity                     int      `json:"quantity"`
	UnitPrice                    Money    `json:"unitPrice"`
	Name                         string   `json:"name"`
	Description                  string   `json:"description"`
	HarmonizedTariffCode         string   `json:"harmonizedTariffCode"`
	CountryOfOrigin              string   `json:"countryOfOrigin"`
	Length                       *Decimal `json:"length" nullable:"true"`
	Width                        *Decimal `json:"width" nullable:"true"`
	Height                       *Decimal `json:"height" nullable:"true"`
	SizeUom                      *string  `json:"sizeUom" enum:"IN,CM,MM"`
	Weight                       *Decimal `json:"weight" nullable:"true"`
	WeightUom                    *string  `json:"weightUom" enum:"KG,LBS,OZ,G"`
	CommercialInvoiceDescription string   `json:"commercialInvoiceDescription"`
}

// ShipTo is the consignee.
type ShipTo struct {
	FirstName     string `json:"firstName"`
	LastName      string `json:"lastName"`
	Address1      string `json:"address1"`
	Address2      string `json:"address2"`
	City          string `json:"city"`
	StateProvince string `json:"stateProvince"`
	Postal        string `json:"postal"`
	Country       string `json:"country"`
	Phone         string `json:"phone"`
	Email         string `json:"email"`
}

// InternationalOrderInput is an order to place at TradeGlobal (GraphQL
// InternationalOrderInput). Its merchantOrderId is its idempotency key.
type InternationalOrderInput struct {
	MerchantOrderID *string                     `json:"merchantOrderId,omitempty" doc:"Your web order number; unique at TradeGlobal (at most 50 characters). Placing it again returns the order already placed."`
	ServiceCode     *string                     `json:"serviceCode,omitempty" doc:"The shipping service TradeGlobal assigned you, e.g. GMDDP."`
	ShipTo          *ShipToInput                `json:"shipTo,omitempty"`
	Products        []InternationalProductInput `json:"products,omitempty"`
}

// ShipToInput is the consignee of an international order.
type ShipToInput struct {
	FirstName     *string `json:"firstName,omitempty"`
	LastName      *string `json:"lastName,omitempty"`
	Address1      *string `json:"address1,omitempty"`
	Address2      *string `json:"address2,omitempty"`
	City          *string `json:"city,omitempty"`
	StateProvince *string `json:"stateProvince,omitempty" doc:"A single space where the destination has none."`
	Postal        *string `json:"postal,omitempty" doc:"A single space or NA where the destination has none."`
	Country       *string `json:"country,omitempty" doc:"ISO 3166-1 alpha-2, e.g. CA."`
	Phone         *string `json:"phone,omitempty"`
	Email         *string `json:"email,omitempty"`
}

// InternationalProductInput is a product line. The customs fields are
// needed only for SKUs TradeGlobal has not seen.
type InternationalProductInput struct {
	SKU                          *string       `json:"sku,omitempty"`
	Quantity                     *int          `json:"quantity,omitempty"`
	UnitPrice                    *DecimalInput `json:"unitPrice,omitempty" doc:"In TRADEGLOBAL_CURRENCY, at most two decimals."`
	Name                         *string       `json:"name,omitempty"`
	Description                  *string       `json:"description,omitempty"`
	HarmonizedTariffCode         *string       `json:"harmonizedTariffCode,omitempty"`
	CountryOfOrigin              *string       `json:"countryOfOrigin,omitempty"`
	Length                       *DecimalInput `json:"length,omitempty"`
	Width                        *DecimalInput `json:"width,omitempty"`
	Height                       *DecimalInput `json:"height,omitempty"`
	SizeUom                      *string       `json:"sizeUom,omitempty" enum:"IN,CM,MM"`
	Weight                       *DecimalInput `json:"weight,omitempty"`
	WeightUom                    *string       `json:"weightUom,omitempty" enum:"KG,LBS,OZ,G"`
	CommercialInvoiceDescription *string       `json:"commercialInvoiceDescription,omitempty"`
}

func registerInternational(r registrar, h *handlers) {
	register(r, huma.Operation{OperationID: "placeInternationalOrder", Method: http.MethodPost, Path: BasePath + "/international-orders",
		Tags: []string{tagInternational}, Summary: "Place an international order", DefaultStatus: http.StatusCreated,
		Errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity},
		Description: "Places an international order at TradeGlobal and answers its landed-cost quote. Once per merchantOrderId: " +
			"placing it again answers the order already placed and sends nothing; the same id with another body is 422 " +
			"IDEMPOTENCY_KEY_REUSED. Open to storefront keys (checkout)."},
		h.placeInternationalOrder)
	register(r, huma.Operation{OperationID: "listInternationalOrders", Method: http.MethodGet, Path: BasePath + "/international-orders",
		Tags: []string{tagInternational}, Summary: "List international orders", Errors: []int{http.StatusForbidden},
		Description: "The international orders the gateway placed, newest first. Admin only."},
		h.listInternationalOrders)
	register(r, huma.Operation{OperationID: "getInternationalOrder", Method: http.MethodGet, Path: BasePath + "/international-orders/{merchantOrderId}",
		Tags: []string{tagInternational}, Summary: "Get an international order", Errors: []int{http.StatusForbidden, http.StatusNotFound},
		Description: "An international order the gateway placed. Admin only."},
		h.getInternationalOrder)
}

type placeInternationalOrderInput struct {
	Body InternationalOrderInput
}

type internationalOrderCreatedOutput struct {
	Location string `header:"Location" doc:"Where the order can be read (admin keys)."`
	Body     InternationalOrder
}

func (h *handlers) placeInternationalOrder(ctx context.Context, in *placeInternationalOrderInput) (*internationalOrderCreatedOutput, error) {
	o, err := internationalOrderInput(&in.Body)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.PlaceInternationalOrder(ctx, o)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if len(res.UserErrors) > 0 || res.Order == nil {
		return nil, userErrorProblem(res.UserErrors, nil)
	}
	out, err := h.toInternationalOrder(ctx, res.Order)
	if err != nil {
		return nil, err
	}
	return &internationalOrderCreatedOutput{Location: BasePath + "/international-orders/" + url.PathEscape(out.MerchantOrderID), Body: out}, nil
}

func internationalOrderInput(in *InternationalOrderInput) (commerce.InternationalOrderInput, error) {
	var fe fieldErrors
	o := commerce.InternationalOrderInput{MerchantOrderID: deref(in.MerchantOrderID), ServiceCode: deref(in.ServiceCode)}
	if t := in.ShipTo; t != nil {
		o.ShipTo = commerce.ShipTo{FirstName: deref(t.FirstName), LastName: deref(t.LastName), Address1: deref(t.Address1),
			Address2: deref(t.Address2), City: deref(t.City), StateProvince: deref(t.StateProvince), Postal: deref(t.Postal),
			Country: deref(t.Country), Phone: deref(t.Phone), Email: deref(t.Email)}
	}
	for i, p := range in.Products {
		path := func(f string) []string { return []string{"products", itoa(i), f} }
		ip := commerce.InternationalProduct{SKU: deref(p.SKU), Quantity: deref(p.Quantity), Name: deref(p.Name),
			Description: deref(p.Description), HarmonizedTariffCode: deref(p.HarmonizedTariffCode), CountryOfOrigin: deref(p.CountryOfOrigin),
			SizeUOM: deref(p.SizeUom), WeightUOM: deref(p.WeightUom), CommercialInvoiceDescription: deref(p.CommercialInvoiceDescription),
			Length: optDecimalField(&fe, path("length"), p.Length), Width: optDecimalField(&fe, path("width"), p.Width),
			Height: optDecimalField(&fe, path("height"), p.Height), Weight: optDecimalField(&fe, path("weight"), p.Weight)}
		if p.UnitPrice != nil {
			ip.UnitPrice = decimalField(&fe, path("unitPrice"), *p.UnitPrice)
		}
		o.Products = append(o.Products, ip)
	}
	return o, fe.problem()
}

type listInternationalOrdersInput struct {
	PageParams
}

func (h *handlers) listInternationalOrders(ctx context.Context, in *listInternationalOrdersInput) (*pageOutput[InternationalOrder], error) {
	w, err := in.window("internationalOrders")
	if err != nil {
		return nil, err
	}
	page, err := h.svc.InternationalOrders(ctx, w)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	items := make([]InternationalOrder, len(page.Items))
	for i := range page.Items {
		if items[i], err = h.toInternationalOrder(ctx, &page.Items[i]); err != nil {
			return nil, err
		}
	}
	return newPage(ctx, "internationalOrders", w, items, page.Total), nil
}

type merchantOrderPath struct {
	MerchantOrderID string `path:"merchantOrderId" doc:"The merchant order id, or the order's URL-encoded global id (gid://tradeglobal/InternationalOrder/<id>)."`
}

type internationalOrderOutput struct {
	Body InternationalOrder
}

func (h *handlers) getInternationalOrder(ctx context.Context, in *merchantOrderPath) (*internationalOrderOutput, error) {
	id, err := pathValue(ctx, in.MerchantOrderID)
	if err == nil && strings.HasPrefix(id, "gid://") {
		var g gid.ID
		if g, err = gid.Parse(id); err == nil {
			err = g.Expect(gid.TradeGlobal, gid.InternationalOrder)
		}
		id = g.Key
	}
	if err != nil {
		return nil, badInput(fmt.Sprintf("path parameter merchantOrderId: %v", err),
			FieldError{Field: []string{"merchantOrderId"}, In: "path", Message: err.Error(), Code: "INVALID"})
	}
	o, err := h.svc.InternationalOrder(ctx, id)
	if err != nil {
		return nil, h.fail(ctx, err)
	}
	if o == nil {
		return nil, notFound("international order", id)
	}
	out, err := h.toInternationalOrder(ctx, o)
	if err != nil {
		return nil, err
	}
	return &internationalOrderOutput{Body: out}, nil
}

func (h *handlers) toInternationalOrder(ctx context.Context, o *commerce.InternationalOrder) (InternationalOrder, error) {
	cur, err := h.svc.InternationalCurrency()
	if err != nil {
		return InternationalOrder{}, h.fail(ctx, err)
	}
	t := o.Input.ShipTo
	out := InternationalOrder{ID: gid.New(gid.TradeGlobal, gid.InternationalOrder, o.MerchantOrderID).String(),
		MerchantOrderID: o.MerchantOrderID, ServiceCode: o.ServiceCode, Status: string(o.Status), PlacedAt: toDateTime(o.PlacedAt),
		Quote: Null[Quote](), Products: make([]InternationalProduct, len(o.Input.Products)),
		ShipTo: ShipTo{FirstName: t.FirstName, LastName: t.LastName, Address1: t.Address1, Address2: t.Address2, City: t.City,
			StateProvince: t.StateProvince, Postal: t.Postal, Country: t.Country, Phone: t.Phone, Email: t.Email}}
	if q := o.Quote; q != nil {
		out.Quote = Some(Quote{QuoteID: q.QuoteID, TotalCost: toMoney(q.TotalCost), Customs: toQuoteGroup(q.Customs),
			Import: toQuoteGroup(q.Import), Service: toQuoteGroup(q.Service), Shipping: toQuoteGroup(q.Shipping)})
	}
	for i, p := range o.Input.Products {
		out.Products[i] = InternationalProduct{SKU: p.SKU, Quantity: p.Quantity, UnitPrice: toMoney(money.New(p.UnitPrice, cur)),
			Name: p.Name, Description: p.Description, HarmonizedTariffCode: p.HarmonizedTariffCode, CountryOfOrigin: p.CountryOfOrigin,
			Length: optDecimal(p.Length), Width: optDecimal(p.Width), Height: optDecimal(p.Height), SizeUom: optString(p.SizeUOM),
			Weight: optDecimal(p.Weight), WeightUom: optString(p.WeightUOM), CommercialInvoiceDescription: p.CommercialInvoiceDescription}
	}
	return out, nil
}

func toQuoteGroup(g commerce.QuoteGroup) QuoteGroup {
	return QuoteGroup{Fees: toQuoteCharges(g.Fees), Discounts: toQuoteCharges(g.Discounts), Total: toMoney(g.Total)}
}

func toQuoteCharges(cs []commerce.QuoteCharge) []QuoteCharge {
	out := make([]QuoteCharge, len(cs))
	for i, c := range cs {
		out[i] = QuoteCharge{Type: c.Type, Classification: c.Classification, Amount: toMoney(c.Amount)}
	}
	return out
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
