package sampling

import (
	"bytes"
	"slices"
)

// UniformsAhead computes the uniforms a draw with one seed gives the units
// of a population (the message "unit:" + unit key, see uniforms) on a
// goroutine of its own while the population is still being read: a fire
// then hashes its million units while it waits for the database's rows
// instead of after them. The uniforms are the ones the draw computes
// itself, bit for bit; the draw uses them only when the seed is its own and
// there is one for every unit.
//
// Add each unit's fields in the order the units are appended to the
// Units, then Finish.
type UniformsAhead struct {
	seed []byte
	cur  aheadBatch
	work chan aheadBatch
	free chan aheadBatch
	done chan []float64
}

// aheadBatch is a batch of messages back to back, each ending at an end.
type aheadBatch struct {
	msgs []byte
	ends []int
}

// aheadBatchUnits is how many units a batch holds.
const aheadBatchUnits = 4096

// NewUniformsAhead starts computing uniforms with seed.
func NewUniformsAhead(seed []byte) *UniformsAhead {
	a := &UniformsAhead{seed: slices.Clone(seed), work: make(chan aheadBatch, 4), free: make(chan aheadBatch, 4), done: make(chan []float64, 1)}
	go func() {
		g := newUniforms(a.seed)
		var us []float64
		for b := range a.work {
			start := 0
			for _, end := range b.ends {
				us = append(us, g.sum(b.msgs[start:end]))
				start = end
			}
			select {
			case a.free <- aheadBatch{b.msgs[:0], b.ends[:0]}:
			default:
			}
		}
		a.done <- us
	}()
	return a
}

// Add adds the next unit, by its credit code and category.
func (a *UniformsAhead) Add(code, category []byte) {
	if a.cur.ends == nil {
		select {
		case a.cur = <-a.free:
		default:
			a.cur = aheadBatch{make([]byte, 0, aheadBatchUnits*40), make([]int, 0, aheadBatchUnits)}
		}
	}
	b := append(a.cur.msgs, "unit:"...)
	b = append(b, code...)
	b = append(b, '/')
	a.cur.msgs = append(b, category...)
	a.cur.ends = append(a.cur.ends, len(a.cur.msgs))
	if len(a.cur.ends) == aheadBatchUnits {
		a.work <- a.cur
		a.cur = aheadBatch{}
	}
}

// Finish waits for the uniforms of the units added and gives them to
// units, whose units they must be, in order. With units nil (the read
// failed) it only stops the goroutine.
func (a *UniformsAhead) Finish(units *Units) {
	if len(a.cur.ends) > 0 {
		a.work <- a.cur
		a.cur = aheadBatch{}
	}
	close(a.work)
	us := <-a.done
	if units != nil && len(us) == units.Len() {
		units.ahead = &aheadUniforms{seed: a.seed, us: us}
	}
}

// aheadUniforms are the uniforms of every unit of a Units with one seed.
type aheadUniforms struct {
	seed []byte
	us   []float64
}

// aheadFor returns the uniforms of p's units computed ahead with seed, or
// nil when there are none for every unit with that seed.
func (p *Units) aheadFor(seed []byte) []float64 {
	if p.ahead == nil || len(p.ahead.us) != p.Len() || !bytes.Equal(p.ahead.seed, seed) {
		return nil
	}
	return p.ahead.us
}
