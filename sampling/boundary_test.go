package sampling

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// The tests in this file pin the inclusive and exclusive edges of the
// sampling rules: each fails when its boundary moves by one (a day, a
// batch, a unit, a floating-point step). They are fixed, readable cases;
// the property tests check the same rules on random registries.

// boundaryToday is a Thursday at midnight UTC, the end of every window.
var boundaryToday Day = "2026-12-31"

// dayRollup is one general-tier textiles rollup of tested batches, failed
// failures, on day.
func dayRollup(day Day, tested, failed int) Rollup {
	return Rollup{Day: day, Tier: TierGeneral, Industry: "textiles", Category: "garments", County: "姑苏区", Final: true, Tested: tested, Failed: failed}
}

// batchesIn returns the tested batches ComputeRates counts in window w
// ending on today, 0 when it forms no row.
func batchesIn(rollups []Rollup, w Window, today Day) int {
	rows := ComputeRates(rollups, []TierRule{{Name: TierGeneral, Target: 0.9}}, []Window{w}, today, RateOptions{})
	if len(rows) == 0 {
		return 0
	}
	return rows[0].Batches
}

// TestWindowFirstAndLastDay: a window of N days ending on today holds
// today and the N−1 days before it, nothing earlier and nothing later; the
// year to date starts on 1 January.
func TestWindowFirstAndLastDay(t *testing.T) {
	tests := []struct {
		window Window
		first  Day
	}{
		{Window{Name: "1d", Days: 1}, boundaryToday},
		{Window{Name: "30d", Days: 30}, NewDay(2026, 12, 2)},
		{Window{Name: "90d", Days: 90}, NewDay(2026, 10, 3)},
		{Window{Name: "365d", Days: 365}, NewDay(2026, 1, 1)},
		{Window{Name: "ytd", YTD: true}, NewDay(2026, 1, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.window.Name, func(t *testing.T) {
			if got := tt.window.Start(boundaryToday); got != tt.first {
				t.Errorf("Start(%s) = %s, want %s", boundaryToday, got, tt.first)
			}
			dayBefore, dayAfter := tt.first.AddDays(-1), boundaryToday.AddDays(1)
			for _, c := range []struct {
				name string
				day  Day
				want int
			}{
				{"first day", tt.first, 1},
				{"day before the first", dayBefore, 0},
				{"last day (today)", boundaryToday, 1},
				{"day after the last", dayAfter, 0},
			} {
				if got := batchesIn([]Rollup{dayRollup(c.day, 1, 0)}, tt.window, boundaryToday); got != c.want {
					t.Errorf("%s (%s): %d batches counted, want %d", c.name, c.day, got, c.want)
				}
			}
			// All four together: exactly the two inside.
			all := []Rollup{dayRollup(tt.first, 1, 0), dayRollup(dayBefore, 2, 0), dayRollup(boundaryToday, 4, 0), dayRollup(dayAfter, 8, 0)}
			if got := batchesIn(all, tt.window, boundaryToday); got != 5 {
				t.Errorf("all four days: %d batches counted, want 5 (the first and the last day)", got)
			}
		})
	}
}

// TestRateStatusAtTargetBound: a rate exactly at the target meets it (with
// enough batches); one failure more does not. Enough batches means at
// least MinBatches: exactly MinBatches is enough.
func TestRateStatusAtTargetBound(t *testing.T) {
	tier := []TierRule{{Name: TierGeneral, Target: 0.95}}
	w := []Window{{Name: "365d", Days: 365}}
	tests := []struct {
		name       string
		failed     int
		minBatches int
		want       string
	}{
		{"rate exactly at the target, batches exactly at the minimum", 1, 20, StatusMet},
		{"rate exactly at the target, one batch short of the minimum", 1, 21, StatusAtRisk},
		{"rate one failure below the target", 2, 0, StatusAtRisk},
		{"rate at 1, batches exactly at the minimum", 0, 20, StatusMet},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := ComputeRates([]Rollup{dayRollup(boundaryToday, 20, tt.failed)}, tier, w, boundaryToday, RateOptions{MinBatches: tt.minBatches})
			if len(rows) != 1 {
				t.Fatalf("ComputeRates = %d rows, want 1", len(rows))
			}
			if r := rows[0]; r.Status != tt.want || r.Batches != 20 || r.Failed != tt.failed {
				t.Errorf("20 batches, %d failed, min %d: status %s (rate %v, upper %v), want %s", tt.failed, tt.minBatches, r.Status, r.Rate, r.Upper, tt.want)
			}
		})
	}
}

