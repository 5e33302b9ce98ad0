package sampling

import (
	"fmt"
	"reflect"
	"testing"
)

// aheadRecord is a record of n units over three categories and ten
// counties, risk classes A–D, with its population as Units in key order.
func aheadRecord(n int, seed Seed) DrawRecord {
	rec := DrawRecord{Schedule: "ahead", Kind: KindScheduled, NominalTime: fixtureNominal, Seed: seed, Design: testDesign()}
	rec.Design.Categories["knitwear"] = CategoryRule{Tier: TierGeneral}
	rec.Design.Batches = 40
	rec.Design.MaxTasksPerInspector = 40
	cats := []string{"childrens-garments", "garments", "knitwear"}
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

// readAhead returns a copy of units appended as the storage reads a
// population: Ahead fed every feed units, with seed and industry.
func readAhead(units *Units, feed int, seed []byte, industry string) *Units {
	out := &Units{}
	a := NewAhead(out, seed, industry)
	for i := range units.Len() {
		u := units.Unit(i)
		out.AppendBytes([]byte(u.CreditCode), []byte(u.Category), []byte(u.County), []byte(u.Risk), u.Industry)
		if out.Len()%feed == 0 {
			a.Feed()
		}
	}
	a.Finish(true)
	return out
}

// TestAhead: the uniforms and the digest computed while the units are read
// are the draw's and Digest's own, bit for bit (fed in pieces of every
// size, the last a part), so a plan drawn with them equals the plan drawn
// without, commitment and frame digest included; computed with another
// seed, for another industry or for other units, they are not used.
func TestAhead(t *testing.T) {
	const n = 3000
	seed := testSeed("ahead")
	rec := aheadRecord(n, seed)
	wantDigest := rec.Units.Digest("textiles")
	want, err := DrawPlan(rec)
	if err != nil {
		t.Fatal(err)
	}
	g := newUniforms(seed.Bytes)
	for _, feed := range []int{1, 7, 1024, n, 2 * n} {
		units := readAhead(rec.Units, feed, seed.Bytes, "textiles")
		us := units.aheadFor(seed.Bytes)
		if len(us) != n {
			t.Fatalf("fed every %d: %d uniforms computed ahead, want %d", feed, len(us), n)
		}
		for i := range n {
			if got, want := us[i], g.unitAt(rec.Units, int32(i)); got != want {
				t.Fatalf("fed every %d: uniform of unit %d (%s) computed ahead = %v, the draw's = %v", feed, i, rec.Units.Key(i), got, want)
			}
		}
		if got := units.digestFor("textiles"); got != wantDigest {
			t.Fatalf("fed every %d: digest computed ahead = %q, Digest = %q", feed, got, wantDigest)
		}
		ahead := rec
		ahead.Units = units
		got, err := DrawPlan(ahead)
		if err != nil {
			t.Fatal(err)
		}
		got.Record, want.Record = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fed every %d: plan drawn with uniforms computed ahead differs:\n got %+v\nwant %+v", feed, got, want)
		}
	}
	units := readAhead(rec.Units, 100, seed.Bytes, "textiles")
	if other := testSeed("other"); units.aheadFor(other.Bytes) != nil {
		t.Error("uniforms computed ahead with one seed are used for a draw with another")
	}
	if units.digestFor("food") != "" {
		t.Error("a digest computed ahead for one industry is used for another")
	}
	if units.Digest("food") == wantDigest {
		t.Error("the digest of another industry equals this one's")
	}
	units.Append(Unit{CreditCode: "91320500MA99999999", Category: "garments", County: "county-00", Risk: "A"})
	if units.aheadFor(seed.Bytes) != nil || units.digestFor("textiles") != "" {
		t.Error("what was computed ahead is used for units added after it")
	}
	rec.Units.Append(Unit{CreditCode: "91320500MA99999999", Category: "garments", County: "county-00", Risk: "A"})
	if got, want := units.Digest("textiles"), rec.Units.Digest("textiles"); got != want {
		t.Errorf("digest after a unit was added = %q, want %q", got, want)
	}
}

// TestAheadOutOfOrder: units read out of key order, or twice, get no digest
// computed ahead, and Digest then sorts them as it does without Ahead; a
// plan drawn from them with the uniforms computed ahead is the plan drawn
// without.
func TestAheadOutOfOrder(t *testing.T) {
	seed := testSeed("order")
	rec := aheadRecord(600, seed)
	shuffled := &Units{}
	for i := range rec.Units.Len() {
		shuffled.Append(rec.Units.Unit((i * 7) % rec.Units.Len()))
	}
	doubled := &Units{}
	for i := range rec.Units.Len() {
		doubled.Append(rec.Units.Unit(i))
		if i == 300 {
			doubled.Append(rec.Units.Unit(i))
		}
	}
	for name, units := range map[string]*Units{"shuffled": shuffled, "doubled": doubled} {
		read := readAhead(units, 64, seed.Bytes, "textiles")
		if name == "shuffled" && read.digestFor("textiles") != "" {
			t.Errorf("%s: a digest was computed ahead of units out of order", name)
		}
		if got, want := read.Digest("textiles"), units.Digest("textiles"); got != want {
			t.Errorf("%s: digest = %q, without Ahead %q", name, got, want)
		}
		a, b := rec, rec
		a.Units, b.Units = units, read
		want, errWant := DrawPlan(a)
		got, errGot := DrawPlan(b)
		if fmt.Sprint(errGot) != fmt.Sprint(errWant) {
			t.Fatalf("%s: draw with Ahead: %v, without: %v", name, errGot, errWant)
		}
		got.Record, want.Record = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: plan drawn with Ahead differs:\n got %+v\nwant %+v", name, got, want)
		}
	}
}

// TestAheadWithoutSeed: without a seed only the digest is computed.
func TestAheadWithoutSeed(t *testing.T) {
	rec := aheadRecord(100, testSeed("none"))
	units := readAhead(rec.Units, 10, nil, "textiles")
	if units.ahead != nil {
		t.Error("uniforms computed without a seed")
	}
	if got, want := units.digestFor("textiles"), rec.Units.Digest("textiles"); got != want {
		t.Errorf("digest = %q, want %q", got, want)
	}
}
