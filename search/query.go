package search

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"attest/kb"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
)

// Limits on what a query may cost. Longer input is cut, not refused.
const (
	maxQueryBytes = 1000
	maxTerms      = 32
	// maxWords is how many of a query's words are searched for: the rarest.
	// Beyond a dozen, words are pasted text, and the rarest say what it is.
	maxWords     = 12
	maxLimit     = 100
	defaultLimit = 10
	maxOffset    = 10000
	facetSize    = 50
	// fuzzyMinRunes is the shortest term corrected by edit distance; shorter
	// ones have too many neighbours to guess from.
	fuzzyMinRunes = 4
	// maxCorrections is how many dictionary terms one unknown term may stand for.
	maxCorrections = 8
	// commonShare is the share of articles above which a word is common: when
	// no article has most of the query's words, articles with only common
	// ones do not match (the words still rank), which keeps the last stage
	// from walking most of the index.
	commonShare = 0.05
)

// Query is one search.
type Query struct {
	Text        string // what the user typed; "double quotes" make a phrase
	RequestType string // only articles for this request type, when set
	Tag         string // only articles with this tag, when set
	// Scope is what the reader may find, the kb read rule's answer (kb.ReadScope of the
	// acting user). The zero Scope finds nothing: a query without a reader fails closed.
	Scope  kb.Scope
	Limit  int // hits per page: 10 when 0 or less, at most 100
	Offset int // hits to skip
	// TagFacets asks for tag counts too (the first search asking for them
	// on a new snapshot reads the tags; the ones after are cheap).
	TagFacets bool
	// Supplier is the searcher's supplier: what its agents taught counts (learned.go); 0 for none.
	Supplier int64
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
// facets over the whole (filtered) result: request types always, tags when
// the query asked for them.
type Result struct {
	Total             int
	Took              time.Duration
	Hits              []Hit
	RequestTypeFacets []Facet
	TagFacets         []Facet
}

// alt is one way a query word may appear: the word itself, a synonym (one
// term or a phrase) or a correction.
type alt struct {
	terms  []string     // distinct analysed terms
	words  []phraseWord // for phrases: the words in order
	weight float64
	df     [2]uint64 // documents with it in the title and in the body, at most
}

func (a alt) phrase() bool { return len(a.words) > 1 }

// df is about how many articles have one of c's alternatives.
func (c clause) df() uint64 {
	var n uint64
	for _, a := range c.alts {
		n += max(a.df[title], a.df[body])
	}
	return n
}

// clause is one query word with the alternatives that stand for it.
type clause struct {
	term  string
	alts  []alt
	extra []alt // alternatives besides the term and its synonyms: the words a joined word was typed as
}

// join is a word typed as two ("log in", "screen shot"): the term of the
// two written together, and the terms the two make apart (stop words
// dropped).
type join struct {
	term  string
	parts []token
}

// parsed is a user's query after analysis.
type parsed struct {
	clauses []clause
	phrases []alt  // quoted phrases of two or more terms; each must match
	joins   []join // adjacent words that may be one word typed apart
	words   int    // words typed, stop words included
	stops   int    // of which stop words
	// negations are the stop words "not", "no" and "nor" typed: keyword
	// strings have them as often as sentences ("calendar not syncing").
	negations int
}

func (p *parsed) empty() bool { return len(p.clauses) == 0 && len(p.phrases) == 0 }

// Search finds articles matching q. Matching articles have (nearly) all the
// query's words: all of them for one or two words, all but one for three to
// six, all but two for more, in the title or the body, or a synonym of
// them; a word the index does not know stands for the known words one typo
// away. When no article has that many, fewer will do, down to any one
// uncommon word; when fewer than three have that many, the articles with
// fewer words (the next stage) match too, mostly ranked below them by the
// share of the words they have; when still none matches, words one typo
// away count. Quoted phrases must match. Two words that the index has written
// together ("log in", "screen shot") stand for the joined word, or
// themselves. Articles are ranked by BM25F over title and body, scaled by
// the share of the query's words they have, and the best rerankDepth are
// boosted where the query's words stand close together. The filler words of
// questions typed in full ("can", "get", "cant") are left out when other
// words remain. A query that reads as a description of a need rather than
// a title or keywords (describes) is not staged: pages with any of its
// rarest words match, scored by BM25F over all its words (its general
// words, "everyone", "keep", weigh half and select none), so that pages
// with its few telling words compete with pages with many common ones;
// then the words most of its 20 best matches share, rare in the index,
// re-rank those matches at a fraction of a typed word's weight (feedback).
// Any text is accepted; it is never parsed as query syntax.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	start := time.Now()
	limit := q.Limit
	if limit <= 0 {
		limit = defaultLimit
	}
	limit = min(limit, maxLimit)
	offset := min(max(q.Offset, 0), maxOffset)

	if q.Scope.FindsNothing() {
		return Result{Took: time.Since(start)}, nil
	}
	p := ix.parse(q.Text)
	if p.empty() {
		if strings.TrimSpace(q.Text) != "" || (q.RequestType == "" && q.Tag == "") {
			return Result{Took: time.Since(start)}, nil
		}
		res, err := ix.list(ctx, q, limit, offset)
		if err != nil {
			return Result{}, err
		}
		res.Took = time.Since(start)
		return res, nil
	}

	r, v, filter, err := ix.snapshot(q)
	if err != nil {
		return Result{}, err
	}
	defer r.Close()
	s := &searcher{ctx: ctx, r: r, v: v, p: &ix.params, a: ix.analyzer}
	if err := s.resolve(&p); err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	desc := s.describes(&p)
	if desc {
		dp := s.p.forDescriptions()
		s.p = &dp
		if err := s.relate(&p); err != nil {
			return Result{}, fmt.Errorf("search: %w", err)
		}
	}
	out, fuzzy, err := s.find(&p, filter, max(offset+limit, s.p.depth))
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	if err := s.proximity(&p, &out); err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	if desc && !fuzzy {
		if err := s.feedback(&p, &out); err != nil {
			return Result{}, fmt.Errorf("search: %w", err)
		}
	}
	ix.boostLearned(q, r, filter, &out)
	out.top = out.top[:min(len(out.top), offset+limit)]
	res, err := s.result(q, out, offset, p.matcher(fuzzy), ix)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	res.Took = time.Since(start)
	return res, nil
}