// TestRateStatusUpperBoundAtTarget: a rate is missed only when the upper
// bound of its interval lies strictly below the target; an upper bound
// exactly at the target is still at risk.
func TestRateStatusUpperBoundAtTarget(t *testing.T) {
	const target = 0.95
	tests := []struct {
		name  string
		row   RateRow
		min   int
		want  string
		upper float64
	}{
		{"upper bound exactly at the target", RateRow{Rate: 0.9, Upper: target, Target: target, Batches: 50}, 0, StatusAtRisk, target},
		{"upper bound one step below the target", RateRow{Rate: 0.9, Upper: math.Nextafter(target, 0), Target: target, Batches: 50}, 0, StatusMissed, math.Nextafter(target, 0)},
		{"rate exactly at the target", RateRow{Rate: target, Upper: 0.99, Target: target, Batches: 5}, 5, StatusMet, 0.99},
		{"rate one step below the target", RateRow{Rate: math.Nextafter(target, 0), Upper: 0.99, Target: target, Batches: 5}, 5, StatusAtRisk, 0.99},
		{"batches one short of the minimum", RateRow{Rate: target, Upper: 0.99, Target: target, Batches: 4}, 5, StatusAtRisk, 0.99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status(tt.row.Rate, tt.row.Upper, tt.row.Target, tt.row.Batches, tt.min); got != tt.want {
				t.Errorf("status(rate %v, upper %v, target %v, %d batches, min %d) = %s, want %s",
					tt.row.Rate, tt.upper, tt.row.Target, tt.row.Batches, tt.min, got, tt.want)
			}
		})
	}
}

// TestStabilityQuarterStartInLastMonth: when today falls in a quarter's
// last month (or its first, or on its last day), the rule looks at the
// complete quarters before the current one, each from its first day to its
// last; the current quarter is left out.
func TestStabilityQuarterStartInLastMonth(t *testing.T) {
	rule := StabilityRule{Periods: 2, Period: PeriodQuarter}
	tests := []struct {
		today   string
		start   string
		periods []string // name from..to
	}{
		{"2026-12-31", "2026-04-01", []string{"2026Q2 2026-04-01..2026-06-30", "2026Q3 2026-07-01..2026-09-30"}},
		{"2026-12-01", "2026-04-01", []string{"2026Q2 2026-04-01..2026-06-30", "2026Q3 2026-07-01..2026-09-30"}},
		{"2026-10-01", "2026-04-01", []string{"2026Q2 2026-04-01..2026-06-30", "2026Q3 2026-07-01..2026-09-30"}},
		{"2026-09-30", "2026-01-01", []string{"2026Q1 2026-01-01..2026-03-31", "2026Q2 2026-04-01..2026-06-30"}},
		{"2026-03-31", "2025-07-01", []string{"2025Q3 2025-07-01..2025-09-30", "2025Q4 2025-10-01..2025-12-31"}},
	}
	tier := TierRule{Name: TierGeneral, Target: 0.5}
	for _, tt := range tests {
		t.Run(tt.today, func(t *testing.T) {
			today := Day(tt.today)
			if got := rule.Start(today); got != Day(tt.start) {
				t.Errorf("Start(%s) = %s, want %s", tt.today, got, tt.start)
			}
			// One batch on the first and the last day of each period, one
			// the day before the first period and one on the current
			// quarter's first day: each period counts exactly its two.
			start := Day(tt.start)
			current := periodStart(today, PeriodQuarter)
			rollups := []Rollup{dayRollup(start.AddDays(-1), 100, 0), dayRollup(current, 100, 0)}
			for p := 0; p < rule.Periods; p++ {
				first := addMonths(start, 3*p)
				rollups = append(rollups, dayRollup(first, 1, 0), dayRollup(addMonths(first, 3).AddDays(-1), 1, 0))
			}
			row := ComputeStability(rollups, tier, rule, today, RateOptions{})
			var got []string
			for _, p := range row.Periods {
				got = append(got, fmt.Sprintf("%s %s..%s", p.Period, p.From, p.To))
				if p.Batches != 2 {
					t.Errorf("period %s counts %d batches, want 2 (its first and last day)", p.Period, p.Batches)
				}
			}
			if !slices.Equal(got, tt.periods) {
				t.Errorf("periods = %v, want %v", got, tt.periods)
			}
		})
	}
}

// TestStabilityMonthStart: the month rule on a month's last and first day.
func TestStabilityMonthStart(t *testing.T) {
	rule := StabilityRule{Periods: 2, Period: PeriodMonth}
	for today, want := range map[string]string{
		"2026-12-31": "2026-10 2026-10-01..2026-10-31, 2026-11 2026-11-01..2026-11-30",
		"2026-03-01": "2026-01 2026-01-01..2026-01-31, 2026-02 2026-02-01..2026-02-28",
	} {
		row := ComputeStability(nil, TierRule{Name: TierGeneral, Target: 0.5}, rule, Day(today), RateOptions{})
		var got []string
		for _, p := range row.Periods {
			got = append(got, fmt.Sprintf("%s %s..%s", p.Period, p.From, p.To))
		}
		if g := strings.Join(got, ", "); g != want {
			t.Errorf("month periods on %s = %s, want %s", today, g, want)
		}
	}
}

