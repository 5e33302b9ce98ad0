package sampling

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// alpha95 is the error rate of a one-sided 95% bound.
const alpha95 = 0.05

// ClopperPearson returns the exact (Clopper–Pearson) one-sided 95% bounds
// for passed successes out of n trials: whatever the true rate p, the
// probability that p lies below lower is at most 5%, and so is the
// probability that it lies above upper, at every n. With n = 0 it returns
// 0 and 1.
func ClopperPearson(passed, n int) (lower, upper float64) {
	return boundsCache.get(passed, n)
}

// boundsCache keeps the Clopper–Pearson bounds computed: every refresh of
// the snapshot derives the rates of thousands of cells again, most with
// the counts of the refresh before, and a bound costs two inverse
// incomplete beta functions (a third of a refresh's derivation at a
// million stored results). The bounds are a pure function of the counts,
// so a bound from the cache is the one computed, bit for bit.
var boundsCache = cpCache{size: 1 << 16, m: map[[2]int][2]float64{}}

// cpCache is a cache of ClopperPearson's bounds by passed and n, of up to
// size bounds; when full it starts over.
type cpCache struct {
	size int
	mu   sync.Mutex
	m    map[[2]int][2]float64
}

func (c *cpCache) get(passed, n int) (lower, upper float64) {
	k := [2]int{passed, n}
	c.mu.Lock()
	b, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return b[0], b[1]
	}
	lower, upper = clopperPearson(passed, n, alpha95)
	c.mu.Lock()
	if len(c.m) >= c.size {
		clear(c.m)
	}
	c.m[k] = [2]float64{lower, upper}
	c.mu.Unlock()
	return lower, upper
}

// clopperPearson is ClopperPearson at error rate alpha on each side: the
// alpha quantile of Beta(x, n−x+1) and the 1−alpha quantile of
// Beta(x+1, n−x), from gonum's inverse regularized incomplete beta.
func clopperPearson(passed, n int, alpha float64) (lower, upper float64) {
	if n <= 0 {
		return 0, 1
	}
	lower, upper = 0, 1
	x, nf := float64(passed), float64(n)
	if passed > 0 {
		lower = distuv.Beta{Alpha: x, Beta: nf - x + 1}.Quantile(alpha)
	}
	if passed < n {
		upper = distuv.Beta{Alpha: x + 1, Beta: nf - x}.Quantile(1 - alpha)
	}
	return lower, upper
}

// categoryMeanBounds returns one-sided 95% bounds for the mean of k
// category rates by the normal approximation, with each category's variance
// taken at its Agresti–Coull adjusted rate (x+2)/(n+4), so that a category
// with all passed still counts as uncertain. With one category it is that
// category's exact bound. Its coverage is checked by simulation
// (TestCategoryMeanCoverage) for categories of at least
// DefaultMinCategoryBatches batches.
func categoryMeanBounds(mean float64, passed, tested []int) (lower, upper float64) {
	if len(tested) == 1 {
		return ClopperPearson(passed[0], tested[0])
	}
	k := float64(len(tested))
	variance := 0.0
	for i := range tested {
		n := float64(tested[i]) + 4
		p := (float64(passed[i]) + 2) / n
		variance += p * (1 - p) / n
	}
	z := distuv.UnitNormal.Quantile(1 - alpha95)
	se := math.Sqrt(variance) / k
	return max(0, mean-z*se), min(1, mean+z*se)
}
