package search

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"attest/kb"

	index "github.com/blevesearch/bleve_index_api"
)

// Vocabulary learned from agents (issue 19; kb/learned.go learns it). The index keeps an
// in-memory copy, reloaded from the database whenever it changes (so every node of a cluster
// has the same), and lets it count for the searches of the supplier whose agents taught it:
// an article whose learned words the query has gains a bounded score, and becomes a
// candidate even when its own text lacks the words. The read scope and the query's filters
// still decide what may be found. Enterprise roles (no supplier) get no learned boost: what
// a supplier's agents taught stays with that supplier.

const (
	// maxLearnedPerArticle is how many learned words count per article and supplier: the
	// heaviest.
	maxLearnedPerArticle = 50
	// maxLearnedPerTerm is how many articles one learned word counts for at most, per
	// supplier: the heaviest. A word learned for many articles says little about any.
	maxLearnedPerTerm = 64
	// learnedCandidates is how many learned articles one query considers at most.
	learnedCandidates = 20
	// learnedMax is the most a learned article gains, as a share of the best textual score:
	// however many agents taught it, an article with none of the words stays below the best
	// textual match.
	learnedMax = 0.9
	// learnedHalf is the learned evidence (agents, decayed, per query word) at which an
	// article gains half of learnedMax: one agent alone gains at most a third of it.
	learnedHalf = 2.0
	// learnedReload is how often the copy is reloaded even when nothing changed (decay).
	learnedReload = time.Hour
)

// learnedEntry is an article's learned weight for one word.
type learnedEntry struct {
	article int64
	weight  float64 // decayed to the table's time
}

// learnedQuery is a search of a supplier's agents that led to recorded use.
type learnedQuery struct {
	text     string
	terms    []string
	articles []int64
	agents   int
}

// learnedTable is the in-memory copy of what was learned, per supplier.
type learnedTable struct {
	at      time.Time
	terms   map[int64]map[string][]learnedEntry
	queries map[int64][]learnedQuery
}

// newLearnedTable builds the copy: contributions summed per (supplier, article, term) with
// their decay at now, the heaviest maxLearnedPerArticle terms kept per article.
func (ix *Index) newLearnedTable(cs []kb.LearnedContribution, qs []kb.LearnedQuery, now time.Time) *learnedTable {
	type key struct {
		supplier, article int64
		term              string
	}
	sum := map[key]float64{}
	for _, c := range cs {
		sum[key{c.SupplierID, c.ArticleID, c.Term}] += kb.Decay(c.LastAt, now)
	}
	type art struct{ supplier, article int64 }
	perArticle := map[art][]key{}
	for k := range sum {
		a := art{k.supplier, k.article}
		perArticle[a] = append(perArticle[a], k)
	}
	t := &learnedTable{at: now, terms: map[int64]map[string][]learnedEntry{}, queries: map[int64][]learnedQuery{}}
	for a, ks := range perArticle {
		slices.SortFunc(ks, func(x, y key) int {
			switch {
			case sum[x] > sum[y]:
				return -1
			case sum[x] < sum[y]:
				return 1
			}
			return strings.Compare(x.term, y.term)
		})
		if len(ks) > maxLearnedPerArticle {
			ks = ks[:maxLearnedPerArticle]
		}
		m := t.terms[a.supplier]
		if m == nil {
			m = map[string][]learnedEntry{}
			t.terms[a.supplier] = m
		}
		for _, k := range ks {
			m[k.term] = append(m[k.term], learnedEntry{article: k.article, weight: sum[k]})
		}
	}
	for _, m := range t.terms {
		for term, es := range m {
			if len(es) > maxLearnedPerTerm {
				slices.SortFunc(es, func(a, b learnedEntry) int {
					return cmp.Or(cmp.Compare(b.weight, a.weight), cmp.Compare(a.article, b.article))
				})
				m[term] = slices.Clip(es[:maxLearnedPerTerm])
			}
		}
	}
	type qkey struct {
		supplier int64
		text     string
	}
	byQuery := map[qkey]*learnedQuery{}
	var order []qkey
	for _, q := range qs {
		k := qkey{q.SupplierID, q.Query}
		lq := byQuery[k]
		if lq == nil {
			lq = &learnedQuery{text: q.Query, terms: ix.learnTerms(q.Query)}
			byQuery[k] = lq
			order = append(order, k)
		}
		if !slices.Contains(lq.articles, q.ArticleID) {
			lq.articles = append(lq.articles, q.ArticleID)
		}
		lq.agents++
	}
	for _, k := range order {
		t.queries[k.supplier] = append(t.queries[k.supplier], *byQuery[k])
	}
	return t
}

// learnTerms are the distinct analysed terms of a query, as learned words are keyed.
func (ix *Index) learnTerms(text string) []string {
	var out []string
	for _, w := range ix.LearnedWords(text) {
		if !slices.Contains(out, w.Term) {
			out = append(out, w.Term)
		}
	}
	return out
}

// LearnedWords analyses a query as the index does, into the words kb.Store.Learn records:
// each term with the word it was made from. Stop words make none.
func (ix *Index) LearnedWords(text string) []kb.LearnedWord {
	if len(text) > maxQueryBytes {
		text = text[:maxQueryBytes]
	}
	text = strings.ToValidUTF8(text, " ")
	text = strings.ReplaceAll(text, "’", "'")
	var out []kb.LearnedWord
	for _, t := range ix.analyzer.Analyze([]byte(text)) {
		term := string(t.Term)
		if fillerWords[term] {
			continue
		}
		word := term
		if t.Start >= 0 && t.End <= len(text) && t.Start < t.End {
			word = strings.ToLower(text[t.Start:t.End])
		}
		out = append(out, kb.LearnedWord{Term: term, Word: word})
	}
	return out
}

