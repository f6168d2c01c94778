package tradegecko

import "context"

// AccountsService reads the merchant's account.
type AccountsService service

// Account is the merchant's account (GET /accounts/current).
type Account struct {
	ID                      Int  `json:"id"`
	CreatedAt               Time `json:"created_at"`
	UpdatedAt               Time `json:"updated_at"`
	Name                    Text `json:"name"`
	Country                 Text `json:"country"`
	ContactEmail            Text `json:"contact_email"`
	TimeZone                Text `json:"time_zone"`
	Website                 Text `json:"website"`
	DefaultCurrencyID       Int  `json:"default_currency_id"`
	DefaultOrderPriceListID Text `json:"default_order_price_list_id"`
	DefaultTaxTreatment     Text `json:"default_tax_treatment"`
	PrimaryLocationID       Int  `json:"primary_location_id"`
	LocationIDs             IDs  `json:"location_ids"`
}

// Current returns the account the token belongs to.
func (s *AccountsService) Current(ctx context.Context) (*Account, *Response, error) {
	var body struct {
		Account *Account `json:"account"`
	}
	resp, err := s.client.getOne(ctx, "accounts/current", nil, &body, "account", func() bool { return body.Account != nil })
	return body.Account, resp, err
}
