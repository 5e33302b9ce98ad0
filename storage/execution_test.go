package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestLapsedTasks: when a plan closes past its due date, its tasks without
// a result lapse: they stop counting as overdue (so the overdue alert
// clears), nothing more can be recorded on them, the move is an event, and
// the plan's execution counts them as lapsed.
func TestLapsedTasks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := storage.WithActor(t.Context(), "test:alice")
		seedRegistry(t, s, 8)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 4)
		if _, err := s.CommitPlan(ctx, &p, "test"); err != nil {
			t.Fatal(err)
		}
		now := nominal.Add(72 * time.Hour)
		tested, refused, sampled, assigned := p.Tasks[0].ID, p.Tasks[1].ID, p.Tasks[2].ID, p.Tasks[3].ID
		if _, err := s.RecordResults(ctx, []sampling.Result{{TaskID: tested, Outcome: "pass", TestedOn: dayOf(now)}}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordRefusal(ctx, refused, sampling.Refusal{Reason: sampling.RefusalStopped}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordSampling(ctx, sampled, sampling.Sampling{SampledOn: dayOf(now), BatchNo: "B1", Quantity: 2, Seals: []string{"S1"}}, now, time.UTC); err != nil {
			t.Fatal(err)
		}
		late := nominal.AddDate(0, 0, 31)
		counts := func() string {
			t.Helper()
			c, err := s.TaskCounts(ctx, dayOf(late))
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("overdue %d, lapsed %d, tested %d, refused %d", c["overdue"], c["lapsed"], c["tested"], c["refused"])
		}
		if got, want := counts(), "overdue 2, lapsed 0, tested 1, refused 1"; got != want {
			t.Errorf("TaskCounts past the due date, plan open = %s, want %s", got, want)
		}
		if _, err := s.ClosePlans(ctx, dayOf(late), late); err != nil {
			t.Fatal(err)
		}
		if got, want := counts(), "overdue 0, lapsed 2, tested 1, refused 1"; got != want {
			t.Errorf("TaskCounts after the plan closed = %s, want %s", got, want)
		}
		for id, from := range map[int64]string{sampled: sampling.TaskSampled, assigned: sampling.TaskAssigned} {
			d, err := s.TaskDetail(ctx, id, dayOf(late))
			if err != nil || d.Status != sampling.TaskLapsed {
				t.Errorf("TaskDetail(%d) after the plan closed = %s, %v; want lapsed", id, d.Status, err)
			}
			events, err := s.TaskEvents(ctx, id)
			if err != nil || len(events) == 0 {
				t.Fatalf("TaskEvents(%d) = %v, %v", id, events, err)
			}
			if e := events[len(events)-1]; e.From != from || e.To != sampling.TaskLapsed || e.Actor != "test:alice" || !e.At.Equal(late) {
				t.Errorf("last event of task %d = %+v, want %s to lapsed by test:alice at %v", id, e, from, late)
			}
		}
		ds, err := s.TaskDetails(ctx, storage.TaskFilter{Statuses: []string{sampling.TaskOverdue}}, dayOf(late))
		if err != nil || len(ds) != 0 {
			t.Errorf("TaskDetails(overdue) after the plan closed = %d tasks, %v; want none", len(ds), err)
		}
		var state *storage.StateError
		if err := s.RecordRefusal(ctx, assigned, sampling.Refusal{Reason: sampling.RefusalStopped}, late); !errors.As(err, &state) || state.From != sampling.TaskLapsed {
			t.Errorf("RecordRefusal(lapsed task) = %v, want a *StateError from lapsed", err)
		}
		pc, err := s.PlanTaskCounts(ctx, nominal.AddDate(0, 0, -1), time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		rows := sampling.ComputeExecution(pc, []string{p.Schedule}, []sampling.Window{{Name: "90d", Days: 90}}, dayOf(late))
		if len(rows) != 1 || rows[0].Planned != 4 || rows[0].Tested != 1 || rows[0].Refused != 1 || rows[0].Lapsed != 2 || rows[0].Open != 0 || rows[0].Ratio == nil || *rows[0].Ratio != 0.25 {
			t.Errorf("execution of the closed plan = %+v, want 4 planned: 1 tested, 1 refused, 2 lapsed, ratio 0.25", rows)
		}
	})
}

// TestMigrateLapsed: migration 11 lapses the tasks without a result of
// plans closed before it, and going down restores them.
func TestMigrateLapsed(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *storage.Store) {
		ctx := t.Context()
		seedRegistry(t, s, 8)
		p := drawPlan(t, s, sampling.KindScheduled, nominal, 4)
		if _, err := s.CommitPlan(ctx, &p, "test"); err != nil {
			t.Fatal(err)
		}
		now := nominal.Add(72 * time.Hour)
		if err := s.RecordSampling(ctx, p.Tasks[0].ID, sampling.Sampling{SampledOn: dayOf(now), BatchNo: "B1", Quantity: 2, Seals: []string{"S1"}}, now, time.UTC); err != nil {
			t.Fatal(err)
		}
		late := nominal.AddDate(0, 0, 31)
		if _, err := s.ClosePlans(ctx, dayOf(late), late); err != nil {
			t.Fatal(err)
		}
		counts := func(version int64) string {
			t.Helper()
			count := func(ctx context.Context, today sampling.Day) (map[string]int, error) { // the tallies come with migration 12
				counts, err := s.TaskCountsByFromTasks(ctx, today)
				m := map[string]int{}
				for _, c := range counts {
					m[c.State] += c.N
				}
				return m, err
			}
			if version >= 12 {
				count = s.TaskCounts
			}
			c, err := count(ctx, dayOf(late))
			if err != nil {
				t.Fatal(err)
			}
			d, err := s.TaskDetail(ctx, p.Tasks[0].ID, dayOf(late))
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("overdue %d, lapsed %d, the sampled task %s", c["overdue"], c["lapsed"], d.Status)
		}
		for _, step := range []struct {
			version int64
			want    string
		}{
			{10, "overdue 4, lapsed 0, the sampled task sampled"}, // as stored before migration 11
			{11, "overdue 0, lapsed 4, the sampled task lapsed"},
			{12, "overdue 0, lapsed 4, the sampled task lapsed"}, // tallied from the tasks
		} {
			if err := s.MigrateTo(ctx, step.version); err != nil {
				t.Fatalf("migrate to %d: %v", step.version, err)
			}
			if got := counts(step.version); got != step.want {
				t.Errorf("TaskCounts at version %d = %s, want %s", step.version, got, step.want)
			}
		}
	})
}
