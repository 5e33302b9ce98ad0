package sampling

import "math"

// z95 is the standard normal quantile for a one-sided 95% bound.
const z95 = 1.6448536269514722

// Wilson returns the one-sided 95% Wilson score bounds for passed successes
// out of n trials: the true rate is above lower with 95% confidence, and
// below upper with 95% confidence. With n = 0 it returns 0 and 1.
func Wilson(passed, n int) (lower, upper float64) {
	return wilsonZ(passed, n, z95)
}

// wilsonZ is the Wilson score interval at the normal quantile z: one-sided
// bounds at level Φ(z), or a two-sided interval at level 2Φ(z)−1.
func wilsonZ(passed, n int, z float64) (lower, upper float64) {
	if n <= 0 {
		return 0, 1
	}
	p := float64(passed) / float64(n)
	nf := float64(n)
	z2 := z * z
	centre := p + z2/(2*nf)
	spread := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	denom := 1 + z2/nf
	lower = max(0, (centre-spread)/denom)
	upper = min(1, (centre+spread)/denom)
	if passed == 0 {
		lower = 0
	}
	if passed == n {
		upper = 1
	}
	return lower, upper
}

// categoryMeanBounds returns one-sided 95% bounds for the mean of k
// category rates by the normal approximation, with each category's variance
// taken at its Agresti–Coull adjusted rate so that a category with all
// passed still counts as uncertain.
func categoryMeanBounds(mean float64, passed, tested []int) (lower, upper float64) {
	k := float64(len(tested))
	variance := 0.0
	for i := range tested {
		n := float64(tested[i]) + 4
		p := (float64(passed[i]) + 2) / n
		variance += p * (1 - p) / n
	}
	se := math.Sqrt(variance) / k
	return max(0, mean-z95*se), min(1, mean+z95*se)
}
