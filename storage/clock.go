package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Now returns the database's time. Replicas on one PostgreSQL take "now"
// from it, so that they agree on which fires are due and which are late
// whatever their own clocks say.
func (s *Store) Now(ctx context.Context) (time.Time, error) {
	t, err := dbNow(ctx, s.db)
	if err != nil {
		return time.Time{}, fmt.Errorf("read the database clock: %w", err)
	}
	return t, nil
}

// queryer is a database or a transaction.
type queryer interface {
	sqlx.QueryerContext
	DriverName() string
	Rebind(query string) string
}

// dbNow reads the clock of the database that q runs on.
func dbNow(ctx context.Context, q queryer) (time.Time, error) {
	var t time.Time
	if q.DriverName() == "postgres" {
		err := q.QueryRowxContext(ctx, `SELECT clock_timestamp()`).Scan(&t)
		return t.UTC(), err
	}
	// SQLite returns an expression's value as text.
	var text string
	if err := q.QueryRowxContext(ctx, `SELECT `+nowSQL(SQLite)).Scan(&text); err != nil {
		return t, err
	}
	return time.Parse(sqliteTimeLayout, text)
}

// sqliteTimeLayout is the layout of nowSQL's text on SQLite.
const sqliteTimeLayout = "2006-01-02 15:04:05.000-07:00"

// nowSQL is the SQL expression of the current time on the driver's
// database: the time of the statement, not of the transaction's start.
func nowSQL(driver string) string {
	if driver == "postgres" {
		return "clock_timestamp()"
	}
	return "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')"
}
