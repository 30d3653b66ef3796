package kb

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
)

// Limits on how complex a body may be. goldmark's work grows with the
// product of nesting depth and input length in several places (a 64k-deep
// list took 43 s to save; 500k deep, minutes), so a body is measured in one
// linear pass before goldmark sees it, and its tree's nesting once more
// before it is rendered. The limits are far above what a procedure needs.
const (
	// MaxNesting is how deep lists, block quotes, emphasis and links may nest.
	MaxNesting = 32
	// MaxTableColumns is the most columns a table may have: rows are padded
	// to the header's width, so a wide header makes many cells of a few bytes.
	MaxTableColumns = 64
	// maxIndent is the most columns before a line's text, code in fences
	// included: deeper indentation is deeper nesting, and goldmark's work per
	// line grows with depth times indentation. (This pass cannot tell for
	// sure where a fence ends, so it makes no exception for code.)
	maxIndent = 2 * MaxNesting
	// maxTableCells bounds the cells of all tables together, and
	// maxTablePadding the cells made up for rows shorter than their header.
	maxTableCells   = 100_000
	maxTablePadding = 10_000
	// maxOpenBrackets bounds the '[' open at once in a paragraph: goldmark
	// looks for a link label between each ']' and every open '['.
	maxOpenBrackets = MaxNesting
	// maxBrackets bounds the '[' of the body: each may become a link, which
	// renders to ten times its bytes for the sanitizer to read.
	maxBrackets = 20_000
	// maxEmphasisMarks bounds the * and _ of the body: goldmark pairs emphasis delimiters in
	// time that grows faster than their number (50,000 alternating *_ took 0.3 s to render).
	maxEmphasisMarks = 20_000
	// maxListItems bounds the list markers of the body: each opens a list
	// item, and goldmark's cost per item grows with the depth it is at.
	maxListItems = 10_000
	// maxJoinedLinks bounds the "](" in one run of characters without a space:
	// each may start a link destination that runs to the end of the run.
	maxJoinedLinks = 32
	// maxLinkDefinitions bounds "[label]: url" lines.
	maxLinkDefinitions = 1_000
)

// Complexity returns why body is too complex to render ("" when it is not),
// in words for the person who wrote it. It runs in one pass over body and
// never calls goldmark, so a hostile body is refused at once.
func Complexity(body string) string {
	var (
		lineNo      int
		brackets    int // '[' open in the current paragraph
		allBrackets int
		emphasis    int
		tableCols   int // columns of the current table, 0 outside tables
		cells       int
		padding     int
		listItems   int
		linkDefs    int
		rest, line  = body, ""
	)
	for len(rest) > 0 {
		lineNo++
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimSuffix(line, "\r")
		depth, items, col, content := containerPrefix(line)
		if depth > MaxNesting {
			return fmt.Sprintf("lists and block quotes nest more than %d levels deep (line %d)", MaxNesting, lineNo)
		}
		if listItems += items; listItems > maxListItems {
			return fmt.Sprintf("more than %d list items (line %d)", maxListItems, lineNo)
		}
		if col > maxIndent {
			return fmt.Sprintf("line %d is indented more than %d columns", lineNo, maxIndent)
		}
		if strings.TrimSpace(content) == "" {
			brackets, tableCols = 0, 0
			continue
		}
		var most int
		if brackets, most = openBrackets(content, brackets); most > maxOpenBrackets {
			return fmt.Sprintf("more than %d [ open at once without ] (line %d)", maxOpenBrackets, lineNo)
		}
		if joinedLinks(content) > maxJoinedLinks {
			return fmt.Sprintf("more than %d links run together without a space (line %d)", maxJoinedLinks, lineNo)
		}
		if allBrackets += strings.Count(content, "["); allBrackets > maxBrackets {
			return fmt.Sprintf("more than %d links (or [) in all (line %d)", maxBrackets, lineNo)
		}
		if emphasis += strings.Count(content, "*") + strings.Count(content, "_"); emphasis > maxEmphasisMarks {
			return fmt.Sprintf("more than %d emphasis marks (* or _) in all (line %d)", maxEmphasisMarks, lineNo)
		}
		if strings.HasPrefix(content, "[") && strings.Contains(content, "]:") {
			if linkDefs++; linkDefs > maxLinkDefinitions {
				return fmt.Sprintf("more than %d link definitions ([label]: address)", maxLinkDefinitions)
			}
		}
		if tableCols > 0 {
			cells += tableCols
			padding += max(0, tableCols-(strings.Count(content, "|")-1))
			if padding > maxTablePadding {
				return fmt.Sprintf("table rows have %d fewer cells than their header in all; fill them in (line %d)", maxTablePadding, lineNo)
			}
		} else if n := delimiterColumns(content); n > 0 {
			if n > MaxTableColumns {
				return fmt.Sprintf("a table has more than %d columns (line %d)", MaxTableColumns, lineNo)
			}
			tableCols = n
			cells += 2 * n
		}
		if cells > maxTableCells {
			return fmt.Sprintf("tables have more than %d cells in all (line %d)", maxTableCells, lineNo)
		}
	}
	return ""
}

