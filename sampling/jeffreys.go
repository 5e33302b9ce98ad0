package sampling

import "math"

// JeffreysBelow returns the posterior probability that the true pass rate
// is below target, given passed batches out of n, under the Jeffreys prior
// Beta(½, ½): the regularized incomplete beta function
// I_target(passed+½, n−passed+½). With n = 0 it is the prior's probability.
func JeffreysBelow(passed, n int, target float64) float64 {
	if n < 0 || passed < 0 || passed > n {
		return math.NaN()
	}
	return betaInc(float64(passed)+0.5, float64(n-passed)+0.5, target)
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
	mean, sd := mean/k, math.Sqrt(variance)/k
	return 0.5 * math.Erfc(-(target-mean)/(sd*math.Sqrt2))
}

// betaInc is the regularized incomplete beta function I_x(a, b), by the
// continued fraction of Numerical Recipes (§6.4) evaluated with the modified
// Lentz method, on whichever side of the mean it converges fast.
func betaInc(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	// front = x^a (1−x)^b / B(a, b), written so that the large terms
	// cancel exactly: with p = a/(a+b), a·log x = a·log p + a·log1p((x−p)/p),
	// and the rest is gap(a) + gap(b) − gap(a+b). Taking log B(a, b) from
	// three lgamma calls instead loses eight digits at ten million batches.
	s := a + b
	p, q := a/s, b/s
	front := math.Exp(a*math.Log1p((x-p)/p) + b*math.Log1p((1-x-q)/q) + lgammaGap(a) + lgammaGap(b) - lgammaGap(s))
	if x < (a+1)/(a+b+2) {
		return front * betaCF(a, b, x) / a
	}
	return 1 - front*betaCF(b, a, 1-x)/b
}

// lgammaGap returns z·log z − z − log Γ(z), from Stirling's series when z
// is large, where the terms would otherwise cancel.
func lgammaGap(z float64) float64 {
	if z < 10 {
		lg, _ := math.Lgamma(z)
		return z*math.Log(z) - z - lg
	}
	// log Γ(z) = (z−½)·log z − z + ½·log 2π + 1/(12z) − 1/(360z³) + …
	z2 := z * z
	series := (1.0/12 - (1.0/360-(1.0/1260-(1.0/1680-1.0/(1188*z2))/z2)/z2)/z2) / z
	return 0.5*math.Log(z) - 0.5*math.Log(2*math.Pi) - series
}

// betaCF evaluates the continued fraction of I_x(a, b). It converges in
// O(sqrt(max(a, b))) steps, a few thousand at ten million batches.
func betaCF(a, b, x float64) float64 {
	const eps = 1e-16
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1/nonZero(1-qab*x/qap)
	h := d
	for m := 1; m <= 1_000_000; m++ {
		fm := float64(m)
		m2 := 2 * fm
		// Each step applies an even and an odd coefficient of the fraction.
		for _, aa := range [2]float64{
			fm * (b - fm) * x / ((qam + m2) * (a + m2)),
			-(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2)),
		} {
			d = 1 / nonZero(1+aa*d)
			c = nonZero(1 + aa/c)
			h *= d * c
		}
		if math.Abs(d*c-1) < eps {
			break
		}
	}
	return h
}

// nonZero keeps the modified Lentz method away from division by zero.
func nonZero(x float64) float64 {
	if math.Abs(x) < 1e-300 {
		return 1e-300
	}
	return x
}
