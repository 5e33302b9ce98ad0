package sampling

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestFrameExclusions checks the no-repeat rule and its follow-up
// exception, the fail boost, and the scope limits.
func TestFrameExclusions(t *testing.T) {
	day := 24 * time.Hour
	rec := DrawRecord{Schedule: "s", Kind: KindScheduled, NominalTime: fixtureNominal, Seed: testSeed("frame"), Design: testDesign()}
	rec.Design.Counties = []string{"姑苏区", "吴江区"}
	codes := make([]string, 8)
	for i := range codes {
		codes[i] = testCode(t, i)
		county := "姑苏区"
		if i == 7 {
			county = "昆山市" // outside the listed counties
		}
		rec.Population = append(rec.Population, Unit{CreditCode: codes[i], County: county, Category: "garments", Risk: "B"})
	}
	rec.Population = append(rec.Population, Unit{CreditCode: codes[0], County: "姑苏区", Category: "knitwear", Risk: "B"}) // category out of scope
	rec.History = []History{
		{CreditCode: codes[1], Category: "garments", TaskID: 11, Time: fixtureNominal.Add(-30 * day), Outcome: OutcomePass},
		{CreditCode: codes[2], Category: "garments", TaskID: 12, Time: fixtureNominal.Add(-30 * day), Outcome: OutcomeFail},
		{CreditCode: codes[3], Category: "garments", TaskID: 13, Time: fixtureNominal.Add(-30 * day)}, // no result yet
		{CreditCode: codes[4], Category: "garments", TaskID: 14, Time: fixtureNominal.Add(-200 * day), Outcome: OutcomePass},
		{CreditCode: codes[5], Category: "garments", TaskID: 15, Time: fixtureNominal.Add(-200 * day), Outcome: OutcomeFail},
		{CreditCode: codes[6], Category: "garments", TaskID: 16, Time: fixtureNominal.Add(-180 * day), Outcome: OutcomePass}, // exactly at the edge: eligible
	}
	fr, err := buildFrame(&rec, false)
	if err != nil {
		t.Fatal(err)
	}
	frame := fr.list()
	want := map[string]struct {
		status string
		weight float64
	}{
		codes[0]: {StatusEligible, 2},
		codes[1]: {StatusExcluded, 2},
		codes[2]: {StatusFollowUp, 4},
		codes[3]: {StatusExcluded, 2},
		codes[4]: {StatusEligible, 2},
		codes[5]: {StatusEligible, 4},
		codes[6]: {StatusEligible, 2},
	}
	if len(frame) != len(want) {
		t.Fatalf("frame has %d units, want %d (out-of-scope county and category left out)", len(frame), len(want))
	}
	for _, f := range frame {
		w := want[f.CreditCode]
		if f.Status != w.status || f.Weight != w.weight {
			t.Errorf("unit %s: status %s weight %v, want %s weight %v", f.Key(), f.Status, f.Weight, w.status, w.weight)
		}
	}
	ex, err := Exclusions(rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) != 2 || ex[0].CreditCode != codes[1] || ex[1].CreditCode != codes[3] {
		t.Fatalf("Exclusions = %+v, want units %s and %s", ex, codes[1], codes[3])
	}
	for _, e := range ex {
		if !strings.Contains(e.Reason, "within no_repeat 180d") {
			t.Errorf("exclusion reason %q does not name the no-repeat period", e.Reason)
		}
	}
	if ex[1].LastOutcome != "pending" {
		t.Errorf("exclusion of a unit without a result: last outcome %q, want pending", ex[1].LastOutcome)
	}

	// No no-repeat period (no_repeat: 0d): nothing is excluded, and a
	// failure still boosts the weight, but no unit is a follow-up.
	rec.Design.NoRepeatSeconds = 0
	if ex, err := Exclusions(rec); err != nil || len(ex) != 0 {
		t.Errorf("Exclusions without a no-repeat period = %+v, %v; want none", ex, err)
	}
	fr, err = buildFrame(&rec, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fr.list() {
		if w := want[f.CreditCode]; f.Status != StatusEligible || f.Weight != w.weight {
			t.Errorf("without a no-repeat period, unit %s: status %s weight %v, want eligible weight %v", f.Key(), f.Status, f.Weight, w.weight)
		}
	}
}

// TestFrameDigestIgnoresOrder checks that the digests depend on the units,
// not on the order in which the registry was read, and change with any
// field of the listing.
func TestFrameDigestIgnoresOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rec := randomRecord(t, r, 40)
	frame, err := buildFrame(&rec, true)
	if err != nil {
		t.Fatal(err)
	}
	digest := frameDigest(frame.list())
	if frame.digest != digest {
		t.Errorf("buildFrame digest = %s, want %s, the digest of the frame's listing", frame.digest, digest)
	}
	pop := PopulationDigest("textiles", rec.Population)
	other := shuffled(rec, r)
	frame2, err := buildFrame(&other, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := frame2.digest; got != digest {
		t.Errorf("frameDigest(shuffled) = %s, want %s", got, digest)
	}
	if got := PopulationDigest("textiles", other.Population); got != pop {
		t.Errorf("PopulationDigest(shuffled) = %s, want %s", got, pop)
	}
	changed := shuffled(rec, r)
	changed.Population[0].Risk = map[string]string{"A": "B", "B": "C", "C": "D", "D": "A"}[changed.Population[0].Risk]
	frame3, err := buildFrame(&changed, true)
	if err != nil {
		t.Fatal(err)
	}
	if frame3.digest == digest {
		t.Errorf("FrameDigest is unchanged after a unit's risk class changed")
	}
	if PopulationDigest("textiles", changed.Population) == pop {
		t.Errorf("PopulationDigest is unchanged after a unit's risk class changed")
	}
}

func TestFrameErrors(t *testing.T) {
	rec := DrawRecord{NominalTime: fixtureNominal, Design: testDesign()}
	rec.Population = []Unit{{CreditCode: testCode(t, 1), County: "x", Category: "garments", Risk: "B"}}
	rec.Population = append(rec.Population, rec.Population[0])
	if _, err := buildFrame(&rec, false); err == nil || !strings.Contains(err.Error(), "appears twice") {
		t.Errorf("buildFrame(duplicate unit) = %v, want an error naming the duplicate", err)
	}
	rec.Population = rec.Population[:1]
	delete(rec.Design.RiskWeights, "B")
	if _, err := buildFrame(&rec, false); err == nil || !strings.Contains(err.Error(), `risk class "B" has no positive weight`) {
		t.Errorf("buildFrame(no weight for B) = %v, want an error naming the class", err)
	}
}
