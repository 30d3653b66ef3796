package search

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"sync"

	index "github.com/blevesearch/bleve_index_api"
)

// view is what searches share about one index snapshot: the document
// count, the average field lengths for scoring, the keyword fields
// (visibility, request types, tags) as bit sets over the snapshot's
// document numbers, for filters and exact facet counts without visiting
// documents, and the decoded postings of the words searched for (cache.go).
// It is made once per snapshot (Bleve makes a new one after every batch and
// merge); the keyword sets of a field are built on first use.
type view struct {
	reader index.IndexReader // identifies the snapshot; never read through after it closes
	docs   uint64
	avgLen [2]float64 // average analysed length of the title and the body

	mu     sync.Mutex
	fields map[string]*keywordSets

	cache postingsCache
}

// keywordSets is one keyword field: its keys and, per key, the documents
// that have it.
type keywordSets struct {
	keys  []string
	sets  []bitset
	byKey map[string]int
}

// keptViews is how many of the latest snapshots' views are kept: a search
// still on the previous snapshot while a batch makes a new one finds its
// view (and cache) too.
const keptViews = 2

// view returns the view of the snapshot r, making it when r is new.
func (ix *Index) view(r index.IndexReader) (*view, error) {
	if v := ix.findView(r); v != nil {
		return v, nil
	}
	ix.viewMu.Lock()
	defer ix.viewMu.Unlock()
	if v := ix.findView(r); v != nil {
		return v, nil
	}
	docs, err := r.DocCount()
	if err != nil {
		return nil, err
	}
	st, err := readStats(r)
	if err != nil {
		return nil, err
	}
	v := &view{reader: r, docs: docs, avgLen: st.averages(), fields: map[string]*keywordSets{}}
	v.cache.budget = ix.budget
	views := []*view{v}
	if old := ix.views.Load(); old != nil {
		views = append(views, (*old)[:min(len(*old), keptViews-1)]...)
	}
	ix.views.Store(&views)
	return v, nil
}

func (ix *Index) findView(r index.IndexReader) *view {
	if views := ix.views.Load(); views != nil {
		for _, v := range *views {
			if v.reader == r {
				return v
			}
		}
	}
	return nil
}

// keyword returns the keyword sets of field, building them on first use.
func (v *view) keyword(r index.IndexReader, field string) (*keywordSets, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.fields[field]; ok {
		return k, nil
	}
	k := &keywordSets{byKey: map[string]int{}}
	fd, err := r.FieldDict(field)
	if err != nil {
		return nil, fmt.Errorf("read %s keys: %w", field, err)
	}
	for {
		e, err := fd.Next()
		if err != nil {
			_ = fd.Close()
			return nil, fmt.Errorf("read %s keys: %w", field, err)
		}
		if e == nil {
			break
		}
		k.byKey[e.Term] = len(k.keys)
		k.keys = append(k.keys, e.Term)
	}
	if err := fd.Close(); err != nil {
		return nil, fmt.Errorf("read %s keys: %w", field, err)
	}
	k.sets = make([]bitset, len(k.keys))
	var tfd index.TermFieldDoc
	for i, key := range k.keys {
		tfr, err := r.TermFieldReader(context.Background(), []byte(key), field, false, false, false)
		if err != nil {
			return nil, fmt.Errorf("read %s %q: %w", field, key, err)
		}
		var s bitset
		for {
			d, err := tfr.Next(&tfd)
			if err != nil {
				_ = tfr.Close()
				return nil, fmt.Errorf("read %s %q: %w", field, key, err)
			}
			if d == nil {
				break
			}
			s = s.with(d.ID.Value())
		}
		if err := tfr.Close(); err != nil {
			return nil, fmt.Errorf("read %s %q: %w", field, key, err)
		}
		k.sets[i] = s
	}
	v.fields[field] = k
	return k, nil
}

// set returns the documents with key (nil when none).
func (k *keywordSets) set(key string) bitset {
	if i, ok := k.byKey[key]; ok {
		return k.sets[i]
	}
	return nil
}

// counts returns, per key with at least one document in match, how many of
// match's documents have it, most first (then by key), at most size.
func (k *keywordSets) counts(match bitset, size int) []Facet {
	// Skip the words before the first match: a small result is usually in
	// a few words at the end.
	lo := 0
	for lo < len(match) && match[lo] == 0 {
		lo++
	}
	match = match[lo:]
	var out []Facet
	for i, s := range k.sets {
		if len(s) <= lo {
			continue
		}
		if n := match.andCount(s[lo:]); n > 0 {
			out = append(out, Facet{Key: k.keys[i], Count: n})
		}
	}
	sortFacets(out)
	if len(out) > size {
		out = out[:size]
	}
	return out
}

// bitset is a set of document numbers.
type bitset []uint64

// with adds i, growing the set as needed.
func (b bitset) with(i uint64) bitset {
	w := int(i >> 6)
	if w >= len(b) {
		if w < cap(b) {
			b = b[:w+1]
		} else {
			nb := make(bitset, w+1, max(2*cap(b), w+1))
			copy(nb, b)
			b = nb
		}
	}
	b[w] |= 1 << (i & 63)
	return b
}

func (b bitset) has(i uint64) bool {
	w := i >> 6
	return w < uint64(len(b)) && b[w]&(1<<(i&63)) != 0
}

// next returns the smallest member at least i, or noDoc.
func (b bitset) next(i uint64) uint64 {
	w := i >> 6
	if w >= uint64(len(b)) {
		return noDoc
	}
	if x := b[w] >> (i & 63); x != 0 {
		return i + uint64(bits.TrailingZeros64(x))
	}
	for w++; w < uint64(len(b)); w++ {
		if b[w] != 0 {
			return w<<6 + uint64(bits.TrailingZeros64(b[w]))
		}
	}
	return noDoc
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) andCount(o bitset) int {
	n := 0
	for i := range min(len(b), len(o)) {
		n += bits.OnesCount64(b[i] & o[i])
	}
	return n
}

// or returns the union of sets in a new set.
func or(sets ...bitset) bitset {
	n := 0
	for _, s := range sets {
		n = max(n, len(s))
	}
	out := make(bitset, n)
	for _, s := range sets {
		for i, w := range s {
			out[i] |= w
		}
	}
	return out
}

// and returns the intersection of a and b in a new set.
func and(a, b bitset) bitset {
	out := make(bitset, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] & b[i]
	}
	return out
}

// sortFacets orders facets by count, most first, then by key.
func sortFacets(fs []Facet) {
	slices.SortFunc(fs, func(a, b Facet) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Key, b.Key)
	})
}
