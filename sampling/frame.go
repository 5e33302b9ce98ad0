package sampling

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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

// FrameUnit is a unit of the population in a draw's scope, with what the
// draw made of it.
type FrameUnit struct {
	*Unit
	Stratum string
	// Weight is the risk weight, times the fail boost after a failure.
	Weight float64
	Status string
	// Last is the unit's last inspection, or nil.
	Last *History
	// Pi is the unit's inclusion probability; zero when excluded.
	Pi float64
	// u is the unit's uniform, for a draw; zero when excluded.
	u float64
}

// Eligible reports whether the unit may be drawn.
func (f *FrameUnit) Eligible() bool { return f.Status != StatusExcluded }

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

// buildFrame returns the population's units in the design's scope, sorted
// by stratum and then by unit key, with their stratum, weight and status.
// It fails on a duplicate unit or a risk class without a weight.
//
// For a draw it also derives each eligible unit's uniform from the seed,
// while a stratum's units are at hand on its processor, and returns the
// frame digest.
func buildFrame(rec *Record, forDraw bool) ([]FrameUnit, string, error) {
	d := &rec.Design
	type pair struct{ a, b string }
	last := make(map[pair]*History, len(rec.History))
	for i := range rec.History {
		h := &rec.History[i]
		last[pair{h.CreditCode, h.Category}] = h
	}
	counties := map[string]bool{}
	for _, c := range d.Counties {
		counties[c] = true
	}
	// Group the units in scope by stratum, then sort each stratum on its
	// own processor: a million units sort faster as thirty groups.
	cells := map[pair]int{}
	var keys []string
	stratum := make([]int32, len(rec.Population)) // -1 when out of scope
	var count []int
	for i := range rec.Population {
		u := &rec.Population[i]
		stratum[i] = -1
		if _, ok := d.Categories[u.Category]; !ok || (u.Industry != "" && u.Industry != d.Industry) || (len(counties) > 0 && !counties[u.County]) {
			continue
		}
		h, ok := cells[pair{u.County, u.Category}]
		if !ok {
			key := stratumKey(d.Strata, u)
			if h = slices.Index(keys, key); h < 0 {
				h = len(keys)
				keys = append(keys, key)
				count = append(count, 0)
			}
			cells[pair{u.County, u.Category}] = h
		}
		stratum[i] = int32(h)
		count[h]++
	}
	groups := make([][]*Unit, len(keys))
	for h := range groups {
		groups[h] = make([]*Unit, 0, count[h])
	}
	for i, h := range stratum {
		if h >= 0 {
			groups[h] = append(groups[h], &rec.Population[i])
		}
	}
	order := make([]int, len(keys))
	for h := range order {
		order[h] = h
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
	start := make([]int, len(order)+1)
	for k, h := range order {
		start[k+1] = start[k] + len(groups[h])
	}
	frame := make([]FrameUnit, start[len(order)])
	listings := make([][]byte, len(order))
	cutoff := rec.NominalTime.Add(-d.NoRepeat())
	// Risk classes are letters: look their weights up in an array.
	var weightOf ['Z' + 1]float64
	for class, w := range d.RiskWeights {
		if len(class) == 1 && class[0] <= 'Z' {
			weightOf[class[0]] = w
		}
	}
	errs := make([]error, len(order))
	parallel(len(order), func(k int) {
		g, key, base := groups[order[k]], keys[order[k]], start[k]
		slices.SortFunc(g, compareUnits)
		var uniform *uniforms
		var listing *lister
		if forDraw {
			uniform = newUniforms(rec.Seed.Bytes)
			listing = &lister{buf: make([]byte, 0, 72*len(g))}
		}
		for j, u := range g {
			if j > 0 && g[j-1].CreditCode == u.CreditCode && g[j-1].Category == u.Category {
				errs[k] = fmt.Errorf("unit %s appears twice in the population", u.Key())
				return
			}
			var w float64
			if len(u.Risk) == 1 && u.Risk[0] <= 'Z' {
				w = weightOf[u.Risk[0]]
			}
			if w <= 0 {
				errs[k] = fmt.Errorf("unit %s: risk class %q has no positive weight in the design", u.Key(), u.Risk)
				return
			}
			f := FrameUnit{Unit: u, Stratum: key, Weight: w, Status: StatusEligible}
			if len(last) > 0 {
				f.Last = last[pair{u.CreditCode, u.Category}]
			}
			if f.Last != nil {
				failed := f.Last.Outcome == OutcomeFail
				if failed {
					f.Weight *= d.FailBoost
				}
				if f.Last.Time.After(cutoff) {
					f.Status = StatusExcluded
					if failed {
						f.Status = StatusFollowUp
					}
				}
			}
			if forDraw {
				if f.Eligible() {
					f.u = uniform.unit(u)
				}
				listing.add(&f)
			}
			frame[base+j] = f
		}
		if forDraw {
			listings[k] = listing.buf
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, "", err
	}
	if !forDraw {
		return frame, "", nil
	}
	// The listing was written stratum by stratum while each unit was at
	// hand; hashing it in order is cheap.
	h := sha256.New()
	for _, l := range listings {
		h.Write(l)
	}
	return frame, hex.EncodeToString(h.Sum(nil)), nil
}

// parallel runs fn(0), …, fn(n−1) on all processors and waits for them.
func parallel(n int, fn func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := range work {
				fn(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
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

// frameDigest is the SHA-256 of the canonical listing of a frame: one line
// per unit in scope, sorted by stratum and then by unit key (byte order),
// with the tab-separated fields
//
//	credit code, category, county, risk class, stratum, weight, status
//
// and a newline. Weights are written in the shortest form that reads back
// exactly (strconv 'g', -1). Excluded units are listed too, so the digest
// pins the exclusions as well as the population.
func frameDigest(frame []FrameUnit) string {
	h := sha256.New()
	l := &lister{buf: make([]byte, 0, 64*1024)}
	for i := range frame {
		l.add(&frame[i])
		if len(l.buf) > 60*1024 {
			h.Write(l.buf)
			l.buf = l.buf[:0]
		}
	}
	h.Write(l.buf)
	return hex.EncodeToString(h.Sum(nil))
}

// lister writes frame units as lines of the canonical listing.
type lister struct {
	buf []byte
	// A frame has few distinct weights: format each once.
	weights   []float64
	formatted []string
}

func (l *lister) add(f *FrameUnit) {
	i := slices.Index(l.weights, f.Weight)
	if i < 0 {
		i = len(l.weights)
		l.weights = append(l.weights, f.Weight)
		l.formatted = append(l.formatted, strconv.FormatFloat(f.Weight, 'g', -1, 64))
	}
	// Field by field: a variadic call per line costs a third of a draw.
	b := append(l.buf, f.CreditCode...)
	b = append(append(b, '\t'), f.Category...)
	b = append(append(b, '\t'), f.County...)
	b = append(append(b, '\t'), f.Risk...)
	b = append(append(b, '\t'), f.Stratum...)
	b = append(append(b, '\t'), l.formatted[i]...)
	b = append(append(b, '\t'), f.Status...)
	l.buf = append(b, '\n')
}

// appendLine appends the fields to b, separated by tabs and ended by a
// newline: a line of a canonical listing.
func appendLine(b []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, '\t')
		}
		b = append(b, f...)
	}
	return append(b, '\n')
}

// PopulationDigest is the SHA-256 of a population's canonical listing: the
// line "industry ID", then one line per unit sorted by key with credit
// code, category, county and risk class, tab-separated. Equal digests mean
// equal populations, so a population is stored once however many plans
// draw from it.
func PopulationDigest(industry string, units []Unit) string {
	sorted := make([]*Unit, len(units))
	for i := range units {
		sorted[i] = &units[i]
	}
	if !slices.IsSortedFunc(sorted, compareUnits) {
		slices.SortFunc(sorted, compareUnits)
	}
	h := sha256.New()
	buf := append(make([]byte, 0, 64*1024), "industry "+industry+"\n"...)
	for _, u := range sorted {
		buf = appendLine(buf, u.CreditCode, u.Category, u.County, u.Risk)
		if len(buf) > 60*1024 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return hex.EncodeToString(h.Sum(nil))
}

// Exclusions lists the units that rec's frame excludes, by unit key, each
// with the reason.
func Exclusions(rec Record) ([]Exclusion, error) {
	frame, _, err := buildFrame(&rec, false)
	if err != nil {
		return nil, err
	}
	var out []Exclusion
	for i := range frame {
		f := &frame[i]
		if f.Status != StatusExcluded {
			continue
		}
		outcome := f.Last.Outcome
		if outcome == "" {
			outcome = "pending"
		}
		out = append(out, Exclusion{
			CreditCode: f.CreditCode, Category: f.Category, County: f.County,
			LastTask: f.Last.TaskID, LastTime: f.Last.Time, LastOutcome: outcome,
			Reason: fmt.Sprintf("drawn for task %d at %s (result %s), within no_repeat %s; eligible again after %s",
				f.Last.TaskID, f.Last.Time.UTC().Format(time.RFC3339), outcome, formatPeriod(rec.Design.NoRepeat()),
				f.Last.Time.Add(rec.Design.NoRepeat()).UTC().Format(time.RFC3339)),
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
