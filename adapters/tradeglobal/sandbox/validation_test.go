package sandbox_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/commercegateway/gateway/adapters/tradeglobal/sandbox"
)

// Every rule of the spec: the order is refused with HTTP 200, Status FAILED
// and a message naming the field, and nothing is stored.
func TestValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	num := func(s string) json.Number { return json.Number(s) }
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		want   string
	}{
		{"merchant code missing", func(m map[string]any) { delete(m, "MerchantCode") }, "MerchantCode is required."},
		{"merchant code null", func(m map[string]any) { m["MerchantCode"] = nil }, "MerchantCode is required."},
		{"merchant code empty", func(m map[string]any) { m["MerchantCode"] = "" }, "MerchantCode is required."},
		{"merchant code too long", func(m map[string]any) { m["MerchantCode"] = long(21) }, "MerchantCode exceeds the maximum length of 20 characters."},
		{"merchant code unknown", func(m map[string]any) { m["MerchantCode"] = "OTHER" }, "Invalid MerchantCode 'OTHER'."},
		{"merchant code a number", func(m map[string]any) { m["MerchantCode"] = num("42") }, "MerchantCode must be a string."},
		{"order id missing", func(m map[string]any) { delete(m, "MerchantOrderID") }, "MerchantOrderID is required."},
		{"order id blank", func(m map[string]any) { m["MerchantOrderID"] = "  " }, "MerchantOrderID is required."},
		{"order id too long", func(m map[string]any) { m["MerchantOrderID"] = long(51) }, "MerchantOrderID exceeds the maximum length of 50 characters."},
		{"service code missing", func(m map[string]any) { delete(m, "ServiceCode") }, "ServiceCode is required."},
		{"service code too long", func(m map[string]any) { m["ServiceCode"] = long(51) }, "ServiceCode exceeds the maximum length of 50 characters."},
		{"service code unknown", func(m map[string]any) { m["ServiceCode"] = "XYZ" }, "Invalid ServiceCode 'XYZ'."},
		{"passing freight cost true", func(m map[string]any) { m["PassingFreightCost"] = true }, "PassingFreightCost must be false: TGC calculates the freight cost."},
		{"passing freight cost a string", func(m map[string]any) { m["PassingFreightCost"] = "no" }, "PassingFreightCost must be a boolean."},
		{"cart missing", func(m map[string]any) { delete(m, "Cart") }, "Cart is required."},
		{"cart a string", func(m map[string]any) { m["Cart"] = "x" }, "Cart must be an object."},
		{"address missing", func(m map[string]any) { delete(cart(m), "ShipToAddress") }, "ShipToAddress is required."},
		{"address an array", func(m map[string]any) { cart(m)["ShipToAddress"] = []any{} }, "Cart.ShipToAddress must be an object."},
		{"first name missing", func(m map[string]any) { delete(address(m), "FirstName") }, "ShipToAddress.FirstName is required."},
		{"first name blank", func(m map[string]any) { address(m)["FirstName"] = " " }, "ShipToAddress.FirstName is required."},
		{"first name too long", func(m map[string]any) { address(m)["FirstName"] = long(51) }, "ShipToAddress.FirstName exceeds the maximum length of 50 characters."},
		{"last name missing", func(m map[string]any) { delete(address(m), "LastName") }, "ShipToAddress.LastName is required."},
		{"address1 missing", func(m map[string]any) { delete(address(m), "Address1") }, "ShipToAddress.Address1 is required."},
		{"address2 too long", func(m map[string]any) { address(m)["Address2"] = long(51) }, "ShipToAddress.Address2 exceeds the maximum length of 50 characters."},
		{"city missing", func(m map[string]any) { delete(address(m), "City") }, "ShipToAddress.City is required."},
		{"city too long", func(m map[string]any) { address(m)["City"] = long(51) }, "ShipToAddress.City exceeds the maximum length of 50 characters."},
		{"state empty", func(m map[string]any) { address(m)["StateProvince"] = "" }, "ShipToAddress.StateProvince is required (pass a whitespace if the destination has none)."},
		{"state too long", func(m map[string]any) { address(m)["StateProvince"] = long(21) }, "ShipToAddress.StateProvince exceeds the maximum length of 20 characters."},
		{"postal missing", func(m map[string]any) { delete(address(m), "Postal") }, "ShipToAddress.Postal is required (pass a whitespace if the destination has none)."},
		{"postal too long", func(m map[string]any) { address(m)["Postal"] = long(21) }, "ShipToAddress.Postal exceeds the maximum length of 20 characters."},
		{"country missing", func(m map[string]any) { delete(address(m), "Country") }, "ShipToAddress.Country is required."},
		{"country three letters", func(m map[string]any) { address(m)["Country"] = "CAN" }, "ShipToAddress.Country 'CAN' is not a valid 2-character country code."},
		{"country lowercase", func(m map[string]any) { address(m)["Country"] = "ca" }, "ShipToAddress.Country 'ca' is not a valid 2-character country code."},
		{"phone missing", func(m map[string]any) { delete(address(m), "Phone") }, "ShipToAddress.Phone is required."},
		{"phone too long", func(m map[string]any) { address(m)["Phone"] = long(51) }, "ShipToAddress.Phone exceeds the maximum length of 50 characters."},
		{"email missing", func(m map[string]any) { delete(address(m), "Email") }, "ShipToAddress.Email is required."},
		{"email malformed", func(m map[string]any) { address(m)["Email"] = "not-an-email" }, "ShipToAddress.Email 'not-an-email' is not a valid email address."},
		{"email too long", func(m map[string]any) { address(m)["Email"] = long(295) + "@x.com" }, "ShipToAddress.Email exceeds the maximum length of 300 characters."},
		{"products missing", func(m map[string]any) { delete(cart(m), "Products") }, "Cart.Products must contain at least one product."},
		{"products empty", func(m map[string]any) { cart(m)["Products"] = []any{} }, "Cart.Products must contain at least one product."},
		{"products an object", func(m map[string]any) { cart(m)["Products"] = map[string]any{} }, "Cart.Products must be an array."},
		{"product a number", func(m map[string]any) { cart(m)["Products"] = []any{num("1")} }, "Products[0] must be an object."},
		{"sku missing", func(m map[string]any) { delete(product(m, 0), "SKU") }, "Products[0].SKU is required."},
		{"sku too long", func(m map[string]any) { product(m, 0)["SKU"] = long(51) }, "Products[0].SKU exceeds the maximum length of 50 characters."},
		{"quantity missing", func(m map[string]any) { delete(product(m, 0), "Quantity") }, "Products[0].Quantity is required."},
		{"quantity zero", func(m map[string]any) { product(m, 0)["Quantity"] = num("0") }, "Products[0].Quantity must be greater than zero."},
		{"quantity negative", func(m map[string]any) { product(m, 0)["Quantity"] = num("-1") }, "Products[0].Quantity must be greater than zero."},
		{"quantity fraction", func(m map[string]any) { product(m, 0)["Quantity"] = num("1.5") }, "Products[0].Quantity must be a whole number."},
		{"quantity a string", func(m map[string]any) { product(m, 0)["Quantity"] = "1" }, "Products[0].Quantity must be a whole number."},
		{"quantity beyond int32", func(m map[string]any) { product(m, 0)["Quantity"] = num("2147483648") }, "Products[0].Quantity is out of range."},
		{"unit price missing", func(m map[string]any) { delete(product(m, 0), "UnitPrice") }, "Products[0].UnitPrice is required."},
		{"unit price null", func(m map[string]any) { product(m, 0)["UnitPrice"] = nil }, "Products[0].UnitPrice is required."},
		{"unit price zero", func(m map[string]any) { product(m, 0)["UnitPrice"] = num("0") }, "Products[0].UnitPrice must be greater than zero."},
		{"unit price negative", func(m map[string]any) { product(m, 0)["UnitPrice"] = num("-26.99") }, "Products[0].UnitPrice must be greater than zero."},
		{"unit price sub-cent", func(m map[string]any) { product(m, 0)["UnitPrice"] = num("26.999") }, "Products[0].UnitPrice must have at most 2 decimal places."},
		{"unit price a string", func(m map[string]any) { product(m, 0)["UnitPrice"] = "26.99" }, "Products[0].UnitPrice must be a number."},
		{"unit price too large", func(m map[string]any) { product(m, 0)["UnitPrice"] = num("12345678901234567") }, "Products[0].UnitPrice is out of range for decimal(18,2)."},
		{"name too long", func(m map[string]any) { product(m, 0)["Name"] = long(256) }, "Products[0].Name exceeds the maximum length of 255 characters."},
		{"description too long", func(m map[string]any) { product(m, 0)["Description"] = long(256) }, "Products[0].Description exceeds the maximum length of 255 characters."},
		{"tariff code too long", func(m map[string]any) { product(m, 0)["HarmonizedTariffCode"] = long(16) }, "Products[0].HarmonizedTariffCode exceeds the maximum length of 15 characters."},
		{"origin three letters", func(m map[string]any) { product(m, 0)["CountryOfOrigin"] = "CHN" }, "Products[0].CountryOfOrigin 'CHN' is not a valid 2-character country code."},
		{"length negative", func(m map[string]any) { product(m, 0)["Length"] = num("-1") }, "Products[0].Length must not be negative."},
		{"width five decimals", func(m map[string]any) { product(m, 0)["Width"] = num("1.00001") }, "Products[0].Width must have at most 4 decimal places."},
		{"height a string", func(m map[string]any) { product(m, 0)["Height"] = "9" }, "Products[0].Height must be a number."},
		{"weight negative", func(m map[string]any) { product(m, 0)["Weight"] = num("-0.75") }, "Products[0].Weight must not be negative."},
		{"size unit unknown", func(m map[string]any) { product(m, 0)["SizeUOM"] = "FT" }, "Products[0].SizeUOM 'FT' is not valid: use IN, CM or MM."},
		{"size unit lowercase", func(m map[string]any) { product(m, 0)["SizeUOM"] = "in" }, "Products[0].SizeUOM 'in' is not valid: use IN, CM or MM."},
		{"size unit too long", func(m map[string]any) { product(m, 0)["SizeUOM"] = long(11) }, "Products[0].SizeUOM exceeds the maximum length of 10 characters."},
		{"weight unit unknown", func(m map[string]any) { product(m, 0)["WeightUOM"] = "TON" }, "Products[0].WeightUOM 'TON' is not valid: use KG, LBS, OZ or G."},
		{"invoice description too long", func(m map[string]any) { product(m, 0)["CommercialInvoiceDescription"] = long(51) }, "Products[0].CommercialInvoiceDescription exceeds the maximum length of 50 characters."},
		{"second line bad", func(m map[string]any) {
			cart(m)["Products"] = append(cart(m)["Products"].([]any), map[string]any{"SKU": "TGSAND_MUG-01", "Quantity": num("1"), "UnitPrice": num("0")})
		}, "Products[1].UnitPrice must be greater than zero."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sb, srv := newServer(t, sandbox.Options{})
			m := specRequest(t)
			tt.mutate(m)
			status, body := post(t, srv, encode(t, m))
			if status != 200 {
				t.Fatalf("status = %d, want 200 (TGC refuses with 200 FAILED); body %s", status, body)
			}
			got := decodeObject(t, body)
			if got["Status"] != "FAILED" || got["ErrorMessage"] != tt.want {
				t.Errorf("Status, ErrorMessage = %v, %q; want FAILED, %q", got["Status"], got["ErrorMessage"], tt.want)
			}
			if got["Quote"] != nil || got["Cart"] != nil {
				t.Errorf("a FAILED answer carries a quote or cart: %s", body)
			}
			if n := sb.OrderCount(); n != 0 {
				t.Errorf("OrderCount() = %d after a refusal, want 0", n)
			}
		})
	}
}

