// Package search keeps the Bleve full-text index over the current approved
// version of every active knowledge article and answers agents' searches
// from it. The index is derived state: it records how far in the change log
// it got (Position), and Rebuild recreates it from the database at any time.
package search

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Field names in the Bleve documents.
const (
	fieldTitle        = "title"
	fieldBody         = "body"
	fieldRequestTypes = "request_types"
	fieldTags         = "tags"
	fieldVisibility   = "visibility"
	fieldVersion      = "version"
	fieldTitleKey     = "title_key"
)

// everyone is the visibility keyword of an article with no request types:
// every reader may see it. Request type keys never contain "*".
const everyone = "*"

// mappingVersion changes whenever the mapping or what is indexed changes, so
// that Open can refuse an index built by an older program.
const mappingVersion = "attest-search-5"

var (
	keyPosition = []byte("attest.position")
	keyMapping  = []byte("attest.mapping")
)

// ErrMappingChanged is returned (wrapped) by Open when the index on disk was
// built with another mapping; the caller rebuilds it with Rebuild.
var ErrMappingChanged = errors.New("search: index was built with another mapping; run reindex")

// Doc is what is indexed for one active article: its current approved
// version only.
type Doc struct {
	ArticleID    int64
	Version      int
	Title        string
	Body         string   // plain text (kb.SearchDoc.Text, made by kb at save); indexed and shown in snippets
	RequestTypes []string // request type keys; empty means "for everyone"
	Tags         []string
}

// Index is an open Bleve index. It is safe for concurrent use.
type Index struct {
	path     string
	bleve    bleve.Index
	analyzer analysis.Analyzer
	params   params
	budget   int // bytes of decoded postings kept per snapshot

	views  atomic.Pointer[[]*view] // the latest snapshots' views, newest first
	viewMu sync.Mutex              // making a view
	write  sync.Mutex              // batches, which update the length statistics

	learned atomic.Pointer[learnedTable] // vocabulary learned from agents (learned.go)
}

// Open opens the index at path (a directory), creating an empty one when
// there is none. It finishes or undoes an interrupted Rebuild first.
func Open(path string) (*Index, error) {
	if err := recoverSwap(path); err != nil {
		return nil, fmt.Errorf("search: open %s: %w", path, err)
	}
	b, err := bleve.Open(path)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		b, err = create(path)
		if err != nil {
			return nil, fmt.Errorf("search: create %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("search: open %s: %w", path, err)
	}
	v, err := b.GetInternal(keyMapping)
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("search: open %s: %w", path, err)
	}
	if string(v) != mappingVersion {
		_ = b.Close()
		return nil, fmt.Errorf("search: open %s: %w", path, ErrMappingChanged)
	}
	return newIndex(path, b)
}

func newIndex(path string, b bleve.Index) (*Index, error) {
	a := b.Mapping().AnalyzerNamed(en.AnalyzerName)
	if a == nil {
		_ = b.Close()
		return nil, fmt.Errorf("search: open %s: no %q analyzer", path, en.AnalyzerName)
	}
	return &Index{path: path, bleve: b, analyzer: a, params: defaultParams, budget: cacheBudget}, nil
}

// create makes a new empty index at path and records the mapping version.
func create(path string) (bleve.Index, error) {
	b, err := bleve.New(path, newMapping())
	if err != nil {
		return nil, err
	}
	if err := b.SetInternal(keyMapping, []byte(mappingVersion)); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}

// newMapping describes the indexed document: analysed English title and
// body with positions (for phrases), keyword fields for filters and facets,
// the title's sort key, and the stored fields a hit needs.
func newMapping() *mapping.IndexMappingImpl {
	text := func(store bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = en.AnalyzerName
		f.Store = store
		f.IncludeTermVectors = true // phrase queries need positions
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func(docValues bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = docValues
		return f
	}
	version := mapping.NewNumericFieldMapping()
	version.Index = false
	version.Store = true
	version.IncludeInAll = false
	version.DocValues = false

	dm := mapping.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fieldTitle, text(true))
	dm.AddFieldMappingsAt(fieldBody, text(true))
	dm.AddFieldMappingsAt(fieldRequestTypes, kw(false))
	dm.AddFieldMappingsAt(fieldTags, kw(false))
	dm.AddFieldMappingsAt(fieldVisibility, kw(false))
	dm.AddFieldMappingsAt(fieldTitleKey, kw(true))
	dm.AddFieldMappingsAt(fieldVersion, version)

	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = en.AnalyzerName
	// Text queries are scored by the engine (engine.go), not by Bleve.
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im
}

