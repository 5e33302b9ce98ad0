package sampling

import (
	"fmt"
	"time"
)

// ResultKind is how a version of a task's result came about.
type ResultKind string

// Result kinds.
const (
	ResultFirst      ResultKind = "first"      // the batch's first test
	ResultRetest     ResultKind = "retest"     // a re-inspection on the enterprise's objection
	ResultCorrection ResultKind = "correction" // a fix of a mistake in the version before
)

// ResultState is where a version of a task's result stands. A result is
// provisional while the enterprise may still object, final once its
// objection period has ended or its retest is decided, and superseded when
// a retest or a correction replaced it.
type ResultState string

// Result states.
const (
	ResultProvisional ResultState = "provisional"
	ResultFinal       ResultState = "final"
	ResultSuperseded  ResultState = "superseded"
)

// ResultVersion is one version of a task's result. Its content never
// changes once stored; State and ObjectedOn do.
type ResultVersion struct {
	ID             int64       `db:"id" json:"id"`
	TaskID         int64       `db:"task_id" json:"task_id"`
	Version        int         `db:"version" json:"version"`
	Kind           ResultKind  `db:"kind" json:"kind"`
	Outcome        string      `db:"outcome" json:"outcome"`
	TestedOn       Day         `db:"tested_on" json:"tested_on"`
	ReportNo       string      `db:"report_no" json:"report_no,omitempty"`
	FailedItems    string      `db:"failed_items" json:"failed_items,omitempty"`
	CountedOn      Day         `db:"counted_on" json:"counted_on"` // the day it counts in rates: the batch's first test
	State          ResultState `db:"state" json:"state"`
	ObjectionUntil Day         `db:"objection_until" json:"objection_until,omitempty"` // last day to object
	ObjectedOn     Day         `db:"objected_on" json:"objected_on,omitempty"`
	Reason         string      `db:"reason" json:"reason,omitempty"` // of a correction
	RecordedBy     string      `db:"recorded_by" json:"recorded_by"`
	RecordedAt     time.Time   `db:"recorded_at" json:"recorded_at"`
	AuditSeq       int64       `db:"audit_seq" json:"audit_seq"`
}

// Says reports whether r is what v records, so that sending r again is a
// retry rather than a new result.
func (v *ResultVersion) Says(r Result) bool {
	return v.Outcome == r.Outcome && v.TestedOn == r.TestedOn && v.ReportNo == r.ReportNo &&
		v.FailedItems == r.FailedItems && (v.Kind == ResultRetest) == r.Retest
}

// Finalizable reports whether v becomes final on today: it is
// provisional, its objection period ended before today, and no objection
// is pending.
func (v *ResultVersion) Finalizable(today Day) bool {
	return v.State == ResultProvisional && v.ObjectionUntil.Before(today) && v.ObjectedOn.IsZero()
}

// ResultHistory is every version of one task's result, oldest first.
type ResultHistory []ResultVersion

// Effective returns the version that counts: the one not superseded; nil
// when the task has no result.
func (h ResultHistory) Effective() *ResultVersion {
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].State != ResultSuperseded {
			return &h[i]
		}
	}
	return nil
}

// Retested reports whether the batch was retested: it is retested once.
func (h ResultHistory) Retested() bool {
	for _, v := range h {
		if v.Kind == ResultRetest {
			return true
		}
	}
	return false
}

// Holds reports whether some version records r: sending r again is a
// retry.
func (h ResultHistory) Holds(r Result) bool {
	for i := range h {
		if h[i].Says(r) {
			return true
		}
	}
	return false
}

// next returns the number of the version after the history's last.
func (h ResultHistory) next() int {
	if len(h) == 0 {
		return 1
	}
	return h[len(h)-1].Version + 1
}

// ResultError is why a result, or a change to a task's results, is
// refused.
type ResultError struct {
	FieldError
	// Conflict is set when the task's stored result stands in the way,
	// rather than the input being wrong.
	Conflict bool
}

func resultError(conflict bool, field, format string, args ...any) *ResultError {
	return &ResultError{FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}, conflict}
}

// Accept decides how r, valid on its own (Result.Check) and not already
// held, joins the task's history: as version 1 when the task has no result,
// as a retest superseding the effective version, or not at all. refused
// tells whether the task was refused. It returns the version to store,
// without its recorder and objection period, or why r is refused.
func (h ResultHistory) Accept(r Result, refused bool) (ResultVersion, *ResultError) {
	eff := h.Effective()
	if !r.Retest {
		switch {
		case eff != nil:
			return ResultVersion{}, resultError(true, "task_id", "task %d already has a different result (%s on %s); a re-inspection on objection is recorded as a retest, a mistake is fixed with spotcheck result correct",
				r.TaskID, eff.Outcome, eff.TestedOn)
		case refused:
			return ResultVersion{}, resultError(false, "task_id", "task %d: %v", r.TaskID, CheckTransition(TaskRefused, TaskTested))
		}
		return FirstVersion(r), nil
	}
	switch {
	case eff == nil:
		return ResultVersion{}, resultError(false, "retest", "task %d has no result to retest", r.TaskID)
	case h.Retested():
		return ResultVersion{}, resultError(true, "retest", "task %d was already retested (%s on %s); a batch is retested once", r.TaskID, eff.Outcome, eff.TestedOn)
	case eff.State == ResultFinal:
		return ResultVersion{}, resultError(true, "retest", "the objection period of task %d's result ended on %s; it is final", r.TaskID, eff.ObjectionUntil)
	case r.TestedOn < eff.TestedOn:
		return ResultVersion{}, resultError(false, "tested_on", "the retest on %s is before the result it retests (%s)", r.TestedOn, eff.TestedOn)
	}
	// A retest decides the objection: it is final at once, and counts on
	// the day of the batch's first test.
	return ResultVersion{TaskID: r.TaskID, Version: h.next(), Kind: ResultRetest, Outcome: r.Outcome, TestedOn: r.TestedOn,
		ReportNo: r.ReportNo, FailedItems: r.FailedItems, CountedOn: eff.CountedOn, State: ResultFinal}, nil
}

