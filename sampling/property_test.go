package sampling

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// randomDesign varies the design of rec at random.
func randomDesign(r *rand.Rand, rec *DrawRecord) {
	d := &rec.Design
	d.Strata = [][]string{{}, {StratumCounty}, {StratumCategory}, {StratumCounty, StratumCategory}, {StratumCategory, StratumCounty}}[r.IntN(5)]
	d.Allocation = []string{AllocationProportional, AllocationEqual, AllocationNeyman}[r.IntN(3)]
	d.Batches, d.Fraction = 1+r.IntN(25), 0
	if r.IntN(4) == 0 {
		d.Batches, d.Fraction = 0, 0.05+0.5*r.Float64()
	}
	d.MinPerStratum = r.IntN(3)
	d.InspectorsPerTask = 1 + r.IntN(3)
	d.CrossCounty = r.IntN(3) == 0
	d.MaxTasksPerInspector = []int{0, 2, 4, 8}[r.IntN(4)]
	if r.IntN(4) == 0 && len(rec.Population) > 0 {
		d.Counties = []string{rec.Population[0].County}
	}
	if r.IntN(3) == 0 {
		d.FailBoost = 1
	}
}

// TestDrawPlanProperties draws from random registries and designs and checks
// every rule of a draw, or that the error is justified.
func TestDrawPlanProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 14))
	made, failed := 0, map[string]int{}
	for run := range 400 {
		rec := randomRecord(t, r, 30)
		randomDesign(r, &rec)
		plan, frame, err := draw(rec)
		if err != nil {
			kind := checkDrawError(t, run, rec, frame, err)
			failed[kind]++
			continue
		}
		made++
		checkDrawnPlan(t, run, rec, plan, frame)
		// The same registry read in another order gives the same plan.
		again, err := DrawPlan(shuffled(rec, r))
		if err != nil {
			t.Fatalf("run %d: DrawPlan(shuffled) = %v, want the same plan", run, err)
		}
		again.Record, plan.Record = nil, nil
		if !reflect.DeepEqual(again, plan) {
			t.Errorf("run %d: DrawPlan(shuffled) differs from DrawPlan", run)
		}
	}
	t.Logf("%d plans made; failures by kind: %v", made, failed)
	if made < 200 {
		t.Errorf("only %d of 400 random draws made a plan: the generator should mostly make feasible registries", made)
	}
	if failed["inspectors"] == 0 {
		t.Errorf("no random draw failed for want of inspectors: the generator should also exercise that path")
	}
}

// checkDrawnPlan checks one plan against its record and frame.
func checkDrawnPlan(t *testing.T, run int, rec DrawRecord, plan Plan, frame []listedUnit) {
	t.Helper()
	d := rec.Design
	byKey := map[string]*listedUnit{}
	for i := range frame {
		byKey[frame[i].Key()] = &frame[i]
	}
	// Allocation: sums to n, within each stratum's bounds, and a rounding
	// of the exact share; the shares sum to n.
	n := d.Batches
	if n == 0 {
		n = max(int(math.Round(d.Fraction*float64(plan.FrameSize))), 1)
	}
	n = min(n, plan.FrameSize)
	if len(plan.Tasks) != n {
		t.Errorf("run %d: %d tasks, want plan size %d", run, len(plan.Tasks), n)
	}
	sumTasks, sumShare := 0, 0.0
	piByStratum := map[string]float64{}
	for i := range frame {
		f := &frame[i]
		switch {
		case f.eligible() && f.Pi <= 0:
			t.Errorf("run %d: eligible unit %s has inclusion probability %v, want > 0", run, f.Key(), f.Pi)
		case !f.eligible() && f.Pi != 0:
			t.Errorf("run %d: excluded unit %s has inclusion probability %v, want 0", run, f.Key(), f.Pi)
		}
		piByStratum[f.Stratum] += f.Pi
	}
	for _, s := range plan.Strata {
		sumTasks += s.Tasks
		sumShare += s.Share
		if s.Tasks > s.Eligible || s.Tasks < min(d.MinPerStratum, s.Eligible) {
			t.Errorf("run %d: stratum %s got %d tasks, want between min(%d, %d) and %d", run, s.Key, s.Tasks, d.MinPerStratum, s.Eligible, s.Eligible)
		}
		if s.Tasks != int(math.Floor(s.Share)) && s.Tasks != int(math.Ceil(s.Share)) {
			t.Errorf("run %d: stratum %s got %d tasks for a share of %v", run, s.Key, s.Tasks, s.Share)
		}
		if math.Abs(piByStratum[s.Key]-s.Share) > 1e-9 {
			t.Errorf("run %d: stratum %s: inclusion probabilities sum to %v, want its share %v", run, s.Key, piByStratum[s.Key], s.Share)
		}
	}
	if sumTasks != n || math.Abs(sumShare-float64(n)) > 1e-9 {
		t.Errorf("run %d: strata tasks sum to %d and shares to %v, want %d", run, sumTasks, sumShare, n)
	}
	// Tasks: distinct eligible units with their frame probability.
	seen := map[string]bool{}
	perStratum := map[string]int{}
	load := map[string]int{}
	pool := map[string]Inspector{}
	for _, in := range rec.Inspectors {
		pool[in.ID] = in
	}
	for _, task := range plan.Tasks {
		key := task.Key()
		f := byKey[key]
		switch {
		case seen[key]:
			t.Errorf("run %d: unit %s drawn twice", run, key)
		case f == nil:
			t.Errorf("run %d: unit %s is not in the frame", run, key)
			continue
		case !f.eligible():
			t.Errorf("run %d: unit %s is excluded but drawn", run, key)
		case task.InclusionProbability != f.Pi || task.Stratum != f.Stratum || task.County != f.County:
			t.Errorf("run %d: task %s = %+v, frame unit π %v stratum %s", run, key, task, f.Pi, f.Stratum)
		}
		seen[key] = true
		perStratum[task.Stratum]++
		if len(task.Inspectors) != d.InspectorsPerTask {
			t.Errorf("run %d: task %s has %d inspectors, want %d", run, key, len(task.Inspectors), d.InspectorsPerTask)
		}
		for j, id := range task.Inspectors {
			in, ok := pool[id]
			switch {
			case slices.Contains(task.Inspectors[:j], id):
				t.Errorf("run %d: task %s has inspector %s twice", run, key, id)
			case !ok || !slices.Contains(in.Industries, d.Industry):
				t.Errorf("run %d: task %s has inspector %s, not qualified for %s", run, key, id, d.Industry)
			case slices.Contains(in.Recusals, task.CreditCode):
				t.Errorf("run %d: task %s has inspector %s, who is recused", run, key, id)
			case d.CrossCounty && in.County == task.County:
				t.Errorf("run %d: task %s has inspector %s from its own county", run, key, id)
			}
			load[id]++
		}
	}
	for _, s := range plan.Strata {
		if perStratum[s.Key] != s.Tasks {
			t.Errorf("run %d: stratum %s has %d tasks, allocation says %d", run, s.Key, perStratum[s.Key], s.Tasks)
		}
	}
	for id, l := range load {
		if d.MaxTasksPerInspector > 0 && l > d.MaxTasksPerInspector {
			t.Errorf("run %d: inspector %s has %d tasks, above max_tasks_per_inspector %d", run, id, l, d.MaxTasksPerInspector)
		}
	}
}

