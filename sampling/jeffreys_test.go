package sampling

import (
	"math"
	"testing"
)

// TestWilsonPublished checks the interval code against published two-sided
// 95% Wilson intervals (z = 1.959963984540054), to the digits printed.
func TestWilsonPublished(t *testing.T) {
	const z975 = 1.959963984540054
	tests := []struct {
		source       string
		passed, n    int
		lower, upper float64
	}{
		// NIST/SEMATECH e-Handbook of Statistical Methods, 7.2.4.1
		// (n = 20 with 4 successes).
		{"NIST 7.2.4.1", 4, 20, 0.0807, 0.4160},
		// Newcombe (1998), "Two-sided confidence intervals for the single
		// proportion", Statistics in Medicine 17, Table II, method 3.
		{"Newcombe 81/263", 81, 263, 0.2553, 0.3662},
		{"Newcombe 15/148", 15, 148, 0.0624, 0.1605},
		{"Newcombe 0/20", 0, 20, 0, 0.1611},
		{"Newcombe 1/29", 1, 29, 0.0061, 0.1718},
	}
	for _, tt := range tests {
		lower, upper := wilsonZ(tt.passed, tt.n, z975)
		if math.Abs(lower-tt.lower) > 0.5e-4 || math.Abs(upper-tt.upper) > 0.5e-4 {
			t.Errorf("%s: wilsonZ(%d, %d, 1.96) = %.4f, %.4f, want %.4f, %.4f", tt.source, tt.passed, tt.n, lower, upper, tt.lower, tt.upper)
		}
	}
}

func TestJeffreysBelow(t *testing.T) {
	// I_t(x+½, n−x+½) computed with mpmath at 40 digits.
	tests := []struct {
		passed, n int
		target    float64
		want      float64
	}{
		{0, 0, 0.92, 0.81744510900617166502}, // the prior alone
		{1, 1, 0.92, 0.64473449420701050384},
		{0, 1, 0.92, 0.99015572380533282621},
		{1, 2, 0.5, 0.5},
		{3, 4, 0.7, 0.44707961346848347822},
		{92, 100, 0.92, 0.52089705689270785835},
		{95, 100, 0.92, 0.13047832093978217027},
		{90, 100, 0.92, 0.77687045150148970889},
		{383, 412, 0.92, 0.23983886250733350224},
		{970, 1000, 0.97, 0.51163118989240466046},
		{29, 30, 0.97, 0.612288557092056136},
		{30, 30, 0.97, 0.17461334438184547858},
		{50, 50, 0.97, 0.080181106303317772693},
		{9, 10, 0.9, 0.56149123614968856702},
		{144, 160, 0.9, 0.51412646500638029482},
		{0, 50, 0.5, 0.99999999999999993032},
		{412000, 425000, 0.97, 0.98753084005212910794},
		{9970000, 10000000, 0.997, 0.5003821542085185196},
		{9969000, 10000000, 0.997, 0.99999999557843873089},
	}
	for _, tt := range tests {
		got := JeffreysBelow(tt.passed, tt.n, tt.target)
		if tol := 1e-12 + 1e-9*tt.want; math.Abs(got-tt.want) > tol {
			t.Errorf("JeffreysBelow(%d, %d, %v) = %.17g, want %.17g", tt.passed, tt.n, tt.target, got, tt.want)
		}
	}
}

// TestBetaIncRecurrence checks betaInc on half-integer parameters against an
// independent reference: I_x(½, ½) = (2/π)·asin(√x), stepped up by the
// recurrences I_x(a+1, b) = I_x(a, b) − x^a(1−x)^b / (a·B(a, b)) and
// I_x(a, b+1) = I_x(a, b) + x^a(1−x)^b / (b·B(a, b)).
func TestBetaIncRecurrence(t *testing.T) {
	beta := func(a, b float64) float64 {
		la, _ := math.Lgamma(a)
		lb, _ := math.Lgamma(b)
		lab, _ := math.Lgamma(a + b)
		return math.Exp(la + lb - lab)
	}
	for _, x := range []float64{0.01, 0.3, 0.5, 0.77, 0.92, 0.97, 0.999} {
		ref := 2 / math.Pi * math.Asin(math.Sqrt(x))
		for j := 0; j < 12; j++ { // b = j + ½
			b := float64(j) + 0.5
			row := ref
			for i := 0; i < 12; i++ { // a = i + ½
				a := float64(i) + 0.5
				if got := betaInc(a, b, x); math.Abs(got-row) > 1e-12 {
					t.Errorf("betaInc(%v, %v, %v) = %.15g, want %.15g", a, b, x, got, row)
				}
				row -= math.Pow(x, a) * math.Pow(1-x, b) / (a * beta(a, b))
			}
			ref += math.Pow(x, 0.5) * math.Pow(1-x, b) / (b * beta(0.5, b))
		}
	}
}

func TestJeffreysBelowEdges(t *testing.T) {
	if got := JeffreysBelow(5, 10, 0); got != 0 {
		t.Errorf("JeffreysBelow(5, 10, 0) = %v, want 0", got)
	}
	if got := JeffreysBelow(5, 10, 1); got != 1 {
		t.Errorf("JeffreysBelow(5, 10, 1) = %v, want 1", got)
	}
	for _, bad := range [][2]int{{-1, 5}, {6, 5}, {0, -1}} {
		if got := JeffreysBelow(bad[0], bad[1], 0.9); !math.IsNaN(got) {
			t.Errorf("JeffreysBelow(%d, %d, 0.9) = %v, want NaN", bad[0], bad[1], got)
		}
	}
	// More passes at the same n never make falling short more likely.
	prev := 1.0
	for passed := 0; passed <= 200; passed++ {
		p := JeffreysBelow(passed, 200, 0.92)
		if p > prev+1e-15 {
			t.Errorf("JeffreysBelow(%d, 200, 0.92) = %v > JeffreysBelow(%d, 200, 0.92) = %v", passed, p, passed-1, prev)
		}
		prev = p
	}
}

func TestCategoryMeanBelow(t *testing.T) {
	// One category: the normal approximation of its Jeffreys posterior.
	m, v := jeffreysMoments(95, 100)
	want := 0.5 * math.Erfc(-(0.92-m)/math.Sqrt(2*v))
	if got := categoryMeanBelow([]int{95}, []int{100}, 0.92); math.Abs(got-want) > 1e-15 {
		t.Errorf("categoryMeanBelow(95/100) = %v, want %v", got, want)
	}
	// Three categories whose mean sits exactly at the target: one half.
	if got := categoryMeanBelow([]int{0, 1000, 500}, []int{0, 1000, 1000}, (0.5+(1000.5/1001)+0.5)/3); math.Abs(got-0.5) > 1e-12 {
		t.Errorf("categoryMeanBelow(mean at target) = %v, want 0.5", got)
	}
	// Against the exact value for one category with many batches, where the
	// normal approximation is close.
	if got, exact := categoryMeanBelow([]int{9000}, []int{10000}, 0.9), JeffreysBelow(9000, 10000, 0.9); math.Abs(got-exact) > 0.01 {
		t.Errorf("categoryMeanBelow(9000/10000) = %v, exact %v", got, exact)
	}
}
