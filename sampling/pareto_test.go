package sampling

import (
	"fmt"
	"math"
	"testing"
)

func TestTargets(t *testing.T) {
	tests := []struct {
		w    []float64
		n    int
		want []float64
	}{
		{[]float64{1, 1, 2}, 2, []float64{0.5, 0.5, 1}},
		{[]float64{1, 2, 3, 4}, 1, []float64{0.1, 0.2, 0.3, 0.4}},
		{[]float64{10, 1, 1}, 2, []float64{1, 0.5, 0.5}},
		{[]float64{5, 5, 1}, 2, []float64{10.0 / 11, 10.0 / 11, 2.0 / 11}},
		{[]float64{1, 2}, 0, []float64{0, 0}},
		{[]float64{1, 2}, 5, []float64{1, 1}},
	}
	for _, tc := range tests {
		got := targets(tc.w, tc.n)
		for i := range got {
			if math.Abs(got[i]-tc.want[i]) > 1e-12 {
				t.Errorf("targets(%v, %d) = %v, want %v", tc.w, tc.n, got, tc.want)
				break
			}
		}
	}
}

// groups expands per-group weights and sizes to units and returns the
// Pareto targets of each group for a sample of m.
func groupTargets(w []float64, size []int, m int) []float64 {
	var ws []float64
	for g := range w {
		for range size[g] {
			ws = append(ws, w[g])
		}
	}
	lam := targets(ws, m)
	out := make([]float64, len(w))
	off := 0
	for g := range w {
		out[g] = lam[off]
		off += size[g]
	}
	return out
}

// TestParetoInclusionSumsToSampleSize checks the quadrature: in any
// fixed-size design the inclusion probabilities sum to the sample size.
func TestParetoInclusionSumsToSampleSize(t *testing.T) {
	tests := []struct {
		w    []float64
		size []int
	}{
		{[]float64{1, 2, 4, 8}, []int{1, 1, 1, 1}},
		{[]float64{1, 2, 4, 8, 2, 4, 8, 16}, []int{800, 800, 800, 800, 10, 10, 10, 10}},
		{[]float64{1, 8}, []int{3, 2}},
		{[]float64{1}, []int{50}},
	}
	for _, tc := range tests {
		total := 0
		for _, s := range tc.size {
			total += s
		}
		for _, m := range []int{1, 2, 3, 5, 33, 100} {
			if m >= total {
				continue
			}
			pi := paretoInclusion(groupTargets(tc.w, tc.size, m), tc.size, m)
			sum := 0.0
			for g := range pi {
				sum += pi[g] * float64(tc.size[g])
				if pi[g] <= 0 || pi[g] > 1 {
					t.Errorf("weights %v sizes %v m=%d: π[%d] = %v, want in (0, 1]", tc.w, tc.size, m, g, pi[g])
				}
			}
			if math.Abs(sum-float64(m)) > 1e-11 {
				t.Errorf("weights %v sizes %v m=%d: Σπ = %.15f, want %d", tc.w, tc.size, m, sum, m)
			}
		}
	}
}

// TestParetoInclusionKnownValues compares with cases worked by hand: with
// equal weights the design is simple random sampling, π = m/N; and with a
// sample of one from two units, the unit with the smaller rank wins.
func TestParetoInclusionKnownValues(t *testing.T) {
	if got := paretoInclusion([]float64{0.25}, []int{8}, 2); math.Abs(got[0]-0.25) > 1e-13 {
		t.Errorf("equal weights, 2 of 8: π = %v, want 0.25", got[0])
	}
	// Two units, one drawn. Unit 1 wins when its rank is the smaller:
	// odds(U₁)/θ₁ < odds(U₂)/θ₂ with θ₁ = 1/2, θ₂ = 2. Integrating over U₁:
	// π₁ = ∫₀¹ (1 − σ(log(odds(u)·4))) du = ∫₀¹ (1−u)/(1−u+4u) du
	//    = (4·ln 4 − 3)/9.
	got := paretoInclusion([]float64{1.0 / 3, 2.0 / 3}, []int{1, 1}, 1)
	want := (4*math.Log(4) - 3) / 9
	if math.Abs(got[0]-want) > 1e-12 || math.Abs(got[0]+got[1]-1) > 1e-12 {
		t.Errorf("π(λ=1/3, 2/3; n=1) = %v, want [%v %v]", got, want, 1-want)
	}
}

// TestInclusionLargeSample backs exactLimit: beyond it the Pareto targets
// stand in for the exact probabilities, and they are within 0.1% there.
func TestInclusionLargeSample(t *testing.T) {
	w := []float64{1, 2, 4, 8, 2, 4, 8, 16}
	size := []int{300, 300, 300, 300, 30, 30, 30, 30}
	lam := groupTargets(w, size, exactLimit)
	pi := paretoInclusion(lam, size, exactLimit)
	for g := range pi {
		if rel := math.Abs(pi[g]/lam[g] - 1); rel > 1e-3 {
			t.Errorf("weight %v: exact π = %v, target λ = %v: relative difference %.2g, want < 0.1%%", w[g], pi[g], lam[g], rel)
		}
	}
}

func BenchmarkParetoInclusion(b *testing.B) {
	w := []float64{1, 2, 4, 8, 2, 4, 8, 16}
	size := []int{8000, 8000, 8000, 8000, 100, 100, 100, 100}
	for _, m := range []int{1, 33, exactLimit} {
		lam := groupTargets(w, size, m)
		b.Run(fmt.Sprint(m), func(b *testing.B) {
			for b.Loop() {
				paretoInclusion(lam, size, m)
			}
		})
	}
}
