package search

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sync"
	"sync/atomic"

	index "github.com/blevesearch/bleve_index_api"
)

// Bleve's postings can skip ahead cheaply only without term frequencies
// and norms; with them, every skipped posting is read. A query checks each
// candidate article against every query word, so the postings of words
// that are read often are decoded once per snapshot into memory, where
// skipping is a binary search and frequencies and lengths are at hand.

// cacheBudget is how many bytes of decoded postings a snapshot keeps; the
// least recently used are dropped beyond it.
const cacheBudget = 24 << 20

// entryBytes is about what a cached list takes besides its postings.
const entryBytes = 128

// decoded is a term's postings in one field. The documents are a sorted
// list, or a bit set when that is smaller (terms in more than about one
// article in twenty).
type decoded struct {
	n    int      // postings
	docs []uint32 // document numbers, ascending; nil when bits are used
	bits bitset   // the documents
	rank []uint32 // postings before each word of bits
	tf   []uint8  // occurrences, at most 255
	ln   []uint8  // the field's length, encoded by lengthCode
}

// size is about how many bytes p takes.
func (p *decoded) size() int {
	return 4*len(p.docs) + 8*len(p.bits) + 4*len(p.rank) + 2*p.n
}

// compact turns the list into a bit set when that takes less memory.
func (p *decoded) compact() {
	if p.n == 0 {
		return
	}
	words := int(p.docs[p.n-1]>>6) + 1
	if 12*words >= 4*p.n {
		return
	}
	p.bits = make(bitset, words)
	for _, d := range p.docs {
		p.bits[d>>6] |= 1 << (d & 63)
	}
	p.rank = make([]uint32, words)
	r := 0
	for i, w := range p.bits {
		p.rank[i] = uint32(r)
		r += bits.OnesCount64(w)
	}
	p.docs = nil
}

// index is the position of document d, which p has, among p's postings.
func (p *decoded) index(d uint64) int {
	w := d >> 6
	return int(p.rank[w]) + bits.OnesCount64(p.bits[w]&(1<<(d&63)-1))
}

// lengthCode encodes a field length in one byte, within 2%.
func lengthCode(n float64) uint8 {
	if n <= 1 {
		return 0
	}
	return uint8(min(math.Round(math.Log(n)/lengthStep), 255))
}

const lengthStep = 0.04 // log of the ratio of neighbouring codes; 255 is about 27,000 words

var lengths = func() (t [256]float64) {
	for i := range t {
		t[i] = math.Round(math.Exp(float64(i) * lengthStep))
	}
	return t
}()

// postingsCache holds decoded postings of one snapshot.
type postingsCache struct {
	budget  int
	mu      sync.Mutex
	entries map[cacheKey]*cacheEntry
	bytes   int
	clock   atomic.Int64
}

type cacheKey struct {
	field int
	term  string
}

type cacheEntry struct {
	once sync.Once
	p    *decoded
	err  error
	used atomic.Int64
}

// postings returns the decoded postings of term in field.
func (v *view) postings(r index.IndexReader, field int, term string) (*decoded, error) {
	c := &v.cache
	k := cacheKey{field, term}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[cacheKey]*cacheEntry{}
	}
	e, ok := c.entries[k]
	if !ok {
		e = &cacheEntry{}
		c.entries[k] = e
	}
	c.mu.Unlock()
	e.used.Store(c.clock.Add(1))
	e.once.Do(func() {
		// Shared by every query on the snapshot: not tied to this one.
		e.p, e.err = decode(context.Background(), r, textFieldNames[field], term)
		c.mu.Lock()
		defer c.mu.Unlock()
		if e.err != nil {
			if c.entries[k] == e {
				delete(c.entries, k) // the next query tries again
			}
			return
		}
		if e.size() > c.budget/2 {
			// Too big to keep: this query uses it and lets it go.
			if c.entries[k] == e {
				delete(c.entries, k)
			}
			return
		}
		c.bytes += e.size()
		if c.bytes > c.budget {
			c.evict(e)
		}
	})
	return e.p, e.err
}

