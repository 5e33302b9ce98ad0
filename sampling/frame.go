package sampling

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Statuses of a unit in the frame.
const (
	// StatusEligible units may be drawn.
	StatusEligible = "eligible"
	// StatusFollowUp units were drawn within the no-repeat period, but their
	// last result was a failure: they stay eligible for a follow-up check.
	StatusFollowUp = "follow_up"
	// StatusExcluded units were drawn within the no-repeat period and may
	// not be drawn again yet.
	StatusExcluded = "excluded"
)

// Exclusion is a unit left out of a draw's frame, and why.
type Exclusion struct {
	CreditCode  string    `json:"credit_code"`
	Category    string    `json:"category"`
	County      string    `json:"county"`
	LastTask    int64     `json:"last_task"`
	LastTime    time.Time `json:"last_time"`
	LastOutcome string    `json:"last_outcome"`
	Reason      string    `json:"reason"`
}

// frame is the population's units in a design's scope, sorted by stratum
// and then by unit key, with their stratum, weight and status.
type frame struct {
	rec    *DrawRecord // the record drawn from: units index its population and history
	pop    *Units      // the record's population
	units  []frameUnit
	strata []frameStratum
	// digest is the SHA-256 of the frame's canonical listing (see lister);
	// set for a draw only.
	digest string
}

// frameUnit is a unit of a frame, with what the draw made of it. It holds
// indices rather than pointers: the frame of a million units is then not
// scanned by the collector, and is less than half the size.
type frameUnit struct {
	unit    int32 // index in the record's population
	last    int32 // index in the record's history of the last inspection, or -1
	stratum int32 // index in the frame's strata
	status  unitStatus
	weight  float64 // the risk weight, times the fail boost after a failure
	pi      float64 // the inclusion probability; zero when excluded
	u       float64 // the uniform, for a draw; zero when excluded
}

// unitStatus is a frame unit's status.
type unitStatus uint8

const (
	statusEligible unitStatus = iota
	statusFollowUp
	statusExcluded
)

// name returns the status's name: StatusEligible, StatusFollowUp or
// StatusExcluded.
func (s unitStatus) name() string {
	switch s {
	case statusFollowUp:
		return StatusFollowUp
	case statusExcluded:
		return StatusExcluded
	}
	return StatusEligible
}

// eligible reports whether the unit may be drawn.
func (f *frameUnit) eligible() bool { return f.status != statusExcluded }

// frameStratum is a stratum's part of a frame: units[start:end].
type frameStratum struct {
	key        string
	start, end int
	eligible   int
	// kept are the last inspections that a stored record must carry: of
	// the units excluded or boosted after a failure, in key order.
	kept []*History
}

// buildFrame returns the frame of the population in the design's scope. It
// fails on a duplicate unit or a risk class without a weight.
//
// For a draw it also derives each eligible unit's uniform from the seed,
// while a stratum's units are at hand on its processor, and the frame
// digest.
func buildFrame(rec *DrawRecord, forDraw bool) (*frame, error) {
	d := &rec.Design
	pop := rec.Compact()
	last := newLastInspections(rec.History)
	strata, members := stratify(d, pop)
	f := &frame{rec: rec, pop: pop, strata: strata, units: make([]frameUnit, len(members))}
	cutoff := rec.NominalTime.Add(-d.NoRepeat())
	// Risk classes are letters: look their weights up in an array.
	var weightOf ['Z' + 1]float64
	for class, w := range d.RiskWeights {
		if len(class) == 1 && class[0] <= 'Z' {
			weightOf[class[0]] = w
		}
	}
	b := &frameBuilder{rec: rec, pop: pop, frame: f, members: members, last: last, weightOf: weightOf, cutoff: cutoff}
	if forDraw {
		b.listing = newOrderedHash(len(f.strata))
	}
	errs := make([]error, len(f.strata))
	parallel(len(f.strata), func(k int) { errs[k] = b.stratum(k) })
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if forDraw {
		f.digest = b.listing.sum()
	}
	return f, nil
}

