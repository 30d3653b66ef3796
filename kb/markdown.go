package kb

import (
	"bytes"
	"html"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Rendered is the result of rendering a version body once, at save
// (DESIGN.md invariant 5): pages and the API serve HTML as stored and
// never render Markdown on read.
type Rendered struct {
	// HTML is sanitized HTML, safe to place in a page unescaped.
	HTML string
	// Text is the plain text of the body without any markup, one line per
	// block, for search snippets and summaries. It is not HTML-escaped.
	Text string
}

// linkRel is the rel value every link carries. The body is user content, so
// links must not pass ranking credit (nofollow) nor, should a browser open
// them in a new context, a window.opener handle (noopener).
const linkRel = "nofollow noopener"

// markdownConverter is the one goldmark instance; goldmark.Markdown is safe
// for concurrent use once built. Raw HTML is never rendered because
// html.WithUnsafe is not set: goldmark replaces it with a comment (which the
// sanitizer then drops), and it leaves the href of links with javascript:,
// vbscript:, file: or data: URLs empty.
var markdownConverter = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(
		parser.WithAutoHeadingID(),
		parser.WithASTTransformers(util.Prioritized(linkRelTransformer{}, 1000)),
		ciLinks, // [[ci:KEY]] → a link to /cmdb/KEY (cilink.go)
	),
	// Alignment as an align attribute, not a style attribute: the sanitizer
	// allows no style attributes at all.
	goldmark.WithRendererOptions(
		extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute),
	),
)

// htmlPolicy is the allow-list applied to goldmark's output. It names exactly
// what goldmark with GFM produces and nothing else, so even a goldmark bug
// that let raw HTML through would meet a sanitizer that only knows Markdown's
// own vocabulary: no script, style, iframe, object, embed, form, meta or base
// elements, no event handler or style attributes, and URLs only with the
// http, https and mailto schemes or relative. Images are kept only with an
// absolute http(s) src; anything else (relative, data:) loses its src, so at
// most its alt text shows. bluemonday.Policy is safe for concurrent use once
// built.
var htmlPolicy = newHTMLPolicy()

// textPolicy strips every tag, leaving text (still entity-escaped). No
// space is added for a stripped tag, as that would split "**Save**." into
// "Save ."; blocks stay apart because goldmark ends each with a newline.
var textPolicy = bluemonday.StrictPolicy()

var (
	headingIDPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)
	languagePattern  = regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]+$`)
	absoluteHTTPURL  = regexp.MustCompile(`(?i)^https?://[^\s]+$`)
)

func newHTMLPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements(
		"p", "br", "hr", "blockquote", "pre",
		"em", "strong", "del", "code",
		"ul", "ol", "li",
		"table", "thead", "tbody", "tr", "th", "td",
		"h1", "h2", "h3", "h4", "h5", "h6",
	)
	p.AllowAttrs("id").Matching(headingIDPattern).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.AllowAttrs("class").Matching(languagePattern).OnElements("code")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|center|right)$`)).OnElements("th", "td")

	// Task list items.
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^checkbox$`)).OnElements("input")
	p.AllowAttrs("checked", "disabled").Matching(regexp.MustCompile(`^$`)).OnElements("input")

	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("title").OnElements("a", "img")
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + linkRel + `$`)).OnElements("a")
	p.AllowAttrs("src").Matching(absoluteHTTPURL).OnElements("img")
	p.AllowAttrs("alt").OnElements("img")

	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	return p
}

// linkRelTransformer sets rel on every link, including bare URLs that
// linkify turns into links.
type linkRelTransformer struct{}

// Transform implements parser.ASTTransformer.
func (linkRelTransformer) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindAutoLink:
			n.SetAttributeString("rel", []byte(linkRel))
		}
		return ast.WalkContinue, nil
	})
}

// Render renders a Markdown body (CommonMark with GitHub's tables, task
// lists, strikethrough and autolinks; headings get ids) to sanitized HTML and
// plain text. Raw HTML in the body is dropped, never passed through.
func Render(body string) Rendered {
	var buf bytes.Buffer
	// Writing to a bytes.Buffer cannot fail, and goldmark's renderers return
	// only the writer's errors.
	_ = markdownConverter.Convert([]byte(body), &buf)
	safe := htmlPolicy.SanitizeBytes(buf.Bytes())
	return Rendered{HTML: string(safe), Text: plainText(safe)}
}

// Title returns the plain text of the first level-1 heading at the top level
// of a Markdown body (ATX "# T" or setext "T\n==="), or "" when there is none.
func Title(body string) string {
	src := []byte(body)
	doc := markdownConverter.Parser().Parse(text.NewReader(src))
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		h, ok := n.(*ast.Heading)
		if !ok || h.Level != 1 {
			continue
		}
		var buf bytes.Buffer
		_ = markdownConverter.Renderer().Render(&buf, src, h)
		return strings.Join(strings.Fields(plainText(htmlPolicy.SanitizeBytes(buf.Bytes()))), " ")
	}
	return ""
}

// plainText turns sanitized HTML into text: tags go, entities are decoded,
// spaces within a line collapse to one and blank lines are dropped.
func plainText(safeHTML []byte) string {
	s := html.UnescapeString(textPolicy.Sanitize(string(safeHTML)))
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, line := range lines {
		if f := strings.Fields(line); len(f) > 0 {
			out = append(out, strings.Join(f, " "))
		}
	}
	return strings.Join(out, "\n")
}
