package search

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"attest/kb"
)

// Feed is where the indexer reads what changed: the kb store's search change log.
type Feed interface {
	SearchChanges(ctx context.Context, after int64, limit int) (ids []int64, upTo int64, err error)
	SearchDocs(ctx context.Context, ids []int64) ([]kb.SearchDoc, error)
}

// Indexer keeps the index in line with the database by applying the change log in batches,
// recording in the same Bleve batch how far it got. Whatever crashed when, the next run
// starts from the recorded position and converges: applying a change twice is harmless,
// because each change is applied as "make this article look as the database says now".
type Indexer struct {
	ix   *Index
	feed Feed
	log  *slog.Logger
	// Interval is how often the log is polled (other processes, such as attest import,
	// write to it too).
	Interval time.Duration
	wake     chan struct{}
	// caughtUp is closed once the index has applied the whole change log as it stood
	// when Run started.
	caughtUp chan struct{}
}

// NewIndexer returns an indexer that polls every 100 ms.
func NewIndexer(ix *Index, feed Feed, log *slog.Logger) *Indexer {
	return &Indexer{ix: ix, feed: feed, log: log, Interval: 100 * time.Millisecond, wake: make(chan struct{}, 1),
		caughtUp: make(chan struct{})}
}

// Wake asks the indexer to look at the change log now (after a commit in this process).
func (x *Indexer) Wake() {
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// CaughtUp is closed once Run has applied the change log as it stood when Run started: until
// then this node's searches may miss recent changes (a new node builds its index first).
func (x *Indexer) CaughtUp() <-chan struct{} { return x.caughtUp }

// Run applies the change log until ctx ends.
func (x *Indexer) Run(ctx context.Context) {
	t := time.NewTicker(x.Interval)
	defer t.Stop()
	first := true
	for {
		if _, err := x.CatchUp(ctx); err != nil && ctx.Err() == nil {
			x.log.Error("search indexer", "err", err)
		} else if first && err == nil {
			first = false
			close(x.caughtUp)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-x.wake:
		}
	}
}

// CatchUp applies every pending change and returns how many articles it touched.
func (x *Indexer) CatchUp(ctx context.Context) (int, error) {
	total := 0
	for {
		pos, err := x.ix.Position()
		if err != nil {
			return total, err
		}
		ids, upTo, err := x.feed.SearchChanges(ctx, pos, 2000)
		if err != nil {
			return total, err
		}
		if upTo == pos {
			return total, nil
		}
		docs, err := x.feed.SearchDocs(ctx, ids)
		if err != nil {
			return total, err
		}
		upserts := make([]Doc, 0, len(docs))
		present := make(map[int64]bool, len(docs))
		for _, d := range docs {
			present[d.ArticleID] = true
			upserts = append(upserts, FromKB(d))
		}
		var deletes []int64
		for _, id := range ids {
			if !present[id] {
				deletes = append(deletes, id)
			}
		}
		if err := x.ix.ApplyAt(upserts, deletes, upTo); err != nil {
			return total, fmt.Errorf("search: apply changes up to %d: %w", upTo, err)
		}
		total += len(ids)
	}
}

// FromKB converts the kb store's document into an index document.
func FromKB(d kb.SearchDoc) Doc {
	return Doc{ArticleID: d.ArticleID, Version: d.Version, Title: d.Title, Body: d.Text,
		RequestTypes: d.RequestTypes, Tags: d.Tags}
}
