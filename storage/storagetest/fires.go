package storagetest

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/storage"
)

// Fires returns the ledger rows of schedule (all schedules when empty) with
// a nominal time at or after since, oldest first, read from the tables: the
// store itself offers only what the service reads (LastFires, RecentFires).
func Fires(ctx context.Context, s *storage.Store, schedule string, since time.Time) ([]storage.Fire, error) {
	db := sqlx.NewDb(s.DB(), s.Dialect())
	var fires []storage.Fire
	err := db.SelectContext(ctx, &fires, db.Rebind(`
		SELECT id, schedule, nominal_time, kind, status, message, reason, requested_by, started_at, recorded_at
		FROM fires WHERE (? = '' OR schedule = ?) AND nominal_time >= ? ORDER BY nominal_time, id`),
		schedule, schedule, since.UTC())
	if err != nil {
		return nil, fmt.Errorf("load fires: %w", err)
	}
	return fires, nil
}
