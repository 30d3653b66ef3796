package audit

import "math"

// SuggestSampleSize returns the sample size that lets an audit finding no deviation conclude,
// with the given confidence (0.95), that the deviation rate is below tolerable (0.05):
// the zero-failure ("discovery") formula n = ln(1−C)/ln(1−p), rounded up, and that size with
// the finite-population correction n' = n / (1 + (n−1)/N) for a population of N (N ≤ 0: none).
// 95 % and 5 % give 59 before correction. Out-of-range inputs give 0.
func SuggestSampleSize(confidence, tolerable float64, population int) (n, corrected int) {
	if !(confidence > 0 && confidence < 1 && tolerable > 0 && tolerable < 1) {
		return 0, 0
	}
	raw := math.Log(1-confidence) / math.Log(1-tolerable)
	n = int(math.Ceil(raw - 1e-9))
	corrected = n
	if population > 0 {
		corrected = int(math.Ceil(float64(n)/(1+float64(n-1)/float64(population)) - 1e-9))
		corrected = min(corrected, population)
	}
	return n, corrected
}

// UpperBound returns the one-sided upper confidence bound on a deviation rate after finding
// k deviations in a sample of n: with none, 1 − (1−C)^(1/n); otherwise the exact binomial
// (Clopper-Pearson) bound, the p at which P(X ≤ k | n, p) = 1 − C, found by bisection.
func UpperBound(n, k int, confidence float64) float64 {
	switch {
	case n <= 0:
		return 1
	case k <= 0:
		return 1 - math.Pow(1-confidence, 1/float64(n))
	case k >= n:
		return 1
	}
	alpha := 1 - confidence
	lo, hi := float64(k)/float64(n), 1.0
	for range 200 {
		mid := (lo + hi) / 2
		if binomialCDF(k, n, mid) > alpha {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-12 {
			break
		}
	}
	return (lo + hi) / 2
}

// binomialCDF is P(X ≤ k) for X ~ Binomial(n, p), summed in log space.
func binomialCDF(k, n int, p float64) float64 {
	if p <= 0 {
		return 1
	}
	if p >= 1 {
		if k >= n {
			return 1
		}
		return 0
	}
	lnN, _ := math.Lgamma(float64(n + 1))
	sum := 0.0
	for i := 0; i <= k; i++ {
		a, _ := math.Lgamma(float64(i + 1))
		b, _ := math.Lgamma(float64(n - i + 1))
		sum += math.Exp(lnN - a - b + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
	}
	return min(sum, 1)
}