// evict drops the least recently used entries but keep until the cache is
// within three quarters of its budget.
func (c *postingsCache) evict(keep *cacheEntry) {
	type aged struct {
		k    cacheKey
		used int64
	}
	var all []aged
	for k, e := range c.entries {
		if e != keep && e.p != nil {
			all = append(all, aged{k, e.used.Load()})
		}
	}
	slices.SortFunc(all, func(a, b aged) int {
		switch {
		case a.used < b.used:
			return -1
		case a.used > b.used:
			return 1
		}
		return 0
	})
	for _, a := range all {
		if c.bytes <= c.budget*3/4 {
			break
		}
		c.bytes -= c.entries[a.k].size()
		delete(c.entries, a.k)
	}
}

func (e *cacheEntry) size() int { return entryBytes + e.p.size() }

// decode reads term's postings in field.
func decode(ctx context.Context, r index.IndexReader, field, term string) (*decoded, error) {
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, false)
	if err != nil {
		return nil, fmt.Errorf("read %s %q: %w", field, term, err)
	}
	n := tfr.Count()
	p := &decoded{docs: make([]uint32, 0, n), tf: make([]uint8, 0, n), ln: make([]uint8, 0, n)}
	defer p.compact()
	var tfd index.TermFieldDoc
	for {
		d, err := tfr.Next(&tfd)
		if err != nil {
			_ = tfr.Close()
			return nil, fmt.Errorf("read %s %q: %w", field, term, err)
		}
		if d == nil {
			break
		}
		length := 1.0
		if d.Norm > 0 {
			length = 1 / (d.Norm * d.Norm)
		}
		p.docs = append(p.docs, uint32(d.ID.Value()))
		p.n++
		p.tf = append(p.tf, uint8(min(d.Freq, 255)))
		p.ln = append(p.ln, lengthCode(length))
	}
	if err := tfr.Close(); err != nil {
		return nil, fmt.Errorf("read %s %q: %w", field, term, err)
	}
	return p, nil
}

// memIter iterates decoded postings.
type memIter struct {
	p   *decoded
	i   int // the current posting
	doc uint64
}

func newMemIter(p *decoded) *memIter {
	m := &memIter{p: p, i: -1}
	if p.bits != nil {
		m.settleBits(p.bits.next(0))
	} else {
		m.next()
	}
	return m
}

func (m *memIter) cur() uint64          { return m.doc }
func (m *memIter) check() (bool, error) { return true, nil }
func (m *memIter) freq() float64        { return float64(m.p.tf[m.i]) }
func (m *memIter) length() float64      { return lengths[m.p.ln[m.i]] }

func (m *memIter) next() error {
	if m.doc == noDoc {
		return nil
	}
	if m.p.bits != nil {
		m.settleBits(m.p.bits.next(m.doc + 1))
		return nil
	}
	m.i++
	m.settle()
	return nil
}

func (m *memIter) advance(target uint64) error {
	if m.doc >= target {
		return nil
	}
	if m.p.bits != nil {
		m.settleBits(m.p.bits.next(target))
		return nil
	}
	docs := m.p.docs
	if target > math.MaxUint32 {
		m.i = len(docs)
		m.settle()
		return nil
	}
	t := uint32(target)
	// Gallop: targets are usually near.
	lo, step := m.i+1, 1
	hi := lo
	for hi < len(docs) && docs[hi] < t {
		lo = hi + 1
		hi += step
		step *= 2
	}
	hi = min(hi, len(docs))
	i, _ := slices.BinarySearch(docs[lo:hi], t)
	m.i = lo + i
	m.settle()
	return nil
}

func (m *memIter) settle() {
	if m.i >= len(m.p.docs) {
		m.doc = noDoc
		return
	}
	m.doc = uint64(m.p.docs[m.i])
}

func (m *memIter) settleBits(d uint64) {
	m.doc = d
	if d != noDoc {
		m.i = m.p.index(d)
	}
}
