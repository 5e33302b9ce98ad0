package monitor

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
	"spotcheck/storage/storagetest"
)

// The tests in this file pin the first and last day of every window in the
// exported metric cells and in the result counters: each fails when a
// window's edge moves by a day.

// TestCellsWindowFirstAndLastDay: a window's cell counts the rollups from
// its first day (today − days + 1) through today, and none before or after.
func TestCellsWindowFirstAndLastDay(t *testing.T) {
	cfg := testCfg(t)
	windows := cfg.RateWindows() // 30d, 365d
	cell := func(d sampling.Day, tested int) sampling.Rollup {
		return sampling.Rollup{Day: d, Tier: "general", Industry: "textiles", Category: "garments", County: "姑苏区", Tested: tested, Failed: tested / 2}
	}
	// today is 2026-11-28: the 30d window starts on 10-30, the 365d one on
	// 2025-11-29.
	snap := &Snapshot{Today: today, Rollups: []sampling.Rollup{
		cell(day(29), 1),   // 30d's first day
		cell(day(30), 2),   // the day before it
		cell(day(0), 4),    // the last day of both
		cell(day(-1), 8),   // tomorrow: in no window
		cell(day(364), 16), // 365d's first day
		cell(day(365), 32), // the day before it
	}}
	if got := windows[0].Start(today); got != "2026-10-30" {
		t.Errorf("30d starts on %s, want 2026-10-30", got)
	}
	if got := windows[1].Start(today); got != "2025-11-29" {
		t.Errorf("365d starts on %s, want 2025-11-29", got)
	}
	var got []string
	for _, c := range snap.Cells(windows) {
		got = append(got, fmt.Sprintf("%s %s/%s %d/%d", c.Window, c.Tier, c.County, c.Batches, c.Failed))
	}
	want := []string{"30d general/姑苏区 5/2", "365d general/姑苏区 23/11"}
	if !slices.Equal(got, want) {
		t.Errorf("Cells = %v, want %v (first and last days in, the days beside them out)", got, want)
	}
}

// TestWindowsStartFirstDay: the snapshot keeps the rollups from the first
// day of the widest window; a counter sees a result dated on that day and
// not one dated the day before.
func TestWindowsStartFirstDay(t *testing.T) {
	cfg := testCfg(t)
	if got := windowsStart(today, cfg.RateWindows()); got != "2025-11-29" {
		t.Errorf("windowsStart = %s, want 2025-11-29 (365d's first day)", got)
	}
	if got := windowsStart(today, []sampling.Window{{Name: "1d", Days: 1}}); got != today {
		t.Errorf("windowsStart(1d) = %s, want today", got)
	}
	general := func(d sampling.Day, tested int) sampling.Rollup {
		return sampling.Rollup{Day: d, Tier: "general", Industry: "textiles", Category: "garments", County: "姑苏区", Tested: tested}
	}
	base := snapshotOf(cfg, &Snapshot{Exported: &Exported{}}, []sampling.Rollup{general(day(364), 1), general(day(365), 1)})
	next := snapshotOf(cfg, base, []sampling.Rollup{general(day(364), 3), general(day(365), 5)})
	for _, r := range next.Exported.Recorded {
		if r.Tier == "general" && r.Results != 2 {
			t.Errorf("general results counted = %v, want 2 (the growth on 365d's first day only)", r.Results)
		}
	}
}

