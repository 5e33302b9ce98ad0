package sampling

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"
)

// inclusionDraws is the number of draws of TestInclusionFrequencies.
const inclusionDraws = 10000

// TestInclusionFrequencies draws the same small registry with seeds
// SHA-256("inclusion/0"), SHA-256("inclusion/1"), … and compares how often
// each unit was drawn with the inclusion probability its tasks store.
//
// For each unit, the count over D draws is Binomial(D, π) if π is right;
// the test rejects when |count − Dπ| > z·√(Dπ(1−π)) with z = 4.07, the
// two-sided critical value for a family-wise significance level of 0.001
// over the 23 units (Bonferroni: 0.001/23 per unit). The seeds are fixed,
// so the test is deterministic: it cannot flake, and a change that breaks
// the probabilities fails it every time. With D = 10,000 it detects an
// error of 4% (relative) in the largest probabilities (about 0.5) and 18%
// in the smallest (about 0.05). The Pareto targets λ that a simpler
// implementation would store are off by 6% in the 4-unit stratum here
// (0.464 for its D unit, drawn 49.4% of the time): this test catches that.
//
// The registry has three strata of 4, 7 and 12 units with risk classes
// A–D, a unit boosted after a failure and one excluded by the no-repeat
// rule; 5 tasks are shared proportionally, so every stratum's share is
// fractional and its number of tasks varies between draws.
func TestInclusionFrequencies(t *testing.T) {
	rec := DrawRecord{Schedule: "s", Kind: KindScheduled, NominalTime: fixtureNominal, Design: testDesign()}
	rec.Design.Strata = []string{StratumCounty}
	rec.Design.Batches = 5
	rec.Design.InspectorsPerTask = 1
	rec.Inspectors = []Inspector{{ID: "I1", County: "Q", Industries: []string{"textiles"}}}
	sizes := map[string]int{"X": 4, "Y": 7, "Z": 12}
	n := 0
	for _, county := range []string{"X", "Y", "Z"} {
		for i := range sizes[county] {
			rec.Population = append(rec.Population, Unit{CreditCode: testCode(t, n), County: county, Category: "garments", Risk: string("ABCDDAB"[i%7])})
			n++
		}
	}
	rec.History = []History{
		{CreditCode: testCode(t, 5), Category: "garments", TaskID: 1, Time: fixtureNominal.AddDate(0, -1, 0), Outcome: OutcomeFail},
		{CreditCode: testCode(t, 13), Category: "garments", TaskID: 2, Time: fixtureNominal.Add(-24 * time.Hour), Outcome: OutcomePass},
	}

	// Draw on all processors; each worker takes every W-th seed, so the
	// seeds, and the counts, are the same however many there are.
	workers := runtime.GOMAXPROCS(0)
	counts := make([]map[string]int, workers)
	errs := make([]error, workers)
	pi := map[string]float64{}
	rec.Seed = testSeed("inclusion/0")
	_, frame, err := draw(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frame {
		pi[f.Key()] = f.Pi
	}
	var wg sync.WaitGroup
	for w := range workers {
		counts[w] = map[string]int{}
		wg.Go(func() {
			r := rec
			for d := w; d < inclusionDraws; d += workers {
				r.Seed = testSeed(fmt.Sprint("inclusion/", d))
				plan, err := DrawPlan(r)
				if err != nil {
					errs[w] = fmt.Errorf("draw %d: %w", d, err)
					return
				}
				for _, task := range plan.Tasks {
					key := task.Key()
					counts[w][key]++
					if task.InclusionProbability != pi[key] {
						errs[w] = fmt.Errorf("draw %d: task %s stores π = %v, another draw %v: the probability must not depend on the seed", d, key, task.InclusionProbability, pi[key])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range counts {
		for k, v := range c {
			count[k] += v
		}
	}
	const z = 4.07
	worst := 0.0
	for key, p := range pi {
		c := count[key]
		if p == 0 {
			if c != 0 {
				t.Errorf("unit %s: excluded, yet drawn %d times", key, c)
			}
			continue
		}
		mean := inclusionDraws * p
		sd := math.Sqrt(inclusionDraws * p * (1 - p))
		dev := (float64(c) - mean) / sd
		worst = max(worst, math.Abs(dev))
		if math.Abs(dev) > z {
			t.Errorf("unit %s: drawn %d times in %d, stored π = %.4f expects %.0f ± %.0f (deviation %.1f sd, limit %.2f)",
				key, c, inclusionDraws, p, mean, sd, dev, z)
		}
	}
	t.Logf("largest deviation over %d units: %.2f sd (limit %.2f)", len(pi), worst, z)
}
