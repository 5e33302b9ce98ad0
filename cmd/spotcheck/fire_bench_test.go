package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// The benchmarks here run `spotcheck serve` as a process of its own on
// PostgreSQL with a large registry (SPOTCHECK_BENCH_UNITS units, 20,000
// by default so that every build runs them; docs/benchmarks.md reports
// 1,000,000), seeded with bulk SQL:
//
//	SPOTCHECK_TEST_POSTGRES=… SPOTCHECK_BENCH_UNITS=1000000 go test ./cmd/spotcheck -run '^$' -bench 'ServeFire|Failover' -benchtime 2x
//
// SPOTCHECK_BENCH_BIN runs another build of spotcheck instead of this one.

// benchBinary returns the spotcheck binary to run: SPOTCHECK_BENCH_BIN,
// such as an earlier version's build to compare with, or this one's.
func benchBinary(b *testing.B) string {
	if bin := os.Getenv("SPOTCHECK_BENCH_BIN"); bin != "" {
		return bin
	}
	return buildBinary(b)
}

// benchUnits returns the number of units of the benchmarks' registry.
func benchUnits(b *testing.B) int {
	return storagetest.EnvSize(b, "SPOTCHECK_BENCH_UNITS", 20_000, 3000)
}

// largeRegistry migrates the PostgreSQL database db and fills it with
// storagetest.SeedRegistry's registry of units units.
func largeRegistry(b *testing.B, db string, units int) *storage.Store {
	b.Helper()
	s, err := storage.Open(b.Context(), db, storagetest.Logger(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	storagetest.SeedRegistry(b, s, units)
	return s
}

// changeEnterprises moves 100 enterprises, a different slice for each k,
// to the next risk class: the registry changes between fires.
func changeEnterprises(b *testing.B, s *storage.Store, units, k int) {
	b.Helper()
	q := fmt.Sprintf(`UPDATE enterprises SET risk = CASE risk WHEN 'A' THEN 'B' WHEN 'B' THEN 'C' WHEN 'C' THEN 'D' ELSE 'A' END
		WHERE credit_code IN (SELECT credit_code FROM enterprises ORDER BY credit_code LIMIT 100 OFFSET %d)`, k*100%(units/3-100))
	if _, err := s.DB().ExecContext(b.Context(), q); err != nil {
		b.Fatal(err)
	}
}

// oneFireConfig writes a configuration whose one schedule fires once a
// year, at the second of at (UTC): 1,000 tasks in 30 strata.
func oneFireConfig(b *testing.B, at time.Time) string {
	b.Helper()
	at = at.UTC()
	cfg := fmt.Sprintf(`
timezone: UTC
industries:
  - id: textiles
    name: 纺织服装
    categories:
      - {id: garments, name: 服装, tier: general}
      - {id: childrens-garments, name: 童装, tier: key}
      - {id: knitwear, name: 针织品, tier: general}
schedules:
  - name: bench
    industry: textiles
    cron: "%d %d %d %d %d *"
    batches: 1000
    strata: [county, category]
    inspectors_per_task: 2
    max_tasks_per_inspector: 20
    no_repeat: 180d
    catch_up: latest
`, at.Second(), at.Minute(), at.Hour(), at.Day(), int(at.Month()))
	path := filepath.Join(b.TempDir(), "spotcheck.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// madeFire waits until the ledger holds the made fire of schedule bench at
// at, and returns it.
func madeFire(b *testing.B, s *storage.Store, at time.Time, limit time.Duration, poll time.Duration) storage.Fire {
	b.Helper()
	deadline := time.Now().Add(limit)
	for {
		fires, err := storagetest.Fires(b.Context(), s, "bench", at)
		if err == nil {
			for _, f := range fires {
				if f.NominalTime.Equal(at) && f.Status == sampling.FireMade {
					return f
				}
				if f.NominalTime.Equal(at) {
					b.Fatalf("the fire at %v was settled %s: %s", at, f.Status, f.Message)
				}
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("gave up after %s waiting for the plan of the fire at %v", limit, at)
		}
		time.Sleep(poll)
	}
}

// fireLimit is how long a benchmark waits for a fire of a registry of
// units units: 10 minutes, and 5 more for each million units beyond the
// first (at 10,000,000 units and a load average of 20 to 30, the first
// fire, which stores the population in full, took more than 10 minutes).
func fireLimit(units int) time.Duration {
	return 10*time.Minute + time.Duration(max(0, units-1_000_000)/1_000_000)*5*time.Minute
}

// leadTime is how long before its one fire serve starts: enough to
// start and settle down first, shorter in a short run.
func leadTime() time.Duration {
	if testing.Short() {
		return 6 * time.Second
	}
	return 15 * time.Second
}

// rssMB returns the resident set size of process pid in MB, from
// /proc/pid/status.
func rssMB(b *testing.B, pid int) float64 {
	b.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				b.Fatalf("VmRSS %q: %v", rest, err)
			}
			return float64(kb) / 1024
		}
	}
	b.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

// BenchmarkServeFire runs `spotcheck serve` through one fire of a large
// registry, right after the registry changed (so the fire also stores the
// new population; the first iteration stores it in full, later ones what
// changed), and reports the process's resident memory: idle before the
// fire (idle-MB), its peak over the whole run (peak-MB, getrusage's
// maximum resident set size of the exited process), and a few seconds
// after the fire (after-MB); and the fire's time in its transaction
// (fire-s).
func BenchmarkServeFire(b *testing.B) {
	db := storagetest.URL(b, storage.Postgres)
	units := benchUnits(b)
	store := largeRegistry(b, db, units)
	bin := benchBinary(b)
	var idle, peak, after, fire float64
	k := 0
	for b.Loop() {
		b.StopTimer()
		k++
		changeEnterprises(b, store, units, k)
		at := time.Now().Add(leadTime()).Truncate(time.Second)
		cfg := oneFireConfig(b, at)
		b.StartTimer()
		p := startServe(b, "serve", bin, db, cfg)
		time.Sleep(time.Until(at.Add(-time.Second)))
		idle = max(idle, rssMB(b, p.cmd.Process.Pid))
		f := madeFire(b, store, at, fireLimit(units), 200*time.Millisecond)
		fire = max(fire, f.RecordedAt.Sub(*f.StartedAt).Seconds())
		time.Sleep(3 * time.Second)
		after = max(after, rssMB(b, p.cmd.Process.Pid))
		if code := p.term(b, time.Minute); code != 0 {
			b.Fatalf("serve exited %d after SIGTERM\n%s", code, p.log)
		}
		ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			b.Fatal("no resource usage of the exited process")
		}
		peak = max(peak, float64(ru.Maxrss)/1024) // kB on Linux
	}
	b.ReportMetric(idle, "idle-MB")
	b.ReportMetric(peak, "peak-MB")
	b.ReportMetric(after, "after-MB")
	b.ReportMetric(fire, "fire-s")
}

// BenchmarkFailover runs two replicas of `spotcheck serve` on one
// PostgreSQL with a large registry. Replica a makes the plan of a fire and
// holds its transaction open (the test hook envHoldPlan) while replica b
// waits for the fire's lock; a is killed with SIGKILL. It reports the time
// from the kill until b's plan of the fire is committed (failover-s, the
// ledger polled every 50ms), b's own making of the plan in its
// transaction (fire-s), and their ratio, whose goal is at most 2.
func BenchmarkFailover(b *testing.B) {
	db := storagetest.URL(b, storage.Postgres)
	units := benchUnits(b)
	store := largeRegistry(b, db, units)
	bin := benchBinary(b)
	var failover, fire float64
	k := 0
	for b.Loop() {
		b.StopTimer()
		k++
		changeEnterprises(b, store, units, k)
		at := time.Now().Add(leadTime()).Truncate(time.Second)
		cfg := oneFireConfig(b, at)
		a := startServe(b, "replica a", bin, db, cfg, envHoldPlan+"=2m")
		a.waitLog(b, 0, fireLimit(units), "test hook: holding plan transaction open")
		r := startServe(b, "replica b", bin, db, cfg)
		time.Sleep(2 * time.Second) // b ticks, finds the fire due and waits for its lock
		b.StartTimer()
		killed := time.Now()
		a.kill(b)
		f := madeFire(b, store, at, fireLimit(units), 50*time.Millisecond)
		failover += time.Since(killed).Seconds()
		b.StopTimer()
		fire += f.RecordedAt.Sub(*f.StartedAt).Seconds()
		if code := r.term(b, time.Minute); code != 0 {
			b.Fatalf("replica b exited %d after SIGTERM\n%s", code, r.log)
		}
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(failover/n, "failover-s")
	b.ReportMetric(fire/n, "fire-s")
	b.ReportMetric(failover/fire, "failover/fire")
}