// TestHistoryPointsBounds: History takes 1 to MaxHistoryPoints points of a
// step of at least one day, ending today in the configured zone (00:30 on
// the 28th in Shanghai is the 28th, though the 27th in UTC), each point the
// rate of the window ending that day.
func TestHistoryPointsBounds(t *testing.T) {
	cfg := testCfg(t)
	s := storagetest.Open(t, storage.SQLite)
	now := time.Date(2026, 11, 28, 0, 30, 0, 0, cfg.Location)
	tasks := openPlan(t, s, 3, now.AddDate(0, 0, -20))
	var rs []sampling.Result
	for i, day := range []sampling.Day{"2026-11-14", "2026-11-21", "2026-11-28"} {
		rs = append(rs, sampling.Result{TaskID: tasks[i].ID, Outcome: sampling.OutcomePass, TestedOn: day})
	}
	if _, err := s.RecordResults(t.Context(), rs, now.In(cfg.Location)); err != nil {
		t.Fatal(err)
	}
	m := New(cfg, s, func() time.Time { return now }, storagetest.Logger(t))
	describe := func(points []sampling.HistoryPoint) string {
		var parts []string
		for _, p := range points {
			parts = append(parts, fmt.Sprintf("%s:%d", p.Date, p.Batches))
		}
		return strings.Join(parts, " ")
	}
	for _, tt := range []struct {
		name          string
		tier, window  string
		step, points  int
		want, wantErr string
	}{
		{"three weekly points", "general", "30d", 7, 3, "2026-11-14:1 2026-11-21:2 2026-11-28:3", ""},
		{"one point", "general", "30d", 1, 1, "2026-11-28:3", ""},
		{"step 1, the day before the last result", "general", "30d", 1, 2, "2026-11-27:2 2026-11-28:3", ""},
		{"MaxHistoryPoints points", "general", "30d", 1, MaxHistoryPoints, "", ""},
		{"one point too many", "general", "30d", 1, MaxHistoryPoints + 1, "", "step must be at least 1 day and points 1 to 1000"},
		{"no points", "general", "30d", 1, 0, "", "step must be at least 1 day and points 1 to 1000"},
		{"step 0", "general", "30d", 0, 3, "", "step must be at least 1 day and points 1 to 1000"},
		{"unknown tier", "nope", "30d", 1, 1, "", `unknown tier "nope"`},
		{"unknown window", "general", "7d", 1, 1, "", `unknown window "7d"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := m.History(t.Context(), tt.tier, tt.window, tt.step, tt.points)
			switch {
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("History = %v, want error %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("History = %v", err)
			case tt.points == MaxHistoryPoints:
				// Days without batches in the window are left out: the
				// points start on the first result's day.
				if len(got) != 15 || got[len(got)-1].Date != "2026-11-28" || got[0].Date != "2026-11-14" {
					t.Errorf("History(%d points) = %d points from %s; want 15 from 2026-11-14 to 2026-11-28", tt.points, len(got), got[0].Date)
				}
			case describe(got) != tt.want:
				t.Errorf("History = %s, want %s", describe(got), tt.want)
			}
		})
	}
}

// TestReportStability: the report carries the tiers' stability with the
// tier headlines only, not with other groupings or final-only rates.
func TestReportStability(t *testing.T) {
	cfg := testCfg(t)
	m := New(cfg, nil, time.Now, storagetest.Logger(t))
	rows := []sampling.StabilityRow{{Tier: sampling.TierKey, Stable: true}}
	headline := []sampling.RateRow{{Window: "30d", Tier: "general", Batches: 1}, {Window: "365d", Tier: "general", Batches: 2}}
	m.snap.Store(&Snapshot{Stability: rows, Headline: headline, Grouped: map[string][]sampling.RateRow{sampling.ByTier: headline}, Exported: &Exported{}})
	for _, tt := range []struct {
		opts      sampling.RateOptions
		stability bool
	}{
		{sampling.RateOptions{}, true},
		{sampling.RateOptions{By: sampling.ByTier}, true},
		{sampling.RateOptions{By: sampling.ByCounty}, false},
		{sampling.RateOptions{FinalOnly: true}, false},
	} {
		rep := m.Report("365d", tt.opts)
		if got := len(rep.Stability) == 1; got != tt.stability {
			t.Errorf("Report(by %q, final only %v) stability = %v, want it %v", tt.opts.By, tt.opts.FinalOnly, rep.Stability, tt.stability)
		}
		if rep.Rates == nil {
			t.Errorf("Report(by %q, final only %v).Rates = nil, want a slice", tt.opts.By, tt.opts.FinalOnly)
		}
	}
	if rep := m.Report("365d", sampling.RateOptions{}); len(rep.Rates) != 1 || rep.Rates[0].Batches != 2 {
		t.Errorf("Report(365d).Rates = %+v, want the 365d headline only", rep.Rates)
	}
}

// TestReportServesTheSnapshot: grouped rates come from the snapshot's
// precomputed rows, not recomputed per request.
func TestReportServesTheSnapshot(t *testing.T) {
	m := New(testCfg(t), nil, time.Now, storagetest.Logger(t))
	county := []sampling.RateRow{{Window: "30d", Tier: "general", County: "姑苏区", Batches: 7}}
	m.snap.Store(&Snapshot{Grouped: map[string][]sampling.RateRow{sampling.ByCounty: county}, Exported: &Exported{}})
	if got := m.Report("", sampling.RateOptions{By: sampling.ByCounty}).Rates; len(got) != 1 || got[0].Batches != 7 {
		t.Errorf("Report(by county).Rates = %+v, want the snapshot's row of 7 batches", got)
	}
}

// TestExecutionOfFilters: execution rows are filtered by schedule and by
// window, each only when given; never nil.
func TestExecutionOfFilters(t *testing.T) {
	snap := &Snapshot{Execution: []sampling.ExecutionRow{
		{Schedule: "a", Window: "30d"}, {Schedule: "a", Window: "365d"}, {Schedule: "b", Window: "30d"},
	}}
	for _, tt := range []struct {
		schedule, window string
		want             []string
	}{
		{"", "", []string{"a/30d", "a/365d", "b/30d"}},
		{"a", "", []string{"a/30d", "a/365d"}},
		{"", "30d", []string{"a/30d", "b/30d"}},
		{"b", "30d", []string{"b/30d"}},
		{"c", "", []string{}},
	} {
		got := []string{}
		rows := ExecutionOf(snap, tt.schedule, tt.window)
		if rows == nil {
			t.Errorf("ExecutionOf(%q, %q) = nil, want a slice", tt.schedule, tt.window)
		}
		for _, r := range rows {
			got = append(got, r.Schedule+"/"+r.Window)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ExecutionOf(%q, %q) = %v, want %v", tt.schedule, tt.window, got, tt.want)
		}
	}
}
