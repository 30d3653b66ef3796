package search

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"attest/kb"
)

// fakeLearned is what the kb store would hold: contributions and queries.
type fakeLearned struct {
	cs       []kb.LearnedContribution
	qs       []kb.LearnedQuery
	gen, rem int64
}

func (f *fakeLearned) Learn(context.Context, func(string) []kb.LearnedWord) (int, error) {
	return 0, nil
}
func (f *fakeLearned) LearnGeneration(context.Context) (int64, int64, error) {
	return f.gen, f.rem, nil
}
func (f *fakeLearned) LearnedVocabulary(context.Context) ([]kb.LearnedContribution, []kb.LearnedQuery, error) {
	return f.cs, f.qs, nil
}

// teach records that agents of supplier searched text and used article, each once, at.
func (f *fakeLearned) teach(ix *Index, supplier, article int64, text string, agents int, at time.Time) {
	for range agents {
		for _, w := range ix.learnTerms(text) {
			f.cs = append(f.cs, kb.LearnedContribution{SupplierID: supplier, ArticleID: article, Term: w, LastAt: at})
		}
		f.qs = append(f.qs, kb.LearnedQuery{SupplierID: supplier, ArticleID: article, Query: kb.NormalizeQuery(text), LastAt: at})
	}
	f.gen++
}

