package storage_test

import (
	"testing"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// TestMigrateResultKeys: results stored before migration 6 (which changes
// their keys and indexes) are found, finalized and retested after it, and
// the migration goes down and up again with them in place.
func TestMigrateResultKeys(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := t.Context()
			s, err := storage.Open(ctx, storagetest.URL(t, backend), storagetest.Logger(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.MigrateTo(ctx, 5); err != nil {
				t.Fatalf("migrate to 5: %v", err)
			}
			if err := s.AddLaterColumns(ctx); err != nil {
				t.Fatal(err)
			}
			ids := openPlan(t, s, 3)
			if _, err := s.RecordResults(ctx, []sampling.Result{pass(ids[0], "2026-11-05"), fail(ids[1], "2026-11-05", "x"), pass(ids[2], "2026-11-06")}, on("2026-11-06")); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordObjection(ctx, ids[1], "2026-11-10", dayOf(on("2026-11-10"))); err != nil {
				t.Fatal(err)
			}
			for _, v := range []int64{6, 5, 6} {
				if err := s.MigrateTo(ctx, v); err != nil {
					t.Fatalf("migrate to %d with results stored: %v", v, err)
				}
			}
			if n, err := s.FinalizeResults(ctx, dayOf(on("2026-12-30"))); n != 2 || err != nil {
				t.Fatalf("FinalizeResults after the migration = %d, %v; want 2 (the objected one waits)", n, err)
			}
			if n, err := s.RecordResults(ctx, []sampling.Result{retest(pass(ids[1], "2026-12-01"))}, on("2026-12-30")); n != 1 || err != nil {
				t.Fatalf("RecordResults(retest after the migration) = %d, %v", n, err)
			}
			hist, err := s.ResultHistory(ctx, ids[1])
			if err != nil || len(hist) != 2 || hist[0].State != sampling.ResultSuperseded || hist[1].State != sampling.ResultFinal {
				t.Errorf("ResultHistory = %+v, %v; want the first superseded by a final retest", hist, err)
			}
			d, err := s.TaskDetail(ctx, ids[0], dayOf(on("2026-12-30")))
			if err != nil || d.Status != sampling.TaskTested || d.Result == nil {
				t.Errorf("TaskDetail = %+v, %v; want tested with its result", d, err)
			}
			checkCounts(t, s, [2]int{}, [2]int{3, 0})
			checkRebuild(t, s)
			checkAudit(t, s)
		})
	}
}
