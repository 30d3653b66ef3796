package kb

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// Op says what a Change does to the old text.
type Op string

// The three kinds of Change.
const (
	// OpEqual is text found in both the old and the new body.
	OpEqual Op = "equal"
	// OpInsert is text found only in the new body.
	OpInsert Op = "insert"
	// OpDelete is text found only in the old body.
	OpDelete Op = "delete"
)

// Change is one piece of a word-level diff, in the form the API returns.
type Change struct {
	// Op is equal, insert or delete.
	Op Op `json:"op"`
	// Text is the piece of body, never empty.
	Text string `json:"text"`
}

// Diff returns the word-level difference from a to b: the texts of the
// equal and insert changes, concatenated in order, are exactly b, and those
// of the equal and delete changes are exactly a. This holds byte for byte
// for any strings, invalid UTF-8 included.
//
// Words (runs of letters, digits and marks), runs of white space and single
// other characters are the units, so a change never splits a word. Pieces
// are never empty, consecutive pieces never share an Op, and between two
// equal pieces a delete comes before an insert. Diff(a, a) is one equal
// piece; Diff("", "") is an empty, non-nil slice (JSON []).
func Diff(a, b string) []Change {
	if a == b {
		if a == "" {
			return []Change{}
		}
		return []Change{{Op: OpEqual, Text: a}}
	}
	ta, tb := wordTokens(a), wordTokens(b)
	if changes, ok := diffTokens(ta, tb, a, b); ok {
		return changes
	}
	return diffFallback(ta, tb)
}

// diffCleaner is shared: DiffMatchPatch holds only settings and is safe for
// concurrent use. DiffTimeout bounds the work on long, very different
// bodies (about a second for two unrelated 20 kB bodies); past it the rest
// of the diff is one replacement, coarser but never wrong.
var diffCleaner = func() *diffmatchpatch.DiffMatchPatch {
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = time.Second
	return dmp
}()

// diffTokens diffs the token sequences with diff-match-patch by giving each
// distinct token a rune of its own (the trick of DiffLinesToRunes, per
// word), cleans the result up semantically and maps it back to text. It
// reports false if the tokens do not fit in the rune space or the library
// returned something that does not reassemble into a and b.
func diffTokens(ta, tb []string, a, b string) ([]Change, bool) {
	codes := make(map[string]rune)
	var vocab []string
	encode := func(tokens []string) ([]rune, bool) {
		rs := make([]rune, len(tokens))
		for i, tok := range tokens {
			r, seen := codes[tok]
			if !seen {
				var ok bool
				if r, ok = tokenRune(len(vocab)); !ok {
					return nil, false
				}
				codes[tok] = r
				vocab = append(vocab, tok)
			}
			rs[i] = r
		}
		return rs, true
	}
	ra, ok := encode(ta)
	if !ok {
		return nil, false
	}
	rb, ok := encode(tb)
	if !ok {
		return nil, false
	}

	raw := diffCleaner.DiffMainRunes(ra, rb, false)
	// DiffCleanupSemantic edits the slice in place; keep raw intact as the
	// fallback.
	cleaned := diffCleaner.DiffCleanupSemantic(append([]diffmatchpatch.Diff(nil), raw...))
	for _, diffs := range [][]diffmatchpatch.Diff{cleaned, raw} {
		if changes, ok := decodeDiffs(diffs, vocab); ok && reassembles(changes, a, b) {
			return changes, true
		}
	}
	return nil, false
}

// decodeDiffs maps the runes of each diff back to their tokens and
// normalises the result.
func decodeDiffs(diffs []diffmatchpatch.Diff, vocab []string) ([]Change, bool) {
	changes := make([]Change, 0, len(diffs))
	var sb strings.Builder
	for _, d := range diffs {
		sb.Reset()
		for _, r := range d.Text {
			i, ok := runeToken(r)
			if !ok || i >= len(vocab) {
				return nil, false
			}
			sb.WriteString(vocab[i])
		}
		var op Op
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			op = OpEqual
		case diffmatchpatch.DiffInsert:
			op = OpInsert
		case diffmatchpatch.DiffDelete:
			op = OpDelete
		default:
			return nil, false
		}
		changes = append(changes, Change{Op: op, Text: sb.String()})
	}
	return normalizeChanges(changes), true
}

