package storage

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
)

// PlanTaskCounts counts the tasks of each plan made at or after since by
// state (as TaskDetails shows it, without overdue), with the plan's
// schedule and nominal date in loc, for sampling.ComputeExecution. It
// reads the plans' task tallies, not their tasks (see CountPlanTasks).
func (s *Store) PlanTaskCounts(ctx context.Context, since time.Time, loc *time.Location) ([]sampling.PlanTaskCount, error) {
	plans, err := plansFrom(ctx, s.db, since)
	if err != nil {
		return nil, err
	}
	var tallies []TaskTally
	if err := s.db.SelectContext(ctx, &tallies, s.db.Rebind(`SELECT `+tallyColumns+` FROM task_tallies
		WHERE n > 0 AND plan_id IN (SELECT id FROM plans WHERE nominal_time >= ?)`), since.UTC()); err != nil {
		return nil, fmt.Errorf("count tasks of plans: %w", err)
	}
	return CountPlanTasks(plans, tallies, since, loc), nil
}
