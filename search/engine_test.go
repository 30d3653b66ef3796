package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"attest/kb"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestSearchAgreesWithBruteForce checks the engine's totals, facets and
// ranking order against sets computed with plain Bleve term queries: an
// article matches when it has at least the first stage's quorum of the
// query's words (any alternative of each, in title or body) and the filter
// lets it through.
func TestSearchAgreesWithBruteForce(t *testing.T) {
	const n = 1500
	ix := openTest(t)
	var docs []Doc
	next := corpus(n)
	for {
		d, ok, _ := next()
		if !ok {
			break
		}
		docs = append(docs, d)
	}
	if err := ix.Apply(docs, nil); err != nil {
		t.Fatal(err)
	}
	byID := map[string]Doc{}
	for _, d := range docs {
		byID[docID(d.ArticleID)] = d
	}
	// docsWith lists the articles having term in the title or body.
	cache := map[string]map[string]bool{}
	docsWith := func(term string) map[string]bool {
		if s, ok := cache[term]; ok {
			return s
		}
		s := map[string]bool{}
		for _, f := range textFieldNames {
			q := query.NewTermQuery(term)
			q.SetField(f)
			req := bleve.NewSearchRequestOptions(q, n, 0, false)
			sr, err := ix.bleve.Search(req)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range sr.Hits {
				s[h.ID] = true
			}
		}
		cache[term] = s
		return s
	}

	var queries []Query
	for i, k := range knownItems(80, n) {
		q := Query{Scope: everything, Text: k.text}
		switch i % 4 {
		case 1:
			q.Scope = kb.Scope{General: true, RequestTypes: []string{"password-reset", "vpn-access", "outlook-issue"}}
		case 2:
			q.RequestType = topics[k.target.topic].key
		}
		queries = append(queries, q)
	}
	for _, text := range []string{"vpn", "printer offline", "password reset", "teams", "shared mailbox outlook"} {
		queries = append(queries, Query{Scope: everything, Text: text}, Query{Text: text, Scope: kb.Scope{General: true}})
	}
	checked := 0
	for _, q := range queries {
		res := search(t, ix, q)
		r, err := ix.reader()
		if err != nil {
			t.Fatal(err)
		}
		p := ix.parse(q.Text)
		v, err := ix.view(r)
		if err != nil {
			t.Fatal(err)
		}
		s := &searcher{ctx: context.Background(), r: r, v: v, p: &ix.params}
		if err := s.resolve(&p); err != nil {
			t.Fatal(err)
		}
		_ = r.Close()
		phrases := false
		for _, c := range p.clauses {
			for _, a := range c.alts {
				phrases = phrases || a.phrase()
			}
		}
		if phrases || len(p.phrases) > 0 {
			continue // phrase synonyms need positions; TestPhrase* covers them
		}
		nw := len(p.clauses)
		qs := quorums(nw, ix.params.quorumSlack(nw))
		counts := map[string]int{}
		for _, c := range p.clauses {
			has := map[string]bool{}
			for _, a := range c.alts {
				for id := range docsWith(a.terms[0]) {
					has[id] = true
				}
			}
			for id := range has {
				counts[id]++
			}
		}
		matching := func(quorum int) ([]string, map[string]int) {
			var want []string
			facets := map[string]int{}
			for id, c := range counts {
				d := byID[id]
				if c < quorum || !allowed(q, d) {
					continue
				}
				want = append(want, id)
				for _, rt := range d.RequestTypes {
					facets[rt]++
				}
			}
			return want, facets
		}
		if s.describes(&p) {
			continue // only the rarest words select; TestDescription* cover them
		}
		want, facets := matching(qs[0])
		if len(want) == 0 {
			continue // a later stage answered
		}
		if len(want) < sparse && len(qs) > 1 {
			// Too few for the strictest stage: the next one answers too.
			if qs[1] < 2 {
				continue // any one word, but only uncommon ones select
			}
			want, facets = matching(qs[1])
		}
		checked++
		if res.Total != len(want) {
			t.Errorf("%+v: Total = %d, want %d", q, res.Total, len(want))
			continue
		}
		var wantFacets []Facet
		for k, c := range facets {
			wantFacets = append(wantFacets, Facet{k, c})
		}
		sortFacets(wantFacets)
		if !slices.Equal(res.RequestTypeFacets, wantFacets) {
			t.Errorf("%+v: request type facets = %v, want %v", q, res.RequestTypeFacets, wantFacets)
		}
		for i, h := range res.Hits {
			if !slices.Contains(want, docID(h.ArticleID)) {
				t.Errorf("%+v: hit %d is article %d, which does not match", q, i, h.ArticleID)
			}
			if i > 0 && h.Score > res.Hits[i-1].Score {
				t.Errorf("%+v: hit %d scores %f, above the hit before it (%f)", q, i, h.Score, res.Hits[i-1].Score)
			}
		}
	}
	t.Logf("%d of %d queries checked", checked, len(queries))
	if checked < len(queries)/2 {
		t.Errorf("only %d of %d queries were checked", checked, len(queries))
	}
}

