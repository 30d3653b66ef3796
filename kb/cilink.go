package kb

import (
	"regexp"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// ciLinkPattern is a citation of a configuration item in an article: [[ci:KEY]], KEY as the
// CMDB's keys are written (cmdb.ValidKey).
var ciLinkPattern = regexp.MustCompile(`^\[\[ci:([A-Za-z0-9][A-Za-z0-9._-]{0,99})\]\]`)

// ciLinkParser turns [[ci:KEY]] into a link to /cmdb/KEY whose text is the key. It never
// inlines a CI's values, so that a version stays immutable while the CI changes, and the
// CI page decides (with the reader's scope) what the reader sees. Anything else starting with
// '[' is left to goldmark's link parser.
type ciLinkParser struct{}

// Trigger implements parser.InlineParser.
func (ciLinkParser) Trigger() []byte { return []byte{'['} }

// Parse implements parser.InlineParser.
func (ciLinkParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	line, seg := block.PeekLine()
	m := ciLinkPattern.FindSubmatchIndex(line)
	if m == nil {
		return nil
	}
	key := line[m[2]:m[3]]
	link := ast.NewLink()
	link.Destination = append([]byte("/cmdb/"), key...)
	link.AppendChild(link, ast.NewTextSegment(text.NewSegment(seg.Start+m[2], seg.Start+m[3])))
	block.Advance(m[1])
	return link
}

// ciLinks is the parser option markdownConverter takes: before the link parser (priority 200).
var ciLinks = parser.WithInlineParsers(util.Prioritized(ciLinkParser{}, 199))

var ciCitePattern = regexp.MustCompile(`\[\[ci:([A-Za-z0-9][A-Za-z0-9._-]{0,99})\]\]`)

// CitedCIs returns the keys of the configuration items a Markdown body cites with [[ci:KEY]],
// each once, in order of first citation.
func CitedCIs(body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range ciCitePattern.FindAllStringSubmatch(body, 100) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}
