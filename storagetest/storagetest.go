// Package storagetest gives tests a fresh, migrated database on every
// backend: a SQLite file always, and PostgreSQL when SPOTCHECK_TEST_POSTGRES
// names a server.
package storagetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

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
	admin, err := sql.Open("postgres", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() { admin.Close() })
	b := make([]byte, 6)
	rand.Read(b)
	name := "spotcheck_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + pq.QuoteIdentifier(name)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated store on a fresh database of backend, closed when
// the test ends.
func Open(t testing.TB, backend string) *storage.Store {
	t.Helper()
	s, err := storage.Open(t.Context(), URL(t, backend), Logger(t))
	if err != nil {
		t.Fatalf("open %s store: %v", backend, err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate %s store: %v", backend, err)
	}
	return s
}

// Logger returns a logger that discards, or writes to the test log with -v.
func Logger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
