package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"spotcheck/i18n"
	"spotcheck/sampling"
)

// Problem is one reason a result was rejected. Index is the result's
// position in the batch, so the caller can name the line or request.
type Problem struct {
	Index    int
	Field    string
	Reason   string // in English
	Conflict bool   // the task already has a different result
	// Key and Args give the reason in the inspector's language from the
	// i18n catalogue; Key is empty when there is no such text.
	Key  string
	Args []any
}

// problem makes a Problem of field whose reason is the catalogue's text of
// key, in English.
func problem(field, key string, args ...any) Problem {
	return Problem{Field: field, Reason: i18n.Format(i18n.EN, key, args...), Key: key, Args: args}
}

// RejectedError reports a batch of results that was not stored, with every
// problem found.
type RejectedError struct {
	Problems []Problem
}

func (e *RejectedError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = fmt.Sprintf("result %d: %s: %s", p.Index+1, p.Field, p.Reason)
	}
	return strings.Join(msgs, "\n")
}

// Conflict reports whether every problem is a conflict with a stored result.
func (e *RejectedError) Conflict() bool {
	for _, p := range e.Problems {
		if !p.Conflict {
			return false
		}
	}
	return len(e.Problems) > 0
}

// RecordResults stores results in one transaction, with the daily rollups
// they change and an audit entry: all of them or, when any is bad, none,
// and then a *RejectedError lists every problem. A result identical to one
// a task already has is accepted and not stored twice; a different one is a
// conflict unless it is a retest (Result.Retest) within the objection
// period, which supersedes the first. today is the current date in the
// service's time zone, at midnight there; a test date after it is
// rejected. It returns how many results were newly stored. The audit entry
// names the actor set with WithActor.
func (s *Store) RecordResults(ctx context.Context, results []sampling.Result, today time.Time) (int, error) {
	return s.recordResults(ctx, results, nil, today)
}

// RecordResult stores one result under an idempotency key: a retry with the
// same key and result is accepted without storing twice.
func (s *Store) RecordResult(ctx context.Context, r sampling.Result, idempotencyKey string, today time.Time) (int, error) {
	return s.recordResults(ctx, []sampling.Result{r}, []string{idempotencyKey}, today)
}

// checkResult validates a result on its own; a zero Problem means valid.
func checkResult(r sampling.Result, today time.Time) Problem {
	if p := checkFields(r); p.Field != "" {
		return p
	}
	return checkDay(r.TestedOn, today.Format(time.DateOnly))
}

// checkFields is checkResult without the test date.
func checkFields(r sampling.Result) Problem {
	switch {
	case r.TaskID <= 0:
		return problem("task_id", "err_task_id")
	case r.Outcome != sampling.OutcomePass && r.Outcome != sampling.OutcomeFail:
		return problem("outcome", "err_outcome", r.Outcome)
	case r.Outcome == sampling.OutcomeFail && strings.TrimSpace(r.FailedItems) == "":
		return problem("failed_items", "err_failed_items_missing")
	case r.Outcome == sampling.OutcomePass && strings.TrimSpace(r.FailedItems) != "":
		return problem("failed_items", "err_failed_items_pass")
	}
	if errs := sampling.CheckTexts("report_no", r.ReportNo, "failed_items", r.FailedItems); len(errs) > 0 {
		return Problem{Field: errs[0].Field, Reason: errs[0].Reason, Key: errs[0].Key, Args: errs[0].Args}
	}
	return Problem{}
}

// checkDay checks a test date against today (YYYY-MM-DD).
func checkDay(day, today string) Problem {
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return problem("tested_on", "err_not_date", day)
	}
	// A parsed YYYY-MM-DD compares as a string.
	if day > today {
		return problem("tested_on", "err_future", day, today)
	}
	return Problem{}
}

// Rollups returns the daily rollups from since (a date) on.
func (s *Store) Rollups(ctx context.Context, since time.Time) ([]sampling.Rollup, error) {
	return loadRollups(ctx, s.db, `SELECT day, tier, industry, category, county, state, tested, failed, w_tested, w_failed
		FROM rollups WHERE day >= ?`, since.Format(time.DateOnly))
}

// TaskCounts counts tasks by state; "overdue" counts assigned and sampled
// tasks whose due date is before today, and those are not also counted as
// "assigned". Such tasks belong to open plans: when a plan closes, its tasks
// without a result lapse.
//
// The states are taskStatus's, counted in two passes: the stored statuses
// of all tasks, then the tasks of open plans that a result has made tested
// (a plan stores its tasks' statuses when it closes, see ClosePlans).
func (s *Store) TaskCounts(ctx context.Context, today time.Time) (map[string]int, error) {
	state := `CASE WHEN t.status IN ('assigned', 'sampled') AND t.due < ? THEN 'overdue' ELSE t.status END`
	var stored, tested []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	day := today.Format(time.DateOnly)
	if err := s.db.SelectContext(ctx, &stored, s.db.Rebind(`SELECT `+state+` AS state, count(*) AS n FROM tasks t GROUP BY 1`), day); err != nil {
		return nil, fmt.Errorf("count tasks: %w", err)
	}
	if err := s.db.SelectContext(ctx, &tested, s.db.Rebind(`SELECT `+state+` AS state, count(*) AS n FROM tasks t
		WHERE t.plan_id IN (SELECT id FROM plans WHERE status = 'open') AND `+madeTested+`
		GROUP BY 1`), day); err != nil {
		return nil, fmt.Errorf("count tested tasks: %w", err)
	}
	m := map[string]int{"assigned": 0, "tested": 0, "overdue": 0, "lapsed": 0}
	for _, r := range stored {
		m[r.State] += r.N
	}
	for _, r := range tested {
		m[r.State] -= r.N
		m[sampling.TaskTested] += r.N
	}
	return m, nil
}
