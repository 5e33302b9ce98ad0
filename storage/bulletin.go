package storage

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
)

// FailedBatch is a failed batch as a bulletin lists it: the current result
// of its task, counted on a day of the period asked for.
type FailedBatch struct {
	TaskID      int64        `db:"task_id"`
	PlanID      int64        `db:"plan_id"`
	PlanStatus  string       `db:"plan_status"`
	Schedule    string       `db:"schedule"`
	CreditCode  string       `db:"credit_code"`
	Enterprise  string       `db:"enterprise"`
	Industry    string       `db:"industry"`
	Category    string       `db:"category"`
	Tier        string       `db:"tier"`
	County      string       `db:"county"`
	FailedItems string       `db:"failed_items"`
	ReportNo    string       `db:"report_no"`
	TestedOn    sampling.Day `db:"tested_on"`
	CountedOn   sampling.Day `db:"counted_on"`
	// Final is set when the result can no longer change: its objection
	// period ended or a retest decided it.
	Final bool `db:"final"`
}

// FailedBatches lists the failed batches whose current result counts on a
// day from from to to (inclusive), as the rollups count them, ordered by
// day and task.
func (s *Store) FailedBatches(ctx context.Context, from, to sampling.Day) ([]FailedBatch, error) {
	var out []FailedBatch
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`
		SELECT t.id AS task_id, p.id AS plan_id, p.status AS plan_status, p.schedule, t.credit_code, t.enterprise,
			t.industry, t.category, t.tier, t.county, r.failed_items, r.report_no, r.tested_on, r.counted_on,
			CASE WHEN r.state = 'final' THEN 1 ELSE 0 END AS final
		FROM results r JOIN tasks t ON t.id = r.task_id JOIN plans p ON p.id = t.plan_id
		WHERE r.state <> 'superseded' AND r.outcome = 'fail' AND r.counted_on >= ? AND r.counted_on <= ?
		ORDER BY r.counted_on, t.id`), from, to)
	if err != nil {
		return nil, fmt.Errorf("list failed batches: %w", err)
	}
	return out, nil
}

// ClosedPlanIDs lists the closed plans whose nominal time lies in
// [from, until), oldest first: the plans whose disclosures exist.
func (s *Store) ClosedPlanIDs(ctx context.Context, from, until time.Time) ([]int64, error) {
	var out []int64
	err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT id FROM plans
		WHERE status = 'closed' AND nominal_time >= ? AND nominal_time < ? ORDER BY nominal_time, id`), from.UTC(), until.UTC())
	if err != nil {
		return nil, fmt.Errorf("list closed plans: %w", err)
	}
	return out, nil
}
