package kb_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"attest/kb"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func count(t testing.TB, o *usageOrg, table string) int {
	t.Helper()
	var n int
	if err := o.DB.Read.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecorderFlushesOnShutdown(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Reset a password", "password-reset")
	alice := o.User(t, "alice")
	o.KB.StartRecorder(ctx, quiet())
	for i := range 3000 {
		o.KB.RecordView(alice, id, 1)
		if i%2 == 0 {
			o.KB.RecordSearch(alice, "reset password", 1)
		}
	}
	if err := o.KB.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := count(t, o, "article_views"), 3000; got != want {
		t.Errorf("after Close: %d views written, want %d", got, want)
	}
	if got, want := count(t, o, "search_queries"), 1500; got != want {
		t.Errorf("after Close: %d searches written, want %d", got, want)
	}
	if got := o.KB.DroppedEvents(); got != 0 {
		t.Errorf("DroppedEvents = %d, want 0", got)
	}
	// After Close, events wait in the buffer until the next flush; nothing is lost.
	o.KB.RecordView(alice, id, 1)
	if err := o.KB.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := count(t, o, "article_views"), 3001; got != want {
		t.Errorf("after a late Flush: %d views, want %d", got, want)
	}
}

func TestRecorderStopsWithItsContext(t *testing.T) {
	o := newUsageOrg(t)
	ctx, cancel := context.WithCancel(context.Background())
	id := o.approved(t, "Reset a password", "password-reset")
	o.KB.StartRecorder(ctx, quiet())
	for range 100 {
		o.KB.RecordView(o.User(t, "alice"), id, 1)
	}
	cancel()
	if err := o.KB.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := count(t, o, "article_views"), 100; got != want {
		t.Errorf("%d views written, want %d", got, want)
	}
}

func TestRecorderWritesInTheBackground(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	o.KB.StartRecorder(ctx, quiet())
	t.Cleanup(func() { o.KB.Close(ctx) })
	o.KB.RecordSearch(o.User(t, "alice"), "toner", 0)
	// The budget (within one second) is measured by the benchmark; here: it happens unasked.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for count(t, o, "search_queries") == 0 {
		select {
		case <-deadline:
			t.Fatal("the search was not written by the background writer")
		case <-tick.C:
		}
	}
}

func TestRecorderCountsDrops(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	alice := o.User(t, "alice")
	// No writer runs: the buffer fills, the surplus is dropped and counted; recording never waits.
	for range kb.EventBufferSize + 25 {
		o.KB.RecordSearch(alice, "vpn", 2)
	}
	if got, want := o.KB.DroppedEvents(), int64(25); got != want {
		t.Errorf("DroppedEvents = %d, want %d", got, want)
	}
	if err := o.KB.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := count(t, o, "search_queries"), kb.EventBufferSize; got != want {
		t.Errorf("%d searches written, want the %d buffered", got, want)
	}
}

func TestRecordSearchClick(t *testing.T) {
	o := newUsageOrg(t)
	ctx := context.Background()
	id := o.approved(t, "Install the VPN client", "vpn-access")
	alice := o.User(t, "alice")
	o.KB.RecordSearch(alice, "  VPN Client ", 3)
	o.KB.RecordSearch(alice, "printer", 0)
	o.KB.RecordSearchClick(alice, "vpn client", id)
	o.KB.RecordSearch(alice, "   ", 0) // empty: not recorded
	if err := o.KB.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var q, norm string
	var opened int64
	if err := o.DB.Read.QueryRow(`SELECT query, normalized, opened_article_id FROM search_queries WHERE opened_article_id IS NOT NULL`).
		Scan(&q, &norm, &opened); err != nil {
		t.Fatal(err)
	}
	if q != "VPN Client" || norm != "vpn client" || opened != id {
		t.Errorf("opened search = %q %q %d, want %q %q %d", q, norm, opened, "VPN Client", "vpn client", id)
	}
	if got := count(t, o, "search_queries"); got != 2 {
		t.Errorf("%d searches recorded, want 2", got)
	}
}