// TestInclusionExactLimit: up to exactLimit units drawn beyond the
// certainty units, a unit's inclusion probability is Pareto's exact one,
// which differs from its target λ; one more and the target stands in.
func TestInclusionExactLimit(t *testing.T) {
	if exactLimit != 100 {
		t.Fatalf("exactLimit = %d, want 100 (the limit docs/sampling.md and this test name)", exactLimit)
	}
	// Two weights, 150 units each: no unit is taken with certainty for
	// samples of 100 or 101 (λ of the heavy units is 2n/450 < 1).
	weights := make([]float64, 300)
	for i := range weights {
		weights[i] = float64(1 + i%2)
	}
	g := groupWeights(len(weights), func(i int) float64 { return weights[i] })
	for _, tt := range []struct {
		n     int
		exact bool
	}{{exactLimit, true}, {exactLimit + 1, false}} {
		lambda := g.targets(tt.n)
		pi := g.inclusion(tt.n)
		if slices.Contains(lambda, 1) {
			t.Fatalf("n = %d: targets %v include certainty units; the case needs none", tt.n, lambda)
		}
		sum := 0.0
		for k, p := range pi {
			sum += p * float64(g.size[k])
		}
		if math.Abs(sum-float64(tt.n)) > 1e-9 {
			t.Errorf("n = %d: inclusion probabilities sum to %v, want %d", tt.n, sum, tt.n)
		}
		same := slices.Equal(pi, lambda)
		switch {
		case tt.exact && same:
			t.Errorf("n = %d (exactLimit): π = %v equals the targets; want Pareto's exact probabilities", tt.n, pi)
		case !tt.exact && !same:
			t.Errorf("n = %d (exactLimit+1): π = %v, want the targets %v", tt.n, pi, lambda)
		}
	}
}

// boundaryTasks are two tasks in different counties, the first at the
// enterprise credit code C1.
func boundaryTasks() []Task {
	return []Task{
		{CreditCode: "C1", Category: "garments", County: "姑苏区", Stratum: "姑苏区/garments"},
		{CreditCode: "C2", Category: "garments", County: "吴江区", Stratum: "吴江区/garments"},
	}
}

// assigned runs assignInspectors and returns each task's inspectors, sorted,
// as "C1:I1,I2 C2:I3".
func assigned(t *testing.T, d Design, tasks []Task, pool []Inspector) string {
	t.Helper()
	if err := assignInspectors(&d, testSeed("boundary").Bytes, tasks, pool); err != nil {
		t.Fatalf("assignInspectors = %v", err)
	}
	var parts []string
	for _, task := range tasks {
		ids := slices.Sorted(slices.Values(task.Inspectors))
		parts = append(parts, task.CreditCode+":"+strings.Join(ids, ","))
	}
	return strings.Join(parts, " ")
}

