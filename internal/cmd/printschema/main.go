// Command printschema writes the gateway's GraphQL schema as one SDL file,
// schema.graphql at the repository root, printed from the schema the server
// executes (graph/*.graphqls as gqlgen parsed them), with every description
// and directive. `make generate` runs it after gqlgen; clients and
// graphql-codegen (clients/codegen.ts) read the file it writes.
//
// It must never be edited into a second source of the schema: the
// .graphqls files are the source, and main_test.go fails when the
// committed file differs from what this prints.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/vektah/gqlparser/v2/formatter"

	"github.com/commercegateway/gateway/graph"
)

// header opens the printed file; it names the command that writes it.
const header = "# The gateway's GraphQL schema, printed from graph/*.graphqls by `make generate`\n" +
	"# (go run ./internal/cmd/printschema -o schema.graphql). Do not edit: change graph/*.graphqls.\n\n"

func main() {
	out := flag.String("o", "", "write the SDL to this file (default: standard output)")
	flag.Parse()
	sdl := printSDL()
	if *out == "" {
		os.Stdout.Write(sdl)
		return
	}
	if err := os.WriteFile(*out, sdl, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "printschema:", err)
		os.Exit(1)
	}
}

// printSDL formats the executable schema without the built-in types and
// directives, types sorted by name, a blank line between definitions.
func printSDL() []byte {
	var sdl bytes.Buffer
	formatter.NewFormatter(&sdl, formatter.WithIndent("  ")).FormatSchema(graph.NewExecutableSchema(graph.Config{}).Schema())
	var b bytes.Buffer
	b.WriteString(header)
	lines := bytes.SplitAfter(bytes.TrimSpace(sdl.Bytes()), []byte("\n"))
	for i, line := range lines {
		b.Write(line)
		// The formatter ends a definition with "}" or, for a scalar, its
		// one line, each at column 0.
		if i < len(lines)-1 && (bytes.Equal(line, []byte("}\n")) || bytes.HasPrefix(line, []byte("scalar "))) {
			b.WriteByte('\n')
		}
	}
	b.WriteByte('\n')
	return b.Bytes()
}
