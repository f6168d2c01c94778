package tradegecko_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/commercegateway/gateway/adapters/tradegecko"
	"github.com/commercegateway/gateway/adapters/tradegecko/sandbox"
	"github.com/commercegateway/gateway/commerce"
)

func ExampleChunkIDs() {
	// Duplicates go, order stays, and no chunk is longer than one page.
	ids := []int64{5, 3, 5, 9}
	for i := int64(1000); i < 1500; i++ {
		ids = append(ids, i)
	}
	for _, chunk := range tradegecko.ChunkIDs(ids) {
		fmt.Println(len(chunk), chunk[0], "…", chunk[len(chunk)-1])
	}
	// Output:
	// 250 5 … 1246
	// 250 1247 … 1496
	// 3 1497 … 1499
}

func ExampleParseTime() {
	for _, s := range []string{"2015-11-02T01:22:24.817Z", "2015-11-04", "21-02-2018", "1546272000"} {
		t, err := tradegecko.ParseTime(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(t.Format("2006-01-02 15:04:05.000 MST"))
	}
	// Output:
	// 2015-11-02 01:22:24.817 UTC
	// 2015-11-04 00:00:00.000 UTC
	// 2018-02-21 00:00:00.000 UTC
	// 2018-12-31 16:00:00.000 UTC
}

func ExampleProductsService_List() {
	// The sandbox is a faithful fake of the API with deterministic data.
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer srv.Close()

	client, err := tradegecko.New(srv.URL, tradegecko.WithAccessToken(sandbox.DefaultAccessToken))
	if err != nil {
		log.Fatal(err)
	}
	page, resp, err := client.Products.List(context.Background(), &tradegecko.ProductListOptions{
		Filter:  tradegecko.Filter{IDs: []int64{1, 2}},
		Include: []string{tradegecko.IncludeVariants},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("total:", resp.Pagination.TotalRecords)
	for _, p := range page.Products {
		fmt.Printf("%d %s (%s) quantity %s, tags %q, variants %v\n", p.ID, p.Name, p.ProductType, p.Quantity.Value, p.Tags, p.VariantIDs)
	}
	fmt.Println("sideloaded variants:", len(*page.Variants))
	// Output:
	// total: 2
	// 2 Golden Egg (Chocolate) quantity 32.5, tags ["candy" "chocolate"], variants [4 5 6 7]
	// 1 Everlasting Gobstopper (Candy) quantity 17, tags ["candy" "summer"], variants [2 3]
	// sideloaded variants: 6
}

func ExampleCatalog_ProductsByID() {
	srv := httptest.NewServer(sandbox.New(sandbox.Options{}))
	defer srv.Close()

	client, err := tradegecko.New(srv.URL, tradegecko.WithAccessToken(sandbox.DefaultAccessToken))
	if err != nil {
		log.Fatal(err)
	}
	cat := tradegecko.NewCatalog(client, nil)
	products, err := cat.ProductsByID(context.Background(), []int64{2}, commerce.ProductSideloads{Variants: true})
	if err != nil {
		log.Fatal(err)
	}
	// Prices are exact money in the account's base currency; inventory
	// follows the Sales Channel guide.
	for _, v := range products[0].Variants {
		shown := "untracked"
		if q := v.Inventory.DisplayQuantity; q != nil {
			shown = q.String()
		}
		fmt.Printf("%-11s %s  show %-9s can sell: %v\n", v.SKU, v.RetailPrice, shown, v.Inventory.CanSell)
	}
	// Output:
	// DEMO-EGG-L  45.00 SGD  show 5         can sell: true
	// DEMO-EGG-XL 65.00 SGD  show 0         can sell: true
	// DEMO-EGG-M  30.00 SGD  show untracked can sell: true
	// DEMO-EGG-S  18.00 SGD  show 2.5       can sell: true
}
