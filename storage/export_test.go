package storage

import "context"

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
