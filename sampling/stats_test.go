package sampling

import (
	"math"
	"math/big"
	"testing"
)

// zHigh is the 0.95 quantile of the standard normal distribution to 40
// digits (mpmath: sqrt(2)*erfinv(0.9)).
const zHigh = "1.644853626951472714863848907991632136083"

func TestZ95(t *testing.T) {
	z, _, err := big.ParseFloat(zHigh, 10, 200, big.ToNearestEven)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := z.Float64()
	if math.Abs(z95-want) > 1e-15 {
		t.Errorf("z95 = %.17g, want %.17g", z95, want)
	}
	if p := 0.5 * math.Erfc(-z95/math.Sqrt2); math.Abs(p-0.95) > 1e-15 {
		t.Errorf("Phi(z95) = %.17g, want 0.95", p)
	}
}

// wilsonRef computes the Wilson score bounds at 200 bits of precision from
// the closed form (p + z²/2n ∓ z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n).
func wilsonRef(t *testing.T, passed, n int) (lower, upper float64) {
	t.Helper()
	const prec = 200
	f := func(x int64) *big.Float { return new(big.Float).SetPrec(prec).SetInt64(x) }
	z, _, err := big.ParseFloat(zHigh, 10, prec, big.ToNearestEven)
	if err != nil {
		t.Fatal(err)
	}
	nf := f(int64(n))
	p := new(big.Float).SetPrec(prec).Quo(f(int64(passed)), nf)
	z2 := new(big.Float).SetPrec(prec).Mul(z, z)
	// centre = p + z²/(2n)
	centre := new(big.Float).SetPrec(prec).Quo(z2, new(big.Float).SetPrec(prec).Mul(f(2), nf))
	centre.Add(centre, p)
	// spread = z·sqrt(p(1-p)/n + z²/(4n²))
	q := new(big.Float).SetPrec(prec).Sub(f(1), p)
	v := new(big.Float).SetPrec(prec).Mul(p, q)
	v.Quo(v, nf)
	w := new(big.Float).SetPrec(prec).Quo(z2, new(big.Float).SetPrec(prec).Mul(f(4), new(big.Float).SetPrec(prec).Mul(nf, nf)))
	v.Add(v, w)
	spread := new(big.Float).SetPrec(prec).Sqrt(v)
	spread.Mul(spread, z)
	// denom = 1 + z²/n
	denom := new(big.Float).SetPrec(prec).Quo(z2, nf)
	denom.Add(denom, f(1))
	lo := new(big.Float).SetPrec(prec).Sub(centre, spread)
	lo.Quo(lo, denom)
	hi := new(big.Float).SetPrec(prec).Add(centre, spread)
	hi.Quo(hi, denom)
	lower, _ = lo.Float64()
	upper, _ = hi.Float64()
	return max(lower, 0), min(upper, 1)
}

func TestWilson(t *testing.T) {
	// Reference values computed with mpmath at 40 digits from the
	// closed form; wilsonRef recomputes them with math/big.
	tests := []struct {
		passed, n    int
		lower, upper float64
	}{
		{81, 263, 0.26331361718848138161, 0.35656634960848816472},
		{383, 412, 0.90595828026688136218, 0.9476594385885816044},
		{92, 100, 0.86353523042451313702, 0.95433688411762041739},
		{95, 100, 0.90083891472094722018, 0.97545263657419587383},
		{144, 160, 0.8540955529616580028, 0.93260167494264514781},
		{9, 10, 0.65228133266414152297, 0.97736509126913280409},
		{40, 50, 0.6926736151891770748, 0.87652647333906083422},
		{970, 1000, 0.95978044900164109678, 0.97768320235298401134},
		{1, 2, 0.12086631942227363541, 0.87913368057772636459},
		{1, 1, 0.26986594878405408043, 1},
		{0, 1, 0, 0.73013405121594591957},
		{0, 10, 0, 0.21294197008340709117},
		{10, 10, 0.78705802991659290883, 1},
	}
	const tol = 1e-12
	for _, tt := range tests {
		lower, upper := Wilson(tt.passed, tt.n)
		if math.Abs(lower-tt.lower) > tol || math.Abs(upper-tt.upper) > tol {
			t.Errorf("Wilson(%d, %d) = %.15f, %.15f, want %.15f, %.15f", tt.passed, tt.n, lower, upper, tt.lower, tt.upper)
		}
		rl, ru := wilsonRef(t, tt.passed, tt.n)
		if math.Abs(rl-tt.lower) > tol || math.Abs(ru-tt.upper) > tol {
			t.Errorf("wilsonRef(%d, %d) = %.15f, %.15f, want %.15f, %.15f: the reference disagrees with the table", tt.passed, tt.n, rl, ru, tt.lower, tt.upper)
		}
	}
}

