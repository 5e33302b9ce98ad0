package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// The benchmarks below are heavy (a million results to import, ten million
// to compute rates over) and run only under -bench:
//
//	go test ./storage -run '^$' -bench Import -benchtime 1x -timeout 60m
//	go test ./storage -run '^$' -bench Rates -benchtime 10x -timeout 60m
//
// Each reports rows/s or ms beside the baseline a user would otherwise
// run, measured in the same run; docs/benchmarks.md records the results.
// Under -short (as CI runs every benchmark once) they run at a small size.

const (
	importRows   = 1_000_000
	insertSample = 20_000 // row-by-row INSERTs at ~7,500/s would take minutes for a million
	rateResults  = 10_000_000
)

// benchSize returns full, or short under -short: CI runs every benchmark
// once that way, so that a broken one fails the build without the hours
// the full sizes take.
func benchSize(full, short int) int {
	if testing.Short() {
		return short
	}
	return full
}

var benchToday = time.Date(2026, 11, 30, 0, 0, 0, 0, shanghai)

// seedTasks makes n tasks 1..n in one open plan made on 2024-01-01, spread
// over 40 categories (each in one industry and tier) and 12 counties.
func seedTasks(b *testing.B, s *storage.Store, n int) {
	b.Helper()
	ctx := context.Background()
	series := fmt.Sprintf(`generate_series(1, %d) AS g(g)`, n)
	if s.Dialect() == storage.SQLite {
		series = fmt.Sprintf(`(WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < %d) SELECT g FROM seq)`, n)
	}
	for _, q := range []string{
		`INSERT INTO enterprises (credit_code, name, county, industry) VALUES ('91320500MA0000000X', 'bench', 'c0', 'i0')`,
		`INSERT INTO fires (schedule, fire_key, nominal_time, kind, status) VALUES ('bench', 'k', '2024-01-01 00:00:00+00:00', 'manual', 'made')`,
		`INSERT INTO plans (fire_id, schedule, industry, kind, nominal_time, algorithm, seed, frame_digest, commitment, frame_size)
			VALUES (1, 'bench', 'i0', 'manual', '2024-01-01 00:00:00+00:00', 'a', 's', 'd', 'c', 0)`,
		`INSERT INTO tasks (plan_id, credit_code, enterprise, county, industry, category, tier, inclusion_probability, due)
			SELECT 1, '91320500MA0000000X', 'bench', 'county-' || ((g / 40) % 12), 'industry-' || (g % 40 % 6), 'category-' || (g % 40),
				CASE g % 40 % 3 WHEN 0 THEN 'general' WHEN 1 THEN 'key' ELSE 'agri_input' END, 0.05 + (g % 7) * 0.1, '2027-01-01'
			FROM ` + series,
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			b.Fatalf("seed: %v\n%s", err, q)
		}
	}
	if err := s.RecountTallies(ctx); err != nil {
		b.Fatal(err)
	}
	// As autovacuum would have by the time results come in (the first scan
	// of freshly inserted rows would otherwise also set their hint bits).
	vacuum := `VACUUM ANALYZE`
	if s.Dialect() == storage.SQLite {
		vacuum = `ANALYZE`
	}
	if _, err := s.DB().ExecContext(ctx, vacuum); err != nil {
		b.Fatal(err)
	}
}

// benchResults are n results for tasks 1..n, one in ten failed, tested over
// the first half of 2026.
func benchResults(n int) []sampling.Result {
	rs := make([]sampling.Result, n)
	for i := range rs {
		day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%180).Format(time.DateOnly)
		rs[i] = sampling.Result{TaskID: int64(i + 1), Outcome: sampling.OutcomePass, TestedOn: sampling.Day(day), ReportNo: fmt.Sprintf("R%08d", i)}
		if i%10 == 0 {
			rs[i].Outcome, rs[i].FailedItems = sampling.OutcomeFail, "标签"
		}
	}
	return rs
}

