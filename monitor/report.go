package monitor

import (
	"slices"
	"time"

	"spotcheck/sampling"
)

// Groupings returns the groupings that rates may be asked for, in the order
// the help text names them.
func Groupings() []string {
	return []string{sampling.ByTier, sampling.ByIndustry, sampling.ByCategory, sampling.ByCounty}
}

// Report is the body of GET /api/v1/rates and of spotcheck rates --format
// json: rate rows and the stability of tiers, from one snapshot.
type Report struct {
	AsOf  time.Time          `json:"as_of"`
	Rates []sampling.RateRow `json:"rates"`
	// Stability reports the tiers with a stability rule, with the tier
	// headlines only.
	Stability []sampling.StabilityRow `json:"stability,omitempty"`
}

// Report returns the rate rows of the snapshot for the named window (all
// when empty) with the rate options (grouping, filters; MinBatches comes
// from the configuration), when they were computed and,
// for the tier headlines (grouped by tier, not final only, not narrowed to
// an industry or county), each tier's stability, all read from the same
// snapshot. Rates is never nil.
func (m *Monitor) Report(window string, opts sampling.RateOptions) Report {
	snap := m.Snapshot()
	rep := Report{AsOf: snap.AsOf, Rates: m.rates(snap, window, opts)}
	if rep.Rates == nil {
		rep.Rates = []sampling.RateRow{}
	}
	if (opts.By == "" || opts.By == sampling.ByTier) && !opts.FinalOnly && !opts.Filtered() {
		rep.Stability = snap.Stability
	}
	return rep
}

// rates returns the rate rows of snap for Report.
func (m *Monitor) rates(snap *Snapshot, window string, opts sampling.RateOptions) []sampling.RateRow {
	var rows []sampling.RateRow
	def := m.cfg.RateOptions()
	opts.MinBatches, opts.MinCategoryBatches = def.MinBatches, def.MinCategoryBatches
	switch {
	case opts.FinalOnly || opts.Filtered():
		rows = sampling.ComputeRates(snap.Rollups, m.cfg.TierRules(), m.cfg.RateWindows(), snap.Today, opts)
	case opts.By == "" || opts.By == sampling.ByTier:
		rows = snap.Headline
	case snap.Grouped[opts.By] != nil:
		rows = snap.Grouped[opts.By]
	default:
		rows = sampling.ComputeRates(snap.Rollups, m.cfg.TierRules(), m.cfg.RateWindows(), snap.Today, opts)
	}
	if window == "" {
		return rows
	}
	return slices.DeleteFunc(slices.Clone(rows), func(r sampling.RateRow) bool { return r.Window != window })
}
