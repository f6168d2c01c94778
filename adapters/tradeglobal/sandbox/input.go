package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"

	"github.com/shopspring/decimal"

	"github.com/commercegateway/gateway/money"
)

// The request is decoded into these types, which keep what was sent as it
// was sent (absent, null, or a value of the wrong JSON type), so that the
// validation can answer each case with the service's message. Keys match
// case-insensitively, as the .NET service binds them; unknown keys are
// ignored.

// jstr is a string field.
type jstr struct {
	set, null, bad bool
	v              string
}

func (s *jstr) UnmarshalJSON(b []byte) error {
	*s = jstr{set: true}
	switch {
	case string(b) == "null":
		s.null = true
	case len(b) > 0 && b[0] == '"':
		if err := json.Unmarshal(b, &s.v); err != nil {
			s.bad = true
		}
	default:
		s.bad = true
	}
	return nil
}

// given reports a non-null value.
func (s jstr) given() bool { return s.set && !s.null && !s.bad }

// ptr is the value for an echo: nil (null) when absent.
func (s jstr) ptr() *string {
	if !s.given() {
		return nil
	}
	v := s.v
	return &v
}

// jnum is a number field; its text is kept (never a float64).
type jnum struct {
	set, null, bad bool
	text           string
}

func (n *jnum) UnmarshalJSON(b []byte) error {
	*n = jnum{set: true}
	switch {
	case string(b) == "null":
		n.null = true
	case len(b) > 0 && (b[0] == '-' || ('0' <= b[0] && b[0] <= '9')):
		n.text = string(b)
	default:
		n.bad = true
	}
	return nil
}

func (n jnum) given() bool { return n.set && !n.null }

// jbool is a boolean field.
type jbool struct {
	set, null, bad bool
	v              bool
}

func (x *jbool) UnmarshalJSON(b []byte) error {
	*x = jbool{set: true}
	switch string(b) {
	case "null":
		x.null = true
	case "true":
		x.v = true
	case "false":
	default:
		x.bad = true
	}
	return nil
}

type orderIn struct {
	MerchantCode       jstr
	MerchantOrderID    jstr
	ServiceCode        jstr
	PassingFreightCost jbool
	Cart               *cartIn
}

type cartIn struct {
	Products      []productIn
	ShipToAddress *addressIn
}