// reader opens a reader on the index's current snapshot.
func (ix *Index) reader() (index.IndexReader, error) {
	adv, err := ix.bleve.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: open reader: %w", err)
	}
	return r, nil
}

// snapshot opens a reader on the current index snapshot with its view and the set of articles
// q may find. The caller closes the reader.
func (ix *Index) snapshot(q Query) (index.IndexReader, *view, bitset, error) {
	r, err := ix.reader()
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := ix.view(r)
	if err != nil {
		r.Close()
		return nil, nil, nil, fmt.Errorf("search: %w", err)
	}
	f, err := v.filter(r, q)
	if err != nil {
		r.Close()
		return nil, nil, nil, fmt.Errorf("search: %w", err)
	}
	return r, v, f, nil
}

// filter is the set of articles q may find: visible to the reader, of the
// request type and with the tag asked for; nil when every article may match.
func (v *view) filter(r index.IndexReader, q Query) (bitset, error) {
	var f bitset
	restrict := func(s bitset) {
		if s == nil {
			s = bitset{}
		}
		if f == nil {
			f = s
			return
		}
		f = and(f, s)
	}
	if !q.Scope.All {
		k, err := v.keyword(r, fieldVisibility)
		if err != nil {
			return nil, err
		}
		var sets []bitset
		for _, key := range visibilityKeys(q.Scope) {
			sets = append(sets, k.set(key))
		}
		restrict(or(sets...))
	}
	if q.RequestType != "" {
		k, err := v.keyword(r, fieldRequestTypes)
		if err != nil {
			return nil, err
		}
		restrict(k.set(q.RequestType))
	}
	if q.Tag != "" {
		k, err := v.keyword(r, fieldTags)
		if err != nil {
			return nil, err
		}
		restrict(k.set(q.Tag))
	}
	return f, nil
}

// searcher runs one query on one snapshot.
type searcher struct {
	ctx context.Context
	r   index.IndexReader
	v   *view
	p   *params
	a   analysis.Analyzer // the fields' analyser, for proximity from the stored text; nil to read positions from the postings always
	// texts are the matches whose stored text this search analysed (feedback.go).
	texts map[uint64]*analysedDoc
	terms map[string]string // the terms of texts, each allocated once
}

