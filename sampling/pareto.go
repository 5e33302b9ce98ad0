package sampling

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math"
	"slices"
)

// targets returns the target inclusion probabilities of a πps sample of n
// from units with weights w: λ_i = min(1, c·w_i) with c such that they sum
// to n. Units whose share would reach 1 are taken with certainty, the
// heaviest first, and c is recomputed for the rest.
func targets(w []float64, n int) []float64 {
	g := groupWeights(len(w), func(i int) float64 { return w[i] })
	lg := g.targets(n)
	lambda := make([]float64, len(w))
	for i, k := range g.of {
		lambda[i] = lg[k]
	}
	return lambda
}

// weightGroups are units grouped by weight. Units of equal weight have
// equal targets and equal inclusion probabilities, and a stratum has few
// distinct weights (risk classes, times the fail boost), so the arithmetic
// of a draw is per group, whatever the number of units.
type weightGroups struct {
	weight []float64 // the distinct weights
	size   []int     // units per weight
	of     []int32   // each unit's group
}

// groupWeights groups n units whose weights weight(0), …, weight(n−1) gives.
func groupWeights(n int, weight func(int) float64) weightGroups {
	g := weightGroups{of: make([]int32, n)}
	for i := range n {
		x := weight(i)
		k := slices.Index(g.weight, x) // a linear search beats a map here
		if k < 0 {
			k = len(g.weight)
			g.weight = append(g.weight, x)
			g.size = append(g.size, 0)
		}
		g.size[k]++
		g.of[i] = int32(k)
	}
	return g
}

// targets returns each group's target for a sample of n. When a unit of a
// group reaches certainty, its equals do too: (n−k)·w ≥ W implies
// (n−k−1)·w ≥ W−w.
func (g weightGroups) targets(n int) []float64 {
	lambda := make([]float64, len(g.weight))
	total, rest := 0, 0.0
	for k, s := range g.size {
		total += s
		rest += float64(s) * g.weight[k]
	}
	switch {
	case n <= 0:
		return lambda
	case n >= total:
		for k := range lambda {
			lambda[k] = 1
		}
		return lambda
	}
	order := make([]int, len(g.weight))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(g.weight[b], g.weight[a]) })
	taken := 0
	for _, k := range order {
		if float64(n-taken)*g.weight[k] < rest {
			break
		}
		lambda[k] = 1
		rest -= float64(g.size[k]) * g.weight[k]
		taken += g.size[k]
	}
	c := float64(n-taken) / rest
	for k := range lambda {
		if lambda[k] < 1 {
			lambda[k] = min(c*g.weight[k], 1)
		}
	}
	return lambda
}

// exactLimit is the largest sample (after certainty units) for which
// weightGroups.inclusion computes Pareto's exact inclusion probabilities;
// the cost grows with its cube. Above it the targets λ are used, which are
// then within 0.1% of the exact values (TestInclusionLargeSample).
const exactLimit = 100

// inclusion returns each group's inclusion probability in a Pareto πps
// sample of n: 1 for certainty groups, and for the others the exact
// probabilities of paretoInclusion.
func (g weightGroups) inclusion(n int) []float64 {
	lambda := g.targets(n)
	certain := 0
	var rest, restLambda []float64
	var restSize []int
	var index []int
	for k, l := range lambda {
		if l >= 1 {
			certain += g.size[k]
			continue
		}
		index = append(index, k)
		restLambda = append(restLambda, l)
		restSize = append(restSize, g.size[k])
	}
	m := n - certain
	if m <= 0 || m > exactLimit || len(index) == 0 {
		return lambda
	}
	rest = paretoInclusion(restLambda, restSize, m)
	for j, k := range index {
		lambda[k] = rest[j]
	}
	return lambda
}

