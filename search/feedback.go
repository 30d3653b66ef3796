package search

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	index "github.com/blevesearch/bleve_index_api"
)

// Pseudo-relevance feedback for descriptions. An agent describes a need in
// their own words; the page that answers it often uses others. The best
// matches of a description, right or nearly right, use the pages' words:
// the words frequent in several of them and rare in the index say what the
// description is about. feedback adds them to the description at a small
// fraction of a typed word's weight (params.fbWeight) and ranks the best
// matches again (the ones proximity looked at, whose text is analysed
// already when the words are common). Like proximity, it only raises the
// scores of the best matches, so they stay ahead of the others and the
// matches (and their number) stay those of the words typed.

// analysedDoc is a match's stored title and body, analysed.
type analysedDoc struct {
	fields [2][]token
}

// analysed returns the stored title and body of document doc analysed,
// reading them once per search; empty fields when the document is gone.
func (s *searcher) analysed(doc uint64) (*analysedDoc, error) {
	if d, ok := s.texts[doc]; ok {
		return d, nil
	}
	if s.texts == nil {
		s.texts = map[uint64]*analysedDoc{}
		s.terms = map[string]string{}
	}
	a := &analysedDoc{}
	err := s.visitText(doc, func(field int, text []byte) {
		ts := s.a.Analyze(text)
		toks := make([]token, len(ts))
		for i, t := range ts {
			term, ok := s.terms[string(t.Term)]
			if !ok {
				term = string(t.Term)
				s.terms[term] = term
			}
			toks[i] = token{term: term, pos: t.Position}
		}
		a.fields[field] = toks
	})
	if err != nil {
		return nil, err
	}
	s.texts[doc] = a
	return a, nil
}

// visitText calls fn with the stored title and body of document doc.
func (s *searcher) visitText(doc uint64, fn func(field int, text []byte)) error {
	ext, err := s.r.ExternalID(index.NewIndexInternalID(nil, doc))
	if err != nil {
		return fmt.Errorf("read document %d: %w", doc, err)
	}
	d, err := s.r.Document(ext)
	if err != nil {
		return fmt.Errorf("read article %s: %w", ext, err)
	}
	if d == nil {
		return nil
	}
	d.VisitFields(func(f index.Field) {
		switch f.Name() {
		case fieldTitle:
			fn(title, f.Value())
		case fieldBody:
			fn(body, f.Value())
		}
	})
	return nil
}

// termsOf returns the terms of document doc's title and body: its
// analysed text when proximity analysed it, or else its stored text cut at
// white space, each piece analysed once (analyseWord), which is several
// times quicker than analysing all of it and makes the same terms.
func (s *searcher) termsOf(doc uint64) ([2][]string, error) {
	var out [2][]string
	if d, ok := s.texts[doc]; ok {
		for f, toks := range d.fields {
			out[f] = make([]string, len(toks))
			for i, t := range toks {
				out[f][i] = t.term
			}
		}
		return out, nil
	}
	err := s.visitText(doc, func(field int, text []byte) {
		for _, w := range bytes.Fields(text) {
			out[field] = append(out[field], s.analyseWord(w)...)
		}
	})
	return out, err
}

// wordTerms remembers the terms the analyser makes of a piece of text
// between white space ("Cache,", "files."), for feedback: all searches
// share it, up to maxWordTerms pieces.
var wordTerms = struct {
	sync.RWMutex
	m map[string][]string
}{m: map[string][]string{}}

const maxWordTerms = 1 << 18

// maxCachedWord bounds the pieces kept, so the cache stays small (2^18 pieces of at most
// 64 bytes, with their terms: tens of MB at most).
const maxCachedWord = 64

// analyseWord returns the terms of w (text without white space).
func (s *searcher) analyseWord(w []byte) []string {
	wordTerms.RLock()
	ts, ok := wordTerms.m[string(w)]
	wordTerms.RUnlock()
	if ok {
		return ts
	}
	ts = analyze(s.a, string(w))
	if len(w) > maxCachedWord {
		return ts // a long run without spaces (a URL, an encoded blob) is rare: not kept
	}
	wordTerms.Lock()
	if len(wordTerms.m) < maxWordTerms {
		wordTerms.m[string(w)] = ts
	}
	wordTerms.Unlock()
	return ts
}

