package search

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"

	index "github.com/blevesearch/bleve_index_api"
)

// The query engine works on Bleve's postings directly: term readers give
// document numbers, term frequencies and field-length norms in document
// order, and the engine intersects them, checks phrases, scores with BM25F
// and keeps the best hits itself. It counts every match exactly (for the
// total and the facets) while doing no more work per match than a posting
// step and a few multiplications, which Bleve's own searchers, collector
// and facet builders do not manage on broad queries.

// noDoc is the document number of an exhausted iterator.
const noDoc = math.MaxUint64

// Text fields, by number.
const (
	title = iota
	body
)

var textFieldNames = [2]string{fieldTitle, fieldBody}

// params are the ranking parameters.
type params struct {
	k1          float64    // BM25 term frequency saturation
	b           [2]float64 // BM25 length normalisation of the title and the body
	weight      [2]float64 // BM25F field weights: a title occurrence counts this many body ones
	synonym     float64    // weight of a synonym next to the word typed
	coord       float64    // exponent of the share of query words a document has
	proxTitle   float64    // proximity boost of the query words close together in the title
	proxBody    float64    // proximity boost of the query words close together in the body
	quorumSlack func(n int) int
	// Descriptions: queries that read as a sentence rather than a title.
	describeWords int     // content words from which a query may be a description
	describeStops float64 // share of a description's words that are stop words ("a", "the", "which"), at least
	describeCoord float64 // exponent of the share of its words' IDF a page has, for descriptions
	describeLead  int     // how many of a description's rarest words select pages at most; the rest only score
	describeShare float64 // the share of pages above which a description's word is too common to select them…
	describeFloor int     // …unless it is among this many of its rarest words
	describeIDF   float64 // exponent of the words' IDF for descriptions: above 1, telling words weigh more
	describeTitle float64 // title field weight for descriptions
	describeK1    float64 // BM25 k1 for descriptions
	describeProx  float64 // factor of the proximity boosts for descriptions
	describeDepth int     // how many of a description's best matches the proximity boost looks at
	depth         int     // how many of the best matches the proximity boost looks at
	related       float64 // weight of a WordNet word of the same sense next to the word typed, in descriptions; 0 for none
	describeWeak  float64 // factor of the IDF of a description's general words (weakWords); they select no pages
	proxPostings  int     // proximity reads the positions from the stored text when the words have more postings than this
	describeNeg   bool    // negations ("not", "no") are not counted as the stop words that make a description
	// Feedback (feedback.go): words of a description's best matches added to it.
	fbDocs    int     // how many of the best matches give words
	fbMinDocs int     // in how many of them a word must be, at least
	fbTerms   int     // how many words are added at most
	fbWeight  float64 // factor of the IDF of the most telling added word; 0 for no feedback
	fbShare   float64 // share of pages above which a word is too common to add
}

var defaultParams = params{
	k1:        1.2,
	b:         [2]float64{0.5, 0.75},
	weight:    [2]float64{4, 1}, // 4: both relevance evaluations agree (3 and 5 each lose one)
	synonym:   0.8,
	coord:     1,
	proxTitle: 0.2,
	proxBody:  0.3,
	quorumSlack: func(n int) int {
		switch {
		case n < 3:
			return 0
		case n < 7:
			return 1
		}
		return 2
	},
	// Tuned on the tune half of the descriptive queries, keeping the
	// known-item and help-centre evaluations where they were.
	describeWords: 3,
	describeStops: 0.25, // agents' keyword strings ("outlook calendar not syncing web") have none but negations
	describeNeg:   true,
	describeCoord: 0, // a page with the rare words competes, however many common ones it lacks
	describeLead:  12,
	describeShare: commonShare,
	describeFloor: 2,
	describeIDF:   1,
	describeTitle: 2, // a description's words are the page's body words more than its title's
	describeWeak:  0.5,
	proxPostings:  150000, // about 1.5 ms of reading postings on this machine, what analysing 20 short articles takes
	describeK1:    1.2,
	describeProx:  3, // descriptions' words close together say much more than scattered ones
	describeDepth: rerankDepth,
	depth:         rerankDepth,
	related:       0,
	fbDocs:        20,
	fbMinDocs:     8,
	fbTerms:       10,
	fbWeight:      0.3,
	fbShare:       0.1,
}