// diffFallback is for inputs with more distinct tokens than there are runes,
// or a library result that fails the reassembly check: the common prefix and
// suffix of tokens are equal, the middle is replaced.
func diffFallback(ta, tb []string) []Change {
	p := 0
	for p < len(ta) && p < len(tb) && ta[p] == tb[p] {
		p++
	}
	s := 0
	for s < len(ta)-p && s < len(tb)-p && ta[len(ta)-1-s] == tb[len(tb)-1-s] {
		s++
	}
	return normalizeChanges([]Change{
		{Op: OpEqual, Text: strings.Join(ta[:p], "")},
		{Op: OpDelete, Text: strings.Join(ta[p:len(ta)-s], "")},
		{Op: OpInsert, Text: strings.Join(tb[p:len(tb)-s], "")},
		{Op: OpEqual, Text: strings.Join(ta[len(ta)-s:], "")},
	})
}

// normalizeChanges drops empty pieces and, between two equal pieces, gathers all
// deletions into one delete followed by all insertions in one insert. Both
// reassemblies are unchanged by this: deletions keep their order among
// themselves, as do insertions.
func normalizeChanges(in []Change) []Change {
	out := make([]Change, 0, len(in))
	var del, ins strings.Builder
	flush := func() {
		if del.Len() > 0 {
			out = append(out, Change{Op: OpDelete, Text: del.String()})
			del.Reset()
		}
		if ins.Len() > 0 {
			out = append(out, Change{Op: OpInsert, Text: ins.String()})
			ins.Reset()
		}
	}
	for _, c := range in {
		if c.Text == "" {
			continue
		}
		switch c.Op {
		case OpDelete:
			del.WriteString(c.Text)
		case OpInsert:
			ins.WriteString(c.Text)
		default:
			flush()
			if n := len(out); n > 0 && out[n-1].Op == OpEqual {
				out[n-1].Text += c.Text
			} else {
				out = append(out, c)
			}
		}
	}
	flush()
	return out
}

// reassembles reports whether changes turn a into b exactly.
func reassembles(changes []Change, a, b string) bool {
	var sa, sb strings.Builder
	for _, c := range changes {
		switch c.Op {
		case OpEqual:
			sa.WriteString(c.Text)
			sb.WriteString(c.Text)
		case OpDelete:
			sa.WriteString(c.Text)
		case OpInsert:
			sb.WriteString(c.Text)
		}
	}
	return sa.String() == a && sb.String() == b
}

// wordTokens splits s into words (runs of letters, digits and marks), runs
// of white space, and single other characters, so Markdown's '*', '_' and
// '`' are tokens apart from the words they mark up. Bytes that are not valid
// UTF-8 are tokens of their own. The tokens are substrings of s and
// concatenate back to s.
func wordTokens(s string) []string {
	var tokens []string
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		kind := tokenKind(r, size)
		j := i + size
		if kind != tokenOther {
			for j < len(s) {
				r2, size2 := utf8.DecodeRuneInString(s[j:])
				if tokenKind(r2, size2) != kind {
					break
				}
				j += size2
			}
		}
		tokens = append(tokens, s[i:j])
		i = j
	}
	return tokens
}

const (
	tokenOther = iota
	tokenWord
	tokenSpace
)

// tokenKind classifies a decoded rune; an invalid byte (size 1) is "other".
func tokenKind(r rune, size int) int {
	switch {
	case r == utf8.RuneError && size <= 1:
		return tokenOther
	case unicode.IsLetter(r), unicode.IsDigit(r), unicode.IsMark(r):
		return tokenWord
	case unicode.IsSpace(r):
		return tokenSpace
	}
	return tokenOther
}

// tokenRune and runeToken number tokens with runes that survive a round
// trip through a Go string: surrogates are skipped, and so is U+FFFD, so a
// rune the library might have mangled into U+FFFD is recognised as foreign.
// Numbering starts past ASCII because the library's semantic clean-up reads
// ASCII white space and line breaks as boundaries; past ASCII every token
// looks alike to it and it slides edits to their rightmost position, which
// leaves the space after an inserted or deleted word inside the edit.
func tokenRune(i int) (rune, bool) {
	if i < 0 || i > unicode.MaxRune {
		return 0, false
	}
	r := rune(i) + tokenRuneBase
	if r >= 0xD800 {
		r += 0xE000 - 0xD800
	}
	if r >= utf8.RuneError {
		r++
	}
	return r, r <= unicode.MaxRune
}

func runeToken(r rune) (int, bool) {
	switch {
	case r < 0 || r > unicode.MaxRune || r == utf8.RuneError || (r >= 0xD800 && r < 0xE000):
		return 0, false
	case r > utf8.RuneError:
		r--
	}
	if r >= 0xE000 {
		r -= 0xE000 - 0xD800
	}
	if r < tokenRuneBase {
		return 0, false
	}
	return int(r - tokenRuneBase), true
}

const tokenRuneBase = 0x80
