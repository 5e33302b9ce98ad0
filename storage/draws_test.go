package storage_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// testDesign is a design over seedRegistry's textiles units.
func testDesign(at time.Time, batches int) sampling.Design {
	return sampling.Design{
		Industry: "textiles", Categories: map[string]sampling.CategoryRule{"garments": {Tier: "general", Quantity: sampling.Quantity{Test: 2, Backup: 2}}},
		Strata: []string{"county"}, Allocation: sampling.AllocationProportional, Batches: batches,
		NoRepeatSeconds: 180 * 24 * 3600, RiskWeights: map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8}, FailBoost: 2,
		InspectorsPerTask: 2, Due: dayOf(at.AddDate(0, 0, 30)),
	}
}

// commitDraw draws from the stored registry with design and commits it.
func commitDraw(t *testing.T, s *storage.Store, d sampling.Design, at time.Time, seed string) sampling.Plan {
	t.Helper()
	rec, err := s.DrawRecord(t.Context(), d, at)
	if err != nil {
		t.Fatal(err)
	}
	rec.Schedule, rec.Kind, rec.Seed = "textiles-monthly", sampling.KindScheduled, sampling.SeedFromText(seed)
	p, err := sampling.DrawPlan(rec)
	if err != nil {
		t.Fatalf("Draw: %v", err)
	}
	if err := s.NameTasks(t.Context(), p.Tasks); err != nil {
		t.Fatal(err)
	}
	for _, task := range p.Tasks {
		if !strings.HasPrefix(task.Enterprise, "苏州纺织") {
			t.Fatalf("NameTasks: task %s has enterprise %q, want its registry name", task.CreditCode, task.Enterprise)
		}
	}
	if ok, err := s.CommitPlan(t.Context(), &p, ""); !ok || err != nil {
		t.Fatalf("CommitPlan = %v, %v", ok, err)
	}
	return p
}

// TestDrawRecord checks what a draw starts from: each unit's newest task
// with its result, and the recent results by county and category.
func TestDrawRecord(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 12)
		first := commitDraw(t, s, testDesign(nominal, 4), nominal, "first")
		results := []sampling.Result{
			{TaskID: first.Tasks[0].ID, Outcome: sampling.OutcomeFail, TestedOn: "2026-11-10", FailedItems: "纤维含量"},
			{TaskID: first.Tasks[1].ID, Outcome: sampling.OutcomePass, TestedOn: "2026-11-10"},
		}
		if _, err := s.RecordResults(t.Context(), results, nominal.AddDate(0, 0, 20)); err != nil {
			t.Fatal(err)
		}
		later := nominal.AddDate(0, 1, 0)
		rec, err := s.DrawRecord(t.Context(), testDesign(later, 4), later)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Compact().Len() != 12 || len(rec.Inspectors) != 4 {
			t.Errorf("DrawRecord: %d units and %d inspectors, want 12 and 4", rec.Compact().Len(), len(rec.Inspectors))
		}
		want := map[string]string{}
		for i, task := range first.Tasks {
			want[task.CreditCode] = []string{sampling.OutcomeFail, sampling.OutcomePass, "", ""}[i]
		}
		if len(rec.History) != len(want) {
			t.Fatalf("DrawRecord history = %+v, want the %d units of the first plan", rec.History, len(want))
		}
		for _, h := range rec.History {
			if o, ok := want[h.CreditCode]; !ok || h.Outcome != o || !h.Time.Equal(nominal) {
				t.Errorf("history of %s = %+v, want outcome %q at %s", h.CreditCode, h, o, nominal)
			}
		}
		tested, failed := 0, 0
		for _, c := range rec.Recent {
			tested += c.Tested
			failed += c.Failed
		}
		if tested != 2 || failed != 1 {
			t.Errorf("recent results: %d tested, %d failed (%+v), want 2 and 1", tested, failed, rec.Recent)
		}
		// The draw excludes the units of the first plan, except the failed
		// one, which is due a follow-up.
		p := commitDraw(t, s, testDesign(later, 4), later, "second")
		if p.Excluded != 3 || p.FrameSize != 9 {
			t.Errorf("second plan: %d excluded, frame %d, want 3 and 9", p.Excluded, p.FrameSize)
		}
	})
}

