package storage

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
)

// PlanTaskCounts counts the tasks of each plan made at or after since by
// state (as TaskDetails shows it, without overdue), with the plan's
// schedule and nominal date in loc, for sampling.ComputeExecution.
//
// It counts in two passes, as TaskCounts does: the stored states, over the
// index on (plan_id, status), then the tasks of open plans that a result
// has made tested, found from the results. A closed plan stores its tasks'
// states, so only open plans need the second pass.
func (s *Store) PlanTaskCounts(ctx context.Context, since time.Time, loc *time.Location) ([]sampling.PlanTaskCount, error) {
	var plans []struct {
		ID       int64     `db:"id"`
		Schedule string    `db:"schedule"`
		Nominal  time.Time `db:"nominal_time"`
		Status   string    `db:"status"`
	}
	if err := s.db.SelectContext(ctx, &plans, s.db.Rebind(`SELECT id, schedule, nominal_time, status FROM plans WHERE nominal_time >= ? ORDER BY id`), since.UTC()); err != nil {
		return nil, fmt.Errorf("load plans: %w", err)
	}
	var stored, tested []struct {
		Plan   int64  `db:"plan_id"`
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	inWindow := `(SELECT id FROM plans WHERE nominal_time >= ?)`
	if err := s.db.SelectContext(ctx, &stored, s.db.Rebind(`
		SELECT t.plan_id, t.status, count(*) AS n FROM tasks t WHERE t.plan_id IN `+inWindow+` GROUP BY t.plan_id, t.status`), since.UTC()); err != nil {
		return nil, fmt.Errorf("count tasks of plans: %w", err)
	}
	if err := s.db.SelectContext(ctx, &tested, s.db.Rebind(`
		SELECT t.plan_id, t.status, count(*) AS n FROM tasks t
		WHERE t.id IN (SELECT task_id FROM results) AND t.status IN ('assigned', 'sampled')
			AND t.plan_id IN (SELECT id FROM plans WHERE status = 'open' AND nominal_time >= ?)
		GROUP BY t.plan_id, t.status`), since.UTC()); err != nil {
		return nil, fmt.Errorf("count tested tasks of open plans: %w", err)
	}
	type key struct {
		plan   int64
		status string
	}
	n := map[key]int{}
	for _, r := range stored {
		n[key{r.Plan, r.Status}] += r.N
	}
	for _, r := range tested {
		n[key{r.Plan, r.Status}] -= r.N
		n[key{r.Plan, sampling.TaskTested}] += r.N
	}
	var out []sampling.PlanTaskCount
	for _, p := range plans {
		y, m, d := p.Nominal.In(loc).Date()
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		for _, st := range sampling.TaskStates() {
			if c := n[key{p.ID, st}]; c > 0 {
				out = append(out, sampling.PlanTaskCount{Schedule: p.Schedule, Day: day, Status: st, N: c, PlanOpen: p.Status == sampling.PlanOpen})
			}
		}
	}
	return out, nil
}
