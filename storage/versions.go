package storage

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
)

const versionColumns = `id, task_id, version, kind, outcome, tested_on, report_no, failed_items, counted_on, state,
	objection_until, objected_on, reason, recorded_by, recorded_at, audit_seq`

// ResultHistory returns every version of the task's result, oldest first;
// ErrNotFound when the task has none.
func (s *Store) ResultHistory(ctx context.Context, taskID int64) (sampling.ResultHistory, error) {
	var out sampling.ResultHistory
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+versionColumns+` FROM results WHERE task_id = ? ORDER BY version`), taskID); err != nil {
		return nil, fmt.Errorf("load result history of task %d: %w", taskID, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("result history of task %d: %w", taskID, ErrNotFound)
	}
	return out, nil
}

// ResultPolicy is how results age: the objection periods, and the clock
// for audit timestamps. It is given when the store is opened
// (WithResultPolicy).
type ResultPolicy struct {
	Objection sampling.ObjectionPolicy
	// Now is the clock of audit entries; nil means time.Now.
	Now func() time.Time
}

func (s *Store) now() time.Time {
	if s.policy.Now != nil {
		return s.policy.Now()
	}
	return time.Now()
}
