package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"spotcheck/sampling"
)

// ErrPaused reports a manual fire of a paused schedule.
var ErrPaused = errors.New("schedule is paused")

// ErrBusy reports a lock wait that timed out: another replica was making
// the same fire or a plan of the same schedule all along.
var ErrBusy = errors.New("another making of this schedule held its lock")

// Claim is one fire of a schedule to settle: to make its plan, or to record
// why none was made.
type Claim struct {
	Schedule    string
	NominalTime time.Time
	Kind        string // sampling.KindScheduled, KindCatchUp or KindManual
	// Status is sampling.FireMade to draw and commit a plan, or
	// sampling.FireMissed or sampling.FireFailed to record the fire with
	// Message. Pause and the overlap policy may settle it otherwise.
	Status      sampling.FireStatus
	Message     string
	Reason      string // why a fire not to make made no plan: one of sampling.FireReasons
	RequestedBy string
	// Overlap is sampling.OverlapBuffer (the default) or
	// sampling.OverlapSkip; manual fires always wait for a making in
	// progress.
	Overlap sampling.OverlapPolicy
	// Design is what a fire to make draws, and Seed its seed.
	Design sampling.Design
	Seed   sampling.Seed
	// LockWait bounds each wait for a lock held by another making; 30s
	// when zero. PostgreSQL only: on SQLite the transaction holds the
	// database's write lock and waits up to its busy timeout.
	LockWait time.Duration
	// Now is the ledger's clock; the database's when nil.
	Now func() time.Time
	// Notices, when set, returns the outbox messages of a made plan (whose
	// tasks have their ids) at now; they are written in the plan's
	// transaction, so that a plan is never stored without them.
	Notices func(p sampling.Plan, now time.Time) []NewNotice
	// Zone is where the ledger's messages show times (the schedule's);
	// UTC when nil.
	Zone *time.Location
	// BeforeCommit, when set, runs inside the transaction after the plan
	// is written and before it commits. It is a test hook: returning an
	// error rolls the plan back.
	BeforeCommit func(ctx context.Context) error
}

// Settled is what became of a claimed fire.
type Settled struct {
	Fire Fire          // the fire's ledger row
	Plan sampling.Plan // the plan, when this call made it
	// Fresh is true when this call wrote the ledger row, false when the
	// ledger already held the fire (another replica or an earlier run).
	Fresh bool
	// Announcement is set when the fire of a beacon-seeded schedule was
	// settled by announcing its draw (Announce): the plan comes later.
	Announcement *Announcement
}

// defaultLockWait bounds lock waits when the claim gives no bound.
const defaultLockWait = 30 * time.Second

// idleInTxTimeout ends, on PostgreSQL, the transaction of a replica that
// stopped talking (its machine died without closing the connection), so
// that its locks and unfinished plan do not hold up the other replicas.
const idleInTxTimeout = time.Minute

// Settle settles one fire in one transaction. It locks the fire, so that
// replicas settle it one at a time, and returns the ledger's row when the
// fire is already there. Otherwise it locks the schedule, so that two plans
// of one schedule are never made at once, and records the fire: skipped
// when the schedule is paused or the overlap policy says so, else as
// claimed. A fire to make is drawn while the locks are held, all in the
// one transaction: its draw record is loaded (as DrawRecord), draw makes
// the plan of it, and the plan, its tasks and the ledger row commit
// together, or nothing does. draw is a pure function of the record, such
// as sampling.DrawPlan; a claim without one cannot make a plan. A manual
// fire of a paused schedule returns ErrPaused.
//
// The store makes a few plans at once (one on SQLite, whose writers take
// turns anyway, so that makings queue here rather than on the database's
// busy timeout), leaving the rest of the pool to other work. The returned
// plan's Record is nil: PlanRecord reads it back from what was stored.
func (s *Store) Settle(ctx context.Context, c Claim, draw func(sampling.DrawRecord) (sampling.Plan, error)) (Settled, error) {
	select {
	case s.settles <- struct{}{}:
		defer func() { <-s.settles }()
	case <-ctx.Done():
		return Settled{}, ctx.Err()
	}
	var out Settled
	err := s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
		var err error
		out, err = settle(ctx, tx, c, draw, ch)
		return err
	})
	if err != nil {
		return Settled{}, fmt.Errorf("settle %s fire of %s at %s: %w", c.Kind, c.Schedule, c.NominalTime.UTC().Format(time.RFC3339Nano), err)
	}
	// The record holds the whole population; stored with the plan, it is
	// let go, so that a frame of a million units is garbage once the fire
	// is settled rather than when the caller drops the plan.
	out.Plan.Record = nil
	return out, nil
}