// Close closes the index.
func (ix *Index) Close() error {
	if err := ix.bleve.Close(); err != nil {
		return fmt.Errorf("search: close %s: %w", ix.path, err)
	}
	return nil
}

// Apply indexes upserts (replacing what was indexed for those articles) and
// removes deletes (article ids) in one Bleve batch.
func (ix *Index) Apply(upserts []Doc, deletes []int64) error {
	ix.write.Lock()
	defer ix.write.Unlock()
	b := ix.bleve.NewBatch()
	if err := ix.fillBatch(b, upserts, deletes); err != nil {
		return fmt.Errorf("search: apply: %w", err)
	}
	if err := ix.bleve.Batch(b); err != nil {
		return fmt.Errorf("search: apply %d upserts, %d deletes: %w", len(upserts), len(deletes), err)
	}
	return nil
}

// ApplyAt is Apply that also records position, the change-log position the
// index is now in line with, in the same batch: a crash never leaves a
// recorded position whose documents are missing.
func (ix *Index) ApplyAt(upserts []Doc, deletes []int64, position int64) error {
	ix.write.Lock()
	defer ix.write.Unlock()
	b := ix.bleve.NewBatch()
	if err := ix.fillBatch(b, upserts, deletes); err != nil {
		return fmt.Errorf("search: apply at %d: %w", position, err)
	}
	b.SetInternal(keyPosition, encodePosition(position))
	if err := ix.bleve.Batch(b); err != nil {
		return fmt.Errorf("search: apply at %d: %w", position, err)
	}
	return nil
}

// Position reports the change-log position recorded by the last ApplyAt (or
// RebuildAt); 0 when none was recorded.
func (ix *Index) Position() (int64, error) {
	v, err := ix.bleve.GetInternal(keyPosition)
	if err != nil {
		return 0, fmt.Errorf("search: read position: %w", err)
	}
	p, err := decodePosition(v)
	if err != nil {
		return 0, fmt.Errorf("search: read position: %w", err)
	}
	return p, nil
}

// DocCount reports how many articles are indexed.
func (ix *Index) DocCount() (uint64, error) {
	n, err := ix.bleve.DocCount()
	if err != nil {
		return 0, fmt.Errorf("search: count documents: %w", err)
	}
	return n, nil
}

// fillBatch puts the changes into b, with the length statistics they make.
func (ix *Index) fillBatch(b *bleve.Batch, upserts []Doc, deletes []int64) error {
	st, err := readStats(ix.bleve)
	if err != nil {
		return err
	}
	for _, id := range deletes {
		b.Delete(docID(id))
	}
	for _, d := range upserts {
		v, l, err := d.document()
		if err != nil {
			return err
		}
		if err := b.Index(docID(d.ArticleID), v); err != nil {
			return fmt.Errorf("index article %d: %w", d.ArticleID, err)
		}
		st.add(l)
	}
	if len(upserts) > 0 {
		b.SetInternal(keyStats, st.encode())
	}
	return nil
}

// document is what Bleve's mapping sees for d, and its length.
func (d Doc) document() (map[string]any, docLen, error) {
	vis := make([]string, 0, len(d.RequestTypes)+1)
	for _, rt := range d.RequestTypes {
		if rt == everyone || rt == "" {
			return nil, docLen{}, fmt.Errorf("article %d: invalid request type %q", d.ArticleID, rt)
		}
		vis = append(vis, rt)
	}
	if len(vis) == 0 {
		vis = append(vis, everyone)
	}
	return map[string]any{
		fieldTitle:        d.Title,
		fieldBody:         d.Body,
		fieldRequestTypes: d.RequestTypes,
		fieldTags:         d.Tags,
		fieldVisibility:   vis,
		fieldTitleKey:     titleKey(d.Title),
		fieldVersion:      float64(d.Version),
	}, docLen{title: countWords(d.Title), body: countWords(d.Body)}, nil
}

// titleKey is the sort key for listing articles by title.
func titleKey(title string) string { return strings.ToLower(strings.TrimSpace(title)) }

func docID(articleID int64) string { return strconv.FormatInt(articleID, 10) }

func encodePosition(p int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(p)) }

func decodePosition(v []byte) (int64, error) {
	switch len(v) {
	case 0:
		return 0, nil
	case 8:
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	return 0, fmt.Errorf("malformed position %x", v)
}

// exists reports whether path exists.
func exists(path string) (bool, error) {
	_, err := os.Stat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return false, err
}
