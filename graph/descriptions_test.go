package graph

import (
	"slices"
	"strings"
	"testing"
)

// TestEveryElementIsDescribed: the playground's docs and generated client
// types are the API reference, so every type, field, argument, input field
// and enum value of graph/*.graphqls has a description (the built-in types
// and directives excepted). It fails naming each one without.
func TestEveryElementIsDescribed(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	var missing []string
	need := func(desc, name string) {
		if strings.TrimSpace(desc) == "" {
			missing = append(missing, name)
		}
	}
	for _, def := range schema.Types {
		if def.BuiltIn || strings.HasPrefix(def.Name, "__") {
			continue
		}
		need(def.Description, def.Name)
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			need(f.Description, def.Name+"."+f.Name)
			for _, a := range f.Arguments {
				need(a.Description, def.Name+"."+f.Name+"("+a.Name+":)")
			}
		}
		for _, v := range def.EnumValues {
			need(v.Description, def.Name+"."+v.Name)
		}
	}
	for name, d := range schema.Directives {
		if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn {
			continue
		}
		need(d.Description, "@"+name)
		for _, a := range d.Arguments {
			need(a.Description, "@"+name+"("+a.Name+":)")
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		t.Errorf("%d schema elements have no description (add a \"...\" before each in graph/*.graphqls, then `make generate`):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
}
