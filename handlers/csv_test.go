package handlers_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneCSVWriter: every CSV export goes through the one writer in handlers/csv.go, so the
// formula guard cannot be forgotten by a new export (there were two writers and two guards).
func TestOneCSVWriter(t *testing.T) {
	root := ".."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		// Reading CSV (the CMDB import) is another matter: only writers are counted.
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "NewWriter" {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "csv" && filepath.ToSlash(path) != "../handlers/csv.go" {
				t.Errorf("%s writes CSV itself; use the one writer in handlers/csv.go", path)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
