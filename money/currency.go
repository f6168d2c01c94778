package money

import "fmt"

// Currency is an ISO-4217 currency code together with its number of minor
// digits (2 for USD, 0 for JPY, 3 for KWD, 4 for CLF).
//
// The zero Currency means "no currency": its Code is "" and its MinorDigits
// is 0. Currencies are comparable with ==; two currencies with the same code
// are always equal, since ParseCurrency is the only way to make one.
type Currency struct {
	code   string
	digits uint8
}

// ParseCurrency returns the Currency for code, which must be exactly three
// ASCII uppercase letters; anything else (including lowercase "usd", which is
// not uppercased silently) is an ErrInvalidCurrency.
//
// Codes in the current ISO-4217 list get their official minor digits. A
// well-formed code that is not in the list (a merchant-defined or a newer
// code) is accepted with 2 minor digits, and so are the ISO codes whose minor
// unit the standard gives as "N.A." (XAU, XDR, XXX, …). IsISO tells the two
// cases apart.
func ParseCurrency(code string) (Currency, error) {
	if len(code) != 3 || !isUpper(code[0]) || !isUpper(code[1]) || !isUpper(code[2]) {
		return Currency{}, fmt.Errorf("%w: %s is not a three-letter uppercase ISO-4217 code", ErrInvalidCurrency, quoteInput(code))
	}
	digits, ok := iso4217[code]
	if !ok {
		digits = 2
	}
	return Currency{code: code, digits: digits}, nil
}

// MustCurrency is like ParseCurrency but panics on an invalid code. It is meant
// for tests and package-level constants, not for input.
func MustCurrency(code string) Currency {
	c, err := ParseCurrency(code)
	if err != nil {
		panic(err)
	}
	return c
}

// Code returns the three-letter code, or "" for the zero Currency.
func (c Currency) Code() string { return c.code }

// MinorDigits returns the number of decimals of the currency's minor unit
// (2 for USD: 1 USD = 100 cents). It is 0 for the zero Currency.
func (c Currency) MinorDigits() int { return int(c.digits) }

// IsZero reports whether c is the zero Currency (no currency).
func (c Currency) IsZero() bool { return c.code == "" }

// IsISO reports whether c's code is in the ISO-4217 list this package knows,
// as opposed to a well-formed code that ParseCurrency accepted with 2 digits.
func (c Currency) IsISO() bool {
	_, ok := iso4217[c.code]
	return ok
}

// String returns the code ("USD"), or "" for the zero Currency.
func (c Currency) String() string { return c.code }

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }

// displayCode names a currency in error messages.
func displayCode(c Currency) string {
	if c.IsZero() {
		return "(no currency)"
	}
	return c.code
}

// iso4217 maps the active ISO-4217 alphabetic codes (list one, including the
// funds codes and the X codes) to their minor digits. Codes whose minor unit
// ISO gives as "N.A." (precious metals, SDR, testing, "no currency") are
// listed with 2, the same as an unknown code.
var iso4217 = map[string]uint8{
	// 0 minor digits.
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0,
	"KRW": 0, "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0,
	"XAF": 0, "XOF": 0, "XPF": 0,
	// 3 minor digits.
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	// 4 minor digits.
	"CLF": 4, "UYW": 4,
	// 2 minor digits.
	"AED": 2, "AFN": 2, "ALL": 2, "AMD": 2, "ANG": 2, "AOA": 2, "ARS": 2,
	"AUD": 2, "AWG": 2, "AZN": 2, "BAM": 2, "BBD": 2, "BDT": 2, "BGN": 2,
	"BMD": 2, "BND": 2, "BOB": 2, "BOV": 2, "BRL": 2, "BSD": 2, "BTN": 2,
	"BWP": 2, "BYN": 2, "BZD": 2, "CAD": 2, "CDF": 2, "CHE": 2, "CHF": 2,
	"CHW": 2, "CNY": 2, "COP": 2, "COU": 2, "CRC": 2, "CUC": 2, "CUP": 2,
	"CVE": 2, "CZK": 2, "DKK": 2, "DOP": 2, "DZD": 2, "EGP": 2, "ERN": 2,
	"ETB": 2, "EUR": 2, "FJD": 2, "FKP": 2, "GBP": 2, "GEL": 2, "GHS": 2,
	"GIP": 2, "GMD": 2, "GTQ": 2, "GYD": 2, "HKD": 2, "HNL": 2, "HTG": 2,
	"HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IRR": 2, "JMD": 2, "KES": 2,
	"KGS": 2, "KHR": 2, "KPW": 2, "KYD": 2, "KZT": 2, "LAK": 2, "LBP": 2,
	"LKR": 2, "LRD": 2, "LSL": 2, "MAD": 2, "MDL": 2, "MGA": 2, "MKD": 2,
	"MMK": 2, "MNT": 2, "MOP": 2, "MRU": 2, "MUR": 2, "MVR": 2, "MWK": 2,
	"MXN": 2, "MXV": 2, "MYR": 2, "MZN": 2, "NAD": 2, "NGN": 2, "NIO": 2,
	"NOK": 2, "NPR": 2, "NZD": 2, "PAB": 2, "PEN": 2, "PGK": 2, "PHP": 2,
	"PKR": 2, "PLN": 2, "QAR": 2, "RON": 2, "RSD": 2, "RUB": 2, "SAR": 2,
	"SBD": 2, "SCR": 2, "SDG": 2, "SEK": 2, "SGD": 2, "SHP": 2, "SLE": 2,
	"SLL": 2, "SOS": 2, "SRD": 2, "SSP": 2, "STN": 2, "SVC": 2, "SYP": 2,
	"SZL": 2, "THB": 2, "TJS": 2, "TMT": 2, "TOP": 2, "TRY": 2, "TTD": 2,
	"TWD": 2, "TZS": 2, "UAH": 2, "USD": 2, "USN": 2, "UYU": 2, "UZS": 2,
	"VED": 2, "VES": 2, "WST": 2, "XCD": 2, "XCG": 2, "YER": 2, "ZAR": 2,
	"ZMW": 2, "ZWG": 2, "ZWL": 2,
	// Minor unit "N.A." in ISO-4217: bond units, SDR, precious metals,
	// testing and "no currency".
	"XAG": 2, "XAU": 2, "XBA": 2, "XBB": 2, "XBC": 2, "XBD": 2, "XDR": 2,
	"XPD": 2, "XPT": 2, "XSU": 2, "XTS": 2, "XUA": 2, "XXX": 2,
}

// MarshalText writes the currency's code, so a Currency encodes as "USD"
// in JSON (and in fingerprints of requests that carry one).
func (c Currency) MarshalText() ([]byte, error) { return []byte(c.code), nil }

// UnmarshalText reads a code with ParseCurrency; empty text is the zero
// Currency.
func (c *Currency) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*c = Currency{}
		return nil
	}
	v, err := ParseCurrency(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
