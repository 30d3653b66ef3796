package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// engine is a search implementation under evaluation: it answers a query
// with up to ten article ids, best first.
type engine struct {
	name   string
	search func(q string) ([]int64, error)
	close  func() error
}

// baselines are the engines compared with Search in the relevance report and
// the latency benchmark. The FTS5 baseline adds itself when built with the
// sqlite_fts5 tag. Each builds (or reuses) its index under dir of the
// documents docs() yields.
var baselines []func(tb testing.TB, dir string, docs func() func() (Doc, bool, error)) engine

// corpusOf yields the first n generated corpus articles.
func corpusOf(n int) func() func() (Doc, bool, error) {
	return func() func() (Doc, bool, error) { return corpus(n) }
}

// bleveEngine is our Search over an index of the first n corpus articles
// kept at dir (built when missing).
func bleveEngine(tb testing.TB, dir string, n int, q Query) (engine, *Index) {
	tb.Helper()
	return bleveEngineQuery(tb, dir, corpusOf(n), q)
}

// bleveEngineOf is our Search over an index of docs kept at dir.
func bleveEngineOf(tb testing.TB, dir string, docs func() func() (Doc, bool, error)) (engine, *Index) {
	tb.Helper()
	return bleveEngineQuery(tb, dir, docs, Query{Scope: everything})
}

func bleveEngineQuery(tb testing.TB, dir string, docs func() func() (Doc, bool, error), q Query) (engine, *Index) {
	tb.Helper()
	path := filepath.Join(dir, "index.bleve")
	if ok, _ := exists(path); !ok {
		start := time.Now()
		if err := Rebuild(path, docs(), nil); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("bleve: indexed in %v", time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	ix, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("bleve: opened in %v", time.Since(start).Round(time.Microsecond))
	tuneParams(tb, &ix.params)
	return engine{
		name: "bleve (Search)",
		search: func(text string) ([]int64, error) {
			q := q
			q.Text = text
			res, err := ix.Search(context.Background(), q)
			if err != nil {
				return nil, err
			}
			ids := make([]int64, len(res.Hits))
			for i, h := range res.Hits {
				ids[i] = h.ArticleID
			}
			return ids, nil
		},
		close: ix.Close,
	}, ix
}

type evalRow struct {
	name               string
	mrr, at1, at10     float64
	zero               int
	meanLatency, worst time.Duration
}

// evaluate runs every query on e and scores the answers against the corpus.
func evaluate(tb testing.TB, e engine, queries []knownItem) evalRow {
	tb.Helper()
	texts := make([]string, len(queries))
	for i, q := range queries {
		texts[i] = q.text
	}
	return evaluateWith(tb, e, texts, func(i int, id int64) bool { return queries[i].relevant(article(int(id - 1))) })
}

// evaluateWith runs every query on e and scores the answers: relevant(i,
// id) says whether article id answers query i.
func evaluateWith(tb testing.TB, e engine, queries []string, relevant func(i int, id int64) bool) evalRow {
	tb.Helper()
	row := evalRow{name: e.name}
	var total time.Duration
	for qi, text := range queries {
		start := time.Now()
		ids, err := e.search(text)
		d := time.Since(start)
		if err != nil {
			tb.Fatalf("%s: %q: %v", e.name, text, err)
		}
		total += d
		row.worst = max(row.worst, d)
		if len(ids) == 0 {
			row.zero++
		}
		for rank, id := range ids {
			if rank >= 10 {
				break
			}
			if relevant(qi, id) {
				row.mrr += 1 / float64(rank+1)
				if rank == 0 {
					row.at1++
				}
				row.at10++
				break
			}
		}
	}
	n := float64(len(queries))
	row.mrr /= n
	row.at1 /= n
	row.at10 /= n
	row.meanLatency = total / time.Duration(len(queries))
	return row
}

// TestRelevanceReport builds a 5,000-article corpus (ATTEST_EVAL_N to
// change), runs 300 known-item queries typed the way agents type, and
// reports MRR@10 for Search next to the baselines (SQLite FTS5 with
// -tags sqlite_fts5). Run it with -v to see the table; BenchmarkRelevance
// reports the same under make bench:
//
//	go test -tags sqlite_fts5 -run TestRelevanceReport -v ./search/
func TestRelevanceReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 5,000-article index")
	}
	n := envInt(t, "ATTEST_EVAL_N", 5000)
	queries := knownItems(300, n)
	be, ix := bleveEngine(t, t.TempDir(), n, Query{Scope: everything})
	if os.Getenv("ATTEST_EVAL_MISSES") != "" {
		logMisses(t, ix, queries)
	}
	rows := evaluateAll(t, t.TempDir(), n, be, queries)
	t.Log("\n" + relevanceTable(n, len(queries), rows))
	if got, want := rows[0].mrr, 0.90; got < want {
		t.Errorf("Search MRR@10 = %.3f, want at least %.2f", got, want)
	}
}