// What the spec allows passes: a whitespace StateProvince and Postal, "NA"
// for Postal, no Address2, a quantity written 2.0, a price written 26.90.
func TestValidationAccepts(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"whitespace state and postal", func(m map[string]any) { address(m)["StateProvince"] = " "; address(m)["Postal"] = " " }},
		{"postal NA", func(m map[string]any) { address(m)["Postal"] = "NA" }},
		{"address2 given", func(m map[string]any) { address(m)["Address2"] = "Suite 4" }},
		{"quantity 2.0", func(m map[string]any) { product(m, 0)["Quantity"] = json.Number("2.0") }},
		{"price 26.90", func(m map[string]any) { product(m, 0)["UnitPrice"] = json.Number("26.90") }},
		{"four-decimal weight", func(m map[string]any) { product(m, 0)["Weight"] = json.Number("0.7512") }},
		{"lengths counted in UTF-16 units", func(m map[string]any) { address(m)["City"] = strings.Repeat("é", 50) }},
		{"all service codes", func(m map[string]any) { m["ServiceCode"] = "EXPDDU" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := newServer(t, sandbox.Options{})
			m := specRequest(t)
			tt.mutate(m)
			_, body := post(t, srv, encode(t, m))
			if got := decodeObject(t, body); got["Status"] != "SUCCESS" {
				t.Errorf("Status = %v (%v), want SUCCESS", got["Status"], got["ErrorMessage"])
			}
		})
	}
}

