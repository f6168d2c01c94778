package tradeglobal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/commercegateway/gateway/circuit"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

// Service implements commerce.International over a Client.
type Service struct {
	client   *Client
	currency money.Currency
}

var _ commerce.International = (*Service)(nil)

// NewService returns the TGC backend of the gateway. TGC's amounts carry no
// currency: they are taken to be in currency (TRADEGLOBAL_CURRENCY; the zero
// Currency means USD).
func NewService(c *Client, currency money.Currency) *Service {
	if currency.IsZero() {
		currency = money.MustCurrency("USD")
	}
	return &Service{client: c, currency: currency}
}

// Currency is the currency of TGC's amounts.
func (s *Service) Currency() money.Currency { return s.currency }

// Validate checks an order against the spec's rules (see ValidateRequest).
// An empty StateProvince or Postal is not an error: PlaceOrder sends the
// single space the spec asks for.
func (s *Service) Validate(o commerce.InternationalOrderInput) []commerce.UserError {
	return ValidateRequest(toRequest(o))
}

// PlaceOrder sends the order once (never resending by itself) and maps the
// answer:
//   - SUCCESS: the quote, every amount as money.Money in the service's
//     currency, exactly as TGC wrote it (never recomputed);
//   - FAILED saying the MerchantOrderID exists: an error matching
//     commerce.ErrAlreadyPlaced (an earlier attempt landed);
//   - FAILED about the merchant code: a *commerce.Error UPSTREAM_ERROR (the
//     gateway's configuration, not the caller's input);
//   - other FAILED: a *commerce.Rejection with TGC's ErrorMessage, and the
//     input path when the message names a field ("Products[0].UnitPrice");
//   - 401/403: UPSTREAM_ERROR (credentials); 404: UPSTREAM_ERROR (base URL);
//     429: RATE_LIMITED; other 4xx: UPSTREAM_ERROR — nothing was placed;
//   - 5xx: UPSTREAM_UNAVAILABLE, matching commerce.ErrOutcomeUnknown (a
//     server may fail after storing the order);
//   - no answer: UPSTREAM_UNAVAILABLE, an unreadable one: UPSTREAM_ERROR,
//     both matching commerce.ErrOutcomeUnknown and wrapping the
//     *NetworkError or *DecodeError: the order may have landed; a resend
//     with the same MerchantOrderID finds out.
//
// No message carries the Authorization value or the merchant code.
func (s *Service) PlaceOrder(ctx context.Context, o commerce.InternationalOrderInput) (commerce.Quote, error) {
	req := toRequest(o)
	resp, _, err := s.client.PlaceOrder(ctx, req)
	if err != nil {
		return commerce.Quote{}, s.fail(err, req)
	}
	return toQuote(resp.Quote, s.currency), nil
}

// Learn finds out whether o, sent before without an answer, was placed
// (commerce.International). TGC cannot be asked about an order, but it
// refuses a second one with the same MerchantOrderID, so o is resent:
//   - SUCCESS: placed now (the first attempt never landed), with its quote;
//   - FAILED saying the MerchantOrderID exists: the first attempt landed,
//     its quote is lost (nil);
//   - another FAILED: refused, the first attempt too (had it landed, the
//     resend would have been refused as existing): OutcomeNotRecorded with
//     the *commerce.Rejection;
//   - anything else (no answer again, or not sent: the rate limit, the
//     breakers, credentials): OutcomeUnknown with the error (see PlaceOrder).
func (s *Service) Learn(ctx context.Context, o commerce.InternationalOrderInput) (*commerce.Quote, commerce.LostWrite) {
	quote, err := s.PlaceOrder(ctx, o)
	var rej *commerce.Rejection
	switch {
	case err == nil:
		return &quote, commerce.LostWrite{Outcome: commerce.OutcomeRecorded}
	case errors.Is(err, commerce.ErrAlreadyPlaced):
		return nil, commerce.LostWrite{Outcome: commerce.OutcomeRecorded}
	case errors.As(err, &rej):
		return nil, commerce.LostWrite{Outcome: commerce.OutcomeNotRecorded, Err: err}
	}
	return nil, commerce.LostWrite{Outcome: commerce.OutcomeUnknown, Err: err}
}

