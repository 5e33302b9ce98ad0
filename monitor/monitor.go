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
	// Today is AsOf's date in the service's zone, the end of every window.
	Today sampling.Day
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

	mu      sync.Mutex // guards data, pending and version
	data    *state     // nil until the first refresh
	pending []storage.Change
	version uint64 // counts changes to data

	deriveMu sync.Mutex    // one derivation at a time
	derived  atomic.Uint64 // the version the snapshot shows
}

// New returns a monitor over store; call Refresh before serving, and have
// the store's changes applied (Store.Watch with Apply) to show this
// process's writes at once.
func New(cfg *config.Config, store *storage.Store, now func() time.Time, logger *slog.Logger) *Monitor {
	m := &Monitor{cfg: cfg, store: store, now: now, logger: logger.With("component", "monitor")}
	m.snap.Store(&Snapshot{Exported: &Exported{}})
	return m
}

// Snapshot returns the current snapshot. It never touches the database.
// When changes were applied since the snapshot was derived, it derives it
// again first (once for all the changes, and for all callers meanwhile):
// a write does not wait for the rates, the next reader does.
func (m *Monitor) Snapshot() *Snapshot {
	m.mu.Lock()
	stale := m.version > m.derived.Load()
	m.mu.Unlock()
	if stale {
		m.publish()
	}
	return m.snap.Load()
}

// Refresh reads the rollups, task tallies, plans and pauses and replaces
// the snapshot; it only reads (results become final by the chores), and
// what it reads does not grow with the stored tasks or results. When it
// returns, the snapshot was read after it was called: it shows what was
// committed before. Concurrent calls share refreshes: a refresh that began
// after a call also answers it.
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
	since, plansSince := m.starts(now)
	read, err := m.store.SnapshotState(ctx, since, plansSince)
	if err != nil {
		return err
	}
	pauses, err := m.store.ScheduleStates(ctx)
	if err != nil {
		return err
	}
	st := newState(read, pauses, now)
	m.mu.Lock()
	// The changes the read did not include yet go on top of it.
	pending := m.pending[:0]
	for _, ch := range m.pending {
		if ch.Seq > read.Seq {
			st.apply(ch)
			pending = append(pending, ch)
		}
	}
	m.pending = pending
	m.data = st
	m.version++
	m.mu.Unlock()
	m.publish()
	return nil
}

// Apply applies a change this process's store committed to the snapshot's
// data, without reading the database: a write's rates and task counts show
// to every Snapshot after the write returns. Changes already in the last
// read are skipped, and changes arriving out of order keep the latest value
// of each row, so the snapshot equals what a refresh would read. It costs
// what the change holds; the rates are derived again by the next Snapshot.
// Before the first refresh it only keeps the change. Give it to
// Store.Watch.
func (m *Monitor) Apply(ch storage.Change) {
	m.mu.Lock()
	if m.data != nil && ch.Seq <= m.data.seq {
		m.mu.Unlock()
		return
	}
	m.pending = append(m.pending, ch)
	if m.data == nil {
		m.mu.Unlock()
		return
	}
	m.data.apply(ch)
	m.version++
	m.mu.Unlock()
}

// starts returns the first day of rollups and the first plan time that a
// snapshot taken at now holds.
func (m *Monitor) starts(now time.Time) (since sampling.Day, plansSince time.Time) {
	today := sampling.Today(now, m.cfg.Location)
	since = windowsStart(today, m.cfg.RateWindows())
	// A day early: a plan's nominal date is in the service's zone, its time
	// is stored in UTC.
	plansSince = since.AddDays(-1).Start(time.UTC)
	for _, rule := range m.cfg.StabilityRules() {
		if s := rule.Start(today); s.Before(since) {
			since = s
		}
	}
	return since, plansSince
}

