package monitor

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"spotcheck/sampling"
)

// The tests in this file pin the first and last day of every window in the
// exported metric cells and in the result counters: each fails when a
// window's edge moves by a day.

// TestCellsWindowFirstAndLastDay: a window's cell counts the rollups from
// its first day (today − days + 1) through today, and none before or after.
func TestCellsWindowFirstAndLastDay(t *testing.T) {
	cfg := testCfg(t)
	windows := cfg.RateWindows() // 30d, 365d
	cell := func(d time.Time, tested int) sampling.Rollup {
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
	if got := windows[0].Start(today).Format(time.DateOnly); got != "2026-10-30" {
		t.Errorf("30d starts on %s, want 2026-10-30", got)
	}
	if got := windows[1].Start(today).Format(time.DateOnly); got != "2025-11-29" {
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
	if got := windowsStart(today, cfg.RateWindows()).Format(time.DateOnly); got != "2025-11-29" {
		t.Errorf("windowsStart = %s, want 2025-11-29 (365d's first day)", got)
	}
	if got := windowsStart(today, []sampling.Window{{Name: "1d", Days: 1}}); !got.Equal(today) {
		t.Errorf("windowsStart(1d) = %s, want today", got.Format(time.DateOnly))
	}
	general := func(d time.Time, tested int) sampling.Rollup {
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