// toRequest converts the gateway's input to the wire request. The merchant
// code is the client's. An empty StateProvince or Postal becomes " ", as the
// spec asks when the destination has none.
func toRequest(o commerce.InternationalOrderInput) *OrderRequest {
	a := o.ShipTo
	r := &OrderRequest{
		MerchantOrderID: o.MerchantOrderID,
		ServiceCode:     o.ServiceCode,
		Cart: Cart{
			Products: make([]Product, len(o.Products)),
			ShipToAddress: Address{
				FirstName:     a.FirstName,
				LastName:      a.LastName,
				Address1:      a.Address1,
				Address2:      a.Address2,
				City:          a.City,
				StateProvince: orSpace(a.StateProvince),
				Postal:        orSpace(a.Postal),
				Country:       a.Country,
				Phone:         a.Phone,
				Email:         a.Email,
			},
		},
	}
	for i, p := range o.Products {
		r.Cart.Products[i] = Product{
			SKU:                          p.SKU,
			Quantity:                     p.Quantity,
			UnitPrice:                    NewDecimal(p.UnitPrice),
			Name:                         p.Name,
			Description:                  p.Description,
			HarmonizedTariffCode:         p.HarmonizedTariffCode,
			CountryOfOrigin:              p.CountryOfOrigin,
			Length:                       decimalPtr(p.Length),
			Width:                        decimalPtr(p.Width),
			Height:                       decimalPtr(p.Height),
			SizeUOM:                      p.SizeUOM,
			Weight:                       decimalPtr(p.Weight),
			WeightUOM:                    p.WeightUOM,
			CommercialInvoiceDescription: p.CommercialInvoiceDescription,
		}
	}
	return r
}

func orSpace(s string) string {
	if s == "" {
		return " "
	}
	return s
}

// toQuote carries TGC's quote as given. A SUCCESS without a quote (not
// something the spec shows) gives an empty quote in the currency rather than
// a failure: the order did land.
func toQuote(q *Quote, cur money.Currency) commerce.Quote {
	if q == nil {
		q = &Quote{}
	}
	return commerce.Quote{
		QuoteID:   q.QuoteID,
		TotalCost: money.New(q.TotalCost.Value(), cur),
		Customs:   toQuoteGroup(q.CustomsField, cur),
		Import:    toQuoteGroup(q.ImportField, cur),
		Service:   toQuoteGroup(q.ServiceField, cur),
		Shipping:  toQuoteGroup(q.ShippingField, cur),
	}
}

func toQuoteGroup(f QuoteField, cur money.Currency) commerce.QuoteGroup {
	g := commerce.QuoteGroup{Total: money.New(f.Total.Value(), cur)}
	for _, fee := range f.Fee {
		g.Fees = append(g.Fees, commerce.QuoteCharge{Type: fee.Type, Classification: fee.Classification,
			Amount: money.New(fee.Amount.Value(), cur)})
	}
	for _, d := range f.Discount {
		g.Discounts = append(g.Discounts, commerce.QuoteCharge{Type: d.Type, Classification: d.Classification,
			Amount: money.New(d.DiscountAmount.Value(), cur)})
	}
	return g
}

// fail gives a client error its meaning for the gateway (see PlaceOrder).
func (s *Service) fail(err error, req *OrderRequest) error {
	var re *RefusedError
	var er *ErrorResponse
	var ne *NetworkError
	var de *DecodeError
	var open *circuit.OpenError
	switch {
	case errors.As(err, &open):
		return &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: Backend, RetryAfter: open.RetryAfter, Err: err,
			Message: "TradeGlobal has been failing, so the gateway is not sending it orders for now; nothing was sent; try again later"}
	case errors.As(err, &re):
		if re.StatusCode == http.StatusUnauthorized || re.StatusCode == http.StatusForbidden {
			return s.credentialsError(re.StatusCode, re.RequestID, err)
		}
		if re.AlreadyExists() {
			return fmt.Errorf("%w: %w", commerce.ErrAlreadyPlaced, err)
		}
		if refusesMerchantCode(re.Message) {
			// The merchant code is the gateway's configuration, not the
			// caller's input: not a user error.
			return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend, RequestID: re.RequestID,
				Message: "TradeGlobal refused the gateway's merchant code: check TRADEGLOBAL_MERCHANT_CODE",
				Err:     s.redacted(err)}
		}
		return &commerce.Rejection{Backend: Backend, Message: rejectionMessage(re), RequestID: re.RequestID,
			Field: fieldOfMessage(re.Message, req)}
	case errors.As(err, &er):
		e := &commerce.Error{Backend: Backend, RequestID: er.RequestID, Err: err}
		switch {
		case er.StatusCode == http.StatusUnauthorized || er.StatusCode == http.StatusForbidden:
			return s.credentialsError(er.StatusCode, er.RequestID, err)
		case er.StatusCode == http.StatusNotFound:
			e.Code, e.Message = commerce.CodeUpstreamError, "TradeGlobal has no such route (HTTP 404): check TRADEGLOBAL_BASE_URL"
		case er.StatusCode == http.StatusTooManyRequests:
			e.Code, e.Message = commerce.CodeRateLimited, "TradeGlobal is limiting requests; try again later"
			e.RetryAfter = max(er.RetryAfter, time.Second)
		case er.StatusCode >= 500:
			// A server failure may come after the order was stored: the
			// outcome is unknown until a resend says.
			e.Code = commerce.CodeUpstreamUnavailable
			e.Message = fmt.Sprintf("TradeGlobal is unavailable (HTTP %d); the order may have been placed", er.StatusCode)
			e.Err = fmt.Errorf("%w: %w", commerce.ErrOutcomeUnknown, err)
		default:
			e.Code, e.Message = commerce.CodeUpstreamError, fmt.Sprintf("TradeGlobal refused the request (HTTP %d %s)", er.StatusCode, http.StatusText(er.StatusCode))
		}
		return e
	case errors.As(err, &ne):
		return &commerce.Error{Code: commerce.CodeUpstreamUnavailable, Backend: Backend,
			Message: "TradeGlobal did not answer; the order may have been placed",
			Err:     fmt.Errorf("%w: %w", commerce.ErrOutcomeUnknown, err)}
	case errors.As(err, &de):
		return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend, RequestID: de.RequestID,
			Message: "TradeGlobal sent an answer the gateway cannot read; the order may have been placed",
			Err:     fmt.Errorf("%w: %w", commerce.ErrOutcomeUnknown, err)}
	}
	return &commerce.Error{Code: commerce.CodeInternal, Backend: Backend, Message: "the TradeGlobal order could not be sent", Err: err}
}