// forDescriptions returns the parameters that rank descriptions.
func (p params) forDescriptions() params {
	p.weight[title], p.k1, p.coord = p.describeTitle, p.describeK1, p.describeCoord
	p.proxTitle *= p.describeProx
	p.proxBody *= p.describeProx
	p.depth = p.describeDepth
	return p
}

// posting iterates one term's (or phrase's) documents in one field.
type posting interface {
	cur() uint64 // current document, noDoc when done
	next() error
	advance(target uint64) error // to the first document at or after target
	freq() float64               // occurrences in the current document
	length() float64             // the field's length in the current document
	// check confirms that the current document matches. Iterators may stop
	// at documents that only might (a phrase's documents with all its
	// words, before their positions are read); check is called on them
	// last, once the document matches in every other respect.
	check() (bool, error)
}

// termIter iterates a term's postings in one field.
type termIter struct {
	tfr index.TermFieldReader
	tfd index.TermFieldDoc
	doc uint64
	id  index.IndexInternalID
}

// newTermIter returns the term's postings in field positioned on the first
// document, or nil when the field does not have the term.
func newTermIter(ctx context.Context, r index.IndexReader, term, field string, vectors bool) (*termIter, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, vectors)
	if err != nil {
		return nil, fmt.Errorf("read %s %q: %w", field, term, err)
	}
	if tfr.Count() == 0 {
		return nil, tfr.Close()
	}
	t := &termIter{tfr: tfr}
	if err := t.next(); err != nil {
		_ = tfr.Close()
		return nil, err
	}
	return t, nil
}

func (t *termIter) cur() uint64          { return t.doc }
func (t *termIter) check() (bool, error) { return true, nil }
func (t *termIter) freq() float64        { return float64(t.tfd.Freq) }
func (t *termIter) length() float64 {
	if t.tfd.Norm <= 0 {
		return 1
	}
	return 1 / (t.tfd.Norm * t.tfd.Norm)
}
func (t *termIter) close() error { return t.tfr.Close() }

func (t *termIter) next() error {
	if t.doc == noDoc {
		return nil
	}
	d, err := t.tfr.Next(&t.tfd)
	if err != nil {
		return err
	}
	if d == nil {
		t.doc = noDoc
		return nil
	}
	t.doc = d.ID.Value()
	return nil
}

func (t *termIter) advance(target uint64) error {
	// Bleve restarts a reader asked to go back (or stay), so never ask.
	if t.doc >= target {
		return nil
	}
	t.id = index.NewIndexInternalID(t.id, target)
	d, err := t.tfr.Advance(t.id, &t.tfd)
	if err != nil {
		return err
	}
	if d == nil {
		t.doc = noDoc
		return nil
	}
	t.doc = d.ID.Value()
	return nil
}

// phraseWord is one word of a phrase: which of the phrase's distinct terms,
// and its position relative to the first word (stop words leave gaps).
type phraseWord struct {
	term int
	rel  uint64
}

// phraseIter iterates the documents with a phrase in one field: it stops
// at the documents with all its terms (found with plain postings), and
// check reads their positions.
type phraseIter struct {
	ctx     context.Context
	r       index.IndexReader
	field   string
	terms   []string
	words   []phraseWord
	its     []posting   // plain postings, one per distinct term
	vecs    []*termIter // postings with positions, opened on first check
	doc     uint64
	checked uint64 // the document tf is for, noDoc for none
	tf      float64
	pos     [][]uint64
}

