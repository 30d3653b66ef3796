package search

import (
	"fmt"
	"sort"

	index "github.com/blevesearch/bleve_index_api"
)

// textFields are the analysed fields a query term is looked up in.
var textFields = [...]string{fieldTitle, fieldBody}

// dictionary answers whether the index knows a term, and which known terms
// are one typo away from an unknown one.
type dictionary struct {
	r        index.IndexReader
	contains [len(textFields)]index.FieldDictContains
}

func newDictionary(r index.IndexReader) (*dictionary, error) {
	rc, ok := r.(index.IndexReaderContains)
	if !ok {
		return nil, fmt.Errorf("index reader %T cannot look up terms", r)
	}
	d := &dictionary{r: r}
	for i, f := range textFields {
		c, err := rc.FieldDictContains(f)
		if err != nil {
			return nil, fmt.Errorf("look up terms in %s: %w", f, err)
		}
		d.contains[i] = c
	}
	return d, nil
}

// has reports whether term is indexed in the title or body of any article.
func (d *dictionary) has(term string) (bool, error) {
	for i, c := range d.contains {
		ok, err := c.Contains([]byte(term))
		if err != nil {
			return false, fmt.Errorf("look up %q in %s: %w", term, textFields[i], err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// corrections lists up to maxCorrections indexed terms that term may be a
// typo of: swapped neighbouring letters first (Levenshtein distance counts a
// swap as two edits), then terms one edit away, the most frequent first.
func (d *dictionary) corrections(term string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, t := range transpositions(term) {
		if seen[t] {
			continue
		}
		seen[t] = true
		ok, err := d.has(t)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t)
		}
	}
	rf, ok := d.r.(index.IndexReaderFuzzy)
	if !ok {
		return out, nil
	}
	counts := map[string]uint64{}
	for _, f := range textFields {
		fd, err := rf.FieldDictFuzzy(f, term, 1, "")
		if err != nil {
			return nil, fmt.Errorf("fuzzy look-up of %q in %s: %w", term, f, err)
		}
		for {
			e, err := fd.Next()
			if err != nil {
				_ = fd.Close()
				return nil, fmt.Errorf("fuzzy look-up of %q in %s: %w", term, f, err)
			}
			if e == nil {
				break
			}
			if !seen[e.Term] {
				counts[e.Term] += e.Count
			}
		}
		if err := fd.Close(); err != nil {
			return nil, fmt.Errorf("fuzzy look-up of %q in %s: %w", term, f, err)
		}
	}
	near := make([]string, 0, len(counts))
	for t := range counts {
		near = append(near, t)
	}
	sort.Slice(near, func(i, j int) bool {
		if counts[near[i]] != counts[near[j]] {
			return counts[near[i]] > counts[near[j]]
		}
		return near[i] < near[j]
	})
	out = append(out, near...)
	if len(out) > maxCorrections {
		out = out[:maxCorrections]
	}
	return out, nil
}

// transpositions returns term with each pair of neighbouring letters swapped.
func transpositions(term string) []string {
	r := []rune(term)
	out := make([]string, 0, len(r))
	for i := 0; i+1 < len(r); i++ {
		if r[i] == r[i+1] {
			continue
		}
		r[i], r[i+1] = r[i+1], r[i]
		out = append(out, string(r))
		r[i], r[i+1] = r[i+1], r[i]
	}
	return out
}

// withinOneTypo reports whether a and b differ by at most one insertion,
// deletion, substitution or swap of neighbouring letters.
func withinOneTypo(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	switch len(rb) - len(ra) {
	case 0:
		diff := -1
		for i := range ra {
			if ra[i] == rb[i] {
				continue
			}
			if diff >= 0 {
				// a second difference is fine only as a swap with the first
				return i == diff+1 && ra[diff] == rb[i] && ra[i] == rb[diff] && string(ra[i+1:]) == string(rb[i+1:])
			}
			diff = i
		}
		return true
	case 1:
		i := 0
		for i < len(ra) && ra[i] == rb[i] {
			i++
		}
		return string(ra[i:]) == string(rb[i+1:])
	}
	return false
}
