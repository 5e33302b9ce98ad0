package sampling

import (
	"fmt"
	"math"
)

// Stratum is one stratum of a draw: its units and its share of the plan.
type Stratum struct {
	Key string `json:"key"`
	// Units in scope, and how many of them are eligible.
	Units    int `json:"units"`
	Eligible int `json:"eligible"`
	// FailureRate is the smoothed recent failure rate that Neyman
	// allocation uses: (failed + 1) / (tested + 2).
	FailureRate float64 `json:"failure_rate,omitempty"`
	// Share is the stratum's exact share of the plan: its expected number
	// of tasks.
	Share float64 `json:"share"`
	// Tasks is how many tasks the stratum got: Share rounded down or up.
	Tasks int `json:"tasks"`
	// up is the probability that rounding gave the stratum ceil(Share).
	up float64
}

// allocate shares n tasks among strata: each gets a real share between its
// minimum, min(minPer, Eligible), and Eligible, proportional within those
// bounds to the method's size measure; then shares are rounded with
// systematic sampling from start u in [0, 1), so that the parts sum to n
// and each stratum's expected number of tasks is its share exactly. Every
// stratum with eligible units gets a positive share when n > 0.
func allocate(strata []Stratum, n, minPer int, method string, u float64) error {
	total, floor := 0, 0
	measure := make([]float64, len(strata))
	lo := make([]float64, len(strata))
	for i, s := range strata {
		total += s.Eligible
		lo[i] = float64(min(minPer, s.Eligible))
		floor += min(minPer, s.Eligible)
		switch method {
		case AllocationProportional:
			measure[i] = float64(s.Eligible)
		case AllocationEqual:
			measure[i] = 1
		case AllocationNeyman:
			p := s.FailureRate
			measure[i] = float64(s.Eligible) * math.Sqrt(p*(1-p))
		default:
			return fmt.Errorf("unknown allocation %q (want proportional, equal or neyman)", method)
		}
		if s.Eligible == 0 {
			measure[i] = 0
		}
	}
	switch {
	case n > total:
		return fmt.Errorf("plan size %d exceeds the %d eligible units", n, total)
	case floor > n:
		return fmt.Errorf("min_per_stratum %d needs %d tasks over %d strata, but the plan size is %d", minPer, floor, len(strata), n)
	}
	shares(strata, measure, lo, n)
	round(strata, n, u)
	return nil
}

// shares sets each stratum's Share to clamp(λ·measure, lo, Eligible) with λ
// such that the shares sum to n, found by bisection and then made exact by
// rescaling the strata strictly inside their bounds.
func shares(strata []Stratum, measure, lo []float64, n int) {
	f := func(lambda float64) float64 {
		sum := 0.0
		for i, s := range strata {
			sum += min(max(lambda*measure[i], lo[i]), float64(s.Eligible))
		}
		return sum
	}
	target := float64(n)
	a, b := 0.0, 1.0
	for f(b) < target && b < 1e300 {
		b *= 2
	}
	for range 200 {
		m := a + (b-a)/2
		if m <= a || m >= b {
			break
		}
		if f(m) < target {
			a = m
		} else {
			b = m
		}
	}
	fixed, freeMeasure := 0.0, 0.0
	free := make([]bool, len(strata))
	for i, s := range strata {
		x := b * measure[i]
		hi := float64(s.Eligible)
		switch {
		case x <= lo[i]:
			strata[i].Share = lo[i]
		case x >= hi:
			strata[i].Share = hi
		default:
			free[i] = true
			freeMeasure += measure[i]
			continue
		}
		fixed += strata[i].Share
	}
	for i, s := range strata {
		if free[i] {
			x := (target - fixed) * measure[i] / freeMeasure
			strata[i].Share = min(max(x, lo[i]), float64(s.Eligible))
		}
	}
}

// round sets Tasks to Share rounded down or up by systematic sampling on
// the fractional parts with start u: the fractional parts laid end to end
// cover [0, k), and a stratum rounds up when one of the points u, u+1, …,
// u+k−1 falls in its part. The parts sum to n, and a stratum rounds up with
// probability equal to its fractional part.
func round(strata []Stratum, n int, u float64) {
	const snap = 1e-9
	k := n
	frac := make([]float64, len(strata))
	sum := 0.0
	for i := range strata {
		s := &strata[i]
		if r := math.Round(s.Share); math.Abs(s.Share-r) < snap {
			s.Share = r
		}
		s.Tasks = int(math.Floor(s.Share))
		k -= s.Tasks
		frac[i] = s.Share - float64(s.Tasks)
		sum += frac[i]
	}
	if k <= 0 || sum <= 0 {
		return
	}
	// The last part ends at k exactly, whatever the floating-point sum.
	last := len(strata) - 1
	for frac[last] == 0 {
		last--
	}
	scale := float64(k) / sum
	cum := 0.0
	for i := range strata {
		if frac[i] == 0 {
			continue
		}
		s := &strata[i]
		// float64() rounds the product, so that no platform fuses the
		// multiply-add and rounds differently: plans must re-derive
		// bit for bit everywhere.
		next := min(cum+float64(frac[i]*scale), float64(k))
		if i == last {
			next = float64(k)
		}
		s.up = next - cum
		s.Tasks += int(math.Ceil(next-u) - math.Ceil(cum-u))
		cum = next
	}
}