// find runs the stages of a search and returns the first that finds
// anything (or the last), and whether it was the typo-tolerant one. A
// description (describes) is one weighted disjunction instead of the
// stages, ranked with the parameters for descriptions (set by Search).
func (s *searcher) find(p *parsed, filter bitset, keep int) (outcome, bool, error) {
	if s.describes(p) {
		out, _, err := s.pass(p, filter, keep, stageDescribe)
		if err != nil || out.total > 0 {
			return out, false, err
		}
	} else {
		for stage := 0; ; stage++ {
			out, last, err := s.pass(p, filter, keep, stage)
			if err != nil {
				return out, false, err
			}
			if out.total > 0 {
				if stage == 0 && out.total < sparse && !last {
					return s.widenSparse(p, filter, keep, out)
				}
				return out, false, nil
			}
			if last {
				break
			}
		}
	}
	// Nothing matched: let every word stand for the words one typo away.
	if !s.widen(p) {
		return outcome{}, false, nil
	}
	out, _, err := s.pass(p, filter, keep, stageTypo)
	return out, true, err
}

// Stages besides the quorums'.
const (
	stageTypo     = -1 // any one word, with the words one typo away
	stageDescribe = -2 // a description: any of the rarest words selects, every word scores
)

// describes reports whether the query reads as a description of a need
// ("find out which process is holding a file open") rather than a title or
// a string of keywords: it has describeWords content words or more, at
// least a describeStops share of its words are stop words other than
// negations (sentences have them; keywords do not, but for "not" and "no"),
// and it has no quoted phrase. Requiring (nearly) all
// the words of a description keeps the pages that share its most common
// words and loses the ones with its few telling words, so descriptions are
// scored as a weighted disjunction of their words instead (see pass).
func (s *searcher) describes(p *parsed) bool {
	if len(p.phrases) > 0 || s.p.describeWords <= 0 {
		return false
	}
	stops := p.stops
	if s.p.describeNeg {
		stops -= p.negations
	}
	if float64(stops) < s.p.describeStops*float64(p.words) {
		return false // keywords
	}
	return len(p.clauses) >= s.p.describeWords
}

// sparse is how few articles the strictest stage may find before the
// next stage runs too.
const sparse = 3

// widenSparse runs the stage after the strictest, which found fewer than
// sparse articles, and returns what that finds: the strict matches and the
// articles with fewer of the words, all ranked by score (which is scaled by
// the share of the query's words an article has, so the strict matches
// mostly stay ahead).
func (s *searcher) widenSparse(p *parsed, filter bitset, keep int, strict outcome) (outcome, bool, error) {
	loose, _, err := s.pass(p, filter, keep, 1)
	if err != nil {
		return outcome{}, false, err
	}
	if loose.total < strict.total {
		return strict, false, nil // cannot happen: every strict match is a loose one
	}
	return loose, false, nil
}

// quorums are how many of n words a match needs in each stage: n less
// slack, then half of them, then one.
func quorums(n, slack int) []int {
	if n == 0 {
		return []int{0}
	}
	qs := []int{n - slack}
	if half := (n + 1) / 2; half < qs[0] && half > 1 {
		qs = append(qs, half)
	}
	if qs[len(qs)-1] > 1 {
		qs = append(qs, 1)
	}
	return qs
}

