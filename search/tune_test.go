package search

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestTuneVariants compares ranking parameter variants side by side on the
// descriptive tune half, the help-centre and the known-item evaluations:
//
//	ATTEST_VARIANTS='base;describeTitle=8;describeK1=2' go test -run TestTuneVariants -v ./search/
//
// ATTEST_TUNE_TEST=1 adds the descriptive test half (for reporting only).
func TestTuneVariants(t *testing.T) {
	spec := os.Getenv("ATTEST_VARIANTS")
	if spec == "" {
		t.Skip("set ATTEST_VARIANTS")
	}
	variants := strings.Split(spec, ";")
	// Halves, as the remainders of a query's position modulo 4 they hold:
	// the tune half, then its two quarters (to see whether a change helps
	// both), then the test half when asked for.
	halves := [][]int{{0, 2}, {0}, {2}}
	names := []string{"tune", "tuneA", "tuneB"}
	if os.Getenv("ATTEST_TUNE_TEST") != "" {
		halves = append(halves, []int{1, 3})
		names = append(names, "test")
	}
	pages := manCorpus(t)
	docs := make([]Doc, len(pages))
	for i, p := range pages {
		docs[i] = p.Doc
	}
	rp := realCorpus()
	rdocs := make([]Doc, len(rp))
	for i, p := range rp {
		rdocs[i] = p.Doc
	}
	rqs := realQueries()
	var kn *Index
	var kqs []knownItem
	if os.Getenv("ATTEST_TUNE_KNOWN") != "" {
		n := 5000
		_, kn = bleveEngine(t, t.TempDir(), n, Query{Scope: everything})
		kqs = knownItems(300, n)
	}
	run := func(ix *Index, text string) []int64 {
		res, err := ix.Search(context.Background(), Query{Scope: everything, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int64, len(res.Hits))
		for i, h := range res.Hits {
			out[i] = h.ArticleID
		}
		return out
	}
	builds := envInt(t, "ATTEST_TUNE_BUILDS", 1)
	// sums[variant][metric]
	sums := make([][]float64, len(variants))
	for i := range sums {
		sums[i] = make([]float64, 2*len(halves)+4)
	}
	for range builds {
		man := openTestDocs(t, docs)
		real := openTestDocs(t, rdocs)
		base := man.params
		for vi, v := range variants {
			p := base
			if v != "base" {
				applyParams(t, &p, v)
			}
			man.params, real.params = p, p
			m := 0
			for _, h := range halves {
				var mrr, hit float64
				n := 0
				for i, q := range descriptiveQueries {
					if !slices.Contains(h, i%4) {
						continue
					}
					n++
					for r, id := range run(man, q.text) {
						if r < 10 && containsStr(q.pages, pages[id-1].name) {
							mrr += 1 / float64(r+1)
							hit++
							break
						}
					}
				}
				sums[vi][m] += mrr / float64(n)
				sums[vi][m+1] += hit / float64(n)
				m += 2
			}
			var mrr, hit float64
			for _, q := range rqs {
				for r, id := range run(real, q.text) {
					if r < 10 && q.relevant(rp[id-1]) {
						mrr += 1 / float64(r+1)
						hit++
						break
					}
				}
			}
			sums[vi][m] += mrr / float64(len(rqs))
			sums[vi][m+1] += hit / float64(len(rqs))
			if kn != nil {
				kn.params = p
				var mrr, hit float64
				for _, q := range kqs {
					for r, id := range run(kn, q.text) {
						if r < 10 && q.relevant(article(int(id-1))) {
							mrr += 1 / float64(r+1)
							hit++
							break
						}
					}
				}
				sums[vi][m+2] += mrr / float64(len(kqs))
				sums[vi][m+3] += hit / float64(len(kqs))
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-50s", "variant")
	for _, h := range names {
		fmt.Fprintf(&b, " %6s %6s", h, "hit10")
	}
	fmt.Fprintf(&b, " %6s %6s %6s %6s\n", "helpM", "hit10", "knownM", "hit10")
	for vi, v := range variants {
		fmt.Fprintf(&b, "%-50s", v)
		for mi, x := range sums[vi] {
			if mi >= 2*len(halves)+2 && kn == nil {
				break
			}
			fmt.Fprintf(&b, " %6.3f", x/float64(builds))
		}
		b.WriteString("\n")
	}
	t.Log(b.String())
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func openTestDocs(t *testing.T, docs []Doc) *Index {
	t.Helper()
	return openTest(t, docs...)
}

// TestTuneDiff lists, per tune-half descriptive query, the rank of the
// first right page for Search and for the descriptive baselines, with
// Search's top three (ATTEST_TUNE_DIFF=1, -tags sqlite_fts5).
func TestTuneDiff(t *testing.T) {
	if os.Getenv("ATTEST_TUNE_DIFF") == "" {
		t.Skip("set ATTEST_TUNE_DIFF")
	}
	pages := manCorpus(t)
	dir := t.TempDir()
	docs := func() func() (Doc, bool, error) {
		i := 0
		return func() (Doc, bool, error) {
			if i >= len(pages) {
				return Doc{}, false, nil
			}
			i++
			return pages[i-1].Doc, true, nil
		}
	}
	ours, _ := bleveEngineOf(t, dir, docs)
	engines := []engine{ours}
	for _, nb := range descriptiveBaselines {
		engines = append(engines, nb(t, dir, docs))
	}
	var b strings.Builder
	for i, q := range descriptiveQueries {
		if i%2 == 1 {
			continue
		}
		var tops []string
		for _, e := range engines {
			got, err := e.search(q.text)
			if err != nil {
				t.Fatal(err)
			}
			rank := 0
			var top []string
			for r, id := range got {
				if r < 3 {
					top = append(top, pages[id-1].name)
				}
				if rank == 0 && r < 10 && containsStr(q.pages, pages[id-1].name) {
					rank = r + 1
				}
			}
			tops = append(tops, fmt.Sprintf("%2d %-45s", rank, strings.Join(top, " ")))
		}
		fmt.Fprintf(&b, "%s | %q\n", strings.Join(tops, " | "), q.text)
	}
	t.Log("\n" + b.String())
}

// TestTuneExplain prints, for ATTEST_EXPLAIN='query|page|page…', the
// query's clauses and each listed page's score per clause, next to
// Search's top five (tuning aid; tune half only).
func TestTuneExplain(t *testing.T) {
	spec := os.Getenv("ATTEST_EXPLAIN")
	if spec == "" {
		t.Skip("set ATTEST_EXPLAIN")
	}
	pages := manCorpus(t)
	docs := make([]Doc, len(pages))
	byName := map[string]int64{}
	for i, p := range pages {
		docs[i] = p.Doc
		byName[p.name] = p.ArticleID
	}
	ix := openTestDocs(t, docs)
	if v := os.Getenv("ATTEST_PARAMS"); v != "" {
		applyParams(t, &ix.params, v)
	}
	for _, one := range strings.Split(spec, ";") {
		parts := strings.Split(one, "|")
		text := parts[0]
		res := search(t, ix, Query{Scope: everything, Text: text})
		var b strings.Builder
		fmt.Fprintf(&b, "\n%q total %d\n", text, res.Total)
		want := parts[1:]
		for i, h := range res.Hits {
			if i < 5 {
				want = append(want, pages[h.ArticleID-1].name)
			}
		}
		r, err := ix.reader()
		if err != nil {
			t.Fatal(err)
		}
		v, err := ix.view(r)
		if err != nil {
			t.Fatal(err)
		}
		p := ix.parse(text)
		s := &searcher{ctx: context.Background(), r: r, v: v, p: &ix.params}
		if err := s.resolve(&p); err != nil {
			t.Fatal(err)
		}
		desc := s.describes(&p)
		if desc {
			dp := s.p.forDescriptions()
			s.p = &dp
			_ = s.relate(&p)
		}
		fmt.Fprintf(&b, "describes %v words %d stops %d\n%-28s", desc, p.words, p.stops, "")
		for _, c := range p.clauses {
			fmt.Fprintf(&b, " %9s", c.term)
		}
		fmt.Fprintf(&b, "\n%-28s", "df")
		for _, c := range p.clauses {
			fmt.Fprintf(&b, " %9d", c.df())
		}
		b.WriteString("\n")
		for _, name := range want {
			id := byName[name]
			rank := 0
			for i, h := range res.Hits {
				if h.ArticleID == id {
					rank = i + 1
				}
			}
			iid, err := r.InternalID(fmt.Sprint(id))
			if err != nil {
				t.Fatal(err)
			}
			d := iid.Value()
			fmt.Fprintf(&b, "%-22s r%-4d", name, rank)
			for _, c := range p.clauses {
				g, err := s.open(c.alts)
				if err != nil || g == nil {
					fmt.Fprintf(&b, " %9s", "-")
					continue
				}
				_ = g.advance(d)
				sc := 0.0
				if g.doc == d {
					if ok, _ := g.check(); ok {
						sc = g.score(s.p, &s.v.avgLen)
					}
				}
				_ = g.close()
				fmt.Fprintf(&b, " %9.2f", sc)
			}
			fmt.Fprintf(&b, "  | %s\n", pages[id-1].Title)
		}
		r.Close()
		t.Log(b.String())
	}
}

// TestTuneKnownDiff lists the known-item queries whose rank differs between
// the default parameters and ATTEST_PARAMS (tuning aid).
func TestTuneKnownDiff(t *testing.T) {
	spec := os.Getenv("ATTEST_KNOWN_DIFF")
	if spec == "" {
		t.Skip("set ATTEST_KNOWN_DIFF to parameters")
	}
	n := 5000
	_, ix := bleveEngine(t, t.TempDir(), n, Query{Scope: everything})
	defer ix.Close()
	rank := func(q knownItem) int {
		res := search(t, ix, Query{Scope: everything, Text: q.text})
		for i, h := range res.Hits {
			if q.relevant(article(int(h.ArticleID - 1))) {
				return i + 1
			}
		}
		return 0
	}
	base := ix.params
	alt := base
	applyParams(t, &alt, spec)
	for _, q := range knownItems(300, n) {
		ix.params = base
		a := rank(q)
		ix.params = alt
		b := rank(q)
		if a != b {
			t.Logf("%d -> %d %q", a, b, q.text)
		}
	}
}
