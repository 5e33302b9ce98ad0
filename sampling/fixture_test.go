package sampling

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// fixtureNominal is the fire time of the fixtures' draws.
var fixtureNominal = time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)

// listedUnit is a unit of a frame with what the draw made of it, as
// frameUnit but with the unit, its stratum and last inspection at hand.
type listedUnit struct {
	*Unit
	Stratum string
	Weight  float64
	Status  string
	Last    *History // nil when never inspected
	Pi      float64
}

// eligible reports whether the unit may be drawn.
func (f *listedUnit) eligible() bool { return f.Status != StatusExcluded }

// list returns the frame's units.
func (fr *frame) list() []listedUnit {
	out := make([]listedUnit, len(fr.units))
	for i := range out {
		f := &fr.units[i]
		u := fr.pop.Unit(int(f.unit))
		out[i] = listedUnit{Unit: &u, Stratum: fr.strata[f.stratum].key,
			Weight: f.weight, Status: f.status.name(), Pi: f.pi}
		if f.last >= 0 {
			out[i].Last = &fr.rec.History[f.last]
		}
	}
	return out
}

// frameDigest is the SHA-256 of the canonical listing (see lister) of a
// frame's units, written one by one.
func frameDigest(frame []listedUnit) string {
	h := sha256.New()
	l := &lister{}
	for i := range frame {
		f := &frame[i]
		l.add(f.Unit, f.Stratum, f.Weight, f.Status)
	}
	h.Write(l.buf)
	return hex.EncodeToString(h.Sum(nil))
}

// draw is DrawPlan, also returning the frame's units with their inclusion
// probabilities once the frame is built.
func draw(rec DrawRecord) (Plan, []listedUnit, error) {
	plan, fr, err := drawFrame(rec)
	if fr == nil {
		return plan, nil, err
	}
	return plan, fr.list(), err
}

// testCode returns a valid credit code whose body ends in i.
func testCode(t testing.TB, i int) string {
	t.Helper()
	body := fmt.Sprintf("91320500MA%07d", i)
	c, err := CreditCodeCheck(body)
	if err != nil {
		t.Fatal(err)
	}
	return body + string(c)
}

// testSeed returns a seed derived from label.
func testSeed(label string) Seed {
	h := sha256.Sum256([]byte(label))
	return Seed{Bytes: h[:]}
}

// testDesign is a textiles design over two categories.
func testDesign() Design {
	return Design{
		Industry: "textiles",
		Categories: map[string]CategoryRule{
			"garments":           {Tier: TierGeneral, Quantity: Quantity{Test: 2, Backup: 2}},
			"childrens-garments": {Tier: TierKey, Quantity: Quantity{Test: 3, Backup: 3}},
		},
		Strata:            []string{StratumCounty, StratumCategory},
		Allocation:        AllocationProportional,
		Batches:           6,
		NoRepeatSeconds:   int64(180 * 24 * time.Hour / time.Second),
		RiskWeights:       map[string]float64{"A": 1, "B": 2, "C": 4, "D": 8},
		FailBoost:         2,
		InspectorsPerTask: 2,
		Due:               "2026-12-31",
	}
}

// randomRecord builds a registry from r: up to units units over a few
// counties and two categories with random risk classes, some inspected
// before, and inspectors with random counties and recusals.
func randomRecord(t testing.TB, r *rand.Rand, units int) DrawRecord {
	t.Helper()
	counties := []string{"姑苏区", "吴江区", "吴中区", "相城区", "昆山市"}[:1+r.IntN(5)]
	cats := []string{"garments", "childrens-garments", "knitwear"}
	rec := DrawRecord{
		Schedule:    "textiles-monthly",
		Kind:        KindScheduled,
		NominalTime: fixtureNominal,
		Seed:        testSeed(fmt.Sprint("random ", r.Uint64())),
		Design:      testDesign(),
	}
	var taskID int64
	for i := range 1 + r.IntN(units) {
		code := testCode(t, i)
		county := counties[r.IntN(len(counties))]
		for _, c := range cats {
			if r.IntN(3) == 0 {
				continue
			}
			rec.Population = append(rec.Population, Unit{
				CreditCode: code, Enterprise: fmt.Sprintf("企业%d", i), County: county,
				Industry: "textiles", Category: c, Risk: string("ABCD"[r.IntN(4)]),
			})
			if r.IntN(4) == 0 {
				taskID++
				rec.History = append(rec.History, History{
					CreditCode: code, Category: c, TaskID: taskID,
					Time:    fixtureNominal.Add(-time.Duration(r.IntN(400)) * 24 * time.Hour),
					Outcome: []string{OutcomePass, OutcomeFail, ""}[r.IntN(3)],
				})
			}
		}
	}
	for i := range 4 + r.IntN(12) {
		in := Inspector{
			ID: fmt.Sprintf("I%03d", i), Name: fmt.Sprintf("检查员%d", i),
			County: counties[r.IntN(len(counties))], Industries: []string{"textiles"},
		}
		if r.IntN(5) == 0 {
			in.Industries = []string{"food"}
		}
		for range r.IntN(3) {
			if len(rec.Population) > 0 {
				in.Recusals = append(in.Recusals, rec.Population[r.IntN(len(rec.Population))].CreditCode)
			}
		}
		rec.Inspectors = append(rec.Inspectors, in)
	}
	for _, c := range counties {
		for _, cat := range cats {
			tested := r.IntN(50)
			rec.Recent = append(rec.Recent, CellCount{County: c, Category: cat, Tested: tested, Failed: r.IntN(tested + 1)})
		}
	}
	return rec
}

// shuffled returns a copy of rec with its slices in another order.
func shuffled(rec DrawRecord, r *rand.Rand) DrawRecord {
	out := rec
	out.Population = slices.Clone(rec.Population)
	out.History = slices.Clone(rec.History)
	out.Inspectors = slices.Clone(rec.Inspectors)
	out.Recent = slices.Clone(rec.Recent)
	r.Shuffle(len(out.Population), func(i, j int) { out.Population[i], out.Population[j] = out.Population[j], out.Population[i] })
	r.Shuffle(len(out.History), func(i, j int) { out.History[i], out.History[j] = out.History[j], out.History[i] })
	r.Shuffle(len(out.Inspectors), func(i, j int) { out.Inspectors[i], out.Inspectors[j] = out.Inspectors[j], out.Inspectors[i] })
	r.Shuffle(len(out.Recent), func(i, j int) { out.Recent[i], out.Recent[j] = out.Recent[j], out.Recent[i] })
	return out
}
