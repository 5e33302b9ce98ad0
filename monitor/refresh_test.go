package monitor

import (
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// openPlan is storagetest.Plan.
func openPlan(t *testing.T, s *storage.Store, n int, planDay time.Time) []sampling.Task {
	t.Helper()
	return storagetest.Plan(t, s, n, planDay)
}

// TestRefreshCountsResults: on every backend, results stored by any writer
// between two refreshes show in the counters, and the exported rows follow
// the rollups.
func TestRefreshCountsResults(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			s := storagetest.Open(t, backend)
			cfg := testCfg(t)
			now := time.Date(2026, 11, 28, 10, 0, 0, 0, cfg.Location)
			tasks := openPlan(t, s, 6, now.AddDate(0, 0, -2))
			m := New(cfg, s, func() time.Time { return now }, storagetest.Logger(t))
			record := func(tasks []sampling.Task, outcome string) {
				t.Helper()
				var rs []sampling.Result
				for _, task := range tasks {
					r := sampling.Result{TaskID: task.ID, Outcome: outcome, TestedOn: "2026-11-27"}
					if outcome == sampling.OutcomeFail {
						r.FailedItems = "纤维含量"
					}
					rs = append(rs, r)
				}
				if _, err := s.RecordResults(t.Context(), rs, now.In(cfg.Location)); err != nil {
					t.Fatal(err)
				}
			}
			record(tasks[:2], sampling.OutcomePass) // before the first refresh: the baseline
			if err := m.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			record(tasks[2:5], sampling.OutcomePass)
			record(tasks[5:], sampling.OutcomeFail)
			if err := m.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			got := string(exposition(t, NewCollector(m, time.Minute)))
			for _, want := range []string{
				`spotcheck_results_total{county="姑苏区",industry="textiles",tier="general"} 4`,
				`spotcheck_failed_results_total{county="姑苏区",industry="textiles",tier="general"} 1`,
				`spotcheck_window_batches{category="garments",county="姑苏区",industry="textiles",tier="general",window="30d"} 6`,
				`spotcheck_industry_pass_rate_ratio{industry="textiles",tier="general",window="30d"} 0.8333333333333334`,
				`spotcheck_county_pass_rate_ratio{county="姑苏区",tier="general",window="365d"} 0.8333333333333334`,
				`spotcheck_tasks{county="姑苏区",industry="textiles",state="tested",tier="general"} 6`,
				`spotcheck_tasks{county="姑苏区",industry="textiles",state="overdue",tier="general"} 0`,
			} {
				if !strings.Contains(got, want+"\n") {
					t.Errorf("after 4 results between refreshes, /metrics lacks %s", want)
				}
			}
		})
	}
}

// TestRefreshShared: calls of Refresh that wait while another refresh runs
// are answered together by one refresh, which began after all of them.
func TestRefreshShared(t *testing.T) {
	s := storagetest.Open(t, storage.SQLite)
	cfg := testCfg(t)
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, cfg.Location)
	m := New(cfg, s, func() time.Time { return now }, storagetest.Logger(t))
	before := m.Snapshot()
	m.refreshMu.Lock() // as if a refresh were running
	const calls = 5
	done := make(chan *Snapshot, calls)
	for range calls {
		go func() {
			if err := m.Refresh(t.Context()); err != nil {
				t.Error(err)
			}
			done <- m.Snapshot()
		}()
	}
	for m.requested.Load() < calls {
		time.Sleep(time.Millisecond)
	}
	m.refreshMu.Unlock()
	first := <-done
	for range calls - 1 {
		if got := <-done; got != first {
			t.Fatal("waiting calls of Refresh made more than one refresh")
		}
	}
	if first == before {
		t.Fatal("Refresh returned without refreshing")
	}
	// A later call refreshes again.
	if err := m.Refresh(t.Context()); err != nil || m.Snapshot() == first {
		t.Errorf("Refresh after the shared one = %v, snapshot replaced: %v", err, m.Snapshot() != first)
	}
}
