package search

import (
	"context"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"attest/kb"
)

// markdownText is what kb stores as the text of a Markdown body: the test corpora are written
// in Markdown, and the index is fed kb's text, as in production.
func markdownText(md string) string {
	r, err := kb.Render(context.Background(), md)
	if err != nil {
		panic(err)
	}
	return r.Text
}

// TestIndexesKBTextAsIs: the index holds the text kb made at save, as it is; search does no
// Markdown of its own (placeholders in angle brackets stay, asterisks are text).
func TestIndexesKBTextAsIs(t *testing.T) {
	text := "Run net user <username> /domain\n2 * 3 = 6 and **not bold**"
	d := FromKB(kb.SearchDoc{ArticleID: 1, Version: 1, Title: "Domain users", Text: text})
	m, n, err := d.document()
	if err != nil {
		t.Fatal(err)
	}
	if got := m[fieldBody]; got != text {
		t.Errorf("indexed body = %q, want kb's text %q as is", got, text)
	}
	if got, want := n.body, countWords(text); got != want {
		t.Errorf("body length = %d, want %d", got, want)
	}
}

// TestSearchImportsOnlyKBTypes: search takes its text from kb (DESIGN.md: "bleve, kb types
// only"); a Markdown parser here would be a second place where Markdown becomes text.
func TestSearchImportsOnlyKBTypes(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(gotoken.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case strings.Contains(path, "goldmark"), strings.Contains(path, "bluemonday"):
				t.Errorf("%s imports %s: search indexes kb's stored text and parses no Markdown", f, path)
			case strings.HasPrefix(path, "attest/") && path != "attest/kb":
				t.Errorf("%s imports %s: search imports kb types only", f, path)
			}
		}
	}
}
