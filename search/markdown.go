package search

import (
	"bytes"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// markdown parses article bodies with the same dialect the knowledge base
// renders (CommonMark with GFM tables, strikethrough and task lists).
var markdown = goldmark.New(goldmark.WithExtensions(
	extension.Table,
	extension.Strikethrough,
	extension.TaskList,
))

// PlainText turns Markdown into the plain text that is indexed and shown in
// snippets: heading, list, emphasis, table and code markers go, link and
// image text stays (their addresses go), code keeps its text, and raw HTML
// is dropped. Character references are decoded, so the result is text, not
// HTML, and must be escaped before it is put on a page. Blocks are separated
// by newlines.
func PlainText(md string) string {
	src := []byte(md)
	doc := markdown.Parser().Parse(text.NewReader(src))
	var b bytes.Buffer
	b.Grow(len(src))
	block := func() {
		if n := b.Len(); n > 0 && b.Bytes()[n-1] == ' ' {
			b.Truncate(n - 1)
		}
		if n := b.Len(); n > 0 && b.Bytes()[n-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	space := func() {
		if n := b.Len(); n > 0 && b.Bytes()[n-1] != ' ' && b.Bytes()[n-1] != '\n' {
			b.WriteByte(' ')
		}
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.HTMLBlock, *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if !entering {
				return ast.WalkContinue, nil
			}
			v := n.Segment.Value(src)
			if !n.IsRaw() {
				v = decodeText(v)
			}
			b.Write(v)
			if n.SoftLineBreak() || n.HardLineBreak() {
				space()
			}
		case *ast.String:
			if entering {
				b.Write(n.Value)
			}
		case *ast.CodeSpan:
			if !entering {
				return ast.WalkContinue, nil
			}
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				if t, ok := c.(*ast.Text); ok {
					b.Write(bytes.TrimSuffix(t.Segment.Value(src), []byte("\n")))
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			if entering {
				b.Write(n.Label(src))
			}
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			if !entering {
				return ast.WalkContinue, nil
			}
			block()
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				b.Write(seg.Value(src))
			}
			block()
			return ast.WalkSkipChildren, nil
		case *east.TableCell:
			if !entering {
				space()
			}
		default:
			if n.Type() == ast.TypeBlock {
				block()
			}
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// decodeText resolves backslash escapes and character references in a
// Markdown text segment.
func decodeText(v []byte) []byte {
	if bytes.IndexByte(v, '\\') >= 0 {
		v = util.UnescapePunctuations(v)
	}
	if bytes.IndexByte(v, '&') >= 0 {
		v = util.ResolveNumericReferences(v)
		v = util.ResolveEntityNames(v)
	}
	return v
}