// containerPrefix reads the block quote and list markers that open a line:
// how many there are, how many of them are list markers, the column where the
// line's text starts (tabs to the next multiple of 4) and that text.
func containerPrefix(line string) (depth, items, col int, content string) {
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			if line[i] == '\t' {
				col += 4 - col%4
			} else {
				col++
			}
			i++
		}
		if i >= len(line) {
			return depth, items, col, ""
		}
		n := 0
		switch c := line[i]; {
		case c == '>':
			n = 1
		case c == '-' || c == '+' || c == '*':
			if endsMarker(line, i+1) {
				n = 1
			}
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 10 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j-i <= 9 && j < len(line) && (line[j] == '.' || line[j] == ')') && endsMarker(line, j+1) {
				n = j + 1 - i
			}
		}
		if n == 0 {
			return depth, items, col, line[i:]
		}
		if line[i] != '>' {
			items++
		}
		depth++
		i += n
		col += n
	}
}

// endsMarker reports whether a list marker ending before i is followed by
// white space or the end of the line, as a list marker must be.
func endsMarker(line string, i int) bool {
	return i >= len(line) || line[i] == ' ' || line[i] == '\t'
}

// openBrackets returns how many '[' are open after content, given open
// before it, and the most open at once; an escaped bracket does not count.
func openBrackets(content string, open int) (int, int) {
	most := open
	for i := 0; i < len(content); i++ {
		switch content[i] {
		case '\\':
			i++
		case '[':
			open++
			most = max(most, open)
		case ']':
			open = max(0, open-1)
		}
	}
	return open, most
}

// joinedLinks returns the most "](" in one run of characters without white space.
func joinedLinks(content string) int {
	most, n := 0, 0
	for i := 0; i < len(content); i++ {
		switch content[i] {
		case ' ', '\t':
			n = 0
		case ']':
			if i+1 < len(content) && content[i+1] == '(' {
				n++
				most = max(most, n)
			}
		}
	}
	return most
}

// delimiterColumns returns the number of columns of a table's delimiter row
// ("| --- | :-: |"), or 0 when content is not one.
func delimiterColumns(content string) int {
	if !strings.Contains(content, "-") || strings.Trim(content, "|-: \t") != "" {
		return 0
	}
	n := 0
	for cell := range strings.SplitSeq(content, "|") {
		if strings.Contains(cell, "-") {
			n++
		}
	}
	return n
}

// nestingTooDeep returns why doc nests too deep ("" when it does not):
// lists, block quotes, emphasis, strikethrough, links and images inside each
// other more than MaxNesting times, counted on the parsed tree, which also
// sees nesting that only indentation or inline markup makes. It walks the
// tree without recursion.
func nestingTooDeep(doc ast.Node) string {
	depth := 0
	n := doc
	for n != nil {
		if nests(n) {
			depth++
			if depth > MaxNesting {
				return fmt.Sprintf("lists, block quotes, emphasis and links nest more than %d levels deep", MaxNesting)
			}
		}
		if c := n.FirstChild(); c != nil {
			n = c
			continue
		}
		for n != nil {
			if nests(n) {
				depth--
			}
			if n == doc {
				return ""
			}
			if s := n.NextSibling(); s != nil {
				n = s
				break
			}
			n = n.Parent()
		}
	}
	return ""
}

func nests(n ast.Node) bool {
	switch n.Kind() {
	case ast.KindList, ast.KindBlockquote, ast.KindEmphasis, ast.KindLink, ast.KindImage, east.KindStrikethrough:
		return true
	}
	return false
}
