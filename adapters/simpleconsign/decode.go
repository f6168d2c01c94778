package simpleconsign

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// result is what an answer body says.
type result struct {
	success bool
	message string
}

// decodeResult reads {"success": true} or {"success": false, "error": "…"}
// tolerantly: keys in any case; success as a boolean, "true"/"false" or 1/0;
// the message under "error" (or "message", "errorMessage"), as a string or,
// if it is not one, as its JSON text; a body without "success" but with a
// message is a failure. Anything that does not say whether the transaction
// was recorded is an error.
func decodeResult(body []byte) (result, error) {
	body = bytes.TrimPrefix(bytes.TrimSpace(body), []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc map[string]json.RawMessage
	if err := dec.Decode(&doc); err != nil {
		return result{}, fmt.Errorf("not a JSON object: %w", err)
	}
	if doc == nil {
		return result{}, errors.New("not a JSON object: null")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return result{}, errors.New("data after the JSON object")
	}
	success, hasSuccess, err := decodeSuccess(lookup(doc, "success"))
	if err != nil {
		return result{}, err
	}
	var msg string
	for _, k := range []string{"error", "message", "errorMessage"} {
		if msg = decodeMessage(lookup(doc, k)); msg != "" {
			break
		}
	}
	switch {
	case hasSuccess:
		if success {
			return result{success: true}, nil
		}
		return result{message: msg}, nil
	case msg != "":
		return result{message: msg}, nil
	}
	return result{}, errors.New(`the answer has no "success"`)
}

// lookup finds key in doc, an exact match first, then any case.
func lookup(doc map[string]json.RawMessage, key string) json.RawMessage {
	if v, ok := doc[key]; ok {
		return v
	}
	for k, v := range doc {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func decodeSuccess(raw json.RawMessage) (value, present bool, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, false, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, true, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true, true, nil
		case "false", "0":
			return false, true, nil
		}
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		switch n.String() {
		case "1":
			return true, true, nil
		case "0":
			return false, true, nil
		}
	}
	return false, false, fmt.Errorf(`"success" is %.40s, not a boolean`, raw)
}

func decodeMessage(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "false" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return ""
}
