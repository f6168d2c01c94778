package money

// CurrencyCode returns the ISO-4217 code of m's currency ("" for the zero
// Money): the currencyCode field of the GraphQL Money type.
func (m Money) CurrencyCode() string { return m.currency.Code() }
