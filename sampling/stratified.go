package sampling

import (
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
)

// DrawPlan makes the plan of rec with Algorithm. The plan depends only on
// rec, never on the order of its slices, so anyone holding the record can
// re-derive it.
//
//  1. The frame is the population's units in the design's scope. A unit
//     drawn within the no-repeat period before the fire is excluded, unless
//     its last result was a failure (a follow-up check). Each unit weighs
//     its risk class's weight, times the fail boost after a failure.
//  2. The plan size is shared among strata (proportional, equal or Neyman,
//     with a minimum per stratum and never more than a stratum holds), and
//     the shares are rounded by systematic sampling from a seeded start, so
//     that each stratum's expected number of tasks is its exact share.
//  3. Within a stratum, units are drawn with probability proportional to
//     weight by Pareto πps order sampling, driven by a uniform per unit
//     derived from the seed and the unit key alone. Each task records its
//     inclusion probability.
//  4. Inspectors are assigned with the same seed (see assignInspectors).
//
// The returned plan carries its record in Plan.Record, for storage. An
// error names the stratum or task and the constraint that could not be met.
func DrawPlan(rec DrawRecord) (Plan, error) {
	plan, _, err := drawFrame(rec)
	return plan, err
}

// drawFrame is DrawPlan, also returning the frame with each unit's
// inclusion probability once the frame is built.
func drawFrame(rec DrawRecord) (Plan, *frame, error) {
	d := &rec.Design
	if len(rec.Seed.Bytes) != SeedSize {
		return Plan{}, nil, fmt.Errorf("seed has %d bytes, want %d", len(rec.Seed.Bytes), SeedSize)
	}
	fr, err := buildFrame(&rec, true)
	if err != nil {
		return Plan{}, nil, err
	}
	strata := groupStrata(d, fr, rec.Recent)
	plan := Plan{
		Schedule:    rec.Schedule,
		Industry:    d.Industry,
		Kind:        rec.Kind,
		NominalTime: rec.NominalTime,
		Status:      PlanOpen,
		Algorithm:   Algorithm,
		Seed:        hex.EncodeToString(rec.Seed.Bytes),
		SeedSource:  rec.Seed.Source,
		FrameDigest: fr.digest,
	}
	for _, s := range strata {
		plan.FrameSize += s.Eligible
		plan.Excluded += s.Units - s.Eligible
	}
	plan.Record = trim(&rec, fr)
	if plan.FrameSize == 0 {
		return plan, fr, fmt.Errorf("industry %q: %w (%d units in scope, %d excluded by no_repeat)", d.Industry, ErrEmptyFrame, len(fr.units), plan.Excluded)
	}
	n := d.Batches
	if n <= 0 {
		n = max(int(math.Round(d.Fraction*float64(plan.FrameSize))), 1)
	}
	n = min(n, plan.FrameSize)

	g := newUniforms(rec.Seed.Bytes)
	if err := allocate(strata, n, d.MinPerStratum, d.Allocation, g.of("allocation")); err != nil {
		return plan, fr, err
	}
	// Strata are independent: draw them on all processors. Each writes the
	// inclusion probabilities of its own units only.
	drawn := make([][]int, len(strata))
	parallel(len(strata), func(h int) {
		drawn[h] = drawStratum(&strata[h], fr.units, fr.strata[h].start, fr.strata[h].end)
	})
	for h := range strata {
		for _, i := range drawn[h] {
			f := &fr.units[i]
			u := fr.pop.Unit(int(f.unit))
			rule := d.Categories[u.Category]
			plan.Tasks = append(plan.Tasks, Task{
				CreditCode:           u.CreditCode,
				Enterprise:           u.Enterprise,
				County:               u.County,
				Category:             u.Category,
				Tier:                 rule.Tier,
				Stratum:              fr.strata[h].key,
				InclusionProbability: f.pi,
				Quantity:             rule.Quantity,
				Due:                  d.Due,
				Status:               TaskAssigned,
			})
		}
	}
	plan.Strata = strata
	if err := assignInspectors(d, rec.Seed.Bytes, plan.Tasks, rec.Inspectors); err != nil {
		return plan, fr, err
	}
	plan.Commitment = commitment(&plan, &rec)
	plan.TaskCount = len(plan.Tasks)
	return plan, fr, nil
}

