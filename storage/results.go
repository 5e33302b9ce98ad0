package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// Problem is one reason a result was rejected. Index is the result's
// position in the batch, so the caller can name the line or request.
type Problem struct {
	Index    int
	Field    string
	Reason   string
	Conflict bool // the task already has a different result
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
// they change: all of them or, when any is bad, none, and then a
// *RejectedError lists every problem. A result identical to the one a task
// already has is accepted and not stored twice. today is the current date in
// the service's time zone; a test date after it is rejected. It returns how
// many results were newly stored.
func (s *Store) RecordResults(ctx context.Context, results []sampling.Result, today time.Time) (int, error) {
	return s.recordResults(ctx, results, nil, today)
}

// RecordResult stores one result under an idempotency key: a retry with the
// same key and result is accepted without storing twice.
func (s *Store) RecordResult(ctx context.Context, r sampling.Result, idempotencyKey string, today time.Time) (int, error) {
	return s.recordResults(ctx, []sampling.Result{r}, []string{idempotencyKey}, today)
}

type taskState struct {
	Status      string    `db:"status"`
	PlanStatus  string    `db:"plan_status"`
	NominalTime time.Time `db:"nominal_time"`
	Tier        string    `db:"tier"`
	Industry    string    `db:"industry"`
	Category    string    `db:"category"`
	County      string    `db:"county"`
}

type storedResult struct {
	TaskID      int64  `db:"task_id"`
	Outcome     string `db:"outcome"`
	TestedOn    string `db:"tested_on"`
	ReportNo    string `db:"report_no"`
	FailedItems string `db:"failed_items"`
}

func (r storedResult) result() sampling.Result {
	return sampling.Result{TaskID: r.TaskID, Outcome: r.Outcome, TestedOn: r.TestedOn, ReportNo: r.ReportNo, FailedItems: r.FailedItems}
}

func (s *Store) recordResults(ctx context.Context, results []sampling.Result, keys []string, today time.Time) (int, error) {
	stored := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var problems []Problem
		bad := func(i int, field, format string, args ...any) {
			problems = append(problems, Problem{Index: i, Field: field, Reason: fmt.Sprintf(format, args...)})
		}
		seen := map[int64]int{}
		var fresh []int
		states := make([]taskState, len(results))
		for i, r := range results {
			if j, ok := seen[r.TaskID]; ok {
				if results[j] != r {
					problems = append(problems, Problem{Index: i, Field: "task_id", Conflict: true,
						Reason: fmt.Sprintf("task %d has a different result earlier in the same batch (result %d)", r.TaskID, j+1)})
				}
				continue
			}
			seen[r.TaskID] = i
			if msg := checkResult(r, today); msg.Field != "" {
				bad(i, msg.Field, "%s", msg.Reason)
				continue
			}
			st := &states[i]
			err := tx.GetContext(ctx, st, tx.Rebind(`
				SELECT t.status, p.status AS plan_status, p.nominal_time, t.tier, t.industry, t.category, t.county
				FROM tasks t JOIN plans p ON p.id = t.plan_id WHERE t.id = ?`), r.TaskID)
			if errors.Is(err, sql.ErrNoRows) {
				bad(i, "task_id", "no task %d", r.TaskID)
				continue
			}
			if err != nil {
				return fmt.Errorf("load task %d: %w", r.TaskID, err)
			}
			var prev storedResult
			err = tx.GetContext(ctx, &prev, tx.Rebind(`SELECT task_id, outcome, tested_on, report_no, failed_items FROM results WHERE task_id = ?`), r.TaskID)
			switch {
			case err == nil && prev.result() == r:
				continue // already stored: a retry
			case err == nil:
				problems = append(problems, Problem{Index: i, Field: "task_id", Conflict: true,
					Reason: fmt.Sprintf("task %d already has a different result (%s on %s)", r.TaskID, prev.Outcome, prev.TestedOn)})
				continue
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("load result of task %d: %w", r.TaskID, err)
			}
			if st.PlanStatus != sampling.PlanOpen {
				bad(i, "task_id", "task %d belongs to a plan that is %s, not open", r.TaskID, st.PlanStatus)
				continue
			}
			if err := sampling.CheckTransition(st.Status, sampling.TaskTested); err != nil {
				bad(i, "task_id", "task %d: %v", r.TaskID, err)
				continue
			}
			planDay := st.NominalTime.In(today.Location()).Format(time.DateOnly)
			if r.TestedOn < planDay {
				bad(i, "tested_on", "%s is before the task's plan was made (%s)", r.TestedOn, planDay)
				continue
			}
			if keys != nil && keys[i] != "" {
				var other storedResult
				err := tx.GetContext(ctx, &other, tx.Rebind(`SELECT task_id, outcome, tested_on, report_no, failed_items FROM results WHERE idempotency_key = ?`), keys[i])
				if err == nil {
					bad(i, "Idempotency-Key", "key was already used for a different result (task %d)", other.TaskID)
					continue
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("check idempotency key: %w", err)
				}
			}
			fresh = append(fresh, i)
		}
		if len(problems) > 0 {
			return &RejectedError{Problems: problems}
		}
		for _, i := range fresh {
			r, st := results[i], states[i]
			var key any
			if keys != nil && keys[i] != "" {
				key = keys[i]
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`
				INSERT INTO results (task_id, outcome, tested_on, report_no, failed_items, idempotency_key) VALUES (?, ?, ?, ?, ?, ?)`),
				r.TaskID, r.Outcome, r.TestedOn, r.ReportNo, r.FailedItems, key); err != nil {
				return fmt.Errorf("insert result of task %d: %w", r.TaskID, err)
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE tasks SET status = ? WHERE id = ?`), sampling.TaskTested, r.TaskID); err != nil {
				return fmt.Errorf("update task %d: %w", r.TaskID, err)
			}
			if err := insertTaskEvent(ctx, tx, r.TaskID, st.Status, sampling.TaskTested, actorOf(ctx), time.Time{}); err != nil {
				return err
			}
			failed := 0
			if r.Outcome == sampling.OutcomeFail {
				failed = 1
			}
			if _, err := tx.ExecContext(ctx, tx.Rebind(`
				INSERT INTO rollups (day, tier, industry, category, county, tested, failed) VALUES (?, ?, ?, ?, ?, 1, ?)
				ON CONFLICT (day, tier, industry, category, county)
				DO UPDATE SET tested = rollups.tested + 1, failed = rollups.failed + excluded.failed`),
				r.TestedOn, st.Tier, st.Industry, st.Category, st.County, failed); err != nil {
				return fmt.Errorf("update rollup: %w", err)
			}
		}
		stored = len(fresh)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return stored, nil
}

// checkResult validates a result on its own; a zero Problem means valid.
func checkResult(r sampling.Result, today time.Time) Problem {
	switch {
	case r.TaskID <= 0:
		return Problem{Field: "task_id", Reason: "must be a positive task id"}
	case r.Outcome != sampling.OutcomePass && r.Outcome != sampling.OutcomeFail:
		return Problem{Field: "outcome", Reason: fmt.Sprintf("%q is not pass or fail", r.Outcome)}
	case r.Outcome == sampling.OutcomeFail && strings.TrimSpace(r.FailedItems) == "":
		return Problem{Field: "failed_items", Reason: "a failed batch must name its failed items"}
	case r.Outcome == sampling.OutcomePass && strings.TrimSpace(r.FailedItems) != "":
		return Problem{Field: "failed_items", Reason: "a passed batch has no failed items"}
	}
	d, err := time.Parse(time.DateOnly, r.TestedOn)
	if err != nil {
		return Problem{Field: "tested_on", Reason: fmt.Sprintf("%q is not a date YYYY-MM-DD", r.TestedOn)}
	}
	if todayStr := today.Format(time.DateOnly); d.Format(time.DateOnly) > todayStr {
		return Problem{Field: "tested_on", Reason: fmt.Sprintf("%s is in the future (today is %s)", r.TestedOn, todayStr)}
	}
	return Problem{}
}

// Rollups returns the daily rollups from since (a date) on.
func (s *Store) Rollups(ctx context.Context, since time.Time) ([]sampling.Rollup, error) {
	var rows []struct {
		Day      string `db:"day"`
		Tier     string `db:"tier"`
		Industry string `db:"industry"`
		Category string `db:"category"`
		County   string `db:"county"`
		Tested   int    `db:"tested"`
		Failed   int    `db:"failed"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`SELECT day, tier, industry, category, county, tested, failed
		FROM rollups WHERE day >= ?`), since.Format(time.DateOnly)); err != nil {
		return nil, fmt.Errorf("load rollups: %w", err)
	}
	out := make([]sampling.Rollup, len(rows))
	for i, r := range rows {
		day, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			return nil, fmt.Errorf("load rollups: bad day %q: %w", r.Day, err)
		}
		out[i] = sampling.Rollup{Day: day, Tier: r.Tier, Industry: r.Industry, Category: r.Category, County: r.County, Tested: r.Tested, Failed: r.Failed}
	}
	return out, nil
}

// TaskCounts counts tasks by state; "overdue" counts assigned and sampled
// tasks whose due date is before today, and those are not also counted as "assigned".
func (s *Store) TaskCounts(ctx context.Context, today time.Time) (map[string]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`
		SELECT CASE WHEN status IN ('assigned', 'sampled') AND due < ? THEN 'overdue' ELSE status END AS state, count(*) AS n
		FROM tasks GROUP BY 1`), today.Format(time.DateOnly)); err != nil {
		return nil, fmt.Errorf("count tasks: %w", err)
	}
	m := map[string]int{"assigned": 0, "tested": 0, "overdue": 0}
	for _, r := range rows {
		m[r.State] = r.N
	}
	return m, nil
}
