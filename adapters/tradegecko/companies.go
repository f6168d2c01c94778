package tradegecko

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// CompaniesService reads and creates companies (customers and suppliers).
type CompaniesService service

// Company is a customer or supplier as the API sends it.
type Company struct {
	ID                 Int  `json:"id"`
	CreatedAt          Time `json:"created_at"`
	UpdatedAt          Time `json:"updated_at"`
	Status             Text `json:"status"`
	Name               Text `json:"name"`
	CompanyType        Text `json:"company_type"`
	CompanyCode        Text `json:"company_code"`
	Email              Text `json:"email"`
	PhoneNumber        Text `json:"phone_number"`
	Website            Text `json:"website"`
	Description        Text `json:"description"`
	TaxNumber          Text `json:"tax_number"`
	DefaultPriceListID Text `json:"default_price_list_id"`
	Tags               Tags `json:"tags"`
	AddressIDs         IDs  `json:"address_ids"`
}

// NewCompany is the body of a company create, and of a company embedded in
// a new order.
type NewCompany struct {
	Name        string `json:"name"`
	CompanyType string `json:"company_type"`
	CompanyCode string `json:"company_code,omitempty"`
	Email       string `json:"email,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Website     string `json:"website,omitempty"`
}

// CompanyListOptions filters GET /companies.
type CompanyListOptions struct {
	ListOptions
	Filter
	CompanyType []string
	CompanyCode string
}

func (o *CompanyListOptions) values() url.Values {
	q := url.Values{}
	if o == nil {
		return q
	}
	o.ListOptions.encode(q)
	o.Filter.encode(q)
	setMulti(q, "company_type", o.CompanyType)
	if o.CompanyCode != "" {
		q.Set("company_code", o.CompanyCode)
	}
	return q
}

// List returns one page of companies.
func (s *CompaniesService) List(ctx context.Context, opts *CompanyListOptions) ([]Company, *Response, error) {
	var body struct {
		Companies []Company `json:"companies"`
	}
	resp, err := s.client.get(ctx, "companies", opts.values(), &body)
	return body.Companies, resp, err
}

// All iterates over every company matching opts.
func (s *CompaniesService) All(ctx context.Context, opts *CompanyListOptions) iter.Seq2[Company, error] {
	o := CompanyListOptions{}
	if opts != nil {
		o = *opts
	}
	return pages(ctx, func(ctx context.Context, page int) ([]Company, *Response, error) {
		o.ListOptions = ListOptions{Page: page, Limit: MaxLimit}
		return s.List(ctx, &o)
	})
}

// Get returns one company.
func (s *CompaniesService) Get(ctx context.Context, id int64) (*Company, *Response, error) {
	var body struct {
		Company *Company `json:"company"`
	}
	resp, err := s.client.getOne(ctx, "companies/"+strconv.FormatInt(id, 10), nil, &body, "company", func() bool { return body.Company != nil })
	return body.Company, resp, err
}

// Create creates a company.
func (s *CompaniesService) Create(ctx context.Context, c *NewCompany, key string) (*Company, *Response, error) {
	var body struct {
		Company *Company `json:"company"`
	}
	resp, err := s.client.send(ctx, http.MethodPost, "companies", map[string]any{"company": c}, key, &body)
	if err == nil && body.Company == nil {
		err = &DecodeError{Method: http.MethodPost, Path: "/companies", RequestID: resp.RequestID, Err: errMissingKey("company")}
	}
	return body.Company, resp, err
}
