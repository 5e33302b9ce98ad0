package sampling

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// JeffreysBelow returns the posterior probability that the true pass rate
// is below target, given passed batches out of n, under the Jeffreys prior
// Beta(½, ½): the regularized incomplete beta function
// I_target(passed+½, n−passed+½). With n = 0 it is the prior's probability.
func JeffreysBelow(passed, n int, target float64) float64 {
	if n < 0 || passed < 0 || passed > n {
		return math.NaN()
	}
	switch {
	case target <= 0:
		return 0
	case target >= 1:
		return 1
	}
	return mathext.RegIncBeta(float64(passed)+0.5, float64(n-passed)+0.5, target)
}

// jeffreysMoments returns the mean and variance of the Jeffreys posterior
// Beta(passed+½, n−passed+½).
func jeffreysMoments(passed, n int) (mean, variance float64) {
	a, b := float64(passed)+0.5, float64(n-passed)+0.5
	s := a + b
	return a / s, a * b / (s * s * (s + 1))
}

// categoryMeanBelow returns the probability that the mean of k category
// rates is below target when each category's rate follows its own Jeffreys
// posterior: the mean of independent Beta variables has no closed form, so
// it is approximated by a normal with the same mean and variance.
func categoryMeanBelow(passed, tested []int, target float64) float64 {
	k := float64(len(tested))
	mean, variance := 0.0, 0.0
	for i := range tested {
		m, v := jeffreysMoments(passed[i], tested[i])
		mean += m
		variance += v
	}
	return distuv.Normal{Mu: mean / k, Sigma: math.Sqrt(variance) / k}.CDF(target)
}
