package search

import (
	"slices"
)

// rerankDepth is how many of the best matches the proximity boost looks at
// (params.depth; descriptions have their own).
// Only these have their positions read, so it costs a few postings per
// query word whatever the number of matches.
const rerankDepth = 20

// proximity re-ranks the best matches of out: a match whose query words
// stand close together in its title or body (the words of "share a
// calendar" side by side rather than paragraphs apart) scores up to
// (1 + p.proxTitle + p.proxBody) times as much. Scores only grow, so the
// re-ranked matches stay ahead of the ones below them and pages stay
// consistent. out.top must be sorted, best first. The positions come from
// the postings, or, when the query's words have many postings
// (params.proxPostings), from the matches' stored text analysed again:
// Bleve reads a list of postings with positions from its start, which
// for a dozen common words costs more than analysing twenty articles.
func (s *searcher) proximity(p *parsed, out *outcome) error {
	if len(p.clauses) < 2 || len(out.top) < 2 || (s.p.proxTitle == 0 && s.p.proxBody == 0) {
		return nil
	}
	k := min(len(out.top), s.p.depth)
	top := out.top[:k]
	// The documents in index order, for forward-only postings.
	order := make([]int, k)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		switch {
		case top[a].doc < top[b].doc:
			return -1
		case top[a].doc > top[b].doc:
			return 1
		}
		return 0
	})
	n := len(p.clauses)
	// pos[i][f][c]: the positions of clause c in field f of match i.
	pos := make([][2][][]uint64, k)
	for i := range pos {
		for f := range pos[i] {
			pos[i][f] = make([][]uint64, n)
		}
	}
	fromText := s.a != nil && s.postingsToRead(p) > s.p.proxPostings
	if fromText {
		if err := s.positionsFromText(p, top, pos); err != nil {
			return err
		}
	}
	for c, cl := range p.clauses {
		if fromText {
			break
		}
		for _, a := range cl.alts {
			if a.phrase() {
				continue
			}
			for f, field := range textFieldNames {
				if a.df[f] == 0 {
					continue
				}
				it, err := newTermIter(s.ctx, s.r, a.terms[0], field, true)
				if err != nil {
					return err
				}
				if it == nil {
					continue
				}
				for _, i := range order {
					if err := it.advance(top[i].doc); err != nil {
						_ = it.close()
						return err
					}
					if it.doc == noDoc {
						break
					}
					if it.doc != top[i].doc {
						continue
					}
					for _, tv := range it.tfd.Vectors {
						pos[i][f][c] = append(pos[i][f][c], tv.Pos)
					}
				}
				if err := it.close(); err != nil {
					return err
				}
			}
		}
	}
	weights := [2]float64{s.p.proxTitle, s.p.proxBody}
	for i := range top {
		boost := 1.0
		for f := range weights {
			boost += weights[f] * closeness(pos[i][f], n)
		}
		top[i].score *= boost
	}
	sortScored(top)
	return nil
}

// closeness is 0 when fewer than two of the n query words are in the
// field, and otherwise grows with the share of them there and with how
// tightly the smallest stretch of text with all of them holds them: 1 when
// every query word is there, side by side.
func closeness(pos [][]uint64, n int) float64 {
	type hit struct {
		pos    uint64
		clause int
	}
	var hits []hit
	m := 0
	for c, ps := range pos {
		if len(ps) == 0 {
			continue
		}
		m++
		for _, p := range ps {
			hits = append(hits, hit{p, c})
		}
	}
	if m < 2 {
		return 0
	}
	slices.SortFunc(hits, func(a, b hit) int {
		switch {
		case a.pos < b.pos:
			return -1
		case a.pos > b.pos:
			return 1
		}
		return 0
	})
	// The smallest window with every clause present.
	counts := make([]int, len(pos))
	have, lo := 0, 0
	best := uint64(1<<63 - 1)
	for _, h := range hits {
		if counts[h.clause] == 0 {
			have++
		}
		counts[h.clause]++
		for have == m {
			if span := h.pos - hits[lo].pos; span < best {
				best = span
			}
			c := hits[lo].clause
			counts[c]--
			if counts[c] == 0 {
				have--
			}
			lo++
		}
	}
	tight := float64(m-1) / float64(max(best, uint64(m-1)))
	return tight * float64(m-1) / float64(n-1)
}

// postingsToRead is about what reading the positions of the query's words
// from the postings costs, in postings read: all of every word's, in each
// field, and about openCost for opening each list.
func (s *searcher) postingsToRead(p *parsed) int {
	n := 0
	for _, cl := range p.clauses {
		for _, a := range cl.alts {
			if a.phrase() {
				continue
			}
			for _, df := range a.df {
				if df > 0 {
					n += openCost + int(df)
				}
			}
		}
	}
	return n
}

// openCost is what opening a list of postings with positions costs, in
// postings read.
const openCost = 3000

// positionsFromText fills in pos (see proximity) from the stored title and
// body of the matches, analysed again: for the few best matches that is
// cheaper than reading positions from the postings of common words, which
// Bleve decodes from the start of the list.
func (s *searcher) positionsFromText(p *parsed, top []scored, pos [][2][][]uint64) error {
	clauses := map[string][]int{}
	for c, cl := range p.clauses {
		for _, a := range cl.alts {
			if !a.phrase() && !slices.Contains(clauses[a.terms[0]], c) {
				clauses[a.terms[0]] = append(clauses[a.terms[0]], c)
			}
		}
	}
	for i, sc := range top {
		d, err := s.analysed(sc.doc)
		if err != nil {
			return err
		}
		for field, toks := range d.fields {
			for _, t := range toks {
				for _, c := range clauses[t.term] {
					pos[i][field][c] = append(pos[i][field][c], uint64(t.pos))
				}
			}
		}
	}
	return nil
}
