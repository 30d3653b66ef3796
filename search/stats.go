package search

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	index "github.com/blevesearch/bleve_index_api"
)

// keyStats holds the field length totals BM25 normalises by. Bleve 2.6's own
// BM25 divides the field's vocabulary size by the document count instead of
// its total length (an average length of 1 on any large index), so the
// index keeps the totals itself, in the batch that changes them.
var keyStats = []byte("attest.stats")

// stats are running totals over the documents indexed since the index was
// built: documents, and analysed words in titles and bodies. Replaced and
// deleted documents are not subtracted (their lengths are no longer known),
// so between rebuilds the averages are over every version indexed, which
// is what an average field length needs to be: typical, not exact.
type stats struct {
	docs, title, body uint64
}

func (s *stats) add(l docLen) {
	s.docs++
	s.title += uint64(l.title)
	s.body += uint64(l.body)
}

// averages is the average title and body length; typical values until
// anything is indexed.
func (s stats) averages() [2]float64 {
	if s.docs == 0 {
		return [2]float64{8, 150}
	}
	n := float64(s.docs)
	return [2]float64{max(float64(s.title)/n, 1), max(float64(s.body)/n, 1)}
}

func (s stats) encode() []byte {
	b := make([]byte, 0, 24)
	b = binary.BigEndian.AppendUint64(b, s.docs)
	b = binary.BigEndian.AppendUint64(b, s.title)
	return binary.BigEndian.AppendUint64(b, s.body)
}

func decodeStats(v []byte) (stats, error) {
	switch len(v) {
	case 0:
		return stats{}, nil
	case 24:
		return stats{
			docs:  binary.BigEndian.Uint64(v),
			title: binary.BigEndian.Uint64(v[8:]),
			body:  binary.BigEndian.Uint64(v[16:]),
		}, nil
	}
	return stats{}, fmt.Errorf("malformed length statistics %x", v)
}

type internalReader interface {
	GetInternal(key []byte) ([]byte, error)
}

func readStats(r internalReader) (stats, error) {
	v, err := r.GetInternal(keyStats)
	if err != nil {
		return stats{}, fmt.Errorf("read length statistics: %w", err)
	}
	return decodeStats(v)
}

var _ internalReader = index.IndexReader(nil)

// docLen is how many words of a document's title and body are indexed.
type docLen struct{ title, body int }

var stopWords = func() analysis.TokenMap {
	m := analysis.NewTokenMap()
	if err := m.LoadBytes(en.EnglishStopWords); err != nil {
		panic(err)
	}
	return m
}()

// countWords approximates how many terms the English analyser makes of s
// (words that are not stop words) without analysing it.
func countWords(s string) int {
	n := 0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		w = strings.Trim(w, "'")
		if w == "" {
			continue
		}
		if !stopWords[strings.ToLower(w)] {
			n++
		}
	}
	return n
}
