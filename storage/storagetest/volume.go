package storagetest

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// Volume is a database at scale for benchmarks: Stored tasks of past plans
// with one final result each, and one open plan of Open tasks awaiting
// their results.
type Volume struct {
	Stored int
	Open   int
	// PastOpen leaves the past plans open (their tasks tested, none
	// closed), so that every stored task belongs to an open plan.
	PastOpen bool
	// HeldObjection makes the first stored result provisional with an
	// objection pending, as a result whose enterprise objected and whose
	// retest never came: it stays provisional for ever (the worst case for
	// a finalization that reads from its oldest provisional result on).
	HeldObjection bool
}

// Volumes returns the volumes the write and refresh benchmarks run at:
// 2,000 stored tasks and an open plan of 200 by default, or the sizes in
// SPOTCHECK_BENCH_STORED and SPOTCHECK_BENCH_OPEN (10,000,000 and 100,000
// for the full size in docs/benchmarks.md); each once with the past plans
// closed and once with them open.
func Volumes(tb testing.TB) []Volume {
	tb.Helper()
	stored, open := EnvSize(tb, "SPOTCHECK_BENCH_STORED", 2000, 1), EnvSize(tb, "SPOTCHECK_BENCH_OPEN", 200, 1)
	return []Volume{{Stored: stored, Open: open}, {Stored: stored, Open: open, PastOpen: true}}
}

// Name names v for a sub-benchmark.
func (v Volume) Name() string {
	past := "closed"
	if v.PastOpen {
		past = "open"
	}
	return fmt.Sprintf("stored=%d/open=%d/past-plans=%s", v.Stored, v.Open, past)
}

// VolumeToday is the day a Volume's data ends: its results were tested
// before it, and its open plan was made the day before.
var VolumeToday = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

// Seed fills the empty database of s with v set-wise, as a bulk load would
// (generate_series on PostgreSQL, a recursive series on SQLite): ten
// million rows take minutes, not hours. Past plans hold 100,000 tasks each,
// spread over 40 categories of 6 industries in 12 counties and the three
// years before VolumeToday; their rollups and task tallies are rebuilt from
// them. The open plan's tasks are OpenTasks. The first task is not in a plan's sample frame, which the
// benchmarks do not need.
//
// On PostgreSQL the secondary indexes and the foreign keys of tasks and
// results are dropped for the load and made again after it (an index built
// once over sorted rows, a key checked by one join, instead of one probe
// and one trigger a row), with a larger maintenance_work_mem for the
// session. SeedStore keeps a seeded database for later runs.
func Seed(tb testing.TB, s *storage.Store, v Volume) (open OpenTasks) {
	tb.Helper()
	ctx := tb.Context()
	began := time.Now()
	pg := s.Dialect() == storage.Postgres
	conn, err := s.DB().Conn(ctx) // one session, for its settings
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	var took []string
	exec := func(what, q string, args ...any) {
		tb.Helper()
		start := time.Now()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			tb.Fatalf("seed %s: %s: %v\n%s", v.Name(), what, err, q)
		}
		took = append(took, fmt.Sprintf("%s %s", what, time.Since(start).Round(time.Millisecond)))
	}
	var remake []string // what the load dropped, made again after it
	if pg {
		exec("settings", `SET maintenance_work_mem = '1GB'`)
		var drops []string
		drops, remake = deferrable(tb, conn, "tasks", "results")
		for _, q := range drops {
			exec("drop", q)
		}
	}
	names := []string{"enterprise", "past fires", "past plans", "tasks", "results", "open fire", "open plan", "open tasks", "task tallies", "held objection"}
	for i, q := range seedSQL(v, pg) {
		if i == len(names)-2 { // the tallies read the results by task
			for _, q := range remake {
				exec("index and key", q)
			}
		}
		exec(names[i], q)
	}
	start := time.Now()
	if _, err := s.RebuildRollups(ctx); err != nil {
		tb.Fatal(err)
	}
	took = append(took, fmt.Sprintf("rollups %s", time.Since(start).Round(time.Millisecond)))
	// As autovacuum would have by the time results come in.
	vacuum := `ANALYZE`
	if pg {
		vacuum = `VACUUM ANALYZE`
	}
	exec("vacuum", vacuum)
	open = openTasks(tb, s)
	if d := time.Since(began); d > 10*time.Second {
		tb.Logf("seeded %s in %s: %s", v.Name(), d.Round(time.Second), strings.Join(took, ", "))
	}
	return open
}