func reportRate(b *testing.B, rows int, elapsed time.Duration) {
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkImport imports a million results: spotcheck's import (COPY into
// staging, set-wise validation, results, rollups, task states, audit) on
// PostgreSQL and SQLite, and on PostgreSQL without the partial index
// results_finalizable too, against a bare COPY of the same rows into an
// unindexed table and against autocommitted row-by-row INSERTs.
func BenchmarkImport(b *testing.B) {
	rows := benchSize(importRows, 2_000)
	rs := benchResults(rows)
	today := time.Date(2026, 7, 1, 0, 0, 0, 0, shanghai)
	// The same import without the partial index results_finalizable
	// (migration 15), which every provisional result enters: its cost.
	// PostgreSQL only.
	variants := []struct{ name, drop string }{
		{"spotcheck", ""},
		{"spotcheck-without-finalizable-index", `DROP INDEX results_finalizable`},
	}
	for _, backend := range storagetest.Backends() {
		for _, v := range variants {
			if v.drop != "" && backend != storage.Postgres {
				continue
			}
			b.Run(backend+"/"+v.name, func(b *testing.B) {
				benchRecordResults(b, backend, rows, rs, today, v.drop)
			})
		}
	}
	// A bare COPY of the same rows, into an unindexed table (the goal's
	// measure), and into one keyed by task (the one index that idempotent
	// storage cannot do without), with nothing else done.
	for _, bare := range []struct{ name, ddl string }{
		{"bare-copy-unindexed", `CREATE TABLE bare (task_id BIGINT, outcome TEXT, tested_on TEXT, report_no TEXT, failed_items TEXT)`},
		{"bare-copy-keyed", `CREATE TABLE bare (task_id BIGINT PRIMARY KEY, outcome TEXT, tested_on TEXT, report_no TEXT, failed_items TEXT)`},
	} {
		b.Run("postgres/"+bare.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s := storagetest.Open(b, storage.Postgres)
				ctx := context.Background()
				if _, err := s.DB().ExecContext(ctx, bare.ddl); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				began := time.Now()
				tx, err := s.DB().BeginTx(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				stmt, err := tx.Prepare(pq.CopyIn("bare", "task_id", "outcome", "tested_on", "report_no", "failed_items"))
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range rs {
					if _, err := stmt.Exec(r.TaskID, r.Outcome, r.TestedOn, r.ReportNo, r.FailedItems); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := stmt.Exec(); err != nil {
					b.Fatal(err)
				}
				stmt.Close()
				if err := tx.Commit(); err != nil {
					b.Fatal(err)
				}
				reportRate(b, len(rs), time.Since(began))
			}
		})
	}
	b.Run("postgres/row-by-row-insert", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			s := storagetest.Open(b, storage.Postgres)
			ctx := context.Background()
			if _, err := s.DB().ExecContext(ctx, `CREATE TABLE naive (task_id BIGINT PRIMARY KEY, outcome TEXT, tested_on TEXT, report_no TEXT, failed_items TEXT)`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			began := time.Now()
			sample := rs[:min(insertSample, len(rs))]
			for _, r := range sample {
				if _, err := s.DB().ExecContext(ctx, `INSERT INTO naive VALUES ($1, $2, $3, $4, $5)`, r.TaskID, r.Outcome, r.TestedOn, r.ReportNo, r.FailedItems); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, len(sample), time.Since(began))
		}
	})
}

