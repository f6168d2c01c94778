package simpleconsign_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/commercegateway/gateway/adapters/simpleconsign"
	"github.com/commercegateway/gateway/adapters/simpleconsign/sandbox"
	"github.com/commercegateway/gateway/commerce"
	"github.com/commercegateway/gateway/money"
)

func ExampleService_Record() {
	// The sandbox is a faithful fake of the API with seeded inventory.
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer srv.Close()

	client, err := simpleconsign.New(srv.URL, simpleconsign.WithAPIKey(sandbox.DefaultKey))
	if err != nil {
		log.Fatal(err)
	}
	svc := simpleconsign.NewService(client, money.MustCurrency("USD"))

	price, _ := money.Parse("12.99", "USD")
	tx, errs := svc.Prepare(commerce.ConsignmentInput{
		OrderNumber: "1234",
		Items: []commerce.ConsignmentItem{
			{SKU: "AD4J56", UnitPrice: price, Quantity: 1},
			{SKU: "AD4J56", UnitPrice: price, Quantity: 1}, // consolidated with the line above
		},
	}, commerce.ConsignmentSale)
	if len(errs) > 0 {
		log.Fatal(errs)
	}
	fmt.Println(tx.Items[0].SKU, tx.Items[0].Quantity, tx.NonTaxableTotal)

	fmt.Println(svc.Record(context.Background(), tx))
	err = svc.Record(context.Background(), tx) // the same sale again
	var r *commerce.Rejection
	if errors.As(err, &r) {
		fmt.Println(r.Code)
	}
	// Output:
	// AD4J56 2 25.98 USD
	// <nil>
	// DUPLICATE_SALE
}

func ExampleService_Prepare() {
	svc := simpleconsign.NewService(nil, money.MustCurrency("USD"))
	price, _ := money.Parse("12.345", "USD")
	_, errs := svc.Prepare(commerce.ConsignmentInput{
		OrderNumber: "1234",
		Items:       []commerce.ConsignmentItem{{SKU: "GFFY72", UnitPrice: price, Quantity: 1}},
	}, commerce.ConsignmentSale)
	for _, e := range errs {
		fmt.Println(e.Field, e.Code)
	}
	// Output:
	// [items 0 unitPrice] SUB_UNIT_AMOUNT
}

func ExampleClassify() {
	fmt.Println(simpleconsign.Classify("could not find item with SKU GFFY72"))
	fmt.Println(simpleconsign.Classify("An online SALE transaction already exists for the provided orderNumber."))
	fmt.Println(simpleconsign.Classify("something unexpected"))
	// Output:
	// UNKNOWN_SKU
	// DUPLICATE_SALE
	// REJECTED
}
