package sampling

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func strataOf(eligible ...int) []Stratum {
	s := make([]Stratum, len(eligible))
	for i, e := range eligible {
		s[i] = Stratum{Key: fmt.Sprint("s", i), Eligible: e, FailureRate: 0.05 * float64(i+1)}
	}
	return s
}

func TestAllocateShares(t *testing.T) {
	tests := []struct {
		name     string
		eligible []int
		n, min   int
		method   string
		want     []float64
	}{
		{"proportional", []int{100, 300, 600}, 10, 0, AllocationProportional, []float64{1, 3, 6}},
		{"proportional keeps a small stratum's share", []int{5, 995}, 10, 0, AllocationProportional, []float64{0.05, 9.95}},
		{"equal", []int{100, 300, 600}, 9, 0, AllocationEqual, []float64{3, 3, 3}},
		{"equal capped by stratum size", []int{1, 300, 600}, 9, 0, AllocationEqual, []float64{1, 4, 4}},
		{"minimum per stratum", []int{5, 995}, 10, 2, AllocationProportional, []float64{2, 8}},
		{"minimum capped by stratum size", []int{1, 99, 900}, 10, 3, AllocationProportional, []float64{1, 3, 6}},
		{"whole frame", []int{3, 4}, 7, 0, AllocationEqual, []float64{3, 4}},
		// Neyman: eligible × √(p(1−p)) with p = 0.05, 0.10.
		{"neyman", []int{100, 100}, 10, 0, AllocationNeyman, []float64{
			10 * math.Sqrt(0.05*0.95) / (math.Sqrt(0.05*0.95) + math.Sqrt(0.1*0.9)),
			10 * math.Sqrt(0.1*0.9) / (math.Sqrt(0.05*0.95) + math.Sqrt(0.1*0.9))}},
		{"empty stratum gets nothing", []int{0, 10}, 3, 1, AllocationEqual, []float64{0, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := strataOf(tc.eligible...)
			if err := allocate(s, tc.n, tc.min, tc.method, 0.5); err != nil {
				t.Fatalf("allocate = %v", err)
			}
			sum := 0
			for i := range s {
				if math.Abs(s[i].Share-tc.want[i]) > 1e-9 {
					t.Errorf("stratum %d share = %v, want %v", i, s[i].Share, tc.want[i])
				}
				if s[i].Tasks != int(math.Floor(s[i].Share)) && s[i].Tasks != int(math.Ceil(s[i].Share)) {
					t.Errorf("stratum %d tasks = %d, want ⌊%v⌋ or ⌈%v⌉", i, s[i].Tasks, s[i].Share, s[i].Share)
				}
				sum += s[i].Tasks
			}
			if sum != tc.n {
				t.Errorf("tasks sum to %d, want %d", sum, tc.n)
			}
		})
	}
}

// TestAllocateRoundingIsUnbiased checks the point of systematic rounding:
// averaged over the start u, each stratum's number of tasks is its exact
// share, so a stratum with a share of 0.05 is drawn from one time in 20,
// where largest-remainder rounding would never draw from it.
func TestAllocateRoundingIsUnbiased(t *testing.T) {
	eligible := []int{7, 13, 2, 40, 1, 27, 10}
	const steps = 20000
	mean := make([]float64, len(eligible))
	var shares []float64
	for k := range steps {
		s := strataOf(eligible...)
		if err := allocate(s, 9, 0, AllocationProportional, (float64(k)+0.5)/steps); err != nil {
			t.Fatal(err)
		}
		sum := 0
		for i := range s {
			mean[i] += float64(s[i].Tasks) / steps
			sum += s[i].Tasks
		}
		if sum != 9 {
			t.Fatalf("u=%v: tasks sum to %d, want 9", (float64(k)+0.5)/steps, sum)
		}
		shares = make([]float64, len(s))
		for i := range s {
			shares[i] = s[i].Share
		}
	}
	for i := range mean {
		// u runs over a grid of step 1/steps, so the mean is exact to that.
		if math.Abs(mean[i]-shares[i]) > 2.0/steps {
			t.Errorf("stratum %d: mean tasks over u = %v, want its share %v", i, mean[i], shares[i])
		}
		if shares[i] <= 0 {
			t.Errorf("stratum %d: share %v, want > 0", i, shares[i])
		}
	}
}

func TestAllocateErrors(t *testing.T) {
	tests := []struct {
		eligible []int
		n, min   int
		method   string
		want     string
	}{
		{[]int{3, 3, 3}, 5, 2, AllocationProportional, "min_per_stratum 2 needs 6 tasks over 3 strata, but the plan size is 5"},
		{[]int{3, 3}, 7, 0, AllocationProportional, "plan size 7 exceeds the 6 eligible units"},
		{[]int{3, 3}, 2, 0, "random", `unknown allocation "random"`},
	}
	for _, tc := range tests {
		err := allocate(strataOf(tc.eligible...), tc.n, tc.min, tc.method, 0.5)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("allocate(%v, n=%d, min=%d, %s) = %v, want an error containing %q", tc.eligible, tc.n, tc.min, tc.method, err, tc.want)
		}
	}
}