// publish derives a snapshot from the data, unless one derived since the
// data last changed shows it already, and replaces the current one.
// Concurrent calls share derivations like calls of Refresh.
func (m *Monitor) publish() {
	m.deriveMu.Lock()
	defer m.deriveMu.Unlock()
	m.mu.Lock()
	if m.version <= m.derived.Load() {
		m.mu.Unlock()
		return
	}
	version, view := m.version, m.data.view()
	m.mu.Unlock()
	m.snap.Store(m.derive(view))
	m.derived.Store(version)
}

// derive computes the snapshot of the data seen at now: every rate, the
// task counts and execution, and what the collector exports.
func (m *Monitor) derive(v view) *Snapshot {
	now := m.now().In(m.cfg.Location)
	today := sampling.Today(now, m.cfg.Location)
	windows := m.cfg.RateWindows()
	since, plansSince := m.starts(now)
	rollups := v.rollupsFrom(since)
	stability := m.cfg.StabilityRules()
	opts := m.cfg.RateOptions()
	var stable []sampling.StabilityRow
	for _, tier := range m.cfg.TierRules() {
		if rule, ok := stability[tier.Name]; ok {
			stable = append(stable, sampling.ComputeStability(rollups, tier, rule, today, opts))
		}
	}
	grouped := sampling.ComputeRatesBy(rollups, m.cfg.TierRules(), windows, today, opts,
		append(Groupings(), sampling.ByIndustryCounty)...)
	names := make([]string, len(m.cfg.Schedules))
	for i, sc := range m.cfg.Schedules {
		names[i] = sc.Name
	}
	counts := storage.CountPlanTasks(v.plans, v.tallies, plansSince, m.cfg.Location)
	snap := &Snapshot{
		AsOf:      v.asOf,
		Today:     today,
		Rollups:   rollups,
		Headline:  grouped[sampling.ByTier],
		Stability: stable,
		Grouped:   grouped,
		Tasks:     storage.CountTasks(v.tallies, today),
		Execution: sampling.ComputeExecution(counts, names, windows, today),
		Pauses:    v.pauses,
	}
	snap.Exported = export(m.cfg, m.snap.Load(), snap)
	return snap
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
	// One pass over the rollups for every window: a row is looked up once,
	// and counted in each window that holds its day.
	starts := make([]sampling.Day, len(windows))
	for w, win := range windows {
		starts[w] = win.Start(s.Today)
	}
	index := map[key]int{}
	var keys []key
	var sums []Cell    // of key k in window w at k·len(windows)+w
	var counted []bool // whether a row counts in that cell
	for _, r := range s.Rollups {
		if r.Day.After(s.Today) {
			continue
		}
		k := -1
		for w, start := range starts {
			if r.Day.Before(start) {
				continue
			}
			if k < 0 {
				kk := key{r.Tier, r.Industry, r.Category, r.County}
				var ok bool
				if k, ok = index[kk]; !ok {
					k = len(keys)
					index[kk] = k
					keys = append(keys, kk)
					sums = append(sums, make([]Cell, len(windows))...)
					counted = append(counted, make([]bool, len(windows))...)
				}
			}
			c := &sums[k*len(windows)+w]
			if !counted[k*len(windows)+w] {
				counted[k*len(windows)+w] = true
				*c = Cell{Window: windows[w].Name, Tier: r.Tier, Industry: r.Industry, Category: r.Category, County: r.County}
			}
			c.Batches += r.Tested
			c.Failed += r.Failed
		}
	}
	order := make([]int, len(keys))
	for k := range order {
		order[k] = k
	}
	slices.SortFunc(order, func(a, b int) int {
		x, y := &keys[a], &keys[b]
		return cmp.Or(cmp.Compare(x.tier, y.tier), cmp.Compare(x.industry, y.industry),
			cmp.Compare(x.category, y.category), cmp.Compare(x.county, y.county))
	})
	var out []Cell
	for w := range windows {
		for _, k := range order {
			if counted[k*len(windows)+w] {
				out = append(out, sums[k*len(windows)+w])
			}
		}
	}
	return out
}
