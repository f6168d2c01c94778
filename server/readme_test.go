package server_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeExamples runs every GraphQL example of the README, in order,
// against the sandboxes: each must answer without errors, with empty
// userErrors and a non-null payload, so the README cannot drift from the
// API.
func TestReadmeExamples(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(raw), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d GraphQL examples in the README, want at least 5", len(blocks))
	}
	g := newGateway(t, gatewayOptions{backends: true})
	for _, b := range blocks {
		doc := b[1]
		name, _, _ := strings.Cut(strings.TrimSpace(doc), "(")
		t.Run(strings.Join(strings.Fields(name), " "), func(t *testing.T) {
			r := g.query(adminKey, doc, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v\n%s", r.Errors, doc)
			}
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err != nil || len(data) == 0 {
				t.Fatalf("no data (%v): %s", err, r.Data)
			}
			checkPayloads(t, data, "")
		})
	}
}

// checkPayloads fails on any payload (an object with userErrors) that has
// user errors or no result.
func checkPayloads(t *testing.T, v any, path string) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		if ue, ok := v["userErrors"]; ok {
			if errs, _ := ue.([]any); len(errs) > 0 {
				t.Errorf("%s: userErrors %v", path, errs)
			}
			for k, x := range v {
				if k != "userErrors" && x == nil {
					t.Errorf("%s.%s is null", path, k)
				}
			}
		}
		for k, x := range v {
			checkPayloads(t, x, path+"."+k)
		}
	case []any:
		for _, x := range v {
			checkPayloads(t, x, path)
		}
	}
}
