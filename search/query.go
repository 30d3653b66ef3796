package search

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Limits on what a query may cost. Longer input is cut, not refused.
const (
	maxQueryBytes = 1000
	maxTerms      = 32
	maxLimit      = 100
	defaultLimit  = 10
	maxOffset     = 10000
	facetSize     = 50
	titleBoost    = 4.0
	// fuzzyMinRunes is the shortest term corrected by edit distance; shorter
	// ones have too many neighbours to guess from.
	fuzzyMinRunes = 4
	// maxCorrections is how many dictionary terms one unknown term may stand for.
	maxCorrections = 8
)

// Query is one search.
type Query struct {
	Text        string   // what the user typed; "double quotes" make a phrase
	RequestType string   // only articles for this request type, when set
	Tag         string   // only articles with this tag, when set
	Visible     []string // nil: sees everything; otherwise only articles for one of these request types or for everyone
	Limit       int      // hits per page: 10 when 0 or less, at most 100
	Offset      int      // hits to skip
}

// Hit is one article found.
type Hit struct {
	ArticleID int64
	Title     string // plain text, not escaped
	Version   int
	Snippet   string // HTML: escaped text with matches in <mark></mark>
	Score     float64
}

// Facet is the number of matching articles with one request type or tag.
type Facet struct {
	Key   string
	Count int
}

// Result is a page of hits, the total number of matching articles and their
// facets over the whole (filtered) result.
type Result struct {
	Total             int
	Took              time.Duration
	Hits              []Hit
	RequestTypeFacets []Facet
	TagFacets         []Facet
}

// clause is one query term with the terms that may stand for it: synonyms,
// or dictionary terms one typo away when the term itself is not indexed.
type clause struct {
	term    string
	single  []string   // analysed one-term alternatives, the term first
	phrases [][]string // analysed multi-term alternatives (synonyms)
	fuzzy   bool       // single are corrections of an unknown term
}

// parsed is a user's query after analysis.
type parsed struct {
	clauses []clause
	phrases [][]string // quoted phrases of two or more analysed terms
}

// Search finds articles matching q: all terms first, any term when no
// article has them all, and terms one typo away when still nothing matches.
// Any text is accepted; it is never parsed as query syntax.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	start := time.Now()
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := min(max(q.Offset, 0), maxOffset)

	filter := q.filter()
	p := ix.parse(q.Text)
	if len(p.clauses) == 0 && len(p.phrases) == 0 {
		if strings.TrimSpace(q.Text) != "" || (q.RequestType == "" && q.Tag == "") {
			return Result{Took: time.Since(start)}, nil
		}
		// No text but a request type or tag: list those articles by title.
		req := bleve.NewSearchRequestOptions(filter, limit, offset, false)
		req.SortBy([]string{fieldTitleKey, "_id"})
		res, err := ix.run(ctx, req, nil, false)
		if err != nil {
			return Result{}, err
		}
		res.Took = time.Since(start)
		return res, nil
	}

	r, err := ix.bleve.Advanced()
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	reader, err := r.Reader()
	if err != nil {
		return Result{}, fmt.Errorf("search: open reader: %w", err)
	}
	err = ix.correct(reader, &p)
	if cerr := reader.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}

	stages := []func() query.Query{
		func() query.Query { return p.all() },
		func() query.Query { return p.any() },
		func() query.Query { return p.fuzzyAny() },
	}
	var res Result
	for i, stage := range stages {
		qq := stage()
		if qq == nil {
			continue
		}
		req := bleve.NewSearchRequestOptions(withFilter(qq, filter), limit, offset, false)
		res, err = ix.run(ctx, req, &p, i == len(stages)-1)
		if err != nil {
			return Result{}, err
		}
		if res.Total > 0 {
			break
		}
	}
	res.Took = time.Since(start)
	return res, nil
}

