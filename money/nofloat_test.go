package money

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExactInvariant keeps Invariant 1 honest: no float type, conversion or
// function (float64, NewFromFloat, ParseFloat, big.Float, InexactFloat64, …)
// appears in this package. Non-test files may not mention "float" in any
// identifier or literal, test files in any identifier, and no file may hold a
// non-integer number literal (1.5 and 1e3 are floating-point constants in
// Go). Comments are not checked, so the package documentation can say what
// it never uses.
func TestExactInvariant(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .go files found")
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		isTest := strings.HasSuffix(name, "_test.go")
		fset := token.NewFileSet()
		file := fset.AddFile(name, -1, len(src))
		var s scanner.Scanner
		s.Init(file, src, func(pos token.Position, msg string) { t.Errorf("%s: %s", pos, msg) }, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			checked := tok == token.IDENT || (!isTest && (tok == token.STRING || tok == token.CHAR))
			if checked && strings.Contains(strings.ToLower(lit), "float") {
				t.Errorf("%s: %s mentions a float", fset.Position(pos), lit)
			}
			// The literal kinds other than INT, STRING and CHAR are the
			// floating-point and imaginary ones (not named here: their
			// names would trip the check above).
			if tok.IsLiteral() && tok != token.IDENT && tok != token.INT && tok != token.STRING && tok != token.CHAR {
				t.Errorf("%s: non-integer number literal %s", fset.Position(pos), lit)
			}
		}
	}
}
