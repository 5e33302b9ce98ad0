package storage

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
)

// Result version kinds.
const (
	KindFirst      = "first"
	KindRetest     = "retest"
	KindCorrection = "correction"
)

// Result states. A result is provisional while the enterprise may still
// object, final once its objection period has ended or its retest is
// decided, and superseded when a retest or a correction replaced it.
const (
	StateProvisional = "provisional"
	StateFinal       = "final"
	StateSuperseded  = "superseded"
)

// ResultVersion is one stored version of a task's result. Its content never
// changes once written; State and ObjectedOn do.
type ResultVersion struct {
	ID             int64     `db:"id" json:"id"`
	TaskID         int64     `db:"task_id" json:"task_id"`
	Version        int       `db:"version" json:"version"`
	Kind           string    `db:"kind" json:"kind"`
	Outcome        string    `db:"outcome" json:"outcome"`
	TestedOn       string    `db:"tested_on" json:"tested_on"`
	ReportNo       string    `db:"report_no" json:"report_no,omitempty"`
	FailedItems    string    `db:"failed_items" json:"failed_items,omitempty"`
	CountedOn      string    `db:"counted_on" json:"counted_on"` // the day it counts in rates: the batch's first test
	State          string    `db:"state" json:"state"`
	ObjectionUntil string    `db:"objection_until" json:"objection_until,omitempty"` // last day to object
	ObjectedOn     string    `db:"objected_on" json:"objected_on,omitempty"`
	Reason         string    `db:"reason" json:"reason,omitempty"` // of a correction
	RecordedBy     string    `db:"recorded_by" json:"recorded_by"`
	RecordedAt     time.Time `db:"recorded_at" json:"recorded_at"`
	AuditSeq       int64     `db:"audit_seq" json:"audit_seq"`
}

const versionColumns = `id, task_id, version, kind, outcome, tested_on, report_no, failed_items, counted_on, state,
	objection_until, objected_on, reason, recorded_by, recorded_at, audit_seq`

// Result returns the version's content as a sampling.Result.
func (v *ResultVersion) Result() sampling.Result {
	return sampling.Result{TaskID: v.TaskID, Outcome: v.Outcome, TestedOn: v.TestedOn, ReportNo: v.ReportNo,
		FailedItems: v.FailedItems, Retest: v.Kind == KindRetest}
}

// sameContent reports whether r is what v records, so that sending r again
// is a retry rather than a new result.
func (v *ResultVersion) sameContent(r sampling.Result) bool {
	return v.Outcome == r.Outcome && v.TestedOn == r.TestedOn && v.ReportNo == r.ReportNo &&
		v.FailedItems == r.FailedItems && (v.Kind == KindRetest) == r.Retest
}

// ResultHistory returns every version of the task's result, oldest first;
// ErrNotFound when the task has none.
func (s *Store) ResultHistory(ctx context.Context, taskID int64) ([]ResultVersion, error) {
	var out []ResultVersion
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(`SELECT `+versionColumns+` FROM results WHERE task_id = ? ORDER BY version`), taskID); err != nil {
		return nil, fmt.Errorf("load result history of task %d: %w", taskID, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("result history of task %d: %w", taskID, ErrNotFound)
	}
	return out, nil
}

// ResultPolicy is how results age: the objection period of each industry,
// and the clock for audit timestamps.
type ResultPolicy struct {
	// ObjectionDays maps industries to their objection period in days;
	// others get DefaultObjectionDays.
	ObjectionDays        map[string]int
	DefaultObjectionDays int
	// Now is the clock of audit entries; nil means time.Now.
	Now func() time.Time
}

// SetResultPolicy sets how results age. Call it while wiring, before the
// store is used; without it every industry has 15 days.
func (s *Store) SetResultPolicy(p ResultPolicy) {
	if p.DefaultObjectionDays <= 0 {
		p.DefaultObjectionDays = 15
	}
	s.policy = p
}

func (s *Store) now() time.Time {
	if s.policy.Now != nil {
		return s.policy.Now()
	}
	return time.Now()
}

// objectionUntil returns the last day an enterprise of industry may object
// to a result recorded on today.
func (s *Store) objectionUntil(industry string, today time.Time) string {
	days, ok := s.policy.ObjectionDays[industry]
	if !ok || days <= 0 {
		days = s.policy.DefaultObjectionDays
		if days <= 0 {
			days = 15
		}
	}
	return today.AddDate(0, 0, days).Format(time.DateOnly)
}
