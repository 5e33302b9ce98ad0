package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/beacon"
	"spotcheck/publication"
	"spotcheck/sampling"
)

// ErrDrawn reports an announcement whose draw was made already: an
// announcement has exactly one draw, which made its plan or failed.
var ErrDrawn = errors.New("the announcement's plan was drawn already")

// AnnounceClaim is one fire of a schedule seeded by a public beacon, to
// settle by announcing its draw.
type AnnounceClaim struct {
	Schedule    string
	NominalTime time.Time
	Kind        string // sampling.KindScheduled, KindCatchUp or KindManual
	RequestedBy string
	// Design, LockWait and Now are as in Claim.
	Design   sampling.Design
	LockWait time.Duration
	Now      func() time.Time
	// Make freezes the draw record, which the transaction loaded, and
	// returns the signed announcement of it, following prev (nil for the
	// first) and made at at. It runs under the locks: no other
	// announcement is made meanwhile.
	Make func(rec sampling.DrawRecord, prev *publication.Announcement, at time.Time) (publication.Announcement, sampling.Frozen, error)
}

// Announcement is an announcement as stored: its place, its fire, when its
// beacon value is due, and what became of it.
type Announcement struct {
	Sequence    int64          `db:"sequence" json:"sequence"`
	FireID      int64          `db:"fire_id" json:"fire_id"`
	Schedule    string         `db:"schedule" json:"schedule"`
	NominalTime time.Time      `db:"nominal_time" json:"nominal_time"`
	Hash        string         `db:"hash" json:"hash"`
	Body        string         `db:"body" json:"-"`
	Frozen      string         `db:"frozen" json:"-"`
	BeaconKind  string         `db:"beacon_kind" json:"beacon_kind"`
	DueAt       time.Time      `db:"due_at" json:"due_at"`
	ValueJSON   sql.NullString `db:"beacon_value" json:"-"`
	PlanID      sql.NullInt64  `db:"plan_id" json:"-"`
	DrawnAt     sql.NullTime   `db:"drawn_at" json:"-"`
	// DrawError says why the plan could not be drawn with the beacon's
	// seed; the announcement then has a beacon value and no plan, for good.
	DrawError *string                  `db:"draw_error" json:"draw_error,omitempty"`
	Published publication.Announcement `db:"-" json:"announcement"`
	Value     *beacon.Value            `db:"-" json:"beacon_value,omitempty"`
}

// Awaiting reports whether the announcement still awaits its beacon value:
// its plan is neither drawn nor failed.
func (a *Announcement) Awaiting() bool { return !a.PlanID.Valid && a.DrawError == nil }

const announcementColumns = `sequence, fire_id, schedule, nominal_time, hash, body, frozen, beacon_kind, due_at, beacon_value, plan_id, drawn_at, draw_error`

// decode fills Published and Value from the stored JSON.
func (a *Announcement) decode() error {
	if err := json.Unmarshal([]byte(a.Body), &a.Published); err != nil {
		return fmt.Errorf("announcement %d: %w", a.Sequence, err)
	}
	if a.ValueJSON.Valid {
		a.Value = new(beacon.Value)
		if err := json.Unmarshal([]byte(a.ValueJSON.String), a.Value); err != nil {
			return fmt.Errorf("announcement %d beacon value: %w", a.Sequence, err)
		}
	}
	return nil
}

// Announced is what became of an announcing fire.
type Announced struct {
	Fire         Fire
	Announcement Announcement // when the fire was announced
	Fresh        bool         // this call wrote the ledger row
}

// Announce settles a fire of a beacon-seeded schedule in one transaction:
// the fire is locked as Settle does, then recorded (made, the announcement
// standing for its plan until the beacon value is known) together with the
// next announcement of the chain and the frozen draw input. A paused
// schedule's fire is skipped (a manual one returns ErrPaused). When the
// ledger already holds the fire, its row is returned with Fresh false.
func (s *Store) Announce(ctx context.Context, c AnnounceClaim) (Announced, error) {
	select {
	case s.settles <- struct{}{}:
		defer func() { <-s.settles }()
	case <-ctx.Done():
		return Announced{}, ctx.Err()
	}
	var out Announced
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		out, err = announce(ctx, tx, c)
		return err
	})
	if err != nil {
		return Announced{}, fmt.Errorf("announce %s fire of %s at %s: %w", c.Kind, c.Schedule, c.NominalTime.UTC().Format(time.RFC3339Nano), err)
	}
	return out, nil
}