// allowed reports whether q's filters let d through.
func allowed(q Query, d Doc) bool {
	if q.RequestType != "" && !slices.Contains(d.RequestTypes, q.RequestType) {
		return false
	}
	if q.Tag != "" && !slices.Contains(d.Tags, q.Tag) {
		return false
	}
	return q.Scope.Covers(d.RequestTypes)
}

func TestNearlyAllWords(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Outlook keeps asking for the password", Body: "Remove cached credentials in Credential Manager."},
		Doc{ArticleID: 2, Title: "Outlook password prompt", Body: "Credential Manager holds old credentials."},
		Doc{ArticleID: 3, Title: "Printer offline", Body: "Restart the spooler."},
		Doc{ArticleID: 4, Title: "Outlook keeps asking for the password", Body: "After the spooler restarts."},
	)
	// Five words: articles with four of them match too, after those with all.
	res := search(t, ix, Query{Scope: everything, Text: "outlook keeps asking password spooler"})
	if got, want := ids(res), []int64{4, 1}; !slices.Equal(got, want) {
		t.Errorf("hits = %v, want %v", got, want)
	}
	// Two words: while fewer than three articles have both, articles with
	// one of them follow those with both…
	if got, want := ids(search(t, ix, Query{Scope: everything, Text: "prompt credentials"})), []int64{2, 1}; !slices.Equal(got, want) {
		t.Errorf("both words: hits = %v, want %v", got, want)
	}
	// … and only those with both match when three or more have both.
	if got, want := sortedIDs(search(t, ix, Query{Scope: everything, Text: "outlook password"})), []int64{1, 2, 4}; !slices.Equal(got, want) {
		t.Errorf("both words, three articles: hits = %v, want %v", got, want)
	}
	// … and any one does when none has.
	if got := sortedIDs(search(t, ix, Query{Scope: everything, Text: "prompt spooler"})); !slices.Equal(got, []int64{2, 3, 4}) {
		t.Errorf("any word: hits = %v, want [2 3 4]", got)
	}
}

func TestPhraseAcrossStopWords(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Outlook", Body: "Outlook keeps asking for the password after the update."},
		Doc{ArticleID: 2, Title: "Outlook", Body: "The password keeps asking... no: asking keeps the password."},
		Doc{ArticleID: 3, Title: "Keeps asking", Body: "for the password, in a new paragraph."},
	)
	res := search(t, ix, Query{Scope: everything, Text: `"keeps asking for the password"`})
	if got, want := ids(res), []int64{1}; !slices.Equal(got, want) {
		t.Errorf("hits = %v, want %v (the words in order, stop words in between; not across fields)", got, want)
	}
	if got, want := res.Total, 1; got != want {
		t.Errorf("Total = %d, want %d", got, want)
	}
	// Stop words stand for any word: the gap counts, not the word.
	if got := ids(search(t, ix, Query{Scope: everything, Text: `"keeps asking after the password"`})); !slices.Equal(got, []int64{1}) {
		t.Errorf("other stop words: hits = %v, want [1]", got)
	}
	if got := ids(search(t, ix, Query{Scope: everything, Text: `"keeps asking password"`})); len(got) != 0 {
		t.Errorf("gap missing: hits = %v, want none", got)
	}
}

func TestSynonymPhrase(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "VPN client", Body: "Works on Windows 10 and later."},
		Doc{ArticleID: 2, Title: "VPN client", Body: "Windows users: wait 10 minutes."},
	)
	if got := ids(search(t, ix, Query{Scope: everything, Text: "win10"})); !slices.Equal(got, []int64{1}) {
		t.Errorf("hits = %v, want [1] (\"windows 10\" as a phrase)", got)
	}
}

func TestFacetsCountEveryMatch(t *testing.T) {
	var docs []Doc
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"a", "b", "c", "d"}
	want := map[string]int{}
	wantTags := map[string]int{}
	total := 0
	for i := range 3000 {
		d := Doc{ArticleID: int64(i + 1), Title: "Article " + strconv.Itoa(i), Body: "filler text"}
		if rng.IntN(3) > 0 {
			d.Body += " widget"
			total++
		}
		for _, k := range keys {
			if rng.IntN(2) == 0 {
				d.RequestTypes = append(d.RequestTypes, "rt-"+k)
				d.Tags = append(d.Tags, "tag-"+k)
				if strings.Contains(d.Body, "widget") {
					want["rt-"+k]++
					wantTags["tag-"+k]++
				}
			}
		}
		docs = append(docs, d)
	}
	ix := openTest(t, docs...)
	res := search(t, ix, Query{Scope: everything, Text: "widget", TagFacets: true})
	if res.Total != total {
		t.Errorf("Total = %d, want %d", res.Total, total)
	}
	for _, f := range res.RequestTypeFacets {
		if want[f.Key] != f.Count {
			t.Errorf("request type %s: count %d, want %d", f.Key, f.Count, want[f.Key])
		}
	}
	for _, f := range res.TagFacets {
		if wantTags[f.Key] != f.Count {
			t.Errorf("tag %s: count %d, want %d", f.Key, f.Count, wantTags[f.Key])
		}
	}
	if len(res.RequestTypeFacets) != 4 || len(res.TagFacets) != 4 {
		t.Errorf("facets = %v, %v; want four of each", res.RequestTypeFacets, res.TagFacets)
	}
}

