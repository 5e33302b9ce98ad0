package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// MigrateTo migrates the database up or down to version, for tests of the
// migrations with data.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrations()
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return err
	}
	if current > version {
		_, err = p.DownTo(ctx, version)
	} else {
		_, err = p.UpTo(ctx, version)
	}
	return err
}

// TaskStateSQL evaluates the SQL of the task states for a task stored in
// status, with a result or without: the status shown, whether it awaits
// its result without one, and whether it is done.
func (s *Store) TaskStateSQL(ctx context.Context, status string, withResult bool) (shown string, untestedNow, done bool, err error) {
	result := "FALSE"
	if withResult {
		result = "TRUE"
	}
	expr := func(e string) string { return strings.ReplaceAll(e, hasResult, result) }
	q := `SELECT ` + expr(taskStatus) + `, ` + expr(untested) + `, ` + taskDone + ` FROM (SELECT ` + sqlString(status) + ` AS status) t`
	err = s.db.QueryRowxContext(ctx, q).Scan(&shown, &untestedNow, &done)
	return shown, untestedNow, done, err
}

// FinalizableSQL evaluates the SQL of finalizable for version v on day.
func (s *Store) FinalizableSQL(ctx context.Context, v sampling.ResultVersion, day string) (bool, error) {
	var ok bool
	err := s.db.QueryRowxContext(ctx, s.db.Rebind(`SELECT `+finalizableVersion+` FROM (SELECT CAST(? AS TEXT) AS state, CAST(? AS TEXT) AS objection_until, CAST(? AS TEXT) AS objected_on) r`),
		day, string(v.State), v.ObjectionUntil, v.ObjectedOn).Scan(&ok)
	return ok, err
}