// benchRecordResults imports rs with RecordResults into a fresh database
// of backend seeded with rows tasks, after running drop (when not empty)
// there, and reports the rows per second of the import alone.
func benchRecordResults(b *testing.B, backend string, rows int, rs []sampling.Result, today time.Time, drop string) {
	for range b.N {
		b.StopTimer()
		s := storagetest.Open(b, backend)
		seedTasks(b, s, rows)
		if drop != "" {
			if _, err := s.DB().ExecContext(context.Background(), drop); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		began := time.Now()
		n, err := s.RecordResults(context.Background(), rs, today)
		elapsed := time.Since(began)
		if err != nil || n != rows {
			b.Fatalf("RecordResults = %d, %v", n, err)
		}
		reportRate(b, n, elapsed)
	}
}

// BenchmarkRates computes every window × grouping over ten million stored
// results: from the rollups as the snapshot does (the refresh, which reads
// them from the database, and a request, which reads the snapshot), against
// the GROUP BY over the raw results that a SQL exporter runs at each scrape
// (on spotcheck's schema, and on one flat table for a fairer baseline).
func BenchmarkRates(b *testing.B) {
	s := storagetest.Open(b, storage.Postgres)
	ctx := context.Background()
	seedTasks(b, s, benchSize(rateResults, 10_000))
	// Ten million final results over the three years to the end of
	// November 2026, one in twenty failed.
	for _, q := range []string{
		`INSERT INTO results (task_id, outcome, tested_on, failed_items, counted_on, state)
			SELECT id, CASE WHEN id % 20 = 0 THEN 'fail' ELSE 'pass' END, d, CASE WHEN id % 20 = 0 THEN 'x' ELSE '' END, d, 'final'
			FROM (SELECT id, to_char(DATE '2023-12-01' + (id % 1096)::int, 'YYYY-MM-DD') AS d FROM tasks) s`,
		`ANALYZE`,
		`CREATE TABLE flat AS SELECT r.tested_on, t.tier, t.industry, t.category, t.county, r.outcome FROM results r JOIN tasks t ON t.id = r.task_id`,
		`ANALYZE flat`,
	} {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	if _, err := s.RebuildRollups(ctx); err != nil {
		b.Fatal(err)
	}
	tiers := []sampling.TierRule{
		{Name: "general", Target: 0.92, Aggregate: sampling.AggregatePooled},
		{Name: "key", Target: 0.97, Aggregate: sampling.AggregatePooled},
		{Name: "agri_input", Target: 0.90, Aggregate: sampling.AggregateCategoryMean},
	}
	windows := []sampling.Window{{Name: "30d", Days: 30}, {Name: "90d", Days: 90}, {Name: "365d", Days: 365}, {Name: "ytd", YTD: true}}
	today := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	stability := sampling.StabilityRule{Periods: 4, Period: sampling.PeriodQuarter}
	since := stability.Start(dayOf(today))
	computeAll := func(rollups []sampling.Rollup) int {
		n := 0
		for _, rows := range sampling.ComputeRatesBy(rollups, tiers, windows, dayOf(today), sampling.RateOptions{MinBatches: 30},
			sampling.ByTier, sampling.ByIndustry, sampling.ByCategory, sampling.ByCounty) {
			n += len(rows)
		}
		sampling.ComputeStability(rollups, tiers[1], stability, dayOf(today), sampling.RateOptions{MinBatches: 30})
		return n
	}
	var snapshot []sampling.Rollup
	b.Run("rollups/refresh", func(b *testing.B) {
		for b.Loop() {
			rollups, err := s.Rollups(ctx, since)
			if err != nil {
				b.Fatal(err)
			}
			if computeAll(rollups) == 0 {
				b.Fatal("no rates")
			}
			snapshot = rollups
		}
		b.ReportMetric(float64(len(snapshot)), "rollup-rows")
	})
	b.Run("rollups/compute-from-snapshot", func(b *testing.B) {
		for b.Loop() {
			computeAll(snapshot)
		}
	})
	// What GET /api/v1/rates and a scrape do: filter the rows the refresh
	// computed.
	b.Run("rollups/request", func(b *testing.B) {
		all := sampling.ComputeRatesBy(snapshot, tiers, windows, dayOf(today), sampling.RateOptions{MinBatches: 30},
			sampling.ByTier, sampling.ByIndustry, sampling.ByCategory, sampling.ByCounty)
		for b.Loop() {
			n := 0
			for _, r := range all[sampling.ByCounty] {
				if r.Window == "30d" {
					n++
				}
			}
		}
	})
	// The scan a SQL-exporter user would write: one pass counting every
	// window per cell.
	scan := func(from string) string {
		w := func(start string, fail bool) string {
			cond := fmt.Sprintf("tested_on >= '%s'", start)
			if fail {
				cond += " AND outcome = 'fail'"
			}
			return fmt.Sprintf("count(*) FILTER (WHERE %s)", cond)
		}
		q := "SELECT tier, industry, category, county"
		for _, start := range []string{"2026-11-01", "2026-09-02", "2025-12-01", "2026-01-01"} {
			q += ", " + w(start, false) + ", " + w(start, true)
		}
		return q + " FROM " + from + " WHERE tested_on >= '2025-12-01' GROUP BY 1, 2, 3, 4"
	}
	for _, base := range []struct{ name, from string }{
		{"scan/results-join-tasks", "(SELECT r.tested_on, r.outcome, t.tier, t.industry, t.category, t.county FROM results r JOIN tasks t ON t.id = r.task_id WHERE r.state <> 'superseded') x"},
		{"scan/flat-table", "flat"},
	} {
		b.Run(base.name, func(b *testing.B) {
			for b.Loop() {
				rows, err := s.DB().QueryContext(ctx, scan(base.from))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					n++
				}
				rows.Close()
				if n == 0 {
					b.Fatal("no rows")
				}
			}
		})
	}
}

// BenchmarkPlanTaskCounts measures the plan-execution read of each snapshot
// refresh over one open plan of 1,000,000 tasks, half of them with a
// result: the worst case before the task tallies (migration 12), since a
// closed plan stores its tasks' states; it now reads the plan's tallies.
// Results in docs/benchmarks.md, section Metrics.
func BenchmarkPlanTaskCounts(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			s := storagetest.Open(b, backend)
			n := benchSize(1_000_000, 2_000)
			seedTasks(b, s, n)
			odd := fmt.Sprintf(`SELECT g FROM generate_series(1, %d, 2) AS g(g)`, n)
			if backend == storage.SQLite {
				odd = fmt.Sprintf(`WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 2 FROM seq WHERE g < %d) SELECT g FROM seq`, n-1)
			}
			analyze := `ANALYZE`
			if backend == storage.Postgres {
				analyze = `VACUUM ANALYZE` // as autovacuum would have
			}
			for _, q := range []string{`INSERT INTO results (task_id, outcome, tested_on) SELECT g, 'pass', '2026-01-01' FROM (` + odd + `) AS o`, analyze} {
				if _, err := s.DB().ExecContext(b.Context(), q); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.RecountTallies(b.Context()); err != nil {
				b.Fatal(err)
			}
			since := time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC)
			for b.Loop() {
				counts, err := s.PlanTaskCounts(b.Context(), since, shanghai)
				if err != nil || len(counts) != 2 || counts[0].N != n/2 || counts[1].N != n/2 {
					b.Fatalf("PlanTaskCounts = %+v, %v; want %d assigned and %d tested tasks of one plan", counts, err, n/2, n/2)
				}
			}
		})
	}
}

