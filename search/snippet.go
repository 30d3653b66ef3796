package search

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// snippetBytes is about how much body text a snippet shows.
const snippetBytes = 160

// matcher decides which words of a body a snippet marks: those whose
// analysed form is a query term (or an alternative for one), and in the
// typo-tolerant stage those within one typo of a query term.
type matcher struct {
	terms    map[string]bool
	near     []string
	prefixes map[string]bool // the first two letters of every term
}

func (p *parsed) matcher(fuzzy bool) *matcher {
	m := &matcher{terms: map[string]bool{}}
	for _, c := range p.clauses {
		for _, a := range c.alts {
			for _, t := range a.terms {
				m.terms[t] = true
			}
		}
		if fuzzy && utf8.RuneCountInString(c.term) >= fuzzyMinRunes {
			m.near = append(m.near, c.term)
		}
	}
	for _, ph := range p.phrases {
		for _, t := range ph.terms {
			m.terms[t] = true
		}
	}
	m.prefixes = map[string]bool{}
	for t := range m.terms {
		m.prefixes[prefix2(t)] = true
	}
	return m
}

// prefix2 is the first two letters of s (all of it when shorter).
func prefix2(s string) string {
	i := 0
	for n := 0; n < 2 && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

func (m *matcher) match(term string) bool {
	if m.terms[term] {
		return true
	}
	for _, t := range m.near {
		if withinOneTypo(t, term) {
			return true
		}
	}
	return false
}

// snippet is about snippetBytes of body around its densest cluster of
// matches, as HTML: every piece of body text is escaped, and the only
// markup is <mark> around matched words. Without matches it is the start of
// the body.
func (ix *Index) snippet(body string, m *matcher) string {
	if body == "" {
		return ""
	}
	var marks []span
	if m != nil {
		marks = m.find(ix.analyzer, body)
	}
	start, end := 0, 0
	if len(marks) == 0 {
		end = wordEnd(body, snippetBytes)
	} else {
		first, last := densest(marks)
		// Show a little context before the first match, and fill the rest
		// of the window after it.
		start = wordStart(body, max(marks[first].Start-snippetBytes/5, 0))
		end = wordEnd(body, max(start+snippetBytes, marks[last].End))
		marks = marks[first : last+1]
	}
	var b strings.Builder
	b.Grow(end - start + 32)
	if start > 0 {
		b.WriteString("… ")
	}
	pos := start
	for _, t := range marks {
		if t.Start < pos || t.End > end {
			continue
		}
		b.WriteString(escape(body[pos:t.Start]))
		b.WriteString("<mark>")
		b.WriteString(escape(body[t.Start:t.End]))
		b.WriteString("</mark>")
		pos = t.End
	}
	b.WriteString(escape(body[pos:end]))
	if end < len(body) {
		b.WriteString(" …")
	}
	return b.String()
}

// span is a word of a body to mark: its bytes and analysed term.
type span struct {
	Start, End int
	Term       string
}

// find returns the words of body to mark. Only words that begin like a
// query term (any word, when typos count) are analysed, one at a time: a
// word's term (its stem) begins with the same letters, and most words are
// not worth analysing.
func (m *matcher) find(a analysis.Analyzer, body string) []span {
	var out []span
	seen := make(map[string]string, 64) // lower-case word → its matching term, or ""
	for i := 0; i < len(body); {
		r, size := rune(body[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(body[i:])
		}
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(body) {
			r, size := rune(body[j]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(body[j:])
			}
			if !isWordRune(r) {
				break
			}
			j += size
		}
		w := strings.ToLower(body[i:j])
		term, ok := seen[w]
		if !ok {
			if len(m.near) > 0 || m.prefixes[prefix2(strings.TrimLeft(w, "'’"))] {
				for _, t := range a.Analyze([]byte(w)) {
					if m.match(string(t.Term)) {
						term = string(t.Term)
						break
					}
				}
			}
			seen[w] = term
		}
		if term != "" {
			out = append(out, span{Start: i, End: j, Term: term})
		}
		i = j
	}
	return out
}

// isWordRune reports whether r belongs to a word: a letter, a digit or an
// apostrophe.
func isWordRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '\'':
		return true
	case r < utf8.RuneSelf:
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '’'
}

// densest picks the run of marks that fits in a snippet and holds the most
// distinct terms (then the most marks), returning its first and last index.
func densest(marks []span) (first, last int) {
	bestDistinct, bestCount := -1, -1
	for i := range marks {
		distinct := map[string]bool{}
		j := i
		for ; j < len(marks) && marks[j].End-marks[i].Start <= snippetBytes; j++ {
			distinct[string(marks[j].Term)] = true
		}
		if len(distinct) > bestDistinct || (len(distinct) == bestDistinct && j-i > bestCount) {
			bestDistinct, bestCount = len(distinct), j-i
			first, last = i, max(j-1, i)
		}
	}
	return first, last
}

// escape makes body text safe as HTML and puts it on one line.
func escape(s string) string {
	s = html.EscapeString(s)
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// maxWordBytes is how far wordStart and wordEnd look for a word boundary
// before cutting a long word.
const maxWordBytes = 30

// wordStart moves i back to the start of the word it is in.
func wordStart(s string, i int) int {
	if i <= 0 {
		return 0
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	from := max(i-maxWordBytes, 0)
	if j := strings.LastIndexAny(s[from:i], " \n\t"); j >= 0 {
		return from + j + 1
	}
	if from == 0 {
		return 0
	}
	return i
}

// wordEnd moves i forward to the end of the word it is in.
func wordEnd(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	to := min(i+maxWordBytes, len(s))
	if j := strings.IndexAny(s[i:to], " \n\t"); j >= 0 {
		return i + j
	}
	if to == len(s) {
		return len(s)
	}
	return i
}
