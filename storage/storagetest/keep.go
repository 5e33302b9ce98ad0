package storagetest

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/lib/pq"

	"spotcheck/storage"
)

// EnvKeep names the environment variable that keeps the databases
// SeedStore seeds on PostgreSQL: set (to anything), a Volume seeded once
// stays on the server as a database named spotcheck_bench_…, and every
// later benchmark of the same Volume, in this run or the next, works on a
// copy of it (CREATE DATABASE … TEMPLATE) instead of seeding its own: a
// copy of 10,000,000 tasks and results takes a minute or two, the seed
// half an hour. The name holds the Volume, the schema's migration version
// and a digest of the seed's statements, so a changed seed or schema seeds
// afresh. The kept databases stay until dropped by hand:
//
//	psql -c "SELECT datname FROM pg_database WHERE datname LIKE 'spotcheck_bench_%'"
//	psql -c 'DROP DATABASE spotcheck_bench_…'
const EnvKeep = "SPOTCHECK_BENCH_KEEP"

// SeedStore returns a migrated store on a fresh database of backend
// holding v (see Seed), closed and dropped when the test ends, and its open
// plan's tasks. On PostgreSQL with SPOTCHECK_BENCH_KEEP set, the database
// is a copy of a kept one (see EnvKeep), seeded first if there is none.
func SeedStore(tb testing.TB, backend string, v Volume) (*storage.Store, OpenTasks) {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if backend != storage.Postgres || os.Getenv(EnvKeep) == "" || base == "" {
		s := Open(tb, backend)
		return s, Seed(tb, s, v)
	}
	ctx := tb.Context()
	admin, err := sql.Open("postgres", base)
	if err != nil {
		tb.Fatalf("open %s: %v", EnvPostgres, err)
	}
	defer admin.Close()
	fresh := Open(tb, storage.Postgres) // migrated and empty
	var version int64
	var freshName string
	if err := fresh.DB().QueryRowContext(ctx, `SELECT max(version_id), current_database() FROM goose_db_version`).Scan(&version, &freshName); err != nil {
		tb.Fatalf("read the schema version: %v", err)
	}
	name := keptName(v, version)
	// One process at a time looks for a kept database of v and seeds it.
	lock, err := admin.Conn(ctx)
	if err != nil {
		tb.Fatalf("connect to %s: %v", EnvPostgres, err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		tb.Fatalf("lock the kept database %s: %v", name, err)
	}
	defer lock.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, name)
	var kept bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&kept); err != nil {
		tb.Fatalf("look for the kept database %s: %v", name, err)
	}
	if !kept {
		Seed(tb, fresh, v)
	}
	fresh.Close()
	if !kept {
		// Renamed only once seeded whole: a kept database is complete.
		if _, err := admin.ExecContext(ctx, `ALTER DATABASE `+pq.QuoteIdentifier(freshName)+` RENAME TO `+pq.QuoteIdentifier(name)); err != nil {
			tb.Fatalf("keep the seeded database as %s: %v", name, err)
		}
		tb.Logf("kept the seeded database %s for later runs (%s); drop it by hand when done", name, EnvKeep)
	}
	s, err := storage.Open(ctx, newDatabase(tb, base, name), Logger(tb))
	if err != nil {
		tb.Fatalf("open a copy of %s: %v", name, err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		tb.Fatalf("migrate a copy of %s: %v", name, err)
	}
	return s, openTasks(tb, s)
}

// keptName names the kept database of v at the schema's migration
// version: PostgreSQL allows 63 bytes.
func keptName(v Volume, version int64) string {
	sum := sha256.Sum256([]byte(strings.Join(seedSQL(v, true), ";\n")))
	past := "closed"
	if v.PastOpen {
		past = "open"
	}
	name := fmt.Sprintf("spotcheck_bench_%d_%d_%s_m%d_%s", v.Stored, v.Open, past, version, hex.EncodeToString(sum[:4]))
	if v.HeldObjection {
		name += "_held"
	}
	return name
}
