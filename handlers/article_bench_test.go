package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"attest/kb"
	"attest/kb/kbtest"
)

// BenchmarkArticleReadHTTP measures an agent reading an article over HTTP with 16 concurrent
// clients (budget: ≥ 5,000 requests/s on the 2-core machine). The read path serves stored HTML:
// no Markdown is rendered.
func BenchmarkArticleReadHTTP(b *testing.B) {
	ts := newTestServer(b)
	var ids []int64
	for i := range 50 {
		ids = append(ids, kbtest.Publish(b, ts.Org, ts.KB, fmt.Sprintf("Procedure %d", i),
			fmt.Sprintf("# Procedure %d\n\n1. Verify the caller.\n2. Reset the account.\n3. Log it.\n", i), "password-reset"))
	}
	token := ts.api(b, "alice").token
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	const clients = 16
	duration := 3 * time.Second
	var n, bad atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := c; time.Since(start) < duration; i++ {
				req, _ := http.NewRequestWithContext(context.Background(), "GET", fmt.Sprintf("%s/api/v1/articles/%d", ts.URL, ids[i%len(ids)]), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					bad.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					bad.Add(1)
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if bad.Load() > 0 {
		b.Fatalf("%d of %d reads failed", bad.Load(), n.Load())
	}
	b.ReportMetric(float64(n.Load())/elapsed.Seconds(), "reads/s")
}

// BenchmarkVersionSaveAt100k measures saving a new version among 100,000 existing articles
// (budget: ≤ 5 ms per save).
func BenchmarkVersionSaveAt100k(b *testing.B) {
	ts := newTestServer(b)
	ctx := context.Background()
	km1 := ts.Org.User(b, "km1")
	// The 100,000 articles are written in bulk (each an approved version 1); the saves under
	// measurement go through the domain method.
	tx, err := ts.Org.DB.Write.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	r, err := kb.Render(ctx, "1. Verify the caller.\n2. Reset the account.\n")
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 100_000; i++ {
		if _, err := tx.Exec(`INSERT INTO articles (id, created_by, created_at) VALUES (?, ?, '2026-01-01T00:00:00.000000000Z')`, i, km1.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO versions (article_id, number, base, title, body, html, plain, author_id, created_at, status, decided_at, decided_by)
			VALUES (?, 1, 0, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000000000Z', 'approved', '2026-01-01T00:00:00.000000000Z', ?)`,
			i, fmt.Sprintf("Procedure %d", i), "1. Verify the caller.\n2. Reset the account.\n", r.HTML, r.Text, km1.ID, km1.ID); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	const saves = 500
	b.ResetTimer()
	start := time.Now()
	for i := range saves {
		id := int64(1 + (i*7919)%100_000)
		if _, err := ts.KB.SaveVersion(ctx, km1, id, kb.NewVersion{Base: 1, Title: "Procedure", Body: fmt.Sprintf("1. Verify the caller.\n2. Reset account %d.\n", i), Note: "bench"}); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(elapsed.Microseconds())/1000/saves, "ms/save")
}