// newPhraseIter returns the phrase's documents in field, or nil when no
// document has all its terms. its are the plain postings of terms.
func newPhraseIter(ctx context.Context, r index.IndexReader, field string, terms []string, words []phraseWord, its []posting) (*phraseIter, error) {
	p := &phraseIter{ctx: ctx, r: r, field: field, terms: terms, words: words, its: its, checked: noDoc}
	p.vecs = make([]*termIter, len(terms))
	p.pos = make([][]uint64, len(terms))
	if err := p.settle(0); err != nil {
		return nil, err
	}
	if p.doc == noDoc {
		return nil, nil
	}
	return p, nil
}

func (p *phraseIter) cur() uint64     { return p.doc }
func (p *phraseIter) freq() float64   { return p.tf }
func (p *phraseIter) length() float64 { return p.its[0].length() }

func (p *phraseIter) next() error {
	if p.doc == noDoc {
		return nil
	}
	return p.settle(p.doc + 1)
}

func (p *phraseIter) advance(target uint64) error {
	if p.doc >= target {
		return nil
	}
	return p.settle(target)
}

// settle moves to the first document at or after target with all the terms.
func (p *phraseIter) settle(target uint64) error {
	d := target
	for agreed := false; !agreed; {
		agreed = true
		for _, it := range p.its {
			if err := it.advance(d); err != nil {
				return err
			}
			if it.cur() == noDoc {
				p.doc = noDoc
				return nil
			}
			if it.cur() > d {
				d = it.cur()
				agreed = false
			}
		}
	}
	p.doc = d
	return nil
}

// check reports whether the current document has the phrase.
func (p *phraseIter) check() (bool, error) {
	if p.checked != p.doc {
		n, err := p.occurrences(p.doc)
		if err != nil {
			return false, err
		}
		p.checked, p.tf = p.doc, float64(n)
	}
	return p.tf > 0, nil
}

// occurrences counts the phrase in document d, which has all its terms.
func (p *phraseIter) occurrences(d uint64) (int, error) {
	for i, t := range p.terms {
		if p.vecs[i] == nil {
			it, err := newTermIter(p.ctx, p.r, t, p.field, true)
			if err != nil {
				return 0, err
			}
			if it == nil {
				return 0, nil
			}
			p.vecs[i] = it
		}
		v := p.vecs[i]
		if err := v.advance(d); err != nil {
			return 0, err
		}
		if v.doc != d {
			return 0, nil // deleted in between; cannot happen within a snapshot
		}
		ps := p.pos[i][:0]
		for _, tv := range v.tfd.Vectors {
			ps = append(ps, tv.Pos)
		}
		slices.Sort(ps)
		p.pos[i] = ps
	}
	first := p.words[0]
	n := 0
	for _, start := range p.pos[first.term] {
		start -= first.rel
		all := true
		for _, w := range p.words[1:] {
			if _, ok := slices.BinarySearch(p.pos[w.term], start+w.rel); !ok {
				all = false
				break
			}
		}
		if all {
			n++
		}
	}
	return n, nil
}

func (p *phraseIter) close() error {
	var err error
	for _, it := range p.vecs {
		if it != nil {
			if cerr := it.close(); err == nil {
				err = cerr
			}
		}
	}
	return err
}

// leg is one posting of a group: an alternative of the query word in one field.
type leg struct {
	it     posting
	mem    *memIter // it, when it is one (the common case, called directly)
	field  int
	weight float64
}

func newLeg(it posting, field int, weight float64) leg {
	m, _ := it.(*memIter)
	return leg{it: it, mem: m, field: field, weight: weight}
}

// group is one query word (or quoted phrase): the union of the postings of
// its alternatives (the word, its synonyms or corrections) in both fields.
type group struct {
	legs []leg
	doc  uint64 // the first document that may match
	df   uint64 // documents with the word, about
	idf  float64
	ok   []bool // per leg: at doc and checked
	hit  bool   // the candidate being looked at matches
	weak bool   // a general word (weakWords)
}

