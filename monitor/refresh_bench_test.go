package monitor

import (
	"slices"
	"testing"
	"time"

	"spotcheck/config"
	"spotcheck/storage/storagetest"
)

// BenchmarkRefresh measures a full refresh of the snapshot at volume (one
// read of rollups, task tallies, plans and pauses, and every rate derived)
// against its baseline, the rollup read alone, alternating the two in each
// operation; it reports the median of each and their ratio. The volume is
// small unless SPOTCHECK_BENCH_STORED and SPOTCHECK_BENCH_OPEN say
// otherwise (see storagetest.Volumes and docs/benchmarks.md):
//
//	SPOTCHECK_BENCH_STORED=10000000 SPOTCHECK_BENCH_OPEN=100000 \
//	go test ./monitor -run '^$' -bench Refresh -benchtime 20x -timeout 120m
func BenchmarkRefresh(b *testing.B) {
	for _, backend := range storagetest.Backends() {
		for _, v := range storagetest.Volumes(b) {
			b.Run(backend+"/"+v.Name(), func(b *testing.B) {
				s, _ := storagetest.SeedStore(b, backend, v)
				cfg := config.Default()
				now := storagetest.VolumeToday.Add(6 * time.Hour)
				m := New(cfg, s, func() time.Time { return now }, storagetest.Logger(b))
				since, _ := m.starts(now.In(cfg.Location))
				var refresh, read []time.Duration
				rows := 0
				for b.Loop() {
					start := time.Now()
					rollups, err := s.Rollups(b.Context(), since)
					if err != nil {
						b.Fatal(err)
					}
					read = append(read, time.Since(start))
					start = time.Now()
					if err := m.Refresh(b.Context()); err != nil {
						b.Fatal(err)
					}
					refresh = append(refresh, time.Since(start))
					rows = len(rollups)
				}
				if got := len(m.Snapshot().Rollups); got != rows {
					b.Fatalf("the snapshot holds %d rollup rows, the read %d", got, rows)
				}
				r, f := medianOf(read), medianOf(refresh)
				b.ReportMetric(float64(rows), "rollup-rows")
				b.ReportMetric(float64(r)/1e6, "rollups-median-ms")
				b.ReportMetric(float64(f)/1e6, "refresh-median-ms")
				b.ReportMetric(float64(f)/float64(r), "refresh/rollups")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// medianOf returns the median of ds.
func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
