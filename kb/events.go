package kb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"attest/accounts"
	"attest/database"
)

// Views and searches are recorded through a bounded in-memory buffer that a background writer
// empties in batches (one transaction per batch, prepared statements), so that recording never
// slows a page. When the buffer is full an event is dropped and counted, never silently: the
// count is on /admin and in the logs. Ticket usage and feedback do not go through it: they are
// evidence and are committed before the caller is answered (usage.go, feedback.go).

const (
	// EventBufferSize bounds the buffer of views and searches: about three seconds of the 20,000 events/s budget.
	EventBufferSize = 1 << 16
	// maxEventBatch bounds one write transaction.
	maxEventBatch = 4096
	// maxQueryLen bounds a recorded search query (in characters).
	maxQueryLen = 500
	// droppedLogEvery is how often the writer logs a grown dropped count.
	droppedLogEvery = 10 * time.Second
)

type eventKind uint8

const (
	eventView eventKind = iota + 1
	eventSearch
	eventClick
	eventFlush // a marker: everything before it is written when it is reached
)

// event is one buffered record.
type event struct {
	kind       eventKind
	at         string
	userID     int64
	supplierID int64
	articleID  int64
	version    int
	query      string // as typed (searches), normalized (clicks)
	results    int
	flushed    chan error // eventFlush only
}

// recorder is the buffer, its writer and the dropped counter. Its zero value is ready: the
// channel is made on first use.
type recorder struct {
	once    sync.Once
	ch      chan event
	dropped atomic.Int64

	// mu orders starting, stopping, flushing and synchronous draining.
	mu      sync.Mutex
	running bool
	stop    chan struct{}
	done    chan struct{}
	log     *slog.Logger

	usage groupCommit     // ticket usage (usage.go)
	stmts usageStatements // its prepared statements
}

func (r *recorder) buffer() chan event {
	r.once.Do(func() { r.ch = make(chan event, EventBufferSize) })
	return r.ch
}

// enqueue adds e to the buffer without ever waiting; a full buffer drops and counts it.
func (s *Store) enqueue(e event) {
	select {
	case s.events.buffer() <- e:
	default:
		s.events.dropped.Add(1)
	}
}

// DroppedEvents returns how many buffered usage events (views, searches) were dropped because
// the buffer was full (or could not be written) since the process started.
func (s *Store) DroppedEvents() int64 { return s.events.dropped.Load() }

// PendingEvents returns how many events wait in the buffer.
func (s *Store) PendingEvents() int { return len(s.events.buffer()) }

func eventSupplier(u *accounts.User) int64 {
	if u == nil {
		return 0
	}
	return u.SupplierID
}

// NormalizeQuery is how searches are compared in reports: trimmed and lower-cased.
func NormalizeQuery(q string) string { return strings.ToLower(strings.TrimSpace(q)) }

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// RecordView records that actor read version of article articleID. It never blocks: the
// record is buffered and written within a second by the recorder (StartRecorder).
func (s *Store) RecordView(actor *accounts.User, articleID int64, version int) {
	s.RecordViewAt(actor, articleID, version, time.Now())
}

// RecordViewAt is RecordView with an explicit time, for imports and the demo only: live
// reads use RecordView.
func (s *Store) RecordViewAt(actor *accounts.User, articleID int64, version int, at time.Time) {
	if actor == nil || articleID <= 0 {
		return
	}
	s.enqueue(event{kind: eventView, at: database.Format(at), userID: actor.ID, supplierID: eventSupplier(actor),
		articleID: articleID, version: version})
}

// RecordSearch records that actor searched for query and got results hits (0 for a search that
// found nothing: the gap report's zero-result queries). Buffered, never blocks; an empty query
// is not recorded.
func (s *Store) RecordSearch(actor *accounts.User, query string, results int) {
	s.RecordSearchAt(actor, query, results, time.Now())
}

// RecordSearchAt is RecordSearch with an explicit time, for imports and the demo only.
func (s *Store) RecordSearchAt(actor *accounts.User, query string, results int, at time.Time) {
	query = clipRunes(strings.TrimSpace(query), maxQueryLen)
	if actor == nil || query == "" {
		return
	}
	s.enqueue(event{kind: eventSearch, at: database.Format(at), userID: actor.ID, supplierID: eventSupplier(actor),
		query: query, results: max(results, 0)})
}

// RecordSearchClick records that actor opened article articleID from the results of query:
// actor's latest search for that query (compared trimmed and lower-cased) that has no opened
// article yet is marked as having opened it. Buffered, never blocks.
func (s *Store) RecordSearchClick(actor *accounts.User, query string, articleID int64) {
	s.RecordSearchClickAt(actor, query, articleID, time.Now())
}

// RecordSearchClickAt is RecordSearchClick with an explicit time, for imports and the demo only.
func (s *Store) RecordSearchClickAt(actor *accounts.User, query string, articleID int64, at time.Time) {
	q := NormalizeQuery(clipRunes(strings.TrimSpace(query), maxQueryLen))
	if actor == nil || q == "" || articleID <= 0 {
		return
	}
	s.enqueue(event{kind: eventClick, at: database.Format(at), userID: actor.ID, query: q, articleID: articleID})
}

// StartRecorder starts the background writer that empties the event buffer in batches, within
// a second of an event being recorded, and logs (to log, or slog's default when nil) when the
// dropped count grows. It stops when ctx ends or at Close. Calling it while it runs does
// nothing.
func (s *Store) StartRecorder(ctx context.Context, log *slog.Logger) {
	r := &s.events
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	r.running, r.log = true, log
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	go s.runRecorder(ctx, r.buffer(), r.stop, r.done)
}