func (g *group) settle() {
	g.doc = noDoc
	for _, l := range g.legs {
		if l.mem != nil {
			g.doc = min(g.doc, l.mem.doc)
		} else {
			g.doc = min(g.doc, l.it.cur())
		}
	}
}

func (g *group) advance(target uint64) error {
	if g.doc >= target {
		return nil
	}
	for _, l := range g.legs {
		if l.mem != nil {
			l.mem.advance(target)
		} else if err := l.it.advance(target); err != nil {
			return err
		}
	}
	g.settle()
	return nil
}

func (g *group) next() error {
	if g.doc == noDoc {
		return nil
	}
	return g.advance(g.doc + 1)
}

// check reports whether the group matches its current document, noting
// which legs do.
func (g *group) check() (bool, error) {
	if g.ok == nil {
		g.ok = make([]bool, len(g.legs))
	}
	any := false
	for i, l := range g.legs {
		g.ok[i] = false
		if l.mem != nil {
			g.ok[i] = l.mem.doc == g.doc
			any = any || g.ok[i]
			continue
		}
		if l.it.cur() != g.doc {
			continue
		}
		ok, err := l.it.check()
		if err != nil {
			return false, err
		}
		g.ok[i] = ok
		any = any || ok
	}
	return any, nil
}

// score is the BM25F score of the word in its current document, after a
// successful check.
func (g *group) score(p *params, avg *[2]float64) float64 {
	var tf, length [2]float64
	for i, l := range g.legs {
		if !g.ok[i] {
			continue
		}
		if m := l.mem; m != nil {
			tf[l.field] += l.weight * float64(m.p.tf[m.i])
			length[l.field] = lengths[m.p.ln[m.i]]
			continue
		}
		tf[l.field] += l.weight * l.it.freq()
		length[l.field] = l.it.length()
	}
	ntf := 0.0
	for f := range tf {
		if tf[f] > 0 {
			ntf += p.weight[f] * tf[f] / (1 - p.b[f] + p.b[f]*length[f]/avg[f])
		}
	}
	return g.idf * ntf * (p.k1 + 1) / (p.k1 + ntf)
}

func (g *group) close() error {
	var err error
	for _, l := range g.legs {
		var cerr error
		switch it := l.it.(type) {
		case *termIter:
			cerr = it.close()
		case *phraseIter:
			cerr = it.close()
		}
		if err == nil {
			err = cerr
		}
	}
	return err
}

// idf is BM25's inverse document frequency.
func idf(docs, df uint64) float64 {
	n, d := float64(docs), float64(min(df, docs))
	return math.Log(1 + (n-d+0.5)/(d+0.5))
}

// plan is one pass over the index.
type plan struct {
	must   []*group // every one must match (quoted phrases)
	should []*group // query words, rarest first
	quorum int      // how many of should must match
	lead   int      // a match has at least one of the first lead should groups
	coord  float64  // exponent of the share of the should groups a match has
	byIDF  bool     // the share is of the groups' IDF, not of their number
	filter bitset   // the documents that may match; nil for all
	keep   int      // how many of the best matches to return
}

// scored is a match.
type scored struct {
	doc   uint64
	score float64
}

// outcome is what a pass found: the best matches (best first), how many
// there are and which.
type outcome struct {
	top   []scored
	total int
	match bitset
}

