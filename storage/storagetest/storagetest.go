// Package storagetest gives tests a fresh, migrated database on every
// backend: a SQLite file always, and PostgreSQL when SPOTCHECK_TEST_POSTGRES
// names a server.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"spotcheck/storage"
)

// EnvPostgres names the environment variable holding the URL of a
// PostgreSQL server for tests, such as
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. Each test gets
// a database of its own there, dropped afterwards.
const EnvPostgres = "SPOTCHECK_TEST_POSTGRES"

// Backends returns the backends to run storage tests on.
func Backends() []string { return []string{storage.SQLite, storage.Postgres} }

// URL returns the URL of a fresh, empty database on backend, removed when
// the test ends. Without SPOTCHECK_TEST_POSTGRES, PostgreSQL tests are
// skipped, or fail when CI is set: CI must test both backends.
func URL(t testing.TB, backend string) string {
	t.Helper()
	if backend == storage.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "spotcheck.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests", EnvPostgres)
		}
		t.Skipf("PostgreSQL tests skipped: set %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run them", EnvPostgres)
	}
	return newDatabase(t, base, "")
}

// newDatabase creates a database named spotcheck_test_ and a random suffix
// on the PostgreSQL server of base, a copy of template if one is named,
// dropped when the test ends, and returns its URL.
func newDatabase(t testing.TB, base, template string) string {
	t.Helper()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "spotcheck_test_" + hex.EncodeToString(b)
	create := "CREATE DATABASE " + pq.QuoteIdentifier(name)
	if template != "" {
		// FILE_COPY copies the template's files as they are, much faster
		// than WAL_LOG's page by page for a database of gigabytes.
		create += " TEMPLATE " + pq.QuoteIdentifier(template) + " STRATEGY FILE_COPY"
	}
	if _, err := admin.Exec(create); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return databaseURL(t, base, name)
}

// databaseURL returns base with its database replaced by name.
func databaseURL(t testing.TB, base, name string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated store on a fresh database of backend, with the
// policies opts give, closed when the test ends.
func Open(t testing.TB, backend string, opts ...storage.Option) *storage.Store {
	t.Helper()
	s, err := storage.Open(t.Context(), URL(t, backend), Logger(t), opts...)
	if err != nil {
		t.Fatalf("open %s store: %v", backend, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate %s store: %v", backend, err)
	}
	return s
}

// Logger returns a logger that discards, or writes to the test log with -v
// (but not a fuzz test's).
func Logger(t testing.TB) *slog.Logger {
	// A fuzz target may not log through its *testing.F.
	if _, fuzz := t.(*testing.F); testing.Verbose() && !fuzz {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// Dump renders every row of every table of the store's database but those
// in skip, sorted, so that a test can assert that a rejected input changed
// nothing. (The tokens table records each token's last use, which any
// authenticated request changes.)
func Dump(t testing.TB, s *storage.Store, skip ...string) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`
	if s.Dialect() == storage.SQLite {
		q = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`
	}
	var tables []string
	rows, err := s.DB().QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(skip, name) {
			tables = append(tables, name)
		}
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		rows, err := s.DB().QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				switch v := v.(type) {
				case []byte:
					vals[i] = strconv.Quote(string(v))
				case string:
					vals[i] = strconv.Quote(v)
				}
			}
			lines = append(lines, fmt.Sprintf("%s %v", table, vals))
		}
		rows.Close()
		sort.Strings(lines)
		fmt.Fprintf(&b, "%s: %d rows\n%s\n", table, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// HostZones runs test as if the host's own zone (TZ) were UTC, then
// America/New_York: what spotcheck shows must not depend on it. It sets
// time.Local for the duration, so the tests that call it must not run in
// parallel.
func HostZones(t *testing.T, test func(t *testing.T)) {
	for _, name := range []string{"UTC", "America/New_York"} {
		t.Run("TZ="+name, func(t *testing.T) {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("TZ", name)
			saved := time.Local
			time.Local = loc
			t.Cleanup(func() { time.Local = saved })
			test(t)
		})
	}
}
