package monitor

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// TestApplySameChangeLaterWriteWins: a row that one change holds twice was
// written twice, the later value is newer: the comparisons of a row's
// change number with the change's own are inclusive. A rollup row the
// change removed and then wrote again is back with the later value,
// whether the read held it or not; a tally written twice has its later
// count.
func TestApplySameChangeLaterWriteWins(t *testing.T) {
	row := func(county string, tested int) sampling.Rollup {
		return sampling.Rollup{Day: day(1), Tier: "general", Industry: "textiles", Category: "garments", County: county, Tested: tested}
	}
	tally := func(n int) storage.TaskTally {
		return storage.TaskTally{PlanID: 1, Due: "2026-12-01", Status: sampling.TaskAssigned, N: n}
	}
	st := newState(storage.SnapshotState{Seq: 5, Rollups: []sampling.Rollup{row("gusu", 2)}, Tallies: []storage.TaskTally{tally(9)}}, nil, time.Time{})
	st.apply(storage.Change{Seq: 6,
		Rollups: []sampling.Rollup{row("gusu", 0), row("wuzhong", 0), row("gusu", 4), row("wuzhong", 3)},
		Tallies: []storage.TaskTally{tally(1), tally(2)}})
	v := st.view()
	var got []string
	for _, r := range v.rollups {
		got = append(got, fmt.Sprintf("%s %d", r.County, r.Tested))
	}
	if want := []string{"gusu 4", "wuzhong 3"}; !slices.Equal(got, want) {
		t.Errorf("rollups after change 6 removed and wrote them again = %q, want %q", got, want)
	}
	if len(v.tallies) != 1 || v.tallies[0].N != 2 {
		t.Errorf("tallies after change 6 wrote one twice = %+v, want its later count, 2", v.tallies)
	}
	// A later change's rows stay ahead of them.
	st.apply(storage.Change{Seq: 7, Rollups: []sampling.Rollup{row("gusu", 0)}, Tallies: []storage.TaskTally{tally(3)}})
	st.apply(storage.Change{Seq: 6, Rollups: []sampling.Rollup{row("gusu", 5)}, Tallies: []storage.TaskTally{tally(4)}})
	v = st.view()
	if len(v.rollups) != 1 || v.rollups[0].County != "wuzhong" || len(v.tallies) != 1 || v.tallies[0].N != 3 {
		t.Errorf("after change 7, then 6 again: rollups %+v, tallies %+v; want wuzhong's row only and the tally of change 7, 3", v.rollups, v.tallies)
	}
}