// TestPopulationStoredOnce checks that plans drawn from an unchanged
// registry share one stored population, and a changed registry stores a
// new one.
func TestPopulationStoredOnce(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		units := seedRegistry(t, s, 12)
		commitDraw(t, s, testDesign(nominal, 2), nominal, "a")
		commitDraw(t, s, testDesign(nominal.Add(time.Hour), 2), nominal.Add(time.Hour), "b")
		count := func() (populations, rows int) {
			t.Helper()
			if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM populations`).Scan(&populations); err != nil {
				t.Fatal(err)
			}
			if err := s.DB().QueryRowContext(t.Context(), `SELECT count(*) FROM population_units`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			return populations, rows
		}
		if p, r := count(); p != 1 || r != 12 {
			t.Errorf("after two plans on one registry: %d populations, %d rows; want 1 and 12", p, r)
		}
		units[0].Risk = "D"
		if err := s.UpsertUnits(t.Context(), units[:1]); err != nil {
			t.Fatal(err)
		}
		commitDraw(t, s, testDesign(nominal.Add(2*time.Hour), 2), nominal.Add(2*time.Hour), "c")
		if p, r := count(); p != 2 || r != 24 {
			t.Errorf("after a registry change: %d populations, %d rows; want 2 and 24", p, r)
		}
	})
}

// TestPlanVerify checks that a stored plan re-derives from stored data
// alone, even after the registry changed, and that each kind of tampering
// with the stored plan or its inputs makes verification fail. Each case
// tampers with a plan of its own; the frame row, shared by all plans of
// one population, comes last.
func TestPlanVerify(t *testing.T) {
	tampers := []struct {
		name string
		sql  func(p sampling.Plan) string
		want string
	}{
		{"none", nil, ""},
		{"seed", func(p sampling.Plan) string {
			return fmt.Sprintf(`UPDATE plans SET seed = '%s' WHERE id = %d`, strings.Repeat("ab", 32), p.ID)
		}, "seed"},
		{"exclusion", func(p sampling.Plan) string { return fmt.Sprintf(`DELETE FROM plan_history WHERE plan_id = %d`, p.ID) }, "frame"},
		{"task", func(p sampling.Plan) string {
			return fmt.Sprintf(`UPDATE tasks SET credit_code = '%s' WHERE id = %d`, code(t, "91320500MA0000099"), p.Tasks[1].ID)
		}, "task"},
		{"inspector", func(p sampling.Plan) string {
			return fmt.Sprintf(`UPDATE task_inspectors SET inspector_id = 'I004' WHERE task_id = %d AND position = 0`, p.Tasks[0].ID)
		}, "inspectors"},
		{"inclusion probability", func(p sampling.Plan) string {
			return fmt.Sprintf(`UPDATE tasks SET inclusion_probability = 0.5 WHERE id = %d`, p.Tasks[0].ID)
		}, "inclusion probability"},
		{"commitment", func(p sampling.Plan) string {
			return fmt.Sprintf(`UPDATE plans SET commitment = '%s' WHERE id = %d`, strings.Repeat("0", 64), p.ID)
		}, "commitment"},
		{"frame row", func(p sampling.Plan) string {
			return fmt.Sprintf(`UPDATE population_units SET risk = 'A' WHERE credit_code = '%s'`, p.Tasks[0].CreditCode)
		}, "frame"},
	}
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		units := seedRegistry(t, s, 60)
		if err := s.UpsertUnits(t.Context(), []sampling.Unit{{CreditCode: code(t, "91320500MA0000099"), Enterprise: "另一家",
			County: "姑苏区", Industry: "food", Category: "snacks", Risk: "B"}}); err != nil {
			t.Fatal(err)
		}
		// A first plan and a failed result, so that later plans have
		// exclusions and a follow-up to store.
		first := commitDraw(t, s, testDesign(nominal, 4), nominal, "first")
		if _, err := s.RecordResults(t.Context(), []sampling.Result{{TaskID: first.Tasks[0].ID, Outcome: sampling.OutcomeFail,
			TestedOn: "2026-11-05", FailedItems: "pH"}}, nominal.AddDate(0, 0, 10)); err != nil {
			t.Fatal(err)
		}
		plans := make([]sampling.Plan, len(tampers))
		for i := range tampers {
			at := nominal.AddDate(0, 1, i)
			plans[i] = commitDraw(t, s, testDesign(at, 4), at, fmt.Sprint("lottery 2026-12", i))
			if plans[i].Excluded == 0 || len(plans[i].Record.History) == 0 {
				t.Fatalf("plan %d: %d excluded, %d history rows; the test needs some", plans[i].ID, plans[i].Excluded, len(plans[i].Record.History))
			}
		}
		// The registry moves on; verification must not notice.
		units[5].Risk = "D"
		if err := s.UpsertUnits(t.Context(), units[5:6]); err != nil {
			t.Fatal(err)
		}
		for i, tc := range tampers {
			t.Run(tc.name, func(t *testing.T) {
				if tc.sql != nil {
					if _, err := s.DB().ExecContext(t.Context(), tc.sql(plans[i])); err != nil {
						t.Fatalf("tamper: %v", err)
					}
				}
				stored, rec, err := s.PlanRecord(t.Context(), plans[i].ID)
				if err != nil {
					t.Fatalf("PlanRecord = %v", err)
				}
				_, err = sampling.Verify(rec, stored)
				if tc.sql == nil {
					if err != nil {
						t.Errorf("Verify(untouched plan) = %v, want nil", err)
					}
					return
				}
				var mm *sampling.MismatchError
				if !errors.As(err, &mm) || !strings.Contains(strings.Join(mm.Differences, "\n"), tc.want) {
					t.Errorf("Verify(plan with tampered %s) = %v, want a difference mentioning %q", tc.name, err, tc.want)
				}
			})
		}
	})
}

func TestPlanRecordWithoutInputs(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 6)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 2) // the earlier algorithm keeps no record
		if ok, err := s.CommitPlan(t.Context(), &p, ""); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if _, _, err := s.PlanRecord(t.Context(), p.ID); !errors.Is(err, storage.ErrNoRecord) {
			t.Errorf("PlanRecord(plan without inputs) = %v, want ErrNoRecord", err)
		}
	})
}

// TestDrawRecordAfterRetest: a retest supersedes the first result in the
// draw's inputs too: the unit's history shows the retest's outcome, and the
// recent counts (for Neyman allocation) count the batch once.
func TestDrawRecordAfterRetest(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 12)
		first := commitDraw(t, s, testDesign(nominal, 4), nominal, "first")
		today := nominal.AddDate(0, 0, 20)
		if _, err := s.RecordResults(t.Context(), []sampling.Result{
			{TaskID: first.Tasks[0].ID, Outcome: sampling.OutcomeFail, TestedOn: "2026-11-10", FailedItems: "纤维含量"},
		}, today); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordResults(t.Context(), []sampling.Result{
			{TaskID: first.Tasks[0].ID, Outcome: sampling.OutcomePass, TestedOn: "2026-11-12", Retest: true},
		}, today); err != nil {
			t.Fatalf("record the retest: %v", err)
		}
		later := nominal.AddDate(0, 1, 0)
		rec, err := s.DrawRecord(t.Context(), testDesign(later, 4), later)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range rec.History {
			if h.CreditCode == first.Tasks[0].CreditCode && h.Outcome != sampling.OutcomePass {
				t.Errorf("history of the retested unit = %+v, want the retest's pass", h)
			}
		}
		tested, failed := 0, 0
		for _, c := range rec.Recent {
			tested += c.Tested
			failed += c.Failed
		}
		if tested != 1 || failed != 0 {
			t.Errorf("recent results after a retest: %d tested, %d failed (%+v), want 1 and 0", tested, failed, rec.Recent)
		}
	})
}

// TestPopulationStoredIncrementally checks that a changed population is
// stored as what changed since the one stored before it, that every
// population of a chain of such changes reads back as it was drawn from,
// and that a population most of whose units changed is stored in full.
func TestPopulationStoredIncrementally(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		seedRegistry(t, s, 3000)
		ctx := t.Context()
		rec, err := s.DrawRecord(ctx, testDesign(nominal, 5), nominal)
		if err != nil {
			t.Fatal(err)
		}
		rec.Schedule, rec.Kind = "textiles-monthly", sampling.KindScheduled
		base := rec.Compact().Slice()
		next := func(p []sampling.Unit, change func(p []sampling.Unit) []sampling.Unit) []sampling.Unit {
			return change(slices.Clone(p))
		}
		flip := map[string]string{"A": "B", "B": "C", "C": "D", "D": "A"}
		pops := [][]sampling.Unit{
			base,
			next(base, func(p []sampling.Unit) []sampling.Unit { // three risks changed, two units gone, one added
				for i := range 3 {
					p[100*i].Risk = flip[p[100*i].Risk]
				}
				extra := p[20]
				extra.Category = "knitwear"
				return append(slices.Delete(p, 10, 12), extra)
			}),
		}
		pops = append(pops, next(pops[1], func(p []sampling.Unit) []sampling.Unit { // one more change on top
			p[2000].County = "相城区"
			return p
		}))
		pops = append(pops, next(pops[2], func(p []sampling.Unit) []sampling.Unit { // every unit changed
			for i := range p {
				p[i].Risk = flip[p[i].Risk]
			}
			return p
		}))
		type stored struct {
			rows int
			base bool
		}
		want := []stored{{3000, false}, {-1, true}, {-1, true}, {len(pops[3]), false}}
		var plans []sampling.Plan
		for i, pop := range pops {
			r := rec
			r.Units, r.Population = nil, pop
			r.NominalTime = nominal.Add(time.Duration(i) * time.Hour)
			r.Seed = sampling.SeedFromText(fmt.Sprint("seed ", i))
			p, err := sampling.DrawPlan(r)
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := s.CommitPlan(ctx, &p, ""); !ok || err != nil {
				t.Fatalf("CommitPlan = %v, %v", ok, err)
			}
			plans = append(plans, p)
			var got stored
			q := `SELECT (SELECT count(*) FROM population_units u WHERE u.population_id = p.population_id),
				(SELECT base_id IS NOT NULL FROM populations WHERE id = p.population_id) FROM plans p WHERE p.id = ?`
			if s.Dialect() == storage.Postgres {
				q = strings.Replace(q, "?", "$1", 1)
			}
			if err := s.DB().QueryRowContext(ctx, q, p.ID).Scan(&got.rows, &got.base); err != nil {
				t.Fatal(err)
			}
			switch {
			case got.base != want[i].base:
				t.Errorf("population %d: stored with a base = %v, want %v", i, got.base, want[i].base)
			case want[i].rows >= 0 && got.rows != want[i].rows:
				t.Errorf("population %d: %d rows stored, want %d", i, got.rows, want[i].rows)
			case want[i].rows < 0 && (got.rows == 0 || got.rows > 200):
				t.Errorf("population %d: %d rows stored, want a few buckets' worth (1 to 200)", i, got.rows)
			}
		}
		for i, p := range plans {
			stored, got, err := s.PlanRecord(ctx, p.ID)
			if err != nil {
				t.Fatalf("PlanRecord(%d) = %v", i, err)
			}
			key := func(a, b sampling.Unit) int { return strings.Compare(a.Key(), b.Key()) }
			wantPop := slices.SortedFunc(slices.Values(pops[i]), key)
			gotPop := slices.SortedFunc(slices.Values(got.Population), key)
			if !slices.Equal(gotPop, wantPop) {
				t.Errorf("population %d read back: %d units, want %d as drawn from", i, len(gotPop), len(wantPop))
			}
			redrawn, err := sampling.DrawPlan(got)
			if err != nil || redrawn.Commitment != stored.Commitment {
				t.Errorf("plan %d re-derived from its stored record = %v, commitment %s, want %s", i, err, redrawn.Commitment, stored.Commitment)
			}
		}
	})
}
