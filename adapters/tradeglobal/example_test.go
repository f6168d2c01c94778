package tradeglobal_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/commercegateway/gateway/adapters/tradeglobal"
	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

func ExampleService_PlaceOrder() {
	// The sandbox is a faithful fake of the API: the spec's example order
	// gets the spec's example quote.
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer srv.Close()

	client, err := tradeglobal.New(srv.URL, tradeglobal.WithMerchantCode(sandbox.DefaultMerchantCode))
	if err != nil {
		log.Fatal(err)
	}
	tgc := tradeglobal.NewService(client, money.MustCurrency("USD"))
	order := specInput()
	if errs := tgc.Validate(order); len(errs) > 0 {
		log.Fatal(errs)
	}
	q, err := tgc.PlaceOrder(context.Background(), order)
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range []commerce.QuoteGroup{q.Customs, q.Import, q.Service, q.Shipping} {
		for _, f := range g.Fees {
			fmt.Printf("%-14s %10s\n", f.Type, f.Amount)
		}
		for _, d := range g.Discounts {
			fmt.Printf("%-14s %10s\n", d.Type+" discount", d.Amount)
		}
	}
	fmt.Println("TotalCost", q.TotalCost)

	// The same MerchantOrderID again: TGC has it already.
	_, err = tgc.PlaceOrder(context.Background(), order)
	fmt.Println(errors.Is(err, commerce.ErrAlreadyPlaced))
	// Output:
	// Brokerage        0.00 USD
	// Disbursement     0.00 USD
	// Duty             4.86 USD
	// VAT              1.59 USD
	// PST              2.55 USD
	// TransactionFee   5.00 USD
	// Freight         12.40 USD
	// FuelSurcharge    0.00 USD
	// Insurance        0.00 USD
	// Fixed discount -12.40 USD
	// TotalCost 53.39 USD
	// true
}

func ExampleDecimal() {
	// Amounts travel as bare JSON numbers with exactly their digits.
	b, _ := json.Marshal(struct {
		UnitPrice tradeglobal.Decimal
		Weight    tradeglobal.Decimal
	}{tradeglobal.MustDecimal("26.99"), tradeglobal.MustDecimal("0.75")})
	fmt.Println(string(b))

	var v struct{ TotalCost tradeglobal.Decimal }
	_ = json.Unmarshal([]byte(`{"TotalCost": 53.39}`), &v)
	fmt.Println(v.TotalCost.Value().String())
	// Output:
	// {"UnitPrice":26.99,"Weight":0.75}
	// 53.39
}