// learnedScore is an article's learned evidence for a query.
type learnedScore struct {
	article  int64
	evidence float64
}

// learnedFor returns the articles the searcher's supplier's agents taught the query's words,
// most evidence first, at most learnedCandidates: evidence is the decayed number of agents
// per query word.
func (ix *Index) learnedFor(supplier int64, text string) []learnedScore {
	if supplier == 0 {
		return nil
	}
	t := ix.learned.Load()
	if t == nil {
		return nil
	}
	m := t.terms[supplier]
	if len(m) == 0 {
		return nil
	}
	terms := ix.learnTerms(text)
	if len(terms) == 0 {
		return nil
	}
	decay := kb.Decay(t.at, time.Now())
	ev := map[int64]float64{}
	for _, term := range terms {
		for _, e := range m[term] {
			ev[e.article] += e.weight * decay / float64(len(terms))
		}
	}
	out := make([]learnedScore, 0, len(ev))
	for a, e := range ev {
		out = append(out, learnedScore{a, e})
	}
	slices.SortFunc(out, func(a, b learnedScore) int {
		return cmp.Or(cmp.Compare(b.evidence, a.evidence), cmp.Compare(a.article, b.article))
	})
	return out[:min(len(out), learnedCandidates)]
}

// docOf returns the document number of an article in the snapshot, and whether it has it.
func docOf(r index.IndexReader, article int64) (uint64, bool) {
	id, err := r.InternalID(strconv.FormatInt(article, 10))
	if err != nil || id == nil {
		return 0, false
	}
	return id.Value(), true
}

// boostLearned adds to out the learned articles of q's words that filter lets q find: an
// article gains learnedMax × (the best textual score, or 1 when nothing matched) × e/(e+learnedHalf)
// for its evidence e, and one not matched textually becomes a match.
func (ix *Index) boostLearned(q Query, r index.IndexReader, filter bitset, out *outcome) {
	ls := ix.learnedFor(q.Supplier, q.Text)
	if len(ls) == 0 || q.Scope.FindsNothing() {
		return
	}
	best := 1.0
	if len(out.top) > 0 && out.top[0].score > 0 {
		best = out.top[0].score
	}
	changed := false
	for _, l := range ls {
		d, ok := docOf(r, l.article)
		if !ok || (filter != nil && !filter.has(d)) {
			continue
		}
		gain := learnedMax * best * l.evidence / (l.evidence + learnedHalf)
		i := slices.IndexFunc(out.top, func(s scored) bool { return s.doc == d })
		switch {
		case i >= 0:
			out.top[i].score += gain
		default:
			if !out.match.has(d) {
				out.total++
				out.match = out.match.with(d)
			}
			out.top = append(out.top, scored{doc: d, score: gain})
		}
		changed = true
	}
	if changed {
		slices.SortFunc(out.top, func(a, b scored) int {
			if better(a, b) {
				return -1
			}
			if better(b, a) {
				return 1
			}
			return 0
		})
	}
}

// LearnFeed is where the learner learns and reads what was learned: the kb store.
type LearnFeed interface {
	Learn(ctx context.Context, words func(string) []kb.LearnedWord) (int, error)
	LearnGeneration(ctx context.Context) (generation, removals int64, err error)
	LearnedVocabulary(ctx context.Context) ([]kb.LearnedContribution, []kb.LearnedQuery, error)
}

// Learner learns from recorded usage and keeps the index's copy of what was learned in line
// with the database.
type Learner struct {
	ix   *Index
	feed LearnFeed
	log  *slog.Logger
	// Interval is how often it looks for new usage and changes.
	Interval time.Duration
	// Reload is how long what was learned may wait before the index's copy is reloaded
	// (removals are applied at the next look): reloading reads the whole vocabulary.
	Reload   time.Duration
	gen, rem int64
	loaded   time.Time
}

// NewLearner returns a learner that looks every two seconds.
func NewLearner(ix *Index, feed LearnFeed, log *slog.Logger) *Learner {
	if log == nil {
		log = slog.Default()
	}
	return &Learner{ix: ix, feed: feed, log: log, Interval: 2 * time.Second, Reload: 30 * time.Second, gen: -1, rem: -1}
}

// Run learns and reloads until ctx ends.
func (l *Learner) Run(ctx context.Context) {
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	for {
		if err := l.CatchUp(ctx); err != nil && ctx.Err() == nil {
			l.log.Error("search learner", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CatchUp learns from the usage recorded since the last time and reloads the index's copy when
// something was removed, when something was learned (here or on another node) and the copy is
// Reload old, and when it is an hour old (decay).
func (l *Learner) CatchUp(ctx context.Context) error {
	if _, err := l.feed.Learn(ctx, l.ix.LearnedWords); err != nil {
		return err
	}
	gen, rem, err := l.feed.LearnGeneration(ctx)
	if err != nil {
		return err
	}
	age := time.Since(l.loaded)
	if rem == l.rem && (gen == l.gen || age < l.Reload) && age < learnedReload {
		return nil
	}
	cs, qs, err := l.feed.LearnedVocabulary(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	l.ix.learned.Store(l.ix.newLearnedTable(cs, qs, now))
	l.gen, l.rem, l.loaded = gen, rem, now
	return nil
}