// filter is the query for q's request type, tag and visibility; nil when
// there are none.
func (q Query) filter() query.Query {
	var must []query.Query
	if q.Visible != nil {
		vis := make([]query.Query, 0, len(q.Visible)+1)
		vis = append(vis, termQuery(fieldVisibility, everyone, 1))
		for _, v := range q.Visible {
			if v != "" && v != everyone {
				vis = append(vis, termQuery(fieldVisibility, v, 1))
			}
		}
		must = append(must, query.NewDisjunctionQuery(vis))
	}
	if q.RequestType != "" {
		must = append(must, termQuery(fieldRequestTypes, q.RequestType, 1))
	}
	if q.Tag != "" {
		must = append(must, termQuery(fieldTags, q.Tag, 1))
	}
	switch len(must) {
	case 0:
		return nil
	case 1:
		return must[0]
	}
	return query.NewConjunctionQuery(must)
}

// withFilter restricts q to the documents matching filter without letting
// filter change scores.
func withFilter(q, filter query.Query) query.Query {
	if filter == nil {
		return q
	}
	b := query.NewBooleanQuery([]query.Query{q}, nil, nil)
	b.AddFilter(filter)
	return b
}

// run executes req and turns the answer into a Result, with snippets built
// from p's terms (nil: the beginning of the body).
func (ix *Index) run(ctx context.Context, req *bleve.SearchRequest, p *parsed, fuzzy bool) (Result, error) {
	req.Fields = []string{fieldTitle, fieldVersion, fieldBody}
	req.AddFacet(fieldRequestTypes, bleve.NewFacetRequest(fieldRequestTypes, facetSize))
	req.AddFacet(fieldTags, bleve.NewFacetRequest(fieldTags, facetSize))
	sr, err := ix.bleve.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	res := Result{
		Total:             int(sr.Total),
		Hits:              make([]Hit, 0, len(sr.Hits)),
		RequestTypeFacets: facets(sr.Facets[fieldRequestTypes]),
		TagFacets:         facets(sr.Facets[fieldTags]),
	}
	var m *matcher
	if p != nil {
		m = p.matcher(fuzzy)
	}
	for _, h := range sr.Hits {
		id, err := strconv.ParseInt(h.ID, 10, 64)
		if err != nil {
			return Result{}, fmt.Errorf("search: malformed document id %q", h.ID)
		}
		title, _ := h.Fields[fieldTitle].(string)
		body, _ := h.Fields[fieldBody].(string)
		version, _ := h.Fields[fieldVersion].(float64)
		res.Hits = append(res.Hits, Hit{
			ArticleID: id,
			Title:     title,
			Version:   int(version),
			Snippet:   ix.snippet(body, m),
			Score:     h.Score,
		})
	}
	return res, nil
}

func facets(fr *bsearch.FacetResult) []Facet {
	if fr == nil || fr.Terms == nil {
		return nil
	}
	terms := fr.Terms.Terms()
	out := make([]Facet, 0, len(terms))
	for _, t := range terms {
		out = append(out, Facet{Key: t.Term, Count: t.Count})
	}
	return out
}