// pass runs stage (0, 1, … of quorums; stageTypo for any one word;
// stageDescribe for a description) and reports whether it was the last: it
// finds the articles with every quoted phrase and at least the stage's
// quorum of the words.
//
// A description is a BM25 disjunction over its words, scaled less by the
// share of the words a page has (describeCoord), so that a page with the
// few rare, telling words competes with pages that have many common ones.
// Only its rarest words select pages (at most describeLead, and beyond the
// describeFloor rarest only words on fewer than a describeShare of the
// pages), never its general words (weakWords, which also weigh less); the
// others add to the score of the pages selected. That keeps
// the cost near that of the rare words' postings, whatever the common
// words: a page with none of the rare words would rank low anyway.
func (s *searcher) pass(p *parsed, filter bitset, keep, stage int) (outcome, bool, error) {
	pl := &plan{filter: filter, keep: keep, coord: s.p.coord}
	defer pl.close()
	for _, ph := range p.phrases {
		g, err := s.open([]alt{ph})
		if err != nil {
			return outcome{}, true, err
		}
		if g == nil {
			return outcome{}, true, nil // a phrase no article has
		}
		pl.must = append(pl.must, g)
	}
	for _, c := range p.clauses {
		g, err := s.open(c.alts)
		if err != nil {
			return outcome{}, true, err
		}
		if g != nil {
			g.weak = weakWords[c.term]
			pl.should = append(pl.should, g)
		}
	}
	// Clauses resolved to known terms, so every one has postings.
	sortGroups(pl.should)
	n := len(pl.should)
	if stage == stageDescribe {
		pl.quorum, pl.byIDF = min(1, n), true
		strong := s.weaken(pl.should)
		for pl.lead < min(strong, s.p.describeLead) &&
			(pl.lead < s.p.describeFloor || float64(pl.should[pl.lead].df) <= s.p.describeShare*float64(s.v.docs)) {
			pl.lead++
		}
		if s.p.describeIDF != 1 {
			for _, g := range pl.should {
				g.idf = math.Pow(g.idf, s.p.describeIDF)
			}
		}
		out, err := pl.run(s.p, &s.v.avgLen)
		return out, true, err
	}
	qs := quorums(n, s.p.quorumSlack(n))
	last := stage < 0 || stage >= len(qs)-1
	if stage < 0 {
		pl.quorum = min(1, n)
	} else {
		pl.quorum = qs[min(stage, len(qs)-1)]
	}
	pl.lead = n - pl.quorum + 1
	if pl.quorum <= 1 && n > 1 {
		// Any one word: only uncommon words select, when there are some.
		rare := 0
		for rare < n && float64(pl.should[rare].df) <= commonShare*float64(s.v.docs) {
			rare++
		}
		if rare > 0 {
			pl.lead = rare
		}
	}
	if pl.quorum == 0 {
		pl.lead = 0
	}
	out, err := pl.run(s.p, &s.v.avgLen)
	return out, last, err
}

// weaken puts a description's general words (weakWords) after its other
// words, keeping the rarest-first order of each, and scales their IDF by
// describeWeak: however rare in the articles, "everyone", "away" or "keep"
// say little about what is asked. It returns how many words are not
// general (all of them when every word is): only those select pages.
func (s *searcher) weaken(gs []*group) int {
	slices.SortStableFunc(gs, func(a, b *group) int {
		switch {
		case a.weak == b.weak:
			return 0
		case b.weak:
			return -1
		}
		return 1
	})
	strong := 0
	for strong < len(gs) && !gs[strong].weak {
		strong++
	}
	for _, g := range gs[strong:] {
		g.idf *= s.p.describeWeak
	}
	if strong == 0 {
		return len(gs)
	}
	return strong
}

func (pl *plan) close() {
	for _, gs := range [][]*group{pl.must, pl.should} {
		for _, g := range gs {
			_ = g.close()
		}
	}
}

// sortGroups orders groups rarest first.
func sortGroups(gs []*group) {
	for i := 1; i < len(gs); i++ {
		for j := i; j > 0 && gs[j].df < gs[j-1].df; j-- {
			gs[j], gs[j-1] = gs[j-1], gs[j]
		}
	}
}

// open positions the postings of alts in both fields; nil when none has any.
func (s *searcher) open(alts []alt) (*group, error) {
	g := &group{}
	for _, a := range alts {
		var df uint64
		for f, field := range textFieldNames {
			if a.df[f] == 0 {
				continue
			}
			var its []posting
			for _, t := range a.terms {
				dp, err := s.v.postings(s.r, f, t)
				if err != nil {
					_ = g.close()
					return nil, err
				}
				if dp.n == 0 {
					its = nil
					break
				}
				its = append(its, newMemIter(dp))
			}
			if its == nil {
				continue
			}
			it := its[0]
			if a.phrase() {
				pi, err := newPhraseIter(s.ctx, s.r, field, a.terms, a.words, its)
				if err != nil {
					_ = g.close()
					return nil, err
				}
				if pi == nil {
					continue
				}
				it = pi
			}
			g.legs = append(g.legs, newLeg(it, f, a.weight))
			df = max(df, a.df[f])
		}
		g.df += df
	}
	if len(g.legs) == 0 {
		return nil, nil
	}
	g.df = min(g.df, s.v.docs)
	g.idf = idf(s.v.docs, g.df)
	g.settle()
	return g, nil
}

