package sampling

import (
	"fmt"
	"reflect"
	"testing"
)

// aheadRecord is a record of n units over three categories and ten
// counties, risk classes A–D, with its population as Units.
func aheadRecord(n int, seed Seed) DrawRecord {
	rec := DrawRecord{Schedule: "ahead", Kind: KindScheduled, NominalTime: fixtureNominal, Seed: seed, Design: testDesign()}
	rec.Design.Categories["knitwear"] = CategoryRule{Tier: TierGeneral}
	rec.Design.Batches = 40
	rec.Design.MaxTasksPerInspector = 40
	cats := []string{"garments", "childrens-garments", "knitwear"}
	units := &Units{}
	for i := range n {
		units.Append(Unit{CreditCode: fmt.Sprintf("91320500MA%08d", i/3), Category: cats[i%3], Industry: "textiles",
			County: fmt.Sprintf("county-%02d", (i/3)%10), Risk: string("ABBBCCD"[i%7])})
	}
	rec.Units = units
	for i := range 20 {
		rec.Inspectors = append(rec.Inspectors, Inspector{ID: fmt.Sprintf("I%03d", i), County: fmt.Sprintf("county-%02d", i%10), Industries: []string{"textiles"}})
	}
	return rec
}

// withAhead returns rec's units computed ahead with seed: a copy of the
// units, each added to a UniformsAhead as the storage adds them.
func withAhead(rec DrawRecord, seed []byte) *Units {
	a := NewUniformsAhead(seed)
	units := &Units{}
	for i := range rec.Units.Len() {
		u := rec.Units.Unit(i)
		units.AppendBytes([]byte(u.CreditCode), []byte(u.Category), []byte(u.County), []byte(u.Risk), u.Industry)
		a.Add([]byte(u.CreditCode), []byte(u.Category))
	}
	a.Finish(units)
	return units
}

// TestUniformsAhead: the uniforms computed while the units are read are
// the draw's own, bit for bit (over several batches and a part batch), so
// a plan drawn with them equals the plan drawn without, commitment and
// frame digest included; computed with another seed, or for other units,
// they are not used.
func TestUniformsAhead(t *testing.T) {
	const n = 2*aheadBatchUnits + 123
	seed := testSeed("ahead")
	rec := aheadRecord(n, seed)
	units := withAhead(rec, seed.Bytes)
	us := units.aheadFor(seed.Bytes)
	if len(us) != n {
		t.Fatalf("uniforms computed ahead: %d, want %d", len(us), n)
	}
	g := newUniforms(seed.Bytes)
	for i := range n {
		if got, want := us[i], g.unitAt(rec.Units, int32(i)); got != want {
			t.Fatalf("uniform of unit %d (%s) computed ahead = %v, the draw's = %v", i, rec.Units.Key(i), got, want)
		}
	}
	want, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	ahead := rec
	ahead.Units = units
	got, err := DrawPlan(ahead)
	if err != nil {
		t.Fatal(err)
	}
	got.Record, want.Record = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan drawn with uniforms computed ahead differs:\n got %+v\nwant %+v", got, want)
	}
	if other := testSeed("other"); units.aheadFor(other.Bytes) != nil {
		t.Error("uniforms computed ahead with one seed are used for a draw with another")
	}
	units.Append(Unit{CreditCode: "91320500MA99999999", Category: "garments", County: "county-00", Risk: "A"})
	if units.aheadFor(seed.Bytes) != nil {
		t.Error("uniforms computed ahead are used for units added after them")
	}
}

// TestUniformsAheadDifferentSeed: a plan drawn from units whose uniforms
// were computed ahead with another seed is the plan drawn without them.
func TestUniformsAheadDifferentSeed(t *testing.T) {
	rec := aheadRecord(3000, testSeed("draw"))
	want, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	ahead := rec
	ahead.Units = withAhead(rec, testSeed("another").Bytes)
	got, err := DrawPlan(ahead)
	if err != nil {
		t.Fatal(err)
	}
	got.Record, want.Record = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plan drawn from units with another seed's uniforms differs:\n got %+v\nwant %+v", got, want)
	}
}
