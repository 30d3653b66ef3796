package kb

import (
	"bytes"
	"context"
	"html"
	"regexp"
	"strings"
	"sync/atomic"

	"attest"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
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
// for concurrent use once built. Raw HTML is never rendered as markup:
// html.WithUnsafe is not set and rawHTMLAsText writes it as escaped text; and
// goldmark leaves the href of links with javascript:, vbscript:, file: or
// data: URLs empty.
var markdownConverter = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	goldmark.WithParserOptions(
		parser.WithAutoHeadingID(),
		parser.WithASTTransformers(util.Prioritized(linkRelTransformer{}, 1000), util.Prioritized(attachmentImageLinks{}, 1001)),
		ciLinks, // [[ci:KEY]] → a link to /cmdb/KEY (cilink.go)
	),
	// Alignment as an align attribute, not a style attribute: the sanitizer
	// allows no style attributes at all.
	goldmark.WithRendererOptions(
		extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute),
		// goldmark registers node renderers from the highest priority value
		// to the lowest, the last registration of a kind winning: 100 beats
		// its HTML renderer's 1000.
		renderer.WithNodeRenderers(util.Prioritized(rawHTMLAsText{}, 100)),
	),
)

// htmlPolicy is the allow-list applied to goldmark's output. It names exactly
// what goldmark with GFM produces and nothing else, so even a goldmark bug
// that let raw HTML through would meet a sanitizer that only knows Markdown's
// own vocabulary: no script, style, iframe, object, embed, form, meta or base
// elements, no event handler or style attributes, and URLs only with the
// http, https and mailto schemes or relative. Images are kept only with an
// absolute http(s) src; anything else (relative, data:) loses its src, so at
// most its alt text shows (an attachment's own path, /attachments/…, is kept too).
// bluemonday.Policy is safe for concurrent use once
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
	p.AllowAttrs("src").Matching(imageSrcPattern).OnElements("img")
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
// plain text. Raw HTML in the body never reaches the page as markup: its text
// shows, escaped, as written.
//
// A body over the complexity limits (see Complexity) is refused with
// EINVALID on the body field before goldmark sees it, and rendering stops
// with ctx's error when ctx ends (the client left).
// Errors: EINVALID (body), ctx.Err().
func Render(ctx context.Context, body string) (Rendered, error) {
	if why := Complexity(body); why != "" {
		return Rendered{}, attest.FieldError(map[string]string{"body": why})
	}
	if err := ctx.Err(); err != nil {
		return Rendered{}, err
	}
	src := []byte(body)
	doc := parse(src)
	if why := nestingTooDeep(doc); why != "" {
		return Rendered{}, attest.FieldError(map[string]string{"body": why})
	}
	if err := ctx.Err(); err != nil {
		return Rendered{}, err
	}
	var buf bytes.Buffer
	// goldmark's node renderers ignore write errors, but the buffered writer
	// stops writing after the first one, so a cancelled context turns the
	// rest of the walk into no-ops.
	_ = markdownConverter.Renderer().Render(ctxWriter{ctx, &buf}, src, doc)
	if err := ctx.Err(); err != nil {
		return Rendered{}, err
	}
	safe := htmlPolicy.SanitizeBytes(buf.Bytes())
	if err := ctx.Err(); err != nil {
		return Rendered{}, err
	}
	return Rendered{HTML: string(safe), Text: plainText(safe)}, nil
}

// parses counts goldmark parses, so that tests can prove a refusal never
// reached goldmark.
var parses atomic.Int64

// parse parses src with the one goldmark parser.
func parse(src []byte) ast.Node {
	parses.Add(1)
	return markdownConverter.Parser().Parse(text.NewReader(src))
}

// ctxWriter fails every write once ctx has ended.
type ctxWriter struct {
	ctx context.Context
	w   *bytes.Buffer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// Title returns the plain text of the first level-1 heading at the top level
// of a Markdown body (ATX "# T" or setext "T\n==="), or "" when there is none
// or the body is over the complexity limits.
func Title(body string) string {
	if Complexity(body) != "" {
		return ""
	}
	src := []byte(body)
	doc := parse(src)
	if nestingTooDeep(doc) != "" {
		return ""
	}
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

// rawHTMLAsText renders raw HTML, inline and as blocks, as the text it is:
// escaped, as written. Dropping it (goldmark's safe default) lost the
// placeholders IT procedures are full of ("net user <username> /domain");
// passing it through would let markup reach the page.
type rawHTMLAsText struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (rawHTMLAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, renderRawHTML)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlock)
}

func renderRawHTML(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		segs := n.(*ast.RawHTML).Segments
		for i := 0; i < segs.Len(); i++ {
			seg := segs.At(i)
			_, _ = w.Write(util.EscapeHTML(seg.Value(src)))
		}
	}
	return ast.WalkSkipChildren, nil
}

// renderHTMLBlock shows an HTML block as a paragraph of its lines.
func renderHTMLBlock(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		_, _ = w.WriteString("</p>\n")
		return ast.WalkContinue, nil
	}
	b := n.(*ast.HTMLBlock)
	_, _ = w.WriteString("<p>")
	first := true
	line := func(v []byte) {
		v = bytes.TrimRight(v, " \t\r\n")
		if !first {
			_, _ = w.WriteString("<br>\n")
		}
		first = false
		_, _ = w.Write(util.EscapeHTML(v))
	}
	lines := b.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		line(seg.Value(src))
	}
	if b.HasClosure() {
		line(b.ClosureLine.Value(src))
	}
	return ast.WalkSkipChildren, nil
}

// plainText turns sanitized HTML into text: tags go, entities are decoded,
// spaces within a line collapse to one and blank lines are dropped.
func plainText(safeHTML []byte) string {
	s := html.UnescapeString(textPolicy.Sanitize(string(attachmentText(safeHTML))))
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, line := range lines {
		if f := strings.Fields(line); len(f) > 0 {
			out = append(out, strings.Join(f, " "))
		}
	}
	return strings.Join(out, "\n")
}
