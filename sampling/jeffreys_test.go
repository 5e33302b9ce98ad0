package sampling

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// jeffreysAccuracy is the largest absolute error of JeffreysBelow that
// docs/rates.md states, by the largest number of batches it holds for.
var jeffreysAccuracy = []struct {
	upTo int
	err  float64
}{
	{100, 1e-13},
	{1_000, 1e-12},
	{10_000, 2e-11},
	{100_000, 5e-10},
	{1_000_000, 5e-9},
	{10_000_000, 5e-6},
}

// TestJeffreysBelow checks gonum's regularized incomplete beta, through
// JeffreysBelow, against reference values computed with mpmath at 40
// digits (testdata/jeffreys_mpmath.csv, made by the script in its header),
// at 10 to 10 million batches and pass counts from three standard
// deviations below to three above each target, and holds it to the
// accuracy docs/rates.md states.
func TestJeffreysBelow(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "jeffreys_mpmath.csv"))
	if err != nil {
		t.Fatal(err)
	}
	worst := map[int]float64{}
	rows := 0
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "passed") {
			continue
		}
		var passed, n int
		var target, want float64
		if _, err := fmt.Sscanf(strings.ReplaceAll(line, ",", " "), "%d %d %g %g", &passed, &n, &target, &want); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		rows++
		got := JeffreysBelow(passed, n, target)
		e := math.Abs(got - want)
		worst[n] = max(worst[n], e)
		for _, acc := range jeffreysAccuracy {
			if n <= acc.upTo {
				if e > acc.err {
					t.Errorf("JeffreysBelow(%d, %d, %v) = %.17g, want %.17g: off by %.2g, more than the %.0g docs/rates.md states up to %d batches",
						passed, n, target, got, want, e, acc.err, acc.upTo)
				}
				break
			}
		}
	}
	if rows < 100 {
		t.Fatalf("read %d reference values, want the whole table", rows)
	}
	for _, n := range slices.Sorted(maps.Keys(worst)) {
		t.Logf("n = %d: largest error %.2g", n, worst[n])
	}
	// The prior alone, and small cases by hand (mpmath, 40 digits).
	for _, tt := range []struct {
		passed, n int
		target    float64
		want      float64
	}{
		{0, 0, 0.92, 0.81744510900617166502},
		{1, 1, 0.92, 0.64473449420701050384},
		{1, 2, 0.5, 0.5},
		{3, 4, 0.7, 0.44707961346848347822},
		{30, 30, 0.97, 0.17461334438184547858},
	} {
		if got := JeffreysBelow(tt.passed, tt.n, tt.target); math.Abs(got-tt.want) > 1e-13 {
			t.Errorf("JeffreysBelow(%d, %d, %v) = %.17g, want %.17g", tt.passed, tt.n, tt.target, got, tt.want)
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

// TestJeffreysBelowNoBatchesAndNoPasses pins the edges of JeffreysBelow's
// argument check, n = 0 and passed = 0, which are valid: with no batches
// it is the prior's probability, Beta(½, ½)'s distribution function
// (2/π)·asin(√t) (the arcsine law), and with no pass in one batch it is
// Beta(½, 3/2)'s, (2/π)·(asin(√t) + √(t(1−t))), both in closed form and so
// computed here independently of gonum. Only a negative count is refused.
func TestJeffreysBelowNoBatchesAndNoPasses(t *testing.T) {
	for _, target := range []float64{0.25, 0.5, 0.9} {
		prior := 2 / math.Pi * math.Asin(math.Sqrt(target))
		if got := JeffreysBelow(0, 0, target); !(math.Abs(got-prior) <= 1e-14) {
			t.Errorf("JeffreysBelow(0, 0, %v) = %.17g, want the arcsine law's %.17g", target, got, prior)
		}
		none := 2 / math.Pi * (math.Asin(math.Sqrt(target)) + math.Sqrt(target*(1-target)))
		if got := JeffreysBelow(0, 1, target); !(math.Abs(got-none) <= 1e-14) {
			t.Errorf("JeffreysBelow(0, 1, %v) = %.17g, want Beta(1/2, 3/2)'s %.17g", target, got, none)
		}
	}
	if got := JeffreysBelow(0, 0, 0.25); !(math.Abs(got-1.0/3) <= 1e-15) { // NaN fails too
		t.Errorf("JeffreysBelow(0, 0, 0.25) = %.17g, want 1/3 (asin(1/2) = π/6)", got)
	}
	for _, c := range [][2]int{{0, -1}, {-1, 0}, {-1, 3}, {2, 1}} {
		if got := JeffreysBelow(c[0], c[1], 0.5); !math.IsNaN(got) {
			t.Errorf("JeffreysBelow(%d, %d, 0.5) = %v, want NaN", c[0], c[1], got)
		}
	}
}
