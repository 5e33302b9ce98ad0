package monitor

import (
	"context"
	"fmt"

	"spotcheck/sampling"
)

// MaxHistoryPoints bounds the points of one history request.
const MaxHistoryPoints = 1000

// History returns the tier's headline rate in the named window as it stood
// every step days, the last point today, points points in all. It reads the
// rollups it needs from the database: history reaches further back than
// the snapshot holds, and is asked for by people, not scrapes.
func (m *Monitor) History(ctx context.Context, tierName, windowName string, step, points int) ([]sampling.HistoryPoint, error) {
	var tier *sampling.TierRule
	for _, t := range m.cfg.TierRules() {
		if t.Name == tierName {
			tier = &t
		}
	}
	var window *sampling.Window
	for _, w := range m.cfg.RateWindows() {
		if w.Name == windowName {
			window = &w
		}
	}
	switch {
	case tier == nil:
		return nil, fmt.Errorf("unknown tier %q", tierName)
	case window == nil:
		return nil, fmt.Errorf("unknown window %q", windowName)
	case step < 1 || points < 1 || points > MaxHistoryPoints:
		return nil, fmt.Errorf("step must be at least 1 day and points 1 to %d", MaxHistoryPoints)
	}
	today := m.Snapshot().Today
	if today.IsZero() {
		today = sampling.Today(m.now(), m.cfg.Location)
	}
	ends := make([]sampling.Day, points)
	for i := range ends {
		ends[i] = today.AddDays(-step * (points - 1 - i))
	}
	rollups, err := m.store.Rollups(ctx, window.Start(ends[0]))
	if err != nil {
		return nil, err
	}
	return sampling.RateHistory(rollups, *tier, *window, ends, m.cfg.RateOptions()), nil
}