// stratifyChunk is how many units of the population stratify looks at in
// one piece of work.
const stratifyChunk = 1 << 15

// stratify returns the strata of the units of pop in the design's scope,
// in key order, and the population indices of their units, stratum by
// stratum and in population order within each: the ranges of the strata
// index members.
//
// Units of one county and category share a stratum: the county and
// category are looked up by their indices in the population's table of
// values, far cheaper than a map of pairs of strings. The lookups are done
// on all processors, each piece of the population with a map of its own
// counties; then the pieces' cells are merged into strata, and the units
// are counting-sorted into them.
func stratify(d *Design, pop *Units) ([]frameStratum, []int32) {
	categories := make([]string, 0, len(d.Categories))
	for c := range d.Categories {
		categories = append(categories, c)
	}
	nc := len(categories)
	// Per value of the population: its category's number, or -1; and
	// whether it is an industry other than the design's.
	values := pop.values
	if len(values) == 0 { // every field of every unit is empty
		values = []string{""}
	}
	categoryOf := make([]int32, len(values))
	otherIndustry := make([]bool, len(values))
	for v, name := range values {
		categoryOf[v] = int32(slices.Index(categories, name))
		otherIndustry[v] = v != 0 && name != d.Industry
	}
	// A piece's cell of its county c and category k is c·nc+k; cell[i] is
	// unit i's, or -1 when the unit is out of the industry or categories.
	type piece struct {
		counties []uint32 // the piece's counties (values), in order of appearance
		count    []int    // units per cell
		stratum  []int32  // per cell: the stratum, -1 when out of scope
		next     []int    // per stratum: the next free slot in members
	}
	rows := pop.rows
	cell := make([]int32, len(rows))
	pieces := make([]piece, (len(rows)+stratifyChunk-1)/stratifyChunk)
	parallel(len(pieces), func(p int) {
		pc := &pieces[p]
		county := map[uint32]int{}
		for i := p * stratifyChunk; i < min((p+1)*stratifyChunk, len(rows)); i++ {
			r := &rows[i]
			cell[i] = -1
			k := categoryOf[r.category]
			if k < 0 || otherIndustry[r.industry] {
				continue
			}
			c, ok := county[r.county]
			if !ok {
				c = len(pc.counties)
				county[r.county] = c
				pc.counties = append(pc.counties, r.county)
				for range nc {
					pc.count = append(pc.count, 0)
				}
			}
			cell[i] = int32(c*nc) + k
			pc.count[c*nc+int(k)]++
		}
	})

	// Merge the pieces' cells: the strata of the cells in scope, named as
	// their first unit's.
	var inScope map[string]bool
	if len(d.Counties) > 0 {
		inScope = map[string]bool{}
		for _, c := range d.Counties {
			inScope[c] = true
		}
	}
	county := map[string]int{} // -1 when out of scope
	var cells []int32          // stratum of county c and category k at c·nc+k; -1 until seen
	var keys []string
	var count []int
	for p := range pieces {
		pc := &pieces[p]
		pc.stratum = make([]int32, len(pc.count))
		for lc, v := range pc.counties {
			name := pop.field(v)
			c, ok := county[name]
			if !ok {
				c = -1
				if inScope == nil || inScope[name] {
					c = len(cells) / nc
					for range nc {
						cells = append(cells, -1)
					}
				}
				county[name] = c
			}
			for k := range nc {
				n := pc.count[lc*nc+k]
				pc.stratum[lc*nc+k] = -1
				if c < 0 || n == 0 {
					continue
				}
				h := cells[c*nc+k]
				if h < 0 {
					key := stratumKey(d.Strata, &Unit{County: name, Category: categories[k]})
					h = int32(slices.Index(keys, key))
					if h < 0 {
						h = int32(len(keys))
						keys = append(keys, key)
						count = append(count, 0)
					}
					cells[c*nc+k] = h
				}
				pc.stratum[lc*nc+k] = h
				count[h] += n
			}
		}
	}

	// Strata in key order, each with its range of members, and each
	// piece's part of each range.
	order := make([]int, len(keys))
	for h := range order {
		order[h] = h
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	strata := make([]frameStratum, len(keys))
	for p := range pieces {
		pc := &pieces[p]
		pc.next = make([]int, len(keys))
		for c, n := range pc.count {
			if h := pc.stratum[c]; h >= 0 {
				pc.next[h] += n
			}
		}
	}
	total := 0
	for k, h := range order {
		strata[k] = frameStratum{key: keys[h], start: total, end: total + count[h]}
		for p := range pieces {
			n := pieces[p].next[h]
			pieces[p].next[h] = total
			total += n
		}
	}
	members := make([]int32, total)
	parallel(len(pieces), func(p int) {
		pc := &pieces[p]
		for i := p * stratifyChunk; i < min((p+1)*stratifyChunk, len(rows)); i++ {
			if c := cell[i]; c >= 0 {
				if h := pc.stratum[c]; h >= 0 {
					members[pc.next[h]] = int32(i)
					pc.next[h]++
				}
			}
		}
	})
	return strata, members
}

// frameBuilder fills in a frame's units, stratum by stratum.
type frameBuilder struct {
	rec      *DrawRecord
	pop      *Units
	frame    *frame
	members  []int32 // population indices, stratum by stratum
	last     *lastInspections
	weightOf ['Z' + 1]float64 // by risk class
	cutoff   time.Time        // units drawn after it are excluded
	listing  *orderedHash     // nil unless for a draw
}

// stratum fills in the units of stratum k, in key order. The storage
// loads a population in key order, so a stratum's units usually are in
// key order already: it fills them in in the order given, checking it on
// the way (the unit before is still in the cache), and sorts them and
// starts over only when they are not.
func (b *frameBuilder) stratum(k int) error {
	s := &b.frame.strata[k]
	m := b.members[s.start:s.end]
	var uniform *uniforms
	var lines *lister
	if b.listing != nil {
		uniform = newUniforms(b.rec.Seed.Bytes)
		lines = &lister{buf: b.listing.buffer(len(m) * lineSize(b.pop, m[0], s.key))}
		defer func() { b.listing.put(k, lines.buf) }()
	}
	ordered, err := b.fill(k, m, false, uniform, lines)
	if ordered {
		return err
	}
	slices.SortFunc(m, b.pop.compare)
	s.eligible, s.kept = 0, s.kept[:0]
	if lines != nil {
		lines.buf = lines.buf[:0]
	}
	_, err = b.fill(k, m, true, uniform, lines)
	return err
}

// fill fills in the units of stratum k at the population indices m, and
// their lines of the listing when lines is not nil. Unless sorted, it
// stops when m is not in strictly increasing key order and reports that
// m was not ordered; when sorted, it reports a duplicate unit.
func (b *frameBuilder) fill(k int, m []int32, sorted bool, uniform *uniforms, lines *lister) (ordered bool, err error) {
	pop, d := b.pop, &b.rec.Design
	s := &b.frame.strata[k]
	var order [fillBlock]int8 // of a block of m, each unit's key compared with the one before
	for j, i := range m {
		if j%fillBlock == 0 {
			compareKeys(pop, m, j, order[:])
		}
		if j > 0 {
			switch c := order[j%fillBlock]; {
			case c >= 0 && !sorted:
				return false, nil
			case c == 0:
				return true, fmt.Errorf("unit %s appears twice in the population", pop.Key(int(i)))
			}
		}
		var w float64
		if risk := pop.Risk(int(i)); len(risk) == 1 && risk[0] <= 'Z' {
			w = b.weightOf[risk[0]]
		}
		if w <= 0 {
			if !sorted {
				return false, nil
			}
			return true, fmt.Errorf("unit %s: risk class %q has no positive weight in the design", pop.Key(int(i)), pop.Risk(int(i)))
		}
		f := &b.frame.units[s.start+j]
		*f = frameUnit{unit: i, last: b.last.of(pop, i), stratum: int32(k), status: statusEligible, weight: w}
		if f.last >= 0 {
			last := &b.rec.History[f.last]
			failed := last.Outcome == OutcomeFail
			if failed {
				f.weight *= d.FailBoost
			}
			if last.Time.After(b.cutoff) {
				f.status = statusExcluded
				if failed {
					f.status = statusFollowUp
				}
			}
			if f.status != statusEligible || failed {
				s.kept = append(s.kept, last)
			}
		}
		if f.eligible() {
			s.eligible++
			if uniform != nil {
				f.u = uniform.unitAt(pop, i)
			}
		}
		if lines != nil {
			lines.addAt(pop, i, s.key, f.weight, f.status.name())
		}
	}
	return true, nil
}

// fillBlock is how many units fill compares in a loop of their own.
const fillBlock = 64

// compareKeys sets order[j] to the comparison of the key of the unit at
// m[from+j] with the unit's before it (0 for the first of m), for the
// units of m from index from on, as many as order holds.
//
// A stratum's units lie far apart in memory, and reading a unit's credit
// code mostly waits for memory. In a short loop of comparisons alone the
// processor has many of those reads under way at once; the HMAC and the
// listing of the units then find them in the cache. Interleaved with that
// work, the reads wait one by one.
func compareKeys(pop *Units, m []int32, from int, order []int8) {
	for j := range min(len(order), len(m)-from) {
		if from+j > 0 {
			order[j] = int8(pop.compare(m[from+j-1], m[from+j]))
		}
	}
}

// lineSize is about the length of u's line in the canonical listing, a
// unit of stratum key, to size a stratum's listing for its units.
func lineSize(pop *Units, i int32, key string) int {
	return len(pop.code(i)) + len(pop.Category(int(i))) + len(pop.County(int(i))) + len(pop.Risk(int(i))) + len(key) + len(StatusFollowUp) + 16
}

// compareUnits orders units by key: credit code, then category.
func compareUnits(a, b *Unit) int {
	return cmp.Or(strings.Compare(a.CreditCode, b.CreditCode), strings.Compare(a.Category, b.Category))
}

// stratumKey names the stratum of u: its values of the stratification
// variables joined by "/", or "all" for a single stratum.
func stratumKey(vars []string, u *Unit) string {
	if len(vars) == 0 {
		return "all"
	}
	parts := make([]string, len(vars))
	for i, v := range vars {
		switch v {
		case StratumCounty:
			parts[i] = u.County
		case StratumCategory:
			parts[i] = u.Category
		}
	}
	return strings.Join(parts, "/")
}

// Exclusions lists the units that rec's frame excludes, by unit key, each
// with the reason.
func Exclusions(rec DrawRecord) ([]Exclusion, error) {
	frame, err := buildFrame(&rec, false)
	if err != nil {
		return nil, err
	}
	var out []Exclusion
	for i := range frame.units {
		if frame.units[i].status != statusExcluded {
			continue
		}
		u, last := frame.pop.Unit(int(frame.units[i].unit)), &rec.History[frame.units[i].last]
		outcome := last.Outcome
		if outcome == "" {
			outcome = "pending"
		}
		out = append(out, Exclusion{
			CreditCode: u.CreditCode, Category: u.Category, County: u.County,
			LastTask: last.TaskID, LastTime: last.Time, LastOutcome: outcome,
			Reason: fmt.Sprintf("drawn for task %d at %s (result %s), within no_repeat %s; eligible again after %s",
				last.TaskID, last.Time.UTC().Format(time.RFC3339), outcome, formatPeriod(rec.Design.NoRepeat()),
				last.Time.Add(rec.Design.NoRepeat()).UTC().Format(time.RFC3339)),
		})
	}
	slices.SortFunc(out, func(a, b Exclusion) int {
		return cmp.Or(strings.Compare(a.CreditCode, b.CreditCode), strings.Compare(a.Category, b.Category))
	})
	return out, nil
}

// formatPeriod writes d in the largest whole unit: 180d, 12h, 90m or 45s.
func formatPeriod(d time.Duration) string {
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if d%u.unit == 0 && d != 0 {
			return strconv.FormatInt(int64(d/u.unit), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "s"
}
