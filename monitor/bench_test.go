package monitor

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"spotcheck/config"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// Sizes of the benchmark's registry: 10 industries of 5 categories in 19
// counties make 950 cells, which with 4 windows give about 10,000 series.
const (
	benchIndustries = 10
	benchCategories = 5
	benchCounties   = 19
)

func benchConfig(b *testing.B) *config.Config {
	b.Helper()
	var y strings.Builder
	y.WriteString("timezone: Asia/Shanghai\nindustries:\n")
	tiers := []string{"general", "general", "key", "key", "agri_input"}
	for i := range benchIndustries {
		fmt.Fprintf(&y, "  - id: industry-%d\n    name: 行业%d\n    categories:\n", i, i)
		for c := range benchCategories {
			fmt.Fprintf(&y, "      - {id: category-%d, name: 类别%d, tier: %s}\n", c, c, tiers[c])
		}
	}
	cfg, err := config.Parse("bench.yaml", []byte(y.String()))
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

// seedRollups writes daily rollups straight into the database, as results
// would have made them: results are spread over days (ending on today) and
// all cells, 5% failed. Seeding rollups rather than results is what makes
// 10,000,000 results take seconds.
func seedRollups(b *testing.B, s *storage.Store, today time.Time, days, results int) {
	b.Helper()
	tx, err := s.DB().BeginTx(b.Context(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(b.Context(), `INSERT INTO rollups (day, tier, industry, category, county, state, tested, failed) VALUES (?, ?, ?, ?, ?, 'final', ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	tiers := []string{"general", "general", "key", "key", "agri_input"}
	rows := days * benchIndustries * benchCategories * benchCounties
	row := 0
	for d := range days {
		day := today.AddDate(0, 0, -d).Format(time.DateOnly)
		for i := range benchIndustries {
			for c := range benchCategories {
				for k := range benchCounties {
					// spread results as evenly as whole numbers allow
					tested := results*(row+1)/rows - results*row/rows
					row++
					if _, err := stmt.ExecContext(b.Context(), day, tiers[c], fmt.Sprintf("industry-%d", i),
						fmt.Sprintf("category-%d", c), fmt.Sprintf("county-%d", k), tested, tested/20); err != nil {
						b.Fatal(err)
					}
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkMetrics measures GET /metrics with about 10,000 series, over
// 1,000 stored results (the baseline) and over 10,000,000
// (SPOTCHECK_BENCH_STORED for another number), and the refresh of the
// snapshot behind it: a scrape must cost the same whatever the number of
// stored results. Results in docs/benchmarks.md, section Metrics.
func BenchmarkMetrics(b *testing.B) {
	cfg := benchConfig(b)
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, cfg.Location)
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	type size struct {
		name          string
		days, results int
	}
	large := size{"", 365, storagetest.EnvSize(b, "SPOTCHECK_BENCH_STORED", 10_000_000, 365)}
	if testing.Short() { // as CI runs every benchmark once
		large = size{"", 3, 30_000}
	}
	large.name = fmt.Sprintf("results=%d", large.results)
	for _, size := range []size{{"results=1k", 1, 1_000}, large} {
		s := storagetest.Open(b, storage.SQLite)
		seedRollups(b, s, today, size.days, size.results)
		m := New(cfg, s, func() time.Time { return now }, storagetest.Logger(b))
		if err := m.Refresh(b.Context()); err != nil {
			b.Fatal(err)
		}
		reg := prometheus.NewRegistry() // as serve has it
		reg.MustRegister(NewCollector(m, 15*time.Second))
		families, err := reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		series := 0
		for _, f := range families {
			series += len(f.GetMetric())
		}
		h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)

		b.Run(size.name+"/scrape", func(b *testing.B) {
			var bytes int
			began := cpuTime(b)
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				bytes = w.Body.Len()
				io.Copy(io.Discard, w.Body)
			}
			b.ReportMetric(float64((cpuTime(b)-began).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(series), "series")
			b.ReportMetric(float64(bytes), "bytes/scrape")
			b.ReportMetric(float64(len(m.Snapshot().Rollups)), "rollups")
		})
		b.Run(size.name+"/refresh", func(b *testing.B) {
			began := cpuTime(b)
			for b.Loop() {
				if err := m.Refresh(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-began).Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(len(m.Snapshot().Rollups)), "rollups")
		})
	}
}

// cpuTime returns the CPU time the process has used, garbage collection
// included: on a machine shared with other work it varies far less than
// wall time does.
func cpuTime(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
