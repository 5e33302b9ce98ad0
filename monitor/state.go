package monitor

import (
	"cmp"
	"slices"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// state is what the snapshot is derived from: the last read of the
// database (storage.SnapshotState) with the changes of later writes of
// this process applied to it. Each row remembers the number of the change
// that set it (the read's number for rows read), so that a change arriving
// after a later one touching the same row leaves the later value.
type state struct {
	seq   int64     // the read's change number
	asOf  time.Time // when it was read
	pause map[string]storage.ScheduleState

	// rollups are in rollupOrder; the slice is shared with the views
	// taken of it, so a change replaces it instead of writing into it.
	rollups    []sampling.Rollup
	shared     bool    // a view holds rollups
	rollupSeqs []int64 // rollupSeqs[i] set rollups[i]
	// gone holds the rows a change removed, with the change's number.
	gone    map[rollupKey]int64
	tallies map[storage.TaskTally]seqTally // keyed by the tally with N 0
	plans   map[int64]seqPlan
}

type rollupKey struct {
	day                              sampling.Day
	tier, industry, category, county string
	final                            bool
}

func keyOf(r sampling.Rollup) rollupKey {
	return rollupKey{r.Day, r.Tier, r.Industry, r.Category, r.County, r.Final}
}

// rollupOrder orders rollups by day, then cell, final before provisional
// (the order of the rollups table's key), so that every snapshot sums its
// rows in the same order however it came by them.
func rollupOrder(a, b sampling.Rollup) int {
	return cmp.Or(a.Day.Compare(b.Day), cmp.Compare(a.Tier, b.Tier), cmp.Compare(a.Industry, b.Industry),
		cmp.Compare(a.Category, b.Category), cmp.Compare(a.County, b.County), -boolOrder(a.Final, b.Final))
}

func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// tallyKey is t's row: t without its count.
func tallyKey(t storage.TaskTally) storage.TaskTally {
	t.N = 0
	return t
}

type seqTally struct {
	n   int
	seq int64
}

type seqPlan struct {
	storage.PlanInfo
	seq int64
}

// newState is the state of a read taken at asOf.
func newState(read storage.SnapshotState, pauses map[string]storage.ScheduleState, asOf time.Time) *state {
	st := &state{
		seq: read.Seq, asOf: asOf, pause: pauses,
		rollups: read.Rollups, rollupSeqs: make([]int64, len(read.Rollups)),
		gone:    map[rollupKey]int64{},
		tallies: make(map[storage.TaskTally]seqTally, len(read.Tallies)),
		plans:   make(map[int64]seqPlan, len(read.Plans)),
	}
	slices.SortFunc(st.rollups, rollupOrder)
	for i := range st.rollupSeqs {
		st.rollupSeqs[i] = read.Seq
	}
	for _, t := range read.Tallies {
		st.tallies[tallyKey(t)] = seqTally{t.N, read.Seq}
	}
	for _, p := range read.Plans {
		st.plans[p.ID] = seqPlan{p, read.Seq}
	}
	return st
}

// apply sets the rows ch wrote, unless a later change set them already.
// A row that ch holds twice was written twice: the later value is newer.
func (st *state) apply(ch storage.Change) {
	if len(ch.Rollups) > 0 && st.shared {
		st.rollups, st.shared = slices.Clone(st.rollups), false
	}
	for _, r := range ch.Rollups {
		i, found := slices.BinarySearchFunc(st.rollups, r, rollupOrder)
		switch {
		case found && st.rollupSeqs[i] > ch.Seq:
		case found && r.Tested == 0:
			st.rollups = slices.Delete(st.rollups, i, i+1)
			st.rollupSeqs = slices.Delete(st.rollupSeqs, i, i+1)
			st.gone[keyOf(r)] = ch.Seq
		case found:
			st.rollups[i], st.rollupSeqs[i] = r, ch.Seq
		case r.Tested == 0:
			if st.gone[keyOf(r)] <= ch.Seq {
				st.gone[keyOf(r)] = ch.Seq
			}
		case st.gone[keyOf(r)] <= ch.Seq:
			st.rollups = slices.Insert(st.rollups, i, r)
			st.rollupSeqs = slices.Insert(st.rollupSeqs, i, ch.Seq)
			delete(st.gone, keyOf(r))
		}
	}
	for _, t := range ch.Tallies {
		k := tallyKey(t)
		if st.tallies[k].seq <= ch.Seq {
			st.tallies[k] = seqTally{t.N, ch.Seq}
		}
	}
	for _, p := range ch.Plans {
		if st.plans[p.ID].seq <= ch.Seq {
			st.plans[p.ID] = seqPlan{p, ch.Seq}
		}
	}
}

// view is a state's data at one moment, which later changes leave alone.
type view struct {
	asOf    time.Time
	pauses  map[string]storage.ScheduleState
	rollups []sampling.Rollup
	tallies []storage.TaskTally
	plans   []storage.PlanInfo
}

// view returns the state's data as it is now.
func (st *state) view() view {
	v := view{asOf: st.asOf, pauses: st.pause, rollups: st.rollups}
	st.shared = true
	for k, t := range st.tallies {
		if t.n != 0 {
			k.N = t.n
			v.tallies = append(v.tallies, k)
		}
	}
	for _, p := range st.plans {
		v.plans = append(v.plans, p.PlanInfo)
	}
	return v
}

// rollupsFrom returns the view's rollups from the day since on.
func (v view) rollupsFrom(since sampling.Day) []sampling.Rollup {
	i, _ := slices.BinarySearchFunc(v.rollups, since, func(r sampling.Rollup, day sampling.Day) int { return r.Day.Compare(day) })
	return v.rollups[i:len(v.rollups):len(v.rollups)]
}