// AddLaterColumns adds to a database migrated to an old version the columns
// of later migrations that today's code writes, so that a test can store
// data with today's code before migrating the rest of the way.
func (s *Store) AddLaterColumns(ctx context.Context) error {
	for _, ddl := range []string{
		`ALTER TABLE fires ADD COLUMN reason TEXT NOT NULL DEFAULT ''`,
		// Migration 12's tables, empty as for a database without plans.
		`CREATE TABLE task_tallies (plan_id BIGINT NOT NULL, due TEXT NOT NULL, tier TEXT NOT NULL, industry TEXT NOT NULL, county TEXT NOT NULL,
			status TEXT NOT NULL, with_result BOOLEAN NOT NULL, n BIGINT NOT NULL,
			PRIMARY KEY (plan_id, due, tier, industry, county, status, with_result))`,
		`CREATE TABLE snapshot_seq (id INTEGER PRIMARY KEY DEFAULT 1 CHECK (id = 1), seq BIGINT NOT NULL)`,
		`INSERT INTO snapshot_seq (seq) VALUES (0)`,
	} {
		if _, err := s.db.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	return nil
}

// LockWaiters counts the transactions waiting for an advisory lock, on
// PostgreSQL.
func (s *Store) LockWaiters(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`)
	return n, err
}

// CommitPlan is commitPlan, for tests that store a plan drawn already.
func (s *Store) CommitPlan(ctx context.Context, plan *sampling.Plan, requestedBy string) (bool, error) {
	return s.commitPlan(ctx, plan, requestedBy)
}

// TaskCountsByFromTasks is what TaskCountsBy did before the task tallies:
// it counts every task, for tests that check the tallies against it.
//
// It counts tasks by state, tier, industry and county, in the
// states of TaskCounts; every (tier, industry, county) that has tasks has a
// row for each of assigned, tested, overdue and lapsed, with 0 when none,
// so that the metric's series stay while their counts fall to 0. Rows come
// sorted by tier, industry, county and state.
//
// The states are taskStatus's, counted in two passes: the stored statuses
// of all tasks, then the tasks of open plans that a result has made tested
// (a plan stores its tasks' statuses when it closes, see ClosePlans).
func (s *Store) TaskCountsByFromTasks(ctx context.Context, today sampling.Day) ([]sampling.TaskCount, error) {
	state := `CASE WHEN ` + awaiting + ` AND t.due < ? THEN ` + sqlString(sampling.TaskOverdue) + ` ELSE t.status END`
	type row struct {
		State    string `db:"state"`
		Tier     string `db:"tier"`
		Industry string `db:"industry"`
		County   string `db:"county"`
		N        int    `db:"n"`
	}
	var stored, tested []row
	day := today
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

// PlanTaskCountsFromTasks is what PlanTaskCounts did before the task
// tallies: it counts the plans' tasks, for tests that check the tallies
// against it.
//
// It counts the tasks of each plan made at or after since by
// state (as TaskDetails shows it, without overdue), with the plan's
// schedule and nominal date in loc, for sampling.ComputeExecution.
//
// It counts in two passes, as TaskCounts does: the stored states, over the
// index on (plan_id, status), then the tasks of open plans that a result
// has made tested, found from the results. A closed plan stores its tasks'
// states, so only open plans need the second pass.
func (s *Store) PlanTaskCountsFromTasks(ctx context.Context, since time.Time, loc *time.Location) ([]sampling.PlanTaskCount, error) {
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
		day := sampling.DayOf(p.Nominal, loc)
		for _, st := range sampling.TaskStates() {
			if c := n[key{p.ID, st}]; c > 0 {
				out = append(out, sampling.PlanTaskCount{Schedule: p.Schedule, Day: day, Status: st, N: c, PlanOpen: p.Status == sampling.PlanOpen})
			}
		}
	}
	return out, nil
}

// RecountTallies counts the task tallies afresh from the tasks, as
// migration 12 does, for benchmarks that seed tasks and results with SQL.
func (s *Store) RecountTallies(ctx context.Context) error {
	for _, q := range []string{`DELETE FROM task_tallies`, `INSERT INTO task_tallies (` + tallyColumns + `)
		SELECT t.plan_id, t.due, t.tier, t.industry, t.county, t.status, ` + hasResult + `, count(*) FROM tasks t GROUP BY 1, 2, 3, 4, 5, 6, 7`} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("recount task tallies: %w", err)
		}
	}
	return nil
}

// RecordFire writes a ledger row for a fire that made no plan (missed,
// failed or skipped), as a crash or an old version might have left it. It
// returns false when the fire is already recorded. It takes no locks and
// does not look at the pause state: the service settles fires with Settle.
func (s *Store) RecordFire(ctx context.Context, f Fire) (bool, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		id, err = insertFire(ctx, tx, f)
		return err
	})
	return id != 0, err
}

// Fires returns the ledger rows of schedule (all schedules when empty) with
// a nominal time at or after since, oldest first.
func (s *Store) Fires(ctx context.Context, schedule string, since time.Time) ([]Fire, error) {
	var fires []Fire
	err := s.db.SelectContext(ctx, &fires, s.db.Rebind(`
		SELECT `+fireColumns+` FROM fires
		WHERE (? = '' OR schedule = ?) AND nominal_time >= ? ORDER BY nominal_time, id`), schedule, schedule, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("load fires: %w", err)
	}
	return fires, nil
}

// TaskCounts counts tasks by state; "overdue" counts assigned and sampled
// tasks whose due date is before today, and those are not also counted as
// "assigned". Such tasks belong to open plans: when a plan closes, its tasks
// without a result lapse. It sums TaskCountsBy over tiers, industries and
// counties.
func (s *Store) TaskCounts(ctx context.Context, today sampling.Day) (map[string]int, error) {
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
// states of TaskCounts. It reads the task tallies, not the tasks (see
// CountTasks, which says which rows it returns).
func (s *Store) TaskCountsBy(ctx context.Context, today sampling.Day) ([]sampling.TaskCount, error) {
	ts, err := loadTallies(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return CountTasks(ts, today), nil
}