// checkDrawError checks that a failed draw had reason to fail and returns
// the kind of failure.
func checkDrawError(t *testing.T, run int, rec DrawRecord, frame []listedUnit, err error) string {
	t.Helper()
	msg := err.Error()
	switch {
	case errors.Is(err, ErrEmptyFrame):
		for _, f := range frame {
			if f.eligible() {
				t.Errorf("run %d: Draw = %v, but unit %s is eligible", run, err, f.Key())
			}
		}
		return "empty"
	case strings.Contains(msg, "min_per_stratum"):
		return "minimum"
	case strings.Contains(msg, "inspectors_per_task") || strings.Contains(msg, "max_tasks_per_inspector"):
		// Rebuild the tasks the draw would assign and check with an
		// independent max-flow that no assignment exists.
		plan, _, _ := draw(rec)
		if !strings.HasPrefix(msg, "stratum ") || !strings.Contains(msg, ", task ") {
			t.Errorf("run %d: Draw = %q, want the message to name the stratum and task", run, msg)
		}
		if maxFlow(rec.Design, plan.Tasks, rec.Inspectors) == len(plan.Tasks)*rec.Design.InspectorsPerTask {
			t.Errorf("run %d: Draw = %v, but an assignment exists", run, err)
		}
		return "inspectors"
	}
	t.Errorf("run %d: Draw = %v, an unexpected error", run, err)
	return "other"
}

// maxFlow is the most inspector visits any assignment can make: a plain
// Ford–Fulkerson on source → task (capacity k) → eligible inspector (1) →
// sink (max_tasks_per_inspector), written apart from assign.
func maxFlow(d Design, tasks []Task, pool []Inspector) int {
	var ins []Inspector
	for _, in := range pool {
		if slices.Contains(in.Industries, d.Industry) {
			ins = append(ins, in)
		}
	}
	T, I := len(tasks), len(ins)
	// nodes: 0 source, 1..T tasks, T+1..T+I inspectors, T+I+1 sink
	N := T + I + 2
	capacity := make([][]int, N)
	for i := range capacity {
		capacity[i] = make([]int, N)
	}
	room := d.MaxTasksPerInspector
	if room == 0 {
		room = T
	}
	for ti, task := range tasks {
		capacity[0][1+ti] = d.InspectorsPerTask
		for ii, in := range ins {
			if !slices.Contains(in.Recusals, task.CreditCode) && !(d.CrossCounty && in.County == task.County) {
				capacity[1+ti][1+T+ii] = 1
			}
		}
	}
	for ii := range ins {
		capacity[1+T+ii][N-1] = room
	}
	flow := 0
	for {
		seen := make([]bool, N)
		var dfs func(u int) bool
		dfs = func(u int) bool {
			if u == N-1 {
				return true
			}
			seen[u] = true
			for v := range N {
				if capacity[u][v] > 0 && !seen[v] && dfs(v) {
					capacity[u][v]--
					capacity[v][u]++
					return true
				}
			}
			return false
		}
		if !dfs(0) {
			return flow
		}
		flow++
	}
}

// TestDrawIsDeterministic checks that a seed fixes the plan, and that
// another seed changes it.
func TestDrawIsDeterministic(t *testing.T) {
	rec := randomRecord(t, rand.New(rand.NewPCG(5, 5)), 60)
	rec.Design.Batches = 8
	a, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	if a.Commitment != b.Commitment || !reflect.DeepEqual(a.Tasks, b.Tasks) {
		t.Errorf("two draws with one seed differ")
	}
	rec.Seed = testSeed("another")
	c, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Tasks) == fmt.Sprint(a.Tasks) {
		t.Errorf("draws with different seeds made the same plan")
	}
	if c.FrameDigest != a.FrameDigest {
		t.Errorf("the seed changed the frame digest")
	}
}
