package storage_test

import (
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// The tests in this file pin the inclusive and exclusive date edges of the
// reads (rollups since a day, tasks due in a range) and of a plan's
// closing, which are written in SQL: each fails when its comparison moves
// by one day.

// TestRollupsSinceFirstDay: Rollups(since) includes the rollups of the day
// since itself, and not those of the day before.
func TestRollupsSinceFirstDay(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 2)
		if _, err := s.RecordResults(ctx, []sampling.Result{pass(ids[0], "2026-11-05"), fail(ids[1], "2026-11-06", "x")}, on("2026-11-06")); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			since          string
			tested, failed int
		}{
			{"2026-11-05", 2, 1}, // the first day is in
			{"2026-11-06", 1, 1}, // the day before is out
			{"2026-11-07", 0, 0},
		} {
			since, _ := time.Parse(time.DateOnly, tt.since)
			rollups, err := s.Rollups(ctx, dayOf(since))
			if err != nil {
				t.Fatal(err)
			}
			tested, failed := 0, 0
			for _, r := range rollups {
				tested, failed = tested+r.Tested, failed+r.Failed
			}
			if tested != tt.tested || failed != tt.failed {
				t.Errorf("Rollups(since %s): %d tested, %d failed; want %d, %d", tt.since, tested, failed, tt.tested, tt.failed)
			}
		}
	})
}

// TestTaskFilterDueRangeInclusive: DueFrom and DueTo are inclusive: tasks
// due on 1 December are listed from 1 December and to 1 December, not from
// the 2nd nor to 30 November.
func TestTaskFilterDueRangeInclusive(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ids := openPlan(t, s, 2)
		for _, tt := range []struct {
			from, to string
			want     int
		}{
			{"2026-12-01", "", 2},
			{"2026-12-02", "", 0},
			{"", "2026-12-01", 2},
			{"", "2026-11-30", 0},
			{"2026-12-01", "2026-12-01", 2},
		} {
			got, err := s.TaskDetails(t.Context(), storage.TaskFilter{DueFrom: sampling.Day(tt.from), DueTo: sampling.Day(tt.to)}, dayOf(on("2026-11-02")))
			if err != nil || len(got) != tt.want {
				t.Errorf("TaskDetails(due from %q to %q) = %d tasks, %v; want %d of %v, all due 2026-12-01", tt.from, tt.to, len(got), err, tt.want, ids)
			}
		}
	})
}

// TestPlanClosesDayAfterLastDueDate: an open plan whose tasks are due on
// 1 December is not closed on that day, and is on the 2nd; its tasks
// without a result then lapse.
func TestPlanClosesDayAfterLastDueDate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		ids := openPlan(t, s, 2)
		last := on("2026-12-01").Add(23*time.Hour + 59*time.Minute)
		if closed, err := s.ClosePlans(ctx, dayOf(on("2026-12-01")), last); err != nil || len(closed) != 0 {
			t.Errorf("ClosePlans(2026-12-01, the last due date) = %v, %v; want none", closed, err)
		}
		closed, err := s.ClosePlans(ctx, dayOf(on("2026-12-02")), on("2026-12-02"))
		if err != nil || len(closed) != 1 {
			t.Fatalf("ClosePlans(2026-12-02, the day after) = %v, %v; want the plan", closed, err)
		}
		details, err := s.TaskDetails(ctx, storage.TaskFilter{PlanID: closed[0]}, dayOf(on("2026-12-02")))
		if err != nil || len(details) != 2 || details[0].Status != sampling.TaskLapsed || details[1].Status != sampling.TaskLapsed {
			t.Errorf("tasks %v of the closed plan = %+v, %v; want both lapsed", ids, details, err)
		}
	})
}
