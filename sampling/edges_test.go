package sampling

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests that pin edges mutation testing found loose (docs/testing.md,
// "Scores"): each fails when the operator its comment names is changed.

// TestParseSeedErrorNamesDigits: a seed of the wrong length is refused
// with the number of digits a seed has, 2 × SeedSize = 64.
func TestParseSeedErrorNamesDigits(t *testing.T) {
	_, err := ParseSeed("abcd")
	want := `seed "abcd": want 64 hexadecimal digits`
	if err == nil || err.Error() != want {
		t.Errorf("ParseSeed(abcd) error = %v, want %q", err, want)
	}
}

// TestSamePiRelativeTolerance: SamePi holds up to a relative 1e-12,
// inclusive, and not beyond. A difference of exactly 1e-12 × the larger
// value can only be built where floats are evenly spaced by more than
// that, among the subnormals: there 3e12 × the smallest float has a
// tolerance of exactly 3 × the smallest float.
func TestSamePiRelativeTolerance(t *testing.T) {
	b := math.SmallestNonzeroFloat64 * 3e12
	a := b - 3*math.SmallestNonzeroFloat64
	if 1e-12*b != 3*math.SmallestNonzeroFloat64 {
		t.Fatalf("1e-12 × %g = %g, want 3 × the smallest float", b, 1e-12*b)
	}
	cases := []struct {
		a, b float64
		want bool
	}{
		{a, b, true}, // exactly at the tolerance
		{b, a, true},
		{a - math.SmallestNonzeroFloat64, b, false}, // one step beyond
		{0.5, 0.5 + 4e-13, true},
		{0.5, 0.5 + 6e-13, false},
		{0.5, 0.6, false},
		{0.25, 0.25, true},
	}
	for _, c := range cases {
		if got := SamePi(c.a, c.b); got != c.want {
			t.Errorf("SamePi(%g, %g) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// TestPlanRecordKeepsRecentForNeymanOnly: the record stored with a plan
// keeps the recent failure counts only when Neyman allocation read them.
func TestPlanRecordKeepsRecentForNeymanOnly(t *testing.T) {
	rec := randomRecord(t, rand.New(rand.NewPCG(7, 8)), 60)
	if len(rec.Recent) == 0 {
		t.Fatal("the fixture has no recent counts")
	}
	for _, alloc := range []string{AllocationProportional, AllocationNeyman} {
		r := rec
		r.Design.Allocation = alloc
		plan, err := DrawPlan(r)
		if err != nil {
			t.Fatalf("%s: %v", alloc, err)
		}
		want := rec.Recent
		if alloc != AllocationNeyman {
			want = nil
		}
		if !slices.Equal(plan.Record.Recent, want) {
			t.Errorf("%s: the plan's record keeps %d recent counts, want %d", alloc, len(plan.Record.Recent), len(want))
		}
	}
}

// TestParseAQLTolerance: an AQL is read up to a relative 1e-9 of the
// table's value, so 0.0100000001 (1e-8 relative off 0.010) is no AQL.
func TestParseAQLTolerance(t *testing.T) {
	for s, want := range map[string]float64{"0.01": 0.010, "0.010000000001": 0.010, "1000.0000001": 1000} {
		if got, err := ParseAQL(s); err != nil || got != want {
			t.Errorf("ParseAQL(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"0.0100000001", "0.0099999999", "1000.01"} {
		if got, err := ParseAQL(s); err == nil {
			t.Errorf("ParseAQL(%q) = %v, want an error", s, got)
		}
	}
}

// TestFormatPeriodEachUnit: the no-repeat period is written in its largest
// whole unit, seconds last.
func TestFormatPeriodEachUnit(t *testing.T) {
	for d, want := range map[time.Duration]string{
		180 * 24 * time.Hour: "180d", 36 * time.Hour: "36h", 90 * time.Minute: "90m",
		45 * time.Second: "45s", 0: "0s", 61 * time.Second: "61s",
	} {
		if got := formatPeriod(d); got != want {
			t.Errorf("formatPeriod(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestRiskClassZ: the risk classes are the letters up to Z inclusive;
// a unit of class Z takes the design's weight for Z.
func TestRiskClassZ(t *testing.T) {
	rec := randomRecord(t, rand.New(rand.NewPCG(3, 4)), 30)
	rec.Design.RiskWeights = map[string]float64{"Y": 1, "Z": 3}
	for i := range rec.Population {
		rec.Population[i].Risk = "Y"
	}
	rec.Population[0].Risk = "Z"
	plan, err := DrawPlan(rec)
	if err != nil {
		t.Fatalf("DrawPlan with a unit of risk class Z: %v", err)
	}
	if plan.FrameSize == 0 {
		t.Fatal("empty frame")
	}
}

// TestGroupWeightsOnePerDistinctWeight: units of equal weight share one
// group, the first weight seen first.
func TestGroupWeightsOnePerDistinctWeight(t *testing.T) {
	w := []float64{2, 1, 2, 2, 4, 1}
	g := groupWeights(len(w), func(i int) float64 { return w[i] })
	if !slices.Equal(g.weight, []float64{2, 1, 4}) || !slices.Equal(g.size, []int{3, 2, 1}) || !slices.Equal(g.of, []int32{0, 1, 0, 0, 2, 1}) {
		t.Errorf("groupWeights(%v) = weights %v, sizes %v, groups %v; want [2 1 4], [3 2 1], [0 1 0 0 2 1]", w, g.weight, g.size, g.of)
	}
}

// blockRecord is a record of one stratum of n units (one county, one
// category), in key order.
func blockRecord(t *testing.T, n int) DrawRecord {
	rec := DrawRecord{Schedule: "textiles-monthly", Kind: KindScheduled, NominalTime: fixtureNominal,
		Seed: testSeed("block"), Design: testDesign()}
	for i := range n {
		rec.Population = append(rec.Population, Unit{CreditCode: testCode(t, i), Enterprise: fmt.Sprint("企业", i),
			County: "姑苏区", Industry: "textiles", Category: "garments", Risk: "B"})
	}
	return rec
}

// TestFrameOrderCheckedBeyondFirstBlock: a stratum's units are checked
// for key order in blocks of fillBlock (64); a disorder or a duplicate
// after the first block is found as in the first.
func TestFrameOrderCheckedBeyondFirstBlock(t *testing.T) {
	const n = 150 // two full blocks and a part
	sorted := blockRecord(t, n)
	want, err := buildFrame(&sorted, true)
	if err != nil {
		t.Fatal(err)
	}
	swapped := blockRecord(t, n)
	swapped.Population[100], swapped.Population[130] = swapped.Population[130], swapped.Population[100]
	got, err := buildFrame(&swapped, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.digest != want.digest {
		t.Errorf("frame digest with units 100 and 130 swapped = %s, want %s, the digest in key order", got.digest, want.digest)
	}
	dup := blockRecord(t, n)
	dup.Population[120] = dup.Population[119]
	if _, err := buildFrame(&dup, true); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("buildFrame(unit 119 twice) = %v, want an error naming the duplicate", err)
	}
}

// TestDuplicateNamedInKeyOrder: of two units that each appear twice, the
// error names the first in key order, whatever the order given.
func TestDuplicateNamedInKeyOrder(t *testing.T) {
	rec := blockRecord(t, 2)
	a, b := rec.Population[0], rec.Population[1]
	rec.Population = []Unit{b, b, a, a}
	_, err := buildFrame(&rec, true)
	want := fmt.Sprintf("unit %s/garments appears twice in the population", a.CreditCode)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("buildFrame(b, b, a, a) = %v, want an error containing %q", err, want)
	}
}

// TestStratifyAcrossChunks: a population larger than stratifyChunk rows is
// stratified in pieces; each unit is counted once, in its own stratum.
func TestStratifyAcrossChunks(t *testing.T) {
	counties := []string{"姑苏区", "吴江区", "吴中区"}
	cats := []string{"garments", "childrens-garments"}
	rec := DrawRecord{Schedule: "textiles-monthly", Kind: KindScheduled, NominalTime: fixtureNominal,
		Seed: testSeed("chunks"), Design: testDesign()}
	rec.Design.Batches = 12
	for i := range 8 {
		rec.Inspectors = append(rec.Inspectors, Inspector{ID: fmt.Sprintf("I%03d", i), Name: fmt.Sprint("检查员", i),
			County: counties[i%3], Industries: []string{"textiles"}})
	}
	want := map[string]int{}
	n := 2*stratifyChunk + 4321
	for i := range n {
		// Interleaved, so that each piece holds every county and category,
		// with a different number of units in each cell.
		c, k := counties[i%3], cats[(i/3)%2]
		if i%7 == 0 {
			k = cats[0]
		}
		want[c+"/"+k]++
		rec.Population = append(rec.Population, Unit{CreditCode: testCode(t, i), County: c, Industry: "textiles", Category: k, Risk: "A"})
	}
	plan, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	if plan.FrameSize != n || len(plan.Strata) != len(want) {
		t.Fatalf("frame of %d units in %d strata, want %d in %d", plan.FrameSize, len(plan.Strata), n, len(want))
	}
	var got, wantSizes []int
	for _, s := range plan.Strata {
		got = append(got, s.Units)
	}
	for _, v := range want {
		wantSizes = append(wantSizes, v)
	}
	slices.Sort(got)
	slices.Sort(wantSizes)
	if !slices.Equal(got, wantSizes) {
		t.Errorf("stratum sizes %v, want %v", got, wantSizes)
	}
}

// TestUniformsKnownValues pins the draw's random numbers to values
// computed independently, with Python's hmac and hashlib:
//
//	seed = hashlib.sha256(b"uniforms").digest()
//	x = int.from_bytes(hmac.new(seed, msg, hashlib.sha256).digest()[:8], "big")
//	((x >> 11) + 0.5) / 2**53
//
// The half step keeps each number strictly inside (0, 1); without it (or
// with −0.5) every number moves by 2⁻⁵³, which no draw's outcome shows.
func TestUniformsKnownValues(t *testing.T) {
	g := newUniforms(testSeed("uniforms").Bytes)
	for msg, want := range map[string]float64{
		"unit:91320500MA0000001X/garments": 0.6046557217175823,
		"inspector:abc":                    0.3687214374667665,
	} {
		if got := g.of(msg); got != want {
			t.Errorf("uniform of %q = %.17g, want %.17g", msg, got, want)
		}
	}
}

// TestTargetsShareExactlyOne: a unit whose share of the sample is exactly
// 1 is a certainty unit, its target and inclusion probability exactly 1
// (not 1 − 2⁻⁵³ from a rescaling): 3 × 0.2 is the total weight of
// {0.2, 0.1, 0.1, 0.1, 0.1}; and a sample of every unit takes each with
// probability exactly 1.
func TestTargetsShareExactlyOne(t *testing.T) {
	w := []float64{0.2, 0.1, 0.1, 0.1, 0.1}
	if lam := targets(w, 3); lam[0] != 1 {
		t.Errorf("targets(%v, 3)[0] = %.17g, want exactly 1", w, lam[0])
	}
	g := groupWeights(len(w), func(i int) float64 { return w[i] })
	if pi := g.inclusion(3); pi[0] != 1 {
		t.Errorf("inclusion of weight 0.2 in 3 of %v = %.17g, want exactly 1", w, pi[0])
	}
	all := []float64{1.5, 0.7, 1, 1}
	for i, l := range targets(all, len(all)) {
		if l != 1 {
			t.Errorf("targets(%v, %d)[%d] = %.17g, want exactly 1", all, len(all), i, l)
		}
	}
}

// TestParetoInclusionNoneAndAll: a sample of none takes no unit, a sample
// of all takes each.
func TestParetoInclusionNoneAndAll(t *testing.T) {
	lam, size := []float64{0.2, 0.6}, []int{2, 3}
	if got := paretoInclusion(lam, size, 0); !slices.Equal(got, []float64{0, 0}) {
		t.Errorf("paretoInclusion(m = 0) = %v, want [0 0]", got)
	}
	if got := paretoInclusion(lam, size, 5); !slices.Equal(got, []float64{1, 1}) {
		t.Errorf("paretoInclusion(m = 5 of 5) = %v, want [1 1]", got)
	}
}

// TestLogisticBothBranches: logistic computes σ(x) = 1/(1+e^−x) without
// overflow on either side; checked against the definition where e^−x
// neither overflows nor underflows, and exactly at 0 and far out.
func TestLogisticBothBranches(t *testing.T) {
	for x, want := range map[float64]float64{0: 0.5, 800: 1, -800: 0, 40: 1 - math.Exp(-40)} {
		if got := logistic(x); got != want {
			t.Errorf("logistic(%v) = %.17g, want exactly %.17g", x, got, want)
		}
	}
	for _, x := range []float64{-30, -2, -0.5, 0.5, 2, 30} {
		want := 1 / (1 + math.Exp(-x))
		if got := logistic(x); !(math.Abs(got-want) <= 4e-16*want) {
			t.Errorf("logistic(%v) = %.17g, want %.17g", x, got, want)
		}
	}
}

// TestBinomialUnderflowBranch: when P(0) = q^n underflows (n·log q below
// −700), binomial goes on in logarithms; its probabilities are checked
// against the log-gamma form of the binomial coefficient.
func TestBinomialUnderflowBranch(t *testing.T) {
	const n, p = 2000, 0.3
	q := 1 - p
	out := make([]float64, 700)
	binomial(out, n, p, q, math.Log(q), binomialRatios(n, len(out)))
	for _, j := range []int{1, 10, 300, 600, 699} {
		lg := func(x float64) float64 { v, _ := math.Lgamma(x); return v }
		want := math.Exp(lg(n+1) - lg(float64(j)+1) - lg(float64(n-j)+1) + float64(j)*math.Log(p) + float64(n-j)*math.Log(q))
		if got := out[j]; !(math.Abs(got-want) <= 1e-9*want) {
			t.Errorf("P(Bin(%d, %v) = %d) = %.17g, want %.17g", n, p, j, got, want)
		}
	}
}

// TestBinomialCertainEdges: with p = 1 the whole mass is at n, which out
// holds only when n < len(out); with p = 0 it is at 0.
func TestBinomialCertainEdges(t *testing.T) {
	for _, c := range []struct {
		n, size int
		p       float64
		want    []float64
	}{
		{3, 3, 1, []float64{0, 0, 0}},
		{2, 3, 1, []float64{0, 0, 1}},
		{3, 3, 0, []float64{1, 0, 0}},
		{0, 2, 0.4, []float64{1, 0}},
	} {
		out := []float64{9, 9, 9}[:c.size]
		binomial(out, c.n, c.p, 1-c.p, math.Log(1-c.p), binomialRatios(c.n, c.size))
		if !slices.Equal(out, c.want) {
			t.Errorf("binomial(len %d, n = %d, p = %v) = %v, want %v", c.size, c.n, c.p, out, c.want)
		}
	}
}

// TestAssignShortageNamesTask: the greedy pass gives every task what it
// can before augmenting paths fill the short ones; when five tasks need
// one inspector each from three with room for one task, the error names
// the first task in order (fewest eligible inspectors first) left empty
// after the greedy pass: C2. Augmenting while the greedy pass runs would
// name C3.
func TestAssignShortageNamesTask(t *testing.T) {
	d := Design{Industry: "x", InspectorsPerTask: 1, MaxTasksPerInspector: 1}
	var tasks []Task
	for i, county := range []string{"c1", "c1", "c1", "c1", "c0"} {
		tasks = append(tasks, Task{CreditCode: fmt.Sprint("C", i), Category: "k", County: county})
	}
	pool := []Inspector{
		{ID: "I0", County: "c0", Industries: []string{"x"}, Recusals: []string{"C1"}},
		{ID: "I1", County: "c0", Industries: []string{"x"}, Recusals: []string{"C1", "C2", "C4"}},
		{ID: "I2", County: "c1", Industries: []string{"x"}, Recusals: []string{"C0", "C3"}},
	}
	err := assignInspectors(&d, []byte("seed83"), tasks, pool)
	want := "task C2/k (county c1): 2 eligible inspectors, but only 0 can be assigned without exceeding max_tasks_per_inspector 1 (inspectors_per_task 1)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("assignInspectors = %v, want an error containing %q", err, want)
	}
}

// TestParetoInclusionNearlyFull: a sample of all units but one, with
// groups of 98 and 3 units, integrates far to the right, where P(0) of
// the 98-unit group's binomial of one unit fewer underflows and binomial
// works in logarithms: each π must stay a probability and they must sum
// to the sample size.
func TestParetoInclusionNearlyFull(t *testing.T) {
	for _, c := range []struct {
		w    []float64
		size []int
		m    int
	}{
		{[]float64{1, 1.01}, []int{98, 3}, 100},
		{[]float64{1, 1.2}, []int{99, 2}, 100},
	} {
		lam := groupTargets(c.w, c.size, c.m)
		pi := paretoInclusion(lam, c.size, c.m)
		sum := 0.0
		for g, p := range pi {
			if !(p >= 0 && p <= 1) {
				t.Errorf("weights %v, sizes %v, m = %d: π[%d] = %v, want a probability", c.w, c.size, c.m, g, p)
			}
			sum += float64(c.size[g]) * p
		}
		if !(math.Abs(sum-float64(c.m)) <= 1e-10) {
			t.Errorf("weights %v, sizes %v, m = %d: Σπ = %.15g, want %d", c.w, c.size, c.m, sum, c.m)
		}
	}
}

// TestLongNamesOutsideStratumKey: a category or county name may be long
// (a category named in full in Chinese) and need not be part of the
// stratum key; the listing's buffer is sized for such lines too.
func TestLongNamesOutsideStratumKey(t *testing.T) {
	long := strings.Repeat("婴幼儿及儿童纺织产品", 3) // 90 bytes
	for _, c := range []struct {
		strata           []string
		county, category string
	}{
		{[]string{StratumCounty}, "姑苏区", long},
		{[]string{StratumCategory}, long, "garments"},
	} {
		rec := blockRecord(t, 5)
		rec.Design.Strata = c.strata
		rec.Design.Categories = map[string]CategoryRule{c.category: {Tier: TierGeneral, Quantity: Quantity{Test: 2, Backup: 2}}}
		rec.Design.Batches = 2
		rec.Design.InspectorsPerTask = 1
		for i := range rec.Population {
			rec.Population[i].County, rec.Population[i].Category = c.county, c.category
		}
		rec.Inspectors = []Inspector{{ID: "I1", County: "x", Industries: []string{"textiles"}}, {ID: "I2", County: "y", Industries: []string{"textiles"}}}
		plan, err := DrawPlan(rec)
		if err != nil || plan.FrameSize != 5 || len(plan.Tasks) != 2 {
			t.Errorf("strata %v, county %q, category %q: frame of %d, %d tasks, %v; want 5, 2, no error", c.strata, c.county, c.category, plan.FrameSize, len(plan.Tasks), err)
		}
	}
}
