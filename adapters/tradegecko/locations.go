package tradegecko

import (
	"context"
	"iter"
	"net/url"
	"strconv"
)

// LocationsService reads the merchant's locations (warehouses, offices).
type LocationsService service

// Location is a warehouse or office.
type Location struct {
	ID         Int  `json:"id"`
	CreatedAt  Time `json:"created_at"`
	UpdatedAt  Time `json:"updated_at"`
	Status     Text `json:"status"`
	Label      Text `json:"label"`
	Address1   Text `json:"address1"`
	Address2   Text `json:"address2"`
	Suburb     Text `json:"suburb"`
	City       Text `json:"city"`
	State      Text `json:"state"`
	ZipCode    Text `json:"zip_code"`
	Country    Text `json:"country"`
	HoldsStock Bool `json:"holds_stock"`
}

// LocationListOptions filters GET /locations.
type LocationListOptions struct {
	ListOptions
	Filter
}

// List returns one page of locations.
func (s *LocationsService) List(ctx context.Context, opts *LocationListOptions) ([]Location, *Response, error) {
	q := url.Values{}
	if opts != nil {
		opts.ListOptions.encode(q)
		opts.Filter.encode(q)
	}
	var body struct {
		Locations []Location `json:"locations"`
	}
	resp, err := s.client.get(ctx, "locations", q, &body)
	return body.Locations, resp, err
}

// All iterates over every location matching opts.
func (s *LocationsService) All(ctx context.Context, opts *LocationListOptions) iter.Seq2[Location, error] {
	o := LocationListOptions{}
	if opts != nil {
		o = *opts
	}
	return pages(ctx, func(ctx context.Context, page int) ([]Location, *Response, error) {
		o.ListOptions = ListOptions{Page: page, Limit: MaxLimit}
		return s.List(ctx, &o)
	})
}

// Get returns one location.
func (s *LocationsService) Get(ctx context.Context, id int64) (*Location, *Response, error) {
	var body struct {
		Location *Location `json:"location"`
	}
	resp, err := s.client.getOne(ctx, "locations/"+strconv.FormatInt(id, 10), nil, &body, "location", func() bool { return body.Location != nil })
	return body.Location, resp, err
}
