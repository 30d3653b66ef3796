package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"attest/kb"
	"attest/search"
)

// indexDir is the Bleve index inside the data directory.
func indexDir(dataDir string) string { return filepath.Join(dataDir, "index.bleve") }

// lockIndex takes the data directory's index lock, so that `attest reindex` and
// `attest serve` never both write the index. It returns the unlock function.
func lockIndex(dataDir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "index.lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("index lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, errors.New("the search index is in use: is `attest serve` running on this data directory? Stop it first")
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}

// openIndex opens the search index, rebuilding it from the database when it is missing its
// mapping version (a new Attest changed how articles are indexed) or cannot be opened.
// The database is the source of truth; the index can always be rebuilt from it.
func openIndex(ctx context.Context, k *kb.Store, dataDir string, log *slog.Logger, out io.Writer) (*search.Index, error) {
	path := indexDir(dataDir)
	ix, err := search.Open(path)
	if err == nil {
		return ix, nil
	}
	log.Warn("search index unusable; rebuilding it from the database", "err", err)
	if err := os.RemoveAll(path); err != nil {
		return nil, fmt.Errorf("remove unusable index: %w", err)
	}
	if err := rebuild(ctx, k, path, out); err != nil {
		return nil, err
	}
	return search.Open(path)
}

// rebuild builds the index from every current approved article, recording the change-log
// position read before the documents, so that changes made meanwhile are applied after.
func rebuild(ctx context.Context, k *kb.Store, path string, out io.Writer) error {
	pos, err := k.LastSearchChange(ctx)
	if err != nil {
		return err
	}
	docs := make(chan kb.SearchDoc, 1024)
	errc := make(chan error, 1)
	go func() {
		defer close(docs)
		errc <- k.EachSearchDoc(ctx, func(d kb.SearchDoc) error {
			select {
			case docs <- d:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	next := func() (search.Doc, bool, error) {
		d, ok := <-docs
		if !ok {
			return search.Doc{}, false, <-errc
		}
		return search.FromKB(d), true, nil
	}
	start := time.Now()
	last := time.Time{}
	progress := func(n int) {
		if time.Since(last) > 200*time.Millisecond {
			fmt.Fprintf(out, "\rindexed %d articles", n)
			last = time.Now()
		}
	}
	n := 0
	counting := func() (search.Doc, bool, error) {
		d, ok, err := next()
		if ok {
			n++
		}
		return d, ok, err
	}
	if err := search.RebuildAt(path, pos, counting, progress); err != nil {
		return err
	}
	fmt.Fprintf(out, "\rindexed %d articles in %.1fs\n", n, time.Since(start).Seconds())
	return nil
}

func (m *Main) reindex(ctx context.Context, args []string) error {
	fs, data := m.flags("reindex")
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := m.open(ctx, data, slog.Default())
	if err != nil {
		return err
	}
	defer a.Close()
	unlock, err := lockIndex(data.dir)
	if err != nil {
		return err
	}
	defer unlock()
	return rebuild(ctx, a.kb, indexDir(data.dir), m.Stdout)
}
