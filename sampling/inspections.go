package sampling

import (
	"hash/maphash"
)

// lastInspections finds units' last inspections.
type lastInspections struct {
	byKey map[unitKey]int32 // index in the history
	// Few units have been inspected: a bit per hash of the credit code
	// rules most of them out before the map lookup, which costs more
	// than all the rest of a unit's frame entry.
	seed  maphash.Seed
	codes []uint64
}

// unitKey is a unit's key, as a map key.
type unitKey struct{ code, category string }

func newLastInspections(history []History) *lastInspections {
	l := &lastInspections{byKey: make(map[unitKey]int32, len(history)), seed: maphash.MakeSeed()}
	words := 1 // a power of two, at least 16 bits per inspection
	for 4*words < len(history) {
		words *= 2
	}
	l.codes = make([]uint64, words)
	for i := range history {
		h := &history[i]
		l.byKey[unitKey{h.CreditCode, h.Category}] = int32(i)
		x := l.bit(h.CreditCode)
		l.codes[x/64] |= 1 << (x % 64)
	}
	return l
}

// of returns the index of u's last inspection in the history, or -1.
func (l *lastInspections) of(pop *Units, i int32) int32 {
	if len(l.byKey) == 0 {
		return -1
	}
	code := pop.code(i)
	x := maphash.Bytes(l.seed, code) & uint64(64*len(l.codes)-1)
	if l.codes[x/64]&(1<<(x%64)) == 0 {
		return -1
	}
	if h, ok := l.byKey[unitKey{string(code), pop.Category(int(i))}]; ok {
		return h
	}
	return -1
}

// bit returns the bit of a credit code in codes.
func (l *lastInspections) bit(code string) uint64 {
	return maphash.String(l.seed, code) & uint64(64*len(l.codes)-1)
}
