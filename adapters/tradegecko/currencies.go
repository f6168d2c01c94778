package tradegecko

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// CurrenciesService reads the merchant's currencies.
type CurrenciesService service

// Currency is a currency the merchant trades in.
type Currency struct {
	ID        Int     `json:"id"`
	CreatedAt Time    `json:"created_at"`
	UpdatedAt Time    `json:"updated_at"`
	Status    Text    `json:"status"`
	ISO       Text    `json:"iso"`
	Name      Text    `json:"name"`
	Symbol    Text    `json:"symbol"`
	Precision Int     `json:"precision"`
	Rate      Decimal `json:"rate"`
	Delimiter Text    `json:"delimiter"`
	Separator Text    `json:"separator"`
	Format    Text    `json:"format"`
	Subunit   Int     `json:"subunit"`
}

// CurrencyListOptions filters GET /currencies.
type CurrencyListOptions struct {
	ListOptions
	Filter
}

// List returns one page of currencies.
func (s *CurrenciesService) List(ctx context.Context, opts *CurrencyListOptions) ([]Currency, *Response, error) {
	q := url.Values{}
	if opts != nil {
		opts.ListOptions.encode(q)
		opts.Filter.encode(q)
	}
	var body struct {
		Currencies []Currency `json:"currencies"`
	}
	resp, err := s.client.get(ctx, "currencies", q, &body)
	return body.Currencies, resp, err
}

// All iterates over every currency matching opts.
func (s *CurrenciesService) All(ctx context.Context, opts *CurrencyListOptions) iter.Seq2[Currency, error] {
	o := CurrencyListOptions{}
	if opts != nil {
		o = *opts
	}
	return pages(ctx, func(ctx context.Context, page int) ([]Currency, *Response, error) {
		o.ListOptions = ListOptions{Page: page, Limit: MaxLimit}
		return s.List(ctx, &o)
	})
}

// Get returns one currency.
func (s *CurrenciesService) Get(ctx context.Context, id int64) (*Currency, *Response, error) {
	var body struct {
		Currency *Currency `json:"currency"`
	}
	resp, err := s.client.getOne(ctx, "currencies/"+strconv.FormatInt(id, 10), nil, &body, "currency", func() bool { return body.Currency != nil })
	return body.Currency, resp, err
}