// paretoRank is the ranking variable of Pareto πps sampling (Rosén 1997)
// for a unit with uniform u and target λ < 1: the odds of u over the odds
// of λ. The n units with the smallest ranks form the sample. A unit's
// inclusion probability is close to λ, but not equal: by several percent
// for samples of one or two from a small stratum, which is why
// weightGroups.inclusion computes the exact value.
func paretoRank(u, lambda float64) float64 {
	return u * (1 - lambda) / ((1 - u) * lambda)
}

// uniforms derives the draw's random numbers from the seed: for a message
// m, the first 8 bytes of HMAC-SHA256(seed, m) as a big-endian integer x,
// mapped to (x>>11 + 0.5) / 2^53, strictly between 0 and 1. A number
// depends only on the seed and the message, never on the order in which
// units are read.
type uniforms struct {
	mac hash.Hash
	buf []byte
	sum []byte
}

func newUniforms(seed []byte) *uniforms {
	return &uniforms{mac: hmac.New(sha256.New, seed), sum: make([]byte, 0, sha256.Size)}
}

// of returns the uniform of the message made of parts, concatenated.
func (g *uniforms) of(parts ...string) float64 {
	g.buf = g.buf[:0]
	for _, p := range parts {
		g.buf = append(g.buf, p...)
	}
	return g.sumBuf()
}

// sumBuf returns the uniform of the message in buf.
func (g *uniforms) sumBuf() float64 {
	g.mac.Reset()
	g.mac.Write(g.buf)
	g.sum = g.mac.Sum(g.sum[:0])
	x := binary.BigEndian.Uint64(g.sum)
	return (float64(x>>11) + 0.5) / (1 << 53)
}

// unit returns the uniform of a unit: message "unit:" + unit key.
func (g *uniforms) unit(u *Unit) float64 { return g.of("unit:", u.CreditCode, "/", u.Category) }

// unitAt returns the uniform of unit i of pop, as unit.
func (g *uniforms) unitAt(pop *Units, i int32) float64 {
	g.buf = pop.appendKey(append(g.buf[:0], "unit:"...), i)
	return g.sumBuf()
}

// paretoInclusion returns the exact inclusion probabilities of a Pareto πps
// sample of m from units in groups of equal target: size[g] units with
// target lambda[g] < 1 each. Units with equal targets are exchangeable, so
// one probability per group serves all its units.
//
// With θ_g = λ_g/(1−λ_g) and y the log of the ranking variable, a unit of
// group g is drawn when fewer than m of the others rank below it:
//
//	π_g = ∫ σ'(y + log θ_g) · P(S_g(y) ≤ m−1) dy
//
// where σ is the logistic function and S_g(y) counts the other units whose
// rank is below e^y: a sum of binomials with success probabilities
// σ(y + log θ_h). Far left the count is surely below m and the integral is
// σ in closed form; far right it surely exceeds m and the integrand is 0;
// in between, composite Gauss–Legendre quadrature. The probabilities sum
// to m to about 1e−12, which the tests check.
func paretoInclusion(lambda []float64, size []int, m int) []float64 {
	G := len(lambda)
	pi := make([]float64, G)
	total := 0
	for _, s := range size {
		total += s
	}
	if m <= 0 {
		return pi
	}
	if m >= total {
		for g := range pi {
			pi[g] = 1
		}
		return pi
	}
	logTheta := make([]float64, G)
	for g, l := range lambda {
		logTheta[g] = math.Log(l / (1 - l))
	}
	c := newConvolver(size, m)
	// cdfAll returns P(S ≤ k) for the count S over all units at y.
	cdfAll := func(y float64, k int) float64 {
		c.at(y, logTheta)
		d := c.all()
		sum := 0.0
		for _, v := range d[:k+1] {
			sum += v
		}
		return sum
	}
	// Below a, the integrand is σ' up to a factor within 1−P(S ≤ m−1) of 1;
	// a is where the error that makes, at most σ(a + log θ)·(1−P), falls
	// below 1e−14. Above b, P(S ≤ m) < 1e−14 bounds the integrand.
	maxLogTheta := slices.Max(logTheta)
	a, _ := bisect(func(y float64) bool { return (1-cdfAll(y, m-1))*logistic(y+maxLogTheta) <= 1e-14 })
	_, b := bisect(func(y float64) bool { return cdfAll(y, m) > 1e-14 })
	c.needMinus = true
	for g := range pi {
		pi[g] = logistic(a + logTheta[g])
	}
	// Panels narrow enough for the step of P(S ≤ m−1), whose width in y
	// shrinks like 1/√m: 10 nodes per 4/√m are accurate to about 1e−13.
	panels := max(8, int(math.Ceil((b-a)*max(math.Sqrt(float64(m)), 2)/4)))
	h := (b - a) / float64(panels)
	for p := range panels {
		mid := a + (float64(p)+0.5)*h
		for j, x := range glNodes {
			y := mid + x*h/2
			c.at(y, logTheta)
			for g, below := range c.others() {
				pi[g] += glWeights[j] * h / 2 * c.density[g] * below
			}
		}
	}
	for g := range pi {
		pi[g] = min(max(pi[g], 0), 1)
	}
	return pi
}

