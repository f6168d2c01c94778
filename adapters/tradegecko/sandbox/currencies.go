package sandbox

import "time"

// currency is one of the account's currencies. Rates are relative to the
// account's base currency (SGD, id 1).
type currency struct {
	id                   int64
	createdAt, updatedAt time.Time
	delimiter            string
	format               string
	iso                  string
	name                 string
	precision            int
	rate                 string
	separator            string
	symbol               string
	status               string
	subunit              int
}

func (c *currency) meta() recordMeta {
	return recordMeta{id: c.id, created: c.createdAt, updated: c.updatedAt, status: c.status}
}

// currencyJSON follows the spec's example; precision and subunit are
// numbers there although the table documents precision as a String.
type currencyJSON struct {
	ID        int64  `json:"id"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Delimiter string `json:"delimiter"`
	Format    string `json:"format"`
	ISO       string `json:"iso"`
	Name      string `json:"name"`
	Precision int    `json:"precision"`
	Rate      string `json:"rate"`
	Separator string `json:"separator"`
	Symbol    string `json:"symbol"`
	Status    string `json:"status"`
	Subunit   int    `json:"subunit"`
}

func (c *currency) wire() currencyJSON {
	return currencyJSON{
		ID:        c.id,
		CreatedAt: timestamp(c.createdAt),
		UpdatedAt: timestamp(c.updatedAt),
		Delimiter: c.delimiter,
		Format:    c.format,
		ISO:       c.iso,
		Name:      c.name,
		Precision: c.precision,
		Rate:      c.rate,
		Separator: c.separator,
		Symbol:    c.symbol,
		Status:    c.status,
		Subunit:   c.subunit,
	}
}

func registerCurrencies(rt *router) {
	rt.get("/currencies", listCurrencies)
	rt.get("/currencies/{id}", showCurrency)
}

// GET /currencies: status defaults to active.
func listCurrencies(c *call) (*response, error) {
	items, pg, err := listing[*currency]{
		records:       c.s.db.currencyList,
		defaultStatus: []string{"active"},
	}.run(c.query)
	if err != nil {
		return nil, err
	}
	out := make([]currencyJSON, len(items))
	for i, cur := range items {
		out[i] = cur.wire()
	}
	return indexResponse("currencies", out, nil, pg), nil
}

// GET /currencies/{id}
func showCurrency(c *call) (*response, error) {
	raw := c.param("id")
	id, _ := parseID(raw)
	cur := c.s.db.currencies[id]
	if cur == nil {
		return nil, notFound("Currency", raw)
	}
	return showResponse("currency", cur.wire(), nil), nil
}