func announce(ctx context.Context, tx *sqlx.Tx, c AnnounceClaim) (Announced, error) {
	if err := setLockWait(ctx, tx, c.LockWait); err != nil {
		return Announced{}, err
	}
	key := fireKey(c.Kind, c.NominalTime)
	if _, err := lock(ctx, tx, false, "fire", c.Schedule, key); err != nil {
		return Announced{}, err
	}
	var existing Fire
	err := tx.GetContext(ctx, &existing, tx.Rebind(`SELECT `+fireColumns+` FROM fires WHERE schedule = ? AND fire_key = ?`), c.Schedule, key)
	if err == nil {
		out := Announced{Fire: existing}
		var a Announcement
		switch err := tx.GetContext(ctx, &a, tx.Rebind(`SELECT `+announcementColumns+` FROM announcements WHERE fire_id = ?`), existing.ID); {
		case err == nil:
			if err := a.decode(); err != nil {
				return Announced{}, err
			}
			out.Announcement = a
		case !errors.Is(err, sql.ErrNoRows):
			return Announced{}, fmt.Errorf("look up the fire's announcement: %w", err)
		}
		return out, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Announced{}, fmt.Errorf("look up the fire: %w", err)
	}
	if _, err := lock(ctx, tx, false, "schedule", c.Schedule); err != nil {
		return Announced{}, err
	}
	f := Fire{Schedule: c.Schedule, NominalTime: c.NominalTime, Kind: c.Kind, Status: sampling.FireMade, RequestedBy: c.RequestedBy}
	state, err := scheduleState(ctx, tx, c.Schedule)
	if err != nil {
		return Announced{}, err
	}
	now, err := ledgerNow(ctx, tx, c.Now)
	if err != nil {
		return Announced{}, err
	}
	f.RecordedAt = now
	if state.Paused {
		if c.Kind == sampling.KindManual {
			return Announced{}, fmt.Errorf("%w: %s", ErrPaused, state.describe(nil))
		}
		f.Status, f.Message, f.Reason = sampling.FireSkipped, "schedule "+state.describe(nil), sampling.FireReasonPaused
		if f.ID, err = insertFire(ctx, tx, f); err != nil {
			return Announced{}, err
		}
		return Announced{Fire: f, Fresh: true}, nil
	}
	// One chain: announcements are appended one at a time.
	if _, err := lock(ctx, tx, false, "announcements"); err != nil {
		return Announced{}, err
	}
	var prev *publication.Announcement
	var last Announcement
	switch err := tx.GetContext(ctx, &last, `SELECT `+announcementColumns+` FROM announcements ORDER BY sequence DESC LIMIT 1`); {
	case err == nil:
		if err := last.decode(); err != nil {
			return Announced{}, err
		}
		prev = &last.Published
	case !errors.Is(err, sql.ErrNoRows):
		return Announced{}, fmt.Errorf("look up the last announcement: %w", err)
	}
	f.StartedAt = &now
	rec, err := drawRecord(ctx, tx, c.Design, c.NominalTime, false)
	if err != nil {
		return Announced{}, err
	}
	rec.Schedule, rec.Kind = c.Schedule, c.Kind
	pub, frozen, err := c.Make(rec, prev, now)
	if err != nil {
		return Announced{}, err
	}
	a := Announcement{Sequence: pub.Sequence, Schedule: c.Schedule, NominalTime: c.NominalTime.UTC(), Hash: pub.Hash(),
		BeaconKind: pub.Beacon.Kind, Published: pub}
	switch {
	case prev == nil && pub.Sequence != 1, prev != nil && (pub.Sequence != prev.Sequence+1 || pub.Previous != last.Hash):
		return Announced{}, fmt.Errorf("announcement %d does not follow the chain's last (%d)", pub.Sequence, last.Sequence)
	case pub.Beacon.Kind == beacon.KindDrand:
		a.DueAt = pub.Beacon.RoundTime.UTC()
	default:
		a.DueAt = pub.Beacon.ExpectedAt.UTC()
	}
	body, err := json.Marshal(pub)
	if err != nil {
		return Announced{}, fmt.Errorf("encode announcement: %w", err)
	}
	a.Body = string(body)
	if a.Frozen, err = storeBlob(ctx, tx, frozen.Record); err != nil {
		return Announced{}, fmt.Errorf("store the frozen draw input: %w", err)
	}
	f.Message = fmt.Sprintf("announcement %d; the plan awaits its beacon (%s)", a.Sequence, describeSource(pub.Beacon))
	if f.ID, err = insertFire(ctx, tx, f); err != nil {
		return Announced{}, err
	}
	if f.ID == 0 {
		return Announced{}, errors.New("the fire was recorded by another transaction while locked")
	}
	a.FireID = f.ID
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO announcements (sequence, fire_id, schedule, nominal_time, hash, body, frozen, beacon_kind, due_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), a.Sequence, a.FireID, a.Schedule, a.NominalTime, a.Hash, a.Body, a.Frozen, a.BeaconKind, a.DueAt); err != nil {
		return Announced{}, fmt.Errorf("insert announcement %d: %w", a.Sequence, err)
	}
	return Announced{Fire: f, Announcement: a, Fresh: true}, nil
}

