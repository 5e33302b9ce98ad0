package monitor

import (
	"cmp"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"spotcheck/sampling"
)

// cellsPerWindow is Snapshot.Cells as it was written first, a pass over
// the rollups for each window: the reference the one-pass Cells must
// equal.
func cellsPerWindow(s *Snapshot, windows []sampling.Window) []Cell {
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

// randomRollups returns n rollup rows over a few cells and the 400 days
// before today and a few after it, zero counts included.
func randomRollups(r *rand.Rand, n int) []sampling.Rollup {
	cells := []struct{ tier, industry, category string }{
		{"general", "textiles", "garments"}, {"key", "textiles", "childrens-garments"},
		{"agri_input", "agri-inputs", "pesticides"}, {"agri_input", "agri-inputs", "fertilizers"},
	}
	counties := []string{"gusu", "wuzhong", "xiangcheng"}
	out := make([]sampling.Rollup, n)
	for i := range out {
		c := cells[r.IntN(len(cells))]
		tested := r.IntN(4)
		out[i] = sampling.Rollup{Day: today.AddDays(3 - r.IntN(404)), Tier: c.tier, Industry: c.industry, Category: c.category,
			County: counties[r.IntN(len(counties))], Tested: tested, Failed: r.IntN(tested + 1), Final: r.IntN(2) == 0}
	}
	return out
}

// TestCellsOnePass: Cells counts each window's cells as a pass per window
// does, in the same order, over random rollups.
func TestCellsOnePass(t *testing.T) {
	cfg := testCfg(t)
	r := rand.New(rand.NewPCG(13, 1))
	for round := range 200 {
		s := &Snapshot{Today: today, Rollups: randomRollups(r, r.IntN(60))}
		if got, want := s.Cells(cfg.RateWindows()), cellsPerWindow(s, cfg.RateWindows()); !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: Cells = %+v, want %+v", round, got, want)
		}
	}
}

// TestRecordedFromKeptSums: the result counters derived from the sums
// kept with the snapshot before equal those derived by summing its rollups
// again, over random sequences of snapshots, a day passing now and then.
func TestRecordedFromKeptSums(t *testing.T) {
	cfg := testCfg(t)
	r := rand.New(rand.NewPCG(13, 2))
	for round := range 50 {
		rollups := randomRollups(r, 20)
		prev := snapshotOf(cfg, nil, rollups)
		for step := range 10 {
			rollups = append(slices.Clone(rollups), randomRollups(r, 1+r.IntN(5))...)
			next := snapshotOf(cfg, prev, rollups)
			if r.IntN(3) == 0 {
				next.Today = next.Today.AddDays(1)
			}
			kept := export(cfg, prev, next)
			stripped := *prev
			stripped.Exported = &Exported{Cells: prev.Exported.Cells, Recorded: prev.Exported.Recorded}
			again := export(cfg, &stripped, next)
			if !reflect.DeepEqual(kept, again) {
				t.Fatalf("round %d, step %d: from the kept sums %+v, summed again %+v", round, step, kept.Recorded, again.Recorded)
			}
			next.Exported = kept
			prev = next
		}
	}
}
