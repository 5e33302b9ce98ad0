package monitor

import (
	"cmp"
	"maps"
	"slices"

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
	// by tier, industry and county, since its first snapshot; see
	// recordedSince.
	Recorded []Recorded
	// sums are the snapshot's rollups from sumsSince on summed by tier,
	// industry and county (see sums): the next snapshot's recordedSince
	// starts from them instead of summing these rollups again.
	sums      map[recordedKey]sampling.Rollup
	sumsSince sampling.Day
}

// Recorded counts results recorded for one tier, industry and county: the
// values of the counters spotcheck_results_total and
// spotcheck_failed_results_total.
type Recorded struct {
	Tier, Industry, County string
	Results, Failed        float64
}

// windowsStart returns the first day of the widest window ending on today:
// the snapshot holds the rollups from that day on.
func windowsStart(today sampling.Day, windows []sampling.Window) sampling.Day {
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
	e := &Exported{Cells: next.Cells(cfg.RateWindows())}
	e.Recorded, e.sums, e.sumsSince = recordedSince(cfg, prev, next)
	return e
}

type recordedKey struct{ tier, industry, county string }

// recordedSince adds to prev's result counters the results recorded between
// the two snapshots, by tier, industry and county.
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
// the configuration in each configured county and each county of the
// rollups (a county neither configured nor in the first snapshot starts its
// counters when first seen, and rate() misses that first growth).
//
// It also returns next's sums from since on, for the snapshot after next.
func recordedSince(cfg *config.Config, prev, next *Snapshot) (_ []Recorded, after map[recordedKey]sampling.Rollup, since sampling.Day) {
	counts := map[recordedKey]*Recorded{}
	at := func(k recordedKey) *Recorded {
		if counts[k] == nil {
			counts[k] = &Recorded{Tier: k.tier, Industry: k.industry, County: k.county}
		}
		return counts[k]
	}
	// Every tier and industry of the configuration has counters in every
	// county known: configured, or seen in the rollups.
	counties := map[string]bool{}
	for _, c := range cfg.Counties {
		counties[c] = true
	}
	for _, r := range next.Rollups {
		counties[r.County] = true
	}
	if prev != nil && prev.Exported != nil {
		for _, r := range prev.Exported.Recorded {
			counties[r.County] = true
		}
	}
	for _, ind := range cfg.Industries {
		for _, c := range ind.Categories {
			for county := range counties {
				at(recordedKey{c.Tier, ind.ID, county})
			}
		}
	}
	if prev != nil && prev.Exported != nil {
		for _, r := range prev.Exported.Recorded {
			*at(recordedKey{r.Tier, r.Industry, r.County}) = r
		}
	}
	windows := cfg.RateWindows()
	since = windowsStart(next.Today, windows)
	if prev != nil && !prev.AsOf.IsZero() {
		if s := windowsStart(prev.Today, windows); s.After(since) {
			since = s // the clock went back: only rows both snapshots hold
		}
		var before map[recordedKey]sampling.Rollup
		if e := prev.Exported; e != nil && e.sums != nil && e.sumsSince == since {
			before = e.sums // prev's rollups summed when prev was derived
		} else {
			before = sums(prev.Rollups, since)
		}
		after = sums(next.Rollups, since)
		for k, a := range after {
			b := before[k]
			r := at(k)
			r.Results += float64(max(0, a.Tested-b.Tested))
			r.Failed += float64(max(0, a.Failed-b.Failed))
		}
	}
	out := make([]Recorded, 0, len(counts))
	for _, k := range slices.SortedFunc(maps.Keys(counts), func(a, b recordedKey) int {
		return cmp.Or(cmp.Compare(a.tier, b.tier), cmp.Compare(a.industry, b.industry), cmp.Compare(a.county, b.county))
	}) {
		out = append(out, *counts[k])
	}
	if after == nil {
		after = sums(next.Rollups, since)
	}
	return out, after, since
}

// sums adds up tested and failed batches of the rollups from since on, by
// tier, industry and county.
func sums(rollups []sampling.Rollup, since sampling.Day) map[recordedKey]sampling.Rollup {
	out := map[recordedKey]sampling.Rollup{}
	for _, r := range rollups {
		if r.Day.Before(since) {
			continue
		}
		k := recordedKey{r.Tier, r.Industry, r.County}
		s := out[k]
		s.Tested += r.Tested
		s.Failed += r.Failed
		out[k] = s
	}
	return out
}
