package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// rebuildBatch is how many documents go into one Bleve batch during
// Rebuild: large batches make few, large segments and little merging.
const rebuildBatch = 5000

// Rebuild builds a fresh index at path from the documents next returns until
// it reports false, calling progress with the number indexed so far, then
// swaps it in for the index at path. The index at path must not be open. The
// new index records position 0; use RebuildAt to record the change-log
// position the documents were read at.
func Rebuild(path string, next func() (Doc, bool, error), progress func(n int)) error {
	return RebuildAt(path, 0, next, progress)
}

// RebuildAt is Rebuild recording position as the change-log position the
// documents reflect. The new index is built next to the old one (path +
// ".rebuild") and swapped in by renaming; until the swap the old index stays
// intact, and Open completes or undoes a swap interrupted by a crash.
func RebuildAt(path string, position int64, next func() (Doc, bool, error), progress func(n int)) error {
	path = filepath.Clean(path)
	tmp := path + ".rebuild"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("search: rebuild %s: %w", path, err)
	}
	b, err := create(tmp)
	if err != nil {
		return fmt.Errorf("search: rebuild %s: %w", path, err)
	}
	if err := fill(b, position, next, progress); err != nil {
		_ = b.Close()
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("search: rebuild %s: %w", path, err)
	}
	if err := compact(b); err != nil {
		_ = b.Close()
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("search: rebuild %s: merge segments: %w", path, err)
	}
	if err := b.Close(); err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("search: rebuild %s: close: %w", path, err)
	}
	if err := swap(path, tmp); err != nil {
		return fmt.Errorf("search: rebuild %s: %w", path, err)
	}
	return nil
}

// fill indexes everything next returns into b in large batches, preparing
// the next batch (Markdown to text, mapping) while Bleve analyses and writes
// the previous one.
func fill(b bleve.Index, position int64, next func() (Doc, bool, error), progress func(n int)) error {
	type prepared struct {
		batch *bleve.Batch
		n     int
	}
	batches := make(chan prepared, 1)
	done := make(chan struct{})
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		n := 0
		var st stats
		cur := b.NewBatch()
		for {
			d, ok, err := next()
			if err != nil {
				readErr <- fmt.Errorf("read document %d: %w", n+1, err)
				return
			}
			if !ok {
				break
			}
			v, l, err := d.document()
			if err != nil {
				readErr <- err
				return
			}
			st.add(l)
			if err := cur.Index(docID(d.ArticleID), v); err != nil {
				readErr <- fmt.Errorf("index article %d: %w", d.ArticleID, err)
				return
			}
			n++
			if cur.Size() >= rebuildBatch {
				select {
				case batches <- prepared{cur, n}:
				case <-done:
					return
				}
				cur = b.NewBatch()
			}
		}
		cur.SetInternal(keyPosition, encodePosition(position))
		cur.SetInternal(keyStats, st.encode())
		select {
		case batches <- prepared{cur, n}:
		case <-done:
		}
		readErr <- nil
	}()
	var err error
	for p := range batches {
		if err = b.Batch(p.batch); err != nil {
			err = fmt.Errorf("index batch: %w", err)
			break
		}
		if progress != nil {
			progress(p.n)
		}
	}
	close(done)
	if err != nil {
		return err
	}
	return <-readErr
}

// compact merges the index into one segment: a freshly built index is
// otherwise a dozen segments, and every query pays for each of them.
func compact(b bleve.Index) error {
	adv, err := b.Advanced()
	if err != nil {
		return err
	}
	m, ok := adv.(interface {
		ForceMerge(context.Context, *mergeplan.MergePlanOptions) error
	})
	if !ok {
		return nil
	}
	return m.ForceMerge(context.Background(), &mergeplan.SingleSegmentMergePlanOptions)
}

// swap replaces the index at path by the one at tmp: path moves aside to
// path + ".old", tmp moves to path, the old one is removed.
func swap(path, tmp string) error {
	old := path + ".old"
	if err := os.RemoveAll(old); err != nil {
		return err
	}
	ok, err := exists(path)
	if err != nil {
		return err
	}
	if ok {
		if err := os.Rename(path, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	return os.RemoveAll(old)
}

// recoverSwap finishes a swap interrupted between its two renames: with no
// index at path but one set aside, the old index comes back (it is
// consistent with its recorded position); a leftover old index is removed.
func recoverSwap(path string) error {
	path = filepath.Clean(path)
	old := path + ".old"
	hasOld, err := exists(old)
	if err != nil || !hasOld {
		return err
	}
	hasCur, err := exists(path)
	if err != nil {
		return err
	}
	if hasCur {
		return os.RemoveAll(old)
	}
	if err := os.Rename(old, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, os.ErrInvalid) {
		return nil // some file systems cannot sync directories
	}
	return err
}