// A SKU TGC has not seen needs its customs data; once given it is kept and
// later orders may omit it.
func TestSKUMemory(t *testing.T) {
	fields := []string{"Description", "HarmonizedTariffCode", "CountryOfOrigin", "Length", "Width", "Height",
		"SizeUOM", "Weight", "WeightUOM", "CommercialInvoiceDescription"}
	for _, f := range fields {
		t.Run("missing "+f, func(t *testing.T) {
			sb, srv := newServer(t, sandbox.Options{})
			m := specRequest(t)
			p := newSKU("SCARF-1")
			delete(p, f)
			cart(m)["Products"] = []any{p}
			_, body := post(t, srv, encode(t, m))
			want := "SKU 'SCARF-1' does not exist: Products[0]." + f + " is required for a new SKU."
			if got := decodeObject(t, body); got["Status"] != "FAILED" || got["ErrorMessage"] != want {
				t.Errorf("answer = %v %q, want FAILED %q", got["Status"], got["ErrorMessage"], want)
			}
			if _, ok := sb.SKU("SCARF-1"); ok {
				t.Error("a refused order put its SKU on file")
			}
		})
	}

	t.Run("given once, remembered", func(t *testing.T) {
		sb, srv := newServer(t, sandbox.Options{})
		m := specRequest(t)
		m["MerchantOrderID"] = "MEM-1"
		cart(m)["Products"] = []any{newSKU("SCARF-1")}
		if _, body := post(t, srv, encode(t, m)); decodeObject(t, body)["Status"] != "SUCCESS" {
			t.Fatalf("first order with full customs data: %s", body)
		}
		got, ok := sb.SKU("SCARF-1")
		want := sandbox.SKU{SKU: "SCARF-1", Description: "Wool scarf", HarmonizedTariffCode: "611710", CountryOfOrigin: "IT",
			Length: "20", Width: "10", Height: "2", SizeUOM: "CM", Weight: "0.3", WeightUOM: "KG",
			CommercialInvoiceDescription: "Knitted wool scarf"}
		if !ok || got != want {
			t.Fatalf("SKU(SCARF-1) = %+v, %v; want %+v", got, ok, want)
		}

		m = specRequest(t)
		m["MerchantOrderID"] = "MEM-2"
		cart(m)["Products"] = []any{map[string]any{"SKU": "SCARF-1", "Quantity": json.Number("1"), "UnitPrice": json.Number("10.5")}}
		_, body := post(t, srv, encode(t, m))
		ans := decodeObject(t, body)
		if ans["Status"] != "SUCCESS" {
			t.Fatalf("second order without customs data: %s", body)
		}
		echo := ans["Cart"].(map[string]any)["Products"].([]any)[0].(map[string]any)
		if echo["HarmonizedTariffCode"] != "611710" || echo["Weight"] != json.Number("0.3") || echo["Name"] != nil {
			t.Errorf("echo of a remembered SKU = %v, want its data on file and Name null", echo)
		}
	})

	t.Run("seeded SKUs are on file", func(t *testing.T) {
		sb, srv := newServer(t, sandbox.Options{})
		var skus []string
		for _, s := range sb.SKUs() {
			skus = append(skus, s.SKU)
		}
		if len(skus) < 3 {
			t.Fatalf("SKUs() = %v, want a few seeded SKUs", skus)
		}
		m := specRequest(t)
		var lines []any
		for _, s := range skus {
			lines = append(lines, map[string]any{"SKU": s, "Quantity": json.Number("1"), "UnitPrice": json.Number("5")})
		}
		cart(m)["Products"] = lines
		if _, body := post(t, srv, encode(t, m)); decodeObject(t, body)["Status"] != "SUCCESS" {
			t.Errorf("an order of seeded SKUs without customs data: %s", body)
		}
	})

	t.Run("an earlier line of the same order counts", func(t *testing.T) {
		_, srv := newServer(t, sandbox.Options{})
		m := specRequest(t)
		cart(m)["Products"] = []any{newSKU("SCARF-1"), map[string]any{"SKU": "SCARF-1", "Quantity": json.Number("1"), "UnitPrice": json.Number("10.5")}}
		if _, body := post(t, srv, encode(t, m)); decodeObject(t, body)["Status"] != "SUCCESS" {
			t.Errorf("answer: %s", body)
		}
	})
}

