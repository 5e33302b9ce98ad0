package storage

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
)

// PlanTaskCounts counts the tasks of each plan made at or after since by
// state (as TaskDetails shows it, without overdue), with the plan's
// schedule and nominal date in loc, for sampling.ComputeExecution. Only the
// tasks of open plans need a look at results: a plan stores its tasks'
// states when it closes.
func (s *Store) PlanTaskCounts(ctx context.Context, since time.Time, loc *time.Location) ([]sampling.PlanTaskCount, error) {
	var rows []struct {
		Schedule string    `db:"schedule"`
		Nominal  time.Time `db:"nominal_time"`
		Status   string    `db:"status"`
		N        int       `db:"n"`
		Plan     string    `db:"plan_status"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`
		SELECT p.schedule, p.nominal_time,
			CASE WHEN p.status = 'open' AND `+madeTested+` THEN 'tested' ELSE t.status END AS status, count(*) AS n, p.status AS plan_status
		FROM tasks t JOIN plans p ON p.id = t.plan_id
		WHERE p.nominal_time >= ?
		GROUP BY p.id, p.schedule, p.nominal_time, 3, p.status
		ORDER BY p.id`), since.UTC()); err != nil {
		return nil, fmt.Errorf("count tasks of plans: %w", err)
	}
	out := make([]sampling.PlanTaskCount, len(rows))
	for i, r := range rows {
		y, m, d := r.Nominal.In(loc).Date()
		out[i] = sampling.PlanTaskCount{Schedule: r.Schedule, Day: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Status: r.Status, N: r.N, PlanOpen: r.Plan == sampling.PlanOpen}
	}
	return out, nil
}
