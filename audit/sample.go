package audit

import (
	"cmp"
	"hash/fnv"
	"math/bits"
	"slices"
	"sort"
)

// Algorithm describes, for the audit page and report, how every audit's sample is drawn. The
// name carries a version: a change to any step below needs a new name so that an old
// audit can still be re-drawn by its own rules.
const Algorithm = "attest-sample-v1: the population is split into strata by request type " +
	"(by supplier and request type when suppliers are scoped); an article covering several request " +
	"types belongs to the first in scope alphabetically, and to the scoped supplier fulfilling it that " +
	"used it most in the 90 days before creation (ties alphabetically). The sample size is allocated " +
	"to strata in proportion to recorded use in those 90 days (to stratum size when there was none), " +
	"at least one per non-empty stratum, capped by stratum size with the excess redistributed, " +
	"remainders by largest remainder (ties by stratum key). Within a stratum the candidates are " +
	"ordered by article id and drawn by a partial Fisher-Yates shuffle driven by SplitMix64 seeded " +
	"with seed XOR FNV-1a-64(stratum key); uniform indexes by Lemire's multiply-and-reject."

// splitMix64 is Steele, Lea and Flood's SplitMix64 generator: tiny, fully specified, and so
// stable across Go versions (math/rand's helpers make no such promise).
type splitMix64 struct{ state uint64 }

func (g *splitMix64) next() uint64 {
	g.state += 0x9e3779b97f4a7c15
	z := g.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform integer in [0, n) (Lemire's nearly-divisionless method). n > 0.
func (g *splitMix64) below(n uint64) uint64 {
	hi, lo := bits.Mul64(g.next(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			hi, lo = bits.Mul64(g.next(), n)
		}
	}
	return hi
}

func streamFor(seed int64, stratum string) *splitMix64 {
	h := fnv.New64a()
	h.Write([]byte(stratum))
	return &splitMix64{state: uint64(seed) ^ h.Sum64()}
}

// candidate is one population member as the sampler sees it.
type candidate struct {
	ArticleID   int64
	Version     int
	Title       string
	Stratum     string
	Supplier    string
	RequestType string
	Uses        int
}

// stratumOf groups candidates for allocation.
type stratumOf struct {
	key     string
	members []candidate
	weight  float64
}

// allocate splits n items over strata with the given sizes and weights: in proportion to
// weight (to size when every weight is zero), at least one per non-empty stratum, at most the
// stratum's size, by largest remainder. When n is smaller than the number of non-empty
// strata, the n heaviest strata get one each. keys break ties; the result is deterministic.
func allocate(n int, keys []string, sizes []int, weights []float64) []int {
	k := len(sizes)
	alloc := make([]int, k)
	order := make([]int, 0, k)
	total := 0
	for i := range k {
		if sizes[i] > 0 {
			order = append(order, i)
			total += sizes[i]
		}
	}
	n = min(n, total)
	if n <= 0 {
		return alloc
	}
	useSizes := true
	for _, i := range order {
		if weights[i] > 0 {
			useSizes = false
		}
	}
	w := func(i int) float64 {
		if useSizes {
			return float64(sizes[i])
		}
		return weights[i]
	}
	if n < len(order) {
		slices.SortStableFunc(order, func(a, b int) int {
			if c := cmp.Compare(w(b), w(a)); c != 0 {
				return c
			}
			return cmp.Compare(keys[a], keys[b])
		})
		for _, i := range order[:n] {
			alloc[i] = 1
		}
		return alloc
	}

	// Fix strata whose share falls below one (at one) first, then those whose share exceeds
	// their size (at their size), one kind per round; each round keeps the rest feasible.
	active := slices.Clone(order)
	left := n
	for len(active) > 0 {
		sumW := 0.0
		for _, i := range active {
			sumW += w(i)
		}
		share := func(i int) float64 {
			if sumW == 0 {
				// Every remaining stratum is unused: split by size among them.
				s := 0
				for _, j := range active {
					s += sizes[j]
				}
				return float64(left) * float64(sizes[i]) / float64(s)
			}
			return float64(left) * w(i) / sumW
		}
		var low, high []int
		for _, i := range active {
			switch q := share(i); {
			case q < 1:
				low = append(low, i)
			case q > float64(sizes[i]):
				high = append(high, i)
			}
		}
		fixed, fixAt := low, func(int) int { return 1 }
		if len(low) == 0 {
			fixed, fixAt = high, func(i int) int { return sizes[i] }
		}
		if len(fixed) == 0 {
			// Largest remainder over the active strata.
			type rem struct {
				i    int
				frac float64
			}
			var rems []rem
			given := 0
			for _, i := range active {
				q := share(i)
				alloc[i] = int(q)
				given += alloc[i]
				rems = append(rems, rem{i, q - float64(alloc[i])})
			}
			sort.SliceStable(rems, func(a, b int) bool {
				if rems[a].frac != rems[b].frac {
					return rems[a].frac > rems[b].frac
				}
				return keys[rems[a].i] < keys[rems[b].i]
			})
			for j := 0; given < left && j < len(rems); j++ {
				if alloc[rems[j].i] < sizes[rems[j].i] {
					alloc[rems[j].i]++
					given++
				}
			}
			left -= given
			break
		}
		for _, i := range fixed {
			alloc[i] = fixAt(i)
			left -= alloc[i]
		}
		active = slices.DeleteFunc(active, func(i int) bool { return slices.Contains(fixed, i) })
		if len(active) == 0 {
			break
		}
	}
	// Whatever could not be placed (a stratum floored at one that had room for more) goes,
	// one at a time, to the heaviest strata with room.
	if left > 0 {
		room := slices.Clone(order)
		slices.SortStableFunc(room, func(a, b int) int {
			if c := cmp.Compare(w(b), w(a)); c != 0 {
				return c
			}
			return cmp.Compare(keys[a], keys[b])
		})
		for left > 0 {
			placed := false
			for _, i := range room {
				if left > 0 && alloc[i] < sizes[i] {
					alloc[i]++
					left--
					placed = true
				}
			}
			if !placed {
				break
			}
		}
	}
	return alloc
}

// draw returns the sample: sampleSize items (the whole population when it is smaller) over
// the candidates' strata, by Algorithm. weightByUse chooses use over size as the weight.
func draw(cands []candidate, sampleSize int, seed int64, weightByUse bool) []candidate {
	byKey := map[string]*stratumOf{}
	var strata []*stratumOf
	for _, c := range cands {
		st := byKey[c.Stratum]
		if st == nil {
			st = &stratumOf{key: c.Stratum}
			byKey[c.Stratum] = st
			strata = append(strata, st)
		}
		st.members = append(st.members, c)
		if weightByUse {
			st.weight += float64(c.Uses)
		}
	}
	slices.SortFunc(strata, func(a, b *stratumOf) int { return cmp.Compare(a.key, b.key) })
	keys := make([]string, len(strata))
	sizes := make([]int, len(strata))
	weights := make([]float64, len(strata))
	for i, st := range strata {
		slices.SortFunc(st.members, func(a, b candidate) int { return cmp.Compare(a.ArticleID, b.ArticleID) })
		keys[i], sizes[i], weights[i] = st.key, len(st.members), st.weight
	}
	alloc := allocate(sampleSize, keys, sizes, weights)
	var out []candidate
	for i, st := range strata {
		g := streamFor(seed, st.key)
		m := slices.Clone(st.members)
		for j := 0; j < alloc[i]; j++ {
			r := j + int(g.below(uint64(len(m)-j)))
			m[j], m[r] = m[r], m[j]
			out = append(out, m[j])
		}
	}
	return out
}
