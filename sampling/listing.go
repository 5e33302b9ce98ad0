package sampling

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strconv"
	"sync"
)

// lister writes frame units as lines of the canonical listing of a frame,
// whose SHA-256 is the frame digest: one line per unit in scope, sorted by
// stratum and then by unit key (byte order), with the tab-separated fields
//
//	credit code, category, county, risk class, stratum, weight, status
//
// and a newline. Weights are written in the shortest form that reads back
// exactly (strconv 'g', -1). Excluded units are listed too, so the digest
// pins the exclusions as well as the population.
type lister struct {
	buf []byte
	// A frame has few distinct weights: format each once.
	weights   []float64
	formatted []string
}

// add writes the line of unit u of stratum key with weight w and status.
func (l *lister) add(u *Unit, stratum string, w float64, status string) {
	addLine(l, u.CreditCode, u.Category, u.County, u.Risk, stratum, w, status)
}

// addAt writes the line of unit i of pop, as add.
func (l *lister) addAt(pop *Units, i int32, stratum string, w float64, status string) {
	r := &pop.rows[i]
	addLine(l, pop.code(i), pop.field(r.category), pop.field(r.county), pop.field(r.risk), stratum, w, status)
}

// addLine writes to l the line of a unit with its code, category, county
// and risk class.
func addLine[C string | []byte](l *lister, code C, category, county, risk, stratum string, w float64, status string) {
	i := slices.Index(l.weights, w)
	if i < 0 {
		i = len(l.weights)
		l.weights = append(l.weights, w)
		l.formatted = append(l.formatted, strconv.FormatFloat(w, 'g', -1, 64))
	}
	// Field by field: a variadic call per line costs a third of a draw.
	b := append(l.buf, code...)
	b = append(append(b, '\t'), category...)
	b = append(append(b, '\t'), county...)
	b = append(append(b, '\t'), risk...)
	b = append(append(b, '\t'), stratum...)
	b = append(append(b, '\t'), l.formatted[i]...)
	b = append(append(b, '\t'), status...)
	l.buf = append(b, '\n')
}

// Digest is the SHA-256 of a population's canonical listing: the
// line "industry ID", then one line per unit sorted by key with credit
// code, category, county and risk class, tab-separated. Equal digests mean
// equal populations, so a population is stored once however many plans
// draw from it.
func (p *Units) Digest(industry string) string {
	if d := p.digestFor(industry); d != "" {
		return d
	}
	order := make([]int32, p.Len())
	for i := range order {
		order[i] = int32(i)
	}
	if !slices.IsSortedFunc(order, p.compare) {
		slices.SortFunc(order, p.compare)
	}
	h := sha256.New()
	buf := append(make([]byte, 0, 64*1024), "industry "+industry+"\n"...)
	for _, i := range order {
		buf = p.AppendListing(buf, int(i))
		if len(buf) > 60*1024 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// AppendListing appends to b the line of unit i in the population's
// canonical listing (see PopulationDigest).
func (p *Units) AppendListing(b []byte, i int) []byte {
	r := &p.rows[i]
	b = append(b, p.code(int32(i))...)
	for _, v := range [...]uint32{r.category, r.county, r.risk} {
		b = append(append(b, '\t'), p.field(v)...)
	}
	return append(b, '\n')
}

// orderedHash hashes the listings of a frame's strata in stratum order as
// they are written, whatever order the processors finish them in, so that
// the digest needs neither a pass of its own at the end nor all listings
// in memory at once. The buffers of hashed listings are reused.
type orderedHash struct {
	h       hash.Hash
	mu      sync.Mutex
	ready   [][]byte // listings written but not yet hashed, by stratum
	done    []bool
	next    int  // the next stratum to hash
	hashing bool // a processor is hashing; it goes on with what is ready
	free    [][]byte
}

func newOrderedHash(strata int) *orderedHash {
	return &orderedHash{h: sha256.New(), ready: make([][]byte, strata), done: make([]bool, strata)}
}

// buffer returns an empty buffer for a listing, with capacity for size
// bytes.
func (o *orderedHash) buffer(size int) []byte {
	o.mu.Lock()
	defer o.mu.Unlock()
	if n := len(o.free); n > 0 {
		b := o.free[n-1]
		o.free = o.free[:n-1]
		return slices.Grow(b, size)
	}
	return make([]byte, 0, size)
}

// put hands over the listing of stratum k, and hashes it and the listings
// after it that are ready, unless another processor is hashing already.
func (o *orderedHash) put(k int, listing []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ready[k], o.done[k] = listing, true
	if o.hashing {
		return
	}
	o.hashing = true
	for o.next < len(o.done) && o.done[o.next] {
		b := o.ready[o.next]
		o.ready[o.next] = nil
		o.mu.Unlock()
		o.h.Write(b)
		o.mu.Lock()
		if b != nil {
			o.free = append(o.free, b[:0])
		}
		o.next++
	}
	o.hashing = false
}

// sum returns the digest, once every stratum's listing is put.
func (o *orderedHash) sum() string { return hex.EncodeToString(o.h.Sum(nil)) }