// UnmarshalJSON checks the JSON types itself, so that a wrong one is
// refused with the field's name.
func (c *cartIn) UnmarshalJSON(b []byte) error {
	if !isObject(b) {
		return refuse("Cart must be an object.")
	}
	var aux struct {
		Products      json.RawMessage
		ShipToAddress json.RawMessage
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	if isPresent(aux.ShipToAddress) {
		if !isObject(aux.ShipToAddress) {
			return refuse("Cart.ShipToAddress must be an object.")
		}
		c.ShipToAddress = new(addressIn)
		if err := json.Unmarshal(aux.ShipToAddress, c.ShipToAddress); err != nil {
			return err
		}
	}
	if isPresent(aux.Products) {
		var items []json.RawMessage
		if err := json.Unmarshal(aux.Products, &items); err != nil {
			return refuse("Cart.Products must be an array.")
		}
		c.Products = make([]productIn, len(items))
		for i, item := range items {
			if !isObject(item) {
				return refuse("Products[%d] must be an object.", i)
			}
			if err := json.Unmarshal(item, &c.Products[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func isPresent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

func isObject(raw []byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

type productIn struct {
	SKU                          jstr
	Quantity                     jnum
	UnitPrice                    jnum
	Name                         jstr
	Description                  jstr
	HarmonizedTariffCode         jstr
	CountryOfOrigin              jstr
	Length                       jnum
	Width                        jnum
	Height                       jnum
	SizeUOM                      jstr
	Weight                       jnum
	WeightUOM                    jstr
	CommercialInvoiceDescription jstr
	MerchantStyle                jstr
}

type addressIn struct {
	FirstName     jstr
	MiddleName    jstr
	LastName      jstr
	Address1      jstr
	Address2      jstr
	City          jstr
	StateProvince jstr
	Postal        jstr
	Country       jstr
	Phone         jstr
	Email         jstr
}

// errNotJSON is a body that is not JSON at all (HTTP 400).
var errNotJSON = errors.New("not JSON")

// decodeOrder reads the body. A body that is not JSON is errNotJSON; JSON of
// the wrong shape (an array for the order, a string for the cart) is a
// *refusal naming the field.
func decodeOrder(body []byte) (*orderIn, error) {
	if !json.Valid(body) {
		return nil, errNotJSON
	}
	t := bytes.TrimSpace(body)
	if len(t) == 0 || t[0] != '{' {
		return nil, refuse("Order is required.")
	}
	var in orderIn
	if err := json.Unmarshal(body, &in); err != nil {
		var r *refusal
		if errors.As(err, &r) {
			return nil, r
		}
		return nil, refuse("The order is invalid.")
	}
	return &in, nil
}

// refusal is a FAILED answer: HTTP 200, Status FAILED, ErrorMessage.
type refusal struct{ message string }

func (r *refusal) Error() string { return r.message }

func refuse(format string, args ...any) *refusal {
	return &refusal{message: fmt.Sprintf(format, args...)}
}

// Documented lengths.
const (
	maxMerchantCode    = 20
	maxMerchantOrderID = 50
	maxServiceCode     = 50
	maxNameLine        = 50 // FirstName, LastName, Address1, Address2, City
	maxStateProvince   = 20
	maxPostal          = 20
	maxPhone           = 50
	maxEmail           = 300
	maxSKU             = 50
	maxName            = 255
	maxDescription     = 255
	maxHarmonizedCode  = 15
	maxUOM             = 10
	maxInvoiceDesc     = 50
)

// textLength counts like .NET: UTF-16 code units.
func textLength(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// str checks a string field. required: absent, null or blank is refused
// ("is required"); blankOK lets a whitespace value through (StateProvince,
// Postal), but not an empty one.
func str(name string, s jstr, required, blankOK bool, limit int) *refusal {
	if s.bad {
		return refuse("%s must be a string.", name)
	}
	if !s.given() || s.v == "" || (!blankOK && strings.TrimSpace(s.v) == "") {
		if required {
			if blankOK {
				return refuse("%s is required (pass a whitespace if the destination has none).", name)
			}
			return refuse("%s is required.", name)
		}
		return nil
	}
	if textLength(s.v) > limit {
		return refuse("%s exceeds the maximum length of %d characters.", name, limit)
	}
	return nil
}

func countryCode(name string, s jstr) *refusal {
	v := s.v
	if len(v) != 2 || !upper(v[0]) || !upper(v[1]) {
		return refuse("%s '%s' is not a valid 2-character country code.", name, clip(v))
	}
	return nil
}

func upper(b byte) bool { return 'A' <= b && b <= 'Z' }

// number parses a number field exactly, checking it against decimal(18,
// scale). It answers nil when absent.
func number(name string, n jnum, scale int) (*decimal.Decimal, *refusal) {
	if !n.given() {
		return nil, nil
	}
	if n.bad {
		return nil, refuse("%s must be a number.", name)
	}
	d, err := money.ParseDecimal(n.text)
	if err != nil {
		return nil, refuse("%s must be a number.", name)
	}
	if decimalPlaces(d) > scale {
		return nil, refuse("%s must have at most %d decimal places.", name, scale)
	}
	if integerDigits(d) > 18-scale {
		return nil, refuse("%s is out of range for decimal(18,%d).", name, scale)
	}
	return &d, nil
}

func decimalPlaces(d decimal.Decimal) int {
	s := money.FormatDecimal(d)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

func integerDigits(d decimal.Decimal) int {
	s := strings.TrimPrefix(money.FormatDecimal(d), "-")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	return len(strings.TrimLeft(s, "0"))
}

func quantity(name string, n jnum) (int64, *refusal) {
	if !n.given() {
		return 0, refuse("%s is required.", name)
	}
	if n.bad {
		return 0, refuse("%s must be a whole number.", name)
	}
	d, err := money.ParseDecimal(n.text)
	if err != nil || !d.IsInteger() {
		return 0, refuse("%s must be a whole number.", name)
	}
	if d.Sign() <= 0 {
		return 0, refuse("%s must be greater than zero.", name)
	}
	if d.GreaterThan(decimal.NewFromInt(math.MaxInt32)) {
		return 0, refuse("%s is out of range.", name)
	}
	return d.IntPart(), nil
}

func unit(name string, s jstr, allowed []string) *refusal {
	if r := str(name, s, false, false, maxUOM); r != nil {
		return r
	}
	if !s.given() || s.v == "" {
		return nil
	}
	for _, a := range allowed {
		if s.v == a {
			return nil
		}
	}
	return refuse("%s '%s' is not valid: use %s.", name, clip(s.v), orList(allowed))
}

var (
	sizeUOMs   = []string{"IN", "CM", "MM"}
	weightUOMs = []string{"KG", "LBS", "OZ", "G"}
)

func orList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// looksLikeEmail: no whitespace, one "@" with something before it, a domain
// with a dot inside.
func looksLikeEmail(s string) bool {
	if strings.ContainsAny(s, " \t\r\n<>,;") || strings.Count(s, "@") != 1 {
		return false
	}
	at := strings.IndexByte(s, '@')
	domain := s[at+1:]
	dot := strings.IndexByte(domain, '.')
	return at > 0 && dot > 0 && dot < len(domain)-1 && !strings.Contains(domain, "..")
}

// clip shortens a value quoted in a message.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