// feedback re-ranks the best matches of description p (out.top, sorted,
// best first): of the words in at least fbMinDocs of the first fbDocs
// matches, none of them typed nor general, on at most an fbShare of the
// pages, the fbTerms with the highest weight (the matches' share of the
// word: each match's count of it over its length, weighted by its score
// relative to the best, times the word's IDF) score in each of the first
// params.depth matches as a typed word would (BM25F), times fbWeight and
// the word's weight relative to the heaviest one's.
func (s *searcher) feedback(p *parsed, out *outcome) error {
	top := out.top[:min(len(out.top), s.p.depth)]
	k := min(len(top), s.p.fbDocs)
	if s.a == nil || s.p.fbTerms <= 0 || s.p.fbWeight <= 0 || k < max(s.p.fbMinDocs, 2) || top[0].score <= 0 {
		return nil
	}
	typed := map[string]bool{}
	for _, c := range p.clauses {
		typed[c.term] = true
		for _, a := range c.alts {
			for _, t := range a.terms {
				typed[t] = true
			}
		}
	}
	type candidate struct {
		term string
		rel  float64 // the matches' share of the word, score-weighted
		docs int     // matches with it
		idf  float64
		w    float64
	}
	cands := map[string]*candidate{}
	docs := make([][2][]string, len(top))
	tf := map[string]float64{}
	for i, sc := range top {
		terms, err := s.termsOf(sc.doc)
		if err != nil {
			return err
		}
		docs[i] = terms
		n := float64(len(terms[title]) + len(terms[body]))
		if i >= k || n == 0 {
			continue
		}
		clear(tf)
		for _, ts := range terms {
			for _, t := range ts {
				tf[t]++
			}
		}
		dw := sc.score / top[0].score
		for t, c := range tf {
			cd := cands[t]
			if cd == nil {
				cd = &candidate{term: t}
				cands[t] = cd
			}
			cd.rel += dw * c / n
			cd.docs++
		}
	}
	// The words most of the matches share, the most first; only the first
	// fbCount times fbTerms of them have their IDF looked up, which costs
	// more than the rest of feedback.
	var shared []*candidate
	for _, c := range cands {
		if c.docs >= s.p.fbMinDocs && !typed[c.term] && expandable(c.term) {
			shared = append(shared, c)
		}
	}
	slices.SortFunc(shared, func(a, b *candidate) int {
		if c := cmp.Compare(b.rel, a.rel); c != 0 {
			return c
		}
		return cmp.Compare(a.term, b.term)
	})
	var list []*candidate
	for _, c := range shared[:min(len(shared), fbCount*s.p.fbTerms)] {
		df, err := s.bodyCount(c.term)
		if err != nil {
			return err
		}
		df = min(df, s.v.docs)
		if df == 0 || float64(df) > s.p.fbShare*float64(s.v.docs) {
			continue // too common to say what the matches share
		}
		c.idf = idf(s.v.docs, df)
		c.w = c.rel * c.idf
		list = append(list, c)
	}
	if len(list) == 0 {
		return nil
	}
	slices.SortFunc(list, func(a, b *candidate) int {
		if c := cmp.Compare(b.w, a.w); c != 0 {
			return c
		}
		return cmp.Compare(a.term, b.term)
	})
	list = list[:min(len(list), s.p.fbTerms)]
	// The factors of the added words' BM25F scores, heaviest first, and
	// each word's place among them.
	weight := make([]float64, len(list))
	at := map[string]int{}
	for i, c := range list {
		weight[i] = s.p.fbWeight * c.w / list[0].w * c.idf
		at[c.term] = i
	}
	for i := range top {
		top[i].score += s.expansionScore(docs[i], at, weight)
	}
	sortScored(top)
	return nil
}

// fbCount is how many times params.fbTerms of the words the best matches
// share most have their IDF looked up, for the fbTerms most telling.
const fbCount = 2

// bodyCount is how many documents have term in their body: about how
// many have it (titles are a few words of their body, mostly).
func (s *searcher) bodyCount(term string) (uint64, error) {
	tfr, err := s.r.TermFieldReader(s.ctx, []byte(term), fieldBody, false, false, false)
	if err != nil {
		return 0, fmt.Errorf("count %q: %w", term, err)
	}
	n := tfr.Count()
	if err := tfr.Close(); err != nil {
		return 0, fmt.Errorf("count %q: %w", term, err)
	}
	return n, nil
}

// expansionScore is the BM25F score of the words added (at, their places
// in weight) in the title and body terms of a match, each scaled by its
// weight.
func (s *searcher) expansionScore(terms [2][]string, at map[string]int, weight []float64) float64 {
	var tf [2][]float64
	for f, ts := range terms {
		tf[f] = make([]float64, len(weight))
		for _, t := range ts {
			if i, ok := at[t]; ok {
				tf[f][i]++
			}
		}
	}
	score := 0.0
	for i, w := range weight {
		ntf := 0.0
		for f := range tf {
			if n := tf[f][i]; n > 0 {
				ntf += s.p.weight[f] * n / (1 - s.p.b[f] + s.p.b[f]*float64(len(terms[f]))/s.v.avgLen[f])
			}
		}
		if ntf > 0 {
			score += w * ntf * (s.p.k1 + 1) / (s.p.k1 + ntf)
		}
	}
	return score
}

// expandable reports whether feedback may add term: a word of three
// letters or more, not a number, neither a general nor a filler word.
func expandable(term string) bool {
	if utf8.RuneCountInString(term) < 3 || weakWords[term] || fillerWords[term] {
		return false
	}
	for _, r := range term {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}
