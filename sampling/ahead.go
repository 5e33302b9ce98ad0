package sampling

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
)

// Ahead computes, on a goroutine of its own while a population is still
// being read, what would otherwise wait for the end of the read: each
// unit's uniform for the draw's seed (the message "unit:" + unit key, see
// uniforms), and the population's digest (Units.Digest) when the units
// arrive in key order, as the storage reads them. A fire's process mostly
// waits for the database's rows during the read; this work then overlaps
// with the database's instead of following it.
//
// The reader appends units to one Units, calls Feed now and then (each call
// hands over the units appended since the last one) and Finish at the end.
// A unit once appended is never changed, and the goroutine reads only units
// handed over, so it reads them while the reader appends later ones.
//
// Both results are what the draw and Units.Digest compute without them,
// bit for bit; the draw uses the uniforms only when the seed is its own and
// there is one for every unit, and Digest its result only for the same
// industry and the same units.
type Ahead struct {
	units *Units
	fed   int
	work  chan aheadSpan
	done  chan aheadResult
}

// aheadSpan is units from to len(rows) of a Units: views of its storage at
// the time they were handed over.
type aheadSpan struct {
	codes  []byte
	rows   []unitRow
	values []string
	from   int
}

// aheadResult is what the goroutine computed over the units fed.
type aheadResult struct {
	n        int       // units fed
	seed     []byte    // of the uniforms
	us       []float64 // nil without a seed
	industry string    // of the digest
	ordered  bool      // the units came in key order
	digest   string    // of the units, when ordered
}

// aheadUniforms are the uniforms of every unit of a Units with one seed.
type aheadUniforms struct {
	seed []byte
	us   []float64
}

// unitsDigest is a Units' digest of one industry, while it has n units.
type unitsDigest struct {
	industry string
	n        int
	digest   string
}

// NewAhead starts the work for the units that will be appended to units:
// their uniforms with seed (none when seed is empty) and their digest as a
// population of industry.
func NewAhead(units *Units, seed []byte, industry string) *Ahead {
	a := &Ahead{units: units, fed: units.Len(), work: make(chan aheadSpan, 8), done: make(chan aheadResult, 1)}
	seed = slices.Clone(seed)
	go func() { a.done <- computeAhead(a.work, seed, industry) }()
	return a
}

// Feed hands over the units appended since the last call.
func (a *Ahead) Feed() {
	p := a.units
	if p.Len() == a.fed {
		return
	}
	a.work <- aheadSpan{codes: p.codes, rows: p.rows, values: p.values, from: a.fed}
	a.fed = p.Len()
}

// Finish hands over the last units, waits for the work, and gives its
// results to the units when it covered all of them. After a failed read,
// call Finish(false): it only stops the goroutine.
func (a *Ahead) Finish(keep bool) {
	a.Feed()
	close(a.work)
	r := <-a.done
	p := a.units
	if !keep || r.n != p.Len() {
		return
	}
	if r.us != nil {
		p.ahead = &aheadUniforms{seed: r.seed, us: r.us}
	}
	if r.ordered {
		p.digest = &unitsDigest{industry: r.industry, n: r.n, digest: r.digest}
	}
}

// computeAhead computes the uniforms with seed and the digest as a
// population of industry of the units of the spans from work.
func computeAhead(work <-chan aheadSpan, seed []byte, industry string) aheadResult {
	var g *uniforms
	if len(seed) > 0 {
		g = newUniforms(seed)
	}
	r := aheadResult{seed: seed, industry: industry, ordered: true}
	h := sha256.New()
	buf := append(make([]byte, 0, 64*1024), "industry "+industry+"\n"...)
	var prevCode []byte
	var prevCategory string
	for s := range work {
		start := uint32(0)
		if s.from > 0 {
			start = s.rows[s.from-1].end
		}
		for i := s.from; i < len(s.rows); i++ {
			row := &s.rows[i]
			code, category := s.codes[start:row.end], s.field(row.category)
			start = row.end
			if g != nil {
				g.buf = append(append(append(append(g.buf[:0], "unit:"...), code...), '/'), category...)
				r.us = append(r.us, g.sumBuf())
			}
			if r.ordered && r.n > 0 {
				c := bytes.Compare(prevCode, code)
				// Out of order, Digest sorts the units first.
				r.ordered = c < 0 || c == 0 && strings.Compare(prevCategory, category) <= 0
			}
			r.n++
			if !r.ordered {
				continue
			}
			prevCode, prevCategory = append(prevCode[:0], code...), category
			// The line of Units.AppendListing.
			buf = append(buf, code...)
			for _, v := range [...]string{category, s.field(row.county), s.field(row.risk)} {
				buf = append(append(buf, '\t'), v...)
			}
			buf = append(buf, '\n')
			if len(buf) > 60*1024 {
				h.Write(buf)
				buf = buf[:0]
			}
		}
	}
	if r.ordered {
		h.Write(buf)
		r.digest = hex.EncodeToString(h.Sum(nil))
	}
	return r
}

// field returns the value with index v.
func (s *aheadSpan) field(v uint32) string {
	if v == 0 {
		return ""
	}
	return s.values[v]
}

// aheadFor returns the uniforms of p's units computed ahead with seed, or
// nil when there are none for every unit with that seed.
func (p *Units) aheadFor(seed []byte) []float64 {
	if p == nil || p.ahead == nil || len(p.ahead.us) != p.Len() || !bytes.Equal(p.ahead.seed, seed) {
		return nil
	}
	return p.ahead.us
}

// digestFor returns p's digest as a population of industry computed
// ahead, or "" when there is none for these units.
func (p *Units) digestFor(industry string) string {
	if p == nil || p.digest == nil || p.digest.n != p.Len() || p.digest.industry != industry {
		return ""
	}
	return p.digest.digest
}
