package sampling

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestUnits checks that a population in compact form holds its units as
// given, and that a record drawn from it makes the same plan, frozen
// digest and JSON as the same record with its population as a slice.
func TestUnits(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 3))
	for i := range 200 {
		rec := randomRecord(t, r, 40)
		if i%10 == 0 {
			rec.Population = append(rec.Population, Unit{}) // every field empty
		}
		units := UnitsOf(rec.Population)
		if got := units.Slice(); !reflect.DeepEqual(got, rec.Population) {
			t.Fatalf("record %d: UnitsOf(units).Slice() = %v, want %v", i, got, rec.Population)
		}
		if got, want := units.Digest("textiles"), PopulationDigest("textiles", rec.Population); got != want {
			t.Fatalf("record %d: Digest = %s, want %s", i, got, want)
		}
		compact := rec
		compact.Population, compact.Units = nil, units
		if compact.Compact().Len() != len(rec.Population) {
			t.Fatalf("record %d: PopulationLen = %d, want %d", i, compact.Compact().Len(), len(rec.Population))
		}
		want, werr := DrawPlan(rec)
		got, gerr := DrawPlan(compact)
		if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
			t.Fatalf("record %d: DrawPlan(compact) error %v, want %v", i, gerr, werr)
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if string(gj) != string(wj) {
			t.Fatalf("record %d: DrawPlan(compact) = %s, want %s", i, gj, wj)
		}
		if got, want := FrozenDigest(compact), FrozenDigest(rec); got != want {
			t.Fatalf("record %d: FrozenDigest(compact) = %s, want %s", i, got, want)
		}
		ej, _ := json.Marshal(compact.Expanded())
		rj, _ := json.Marshal(rec)
		if string(ej) != string(rj) {
			t.Fatalf("record %d: JSON of the expanded record = %s, want %s", i, ej, rj)
		}
	}
}

// PopulationDigest is the Digest of a population given as units.
func PopulationDigest(industry string, units []Unit) string {
	return UnitsOf(units).Digest(industry)
}
