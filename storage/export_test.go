package storage

import (
	"context"
	"fmt"
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
	_, err := s.db.ExecContext(ctx, `ALTER TABLE fires ADD COLUMN reason TEXT NOT NULL DEFAULT ''`)
	return err
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
