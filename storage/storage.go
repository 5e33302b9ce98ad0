// Package storage persists spotcheck's registry, fire ledger, plans, results
// and rollups with sqlx, on SQLite (the embedded default) or PostgreSQL.
package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	// The SQLite driver registers itself as "sqlite"; database/sql offers
	// no other way to reach it.
	_ "modernc.org/sqlite"
)

// Dialects a Store runs on.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

//go:embed migrations
var migrations embed.FS

// ErrNotFound reports that a plan, task or other stored row does not exist.
var ErrNotFound = errors.New("not found")

// Store is spotcheck's database.
type Store struct {
	db      *sqlx.DB
	dialect string
	path    string // the SQLite file
	logger  *slog.Logger
	policy  ResultPolicy
	// settles bounds the plans made at once; see Settle.
	settles chan struct{}
	// watchers are told of each change to the snapshot's data.
	watchers *watchers
}

// Option sets a policy of a Store when it is opened.
type Option func(*Store)

// WithResultPolicy gives the store how results age and the clock of its
// audit entries. Without it every industry has 15 days to object and the
// clock is time.Now.
func WithResultPolicy(p ResultPolicy) Option {
	return func(s *Store) { s.policy = p }
}

// Open connects to the database named by dsn: "sqlite:PATH" or a
// postgres:// or postgresql:// URL, with the policies opts give. It does
// not migrate; call Migrate.
func Open(ctx context.Context, dsn string, logger *slog.Logger, opts ...Option) (*Store, error) {
	var db *sqlx.DB
	var dialect, path string
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path = strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
		if path == "" {
			return nil, fmt.Errorf("database %q: sqlite needs a file path, such as sqlite:spotcheck.db", dsn)
		}
		// WAL lets readers run beside the writer; immediate transactions
		// take the write lock up front so that concurrent writers wait
		// (busy_timeout) instead of failing on upgrade. The wait is long
		// (30 s) because a command such as schedule resume, run beside
		// serve, competes with serve's writers for the one write lock, and
		// on a busy host 10 s were seen to run out.
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(30000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
		q.Set("_time_format", "sqlite")
		conn, err := sqlx.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		db, dialect = conn, SQLite
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		connector, err := pq.NewConnector(dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", redact(err, dsn))
		}
		db, dialect = sqlx.NewDb(sql.OpenDB(connector), "postgres"), Postgres
		db.SetMaxOpenConns(10)
	default:
		return nil, fmt.Errorf("database %q: want sqlite:PATH or a postgres:// URL", Redact(dsn))
	}
	makings := 4 // of PostgreSQL's pool of 10 connections
	if dialect == SQLite {
		makings = 1
	}
	s := &Store{db: db, dialect: dialect, path: path, logger: logger.With("component", "storage"), settles: make(chan struct{}, makings), watchers: &watchers{}}
	for _, o := range opts {
		o(s)
	}
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dialect returns SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// DB returns the underlying pool, for pool statistics.
func (s *Store) DB() *sql.DB { return s.db.DB }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s database: %w", s.dialect, err)
	}
	return nil
}

// Migrate applies the embedded migrations that the database lacks.
func (s *Store) Migrate(ctx context.Context) error {
	p, err := s.migrations()
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		s.logger.Info("migration applied", "version", r.Source.Version, "duration", r.Duration)
	}
	return nil
}

// migrations returns the goose provider of the embedded migrations.
func (s *Store) migrations() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	p, err := goose.NewProvider(dialect, s.db.DB, sub)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return p, nil
}

// Redact hides the password of a database URL, for messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func redact(err error, dsn string) error {
	if u, perr := url.Parse(dsn); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
		}
	}
	return err
}

// inConnTx is inTx on a connection of its own, which fn may reach below
// database/sql while the transaction waits (see stage).
func (s *Store) inConnTx(ctx context.Context, fn func(conn *sqlx.Conn, tx *sqlx.Tx) error) error {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return endTx(tx, fn(conn, tx))
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return endTx(tx, fn(tx))
}

// endTx commits tx when err, what its work returned, is nil, and rolls it
// back otherwise.
func endTx(tx *sqlx.Tx, err error) error {
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