// A MerchantOrderID is unique per merchant code: a second order with it is
// refused, whatever its content, and the first stays as it was.
func TestUniqueMerchantOrderID(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{MerchantCodes: []string{"TGCSANDBOX", "OTHERSHOP"}})
	spec := readFile(t, "spec_request.json")
	if _, body := post(t, srv, spec); decodeObject(t, body)["Status"] != "SUCCESS" {
		t.Fatalf("first: %s", body)
	}
	first, _ := sb.Order("TG0000015")

	m := specRequest(t)
	product(m, 0)["Quantity"] = json.Number("3")
	for _, body := range [][]byte{spec, encode(t, m)} {
		status, ans := post(t, srv, body)
		got := decodeObject(t, ans)
		want := "Order with MerchantOrderID 'TG0000015' already exists."
		if status != 200 || got["Status"] != "FAILED" || got["ErrorMessage"] != want {
			t.Errorf("resend: %d %v %q, want 200 FAILED %q", status, got["Status"], got["ErrorMessage"], want)
		}
		if got["MerchantOrderID"] != "TG0000015" {
			t.Errorf("FAILED answer's MerchantOrderID = %v, want the id sent", got["MerchantOrderID"])
		}
	}
	if n := sb.OrderCount(); n != 1 {
		t.Errorf("OrderCount() = %d, want 1", n)
	}
	if o, _ := sb.Order("TG0000015"); string(o.Request) != string(first.Request) {
		t.Error("a refused duplicate changed the stored order")
	}

	// Another merchant's order may use the same id.
	m = specRequest(t)
	m["MerchantCode"] = "OTHERSHOP"
	if _, body := post(t, srv, encode(t, m)); decodeObject(t, body)["Status"] != "SUCCESS" {
		t.Errorf("same id under another merchant code: %s", body)
	}
}

// Concurrent orders with one id: exactly one lands.
func TestUniqueUnderConcurrency(t *testing.T) {
	sb, srv := newServer(t, sandbox.Options{})
	spec := readFile(t, "spec_request.json")
	const n = 16
	results := make(chan string, n)
	for range n {
		go func() {
			_, body := post(t, srv, spec)
			m := decodeObject(t, body)
			results <- m["Status"].(string)
		}()
	}
	success := 0
	for range n {
		if <-results == "SUCCESS" {
			success++
		}
	}
	if success != 1 || sb.OrderCount() != 1 {
		t.Errorf("%d SUCCESS answers and %d orders for one id, want 1 and 1", success, sb.OrderCount())
	}
}
