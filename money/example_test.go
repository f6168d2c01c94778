package money_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/commercegateway/gateway/money"
)

func ExampleParse() {
	// TradeGecko sends decimal strings.
	price, err := money.Parse("24.0", "USD")
	if err != nil {
		panic(err)
	}
	fmt.Println(price)

	// Lowercase codes, thousands separators and the like are errors, not guesses.
	_, err = money.Parse("1,000.00", "USD")
	fmt.Println(err)
	_, err = money.Parse("10", "usd")
	fmt.Println(errors.Is(err, money.ErrInvalidCurrency))
	// Output:
	// 24.00 USD
	// money: invalid amount: "1,000.00" is not a decimal number (unexpected ',' at offset 1)
	// true
}

func ExampleFromMinorUnits() {
	// SimpleConsign sends integer cents.
	fmt.Println(money.FromMinorUnits(4242, money.MustCurrency("USD")))
	fmt.Println(money.FromMinorUnits(2400, money.MustCurrency("JPY")))
	fmt.Println(money.FromMinorUnits(1234, money.MustCurrency("KWD")))
	// Output:
	// 42.42 USD
	// 2400 JPY
	// 1.234 KWD
}

func ExampleMoney_MinorUnits() {
	for _, amount := range []string{"42.42", "24.0", "12.345"} {
		m, _ := money.Parse(amount, "USD")
		cents, err := m.MinorUnits()
		if errors.Is(err, money.ErrSubUnit) {
			fmt.Println("refused:", err)
			continue
		}
		fmt.Println(cents)
	}
	// Output:
	// 4242
	// 2400
	// refused: money: amount has more decimals than the currency's minor unit: 12.345 USD has more than 2 decimals
}

func ExampleMoney_FormatAmount() {
	for _, tt := range []struct{ amount, code string }{
		{"24.0", "USD"},
		{"2400", "JPY"},
		{"3.9321", "SGD"}, // more decimals than SGD has: kept, never rounded
		{"24.000", "USD"},
		{"-5", "USD"},
	} {
		m, _ := money.Parse(tt.amount, tt.code)
		fmt.Println(m.FormatAmount())
	}
	// Output:
	// 24.00
	// 2400
	// 3.9321
	// 24.00
	// -5.00
}

func ExampleFromJSONNumber() {
	// TradeGlobal sends JSON numbers: decode them with UseNumber so they
	// never pass through float64.
	dec := json.NewDecoder(strings.NewReader(`{"UnitPrice": 26.99, "Discount": -12.4}`))
	dec.UseNumber()
	var line struct{ UnitPrice, Discount json.Number }
	if err := dec.Decode(&line); err != nil {
		panic(err)
	}
	usd := money.MustCurrency("USD")
	price, _ := money.FromJSONNumber(line.UnitPrice, usd)
	discount, _ := money.FromJSONNumber(line.Discount, usd)
	total, _ := price.Add(discount)
	fmt.Println(price, discount, total)

	b, _ := json.Marshal(total)
	fmt.Println(string(b))
	// Output:
	// 26.99 USD -12.40 USD 14.59 USD
	// {"amount":"14.59","currencyCode":"USD"}
}

func ExampleFormatDecimal() {
	for _, s := range []string{"32.5", "10.0", "-2", "0.0001", "1.5e3"} {
		d, _ := money.ParseDecimal(s)
		fmt.Println(money.FormatDecimal(d))
	}
	// Output:
	// 32.5
	// 10
	// -2
	// 0.0001
	// 1500
}
