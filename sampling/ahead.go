package sampling

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Ahead computes a population's digest (Units.Digest) on a goroutine of
// its own while the population is still being read, when the units arrive
// in key order, as the storage reads them: a fire's process mostly waits
// for the database's rows during the read, and this work then overlaps
// with the database's instead of following the read. It holds no memory per
// unit.
//
// The reader appends units to one Units, calls Feed now and then (each call
// hands over the units appended since the last one) and Finish at the end.
// A unit once appended is never changed, and the goroutine reads only units
// handed over, so it reads them while the reader appends later ones.
//
// The digest is the one Units.Digest computes, bit for bit; Digest uses it
// only for the same industry and the same units.
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
	n        int    // units fed
	industry string // of the digest
	ordered  bool   // the units came in key order
	digest   string // of the units, when ordered
}

// unitsDigest is a Units' digest of one industry, while it has n units.
type unitsDigest struct {
	industry string
	n        int
	digest   string
}

// NewAhead starts computing the digest as a population of industry of the
// units that will be appended to units.
func NewAhead(units *Units, industry string) *Ahead {
	a := &Ahead{units: units, fed: units.Len(), work: make(chan aheadSpan, 8), done: make(chan aheadResult, 1)}
	go func() { a.done <- computeAhead(a.work, industry) }()
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

// Finish hands over the last units, waits for the digest, and gives it to
// the units when it covered all of them in key order. After a failed read,
// call Finish(false): it only stops the goroutine.
func (a *Ahead) Finish(keep bool) {
	a.Feed()
	close(a.work)
	r := <-a.done
	p := a.units
	if keep && r.ordered && r.n == p.Len() {
		p.digest = &unitsDigest{industry: r.industry, n: r.n, digest: r.digest}
	}
}

// computeAhead computes the digest as a population of industry of the
// units of the spans from work, while they come in key order.
func computeAhead(work <-chan aheadSpan, industry string) aheadResult {
	r := aheadResult{industry: industry, ordered: true}
	h := sha256.New()
	buf := append(make([]byte, 0, 64*1024), "industry "+industry+"\n"...)
	var prevCode []byte
	var prevCategory string
	for s := range work {
		if !r.ordered {
			continue // Digest sorts the units first; drain the spans
		}
		start := uint32(0)
		if s.from > 0 {
			start = s.rows[s.from-1].end
		}
		for i := s.from; i < len(s.rows); i++ {
			row := &s.rows[i]
			code, category := s.codes[start:row.end], s.field(row.category)
			start = row.end
			if r.n > 0 {
				c := bytes.Compare(prevCode, code)
				if r.ordered = c < 0 || c == 0 && strings.Compare(prevCategory, category) <= 0; !r.ordered {
					break
				}
			}
			r.n++
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

// digestFor returns p's digest as a population of industry computed
// ahead, or "" when there is none for these units.
func (p *Units) digestFor(industry string) string {
	if p == nil || p.digest == nil || p.digest.n != p.Len() || p.digest.industry != industry {
		return ""
	}
	return p.digest.digest
}