func (s *Service) credentialsError(status int, requestID string, err error) error {
	return &commerce.Error{Code: commerce.CodeUpstreamError, Backend: Backend, RequestID: requestID, Err: s.redacted(err),
		Message: fmt.Sprintf("TradeGlobal refused the gateway's credentials (HTTP %d): check TRADEGLOBAL_MERCHANT_CODE and TRADEGLOBAL_AUTHORIZATION", status)}
}

// refusesMerchantCode reports a FAILED message about the merchant code
// ("Invalid MerchantCode 'X'.", "MerchantCode is required.").
func refusesMerchantCode(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "merchantcode") || strings.Contains(m, "merchant code")
}

// redacted returns err with the credentials taken out of the server's
// message, should it echo them: an error about credentials ends up in logs.
func (s *Service) redacted(err error) error {
	var re *RefusedError
	var er *ErrorResponse
	switch {
	case errors.As(err, &re):
		c := *re
		c.Message = s.client.redact(c.Message)
		c.Response = nil
		return &c
	case errors.As(err, &er):
		c := *er
		c.Message = s.client.redact(c.Message)
		return &c
	}
	return err
}

func rejectionMessage(re *RefusedError) string {
	if strings.TrimSpace(re.Message) == "" {
		return "TradeGlobal refused the order without saying why"
	}
	return re.Message
}

// fieldPattern finds a field TGC's message names: "Products[0].UnitPrice",
// "ShipToAddress.Country", "MerchantOrderID".
var fieldPattern = regexp.MustCompile(`\b(?:Cart\.)?(?:(Products)\[(\d+)\]\.([A-Za-z]+)|(ShipToAddress)\.([A-Za-z0-9]+)|(MerchantOrderID|ServiceCode)\b)`)

// inputFields maps TGC's field names to the gateway's input names.
var inputFields = map[string]string{
	"SKU": "sku", "Quantity": "quantity", "UnitPrice": "unitPrice", "Name": "name",
	"Description": "description", "HarmonizedTariffCode": "harmonizedTariffCode",
	"CountryOfOrigin": "countryOfOrigin", "Length": "length", "Width": "width", "Height": "height",
	"SizeUOM": "sizeUom", "Weight": "weight", "WeightUOM": "weightUom",
	"CommercialInvoiceDescription": "commercialInvoiceDescription",
	"FirstName":                    "firstName", "LastName": "lastName", "Address1": "address1", "Address2": "address2",
	"City": "city", "StateProvince": "stateProvince", "Postal": "postal", "Country": "country",
	"Phone": "phone", "Email": "email",
	"MerchantOrderID": "merchantOrderId", "ServiceCode": "serviceCode",
}

// fieldOfMessage returns the input path a FAILED message names, when it
// names one in the spec's terms (the sandbox's messages do; TGC's wording is
// not documented, so nil is the common answer).
func fieldOfMessage(msg string, req *OrderRequest) []string {
	m := fieldPattern.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	switch {
	case m[1] != "":
		i, err := strconv.Atoi(m[2])
		name, ok := inputFields[m[3]]
		if err != nil || !ok || req == nil || i >= len(req.Cart.Products) {
			return nil
		}
		return []string{"products", m[2], name}
	case m[4] != "":
		if name, ok := inputFields[m[5]]; ok {
			return []string{"shipTo", name}
		}
		return []string{"shipTo"}
	case m[6] != "":
		return []string{inputFields[m[6]]}
	}
	return nil
}
