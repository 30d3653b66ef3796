package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"attest/kb"
)

// BenchmarkSearchLearned measures the learned-vocabulary hook (learned.go) on the query mix of
// BenchmarkSearch: the same queries, every one as an agent of supplier 1, first with nothing
// learned (the hook returns at once), then with a large learned vocabulary (5 suppliers, 20,000
// searches that led to use, on random articles), in the same run, so both meet the same load:
//
//	go test -run '^$' -bench SearchLearned -benchtime 1x ./search/
func BenchmarkSearchLearned(b *testing.B) {
	n := benchSize(b)
	dir := benchDir(b, n)
	queries := benchQueries(n)
	for i := range queries {
		queries[i].Supplier = 1
	}
	_, ix := bleveEngine(b, dir, n, Query{Scope: everything})
	defer ix.Close()

	// The vocabulary: the mix's own texts (so that its queries do hit learned words), taught
	// by 1–5 agents each on random articles, for 5 suppliers.
	rnd := rand.New(rand.NewPCG(1, 2))
	var cs []kb.LearnedContribution
	var qs []kb.LearnedQuery
	now := time.Now()
	for i := range 20000 {
		text := queries[i%len(queries)].Text
		supplier := int64(1 + i%5)
		article := int64(1 + rnd.IntN(n))
		at := now.Add(-time.Duration(rnd.IntN(200*24)) * time.Hour)
		for range 1 + rnd.IntN(5) {
			for _, t := range ix.learnTerms(text) {
				cs = append(cs, kb.LearnedContribution{SupplierID: supplier, ArticleID: article, Term: t, LastAt: at})
			}
		}
		qs = append(qs, kb.LearnedQuery{SupplierID: supplier, ArticleID: article, Query: kb.NormalizeQuery(text), LastAt: at})
	}
	start := time.Now()
	table := ix.newLearnedTable(cs, qs, now)
	loaded := time.Since(start)

	// Each query runs without and with the table right after each other, so that both meet
	// the same machine load (the machine is shared).
	search := func(q Query) time.Duration {
		start := time.Now()
		if _, err := ix.Search(context.Background(), q); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for _, q := range queries[:400] { // warm up
		search(q)
	}
	total := max(b.N, len(queries))
	without := make([]time.Duration, 0, total)
	with := make([]time.Duration, 0, total)
	b.ResetTimer()
	for i := range total {
		q := queries[i%len(queries)]
		ix.learned.Store(nil)
		without = append(without, search(q))
		ix.learned.Store(table)
		with = append(with, search(q))
	}
	before := percentiles("nothing learned", without)
	after := percentiles(fmt.Sprintf("%d learned contributions", len(cs)), with)
	b.StopTimer()
	b.ReportMetric(float64(before.p50.Microseconds())/1000, "before-p50-ms")
	b.ReportMetric(float64(before.p99.Microseconds())/1000, "before-p99-ms")
	b.ReportMetric(float64(after.p50.Microseconds())/1000, "learned-p50-ms")
	b.ReportMetric(float64(after.p99.Microseconds())/1000, "learned-p99-ms")
	b.ReportMetric(0, "ns/op")
	fmt.Printf("\nsearch latency with the learned-vocabulary hook, %d articles, one client (table built in %v):\n", n, loaded.Round(time.Millisecond))
	for _, l := range []latency{before, after} {
		fmt.Printf("%-36s p50 %10v p99 %10v mean %10v max %10v\n", l.name, l.p50.Round(10*time.Microsecond), l.p99.Round(10*time.Microsecond),
			l.mean.Round(10*time.Microsecond), l.max.Round(10*time.Microsecond))
	}
}
