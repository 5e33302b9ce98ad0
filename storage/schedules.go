package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ScheduleState is a schedule's pause state, which every replica reads from
// the database.
type ScheduleState struct {
	Schedule  string    `db:"schedule" json:"schedule"`
	Paused    bool      `db:"paused" json:"paused"`
	Reason    string    `db:"reason" json:"reason,omitempty"`
	ChangedBy string    `db:"changed_by" json:"changed_by,omitempty"`
	ChangedAt time.Time `db:"changed_at" json:"changed_at,omitzero"` // zero when never paused
}

// describe says who paused the schedule, when (in loc; UTC when nil) and
// why.
func (st ScheduleState) describe(loc *time.Location) string {
	return fmt.Sprintf("paused by %s at %s: %s", st.ChangedBy, stampIn(st.ChangedAt, loc), st.Reason)
}

// scheduleState returns the state of schedule; active when it has no row.
func scheduleState(ctx context.Context, q queryer, schedule string) (ScheduleState, error) {
	var st ScheduleState
	err := sqlx.GetContext(ctx, q, &st, q.Rebind(`
		SELECT schedule, paused, reason, changed_by, changed_at FROM schedule_states WHERE schedule = ?`), schedule)
	if errors.Is(err, sql.ErrNoRows) {
		return ScheduleState{Schedule: schedule}, nil
	}
	if err != nil {
		return st, fmt.Errorf("load state of schedule %s: %w", schedule, err)
	}
	return st, nil
}

// ScheduleStates returns the state of every schedule that was ever paused.
func (s *Store) ScheduleStates(ctx context.Context) (map[string]ScheduleState, error) {
	var rows []ScheduleState
	if err := s.db.SelectContext(ctx, &rows, `SELECT schedule, paused, reason, changed_by, changed_at FROM schedule_states`); err != nil {
		return nil, fmt.Errorf("load schedule states: %w", err)
	}
	m := make(map[string]ScheduleState, len(rows))
	for _, r := range rows {
		m[r.Schedule] = r
	}
	return m, nil
}

// SetPaused pauses or resumes schedule on behalf of by, and returns its
// state before and after. It waits for a plan of the schedule being made
// (on PostgreSQL, up to 30s), so that the change applies to every fire
// settled after it returns. Changing to the state the schedule is in
// changes nothing but the reason of a pause.
func (s *Store) SetPaused(ctx context.Context, schedule string, paused bool, reason, by string) (before, after ScheduleState, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := setLockWait(ctx, tx, defaultLockWait); err != nil {
			return err
		}
		if _, err := lock(ctx, tx, false, "schedule", schedule); err != nil {
			return err
		}
		if before, err = scheduleState(ctx, tx, schedule); err != nil {
			return err
		}
		if before.Paused == paused && (!paused || before.Reason == reason) {
			after = before
			return nil
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`
			INSERT INTO schedule_states (schedule, paused, reason, changed_by, changed_at)
			VALUES (?, ?, ?, ?, `+nowSQL(tx.DriverName())+`)
			ON CONFLICT (schedule) DO UPDATE SET paused = excluded.paused, reason = excluded.reason,
				changed_by = excluded.changed_by, changed_at = excluded.changed_at`),
			schedule, paused, reason, by); err != nil {
			return fmt.Errorf("store state: %w", err)
		}
		after, err = scheduleState(ctx, tx, schedule)
		return err
	})
	if err != nil {
		verb := "resume"
		if paused {
			verb = "pause"
		}
		return before, after, fmt.Errorf("%s schedule %s: %w", verb, schedule, err)
	}
	return before, after, nil
}

// StartSchedule returns when replicas first ran schedule, recording now
// (the database's time when now is nil) if none did before. A schedule with
// no fires in the ledger starts from there: replicas that start at
// different times agree on its first fire, even while another replica
// holds that fire's plan open.
func (s *Store) StartSchedule(ctx context.Context, schedule string, now func() time.Time) (time.Time, error) {
	var at any
	if now != nil {
		at = now().UTC()
	}
	var started time.Time
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schedule_starts (schedule, started_at)
			VALUES (?, COALESCE(?, `+nowSQL(tx.DriverName())+`)) ON CONFLICT (schedule) DO NOTHING`), schedule, at); err != nil {
			return err
		}
		return tx.GetContext(ctx, &started, tx.Rebind(`SELECT started_at FROM schedule_starts WHERE schedule = ?`), schedule)
	})
	if err != nil {
		return started, fmt.Errorf("start schedule %s: %w", schedule, err)
	}
	return started, nil
}
