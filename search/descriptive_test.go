package search

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// The descriptive-query evaluation: needs described in an agent's words
// (descriptive_queries_test.go) over a public corpus nobody here wrote, the
// manual pages of a Debian 12 system (testdata/manpages: about 1,850 pages
// of sections 1, 5, 7 and 8, each cut to 4,000 bytes; see its README for
// where they come from and their licences). Pages are named name.section;
// a query is answered by any of the pages it lists.

// descriptiveBaselines are engines compared with Search on the descriptive
// queries besides the baselines: FTS5 over the OR of the words, with
// -tags sqlite_fts5.
var descriptiveBaselines []func(tb testing.TB, dir string, docs func() func() (Doc, bool, error)) engine

// manPage is one page of the corpus.
type manPage struct {
	name string
	Doc
}

// manCorpus reads testdata/manpages/pages.tsv.gz.
func manCorpus(tb testing.TB) []manPage {
	tb.Helper()
	f, err := os.Open("testdata/manpages/pages.tsv.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(z)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pages []manPage
	for sc.Scan() {
		name, rest, ok1 := strings.Cut(sc.Text(), "\t")
		title, body, ok2 := strings.Cut(rest, "\t")
		if !ok1 || !ok2 {
			tb.Fatalf("malformed line %d", len(pages)+1)
		}
		id := int64(len(pages) + 1)
		pages = append(pages, manPage{name: name, Doc: Doc{ArticleID: id, Version: 1, Title: title, Body: body}})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return pages
}

// descriptiveHalf is which queries an evaluation runs: the tune half (even
// positions), the test half (odd) or all.
type descriptiveHalf int

const (
	allQueries descriptiveHalf = iota
	tuneHalf
	testHalf
)

func (h descriptiveHalf) String() string {
	return [...]string{"all", "tune", "test"}[h]
}

// descriptiveEval runs the queries of half on Search and the baselines.
func descriptiveEval(tb testing.TB, dir string, half descriptiveHalf) ([]evalRow, int, int) {
	tb.Helper()
	pages := manCorpus(tb)
	byName := map[string]int64{}
	for _, p := range pages {
		byName[p.name] = p.ArticleID
	}
	var texts []string
	var answers []map[int64]bool
	for i, q := range descriptiveQueries {
		if (half == tuneHalf && i%2 == 1) || (half == testHalf && i%2 == 0) {
			continue
		}
		right := map[int64]bool{}
		for _, name := range q.pages {
			id, ok := byName[name]
			if !ok {
				tb.Fatalf("query %q: no page %s in the corpus", q.text, name)
			}
			right[id] = true
		}
		texts = append(texts, q.text)
		answers = append(answers, right)
	}
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
	relevant := func(i int, id int64) bool { return answers[i][id] }
	ours, _ := bleveEngineOf(tb, dir, docs)
	engines := []engine{ours}
	for _, newBaseline := range append(slices.Clone(baselines), descriptiveBaselines...) {
		engines = append(engines, newBaseline(tb, dir, docs))
	}
	var rows []evalRow
	for _, e := range engines {
		rows = append(rows, evaluateWith(tb, e, texts, relevant))
		if err := e.close(); err != nil {
			tb.Fatal(err)
		}
	}
	return rows, len(pages), len(texts)
}

// TestRelevanceDescriptive reports MRR@10 on the descriptive queries for
// Search next to the baselines (with -v), on each half and on all of them,
// and fails when Search falls below where it stands. ATTEST_EVAL_MISSES=1
// lists Search's misses on the tune half (never tune on the test half).
//
//	go test -tags sqlite_fts5 -run TestRelevanceDescriptive -v ./search/
func TestRelevanceDescriptive(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 1,850 manual pages")
	}
	dir := t.TempDir()
	for _, half := range []descriptiveHalf{tuneHalf, testHalf, allQueries} {
		rows, pages, queries := descriptiveEval(t, dir, half)
		t.Logf("\ndescriptive (%s half) %s", half, relevanceTable(pages, queries, rows))
		if fts, ok := rowNamed(rows, fts5OrName); ok {
			switch half {
			case tuneHalf:
				if got, want := rows[0].mrr, fts.mrr+descriptiveLead; got < want {
					t.Errorf("tune half: Search MRR@10 = %.3f, want at least FTS5's %.3f + %.2f", got, fts.mrr, descriptiveLead)
				}
			case testHalf:
				if got := rows[0].mrr; got <= fts.mrr {
					t.Errorf("test half: Search MRR@10 = %.3f, want above FTS5's %.3f", got, fts.mrr)
				}
			}
		}
		if half == allQueries {
			if got, want := rows[0].mrr, descriptiveFloor; got < want {
				t.Errorf("Search MRR@10 on the descriptive queries = %.3f, want at least %.2f", got, want)
			}
		}
	}
	if os.Getenv("ATTEST_EVAL_MISSES") != "" {
		descriptiveMisses(t, dir)
	}
}

// fts5OrName is the name of the FTS5 baseline over the OR of the words.
const fts5OrName = "fts5 bm25(10,1) OR"

// descriptiveLead is how far Search must rank above FTS5 over the OR of the
// words on the tune half (measured in the same run, with -tags
// sqlite_fts5): it stands 0.11-0.13 above since general words weigh less,
// negations do not make keywords a description and feedback re-ranks (0.07
// before).
const descriptiveLead = 0.09

// On the held-out test half Search must rank above FTS5 over the OR of the
// words, measured in the same run (issue 19's floor; its aim, 0.10 above,
// is not met): it stands 0.01-0.02 above since the words most of a
// description's best matches share re-rank them (feedback.go), 0.01 below
// before.

// rowNamed finds the evaluation row of the engine called name.
func rowNamed(rows []evalRow, name string) (evalRow, bool) {
	for _, r := range rows {
		if r.name == name {
			return r, true
		}
	}
	return evalRow{}, false
}

// descriptiveFloor is a little below where Search stands on all the
// descriptive queries (0.46-0.47): a guard against losing what query
// planning and feedback won.
const descriptiveFloor = 0.45

// descriptiveMisses lists the tune-half queries whose answer Search does not
// rank first.
func descriptiveMisses(t *testing.T, dir string) {
	pages := manCorpus(t)
	_, ix := bleveEngineOf(t, dir, nil)
	defer ix.Close()
	for i, q := range descriptiveQueries {
		if i%2 == 1 {
			continue
		}
		res, err := ix.Search(context.Background(), Query{Scope: everything, Text: q.text})
		if err != nil {
			t.Fatal(err)
		}
		rank := 0
		var top []string
		for j, h := range res.Hits {
			name := pages[h.ArticleID-1].name
			if j < 3 {
				top = append(top, name)
			}
			for _, p := range q.pages {
				if p == name && rank == 0 {
					rank = j + 1
				}
			}
		}
		if rank != 1 {
			t.Logf("rank %2d (of %d) %q want %v\n    top %v", rank, res.Total, q.text, q.pages, top)
		}
	}
}

// BenchmarkRelevanceDescriptive is TestRelevanceDescriptive (all queries)
// under make bench.
func BenchmarkRelevanceDescriptive(b *testing.B) {
	var rows []evalRow
	var pages, queries int
	for range b.N {
		rows, pages, queries = descriptiveEval(b, b.TempDir(), allQueries)
	}
	for _, r := range rows {
		name := strings.Fields(r.name)[0]
		b.ReportMetric(r.mrr, name+"-mrr@10")
		b.ReportMetric(r.at10, name+"-hit@10")
	}
	b.ReportMetric(0, "ns/op")
	fmt.Print("\ndescriptive " + relevanceTable(pages, queries, rows))
}
