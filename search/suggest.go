package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"attest/kb"

	index "github.com/blevesearch/bleve_index_api"
)

// SuggestBelow is how few hits a search may find before it suggests other searches.
const SuggestBelow = 3

// maxSuggested is how many articles and related searches a suggestion lists at most.
const maxSuggested = 3

// Suggestions help a search that found little: the query with its typos corrected (from the
// words of titles, the index's dictionary otherwise), the articles that agents of the
// searcher's supplier found after searching for similar words, and searches of theirs that
// led to an article the searcher may read. Nothing in it comes from another supplier or names
// an article outside the searcher's scope and filters.
type Suggestions struct {
	DidYouMean string
	Found      []SuggestedArticle
	Related    []string
}

// SuggestedArticle is an article agents found after searching for similar words.
type SuggestedArticle struct {
	ArticleID int64
	Title     string
}

// Empty reports whether there is nothing to suggest.
func (s Suggestions) Empty() bool {
	return s.DidYouMean == "" && len(s.Found) == 0 && len(s.Related) == 0
}

// Suggest returns suggestions for q, whose search found res; none when it found SuggestBelow
// hits or more.
func (ix *Index) Suggest(ctx context.Context, q Query, res Result) (Suggestions, error) {
	var sg Suggestions
	if res.Total >= SuggestBelow || strings.TrimSpace(q.Text) == "" || q.Scope.FindsNothing() {
		return sg, nil
	}
	r, _, filter, err := ix.snapshot(q)
	if err != nil {
		return sg, err
	}
	defer r.Close()
	if sg.DidYouMean, err = ix.didYouMean(ctx, r, q); err != nil {
		return sg, fmt.Errorf("search: suggest: %w", err)
	}
	visible := func(article int64) bool {
		d, ok := docOf(r, article)
		return ok && (filter == nil || filter.has(d))
	}
	for _, l := range ix.learnedFor(q.Supplier, q.Text) {
		if len(sg.Found) == maxSuggested || !visible(l.article) {
			continue
		}
		title, err := storedTitle(r, l.article)
		if err != nil {
			return sg, fmt.Errorf("search: suggest: %w", err)
		}
		sg.Found = append(sg.Found, SuggestedArticle{ArticleID: l.article, Title: title})
	}
	sg.Related = ix.related(q, visible)
	return sg, nil
}

// related lists searches of q's supplier's agents that share a word with q and led to an
// article visible lets the searcher find: the most shared words first, then the most agents.
func (ix *Index) related(q Query, visible func(int64) bool) []string {
	t := ix.learned.Load()
	if t == nil || q.Supplier == 0 {
		return nil
	}
	terms := ix.learnTerms(q.Text)
	self := kb.NormalizeQuery(q.Text)
	type cand struct {
		text           string
		shared, agents int
	}
	var cs []cand
	for _, lq := range t.queries[q.Supplier] {
		if lq.text == self {
			continue
		}
		shared := 0
		for _, term := range lq.terms {
			if slices.Contains(terms, term) {
				shared++
			}
		}
		if shared == 0 || !slices.ContainsFunc(lq.articles, visible) {
			continue
		}
		cs = append(cs, cand{lq.text, shared, lq.agents})
	}
	slices.SortFunc(cs, func(a, b cand) int {
		if a.shared != b.shared {
			return b.shared - a.shared
		}
		if a.agents != b.agents {
			return b.agents - a.agents
		}
		return strings.Compare(a.text, b.text)
	})
	var out []string
	for _, c := range cs[:min(len(cs), maxSuggested)] {
		out = append(out, c.text)
	}
	return out
}

// didYouMean returns q's text with each word the index does not know replaced by its likeliest
// correction, written as a title writes it, when that search finds something; "" when there is
// no such correction.
func (ix *Index) didYouMean(ctx context.Context, r index.IndexReader, q Query) (string, error) {
	dict, err := newDictionary(r)
	if err != nil {
		return "", err
	}
	words := strings.Fields(q.Text)
	changed := false
	for i, w := range words {
		ts := ix.analyzer.Analyze([]byte(w))
		if len(ts) != 1 {
			continue // a stop word, or punctuation
		}
		term := string(ts[0].Term)
		if utf8.RuneCountInString(term) < fuzzyMinRunes {
			continue
		}
		known, err := dict.has(term)
		if err != nil {
			return "", err
		}
		if known {
			continue
		}
		fixes, err := dict.corrections(term)
		if err != nil {
			return "", err
		}
		if len(fixes) == 0 {
			continue
		}
		words[i] = ix.titleWord(ctx, r, fixes[0])
		changed = true
	}
	if !changed {
		return "", nil
	}
	text := strings.Join(words, " ")
	alt := q
	alt.Text, alt.Limit, alt.Offset, alt.TagFacets, alt.Supplier = text, 1, 0, false, 0
	res, err := ix.Search(ctx, alt)
	if err != nil {
		return "", err
	}
	if res.Total == 0 {
		return "", nil
	}
	return text, nil
}

// titleWord returns the word of an article title that the index analyses to term, lower-cased
// ("connection" for "connect"), or term itself when no title has it.
func (ix *Index) titleWord(ctx context.Context, r index.IndexReader, term string) string {
	tfr, err := r.TermFieldReader(ctx, []byte(term), fieldTitle, false, false, false)
	if err != nil {
		return term
	}
	defer tfr.Close()
	d, err := tfr.Next(nil)
	if err != nil || d == nil {
		return term
	}
	ext, err := r.ExternalID(d.ID)
	if err != nil {
		return term
	}
	id, err := strconv.ParseInt(ext, 10, 64)
	if err != nil {
		return term
	}
	title, err := storedTitle(r, id)
	if err != nil {
		return term
	}
	for _, t := range ix.analyzer.Analyze([]byte(title)) {
		if string(t.Term) == term && t.Start < t.End && t.End <= len(title) {
			return strings.ToLower(title[t.Start:t.End])
		}
	}
	return term
}

// storedTitle reads an article's title from the index.
func storedTitle(r index.IndexReader, article int64) (string, error) {
	d, err := r.Document(strconv.FormatInt(article, 10))
	if err != nil {
		return "", fmt.Errorf("read article %d: %w", article, err)
	}
	title := ""
	if d != nil {
		d.VisitFields(func(f index.Field) {
			if f.Name() == fieldTitle {
				title = string(f.Value())
			}
		})
	}
	return title, nil
}
