package monitor_test

import (
	"fmt"
	"testing"
	"time"

	"spotcheck/chores"
	"spotcheck/config"
	"spotcheck/monitor"
	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// planOf stores a plan of n key-tier tasks made on 2026-11-01 and returns
// their ids.
func planOf(t *testing.T, s *storage.Store, n int) []int64 {
	t.Helper()
	var units []sampling.Unit
	for i := range n {
		body := fmt.Sprintf("91320500MA%07d", i)
		c, err := sampling.CreditCodeCheck(body)
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, sampling.Unit{CreditCode: body + string(c), Enterprise: "e", County: "gusu", Industry: "textiles", Category: "car-seats", Risk: "B"})
	}
	ins := []sampling.Inspector{{ID: "I1", Name: "a", County: "gusu", Industries: []string{"textiles"}}, {ID: "I2", Name: "b", County: "gusu", Industries: []string{"textiles"}}}
	if err := s.UpsertUnits(t.Context(), units); err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertInspectors(t.Context(), ins); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC)
	p, err := sampling.DrawSRS(sampling.SRSSpec{Schedule: "s", Industry: "textiles", NominalTime: at, Kind: sampling.KindManual,
		Categories: map[string]string{"car-seats": sampling.TierKey}, Batches: n, InspectorsPerTask: 1, Due: at.AddDate(0, 1, 0)},
		make([]byte, sampling.SeedSize), units, ins)
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Commit(t, s, &p)
	ids := make([]int64, len(p.Tasks))
	for i, task := range p.Tasks {
		ids[i] = task.ID
	}
	return ids
}

// TestRefresh checks that a refresh fills the snapshot with the headline, every
// grouping and the key tier's stability.
func TestRefresh(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			s := storagetest.Open(t, backend)
			cfg := config.Default()
			ids := planOf(t, s, 3)
			recorded := time.Date(2026, 11, 5, 0, 0, 0, 0, cfg.Location)
			results := []sampling.Result{
				{TaskID: ids[0], Outcome: "pass", TestedOn: "2026-11-05"},
				{TaskID: ids[1], Outcome: "pass", TestedOn: "2026-11-05"},
				{TaskID: ids[2], Outcome: "fail", TestedOn: "2026-11-05", FailedItems: "x"},
			}
			if _, err := s.RecordResults(t.Context(), results, recorded); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 11, 10, 12, 0, 0, 0, cfg.Location)
			m := monitor.New(cfg, s, func() time.Time { return now }, storagetest.Logger(t))
			if err := m.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			rows := m.Report("30d", sampling.RateOptions{By: sampling.ByTier}).Rates
			if len(rows) != 1 || rows[0].Batches != 3 || rows[0].Provisional != 3 {
				t.Fatalf("Rates(30d) = %+v, want 3 provisional batches of the key tier", rows)
			}
			if got := m.Report("30d", sampling.RateOptions{By: sampling.ByCounty}).Rates; len(got) != 1 || got[0].County != "gusu" {
				t.Errorf("Rates(30d, county) = %+v", got)
			}
			snap := m.Snapshot()
			if len(snap.Stability) != 1 || snap.Stability[0].Tier != sampling.TierKey || len(snap.Stability[0].Periods) != 4 {
				t.Errorf("Snapshot().Stability = %+v, want the key tier over 4 quarters", snap.Stability)
			}
			// 16 days after recording the objection period has ended:
			// the chores make the results final.
			now = time.Date(2026, 11, 21, 0, 30, 0, 0, cfg.Location)
			c := chores.New(cfg, s, m, storagetest.Logger(t), chores.Options{Now: func() time.Time { return now }})
			if err := c.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			if rows := m.Report("30d", sampling.RateOptions{FinalOnly: true}).Rates; len(rows) != 1 || rows[0].Batches != 3 || rows[0].Provisional != 0 {
				t.Errorf("Report(30d, final only) after the objection period = %+v, want 3 final batches", rows)
			}
		})
	}
}
