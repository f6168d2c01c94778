package sandbox

import "time"

// location is a stock location (warehouse) of the account.
type location struct {
	id                   int64
	createdAt, updatedAt time.Time
	address1, address2   *string
	city                 *string
	country              string
	holdsStock           bool
	label                string
	state                *string
	status               string
	suburb               *string
	zipCode              *string
}

func (l *location) meta() recordMeta {
	return recordMeta{id: l.id, created: l.createdAt, updated: l.updatedAt, status: l.status}
}

// locationJSON follows the spec's example; holds_stock is a boolean there
// although the table documents it as a String.
type locationJSON struct {
	ID         int64   `json:"id"`
	CreatedAt  string  `json:"created_at"`
	UpdatedAt  string  `json:"updated_at"`
	Address1   *string `json:"address1"`
	Address2   *string `json:"address2"`
	City       *string `json:"city"`
	Country    string  `json:"country"`
	HoldsStock bool    `json:"holds_stock"`
	Label      string  `json:"label"`
	State      *string `json:"state"`
	Status     string  `json:"status"`
	Suburb     *string `json:"suburb"`
	ZipCode    *string `json:"zip_code"`
}

func (l *location) wire() locationJSON {
	return locationJSON{
		ID:         l.id,
		CreatedAt:  timestamp(l.createdAt),
		UpdatedAt:  timestamp(l.updatedAt),
		Address1:   l.address1,
		Address2:   l.address2,
		City:       l.city,
		Country:    l.country,
		HoldsStock: l.holdsStock,
		Label:      l.label,
		State:      l.state,
		Status:     l.status,
		Suburb:     l.suburb,
		ZipCode:    l.zipCode,
	}
}

func registerLocations(rt *router) {
	rt.get("/locations", listLocations)
	rt.get("/locations/{id}", showLocation)
}

// GET /locations: status defaults to active.
func listLocations(c *call) (*response, error) {
	items, pg, err := listing[*location]{
		records:       c.s.db.locationList,
		defaultStatus: []string{"active"},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]locationJSON, len(items))
	for i, l := range items {
		out[i] = l.wire()
	}
	return indexResponse("locations", out, nil, pg), nil
}

// GET /locations/{id}
func showLocation(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	l := c.s.db.locations[id]
	if l == nil {
		return nil, notFound("Location", raw)
	}
	return showResponse("location", l.wire(), nil), nil
}
