package sandbox

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// member is one key of an object.
type member struct {
	key   string
	value any
}

// object is a JSON object whose keys keep their order, so bodies read like
// the spec's examples ({"variants":[…],"product":{…}}, {"retail":…,"wholesale":…}).
type object []member

// MarshalJSON writes the members in order; an empty object is {}.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// timestampLayout is how the API writes times: "2015-11-02T01:22:24.817Z".
const timestampLayout = "2006-01-02T15:04:05.000Z"

func timestamp(t time.Time) string { return t.UTC().Format(timestampLayout) }

// railsDecimal renders a decimal the way Rails renders BigDecimal prices:
// at least one fractional digit, no other trailing zeros ("24.0", "4.5",
// "3.9321").
func railsDecimal(d decimal.Decimal) string {
	s := d.String()
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// plainDecimal renders quantities without trailing zeros ("10", "2.5", "-2"),
// as the API does for stock figures.
func plainDecimal(d decimal.Decimal) string { return d.String() }

// decimalNumber is a decimal written as a bare JSON number (10, 2.5), for
// the places where the real API sends a number instead of a string.
func decimalNumber(d decimal.Decimal) json.RawMessage { return json.RawMessage(d.String()) }

func ptrRails(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := railsDecimal(*d)
	return &s
}

func ptrPlain(d *decimal.Decimal) *string {
	if d == nil {
		return nil
	}
	s := plainDecimal(*d)
	return &s
}

// nonNil makes a nil slice marshal as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// later is now at millisecond precision, moved past prev if need be, so an
// update always moves updated_at forward (updated_at_min polling sees it).
func later(prev, now time.Time) time.Time {
	t := now.UTC().Truncate(time.Millisecond)
	if !t.After(prev) {
		t = prev.Add(time.Millisecond)
	}
	return t
}

// sameWire reports whether two renderings of a record are the same JSON:
// how an update tells whether it changed anything.
func sameWire(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
