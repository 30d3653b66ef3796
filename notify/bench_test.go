package notify

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"attest/outbox"
)

// queueHooks commits n article.approved events for every webhook, one transaction each.
func queueHooks(b *testing.B, f *fixture, n int) {
	b.Helper()
	for i := range n {
		err := f.org.DB.Tx(context.Background(), func(tx *sql.Tx) error {
			return outbox.Hook(context.Background(), tx, outbox.ArticleApproved, map[string]any{"article": i},
				func(int64) (bool, error) { return true, nil })
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookThroughput: signed POSTs delivered and marked per second by one worker to a
// local receiver (claim, sign, POST, mark: three transactions per delivery).
func BenchmarkWebhookThroughput(b *testing.B) {
	f := newFixture(b)
	rc := newReceiver(b, secret)
	f.hook(b, "acme", rc.srv.URL, outbox.ArticleApproved)
	queueHooks(b, f, b.N)
	w := f.worker(b)
	b.ResetTimer()
	start := time.Now()
	n, err := w.Step(context.Background())
	if err != nil || n != b.N {
		b.Fatalf("delivered %d of %d: %v", n, b.N, err)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "deliveries/s")
}

// BenchmarkWebhookLatency: from the commit of a change to the receiver's answer, with a
// running worker at its default poll interval (1 s).
func BenchmarkWebhookLatency(b *testing.B) {
	f := newFixture(b)
	rc := newReceiver(b, secret)
	f.hook(b, "acme", rc.srv.URL, outbox.ArticleApproved)
	w, err := NewWorker(f.org.DB, Config{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { stop(); <-done }()
	var total time.Duration
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		queueHooks(b, f, 1)
		for len(rc.posts()) < i+1 {
			if time.Since(start) > 10*time.Second {
				b.Fatal("not delivered within 10 s")
			}
			time.Sleep(2 * time.Millisecond) // polling the receiver, not waiting for the worker
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/delivery")
}