// FirstVersion returns r as the first version of its task's result:
// provisional, counted on its test day. Its recorder and objection period
// are the store's to set.
func FirstVersion(r Result) ResultVersion {
	return ResultVersion{TaskID: r.TaskID, Version: 1, Kind: ResultFirst, Outcome: r.Outcome, TestedOn: r.TestedOn,
		ReportNo: r.ReportNo, FailedItems: r.FailedItems, CountedOn: r.TestedOn, State: ResultProvisional}
}

// Correct returns the version that corrects the effective one to r, for
// reason: it keeps the old version's state, objection period and retest
// mark. r is valid on its own (Result.Check). It returns why not when
// there is nothing to correct.
func (h ResultHistory) Correct(r Result, reason string) (ResultVersion, *ResultError) {
	if reason == "" {
		return ResultVersion{}, resultError(false, "reason", "a correction must give its reason")
	}
	old := h.Effective()
	if old == nil {
		return ResultVersion{}, resultError(false, "task_id", "task %d has no result to correct", r.TaskID)
	}
	r.Retest = old.Kind == ResultRetest
	if old.Says(r) {
		return ResultVersion{}, resultError(false, "task_id", "task %d's result already reads so; nothing to correct", r.TaskID)
	}
	// A retest counts on the day of the batch's first test; a corrected
	// first result on its corrected test date.
	counted := r.TestedOn
	if h.Retested() {
		counted = old.CountedOn
	}
	return ResultVersion{TaskID: r.TaskID, Version: h.next(), Kind: ResultCorrection, Outcome: r.Outcome,
		TestedOn: r.TestedOn, ReportNo: r.ReportNo, FailedItems: r.FailedItems, CountedOn: counted, State: old.State,
		ObjectionUntil: old.ObjectionUntil, ObjectedOn: old.ObjectedOn, Reason: reason}, nil
}

// Object checks an objection to the task's effective result lodged on
// lodgedOn, or its withdrawal when lodgedOn is the zero Day, against today;
// it returns the effective version as it reads after, or why not.
func (h ResultHistory) Object(taskID int64, lodgedOn, today Day) (before, after ResultVersion, rerr *ResultError) {
	cur := h.Effective()
	switch {
	case cur == nil:
		return before, after, resultError(false, "task_id", "task %d has no result", taskID)
	case cur.State != ResultProvisional:
		return before, after, resultError(true, "task_id", "task %d's result is %s; only a provisional result can be objected to", taskID, cur.State)
	case lodgedOn.IsZero() && cur.ObjectedOn.IsZero():
		return before, after, resultError(false, "task_id", "task %d's result has no objection to withdraw", taskID)
	case !lodgedOn.IsZero() && !cur.ObjectedOn.IsZero():
		return before, after, resultError(true, "task_id", "task %d's result was already objected to on %s", taskID, cur.ObjectedOn)
	}
	if !lodgedOn.IsZero() {
		if e := CheckTestDay("lodged_on", lodgedOn, today); e != nil {
			return before, after, &ResultError{FieldError: *e}
		}
		switch {
		case lodgedOn.After(cur.ObjectionUntil):
			return before, after, resultError(false, "lodged_on", "%s is after the objection period, which ended on %s", lodgedOn, cur.ObjectionUntil)
		case lodgedOn.Before(cur.TestedOn):
			return before, after, resultError(false, "lodged_on", "%s is before the test (%s)", lodgedOn, cur.TestedOn)
		}
	}
	after = *cur
	after.ObjectedOn = lodgedOn
	return *cur, after, nil
}

// ObjectionPolicy is how long an enterprise may object to a result: the
// objection period of each industry, in days.
type ObjectionPolicy struct {
	// Days maps industries to their objection period; others get
	// DefaultDays.
	Days map[string]int
	// DefaultDays is the period of the other industries; 15 when not
	// positive.
	DefaultDays int
}

// defaultObjectionDays is the period when the policy gives none.
const defaultObjectionDays = 15

// Until returns the last day an enterprise of industry may object to a
// result recorded on today.
func (p ObjectionPolicy) Until(industry string, today Day) Day {
	days, ok := p.Days[industry]
	if !ok || days <= 0 {
		days = p.DefaultDays
		if days <= 0 {
			days = defaultObjectionDays
		}
	}
	return today.AddDays(days)
}