// parse analyses text into terms and quoted phrases. Text is cut to
// maxQueryBytes and at most maxTerms terms are kept.
func (ix *Index) parse(text string) parsed {
	if len(text) > maxQueryBytes {
		cut := maxQueryBytes
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	text = strings.ToValidUTF8(text, " ")
	var p parsed
	seen := map[string]bool{}
	n := 0
	addTerm := func(t string) {
		if n >= maxTerms || seen[t] {
			return
		}
		seen[t] = true
		n++
		p.clauses = append(p.clauses, clause{term: t})
	}
	parts := strings.Split(text, `"`)
	for i, part := range parts {
		// Odd parts are quoted, unless the last quote is unbalanced.
		quoted := i%2 == 1 && i < len(parts)-1
		terms := analyze(ix.analyzer, part)
		if quoted && len(terms) > 1 {
			if n+len(terms) > maxTerms {
				terms = terms[:max(maxTerms-n, 0)]
			}
			if len(terms) > 1 {
				p.phrases = append(p.phrases, terms)
				n += len(terms)
			}
			continue
		}
		for _, t := range terms {
			addTerm(t)
		}
	}
	return p
}

// analyze returns the terms the English analyser makes of s, in order.
func analyze(a analysis.Analyzer, s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	ts := a.Analyze([]byte(s))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}

// correct fills in each clause's alternatives: the term and its synonyms
// when the index knows any of them, otherwise the indexed terms one edit
// (or one swap of neighbouring letters) away. A term with neither is
// dropped: it cannot match, and keeping it would make "all terms" fail.
func (ix *Index) correct(r index.IndexReader, p *parsed) error {
	known, err := newDictionary(r)
	if err != nil {
		return err
	}
	kept := p.clauses[:0]
	for _, c := range p.clauses {
		alts := synonyms[c.term]
		found := false
		ok, err := known.has(c.term)
		if err != nil {
			return err
		}
		if ok {
			c.single = append(c.single, c.term)
			found = true
		}
		for _, alt := range alts {
			if len(alt) == 1 {
				ok, err := known.has(alt[0])
				if err != nil {
					return err
				}
				if ok {
					c.single = append(c.single, alt[0])
					found = true
				}
				continue
			}
			c.phrases = append(c.phrases, alt)
			found = true // a phrase of known words may match; cheap to try
		}
		if !found && utf8.RuneCountInString(c.term) >= fuzzyMinRunes {
			c.single, err = known.corrections(c.term)
			if err != nil {
				return err
			}
			c.fuzzy = true
			found = len(c.single) > 0
		}
		if !found {
			continue
		}
		kept = append(kept, c)
	}
	p.clauses = kept
	return nil
}

// all is the conjunction of every clause and phrase: the common path.
func (p *parsed) all() query.Query {
	must := make([]query.Query, 0, len(p.clauses)+len(p.phrases))
	for _, c := range p.clauses {
		must = append(must, c.query())
	}
	for _, ph := range p.phrases {
		must = append(must, phraseQuery(ph))
	}
	if len(must) == 0 {
		return nil
	}
	if len(must) == 1 {
		return must[0]
	}
	return query.NewConjunctionQuery(must)
}

// any is the disjunction of every clause and every term of every phrase;
// nil when it could not find more than all did.
func (p *parsed) any() query.Query {
	var should []query.Query
	for _, c := range p.clauses {
		should = append(should, c.query())
	}
	for _, ph := range p.phrases {
		for _, t := range ph {
			should = append(should, clause{term: t, single: []string{t}}.query())
		}
	}
	if len(should) < 2 {
		return nil
	}
	return query.NewDisjunctionQuery(should)
}

// fuzzyAny matches any term one edit away, for terms the index knows but
// that match nothing here (for example within a filter).
func (p *parsed) fuzzyAny() query.Query {
	var should []query.Query
	terms := p.terms()
	for _, t := range terms {
		if utf8.RuneCountInString(t) < fuzzyMinRunes {
			continue
		}
		for _, f := range []string{fieldTitle, fieldBody} {
			fq := query.NewFuzzyQuery(t)
			fq.SetField(f)
			fq.SetFuzziness(1)
			if f == fieldTitle {
				fq.SetBoost(titleBoost)
			}
			should = append(should, fq)
		}
	}
	if len(should) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(should)
}

// terms lists every analysed term of the query.
func (p *parsed) terms() []string {
	var out []string
	for _, c := range p.clauses {
		out = append(out, c.term)
	}
	for _, ph := range p.phrases {
		out = append(out, ph...)
	}
	return out
}

// query matches any alternative of c in the title (boosted) or the body.
// Leaf boosts are multiplied by the number of alternatives to undo Bleve's
// coordination factor, so a clause with synonyms weighs as much as one
// without.
func (c clause) query() query.Query {
	k := float64(len(c.single) + len(c.phrases))
	qs := make([]query.Query, 0, 2*int(k))
	for _, t := range c.single {
		qs = append(qs, termQuery(fieldTitle, t, titleBoost*k), termQuery(fieldBody, t, k))
	}
	for _, ph := range c.phrases {
		tq := query.NewPhraseQuery(ph, fieldTitle)
		tq.SetBoost(titleBoost * k)
		bq := query.NewPhraseQuery(ph, fieldBody)
		bq.SetBoost(k)
		qs = append(qs, tq, bq)
	}
	return query.NewDisjunctionQuery(qs)
}

// phraseQuery matches the analysed terms next to each other in the title
// (boosted) or the body.
func phraseQuery(terms []string) query.Query {
	return clause{phrases: [][]string{terms}}.query()
}

func termQuery(field, term string, boost float64) *query.TermQuery {
	q := query.NewTermQuery(term)
	q.SetField(field)
	q.SetBoost(boost)
	return q
}