// TestCrossCountyFixedCase: with cross_county, a task only gets inspectors
// from other counties; here that leaves exactly one choice per task. Without
// it, the same pool serves either way.
func TestCrossCountyFixedCase(t *testing.T) {
	d := testDesign()
	d.InspectorsPerTask = 1
	d.CrossCounty = true
	pool := []Inspector{
		{ID: "I1", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I2", County: "吴江区", Industries: []string{"textiles"}},
	}
	if got, want := assigned(t, d, boundaryTasks(), pool), "C1:I2 C2:I1"; got != want {
		t.Errorf("cross_county assignment = %s, want %s", got, want)
	}
	// Two inspectors per task: each task has one from another county only.
	d.InspectorsPerTask = 2
	err := assignInspectors(&d, testSeed("boundary").Bytes, boundaryTasks(), pool)
	if err == nil || !strings.Contains(err.Error(), "1 eligible inspectors, inspectors_per_task needs 2") ||
		!strings.Contains(err.Error(), "1 from its own county (cross_county)") {
		t.Errorf("cross_county with 2 per task = %v, want a shortage naming 1 from its own county", err)
	}
	d.CrossCounty = false
	if got, want := assigned(t, d, boundaryTasks(), pool), "C1:I1,I2 C2:I1,I2"; got != want {
		t.Errorf("assignment without cross_county = %s, want %s", got, want)
	}
	// The shortage counts the inspectors of the task's own county, not the
	// others: one of three here.
	d.CrossCounty, d.InspectorsPerTask = true, 3
	three := append(slices.Clone(pool), Inspector{ID: "I3", County: "吴中区", Industries: []string{"textiles"}})
	err = assignInspectors(&d, testSeed("boundary").Bytes, boundaryTasks(), three)
	if want := "stratum 姑苏区/garments, task C1/garments (county 姑苏区): 2 eligible inspectors, inspectors_per_task needs 3: 3 qualified for textiles, 0 recused from the enterprise, 1 from its own county (cross_county)"; err == nil || err.Error() != want {
		t.Errorf("cross_county, 3 per task, 3 inspectors in 3 counties = %v, want %q", err, want)
	}
}

// TestRecusalFixedCase: an inspector recused from an enterprise never gets
// its task, even when it is the only one with room; the other task still
// may.
func TestRecusalFixedCase(t *testing.T) {
	d := testDesign()
	d.InspectorsPerTask = 1
	pool := []Inspector{
		{ID: "I1", County: "姑苏区", Industries: []string{"textiles"}, Recusals: []string{"C1"}},
		{ID: "I2", County: "吴江区", Industries: []string{"textiles"}, Recusals: []string{"C2"}},
	}
	if got, want := assigned(t, d, boundaryTasks(), pool), "C1:I2 C2:I1"; got != want {
		t.Errorf("assignment with recusals = %s, want %s", got, want)
	}
	pool[1].Recusals = []string{"C1", "C2"}
	err := assignInspectors(&d, testSeed("boundary").Bytes, boundaryTasks(), pool)
	if err == nil || !strings.Contains(err.Error(), "task C1/garments") || !strings.Contains(err.Error(), "0 eligible inspectors") ||
		!strings.Contains(err.Error(), "2 recused from the enterprise") {
		t.Errorf("both inspectors recused from C1: %v, want a shortage for C1 naming 2 recused", err)
	}
}

// TestMaxTasksPerInspectorFixedCase: an inspector takes at most
// max_tasks_per_inspector tasks of a plan: exactly the cap is allowed, one
// more is not.
func TestMaxTasksPerInspectorFixedCase(t *testing.T) {
	d := testDesign()
	d.InspectorsPerTask = 1
	tasks := append(boundaryTasks(), Task{CreditCode: "C3", Category: "garments", County: "姑苏区", Stratum: "姑苏区/garments"})
	pool := []Inspector{
		{ID: "I1", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I2", County: "吴江区", Industries: []string{"textiles"}, Recusals: []string{"C1", "C2", "C3"}},
	}
	// I1 is the only eligible inspector for three tasks: a cap of 3 is
	// exactly enough.
	d.MaxTasksPerInspector = 3
	if got, want := assigned(t, d, slices.Clone(tasks), pool), "C1:I1 C2:I1 C3:I1"; got != want {
		t.Errorf("cap 3 = %s, want %s", got, want)
	}
	d.MaxTasksPerInspector = 2
	err := assignInspectors(&d, testSeed("boundary").Bytes, slices.Clone(tasks), pool)
	if err == nil || !strings.Contains(err.Error(), "but only 0 can be assigned without exceeding max_tasks_per_inspector 2") {
		t.Errorf("cap 2 for 3 tasks with one inspector = %v, want a shortage naming the cap", err)
	}
	// With two free inspectors and a cap of 1, each takes exactly one.
	pool[1].Recusals = nil
	d.MaxTasksPerInspector = 1
	two := tasks[:2]
	got := assigned(t, d, slices.Clone(two), pool)
	if got != "C1:I1 C2:I2" && got != "C1:I2 C2:I1" {
		t.Errorf("cap 1, two tasks, two inspectors = %s, want one task each", got)
	}
}

// TestNoRepeatFixedCase: a unit drawn exactly no_repeat before the fire is
// eligible again; one drawn a second later is still excluded, naming when
// it becomes eligible.
func TestNoRepeatFixedCase(t *testing.T) {
	rec := DrawRecord{Schedule: "s", Kind: KindScheduled, NominalTime: fixtureNominal, Design: testDesign()}
	rec.Design.NoRepeatSeconds = int64(180 * 24 * time.Hour / time.Second)
	for i := range 3 {
		rec.Population = append(rec.Population, Unit{CreditCode: testCode(t, i), County: "姑苏区", Category: "garments", Risk: "A"})
	}
	edge := fixtureNominal.Add(-rec.Design.NoRepeat())
	rec.History = []History{
		{CreditCode: testCode(t, 0), Category: "garments", TaskID: 1, Time: edge, Outcome: OutcomePass},
		{CreditCode: testCode(t, 1), Category: "garments", TaskID: 2, Time: edge.Add(time.Second), Outcome: OutcomePass},
		{CreditCode: testCode(t, 2), Category: "garments", TaskID: 3, Time: edge.Add(-time.Second), Outcome: OutcomePass},
	}
	ex, err := Exclusions(rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 1 || ex[0].CreditCode != testCode(t, 1) || ex[0].LastTask != 2 {
		t.Fatalf("Exclusions = %+v, want only unit %s (drawn a second inside no_repeat)", ex, testCode(t, 1))
	}
	want := "drawn for task 2 at 2026-06-04T01:00:01Z (result pass), within no_repeat 180d; eligible again after 2026-12-01T01:00:01Z"
	if ex[0].Reason != want {
		t.Errorf("reason = %q, want %q", ex[0].Reason, want)
	}
}

// TestAllocatePlanSizeBounds: a plan may take every eligible unit (n equal
// to the total) and min_per_stratum may use the whole plan (its floor equal
// to n); one more is an error.
func TestAllocatePlanSizeBounds(t *testing.T) {
	strata := strataOf(3, 2)
	if err := allocate(strata, 5, 0, AllocationProportional, 0.5); err != nil {
		t.Fatalf("allocate(n = the 5 eligible units) = %v, want every unit", err)
	}
	if strata[0].Tasks != 3 || strata[1].Tasks != 2 {
		t.Errorf("allocate(n = 5 of 3+2) = %d, %d tasks; want 3, 2", strata[0].Tasks, strata[1].Tasks)
	}
	if err := allocate(strataOf(3, 2), 6, 0, AllocationProportional, 0.5); err == nil || err.Error() != "plan size 6 exceeds the 5 eligible units" {
		t.Errorf("allocate(n = 6 of 5) = %v, want the plan size error", err)
	}
	strata = strataOf(3, 3, 3)
	if err := allocate(strata, 6, 2, AllocationProportional, 0.5); err != nil {
		t.Fatalf("allocate(n = 6, min 2 over 3 strata) = %v, want 2 each", err)
	}
	for _, s := range strata {
		if s.Tasks != 2 || s.Share != 2 {
			t.Errorf("stratum %s: share %v, %d tasks; want 2, 2", s.Key, s.Share, s.Tasks)
		}
	}
	if err := allocate(strataOf(3, 3, 3), 5, 2, AllocationProportional, 0.5); err == nil || !strings.Contains(err.Error(), "needs 6 tasks over 3 strata, but the plan size is 5") {
		t.Errorf("allocate(n = 5, min 2 over 3 strata) = %v, want the min_per_stratum error", err)
	}
}

// TestRoundSnapsNearIntegerShares: a share within 1e-9 of a whole number
// is that number, so that float error never leaves a whole share to the
// random rounding: shares 2.9999999999 and 1.0000000001 are 3 and 1 tasks
// even with the start u just below 1.
func TestRoundSnapsNearIntegerShares(t *testing.T) {
	strata := []Stratum{{Key: "a", Eligible: 5, Share: 2.9999999999}, {Key: "b", Eligible: 5, Share: 1.0000000001}}
	round(strata, 4, 0.99999999999)
	if strata[0].Tasks != 3 || strata[1].Tasks != 1 || strata[0].Share != 3 || strata[1].Share != 1 {
		t.Errorf("round(2.9999999999, 1.0000000001) = %d (%v), %d (%v); want 3 (3), 1 (1)", strata[0].Tasks, strata[0].Share, strata[1].Tasks, strata[1].Share)
	}
}

// TestAssignManyChunks: the ranking runs in chunks of 64 tasks; with 130
// tasks (three chunks, the last of two) and no cap, each task gets the same
// two distinct inspectors as it would alone.
func TestAssignManyChunks(t *testing.T) {
	d := testDesign()
	pool := []Inspector{
		{ID: "I1", County: "姑苏区", Industries: []string{"textiles"}},
		{ID: "I2", County: "吴江区", Industries: []string{"textiles"}},
		{ID: "I3", County: "吴中区", Industries: []string{"textiles"}},
	}
	var tasks []Task
	for i := range 130 {
		tasks = append(tasks, Task{CreditCode: testCode(t, i), Category: "garments", County: "姑苏区", Stratum: "姑苏区/garments"})
	}
	if err := assignInspectors(&d, testSeed("chunks").Bytes, tasks, pool); err != nil {
		t.Fatal(err)
	}
	for i, task := range tasks {
		alone := []Task{{CreditCode: task.CreditCode, Category: task.Category, County: task.County, Stratum: task.Stratum}}
		if err := assignInspectors(&d, testSeed("chunks").Bytes, alone, pool); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(task.Inspectors, alone[0].Inspectors) || len(task.Inspectors) != 2 || task.Inspectors[0] == task.Inspectors[1] {
			t.Errorf("task %d of 130: inspectors %v, alone %v; want the same two distinct inspectors", i, task.Inspectors, alone[0].Inspectors)
		}
	}
}

// TestRankTieBreak: units of equal Pareto rank are ordered by frame index,
// so that the sample never depends on the order units were offered in.
func TestRankTieBreak(t *testing.T) {
	for _, tt := range []struct {
		a, b ranked
		want bool
	}{
		{ranked{1, 0.5}, ranked{2, 0.5}, true},  // equal ranks: the lower index first
		{ranked{2, 0.5}, ranked{1, 0.5}, false}, // and not the other way
		{ranked{1, 0.5}, ranked{1, 0.5}, false}, // a unit is not less than itself
		{ranked{2, 0.25}, ranked{1, 0.5}, true}, // a lower rank wins over the index
		{ranked{1, 0.5}, ranked{2, 0.25}, false},
	} {
		if got := tt.a.less(tt.b); got != tt.want {
			t.Errorf("%v.less(%v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	// A stratum whose sample is all certainty units keeps no ranked unit.
	none := lowest{k: 0}
	none.offer(ranked{1, 0.5})
	if len(none.items) != 0 {
		t.Errorf("lowest{k: 0} kept %v, want nothing", none.items)
	}
	// Ten units of one rank, offered in two orders: the three lowest
	// indices are kept either way.
	for _, order := range [][]int{{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, {4, 0, 9, 2, 7, 1, 8, 3, 6, 5}} {
		l := lowest{k: 3}
		for _, i := range order {
			l.offer(ranked{i, 0.5})
		}
		var kept []int
		for _, r := range l.items {
			kept = append(kept, r.i)
		}
		slices.Sort(kept)
		if !slices.Equal(kept, []int{0, 1, 2}) {
			t.Errorf("offered in order %v: kept %v, want [0 1 2]", order, kept)
		}
	}
}

// TestTaskTransitionsTable: every move between stored states (and to the
// shown-only overdue) is allowed or refused with its reason, as the
// lifecycle in the package documentation says.
func TestTaskTransitionsTable(t *testing.T) {
	tests := []struct{ from, to, want string }{
		{TaskAssigned, TaskSampled, "ok"},
		{TaskAssigned, TaskRefused, "ok"},
		{TaskAssigned, TaskTested, "ok"},
		{TaskSampled, TaskTested, "ok"},
		{TaskTested, TaskClosed, "ok"},
		{TaskClosed, TaskTested, "the task is closed: nothing more can be recorded"},
		{TaskRefused, TaskSampled, "the task is refused: nothing more can be recorded"},
		{TaskLapsed, TaskTested, "the task lapsed (its plan closed without a result for it): nothing more can be recorded"},
		{TaskAssigned, TaskLapsed, "a task lapses only when its plan closes"},
		{TaskSampled, TaskLapsed, "a task lapses only when its plan closes"},
		{TaskSampled, TaskSampled, "the task is sampled: sampling is recorded once, on an assigned task"},
		{TaskTested, TaskSampled, "the task is tested: sampling is recorded once, on an assigned task"},
		{TaskSampled, TaskRefused, "the task is sampled: a refusal is recorded instead of sampling, on an assigned task"},
		{TaskTested, TaskTested, "the task is tested: a result is recorded on an assigned or sampled task"},
		{TaskAssigned, TaskClosed, "the task is assigned: only a tested task can be closed; record its result first"},
		{TaskSampled, TaskClosed, "the task is sampled: only a tested task can be closed; record its result first"},
		{TaskAssigned, TaskAssigned, "a task cannot go from assigned to assigned"},
		{TaskAssigned, TaskOverdue, "a task cannot go from assigned to overdue"},
	}
	for _, tt := range tests {
		got := "ok"
		if err := CheckTransition(tt.from, tt.to); err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckTransition(%s, %s) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
	if got := TaskStatesTo(TaskTested); !slices.Equal(got, []string{TaskAssigned, TaskSampled}) {
		t.Errorf("TaskStatesTo(tested) = %v, want [assigned sampled]", got)
	}
	if got := TaskStatesDone(); !slices.Equal(got, []string{TaskClosed, TaskRefused, TaskLapsed}) {
		t.Errorf("TaskStatesDone() = %v, want [closed refused lapsed]", got)
	}
}

// TestOverdueDueDate: a task is not overdue on its due date, and is from
// the day after, by the date of today in its own zone.
func TestOverdueDueDate(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		status string
		now    time.Time
		want   bool
	}{
		{TaskAssigned, time.Date(2026, 12, 1, 23, 59, 0, 0, shanghai), false}, // the due date's last minute
		{TaskAssigned, time.Date(2026, 12, 2, 0, 30, 0, 0, shanghai), true},   // the day after (still the 1st in UTC)
		{TaskSampled, time.Date(2026, 12, 2, 0, 30, 0, 0, shanghai), true},
		{TaskTested, time.Date(2026, 12, 2, 0, 30, 0, 0, shanghai), false},
		{TaskRefused, time.Date(2026, 12, 9, 0, 0, 0, 0, shanghai), false},
	} {
		today := Today(tt.now, shanghai)
		if got := Overdue(tt.status, "2026-12-01", today); got != tt.want {
			t.Errorf("Overdue(%s, due 2026-12-01, %s) = %v, want %v", tt.status, today, got, tt.want)
		}
		wantShown := tt.status
		if tt.want {
			wantShown = TaskOverdue
		}
		if got := ShownStatus(tt.status, "2026-12-01", today); got != wantShown {
			t.Errorf("ShownStatus(%s, due 2026-12-01, %s) = %s, want %s", tt.status, today, got, wantShown)
		}
	}
}

// TestSamplingCheckBounds: a sampling record may be dated from the plan's
// day to today, take 1 to 100000 pieces and seal numbers of 1 to 64
// characters; one step beyond each bound is refused naming the field.
func TestSamplingCheckBounds(t *testing.T) {
	today := Day("2026-11-10")
	planDay := NewDay(2026, 11, 1)
	ok := Sampling{SampledOn: "2026-11-10", BatchNo: "B1", Quantity: 1, Seals: []string{strings.Repeat("S", 64)}}
	if errs := ok.Check(today, planDay); len(errs) != 0 {
		t.Errorf("Check(today, 1 piece, a 64-character seal) = %v, want none", errs)
	}
	for _, tt := range []struct {
		name   string
		change func(*Sampling)
		want   []FieldError
	}{
		{"on the plan's day", func(s *Sampling) { s.SampledOn = "2026-11-01" }, nil},
		{"the day before the plan", func(s *Sampling) { s.SampledOn = "2026-10-31" },
			[]FieldError{{Field: "sampled_on", Reason: "2026-10-31 is before the plan was made (2026-11-01)"}}},
		{"tomorrow", func(s *Sampling) { s.SampledOn = "2026-11-11" },
			[]FieldError{{Field: "sampled_on", Reason: "2026-11-11 is in the future (today is 2026-11-10)"}}},
		{"100000 pieces", func(s *Sampling) { s.Quantity = 100000 }, nil},
		{"100001 pieces", func(s *Sampling) { s.Quantity = 100001 },
			[]FieldError{{Field: "quantity", Reason: "give the number of pieces taken, from 1 to 100000"}}},
		{"no pieces", func(s *Sampling) { s.Quantity = 0 },
			[]FieldError{{Field: "quantity", Reason: "give the number of pieces taken, from 1 to 100000"}}},
		{"a 65-character seal", func(s *Sampling) { s.Seals = []string{strings.Repeat("S", 65)} },
			[]FieldError{{Field: "seals", Reason: fmt.Sprintf("seal number %q: want 1 to 64 characters", strings.Repeat("S", 65))}}},
		{"no seal", func(s *Sampling) { s.Seals = nil }, []FieldError{{Field: "seals", Reason: "give the number of at least one seal"}}},
	} {
		s := ok
		tt.change(&s)
		if got := s.Check(today, planDay); !slices.Equal(fieldErrorTexts(got), fieldErrorTexts(tt.want)) {
			t.Errorf("%s: Check = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCategoryMeanMinCategoryBatches: a category with exactly
// MinCategoryBatches tested batches is in the mean; one with a batch fewer
// is left out (listed, counted in Batches, not judged). When every category
// is left out, the plain mean is shown and nothing is judged: never met.
func TestCategoryMeanMinCategoryBatches(t *testing.T) {
	tier := []TierRule{{Name: TierKey, Target: 0.7, Aggregate: AggregateCategoryMean}}
	cat := func(category string, tested, failed int) Rollup {
		return Rollup{Day: boundaryToday, Tier: TierKey, Industry: "textiles", Category: category, County: "姑苏区", Final: true, Tested: tested, Failed: failed}
	}
	rollups := []Rollup{cat("a", 5, 0), cat("b", 4, 2)}
	tests := []struct {
		minCat, minBatches int
		rate, lower, upper float64
		excluded           []string
		status             string
	}{
		{4, 0, 0.75, -1, -1, nil, ""},                                          // both in the mean
		{5, 5, 1, -1, -1, []string{"textiles/b"}, StatusMet},                   // b left out; a's 5 batches are exactly enough
		{5, 6, 1, -1, -1, []string{"textiles/b"}, StatusAtRisk},                // one short of min_batches
		{6, 0, 0.75, 0, 1, []string{"textiles/a", "textiles/b"}, StatusAtRisk}, // none judged
	}
	for _, tt := range tests {
		rows := ComputeRates(rollups, tier, []Window{{Name: "30d", Days: 30}}, boundaryToday, RateOptions{MinCategoryBatches: tt.minCat, MinBatches: tt.minBatches})
		if len(rows) != 1 {
			t.Fatalf("min_category_batches %d: %d rows, want 1", tt.minCat, len(rows))
		}
		r := rows[0]
		if r.Rate != tt.rate || !slices.Equal(r.Excluded, tt.excluded) || r.Batches != 9 || r.Failed != 2 {
			t.Errorf("min_category_batches %d: rate %v, excluded %v, %d batches %d failed; want %v, %v, 9, 2", tt.minCat, r.Rate, r.Excluded, r.Batches, r.Failed, tt.rate, tt.excluded)
		}
		if tt.lower >= 0 && (r.Lower != tt.lower || r.Upper != tt.upper) {
			t.Errorf("min_category_batches %d: bounds [%v, %v], want [%v, %v]", tt.minCat, r.Lower, r.Upper, tt.lower, tt.upper)
		}
		if tt.status != "" && r.Status != tt.status {
			t.Errorf("min_category_batches %d, min_batches %d: status %s, want %s", tt.minCat, tt.minBatches, r.Status, tt.status)
		}
	}
	// With every category left out, the probability below target is still
	// that of the plain mean of the same categories.
	p := func(minCat int) float64 {
		return ComputeRates(rollups, tier, []Window{{Name: "30d", Days: 30}}, boundaryToday, RateOptions{MinCategoryBatches: minCat})[0].PBelowTarget
	}
	if all, none := p(6), p(4); all != none || all <= 0 || all >= 1 {
		t.Errorf("P(below target) with every category left out = %v, with none = %v; want the same, strictly between 0 and 1", all, none)
	}
}

// TestStabilityPeriodMinBatches: a period with exactly the rule's
// min_batches tested batches is judged; with one fewer it is insufficient,
// and so is the tier. Without a minimum a period needs one batch.
func TestStabilityPeriodMinBatches(t *testing.T) {
	tier := TierRule{Name: TierGeneral, Target: 0.5}
	today := Day("2026-12-31") // the last period is 2026Q3
	q3 := NewDay(2026, 7, 1)
	tests := []struct {
		name          string
		min           int
		tested        int
		failed        int
		period, state string
	}{
		{"exactly min_batches", 3, 3, 0, StatusMet, StabilityStable},
		{"one fewer than min_batches", 3, 2, 0, PeriodInsufficient, StabilityInsufficient},
		{"exactly min_batches, missed", 10, 10, 10, StatusMissed, StabilityUnstable},
		{"exactly min_batches, at risk (judged, not missed)", 3, 3, 3, StatusAtRisk, StabilityStable},
		{"no minimum, one batch", 0, 1, 0, StatusMet, StabilityStable},
		{"no minimum, no batch", 0, 0, 0, PeriodInsufficient, StabilityInsufficient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rollups []Rollup
			if tt.tested > 0 {
				rollups = []Rollup{dayRollup(q3, tt.tested, tt.failed)}
			}
			row := ComputeStability(rollups, tier, StabilityRule{Periods: 1, Period: PeriodQuarter, MinBatches: tt.min}, today, RateOptions{})
			if len(row.Periods) != 1 || row.Periods[0].Status != tt.period || row.Periods[0].Batches != tt.tested || row.Status != tt.state || row.Stable != (tt.state == StabilityStable) {
				t.Errorf("%d batches (%d failed), min %d: %+v; want period %s, tier %s", tt.tested, tt.failed, tt.min, row, tt.period, tt.state)
			}
		})
	}
	if row := ComputeStability(nil, tier, StabilityRule{Periods: 0, Period: PeriodQuarter}, today, RateOptions{}); row.Status != StabilityInsufficient || row.Stable {
		t.Errorf("a rule of 0 periods: %+v, want insufficient, not stable", row)
	}
}

// TestMismatchErrorCount: a verification mismatch names its first
// difference and counts the others, from one more on.
func TestMismatchErrorCount(t *testing.T) {
	for _, tt := range []struct {
		diffs []string
		want  string
	}{
		{[]string{"task 1 differs"}, "task 1 differs"},
		{[]string{"task 1 differs", "task 2 differs"}, "task 1 differs (and 1 more differences)"},
		{[]string{"task 1 differs", "task 2 differs", "seed differs"}, "task 1 differs (and 2 more differences)"},
	} {
		if got := (&MismatchError{Differences: tt.diffs}).Error(); got != tt.want {
			t.Errorf("MismatchError%v = %q, want %q", tt.diffs, got, tt.want)
		}
	}
}

// TestRatesIndustryAndCountyFilter: with an industry or a county set, only
// that industry's or county's batches are counted.
func TestRatesIndustryAndCountyFilter(t *testing.T) {
	cell := func(industry, county string, tested int) Rollup {
		return Rollup{Day: boundaryToday, Tier: TierGeneral, Industry: industry, Category: "garments", County: county, Final: true, Tested: tested}
	}
	rollups := []Rollup{cell("textiles", "姑苏区", 1), cell("textiles", "吴江区", 2), cell("food", "姑苏区", 4), cell("food", "吴江区", 8)}
	for _, tt := range []struct {
		industry, county string
		want             int
	}{{"", "", 15}, {"textiles", "", 3}, {"", "吴江区", 10}, {"food", "姑苏区", 4}} {
		rows := ComputeRates(rollups, []TierRule{{Name: TierGeneral, Target: 0.9}}, []Window{{Name: "30d", Days: 30}}, boundaryToday, RateOptions{Industry: tt.industry, County: tt.county})
		if len(rows) != 1 || rows[0].Batches != tt.want {
			t.Errorf("industry %q, county %q: %+v, want one row of %d batches", tt.industry, tt.county, rows, tt.want)
		}
	}
}

// fieldErrorTexts lists errs as "field: reason", for comparing.
func fieldErrorTexts(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}
