package monitor_test

import (
	"fmt"
	"slices"
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
	return planAt(t, s, "s", 0, n, time.Date(2026, 11, 1, 1, 0, 0, 0, time.UTC))
}

// planAt stores a plan of schedule made at at, of n key-tier tasks on the
// units numbered from, and returns their ids.
func planAt(t *testing.T, s *storage.Store, schedule string, from, n int, at time.Time) []int64 {
	t.Helper()
	var units []sampling.Unit
	for i := from; i < from+n; i++ {
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
	p, err := sampling.DrawSRS(sampling.SRSSpec{Schedule: schedule, Industry: "textiles", NominalTime: at, Kind: sampling.KindManual,
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

// TestExecutionPlanOnWidestWindowFirstDay: a plan made at 01:00 in the
// service's zone on the first day of the widest window (365d), which is
// the day before in UTC, counts in that window's execution; a plan made
// two hours earlier, on the day before in the zone, counts in none.
func TestExecutionPlanOnWidestWindowFirstDay(t *testing.T) {
	for _, backend := range storagetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			s := storagetest.Open(t, backend)
			cfg := config.Default()
			first := time.Date(2026, 11, 1, 1, 0, 0, 0, cfg.Location) // 2026-10-31 17:00 UTC
			planAt(t, s, "first-day", 0, 2, first)
			planAt(t, s, "day-before", 2, 3, first.Add(-2*time.Hour))
			now := time.Date(2027, 10, 31, 12, 0, 0, 0, cfg.Location) // 365d: 2026-11-01 to 2027-10-31
			m := monitor.New(cfg, s, func() time.Time { return now }, storagetest.Logger(t))
			if err := m.Refresh(t.Context()); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range monitor.ExecutionOf(m.Snapshot(), "", "365d") {
				got = append(got, fmt.Sprintf("%s %s planned %d open %d", r.Schedule, r.Window, r.Planned, r.Open))
			}
			slices.Sort(got)
			want := []string{"day-before 365d planned 0 open 0", "first-day 365d planned 2 open 2"}
			if !slices.Equal(got, want) {
				t.Errorf("execution = %q, want %q", got, want)
			}
		})
	}
}