func (f *fakeLearned) load(t *testing.T, ix *Index) {
	t.Helper()
	if err := NewLearner(ix, f, nil).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func learnedCorpus() []Doc {
	docs := []Doc{
		{ArticleID: 1, Version: 1, Title: "Keep SSH sessions alive", Body: "Set ServerAliveInterval in the client configuration so that idle connections are not closed.", RequestTypes: []string{"unix"}},
		{ArticleID: 2, Version: 1, Title: "Overnight backups of the file server", Body: "The overnight job copies the shares to tape; a link to the report is mailed.", RequestTypes: []string{"backup"}},
		{ArticleID: 3, Version: 1, Title: "Restricted: hypervisor maintenance", Body: "Steps for the hypervisor team only.", RequestTypes: []string{"hypervisor"}},
		{ArticleID: 4, Version: 1, Title: "Link keeps dropping overnight", Body: "When the link keeps dropping overnight, check the router's power saving.", RequestTypes: []string{"network"}},
	}
	for i := 5; i < 40; i++ {
		docs = append(docs, Doc{ArticleID: int64(i), Version: 1, Title: fmt.Sprintf("Printer queue %d", i),
			Body: "Clear the print queue and restart the spooler.", RequestTypes: []string{"printing"}})
	}
	return docs
}

var learnScope = kb.Scope{General: true, RequestTypes: []string{"unix", "backup", "network", "printing"}}

func TestLearnedArticleAppearsForItsSupplierOnly(t *testing.T) {
	ix := openTest(t, learnedCorpus()...)
	f := &fakeLearned{}
	now := time.Now()
	// Supplier 1's agents found article 1 (which has none of the words) for this description.
	f.teach(ix, 1, 1, "my secure shell terminal freezes", 3, now)
	// Supplier 1's agents also taught the restricted article 3; the scope must still filter it.
	f.teach(ix, 1, 3, "my secure shell terminal freezes", 5, now)
	f.load(t, ix)

	q := Query{Text: "secure shell terminal freezes", Scope: learnScope, Supplier: 1}
	if got := ids(search(t, ix, q)); !slices.Equal(got, []int64{1}) {
		t.Errorf("supplier 1: hits %v, want [1] (learned, and 3 out of scope)", got)
	}
	q.Supplier = 2
	if got := ids(search(t, ix, q)); len(got) != 0 {
		t.Errorf("supplier 2: hits %v, want none: supplier 1's vocabulary must not count for it", got)
	}
	q.Supplier = 0
	if got := ids(search(t, ix, q)); len(got) != 0 {
		t.Errorf("no supplier: hits %v, want none", got)
	}
	// A filter of the query still applies.
	q.Supplier, q.RequestType = 1, "backup"
	if got := ids(search(t, ix, q)); len(got) != 0 {
		t.Errorf("filtered to backup: hits %v, want none", got)
	}
	// Whoever reads everything and has the supplier sees 3 too: only the scope kept it out.
	q.RequestType, q.Scope = "", everything
	if got := sortedIDs(search(t, ix, q)); !slices.Equal(got, []int64{1, 3}) {
		t.Errorf("all scope: hits %v, want [1 3]", got)
	}
}

func TestLearnedBoostIsBoundedAndResistsOneAgent(t *testing.T) {
	ix := openTest(t, learnedCorpus()...)
	q := Query{Text: "link keeps dropping overnight", Scope: learnScope, Supplier: 1}
	before := search(t, ix, q)
	if len(before.Hits) == 0 || before.Hits[0].ArticleID != 4 {
		t.Fatalf("before learning: hits %v, want 4 first", ids(before))
	}
	rank := func(res Result, id int64) int { return slices.Index(ids(res), id) }

	// One agent, however often it taught it, counts once: the article it taught enters the
	// results but stays below the strong textual match and below what many agents do.
	one := &fakeLearned{}
	for range 50 {
		one.teach(ix, 1, 1, "link keeps dropping overnight", 1, time.Now())
	}
	for i := range one.cs {
		one.cs[i].SupplierID = 1
	}
	// The fake repeats the contribution; the store keeps one row per agent, so does this.
	one.cs = slices.CompactFunc(one.cs, func(a, b kb.LearnedContribution) bool { return a.Term == b.Term && a.ArticleID == b.ArticleID })
	one.cs = dedupe(one.cs)
	one.load(t, ix)
	res1 := search(t, ix, q)
	if r := rank(res1, 1); r <= 0 {
		t.Fatalf("one agent: hits %v, want 1 present below 4", ids(res1))
	}
	if res1.Hits[0].ArticleID != 4 {
		t.Errorf("one agent: hits %v, want the strong textual match 4 first", ids(res1))
	}

	many := &fakeLearned{}
	many.teach(ix, 1, 1, "link keeps dropping overnight", 20, time.Now())
	many.load(t, ix)
	resN := search(t, ix, q)
	if resN.Hits[0].ArticleID != 4 {
		t.Errorf("many agents: hits %v, want 4 still first: a learned article without the words never outranks the best textual match", ids(resN))
	}
	s1 := res1.Hits[rank(res1, 1)].Score
	sN := resN.Hits[rank(resN, 1)].Score
	if !(sN > 2*s1) {
		t.Errorf("score with 20 agents %.3f, with one agent %.3f: want many agents to count much more", sN, s1)
	}
	if top := resN.Hits[0].Score; sN >= top {
		t.Errorf("learned score %.3f ≥ top %.3f", sN, top)
	}
}

// dedupe keeps one contribution per (supplier, article, term), as one agent's rows are.
func dedupe(cs []kb.LearnedContribution) []kb.LearnedContribution {
	type key struct {
		s, a int64
		t    string
	}
	seen := map[key]bool{}
	var out []kb.LearnedContribution
	for _, c := range cs {
		k := key{c.SupplierID, c.ArticleID, c.Term}
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

func TestLearnedWeightDecaysAndIsCapped(t *testing.T) {
	ix := openTest(t, learnedCorpus()...)
	q := Query{Text: "secure shell freezes", Scope: learnScope, Supplier: 1}
	fresh := &fakeLearned{}
	fresh.teach(ix, 1, 1, "secure shell freezes", 4, time.Now())
	fresh.load(t, ix)
	old := &fakeLearned{}
	old.teach(ix, 1, 1, "secure shell freezes", 4, time.Now().Add(-2*kb.LearnHalfLife))
	f := search(t, ix, q)
	old.load(t, ix)
	o := search(t, ix, q)
	if len(f.Hits) != 1 || len(o.Hits) != 1 {
		t.Fatalf("hits fresh %v, old %v", ids(f), ids(o))
	}
	if !(o.Hits[0].Score < f.Hits[0].Score*0.6) {
		t.Errorf("score two half-lives old %.3f, fresh %.3f: want it to have decayed", o.Hits[0].Score, f.Hits[0].Score)
	}

	// Per article only the heaviest maxLearnedPerArticle words count.
	capped := &fakeLearned{}
	for i := range maxLearnedPerArticle + 10 {
		agents := 1
		if i < maxLearnedPerArticle {
			agents = 2
		}
		for a := range agents {
			capped.cs = append(capped.cs, kb.LearnedContribution{SupplierID: 1, ArticleID: 1, Term: fmt.Sprintf("zz%03d", i), LastAt: time.Now().Add(-time.Duration(a) * time.Second)})
		}
	}
	capped.load(t, ix)
	tab := ix.learned.Load()
	n := 0
	for _, es := range tab.terms[1] {
		for _, e := range es {
			if e.article == 1 {
				n++
			}
		}
	}
	if n != maxLearnedPerArticle {
		t.Errorf("%d words kept for the article, want %d", n, maxLearnedPerArticle)
	}
	if _, ok := tab.terms[1]["zz055"]; ok {
		t.Errorf("a light word beyond the cap was kept")
	}

	// A word counts for the heaviest maxLearnedPerTerm articles at most.
	common := &fakeLearned{}
	for a := range maxLearnedPerTerm + 20 {
		common.cs = append(common.cs, kb.LearnedContribution{SupplierID: 1, ArticleID: int64(1000 + a), Term: "common", LastAt: time.Now().Add(-time.Duration(a) * time.Hour)})
	}
	common.load(t, ix)
	es := ix.learned.Load().terms[1]["common"]
	if len(es) != maxLearnedPerTerm || es[0].article != 1000 {
		t.Errorf("%d articles kept for a common word (first %v), want the %d heaviest", len(es), es[0], maxLearnedPerTerm)
	}
}

func TestSuggestions(t *testing.T) {
	ix := openTest(t, learnedCorpus()...)
	f := &fakeLearned{}
	now := time.Now()
	f.teach(ix, 1, 1, "secure shell terminal freezes", 2, now)
	f.teach(ix, 1, 1, "terminal hangs when idle", 1, now)
	f.teach(ix, 1, 3, "terminal hypervisor hangs", 3, now) // out of learnScope
	f.teach(ix, 2, 2, "terminal backups", 3, now)          // another supplier
	f.load(t, ix)
	ctx := context.Background()

	q := Query{Text: "terminal freezes", Scope: learnScope, Supplier: 1}
	res := search(t, ix, q)
	sg, err := ix.Suggest(ctx, q, res)
	if err != nil {
		t.Fatal(err)
	}
	if len(sg.Found) != 1 || sg.Found[0].ArticleID != 1 || sg.Found[0].Title != "Keep SSH sessions alive" {
		t.Errorf("Found = %+v, want article 1 only", sg.Found)
	}
	if want := []string{"secure shell terminal freezes", "terminal hangs when idle"}; !slices.Equal(sg.Related, want) {
		t.Errorf("Related = %q, want %q (never another supplier's, never leading only outside the scope)", sg.Related, want)
	}
	q.Supplier = 2
	sg, _ = ix.Suggest(ctx, q, search(t, ix, q))
	for _, a := range sg.Found {
		if a.ArticleID != 2 {
			t.Errorf("supplier 2 found %+v", a)
		}
	}
	if slices.Contains(sg.Related, "secure shell terminal freezes") {
		t.Errorf("supplier 2 sees supplier 1's searches: %q", sg.Related)
	}

	// A typo: the correction comes from a title.
	q = Query{Text: "Overnigt backups", Scope: learnScope}
	res = search(t, ix, q)
	res.Total = 0 // as if it had found nothing
	sg, err = ix.Suggest(ctx, q, res)
	if err != nil {
		t.Fatal(err)
	}
	if sg.DidYouMean != "overnight backups" {
		t.Errorf("DidYouMean = %q, want %q", sg.DidYouMean, "overnight backups")
	}
	// Enough hits: nothing to suggest.
	q = Query{Text: "printer queue", Scope: learnScope, Supplier: 1}
	if sg, _ := ix.Suggest(ctx, q, search(t, ix, q)); !sg.Empty() {
		t.Errorf("suggestions for a query with many hits: %+v", sg)
	}
}

// TestLearnerReloads: the index's copy follows the database: a removal at the next look, new
// learning once the copy is Reload old.
func TestLearnerReloads(t *testing.T) {
	ix := openTest(t, learnedCorpus()...)
	ctx := context.Background()
	f := &fakeLearned{}
	l := NewLearner(ix, f, nil)
	l.Reload = time.Hour
	if err := l.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	q := Query{Text: "secure shell freezes", Scope: learnScope, Supplier: 1}
	f.teach(ix, 1, 1, q.Text, 2, time.Now())
	if err := l.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, ix, q)); len(got) != 0 {
		t.Errorf("reloaded before Reload passed: %v", got)
	}
	l.Reload = 0
	if err := l.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, ix, q)); !slices.Equal(got, []int64{1}) {
		t.Errorf("after Reload: hits %v, want [1]", got)
	}
	l.Reload = time.Hour
	f.cs, f.qs = nil, nil
	f.gen++
	f.rem++
	if err := l.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(search(t, ix, q)); len(got) != 0 {
		t.Errorf("after a removal: hits %v, want none at once", got)
	}
}
