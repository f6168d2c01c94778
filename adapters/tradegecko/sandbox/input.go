package sandbox

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// attrs is one JSON object of a request body with its values kept raw, so
// each is read the way Rails reads params: leniently (ids and decimals as
// strings or numbers) and exactly (a decimal never passes through float64).
type attrs map[string]json.RawMessage

// decodeRoot reads a body {"<root>":{…}}. A body that is not JSON, or
// lacks the root object, is a 400 as Rails' params.require answers it.
func decodeRoot(body []byte, root string) (attrs, error) {
	a, err := decodeOptionalRoot(body, root)
	if err != nil {
		return nil, err
	}
	if a == nil {
		return nil, badRequest("param is missing or the value is empty: %s", root)
	}
	return a, nil
}

// decodeOptionalRoot is decodeRoot for bodies that may be empty or lack the
// root (order actions): it answers nil attrs then.
func decodeOptionalRoot(body []byte, root string) (attrs, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, badRequest("invalid JSON body: %v", err)
	}
	raw, ok := top[root]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var a attrs
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, badRequest("%s must be a JSON object", root)
	}
	if a == nil {
		a = attrs{}
	}
	return a, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// has reports whether key was sent (null included).
func (a attrs) has(key string) bool { _, ok := a[key]; return ok }

// str reads a string; numbers and booleans are taken as their text. nil
// when absent or null; ok is false for objects and arrays.
func (a attrs) str(key string) (v *string, ok bool) {
	raw, present := a[key]
	if !present || isNull(raw) {
		return nil, true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return &s, true
	}
	t := string(bytes.TrimSpace(raw))
	if t == "true" || t == "false" || isJSONNumber(t) {
		return &t, true
	}
	return nil, false
}

// id reads an integer id given as a number or a numeric string; "" counts
// as absent.
func (a attrs) id(key string) (v *int64, ok bool) {
	s, ok := a.str(key)
	if !ok {
		return nil, false
	}
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil, true
	}
	n, err := strconv.ParseInt(strings.TrimSpace(*s), 10, 64)
	if err != nil {
		return nil, false
	}
	return &n, true
}

// dec reads a decimal given as a string ("2.5") or a JSON number (2.5),
// exactly; "" counts as absent.
func (a attrs) dec(key string) (v *decimal.Decimal, ok bool) {
	raw, present := a[key]
	if !present || isNull(raw) {
		return nil, true
	}
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		text = strings.TrimSpace(text)
		if text == "" {
			return nil, true
		}
		if !isPlainDecimal(text) {
			return nil, false
		}
	} else {
		text = string(bytes.TrimSpace(raw))
		if !isJSONNumber(text) {
			return nil, false
		}
	}
	d, err := decimal.NewFromString(text)
	if err != nil {
		return nil, false
	}
	return &d, true
}

// boolean reads true/false, also as "true"/"false"/"1"/"0".
func (a attrs) boolean(key string) (v *bool, ok bool) {
	s, ok := a.str(key)
	if !ok {
		return nil, false
	}
	if s == nil {
		return nil, true
	}
	switch strings.ToLower(strings.TrimSpace(*s)) {
	case "true", "1":
		return ptr(true), true
	case "false", "0", "":
		return ptr(false), true
	}
	return nil, false
}

// obj reads a nested object; nil when absent or null.
func (a attrs) obj(key string) (v attrs, ok bool) {
	raw, present := a[key]
	if !present || isNull(raw) {
		return nil, true
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false
	}
	if v == nil {
		v = attrs{}
	}
	return v, true
}

// objects reads a list of objects; nil when absent or null.
func (a attrs) objects(key string) (v []attrs, ok bool) {
	raw, present := a[key]
	if !present || isNull(raw) {
		return nil, true
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, false
	}
	for i := range v {
		if v[i] == nil {
			return nil, false
		}
	}
	return nonNil(v), true
}

// idList reads a list of ids (numbers or numeric strings); null and []
// are the empty list. ok is false for anything else.
func (a attrs) idList(key string) (v []int64, ok bool) {
	raw, present := a[key]
	if !present || isNull(raw) {
		return []int64{}, true
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	out := make([]int64, 0, len(items))
	for _, item := range items {
		id, ok := attrs{"id": item}.id("id")
		if !ok || id == nil || *id <= 0 {
			return nil, false
		}
		out = append(out, *id)
	}
	return out, true
}

// stringList reads tags: a JSON array of strings or a comma-separated
// string. Blank entries are dropped.
func (a attrs) stringList(key string) (v []string, ok bool) {
	raw, present := a[key]
	if !present || isNull(raw) {
		return nil, true
	}
	var parts []string
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		parts = list
	} else {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, false
		}
		parts = strings.Split(s, ",")
	}
	out := []string{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, true
}

func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	return json.Valid([]byte(s)) && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
}

// fieldErrors collects 422 messages per field, as Rails' errors hash does.
type fieldErrors map[string][]string

func (e fieldErrors) add(field, msg string) {
	if !slices.Contains(e[field], msg) {
		e[field] = append(e[field], msg)
	}
}

func (e fieldErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return validationFailed(e)
}

// Rails' validation messages.
const (
	msgBlank      = "can't be blank"
	msgMustExist  = "must exist"
	msgInvalid    = "is invalid"
	msgNotNumber  = "is not a number"
	msgNotInList  = "is not included in the list"
	msgTaken      = "has already been taken"
	msgPositive   = "must be greater than 0"
	msgNegative   = "must be greater than or equal to 0"
	msgDiscount   = "must be between -100 and 100"
	msgExceedsQty = "cannot be more than the quantity fulfilled"
)

// strField reads an optional string attribute into *dst when it was sent
// (null clears it), recording "is invalid" for objects and arrays.
func strField(a attrs, errs fieldErrors, prefix, key string, dst **string) {
	if !a.has(key) {
		return
	}
	v, ok := a.str(key)
	if !ok {
		errs.add(prefix+key, msgInvalid)
		return
	}
	*dst = v
}

// idField reads an optional id attribute when it was sent.
func idField(a attrs, errs fieldErrors, prefix, key string, dst **int64) {
	if !a.has(key) {
		return
	}
	v, ok := a.id(key)
	if !ok {
		errs.add(prefix+key, msgNotNumber)
		return
	}
	*dst = v
}

func blank(s *string) bool { return s == nil || strings.TrimSpace(*s) == "" }

// dateLayouts are the forms issued_at, due_at and the like accept: ISO
// dates, the spec's "21-02-2018" (day first), and timestamps (whose own
// calendar date is kept).
var dateLayouts = []string{
	"2006-01-02",
	"02-01-2006",
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// parseDate reads a date or timestamp and answers its calendar date
// ("2018-02-21").
func parseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// parseTime reads a timestamp or a date (midnight UTC).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// dateField reads an optional date attribute into *dst ("" when null).
func dateField(a attrs, errs fieldErrors, prefix, key string, dst **string) {
	if !a.has(key) {
		return
	}
	v, ok := a.str(key)
	switch {
	case !ok:
		errs.add(prefix+key, msgInvalid)
	case blank(v):
		*dst = nil
	default:
		d, ok := parseDate(*v)
		if !ok {
			errs.add(prefix+key, msgInvalid)
			return
		}
		*dst = &d
	}
}