// resolve fills in each clause's alternatives: the term and its synonyms
// that the index has, or, when it has none of them, the indexed terms one
// typo away. A clause with none is dropped: it cannot match, and keeping it
// would keep articles from having all the words. Phrases get their counts.
func (s *searcher) resolve(p *parsed) error {
	if err := s.applyJoins(p); err != nil {
		return err
	}
	var dict *dictionary
	kept := p.clauses[:0]
	for _, c := range p.clauses {
		var alts []alt
		cand := []alt{{terms: []string{c.term}, weight: 1}}
		for _, syn := range synonyms[c.term] {
			cand = append(cand, newAlt(syn, s.p.synonym))
		}
		cand = append(cand, c.extra...)
		for _, a := range cand {
			if err := s.count(&a); err != nil {
				return err
			}
			if a.df != [2]uint64{} {
				alts = append(alts, a)
			}
		}
		if len(alts) == 0 && utf8.RuneCountInString(c.term) >= fuzzyMinRunes {
			if dict == nil {
				var err error
				if dict, err = newDictionary(s.r); err != nil {
					return err
				}
			}
			fixes, err := dict.corrections(c.term)
			if err != nil {
				return err
			}
			for _, t := range fixes {
				a := alt{terms: []string{t}, weight: 1}
				if err := s.count(&a); err != nil {
					return err
				}
				if a.df != [2]uint64{} {
					alts = append(alts, a)
				}
			}
		}
		if len(alts) == 0 {
			continue
		}
		c.alts = alts
		kept = append(kept, c)
	}
	p.clauses = kept
	if len(p.clauses) > maxWords {
		slices.SortStableFunc(p.clauses, func(a, b clause) int { return cmp.Compare(a.df(), b.df()) })
		p.clauses = p.clauses[:maxWords]
	}
	for i := range p.phrases {
		if err := s.count(&p.phrases[i]); err != nil {
			return err
		}
	}
	return nil
}

// widen adds to every clause of four or more letters the indexed terms one
// edit away, for a last try; false when there are none.
func (s *searcher) widen(p *parsed) bool {
	dict, err := newDictionary(s.r)
	if err != nil {
		return false
	}
	added := false
	for i := range p.clauses {
		c := &p.clauses[i]
		if utf8.RuneCountInString(c.term) < fuzzyMinRunes {
			continue
		}
		have := map[string]bool{}
		for _, a := range c.alts {
			if !a.phrase() {
				have[a.terms[0]] = true
			}
		}
		fixes, err := dict.corrections(c.term)
		if err != nil {
			return false
		}
		for _, t := range fixes {
			if have[t] {
				continue
			}
			a := alt{terms: []string{t}, weight: 1}
			if s.count(&a) == nil && a.df != [2]uint64{} {
				c.alts = append(c.alts, a)
				added = true
			}
		}
	}
	return added
}

// count fills in how many documents have a in each field: for a phrase, at
// most as many as have its rarest term.
func (s *searcher) count(a *alt) error {
	for f, field := range textFieldNames {
		n := uint64(math.MaxUint64)
		for _, t := range a.terms {
			tfr, err := s.r.TermFieldReader(s.ctx, []byte(t), field, false, false, false)
			if err != nil {
				return fmt.Errorf("count %q in %s: %w", t, field, err)
			}
			n = min(n, tfr.Count())
			if err := tfr.Close(); err != nil {
				return fmt.Errorf("count %q in %s: %w", t, field, err)
			}
		}
		a.df[f] = n
	}
	return nil
}

// newAlt makes an alternative of analysed terms in order (a phrase when
// more than one).
func newAlt(terms []string, weight float64) alt {
	a := alt{weight: weight}
	if len(terms) == 1 {
		a.terms = terms
		return a
	}
	tokens := make([]token, len(terms))
	for i, t := range terms {
		tokens[i] = token{term: t, pos: i}
	}
	return phraseAlt(tokens, weight)
}

// token is an analysed term and its position in the text.
type token struct {
	term string
	pos  int
}

// phraseAlt makes a phrase of analysed tokens, keeping the gaps stop words
// left between them.
func phraseAlt(tokens []token, weight float64) alt {
	a := alt{weight: weight}
	index := map[string]int{}
	for _, t := range tokens {
		i, ok := index[t.term]
		if !ok {
			i = len(a.terms)
			index[t.term] = i
			a.terms = append(a.terms, t.term)
		}
		a.words = append(a.words, phraseWord{term: i, rel: uint64(t.pos - tokens[0].pos)})
	}
	return a
}

