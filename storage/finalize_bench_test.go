package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage/storagetest"
)

// finalizeBatch is how many results a finalizing tick of BenchmarkFinalize
// makes final: a busy day's results whose objection period ended.
const finalizeBatch = 1_000

// BenchmarkFinalize times the chore that makes results final every 15 s
// (FinalizeResults) over SPOTCHECK_BENCH_STORED stored results (2,000
// unless set; 1,000,000 in docs/benchmarks.md), the first of which has an
// objection pending that never ends, so that it stays provisional:
//
//   - tick: a tick that finds nothing to finalize, as almost every tick
//     does; its cost should not grow with the stored results.
//
//   - finalize: a tick that makes final the finalizeBatch results whose
//     objection period ended since the last tick.
//
//     SPOTCHECK_BENCH_STORED=1000000 go test ./storage -run '^$' -bench Finalize -benchtime 5x -timeout 60m
func BenchmarkFinalize(b *testing.B) {
	stored := storagetest.EnvSize(b, "SPOTCHECK_BENCH_STORED", 2000, 1)
	for _, backend := range storagetest.Backends() {
		b.Run(fmt.Sprintf("%s/stored=%d", backend, stored), func(b *testing.B) {
			ctx := context.Background()
			s, open := storagetest.SeedStore(b, backend, storagetest.Volume{Stored: stored, Open: finalizeBatch * b.N, HeldObjection: true})
			testedOn := storagetest.VolumeToday
			var finalize, tick time.Duration
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				rs := make([]sampling.Result, finalizeBatch)
				for j := range rs {
					rs[j] = sampling.Result{TaskID: open.First + int64(i*finalizeBatch+j), Outcome: sampling.OutcomePass,
						TestedOn: dayOf(testedOn), ReportNo: fmt.Sprintf("F%08d", i*finalizeBatch+j)}
				}
				if n, err := s.RecordResults(ctx, rs, testedOn); n != finalizeBatch || err != nil {
					b.Fatalf("RecordResults = %d, %v; want %d", n, err, finalizeBatch)
				}
				// A day well past every objection period; each iteration's
				// results are the only ones it can make final.
				day := testedOn.AddDate(0, 0, 100+i)
				b.StartTimer()
				began := time.Now()
				n, err := s.FinalizeResults(ctx, dayOf(day))
				finalize += time.Since(began)
				if n != finalizeBatch || err != nil {
					b.Fatalf("FinalizeResults(%s) = %d, %v; want %d", day.Format(time.DateOnly), n, err, finalizeBatch)
				}
				began = time.Now()
				n, err = s.FinalizeResults(ctx, dayOf(day))
				tick += time.Since(began)
				if n != 0 || err != nil {
					b.Fatalf("FinalizeResults(%s) again = %d, %v; want 0", day.Format(time.DateOnly), n, err)
				}
			}
			b.ReportMetric(float64(finalize.Microseconds())/1000/float64(b.N), "ms/finalize")
			b.ReportMetric(float64(tick.Microseconds())/1000/float64(b.N), "ms/tick")
			b.ReportMetric(0, "ns/op")
		})
	}
}