// deferrable returns, on PostgreSQL, how to drop and how to make again the
// indexes of tables that no constraint owns, and their foreign keys: what a
// bulk load into them can do without until it is done.
func deferrable(tb testing.TB, conn *sql.Conn, tables ...string) (drops, remakes []string) {
	tb.Helper()
	const q = `SELECT 'DROP INDEX ' || quote_ident(i.relname), pg_get_indexdef(i.oid)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = ANY ($1::text[]::regclass[])
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
		UNION ALL
		SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname),
			'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY ($1::text[]::regclass[])
		ORDER BY 2`
	rows, err := conn.QueryContext(tb.Context(), q, pq.Array(tables))
	if err != nil {
		tb.Fatalf("list the indexes and keys of %v to defer: %v", tables, err)
	}
	defer rows.Close()
	for rows.Next() {
		var drop, remake string
		if err := rows.Scan(&drop, &remake); err != nil {
			tb.Fatal(err)
		}
		drops, remakes = append(drops, drop), append(remakes, remake)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return drops, remakes
}

// seedSQL returns the statements that fill an empty database with v, in
// order: the enterprise, the past fires, plans, tasks and results, the open
// fire, plan and tasks, the task tallies, and with v.HeldObjection the held
// result.
func seedSQL(v Volume, pg bool) []string {
	series := func(n int) string {
		if pg {
			return fmt.Sprintf(`generate_series(1, %d) AS g(g)`, n)
		}
		return fmt.Sprintf(`(WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < %d) SELECT g FROM seq) AS s`, n)
	}
	// day is a date g days after 2023-12-01, as text.
	day := func(g string) string {
		if pg {
			return `to_char(DATE '2023-12-01' + (` + g + `)::int, 'YYYY-MM-DD')`
		}
		return `date('2023-12-01', '+' || (` + g + `) || ' days')`
	}
	ts := func(g string) string { // a plan time g days after 2023-12-01
		if pg {
			return `TIMESTAMPTZ '2023-12-01 02:00:00+00' + (` + g + `) * INTERVAL '1 day'`
		}
		return `strftime('%Y-%m-%d %H:%M:%f+00:00', '2023-12-01 02:00:00', '+' || (` + g + `) || ' days')`
	}
	plans := max(1, (v.Stored+99_999)/100_000)
	pastStatus, taskStatus := "closed", "tested"
	if v.PastOpen {
		pastStatus, taskStatus = "open", "assigned"
	}
	openDay := VolumeToday.AddDate(0, 0, -1)
	const cell = `'county-' || ((g / 40) % 12), 'industry-' || (g % 40 % 6), 'category-' || (g % 40),
		CASE g % 40 % 3 WHEN 0 THEN 'general' WHEN 1 THEN 'key' ELSE 'agri_input' END, 0.05 + (g % 7) * 0.1`
	steps := []string{
		`INSERT INTO enterprises (credit_code, name, county, industry) VALUES ('91320500MA0000000X', 'bench', 'county-0', 'industry-0')`,
		// The past plans, one every 10 days, then the open one.
		`INSERT INTO fires (schedule, fire_key, nominal_time, kind, status)
			SELECT 'past', 'past-' || g, ` + ts(`g * 10 % 1090`) + `, 'scheduled', 'made' FROM ` + series(plans),
		fmt.Sprintf(`INSERT INTO plans (fire_id, schedule, industry, kind, nominal_time, status, algorithm, seed, frame_digest, commitment, frame_size)
			SELECT id, schedule, 'industry-0', kind, nominal_time, '%s', 'a', 's', 'd', 'c', 0 FROM fires WHERE schedule = 'past' ORDER BY id`, pastStatus),
		fmt.Sprintf(`INSERT INTO tasks (plan_id, credit_code, enterprise, county, industry, category, tier, inclusion_probability, due, status)
			SELECT (SELECT min(id) FROM plans) + g %% %d, '91320500MA0000000X', 'bench', `+pct(cell)+`, '2026-12-31', '%s' FROM `+series(v.Stored), plans, taskStatus),
		`INSERT INTO results (task_id, version, outcome, tested_on, failed_items, counted_on, state, objection_until)
			SELECT id, 1, CASE WHEN id % 20 = 0 THEN 'fail' ELSE 'pass' END, d, CASE WHEN id % 20 = 0 THEN 'x' ELSE '' END, d, 'final', d
			FROM (SELECT id, ` + day(`id % 1095`) + ` AS d FROM tasks) t`,
		fmt.Sprintf(`INSERT INTO fires (schedule, fire_key, nominal_time, kind, status) VALUES ('open', 'open', '%s', 'scheduled', 'made')`,
			openDay.Add(2*time.Hour).Format("2006-01-02 15:04:05+00:00")),
		`INSERT INTO plans (fire_id, schedule, industry, kind, nominal_time, status, algorithm, seed, frame_digest, commitment, frame_size)
			SELECT id, schedule, 'industry-0', kind, nominal_time, 'open', 'a', 's', 'd', 'c', 0 FROM fires WHERE schedule = 'open'`,
		fmt.Sprintf(`INSERT INTO tasks (plan_id, credit_code, enterprise, county, industry, category, tier, inclusion_probability, due, status)
			SELECT (SELECT max(id) FROM plans), '91320500MA0000000X', 'bench', `+pct(cell)+`, '%s', 'assigned' FROM `+series(v.Open),
			sampling.DayOf(VolumeToday, time.UTC).AddDays(30)),
		`INSERT INTO task_tallies (plan_id, due, tier, industry, county, status, with_result, n)
			SELECT t.plan_id, t.due, t.tier, t.industry, t.county, t.status, EXISTS (SELECT 1 FROM results r WHERE r.task_id = t.id), count(*)
			FROM tasks t GROUP BY 1, 2, 3, 4, 5, 6, 7`,
	}
	if v.HeldObjection {
		steps = append(steps, `UPDATE results SET state = 'provisional', objected_on = objection_until WHERE task_id = (SELECT min(task_id) FROM results)`)
	}
	return steps
}

// openTasks reads the open plan's tasks of a seeded Volume.
func openTasks(tb testing.TB, s *storage.Store) (open OpenTasks) {
	tb.Helper()
	if err := s.DB().QueryRowContext(tb.Context(), `SELECT min(id), max(id) FROM tasks WHERE plan_id = (SELECT max(id) FROM plans)`).Scan(&open.First, &open.Last); err != nil {
		tb.Fatal(err)
	}
	open.Day = VolumeToday.AddDate(0, 0, -1)
	return open
}

// pct escapes the per cents of SQL for fmt.Sprintf.
func pct(sql string) string { return strings.ReplaceAll(sql, "%", "%%") }

// OpenTasks are the tasks First to Last of a Volume's open plan, made on
// Day.
type OpenTasks struct {
	First, Last int64
	Day         time.Time
}