// describeSource names a beacon source for ledger messages.
func describeSource(src publication.Source) string {
	if src.Kind == beacon.KindDrand {
		return fmt.Sprintf("drand %s round %d at %s", src.ChainName, src.Round, stamp(src.RoundTime))
	}
	return fmt.Sprintf("text %q in template %q, expected at %s", src.Description, src.Template, stamp(src.ExpectedAt))
}

// AnnouncementFilter selects announcements.
type AnnouncementFilter struct {
	Sequence int64 // only this one
	UpTo     int64 // only those up to this sequence
	Awaiting bool  // only those awaiting their beacon value (plan neither drawn nor failed)
	PlanID   int64 // only the one of this plan
}

// Announcements returns announcements in chain order.
func (s *Store) Announcements(ctx context.Context, f AnnouncementFilter) ([]Announcement, error) {
	q := `SELECT ` + announcementColumns + ` FROM announcements WHERE 1 = 1`
	var args []any
	if f.Sequence > 0 {
		q, args = q+` AND sequence = ?`, append(args, f.Sequence)
	}
	if f.UpTo > 0 {
		q, args = q+` AND sequence <= ?`, append(args, f.UpTo)
	}
	if f.Awaiting {
		q += ` AND plan_id IS NULL AND draw_error IS NULL`
	}
	if f.PlanID > 0 {
		q, args = q+` AND plan_id = ?`, append(args, f.PlanID)
	}
	var rows []Announcement
	if err := s.db.SelectContext(ctx, &rows, s.db.Rebind(q+` ORDER BY sequence`), args...); err != nil {
		return nil, fmt.Errorf("load announcements: %w", err)
	}
	for i := range rows {
		if err := rows[i].decode(); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// FrozenRecord returns the draw input announcement seq froze.
func (s *Store) FrozenRecord(ctx context.Context, a Announcement) (sampling.DrawRecord, error) {
	var rec sampling.DrawRecord
	if err := s.loadBlob(ctx, a.Frozen, &rec); err != nil {
		return rec, fmt.Errorf("load the frozen input of announcement %d: %w", a.Sequence, err)
	}
	return rec, nil
}

// DrawAnnounced stores plan, drawn from announcement seq's frozen input
// with the seed its beacon value v derives, as the announcement's one plan:
// under the announcement's lock, only when its draw was not made yet. It
// returns ErrDrawn (wrapped, with the plan's ID or the failure) otherwise.
// The plan commits with the beacon value and joins the fire's ledger row, or
// nothing does; so do its outbox messages, from notices when it is not nil
// (see Claim.Notices).
func (s *Store) DrawAnnounced(ctx context.Context, seq int64, v beacon.Value, plan *sampling.Plan, now func() time.Time,
	notices func(p sampling.Plan, now time.Time) []NewNotice) error {
	err := s.settleAnnounced(ctx, seq, v, now, func(tx *sqlx.Tx, ch *Change, a *Announcement, at time.Time) error {
		if err := insertPlan(ctx, tx, a.FireID, plan, ch); err != nil {
			return err
		}
		if notices != nil {
			if err := insertNotices(ctx, tx, plan.ID, notices(*plan, at), at); err != nil {
				return err
			}
		}
		if err := setAnnounced(ctx, tx, seq, `plan_id = ?`, plan.ID, v, at); err != nil {
			return err
		}
		msg := fmt.Sprintf("announcement %d; plan %d drawn at %s with its beacon value", seq, plan.ID, stamp(at))
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE fires SET message = ? WHERE id = ?`), msg, a.FireID); err != nil {
			return err
		}
		return numberChange(ctx, tx, ch)
	})
	if err != nil {
		return fmt.Errorf("draw the plan of announcement %d: %w", seq, err)
	}
	return nil
}

// FailAnnounced records that announcement seq's plan cannot be drawn with
// the seed its beacon value v derives, for the reason drawErr: the draw is a
// function of the frozen input and that seed, so drawing again fails the
// same way. Under the announcement's lock, only when its draw was not made
// yet (ErrDrawn otherwise), it stores the beacon value and the reason, and
// records the fire as failed (sampling.FireReasonDraw); it returns the
// fire as recorded. The announcement no longer awaits its beacon; the
// schedule's next fire draws anew.
func (s *Store) FailAnnounced(ctx context.Context, seq int64, v beacon.Value, drawErr error, now func() time.Time) (Fire, error) {
	reason := drawErr.Error()
	var f Fire
	err := s.settleAnnounced(ctx, seq, v, now, func(tx *sqlx.Tx, _ *Change, a *Announcement, at time.Time) error {
		if err := setAnnounced(ctx, tx, seq, `draw_error = ?`, reason, v, at); err != nil {
			return err
		}
		msg := fmt.Sprintf("announcement %d; its plan could not be drawn with its beacon value (%s): %s", seq, stamp(at), reason)
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE fires SET status = ?, reason = ?, message = ? WHERE id = ?`),
			sampling.FireFailed, sampling.FireReasonDraw, msg, a.FireID); err != nil {
			return err
		}
		return tx.GetContext(ctx, &f, tx.Rebind(`SELECT `+fireColumns+` FROM fires WHERE id = ?`), a.FireID)
	})
	if err != nil {
		return Fire{}, fmt.Errorf("record the failed draw of announcement %d: %w", seq, err)
	}
	return f, nil
}

