package tradegecko

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// AddressesService reads companies' addresses.
type AddressesService service

// Address is an address of a company as the API sends it.
type Address struct {
	ID          Int  `json:"id"`
	CreatedAt   Time `json:"created_at"`
	UpdatedAt   Time `json:"updated_at"`
	Status      Text `json:"status"`
	CompanyID   Int  `json:"company_id"`
	Label       Text `json:"label"`
	CompanyName Text `json:"company_name"`
	FirstName   Text `json:"first_name"`
	LastName    Text `json:"last_name"`
	Address1    Text `json:"address1"`
	Address2    Text `json:"address2"`
	Suburb      Text `json:"suburb"`
	City        Text `json:"city"`
	State       Text `json:"state"`
	ZipCode     Text `json:"zip_code"`
	Country     Text `json:"country"`
	CountryCode Text `json:"country_code"`
	Email       Text `json:"email"`
	PhoneNumber Text `json:"phone_number"`
}

// NewAddress is an address embedded in a new order (or created on its own).
type NewAddress struct {
	CompanyID   int64  `json:"company_id,omitempty"`
	Label       string `json:"label,omitempty"`
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	CompanyName string `json:"company_name,omitempty"`
	Address1    string `json:"address1"`
	Address2    string `json:"address2,omitempty"`
	Suburb      string `json:"suburb,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	ZipCode     string `json:"zip_code,omitempty"`
	Country     string `json:"country,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Email       string `json:"email,omitempty"`
}

// AddressListOptions filters GET /addresses.
type AddressListOptions struct {
	ListOptions
	Filter
	CompanyIDs []int64
}

func (o *AddressListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.Filter.encode(q)
	if len(o.CompanyIDs) > 0 {
		q.Set("company_id", joinIDs(o.CompanyIDs))
	}
	return q
}

// List returns one page of addresses.
func (s *AddressesService) List(ctx context.Context, opts *AddressListOptions) ([]Address, *Response, error) {
	var body struct {
		Addresses []Address `json:"addresses"`
	}
	resp, err := s.client.get(ctx, "addresses", opts.values(), &body)
	return body.Addresses, resp, err
}

// All iterates over every address matching opts.
func (s *AddressesService) All(ctx context.Context, opts *AddressListOptions) iter.Seq2[Address, error] {
	o := AddressListOptions{}
	if opts != nil {
		o = *opts
	}
	return pages(ctx, func(ctx context.Context, page int) ([]Address, *Response, error) {
		o.ListOptions = ListOptions{Page: page, Limit: MaxLimit}
		return s.List(ctx, &o)
	})
}

// Get returns one address.
func (s *AddressesService) Get(ctx context.Context, id int64) (*Address, *Response, error) {
	var body struct {
		Address *Address `json:"address"`
	}
	resp, err := s.client.getOne(ctx, "addresses/"+strconv.FormatInt(id, 10), nil, &body, "address", func() bool { return body.Address != nil })
	return body.Address, resp, err
}
