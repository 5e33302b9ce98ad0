package sampling

import (
	"strings"
)

// Outcomes of a tested batch.
const (
	OutcomePass = "pass"
	OutcomeFail = "fail"
)

// Result is the outcome of a task's batch.
type Result struct {
	TaskID      int64  `json:"task_id"`
	Outcome     string `json:"outcome"`
	TestedOn    Day    `json:"tested_on"`
	ReportNo    string `json:"report_no,omitempty"`
	FailedItems string `json:"failed_items,omitempty"`
	// Retest marks the result of a re-inspection on the enterprise's
	// objection: it supersedes the task's first result.
	Retest bool `json:"retest,omitempty"`
}

// Check validates the result on its own against today, listing every
// problem: CheckFields, then the test date (CheckTestDay).
func (r Result) Check(today Day) []FieldError {
	errs := r.CheckFields()
	if e := CheckTestDay("tested_on", r.TestedOn, today); e != nil {
		errs = append(errs, *e)
	}
	return errs
}

// CheckFields validates the result's task, outcome, report number and
// failed items, listing every problem. The test date is CheckTestDay's: a large import
// checks each of its few test days once.
func (r Result) CheckFields() []FieldError {
	var errs []FieldError
	if r.TaskID <= 0 {
		errs = append(errs, fieldError("task_id", "err_task_id"))
	}
	if e := CheckOutcome(r.Outcome, r.FailedItems); e != nil {
		errs = append(errs, *e)
	}
	return append(errs, CheckTexts("report_no", r.ReportNo, "failed_items", r.FailedItems)...)
}

// CheckOutcome checks a tested batch's outcome against its failed items: a
// fail names them, a pass has none. Failed items of nothing but white
// space name nothing.
func CheckOutcome(outcome, failedItems string) *FieldError {
	named := strings.TrimSpace(failedItems) != ""
	switch {
	case outcome != OutcomePass && outcome != OutcomeFail:
		return new(fieldError("outcome", "err_outcome", outcome))
	case outcome == OutcomeFail && !named:
		return new(fieldError("failed_items", "err_failed_items_missing"))
	case outcome == OutcomePass && named:
		return new(fieldError("failed_items", "err_failed_items_pass"))
	}
	return nil
}

// CheckTestDay checks day, a date given in field, against today: it must
// be a valid Day (a real date as YYYY-MM-DD) and not in the future.
func CheckTestDay(field string, day, today Day) *FieldError {
	if !day.Valid() {
		return new(fieldError(field, "err_not_date", day))
	}
	if day.After(today) {
		return new(fieldError(field, "err_future", day, today))
	}
	return nil
}