// settleAnnounced runs settle in a transaction that holds announcement
// seq's lock and has found its draw not made yet (ErrDrawn otherwise, with
// the plan's ID or the failure), with the ledger's time.
func (s *Store) settleAnnounced(ctx context.Context, seq int64, v beacon.Value, now func() time.Time,
	settle func(tx *sqlx.Tx, ch *Change, a *Announcement, at time.Time) error) error {
	return s.inTxChange(ctx, func(tx *sqlx.Tx, ch *Change) error {
		if err := setLockWait(ctx, tx, 0); err != nil {
			return err
		}
		if _, err := lock(ctx, tx, false, "announcement", fmt.Sprint(seq)); err != nil {
			return err
		}
		var a Announcement
		if err := tx.GetContext(ctx, &a, tx.Rebind(`SELECT `+announcementColumns+` FROM announcements WHERE sequence = ?`), seq); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("announcement %d: %w", seq, ErrNotFound)
			}
			return err
		}
		switch {
		case a.PlanID.Valid:
			return fmt.Errorf("plan %d: %w", a.PlanID.Int64, ErrDrawn)
		case a.DrawError != nil:
			return fmt.Errorf("it failed: %s: %w", *a.DrawError, ErrDrawn)
		}
		at, err := ledgerNow(ctx, tx, now)
		if err != nil {
			return err
		}
		return settle(tx, ch, &a, at)
	})
}

// setAnnounced stores what became of announcement seq's draw (set, a plan
// or a failure, with its argument), with the beacon value v and the time.
func setAnnounced(ctx context.Context, tx *sqlx.Tx, seq int64, set string, arg any, v beacon.Value, at time.Time) error {
	value, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode beacon value: %w", err)
	}
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE announcements SET `+set+`, beacon_value = ?, drawn_at = ?
		WHERE sequence = ? AND plan_id IS NULL AND draw_error IS NULL`), arg, string(value), at, seq)
	if err != nil {
		return fmt.Errorf("record the draw of announcement %d: %w", seq, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("announcement %d: %w", seq, ErrDrawn)
	}
	return nil
}
