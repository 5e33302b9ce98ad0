package monitor

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestApplyEqualsRefresh: on every backend, over random sequences of
// results, retests, corrections, objections, samplings, refusals, task and
// plan closings, finalizations and new plans (made as a fire makes them,
// Store.Settle), the snapshot of a monitor that applies
// each write's change (and refreshes now and then) equals, after every
// step, the snapshot of a monitor that reads everything again.
func TestApplyEqualsRefresh(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		for _, backend := range storagetest.Backends() {
			t.Run(fmt.Sprintf("seed %d/%s", seed, backend), func(t *testing.T) {
				testApplyEqualsRefresh(t, seed, backend)
			})
		}
	}
}

func testApplyEqualsRefresh(t *testing.T, seed uint64, backend string) {
	rng := rand.New(rand.NewPCG(seed, 0xa991))
	s := storagetest.Open(t, backend)
	cfg := testCfg(t)
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, cfg.Location)
	clock := func() time.Time { return now }
	var ids []int64
	for _, daysAgo := range []int{20, 3} {
		for _, task := range openPlan(t, s, 6, now.AddDate(0, 0, -daysAgo)) {
			ids = append(ids, task.ID)
		}
	}
	applied := New(cfg, s, clock, storagetest.Logger(t))
	if err := applied.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Watch(applied.Apply))
	read := New(cfg, s, clock, storagetest.Logger(t))
	if err := read.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}

	ctx := storage.WithActor(t.Context(), "property")
	recorded := map[int64]bool{}
	withResult := func() int64 { // mostly a task with a result
		var fit []int64
		for _, id := range ids {
			if recorded[id] {
				fit = append(fit, id)
			}
		}
		if len(fit) == 0 || rng.IntN(5) == 0 {
			return ids[rng.IntN(len(ids))]
		}
		return fit[rng.IntN(len(fit))]
	}
	result := func(id int64) sampling.Result {
		r := sampling.Result{TaskID: id, Outcome: sampling.OutcomePass, TestedOn: sampling.Today(now, cfg.Location).AddDays(-rng.IntN(3))}
		if rng.IntN(3) == 0 {
			r.Outcome, r.FailedItems = sampling.OutcomeFail, fmt.Sprintf("item %d", rng.IntN(3))
		}
		return r
	}
	done := map[string]int{}
	plans := 0
	for step := range 100 {
		today := sampling.Today(now, cfg.Location)
		id := ids[rng.IntN(len(ids))]
		var op string
		var err error
		switch k := rng.IntN(17); {
		case k < 4:
			op = "record"
			batch := []sampling.Result{result(id)}
			if other := ids[rng.IntN(len(ids))]; other != id {
				batch = append(batch, result(other))
			}
			if _, err = s.RecordResults(ctx, batch, now.In(cfg.Location)); err == nil {
				for _, r := range batch {
					recorded[r.TaskID] = true
				}
			}
		case k < 6:
			op = "retest"
			r := result(withResult())
			r.Retest = true
			_, err = s.RecordResults(ctx, []sampling.Result{r}, now.In(cfg.Location))
		case k < 7:
			op = "correct"
			_, err = s.CorrectResult(ctx, result(withResult()), "property test", now.In(cfg.Location))
		case k < 8:
			op = "object"
			err = s.RecordObjection(ctx, withResult(), today, today)
		case k < 9:
			op = "sample"
			err = s.RecordSampling(ctx, id, sampling.Sampling{SampledOn: today, BatchNo: "B", Quantity: 1, Seals: []string{"S"}}, now, cfg.Location)
		case k < 10:
			op = "refuse"
			err = s.RecordRefusal(ctx, id, sampling.Refusal{Reason: sampling.RefusalStopped}, now)
		case k < 12:
			op = "close task"
			err = s.CloseTask(ctx, withResult(), now)
		case k < 13:
			op = "close plans"
			now = now.Add(time.Duration(rng.IntN(2*24)) * time.Hour)
			_, err = s.ClosePlans(ctx, sampling.Today(now, cfg.Location), now)
		case k < 14:
			op = "finalize"
			now = now.Add(time.Duration(rng.IntN(4*24)) * time.Hour)
			_, err = s.FinalizeResults(ctx, sampling.Today(now, cfg.Location))
		case k < 15:
			op = "plan"
			// A fire's nominal time is its ledger key: one a minute
			// before now, a minute apart, never the same twice.
			plans++
			for _, task := range storagetest.Plan(t, s, 1+rng.IntN(4), now.Add(-time.Duration(plans)*time.Minute)) {
				ids = append(ids, task.ID)
			}
		default:
			op = "refresh"
			err = applied.Refresh(t.Context())
		}
		var rej *storage.RejectedError
		var state *storage.StateError
		var fields *storage.FieldsError
		switch {
		case err == nil:
			done[op]++
		case errors.As(err, &rej), errors.As(err, &state), errors.As(err, &fields):
		default:
			t.Fatalf("step %d %s: %v", step, op, err)
		}
		if err := read.Refresh(t.Context()); err != nil {
			t.Fatal(err)
		}
		if op == "close plans" || op == "finalize" {
			// The date moved: a snapshot derived now sees the new windows.
			applied.publishAgain()
		}
		if diff := snapshotDiff(applied.Snapshot(), read.Snapshot()); diff != "" {
			t.Fatalf("step %d (%s): the applied snapshot differs from a refresh: %s", step, op, diff)
		}
	}
	for _, op := range []string{"record", "retest", "correct", "object", "sample", "refuse", "close task", "close plans", "finalize", "plan"} {
		if done[op] == 0 {
			t.Errorf("no %s succeeded in 100 steps %v: the sequence does not test what it says", op, done)
		}
	}
}