// bisect brackets the y in [-80, 80] where ok turns from true to false: ok
// holds at lo and fails at hi, which are less than 0.001 apart. ok must be
// monotone.
func bisect(ok func(float64) bool) (lo, hi float64) {
	lo, hi = -80.0, 80.0
	for hi-lo > 1e-3 {
		mid := (lo + hi) / 2
		if ok(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, hi
}

func logistic(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// convolver computes, at one point y, the distribution of the count of
// units ranked below e^y, truncated at m.
type convolver struct {
	size    []int
	m       int
	bins    [][]float64 // Bin(size_g, p_g), truncated at m
	minus   [][]float64 // Bin(size_g − 1, p_g), truncated at m−1
	ratios  [][]float64 // ratios[n][j] = (n−j+1)/j, for the binomials' recurrence
	left    [][]float64 // left[g]: groups before g convolved, truncated at m−1
	right   [][]float64 // right[g]: groups from g on convolved, truncated at m−1
	scratch []float64
	tmp     []float64
	// needMinus is false while only all() is needed, which does without
	// the binomials of one unit fewer.
	needMinus bool
	below     []float64
	density   []float64 // σ'(y + log θ_g) at the current point
}

func newConvolver(size []int, m int) *convolver {
	G := len(size)
	c := &convolver{size: size, m: m, bins: make([][]float64, G), minus: make([][]float64, G),
		left: make([][]float64, G+1), right: make([][]float64, G+1), below: make([]float64, G), density: make([]float64, G)}
	c.ratios = make([][]float64, 2*G)
	for g := range size {
		c.bins[g] = make([]float64, min(size[g], m)+1)
		c.minus[g] = make([]float64, min(size[g]-1, m-1)+1)
		c.ratios[2*g] = binomialRatios(size[g], len(c.bins[g]))
		c.ratios[2*g+1] = binomialRatios(size[g]-1, len(c.minus[g]))
	}
	for g := range c.left {
		c.left[g] = make([]float64, m)
		c.right[g] = make([]float64, m)
	}
	c.scratch = make([]float64, m+1)
	c.tmp = make([]float64, m+1)
	return c
}

// at sets the binomials for point y: group g's units rank below e^y with
// probability p = σ(y + log θ_g).
func (c *convolver) at(y float64, logTheta []float64) {
	for g := range c.size {
		// p, q = 1−p and log q from one exponential, without cancellation.
		x := y + logTheta[g]
		e := math.Exp(-math.Abs(x))
		p, q, logq := 1/(1+e), e/(1+e), -x-math.Log1p(e)
		if x < 0 {
			p, q, logq = q, p, -math.Log1p(e)
		}
		c.density[g] = p * q
		binomial(c.bins[g], c.size[g], p, q, logq, c.ratios[2*g])
		if !c.needMinus {
			continue
		}
		binomial(c.minus[g], c.size[g]-1, p, q, logq, c.ratios[2*g+1])
	}
}

// all returns the distribution of the count over all units, truncated at m.
func (c *convolver) all() []float64 {
	d, tmp := c.scratch, c.tmp
	n := 1
	d[0] = 1
	for g := range c.size {
		n = convolve(tmp, d[:n], c.bins[g], c.m)
		d, tmp = tmp, d
	}
	clear(d[n:])
	return d
}

// others returns, per group g, P(count over all units but one of g ≤ m−1).
func (c *convolver) others() []float64 {
	G, k := len(c.size), c.m-1
	c.left[0] = c.left[0][:1]
	c.left[0][0] = 1
	for g := range G {
		c.left[g+1] = c.left[g+1][:convolve(c.left[g+1][:cap(c.left[g+1])], c.left[g], c.bins[g], k)]
	}
	c.right[G] = c.right[G][:1]
	c.right[G][0] = 1
	for g := G - 1; g >= 0; g-- {
		c.right[g] = c.right[g][:convolve(c.right[g][:cap(c.right[g])], c.right[g+1], c.bins[g], k)]
	}
	lr := c.scratch[:k+1]
	for g := range G {
		n := convolve(lr, c.left[g], c.right[g+1], k)
		// cumulative sums: lr[j] = P(others but group g's share ≤ j)
		for j := 1; j < n; j++ {
			lr[j] += lr[j-1]
		}
		for j := n; j <= k; j++ {
			lr[j] = lr[n-1]
		}
		sum := 0.0
		for j, v := range c.minus[g] {
			sum += v * lr[k-j]
		}
		c.below[g] = sum
	}
	return c.below
}

// convolve writes a*b truncated at index k into out and returns its length.
func convolve(out, a, b []float64, k int) int {
	n := min(len(a)+len(b)-1, k+1)
	for i := range n {
		s := 0.0
		for j := max(0, i-len(b)+1); j <= min(i, len(a)-1); j++ {
			s += a[j] * b[i-j]
		}
		out[i] = s
	}
	return n
}

// binomialRatios returns (n−j+1)/j for 0 < j < k.
func binomialRatios(n, k int) []float64 {
	r := make([]float64, max(k, 1))
	for j := 1; j < k; j++ {
		r[j] = float64(n-j+1) / float64(j)
	}
	return r
}

// binomial fills out with P(Bin(n, p) = j) for j < len(out), given q = 1−p,
// log q and the ratios of binomialRatios(n, len(out)).
func binomial(out []float64, n int, p, q, logq float64, ratios []float64) {
	if len(out) == 0 {
		return
	}
	if n <= 0 {
		clear(out)
		out[0] = 1
		return
	}
	switch {
	case p == 0:
		clear(out)
		out[0] = 1
		return
	case q == 0:
		clear(out)
		if n < len(out) {
			out[n] = 1
		}
		return
	}
	odds := p / q
	l := float64(n) * logq
	if l > -700 {
		out[0] = math.Exp(l)
		for j := 1; j < len(out); j++ {
			out[j] = out[j-1] * ratios[j] * odds
		}
		return
	}
	// P(0) underflows: go on in logarithms, so the rest is not zeroed.
	logOdds := math.Log(odds)
	out[0] = 0
	for j := 1; j < len(out); j++ {
		l += math.Log(ratios[j]) + logOdds
		out[j] = math.Exp(l)
	}
}

// glNodes and glWeights are the 10-point Gauss–Legendre rule on [-1, 1].
var (
	glNodes = [10]float64{
		-0.9739065285171717, -0.8650633666889845, -0.6794095682990244, -0.4333953941292472, -0.1488743389816312,
		0.1488743389816312, 0.4333953941292472, 0.6794095682990244, 0.8650633666889845, 0.9739065285171717,
	}
	glWeights = [10]float64{
		0.0666713443086881, 0.1494513491505806, 0.2190863625159820, 0.2692667193099963, 0.2955242247147529,
		0.2955242247147529, 0.2692667193099963, 0.2190863625159820, 0.1494513491505806, 0.0666713443086881,
	}
)