// result turns what a pass found into a page of hits with snippets, and
// facets over every match.
func (s *searcher) result(q Query, out outcome, offset int, m *matcher, ix *Index) (Result, error) {
	res := Result{Total: out.total}
	if out.total > 0 {
		k, err := s.v.keyword(s.r, fieldRequestTypes)
		if err != nil {
			return Result{}, err
		}
		res.RequestTypeFacets = k.counts(out.match, facetSize)
		if q.TagFacets {
			k, err := s.v.keyword(s.r, fieldTags)
			if err != nil {
				return Result{}, err
			}
			res.TagFacets = k.counts(out.match, facetSize)
		}
	}
	if offset >= len(out.top) {
		return res, nil
	}
	page := out.top[offset:]
	res.Hits = make([]Hit, 0, len(page))
	for _, sc := range page {
		h, err := s.hit(sc)
		if err != nil {
			return Result{}, err
		}
		h.Snippet = ix.snippet(h.body, m)
		res.Hits = append(res.Hits, h.Hit)
	}
	return res, nil
}

type loaded struct {
	Hit
	body string
}

// hit loads the stored fields of a match.
func (s *searcher) hit(sc scored) (loaded, error) {
	ext, err := s.r.ExternalID(index.NewIndexInternalID(nil, sc.doc))
	if err != nil {
		return loaded{}, fmt.Errorf("read document %d: %w", sc.doc, err)
	}
	id, err := strconv.ParseInt(ext, 10, 64)
	if err != nil {
		return loaded{}, fmt.Errorf("malformed document id %q", ext)
	}
	d, err := s.r.Document(ext)
	if err != nil {
		return loaded{}, fmt.Errorf("read article %d: %w", id, err)
	}
	h := loaded{Hit: Hit{ArticleID: id, Score: sc.score}}
	if d == nil {
		return h, nil
	}
	d.VisitFields(func(f index.Field) {
		switch f.Name() {
		case fieldTitle:
			h.Title = string(f.Value())
		case fieldBody:
			h.body = string(f.Value())
		case fieldVersion:
			if nf, ok := f.(index.NumericField); ok {
				if v, err := nf.Number(); err == nil {
					h.Version = int(v)
				}
			}
		}
	})
	return h, nil
}

// list answers a query without text but with a request type or tag: the
// articles it selects, by title.
func (ix *Index) list(ctx context.Context, q Query, limit, offset int) (Result, error) {
	req := bleve.NewSearchRequestOptions(q.filterQuery(), limit, offset, false)
	req.SortBy([]string{fieldTitleKey, "_id"})
	req.Fields = []string{fieldTitle, fieldVersion, fieldBody}
	sr, err := ix.bleve.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	res := Result{Total: int(sr.Total), Hits: make([]Hit, 0, len(sr.Hits))}
	for _, h := range sr.Hits {
		id, err := strconv.ParseInt(h.ID, 10, 64)
		if err != nil {
			return Result{}, fmt.Errorf("search: malformed document id %q", h.ID)
		}
		t, _ := h.Fields[fieldTitle].(string)
		b, _ := h.Fields[fieldBody].(string)
		v, _ := h.Fields[fieldVersion].(float64)
		res.Hits = append(res.Hits, Hit{ArticleID: id, Title: t, Version: int(v), Snippet: ix.snippet(b, nil)})
	}
	if res.Total == 0 {
		return res, nil
	}
	r, v, match, err := ix.snapshot(q)
	if err != nil {
		return Result{}, err
	}
	defer r.Close()
	k, err := v.keyword(r, fieldRequestTypes)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	res.RequestTypeFacets = k.counts(match, facetSize)
	if q.TagFacets {
		k, err := v.keyword(r, fieldTags)
		if err != nil {
			return Result{}, fmt.Errorf("search: %w", err)
		}
		res.TagFacets = k.counts(match, facetSize)
	}
	return res, nil
}

