package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

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

// rejected is a *RejectedError of the field errors of one result.
func rejected(errs ...sampling.FieldError) *RejectedError {
	ps := make([]Problem, len(errs))
	for i, e := range errs {
		ps[i] = fieldProblem(0, e)
	}
	return &RejectedError{Problems: ps}
}

// Rollups returns the daily rollups from since (a date) on.
func (s *Store) Rollups(ctx context.Context, since time.Time) ([]sampling.Rollup, error) {
	return loadRollups(ctx, s.db, `SELECT day, tier, industry, category, county, state, tested, failed, w_tested, w_failed
		FROM rollups WHERE day >= ?`, since.Format(time.DateOnly))
}

// TaskCounts counts tasks by state; "overdue" counts assigned and sampled
// tasks whose due date is before today, and those are not also counted as
// "assigned". Such tasks belong to open plans: when a plan closes, its tasks
// without a result lapse. It sums TaskCountsBy over tiers, industries and
// counties.
func (s *Store) TaskCounts(ctx context.Context, today time.Time) (map[string]int, error) {
	counts, err := s.TaskCountsBy(ctx, today)
	if err != nil {
		return nil, err
	}
	m := map[string]int{"assigned": 0, "tested": 0, "overdue": 0, "lapsed": 0}
	for _, c := range counts {
		m[c.State] += c.N
	}
	return m, nil
}

// TaskCountsBy counts tasks by state, tier, industry and county, in the
// states of TaskCounts; every (tier, industry, county) that has tasks has a
// row for each of assigned, tested, overdue and lapsed, with 0 when none,
// so that the metric's series stay while their counts fall to 0. Rows come
// sorted by tier, industry, county and state.
//
// The states are taskStatus's, counted in two passes: the stored statuses
// of all tasks, then the tasks of open plans that a result has made tested
// (a plan stores its tasks' statuses when it closes, see ClosePlans).
func (s *Store) TaskCountsBy(ctx context.Context, today time.Time) ([]sampling.TaskCount, error) {
	state := `CASE WHEN ` + awaiting + ` AND t.due < ? THEN ` + sqlString(sampling.TaskOverdue) + ` ELSE t.status END`
	type row struct {
		State    string `db:"state"`
		Tier     string `db:"tier"`
		Industry string `db:"industry"`
		County   string `db:"county"`
		N        int    `db:"n"`
	}
	var stored, tested []row
	day := today.Format(time.DateOnly)
	if err := s.db.SelectContext(ctx, &stored, s.db.Rebind(`SELECT `+state+` AS state, t.tier, t.industry, t.county, count(*) AS n
		FROM tasks t GROUP BY 1, 2, 3, 4`), day); err != nil {
		return nil, fmt.Errorf("count tasks: %w", err)
	}
	if err := s.db.SelectContext(ctx, &tested, s.db.Rebind(`SELECT `+state+` AS state, t.tier, t.industry, t.county, count(*) AS n FROM tasks t
		WHERE t.plan_id IN (SELECT id FROM plans WHERE status = 'open') AND `+madeTested+`
		GROUP BY 1, 2, 3, 4`), day); err != nil {
		return nil, fmt.Errorf("count tested tasks: %w", err)
	}
	m := map[sampling.TaskCount]int{}
	add := func(state string, r row, n int) {
		m[sampling.TaskCount{State: state, Tier: r.Tier, Industry: r.Industry, County: r.County}] += n
		for _, st := range []string{sampling.TaskAssigned, sampling.TaskTested, sampling.TaskOverdue, sampling.TaskLapsed} {
			m[sampling.TaskCount{State: st, Tier: r.Tier, Industry: r.Industry, County: r.County}] += 0
		}
	}
	for _, r := range stored {
		add(r.State, r, r.N)
	}
	for _, r := range tested {
		add(r.State, r, -r.N)
		add(sampling.TaskTested, r, r.N)
	}
	out := make([]sampling.TaskCount, 0, len(m))
	for k, n := range m {
		k.N = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b sampling.TaskCount) int {
		return cmp.Or(cmp.Compare(a.Tier, b.Tier), cmp.Compare(a.Industry, b.Industry), cmp.Compare(a.County, b.County), cmp.Compare(a.State, b.State))
	})
	return out, nil
}