// TestSearchWhileIndexing runs searches while batches change the index
// (run with -race).
func TestSearchWhileIndexing(t *testing.T) {
	ix := openTest(t, Doc{ArticleID: 1, Title: "Printer offline", Body: "Restart the spooler."})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				q := Query{Scope: everything, Text: []string{"printer", "spooler restart", `"printer offline"`, "prnter"}[(w+i)%4], TagFacets: i%2 == 0}
				if _, err := ix.Search(context.Background(), q); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := range 30 {
		d := Doc{ArticleID: int64(i + 2), Title: fmt.Sprintf("Printer %d offline", i), Body: "Restart the spooler.", Tags: []string{"printer"}}
		var deletes []int64
		if i == 0 {
			deletes = []int64{1}
		}
		if err := ix.Apply([]Doc{d}, deletes); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := search(t, ix, Query{Scope: everything, Text: "printer offline"}).Total; got != 30 {
		t.Errorf("Total after indexing = %d, want 30", got)
	}
}

func TestPostingsCacheStaysWithinBudget(t *testing.T) {
	var docs []Doc
	for i := range 2000 {
		docs = append(docs, Doc{ArticleID: int64(i + 1), Title: "Title " + strconv.Itoa(i%50), Body: fmt.Sprintf("word%d other%d common", i%40, i%7)})
	}
	ix := openTest(t, docs...)
	ix.budget = 4000 // a few lists
	ix.views.Store(nil)
	for i := range 40 {
		res := search(t, ix, Query{Scope: everything, Text: fmt.Sprintf("word%d common", i)})
		if res.Total != 50 {
			t.Fatalf("word%d: Total = %d, want 50", i, res.Total)
		}
	}
	v := (*ix.views.Load())[0]
	v.cache.mu.Lock()
	defer v.cache.mu.Unlock()
	if v.cache.bytes > ix.budget {
		t.Errorf("cache holds %d bytes, budget %d", v.cache.bytes, ix.budget)
	}
	if len(v.cache.entries) >= 40 {
		t.Errorf("cache holds %d lists, want old ones dropped", len(v.cache.entries))
	}
}

func TestLengthStatistics(t *testing.T) {
	ix := openTest(t,
		Doc{ArticleID: 1, Title: "Reset a password", Body: "Open the admin console and reset the password."},
		Doc{ArticleID: 2, Title: "VPN", Body: "Install the client."},
	)
	st, err := readStats(ix.bleve)
	if err != nil {
		t.Fatal(err)
	}
	// Without stop words: "reset password" + "vpn"; "open admin console
	// reset password" + "install client".
	if got, want := st, (stats{docs: 2, title: 3, body: 7}); got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
	if got := st.averages(); got != [2]float64{1.5, 3.5} {
		t.Errorf("averages = %v, want [1.5 3.5]", got)
	}
	if got := countWords("The user's e-mail can't be opened, isn't it?"); got != 4 {
		t.Errorf("countWords = %d, want 4 (user's, e, mail, opened)", got)
	}
}

func TestBitset(t *testing.T) {
	var b bitset
	for _, i := range []uint64{3, 64, 65, 200} {
		b = b.with(i)
	}
	for _, tt := range []struct{ from, want uint64 }{{0, 3}, {3, 3}, {4, 64}, {65, 65}, {66, 200}, {201, noDoc}, {5000, noDoc}} {
		if got := b.next(tt.from); got != tt.want {
			t.Errorf("next(%d) = %d, want %d", tt.from, got, tt.want)
		}
	}
	if !b.has(65) || b.has(66) || b.has(10000) {
		t.Error("has is wrong")
	}
	o := bitset{}.with(64).with(200).with(300)
	if got := b.andCount(o); got != 2 {
		t.Errorf("andCount = %d, want 2", got)
	}
	if got := or(b, o).count(); got != 5 {
		t.Errorf("or count = %d, want 5", got)
	}
	if got := and(b, o).count(); got != 2 {
		t.Errorf("and count = %d, want 2", got)
	}
}