// visibilityKeys lists the visibility keywords of the articles in scope s (when not All):
// the everyone keyword for articles that cover no request type, and the request types.
func visibilityKeys(s kb.Scope) []string {
	keys := make([]string, 0, len(s.RequestTypes)+1)
	if s.General {
		keys = append(keys, everyone)
	}
	for _, rt := range s.RequestTypes {
		if rt != "" && rt != everyone {
			keys = append(keys, rt)
		}
	}
	return keys
}

// filterQuery is the Bleve query for q's request type, tag and visibility.
func (q Query) filterQuery() query.Query {
	var must []query.Query
	if !q.Scope.All {
		keys := visibilityKeys(q.Scope)
		if len(keys) == 0 {
			return query.NewMatchNoneQuery()
		}
		vis := make([]query.Query, 0, len(keys))
		for _, k := range keys {
			vis = append(vis, termQuery(fieldVisibility, k))
		}
		must = append(must, query.NewDisjunctionQuery(vis))
	}
	if q.RequestType != "" {
		must = append(must, termQuery(fieldRequestTypes, q.RequestType))
	}
	if q.Tag != "" {
		must = append(must, termQuery(fieldTags, q.Tag))
	}
	if len(must) == 1 {
		return must[0]
	}
	return query.NewConjunctionQuery(must)
}

func termQuery(field, term string) *query.TermQuery {
	q := query.NewTermQuery(term)
	q.SetField(field)
	return q
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
	// Typographic apostrophes, as phones type them, are apostrophes: "can’t"
	// is the stop word "can't".
	text = strings.ReplaceAll(text, "’", "'")
	var p parsed
	seen := map[string]bool{}
	n := 0
	parts := strings.Split(text, `"`)
	for i, part := range parts {
		// Odd parts are quoted, unless the last quote is unbalanced.
		quoted := i%2 == 1 && i < len(parts)-1
		tokens := analyzeTokens(ix.analyzer, part)
		if quoted && len(tokens) > 1 {
			if n+len(tokens) > maxTerms {
				tokens = tokens[:max(maxTerms-n, 0)]
			}
			if len(tokens) > 1 {
				p.phrases = append(p.phrases, phraseAlt(tokens, 1))
				n += len(tokens)
			}
			continue
		}
		if !quoted {
			w := len(strings.FieldsFunc(part, func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
			}))
			p.words += w
			p.stops += max(w-len(tokens), 0)
			for _, f := range strings.FieldsFunc(strings.ToLower(part), func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
			}) {
				if negations[f] {
					p.negations++
				}
			}
		}
		for _, t := range tokens {
			if n >= maxTerms || seen[t.term] {
				continue
			}
			seen[t.term] = true
			n++
			p.clauses = append(p.clauses, clause{term: t.term})
		}
		if !quoted {
			p.joins = append(p.joins, ix.joins(part)...)
		}
	}
	p.dropFiller()
	return p
}

// joins returns the adjacent words of text that written together make one
// term, stop words included: "log in" (login), "screen shot".
func (ix *Index) joins(text string) []join {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	var out []join
	for i := 0; i+1 < len(words) && len(out) < maxTerms; i++ {
		ts := analyze(ix.analyzer, words[i]+words[i+1])
		if len(ts) != 1 || utf8.RuneCountInString(ts[0]) < fuzzyMinRunes {
			continue
		}
		out = append(out, join{term: ts[0], parts: analyzeTokens(ix.analyzer, words[i]+" "+words[i+1])})
	}
	return out
}

// applyJoins replaces the words of each join whose joined term the index
// has by one clause for the joined term, with the words apart as its
// alternative.
func (s *searcher) applyJoins(p *parsed) error {
	for _, j := range p.joins {
		have := false
		for _, c := range p.clauses {
			if c.term == j.term {
				have = true
			}
		}
		if have || len(j.parts) == 0 {
			continue
		}
		a := alt{terms: []string{j.term}, weight: 1}
		if err := s.count(&a); err != nil {
			return err
		}
		if a.df == [2]uint64{} {
			continue
		}
		parts := map[string]bool{}
		for _, t := range j.parts {
			parts[t.term] = true
		}
		at := -1
		kept := p.clauses[:0]
		for _, c := range p.clauses {
			if parts[c.term] {
				if at < 0 {
					at = len(kept)
					kept = append(kept, clause{})
				}
				continue
			}
			kept = append(kept, c)
		}
		if at < 0 {
			continue // the words were filler
		}
		// Apart, as a phrase; or, when the other word was a stop word
		// ("log in"), the one word left, which says much less.
		apart := phraseAlt(j.parts, 1)
		if len(j.parts) == 1 {
			apart = alt{terms: []string{j.parts[0].term}, weight: s.p.synonym / 2}
		}
		kept[at] = clause{term: j.term, extra: []alt{apart}}
		p.clauses = kept
	}
	return nil
}