// BenchmarkTaskCounts measures the task counts of a snapshot refresh at
// volume: read from the task tallies, against counting every task and
// joining the open ones with the results as the refresh did before
// migration 12 (TaskCountsByFromTasks), alternating the two in each
// operation. Sizes as BenchmarkWriteLatency (storagetest.Volumes):
//
//	SPOTCHECK_BENCH_STORED=10000000 SPOTCHECK_BENCH_OPEN=100000 \
//	go test ./storage -run '^$' -bench TaskCounts -benchtime 5x -timeout 120m
func BenchmarkTaskCounts(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		for _, v := range storagetest.Volumes(b) {
			b.Run(backend+"/"+v.Name(), func(b *testing.B) {
				s, _ := storagetest.SeedStore(b, backend, v)
				today := storagetest.VolumeToday
				var tallies, tasks time.Duration
				for b.Loop() {
					start := time.Now()
					got, err := s.TaskCountsBy(b.Context(), dayOf(today))
					if err != nil {
						b.Fatal(err)
					}
					tallies += time.Since(start)
					start = time.Now()
					want, err := s.TaskCountsByFromTasks(b.Context(), dayOf(today))
					if err != nil {
						b.Fatal(err)
					}
					tasks += time.Since(start)
					if fmt.Sprint(got) != fmt.Sprint(want) {
						b.Fatalf("TaskCounts = %v, counted over the tasks %v", got, want)
					}
				}
				b.ReportMetric(float64(tallies.Microseconds())/1000/float64(b.N), "tallies-ms")
				b.ReportMetric(float64(tasks.Microseconds())/1000/float64(b.N), "all-tasks-ms")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