// BenchmarkRelevance is TestRelevanceReport under make bench: one
// iteration evaluates every engine on the queries and reports MRR@10 and
// hit@1 of each. Its indexes are kept with the benchmark indexes.
func BenchmarkRelevance(b *testing.B) {
	n := envInt(b, "ATTEST_EVAL_N", 5000)
	dir := benchDir(b, n)
	queries := knownItems(300, n)
	be, _ := bleveEngine(b, dir, n, Query{Scope: everything})
	var rows []evalRow
	for range b.N {
		rows = evaluateAll(b, dir, n, be, queries)
	}
	for _, r := range rows {
		name := strings.Fields(r.name)[0]
		b.ReportMetric(r.mrr, name+"-mrr@10")
		b.ReportMetric(r.at1, name+"-hit@1")
	}
	b.ReportMetric(0, "ns/op")
	fmt.Print("\n" + relevanceTable(n, len(queries), rows))
}

// evaluateAll evaluates ours and then each baseline (indexed under dir) on
// queries, closing them all.
func evaluateAll(tb testing.TB, dir string, n int, ours engine, queries []knownItem) []evalRow {
	tb.Helper()
	engines := []engine{ours}
	for _, newBaseline := range baselines {
		engines = append(engines, newBaseline(tb, dir, corpusOf(n)))
	}
	var rows []evalRow
	for _, e := range engines {
		rows = append(rows, evaluate(tb, e, queries))
		if err := e.close(); err != nil {
			tb.Fatal(err)
		}
	}
	return rows
}

// relevanceTable formats evaluation rows.
func relevanceTable(n, queries int, rows []evalRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "relevance: %d articles, %d known-item queries\n", n, queries)
	fmt.Fprintf(&b, "%-28s %7s %7s %8s %6s %10s %10s\n", "engine", "MRR@10", "hit@1", "hit@10", "zero", "mean", "max")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-28s %7.3f %7.3f %8.3f %6d %10v %10v\n", r.name, r.mrr, r.at1, r.at10, r.zero,
			r.meanLatency.Round(time.Microsecond), r.worst.Round(time.Microsecond))
	}
	return b.String()
}

// logMisses lists the queries whose target Search does not rank first, to
// help tuning (ATTEST_EVAL_MISSES=1).
func logMisses(t *testing.T, ix *Index, queries []knownItem) {
	t.Helper()
	type miss struct {
		q, top, want string
		rank         int
	}
	var misses []miss
	for _, q := range queries {
		res, err := ix.Search(context.Background(), Query{Scope: everything, Text: q.text})
		if err != nil {
			t.Fatal(err)
		}
		rank := 0
		for i, h := range res.Hits {
			if q.relevant(article(int(h.ArticleID - 1))) {
				rank = i + 1
				break
			}
		}
		if rank == 1 {
			continue
		}
		top := ""
		if len(res.Hits) > 0 {
			top = res.Hits[0].Title
		}
		tp := topics[q.target.topic]
		want := fmt.Sprintf("%s / %s / %s / %s / %s", tp.key, tp.products[q.target.product],
			platforms[q.target.platform].name, tp.symptoms[q.target.symptom].title, audiences[q.target.audience].name)
		misses = append(misses, miss{q.text, top, want, rank})
	}
	sort.Slice(misses, func(i, j int) bool { return misses[i].rank < misses[j].rank })
	for _, m := range misses {
		t.Logf("rank %2d  %q\n    top  %q\n    want %s", m.rank, m.q, m.top, m.want)
	}
}

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// tuneParams overrides ranking parameters from ATTEST_PARAMS
// ("describeWords=5,describeCoord=0.5"), for tuning on the tune halves.
func tuneParams(tb testing.TB, p *params) {
	tb.Helper()
	if spec := os.Getenv("ATTEST_PARAMS"); spec != "" {
		applyParams(tb, p, spec)
	}
}

// applyParams overrides ranking parameters from spec ("describeWords=5,describeCoord=0.5").
func applyParams(tb testing.TB, p *params, spec string) {
	tb.Helper()
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			tb.Fatalf("ATTEST_PARAMS %q: %v", kv, err)
		}
		switch k {
		case "describeWords":
			p.describeWords = int(f)
		case "describeStops":
			p.describeStops = f
		case "describeShare":
			p.describeShare = f
		case "describeFloor":
			p.describeFloor = int(f)
		case "describeCoord":
			p.describeCoord = f
		case "describeLead":
			p.describeLead = int(f)
		case "describeIDF":
			p.describeIDF = f
		case "related":
			p.related = f
		case "describeTitle":
			p.describeTitle = f
		case "describeK1":
			p.describeK1 = f
		case "describeDepth":
			p.describeDepth = int(f)
		case "describeProx":
			p.describeProx = f
		case "proxTitle":
			p.proxTitle = f
		case "proxBody":
			p.proxBody = f
		case "describeWeak":
			p.describeWeak = f
		case "bTitle":
			p.b[title] = f
		case "bBody":
			p.b[body] = f
		case "describeNeg":
			p.describeNeg = f != 0
		case "proxPostings":
			p.proxPostings = int(f)
		case "fbDocs":
			p.fbDocs = int(f)
		case "fbMinDocs":
			p.fbMinDocs = int(f)
		case "fbTerms":
			p.fbTerms = int(f)
		case "fbWeight":
			p.fbWeight = f
		case "fbShare":
			p.fbShare = f
		case "synonym":
			p.synonym = f
		case "k1":
			p.k1 = f
		case "titleWeight":
			p.weight[title] = f
		case "coord":
			p.coord = f
		default:
			tb.Fatalf("ATTEST_PARAMS: unknown parameter %q", k)
		}
	}
}
