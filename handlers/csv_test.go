package handlers_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
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
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "encoding/csv" && filepath.ToSlash(path) != "../handlers/csv.go" {
				t.Errorf("%s writes CSV itself; use the one writer in handlers/csv.go", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
