package storage_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// changedEnterprises is how many enterprises' risk classes change between
// a steady fire and the first fire after a registry change: a day's edits
// of a large registry, three units each.
const changedEnterprises = 100

// BenchmarkFire measures a fire end to end (Store.Settle: the draw record
// read in the fire's transaction, the draw, the tasks named, the plan, its
// tasks, inputs and population stored, the commit) on a large registry,
// against its baseline in the same run: the frame streamed once from the
// database to a client that keeps nothing. Each iteration, in turn:
//
//   - stream: the query that reads the frame, each row scanned;
//   - steady: a fire whose population an earlier fire stored already;
//   - first: a fire right after changedEnterprises enterprises changed
//     their risk class (the change itself is not timed), which stores the
//     new population.
//
// It reports each in seconds per iteration, the ratios that
// docs/benchmarks.md's goals name, and the bytes a steady fire allocates.
// On a loaded machine wall time depends on what else runs; it also
// reports the CPU time of the stream and the steady fire: of this process
// (user and system), and, when the PostgreSQL server runs on this machine,
// of the server's processes for the benchmark's database (see serverCPU).
// The registry has frameUnits units:
//
//	SPOTCHECK_TEST_POSTGRES=… SPOTCHECK_BENCH_UNITS=1000000 go test ./storage -run '^$' -bench Fire -benchtime 5x
func BenchmarkFire(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			s := storagetest.Open(b, backend)
			units := frameUnits(b)
			loadLargeRegistry(b, s, units)
			ctx := b.Context()
			at := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
			fires := 0
			var dbName string
			if backend == storage.Postgres {
				if err := s.DB().QueryRowContext(ctx, `SELECT current_database()`).Scan(&dbName); err != nil {
					b.Fatal(err)
				}
			}
			// measure runs op and returns the CPU time it took in this
			// process and in the server (0 when not measured).
			measure := func(op func()) (cpu, server time.Duration) {
				b.Helper()
				var sc *serverCPU
				if dbName != "" {
					sc = startServerCPU(dbName)
				}
				c0 := processCPU()
				op()
				if sc != nil {
					server, _ = sc.Stop()
					c0 += sc.Self()
				}
				return processCPU() - c0, server
			}
			fire := func() (time.Duration, uint64) {
				b.Helper()
				fires++
				// Fires half a year apart, beyond the design's no-repeat
				// period: every fire draws from the whole frame, however
				// many iterations run (an hour apart, a 10,000-unit frame
				// ran out of drawable units at the eighth fire).
				nominal := at.AddDate(0, 0, 181*fires)
				c := storage.Claim{Schedule: "bench", NominalTime: nominal, Kind: sampling.KindScheduled, Status: sampling.FireMade,
					Design: benchDesign(nominal), Seed: sampling.SeedFromText(fmt.Sprint("fire ", fires))}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				start := time.Now()
				res, err := s.Settle(ctx, c, sampling.DrawPlan)
				took := time.Since(start)
				runtime.ReadMemStats(&after)
				if err != nil {
					b.Fatal(err)
				}
				if res.Fire.Status != sampling.FireMade || len(res.Plan.Tasks) != benchTasks {
					b.Fatalf("fire %d: %s with %d tasks, want made with %d", fires, res.Fire.Status, len(res.Plan.Tasks), benchTasks)
				}
				return took, after.TotalAlloc - before.TotalAlloc
			}
			fire() // stores the population
			var stream, steady, first, streamCPU, steadyCPU, streamServer, steadyServer time.Duration
			var allocated uint64
			for b.Loop() {
				var took time.Duration
				var err error
				cpu, server := measure(func() { took, err = streamFrame(ctx, s, units) })
				if err != nil {
					b.Fatal(err)
				}
				stream, streamCPU, streamServer = stream+took, streamCPU+cpu, streamServer+server
				var alloc uint64
				cpu, server = measure(func() { took, alloc = fire() })
				steady, steadyCPU, steadyServer = steady+took, steadyCPU+cpu, steadyServer+server
				allocated += alloc
				b.StopTimer()
				if err := changeRegistry(ctx, s, units, fires); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				took, _ = fire()
				first += took
			}
			n := float64(b.N)
			b.ReportMetric(stream.Seconds()/n, "stream-s/op")
			b.ReportMetric(steady.Seconds()/n, "steady-s/op")
			b.ReportMetric(first.Seconds()/n, "first-s/op")
			b.ReportMetric(steady.Seconds()/stream.Seconds(), "steady/stream")
			b.ReportMetric(first.Seconds()/steady.Seconds(), "first/steady")
			b.ReportMetric(float64(allocated)/n/1e6, "steady-MB-alloc/op")
			b.ReportMetric(streamCPU.Seconds()/n, "stream-cpu-s/op")
			b.ReportMetric(steadyCPU.Seconds()/n, "steady-cpu-s/op")
			if streamServer > 0 {
				b.ReportMetric(streamServer.Seconds()/n, "stream-server-cpu-s/op")
				b.ReportMetric(steadyServer.Seconds()/n, "steady-server-cpu-s/op")
				b.ReportMetric((steadyCPU+steadyServer).Seconds()/(streamCPU+streamServer).Seconds(), "steady/stream-cpu")
			}
		})
	}
}

// streamFrame reads the frame of the benchmarks' registry once, as the
// draw's query does, scanning each row and keeping nothing.
func streamFrame(ctx context.Context, s *storage.Store, want int) (time.Duration, error) {
	start := time.Now()
	q := `SELECT u.credit_code, u.category, e.county, e.risk
		FROM units u JOIN enterprises e ON e.credit_code = u.credit_code
		WHERE u.industry = 'textiles' AND e.active ORDER BY u.credit_code, u.category`
	rows, err := s.DB().QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var code, category, county, risk sql.RawBytes
	n := 0
	for rows.Next() {
		if err := rows.Scan(&code, &category, &county, &risk); err != nil {
			return 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if n != want {
		return 0, fmt.Errorf("streamed %d units, want %d", n, want)
	}
	return time.Since(start), nil
}

// changeRegistry moves changedEnterprises of the enterprises of a
// registry of units, a different slice for each k, to the next risk class.
func changeRegistry(ctx context.Context, s *storage.Store, units, k int) error {
	q := fmt.Sprintf(`UPDATE enterprises SET risk = CASE risk WHEN 'A' THEN 'B' WHEN 'B' THEN 'C' WHEN 'C' THEN 'D' ELSE 'A' END
		WHERE credit_code IN (SELECT credit_code FROM enterprises ORDER BY credit_code LIMIT %d OFFSET %d)`,
		changedEnterprises, k*changedEnterprises%(units/benchCategories-changedEnterprises))
	_, err := s.DB().ExecContext(ctx, q)
	return err
}
