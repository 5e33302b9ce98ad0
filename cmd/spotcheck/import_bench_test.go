package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// EnvBenchUnits sets the size of BenchmarkRegistryImport's registry (units).
const EnvBenchUnits = "SPOTCHECK_BENCH_UNITS"

// benchRegistryUnits is the registry's size: EnvBenchUnits, else 20,000
// (2,000 under -short, as CI runs every benchmark once).
func benchRegistryUnits(b *testing.B) int {
	def := 20_000
	if testing.Short() {
		def = 2_000
	}
	return storagetest.EnvSize(b, EnvBenchUnits, def, 1)
}

// writeRegistry writes a registry of n textile units
// (storagetest.WriteRegistryCSV) to a CSV file in dir, and a configuration
// that accepts it.
func writeRegistry(b *testing.B, dir string, n int) (csvPath, cfgPath string) {
	b.Helper()
	cfgPath = filepath.Join(dir, "registry.yaml")
	var counties []string
	for i := range 10 {
		counties = append(counties, fmt.Sprintf("county-%02d", i))
	}
	cfg := "timezone: Asia/Shanghai\ncounties: [" + strings.Join(counties, ", ") + "]\n" +
		"industries:\n  - id: textiles\n    name: 纺织服装\n    categories:\n" +
		"      - {id: garments, name: 服装, tier: general}\n" +
		"      - {id: childrens-garments, name: 童装, tier: key}\n" +
		"      - {id: knitwear, name: 针织, tier: general}\n"
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	csvPath = filepath.Join(dir, "registry.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	if err := storagetest.WriteRegistryCSV(f, n); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return csvPath, cfgPath
}

// spotcheckProcess runs spotcheck's run with args in a process of its own
// (this test binary, through TestHelperSpotcheck) and returns its wall
// time and peak resident set size.
func spotcheckProcess(b *testing.B, args ...string) (time.Duration, int64) {
	b.Helper()
	cmd := exec.CommandContext(b.Context(), os.Args[0], append([]string{"-test.run=^TestHelperSpotcheck$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), "SPOTCHECK_HELPER=1")
	began := time.Now()
	out, err := cmd.CombinedOutput()
	elapsed := time.Since(began)
	if err != nil {
		b.Fatalf("spotcheck %s: %v\n%.3000s", strings.Join(args, " "), err, out)
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Fatal("no resource usage of the spotcheck process")
	}
	return elapsed, ru.Maxrss * 1024 // Linux gives kilobytes
}

// TestHelperSpotcheck is the spotcheck process of spotcheckProcess: it
// runs the command line after "--" and exits. It does nothing in a test run.
func TestHelperSpotcheck(t *testing.T) {
	if os.Getenv("SPOTCHECK_HELPER") != "1" {
		return
	}
	args := os.Args[slices.Index(os.Args, "--")+1:]
	err := run(context.Background(), args, env{
		getenv: os.Getenv, stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, now: time.Now,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// BenchmarkRegistryImport imports a registry of units (20,000; 2,000 under
// -short; SPOTCHECK_BENCH_UNITS=1000000 for the goal's million) with
// `spotcheck import enterprises` in a process of its own, measuring its
// wall time and peak RSS, into an empty database and again over the same
// registry (nothing changes); on PostgreSQL, in the same run, against
// `psql \copy` of the same file into a table keyed like units (credit code,
// category), the baseline. Results in docs/benchmarks.md,
// section "Registry import at volume".
func BenchmarkRegistryImport(b *testing.B) {
	n := benchRegistryUnits(b)
	csvPath, cfgPath := writeRegistry(b, b.TempDir(), n)
	for _, backend := range storagetest.Backends() {
		b.Run(backend, func(b *testing.B) {
			for b.Loop() {
				db := storagetest.URL(b, backend)
				spotcheckProcess(b, "migrate", "--db", db)
				importTime, rss := spotcheckProcess(b, "import", "enterprises", csvPath, "--config", cfgPath, "--db", db)
				againTime, againRSS := spotcheckProcess(b, "import", "enterprises", csvPath, "--config", cfgPath, "--db", db)
				checkImported(b, db, n)
				b.ReportMetric(importTime.Seconds(), "import-s")
				b.ReportMetric(float64(rss)/(1<<20), "import-peak-rss-MB")
				b.ReportMetric(againTime.Seconds(), "again-s")
				b.ReportMetric(float64(againRSS)/(1<<20), "again-peak-rss-MB")
				if backend != storage.Postgres {
					continue
				}
				copyTime := psqlCopy(b, db, csvPath)
				b.ReportMetric(copyTime.Seconds(), "copy-keyed-s")
				b.ReportMetric(importTime.Seconds()/copyTime.Seconds(), "import/copy")
			}
		})
	}
}

// checkImported checks that the database holds n units.
func checkImported(b *testing.B, db string, n int) {
	b.Helper()
	s, err := storage.Open(b.Context(), db, storagetest.Logger(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var units int
	if err := s.DB().QueryRowContext(b.Context(), `SELECT count(*) FROM units`).Scan(&units); err != nil || units != n {
		b.Fatalf("%d units stored (%v), want %d", units, err, n)
	}
}

// psqlCopy times psql's \copy of the CSV file into a fresh table with the
// unique key of units, in the database db.
func psqlCopy(b *testing.B, db, csvPath string) time.Duration {
	b.Helper()
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Skip("psql not found: the baseline is psql's \\copy")
	}
	run := func(command string) time.Duration {
		began := time.Now()
		if out, err := exec.CommandContext(b.Context(), psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", command).CombinedOutput(); err != nil {
			b.Fatalf("psql -c %q: %v\n%s", command, err, out)
		}
		return time.Since(began)
	}
	run(`CREATE TABLE bare (credit_code TEXT, name TEXT, county TEXT, industry TEXT, category TEXT, risk TEXT, PRIMARY KEY (credit_code, category))`)
	return run(`\copy bare FROM '` + strings.ReplaceAll(csvPath, "'", "''") + `' CSV HEADER`)
}
