package search

import (
	_ "embed"
	"slices"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"
)

// wordnetTable is the synonym table derived from WordNet 3.0 by
// wordnet_gen_test.go: a word, then the words of its most frequent sense.
// WordNet 3.0 Copyright 2006 by Princeton University; its licence is in
// WORDNET-LICENSE.
//
//go:embed wordnet.txt
var wordnetTable string

// related returns the map of an analysed term to the analysed single terms WordNet gives
// as the same sense. They stand in for a description's words at a weight
// well below the typed word's (params.related), after the service desk
// synonyms: they bring in pages that describe the need in other everyday
// words. It is built on first use.
var related = sync.OnceValue(func() map[string][]string { return buildRelated(wordnetTable) })

func buildRelated(table string) map[string][]string {
	a := newMapping().AnalyzerNamed(en.AnalyzerName)
	out := map[string][]string{}
	for line := range strings.Lines(table) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		words := strings.Fields(line)
		if len(words) < 2 {
			continue
		}
		key := analyze(a, words[0])
		if len(key) != 1 {
			continue // a stop word
		}
		for _, w := range words[1:] {
			ts := analyze(a, w)
			if len(ts) != 1 || ts[0] == key[0] || slices.Contains(out[key[0]], ts[0]) {
				continue
			}
			out[key[0]] = append(out[key[0]], ts[0])
		}
	}
	return out
}

// relate adds to every clause the WordNet words of its term that the index
// has and that the clause does not stand for already, at weight
// params.related.
func (s *searcher) relate(p *parsed) error {
	if s.p.related <= 0 {
		return nil
	}
	for i := range p.clauses {
		c := &p.clauses[i]
		for _, t := range related()[c.term] {
			dup := false
			for _, a := range c.alts {
				if !a.phrase() && a.terms[0] == t {
					dup = true
				}
			}
			if dup {
				continue
			}
			a := alt{terms: []string{t}, weight: s.p.related}
			if err := s.count(&a); err != nil {
				return err
			}
			if a.df != [2]uint64{} {
				c.alts = append(c.alts, a)
			}
		}
	}
	return nil
}
