// Package monitor keeps the in-memory snapshot of pass rates and task counts
// that feeds /metrics and the rates API, so that no scrape or rates request
// touches the database. Writes refresh it; so do the chores (package
// chores) periodically, which picks up other replicas' writes and moves the
// windows along with the date.
package monitor

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"spotcheck/config"
	"spotcheck/sampling"
	"spotcheck/storage"
)

// Snapshot is the state of pass rates at one moment.
type Snapshot struct {
	// AsOf is when the snapshot was taken, in the service's time zone.
	AsOf time.Time
	// Today is AsOf's date at midnight UTC, the end of every window.
	Today time.Time
	// Rollups are the daily rollups inside the widest window, or further
	// back when a stability rule needs it.
	Rollups []sampling.Rollup
	// Headline holds the tier rows of every window.
	Headline []sampling.RateRow
	// Stability holds each tier's stability over its recent periods, for
	// the tiers that have a stability rule.
	Stability []sampling.StabilityRow
	// Grouped holds the rows of every window by industry, category and
	// county, keyed by grouping, so that requests only filter.
	Grouped map[string][]sampling.RateRow
	// Tasks counts tasks by state (including overdue), tier, industry and
	// county.
	Tasks []sampling.TaskCount
	// Execution says how much of each schedule's plans in each window was
	// carried out.
	Execution []sampling.ExecutionRow
	// Pauses holds the pause state of every schedule ever paused, by name.
	Pauses map[string]storage.ScheduleState
	// Exported is what the collector exports beyond Headline and Tasks.
	Exported *Exported
}

// Monitor holds the current snapshot.
type Monitor struct {
	cfg    *config.Config
	store  *storage.Store
	now    func() time.Time
	logger *slog.Logger

	refreshMu sync.Mutex // one refresh at a time, so an older one cannot win
	snap      atomic.Pointer[Snapshot]
	// requested counts calls of Refresh; covered, under refreshMu, is the
	// count the last refresh began after. Calls waiting for the lock while
	// another refresh ran are then answered by one refresh between them.
	requested atomic.Uint64
	covered   uint64
}

// New returns a monitor over store; call Refresh before serving.
func New(cfg *config.Config, store *storage.Store, now func() time.Time, logger *slog.Logger) *Monitor {
	m := &Monitor{cfg: cfg, store: store, now: now, logger: logger.With("component", "monitor")}
	m.snap.Store(&Snapshot{Exported: &Exported{}})
	return m
}

// Snapshot returns the current snapshot. It never touches the database.
func (m *Monitor) Snapshot() *Snapshot { return m.snap.Load() }

// Refresh reads the rollups, task counts, execution and pauses and
// replaces the snapshot; it only reads (results become final by the
// chores). When it returns,
// the snapshot was read after it was called: it shows what was committed
// before. Concurrent calls share refreshes: a refresh that began after a
// call also answers it.
func (m *Monitor) Refresh(ctx context.Context) error {
	call := m.requested.Add(1)
	m.refreshMu.Lock()
	defer m.refreshMu.Unlock()
	if m.covered >= call {
		return nil
	}
	upto := m.requested.Load()
	if err := m.refresh(ctx); err != nil {
		return err
	}
	m.covered = upto
	return nil
}

// refresh is Refresh, once, under refreshMu.
func (m *Monitor) refresh(ctx context.Context) error {
	now := m.now().In(m.cfg.Location)
	today := sampling.Today(now, m.cfg.Location)
	todayUTC := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	windows := m.cfg.RateWindows()
	since := windowsStart(todayUTC, windows)
	stability := m.cfg.StabilityRules()
	for _, rule := range stability {
		if s := rule.Start(todayUTC); s.Before(since) {
			since = s
		}
	}
	rollups, err := m.store.Rollups(ctx, since)
	if err != nil {
		return err
	}
	tasks, err := m.store.TaskCountsBy(ctx, today)
	if err != nil {
		return err
	}
	executed, err := execution(ctx, m.cfg, m.store, todayUTC)
	if err != nil {
		return err
	}
	pauses, err := m.store.ScheduleStates(ctx)
	if err != nil {
		return err
	}
	opts := m.cfg.RateOptions()
	var stable []sampling.StabilityRow
	for _, tier := range m.cfg.TierRules() {
		if rule, ok := stability[tier.Name]; ok {
			stable = append(stable, sampling.ComputeStability(rollups, tier, rule, todayUTC, opts))
		}
	}
	grouped := sampling.ComputeRatesBy(rollups, m.cfg.TierRules(), windows, todayUTC, opts,
		append(Groupings(), sampling.ByIndustryCounty)...)
	snap := &Snapshot{
		AsOf:      now,
		Today:     todayUTC,
		Rollups:   rollups,
		Headline:  grouped[sampling.ByTier],
		Stability: stable,
		Grouped:   grouped,
		Tasks:     tasks,
		Execution: executed,
		Pauses:    pauses,
	}
	snap.Exported = export(m.cfg, m.snap.Load(), snap)
	m.snap.Store(snap)
	return nil
}

// Cell counts tested and failed batches of one window, tier, industry,
// category and county.
type Cell struct {
	Window, Tier, Industry, Category, County string
	Batches, Failed                          int
}

// Cells sums the snapshot's rollups per window and tier, industry, category
// and county, in a stable order.
func (s *Snapshot) Cells(windows []sampling.Window) []Cell {
	type key struct{ tier, industry, category, county string }
	var out []Cell
	for _, w := range windows {
		start := w.Start(s.Today)
		sums := map[key]*Cell{}
		for _, r := range s.Rollups {
			if r.Day.Before(start) || r.Day.After(s.Today) {
				continue
			}
			k := key{r.Tier, r.Industry, r.Category, r.County}
			c := sums[k]
			if c == nil {
				c = &Cell{Window: w.Name, Tier: r.Tier, Industry: r.Industry, Category: r.Category, County: r.County}
				sums[k] = c
			}
			c.Batches += r.Tested
			c.Failed += r.Failed
		}
		cells := make([]Cell, 0, len(sums))
		for _, c := range sums {
			cells = append(cells, *c)
		}
		slices.SortFunc(cells, func(a, b Cell) int {
			return cmp.Or(cmp.Compare(a.Tier, b.Tier), cmp.Compare(a.Industry, b.Industry),
				cmp.Compare(a.Category, b.Category), cmp.Compare(a.County, b.County))
		})
		out = append(out, cells...)
	}
	return out
}