// run executes pl. A document matches when the filter has it, every must
// group matches, at least quorum should groups match, and one of them is
// among the first lead.
func (pl *plan) run(p *params, avg *[2]float64) (outcome, error) {
	var out outcome
	n := len(pl.should)
	lead := pl.should[:min(pl.lead, n)]
	if len(pl.must) == 0 && len(lead) == 0 {
		return out, nil
	}
	h := &topHeap{}
	// and: with every should group required, a missing one says where the
	// next match can be at the earliest.
	and := pl.quorum >= n
	target := uint64(0)
	for {
		// The next candidate: where the must groups agree, or else the
		// first document of a lead group.
		d := target
		if len(pl.must) > 0 {
			for agreed := false; !agreed; {
				agreed = true
				for _, g := range pl.must {
					if err := g.advance(d); err != nil {
						return out, err
					}
					if g.doc > d {
						d = g.doc
						agreed = false
					}
				}
				if d == noDoc {
					break
				}
			}
		} else {
			d = noDoc
			for _, g := range lead {
				if err := g.advance(target); err != nil {
					return out, err
				}
				d = min(d, g.doc)
			}
		}
		if d == noDoc {
			break
		}
		if pl.filter != nil && !pl.filter.has(d) {
			if target = pl.filter.next(d); target == noDoc {
				break
			}
			continue
		}
		target = d + 1
		matched, leads := 0, 0
		for i, g := range pl.should {
			if err := g.advance(d); err != nil {
				return out, err
			}
			if g.doc == d {
				matched++
				if i < len(lead) {
					leads++
				}
			} else {
				if and {
					target = max(target, g.doc) // also noDoc: no more matches
				}
				if matched+n-i-1 < pl.quorum {
					break
				}
			}
		}
		if matched < pl.quorum || (len(lead) > 0 && leads == 0) {
			if target == noDoc {
				break
			}
			continue
		}
		// d matches but for phrases; check those now.
		ok, err := pl.check(d, &matched, &leads)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		score := 0.0
		for _, g := range pl.must {
			score += g.score(p, avg)
		}
		have, all := 0.0, 0.0
		for _, g := range pl.should {
			all += g.idf
			if g.hit {
				score += g.score(p, avg)
				have += g.idf
			}
		}
		if matched < n {
			share := float64(matched) / float64(n)
			if pl.byIDF && all > 0 {
				share = have / all
			}
			score *= math.Pow(share, pl.coord)
		}
		out.total++
		out.match = out.match.with(d)
		h.offer(scored{doc: d, score: score}, pl.keep)
	}
	out.top = h.sorted()
	return out, nil
}

// check confirms candidate d, which every must group and matched should
// groups are at: every must group has to pass its check, and should groups
// that fail theirs no longer count.
func (pl *plan) check(d uint64, matched, leads *int) (bool, error) {
	for _, g := range pl.must {
		ok, err := g.check()
		if err != nil || !ok {
			return false, err
		}
	}
	for i, g := range pl.should {
		g.hit = false
		if g.doc != d {
			continue
		}
		ok, err := g.check()
		if err != nil {
			return false, err
		}
		if ok {
			g.hit = true
			continue
		}
		*matched--
		if i < pl.lead {
			*leads--
		}
	}
	return *matched >= pl.quorum && (pl.lead == 0 || *leads > 0), nil
}

// topHeap keeps the best matches: a min-heap on (score, later document).
type topHeap []scored

func (h topHeap) Len() int { return len(h) }
func (h topHeap) Less(i, j int) bool {
	if h[i].score != h[j].score {
		return h[i].score < h[j].score
	}
	return h[i].doc > h[j].doc
}
func (h topHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *topHeap) Push(x any)   { *h = append(*h, x.(scored)) }
func (h *topHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (h *topHeap) offer(s scored, keep int) {
	if keep <= 0 {
		return
	}
	if len(*h) < keep {
		heap.Push(h, s)
		return
	}
	if better(s, (*h)[0]) {
		(*h)[0] = s
		heap.Fix(h, 0)
	}
}

// better orders matches: higher score first, then lower document number.
// sortScored sorts re-scored matches best first, as better orders them.
func sortScored(top []scored) {
	slices.SortStableFunc(top, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
}

func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.doc < b.doc
}

func (h *topHeap) sorted() []scored {
	out := slices.Clone(*h)
	slices.SortFunc(out, func(a, b scored) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return out
}