// publishAgain derives the snapshot afresh from the monitor's data, as the
// next change or refresh would.
func (m *Monitor) publishAgain() {
	m.mu.Lock()
	m.version++
	m.mu.Unlock()
	m.publish()
}

// snapshotDiff names the first part of snapshot a that differs from b,
// leaving out when each was read.
func snapshotDiff(a, b *Snapshot) string {
	for _, part := range []struct {
		name string
		a, b any
	}{
		{"today", a.Today, b.Today},
		{"rollups", a.Rollups, b.Rollups},
		{"headline", a.Headline, b.Headline},
		{"stability", a.Stability, b.Stability},
		{"grouped", a.Grouped, b.Grouped},
		{"tasks", a.Tasks, b.Tasks},
		{"execution", a.Execution, b.Execution},
		{"pauses", a.Pauses, b.Pauses},
		{"cells", a.Exported.Cells, b.Exported.Cells},
		{"recorded", a.Exported.Recorded, b.Exported.Recorded},
	} {
		if !reflect.DeepEqual(part.a, part.b) {
			return fmt.Sprintf("%s = %+v, a refresh reads %+v", part.name, part.a, part.b)
		}
	}
	return ""
}

// TestApplyOutOfOrder: a change that arrives after a later one touching the
// same rows leaves the later values, and a change the last read includes
// is skipped.
func TestApplyOutOfOrder(t *testing.T) {
	day := sampling.Day("2026-11-27")
	row := func(tested int) sampling.Rollup {
		return sampling.Rollup{Day: day, Tier: "general", Industry: "textiles", Category: "garments", County: "gusu", Tested: tested}
	}
	tally := func(n int) storage.TaskTally {
		return storage.TaskTally{PlanID: 1, Due: "2026-12-01", Status: sampling.TaskAssigned, N: n}
	}
	st := newState(storage.SnapshotState{Seq: 5, Rollups: []sampling.Rollup{row(1)}, Tallies: []storage.TaskTally{tally(9)}}, nil, time.Time{})
	st.apply(storage.Change{Seq: 7, Rollups: []sampling.Rollup{row(3)}, Tallies: []storage.TaskTally{tally(7)}})
	st.apply(storage.Change{Seq: 6, Rollups: []sampling.Rollup{row(2)}, Tallies: []storage.TaskTally{tally(8)}})
	v := st.view()
	if len(v.rollups) != 1 || v.rollups[0].Tested != 3 || len(v.tallies) != 1 || v.tallies[0].N != 7 {
		t.Errorf("after changes 7 then 6: rollups %+v, tallies %+v; want change 7's values", v.rollups, v.tallies)
	}
	// A row that change 8 removed stays removed when change 6's value of
	// it comes late.
	other := row(4)
	other.County = "wuzhong"
	st.apply(storage.Change{Seq: 8, Rollups: []sampling.Rollup{{Day: day, Tier: "general", Industry: "textiles", Category: "garments", County: "wuzhong"}}})
	st.apply(storage.Change{Seq: 6, Rollups: []sampling.Rollup{other}})
	if v := st.view(); len(v.rollups) != 1 {
		t.Errorf("a row removed by change 8 came back with change 6: %+v", v.rollups)
	}
	// A change that wrote a row twice (a first result and a retest in one
	// batch) leaves its later value.
	st.apply(storage.Change{Seq: 9, Rollups: []sampling.Rollup{row(5), row(6)}})
	if v := st.view(); len(v.rollups) != 1 || v.rollups[0].Tested != 6 {
		t.Errorf("after change 9 wrote the row twice: %+v, want its later value", v.rollups)
	}
}