// TestWilsonAgainstReference sweeps sample sizes and pass counts against the
// high-precision reference.
func TestWilsonAgainstReference(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5, 10, 29, 30, 31, 100, 263, 1000, 12345} {
		for _, passed := range []int{0, 1, n / 10, n / 2, n * 9 / 10, n - 1, n} {
			if passed < 0 || passed > n {
				continue
			}
			lower, upper := Wilson(passed, n)
			rl, ru := wilsonRef(t, passed, n)
			if math.Abs(lower-rl) > 1e-12 || math.Abs(upper-ru) > 1e-12 {
				t.Errorf("Wilson(%d, %d) = %.15f, %.15f, want %.15f, %.15f", passed, n, lower, upper, rl, ru)
			}
			if p := float64(passed) / float64(n); lower > p || upper < p {
				t.Errorf("Wilson(%d, %d) = %v, %v, which does not contain %v", passed, n, lower, upper, p)
			}
			// The bounds mirror: lower for passes is 1 - upper for failures.
			if fl, fu := Wilson(n-passed, n); math.Abs(lower-(1-fu)) > 1e-12 || math.Abs(upper-(1-fl)) > 1e-12 {
				t.Errorf("Wilson(%d, %d) = %v, %v; Wilson(%d, %d) = %v, %v, want mirror images", passed, n, lower, upper, n-passed, n, fl, fu)
			}
		}
	}
}

func TestWilsonEdges(t *testing.T) {
	z2 := z95 * z95
	tests := []struct {
		name         string
		passed, n    int
		lower, upper float64
	}{
		{"no trials", 0, 0, 0, 1},
		{"negative n", 0, -3, 0, 1},
		// With none passed the upper bound has the closed form z²/(n+z²),
		// and with all passed the lower bound is n/(n+z²).
		{"one trial passed", 1, 1, 1 / (1 + z2), 1},
		{"one trial failed", 0, 1, 0, z2 / (1 + z2)},
		{"all of 50 passed", 50, 50, 50 / (50 + z2), 1},
		{"none of 50 passed", 0, 50, 0, z2 / (50 + z2)},
		{"all of 5000 passed", 5000, 5000, 5000 / (5000 + z2), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lower, upper := Wilson(tt.passed, tt.n)
			if math.Abs(lower-tt.lower) > 1e-14 || math.Abs(upper-tt.upper) > 1e-14 {
				t.Errorf("Wilson(%d, %d) = %v, %v, want %v, %v", tt.passed, tt.n, lower, upper, tt.lower, tt.upper)
			}
			if tt.passed == tt.n && tt.n > 0 && upper != 1 {
				t.Errorf("Wilson(%d, %d) upper = %v, want exactly 1", tt.passed, tt.n, upper)
			}
			if tt.passed == 0 && lower != 0 {
				t.Errorf("Wilson(%d, %d) lower = %v, want exactly 0", tt.passed, tt.n, lower)
			}
		})
	}
}

// TestWilsonMonotone checks that more passes never lower either bound and
// that, at a fixed rate, more trials narrow the interval.
func TestWilsonMonotone(t *testing.T) {
	const n = 200
	prevL, prevU := Wilson(0, n)
	for passed := 1; passed <= n; passed++ {
		l, u := Wilson(passed, n)
		if l < prevL || u < prevU {
			t.Errorf("Wilson(%d, %d) = %v, %v, below Wilson(%d, %d) = %v, %v", passed, n, l, u, passed-1, n, prevL, prevU)
		}
		prevL, prevU = l, u
	}
	prevWidth := 1.0
	for _, k := range []int{1, 2, 5, 10, 100, 1000} {
		l, u := Wilson(9*k, 10*k)
		if w := u - l; w >= prevWidth {
			t.Errorf("Wilson(%d, %d) width = %v, not narrower than %v", 9*k, 10*k, w, prevWidth)
		} else {
			prevWidth = w
		}
	}
}