// fillerWords are words of questions typed in full ("how can i get…", "my
// laptop is really slow", "cant connect") that say nothing about what is
// asked: contractions typed without their apostrophe (the English stop
// words have them with it) and the verbs and adverbs of asking. A query
// drops them unless it has nothing else.
var fillerWords = func() map[string]bool {
	words := []string{
		"cant", "wont", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent",
		"couldnt", "shouldnt", "wouldnt", "hasnt", "havent", "hadnt", "im", "ive", "youre", "thats", "whats",
		"can", "get", "need", "want", "please", "help", "really", "just", "anyone", "someone", "somebody", "anybody",
	}
	a := newMapping().AnalyzerNamed(en.AnalyzerName)
	m := map[string]bool{}
	for _, w := range words {
		for _, t := range analyze(a, w) {
			m[t] = true
		}
	}
	return m
}()

// negations are the stop words that keyword strings have as often as
// sentences.
var negations = map[string]bool{"not": true, "no": true, "nor": true}

// weakWords are general English words that say little about what a
// description asks whatever their frequency in the articles: quantifiers,
// pronouns, particles, adverbs and the most general verbs ("give everyone
// …", "throw away …", "keep …", "as another user"). Technical text seldom
// uses them, so their IDF is high and would make them the words that select
// and rank pages. In a description they weigh less (params.describeWeak)
// and select none (see weaken).
var weakWords = func() map[string]bool {
	words := []string{
		// quantifiers and pronouns
		"every", "everyone", "everybody", "everything", "everywhere", "another", "others",
		"something", "anything", "nothing", "somewhere", "anywhere", "nowhere", "one", "ones",
		"much", "many", "lot", "lots", "bit", "little", "whole", "several", "enough", "certain",
		"thing", "things", "stuff", "way", "ways", "kind", "people", "person", "guy",
		// particles and adverbs
		"away", "back", "also", "still", "already", "even", "ever", "never", "always", "sometimes",
		"often", "usually", "anyway", "anymore", "instead", "else", "actually", "probably",
		"maybe", "perhaps", "quite", "rather", "almost", "pretty", "suddenly", "somehow",
		"properly", "correctly", "right", "ok", "okay", "yet", "together", "first", "last", "later",
		"soon", "now", "today", "yesterday", "recently", "quickly", "easily",
		// the most general verbs
		"give", "gives", "gave", "given", "keep", "keeps", "kept", "make", "makes", "made",
		"take", "takes", "took", "put", "let", "go", "goes", "going", "went", "gone",
		"come", "comes", "came", "see", "seem", "seems", "look", "looks", "try", "tried",
		"tell", "told", "know", "knows", "think", "thought", "like", "able", "got", "gets",
		"happen", "happens", "happened", "work", "works", "working", "worked", "stop", "stopped",
		"say", "says", "said", "mean", "means",
	}
	a := newMapping().AnalyzerNamed(en.AnalyzerName)
	m := map[string]bool{}
	for _, w := range words {
		for _, t := range analyze(a, w) {
			m[t] = true
		}
	}
	return m
}()

// dropFiller removes the filler words from the query's words when other
// words remain.
func (p *parsed) dropFiller() {
	kept := make([]clause, 0, len(p.clauses))
	for _, c := range p.clauses {
		if !fillerWords[c.term] {
			kept = append(kept, c)
		}
	}
	if len(kept) > 0 || len(p.phrases) > 0 {
		p.clauses = kept
	}
}

// analyze returns the terms the English analyser makes of s, in order.
func analyze(a analysis.Analyzer, s string) []string {
	ts := analyzeTokens(a, s)
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.term
	}
	return out
}

// analyzeTokens returns the terms the English analyser makes of s with
// their positions.
func analyzeTokens(a analysis.Analyzer, s string) []token {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	ts := a.Analyze([]byte(s))
	out := make([]token, 0, len(ts))
	for _, t := range ts {
		out = append(out, token{term: string(t.Term), pos: t.Position})
	}
	return out
}