// groupStrata returns the strata of the frame, with their numbers of units
// and eligible units and, for Neyman allocation, each stratum's smoothed
// recent failure rate.
func groupStrata(d *Design, fr *frame, recent []CellCount) []Stratum {
	strata := make([]Stratum, len(fr.strata))
	for h, s := range fr.strata {
		strata[h] = Stratum{Key: s.key, Units: s.end - s.start, Eligible: s.eligible}
	}
	if d.Allocation == AllocationNeyman {
		index := make(map[string]int, len(strata))
		for h, s := range strata {
			index[s.Key] = h
		}
		tested := make([]int, len(strata))
		failed := make([]int, len(strata))
		for _, c := range recent {
			if h, ok := index[stratumKey(d.Strata, &Unit{County: c.County, Category: c.Category})]; ok {
				tested[h] += c.Tested
				failed[h] += c.Failed
			}
		}
		for h := range strata {
			strata[h].FailureRate = float64(failed[h]+1) / float64(tested[h]+2)
		}
	}
	return strata
}

// drawStratum sets the inclusion probability of the eligible units of the
// stratum frame[start:end] and returns the indices of the units drawn, in
// key order.
//
// The stratum gets ⌊share⌋ tasks with probability 1−p and ⌈share⌉ with
// probability p, so a unit's inclusion probability is (1−p)·π(⌊share⌋) +
// p·π(⌈share⌉), where π(n) is its inclusion probability in a Pareto πps
// sample of n.
func drawStratum(s *Stratum, frame []frameUnit, start, end int) []int {
	members := make([]int32, 0, s.Eligible) // frame indices of the eligible units
	for i := start; i < end; i++ {
		if frame[i].eligible() {
			members = append(members, int32(i))
		}
	}
	if len(members) == 0 {
		return nil
	}
	g := groupWeights(len(members), func(j int) float64 { return frame[members[j]].weight })
	low := int(math.Floor(s.Share))
	pi := g.inclusion(low)
	if s.up > 0 {
		high := g.inclusion(low + 1)
		for k := range pi {
			pi[k] = (1-s.up)*pi[k] + s.up*high[k]
		}
	}
	for j, i := range members {
		frame[i].pi = pi[g.of[j]]
	}
	if s.Tasks == 0 {
		return nil
	}
	lambda := g.targets(s.Tasks)
	var drawn []int
	for j, i := range members {
		if lambda[g.of[j]] >= 1 {
			drawn = append(drawn, int(i))
		}
	}
	best := lowest{k: s.Tasks - len(drawn)}
	for j, i := range members {
		if l := lambda[g.of[j]]; l < 1 {
			best.offer(ranked{int(i), paretoRank(frame[i].u, l)})
		}
	}
	for _, r := range best.items {
		drawn = append(drawn, r.i)
	}
	slices.Sort(drawn)
	return drawn
}

// ranked is a frame unit (by index) and its Pareto rank.
type ranked struct {
	i    int
	rank float64
}

func (a ranked) less(b ranked) bool { return a.rank < b.rank || (a.rank == b.rank && a.i < b.i) }

// lowest keeps the k lowest ranked units offered, in a max-heap, so that
// selecting a stratum's sample costs N·log k rather than a sort of N.
type lowest struct {
	k     int
	items []ranked
}

func (l *lowest) offer(r ranked) {
	h := l.items
	switch {
	case l.k <= 0:
		return
	case len(h) < l.k:
		h = append(h, r)
		for c := len(h) - 1; c > 0; {
			p := (c - 1) / 2
			if !h[p].less(h[c]) {
				break
			}
			h[p], h[c] = h[c], h[p]
			c = p
		}
	case r.less(h[0]):
		h[0] = r
		for p := 0; ; {
			c := 2*p + 1
			if c >= len(h) {
				break
			}
			if c+1 < len(h) && h[c].less(h[c+1]) {
				c++
			}
			if !h[p].less(h[c]) {
				break
			}
			h[p], h[c] = h[c], h[p]
			p = c
		}
	}
	l.items = h
}

// trim returns the part of rec that the draw depended on, to be stored with
// the plan: the whole population (stored once per distinct population), the
// history of units it excluded or boosted, and the qualified inspectors.
func trim(rec *DrawRecord, fr *frame) *DrawRecord {
	out := *rec
	out.History = nil
	for _, s := range fr.strata {
		for _, h := range s.kept {
			out.History = append(out.History, *h)
		}
	}
	if rec.Design.Allocation != AllocationNeyman {
		out.Recent = nil // only Neyman allocation reads them
	}
	out.Inspectors = nil
	for _, in := range rec.Inspectors {
		if slices.Contains(in.Industries, rec.Design.Industry) {
			out.Inspectors = append(out.Inspectors, in)
		}
	}
	return &out
}

// Key returns the key of the task's unit, as Unit.Key.
func (t *Task) Key() string { return t.CreditCode + "/" + t.Category }

// joinIDs writes inspector IDs as a comma-separated list.
func joinIDs(ids []string) string { return strings.Join(ids, ",") }
