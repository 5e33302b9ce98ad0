package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// Fire is one row of the fire ledger: what became of one fire of a schedule.
type Fire struct {
	ID          int64               `db:"id" json:"id"`
	Schedule    string              `db:"schedule" json:"schedule"`
	NominalTime time.Time           `db:"nominal_time" json:"nominal_time"`
	Kind        string              `db:"kind" json:"kind"`
	Status      sampling.FireStatus `db:"status" json:"status"`
	Message     string              `db:"message" json:"message,omitempty"`
	// Reason is why a fire made no plan, one of sampling.FireReasons;
	// empty for a made fire and for fires recorded before reasons were.
	Reason      string `db:"reason" json:"reason,omitempty"`
	RequestedBy string `db:"requested_by" json:"requested_by,omitempty"`
	// StartedAt is when the making of the plan began, once its locks were
	// held; nil for fires that made no plan.
	StartedAt *time.Time `db:"started_at" json:"started_at,omitempty"`
	// RecordedAt is when the fire was settled, by the ledger's clock (the
	// database's).
	RecordedAt time.Time `db:"recorded_at" json:"recorded_at"`
}

const fireColumns = `id, schedule, nominal_time, kind, status, message, reason, requested_by, started_at, recorded_at`

// fireKey is the ledger's identity of a fire within its schedule. Scheduled
// and catch-up fires share the nominal time, so a fire is made once whatever
// path reaches it; a manual fire has a key of its own and never collides.
func fireKey(kind string, nominal time.Time) string {
	k := nominal.UTC().Format(time.RFC3339Nano)
	if kind == sampling.KindManual {
		return "manual/" + k
	}
	return k
}

// insertFire adds a ledger row and returns its id, or 0 when the fire is
// already in the ledger. The unique key on (schedule, fire_key) makes a
// concurrent writer wait for the first and then find the row. A zero
// RecordedAt is filled in by the database. A reason that is not one of the
// codes the operators' documentation lists (sampling.FireReasons) is
// refused.
func insertFire(ctx context.Context, tx *sqlx.Tx, f Fire) (int64, error) {
	if f.Reason != "" && !slices.Contains(sampling.FireReasons(), f.Reason) {
		return 0, fmt.Errorf("record fire of %s: reason %q is not one of %s", f.Schedule, f.Reason, strings.Join(sampling.FireReasons(), ", "))
	}
	var recorded, started any
	if !f.RecordedAt.IsZero() {
		recorded = f.RecordedAt.UTC()
	}
	if f.StartedAt != nil {
		started = f.StartedAt.UTC()
	}
	var id int64
	err := tx.QueryRowxContext(ctx, tx.Rebind(`
		INSERT INTO fires (schedule, fire_key, nominal_time, kind, status, message, reason, requested_by, started_at, recorded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, `+nowSQL(tx.DriverName())+`))
		ON CONFLICT (schedule, fire_key) DO NOTHING RETURNING id`),
		f.Schedule, fireKey(f.Kind, f.NominalTime), f.NominalTime.UTC(), f.Kind, f.Status, f.Message, f.Reason, f.RequestedBy,
		started, recorded).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("record fire of %s: %w", f.Schedule, err)
	}
	return id, nil
}

// RecentFires returns up to limit of the newest ledger rows of schedule,
// newest first.
func (s *Store) RecentFires(ctx context.Context, schedule string, limit int) ([]Fire, error) {
	var fires []Fire
	err := s.db.SelectContext(ctx, &fires, s.db.Rebind(`
		SELECT `+fireColumns+` FROM fires WHERE schedule = ? ORDER BY nominal_time DESC, id DESC LIMIT ?`), schedule, limit)
	if err != nil {
		return nil, fmt.Errorf("load fires of %s: %w", schedule, err)
	}
	return fires, nil
}

// LastFires returns each schedule's newest non-manual ledger row.
func (s *Store) LastFires(ctx context.Context) (map[string]Fire, error) {
	var fires []Fire
	err := s.db.SelectContext(ctx, &fires, `
		SELECT `+fireColumns+` FROM fires f
		WHERE kind <> 'manual' AND nominal_time = (
			SELECT max(nominal_time) FROM fires g WHERE g.schedule = f.schedule AND g.kind <> 'manual')`)
	if err != nil {
		return nil, fmt.Errorf("load last fires: %w", err)
	}
	m := make(map[string]Fire, len(fires))
	for _, f := range fires {
		m[f.Schedule] = f
	}
	return m, nil
}

// LastSuccesses returns, per schedule, when its newest plan was recorded.
func (s *Store) LastSuccesses(ctx context.Context) (map[string]time.Time, error) {
	var rows []struct {
		Schedule string    `db:"schedule"`
		At       time.Time `db:"at"`
	}
	// Scan the newest row per schedule rather than max(): SQLite returns
	// aggregates of timestamps as text.
	err := s.db.SelectContext(ctx, &rows, `
		SELECT schedule, recorded_at AS at FROM fires f WHERE status = 'made' AND id = (
			SELECT max(id) FROM fires g WHERE g.schedule = f.schedule AND g.status = 'made')`)
	if err != nil {
		return nil, fmt.Errorf("load last successes: %w", err)
	}
	m := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		m[r.Schedule] = r.At
	}
	return m, nil
}

// FireCounts returns, per schedule and status, how many fires with a
// nominal time at or after since the ledger holds.
func (s *Store) FireCounts(ctx context.Context, since time.Time) (map[string]map[string]int, error) {
	var rows []struct {
		Schedule string `db:"schedule"`
		Status   string `db:"status"`
		N        int    `db:"n"`
	}
	err := s.db.SelectContext(ctx, &rows, s.db.Rebind(`
		SELECT schedule, status, count(*) AS n FROM fires WHERE nominal_time >= ? GROUP BY schedule, status`), since.UTC())
	if err != nil {
		return nil, fmt.Errorf("count fires: %w", err)
	}
	m := map[string]map[string]int{}
	for _, r := range rows {
		if m[r.Schedule] == nil {
			m[r.Schedule] = map[string]int{}
		}
		m[r.Schedule][r.Status] = r.N
	}
	return m, nil
}