// settle settles the fire in tx; a plan it makes is noted in ch, the change
// the snapshot applies once tx commits.
func settle(ctx context.Context, tx *sqlx.Tx, c Claim, draw func(sampling.DrawRecord) (sampling.Plan, error), ch *Change) (Settled, error) {
	if err := setLockWait(ctx, tx, c.LockWait); err != nil {
		return Settled{}, err
	}
	key := fireKey(c.Kind, c.NominalTime)
	if _, err := lock(ctx, tx, false, "fire", c.Schedule, key); err != nil {
		return Settled{}, err
	}
	var existing Fire
	err := tx.GetContext(ctx, &existing, tx.Rebind(`SELECT `+fireColumns+` FROM fires WHERE schedule = ? AND fire_key = ?`), c.Schedule, key)
	if err == nil {
		return Settled{Fire: existing}, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Settled{}, fmt.Errorf("look up the fire: %w", err)
	}

	f := Fire{Schedule: c.Schedule, NominalTime: c.NominalTime, Kind: c.Kind, Status: c.Status, Message: c.Message, Reason: c.Reason, RequestedBy: c.RequestedBy}
	manual := c.Kind == sampling.KindManual
	// Only a fire to make can overlap a making: one recorded as missed or
	// failed waits for the schedule's lock (which pauses take too) however
	// the overlap policy reads, and keeps its own reason.
	got, err := lock(ctx, tx, !manual && c.Overlap == sampling.OverlapSkip && c.Status == sampling.FireMade, "schedule", c.Schedule)
	if err != nil {
		return Settled{}, err
	}
	if !got {
		f.Status, f.Reason = sampling.FireSkipped, sampling.FireReasonOverlap
		f.Message = "another plan of the schedule was being made when it was settled; overlap policy skip"
	} else {
		state, err := scheduleState(ctx, tx, c.Schedule)
		if err != nil {
			return Settled{}, err
		}
		switch {
		case state.Paused && manual:
			return Settled{}, fmt.Errorf("%w: %s", ErrPaused, state.describe(c.Zone))
		case state.Paused:
			f.Status, f.Message, f.Reason = sampling.FireSkipped, "schedule "+state.describe(c.Zone), sampling.FireReasonPaused
		case !manual:
			if err := applyOverlap(ctx, tx, &f, c.Overlap, draw != nil && f.Status != sampling.FireFailed, c.Zone); err != nil {
				return Settled{}, err
			}
		}
	}

	now, err := ledgerNow(ctx, tx, c.Now)
	if err != nil {
		return Settled{}, err
	}
	f.RecordedAt = now
	if f.Status != sampling.FireMade {
		if f.ID, err = insertFire(ctx, tx, f); err != nil {
			return Settled{}, err
		}
		return Settled{Fire: f, Fresh: true}, nil
	}
	f.StartedAt = &now
	rec, err := drawRecord(ctx, tx, c.Design, c.NominalTime, true)
	if err != nil {
		return Settled{}, err
	}
	rec.Schedule, rec.Kind, rec.Seed = c.Schedule, c.Kind, c.Seed
	plan, err := draw(rec)
	if err != nil {
		return Settled{}, err
	}
	if err := nameTasks(ctx, tx, plan.Tasks); err != nil {
		return Settled{}, err
	}
	if f.ID, err = insertFire(ctx, tx, f); err != nil {
		return Settled{}, err
	}
	if f.ID == 0 {
		// The fire lock makes this unreachable; the unique key still guards.
		return Settled{}, errors.New("the fire was recorded by another transaction while locked")
	}
	if err := insertPlan(ctx, tx, f.ID, &plan, ch); err != nil {
		return Settled{}, err
	}
	if c.Notices != nil {
		if err := insertNotices(ctx, tx, plan.ID, c.Notices(plan, now), now); err != nil {
			return Settled{}, err
		}
	}
	if c.BeforeCommit != nil {
		if err := c.BeforeCommit(ctx); err != nil {
			return Settled{}, err
		}
	}
	// Settled when written in full: the overlap policy compares the next
	// fires' nominal times with this.
	if f.RecordedAt, err = ledgerNow(ctx, tx, c.Now); err != nil {
		return Settled{}, err
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE fires SET recorded_at = ? WHERE id = ?`), f.RecordedAt, f.ID); err != nil {
		return Settled{}, fmt.Errorf("stamp the fire: %w", err)
	}
	// Last, after BeforeCommit too: the change's number locks a row every
	// write that reports a change takes.
	if err := numberChange(ctx, tx, ch); err != nil {
		return Settled{}, err
	}
	return Settled{Fire: f, Plan: plan, Fresh: true}, nil
}

// applyOverlap settles f by the overlap policy when it came due while the
// schedule's previous plan was being made: the newest making that had begun
// by f's nominal time was still unfinished then. With buffer the first fire
// that came due during that making is made (when it can be drawn), the rest
// are skipped; with skip all are skipped.
func applyOverlap(ctx context.Context, tx *sqlx.Tx, f *Fire, policy sampling.OverlapPolicy, canMake bool, loc *time.Location) error {
	var prev Fire
	err := tx.GetContext(ctx, &prev, tx.Rebind(`SELECT `+fireColumns+` FROM fires
		WHERE schedule = ? AND status = 'made' AND started_at IS NOT NULL AND started_at <= ?
		ORDER BY started_at DESC LIMIT 1`), f.Schedule, f.NominalTime.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up the previous making: %w", err)
	}
	if !prev.RecordedAt.After(f.NominalTime) {
		return nil
	}
	during := fmt.Sprintf("came due while the plan of the %s fire was being made (%s to %s)",
		stampIn(prev.NominalTime, loc), stampIn(*prev.StartedAt, loc), stampIn(prev.RecordedAt, loc))
	if policy == sampling.OverlapSkip {
		f.Status, f.Message, f.Reason = sampling.FireSkipped, during+"; overlap policy skip", sampling.FireReasonOverlap
		return nil
	}
	var first Fire
	err = tx.GetContext(ctx, &first, tx.Rebind(`SELECT `+fireColumns+` FROM fires
		WHERE schedule = ? AND kind <> 'manual' AND id <> ? AND nominal_time >= ? AND nominal_time < ?
		ORDER BY nominal_time LIMIT 1`), f.Schedule, prev.ID, prev.StartedAt.UTC(), f.NominalTime.UTC())
	switch {
	case err == nil:
		f.Status, f.Reason = sampling.FireSkipped, sampling.FireReasonOverlap
		f.Message = during + fmt.Sprintf("; the %s fire was buffered already (overlap policy buffer holds one)", stampIn(first.NominalTime, loc))
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("look up a buffered fire: %w", err)
	case canMake:
		f.Status, f.Message = sampling.FireMade, during+"; made after it (overlap policy buffer)"
	}
	return nil
}

// stamp formats t for ledger messages.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// stampIn formats t for ledger messages in loc, with its offset; in UTC
// when loc is nil.
func stampIn(t time.Time, loc *time.Location) string {
	if loc == nil {
		return stamp(t)
	}
	return t.In(loc).Format("2006-01-02T15:04:05.000Z07:00")
}

// ledgerNow is the time to record: now's, or the database's when now is nil.
func ledgerNow(ctx context.Context, tx *sqlx.Tx, now func() time.Time) (time.Time, error) {
	if now != nil {
		return now().UTC(), nil
	}
	t, err := dbNow(ctx, tx)
	if err != nil {
		return t, fmt.Errorf("read the database clock: %w", err)
	}
	return t, nil
}

// setLockWait bounds the transaction's lock waits and idle time on
// PostgreSQL.
func setLockWait(ctx context.Context, tx *sqlx.Tx, wait time.Duration) error {
	if tx.DriverName() != "postgres" {
		return nil
	}
	if wait <= 0 {
		wait = defaultLockWait
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d; SET LOCAL idle_in_transaction_session_timeout = %d`,
		max(wait.Milliseconds(), 1), idleInTxTimeout.Milliseconds()))
	if err != nil {
		return fmt.Errorf("set lock timeout: %w", err)
	}
	return nil
}

// lock takes a transaction-scoped advisory lock named by parts on
// PostgreSQL, waiting for it unless try is set; it reports whether the lock
// was taken. Transaction-scoped locks suit a connection pool: the commit or
// rollback, or the end of the backend, releases them. On SQLite the
// transaction already holds the database's write lock.
func lock(ctx context.Context, tx *sqlx.Tx, try bool, parts ...string) (bool, error) {
	if tx.DriverName() != "postgres" {
		return true, nil
	}
	key := "spotcheck/" + strings.Join(parts, "/")
	if try {
		var got bool
		if err := tx.QueryRowxContext(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))`, key).Scan(&got); err != nil {
			return false, fmt.Errorf("lock %s: %w", key, err)
		}
		return got, nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
		var pe *pq.Error
		if errors.As(err, &pe) && pe.Code == "55P03" { // lock_not_available
			return false, fmt.Errorf("lock %s: %w", key, ErrBusy)
		}
		return false, fmt.Errorf("lock %s: %w", key, err)
	}
	return true, nil
}