func (s *Store) runRecorder(ctx context.Context, ch chan event, stop, done chan struct{}) {
	r := &s.events
	defer close(done)
	tick := time.NewTicker(droppedLogEvery)
	defer tick.Stop()
	var logged int64
	batch := make([]event, 0, maxEventBatch)
	for {
		select {
		case e := <-ch:
			batch = append(batch[:0], e)
		drain:
			for len(batch) < maxEventBatch {
				select {
				case e := <-ch:
					batch = append(batch, e)
				default:
					break drain
				}
			}
			s.writeEvents(context.WithoutCancel(ctx), batch)
		case <-tick.C:
			if n := r.dropped.Load(); n > logged {
				r.log.Warn("usage events dropped: the recording buffer was full", "dropped_total", n, "since_last_log", n-logged)
				logged = n
			}
		case <-ctx.Done():
			// Write what is left (flush markers included) so that no caller waits forever.
			r.mu.Lock()
			if r.stop == stop {
				r.running = false
			}
			s.drain(context.WithoutCancel(ctx))
			r.mu.Unlock()
			return
		case <-stop:
			return
		}
	}
}

// Flush writes every event recorded before the call to the database: reports call it before
// they read. Errors: the context's, or the database's.
func (s *Store) Flush(ctx context.Context) error {
	r := &s.events
	r.mu.Lock()
	if !r.running {
		defer r.mu.Unlock()
		return s.drain(ctx)
	}
	m := make(chan error, 1)
	select {
	case r.buffer() <- event{kind: eventFlush, flushed: m}:
	case <-ctx.Done():
		r.mu.Unlock()
		return fmt.Errorf("kb: flush events: %w", ctx.Err())
	}
	r.mu.Unlock()
	select {
	case err := <-m:
		return err
	case <-ctx.Done():
		return fmt.Errorf("kb: flush events: %w", ctx.Err())
	}
}

// Close stops the background writer and writes every buffered event (graceful shutdown).
// Events recorded after Close stay buffered until the next Flush.
func (s *Store) Close(ctx context.Context) error {
	r := &s.events
	r.mu.Lock()
	if r.running {
		close(r.stop)
		done := r.done
		r.running = false
		r.mu.Unlock()
		select {
		case <-done:
		case <-ctx.Done():
			return fmt.Errorf("kb: close recorder: %w", ctx.Err())
		}
		r.mu.Lock()
	}
	defer r.mu.Unlock()
	return s.drain(ctx)
}

// drain writes the buffer in the caller's goroutine until it is empty. r.mu is held.
func (s *Store) drain(ctx context.Context) error {
	ch := s.events.buffer()
	var errs []error
	batch := make([]event, 0, maxEventBatch)
	for {
		batch = batch[:0]
	fill:
		for len(batch) < maxEventBatch {
			select {
			case e := <-ch:
				batch = append(batch, e)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return errors.Join(errs...)
		}
		if err := s.writeEvents(ctx, batch); err != nil {
			errs = append(errs, err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kb: flush events: %w", err)
		}
	}
}

// writeEvents writes a batch in one transaction with prepared statements, then answers the
// flush markers in it. A batch that cannot be written is counted as dropped and logged.
func (s *Store) writeEvents(ctx context.Context, batch []event) error {
	n := 0
	for _, e := range batch {
		if e.kind != eventFlush {
			n++
		}
	}
	var err error
	if n > 0 {
		err = s.db.AppendTx(ctx, func(tx *sql.Tx) error { return insertEvents(ctx, tx, batch) })
		if err != nil {
			s.events.dropped.Add(int64(n))
			log := s.events.log
			if log == nil {
				log = slog.Default()
			}
			log.Error("usage events could not be written and were dropped", "events", n, "err", err)
			err = fmt.Errorf("kb: write %d usage events: %w", n, err)
		}
	}
	for _, e := range batch {
		if e.kind == eventFlush {
			e.flushed <- err
		}
	}
	return err
}

func insertEvents(ctx context.Context, tx *sql.Tx, batch []event) error {
	// Views and searches go in as multi-row inserts (one statement per 100 rows: on
	// PostgreSQL each statement is a round trip); clicks then mark the searches they follow,
	// which are all written by then.
	var views, searches [][]any
	for _, e := range batch {
		switch e.kind {
		case eventView:
			views = append(views, []any{e.at, e.userID, usageNullID(e.supplierID), e.articleID, e.version})
		case eventSearch:
			searches = append(searches, []any{e.at, e.userID, usageNullID(e.supplierID), e.query, NormalizeQuery(e.query), e.results})
		}
	}
	if err := database.InsertRows(ctx, tx, `INSERT INTO article_views (at, user_id, supplier_id, article_id, version) VALUES `, views); err != nil {
		return err
	}
	if err := database.InsertRows(ctx, tx, `INSERT INTO search_queries (at, user_id, supplier_id, query, normalized, results) VALUES `, searches); err != nil {
		return err
	}
	var clicks *sql.Stmt
	defer func() {
		if clicks != nil {
			clicks.Close()
		}
	}()
	for _, e := range batch {
		if e.kind != eventClick {
			continue
		}
		if clicks == nil {
			var err error
			if clicks, err = tx.PrepareContext(ctx, `UPDATE search_queries SET opened_article_id = ?
				WHERE id = (SELECT id FROM search_queries WHERE user_id = ? AND normalized = ? AND opened_article_id IS NULL
					AND at <= ? ORDER BY id DESC LIMIT 1)`); err != nil {
				return err
			}
		}
		if _, err := clicks.ExecContext(ctx, e.articleID, e.userID, e.query, e.at); err != nil {
			return err
		}
	}
	return nil
}

// nullID stores 0 as NULL (no supplier).
func usageNullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
