package monitor

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
)

// Exported is what the collector writes out beyond the tier headlines. It
// is derived once per snapshot, when the snapshot is taken, so that a scrape
// only writes out values: its cost depends on the number of series, never
// on the number of stored results or rollups.
type Exported struct {
	// Cells count batches per window, tier, industry, category and county.
	Cells []Cell
	// Recorded counts the results this process has seen being recorded,
	// by tier and industry, since its first snapshot; see recordedSince.
	Recorded []Recorded
}

// Recorded counts results recorded for one tier and industry: the values of
// the counters spotcheck_results_total and spotcheck_failed_results_total.
type Recorded struct {
	Tier, Industry  string
	Results, Failed float64
}

// windowsStart returns the first day of the widest window ending on today:
// the snapshot holds the rollups from that day on.
func windowsStart(today time.Time, windows []sampling.Window) time.Time {
	since := today
	for _, w := range windows {
		if s := w.Start(today); s.Before(since) {
			since = s
		}
	}
	return since
}

// export derives next's Exported; prev is the snapshot next replaces, the
// baseline of the result counters.
func export(cfg *config.Config, prev, next *Snapshot) *Exported {
	return &Exported{
		Cells:    next.Cells(cfg.RateWindows()),
		Recorded: recordedSince(cfg, prev, next),
	}
}

type tierIndustry struct{ tier, industry string }

// recordedSince adds to prev's result counters the results recorded between
// the two snapshots, by tier and industry.
//
// The counters are derived from the rollups rather than counted where a
// result is stored, so that they count every writer: this replica, the
// other replicas and the import command. Rollup rows only grow, and both
// snapshots hold every row from the later one's first day on, so the growth
// of the sums over those rows is what was recorded in between. Each replica
// therefore reports the same growth: aggregate the counters' rates with max,
// not sum. Results dated before the widest window are not seen; a retest
// that clears a failure lowers the failed sum, which a counter cannot follow,
// so it is not subtracted. The first snapshot is the baseline: the counters
// start at 0 with the process, as counters do, for every tier and industry of
// the configuration.
func recordedSince(cfg *config.Config, prev, next *Snapshot) []Recorded {
	counts := map[tierIndustry]*Recorded{}
	at := func(k tierIndustry) *Recorded {
		if counts[k] == nil {
			counts[k] = &Recorded{Tier: k.tier, Industry: k.industry}
		}
		return counts[k]
	}
	for _, ind := range cfg.Industries {
		for _, c := range ind.Categories {
			at(tierIndustry{c.Tier, ind.ID})
		}
	}
	if prev != nil && prev.Exported != nil {
		for _, r := range prev.Exported.Recorded {
			*at(tierIndustry{r.Tier, r.Industry}) = r
		}
	}
	if prev != nil && !prev.AsOf.IsZero() {
		windows := cfg.RateWindows()
		since := windowsStart(next.Today, windows)
		if s := windowsStart(prev.Today, windows); s.After(since) {
			since = s // the clock went back: only rows both snapshots hold
		}
		before, after := sums(prev.Rollups, since), sums(next.Rollups, since)
		for k, a := range after {
			b := before[k]
			r := at(k)
			r.Results += float64(max(0, a.Tested-b.Tested))
			r.Failed += float64(max(0, a.Failed-b.Failed))
		}
	}
	out := make([]Recorded, 0, len(counts))
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b tierIndustry) int {
		return cmp.Or(cmp.Compare(a.tier, b.tier), cmp.Compare(a.industry, b.industry))
	}) {
		out = append(out, *counts[k])
	}
	return out
}

// sums adds up tested and failed batches of the rollups from since on, by
// tier and industry.
func sums(rollups []sampling.Rollup, since time.Time) map[tierIndustry]sampling.Rollup {
	out := map[tierIndustry]sampling.Rollup{}
	for _, r := range rollups {
		if r.Day.Before(since) {
			continue
		}
		k := tierIndustry{r.Tier, r.Industry}
		s := out[k]
		s.Tested += r.Tested
		s.Failed += r.Failed
		out[k] = s
	}
	return out
}
